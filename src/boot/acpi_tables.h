/*
 * Minimal ACPI tables for a PC-like wisp VM, for kernels that find their
 * platform only through ACPI (Debian's cloud kernel among them).
 *
 * What acpi_build() writes, in order, into [base, base + size) of guest
 * memory (the RSDP first, on a 16-byte boundary, so that Linux's scan of
 * 0xE0000-0xFFFFF finds it; the caller may also pass the returned address
 * to the kernel through boot_params.acpi_rsdp_addr or hvm_start_info):
 *
 *   RSDP  ACPI 2.0+ (revision 2), both checksums, -> RSDT and XSDT
 *   FACS  64 bytes, 64-byte aligned (referenced by the FADT)
 *   RSDT  32-bit pointers to FADT, MADT and MCFG (for ACPI 1.0 readers)
 *   XSDT  64-bit pointers to FADT, MADT and MCFG
 *   FADT  revision 6.3 (276 bytes), *not* hardware-reduced: a classic PC
 *         with the fixed-feature hardware of dev/acpi_pm.h:
 *           SCI_INT 9; SMI_CMD 0 (always in ACPI mode, SCI_EN reads 1);
 *           PM1a_EVT_BLK 0x600 (4 bytes), PM1a_CNT_BLK 0x604 (2 bytes),
 *           PM_TMR_BLK 0x608 (4 bytes, 32-bit: TMR_VAL_EXT), no GPE block;
 *           RESET_REG = port 0xCF9, value 0x06 (dev/reset_port.h);
 *           CENTURY = CMOS index 0x32 (dev/cmos_rtc.h);
 *           IAPC_BOOT_ARCH = LEGACY_DEVICES | 8042 | VGA Not Present;
 *           flags WBINVD, PROC_C1, SLP_BUTTON (none), FIX_RTC,
 *           TMR_VAL_EXT, RESET_REG_SUP; a fixed power button (PWR_BUTTON
 *           clear) that acpi_pm_power_button() presses; C2/C3 latencies
 *           above the limits (no C2/C3).
 *   DSDT  revision 2, whose AML is
 *           Name (_S5, Package (4) { 5, 5, 0, 0 })
 *         (SLP_TYP 5 = ACPI_PM_SLP_TYP_S5), so Linux can power off, then
 *         the PCI host bridge \_SB.PCI0 with its resources and _PRT, and
 *         the ECAM window as a motherboard resource (acpi_pci.h).
 *   MCFG  the ECAM window of PCI segment 0, bus 0 (acpi_pci.h)
 *   MADT  revision 5: local APIC at 0xFEE00000, PCAT_COMPAT; one Processor
 *         Local APIC per CPU (UID = APIC ID = 0..cpus-1, enabled); one I/O
 *         APIC at 0xFEC00000, ID = cpus, GSI base 0 (24 pins); an
 *         Interrupt Source Override for the SCI (ISA IRQ 9 -> GSI 9, level,
 *         active high); a Local APIC NMI on LINT1 for all processors.
 *
 * Interrupt routing (IRQ 0 in particular). There is deliberately *no*
 * override for IRQ 0: ISA IRQ n is GSI n is I/O APIC pin n for n = 0..15.
 * That is KVM's default routing after KVM_CREATE_IRQCHIP (GSI 0-15 go to
 * the PIC pin and the IOAPIC pin of the same number) and its in-kernel
 * PIT raises GSI 0, so the timer arrives on IOAPIC pin 0. PCs (and QEMU,
 * which rewrites KVM's routing table to match) wire the PIT to pin 2 and
 * describe it with an IRQ0 -> GSI2 override; a wisp that ever installs
 * such a routing table must add that override here and in mptable.c.
 *
 * The caller must keep the area out of the guest's usable RAM (reserved
 * in e820), as a BIOS area is. Nothing is written outside [base,
 * base+size); acpi_build fails (message in err) when the tables do not
 * fit or the area is not guest memory.
 */
