/* The live migration connection on Windows: not yet (migration_socket.h). */
#include "migration_socket.h"

#include <errno.h>

static int unsupported(struct wisp_error *err)
{
    return wisp_fail(err, WISP_EXIT_USAGE, "live migration is not supported on Windows yet");
}

int migration_uri_check(const char *uri, struct wisp_error *err)
{
    (void)uri;
    return unsupported(err);
}

int migration_accept(const char *uri, int *fd, struct wisp_error *err)
{
    (void)uri;
    *fd = -1;
    return unsupported(err);
}

int migration_connect(const char *uri, int *fd, struct wisp_error *err)
{
    (void)uri;
    *fd = -1;
    return unsupported(err);
}

int migration_send_all(int fd, const void *buf, size_t len, const int *cancel)
{
    (void)fd;
    (void)buf;
    (void)len;
    (void)cancel;
    errno = ENOSYS;
    return -1;
}

int migration_recv_all(int fd, void *buf, size_t len, const int *cancel)
{
    (void)fd;
    (void)buf;
    (void)len;
    (void)cancel;
    errno = ENOSYS;
    return -1;
}

void migration_close(int fd)
{
    (void)fd;
}
