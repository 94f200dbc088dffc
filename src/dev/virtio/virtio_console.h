/*
 * virtio-console (virtio 1.2, 5.3) with one port and no optional features:
 * Linux's hvc0. Queue 0 (receiveq) carries host input to the guest, queue
 * 1 (transmitq) the guest's output, which goes to the output callback (the
 * host console) as it comes. Input is offered by virtio_console_receive(),
 * which takes only what fits the buffers the driver has posted, so input
 * waits on the host side until the guest reads it. Without the multiport
 * feature the driver never says when its port is open, and Linux drops
 * bytes that arrive between posting its receive buffers and attaching the
 * port to hvc0; so input also waits until the guest has sent output once
 * (a console prints before it reads: the kernel's log, a prompt). Runs on
 * the notifying vCPU's thread, under the device lock.
 */
#ifndef WISP_DEV_VIRTIO_CONSOLE_H
#define WISP_DEV_VIRTIO_CONSOLE_H

#include <stddef.h>
#include <stdint.h>

#include "virtio_pci.h"

#define VIRTIO_CONSOLE_QUEUE_SIZE 64
#define VIRTIO_CONSOLE_RX 0
#define VIRTIO_CONSOLE_TX 1
#define VIRTIO_CONSOLE_CONFIG_SIZE 12 /* cols, rows, max_nr_ports, emerg_wr */

struct virtio_console {
    struct virtio_pci vp;
    void (*output)(void *opaque, const uint8_t *bytes, size_t len);
    void *output_opaque;
    struct vq_chain chain;
    bool guest_spoke;   /* the driver has transmitted: its port is attached */
};

void virtio_console_init(struct virtio_console *con, const struct virtio_platform *platform,
                         void (*output)(void *opaque, const uint8_t *bytes, size_t len),
                         void *output_opaque);

/* Host input: copies what fits into the receive queue's buffers and
 * returns the count taken (0 before the driver runs or while it has no
 * buffer posted). */
size_t virtio_console_receive(struct virtio_console *con, const uint8_t *bytes, size_t len);

/* Sends what the transmit queue holds to the output (notification; tests). */
void virtio_console_transmit(struct virtio_console *con);

#endif