#ifndef WISP_BOOT_ACPI_TABLES_H
#define WISP_BOOT_ACPI_TABLES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/guest_memory.h"

/* Where a PC BIOS keeps the RSDP; Linux scans it on 16-byte boundaries. */
#define ACPI_BIOS_AREA_BASE 0xE0000ull
#define ACPI_BIOS_AREA_SIZE 0x20000ull

#define ACPI_LAPIC_ADDR 0xFEE00000u
#define ACPI_IOAPIC_ADDR 0xFEC00000u
#define ACPI_IOAPIC_PINS 24
#define ACPI_SCI_IRQ 9

/* xAPIC IDs are 8 bits, 0xFF is the broadcast ID and the I/O APIC takes
 * ID cpus, so at most 254 processors. */
#define ACPI_MAX_CPUS 254

#define ACPI_OEM_ID "WISP  "        /* 6 characters */
#define ACPI_OEM_TABLE_ID "WISPVM  " /* 8 characters */
#define ACPI_CREATOR_ID "WISP"      /* 4 characters */

struct acpi_config {
    unsigned cpus; /* processors, APIC IDs 0..cpus-1; 0 means 1 */
    bool vmbus;    /* the VMBus device (acpi_vmbus.h), for --hyperv */
};

/* Writes the tables; *rsdp_gpa receives the RSDP's guest-physical address. */
int acpi_build(struct guest_memory *gm, uint64_t base, uint64_t size,
               const struct acpi_config *cfg, uint64_t *rsdp_gpa, struct wisp_error *err);

/* Byte sum (mod 256) of a range: 0 for a range holding a valid checksum. */
uint8_t acpi_checksum(const void *bytes, size_t len);

/* ---- Table layouts (ACPI 6.3 names), little-endian as in memory ---- */

#pragma pack(push, 1)

struct acpi_rsdp {
    char signature[8];    /* "RSD PTR " */
    uint8_t checksum;     /* over the first 20 bytes */
    char oem_id[6];
    uint8_t revision;     /* 2: ACPI 2.0+ */
    uint32_t rsdt_address;
    uint32_t length;      /* 36 */
    uint64_t xsdt_address;
    uint8_t extended_checksum; /* over all 36 bytes */
    uint8_t reserved[3];
};

struct acpi_table_header {
    char signature[4];
    uint32_t length;      /* of the whole table, header included */
    uint8_t revision;
    uint8_t checksum;     /* whole table sums to 0 */
    char oem_id[6];
    char oem_table_id[8];
    uint32_t oem_revision;
    char creator_id[4];
    uint32_t creator_revision;
};

/* Generic Address Structure. */
struct acpi_gas {
    uint8_t space_id;     /* ACPI_GAS_SYSTEM_IO */
    uint8_t bit_width;
    uint8_t bit_offset;
    uint8_t access_size;  /* 1 byte, 2 word, 3 dword, 4 qword */
    uint64_t address;
};

