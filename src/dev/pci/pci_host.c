/* The PCI host bridge: configuration cycles, BAR placement, INTx (pci_host.h). */
#include "pci_host.h"

#include <inttypes.h>
#include <string.h>

#include "core/bus.h"

#define CONFIG_ADDRESS_ENABLE 0x80000000u

static struct pci_device *find(struct pci_host *host, unsigned bus, unsigned slot,
                               unsigned function)
{
    if (bus != 0 || slot >= PCI_HOST_SLOTS || function != 0)
        return NULL;
    return host->slots[slot];
}

uint32_t pci_host_config_read(struct pci_host *host, unsigned bus, unsigned slot,
                              unsigned function, unsigned offset, unsigned size)
{
    struct pci_device *dev = find(host, bus, slot, function);
    if (!dev)
        return size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1; /* no device: all ones */
    return pci_config_read(dev, offset, size);
}

void pci_host_config_write(struct pci_host *host, unsigned bus, unsigned slot,
                           unsigned function, unsigned offset, uint32_t value, unsigned size)
{
    struct pci_device *dev = find(host, bus, slot, function);
    if (!dev)
        return;
    pci_config_write(dev, offset, value, size);
    /* A BAR that moved or stopped decoding may uncover one that could not. */
    if (offset < PCI_BAR0 + 4 * PCI_NUM_BARS)
        for (unsigned s = 0; s < PCI_HOST_SLOTS; s++)
            if (host->slots[s] && host->slots[s] != dev)
                pci_device_update_bars(host->slots[s]);
}

/* Every access here is 4 bytes or fewer (64-bit ECAM ones are split). */
static uint32_t load(const uint8_t *data, unsigned size)
{
    return (uint32_t)bus_load_le(data, size);
}

static void store(uint8_t *data, unsigned size, uint32_t v)
{
    bus_store_le(data, size, v);
}

/* Port 0xCF8: only 32-bit accesses reach the address register; narrower
 * ones are other chipset registers on a PC (0xCF9 is the reset control). */
void pci_host_address_port(void *opaque, uint64_t offset, uint8_t *data, unsigned size,
                           bool is_write)
{
    struct pci_host *host = opaque;
    if (offset != 0 || size != 4) {
        if (!is_write)
            memset(data, 0xFF, size);
        return;
    }
    if (is_write)
        host->config_address = load(data, 4) & 0x80FFFFFCu;
    else
        store(data, 4, host->config_address);
}

void pci_host_data_port(void *opaque, uint64_t offset, uint8_t *data, unsigned size,
                        bool is_write)
{
    struct pci_host *host = opaque;
    uint32_t a = host->config_address;
    if (!(a & CONFIG_ADDRESS_ENABLE) || size > 4 || offset + size > 4) {
        if (!is_write)
            memset(data, 0xFF, size);
        return;
    }
    unsigned bus = (a >> 16) & 0xFF, slot = (a >> 11) & 0x1F, function = (a >> 8) & 7;
    unsigned reg = (a & 0xFC) + (unsigned)offset;
    if (is_write)
        pci_host_config_write(host, bus, slot, function, reg, load(data, size), size);
    else
        store(data, size, pci_host_config_read(host, bus, slot, function, reg, size));
}

void pci_host_ecam(void *opaque, uint64_t offset, uint8_t *data, unsigned size, bool is_write)
{
    struct pci_host *host = opaque;
    unsigned bus = (unsigned)(offset >> 20), slot = (unsigned)(offset >> 15) & 0x1F;
    unsigned function = (unsigned)(offset >> 12) & 7, reg = (unsigned)offset & 0xFFF;
    if (size > 4) { /* a 64-bit access: two 32-bit cycles */
        if (is_write) {
            pci_host_config_write(host, bus, slot, function, reg, load(data, 4), 4);
            pci_host_config_write(host, bus, slot, function, reg + 4, load(data + 4, 4), 4);
        } else {
            store(data, 4, pci_host_config_read(host, bus, slot, function, reg, 4));
            store(data + 4, 4, pci_host_config_read(host, bus, slot, function, reg + 4, 4));
        }
        return;
    }
    if (is_write)
        pci_host_config_write(host, bus, slot, function, reg, load(data, size), size);
    else
        store(data, size, pci_host_config_read(host, bus, slot, function, reg, size));
}

