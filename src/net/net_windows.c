/* No network backends on Windows yet. */
#include "net_backend.h"

int net_backend_open(const struct net_config *cfg, net_receive_fn receive, void *opaque,
                     bool debug, struct net_backend **out, struct wisp_error *err)
{
    (void)cfg, (void)receive, (void)opaque, (void)debug, (void)out;
    return wisp_fail(err, WISP_EXIT_USAGE, "--net: virtio network cards are not supported on "
                     "Windows yet");
}

void net_backend_close(struct net_backend *be)
{
    (void)be;
}

void net_backend_send(struct net_backend *be, const uint8_t *frame, size_t len)
{
    (void)be, (void)frame, (void)len;
}

void net_backend_fill_pollfds(struct net_backend *be, struct pollfd *fds, unsigned *count,
                              unsigned max, int *timeout_ms, bool want_receive)
{
    (void)be, (void)fds, (void)count, (void)max, (void)timeout_ms, (void)want_receive;
}

void net_backend_poll_done(struct net_backend *be, struct pollfd *fds, unsigned count)
{
    (void)be, (void)fds, (void)count;
}
