/* api_server.h on Windows: no control socket (json-c and AF_UNIX are not
 * part of this build); main.c refuses --api-socket before this is reached. */
#include "api_server.h"

int api_server_open(const char *path, const struct api_machine_ops *ops, void *ctx,
                    struct api_server **out, struct wisp_error *err)
{
    (void)ops;
    (void)ctx;
    *out = NULL;
    return wisp_fail(err, WISP_EXIT_USAGE,
                     "--api-socket %s: the control socket is not available on Windows", path);
}

void api_server_service(struct api_server *s)
{
    (void)s;
}

void api_server_wait(struct api_server *s, int other_fd, int timeout_ms)
{
    (void)s;
    (void)other_fd;
    (void)timeout_ms;
}

void api_server_close(struct api_server *s)
{
    (void)s;
}
