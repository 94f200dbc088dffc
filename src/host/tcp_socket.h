/*
 * A TCP listening socket and its connections, for the GDB stub (--gdb):
 * opened during set-up, before the sandbox; accepted, read and written
 * by the stub's thread (whose seccomp filter allows just that). Plain
 * file descriptors and a wake-up pipe; POSIX only for now
 * (tcp_socket_windows.c refuses with a clear message).
 */
#ifndef WISP_HOST_TCP_SOCKET_H
#define WISP_HOST_TCP_SOCKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* Listens on host:port (a numeric IPv4 address or "localhost"). A port in
 * use or a bad address fails with WISP_EXIT_USAGE and one line. */
int host_tcp_listen(const char *host, uint16_t port, int *fd, struct wisp_error *err);
/* The next connection, or -1. TCP_NODELAY set: GDB's packets are small. */
int host_tcp_accept(int listen_fd);

/* A pipe for waking a thread in host_wait_readable. */
int host_wake_pipe(int fds[2], struct wisp_error *err);
void host_wake(int write_fd);
void host_wake_drain(int read_fd);

/* Waits up to timeout_ms for a or b (-1: unused) to become readable (or
 * hung up). Sets *a_ready / *b_ready. Returns -1 on an error. */
int host_wait_readable(int a, int b, int timeout_ms, bool *a_ready, bool *b_ready);

/* Reads what is there (at most len): bytes, 0 at the end, -1 on an error. */
long host_fd_read(int fd, void *buf, size_t len);
/* Writes everything; false on an error (the peer went away). */
bool host_fd_write_all(int fd, const void *buf, size_t len);
void host_fd_close(int fd);

#endif
