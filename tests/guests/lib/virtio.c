/* A small polled PCI/virtio driver for native guests (virtio.h). */
#include "wisp_lib.h"

#include "virtio.h"

/* virtio 1.2, 4.1.4: capability types and common configuration offsets. */
#define CAP_COMMON 1
#define CAP_NOTIFY 2
#define CAP_ISR 3
#define CAP_DEVICE 4
#define COMMON_DFSELECT 0x00
#define COMMON_DF 0x04
#define COMMON_GFSELECT 0x08
#define COMMON_GF 0x0C
#define COMMON_STATUS 0x14
#define COMMON_Q_SELECT 0x16
#define COMMON_Q_SIZE 0x18
#define COMMON_Q_ENABLE 0x1C
#define COMMON_Q_NOFF 0x1E
#define COMMON_Q_DESC 0x20
#define COMMON_Q_AVAIL 0x28
#define COMMON_Q_USED 0x30
#define S_ACKNOWLEDGE 1
#define S_DRIVER 2
#define S_DRIVER_OK 4
#define S_FEATURES_OK 8
#define DESC_F_NEXT 1

static inline uint8_t mmio_read8(uint64_t a)
{
    return *(volatile uint8_t *)(uintptr_t)a;
}
static inline uint16_t mmio_read16(uint64_t a)
{
    return *(volatile uint16_t *)(uintptr_t)a;
}
static inline void mmio_write8(uint64_t a, uint8_t v)
{
    *(volatile uint8_t *)(uintptr_t)a = v;
}
static inline void mmio_write16(uint64_t a, uint16_t v)
{
    *(volatile uint16_t *)(uintptr_t)a = v;
}
static inline void barrier(void)
{
    __asm__ __volatile__("mfence" ::: "memory");
}

uint32_t wisp_pci_read32(uint64_t fn, unsigned offset)
{
    return mmio_read32(fn + offset);
}
uint16_t wisp_pci_read16(uint64_t fn, unsigned offset)
{
    return mmio_read16(fn + offset);
}
uint8_t wisp_pci_read8(uint64_t fn, unsigned offset)
{
    return mmio_read8(fn + offset);
}
void wisp_pci_write16(uint64_t fn, unsigned offset, uint16_t v)
{
    mmio_write16(fn + offset, v);
}

int wisp_pci_find(uint16_t vendor, uint16_t device, uint64_t *fn)
{
    for (unsigned slot = 0; slot < 32; slot++) {
        uint32_t id = wisp_pci_read32(wisp_pci_function(slot), 0);
        if ((id & 0xFFFF) == vendor && (id >> 16) == device) {
            *fn = wisp_pci_function(slot);
            return 0;
        }
    }
    return -1;
}

static uint64_t bar_address(uint64_t fn, unsigned bar)
{
    uint32_t lo = wisp_pci_read32(fn, 0x10 + 4 * bar);
    uint64_t addr = lo & ~0xFull;
    if ((lo & 0x6) == 0x4) /* 64-bit */
        addr |= (uint64_t)wisp_pci_read32(fn, 0x14 + 4 * bar) << 32;
    return addr;
}

uint8_t wisp_virtio_status(const struct wisp_virtio_dev *dev)
{
    return mmio_read8(dev->common + COMMON_STATUS);
}

uint8_t wisp_virtio_config8(const struct wisp_virtio_dev *dev, unsigned offset)
{
    return mmio_read8(dev->device + offset);
}

int wisp_virtio_init(struct wisp_virtio_dev *dev, uint64_t fn, uint32_t device_features)
{
    memset(dev, 0, sizeof *dev);
    dev->fn = fn;
    /* Memory decode and bus mastering on (wisp turned decode on already). */
    wisp_pci_write16(fn, 0x04, (uint16_t)(wisp_pci_read16(fn, 0x04) | 0x6));
    if (!(wisp_pci_read16(fn, 0x06) & 0x10)) {
        wisp_printf("virtio: no capability list\n");
        return -1;
    }
    for (uint8_t at = wisp_pci_read8(fn, 0x34) & 0xFC; at; at = wisp_pci_read8(fn, at + 1) & 0xFC) {
        if (wisp_pci_read8(fn, at) != 0x09) /* vendor-specific */
            continue;
        uint8_t type = wisp_pci_read8(fn, at + 3);
        uint64_t where = bar_address(fn, wisp_pci_read8(fn, at + 4)) + wisp_pci_read32(fn, at + 8);
        if (type == CAP_COMMON && !dev->common)
            dev->common = where;
        else if (type == CAP_NOTIFY && !dev->notify) {
            dev->notify = where;
            dev->notify_mult = wisp_pci_read32(fn, at + 16);
        } else if (type == CAP_ISR && !dev->isr)
            dev->isr = where;
        else if (type == CAP_DEVICE && !dev->device)
            dev->device = where;
    }
    if (!dev->common || !dev->notify) {
        wisp_printf("virtio: common or notify capability missing\n");
        return -1;
    }
    uint64_t c = dev->common;
    mmio_write8(c + COMMON_STATUS, 0); /* reset */
    mmio_write8(c + COMMON_STATUS, S_ACKNOWLEDGE);
    mmio_write8(c + COMMON_STATUS, S_ACKNOWLEDGE | S_DRIVER);
    mmio_write32(c + COMMON_DFSELECT, 0);
    uint32_t offered = mmio_read32(c + COMMON_DF);
    mmio_write32(c + COMMON_DFSELECT, 1);
    uint32_t offered_hi = mmio_read32(c + COMMON_DF);
    if (!(offered_hi & 1)) {
        wisp_printf("virtio: VIRTIO_F_VERSION_1 not offered\n");
        return -1;
    }
    mmio_write32(c + COMMON_GFSELECT, 0);
    mmio_write32(c + COMMON_GF, offered & device_features);
    mmio_write32(c + COMMON_GFSELECT, 1);
    mmio_write32(c + COMMON_GF, 1); /* VERSION_1 */
    mmio_write8(c + COMMON_STATUS, S_ACKNOWLEDGE | S_DRIVER | S_FEATURES_OK);
    if (!(wisp_virtio_status(dev) & S_FEATURES_OK)) {
        wisp_printf("virtio: the device refused the features\n");
        return -1;
    }
    return 0;
}

