/*
 * The zero page a bzImage boot leaves at 0x7000, read back at the raw
 * offsets of Documentation/arch/x86/zero-page.rst and boot.rst, and the
 * e820 map in it: sorted, non-overlapping, the EBDA and BIOS area reserved
 * and the VGA hole left out.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "boot/bzimage.h"
#include "boot/linux_layout.h"
#include "linux_boot_fixture.h"

#define ZP LINUX_ZERO_PAGE_ADDR
#define RAM (128 * MiB)

static struct fx_bzimage k;
static struct linux_boot_result r;
static uint8_t *initrd;
static const size_t initrd_size = 1 * MiB + 17;
static const char cmdline[] = "console=ttyS0 root=/dev/ram0";

static void load(const struct linux_boot_params *params)
{
    struct wisp_error err = { 0 };
    struct bzimage_info info;
    uint8_t *f = fx_file(&k);
    assert_non_null(f);
    if (bzimage_parse("bz", f, k.size, &info, &err) != 0 ||
        bzimage_load(&fx_gm, "bz", f, k.size, &info, params, &r, &err) != 0)
        fail_msg("%s", err.message);
    free(f);
}

static int setup(void **state)
{
    (void)state;
    fx_make_bzimage(&k);
    if (fx_make_memory(RAM, 0, 0) < 0)
        return -1;
    /* Junk under the zero page, so every zero below was written. */
    fx_canary(ZP, ZP + 0x1000);
    initrd = malloc(initrd_size);
    if (!initrd)
        return -1;
    memset(initrd, 0x42, initrd_size);
    return 0;
}

static int teardown(void **state)
{
    free(initrd);
    initrd = NULL;
    return fx_release(state);
}

static void load_default(void)
{
    const struct linux_boot_params params = {
        .cmdline = cmdline, .initrd = initrd, .initrd_size = initrd_size,
        .acpi_rsdp = 0xE0000,
    };
    load(&params);
}

static void test_loader_fields(void **state)
{
    (void)state;
    load_default();
    assert_int_equal(rd8(ZP + 0x210), 0xFF);                   /* type_of_loader */
    assert_int_equal(rd8(ZP + 0x211), 0x81);                   /* LOADED_HIGH | CAN_USE_HEAP */
    assert_int_equal(rd16(ZP + 0x224), 0xFE00);                /* heap_end_ptr */
    assert_int_equal(rd8(ZP + 0x226), 0);                      /* ext_loader_ver */
    assert_int_equal(rd8(ZP + 0x227), 0);                      /* ext_loader_type */
    assert_int_equal(rd32(ZP + 0x214), FX_PREF_ADDRESS);       /* code32_start */
    assert_int_equal(rd32(ZP + 0x228), LINUX_CMDLINE_ADDR);    /* cmd_line_ptr */
    assert_int_equal(rd32(ZP + 0x0C8), 0);                     /* ext_cmd_line_ptr */
    assert_int_equal(rd32(ZP + 0x218), r.initrd_addr);         /* ramdisk_image */
    assert_int_equal(rd32(ZP + 0x21C), initrd_size);           /* ramdisk_size */
    assert_int_equal(rd32(ZP + 0x0C0), 0);                     /* ext_ramdisk_image */
    assert_int_equal(rd32(ZP + 0x0C4), 0);                     /* ext_ramdisk_size */
    assert_int_equal(rd64(ZP + 0x070), 0xE0000);               /* acpi_rsdp_addr */
    assert_int_equal(rd32(ZP + 0x23C), 0);                     /* hardware_subarch: PC */
    assert_int_equal(rd64(ZP + 0x250), 0);                     /* setup_data */
    assert_true(r.initrd_addr != 0);
}

