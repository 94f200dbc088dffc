/*
 * An Intel MultiProcessor Specification 1.4 table, for kernels that find
 * their CPUs and interrupt routing through it (Linux with MPPARSE and
 * without ACPI, or booted with acpi=off).
 *
 * mptable_build() writes, from the first 16-byte boundary at or above
 * base:
 *   the MP floating pointer "_MP_" (16 bytes, spec revision 4, feature
 *   byte 1 = 0: a configuration table is present; feature byte 2 = 0: no
 *   IMCR, the machine starts in virtual wire mode), then
 *   the configuration table "PCMP" (spec revision 4, OEM "WISP", local
 *   APIC at 0xFEE00000, no extended entries), with, in the order the
 *   specification requires:
 *     a processor entry per CPU (APIC ID i, local APIC version 0x14,
 *       enabled, CPU 0 the bootstrap processor);
 *     bus 0, "PCI   " (a PCI bus's MP ID is its bus number), bus 1, "ISA   ";
 *     the I/O APIC, ID = cpus, version 0x11, at 0xFEC00000;
 *     I/O interrupt entries (type INT, polarity and trigger conforming to
 *       ISA: active high, edge) for ISA IRQs 0, 1 and 3-15 on I/O APIC
 *       pins 0, 1, 3-15 (IRQ 2 is the 8259 cascade and has no device);
 *     I/O interrupt entries for PCI bus 0: INTA-INTD (source slot << 2 |
 *       pin) of slots 1-31 on I/O APIC pin WISP_PCI_INTX_GSI(slot, pin),
 *       level-triggered, active low (include/wisp/guest.h);
 *     local interrupt entries for all local APICs: LINT0 = ExtINT (the
 *       8259's output, virtual wire mode A), LINT1 = NMI.
 *
 * Routing: pin n = IRQ n, IRQ 0 on pin 0, matching KVM's default GSI
 * routing and the MADT (see acpi_tables.h for why there is no IRQ0 -> pin
 * 2 override); the 8259 reaches the CPU through LINT0 only, so no I/O APIC
 * pin is an ExtINT pin.
 *
 * Linux looks for the floating pointer in the first KiB of the EBDA, the
 * last KiB of base memory (0x9FC00) and 0xF0000-0xFFFFF (not 0xE0000), so
 * base should lie in one of those (MPTABLE_BIOS_BASE is the usual place);
 * the caller keeps the area out of usable RAM. Nothing is written outside
 * [base, base + size); the function fails (message in err) when the table
 * does not fit or the area is not guest memory.
 */
#ifndef WISP_BOOT_MPTABLE_H
#define WISP_BOOT_MPTABLE_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/guest_memory.h"

#define MPTABLE_BIOS_BASE 0xF0000ull
#define MPTABLE_BIOS_SIZE 0x10000ull

#define MPTABLE_LAPIC_ADDR 0xFEE00000u
#define MPTABLE_IOAPIC_ADDR 0xFEC00000u
#define MPTABLE_LAPIC_VERSION 0x14
#define MPTABLE_IOAPIC_VERSION 0x11
#define MPTABLE_MAX_CPUS 254

#define MPTABLE_OEM_ID "WISP    "         /* 8 characters */
#define MPTABLE_PRODUCT_ID "WISP VM     " /* 12 characters */

int mptable_build(struct guest_memory *gm, uint64_t base, uint64_t size, unsigned cpus,
                  struct wisp_error *err);

/* ---- Layouts (MP specification 1.4, chapter 4) ---- */

#pragma pack(push, 1)

struct mp_floating_pointer {
    char signature[4];       /* "_MP_" */
    uint32_t config_table;   /* physical address of the PCMP table */
    uint8_t length;          /* in 16-byte units: 1 */
    uint8_t spec_rev;        /* 4: version 1.4 */
    uint8_t checksum;        /* all 16 bytes sum to 0 */
    uint8_t feature[5];      /* [0]: default configuration (0 = table), [1] bit 7: IMCR */
};

