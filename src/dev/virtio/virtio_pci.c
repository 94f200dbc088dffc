/* The virtio 1.x PCI transport (virtio_pci.h). */
#include "virtio_pci.h"

#include <stdio.h>
#include <string.h>

#include "core/bus.h"


bool virtio_pci_has_feature(const struct virtio_pci *vp, unsigned bit)
{
    return bit < 64 && (vp->driver_features & (1ull << bit));
}

bool virtio_pci_running(const struct virtio_pci *vp)
{
    return (vp->status & VIRTIO_CONFIG_S_DRIVER_OK) && !(vp->status & VIRTIO_CONFIG_S_NEEDS_RESET);
}

static void raise_interrupt(struct virtio_pci *vp, uint16_t vector, uint8_t isr_bit)
{
    if (pci_msix_enabled(&vp->pci)) {
        if (vector != VIRTIO_MSI_NO_VECTOR)
            pci_msix_notify(&vp->pci, vector);
        return;
    }
    vp->isr |= isr_bit;
    pci_set_irq(&vp->pci, true);
}

void virtio_pci_interrupt_queue(struct virtio_pci *vp, unsigned q)
{
    if (q < vp->ops->num_queues && vq_should_interrupt(&vp->vq[q]))
        raise_interrupt(vp, vp->vq[q].msix_vector, VIRTIO_PCI_ISR_QUEUE);
}

void virtio_pci_config_changed(struct virtio_pci *vp)
{
    vp->config_generation++;
    raise_interrupt(vp, vp->msix_config, VIRTIO_PCI_ISR_CONFIG);
}

void virtio_pci_fail(struct virtio_pci *vp, const char *reason)
{
    if (!vp->failed_warned) {
        vp->failed_warned = true;
        fprintf(stderr, "wisp: %s at PCI 00:%02x.0: %s; the device needs a reset\n",
                vp->ops->name, vp->pci.slot, reason);
    }
    if (vp->status & VIRTIO_CONFIG_S_NEEDS_RESET)
        return;
    vp->status |= VIRTIO_CONFIG_S_NEEDS_RESET;
    virtio_pci_config_changed(vp);
}

/* ---- ioeventfds follow the BAR ---- */

static void detach_ioeventfds(struct virtio_pci *vp)
{
    for (unsigned q = 0; q < vp->ops->num_queues; q++) {
        if (!vp->ioeventfd_attached[q])
            continue;
        vp->platform->ioeventfd(vp->platform->opaque, vp->ioeventfd_gpa[q],
                                vp->ops->queue_eventfd(vp->dev, q), false);
        vp->ioeventfd_attached[q] = false;
    }
}

static void attach_ioeventfds(struct virtio_pci *vp, uint64_t bar)
{
    if (!vp->ops->queue_eventfd || !vp->platform->ioeventfd)
        return;
    for (unsigned q = 0; q < vp->ops->num_queues; q++) {
        int fd = vp->ops->queue_eventfd(vp->dev, q);
        uint64_t gpa = bar + VIRTIO_PCI_NOTIFY_OFFSET + VIRTIO_PCI_NOTIFY_MULTIPLIER * q;
        if (fd < 0 || vp->platform->ioeventfd(vp->platform->opaque, gpa, fd, true) < 0)
            continue; /* notifications then come through the BAR handler */
        vp->ioeventfd_attached[q] = true;
        vp->ioeventfd_gpa[q] = gpa;
    }
}

static void bar_moved(struct pci_device *pci, int bar, uint64_t old, uint64_t addr)
{
    struct virtio_pci *vp = pci->opaque;
    (void)old;
    if (bar != VIRTIO_PCI_BAR || !vp->platform->ioeventfd || !vp->ops->queue_eventfd)
        return;
    detach_ioeventfds(vp);
    if (addr)
        attach_ioeventfds(vp, addr);
}

/* ---- status, reset, features ---- */

