/*
 * ACPI tables as a guest reads them: find the RSDP the way Linux does (the
 * 16-byte boundaries of 0xE0000-0xFFFFF), check every checksum, walk
 * RSDT/XSDT -> FADT -> FACS/DSDT and the MADT, and check the FADT points at
 * the ports dev/acpi_pm, dev/reset_port and dev/cmos_rtc answer.
 *
 * With WISP_ACPI_DUMP_DIR set, the tables of a one-CPU build are also
 * written there (dsdt.dat, facp.dat, apic.dat, ...) for
 * tests/unit/check_acpi_iasl.sh to disassemble with iasl.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <wisp/guest.h>

#include "boot/acpi_pci.h"
#include "boot/acpi_tables.h"
#include "dev/acpi_pm.h"
#include "dev/cmos_rtc.h"
#include "dev/reset_port.h"
#include "core/guest_memory.h"

#define RAM_SIZE 0x100000ull
#define AREA ACPI_BIOS_AREA_BASE
#define AREA_SIZE ACPI_BIOS_AREA_SIZE
#define FILL 0xCC

struct harness {
    struct guest_memory gm;
    uint64_t rsdp;
};

static int setup(void **state)
{
    struct harness *h = calloc(1, sizeof *h);
    struct wisp_error err = { 0 };
    if (!h || guest_memory_add_bank(&h->gm, "RAM", MEM_BANK_RAM, 0, RAM_SIZE, &err) < 0)
        return -1;
    *state = h;
    return 0;
}

static int teardown(void **state)
{
    struct harness *h = *state;
    guest_memory_release(&h->gm);
    free(h);
    return 0;
}

static const uint8_t *gpa(struct harness *h, uint64_t addr, uint64_t len)
{
    const uint8_t *p = guest_memory_ptr(&h->gm, addr, len);
    assert_non_null(p);
    return p;
}

static void build(struct harness *h, const struct acpi_config *cfg)
{
    struct wisp_error err = { 0 };
    int rc = acpi_build(&h->gm, AREA, AREA_SIZE, cfg, &h->rsdp, &err);
    if (rc != 0)
        fail_msg("acpi_build: %s", err.message);
}

/* Linux's scan: the first "RSD PTR " on a 16-byte boundary whose ACPI 1.0
 * checksum holds (and, for revision 2+, the extended one). */
static uint64_t scan_rsdp(struct harness *h)
{
    for (uint64_t a = AREA; a < AREA + AREA_SIZE; a += 16) {
        const uint8_t *p = gpa(h, a, 20);
        if (memcmp(p, "RSD PTR ", 8) != 0 || acpi_checksum(p, 20) != 0)
            continue;
        if (p[15] >= 2) {
            struct acpi_rsdp r;
            memcpy(&r, gpa(h, a, sizeof r), sizeof r);
            if (r.length < sizeof r || acpi_checksum(gpa(h, a, r.length), r.length) != 0)
                continue;
        }
        return a;
    }
    return 0;
}

/* A table's header, after checking its signature, length and checksum. */
static struct acpi_table_header table(struct harness *h, uint64_t addr, const char *sig)
{
    struct acpi_table_header th;
    memcpy(&th, gpa(h, addr, sizeof th), sizeof th);
    assert_memory_equal(th.signature, sig, 4);
    assert_true(th.length >= sizeof th);
    assert_int_equal(acpi_checksum(gpa(h, addr, th.length), th.length), 0);
    assert_memory_equal(th.oem_id, "WISP  ", 6);
    assert_memory_equal(th.creator_id, "WISP", 4);
    return th;
}

static struct acpi_rsdp rsdp(struct harness *h)
{
    struct acpi_rsdp r;
    memcpy(&r, gpa(h, h->rsdp, sizeof r), sizeof r);
    return r;
}

