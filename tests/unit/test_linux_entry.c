/*
 * CPU state at a bzImage's 32-bit and 64-bit entries: the GDT in guest
 * memory decoded the way the CPU decodes it, the segment registers, control
 * registers and general registers the boot protocol asks for, and the
 * 64-bit entry's page tables walked the way the MMU walks them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "boot/bzimage.h"
#include "boot/linux_entry.h"
#include "boot/linux_layout.h"
#include "linux_boot_fixture.h"

#define APIC_BASE 0xFEE00900ull

static struct fx_bzimage k;
static struct linux_boot_result boot;
static struct accel_regs regs;
static struct accel_sregs sregs;

static int setup(void **state)
{
    (void)state;
    fx_make_bzimage(&k);
    if (fx_make_memory(128 * MiB, 0, 0) < 0)
        return -1;
    fx_canary(0, 0x30000);
    return 0;
}

static void load(void)
{
    struct wisp_error err = { 0 };
    struct bzimage_info info;
    uint8_t *f = fx_file(&k);
    assert_non_null(f);
    const struct linux_boot_params params = { .cmdline = "console=ttyS0" };
    if (bzimage_parse("bz", f, k.size, &info, &err) != 0 ||
        bzimage_load(&fx_gm, "bz", f, k.size, &info, &params, &boot, &err) != 0)
        fail_msg("%s", err.message);
    free(f);
    memset(&regs, 0xEE, sizeof regs);
    memset(&sregs, 0xEE, sizeof sregs);
    sregs.apic_base = APIC_BASE;
}

static int prepare(enum linux_entry_kind kind, struct wisp_error *err)
{
    return linux_entry_prepare(&fx_gm, kind, &boot, "bz", &regs, &sregs, err);
}

/* ---- descriptors, decoded from guest memory ---- */

struct desc {
    uint32_t base, limit; /* limit in bytes after granularity */
    unsigned type, s, dpl, p, l, db, g;
};

static struct desc read_desc(unsigned selector)
{
    uint64_t d = rd64(LINUX_GDT_ADDR + selector);
    struct desc x;
    x.base = (uint32_t)(((d >> 16) & 0xFFFFFF) | ((d >> 56) & 0xFF) << 24);
    uint32_t raw = (uint32_t)((d & 0xFFFF) | ((d >> 48) & 0xF) << 16);
    x.type = (d >> 40) & 0xF;
    x.s = (d >> 44) & 1;
    x.dpl = (d >> 45) & 3;
    x.p = (d >> 47) & 1;
    x.l = (d >> 53) & 1;
    x.db = (d >> 54) & 1;
    x.g = (d >> 55) & 1;
    x.limit = x.g ? (raw << 12) | 0xFFF : raw;
    return x;
}

static void assert_flat(struct desc d, bool code)
{
    assert_int_equal(d.base, 0);
    assert_int_equal(d.limit, 0xFFFFFFFF);
    assert_int_equal(d.s, 1);
    assert_int_equal(d.dpl, 0);
    assert_int_equal(d.p, 1);
    if (code)
        assert_int_equal(d.type & 0xA, 0xA); /* code, readable */
    else
        assert_int_equal(d.type & 0xA, 0x2); /* data, writable */
}

/* The register's hidden part matches the GDT entry its selector names. */
static void assert_segment_matches_gdt(const struct accel_segment *s)
{
    struct desc d = read_desc(s->selector);
    assert_int_equal(s->base, d.base);
    assert_int_equal(s->limit, d.limit);
    assert_int_equal(ACCEL_SEG_TYPE(s->attributes), d.type);
    assert_int_equal(!!(s->attributes & ACCEL_SEG_S), d.s);
    assert_int_equal(!!(s->attributes & ACCEL_SEG_PRESENT), d.p);
    assert_int_equal(!!(s->attributes & ACCEL_SEG_LONG), d.l);
    assert_int_equal(!!(s->attributes & ACCEL_SEG_DB), d.db);
    assert_int_equal(!!(s->attributes & ACCEL_SEG_GRANULAR), d.g);
}

static void assert_common(void)
{
    assert_int_equal(sregs.cs.selector, 0x10);
    assert_int_equal(sregs.ds.selector, 0x18);
    assert_int_equal(sregs.es.selector, 0x18);
    assert_int_equal(sregs.ss.selector, 0x18);
    assert_segment_matches_gdt(&sregs.cs);
    assert_segment_matches_gdt(&sregs.ds);
    assert_segment_matches_gdt(&sregs.es);
    assert_segment_matches_gdt(&sregs.ss);
    assert_flat(read_desc(0x10), true);
    assert_flat(read_desc(0x18), false);
    assert_int_equal(rd64(LINUX_GDT_ADDR), 0);
    assert_int_equal(sregs.gdt.base, LINUX_GDT_ADDR);
    assert_int_equal(sregs.gdt.limit, 31);
    assert_int_equal(sregs.idt.limit, 0);
    assert_int_equal(sregs.apic_base, APIC_BASE); /* kept */
    assert_int_equal(ACCEL_SEG_TYPE(sregs.tr.attributes), 0xB);
    assert_true(sregs.tr.attributes & ACCEL_SEG_PRESENT);
    assert_int_equal(regs.rflags & (1u << 9), 0); /* IF clear */
    assert_int_equal(regs.rflags, 0x2);
    assert_int_equal(regs.rsi, LINUX_ZERO_PAGE_ADDR);
    assert_int_equal(regs.rbp, 0);
    assert_int_equal(regs.rdi, 0);
    assert_int_equal(regs.rbx, 0);
    assert_int_equal(regs.rax, 0);
}

