#include "acpi_tables.h"
#include "acpi_vmbus.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "acpi_pci.h"
#include "dev/acpi_pm.h"
#include "dev/cmos_rtc.h"
#include "dev/reset_port.h"

#define FADT_P_LVL2_NONE 101  /* > 100 us: C2 not supported */
#define FADT_P_LVL3_NONE 1001 /* > 1000 us: C3 not supported */
#define MADT_ALL_PROCESSORS 0xFF
#define AML_MAX_PKG_LENGTH ((1u << 28) - 1)

uint8_t acpi_checksum(const void *bytes, size_t len)
{
    const uint8_t *p = bytes;
    uint8_t sum = 0;
    for (size_t i = 0; i < len; i++)
        sum = (uint8_t)(sum + p[i]);
    return sum;
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
    return (v + a - 1) & ~(a - 1);
}

/* ---- AML ---- */

/* PkgLength for content_len bytes that follow it; the value counts the
 * encoding itself. Returns the bytes written (1-4), 0 if too long. */
static size_t aml_pkg_length(uint8_t *out, size_t content_len)
{
    for (size_t n = 1; n <= 4; n++) {
        size_t total = content_len + n;
        if (n == 1 && total <= 0x3F) {
            out[0] = (uint8_t)total;
            return 1;
        }
        if (n > 1 && total < ((size_t)1 << (4 + 8 * (n - 1))) && total <= AML_MAX_PKG_LENGTH) {
            /* Byte 0: bits 7-6 = following bytes, bits 3-0 = low nibble. */
            out[0] = (uint8_t)((n - 1) << 6 | (total & 0x0F));
            for (size_t i = 1; i < n; i++)
                out[i] = (uint8_t)(total >> (4 + 8 * (i - 1)));
            return n;
        }
    }
    return 0;
}

/* The shortest ComputationalData encoding of an integer. */
static size_t aml_integer(uint8_t *out, uint64_t v)
{
    if (v == 0) {
        out[0] = AML_ZERO_OP;
        return 1;
    }
    if (v == 1) {
        out[0] = AML_ONE_OP;
        return 1;
    }
    size_t bytes;
    if (v <= 0xFF) {
        out[0] = AML_BYTE_PREFIX;
        bytes = 1;
    } else if (v <= 0xFFFF) {
        out[0] = AML_WORD_PREFIX;
        bytes = 2;
    } else if (v <= 0xFFFFFFFF) {
        out[0] = AML_DWORD_PREFIX;
        bytes = 4;
    } else {
        out[0] = AML_QWORD_PREFIX;
        bytes = 8;
    }
    for (size_t i = 0; i < bytes; i++)
        out[1 + i] = (uint8_t)(v >> (8 * i));
    return 1 + bytes;
}

#define DSDT_AML_MAX 4096

/* Name (_S5, Package (4) { S5, S5, 0, 0 }): SLP_TYPa, SLP_TYPb, reserved. */
static size_t build_dsdt_aml(uint8_t out[DSDT_AML_MAX], const struct acpi_config *cfg)
{
    static const uint64_t s5[] = { ACPI_PM_SLP_TYP_S5, ACPI_PM_SLP_TYP_S5, 0, 0 };
    const size_t count = sizeof s5 / sizeof s5[0];
    uint8_t elements[sizeof s5 / sizeof s5[0] * 9];
    size_t n = 0;
    for (size_t i = 0; i < count; i++)
        n += aml_integer(elements + n, s5[i]);

    size_t at = 0;
    out[at++] = AML_NAME_OP;
    memcpy(out + at, "_S5_", 4);
    at += 4;
    out[at++] = AML_PACKAGE_OP;
    at += aml_pkg_length(out + at, 1 + n); /* NumElements, then the elements */
    out[at++] = (uint8_t)count;
    memcpy(out + at, elements, n);
    at += n;
    /* The PCI host bridge and its interrupt routing (acpi_pci.h). */
    at += acpi_pci_dsdt_aml(out + at, DSDT_AML_MAX - at);
    if (cfg && cfg->vmbus)
        at += acpi_vmbus_dsdt_aml(out + at, DSDT_AML_MAX - at);
    return at;
}

/* ---- tables ---- */

static struct acpi_table_header header(const char *signature, size_t length, uint8_t revision)
{
    struct acpi_table_header h;
    memset(&h, 0, sizeof h);
    memcpy(h.signature, signature, 4);
    h.length = (uint32_t)length;
    h.revision = revision;
    memcpy(h.oem_id, ACPI_OEM_ID, 6);
    memcpy(h.oem_table_id, ACPI_OEM_TABLE_ID, 8);
    h.oem_revision = 1;
    memcpy(h.creator_id, ACPI_CREATOR_ID, 4);
    h.creator_revision = 1;
    return h;
}