/* The XSDT entry with signature sig (and the RSDT must list the same). */
static uint64_t find_table(struct harness *h, const char *sig)
{
    struct acpi_rsdp r = rsdp(h);
    struct acpi_table_header x = table(h, r.xsdt_address, "XSDT");
    struct acpi_table_header rs = table(h, r.rsdt_address, "RSDT");
    size_t n = (x.length - sizeof x) / 8;
    assert_int_equal((rs.length - sizeof rs) / 4, n);
    for (size_t i = 0; i < n; i++) {
        uint64_t e;
        uint32_t e32;
        memcpy(&e, gpa(h, r.xsdt_address + sizeof x + 8 * i, 8), 8);
        memcpy(&e32, gpa(h, r.rsdt_address + sizeof rs + 4 * i, 4), 4);
        assert_int_equal(e, e32);
        if (memcmp(gpa(h, e, 4), sig, 4) == 0)
            return e;
    }
    fail_msg("no %s in the XSDT", sig);
    return 0;
}

static struct acpi_fadt fadt(struct harness *h)
{
    uint64_t at = find_table(h, "FACP");
    struct acpi_table_header th = table(h, at, "FACP");
    assert_int_equal(th.length, sizeof(struct acpi_fadt));
    struct acpi_fadt f;
    memcpy(&f, gpa(h, at, sizeof f), sizeof f);
    return f;
}

static void test_rsdp_found_by_a_linux_style_scan(void **state)
{
    struct harness *h = *state;
    build(h, NULL);
    assert_int_equal(scan_rsdp(h), h->rsdp);
    assert_int_equal(h->rsdp % 16, 0);
    struct acpi_rsdp r = rsdp(h);
    assert_int_equal(r.revision, 2);
    assert_int_equal(r.length, 36);
    assert_memory_equal(r.oem_id, "WISP  ", 6);
    assert_int_equal(acpi_checksum(&r, 20), 0);
    assert_int_equal(acpi_checksum(&r, 36), 0);
    assert_int_not_equal(r.rsdt_address, 0);
    assert_int_not_equal(r.xsdt_address, 0);
    /* Everything lies inside the area. */
    assert_true(r.xsdt_address >= AREA && r.xsdt_address < AREA + AREA_SIZE);
    assert_true(r.rsdt_address >= AREA && r.rsdt_address < AREA + AREA_SIZE);
}

static void test_xsdt_and_rsdt_list_fadt_first_then_madt_and_mcfg(void **state)
{
    struct harness *h = *state;
    build(h, NULL);
    struct acpi_rsdp r = rsdp(h);
    struct acpi_table_header x = table(h, r.xsdt_address, "XSDT");
    struct acpi_table_header rs = table(h, r.rsdt_address, "RSDT");
    assert_int_equal(x.revision, 1);
    assert_int_equal(rs.revision, 1);
    assert_int_equal(x.length, 36 + 24);
    assert_int_equal(rs.length, 36 + 12);
    uint64_t first;
    memcpy(&first, gpa(h, r.xsdt_address + 36, 8), 8);
    assert_memory_equal(gpa(h, first, 4), "FACP", 4);
    table(h, find_table(h, "APIC"), "APIC");
    table(h, find_table(h, "MCFG"), "MCFG");
}

/* The ECAM window of include/wisp/guest.h, for segment 0, bus 0. */
static void test_mcfg_describes_the_ecam_window(void **state)
{
    struct harness *h = *state;
    build(h, NULL);
    uint64_t at = find_table(h, "MCFG");
    struct acpi_table_header m = table(h, at, "MCFG");
    assert_int_equal(m.length, 36 + 8 + 16);
    assert_int_equal(m.revision, 1);
    struct acpi_mcfg_allocation a;
    memcpy(&a, gpa(h, at + 44, sizeof a), sizeof a);
    assert_int_equal(a.address, WISP_PCI_ECAM_BASE);
    assert_int_equal(a.address, 0xE0000000u);
    assert_int_equal(a.segment, 0);
    assert_int_equal(a.start_bus, 0);
    assert_int_equal(a.end_bus, 0);
}

static bool contains(const uint8_t *hay, size_t hay_len, const void *needle, size_t len)
{
    for (size_t i = 0; i + len <= hay_len; i++)
        if (memcmp(hay + i, needle, len) == 0)
            return true;
    return false;
}

/* \_SB.PCI0 (PNP0A03) with its BAR window and a _PRT entry per slot and
 * pin, and the ECAM window claimed by a PNP0C02 device. */