static void test_header_copied_from_file(void **state)
{
    (void)state;
    load_default();
    /* Fields the loader leaves alone carry the file's bytes. */
    static const struct { unsigned off, len; } kept[] = {
        { 0x1F1, 1 },  /* setup_sects */
        { 0x1F2, 2 },  /* root_flags */
        { 0x1F4, 4 },  /* syssize */
        { 0x1FA, 2 },  /* vid_mode */
        { 0x1FE, 2 },  /* boot_flag */
        { 0x200, 2 },  /* jump */
        { 0x202, 4 },  /* HdrS */
        { 0x206, 2 },  /* version */
        { 0x20E, 2 },  /* kernel_version */
        { 0x22C, 4 },  /* initrd_addr_max */
        { 0x230, 4 },  /* kernel_alignment */
        { 0x234, 1 },  /* relocatable_kernel */
        { 0x235, 1 },  /* min_alignment */
        { 0x236, 2 },  /* xloadflags */
        { 0x238, 4 },  /* cmdline_size */
        { 0x248, 8 },  /* payload_offset, payload_length */
        { 0x258, 8 },  /* pref_address */
        { 0x260, 4 },  /* init_size */
        { 0x264, 4 },  /* handover_offset */
        { 0x268, 4 },  /* kernel_info_offset */
    };
    for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++)
        for (unsigned b = 0; b < kept[i].len; b++)
            if (rd8(ZP + kept[i].off + b) != k.bytes[kept[i].off + b])
                fail_msg("zero page byte 0x%x differs from the file", kept[i].off + b);
}

static void test_nothing_else_from_file(void **state)
{
    (void)state;
    load_default();
    /* Before the header: zero, the sentinel included (the file has 0xFF
     * there), except the fields the loader sets. */
    for (unsigned off = 0; off < 0x1F1; off++) {
        bool set = (off >= 0x070 && off < 0x078) || off == 0x1E8;
        if (!set && rd8(ZP + off) != 0)
            fail_msg("zero page byte 0x%x is 0x%02x, expected 0", off, rd8(ZP + off));
    }
    assert_int_equal(rd8(ZP + 0x1EF), 0);
    /* After the header's end (0x26C) up to the e820 table: zero, although
     * the file has setup code there. */
    for (unsigned off = 0x26C; off < 0x2D0; off++)
        assert_int_equal(rd8(ZP + off), 0);
    /* After the last e820 entry to the end of the page: zero. */
    unsigned entries = rd8(ZP + 0x1E8);
    for (unsigned off = 0x2D0 + entries * 20; off < 0x1000; off++)
        assert_int_equal(rd8(ZP + off), 0);
}

static void test_short_header_copied_to_its_end_only(void **state)
{
    (void)state;
    /* A 2.10 header ends at 0x264: handover_offset and kernel_info_offset
     * are not part of it and must not be copied. */
    fx_put16(&k, 0x206, 0x020A);
    fx_put8(&k, 0x201, 0x264 - 0x202);
    load_default();
    assert_int_equal(rd32(ZP + 0x260), FX_INIT_SIZE);
    assert_int_equal(rd32(ZP + 0x264), 0);
    assert_int_equal(rd32(ZP + 0x268), 0);
}

/* ---- e820 ---- */

struct e820 {
    uint64_t addr, size;
    uint32_t type;
};

static unsigned read_e820(struct e820 *out, unsigned max)
{
    unsigned n = rd8(ZP + 0x1E8);
    assert_true(n <= max);
    for (unsigned i = 0; i < n; i++) {
        uint64_t at = ZP + 0x2D0 + i * 20ull;
        out[i] = (struct e820){ rd64(at), rd64(at + 8), rd32(at + 16) };
    }
    return n;
}

static void assert_sane_map(const struct e820 *m, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        assert_true(m[i].size > 0);
        assert_true(m[i].type == 1 || m[i].type == 2);
        if (i > 0)
            assert_true(m[i - 1].addr + m[i - 1].size <= m[i].addr); /* sorted, disjoint */
        if (m[i].type == 1) {
            /* No usable RAM in the EBDA, VGA or BIOS ranges. */
            bool below = m[i].addr + m[i].size <= LINUX_EBDA_ADDR;
            bool above = m[i].addr >= 0x100000;
            assert_true(below || above);
        }
    }
}

static void test_e820_single_bank(void **state)
{
    (void)state;
    load_default();
    struct e820 m[128];
    unsigned n = read_e820(m, 128);
    assert_sane_map(m, n);
    const struct e820 want[] = {
        { 0, 0x9FC00, 1 },
        { 0x9FC00, 0x400, 2 },
        { 0xE0000, 0x20000, 2 },
        { 0x100000, RAM - 0x100000, 1 },
        { 0xE0000000, 0x100000, 2 }, /* the PCI ECAM window */
    };
    assert_int_equal(n, 5);
    for (unsigned i = 0; i < n; i++) {
        assert_int_equal(m[i].addr, want[i].addr);
        assert_int_equal(m[i].size, want[i].size);
        assert_int_equal(m[i].type, want[i].type);
    }
    assert_int_equal(r.e820_entries, 5);
    /* Everything the boot placed lies in usable RAM or below the EBDA. */
    assert_true(r.initrd_addr >= 0x100000 && r.initrd_addr + initrd_size <= RAM);
}

