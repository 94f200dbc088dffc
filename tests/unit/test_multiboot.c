/*
 * Multiboot 1: the header found and checked (checksum, required flags,
 * truncation), an ELF32 kernel, the same linked in the higher half, an
 * ELF64 with a 32-bit entry, and a flat binary through the a.out kludge;
 * the information structure read back at the specification's offsets
 * (memory, command line, modules, memory map, loader name, framebuffer);
 * the entry state; and every bad header or layout refused with one line
 * naming the file and the problem (status 121).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <wisp/guest.h>

#include "boot/linux_entry.h"
#include "boot/multiboot.h"
#include "kboot_fixture.h"

#define RAM (64 * MiB)
#define HDR 0x1000 /* file offset of the header: the segment's start */

static struct kf f;

static void header(struct kf *k, size_t off, uint32_t flags)
{
    kf_put32(k, off, 0x1BADB002);
    kf_put32(k, off + 4, flags);
    kf_put32(k, off + 8, (uint32_t)-(0x1BADB002u + flags));
}

static int setup(void **state)
{
    (void)state;
    kf_elf32(&f, 0x100000, 0x100000, 0x2000, 0x3000, 0x40);
    header(&f, HDR, 0x7); /* page align, memory info, video mode */
    kf_put32(&f, HDR + 32, 0);  /* linear */
    kf_put32(&f, HDR + 44, 32); /* depth */
    return fx_make_memory(RAM, 0, 0);
}

static int load(const struct kboot_params *p, struct multiboot_result *r, struct wisp_error *err)
{
    uint8_t *file = kf_file(&f);
    assert_non_null(file);
    int rc = multiboot_load(&fx_gm, "mb.elf", file, f.size, p, r, err);
    free(file);
    return rc;
}

#define expect_fail(...)                                                        \
    do {                                                                        \
        struct kboot_params p_ = kf_params();                                   \
        struct multiboot_result r_;                                             \
        struct wisp_error err_ = { 0 };                                         \
        assert_int_equal(load(&p_, &r_, &err_), -1);                            \
        assert_int_equal(err_.status, WISP_EXIT_BAD_KERNEL);                    \
        fx_assert_message(&err_, "mb.elf", __VA_ARGS__);                        \
    } while (0)

static void test_find_header(void **state)
{
    (void)state;
    size_t off = 0;
    assert_int_equal(multiboot_find_header(f.bytes, f.size, &off), 1);
    assert_int_equal(off, HDR);
    /* Past 8 KiB, or misaligned, it does not count. */
    struct kf g;
    memset(&g, 0, sizeof g);
    header(&g, 8192, 0);
    assert_int_equal(multiboot_find_header(g.bytes, 8192 + 12, &off), 0);
    memset(&g, 0, sizeof g);
    header(&g, 6, 0);
    assert_int_equal(multiboot_find_header(g.bytes, 64, &off), 0);
}