static void test_dsdt_describes_the_pci_host_bridge(void **state)
{
    struct harness *h = *state;
    build(h, NULL);
    struct acpi_fadt f = fadt(h);
    struct acpi_table_header d = table(h, f.dsdt, "DSDT");
    const uint8_t *aml = gpa(h, f.dsdt + 36, d.length - 36);
    size_t len = d.length - 36;
    assert_int_equal(acpi_eisa_id("PNP0A03"), 0x030AD041u);
    assert_int_equal(acpi_eisa_id("PNP0C02"), 0x020CD041u);
    static const uint8_t sb_scope[] = { 0x10 }; /* ScopeOp follows _S5 */
    assert_memory_equal(aml + 14, sb_scope, 1);
    assert_true(contains(aml, len, "_SB_", 4));
    assert_true(contains(aml, len, "PCI0", 4));
    static const uint8_t hid[] = { 0x08, '_', 'H', 'I', 'D', 0x0C, 0x41, 0xD0, 0x0A, 0x03 };
    assert_true(contains(aml, len, hid, sizeof hid));
    static const uint8_t mres[] = { 0x08, '_', 'H', 'I', 'D', 0x0C, 0x41, 0xD0, 0x0C, 0x02 };
    assert_true(contains(aml, len, mres, sizeof mres));
    /* DWordMemory: min 0xD0000000, max 0xDFFFFFFF, length 0x10000000 */
    static const uint8_t window[] = { 0x00, 0x00, 0x00, 0xD0, 0xFF, 0xFF, 0xFF, 0xDF,
                                      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10 };
    assert_true(contains(aml, len, window, sizeof window));
    /* Slot 1 INTA -> GSI 17, slot 2 INTB -> GSI 19, slot 7 INTB -> GSI 16:
     * Package (4) { 0x000SFFFF, pin, Zero, gsi } */
    static const uint8_t prt1[] = { 0x12, 0x0B, 0x04, 0x0C, 0xFF, 0xFF, 0x01, 0x00,
                                    0x00, 0x00, 0x0A, 17 };
    static const uint8_t prt2[] = { 0x12, 0x0B, 0x04, 0x0C, 0xFF, 0xFF, 0x02, 0x00,
                                    0x01, 0x00, 0x0A, 19 };
    static const uint8_t prt7[] = { 0x12, 0x0B, 0x04, 0x0C, 0xFF, 0xFF, 0x07, 0x00,
                                    0x01, 0x00, 0x0A, 16 };
    assert_true(contains(aml, len, prt1, sizeof prt1));
    assert_true(contains(aml, len, prt2, sizeof prt2));
    assert_true(contains(aml, len, prt7, sizeof prt7));
    assert_int_equal(WISP_PCI_INTX_GSI(1, 0), 17);
}