static void test_entry32(void **state)
{
    (void)state;
    load();
    struct wisp_error err = { 0 };
    assert_int_equal(prepare(LINUX_ENTRY_32, &err), 0);
    assert_common();
    assert_int_equal(regs.rip, boot.entry32);
    assert_int_equal(regs.rip, FX_PREF_ADDRESS); /* code32_start */
    assert_int_equal(rd32(LINUX_ZERO_PAGE_ADDR + 0x214), regs.rip);
    assert_int_equal(read_desc(0x10).db, 1);
    assert_int_equal(read_desc(0x10).l, 0);
    assert_true(sregs.cr0 & 1);                /* PE */
    assert_int_equal(sregs.cr0 & (1u << 31), 0); /* paging off */
    assert_int_equal(sregs.cr4, 0);
    assert_int_equal(sregs.efer, 0);
    /* The 32-bit entry writes no page tables. */
    assert_int_equal(fx_canary_break(LINUX_PML4_ADDR, LINUX_PAGE_TABLES_END),
                     LINUX_PAGE_TABLES_END);
}

/* Walks the 4-level tables for va; returns the physical address or ~0. */
static uint64_t walk(uint64_t cr3, uint64_t va)
{
    const uint64_t addr_mask = 0x000FFFFFFFFFF000ull;
    uint64_t e = rd64((cr3 & addr_mask) + ((va >> 39) & 0x1FF) * 8);
    if (!(e & 1))
        return ~0ull;
    e = rd64((e & addr_mask) + ((va >> 30) & 0x1FF) * 8);
    if (!(e & 1) || (e & 0x80))
        return ~0ull; /* wisp uses no 1 GiB pages */
    e = rd64((e & addr_mask) + ((va >> 21) & 0x1FF) * 8);
    if (!(e & 1) || !(e & 0x80) || !(e & 2))
        return ~0ull;
    return (e & 0x000FFFFFFFE00000ull) | (va & 0x1FFFFF);
}

static void test_entry64(void **state)
{
    (void)state;
    load();
    struct wisp_error err = { 0 };
    assert_int_equal(prepare(LINUX_ENTRY_64, &err), 0);
    assert_common();
    assert_int_equal(regs.rip, FX_PREF_ADDRESS + 0x200);
    assert_int_equal(read_desc(0x10).l, 1);
    assert_int_equal(read_desc(0x10).db, 0);
    assert_true(sregs.cr0 & 1);
    assert_true(sregs.cr0 & (1u << 31));
    assert_true(sregs.cr4 & (1u << 5)); /* PAE */
    assert_int_equal(sregs.efer & 0x500, 0x500); /* LME | LMA */
    assert_int_equal(sregs.cr3, LINUX_PML4_ADDR);
    /* Identity: the kernel's whole init_size, zero page, command line,
     * and everything up to 4 GiB. */
    const uint64_t probes[] = {
        0, LINUX_ZERO_PAGE_ADDR, LINUX_CMDLINE_ADDR, regs.rip,
        FX_PREF_ADDRESS + FX_INIT_SIZE - 1, 0xFEE00000, 0xFFFFFFFF,
    };
    for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++)
        if (walk(sregs.cr3, probes[i]) != probes[i])
            fail_msg("0x%llx is not identity-mapped", (unsigned long long)probes[i]);
    assert_int_equal(walk(sregs.cr3, 0x100000000ull), ~0ull);
    /* The tables do not reach into the command line or the zero page. */
    assert_int_equal(rd8(LINUX_CMDLINE_ADDR), 'c');
    assert_int_equal(rd8(LINUX_ZERO_PAGE_ADDR + 0x210), 0xFF);
}

static void test_entry64_refused_without_xlf_kernel_64(void **state)
{
    (void)state;
    fx_put16(&k, 0x236, 0);
    load();
    struct wisp_error err = { 0 };
    assert_int_equal(prepare(LINUX_ENTRY_64, &err), -1);
    assert_int_equal(err.status, WISP_EXIT_BAD_KERNEL);
    fx_assert_message(&err, "bz", "no 64-bit entry point", "XLF_KERNEL_64", "32-bit entry");
    /* Nothing written, nothing set. */
    assert_int_equal(fx_canary_break(LINUX_GDT_ADDR, LINUX_GDT_ADDR + 32), LINUX_GDT_ADDR + 32);
    assert_int_equal(sregs.apic_base, APIC_BASE);
    /* The 32-bit entry still works. */
    err = (struct wisp_error){ 0 };
    assert_int_equal(prepare(LINUX_ENTRY_32, &err), 0);
}

static void test_long_mode_state_helper(void **state)
{
    (void)state;
    memset(&sregs, 0, sizeof sregs);
    sregs.apic_base = APIC_BASE;
    sregs.cr8 = 3;
    linux_long_mode_state(0x123456, &regs, &sregs);
    assert_int_equal(regs.rip, 0x123456);
    assert_int_equal(regs.rsp, LINUX_STACK_TOP);
    assert_int_equal(sregs.cr8, 3);
    assert_int_equal(sregs.apic_base, APIC_BASE);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, fx_release)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_entry32),
        T(test_entry64),
        T(test_entry64_refused_without_xlf_kernel_64),
        T(test_long_mode_state_helper),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