/* Sets the checksum byte of the table at blob + off (its length already in
 * the header) so that the table sums to zero. */
static void seal(uint8_t *blob, size_t off)
{
    struct acpi_table_header h;
    memcpy(&h, blob + off, sizeof h);
    blob[off + offsetof(struct acpi_table_header, checksum)] = 0;
    blob[off + offsetof(struct acpi_table_header, checksum)] =
        (uint8_t)(0x100 - acpi_checksum(blob + off, h.length));
}

static struct acpi_gas io_gas(uint16_t port, uint8_t bits, uint8_t access)
{
    return (struct acpi_gas){ .space_id = ACPI_GAS_SYSTEM_IO, .bit_width = bits,
                              .access_size = access, .address = port };
}

#define SDT_ENTRIES 3 /* FADT, MADT, MCFG */
#define MCFG_LENGTH (sizeof(struct acpi_table_header) + ACPI_MCFG_BODY_SIZE)

struct layout {
    uint64_t rsdp, facs, rsdt, xsdt, fadt, dsdt, madt, mcfg, end; /* guest-physical */
    size_t dsdt_len, madt_len;
};

static size_t madt_length(unsigned cpus)
{
    return sizeof(struct acpi_madt) + cpus * sizeof(struct acpi_madt_local_apic) +
           sizeof(struct acpi_madt_io_apic) + sizeof(struct acpi_madt_interrupt_override) +
           sizeof(struct acpi_madt_local_apic_nmi);
}

static void plan(struct layout *l, uint64_t start, size_t dsdt_len, size_t madt_len)
{
    const size_t rsdt_len = sizeof(struct acpi_table_header) + SDT_ENTRIES * sizeof(uint32_t);
    const size_t xsdt_len = sizeof(struct acpi_table_header) + SDT_ENTRIES * sizeof(uint64_t);
    uint64_t at = start;
    l->rsdp = at;
    at += sizeof(struct acpi_rsdp);
    l->facs = align_up(at, 64); /* the FACS must be 64-byte aligned */
    at = l->facs + sizeof(struct acpi_facs);
    l->rsdt = align_up(at, 16);
    at = l->rsdt + rsdt_len;
    l->xsdt = align_up(at, 16);
    at = l->xsdt + xsdt_len;
    l->fadt = align_up(at, 16);
    at = l->fadt + sizeof(struct acpi_fadt);
    l->dsdt = align_up(at, 16);
    at = l->dsdt + dsdt_len;
    l->madt = align_up(at, 16);
    at = l->madt + madt_len;
    l->mcfg = align_up(at, 16);
    l->end = l->mcfg + MCFG_LENGTH;
    l->dsdt_len = dsdt_len;
    l->madt_len = madt_len;
}

static void write_fadt(uint8_t *blob, const struct layout *l)
{
    struct acpi_fadt f;
    memset(&f, 0, sizeof f);
    f.header = header("FACP", sizeof f, ACPI_FADT_REVISION);
    f.firmware_ctrl = (uint32_t)l->facs; /* below 4 GiB: X_FIRMWARE_CTRL stays 0 */
    f.dsdt = (uint32_t)l->dsdt;
    f.sci_int = ACPI_PM_SCI_IRQ;
    /* smi_cmd = 0: no SMI command port, the machine is always in ACPI mode. */
    f.pm1a_evt_blk = ACPI_PM_BASE + ACPI_PM1_STS_OFFSET;
    f.pm1a_cnt_blk = ACPI_PM_BASE + ACPI_PM1_CNT_OFFSET;
    f.pm_tmr_blk = ACPI_PM_BASE + ACPI_PM_TMR_OFFSET;
    f.pm1_evt_len = ACPI_PM1_EVT_LEN;
    f.pm1_cnt_len = ACPI_PM1_CNT_LEN;
    f.pm_tmr_len = ACPI_PM_TMR_LEN;
    f.p_lvl2_lat = FADT_P_LVL2_NONE;
    f.p_lvl3_lat = FADT_P_LVL3_NONE;
    f.century = RTC_CENTURY;
    f.iapc_boot_arch = ACPI_IAPC_LEGACY_DEVICES | ACPI_IAPC_8042 | ACPI_IAPC_VGA_NOT_PRESENT;
    f.flags = ACPI_FADT_WBINVD | ACPI_FADT_PROC_C1 | ACPI_FADT_SLP_BUTTON | ACPI_FADT_FIX_RTC |
              ACPI_FADT_RESET_REG_SUP |
              (ACPI_PM_TIMER_BITS == 32 ? ACPI_FADT_TMR_VAL_EXT : 0);
    f.reset_reg = io_gas(RESET_PORT_CF9, 8, ACPI_GAS_ACCESS_BYTE);
    f.reset_value = RESET_CF9_VALUE;
    f.fadt_minor_version = ACPI_FADT_MINOR_REVISION;
    f.x_dsdt = l->dsdt;
    f.x_pm1a_evt_blk = io_gas(ACPI_PM_BASE + ACPI_PM1_STS_OFFSET, ACPI_PM1_EVT_LEN * 8,
                              ACPI_GAS_ACCESS_WORD);
    f.x_pm1a_cnt_blk = io_gas(ACPI_PM_BASE + ACPI_PM1_CNT_OFFSET, ACPI_PM1_CNT_LEN * 8,
                              ACPI_GAS_ACCESS_WORD);
    f.x_pm_tmr_blk = io_gas(ACPI_PM_BASE + ACPI_PM_TMR_OFFSET, ACPI_PM_TMR_LEN * 8,
                            ACPI_GAS_ACCESS_DWORD);
    memcpy(&f.hypervisor_vendor_id, "WISP\0\0\0\0", 8);
    memcpy(blob, &f, sizeof f);
}