static void test_fadt_describes_the_pm_devices(void **state)
{
    struct harness *h = *state;
    build(h, NULL);
    struct acpi_fadt f = fadt(h);
    assert_int_equal(f.header.revision, 6);
    assert_int_equal(f.fadt_minor_version, 3);
    assert_int_equal(f.sci_int, ACPI_PM_SCI_IRQ);
    assert_int_equal(f.sci_int, 9);
    assert_int_equal(f.smi_cmd, 0);
    assert_int_equal(f.pm1a_evt_blk, ACPI_PM_BASE + ACPI_PM1_STS_OFFSET);
    assert_int_equal(f.pm1a_cnt_blk, ACPI_PM_BASE + ACPI_PM1_CNT_OFFSET);
    assert_int_equal(f.pm_tmr_blk, ACPI_PM_BASE + ACPI_PM_TMR_OFFSET);
    assert_int_equal(f.pm1a_evt_blk, 0x600);
    assert_int_equal(f.pm1a_cnt_blk, 0x604);
    assert_int_equal(f.pm_tmr_blk, 0x608);
    assert_int_equal(f.pm1b_evt_blk, 0);
    assert_int_equal(f.pm1b_cnt_blk, 0);
    assert_int_equal(f.gpe0_blk, 0);
    assert_int_equal(f.pm1_evt_len, 4);
    assert_int_equal(f.pm1_cnt_len, 2);
    assert_int_equal(f.pm_tmr_len, 4);
    /* The extended blocks say the same, as I/O ports. */
    assert_int_equal(f.x_pm1a_evt_blk.space_id, ACPI_GAS_SYSTEM_IO);
    assert_int_equal(f.x_pm1a_evt_blk.address, f.pm1a_evt_blk);
    assert_int_equal(f.x_pm1a_evt_blk.bit_width, 32);
    assert_int_equal(f.x_pm1a_cnt_blk.space_id, ACPI_GAS_SYSTEM_IO);
    assert_int_equal(f.x_pm1a_cnt_blk.address, f.pm1a_cnt_blk);
    assert_int_equal(f.x_pm1a_cnt_blk.bit_width, 16);
    assert_int_equal(f.x_pm_tmr_blk.space_id, ACPI_GAS_SYSTEM_IO);
    assert_int_equal(f.x_pm_tmr_blk.address, f.pm_tmr_blk);
    assert_int_equal(f.x_pm_tmr_blk.bit_width, 32);
    assert_int_equal(f.x_pm1b_evt_blk.address, 0);
    assert_int_equal(f.x_gpe0_blk.address, 0);
    /* A 32-bit timer, as acpi_pm counts. */
    assert_true(f.flags & ACPI_FADT_TMR_VAL_EXT);
    assert_int_equal(ACPI_PM_TIMER_BITS, 32);
    /* A classic PC, not hardware-reduced. */
    assert_false(f.flags & ACPI_FADT_HW_REDUCED_ACPI);
    assert_int_equal(f.iapc_boot_arch & (ACPI_IAPC_LEGACY_DEVICES | ACPI_IAPC_8042),
                     ACPI_IAPC_LEGACY_DEVICES | ACPI_IAPC_8042);
    assert_false(f.iapc_boot_arch & ACPI_IAPC_CMOS_RTC_NOT_PRESENT);
    assert_false(f.flags & ACPI_FADT_PWR_BUTTON); /* fixed power button present */
    /* Reset through port 0xCF9. */
    assert_true(f.flags & ACPI_FADT_RESET_REG_SUP);
    assert_int_equal(f.reset_reg.space_id, ACPI_GAS_SYSTEM_IO);
    assert_int_equal(f.reset_reg.bit_width, 8);
    assert_int_equal(f.reset_reg.address, RESET_PORT_CF9);
    assert_int_equal(f.reset_value, RESET_CF9_VALUE);
    assert_int_equal(f.reset_value, 0x06);
    /* The RTC's century byte. */
    assert_int_equal(f.century, RTC_CENTURY);
    assert_int_equal(f.century, 0x32);
    /* No C2/C3. */
    assert_true(f.p_lvl2_lat > 100);
    assert_true(f.p_lvl3_lat > 1000);
}

static void test_fadt_points_at_facs_and_dsdt(void **state)
{
    struct harness *h = *state;
    build(h, NULL);
    struct acpi_fadt f = fadt(h);
    assert_int_equal(f.x_dsdt, f.dsdt);
    assert_int_not_equal(f.dsdt, 0);
    assert_int_not_equal(f.firmware_ctrl, 0);
    assert_int_equal(f.x_firmware_ctrl, 0); /* only one of the two may be set */
    assert_int_equal(f.firmware_ctrl % 64, 0);
    struct acpi_facs facs;
    memcpy(&facs, gpa(h, f.firmware_ctrl, sizeof facs), sizeof facs);
    assert_memory_equal(facs.signature, "FACS", 4);
    assert_int_equal(facs.length, 64);
    assert_int_equal(facs.version, 2);
    assert_int_equal(facs.firmware_waking_vector, 0);
    struct acpi_table_header d = table(h, f.dsdt, "DSDT");
    assert_int_equal(d.revision, 2);
}

