/*
 * A small polled driver for wisp's PCI and virtio devices, for kernels
 * under development (see "PCI" in <wisp/guest.h>): find a function through
 * ECAM, bring a virtio 1.x device up, and move buffers through its split
 * virtqueues by polling the used ring (no interrupts, no MSI-X).
 *
 * Memory: the caller hands each queue a page-aligned, identity-mapped area
 * (wisp_virtq_area_size() bytes) for its rings; buffers are any
 * identity-mapped memory (guest-physical = virtual), e.g. the primordial
 * arena.
 *
 *   uint64_t fn;
 *   if (wisp_pci_find(WISP_VIRTIO_VENDOR, WISP_VIRTIO_DEVICE_BLOCK, &fn) == 0 &&
 *       wisp_virtio_init(&dev, fn, 0) == 0 &&
 *       wisp_virtq_init(&dev, &vq, 0, 16, area) == 0) {
 *       wisp_virtio_driver_ok(&dev);
 *       struct wisp_virtq_buf bufs[3] = { ... };
 *       wisp_virtq_submit(&vq, bufs, 3);
 *       wisp_virtq_wait(&vq, &len, timeout_ns);
 *   }
 */
#ifndef WISP_GUEST_VIRTIO_H
#define WISP_GUEST_VIRTIO_H

#include <stddef.h>
#include <stdint.h>

#define WISP_VIRTIO_VENDOR 0x1AF4
#define WISP_VIRTIO_DEVICE_NET 0x1041
#define WISP_VIRTIO_DEVICE_BLOCK 0x1042

#define WISP_VIRTQ_WRITE 2u /* the device writes this buffer */

/* The configuration space of function (bus 0, slot, 0) through ECAM. */
static inline uint64_t wisp_pci_function(unsigned slot)
{
    return WISP_PCI_ECAM_BASE + ((uint64_t)slot << 15);
}
uint32_t wisp_pci_read32(uint64_t fn, unsigned offset);
uint16_t wisp_pci_read16(uint64_t fn, unsigned offset);
uint8_t wisp_pci_read8(uint64_t fn, unsigned offset);
void wisp_pci_write16(uint64_t fn, unsigned offset, uint16_t v);

/* The first function on bus 0 with this vendor and device ID: *fn is its
 * ECAM base. -1 when there is none. */
int wisp_pci_find(uint16_t vendor, uint16_t device, uint64_t *fn);

struct wisp_virtio_dev {
    uint64_t fn;
    uint64_t common;       /* struct virtio_pci_common_cfg */
    uint64_t notify;       /* notification area */
    uint32_t notify_mult;
    uint64_t isr;
    uint64_t device;       /* device-specific configuration */
};

/* Reset, ACKNOWLEDGE, DRIVER, features (VIRTIO_F_VERSION_1 plus the
 * device-specific bits asked for and offered), FEATURES_OK. Also turns on
 * memory decode and bus mastering. 0, or -1 with a reason printed. */
int wisp_virtio_init(struct wisp_virtio_dev *dev, uint64_t fn, uint32_t device_features);
void wisp_virtio_driver_ok(struct wisp_virtio_dev *dev);
uint8_t wisp_virtio_status(const struct wisp_virtio_dev *dev);
uint8_t wisp_virtio_config8(const struct wisp_virtio_dev *dev, unsigned offset);

struct wisp_virtq {
    struct wisp_virtio_dev *dev;
    uint16_t index, size;
    uint8_t *desc, *avail, *used;
    uint16_t next_desc;    /* descriptors are used round robin */
    uint16_t avail_idx;    /* next available ring slot (free running) */
    uint16_t used_seen;    /* used entries consumed */
    uint64_t notify_addr;
};

/* Bytes of ring memory a queue of size entries needs (a page multiple). */
size_t wisp_virtq_area_size(uint16_t size);

/* Sets queue index up with size entries (a power of two no larger than
 * the device's maximum) in area (zeroed here) and enables it. */
int wisp_virtq_init(struct wisp_virtio_dev *dev, struct wisp_virtq *vq, uint16_t index,
                    uint16_t size, void *area);

struct wisp_virtq_buf {
    void *addr;
    uint32_t len;
    uint32_t flags;        /* WISP_VIRTQ_WRITE or 0 */
};

/* Makes a chain of count buffers available and notifies the device.
 * Returns the head descriptor index. */
uint16_t wisp_virtq_submit(struct wisp_virtq *vq, const struct wisp_virtq_buf *bufs,
                           unsigned count);

/* Polls for the next used entry: 0 with *head and *len set, -1 after
 * timeout_ns (host time, get_time hypercall). */
int wisp_virtq_wait(struct wisp_virtq *vq, uint16_t *head, uint32_t *len, uint64_t timeout_ns);

#endif
