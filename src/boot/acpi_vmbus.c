#include "acpi_vmbus.h"

#include <string.h>

/* Hand-encoded (ACPI 6.3, 20.2): every package is short enough for a
 * one-byte PkgLength, which counts itself and what follows. */
static const uint8_t vmbus_aml[] = {
    0x10, 41, '_', 'S', 'B', '_',                        /* Scope (\_SB) */
    0x5B, 0x82, 34, 'V', 'M', 'B', 'S',                  /* Device (VMBS) */
    0x08, '_', 'H', 'I', 'D', 0x0D, 'V', 'M', 'B', 'U', 'S', 0x00, /* Name (_HID, "VMBUS") */
    0x08, '_', 'U', 'I', 'D', 0x00,                      /* Name (_UID, Zero) */
    0x08, '_', 'C', 'R', 'S', 0x11, 5, 0x0A, 2, 0x79, 0x00, /* Buffer (2) { end tag } */
};

size_t acpi_vmbus_dsdt_aml(uint8_t *out, size_t cap)
{
    if (cap < sizeof vmbus_aml)
        return 0;
    memcpy(out, vmbus_aml, sizeof vmbus_aml);
    return sizeof vmbus_aml;
}