static void test_dsdt_starts_with_the_s5_package(void **state)
{
    struct harness *h = *state;
    build(h, NULL);
    struct acpi_fadt f = fadt(h);
    struct acpi_table_header d = table(h, f.dsdt, "DSDT");
    /* Name (_S5, Package (0x04) { 0x05, 0x05, Zero, Zero }) */
    static const uint8_t expected[] = {
        0x08,                   /* NameOp */
        '_', 'S', '5', '_',     /* NameSeg */
        0x12,                   /* PackageOp */
        0x08,                   /* PkgLength: itself + NumElements + 6 bytes */
        0x04,                   /* NumElements */
        0x0A, 0x05,             /* BytePrefix 5: SLP_TYPa */
        0x0A, 0x05,             /* BytePrefix 5: SLP_TYPb */
        0x00,                   /* ZeroOp */
        0x00,                   /* ZeroOp */
    };
    assert_true(d.length > 36 + sizeof expected);
    assert_memory_equal(gpa(h, f.dsdt + 36, sizeof expected), expected, sizeof expected);
    /* Its SLP_TYP is the one acpi_pm powers off on. */
    assert_int_equal(expected[9], ACPI_PM_SLP_TYP_S5);
}

struct madt_summary {
    unsigned lapics, ioapics, overrides, nmis;
    uint8_t lapic_ids[ACPI_MAX_CPUS];
    struct acpi_madt_io_apic ioapic;
    struct acpi_madt_interrupt_override iso[8];
    struct acpi_madt_local_apic_nmi nmi;
};

static void walk_madt(struct harness *h, struct madt_summary *s)
{
    memset(s, 0, sizeof *s);
    uint64_t at = find_table(h, "APIC");
    struct acpi_table_header th = table(h, at, "APIC");
    assert_int_equal(th.revision, 5);
    struct acpi_madt m;
    memcpy(&m, gpa(h, at, sizeof m), sizeof m);
    assert_int_equal(m.local_apic_address, 0xFEE00000u);
    assert_int_equal(m.flags, ACPI_MADT_PCAT_COMPAT);
    uint64_t p = at + sizeof m, end = at + th.length;
    while (p < end) {
        const uint8_t *e = gpa(h, p, 2);
        assert_true(e[1] >= 2 && p + e[1] <= end);
        switch (e[0]) {
        case ACPI_MADT_TYPE_LOCAL_APIC: {
            struct acpi_madt_local_apic l;
            assert_int_equal(e[1], sizeof l);
            memcpy(&l, gpa(h, p, sizeof l), sizeof l);
            assert_int_equal(l.processor_uid, l.apic_id);
            assert_int_equal(l.flags, ACPI_MADT_ENABLED);
            s->lapic_ids[s->lapics++] = l.apic_id;
            break;
        }
        case ACPI_MADT_TYPE_IO_APIC:
            assert_int_equal(e[1], sizeof s->ioapic);
            memcpy(&s->ioapic, gpa(h, p, sizeof s->ioapic), sizeof s->ioapic);
            s->ioapics++;
            break;
        case ACPI_MADT_TYPE_INTERRUPT_OVERRIDE:
            assert_int_equal(e[1], sizeof s->iso[0]);
            assert_true(s->overrides < 8);
            memcpy(&s->iso[s->overrides++], gpa(h, p, sizeof s->iso[0]), sizeof s->iso[0]);
            break;
        case ACPI_MADT_TYPE_LOCAL_APIC_NMI:
            assert_int_equal(e[1], sizeof s->nmi);
            memcpy(&s->nmi, gpa(h, p, sizeof s->nmi), sizeof s->nmi);
            s->nmis++;
            break;
        default:
            fail_msg("unexpected MADT entry type %u", e[0]);
        }
        p += e[1];
    }
    assert_int_equal(p, end);
}

static void test_madt_one_cpu_ioapic_and_sci_override(void **state)
{
    struct harness *h = *state;
    build(h, &(struct acpi_config){ .cpus = 1 });
    struct madt_summary s;
    walk_madt(h, &s);
    assert_int_equal(s.lapics, 1);
    assert_int_equal(s.lapic_ids[0], 0);
    assert_int_equal(s.ioapics, 1);
    assert_int_equal(s.ioapic.io_apic_id, 1); /* = cpus */
    assert_int_equal(s.ioapic.address, 0xFEC00000u);
    assert_int_equal(s.ioapic.gsi_base, 0);
    /* One override: the SCI, level and active high. Nothing for IRQ 0
     * (KVM's default routing sends GSI 0 to IOAPIC pin 0). */
    assert_int_equal(s.overrides, 1);
    assert_int_equal(s.iso[0].bus, 0);
    assert_int_equal(s.iso[0].source, 9);
    assert_int_equal(s.iso[0].gsi, 9);
    assert_int_equal(s.iso[0].flags, 0x000D);
    assert_int_equal(s.nmis, 1);
    assert_int_equal(s.nmi.processor_uid, 0xFF);
    assert_int_equal(s.nmi.lint, 1);
}

