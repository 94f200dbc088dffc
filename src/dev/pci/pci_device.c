/* A PCI function's configuration space, BAR decoding and INTx (pci.h). */
#include "pci.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

void pci_device_init(struct pci_device *dev, const char *name, uint16_t vendor,
                     uint16_t device, uint32_t class_code, uint8_t revision,
                     uint16_t subsystem_vendor, uint16_t subsystem_id)
{
    memset(dev, 0, sizeof *dev);
    dev->name = name;
    uint8_t *c = dev->config;
    pci_set_word(c + PCI_VENDOR_ID, vendor);
    pci_set_word(c + PCI_DEVICE_ID, device);
    c[PCI_REVISION_ID] = revision;
    c[PCI_CLASS_PROG] = (uint8_t)class_code;
    c[PCI_CLASS_DEVICE] = (uint8_t)(class_code >> 8);
    c[PCI_CLASS_DEVICE + 1] = (uint8_t)(class_code >> 16);
    c[PCI_HEADER_TYPE] = 0; /* type 0, single function */
    pci_set_word(c + PCI_SUBSYSTEM_VENDOR_ID, subsystem_vendor);
    pci_set_word(c + PCI_SUBSYSTEM_ID, subsystem_id);
    /* Command: I/O, memory, bus master, INTx disable. */
    pci_set_word(dev->wmask + PCI_COMMAND,
                 PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER |
                     PCI_COMMAND_INTX_DISABLE);
    /* Status: the error bits are write-1-to-clear; nothing sets them. */
    pci_set_word(dev->w1cmask + PCI_STATUS, 0xF900);
    dev->wmask[0x0C] = 0xFF; /* cache line size */
    dev->wmask[0x0D] = 0xFF; /* latency timer */
    dev->wmask[PCI_INTERRUPT_LINE] = 0xFF; /* the guest's note of the IRQ */
    dev->next_cap = PCI_STD_HEADER_END;
}

void pci_device_add_bar(struct pci_device *dev, int bar, uint64_t size, bool is_64,
                        bus_access_fn access, void *opaque)
{
    struct pci_bar *b = &dev->bars[bar];
    b->size = size;
    b->is_64 = is_64;
    b->access = access;
    b->opaque = opaque;
    unsigned reg = PCI_BAR0 + 4u * (unsigned)bar;
    uint64_t mask = ~(size - 1);
    pci_set_long(dev->config + reg, is_64 ? PCI_BAR_MEM_TYPE_64 : 0);
    pci_set_long(dev->wmask + reg, (uint32_t)mask & ~0xFu);
    if (is_64)
        pci_set_long(dev->wmask + reg + 4, (uint32_t)(mask >> 32));
}

uint8_t pci_device_add_capability(struct pci_device *dev, uint8_t id, uint8_t len)
{
    unsigned at = (dev->next_cap + 3u) & ~3u;
    if (len < 2 || at + len > PCI_CONFIG_SIZE)
        return 0;
    dev->config[at] = id;
    dev->config[at + 1] = 0;
    if (dev->last_cap)
        dev->config[dev->last_cap + 1] = (uint8_t)at;
    else
        dev->config[PCI_CAPABILITY_LIST] = (uint8_t)at;
    pci_set_word(dev->config + PCI_STATUS,
                 pci_get_word(dev->config + PCI_STATUS) | PCI_STATUS_CAP_LIST);
    dev->last_cap = (uint8_t)at;
    dev->next_cap = (uint8_t)(at + len < PCI_CONFIG_SIZE ? at + len : PCI_CONFIG_SIZE - 1);
    return (uint8_t)at;
}

uint64_t pci_bar_address(const struct pci_device *dev, int bar)
{
    const struct pci_bar *b = &dev->bars[bar];
    unsigned reg = PCI_BAR0 + 4u * (unsigned)bar;
    uint64_t addr = pci_get_long(dev->config + reg) & ~0xFull;
    if (b->is_64)
        addr |= (uint64_t)pci_get_long(dev->config + reg + 4) << 32;
    return addr;
}

/* Registers every BAR where the guest put it, when memory decode is on.
 * BARs that move or stop leave the bus first, so that one BAR may take a
 * place another of the same function just left; a BAR that found its place
 * taken tries again on every call (the host bridge calls this for every
 * function after a decode change anywhere). */
