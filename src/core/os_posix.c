/* os.h on POSIX hosts (Linux). */
#include "os.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#define HUGE_PAGE_SIZE ((size_t)2 << 20)

void *os_alloc_guest_pages(uint64_t size)
{
    if (size > SIZE_MAX - HUGE_PAGE_SIZE) {
        errno = ENOMEM;
        return NULL;
    }
    /* MAP_NORESERVE: a large guest costs only the pages it touches. One
     * huge page more than asked, so that the memory can start on a 2 MiB
     * boundary: KVM maps a guest's 2 MiB with one nested page-table entry
     * only where host and guest addresses are aligned alike. */
    size_t len = (size_t)size;
    size_t mapped = len >= HUGE_PAGE_SIZE ? len + HUGE_PAGE_SIZE : len;
    uint8_t *at = mmap(NULL, mapped, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (at == MAP_FAILED)
        return NULL;
    if (mapped == len)
        return at;
    uint8_t *aligned = (uint8_t *)(((uintptr_t)at + HUGE_PAGE_SIZE - 1) & ~(HUGE_PAGE_SIZE - 1));
    if (aligned > at)
        munmap(at, (size_t)(aligned - at));
    size_t tail = (size_t)(at + mapped - (aligned + len));
    if (tail)
        munmap(aligned + len, tail);
    /* Transparent huge pages even where the host leaves them to madvise
     * (as Ubuntu does): a booting Linux touches most of its RAM,
     * and each 4 KiB page would be a fault of its own. Only a hint. */
    madvise(aligned, len, MADV_HUGEPAGE);
    return aligned;
}

void os_free_guest_pages(void *pages, uint64_t size)
{
    if (pages)
        munmap(pages, (size_t)size);
}

int os_replace_file(const char *from, const char *to)
{
    return rename(from, to);
}

int os_sync_file(FILE *file)
{
    if (fflush(file) != 0 || fsync(fileno(file)) != 0)
        return -1;
    return 0;
}

long os_process_id(void)
{
    return (long)getpid();
}

char *os_absolute_path(const char *path)
{
    return realpath(path, NULL);
}