static void host_msi(void *opaque, uint64_t address, uint32_t data)
{
    struct pci_host *host = opaque;
    host->ops->msi(host->opaque, address, data);
}

/* Several devices may share a GSI: it is asserted while any of them is. */
static void host_intx(void *opaque, struct pci_device *dev, bool level)
{
    struct pci_host *host = opaque;
    unsigned line = dev->gsi - WISP_PCI_INTX_GSI_BASE;
    if (line >= PCI_HOST_INTX_LINES)
        return;
    unsigned before = host->intx_count[line];
    if (level)
        host->intx_count[line]++;
    else if (host->intx_count[line])
        host->intx_count[line]--;
    if ((before == 0) != (host->intx_count[line] == 0))
        host->ops->set_gsi(host->opaque, dev->gsi, host->intx_count[line] != 0);
}

int pci_host_init(struct pci_host *host, struct bus *ports, struct bus *mmio,
                  const struct pci_host_ops *ops, void *opaque, struct wisp_error *err)
{
    memset(host, 0, sizeof *host);
    host->mmio = mmio;
    host->ops = ops;
    host->opaque = opaque;
    host->next_bar = WISP_PCI_MMIO_BASE;
    host->irq = (struct pci_irq_ops){ host_msi, host_intx };
    pci_device_init(&host->bridge, "PCI host bridge", PCI_VENDOR_REDHAT, PCI_DEVICE_REDHAT_HOST,
                    PCI_CLASS_HOST_BRIDGE, 0, PCI_VENDOR_REDHAT, PCI_DEVICE_REDHAT_HOST);
    host->slots[0] = &host->bridge;
    if (bus_register(ports, WISP_PCI_CONFIG_ADDRESS, 1, "PCI config address",
                     pci_host_address_port, host, err) < 0 ||
        bus_register(ports, WISP_PCI_CONFIG_DATA, 4, "PCI config data", pci_host_data_port,
                     host, err) < 0 ||
        bus_register(mmio, WISP_PCI_ECAM_BASE, WISP_PCI_ECAM_SIZE, "PCI ECAM", pci_host_ecam,
                     host, err) < 0)
        return -1;
    return 0;
}

int pci_host_add_device(struct pci_host *host, struct pci_device *dev, struct wisp_error *err)
{
    unsigned slot = 1;
    while (slot < PCI_HOST_SLOTS && host->slots[slot])
        slot++;
    if (slot == PCI_HOST_SLOTS)
        return wisp_fail(err, WISP_EXIT_USAGE, "%s: no free PCI slot (at most %u devices)",
                         dev->name, PCI_HOST_SLOTS - 1);
    /* Firmware's job on a PC: every BAR gets a naturally aligned place. */
    uint64_t cursor = host->next_bar;
    for (int i = 0; i < PCI_NUM_BARS; i++) {
        uint64_t size = dev->bars[i].size;
        if (!size)
            continue;
        uint64_t at = (cursor + size - 1) & ~(size - 1);
        if (at + size > WISP_PCI_MMIO_BASE + WISP_PCI_MMIO_SIZE)
            return wisp_fail(err, WISP_EXIT_USAGE, "%s: the PCI MMIO window is full",
                             dev->name);
        pci_set_long(dev->config + PCI_BAR0 + 4 * i,
                     (uint32_t)at | (dev->bars[i].is_64 ? PCI_BAR_MEM_TYPE_64 : 0));
        if (dev->bars[i].is_64)
            pci_set_long(dev->config + PCI_BAR0 + 4 * i + 4, (uint32_t)(at >> 32));
        cursor = at + size;
    }
    host->next_bar = cursor;
    host->slots[slot] = dev;
    dev->slot = (uint8_t)slot;
    dev->gsi = (uint8_t)WISP_PCI_INTX_GSI(slot, 0);
    dev->mmio = host->mmio;
    dev->irq = &host->irq;
    dev->irq_opaque = host;
    dev->config[PCI_INTERRUPT_PIN] = PCI_INTERRUPT_PIN_INTA;
    dev->config[PCI_INTERRUPT_LINE] = dev->gsi;
    pci_config_write(dev, PCI_COMMAND,
                     pci_get_word(dev->config + PCI_COMMAND) | PCI_COMMAND_MEMORY, 2);
    return 0;
}
