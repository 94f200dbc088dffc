/*
 * The virtio fuzzers' common driver: one virtio PCI function behind wisp's
 * real host bridge (ports 0xCF8/0xCFC, ECAM, the BAR on the MMIO bus) over
 * guest memory the input fills, driven by a program of guest actions.
 *
 * Guest memory: RAM 0-64 KiB and a second bank at 1 MiB (4 KiB). The
 * set-up macro puts queue q's rings at 0x1000 + 0x2000 q (descriptors),
 * +0x1000 (available), +0x1400 (used); seeds put buffers at 0x8000 up.
 *
 * One operation per step, its first byte choosing (% 16):
 *   0/1  common configuration write/read: offset (% 0x40), size 1/2/4/8, value
 *   2/3  BAR 0 write/read anywhere (offset % 0x8008: straddling the end)
 *   4    notify queue q (% 9: one past the device's last queue too)
 *   5    ISR read
 *   6/7  configuration space write/read through ECAM: register, size, value
 *   8    set-up macro: flags (bit 0 accept the offered features, else a
 *        64-bit feature word follows; bit 1 MSI-X on, vectors unmasked;
 *        bit 2 DRIVER_OK; bit 3 reset first), queue size (0: the maximum,
 *        else 1 << (n % 10)), then status, features, queues as a driver does
 *   9    guest memory write: address (16 bits), length, bytes
 *   10   descriptor: queue, index, address (32), length (32), flags, next
 *        into the queue's table where the driver said it is
 *   11   available: queue, head, flags (bit 0: notify afterwards)
 *   12,15 the device's own event (host input, a frame, a worker pass)
 *   13   MSI-X table entry write: vector, field, value
 *   14   device status write (0: reset)
 *
 * Checked after every step besides the sanitizers: a notification reaches
 * the device only for an enabled queue while DRIVER_OK is set and
 * DEVICE_NEEDS_RESET is not (virtio 1.2, 3.1.1: no buffers consumed before
 * DRIVER_OK); NEEDS_RESET stays until a reset and the queues stay idle
 * meanwhile; FEATURES_OK only for a subset of the offered features that
 * includes VERSION_1; a reset clears the transport; an ISR read clears it
 * and lowers INTA; an MSI goes out only with MSI-X on, for an unmasked
 * vector the guest programmed; INTA only drives the device's own GSI.
 */
#ifndef WISP_FUZZ_VIRTIO_H
#define WISP_FUZZ_VIRTIO_H

#include <string.h>

#include "core/bus.h"
#include "core/guest_memory.h"
#include "dev/pci/pci_host.h"
#include "dev/virtio/virtio_pci.h"
#include "fuzz_input.h"

#define FV_RAM_SIZE 0x10000ull
#define FV_HIGH_BASE 0x100000ull
#define FV_HIGH_SIZE 0x1000ull
#define FV_RING(q) (0x1000ull + 0x2000ull * (q))

struct fuzz_virtio {
    struct guest_memory gm;
    struct bus ports, mmio;
    struct pci_host host;
    struct virtio_platform platform;
    struct virtio_pci *vp;
    const struct virtio_device_ops *orig;
    struct virtio_device_ops wrapped;
    unsigned resets, notifies;
    bool gsi_level;
    uint64_t msis;
    void (*event)(struct fuzz_input *in); /* ops 12 and 15 */
    void (*check)(void);                  /* after every step (optional) */
};

static struct fuzz_virtio fv;

static inline bool fv_inside_guest(const uint8_t *p, size_t len)
{
    for (int i = 0; i < fv.gm.count; i++) {
        const struct mem_bank *b = &fv.gm.banks[i];
        if (p >= b->host && len <= b->size && (uint64_t)(p - b->host) <= b->size - len)
            return true;
    }
    return false;
}

/* ---- the wrapped device callbacks ---- */

static void fv_notify(void *dev, unsigned q)
{
    struct virtio_pci *vp = fv.vp;
    fuzz_check(q < vp->ops->num_queues && vp->vq[q].enabled, "notification for a queue that is off");
    fuzz_check(virtio_pci_running(vp),
               "a notification reached the device before DRIVER_OK or after NEEDS_RESET");
    fv.notifies++;
    if (fv.orig->queue_notify)
        fv.orig->queue_notify(dev, q);
}

static void fv_reset(void *dev)
{
    fv.resets++;
    if (fv.orig->reset)
        fv.orig->reset(dev);
}

static void fv_driver_ok(void *dev)
{
    fuzz_check(fv.vp->status & VIRTIO_CONFIG_S_DRIVER_OK, "driver_ok without DRIVER_OK");
    if (fv.orig->driver_ok)
        fv.orig->driver_ok(dev);
}

/* ---- the platform ---- */