static void test_e820_two_banks_and_framebuffer(void **state)
{
    (void)state;
    struct wisp_error err = { 0 };
    assert_int_equal(fx_make_memory(RAM, 4 * GiB, 32 * MiB), 0);
    assert_int_equal(guest_memory_add_bank(&fx_gm, "framebuffer", MEM_BANK_FRAMEBUFFER,
                                           0xC0000000, 16 * MiB, &err), 0);
    load_default();
    struct e820 m[128];
    unsigned n = read_e820(m, 128);
    assert_sane_map(m, n);
    assert_int_equal(n, 6);
    assert_int_equal(m[3].addr, 0x100000);
    assert_int_equal(m[3].size, RAM - 0x100000);
    assert_int_equal(m[4].addr, 0xE0000000u); /* ECAM, reserved */
    assert_int_equal(m[4].type, 2);
    assert_int_equal(m[5].addr, 4 * GiB);
    assert_int_equal(m[5].size, 32 * MiB);
    assert_int_equal(m[5].type, 1);
}

static void test_e820_adjacent_banks_merge(void **state)
{
    (void)state;
    assert_int_equal(fx_make_memory(RAM, RAM, 16 * MiB), 0);
    struct boot_e820_entry map[LINUX_E820_MAX];
    unsigned n = linux_memory_map(&fx_gm, map, LINUX_E820_MAX);
    assert_int_equal(n, 5);
    assert_int_equal(map[3].addr, 0x100000);
    assert_int_equal(map[3].size, RAM + 16 * MiB - 0x100000);
}

static void test_place_high(void **state)
{
    (void)state;
    const struct boot_e820_entry map[] = {
        { 0, 0x9FC00, 1 }, { 0x100000, 0x7F00000, 1 }, { 0x8000000, 0x1000, 2 },
    };
    uint64_t a;
    assert_int_equal(linux_place_high(map, 3, 0x1800, 0x100000, UINT64_MAX, &a), 0);
    assert_int_equal(a, 0x8000000 - 0x2000);
    assert_int_equal(linux_place_high(map, 3, 0x1000, 0x100000, 0x4FFFFFF, &a), 0);
    assert_int_equal(a, 0x4FFF000);
    assert_int_equal(linux_place_high(map, 3, 0x8000000, 0, UINT64_MAX, &a), -1);
    assert_int_equal(linux_place_high(map, 3, 0x1000, 0x7FFF001, UINT64_MAX, &a), -1);
    assert_int_equal(linux_place_high(map, 3, 0, 0, UINT64_MAX, &a), -1);
}

static void test_layout_areas_disjoint(void **state)
{
    (void)state;
    const struct { uint64_t base, end; } areas[] = {
        { LINUX_GDT_ADDR, LINUX_GDT_ADDR + 32 },
        { LINUX_PVH_INFO_ADDR, LINUX_ZERO_PAGE_ADDR },
        { LINUX_ZERO_PAGE_ADDR, LINUX_ZERO_PAGE_ADDR + sizeof(struct boot_params) },
        { LINUX_STACK_TOP - 0x1000, LINUX_STACK_TOP },
        { LINUX_PML4_ADDR, LINUX_PAGE_TABLES_END },
        { LINUX_CMDLINE_ADDR, LINUX_CMDLINE_ADDR + LINUX_CMDLINE_MAX },
        { LINUX_EBDA_ADDR, 0x100000 },
    };
    size_t n = sizeof areas / sizeof areas[0];
    for (size_t i = 0; i < n; i++) {
        assert_true(areas[i].base < areas[i].end);
        if (i + 1 < n)
            assert_true(areas[i].end <= areas[i + 1].base);
    }
    /* wisp's CPUID probe (0xC000-0xCFFF) stays clear of the page tables. */
    assert_true(LINUX_PML4_ADDR >= 0xD000);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_loader_fields),
        T(test_header_copied_from_file),
        T(test_nothing_else_from_file),
        T(test_short_header_copied_to_its_end_only),
        T(test_e820_single_bank),
        T(test_e820_two_banks_and_framebuffer),
        T(test_e820_adjacent_banks_merge),
        T(test_place_high),
        T(test_layout_areas_disjoint),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