static void test_elf32_info_structure(void **state)
{
    (void)state;
    struct kboot_params p = kf_params();
    struct multiboot_result r;
    struct wisp_error err = { 0 };
    if (load(&p, &r, &err) != 0)
        fail_msg("%s", err.message);
    assert_int_equal(r.entry, 0x100040);
    assert_int_equal(r.kernel_start, 0x100000);
    assert_int_equal(r.kernel_end, 0x103000);
    assert_int_equal(rd8(0x100000 + 0x1000 - 0x1000 + 12), f.bytes[0x1000 + 12]);
    assert_int_equal(rd8(0x102000), 0); /* bss zeroed */

    uint64_t mbi = r.info_addr;
    assert_true(mbi >= KBOOT_INFO_AREA_BASE && mbi < KBOOT_INFO_AREA_END);
    uint32_t flags = rd32(mbi);
    assert_int_equal(flags, (1u << 0) | (1u << 2) | (1u << 3) | (1u << 6) | (1u << 9) | (1u << 12));
    assert_int_equal(rd32(mbi + 4), 639);
    assert_int_equal(rd32(mbi + 8), (RAM - MiB) >> 10);
    assert_string_equal(rdstr(rd32(mbi + 16)), "console=com1 quiet");
    assert_string_equal(rdstr(rd32(mbi + 64)), "wisp");

    /* Modules: page-aligned after the kernel, bytes and strings. */
    assert_int_equal(rd32(mbi + 20), 2);
    uint64_t mods = rd32(mbi + 24);
    uint32_t m0 = rd32(mods), m0_end = rd32(mods + 4), m1 = rd32(mods + 16);
    assert_int_equal(m0, 0x103000);
    assert_int_equal(m0_end - m0, sizeof kf_mod0);
    assert_memory_equal(guest_memory_ptr(&fx_gm, m0, sizeof kf_mod0), kf_mod0, sizeof kf_mod0);
    assert_int_equal(m1 & 0xFFF, 0);
    assert_true(m1 >= m0_end);
    assert_int_equal(rd32(mods + 20) - m1, sizeof kf_mod1);
    assert_memory_equal(guest_memory_ptr(&fx_gm, m1, sizeof kf_mod1), kf_mod1, sizeof kf_mod1);
    assert_string_equal(rdstr(rd32(mods + 8)), "initrd.img");
    assert_string_equal(rdstr(rd32(mods + 24)), "data.bin arg=1 two");

    /* Memory map: size fields of 20, RAM to the -m size, PCI's ECAM window
     * reserved. */
    uint32_t len = rd32(mbi + 44), at = rd32(mbi + 48);
    assert_int_equal(len, 5 * 24);
    uint64_t expect[5][3] = { { 0, 0x9FC00, 1 }, { 0x9FC00, 0x400, 2 }, { 0xE0000, 0x20000, 2 },
                              { 0x100000, RAM - 0x100000, 1 },
                              { WISP_PCI_ECAM_BASE, WISP_PCI_ECAM_SIZE, 2 } };
    for (unsigned i = 0; i < 5; i++) {
        assert_int_equal(rd32(at + 24 * i), 20);
        assert_int_equal(rd64(at + 24 * i + 4), expect[i][0]);
        assert_int_equal(rd64(at + 24 * i + 12), expect[i][1]);
        assert_int_equal(rd32(at + 24 * i + 20), expect[i][2]);
    }

    /* Framebuffer: RGB at the platform's address, BGRA8 field positions. */
    assert_int_equal(rd64(mbi + 88), 0xC0000000u);
    assert_int_equal(rd32(mbi + 96), 3200);
    assert_int_equal(rd32(mbi + 100), 800);
    assert_int_equal(rd32(mbi + 104), 600);
    assert_int_equal(rd8(mbi + 108), 32);
    assert_int_equal(rd8(mbi + 109), 1);
    assert_int_equal(rd8(mbi + 110), 16);
    assert_int_equal(rd8(mbi + 112), 8);
    assert_int_equal(rd8(mbi + 114), 0);
}

static void test_no_framebuffer_unless_asked(void **state)
{
    (void)state;
    header(&f, HDR, 0x3);
    struct kboot_params p = kf_params();
    struct multiboot_result r;
    struct wisp_error err = { 0 };
    assert_int_equal(load(&p, &r, &err), 0);
    assert_int_equal(rd32(r.info_addr) & (1u << 12), 0);
}

/* A header asking for EGA text (mode type 1) gets framebuffer type 2 at
 * 0xB8000 when the VM has the text screen, the linear one when not. */
static void test_ega_text_when_the_text_screen_exists(void **state)
{
    (void)state;
    kf_put32(&f, HDR + 32, 1);  /* EGA text */
    kf_put32(&f, HDR + 36, 80);
    kf_put32(&f, HDR + 40, 25);
    kf_put32(&f, HDR + 44, 0);
    struct kboot_params p = kf_params();
    p.text_mode_available = true;
    struct multiboot_result r;
    struct wisp_error err = { 0 };
    assert_int_equal(load(&p, &r, &err), 0);
    uint64_t mbi = r.info_addr;
    assert_true(rd32(mbi) & (1u << 12));
    assert_int_equal(rd64(mbi + 88), 0xB8000);
    assert_int_equal(rd32(mbi + 96), 160);
    assert_int_equal(rd32(mbi + 100), 80);
    assert_int_equal(rd32(mbi + 104), 25);
    assert_int_equal(rd8(mbi + 108), 16);
    assert_int_equal(rd8(mbi + 109), 2);

    p.text_mode_available = false;
    assert_int_equal(load(&p, &r, &err), 0);
    assert_int_equal(rd8(r.info_addr + 109), 1);
    assert_int_equal(rd64(r.info_addr + 88), 0xC0000000u);
}

static void test_higher_half_entry_moves_to_physical(void **state)
{
    (void)state;
    kf_elf32(&f, 0xC0100000u, 0x100000, 0x2000, 0x2000, 0x80);
    header(&f, HDR, 0x2);
    struct kboot_params p = kf_params();
    struct multiboot_result r;
    struct wisp_error err = { 0 };
    if (load(&p, &r, &err) != 0)
        fail_msg("%s", err.message);
    assert_int_equal(r.entry, 0x100080);
}

