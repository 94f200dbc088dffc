/*
 * A TAP device the user created (`ip tuntap add NAME mode tap user $USER`,
 * then up and addressed or bridged): frames go to and come from it as they
 * are, without the packet-information header (IFF_NO_PI).
 */
#include "net_backend_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define TAP_FRAME_MAX 65536

struct net_tap {
    struct net_backend base;
    int fd;
    int poll_index;   /* in the worker's set, or -1 */
    uint8_t frame[TAP_FRAME_MAX];
};

static void tap_send(struct net_backend *be, const uint8_t *frame, size_t len)
{
    struct net_tap *tap = (struct net_tap *)be;
    /* A full TAP queue drops the frame, as a busy wire would. */
    while (write(tap->fd, frame, len) < 0 && errno == EINTR)
        ;
}

static void tap_fill(struct net_backend *be, struct pollfd *fds, unsigned *count, unsigned max,
                     int *timeout_ms, bool want_receive)
{
    struct net_tap *tap = (struct net_tap *)be;
    (void)timeout_ms;
    tap->poll_index = -1;
    if (!want_receive || *count >= max)
        return; /* frames wait in the TAP queue until the guest has room */
    tap->poll_index = (int)*count;
    fds[(*count)++] = (struct pollfd){ .fd = tap->fd, .events = POLLIN };
}

static void tap_done(struct net_backend *be, struct pollfd *fds, unsigned count)
{
    struct net_tap *tap = (struct net_tap *)be;
    if (tap->poll_index < 0 || (unsigned)tap->poll_index >= count ||
        !(fds[tap->poll_index].revents & POLLIN))
        return;
    /* A few frames per round: the worker re-checks the guest's room. */
    for (int i = 0; i < 32; i++) {
        ssize_t n = read(tap->fd, tap->frame, sizeof tap->frame);
        if (n <= 0)
            break;
        be->receive(be->opaque, tap->frame, (size_t)n);
    }
}

static void tap_close(struct net_backend *be)
{
    struct net_tap *tap = (struct net_tap *)be;
    close(tap->fd);
    free(tap);
}

static const struct net_backend_ops tap_ops = { tap_send, tap_fill, tap_done, tap_close };

int net_tap_open(const struct net_config *cfg, struct net_backend **out, struct wisp_error *err)
{
    /* TUNSETIFF would create a missing device for root, down and
     * unconnected: the user names one they set up. */
    char sys[64];
    snprintf(sys, sizeof sys, "/sys/class/net/%s", cfg->tap_name);
    if (access(sys, F_OK) != 0)
        return wisp_fail(err, WISP_EXIT_USAGE, "--net tap=%s: no such network interface "
                         "(create it: ip tuntap add %s mode tap user $USER)", cfg->tap_name,
                         cfg->tap_name);
    int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return wisp_fail_errno(err, WISP_EXIT_USAGE, "--net tap=%s: cannot open /dev/net/tun",
                               cfg->tap_name);
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    memcpy(ifr.ifr_name, cfg->tap_name, strlen(cfg->tap_name));
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        int e = errno;
        close(fd);
        if (e == EPERM || e == EACCES)
            return wisp_fail(err, WISP_EXIT_USAGE, "--net tap=%s: no permission to attach to "
                             "it (create it for your user: ip tuntap add %s mode tap user "
                             "$USER)", cfg->tap_name, cfg->tap_name);
        if (e == EBUSY)
            return wisp_fail(err, WISP_EXIT_USAGE, "--net tap=%s: in use by another process, or "
                             "not a TAP device", cfg->tap_name);
        errno = e;
        return wisp_fail_errno(err, WISP_EXIT_USAGE, "--net tap=%s", cfg->tap_name);
    }
    struct net_tap *tap = calloc(1, sizeof *tap);
    if (!tap) {
        close(fd);
        return wisp_fail(err, WISP_EXIT_HOST_ERROR, "out of memory");
    }
    tap->base.ops = &tap_ops;
    tap->fd = fd;
    tap->poll_index = -1;
    *out = &tap->base;
    return 0;
}