static void test_madt_lists_every_cpu(void **state)
{
    struct harness *h = *state;
    build(h, &(struct acpi_config){ .cpus = 4 });
    struct madt_summary s;
    walk_madt(h, &s);
    assert_int_equal(s.lapics, 4);
    for (unsigned i = 0; i < 4; i++)
        assert_int_equal(s.lapic_ids[i], i);
    assert_int_equal(s.ioapic.io_apic_id, 4);
}

static void test_default_config_is_one_cpu(void **state)
{
    struct harness *h = *state;
    build(h, &(struct acpi_config){ 0 });
    struct madt_summary s;
    walk_madt(h, &s);
    assert_int_equal(s.lapics, 1);
    assert_int_equal(s.ioapics, 1);
}

static void test_most_cpus_fit_the_bios_area(void **state)
{
    struct harness *h = *state;
    build(h, &(struct acpi_config){ .cpus = ACPI_MAX_CPUS });
    struct madt_summary s;
    walk_madt(h, &s);
    assert_int_equal(s.lapics, ACPI_MAX_CPUS);
    assert_int_equal(s.ioapic.io_apic_id, ACPI_MAX_CPUS);
}

static void test_writes_only_inside_the_area(void **state)
{
    struct harness *h = *state;
    assert_true(guest_memory_fill(&h->gm, 0, FILL, RAM_SIZE));
    struct wisp_error err = { 0 };
    const uint64_t base = 0xE0001, size = 0x2000; /* unaligned start */
    assert_int_equal(acpi_build(&h->gm, base, size, NULL, &h->rsdp, &err), 0);
    assert_int_equal(h->rsdp, 0xE0010);
    const uint8_t *ram = gpa(h, 0, RAM_SIZE);
    for (uint64_t a = 0; a < RAM_SIZE; a++)
        if (a < base || a >= base + size)
            assert_int_equal(ram[a], FILL);
    /* The tables still parse. */
    table(h, find_table(h, "FACP"), "FACP");
    table(h, find_table(h, "APIC"), "APIC");
}

static void test_area_too_small_fails_and_writes_nothing(void **state)
{
    struct harness *h = *state;
    assert_true(guest_memory_fill(&h->gm, 0, FILL, RAM_SIZE));
    struct wisp_error err = { 0 };
    uint64_t rsdp = 0x1234;
    assert_int_equal(acpi_build(&h->gm, AREA, 0x100, NULL, &rsdp, &err), -1);
    assert_int_not_equal(err.status, 0);
    assert_non_null(strstr(err.message, "ACPI tables need"));
    assert_int_equal(rsdp, 0x1234);
    const uint8_t *ram = gpa(h, 0, RAM_SIZE);
    for (uint64_t a = 0; a < RAM_SIZE; a++)
        assert_int_equal(ram[a], FILL);
}

static void test_area_outside_guest_memory_fails(void **state)
{
    struct harness *h = *state;
    struct wisp_error err = { 0 };
    uint64_t rsdp;
    assert_int_equal(acpi_build(&h->gm, RAM_SIZE - 0x100, 0x10000, NULL, &rsdp, &err), -1);
    assert_non_null(strstr(err.message, "not guest RAM"));

    struct wisp_error err2 = { 0 };
    assert_int_equal(acpi_build(&h->gm, UINT64_MAX - 0x10, 0x100, NULL, &rsdp, &err2), -1);
    assert_int_not_equal(err2.status, 0);

    struct wisp_error err3 = { 0 };
    assert_int_equal(acpi_build(&h->gm, 0xFFFFFFF0ull, 0x10000, NULL, &rsdp, &err3), -1);
    assert_non_null(strstr(err3.message, "below 4 GiB"));
}

