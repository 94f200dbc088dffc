/* The live migration connection on POSIX (migration_socket.h). */
#include "migration_socket.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

struct address {
    int family;
    struct sockaddr_in in;
    struct sockaddr_un un;
};

static int parse(const char *uri, struct address *a, struct wisp_error *err)
{
    memset(a, 0, sizeof *a);
    if (strncmp(uri, "unix:", 5) == 0) {
        const char *path = uri + 5;
        if (!*path || strlen(path) >= sizeof a->un.sun_path)
            return wisp_fail(err, WISP_EXIT_USAGE, "%s: a unix socket path of 1 to %zu bytes",
                             uri, sizeof a->un.sun_path - 1);
        a->family = AF_UNIX;
        a->un.sun_family = AF_UNIX;
        memcpy(a->un.sun_path, path, strlen(path) + 1);
        return 0;
    }
    if (strncmp(uri, "tcp:", 4) == 0) {
        char host[64];
        const char *colon = strrchr(uri + 4, ':');
        size_t n = colon ? (size_t)(colon - (uri + 4)) : 0;
        char *end = NULL;
        unsigned long port = colon ? strtoul(colon + 1, &end, 10) : 0;
        if (!colon || n == 0 || n >= sizeof host || !end || *end || end == colon + 1 ||
            port == 0 || port > 65535)
            return wisp_fail(err, WISP_EXIT_USAGE, "%s: expected tcp:HOST:PORT", uri);
        memcpy(host, uri + 4, n);
        host[n] = '\0';
        const char *numeric = strcmp(host, "localhost") == 0 ? "127.0.0.1" : host;
        a->family = AF_INET;
        a->in.sin_family = AF_INET;
        a->in.sin_port = htons((uint16_t)port);
        if (inet_pton(AF_INET, numeric, &a->in.sin_addr) != 1)
            return wisp_fail(err, WISP_EXIT_USAGE,
                             "%s: '%s' is not an IPv4 address (use e.g. 127.0.0.1)", uri, host);
        return 0;
    }
    return wisp_fail(err, WISP_EXIT_USAGE, "%s: expected tcp:HOST:PORT or unix:PATH", uri);
}

int migration_uri_check(const char *uri, struct wisp_error *err)
{
    struct address a;
    return parse(uri, &a, err);
}

static const struct sockaddr *sockaddr_of(const struct address *a, socklen_t *len)
{
    if (a->family == AF_UNIX) {
        *len = sizeof a->un;
        return (const struct sockaddr *)&a->un;
    }
    *len = sizeof a->in;
    return (const struct sockaddr *)&a->in;
}

int migration_accept(const char *uri, int *fd, struct wisp_error *err)
{
    struct address a;
    if (parse(uri, &a, err) < 0)
        return -1;
    int s = socket(a.family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return wisp_fail_errno(err, WISP_EXIT_HOST_ERROR, "--incoming %s: cannot create a socket",
                               uri);
    int one = 1;
    if (a.family == AF_INET)
        setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    socklen_t len;
    const struct sockaddr *sa = sockaddr_of(&a, &len);
    if (bind(s, sa, len) < 0 || listen(s, 1) < 0) {
        int e = errno;
        close(s);
        errno = e;
        return wisp_fail_errno(err, WISP_EXIT_USAGE, "--incoming %s: cannot listen", uri);
    }
    fprintf(stderr, "wisp: waiting for a migration on %s\n", uri);
    int c;
    do
        c = accept4(s, NULL, NULL, SOCK_CLOEXEC);
    while (c < 0 && errno == EINTR);
    int e = errno;
    close(s);
    if (a.family == AF_UNIX)
        unlink(a.un.sun_path);
    if (c < 0) {
        errno = e;
        return wisp_fail_errno(err, WISP_EXIT_HOST_ERROR, "--incoming %s: accept failed", uri);
    }
    if (a.family == AF_INET)
        setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    *fd = c;
    return 0;
}

int migration_connect(const char *uri, int *fd, struct wisp_error *err)
{
    struct address a;
    if (parse(uri, &a, err) < 0)
        return -1;
    int s = socket(a.family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return wisp_fail_errno(err, WISP_EXIT_HOST_ERROR, "%s: cannot create a socket", uri);
    socklen_t len;
    const struct sockaddr *sa = sockaddr_of(&a, &len);
    int rc;
    do
        rc = connect(s, sa, len);
    while (rc < 0 && errno == EINTR);
    if (rc < 0) {
        int e = errno;
        close(s);
        errno = e;
        return wisp_fail_errno(err, WISP_EXIT_HOST_ERROR, "%s: cannot connect", uri);
    }
    if (a.family == AF_INET) {
        int one = 1;
        setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    *fd = s;
    return 0;
}

/* Waits until fd is ready for events: 0, or -1 with errno. */
static int wait_ready(int fd, short events, const int *cancel, int *idle_ms)
{
    for (;;) {
        if (cancel && __atomic_load_n(cancel, __ATOMIC_ACQUIRE)) {
            errno = ECANCELED;
            return -1;
        }
        if (*idle_ms >= MIGRATION_IO_TIMEOUT_MS) {
            errno = ETIMEDOUT;
            return -1;
        }
        struct pollfd p = { .fd = fd, .events = events };
        int n = poll(&p, 1, 100);
        if (n < 0 && errno != EINTR)
            return -1;
        if (n > 0)
            return 0;
        *idle_ms += 100;
    }
}

int migration_send_all(int fd, const void *buf, size_t len, const int *cancel)
{
    const uint8_t *p = buf;
    int idle = 0;
    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            p += n;
            len -= (size_t)n;
            idle = 0;
            continue;
        }
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            return -1;
        if (wait_ready(fd, POLLOUT, cancel, &idle) < 0)
            return -1;
    }
    return 0;
}

int migration_recv_all(int fd, void *buf, size_t len, const int *cancel)
{
    uint8_t *p = buf;
    int idle = 0;
    while (len > 0) {
        ssize_t n = recv(fd, p, len, MSG_DONTWAIT);
        if (n > 0) {
            p += n;
            len -= (size_t)n;
            idle = 0;
            continue;
        }
        if (n == 0) {
            errno = ECONNRESET;
            return -1;
        }
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            return -1;
        if (wait_ready(fd, POLLIN, cancel, &idle) < 0)
            return -1;
    }
    return 0;
}

void migration_close(int fd)
{
    if (fd >= 0)
        close(fd);
}
