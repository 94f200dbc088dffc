/*
 * The PCI part of wisp's ACPI tables (include/wisp/guest.h, WISP_PCI_*):
 *
 * DSDT, after \_S5:
 *   Scope (\_SB) {
 *     Device (PCI0) {                     the host bridge, segment 0, bus 0
 *       Name (_HID, EisaId ("PNP0A03"))
 *       Name (_UID, 0)
 *       Name (_BBN, 0)
 *       Name (_CRS, ResourceTemplate () {
 *         WordBusNumber (bus 0 only)
 *         IO (Decode16, 0xCF8, 0xCF8, 1, 8)          configuration ports
 *         WordIO (0x0000-0x0CF7), WordIO (0x0D00-0xFFFF)  port windows
 *         DWordMemory (WISP_PCI_MMIO_BASE, +WISP_PCI_MMIO_SIZE)  BAR window
 *       })
 *       Name (_PRT, Package () {          INTA-INTD of slots 1-31:
 *         Package () { 0xSSSSFFFF, pin, 0, WISP_PCI_INTX_GSI (slot, pin) }, ...
 *       })                                (GSIs: level, active low)
 *     }
 *     Device (MRES) {                     motherboard resources: the ECAM
 *       Name (_HID, EisaId ("PNP0C02"))   window, so nothing is placed there
 *       Name (_CRS, ResourceTemplate () { Memory32Fixed (ECAM window) })
 *     }
 *   }
 *
 * MCFG: one allocation, WISP_PCI_ECAM_BASE for segment 0, buses 0-0.
 */
#ifndef WISP_BOOT_ACPI_PCI_H
#define WISP_BOOT_ACPI_PCI_H

#include <stddef.h>
#include <stdint.h>

#pragma pack(push, 1)
struct acpi_mcfg_allocation {
    uint64_t address;
    uint16_t segment;
    uint8_t start_bus;
    uint8_t end_bus;
    uint32_t reserved;
};
#pragma pack(pop)
_Static_assert(sizeof(struct acpi_mcfg_allocation) == 16, "MCFG allocation is 16 bytes");

/* The MCFG after its 36-byte header: 8 reserved bytes, one allocation. */
#define ACPI_MCFG_BODY_SIZE (8 + sizeof(struct acpi_mcfg_allocation))
#define ACPI_MCFG_REVISION 1

/* The AML above, appended to out; returns its length, 0 when cap is too
 * small. */
size_t acpi_pci_dsdt_aml(uint8_t *out, size_t cap);

/* The MCFG body (ACPI_MCFG_BODY_SIZE bytes). */
void acpi_pci_mcfg_body(uint8_t *out);

/* EisaId ("PNP0A03") as the 32-bit value AML stores. */
uint32_t acpi_eisa_id(const char id[7]);

#endif
