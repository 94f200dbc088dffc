/*
 * A conventional PCI function's configuration space (type 0 header), its
 * memory BARs, capabilities, the MSI-X table and the INTx pin. Device
 * models (virtio-pci) embed a struct pci_device and fill in what they
 * offer; the host bridge (pci_host.h) routes configuration cycles to it.
 *
 * Model:
 * - 256 bytes of configuration space (PCI 3.0). Through ECAM the extended
 *   range 0x100-0xFFF reads as 0 and ignores writes: no extended
 *   capabilities (Linux then treats the function as conventional PCI).
 * - Each byte has a write mask (bits the guest may change) and a
 *   write-1-to-clear mask (status bits); everything else is read-only.
 *   Accesses must be naturally aligned (1, 2 or 4 bytes); others read all
 *   ones and are ignored, as a host bridge that cannot issue them would.
 * - BARs are 32- or 64-bit memory BARs with a power-of-two size of at least
 *   4 KiB. Sizing works as on hardware: writing all ones reads back the size
 *   mask. A BAR decodes (its range is registered on the MMIO bus) while the
 *   command register's memory-space bit is set and its address is not 0;
 *   moving it or turning decode off unregisters it first. An address that
 *   would overlap another device's range does not decode (one warning)
 *   until that range goes away.
 * - INTx: pin INTA. pci_set_irq() drives the function's line: the status
 *   register's interrupt bit follows it, and the line reaches the host
 *   bridge unless the command register's INTx-disable bit is set.
 *
 * Not thread-safe: called with the VM's device lock held.
 */
#ifndef WISP_DEV_PCI_H
#define WISP_DEV_PCI_H

#include <stdbool.h>
#include <stdint.h>

#include "core/bus.h"

#define PCI_CONFIG_SIZE 256u
#define PCI_ECAM_FUNCTION_SIZE 4096u
#define PCI_NUM_BARS 6

/* Type 0 header offsets. */
enum {
    PCI_VENDOR_ID = 0x00,
    PCI_DEVICE_ID = 0x02,
    PCI_COMMAND = 0x04,
    PCI_STATUS = 0x06,
    PCI_REVISION_ID = 0x08,
    PCI_CLASS_PROG = 0x09,
    PCI_CLASS_DEVICE = 0x0A, /* subclass at 0x0A, base class at 0x0B */
    PCI_HEADER_TYPE = 0x0E,
    PCI_BAR0 = 0x10,
    PCI_SUBSYSTEM_VENDOR_ID = 0x2C,
    PCI_SUBSYSTEM_ID = 0x2E,
    PCI_ROM_ADDRESS = 0x30,
    PCI_CAPABILITY_LIST = 0x34,
    PCI_INTERRUPT_LINE = 0x3C,
    PCI_INTERRUPT_PIN = 0x3D,
    PCI_STD_HEADER_END = 0x40, /* capabilities start here */
};

#define PCI_COMMAND_IO 0x0001u
#define PCI_COMMAND_MEMORY 0x0002u
#define PCI_COMMAND_MASTER 0x0004u
#define PCI_COMMAND_INTX_DISABLE 0x0400u
#define PCI_STATUS_INTERRUPT 0x0008u
#define PCI_STATUS_CAP_LIST 0x0010u
#define PCI_BAR_MEM_TYPE_64 0x4u
#define PCI_BAR_MEM_PREFETCH 0x8u
#define PCI_INTERRUPT_PIN_INTA 1

#define PCI_CAP_ID_VENDOR 0x09
#define PCI_CAP_ID_MSIX 0x11

/* MSI-X capability (PCI 3.0, 6.8.2). */
#define PCI_MSIX_CAP_SIZE 12u
#define PCI_MSIX_FLAGS 2           /* message control, from the capability */
#define PCI_MSIX_TABLE 4           /* table offset | BIR */
#define PCI_MSIX_PBA 8             /* PBA offset | BIR */
#define PCI_MSIX_FLAGS_QSIZE 0x07FFu
#define PCI_MSIX_FLAGS_MASKALL 0x4000u
#define PCI_MSIX_FLAGS_ENABLE 0x8000u
#define PCI_MSIX_ENTRY_SIZE 16u
#define PCI_MSIX_ENTRY_CTRL_MASKBIT 1u
#define PCI_MSIX_MAX_VECTORS 64u

struct pci_device;

/* How a function's interrupts leave it; the host bridge fills this in. */
struct pci_irq_ops {
    /* An MSI write: address and data as the guest programmed them. */
    void (*msi)(void *opaque, uint64_t address, uint32_t data);
    /* The function's INTx line changed (level: asserted). */
    void (*intx)(void *opaque, struct pci_device *dev, bool level);
};

/* What a device model adds to the generic behaviour (all optional). */
struct pci_device_ops {
    /* A BAR started (addr != 0) or stopped (addr == 0) decoding at addr;
     * old is where it decoded before, or 0. */
    void (*bar_moved)(struct pci_device *dev, int bar, uint64_t old, uint64_t addr);
    /* After a configuration write has been applied (device-specific
     * capability registers). */
    void (*config_written)(struct pci_device *dev, unsigned offset, unsigned size);
    /* Before a configuration read is answered (device-specific registers
     * whose value depends on state elsewhere). */
    void (*config_reading)(struct pci_device *dev, unsigned offset, unsigned size);
};

