/* Visitors for the virtio PCI transport (virtio_state.h). */
#include "virtio_state.h"

#include <string.h>

static bool vector_ok(const struct pci_device *dev, uint16_t vector)
{
    return vector == VIRTIO_MSI_NO_VECTOR || vector < dev->msix.vectors;
}

void state_pci_function(struct state_io *io, struct pci_device *dev)
{
    uint8_t config[PCI_CONFIG_SIZE];
    uint32_t table[PCI_MSIX_MAX_VECTORS][4];
    uint64_t pending = dev->msix.pending;
    bool level = dev->intx_level;
    unsigned vectors = dev->msix.vectors;
    memcpy(config, dev->config, sizeof config);
    memcpy(table, dev->msix.table, sizeof table);
    state_bytes(io, config, sizeof config);
    for (unsigned v = 0; v < vectors; v++)
        for (unsigned i = 0; i < 4; i++)
            state_u32(io, &table[v][i]);
    state_u64(io, &pending);
    state_bool(io, &level);
    if (!io->loading || io->failed)
        return;
    /* What the guest cannot write (IDs, class, capabilities, BAR type
     * bits) must be this device's; the status register's interrupt bit
     * follows the INTx line, set again below. */
    for (unsigned i = 0; i < PCI_CONFIG_SIZE; i++) {
        uint8_t fixed = (uint8_t)~(dev->wmask[i] | dev->w1cmask[i]);
        if (i == PCI_STATUS)
            fixed &= (uint8_t)~PCI_STATUS_INTERRUPT;
        if ((config[i] ^ dev->config[i]) & fixed) {
            state_io_fail(io, "PCI configuration saved for another device");
            return;
        }
    }
    state_check(io, vectors >= 64 || (pending >> vectors) == 0,
                "MSI-X pending bit for a vector that does not exist");
    if (io->failed)
        return;
    memcpy(dev->config, config, sizeof config);
    memcpy(dev->msix.table, table, sizeof table);
    dev->msix.pending = pending;
    pci_set_irq(dev, level);
    pci_device_update_bars(dev);
}

static void state_queue(struct state_io *io, struct virtio_pci *vp, struct virtqueue *vq)
{
    struct virtqueue q = *vq;
    state_u16(io, &q.size);
    state_u16(io, &q.msix_vector);
    state_u64(io, &q.desc_addr);
    state_u64(io, &q.avail_addr);
    state_u64(io, &q.used_addr);
    state_bool(io, &q.enabled);
    state_u16(io, &q.last_avail);
    state_u16(io, &q.used_idx);
    state_u16(io, &q.signalled_used);
    state_bool(io, &q.signalled_used_valid);
    state_bool(io, &q.event_idx);
    state_bool(io, &q.broken);
    if (!io->loading || io->failed)
        return;
    state_check(io, vector_ok(&vp->pci, q.msix_vector), "queue vector out of range");
    state_check(io, !q.enabled || q.event_idx == virtio_pci_has_feature(vp, VIRTIO_F_RING_EVENT_IDX),
                "queue event index does not match the features");
    if (io->failed)
        return;
    char reason[VQ_REASON_MAX];
    if (!vq_resume(&q, vp->ops->queue_max_size, reason, sizeof reason)) {
        state_io_fail(io, "queue rings out of range (size, alignment or outside guest RAM)");
        return;
    }
    *vq = q;
}

void state_virtio_pci(struct state_io *io, struct virtio_pci *vp)
{
    state_pci_function(io, &vp->pci);
    uint64_t offered = vp->device_features, accepted = vp->driver_features;
    uint32_t dfselect = vp->device_feature_select, gfselect = vp->driver_feature_select;
    uint16_t msix_config = vp->msix_config, queue_select = vp->queue_select;
    uint8_t status = vp->status, generation = vp->config_generation, isr = vp->isr;
    bool warned = vp->failed_warned;
    uint32_t queues = vp->ops->num_queues;
    state_u64(io, &offered);
    state_u64(io, &accepted);
    state_u32(io, &dfselect);
    state_u32(io, &gfselect);
    state_u16(io, &msix_config);
    state_u16(io, &queue_select);
    state_u8(io, &status);
    state_u8(io, &generation);
    state_u8(io, &isr);
    state_bool(io, &warned);
    state_u32(io, &queues);
    if (io->loading) {
        state_check(io, offered == vp->device_features, "virtio features saved for another device");
        state_check(io, (accepted & ~offered) == 0, "virtio driver accepted features not offered");
        state_check(io, vector_ok(&vp->pci, msix_config), "virtio configuration vector out of range");
        state_check(io, (isr & ~(VIRTIO_PCI_ISR_QUEUE | VIRTIO_PCI_ISR_CONFIG)) == 0,
                    "virtio ISR bits out of range");
        state_check(io, queues == vp->ops->num_queues, "virtio queue count saved for another device");
        if (io->failed)
            return;
        vp->driver_features = accepted;
        vp->device_feature_select = dfselect;
        vp->driver_feature_select = gfselect;
        vp->msix_config = msix_config;
        vp->queue_select = queue_select;
        vp->status = status;
        vp->config_generation = generation;
        vp->isr = isr;
        vp->failed_warned = warned;
    }
    for (unsigned q = 0; q < vp->ops->num_queues && !io->failed; q++)
        state_queue(io, vp, &vp->vq[q]);
}