struct acpi_fadt {
    struct acpi_table_header header; /* "FACP" */
    uint32_t firmware_ctrl;           /*  36: FACS */
    uint32_t dsdt;                    /*  40 */
    uint8_t reserved0;                /*  44 (INT_MODEL in ACPI 1.0) */
    uint8_t preferred_pm_profile;     /*  45 */
    uint16_t sci_int;                 /*  46 */
    uint32_t smi_cmd;                 /*  48 */
    uint8_t acpi_enable;              /*  52 */
    uint8_t acpi_disable;             /*  53 */
    uint8_t s4bios_req;               /*  54 */
    uint8_t pstate_cnt;               /*  55 */
    uint32_t pm1a_evt_blk;            /*  56 */
    uint32_t pm1b_evt_blk;            /*  60 */
    uint32_t pm1a_cnt_blk;            /*  64 */
    uint32_t pm1b_cnt_blk;            /*  68 */
    uint32_t pm2_cnt_blk;             /*  72 */
    uint32_t pm_tmr_blk;              /*  76 */
    uint32_t gpe0_blk;                /*  80 */
    uint32_t gpe1_blk;                /*  84 */
    uint8_t pm1_evt_len;              /*  88 */
    uint8_t pm1_cnt_len;              /*  89 */
    uint8_t pm2_cnt_len;              /*  90 */
    uint8_t pm_tmr_len;               /*  91 */
    uint8_t gpe0_blk_len;             /*  92 */
    uint8_t gpe1_blk_len;             /*  93 */
    uint8_t gpe1_base;                /*  94 */
    uint8_t cst_cnt;                  /*  95 */
    uint16_t p_lvl2_lat;              /*  96 */
    uint16_t p_lvl3_lat;              /*  98 */
    uint16_t flush_size;              /* 100 */
    uint16_t flush_stride;            /* 102 */
    uint8_t duty_offset;              /* 104 */
    uint8_t duty_width;               /* 105 */
    uint8_t day_alrm;                 /* 106 */
    uint8_t mon_alrm;                 /* 107 */
    uint8_t century;                  /* 108 */
    uint16_t iapc_boot_arch;          /* 109 */
    uint8_t reserved1;                /* 111 */
    uint32_t flags;                   /* 112 */
    struct acpi_gas reset_reg;        /* 116 */
    uint8_t reset_value;              /* 128 */
    uint16_t arm_boot_arch;           /* 129 */
    uint8_t fadt_minor_version;       /* 131 */
    uint64_t x_firmware_ctrl;         /* 132 */
    uint64_t x_dsdt;                  /* 140 */
    struct acpi_gas x_pm1a_evt_blk;   /* 148 */
    struct acpi_gas x_pm1b_evt_blk;   /* 160 */
    struct acpi_gas x_pm1a_cnt_blk;   /* 172 */
    struct acpi_gas x_pm1b_cnt_blk;   /* 184 */
    struct acpi_gas x_pm2_cnt_blk;    /* 196 */
    struct acpi_gas x_pm_tmr_blk;     /* 208 */
    struct acpi_gas x_gpe0_blk;       /* 220 */
    struct acpi_gas x_gpe1_blk;       /* 232 */
    struct acpi_gas sleep_control_reg; /* 244 */
    struct acpi_gas sleep_status_reg; /* 256 */
    uint64_t hypervisor_vendor_id;    /* 268 */
};

struct acpi_facs {
    char signature[4];    /* "FACS" */
    uint32_t length;      /* 64 */
    uint32_t hardware_signature;
    uint32_t firmware_waking_vector;
    uint32_t global_lock;
    uint32_t flags;
    uint64_t x_firmware_waking_vector;
    uint8_t version;      /* 2 */
    uint8_t reserved0[3];
    uint32_t ospm_flags;
    uint8_t reserved1[24];
};

struct acpi_madt {
    struct acpi_table_header header; /* "APIC" */
    uint32_t local_apic_address;
    uint32_t flags;                   /* ACPI_MADT_PCAT_COMPAT */
    /* interrupt controller structures follow */
};

struct acpi_madt_local_apic {         /* type 0 */
    uint8_t type, length;             /* 0, 8 */
    uint8_t processor_uid;
    uint8_t apic_id;
    uint32_t flags;                   /* ACPI_MADT_ENABLED */
};

struct acpi_madt_io_apic {            /* type 1 */
    uint8_t type, length;             /* 1, 12 */
    uint8_t io_apic_id;
    uint8_t reserved;
    uint32_t address;
    uint32_t gsi_base;
};

struct acpi_madt_interrupt_override { /* type 2 */
    uint8_t type, length;             /* 2, 10 */
    uint8_t bus;                      /* 0: ISA */
    uint8_t source;                   /* ISA IRQ */
    uint32_t gsi;
    uint16_t flags;                   /* ACPI_MPS_INTI_* */
};