struct pci_bar {
    uint64_t size;          /* 0: unused */
    bool is_64;
    bus_access_fn access;   /* offset relative to the BAR's start */
    void *opaque;
    uint64_t decoding_at;   /* registered on the MMIO bus there, or 0 */
    bool overlap_warned;
};

struct pci_msix {
    uint16_t vectors;       /* 0: no MSI-X */
    uint8_t cap;            /* capability offset in configuration space */
    uint8_t bar;
    uint32_t table_offset, pba_offset; /* within the BAR */
    uint32_t table[PCI_MSIX_MAX_VECTORS][4]; /* address lo, hi, data, control */
    uint64_t pending;       /* the PBA, bit n = vector n */
};

struct pci_device {
    const char *name;       /* for messages: "virtio-blk" */
    uint8_t config[PCI_CONFIG_SIZE];
    uint8_t wmask[PCI_CONFIG_SIZE];
    uint8_t w1cmask[PCI_CONFIG_SIZE];
    uint8_t next_cap;       /* where the next capability goes */
    uint8_t last_cap;       /* the previous capability's offset, 0 if none */
    struct pci_bar bars[PCI_NUM_BARS];
    struct pci_msix msix;
    bool intx_level;        /* the device's own line */
    bool intx_out;          /* what reached the host bridge */
    const struct pci_device_ops *ops;
    void *opaque;           /* the device model's */
    /* Set by pci_host_add_device. */
    struct bus *mmio;
    const struct pci_irq_ops *irq;
    void *irq_opaque;
    uint8_t slot;
    uint8_t gsi;            /* where INTA goes */
};

/* An empty function: IDs and class, the rest zero, capabilities list empty.
 * class_code is base class << 16 | subclass << 8 | programming interface. */
void pci_device_init(struct pci_device *dev, const char *name, uint16_t vendor,
                     uint16_t device, uint32_t class_code, uint8_t revision,
                     uint16_t subsystem_vendor, uint16_t subsystem_id);

/* A memory BAR of size bytes (power of two, >= 4 KiB) answered by access. */
void pci_device_add_bar(struct pci_device *dev, int bar, uint64_t size, bool is_64,
                        bus_access_fn access, void *opaque);

/* Appends a capability of len bytes (id and next pointer included) and
 * returns its offset, or 0 when configuration space is full. The body is
 * read-only unless the caller widens wmask. */
uint8_t pci_device_add_capability(struct pci_device *dev, uint8_t id, uint8_t len);

/* MSI-X with vectors entries: table at table_offset and PBA at pba_offset
 * inside BAR bar (the device model's BAR handler forwards those ranges to
 * pci_msix_table_access / pci_msix_pba_access). All entries start masked. */
int pci_device_add_msix(struct pci_device *dev, uint16_t vectors, uint8_t bar,
                        uint32_t table_offset, uint32_t pba_offset);

/* Configuration cycles, offset < PCI_ECAM_FUNCTION_SIZE. */
uint32_t pci_config_read(struct pci_device *dev, unsigned offset, unsigned size);
void pci_config_write(struct pci_device *dev, unsigned offset, uint32_t value, unsigned size);

/* Makes the MMIO bus match the BARs and the command register (done by
 * every configuration write that touches them; the host bridge repeats it
 * for the other functions, whose BARs a move may have uncovered). */
void pci_device_update_bars(struct pci_device *dev);

/* The address BAR bar is programmed with (type bits removed). */
uint64_t pci_bar_address(const struct pci_device *dev, int bar);

/* Drives the function's INTA line. */
void pci_set_irq(struct pci_device *dev, bool level);

/* ---- MSI-X ---- */

bool pci_msix_enabled(const struct pci_device *dev);

/* For pci_config_write: the message control register changed from
 * old_control (pending vectors that are now unmasked go out). */
void pci_msix_control_written(struct pci_device *dev, uint16_t old_control);

/* Signals vector: delivered now, or left pending while it (or the whole
 * function) is masked. Returns false when MSI-X is off or vector has no
 * table entry (the caller then uses INTx or nothing). */
bool pci_msix_notify(struct pci_device *dev, uint16_t vector);

/* The table and PBA as the BAR handler sees them: offset relative to the
 * table's (PBA's) start. Table accesses of 4 or 8 bytes at aligned
 * offsets; the PBA is read-only. */
void pci_msix_table_access(struct pci_device *dev, uint64_t offset, uint8_t *data,
                           unsigned size, bool is_write);
void pci_msix_pba_access(struct pci_device *dev, uint64_t offset, uint8_t *data,
                         unsigned size, bool is_write);

/* Little-endian helpers on configuration bytes. */
static inline uint16_t pci_get_word(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}
static inline uint32_t pci_get_long(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline void pci_set_word(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
static inline void pci_set_long(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

#endif
