#include "net_backend_internal.h"

int net_backend_open(const struct net_config *cfg, net_receive_fn receive, void *opaque,
                     bool debug, struct net_backend **out, struct wisp_error *err)
{
    int rc = cfg->backend == NET_BACKEND_TAP ? net_tap_open(cfg, out, err)
                                              : net_slirp_open(cfg, out, err);
    if (rc < 0)
        return -1;
    (*out)->receive = receive;
    (*out)->opaque = opaque;
    (*out)->debug = debug;
    return 0;
}

void net_backend_close(struct net_backend *be)
{
    if (be)
        be->ops->close(be);
}

void net_backend_send(struct net_backend *be, const uint8_t *frame, size_t len)
{
    be->ops->send(be, frame, len);
}

void net_backend_fill_pollfds(struct net_backend *be, struct pollfd *fds, unsigned *count,
                              unsigned max, int *timeout_ms, bool want_receive)
{
    be->ops->fill_pollfds(be, fds, count, max, timeout_ms, want_receive);
}

void net_backend_poll_done(struct net_backend *be, struct pollfd *fds, unsigned count)
{
    be->ops->poll_done(be, fds, count);
}