static void write_madt(uint8_t *blob, size_t len, unsigned cpus)
{
    struct acpi_madt m = {
        .header = header("APIC", len, ACPI_MADT_REVISION),
        .local_apic_address = ACPI_LAPIC_ADDR,
        .flags = ACPI_MADT_PCAT_COMPAT,
    };
    size_t at = 0;
    memcpy(blob + at, &m, sizeof m);
    at += sizeof m;
    for (unsigned i = 0; i < cpus; i++) {
        struct acpi_madt_local_apic lapic = {
            .type = ACPI_MADT_TYPE_LOCAL_APIC, .length = sizeof lapic,
            .processor_uid = (uint8_t)i, .apic_id = (uint8_t)i, .flags = ACPI_MADT_ENABLED,
        };
        memcpy(blob + at, &lapic, sizeof lapic);
        at += sizeof lapic;
    }
    struct acpi_madt_io_apic io = {
        .type = ACPI_MADT_TYPE_IO_APIC, .length = sizeof io,
        .io_apic_id = (uint8_t)cpus, .address = ACPI_IOAPIC_ADDR, .gsi_base = 0,
    };
    memcpy(blob + at, &io, sizeof io);
    at += sizeof io;
    /* The SCI is level-triggered, active high: ISA IRQ 9 -> GSI 9. No
     * override for IRQ 0: see the header. */
    struct acpi_madt_interrupt_override sci = {
        .type = ACPI_MADT_TYPE_INTERRUPT_OVERRIDE, .length = sizeof sci,
        .bus = 0, .source = ACPI_PM_SCI_IRQ, .gsi = ACPI_PM_SCI_IRQ,
        .flags = ACPI_MPS_INTI_POLARITY_HIGH | ACPI_MPS_INTI_TRIGGER_LEVEL,
    };
    memcpy(blob + at, &sci, sizeof sci);
    at += sizeof sci;
    struct acpi_madt_local_apic_nmi nmi = {
        .type = ACPI_MADT_TYPE_LOCAL_APIC_NMI, .length = sizeof nmi,
        .processor_uid = MADT_ALL_PROCESSORS, .flags = 0, .lint = 1,
    };
    memcpy(blob + at, &nmi, sizeof nmi);
}