static void fv_msi(void *opaque, uint64_t address, uint32_t data)
{
    (void)opaque;
    const struct pci_device *pci = &fv.vp->pci;
    uint16_t control = pci_get_word(pci->config + pci->msix.cap + PCI_MSIX_FLAGS);
    fuzz_check(pci_msix_enabled(pci) && !(control & PCI_MSIX_FLAGS_MASKALL),
               "an MSI while MSI-X is off or masked");
    bool found = false;
    for (unsigned v = 0; v < pci->msix.vectors && !found; v++) {
        const uint32_t *e = pci->msix.table[v];
        found = !(e[3] & PCI_MSIX_ENTRY_CTRL_MASKBIT) && e[2] == data &&
                ((uint64_t)e[1] << 32 | e[0]) == address;
    }
    fuzz_check(found, "an MSI no unmasked table entry describes");
    fv.msis++;
}

static void fv_set_gsi(void *opaque, unsigned gsi, bool level)
{
    (void)opaque;
    fuzz_check(gsi == fv.vp->pci.gsi, "INTx on another device's GSI");
    fuzz_check(level != fv.gsi_level, "the GSI was set to the level it had");
    fv.gsi_level = level;
}

/* ---- guest accesses ---- */

static inline uint64_t fv_bar(void)
{
    return pci_bar_address(&fv.vp->pci, VIRTIO_PCI_BAR);
}

static inline uint64_t fv_access(uint64_t addr, unsigned size, uint64_t value, bool is_write)
{
    struct {
        uint8_t data[8];
        uint8_t canary[8];
    } buf;
    memcpy(buf.data, &value, sizeof buf.data);
    memset(buf.canary, 0xC5, sizeof buf.canary);
    if (!bus_dispatch(&fv.mmio, addr, buf.data, size, is_write) && !is_write)
        memset(buf.data, 0xFF, size);
    for (size_t i = 0; i < sizeof buf.canary; i++)
        fuzz_check(buf.canary[i] == 0xC5, "a device wrote past its access size");
    uint64_t v = 0;
    memcpy(&v, buf.data, size);
    return v;
}

/* BAR 0 answers where its register says (decode on, not overlapping). */
static inline bool fv_decodes(void)
{
    return fv.vp->pci.bars[0].decoding_at && fv_bar() == fv.vp->pci.bars[0].decoding_at;
}

static inline uint64_t fv_read(uint64_t off, unsigned size)
{
    return fv_access(fv_bar() + off, size, 0, false);
}

static inline void fv_write(uint64_t off, unsigned size, uint64_t value)
{
    fv_access(fv_bar() + off, size, value, true);
}

static inline uint64_t fv_ecam(unsigned reg)
{
    return WISP_PCI_ECAM_BASE + ((uint64_t)fv.vp->pci.slot << 15) + reg;
}

static inline struct virtqueue *fv_queue(unsigned q)
{
    return q < fv.vp->ops->num_queues ? &fv.vp->vq[q] : NULL;
}

