/* What the POSIX backends share (net_backend_posix.c dispatches). */
#ifndef WISP_NET_BACKEND_INTERNAL_H
#define WISP_NET_BACKEND_INTERNAL_H

#include "net_backend.h"

struct net_backend_ops {
    void (*send)(struct net_backend *be, const uint8_t *frame, size_t len);
    void (*fill_pollfds)(struct net_backend *be, struct pollfd *fds, unsigned *count,
                         unsigned max, int *timeout_ms, bool want_receive);
    void (*poll_done)(struct net_backend *be, struct pollfd *fds, unsigned count);
    void (*close)(struct net_backend *be);
};

/* The first member of each backend's own struct. */
struct net_backend {
    const struct net_backend_ops *ops;
    net_receive_fn receive;
    void *opaque;
    bool debug;
};

int net_slirp_open(const struct net_config *cfg, struct net_backend **out,
                   struct wisp_error *err);
int net_tap_open(const struct net_config *cfg, struct net_backend **out, struct wisp_error *err);

#endif
