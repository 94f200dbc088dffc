/*
 * The live migration connection: "tcp:HOST:PORT" (a numeric IPv4 address
 * or localhost) or "unix:PATH". The destination (--incoming) listens and
 * accepts its one source during set-up, before the sandbox; the source's
 * migration thread connects at run time (its seccomp kind allows exactly
 * socket, connect and the I/O: host/sandbox.h). Reads and writes are
 * non-blocking underneath and give up when *cancel becomes true or
 * MIGRATION_IO_TIMEOUT_MS pass without progress, so a stuck peer never
 * holds a wisp that wants to stop. POSIX only (migration_socket_windows.c
 * refuses with a clear message).
 */
#ifndef WISP_HOST_MIGRATION_SOCKET_H
#define WISP_HOST_MIGRATION_SOCKET_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"

#define MIGRATION_IO_TIMEOUT_MS 30000

/* Checks the URI's form (WISP_EXIT_USAGE, one line). */
int migration_uri_check(const char *uri, struct wisp_error *err);
/* Destination: listens on uri, says so on stderr, accepts one connection
 * and closes the listener (a unix socket's file removed). Blocks. */
int migration_accept(const char *uri, int *fd, struct wisp_error *err);
/* Source: connects (WISP_EXIT_HOST_ERROR with the reason: refused, ...). */
int migration_connect(const char *uri, int *fd, struct wisp_error *err);

/* 0 once all len bytes moved; -1 on an error, the end of the stream, a
 * timeout or *cancel (errno says which: ECANCELED for cancel, ETIMEDOUT). */
int migration_send_all(int fd, const void *buf, size_t len, const int *cancel);
int migration_recv_all(int fd, void *buf, size_t len, const int *cancel);
void migration_close(int fd);

#endif
