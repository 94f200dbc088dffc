/*
 * The few host services whose POSIX and Windows forms differ, behind one
 * header: os_posix.c (Linux) and os_windows.c (Windows) implement it. Code
 * that only needs these stays free of #ifdef _WIN32.
 *
 * The console's raw mode and input (host/console_posix.c, console_windows.c) and
 * the run-loop ticker (host/ticker_*.c), the clock
 * (host/clock_*.c) are split the same way
 * behind their own headers, console.h and ticker.h.
 *
 * Failures return -1 or NULL with errno set, so callers can report them
 * with wisp_fail_errno().
 */
#ifndef WISP_OS_H
#define WISP_OS_H

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>

/* open() flags one host lacks mean "nothing to do" there: no exec on
 * Windows, no text mode on POSIX, no FIFOs to block on on Windows. */
#ifndef O_CLOEXEC
#define O_CLOEXEC 0
#endif
#ifndef O_BINARY
#define O_BINARY 0
#endif
#ifndef O_NONBLOCK
#define O_NONBLOCK 0
#endif

/* size bytes (a multiple of the host page size) of zero-filled, read-write
 * memory, page aligned, that the host only backs once touched where it can
 * (mmap MAP_NORESERVE, VirtualAlloc). NULL with errno set on failure. */
void *os_alloc_guest_pages(uint64_t size);
void os_free_guest_pages(void *pages, uint64_t size);

/* Moves the file `from` over `to`, replacing `to` if it exists, in one step
 * where the host allows (rename, MoveFileEx with MOVEFILE_REPLACE_EXISTING). */
int os_replace_file(const char *from, const char *to);

/* Flushes file's stdio buffer and asks the host to put its data on disk
 * (fsync, _commit). */
int os_sync_file(FILE *file);

/* The process id, for unique temporary file names. */
long os_process_id(void);

/* path made absolute (realpath, _fullpath), malloc'd; NULL on failure. A
 * snapshot names its disk images so that restore finds them from any
 * directory. */
char *os_absolute_path(const char *path);

#endif