struct acpi_madt_local_apic_nmi {     /* type 4 */
    uint8_t type, length;             /* 4, 6 */
    uint8_t processor_uid;            /* 0xFF: all processors */
    uint16_t flags;
    uint8_t lint;
};

#pragma pack(pop)

_Static_assert(sizeof(struct acpi_rsdp) == 36, "RSDP is 36 bytes");
_Static_assert(offsetof(struct acpi_rsdp, rsdt_address) == 16, "RSDP RsdtAddress");
_Static_assert(offsetof(struct acpi_rsdp, xsdt_address) == 24, "RSDP XsdtAddress");
_Static_assert(offsetof(struct acpi_rsdp, extended_checksum) == 32, "RSDP ext. checksum");
_Static_assert(sizeof(struct acpi_table_header) == 36, "table header is 36 bytes");
_Static_assert(offsetof(struct acpi_table_header, checksum) == 9, "header checksum");
_Static_assert(offsetof(struct acpi_table_header, creator_id) == 28, "header creator");
_Static_assert(sizeof(struct acpi_gas) == 12, "GAS is 12 bytes");
_Static_assert(sizeof(struct acpi_fadt) == 276, "FADT 6.x is 276 bytes");
_Static_assert(offsetof(struct acpi_fadt, sci_int) == 46, "FADT SCI_INT");
_Static_assert(offsetof(struct acpi_fadt, pm1a_evt_blk) == 56, "FADT PM1a_EVT_BLK");
_Static_assert(offsetof(struct acpi_fadt, pm_tmr_blk) == 76, "FADT PM_TMR_BLK");
_Static_assert(offsetof(struct acpi_fadt, pm1_evt_len) == 88, "FADT PM1_EVT_LEN");
_Static_assert(offsetof(struct acpi_fadt, p_lvl2_lat) == 96, "FADT P_LVL2_LAT");
_Static_assert(offsetof(struct acpi_fadt, century) == 108, "FADT CENTURY");
_Static_assert(offsetof(struct acpi_fadt, iapc_boot_arch) == 109, "FADT IAPC_BOOT_ARCH");
_Static_assert(offsetof(struct acpi_fadt, flags) == 112, "FADT Flags");
_Static_assert(offsetof(struct acpi_fadt, reset_reg) == 116, "FADT RESET_REG");
_Static_assert(offsetof(struct acpi_fadt, reset_value) == 128, "FADT RESET_VALUE");
_Static_assert(offsetof(struct acpi_fadt, fadt_minor_version) == 131, "FADT minor version");
_Static_assert(offsetof(struct acpi_fadt, x_firmware_ctrl) == 132, "FADT X_FIRMWARE_CTRL");
_Static_assert(offsetof(struct acpi_fadt, x_dsdt) == 140, "FADT X_DSDT");
_Static_assert(offsetof(struct acpi_fadt, x_pm1a_evt_blk) == 148, "FADT X_PM1a_EVT_BLK");
_Static_assert(offsetof(struct acpi_fadt, x_pm1a_cnt_blk) == 172, "FADT X_PM1a_CNT_BLK");
_Static_assert(offsetof(struct acpi_fadt, x_pm_tmr_blk) == 208, "FADT X_PM_TMR_BLK");
_Static_assert(offsetof(struct acpi_fadt, sleep_control_reg) == 244, "FADT SLEEP_CONTROL");
_Static_assert(offsetof(struct acpi_fadt, hypervisor_vendor_id) == 268, "FADT hypervisor id");
_Static_assert(sizeof(struct acpi_facs) == 64, "FACS is 64 bytes");
_Static_assert(offsetof(struct acpi_facs, x_firmware_waking_vector) == 24, "FACS X waking");
_Static_assert(offsetof(struct acpi_facs, version) == 32, "FACS version");
_Static_assert(sizeof(struct acpi_madt) == 44, "MADT header is 44 bytes");
_Static_assert(sizeof(struct acpi_madt_local_apic) == 8, "MADT local APIC is 8 bytes");
_Static_assert(sizeof(struct acpi_madt_io_apic) == 12, "MADT I/O APIC is 12 bytes");
_Static_assert(sizeof(struct acpi_madt_interrupt_override) == 10, "MADT ISO is 10 bytes");
_Static_assert(sizeof(struct acpi_madt_local_apic_nmi) == 6, "MADT LAPIC NMI is 6 bytes");