static void test_too_many_cpus_is_refused(void **state)
{
    struct harness *h = *state;
    struct wisp_error err = { 0 };
    uint64_t rsdp;
    assert_int_equal(acpi_build(&h->gm, AREA, AREA_SIZE,
                                &(struct acpi_config){ .cpus = ACPI_MAX_CPUS + 1 }, &rsdp, &err),
                     -1);
    assert_non_null(strstr(err.message, "CPUs"));
}

/* --hyperv: the DSDT holds the VMBus device Linux's hv_vmbus looks for. */
static bool dsdt_has(struct harness *h, const char *bytes, size_t n)
{
    struct acpi_fadt f = fadt(h);
    struct acpi_table_header th = table(h, f.dsdt, "DSDT");
    const uint8_t *d = gpa(h, f.dsdt, th.length);
    for (size_t i = 0; i + n <= th.length; i++)
        if (memcmp(d + i, bytes, n) == 0)
            return true;
    return false;
}

static void test_vmbus_device_only_with_hyperv(void **state)
{
    struct harness *h = *state;
    build(h, &(struct acpi_config){ .cpus = 1, .vmbus = true });
    assert_true(dsdt_has(h, "VMBS", 4));
    assert_true(dsdt_has(h, "_HID\x0DVMBUS", 11));
    build(h, &(struct acpi_config){ .cpus = 1 });
    assert_false(dsdt_has(h, "VMBS", 4));
}

/* ---- optional dump for iasl ---- */

static void dump(struct harness *h, const char *dir, const char *name, uint64_t addr, size_t len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.dat", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(gpa(h, addr, len), 1, len, f), len);
    fclose(f);
}

static void test_dump_tables_for_iasl(void **state)
{
    struct harness *h = *state;
    const char *dir = getenv("WISP_ACPI_DUMP_DIR");
    if (!dir || !*dir)
        skip();
    /* Without the VMBus device: iasl wants a _HID string of 7 or 8
     * characters, and "VMBUS" (what Hyper-V and its guests use) is 5. */
    build(h, NULL);
    struct acpi_rsdp r = rsdp(h);
    struct acpi_fadt f = fadt(h);
    struct acpi_table_header th;
    dump(h, dir, "rsdp", h->rsdp, sizeof r);
    th = table(h, r.rsdt_address, "RSDT");
    dump(h, dir, "rsdt", r.rsdt_address, th.length);
    th = table(h, r.xsdt_address, "XSDT");
    dump(h, dir, "xsdt", r.xsdt_address, th.length);
    dump(h, dir, "facp", find_table(h, "FACP"), sizeof f);
    dump(h, dir, "facs", f.firmware_ctrl, sizeof(struct acpi_facs));
    th = table(h, f.dsdt, "DSDT");
    dump(h, dir, "dsdt", f.dsdt, th.length);
    uint64_t madt = find_table(h, "APIC");
    th = table(h, madt, "APIC");
    dump(h, dir, "apic", madt, th.length);
    uint64_t mcfg = find_table(h, "MCFG");
    th = table(h, mcfg, "MCFG");
    dump(h, dir, "mcfg", mcfg, th.length);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_vmbus_device_only_with_hyperv),
        T(test_rsdp_found_by_a_linux_style_scan),
        T(test_xsdt_and_rsdt_list_fadt_first_then_madt_and_mcfg),
        T(test_mcfg_describes_the_ecam_window),
        T(test_dsdt_describes_the_pci_host_bridge),
        T(test_fadt_describes_the_pm_devices),
        T(test_fadt_points_at_facs_and_dsdt),
        T(test_dsdt_starts_with_the_s5_package),
        T(test_madt_one_cpu_ioapic_and_sci_override),
        T(test_madt_lists_every_cpu),
        T(test_default_config_is_one_cpu),
        T(test_most_cpus_fit_the_bios_area),
        T(test_writes_only_inside_the_area),
        T(test_area_too_small_fails_and_writes_nothing),
        T(test_area_outside_guest_memory_fails),
        T(test_too_many_cpus_is_refused),
        T(test_dump_tables_for_iasl),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