struct mp_config_table {
    char signature[4];       /* "PCMP" */
    uint16_t base_length;    /* header and entries */
    uint8_t spec_rev;        /* 4 */
    uint8_t checksum;        /* the base table sums to 0 */
    char oem_id[8];
    char product_id[12];
    uint32_t oem_table;
    uint16_t oem_table_size;
    uint16_t entry_count;
    uint32_t lapic_address;
    uint16_t ext_length;
    uint8_t ext_checksum;
    uint8_t reserved;
};

struct mp_processor {        /* type 0 */
    uint8_t type;
    uint8_t lapic_id;
    uint8_t lapic_version;
    uint8_t cpu_flags;       /* MP_CPU_ENABLED | MP_CPU_BOOTSTRAP */
    uint32_t cpu_signature;  /* CPUID.1 EAX: stepping, model, family */
    uint32_t feature_flags;  /* CPUID.1 EDX */
    uint32_t reserved[2];
};

struct mp_bus {              /* type 1 */
    uint8_t type;
    uint8_t bus_id;
    char bus_type[6];        /* "ISA   " */
};

struct mp_ioapic {           /* type 2 */
    uint8_t type;
    uint8_t ioapic_id;
    uint8_t ioapic_version;
    uint8_t flags;           /* MP_IOAPIC_ENABLED */
    uint32_t address;
};

struct mp_interrupt {        /* type 3 (I/O) and 4 (local) */
    uint8_t type;
    uint8_t interrupt_type;  /* MP_INT, MP_NMI, MP_SMI, MP_EXTINT */
    uint16_t flags;          /* polarity bits 1:0, trigger bits 3:2; 0 = conforms */
    uint8_t source_bus;
    uint8_t source_irq;
    uint8_t dest_id;         /* I/O APIC ID, or local APIC ID (0xFF = all) */
    uint8_t dest_pin;        /* INTIN# or LINTIN# */
};

#pragma pack(pop)

_Static_assert(sizeof(struct mp_floating_pointer) == 16, "MP floating pointer is 16 bytes");
_Static_assert(offsetof(struct mp_floating_pointer, checksum) == 10, "MP fp checksum");
_Static_assert(sizeof(struct mp_config_table) == 44, "PCMP header is 44 bytes");
_Static_assert(offsetof(struct mp_config_table, entry_count) == 34, "PCMP entry count");
_Static_assert(offsetof(struct mp_config_table, lapic_address) == 36, "PCMP LAPIC address");
_Static_assert(sizeof(struct mp_processor) == 20, "MP processor entry is 20 bytes");
_Static_assert(sizeof(struct mp_bus) == 8, "MP bus entry is 8 bytes");
_Static_assert(sizeof(struct mp_ioapic) == 8, "MP I/O APIC entry is 8 bytes");
_Static_assert(sizeof(struct mp_interrupt) == 8, "MP interrupt entry is 8 bytes");

#define MP_SPEC_REV_1_4 4

#define MP_ENTRY_PROCESSOR 0
#define MP_ENTRY_BUS 1
#define MP_ENTRY_IOAPIC 2
#define MP_ENTRY_IO_INTERRUPT 3
#define MP_ENTRY_LOCAL_INTERRUPT 4

#define MP_CPU_ENABLED 0x01
#define MP_CPU_BOOTSTRAP 0x02
#define MP_IOAPIC_ENABLED 0x01

#define MP_INT 0
#define MP_NMI 1
#define MP_SMI 2
#define MP_EXTINT 3

#define MP_ALL_LAPICS 0xFF
#define MP_IRQ_ACTIVE_LOW 0x3  /* flags bits 1:0 */
#define MP_IRQ_LEVEL 0xC       /* flags bits 3:2 */
#define MPTABLE_PCI_BUS 0
#define MPTABLE_ISA_BUS 1
#define MP_FEATURE2_IMCR 0x80

#endif
