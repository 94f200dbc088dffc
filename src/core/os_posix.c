/* os.h on POSIX hosts (Linux). */
#include "os.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

void *os_alloc_guest_pages(uint64_t size)
{
    if (size > SIZE_MAX) {
        errno = ENOMEM;
        return NULL;
    }
    /* MAP_NORESERVE: a large guest costs only the pages it touches. */
    void *pages = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    return pages == MAP_FAILED ? NULL : pages;
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
