/*
 * Multiboot 2: the header and its tags parsed (checksum, architecture,
 * length, tag sizes, required tags wisp cannot honour, optional ones it
 * skips); an ELF32 kernel with every boot information tag read back at
 * the specification's offsets (command line, loader name, modules, basic
 * meminfo, memory map, framebuffer, ACPI old and new RSDP, load base);
 * the address tag; a relocatable image moved when its link address is
 * outside the range it allows; bad inputs refused with one line (121).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <wisp/guest.h>

#include "boot/acpi_tables.h"
#include "boot/multiboot2.h"
#include "kboot_fixture.h"

#define RAM (64 * MiB)
#define HDR 0x1000

static struct kf f;
static size_t tag_at; /* where the next header tag goes */

static void begin(struct kf *k)
{
    kf_put32(k, HDR, 0xE85250D6);
    kf_put32(k, HDR + 4, 0);
    tag_at = HDR + 16;
}

static void tag(struct kf *k, uint16_t type, uint16_t flags, const uint32_t *body, unsigned words)
{
    kf_put16(k, tag_at, type);
    kf_put16(k, tag_at + 2, flags);
    kf_put32(k, tag_at + 4, 8 + 4 * words);
    for (unsigned i = 0; i < words; i++)
        kf_put32(k, tag_at + 8 + 4 * i, body[i]);
    tag_at += (8 + 4 * words + 7) & ~7u;
}

static void finish(struct kf *k)
{
    tag(k, 0, 0, NULL, 0);
    uint32_t len = (uint32_t)(tag_at - HDR);
    kf_put32(k, HDR + 8, len);
    kf_put32(k, HDR + 12, (uint32_t)-(0xE85250D6u + 0 + len));
}

static int setup(void **state)
{
    (void)state;
    kf_elf32(&f, 0x100000, 0x100000, 0x2000, 0x2000, 0x400);
    memset(f.bytes + HDR, 0, 0x200);
    begin(&f);
    const uint32_t request[] = { 1, 2, 3, 4, 6, 8, 14, 15, 21 };
    tag(&f, 1, 0, request, 9);
    const uint32_t fb[] = { 0, 0, 32 };
    tag(&f, 5, 0, fb, 3);
    tag(&f, 6, 0, NULL, 0);
    finish(&f);
    if (fx_make_memory(RAM, 0, 0) < 0)
        return -1;
    uint64_t rsdp;
    struct acpi_config acpi = { .cpus = 1 };
    struct wisp_error err = { 0 };
    return acpi_build(&fx_gm, ACPI_BIOS_AREA_BASE, 0x10000, &acpi, &rsdp, &err);
}

static int load(struct kboot_params *p, struct multiboot2_result *r, struct wisp_error *err)
{
    p->acpi_rsdp = ACPI_BIOS_AREA_BASE;
    uint8_t *file = kf_file(&f);
    assert_non_null(file);
    int rc = multiboot2_load(&fx_gm, "mb2.elf", file, f.size, p, r, err);
    free(file);
    return rc;
}

#define expect_fail(...)                                                        \
    do {                                                                        \
        struct kboot_params p_ = kf_params();                                   \
        struct multiboot2_result r_;                                            \
        struct wisp_error err_ = { 0 };                                         \
        assert_int_equal(load(&p_, &r_, &err_), -1);                            \
        assert_int_equal(err_.status, WISP_EXIT_BAD_KERNEL);                    \
        fx_assert_message(&err_, "mb2.elf", __VA_ARGS__);                       \
    } while (0)

/* The boot information tag of type t (its address), or 0. */
static uint64_t find_tag(uint64_t info, uint32_t t, unsigned nth)
{
    uint32_t total = rd32(info);
    for (uint64_t off = 8; off + 8 <= total; off += (rd32(info + off + 4) + 7) & ~7u) {
        if (rd32(info + off) == t && nth-- == 0)
            return info + off;
        if (rd32(info + off) == 0)
            break;
    }
    return 0;
}