static void reset_transport(struct virtio_pci *vp)
{
    for (unsigned q = 0; q < VIRTIO_PCI_MAX_QUEUES; q++)
        vq_reset(&vp->vq[q], vp->platform->memory,
                 q < vp->ops->num_queues ? vp->ops->queue_max_size : 0);
    vp->driver_features = 0;
    vp->device_feature_select = vp->driver_feature_select = 0;
    vp->msix_config = VIRTIO_MSI_NO_VECTOR;
    vp->queue_select = 0;
    vp->status = 0;
    vp->isr = 0;
    vp->failed_warned = false;
    pci_set_irq(&vp->pci, false);
}

static void reset(struct virtio_pci *vp)
{
    if (vp->ops->reset)
        vp->ops->reset(vp->dev);
    reset_transport(vp);
}

static void write_status(struct virtio_pci *vp, uint8_t value)
{
    if (value == 0) {
        reset(vp);
        return;
    }
    uint8_t old = vp->status;
    if ((value & VIRTIO_CONFIG_S_FEATURES_OK) && !(old & VIRTIO_CONFIG_S_FEATURES_OK)) {
        bool subset = (vp->driver_features & ~vp->device_features) == 0;
        if (!subset || !virtio_pci_has_feature(vp, VIRTIO_F_VERSION_1))
            value &= (uint8_t)~VIRTIO_CONFIG_S_FEATURES_OK; /* the driver reads it back */
    }
    /* NEEDS_RESET is the device's to set; the driver cannot clear it. */
    vp->status = (uint8_t)((value & ~VIRTIO_CONFIG_S_NEEDS_RESET) |
                           (old & VIRTIO_CONFIG_S_NEEDS_RESET));
    if (virtio_pci_running(vp) && !(old & VIRTIO_CONFIG_S_DRIVER_OK) && vp->ops->driver_ok)
        vp->ops->driver_ok(vp->dev);
}

static uint16_t checked_vector(const struct virtio_pci *vp, uint16_t vector)
{
    return vector < vp->pci.msix.vectors ? vector : VIRTIO_MSI_NO_VECTOR;
}

static struct virtqueue *selected(struct virtio_pci *vp)
{
    return vp->queue_select < vp->ops->num_queues ? &vp->vq[vp->queue_select] : NULL;
}

static void enable_queue(struct virtio_pci *vp, struct virtqueue *vq)
{
    char reason[VQ_REASON_MAX];
    if (vq->enabled)
        return;
    if (!vq_start(vq, vp->ops->queue_max_size,
                  virtio_pci_has_feature(vp, VIRTIO_F_RING_EVENT_IDX), reason, sizeof reason)) {
        char line[VQ_REASON_MAX + 16];
        snprintf(line, sizeof line, "queue %u: %s", vp->queue_select, reason);
        virtio_pci_fail(vp, line);
    }
}

/* ---- common configuration ---- */

