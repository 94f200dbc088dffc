/*
 * User networking through libslirp (Debian's libslirp, the library behind
 * QEMU's -netdev user): a NAT with DHCP and DNS on 10.0.2.0/24, the host
 * reachable as 10.0.2.2, host ports forwarded into the guest (hostfwd). No
 * privileges needed. libslirp is not thread-safe: after slirp_new (on the
 * thread that creates the VM, before the worker starts) only the card's
 * worker calls it.
 */
#include "net_backend_internal.h"

#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <slirp/libslirp.h>

#define SLIRP_MAX_TIMERS 16

struct slirp_timer {
    bool used;
    bool armed;
    int64_t expire_ms;
    SlirpTimerCb cb;        /* timer_new */
    void *cb_opaque;
    bool by_id;             /* timer_new_opaque: fire through slirp_handle_timer */
    SlirpTimerId id;
};

struct net_slirp {
    struct net_backend base;
    Slirp *slirp;
    struct slirp_timer timers[SLIRP_MAX_TIMERS];
    /* The poll set being filled or read, for slirp's callbacks. */
    struct pollfd *fds;
    unsigned count, max;
    unsigned first;         /* slirp's descriptors start here */
};

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ---- libslirp's callbacks ---- */

static ssize_t send_packet(const void *buf, size_t len, void *opaque)
{
    struct net_slirp *s = opaque;
    s->base.receive(s->base.opaque, buf, len);
    return (ssize_t)len;
}

static void guest_error(const char *msg, void *opaque)
{
    struct net_slirp *s = opaque;
    if (s->base.debug)
        fprintf(stderr, "wisp: user network: guest error: %s\n", msg);
}

static int64_t clock_get_ns(void *opaque)
{
    (void)opaque;
    return now_ns();
}

static struct slirp_timer *new_timer(struct net_slirp *s)
{
    for (int i = 0; i < SLIRP_MAX_TIMERS; i++)
        if (!s->timers[i].used) {
            s->timers[i] = (struct slirp_timer){ .used = true };
            return &s->timers[i];
        }
    fprintf(stderr, "wisp: user network: out of timers\n");
    return NULL;
}

static void *timer_new(SlirpTimerCb cb, void *cb_opaque, void *opaque)
{
    struct slirp_timer *t = new_timer(opaque);
    if (t) {
        t->cb = cb;
        t->cb_opaque = cb_opaque;
    }
    return t;
}

static void *timer_new_opaque(SlirpTimerId id, void *cb_opaque, void *opaque)
{
    struct slirp_timer *t = new_timer(opaque);
    if (t) {
        t->by_id = true;
        t->id = id;
        t->cb_opaque = cb_opaque;
    }
    return t;
}

static void timer_free(void *timer, void *opaque)
{
    (void)opaque;
    if (timer)
        ((struct slirp_timer *)timer)->used = false;
}

static void timer_mod(void *timer, int64_t expire_ms, void *opaque)
{
    (void)opaque;
    struct slirp_timer *t = timer;
    if (!t)
        return;
    t->expire_ms = expire_ms;
    t->armed = true;
}

static void register_poll_fd(int fd, void *opaque)
{
    (void)fd, (void)opaque; /* descriptors are collected on every round */
}

static void unregister_poll_fd(int fd, void *opaque)
{
    (void)fd, (void)opaque;
}

static void notify(void *opaque)
{
    (void)opaque; /* one thread: the worker's next round sees the change */
}

static const SlirpCb callbacks = {
    .send_packet = send_packet,
    .guest_error = guest_error,
    .clock_get_ns = clock_get_ns,
    .timer_new = timer_new,
    .timer_free = timer_free,
    .timer_mod = timer_mod,
    .register_poll_fd = register_poll_fd,
    .unregister_poll_fd = unregister_poll_fd,
    .notify = notify,
    .timer_new_opaque = timer_new_opaque,
};

/* ---- the backend ---- */

static void slirp_send(struct net_backend *be, const uint8_t *frame, size_t len)
{
    struct net_slirp *s = (struct net_slirp *)be;
    if (len <= 65536)
        slirp_input(s->slirp, frame, (int)len);
}

static short to_poll_events(int events)
{
    short e = 0;
    if (events & SLIRP_POLL_IN)
        e |= POLLIN;
    if (events & SLIRP_POLL_OUT)
        e |= POLLOUT;
    if (events & SLIRP_POLL_PRI)
        e |= POLLPRI;
    return e;
}

static int add_poll(int fd, int events, void *opaque)
{
    struct net_slirp *s = opaque;
    if (s->count >= s->max)
        return -1; /* slirp skips a socket it could not add */
    s->fds[s->count] = (struct pollfd){ .fd = fd, .events = to_poll_events(events) };
    return (int)(s->count++ - s->first);
}