static void test_boot_information(void **state)
{
    (void)state;
    struct kboot_params p = kf_params();
    struct multiboot2_result r;
    struct wisp_error err = { 0 };
    if (load(&p, &r, &err) != 0)
        fail_msg("%s", err.message);
    uint64_t info = r.info_addr;
    assert_int_equal(info & 7, 0);
    assert_int_equal(r.entry, 0x100400);
    assert_int_equal(rd32(info), r.info_size);

    uint64_t t = find_tag(info, 1, 0);
    assert_true(t);
    assert_string_equal(rdstr(t + 8), "console=com1 quiet");
    assert_string_equal(rdstr(find_tag(info, 2, 0) + 8), "wisp");

    uint64_t m0 = find_tag(info, 3, 0), m1 = find_tag(info, 3, 1);
    assert_true(m0 && m1 && !find_tag(info, 3, 2));
    assert_int_equal(rd32(m0 + 8), 0x102000);
    assert_int_equal(rd32(m0 + 12) - rd32(m0 + 8), sizeof kf_mod0);
    assert_string_equal(rdstr(m0 + 16), "initrd.img");
    assert_string_equal(rdstr(m1 + 16), "data.bin arg=1 two");
    assert_memory_equal(guest_memory_ptr(&fx_gm, rd32(m1 + 8), sizeof kf_mod1), kf_mod1,
                        sizeof kf_mod1);

    t = find_tag(info, 4, 0);
    assert_int_equal(rd32(t + 8), 639);
    assert_int_equal(rd32(t + 12), (RAM - MiB) >> 10);

    t = find_tag(info, 6, 0);
    assert_int_equal(rd32(t + 8), 24);
    assert_int_equal(rd32(t + 12), 0);
    assert_int_equal(rd32(t + 4), 16 + 5 * 24);
    assert_int_equal(rd64(t + 16 + 3 * 24), 0x100000);
    assert_int_equal(rd64(t + 16 + 3 * 24 + 8), RAM - 0x100000);
    assert_int_equal(rd32(t + 16 + 3 * 24 + 16), 1);
    /* PCI's ECAM window, reserved. */
    assert_int_equal(rd64(t + 16 + 4 * 24), WISP_PCI_ECAM_BASE);
    assert_int_equal(rd64(t + 16 + 4 * 24 + 8), WISP_PCI_ECAM_SIZE);
    assert_int_equal(rd32(t + 16 + 4 * 24 + 16), 2);

    t = find_tag(info, 8, 0);
    assert_int_equal(rd64(t + 8), 0xC0000000u);
    assert_int_equal(rd32(t + 16), 3200);
    assert_int_equal(rd32(t + 20), 800);
    assert_int_equal(rd32(t + 24), 600);
    assert_int_equal(rd8(t + 28), 32);
    assert_int_equal(rd8(t + 29), 1);
    assert_int_equal(rd8(t + 32), 16);

    t = find_tag(info, 14, 0);
    assert_int_equal(rd32(t + 4), 28);
    assert_memory_equal(guest_memory_ptr(&fx_gm, t + 8, 8), "RSD PTR ", 8);
    assert_int_equal(acpi_checksum(guest_memory_ptr(&fx_gm, t + 8, 20), 20), 0);
    t = find_tag(info, 15, 0);
    assert_int_equal(rd32(t + 4), 44);
    assert_int_equal(acpi_checksum(guest_memory_ptr(&fx_gm, t + 8, 36), 36), 0);

    t = find_tag(info, 21, 0);
    assert_int_equal(rd32(t + 8), 0x100000);
    t = find_tag(info, 0, 0);
    assert_int_equal(rd32(t + 4), 8);
    assert_int_equal(t + 8, info + rd32(info));
}

static void test_optional_unknown_tags_are_skipped(void **state)
{
    (void)state;
    begin(&f);
    const uint32_t request[] = { 9, 13 }; /* ELF sections, SMBIOS: not given */
    tag(&f, 1, 1, request, 2);            /* ... but optional */
    const uint32_t junk[] = { 1, 2, 3 };
    tag(&f, 99, 1, junk, 3);
    tag(&f, 7, 1, NULL, 0);               /* EFI boot services, optional */
    finish(&f);
    struct kboot_params p = kf_params();
    struct multiboot2_result r;
    struct wisp_error err = { 0 };
    if (load(&p, &r, &err) != 0)
        fail_msg("%s", err.message);
    assert_int_equal(find_tag(r.info_addr, 8, 0), 0); /* no framebuffer tag asked */
}