static uint64_t common_read(struct virtio_pci *vp, unsigned offset)
{
    struct virtqueue *vq = selected(vp);
    switch (offset) {
    case VIRTIO_PCI_COMMON_DFSELECT: return vp->device_feature_select;
    case VIRTIO_PCI_COMMON_DF:
        return vp->device_feature_select < 2
            ? (uint32_t)(vp->device_features >> (32 * vp->device_feature_select)) : 0;
    case VIRTIO_PCI_COMMON_GFSELECT: return vp->driver_feature_select;
    case VIRTIO_PCI_COMMON_GF:
        return vp->driver_feature_select < 2
            ? (uint32_t)(vp->driver_features >> (32 * vp->driver_feature_select)) : 0;
    case VIRTIO_PCI_COMMON_MSIX: return vp->msix_config;
    case VIRTIO_PCI_COMMON_NUMQ: return vp->ops->num_queues;
    case VIRTIO_PCI_COMMON_STATUS: return vp->status;
    case VIRTIO_PCI_COMMON_CFGGENERATION: return vp->config_generation;
    case VIRTIO_PCI_COMMON_Q_SELECT: return vp->queue_select;
    case VIRTIO_PCI_COMMON_Q_SIZE: return vq ? vq->size : 0;
    case VIRTIO_PCI_COMMON_Q_MSIX: return vq ? vq->msix_vector : VIRTIO_MSI_NO_VECTOR;
    case VIRTIO_PCI_COMMON_Q_ENABLE: return vq ? vq->enabled : 0;
    case VIRTIO_PCI_COMMON_Q_NOFF: return vq ? vp->queue_select : 0;
    case VIRTIO_PCI_COMMON_Q_DESCLO: return vq ? (uint32_t)vq->desc_addr : 0;
    case VIRTIO_PCI_COMMON_Q_DESCHI: return vq ? (uint32_t)(vq->desc_addr >> 32) : 0;
    case VIRTIO_PCI_COMMON_Q_AVAILLO: return vq ? (uint32_t)vq->avail_addr : 0;
    case VIRTIO_PCI_COMMON_Q_AVAILHI: return vq ? (uint32_t)(vq->avail_addr >> 32) : 0;
    case VIRTIO_PCI_COMMON_Q_USEDLO: return vq ? (uint32_t)vq->used_addr : 0;
    case VIRTIO_PCI_COMMON_Q_USEDHI: return vq ? (uint32_t)(vq->used_addr >> 32) : 0;
    default: return 0;
    }
}

static void set_half(uint64_t *field, bool high, uint32_t v)
{
    *field = high ? ((*field & 0xFFFFFFFFull) | (uint64_t)v << 32)
                  : ((*field & ~0xFFFFFFFFull) | v);
}

static void common_write(struct virtio_pci *vp, unsigned offset, uint32_t v)
{
    struct virtqueue *vq = selected(vp);
    /* Queue registers are frozen once the queue runs (and while failed). */
    bool queue_writable = vq && !vq->enabled;
    switch (offset) {
    case VIRTIO_PCI_COMMON_DFSELECT: vp->device_feature_select = v; break;
    case VIRTIO_PCI_COMMON_GFSELECT: vp->driver_feature_select = v; break;
    case VIRTIO_PCI_COMMON_GF:
        if (vp->driver_feature_select < 2 && !(vp->status & VIRTIO_CONFIG_S_FEATURES_OK))
            set_half(&vp->driver_features, vp->driver_feature_select == 1, v);
        break;
    case VIRTIO_PCI_COMMON_MSIX: vp->msix_config = checked_vector(vp, (uint16_t)v); break;
    case VIRTIO_PCI_COMMON_STATUS: write_status(vp, (uint8_t)v); break;
    case VIRTIO_PCI_COMMON_Q_SELECT: vp->queue_select = (uint16_t)v; break;
    case VIRTIO_PCI_COMMON_Q_SIZE:
        if (queue_writable)
            vq->size = (uint16_t)v;
        break;
    case VIRTIO_PCI_COMMON_Q_MSIX:
        if (vq)
            vq->msix_vector = checked_vector(vp, (uint16_t)v);
        break;
    case VIRTIO_PCI_COMMON_Q_ENABLE:
        if (vq && v == 1 && !(vp->status & VIRTIO_CONFIG_S_NEEDS_RESET))
            enable_queue(vp, vq);
        break;
    case VIRTIO_PCI_COMMON_Q_DESCLO:
    case VIRTIO_PCI_COMMON_Q_DESCHI:
        if (queue_writable)
            set_half(&vq->desc_addr, offset == VIRTIO_PCI_COMMON_Q_DESCHI, v);
        break;
    case VIRTIO_PCI_COMMON_Q_AVAILLO:
    case VIRTIO_PCI_COMMON_Q_AVAILHI:
        if (queue_writable)
            set_half(&vq->avail_addr, offset == VIRTIO_PCI_COMMON_Q_AVAILHI, v);
        break;
    case VIRTIO_PCI_COMMON_Q_USEDLO:
    case VIRTIO_PCI_COMMON_Q_USEDHI:
        if (queue_writable)
            set_half(&vq->used_addr, offset == VIRTIO_PCI_COMMON_Q_USEDHI, v);
        break;
    default:
        break; /* read-only or reserved */
    }
}