/* What a driver does (virtio 1.2, 3.1.1), through the registers. */
static void fv_setup(struct fuzz_input *in)
{
    uint8_t flags = fi_u8(in), qlog = fi_u8(in);
    uint64_t features = flags & 1 ? 0 : fi_u64(in);
    if (flags & 8)
        fv_write(VIRTIO_PCI_COMMON_STATUS, 1, 0);
    fv_write(VIRTIO_PCI_COMMON_STATUS, 1, VIRTIO_CONFIG_S_ACKNOWLEDGE);
    fv_write(VIRTIO_PCI_COMMON_STATUS, 1, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
    if (flags & 1) {
        for (unsigned half = 0; half < 2; half++) {
            fv_write(VIRTIO_PCI_COMMON_DFSELECT, 4, half);
            features |= fv_read(VIRTIO_PCI_COMMON_DF, 4) << (32 * half);
        }
    }
    for (unsigned half = 0; half < 2; half++) {
        fv_write(VIRTIO_PCI_COMMON_GFSELECT, 4, half);
        fv_write(VIRTIO_PCI_COMMON_GF, 4, (uint32_t)(features >> (32 * half)));
    }
    uint8_t status = VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
                     VIRTIO_CONFIG_S_FEATURES_OK;
    fv_write(VIRTIO_PCI_COMMON_STATUS, 1, status);
    status = (uint8_t)fv_read(VIRTIO_PCI_COMMON_STATUS, 1);
    const struct pci_device *pci = &fv.vp->pci;
    if (flags & 2) {
        fv_access(fv_ecam(pci->msix.cap + PCI_MSIX_FLAGS), 2, PCI_MSIX_FLAGS_ENABLE, true);
        for (unsigned v = 0; v < pci->msix.vectors; v++) {
            uint64_t e = VIRTIO_PCI_MSIX_TABLE_OFFSET + 16ull * v;
            fv_write(e, 8, 0xFEE00000ull);
            fv_write(e + 8, 4, 0x30 + v);
            fv_write(e + 12, 4, 0);
        }
        fv_write(VIRTIO_PCI_COMMON_MSIX, 2, 0);
    }
    unsigned nq = (unsigned)fv_read(VIRTIO_PCI_COMMON_NUMQ, 2);
    if (nq > VIRTIO_PCI_MAX_QUEUES)
        nq = VIRTIO_PCI_MAX_QUEUES; /* all ones: the BAR does not decode */
    for (unsigned q = 0; q < nq; q++) {
        fv_write(VIRTIO_PCI_COMMON_Q_SELECT, 2, q);
        if (qlog)
            fv_write(VIRTIO_PCI_COMMON_Q_SIZE, 2, 1u << (qlog % 10));
        fv_write(VIRTIO_PCI_COMMON_Q_DESCLO, 8, FV_RING(q));
        fv_write(VIRTIO_PCI_COMMON_Q_AVAILLO, 8, FV_RING(q) + 0x1000);
        fv_write(VIRTIO_PCI_COMMON_Q_USEDLO, 8, FV_RING(q) + 0x1400);
        if (flags & 2)
            fv_write(VIRTIO_PCI_COMMON_Q_MSIX, 2, q + 1);
        fv_write(VIRTIO_PCI_COMMON_Q_ENABLE, 2, 1);
    }
    if (flags & 4)
        fv_write(VIRTIO_PCI_COMMON_STATUS, 1, status | VIRTIO_CONFIG_S_DRIVER_OK);
}

static void fv_notify_queue(unsigned q)
{
    fv_write(VIRTIO_PCI_NOTIFY_OFFSET + VIRTIO_PCI_NOTIFY_MULTIPLIER * q, 2, q);
}

static void fv_add_desc(struct fuzz_input *in)
{
    struct virtqueue *vq = fv_queue(fi_u8(in));
    uint16_t idx = fi_u16(in);
    struct virtq_desc d;
    d.addr = fi_u32(in);
    d.len = fi_u32(in);
    d.flags = fi_u8(in);
    d.next = fi_u16(in);
    if (vq && vq->size)
        guest_memory_write(&fv.gm, vq->desc_addr + 16ull * (idx % vq->size), &d, sizeof d);
}

static void fv_add_avail(struct fuzz_input *in)
{
    unsigned q = fi_u8(in);
    struct virtqueue *vq = fv_queue(q);
    uint16_t head = fi_u16(in);
    uint8_t flags = fi_u8(in);
    uint16_t idx;
    if (!vq || !vq->size || !guest_memory_read(&fv.gm, vq->avail_addr + 2, &idx, 2))
        return;
    guest_memory_write(&fv.gm, vq->avail_addr + 4 + 2ull * (idx % vq->size), &head, 2);
    idx++;
    guest_memory_write(&fv.gm, vq->avail_addr + 2, &idx, 2);
    if (flags & 1)
        fv_notify_queue(q);
}

static unsigned fv_size(struct fuzz_input *in)
{
    return 1u << (fi_u8(in) % 4);
}

static void fv_step(struct fuzz_input *in)
{
    unsigned op = fi_u8(in) % 16;
    switch (op) {
    case 0:
    case 1: {
        bool w = op == 0;
        unsigned off = fi_u8(in) % 0x40, size = fv_size(in);
        fv_access(fv_bar() + off, size, fi_u64(in), w);
        break;
    }
    case 2:
    case 3: {
        bool w = op == 2;
        unsigned off = fi_u16(in) % (VIRTIO_PCI_BAR_SIZE + 8), size = fv_size(in);
        fv_access(fv_bar() + off, size, fi_u64(in), w);
        break;
    }
    case 4:
        fv_notify_queue(fi_u8(in) % 9);
        break;
    case 5:
        fv_read(VIRTIO_PCI_ISR_OFFSET, 1);
        if (!fv_decodes())
            break; /* the read went nowhere */
        fuzz_check(fv.vp->isr == 0, "an ISR read leaves it set");
        fuzz_check(!fv.vp->pci.intx_level && !fv.gsi_level, "an ISR read leaves INTA asserted");
        break;
    case 6:
    case 7: {
        bool w = op == 6;
        unsigned reg = fi_u8(in), size = fv_size(in);
        fv_access(fv_ecam(reg), size, fi_u64(in), w);
        break;
    }
    case 8:
        fv_setup(in);
        break;
    case 9: {
        uint16_t at = fi_u16(in);
        uint8_t n = fi_u8(in), bytes[256];
        for (unsigned i = 0; i < n; i++)
            bytes[i] = fi_u8(in);
        guest_memory_write(&fv.gm, at, bytes, n);
        break;
    }
    case 10:
        fv_add_desc(in);
        break;
    case 11:
        fv_add_avail(in);
        break;
    case 13: {
        unsigned v = fi_u8(in) % 16, field = fi_u8(in) % 4;
        fv_write(VIRTIO_PCI_MSIX_TABLE_OFFSET + 16ull * v + 4 * field, 4, fi_u32(in));
        break;
    }
    case 14: {
        uint8_t status = fi_u8(in);
        fv_write(VIRTIO_PCI_COMMON_STATUS, 1, status);
        if (status == 0 && fv_decodes()) {
            const struct virtio_pci *vp = fv.vp;
            fuzz_check(vp->status == 0 && vp->driver_features == 0 && vp->isr == 0 &&
                       vp->msix_config == VIRTIO_MSI_NO_VECTOR, "a reset leaves transport state");
            for (unsigned q = 0; q < VIRTIO_PCI_MAX_QUEUES; q++)
                fuzz_check(!vp->vq[q].enabled && !vp->vq[q].broken, "a reset leaves a queue on");
        }
        break;
    }
    default:
        if (fv.event)
            fv.event(in);
        break;
    }
}

/* Sets up memory (once), the buses, the host bridge and the device; init
 * builds the device model and returns its transport. */
static void fv_begin(struct virtio_pci *(*init)(const struct virtio_platform *platform))
{
    if (!fv.gm.count) {
        struct wisp_error err = { 0 };
        fuzz_check(guest_memory_add_bank(&fv.gm, "RAM", MEM_BANK_RAM, 0, FV_RAM_SIZE, &err) == 0 &&
                   guest_memory_add_bank(&fv.gm, "high", MEM_BANK_RAM, FV_HIGH_BASE, FV_HIGH_SIZE,
                                         &err) == 0, "guest memory");
    }
    memset(guest_memory_ptr(&fv.gm, 0, FV_RAM_SIZE), 0, FV_RAM_SIZE);
    memset(guest_memory_ptr(&fv.gm, FV_HIGH_BASE, FV_HIGH_SIZE), 0, FV_HIGH_SIZE);
    memset(&fv.ports, 0, sizeof fv.ports);
    memset(&fv.mmio, 0, sizeof fv.mmio);
    fv.ports.name = "port";
    fv.mmio.name = "mmio";
    fv.resets = fv.notifies = 0;
    fv.msis = 0;
    fv.gsi_level = false;
    fv.platform = (struct virtio_platform){ .memory = &fv.gm };
    static const struct pci_host_ops host_ops = { fv_msi, fv_set_gsi };
    struct wisp_error err = { 0 };
    fuzz_check(pci_host_init(&fv.host, &fv.ports, &fv.mmio, &host_ops, NULL, &err) == 0,
               "host bridge");
    fv.vp = init(&fv.platform);
    fv.orig = fv.vp->ops;
    fv.wrapped = *fv.orig;
    fv.wrapped.queue_notify = fv_notify;
    fv.wrapped.reset = fv_reset;
    fv.wrapped.driver_ok = fv_driver_ok;
    fv.vp->ops = &fv.wrapped;
    fuzz_check(pci_host_add_device(&fv.host, &fv.vp->pci, &err) == 0, "add device");
}

static void fv_run(const uint8_t *data, size_t size)
{
    struct fuzz_input in = { data, size };
    while (fi_more(&in)) {
        const struct virtio_pci *vp = fv.vp;
        bool needs_reset = vp->status & VIRTIO_CONFIG_S_NEEDS_RESET;
        unsigned resets = fv.resets;
        uint16_t last_avail[VIRTIO_PCI_MAX_QUEUES], used[VIRTIO_PCI_MAX_QUEUES];
        for (unsigned q = 0; q < VIRTIO_PCI_MAX_QUEUES; q++) {
            last_avail[q] = vp->vq[q].last_avail;
            used[q] = vp->vq[q].used_idx;
        }
        fv_step(&in);
        if (needs_reset && fv.resets == resets) {
            fuzz_check(vp->status & VIRTIO_CONFIG_S_NEEDS_RESET, "NEEDS_RESET cleared without a reset");
            for (unsigned q = 0; q < VIRTIO_PCI_MAX_QUEUES; q++)
                fuzz_check(vp->vq[q].last_avail == last_avail[q] && vp->vq[q].used_idx == used[q],
                           "a queue moved while the device needs a reset");
        }
        if (vp->status & VIRTIO_CONFIG_S_FEATURES_OK)
            fuzz_check((vp->driver_features & ~vp->device_features) == 0 &&
                       virtio_pci_has_feature(vp, VIRTIO_F_VERSION_1),
                       "FEATURES_OK for features not offered or without VERSION_1");
        fuzz_check(vp->pci.intx_out == fv.gsi_level, "INTA and the GSI disagree");
        if (fv.check)
            fv.check();
    }
}

#endif