void pci_device_update_bars(struct pci_device *dev)
{
    bool decode = pci_get_word(dev->config + PCI_COMMAND) & PCI_COMMAND_MEMORY;
    uint64_t want[PCI_NUM_BARS], old[PCI_NUM_BARS];
    for (int i = 0; i < PCI_NUM_BARS; i++) {
        struct pci_bar *b = &dev->bars[i];
        old[i] = b->decoding_at;
        want[i] = b->size && decode ? pci_bar_address(dev, i) : 0;
        /* Half-programmed or sized BARs that wrap decode nothing. */
        if (want[i] && want[i] + b->size < want[i])
            want[i] = 0;
        if (b->size && old[i] && old[i] != want[i]) {
            if (dev->mmio)
                bus_unregister(dev->mmio, old[i], b->opaque);
            b->decoding_at = 0;
        }
    }
    for (int i = 0; i < PCI_NUM_BARS; i++) {
        struct pci_bar *b = &dev->bars[i];
        if (!b->size || !want[i] || b->decoding_at || !dev->mmio)
            continue;
        struct wisp_error err = { 0 };
        if (bus_register(dev->mmio, want[i], b->size, dev->name, b->access, b->opaque, &err) == 0) {
            b->decoding_at = want[i];
        } else if (!b->overlap_warned) {
            b->overlap_warned = true;
            fprintf(stderr, "wisp: %s: BAR%d at 0x%" PRIx64 " not decoded: %s\n", dev->name, i,
                    want[i], err.message);
        }
    }
    for (int i = 0; i < PCI_NUM_BARS; i++)
        if (dev->ops && dev->ops->bar_moved && old[i] != dev->bars[i].decoding_at)
            dev->ops->bar_moved(dev, i, old[i], dev->bars[i].decoding_at);
}

static void update_intx(struct pci_device *dev)
{
    bool disabled = pci_get_word(dev->config + PCI_COMMAND) & PCI_COMMAND_INTX_DISABLE;
    bool out = dev->intx_level && !disabled;
    if (out == dev->intx_out)
        return;
    dev->intx_out = out;
    if (dev->irq && dev->irq->intx)
        dev->irq->intx(dev->irq_opaque, dev, out);
}

void pci_set_irq(struct pci_device *dev, bool level)
{
    uint16_t status = pci_get_word(dev->config + PCI_STATUS);
    status = level ? (status | PCI_STATUS_INTERRUPT) : (status & ~PCI_STATUS_INTERRUPT);
    pci_set_word(dev->config + PCI_STATUS, status);
    dev->intx_level = level;
    update_intx(dev);
}

static bool aligned_access(unsigned offset, unsigned size)
{
    return (size == 1 || size == 2 || size == 4) && offset % size == 0;
}

uint32_t pci_config_read(struct pci_device *dev, unsigned offset, unsigned size)
{
    if (!aligned_access(offset, size) || offset + size > PCI_ECAM_FUNCTION_SIZE)
        return 0xFFFFFFFFu;
    if (offset >= PCI_CONFIG_SIZE)
        return 0; /* no extended capabilities */
    if (dev->ops && dev->ops->config_reading)
        dev->ops->config_reading(dev, offset, size);
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint32_t)dev->config[offset + i] << (8 * i);
    return v;
}

static bool touches(unsigned offset, unsigned size, unsigned start, unsigned len)
{
    return offset < start + len && start < offset + size;
}

void pci_config_write(struct pci_device *dev, unsigned offset, uint32_t value, unsigned size)
{
    if (!aligned_access(offset, size) || offset + size > PCI_CONFIG_SIZE)
        return;
    uint16_t old_msix_control =
        dev->msix.vectors ? pci_get_word(dev->config + dev->msix.cap + PCI_MSIX_FLAGS) : 0;
    for (unsigned i = 0; i < size; i++) {
        unsigned at = offset + i;
        uint8_t byte = (uint8_t)(value >> (8 * i));
        uint8_t old = dev->config[at];
        uint8_t v = (uint8_t)((old & ~dev->wmask[at]) | (byte & dev->wmask[at]));
        v &= (uint8_t)~(byte & dev->w1cmask[at]);
        dev->config[at] = v;
    }
    if (touches(offset, size, PCI_COMMAND, 2) || touches(offset, size, PCI_BAR0, 24)) {
        pci_device_update_bars(dev);
        update_intx(dev);
    }
    if (dev->msix.vectors && touches(offset, size, dev->msix.cap + PCI_MSIX_FLAGS, 2))
        pci_msix_control_written(dev, old_msix_control);
    if (dev->ops && dev->ops->config_written)
        dev->ops->config_written(dev, offset, size);
}