/* The fields of struct virtio_pci_common_cfg: offset and width. */
static const uint8_t common_fields[][2] = {
    { VIRTIO_PCI_COMMON_DFSELECT, 4 }, { VIRTIO_PCI_COMMON_DF, 4 },
    { VIRTIO_PCI_COMMON_GFSELECT, 4 }, { VIRTIO_PCI_COMMON_GF, 4 },
    { VIRTIO_PCI_COMMON_MSIX, 2 }, { VIRTIO_PCI_COMMON_NUMQ, 2 },
    { VIRTIO_PCI_COMMON_STATUS, 1 }, { VIRTIO_PCI_COMMON_CFGGENERATION, 1 },
    { VIRTIO_PCI_COMMON_Q_SELECT, 2 }, { VIRTIO_PCI_COMMON_Q_SIZE, 2 },
    { VIRTIO_PCI_COMMON_Q_MSIX, 2 }, { VIRTIO_PCI_COMMON_Q_ENABLE, 2 },
    { VIRTIO_PCI_COMMON_Q_NOFF, 2 }, { VIRTIO_PCI_COMMON_Q_DESCLO, 4 },
    { VIRTIO_PCI_COMMON_Q_DESCHI, 4 }, { VIRTIO_PCI_COMMON_Q_AVAILLO, 4 },
    { VIRTIO_PCI_COMMON_Q_AVAILHI, 4 }, { VIRTIO_PCI_COMMON_Q_USEDLO, 4 },
    { VIRTIO_PCI_COMMON_Q_USEDHI, 4 },
};

/* An access is split into the fields it covers (a 64-bit access to an
 * address pair is two 32-bit ones). Reads return the covered bytes of each
 * field; a write changes only the fields it covers whole. */
static void common_access(struct virtio_pci *vp, unsigned offset, uint8_t *data, unsigned size,
                          bool is_write)
{
    for (size_t i = 0; i < sizeof common_fields / sizeof common_fields[0]; i++) {
        unsigned field = common_fields[i][0], width = common_fields[i][1];
        unsigned lo = field > offset ? field : offset;
        unsigned hi = field + width < offset + size ? field + width : offset + size;
        if (lo >= hi)
            continue;
        if (is_write) {
            if (lo == field && hi == field + width)
                common_write(vp, field, (uint32_t)bus_load_le(data + (field - offset), width));
        } else {
            uint64_t v = common_read(vp, field) >> (8 * (lo - field));
            bus_store_le(data + (lo - offset), hi - lo, v);
        }
    }
}

/* ---- BAR 0 ---- */

/* Only a running device takes buffers (virtio 1.2, 3.1.1: none before
 * DRIVER_OK); what a driver queued earlier is looked at by the model's
 * driver_ok. */
static void notify(struct virtio_pci *vp, unsigned q)
{
    if (q >= vp->ops->num_queues || !vp->vq[q].enabled || !virtio_pci_running(vp))
        return;
    if (vp->ops->queue_notify)
        vp->ops->queue_notify(vp->dev, q);
}

