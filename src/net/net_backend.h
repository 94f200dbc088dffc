/*
 * Where a virtio-net card's frames go: libslirp's user network
 * (net_slirp_posix.c) or a TAP device (net_tap_posix.c). A backend is
 * opened before the VM runs (so that a missing TAP device or a hostfwd
 * port in use stops wisp with a one-line error) and is then driven by the
 * card's I/O worker alone: it is not thread-safe.
 *
 * The worker's loop: net_backend_fill_pollfds() adds the backend's file
 * descriptors to its poll set and lowers the timeout to the backend's
 * next timer; after poll(), net_backend_poll_done() handles what is ready
 * and hands every frame for the guest to the receive callback. Frames from
 * the guest go out with net_backend_send(). POSIX only: on Windows
 * net_backend_open fails (net_windows.c).
 */
#ifndef WISP_NET_BACKEND_H
#define WISP_NET_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "net_config.h"

struct pollfd;
struct net_backend;

/* A frame for the guest (an Ethernet frame without FCS). */
typedef void (*net_receive_fn)(void *opaque, const uint8_t *frame, size_t len);

int net_backend_open(const struct net_config *cfg, net_receive_fn receive, void *opaque,
                     bool debug, struct net_backend **out, struct wisp_error *err);
void net_backend_close(struct net_backend *be);

/* Sends a frame from the guest; drops it when the outside cannot take it. */
void net_backend_send(struct net_backend *be, const uint8_t *frame, size_t len);

/* Appends the backend's descriptors to fds[*count..max) and lowers
 * *timeout_ms (-1: none) to its next deadline. want_receive false: the
 * guest has no room, do not read frames that could wait (TAP). */
void net_backend_fill_pollfds(struct net_backend *be, struct pollfd *fds, unsigned *count,
                              unsigned max, int *timeout_ms, bool want_receive);

/* After poll(): fds/count as filled (revents set). */
void net_backend_poll_done(struct net_backend *be, struct pollfd *fds, unsigned count);

#endif