static void test_address_tag_and_entry(void **state)
{
    (void)state;
    begin(&f);
    /* Header at file 0x1000 claims physical 0x300000; load from 0x2FF000
     * (file offset 0), 0x2000 bytes of file, bss to 0x303000. */
    const uint32_t addr[] = { 0x300000, 0x2FF000, 0x301000, 0x303000 };
    tag(&f, 2, 0, addr, 4);
    const uint32_t entry[] = { 0x300800 };
    tag(&f, 3, 0, entry, 1);
    finish(&f);
    struct kboot_params p = kf_params();
    struct multiboot2_result r;
    struct wisp_error err = { 0 };
    if (load(&p, &r, &err) != 0)
        fail_msg("%s", err.message);
    assert_int_equal(r.entry, 0x300800);
    assert_int_equal(r.kernel_start, 0x2FF000);
    assert_int_equal(r.kernel_end, 0x303000);
    assert_int_equal(rd32(0x300000), 0xE85250D6);
}

static void test_relocatable_moves_the_image(void **state)
{
    (void)state;
    begin(&f);
    /* Linked at 1 MiB, allowed 8-16 MiB, 2 MiB aligned, highest first. */
    const uint32_t reloc[] = { 0x800000, 0x1000000, 0x200000, 2 };
    tag(&f, 10, 0, reloc, 4);
    finish(&f);
    struct kboot_params p = kf_params();
    struct multiboot2_result r;
    struct wisp_error err = { 0 };
    if (load(&p, &r, &err) != 0)
        fail_msg("%s", err.message);
    assert_int_equal(r.load_base, 0xE00000);
    assert_int_equal(r.entry, 0xE00400);
    assert_int_equal(rd32(find_tag(r.info_addr, 21, 0) + 8), 0xE00000);
    assert_int_equal(rd32(0xE00000 + 0x0), f.bytes[0x1000] | f.bytes[0x1001] << 8 |
                     f.bytes[0x1002] << 16 | (uint32_t)f.bytes[0x1003] << 24);
    /* Lowest preferred: 8 MiB. */
    begin(&f);
    const uint32_t reloc_low[] = { 0x800000, 0x1000000, 0x200000, 1 };
    tag(&f, 10, 0, reloc_low, 4);
    finish(&f);
    assert_int_equal(load(&p, &r, &err), 0);
    assert_int_equal(r.load_base, 0x800000);
}

/* ---- bad headers ---- */

static void test_reject_bad_checksum(void **state)
{
    (void)state;
    kf_put32(&f, HDR + 12, 0);
    expect_fail("Multiboot2 header", "bad checksum");
}

static void test_reject_other_architecture(void **state)
{
    (void)state;
    kf_put32(&f, HDR + 4, 4); /* MIPS */
    kf_put32(&f, HDR + 12, (uint32_t)-(0xE85250D6u + 4 + (uint32_t)(tag_at - HDR)));
    expect_fail("architecture 4");
}

static void test_reject_required_info_tag_wisp_lacks(void **state)
{
    (void)state;
    begin(&f);
    const uint32_t request[] = { 1, 9 };
    tag(&f, 1, 0, request, 2);
    finish(&f);
    expect_fail("requires boot information tag 9 (ELF sections)");
}

static void test_reject_required_efi_and_unknown_tags(void **state)
{
    (void)state;
    begin(&f);
    tag(&f, 7, 0, NULL, 0);
    finish(&f);
    expect_fail("required tag 7 (EFI boot services)");
    begin(&f);
    tag(&f, 42, 0, NULL, 0);
    finish(&f);
    expect_fail("required tag 42 (unknown)");
    begin(&f);
    const uint32_t console[] = { 1 };
    tag(&f, 4, 0, console, 1);
    finish(&f);
    expect_fail("EGA text console");
}

