/* os.h on Windows. */
#include "os.h"

#include <errno.h>
#include <io.h>
#include <stdio.h>
#include <stdlib.h>
#include <windows.h>

/* errno for the Win32 error of the call that just failed, so messages read
 * the same as on Linux ("Permission denied", "No such file or directory"). */
static void set_errno_from_win32(DWORD error)
{
    switch (error) {
    case ERROR_FILE_NOT_FOUND:
    case ERROR_PATH_NOT_FOUND:
    case ERROR_INVALID_DRIVE:
        errno = ENOENT;
        break;
    case ERROR_ACCESS_DENIED:
    case ERROR_SHARING_VIOLATION:
    case ERROR_LOCK_VIOLATION:
        errno = EACCES;
        break;
    case ERROR_NOT_ENOUGH_MEMORY:
    case ERROR_OUTOFMEMORY:
    case ERROR_COMMITMENT_LIMIT:
        errno = ENOMEM;
        break;
    case ERROR_DISK_FULL:
    case ERROR_HANDLE_DISK_FULL:
        errno = ENOSPC;
        break;
    case ERROR_NOT_SAME_DEVICE:
        errno = EXDEV;
        break;
    case ERROR_WRITE_PROTECT:
        errno = EROFS;
        break;
    default:
        errno = EIO;
        break;
    }
}

void *os_alloc_guest_pages(uint64_t size)
{
    if (size > SIZE_MAX) {
        errno = ENOMEM;
        return NULL;
    }
    /* Committed but untouched pages take no physical memory; VirtualAlloc
     * returns them zeroed and 64 KiB aligned, as WHvMapGpaRange needs. */
    void *pages = VirtualAlloc(NULL, (SIZE_T)size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    if (!pages)
        set_errno_from_win32(GetLastError());
    return pages;
}

void os_free_guest_pages(void *pages, uint64_t size)
{
    (void)size; /* MEM_RELEASE frees the whole reservation */
    if (pages)
        VirtualFree(pages, 0, MEM_RELEASE);
}

int os_replace_file(const char *from, const char *to)
{
    /* The A form: the names come from argv and the C library's open(),
     * which use the ANSI code page, so it names the same files. */
    if (MoveFileExA(from, to, MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH))
        return 0;
    set_errno_from_win32(GetLastError());
    return -1;
}

int os_sync_file(FILE *file)
{
    if (fflush(file) != 0 || _commit(_fileno(file)) != 0)
        return -1;
    return 0;
}

long os_process_id(void)
{
    return (long)GetCurrentProcessId();
}

char *os_absolute_path(const char *path)
{
    return _fullpath(NULL, path, 0);
}