/* Revisions written (ACPI 6.3). */
#define ACPI_RSDP_REVISION 2
#define ACPI_RSDT_REVISION 1
#define ACPI_XSDT_REVISION 1
#define ACPI_FADT_REVISION 6
#define ACPI_FADT_MINOR_REVISION 3
#define ACPI_DSDT_REVISION 2 /* 64-bit AML integers */
#define ACPI_MADT_REVISION 5
#define ACPI_FACS_VERSION 2

/* Generic Address Structure */
#define ACPI_GAS_SYSTEM_IO 1
#define ACPI_GAS_ACCESS_BYTE 1
#define ACPI_GAS_ACCESS_WORD 2
#define ACPI_GAS_ACCESS_DWORD 3

/* FADT Flags */
#define ACPI_FADT_WBINVD (1u << 0)
#define ACPI_FADT_PROC_C1 (1u << 2)
#define ACPI_FADT_PWR_BUTTON (1u << 4)  /* set: no fixed-feature power button */
#define ACPI_FADT_SLP_BUTTON (1u << 5)  /* set: no fixed-feature sleep button */
#define ACPI_FADT_FIX_RTC (1u << 6)     /* set: no RTC wake status */
#define ACPI_FADT_TMR_VAL_EXT (1u << 8) /* 32-bit PM timer */
#define ACPI_FADT_RESET_REG_SUP (1u << 10)
#define ACPI_FADT_HW_REDUCED_ACPI (1u << 20)

/* FADT IAPC_BOOT_ARCH */
#define ACPI_IAPC_LEGACY_DEVICES (1u << 0)
#define ACPI_IAPC_8042 (1u << 1)
#define ACPI_IAPC_VGA_NOT_PRESENT (1u << 2)
#define ACPI_IAPC_MSI_NOT_SUPPORTED (1u << 3)
#define ACPI_IAPC_CMOS_RTC_NOT_PRESENT (1u << 5)

/* MADT */
#define ACPI_MADT_PCAT_COMPAT (1u << 0)
#define ACPI_MADT_TYPE_LOCAL_APIC 0
#define ACPI_MADT_TYPE_IO_APIC 1
#define ACPI_MADT_TYPE_INTERRUPT_OVERRIDE 2
#define ACPI_MADT_TYPE_LOCAL_APIC_NMI 4
#define ACPI_MADT_ENABLED (1u << 0)
/* MPS INTI flags: polarity in bits 1:0, trigger mode in bits 3:2. */
#define ACPI_MPS_INTI_POLARITY_HIGH 0x1
#define ACPI_MPS_INTI_POLARITY_LOW 0x3
#define ACPI_MPS_INTI_TRIGGER_EDGE 0x4
#define ACPI_MPS_INTI_TRIGGER_LEVEL 0xC

/* AML opcodes used by the DSDT. */
#define AML_ZERO_OP 0x00
#define AML_ONE_OP 0x01
#define AML_NAME_OP 0x08
#define AML_BYTE_PREFIX 0x0A
#define AML_WORD_PREFIX 0x0B
#define AML_DWORD_PREFIX 0x0C
#define AML_QWORD_PREFIX 0x0E
#define AML_PACKAGE_OP 0x12
#define AML_ONES_OP 0xFF

#endif