static void test_elf64_with_32bit_entry(void **state)
{
    (void)state;
    uint64_t va[1] = { 0x200000 }, pa[1] = { 0x200000 };
    kf_elf64(&f, va, pa, 1, 0x200100);
    header(&f, 0x1000, 0x2);
    struct kboot_params p = kf_params();
    struct multiboot_result r;
    struct wisp_error err = { 0 };
    if (load(&p, &r, &err) != 0)
        fail_msg("%s", err.message);
    assert_int_equal(r.entry, 0x200100);
    assert_int_equal(rd32(0x200000), 0x1BADB002);
}

static void test_aout_kludge_flat_binary(void **state)
{
    (void)state;
    memset(&f, 0, sizeof f);
    for (size_t i = 0; i < 0x3000; i++)
        f.bytes[i] = (uint8_t)(i * 3);
    /* The header 0x200 bytes into a file loaded at 2 MiB: header_addr
     * 0x200200; load to 0x202000, bss to 0x205000, entry 0x200400. */
    header(&f, 0x200, 0x10002);
    kf_put32(&f, 0x20C, 0x200200);
    kf_put32(&f, 0x210, 0x200000);
    kf_put32(&f, 0x214, 0x202000);
    kf_put32(&f, 0x218, 0x205000);
    kf_put32(&f, 0x21C, 0x200400);
    f.size = 0x3000;
    struct kboot_params p = kf_params();
    struct multiboot_result r;
    struct wisp_error err = { 0 };
    if (load(&p, &r, &err) != 0)
        fail_msg("%s", err.message);
    assert_int_equal(r.entry, 0x200400);
    assert_int_equal(r.kernel_end, 0x205000);
    assert_memory_equal(guest_memory_ptr(&fx_gm, 0x200000, 0x2000), f.bytes, 0x2000);
    assert_int_equal(rd8(0x202000), 0); /* not the file's byte: bss */
    /* load_end_addr 0: the rest of the file. */
    kf_put32(&f, 0x214, 0);
    kf_put32(&f, 0x218, 0);
    assert_int_equal(load(&p, &r, &err), 0);
    assert_int_equal(r.kernel_end, 0x203000);
}

static void test_entry_state(void **state)
{
    (void)state;
    struct accel_regs regs;
    struct accel_sregs sregs;
    memset(&sregs, 0, sizeof sregs);
    sregs.apic_base = 0xFEE00900;
    struct wisp_error err = { 0 };
    assert_int_equal(multiboot_entry_state(&fx_gm, 0x100040, MULTIBOOT_BOOTLOADER_MAGIC, 0x10000,
                                           &regs, &sregs, &err), 0);
    assert_int_equal(regs.rax, 0x2BADB002);
    assert_int_equal(regs.rbx, 0x10000);
    assert_int_equal(regs.rip, 0x100040);
    assert_int_equal(regs.rflags & (1u << 9), 0);
    assert_int_equal(sregs.cr0 & 0x80000001u, 1); /* PE, no PG */
    assert_int_equal(sregs.efer, 0);
    assert_int_equal(sregs.cs.attributes & ACCEL_SEG_DB, ACCEL_SEG_DB);
    assert_int_equal(sregs.cs.limit, 0xFFFFFFFFu);
    assert_int_equal(sregs.apic_base, 0xFEE00900);
}

static void test_bios_leftovers(void **state)
{
    (void)state;
    kboot_write_bios_data_area(&fx_gm);
    assert_int_equal(rd16(0x400), 0x3F8);  /* COM1 */
    assert_int_equal(rd16(0x40E), 0x9FC0); /* EBDA segment */
    assert_int_equal(rd16(0x413), 639);    /* base memory, KiB */
    assert_int_equal(rd16(0x9FC00), 1);    /* the EBDA's size, KiB */
    /* INT 10h (video) and INT 13h (disk): "unsupported" with CF set. */
    for (unsigned v = 0; v < 256; v++)
        assert_int_equal(rd16(4 * v + 2), 0xF000);
    uint64_t int10 = 0xF0000 + rd16(4 * 0x10), int13 = 0xF0000 + rd16(4 * 0x13);
    assert_int_equal(int10, KBOOT_BIOS_STUBS);
    assert_int_equal(int13, KBOOT_BIOS_STUBS);
    assert_int_equal(rd8(int10), 0xB4);     /* mov ah, 0x86 */
    assert_int_equal(rd8(int10 + 1), 0x86);
    assert_int_equal(rd8(int10 + 2), 0xF9); /* stc */
    assert_int_equal(rd8(int10 + 3), 0xCA); /* retf 2 */
    /* The timer's and the RTC's vectors just return. */
    assert_int_equal(rd8(0xF0000 + rd16(4 * 0x08)), 0xCF);
    assert_int_equal(rd8(0xF0000 + rd16(4 * 0x70)), 0xCF);
}

/* ---- bad headers and layouts ---- */