void virtio_pci_bar_access(void *opaque, uint64_t offset, uint8_t *data, unsigned size,
                           bool is_write)
{
    struct virtio_pci *vp = opaque;
    if (!is_write)
        memset(data, 0, size);
    if (offset < VIRTIO_PCI_COMMON_OFFSET + VIRTIO_PCI_COMMON_SIZE) {
        common_access(vp, (unsigned)offset, data, size, is_write);
    } else if (offset == VIRTIO_PCI_ISR_OFFSET) {
        if (!is_write) {
            data[0] = vp->isr; /* reading clears it and lowers the line */
            vp->isr = 0;
            pci_set_irq(&vp->pci, false);
        }
    } else if (offset >= VIRTIO_PCI_DEVICE_OFFSET &&
               offset < VIRTIO_PCI_DEVICE_OFFSET + VIRTIO_PCI_DEVICE_SIZE) {
        uint32_t at = (uint32_t)(offset - VIRTIO_PCI_DEVICE_OFFSET);
        if (at >= vp->ops->config_size)
            return;
        if (!is_write)
            vp->ops->config_read(vp->dev, at, data, size);
        else if (vp->ops->config_write)
            vp->ops->config_write(vp->dev, at, data, size);
    } else if (offset >= VIRTIO_PCI_NOTIFY_OFFSET &&
               offset < VIRTIO_PCI_NOTIFY_OFFSET + VIRTIO_PCI_NOTIFY_MULTIPLIER *
                                                       VIRTIO_PCI_MAX_QUEUES) {
        if (is_write)
            notify(vp, (unsigned)(offset - VIRTIO_PCI_NOTIFY_OFFSET) /
                           VIRTIO_PCI_NOTIFY_MULTIPLIER);
    } else if (offset >= VIRTIO_PCI_MSIX_TABLE_OFFSET && offset < VIRTIO_PCI_MSIX_PBA_OFFSET) {
        pci_msix_table_access(&vp->pci, offset - VIRTIO_PCI_MSIX_TABLE_OFFSET, data, size,
                              is_write);
    } else if (offset >= VIRTIO_PCI_MSIX_PBA_OFFSET &&
               offset < VIRTIO_PCI_MSIX_PBA_OFFSET + 0x1000) {
        pci_msix_pba_access(&vp->pci, offset - VIRTIO_PCI_MSIX_PBA_OFFSET, data, size, is_write);
    }
}

/* ---- the PCI configuration access capability (4.1.4.9) ---- */

static bool touches_cfg_data(const struct virtio_pci *vp, unsigned offset, unsigned size)
{
    unsigned start = vp->cfg_cap + VIRTIO_PCI_CFG_CAP_DATA;
    return vp->cfg_cap && offset < start + 4 && start < offset + size;
}

/* The window the driver programmed: BAR 0 only, 1, 2 or 4 bytes, aligned. */
static bool cfg_window(const struct virtio_pci *vp, uint32_t *at, unsigned *len)
{
    const uint8_t *cap = vp->pci.config + vp->cfg_cap;
    *at = pci_get_long(cap + VIRTIO_PCI_CAP_OFFSET);
    *len = pci_get_long(cap + VIRTIO_PCI_CAP_LENGTH);
    return cap[VIRTIO_PCI_CAP_BAR] == VIRTIO_PCI_BAR && (*len == 1 || *len == 2 || *len == 4) &&
           *at % *len == 0 && *at < VIRTIO_PCI_BAR_SIZE;
}

static void config_reading(struct pci_device *pci, unsigned offset, unsigned size)
{
    struct virtio_pci *vp = pci->opaque;
    uint32_t at;
    unsigned len;
    if (!touches_cfg_data(vp, offset, size) || !cfg_window(vp, &at, &len))
        return;
    uint8_t *window = pci->config + vp->cfg_cap + VIRTIO_PCI_CFG_CAP_DATA;
    memset(window, 0, 4);
    virtio_pci_bar_access(vp, at, window, len, false);
}

static void config_written(struct pci_device *pci, unsigned offset, unsigned size)
{
    struct virtio_pci *vp = pci->opaque;
    uint32_t at;
    unsigned len;
    if (!touches_cfg_data(vp, offset, size) || !cfg_window(vp, &at, &len))
        return;
    virtio_pci_bar_access(vp, at, pci->config + vp->cfg_cap + VIRTIO_PCI_CFG_CAP_DATA, len, true);
}

static const struct pci_device_ops pci_ops = { bar_moved, config_written, config_reading };

/* ---- set-up ---- */