void wisp_virtio_driver_ok(struct wisp_virtio_dev *dev)
{
    mmio_write8(dev->common + COMMON_STATUS,
                S_ACKNOWLEDGE | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
}

static size_t align_page(size_t n)
{
    return (n + 0xFFF) & ~(size_t)0xFFF;
}

size_t wisp_virtq_area_size(uint16_t size)
{
    /* descriptors | available ring | used ring, each on its own pages */
    return align_page(16u * size) + align_page(6u + 2u * size) + align_page(6u + 8u * size);
}

int wisp_virtq_init(struct wisp_virtio_dev *dev, struct wisp_virtq *vq, uint16_t index,
                    uint16_t size, void *area)
{
    uint64_t c = dev->common;
    memset(vq, 0, sizeof *vq);
    mmio_write16(c + COMMON_Q_SELECT, index);
    uint16_t max = mmio_read16(c + COMMON_Q_SIZE);
    if (max == 0 || size > max) {
        wisp_printf("virtio: queue %u holds %u entries, %u asked\n", index, max, size);
        return -1;
    }
    memset(area, 0, wisp_virtq_area_size(size));
    vq->dev = dev;
    vq->index = index;
    vq->size = size;
    vq->desc = area;
    vq->avail = vq->desc + align_page(16u * size);
    vq->used = vq->avail + align_page(6u + 2u * size);
    mmio_write16(c + COMMON_Q_SIZE, size);
    mmio_write32(c + COMMON_Q_DESC, (uint32_t)(uintptr_t)vq->desc);
    mmio_write32(c + COMMON_Q_DESC + 4, (uint32_t)((uintptr_t)vq->desc >> 32));
    mmio_write32(c + COMMON_Q_AVAIL, (uint32_t)(uintptr_t)vq->avail);
    mmio_write32(c + COMMON_Q_AVAIL + 4, (uint32_t)((uintptr_t)vq->avail >> 32));
    mmio_write32(c + COMMON_Q_USED, (uint32_t)(uintptr_t)vq->used);
    mmio_write32(c + COMMON_Q_USED + 4, (uint32_t)((uintptr_t)vq->used >> 32));
    vq->notify_addr = dev->notify + (uint64_t)mmio_read16(c + COMMON_Q_NOFF) * dev->notify_mult;
    mmio_write16(c + COMMON_Q_ENABLE, 1);
    return 0;
}

uint16_t wisp_virtq_submit(struct wisp_virtq *vq, const struct wisp_virtq_buf *bufs,
                           unsigned count)
{
    uint16_t head = vq->next_desc;
    for (unsigned i = 0; i < count; i++) {
        uint16_t d = (uint16_t)((head + i) % vq->size);
        uint8_t *e = vq->desc + 16u * d;
        uint64_t addr = (uint64_t)(uintptr_t)bufs[i].addr;
        uint16_t flags = (uint16_t)(bufs[i].flags | (i + 1 < count ? DESC_F_NEXT : 0));
        uint16_t next = (uint16_t)((d + 1) % vq->size);
        memcpy(e, &addr, 8);
        memcpy(e + 8, &bufs[i].len, 4);
        memcpy(e + 12, &flags, 2);
        memcpy(e + 14, &next, 2);
    }
    vq->next_desc = (uint16_t)((head + count) % vq->size);
    volatile uint16_t *ring = (volatile uint16_t *)(void *)(vq->avail + 4);
    ring[vq->avail_idx % vq->size] = head;
    barrier(); /* the entry before the index */
    vq->avail_idx++;
    *(volatile uint16_t *)(void *)(vq->avail + 2) = vq->avail_idx;
    barrier(); /* the index before the notification */
    mmio_write16(vq->notify_addr, vq->index);
    return head;
}

int wisp_virtq_wait(struct wisp_virtq *vq, uint16_t *head, uint32_t *len, uint64_t timeout_ns)
{
    uint64_t deadline = wisp_time_ns() + timeout_ns;
    for (unsigned spins = 1;; spins++) {
        uint16_t used_idx = *(volatile uint16_t *)(void *)(vq->used + 2);
        if (used_idx != vq->used_seen) {
            barrier(); /* the index before the entry */
            const uint8_t *e = vq->used + 4 + 8u * (vq->used_seen % vq->size);
            uint32_t id;
            memcpy(&id, e, 4);
            memcpy(len, e + 4, 4);
            *head = (uint16_t)id;
            vq->used_seen++;
            return 0;
        }
        if (spins % 4096 == 0 && wisp_time_ns() > deadline) /* a hypercall: not every spin */
            return -1;
        __asm__ __volatile__("pause");
    }
}
