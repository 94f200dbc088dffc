/* The GDB stub's sockets are not written for Windows yet (tcp_socket.h):
 * --gdb fails at start with one line. */
#include "tcp_socket.h"

int host_tcp_listen(const char *host, uint16_t port, int *fd, struct wisp_error *err)
{
    (void)host;
    (void)port;
    *fd = -1;
    return wisp_fail(err, WISP_EXIT_USAGE, "--gdb is not supported on Windows yet");
}

int host_tcp_accept(int listen_fd)
{
    (void)listen_fd;
    return -1;
}

int host_wake_pipe(int fds[2], struct wisp_error *err)
{
    fds[0] = fds[1] = -1;
    return wisp_fail(err, WISP_EXIT_USAGE, "--gdb is not supported on Windows yet");
}

void host_wake(int write_fd)
{
    (void)write_fd;
}

void host_wake_drain(int read_fd)
{
    (void)read_fd;
}

int host_wait_readable(int a, int b, int timeout_ms, bool *a_ready, bool *b_ready)
{
    (void)a;
    (void)b;
    (void)timeout_ms;
    *a_ready = *b_ready = false;
    return -1;
}

long host_fd_read(int fd, void *buf, size_t len)
{
    (void)fd;
    (void)buf;
    (void)len;
    return -1;
}

bool host_fd_write_all(int fd, const void *buf, size_t len)
{
    (void)fd;
    (void)buf;
    (void)len;
    return false;
}

void host_fd_close(int fd)
{
    (void)fd;
}