static void add_virtio_cap(struct virtio_pci *vp, uint8_t type, uint32_t offset, uint32_t length,
                           uint8_t cap_len)
{
    uint8_t at = pci_device_add_capability(&vp->pci, PCI_CAP_ID_VENDOR, cap_len);
    uint8_t *cap = vp->pci.config + at;
    cap[2] = cap_len;
    cap[VIRTIO_PCI_CAP_CFG_TYPE] = type;
    cap[VIRTIO_PCI_CAP_BAR] = VIRTIO_PCI_BAR;
    pci_set_long(cap + VIRTIO_PCI_CAP_OFFSET, offset);
    pci_set_long(cap + VIRTIO_PCI_CAP_LENGTH, length);
    if (type == VIRTIO_PCI_CAP_NOTIFY_CFG)
        pci_set_long(cap + VIRTIO_PCI_NOTIFY_CAP_MULT, VIRTIO_PCI_NOTIFY_MULTIPLIER);
    if (type == VIRTIO_PCI_CAP_PCI_CFG) {
        vp->cfg_cap = at;
        uint8_t *w = vp->pci.wmask + at;
        w[VIRTIO_PCI_CAP_BAR] = 0xFF;
        memset(w + VIRTIO_PCI_CAP_OFFSET, 0xFF, 4);
        memset(w + VIRTIO_PCI_CAP_LENGTH, 0xFF, 4);
        memset(w + VIRTIO_PCI_CFG_CAP_DATA, 0xFF, 4);
    }
}

void virtio_pci_init(struct virtio_pci *vp, const struct virtio_device_ops *ops, void *dev,
                     uint64_t device_features, const struct virtio_platform *platform)
{
    memset(vp, 0, sizeof *vp);
    vp->ops = ops;
    vp->dev = dev;
    vp->platform = platform;
    vp->device_features = device_features | VIRTIO_PCI_TRANSPORT_FEATURES;
    /* Revision 1: a modern-only device; the subsystem ID repeats the type. */
    pci_device_init(&vp->pci, ops->name, VIRTIO_PCI_VENDOR,
                    (uint16_t)(VIRTIO_PCI_DEVICE_MODERN_BASE + ops->device_id), ops->class_code,
                    1, VIRTIO_PCI_VENDOR, 0x40);
    vp->pci.ops = &pci_ops;
    vp->pci.opaque = vp;
    pci_device_add_bar(&vp->pci, VIRTIO_PCI_BAR, VIRTIO_PCI_BAR_SIZE, false,
                       virtio_pci_bar_access, vp);
    pci_device_add_msix(&vp->pci, (uint16_t)(ops->num_queues + 1), VIRTIO_PCI_BAR,
                        VIRTIO_PCI_MSIX_TABLE_OFFSET, VIRTIO_PCI_MSIX_PBA_OFFSET);
    add_virtio_cap(vp, VIRTIO_PCI_CAP_COMMON_CFG, VIRTIO_PCI_COMMON_OFFSET,
                   VIRTIO_PCI_COMMON_SIZE, VIRTIO_PCI_CAP_LEN);
    add_virtio_cap(vp, VIRTIO_PCI_CAP_NOTIFY_CFG, VIRTIO_PCI_NOTIFY_OFFSET,
                   VIRTIO_PCI_NOTIFY_MULTIPLIER * ops->num_queues, VIRTIO_PCI_NOTIFY_CAP_LEN);
    add_virtio_cap(vp, VIRTIO_PCI_CAP_ISR_CFG, VIRTIO_PCI_ISR_OFFSET, 1, VIRTIO_PCI_CAP_LEN);
    /* Only devices with a configuration have the capability (Linux
     * refuses one of length 0). */
    if (ops->config_size)
        add_virtio_cap(vp, VIRTIO_PCI_CAP_DEVICE_CFG, VIRTIO_PCI_DEVICE_OFFSET,
                       ops->config_size, VIRTIO_PCI_CAP_LEN);
    add_virtio_cap(vp, VIRTIO_PCI_CAP_PCI_CFG, 0, 0, VIRTIO_PCI_CFG_CAP_LEN);
    reset_transport(vp);
}