static void test_reject_bad_checksum(void **state)
{
    (void)state;
    kf_put32(&f, HDR + 8, 0x12345678);
    expect_fail("bad checksum", "must be 0");
}

static void test_reject_unknown_required_flag(void **state)
{
    (void)state;
    header(&f, HDR, 0x7 | (1u << 5));
    expect_fail("requires feature flag", "0x0020");
    /* Unknown optional flags (16-31) are fine. */
    header(&f, HDR, 0x3 | (1u << 20));
    struct kboot_params p = kf_params();
    struct multiboot_result r;
    struct wisp_error err = { 0 };
    assert_int_equal(load(&p, &r, &err), 0);
}

static void test_reject_no_header(void **state)
{
    (void)state;
    memset(f.bytes + HDR, 0, 12);
    expect_fail("no Multiboot header");
}

static void test_reject_truncated_header(void **state)
{
    (void)state;
    memset(&f, 0, sizeof f);
    header(&f, 16, 0x10000);
    f.size = 32; /* the address fields would run to 48 */
    expect_fail("truncated Multiboot header");
}

static void test_reject_kernel_below_1mib(void **state)
{
    (void)state;
    kf_elf32(&f, 0x8000, 0x8000, 0x2000, 0x2000, 0x40);
    header(&f, HDR, 0x2);
    expect_fail("segment 0", "overlaps wisp's boot area", "0x100000");
}

static void test_reject_kernel_outside_ram(void **state)
{
    (void)state;
    kf_elf32(&f, 0x7FFF000, 0x7FFF000, 0x2000, 0x2000, 0x40);
    header(&f, HDR, 0x2);
    expect_fail("outside the 64 MiB of guest RAM");
    kf_elf32(&f, 0xC0000000u, 0xC0000000u, 0x2000, 0x2000, 0x40);
    header(&f, HDR, 0x2);
    expect_fail("outside");
}

static void test_reject_entry_outside_image(void **state)
{
    (void)state;
    kf_put32(&f, 24, 0x900000);
    expect_fail("entry point 0x900000");
}

static void test_reject_bad_aout_fields(void **state)
{
    (void)state;
    memset(&f, 0, sizeof f);
    header(&f, 0, 0x10002);
    kf_put32(&f, 12, 0x100000); /* header_addr */
    kf_put32(&f, 16, 0x100100); /* load_addr above it */
    kf_put32(&f, 28, 0x100040);
    f.size = 0x1000;
    expect_fail("load_addr 0x100100 lies above header_addr");
    kf_put32(&f, 16, 0x0F0000); /* would start 64 KiB before the file */
    expect_fail("before the file");
    kf_put32(&f, 16, 0x100000);
    kf_put32(&f, 20, 0x200000); /* load_end far past the file */
    expect_fail("load_end_addr", "the file has");
    kf_put32(&f, 20, 0x100800);
    kf_put32(&f, 24, 0x100400); /* bss_end inside the loaded bytes */
    expect_fail("bss_end_addr 0x100400");
}

static void test_reject_module_that_does_not_fit(void **state)
{
    (void)state;
    static uint8_t big[1];
    struct kboot_module huge[1] = { { "huge.img", NULL, big, RAM } };
    struct kboot_params p = kf_params();
    p.modules = huge;
    p.module_count = 1;
    struct multiboot_result r;
    struct wisp_error err = { 0 };
    assert_int_equal(load(&p, &r, &err), -1);
    assert_int_equal(err.status, WISP_EXIT_BAD_KERNEL);
    fx_assert_message(&err, "huge.img", "module of 64 MiB does not fit", "try a larger -m");
}

static void test_reject_elf_for_another_machine(void **state)
{
    (void)state;
    kf_put16(&f, 18, 40); /* ARM */
    expect_fail("machine 40");
}

#define T(t) cmocka_unit_test_setup_teardown(t, setup, fx_release)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_find_header),
        T(test_elf32_info_structure),
        T(test_no_framebuffer_unless_asked),
        T(test_ega_text_when_the_text_screen_exists),
        T(test_higher_half_entry_moves_to_physical),
        T(test_elf64_with_32bit_entry),
        T(test_aout_kludge_flat_binary),
        T(test_entry_state),
        T(test_bios_leftovers),
        T(test_reject_bad_checksum),
        T(test_reject_unknown_required_flag),
        T(test_reject_no_header),
        T(test_reject_truncated_header),
        T(test_reject_kernel_below_1mib),
        T(test_reject_kernel_outside_ram),
        T(test_reject_entry_outside_image),
        T(test_reject_bad_aout_fields),
        T(test_reject_module_that_does_not_fit),
        T(test_reject_elf_for_another_machine),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
