/*
 * The virtio 1.x PCI transport ("modern" device, virtio 1.2 section 4.1),
 * shared by every wisp virtio device. It is a PCI function (vendor 0x1AF4,
 * device 0x1040 + the device type, revision 1) whose BAR 0 holds:
 *
 *   0x0000  common configuration (struct virtio_pci_common_cfg)
 *   0x1000  ISR status (read clears it and lowers INTx)
 *   0x2000  device-specific configuration (the device model's)
 *   0x3000  queue notifications: queue q at 0x3000 + 4 q
 *           (queue_notify_off = q, notify_off_multiplier = 4)
 *   0x4000  MSI-X table (one vector per queue plus one for configuration)
 *   0x5000  MSI-X pending bits
 *
 * described by vendor-specific capabilities (common, notify, ISR, device,
 * and the PCI configuration access capability). Features: the device's
 * own plus VIRTIO_F_VERSION_1 (required of the driver), VIRTIO_F_RING_EVENT_IDX
 * and VIRTIO_F_INDIRECT_DESC. Split virtqueues through virtqueue.h.
 *
 * The transport owns the status machine: a driver that accepts features
 * not offered, or not VERSION_1, does not get FEATURES_OK; writing 0 resets
 * the device (the model's reset runs first, and may wait for its worker).
 * A malformed ring or chain (virtio_pci_fail) sets DEVICE_NEEDS_RESET,
 * prints one warning line and sends a configuration-change interrupt; the
 * queues then stay idle until the driver resets the device.
 *
 * Interrupts: with MSI-X enabled, the queue's (configuration's) vector; a
 * vector of VIRTIO_MSI_NO_VECTOR means none. Without MSI-X, the ISR bit and
 * INTA.
 *
 * Notifications: the model is told through its queue_notify callback
 * (under the device lock, on the vCPU's thread); a model with an I/O worker
 * may instead hand out an eventfd per queue, which the platform attaches
 * as an ioeventfd to the notification address whenever the BAR decodes, so
 * the guest's write wakes the worker without leaving KVM.
 *
 * Not thread-safe: everything runs with the VM's device lock held.
 */
#ifndef WISP_DEV_VIRTIO_PCI_H
#define WISP_DEV_VIRTIO_PCI_H

#include <stdbool.h>
#include <stdint.h>

#include "core/guest_memory.h"
#include "dev/pci/pci.h"
#include "virtio.h"
#include "virtqueue.h"

#define VIRTIO_PCI_MAX_QUEUES 8
#define VIRTIO_PCI_BAR 0
#define VIRTIO_PCI_BAR_SIZE 0x8000u
#define VIRTIO_PCI_COMMON_OFFSET 0x0000u
#define VIRTIO_PCI_ISR_OFFSET 0x1000u
#define VIRTIO_PCI_DEVICE_OFFSET 0x2000u
#define VIRTIO_PCI_DEVICE_SIZE 0x1000u
#define VIRTIO_PCI_NOTIFY_OFFSET 0x3000u
#define VIRTIO_PCI_NOTIFY_MULTIPLIER 4u
#define VIRTIO_PCI_MSIX_TABLE_OFFSET 0x4000u
#define VIRTIO_PCI_MSIX_PBA_OFFSET 0x5000u

/* Features the transport offers for every device. */
#define VIRTIO_PCI_TRANSPORT_FEATURES                                                 \
    ((1ull << VIRTIO_F_VERSION_1) | (1ull << VIRTIO_F_RING_EVENT_IDX) |              \
     (1ull << VIRTIO_F_INDIRECT_DESC))

struct virtio_pci;

/* What a device type supplies. */
struct virtio_device_ops {
    const char *name;           /* "virtio-blk" */
    uint16_t device_id;         /* VIRTIO_ID_* */
    uint32_t class_code;        /* PCI class for the function */
    unsigned num_queues;        /* at most VIRTIO_PCI_MAX_QUEUES */
    uint16_t queue_max_size;    /* a power of two */
    uint32_t config_size;       /* bytes of device configuration */
    /* Device configuration accesses, offset < config_size (size bytes may
     * run past it: those read 0). write may be NULL (read-only). */
    void (*config_read)(void *dev, uint32_t offset, uint8_t *data, unsigned size);
    void (*config_write)(void *dev, uint32_t offset, const uint8_t *data, unsigned size);
    /* The driver notified queue q (q < num_queues, the queue enabled, the
     * device running: DRIVER_OK set, DEVICE_NEEDS_RESET not). Buffers
     * queued before DRIVER_OK are for driver_ok to look at. */
    void (*queue_notify)(void *dev, unsigned q);
    /* An eventfd to attach as queue q's ioeventfd, or -1 (optional). */
    int (*queue_eventfd)(void *dev, unsigned q);
    /* Status reached DRIVER_OK, the device not failed (optional). */
    void (*driver_ok)(void *dev);
    /* The driver reset the device: forget requests in flight, stop touching
     * the queues (optional). Runs before the queues are cleared. */
    void (*reset)(void *dev);
};

/* The VM around the device. */
struct virtio_platform {
    struct guest_memory *memory;
    /* Attaches (assign) or detaches an ioeventfd for fd on a 2-byte write
     * to gpa; returns -1 when the accelerator has none (may be NULL). */
    int (*ioeventfd)(void *opaque, uint64_t gpa, int fd, bool assign);
    void *opaque;
};

struct virtio_pci {
    struct pci_device pci;
    const struct virtio_device_ops *ops;
    void *dev;                  /* the device model */
    const struct virtio_platform *platform;
    uint64_t device_features;   /* offered, transport's included */
    uint64_t driver_features;   /* accepted by the driver */
    uint32_t device_feature_select, driver_feature_select;
    uint16_t msix_config;
    uint16_t queue_select;
    uint8_t status;
    uint8_t config_generation;
    uint8_t isr;
    bool failed_warned;         /* one warning per reset cycle */
    uint8_t cfg_cap;            /* the PCI configuration access capability */
    bool ioeventfd_attached[VIRTIO_PCI_MAX_QUEUES];
    uint64_t ioeventfd_gpa[VIRTIO_PCI_MAX_QUEUES];
    struct virtqueue vq[VIRTIO_PCI_MAX_QUEUES];
};

/* Sets up the PCI function and the transport for a device of ops' type
 * offering device_features (its own bits). Add it to the host bridge with
 * pci_host_add_device(&vp->pci, ...) afterwards. */
void virtio_pci_init(struct virtio_pci *vp, const struct virtio_device_ops *ops, void *dev,
                     uint64_t device_features, const struct virtio_platform *platform);

/* BAR 0's handler (bus_access_fn). */
void virtio_pci_bar_access(void *opaque, uint64_t offset, uint8_t *data, unsigned size,
                           bool is_write);

/* The driver accepted this feature. */
bool virtio_pci_has_feature(const struct virtio_pci *vp, unsigned bit);

/* DRIVER_OK is set and the device is not failed: queues may be used. */
bool virtio_pci_running(const struct virtio_pci *vp);

/* After pushing used buffers on queue q: interrupts the driver if it wants. */
void virtio_pci_interrupt_queue(struct virtio_pci *vp, unsigned q);

/* The device configuration changed: new generation, configuration
 * interrupt. */
void virtio_pci_config_changed(struct virtio_pci *vp);

/* The guest broke the protocol (reason: one line): DEVICE_NEEDS_RESET, a
 * warning on stderr, a configuration interrupt. */
void virtio_pci_fail(struct virtio_pci *vp, const char *reason);

#endif
