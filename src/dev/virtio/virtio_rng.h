/*
 * virtio-rng (virtio 1.2, 5.4): one request queue; the device fills each
 * chain's device-writable buffers with bytes from the host's cryptographic
 * source (host/entropy.h: getrandom). No features, no configuration. A
 * chain with device-readable buffers breaks the protocol (the driver must
 * offer only writable ones): DEVICE_NEEDS_RESET. Requests are served on
 * the notifying vCPU's thread; getrandom never blocks here, and one
 * notification fills at most VIRTIO_RNG_MAX_PER_NOTIFY bytes (the rest
 * waits for the next).
 */
#ifndef WISP_DEV_VIRTIO_RNG_H
#define WISP_DEV_VIRTIO_RNG_H

#include "virtio_pci.h"

#define VIRTIO_RNG_QUEUE_SIZE 64
#define VIRTIO_RNG_MAX_PER_NOTIFY (1u << 20)

struct virtio_rng {
    struct virtio_pci vp;
    struct vq_chain chain;
    uint64_t bytes_given;   /* for tests and -v */
};

void virtio_rng_init(struct virtio_rng *rng, const struct virtio_platform *platform);

/* Serves what the queue holds (the notification handler; tests). */
void virtio_rng_process(struct virtio_rng *rng);

#endif
