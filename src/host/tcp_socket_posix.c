/* TCP sockets and a wake-up pipe on POSIX (tcp_socket.h). */
#include "tcp_socket.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int host_tcp_listen(const char *host, uint16_t port, int *fd, struct wisp_error *err)
{
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons(port) };
    const char *numeric = strcmp(host, "localhost") == 0 ? "127.0.0.1" : host;
    if (inet_pton(AF_INET, numeric, &addr.sin_addr) != 1)
        return wisp_fail(err, WISP_EXIT_USAGE,
                         "--gdb: '%s' is not an IPv4 address (use e.g. 127.0.0.1 or 0.0.0.0)",
                         host);
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return wisp_fail_errno(err, WISP_EXIT_HOST_ERROR, "--gdb: cannot create a socket");
    int one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(s, (struct sockaddr *)&addr, sizeof addr) < 0) {
        int e = errno;
        close(s);
        errno = e;
        return wisp_fail_errno(err, WISP_EXIT_USAGE, "--gdb: cannot listen on %s:%u", host,
                               (unsigned)port);
    }
    if (listen(s, 1) < 0) {
        int e = errno;
        close(s);
        errno = e;
        return wisp_fail_errno(err, WISP_EXIT_HOST_ERROR, "--gdb: cannot listen on %s:%u", host,
                               (unsigned)port);
    }
    *fd = s;
    return 0;
}

int host_tcp_accept(int listen_fd)
{
    int c = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
    if (c < 0)
        return -1;
    int one = 1;
    setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return c;
}

int host_wake_pipe(int fds[2], struct wisp_error *err)
{
    if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0)
        return wisp_fail_errno(err, WISP_EXIT_HOST_ERROR, "cannot create a pipe");
    return 0;
}

void host_wake(int write_fd)
{
    char byte = 1;
    ssize_t n = write(write_fd, &byte, 1); /* a full pipe wakes as well */
    (void)n;
}

void host_wake_drain(int read_fd)
{
    char buf[64];
    while (read(read_fd, buf, sizeof buf) > 0) {
    }
}

int host_wait_readable(int a, int b, int timeout_ms, bool *a_ready, bool *b_ready)
{
    struct pollfd p[2] = { { .fd = a, .events = POLLIN }, { .fd = b, .events = POLLIN } };
    *a_ready = *b_ready = false;
    int n = poll(p, 2, timeout_ms);
    if (n < 0)
        return errno == EINTR ? 0 : -1;
    *a_ready = a >= 0 && (p[0].revents & (POLLIN | POLLHUP | POLLERR));
    *b_ready = b >= 0 && (p[1].revents & (POLLIN | POLLHUP | POLLERR));
    return 0;
}

long host_fd_read(int fd, void *buf, size_t len)
{
    for (;;) {
        ssize_t n = recv(fd, buf, len, 0);
        if (n < 0 && errno == EINTR)
            continue;
        return (long)n;
    }
}

bool host_fd_write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        p += n;
        len -= (size_t)n;
    }
    return true;
}

void host_fd_close(int fd)
{
    if (fd >= 0)
        close(fd);
}
