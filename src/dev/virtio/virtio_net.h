/*
 * virtio-net (virtio 1.2, 5.1): one receive and one transmit queue, a MAC
 * address and link status (features MAC and STATUS; no checksum or
 * segmentation offloads, no mergeable buffers, so frames are at most the
 * guest's MTU). Every buffer starts with the 12-byte struct virtio_net_hdr
 * that VERSION_1 prescribes; wisp sends the guest an all-zero header with
 * num_buffers = 1 and ignores the guest's.
 *
 * The frames' other end is a backend (src/net/: libslirp's user network or
 * a TAP device), driven by the card's I/O worker (virtio_net_worker_*.c):
 * it takes the guest's frames from the transmit queue with the device lock
 * held, sends them without it, and puts the backend's frames into the
 * receive queue with the lock held. Frames that find no receive buffer wait
 * in a small queue in the worker (the oldest are dropped when it is full).
 *
 * Frame checks: a transmit chain shorter than the header or longer than
 * VIRTIO_NET_MAX_FRAME is dropped (the buffers go back, nothing is sent);
 * a receive chain too small for header + frame gets the frame dropped and
 * the chain returned empty.
 */
#ifndef WISP_DEV_VIRTIO_NET_H
#define WISP_DEV_VIRTIO_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "host/thread.h"
#include "net/net_config.h"
#include "virtio_pci.h"

#define VIRTIO_NET_F_MAC 5
#define VIRTIO_NET_F_STATUS 16
#define VIRTIO_NET_S_LINK_UP 1

#define VIRTIO_NET_HDR_SIZE 12
#define VIRTIO_NET_CONFIG_SIZE 12 /* mac[6], status, max_virtqueue_pairs, mtu */
#define VIRTIO_NET_QUEUE_SIZE 256
#define VIRTIO_NET_RX 0
#define VIRTIO_NET_TX 1
#define VIRTIO_NET_MAX_FRAME 65536

struct net_backend;
struct virtio_net_worker;

struct virtio_net {
    struct virtio_pci vp;
    struct net_config cfg;
    uint8_t config[VIRTIO_NET_CONFIG_SIZE];
    struct host_mutex *lock;
    struct net_backend *backend;
    struct virtio_net_worker *worker;
    struct vq_chain chain;          /* scratch for one chain, under the lock */
    uint64_t tx_frames, rx_frames, rx_dropped;
    bool debug;
    bool frozen;                    /* a snapshot or migration: rings stand still */
};

/* Opens the backend (one-line errors for a missing TAP device, a hostfwd
 * port in use) before the VM exists. */
int virtio_net_open(struct virtio_net *net, const struct net_config *cfg, bool debug,
                    struct wisp_error *err);

/* Builds the PCI function; lock is the VM's device lock. */
void virtio_net_init(struct virtio_net *net, const struct virtio_platform *platform,
                     struct host_mutex *lock);

void virtio_net_destroy(struct virtio_net *net);

/* Under the device lock: the next frame the guest sent, copied into frame
 * (cap >= VIRTIO_NET_MAX_FRAME); returns its length, 0 for a dropped one,
 * -1 when the queue is empty. The chain goes back to the guest. */
long virtio_net_take_tx(struct virtio_net *net, uint8_t *frame, size_t cap);

/* Under the device lock: puts one frame into the next receive buffer.
 * Returns 1 when delivered or dropped as malformed (the frame is gone), 0
 * when the guest has no buffer (keep the frame). */
int virtio_net_put_rx(struct virtio_net *net, const uint8_t *frame, size_t len);

/* Under the device lock, after take/put: interrupt if the driver wants. */
void virtio_net_tx_done(struct virtio_net *net);
void virtio_net_rx_done(struct virtio_net *net);

/* The worker (virtio_net_worker_posix.c; Windows: none). */
int virtio_net_worker_start(struct virtio_net *net, struct wisp_error *err);
void virtio_net_worker_stop(struct virtio_net *net);
void virtio_net_worker_kick(struct virtio_net *net, unsigned q);
int virtio_net_worker_eventfd(struct virtio_net *net, unsigned q);
/* The backend's receive callback lands here (on the worker's thread). */
void virtio_net_worker_receive(struct virtio_net *net, const uint8_t *frame, size_t len);

#endif