static int get_revents(int idx, void *opaque)
{
    struct net_slirp *s = opaque;
    if (idx < 0 || s->first + (unsigned)idx >= s->count)
        return 0;
    short r = s->fds[s->first + (unsigned)idx].revents;
    int e = 0;
    if (r & POLLIN)
        e |= SLIRP_POLL_IN;
    if (r & POLLOUT)
        e |= SLIRP_POLL_OUT;
    if (r & POLLPRI)
        e |= SLIRP_POLL_PRI;
    if (r & POLLERR)
        e |= SLIRP_POLL_ERR;
    if (r & POLLHUP)
        e |= SLIRP_POLL_HUP;
    return e;
}

static void slirp_fill(struct net_backend *be, struct pollfd *fds, unsigned *count, unsigned max,
                       int *timeout_ms, bool want_receive)
{
    struct net_slirp *s = (struct net_slirp *)be;
    (void)want_receive; /* slirp cannot hold frames back; the card queues them */
    s->fds = fds;
    s->first = s->count = *count;
    s->max = max;
    uint32_t timeout = *timeout_ms < 0 ? UINT32_MAX : (uint32_t)*timeout_ms;
    slirp_pollfds_fill(s->slirp, &timeout, add_poll, s);
    int64_t now_ms = now_ns() / 1000000;
    for (int i = 0; i < SLIRP_MAX_TIMERS; i++) {
        const struct slirp_timer *t = &s->timers[i];
        if (!t->used || !t->armed)
            continue;
        int64_t wait = t->expire_ms > now_ms ? t->expire_ms - now_ms : 0;
        if (wait < timeout)
            timeout = (uint32_t)wait;
    }
    *timeout_ms = timeout == UINT32_MAX ? -1 : (int)(timeout > 1000 ? 1000 : timeout);
    *count = s->count;
}

static void slirp_done(struct net_backend *be, struct pollfd *fds, unsigned count)
{
    struct net_slirp *s = (struct net_slirp *)be;
    s->fds = fds;
    s->count = count;
    bool error = false;
    for (unsigned i = s->first; i < count; i++)
        if (fds[i].revents & POLLNVAL)
            error = true;
    slirp_pollfds_poll(s->slirp, error, get_revents, s);
    int64_t now_ms = now_ns() / 1000000;
    for (int i = 0; i < SLIRP_MAX_TIMERS; i++) {
        struct slirp_timer *t = &s->timers[i];
        if (!t->used || !t->armed || t->expire_ms > now_ms)
            continue;
        t->armed = false;
        if (t->by_id)
            slirp_handle_timer(s->slirp, t->id, t->cb_opaque);
        else if (t->cb)
            t->cb(t->cb_opaque);
    }
}

static void slirp_close_backend(struct net_backend *be)
{
    struct net_slirp *s = (struct net_slirp *)be;
    if (s->slirp)
        slirp_cleanup(s->slirp);
    free(s);
}

static const struct net_backend_ops slirp_ops = { slirp_send, slirp_fill, slirp_done,
                                                  slirp_close_backend };

static struct in_addr in4(uint32_t host_order)
{
    return (struct in_addr){ .s_addr = htonl(host_order) };
}

int net_slirp_open(const struct net_config *cfg, struct net_backend **out, struct wisp_error *err)
{
    struct net_slirp *s = calloc(1, sizeof *s);
    if (!s)
        return wisp_fail(err, WISP_EXIT_HOST_ERROR, "out of memory");
    s->base.ops = &slirp_ops;
    SlirpConfig sc;
    memset(&sc, 0, sizeof sc);
    sc.version = 4;
    sc.restricted = 0;
    sc.in_enabled = true;
    sc.vnetwork = in4(NET_USER_NETWORK);
    sc.vnetmask = in4(NET_USER_NETMASK);
    sc.vhost = in4(NET_USER_HOST);
    sc.in6_enabled = false;
    sc.vhostname = "wisp";
    sc.vdhcp_start = in4(NET_USER_GUEST_ADDR);
    sc.vnameserver = in4(NET_USER_DNS);
    sc.disable_host_loopback = false; /* 10.0.2.2 reaches the host's 127.0.0.1 */
    s->slirp = slirp_new(&sc, &callbacks, s);
    if (!s->slirp) {
        free(s);
        return wisp_fail(err, WISP_EXIT_HOST_ERROR, "--net user: libslirp could not start");
    }
    for (unsigned i = 0; i < cfg->hostfwd_count; i++) {
        const struct net_hostfwd *f = &cfg->hostfwd[i];
        if (slirp_add_hostfwd(s->slirp, f->udp, in4(f->host_addr), f->host_port,
                              in4(f->guest_addr), f->guest_port) < 0) {
            slirp_close_backend(&s->base);
            return wisp_fail(err, WISP_EXIT_USAGE, "--net user: hostfwd=%s: cannot listen on "
                             "the host port (in use, or the address is not the host's)",
                             f->text);
        }
    }
    *out = &s->base;
    return 0;
}