int acpi_build(struct guest_memory *gm, uint64_t base, uint64_t size,
               const struct acpi_config *cfg, uint64_t *rsdp_gpa, struct wisp_error *err)
{
    unsigned cpus = cfg && cfg->cpus ? cfg->cpus : 1;
    if (cpus > ACPI_MAX_CPUS)
        return wisp_fail(err, WISP_EXIT_USAGE, "ACPI tables: %u CPUs requested, at most %u",
                         cpus, ACPI_MAX_CPUS);
    if (size > UINT64_MAX - base)
        return wisp_fail(err, WISP_EXIT_HOST_ERROR,
                         "ACPI tables: area 0x%" PRIx64 "+0x%" PRIx64 " wraps around", base, size);

    uint8_t aml[DSDT_AML_MAX];
    size_t aml_len = build_dsdt_aml(aml, cfg);
    struct layout l;
    uint64_t start = align_up(base, 16);
    if (start < base) /* base within 15 bytes of the top */
        return wisp_fail(err, WISP_EXIT_HOST_ERROR, "ACPI tables: no room at 0x%" PRIx64, base);
    plan(&l, start, sizeof(struct acpi_table_header) + aml_len, madt_length(cpus));
    if (l.end > base + size || l.end < start)
        return wisp_fail(err, WISP_EXIT_HOST_ERROR,
                         "ACPI tables need 0x%" PRIx64 " bytes at 0x%" PRIx64
                         ", the area has 0x%" PRIx64,
                         l.end - base, base, size);
    if (l.end > 0x100000000ull)
        return wisp_fail(err, WISP_EXIT_HOST_ERROR,
                         "ACPI tables at 0x%" PRIx64 " must lie below 4 GiB", base);

    size_t total = (size_t)(l.end - start);
    uint8_t *blob = calloc(1, total);
    if (!blob)
        return wisp_fail(err, WISP_EXIT_HOST_ERROR, "ACPI tables: out of memory");
#define AT(gpa) (blob + (size_t)((gpa) - start))

    /* FACS: no checksum; no global lock, no waking vector (no S1-S4). */
    struct acpi_facs facs;
    memset(&facs, 0, sizeof facs);
    memcpy(facs.signature, "FACS", 4);
    facs.length = sizeof facs;
    facs.version = ACPI_FACS_VERSION;
    memcpy(AT(l.facs), &facs, sizeof facs);

    /* DSDT */
    struct acpi_table_header dsdt = header("DSDT", l.dsdt_len, ACPI_DSDT_REVISION);
    memcpy(AT(l.dsdt), &dsdt, sizeof dsdt);
    memcpy(AT(l.dsdt) + sizeof dsdt, aml, aml_len);
    seal(blob, (size_t)(l.dsdt - start));

    write_fadt(AT(l.fadt), &l);
    seal(blob, (size_t)(l.fadt - start));

    write_madt(AT(l.madt), l.madt_len, cpus);
    seal(blob, (size_t)(l.madt - start));

    struct acpi_table_header mcfg = header("MCFG", MCFG_LENGTH, ACPI_MCFG_REVISION);
    memcpy(AT(l.mcfg), &mcfg, sizeof mcfg);
    acpi_pci_mcfg_body(AT(l.mcfg) + sizeof mcfg);
    seal(blob, (size_t)(l.mcfg - start));

    /* RSDT and XSDT: FADT first, as ACPI requires, then MADT and MCFG. */
    const uint64_t entries[SDT_ENTRIES] = { l.fadt, l.madt, l.mcfg };
    struct acpi_table_header rsdt =
        header("RSDT", sizeof rsdt + SDT_ENTRIES * 4, ACPI_RSDT_REVISION);
    memcpy(AT(l.rsdt), &rsdt, sizeof rsdt);
    struct acpi_table_header xsdt =
        header("XSDT", sizeof xsdt + SDT_ENTRIES * 8, ACPI_XSDT_REVISION);
    memcpy(AT(l.xsdt), &xsdt, sizeof xsdt);
    for (size_t i = 0; i < SDT_ENTRIES; i++) {
        uint32_t e32 = (uint32_t)entries[i];
        memcpy(AT(l.rsdt) + sizeof rsdt + 4 * i, &e32, 4);
        memcpy(AT(l.xsdt) + sizeof xsdt + 8 * i, &entries[i], 8);
    }
    seal(blob, (size_t)(l.rsdt - start));
    seal(blob, (size_t)(l.xsdt - start));

    /* RSDP: the first 20 bytes (the ACPI 1.0 part) and all 36 checksummed. */
    struct acpi_rsdp rsdp;
    memset(&rsdp, 0, sizeof rsdp);
    memcpy(rsdp.signature, "RSD PTR ", 8);
    memcpy(rsdp.oem_id, ACPI_OEM_ID, 6);
    rsdp.revision = ACPI_RSDP_REVISION;
    rsdp.rsdt_address = (uint32_t)l.rsdt;
    rsdp.length = sizeof rsdp;
    rsdp.xsdt_address = l.xsdt;
    rsdp.checksum = (uint8_t)(0x100 - acpi_checksum(&rsdp, 20));
    rsdp.extended_checksum = (uint8_t)(0x100 - acpi_checksum(&rsdp, sizeof rsdp));
    memcpy(AT(l.rsdp), &rsdp, sizeof rsdp);
#undef AT

    bool ok = guest_memory_write(gm, start, blob, total);
    free(blob);
    if (!ok)
        return wisp_fail(err, WISP_EXIT_HOST_ERROR,
                         "ACPI tables: 0x%" PRIx64 "-0x%" PRIx64 " is not guest RAM", start,
                         l.end - 1);
    if (rsdp_gpa)
        *rsdp_gpa = l.rsdp;
    return 0;
}
