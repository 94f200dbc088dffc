/*
 * The DSDT's VMBus device for --hyperv: Linux's and FreeBSD's VMBus drivers
 * look for an ACPI device with _HID "VMBUS" before they contact the host,
 * and Linux reads its _CRS (which may be empty: interrupts come on the
 * SynIC's vector, and wisp offers no MMIO-using VMBus device).
 *
 *   Scope (\_SB) { Device (VMBS) { Name (_HID, "VMBUS") Name (_UID, 0)
 *                                  Name (_CRS, ResourceTemplate () {}) } }
 */
#ifndef WISP_BOOT_ACPI_VMBUS_H
#define WISP_BOOT_ACPI_VMBUS_H

#include <stddef.h>
#include <stdint.h>

/* Writes the AML at out; returns its length, 0 if cap is too small. */
size_t acpi_vmbus_dsdt_aml(uint8_t *out, size_t cap);

#endif
