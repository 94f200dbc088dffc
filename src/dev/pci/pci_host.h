/*
 * The PCI host bridge: bus 0 of segment 0, with the bridge itself at
 * 00:00.0 and up to 31 single-function devices on slots 1-31. It answers
 * configuration cycles through ports 0xCF8/0xCFC (mechanism #1) and the
 * ECAM window, places the devices' BARs in the PCI MMIO window, and
 * combines the devices' INTx lines into I/O APIC inputs (several devices
 * may share one; the input stays asserted while any of them asserts it).
 * The layout is the guest ABI of include/wisp/guest.h (WISP_PCI_*).
 *
 * Not thread-safe: called with the VM's device lock held.
 */
#ifndef WISP_DEV_PCI_HOST_H
#define WISP_DEV_PCI_HOST_H

#include <stdbool.h>
#include <stdint.h>

#include <wisp/guest.h>

#include "core/bus.h"
#include "core/error.h"
#include "pci.h"

#define PCI_HOST_SLOTS 32
#define PCI_HOST_INTX_LINES 8 /* GSIs WISP_PCI_INTX_GSI_BASE .. +7 */

#define PCI_VENDOR_REDHAT 0x1B36
#define PCI_DEVICE_REDHAT_HOST 0x0008
#define PCI_CLASS_HOST_BRIDGE 0x060000u

/* Where interrupts go: the VM's irqchip (KVM's or wisp's own). */
struct pci_host_ops {
    void (*msi)(void *opaque, uint64_t address, uint32_t data);
    void (*set_gsi)(void *opaque, unsigned gsi, bool level);
};

struct pci_host {
    struct pci_device bridge;
    struct pci_device *slots[PCI_HOST_SLOTS];
    uint32_t config_address;   /* port 0xCF8 */
    struct bus *mmio;
    uint64_t next_bar;         /* allocation cursor in the MMIO window */
    unsigned intx_count[PCI_HOST_INTX_LINES]; /* devices asserting each GSI */
    const struct pci_host_ops *ops;
    void *opaque;
    struct pci_irq_ops irq;    /* what the devices call */
};

/* Registers ports 0xCF8 and 0xCFC-0xCFF and the ECAM window. host must stay
 * at its address while registered. */
int pci_host_init(struct pci_host *host, struct bus *ports, struct bus *mmio,
                  const struct pci_host_ops *ops, void *opaque, struct wisp_error *err);

/* Puts dev on the next free slot, assigns its BARs in the MMIO window and
 * turns memory decode on. Fails (message in err) when the bus or the window
 * is full. */
int pci_host_add_device(struct pci_host *host, struct pci_device *dev, struct wisp_error *err);

/* Configuration cycle to bus 0 (others: no device). offset < 4096. */
uint32_t pci_host_config_read(struct pci_host *host, unsigned bus, unsigned slot,
                              unsigned function, unsigned offset, unsigned size);
void pci_host_config_write(struct pci_host *host, unsigned bus, unsigned slot,
                           unsigned function, unsigned offset, uint32_t value, unsigned size);

/* bus_access_fn for the two port ranges and the ECAM window. */
void pci_host_address_port(void *opaque, uint64_t offset, uint8_t *data, unsigned size,
                           bool is_write);
void pci_host_data_port(void *opaque, uint64_t offset, uint8_t *data, unsigned size,
                        bool is_write);
void pci_host_ecam(void *opaque, uint64_t offset, uint8_t *data, unsigned size, bool is_write);

#endif
