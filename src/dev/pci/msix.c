/*
 * MSI-X (PCI 3.0, 6.8.2): the capability, the vector table and the pending
 * bit array. A signalled vector is delivered when MSI-X is on and neither
 * the vector nor the function is masked; otherwise it waits in the PBA and
 * goes out as soon as the guest unmasks it.
 */
#include "pci.h"

#include <string.h>

enum { ENTRY_ADDR_LO, ENTRY_ADDR_HI, ENTRY_DATA, ENTRY_CTRL };

int pci_device_add_msix(struct pci_device *dev, uint16_t vectors, uint8_t bar,
                        uint32_t table_offset, uint32_t pba_offset)
{
    if (vectors == 0 || vectors > PCI_MSIX_MAX_VECTORS || bar >= PCI_NUM_BARS)
        return -1;
    uint8_t cap = pci_device_add_capability(dev, PCI_CAP_ID_MSIX, PCI_MSIX_CAP_SIZE);
    if (!cap)
        return -1;
    struct pci_msix *m = &dev->msix;
    memset(m, 0, sizeof *m);
    m->vectors = vectors;
    m->cap = cap;
    m->bar = bar;
    m->table_offset = table_offset;
    m->pba_offset = pba_offset;
    for (unsigned i = 0; i < vectors; i++)
        m->table[i][ENTRY_CTRL] = PCI_MSIX_ENTRY_CTRL_MASKBIT;
    pci_set_word(dev->config + cap + PCI_MSIX_FLAGS, (uint16_t)(vectors - 1));
    pci_set_word(dev->wmask + cap + PCI_MSIX_FLAGS,
                 PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
    pci_set_long(dev->config + cap + PCI_MSIX_TABLE, table_offset | bar);
    pci_set_long(dev->config + cap + PCI_MSIX_PBA, pba_offset | bar);
    return 0;
}

static uint16_t control(const struct pci_device *dev)
{
    return pci_get_word(dev->config + dev->msix.cap + PCI_MSIX_FLAGS);
}

bool pci_msix_enabled(const struct pci_device *dev)
{
    return dev->msix.vectors && (control(dev) & PCI_MSIX_FLAGS_ENABLE);
}

static bool vector_masked(const struct pci_device *dev, uint16_t vector)
{
    return (control(dev) & PCI_MSIX_FLAGS_MASKALL) ||
           (dev->msix.table[vector][ENTRY_CTRL] & PCI_MSIX_ENTRY_CTRL_MASKBIT);
}

static void deliver(struct pci_device *dev, uint16_t vector)
{
    const uint32_t *e = dev->msix.table[vector];
    uint64_t address = (uint64_t)e[ENTRY_ADDR_HI] << 32 | e[ENTRY_ADDR_LO];
    if (dev->irq && dev->irq->msi)
        dev->irq->msi(dev->irq_opaque, address, e[ENTRY_DATA]);
}

bool pci_msix_notify(struct pci_device *dev, uint16_t vector)
{
    if (!pci_msix_enabled(dev) || vector >= dev->msix.vectors)
        return false;
    if (vector_masked(dev, vector))
        dev->msix.pending |= 1ull << vector;
    else
        deliver(dev, vector);
    return true;
}

/* Pending vectors that are no longer masked go out now. */
static void deliver_unmasked(struct pci_device *dev)
{
    if (!pci_msix_enabled(dev))
        return;
    for (uint16_t v = 0; v < dev->msix.vectors; v++) {
        if ((dev->msix.pending & (1ull << v)) && !vector_masked(dev, v)) {
            dev->msix.pending &= ~(1ull << v);
            deliver(dev, v);
        }
    }
}

void pci_msix_control_written(struct pci_device *dev, uint16_t old_control)
{
    if (control(dev) != old_control)
        deliver_unmasked(dev);
}

void pci_msix_table_access(struct pci_device *dev, uint64_t offset, uint8_t *data,
                           unsigned size, bool is_write)
{
    struct pci_msix *m = &dev->msix;
    uint64_t table_size = (uint64_t)m->vectors * PCI_MSIX_ENTRY_SIZE;
    if ((size != 4 && size != 8) || offset % size || offset >= table_size) {
        if (!is_write)
            memset(data, 0xFF, size);
        return;
    }
    unsigned vector = (unsigned)(offset / PCI_MSIX_ENTRY_SIZE);
    unsigned field = (unsigned)(offset % PCI_MSIX_ENTRY_SIZE) / 4;
    uint32_t *e = m->table[vector];
    for (unsigned i = 0; i < size / 4; i++, field++) {
        if (!is_write) {
            pci_set_long(data + 4 * i, e[field]);
            continue;
        }
        uint32_t v = pci_get_long(data + 4 * i);
        /* Only the mask bit of the vector control word is writable. */
        e[field] = field == ENTRY_CTRL ? (v & PCI_MSIX_ENTRY_CTRL_MASKBIT) : v;
    }
    if (is_write)
        deliver_unmasked(dev);
}

void pci_msix_pba_access(struct pci_device *dev, uint64_t offset, uint8_t *data,
                         unsigned size, bool is_write)
{
    if (is_write)
        return; /* read-only */
    for (unsigned i = 0; i < size; i++) {
        uint64_t byte = offset + i;
        data[i] = byte < 8 ? (uint8_t)(dev->msix.pending >> (8 * byte)) : 0;
    }
}
