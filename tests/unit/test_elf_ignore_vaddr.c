/*
 * elf_load_rules.ignore_vaddr, for PVH: a vmlinux linked at
 * 0xffffffff81000000 with a per-CPU segment at virtual 0 is refused by the
 * native rules and accepted, placed by p_paddr, when virtual addresses are
 * ignored; every physical check still applies.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "boot/elf_loader.h"
#include "linux_boot_fixture.h"
#include "pvh_elf_fixture.h"

static struct px_elf e;

static const struct elf_load_rules native_like = {
    .min_phys = 0x100000,
    .identity_limit = 4ull << 30,
    .physmap_base = 0xFFFF800000000000ull,
    .physmap_size = 64ull << 20,
};

static const struct elf_load_rules pvh_rules = {
    .min_phys = 0x100000,
    .ignore_vaddr = true,
};

static int setup(void **state)
{
    (void)state;
    px_make(&e);
    if (fx_make_memory(64 * MiB, 0, 0) < 0)
        return -1;
    fx_canary(PX_TEXT_PADDR, PX_KERNEL_END);
    return 0;
}

static int check(const struct elf_load_rules *rules, struct elf_image *img,
                 struct wisp_error *err)
{
    uint8_t *f = px_file(&e);
    assert_non_null(f);
    int rc = elf_load_kernel(&fx_gm, "vmlinux", f, e.size, rules, img, err);
    free(f);
    return rc;
}

static void test_native_rules_refuse_kernel_vaddrs(void **state)
{
    (void)state;
    struct elf_image img;
    struct wisp_error err = { 0 };
    assert_int_equal(check(&native_like, &img, &err), -1);
    fx_assert_message(&err, "vmlinux", "0xffffffff81000000", "do not map");
    assert_int_equal(fx_canary_break(PX_TEXT_PADDR, PX_KERNEL_END), PX_KERNEL_END);
}

static void test_ignore_vaddr_loads_by_paddr(void **state)
{
    (void)state;
    struct elf_image img;
    struct wisp_error err = { 0 };
    if (check(&pvh_rules, &img, &err) != 0)
        fail_msg("%s", err.message);
    assert_int_equal(img.segment_count, 3);
    assert_int_equal(img.segments[0].vaddr, PX_TEXT_VADDR);
    assert_int_equal(img.segments[0].paddr, PX_TEXT_PADDR);
    assert_int_equal(img.segments[2].vaddr, 0);
    assert_int_equal(img.phys_start, PX_TEXT_PADDR);
    assert_int_equal(img.phys_end, PX_KERNEL_END);
    /* e_entry is physical here (as in a Linux vmlinux) and accepted. */
    assert_int_equal(img.entry, PX_TEXT_PADDR);
    assert_int_equal(rd8(PX_TEXT_PADDR + 1), px_text_byte(1));
    assert_int_equal(rd8(PX_DATA_PADDR + PX_DATA_FILE), 0); /* bss */
}

static void test_ignore_vaddr_accepts_virtual_entry(void **state)
{
    (void)state;
    Elf64_Ehdr eh;
    memcpy(&eh, e.bytes, sizeof eh);
    eh.e_entry = PX_TEXT_VADDR + 0x40;
    memcpy(e.bytes, &eh, sizeof eh);
    struct elf_image img;
    struct wisp_error err = { 0 };
    assert_int_equal(check(&pvh_rules, &img, &err), 0);
    assert_int_equal(img.entry, PX_TEXT_VADDR + 0x40);
}

static void test_ignore_vaddr_still_checks_entry(void **state)
{
    (void)state;
    Elf64_Ehdr eh;
    memcpy(&eh, e.bytes, sizeof eh);
    eh.e_entry = 0x5000000; /* neither a virtual nor a physical address of a segment */
    memcpy(e.bytes, &eh, sizeof eh);
    struct elf_image img;
    struct wisp_error err = { 0 };
    assert_int_equal(check(&pvh_rules, &img, &err), -1);
    fx_assert_message(&err, "vmlinux", "entry point 0x5000000");

    eh.e_entry = PX_DATA_PADDR; /* physical, but not executable */
    memcpy(e.bytes, &eh, sizeof eh);
    err = (struct wisp_error){ 0 };
    assert_int_equal(check(&pvh_rules, &img, &err), -1);
    fx_assert_message(&err, "vmlinux", "not executable");
    assert_int_equal(fx_canary_break(PX_TEXT_PADDR, PX_KERNEL_END), PX_KERNEL_END);
}

static void test_ignore_vaddr_still_checks_physical(void **state)
{
    (void)state;
    Elf64_Phdr ph;
    memcpy(&ph, px_phdr(&e, 1), sizeof ph);
    ph.p_paddr = 0x1000800; /* overlaps the text segment */
    px_set_phdr(&e, 1, ph);
    struct elf_image img;
    struct wisp_error err = { 0 };
    assert_int_equal(check(&pvh_rules, &img, &err), -1);
    fx_assert_message(&err, "vmlinux", "overlap in physical memory");

    ph.p_paddr = 0x8000000; /* beyond 64 MiB of RAM */
    px_set_phdr(&e, 1, ph);
    err = (struct wisp_error){ 0 };
    assert_int_equal(check(&pvh_rules, &img, &err), -1);
    fx_assert_message(&err, "vmlinux", "outside the 64 MiB of guest RAM");

    ph.p_paddr = 0x90000; /* below min_phys */
    px_set_phdr(&e, 1, ph);
    err = (struct wisp_error){ 0 };
    assert_int_equal(check(&pvh_rules, &img, &err), -1);
    fx_assert_message(&err, "vmlinux", "boot area below 0x100000");
    assert_int_equal(fx_canary_break(PX_TEXT_PADDR, PX_KERNEL_END), PX_KERNEL_END);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, fx_release)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_native_rules_refuse_kernel_vaddrs),
        T(test_ignore_vaddr_loads_by_paddr),
        T(test_ignore_vaddr_accepts_virtual_entry),
        T(test_ignore_vaddr_still_checks_entry),
        T(test_ignore_vaddr_still_checks_physical),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