/* Console flags: a required EGA text console boots when the VM has the
 * text screen, and the kernel gets it as framebuffer tag type 2. */
static void test_ega_text_console(void **state)
{
    (void)state;
    begin(&f);
    const uint32_t console[] = { 3 }; /* required, EGA text supported */
    tag(&f, 4, 0, console, 1);
    finish(&f);
    struct kboot_params p = kf_params();
    p.text_mode_available = true;
    struct multiboot2_result r;
    struct wisp_error err = { 0 };
    if (load(&p, &r, &err) != 0)
        fail_msg("%s", err.message);
    uint64_t fb = find_tag(r.info_addr, 8, 0);
    assert_true(fb != 0);
    assert_int_equal(rd64(fb + 8), 0xB8000);
    assert_int_equal(rd32(fb + 16), 160);
    assert_int_equal(rd32(fb + 20), 80);
    assert_int_equal(rd32(fb + 24), 25);
    assert_int_equal(rd8(fb + 28), 16);
    assert_int_equal(rd8(fb + 29), 2);
}

static void test_reject_broken_tags(void **state)
{
    (void)state;
    begin(&f);
    kf_put16(&f, tag_at, 5);
    kf_put32(&f, tag_at + 4, 4096); /* past the header */
    tag_at += 8;
    finish(&f);
    expect_fail("size 4096, outside the header");
    begin(&f);
    const uint32_t fb[] = { 0 };
    tag(&f, 5, 0, fb, 1); /* 12 bytes: too short for a framebuffer tag */
    finish(&f);
    expect_fail("tag 5 is 12 bytes, shorter than its 20");
    /* No end tag within header_length. */
    begin(&f);
    kf_put32(&f, HDR + 8, 24);
    kf_put32(&f, HDR + 12, (uint32_t)-(0xE85250D6u + 24));
    kf_put16(&f, HDR + 16, 6);
    kf_put32(&f, HDR + 20, 8);
    expect_fail("no end tag");
}

static void test_reject_address_tag_outside_ram_or_low(void **state)
{
    (void)state;
    begin(&f);
    const uint32_t addr[] = { 0x9000, 0x8000, 0x9800, 0x9800 };
    tag(&f, 2, 0, addr, 4);
    const uint32_t entry[] = { 0x8800 };
    tag(&f, 3, 0, entry, 1);
    finish(&f);
    expect_fail("overlaps wisp's boot area");
    begin(&f);
    const uint32_t high[] = { 0x10001000, 0x10000000, 0x10001800, 0 };
    tag(&f, 2, 0, high, 4);
    const uint32_t entry2[] = { 0x10000800 };
    tag(&f, 3, 0, entry2, 1);
    finish(&f);
    expect_fail("outside the 64 MiB of guest RAM");
    begin(&f);
    tag(&f, 2, 0, addr, 4); /* address tag without entry tag */
    finish(&f);
    expect_fail("no entry address tag");
}

static void test_reject_relocation_that_cannot_fit(void **state)
{
    (void)state;
    begin(&f);
    const uint32_t reloc[] = { 0x8000000, 0x9000000, 0x1000, 1 }; /* above 64 MiB of RAM */
    tag(&f, 10, 0, reloc, 4);
    finish(&f);
    expect_fail("relocatable tag", "no 8192-byte place");
}

#define T(t) cmocka_unit_test_setup_teardown(t, setup, fx_release)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_boot_information),
        T(test_optional_unknown_tags_are_skipped),
        T(test_address_tag_and_entry),
        T(test_relocatable_moves_the_image),
        T(test_reject_bad_checksum),
        T(test_reject_other_architecture),
        T(test_reject_required_info_tag_wisp_lacks),
        T(test_reject_required_efi_and_unknown_tags),
        T(test_ega_text_console),
        T(test_reject_broken_tags),
        T(test_reject_address_tag_outside_ram_or_low),
        T(test_reject_relocation_that_cannot_fit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
