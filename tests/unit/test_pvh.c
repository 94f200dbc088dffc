/*
 * PVH boot: the XEN_ELFNOTE_PHYS32_ENTRY note found, absent or malformed;
 * a vmlinux-like ELF loaded by physical address whatever its virtual
 * addresses; hvm_start_info, its module list and memory map read back at
 * the raw offsets of Xen's start_info.h; the 32-bit entry state. A real
 * Debian vmlinux is loaded too when this machine has one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "boot/linux_entry.h"
#include "boot/linux_layout.h"
#include "boot/pvh.h"
#include "linux_boot_fixture.h"
#include "pvh_elf_fixture.h"

#define RAM (128 * MiB)
#define SI LINUX_PVH_INFO_ADDR

static struct px_elf e;

static int setup(void **state)
{
    (void)state;
    px_make(&e);
    if (fx_make_memory(RAM, 0, 0) < 0)
        return -1;
    fx_canary(0, 0x100000);
    fx_canary(PX_TEXT_PADDR, PX_KERNEL_END);
    return 0;
}

static int find(uint32_t *entry, struct wisp_error *err)
{
    uint8_t *f = px_file(&e);
    assert_non_null(f);
    *entry = 0xEEEEEEEE;
    int rc = pvh_find_entry("vmlinux", f, e.size, entry, err);
    free(f);
    return rc;
}

static int load(const struct linux_boot_params *params, struct pvh_boot_result *r,
                struct wisp_error *err)
{
    uint8_t *f = px_file(&e);
    assert_non_null(f);
    int rc = pvh_load(&fx_gm, "vmlinux", f, e.size, params, r, err);
    free(f);
    return rc;
}

static void assert_untouched(void)
{
    assert_int_equal(fx_canary_break(0, 0x100000), 0x100000);
    assert_int_equal(fx_canary_break(PX_TEXT_PADDR, PX_KERNEL_END), PX_KERNEL_END);
}

/* ---- the note ---- */

static void test_note_found(void **state)
{
    (void)state;
    uint32_t entry;
    struct wisp_error err = { 0 };
    assert_int_equal(find(&entry, &err), 1);
    assert_int_equal(entry, PX_ENTRY);
}

static void test_note_with_8_byte_descriptor(void **state)
{
    (void)state;
    px_make_bare(&e);
    const uint64_t entry64 = PX_ENTRY;
    px_add_note(&e, "Xen", 18, &entry64, 8);
    uint32_t entry;
    struct wisp_error err = { 0 };
    assert_int_equal(find(&entry, &err), 1);
    assert_int_equal(entry, PX_ENTRY);
}

static void test_note_8_bytes_above_4g(void **state)
{
    (void)state;
    px_make_bare(&e);
    const uint64_t entry64 = 0x100001000ull;
    px_add_note(&e, "Xen", 18, &entry64, 8);
    uint32_t entry;
    struct wisp_error err = { 0 };
    assert_int_equal(find(&entry, &err), -1);
    assert_int_equal(err.status, WISP_EXIT_BAD_KERNEL);
    fx_assert_message(&err, "vmlinux", "XEN_ELFNOTE_PHYS32_ENTRY", "0x100001000", "4 GiB");
}

static void test_note_malformed_size(void **state)
{
    (void)state;
    px_make_bare(&e);
    const uint16_t half = 0x1234;
    px_add_note(&e, "Xen", 18, &half, 2);
    uint32_t entry;
    struct wisp_error err = { 0 };
    assert_int_equal(find(&entry, &err), -1);
    fx_assert_message(&err, "vmlinux", "malformed PVH entry note", "2-byte");
}

static void test_note_truncated(void **state)
{
    (void)state;
    /* The last note claims a descriptor running past the segment. */
    Elf64_Phdr ph;
    memcpy(&ph, px_phdr(&e, 3), sizeof ph);
    ph.p_filesz -= 2;
    px_set_phdr(&e, 3, ph);
    uint32_t entry;
    struct wisp_error err = { 0 };
    assert_int_equal(find(&entry, &err), -1);
    fx_assert_message(&err, "vmlinux", "PT_NOTE", "runs past the end");
}

static void test_note_absent(void **state)
{
    (void)state;
    px_make_bare(&e);
    const uint32_t v = PX_ENTRY;
    px_add_note(&e, "Xen", 19, &v, 4);  /* another Xen note */
    px_add_note(&e, "Xem", 18, &v, 4);  /* right type, wrong owner */
    px_add_note(&e, "Xenn", 18, &v, 4); /* owner with "Xen" as a prefix */
    uint32_t entry;
    struct wisp_error err = { 0 };
    assert_int_equal(find(&entry, &err), 0);
    assert_int_equal(entry, 0xEEEEEEEE);

    struct pvh_boot_result r;
    const struct linux_boot_params params = { 0 };
    assert_int_equal(load(&params, &r, &err), -1);
    assert_int_equal(err.status, WISP_EXIT_BAD_KERNEL);
    fx_assert_message(&err, "vmlinux", "no PVH entry note", "CONFIG_PVH");
    assert_untouched();
}

static void test_not_elf(void **state)
{
    (void)state;
    memcpy(e.bytes, "MZ\0\0", 4);
    uint32_t entry;
    struct wisp_error err = { 0 };
    assert_int_equal(find(&entry, &err), -1);
    fx_assert_message(&err, "vmlinux", "not an ELF file");
}

/* ---- loading ---- */

static void test_load_full(void **state)
{
    (void)state;
    size_t initrd_size = 2 * MiB + 5;
    uint8_t *initrd = malloc(initrd_size);
    assert_non_null(initrd);
    for (size_t i = 0; i < initrd_size; i++)
        initrd[i] = (uint8_t)(i * 3);
    const char *cmdline = "console=ttyS0 quiet";
    const struct linux_boot_params params = {
        .cmdline = cmdline, .initrd = initrd, .initrd_size = initrd_size,
        .initrd_path = "/boot/initrd.img", .acpi_rsdp = 0xF0000,
    };
    struct pvh_boot_result r;
    struct wisp_error err = { 0 };
    if (load(&params, &r, &err) != 0)
        fail_msg("%s", err.message);

    /* Segments by physical address, bss zeroed. */
    for (size_t i = 0; i < PX_TEXT_SIZE; i++)
        assert_int_equal(rd8(PX_TEXT_PADDR + i), px_text_byte(i));
    for (size_t i = 0; i < PX_DATA_FILE; i++)
        assert_int_equal(rd8(PX_DATA_PADDR + i), px_data_byte(i));
    for (size_t i = PX_DATA_FILE; i < PX_DATA_MEM; i++)
        assert_int_equal(rd8(PX_DATA_PADDR + i), 0);
    assert_int_equal(rd8(PX_PCPU_PADDR), 0x77);
    assert_int_equal(r.entry, PX_ENTRY);
    assert_int_equal(r.kernel.phys_start, PX_TEXT_PADDR);
    assert_int_equal(r.kernel.phys_end, PX_KERNEL_END);

    /* hvm_start_info at its raw offsets. */
    assert_int_equal(r.start_info, SI);
    assert_int_equal(rd32(SI + 0x00), 0x336ec578);
    assert_int_equal(rd32(SI + 0x04), 1);
    assert_int_equal(rd32(SI + 0x08), 0);
    assert_int_equal(rd32(SI + 0x0C), 1);
    uint64_t modlist = rd64(SI + 0x10);
    assert_int_equal(modlist, LINUX_PVH_MODLIST_ADDR);
    uint64_t cmd = rd64(SI + 0x18);
    assert_memory_equal(guest_memory_ptr(&fx_gm, cmd, strlen(cmdline) + 1), cmdline,
                        strlen(cmdline) + 1);
    assert_int_equal(rd64(SI + 0x20), 0xF0000);
    uint64_t memmap = rd64(SI + 0x28);
    uint32_t entries = rd32(SI + 0x30);
    assert_int_equal(rd32(SI + 0x34), 0);

    /* The module: the initrd, its command line the file's name. */
    uint64_t maddr = rd64(modlist), msize = rd64(modlist + 8);
    assert_int_equal(maddr, r.initrd_addr);
    assert_int_equal(msize, initrd_size);
    assert_int_equal(rd64(modlist + 0x18), 0);
    const char *mcmd = guest_memory_ptr(&fx_gm, rd64(modlist + 0x10), 11);
    assert_non_null(mcmd);
    assert_string_equal(mcmd, "initrd.img");
    assert_int_equal(maddr & 0xFFF, 0);
    assert_true(maddr >= PX_KERNEL_END);
    assert_true(maddr + msize <= RAM);
    assert_true(maddr + msize > RAM - 0x1000);
    assert_memory_equal(guest_memory_ptr(&fx_gm, maddr, msize), initrd, msize);

    /* The memory map: the e820 map of the guest, 24-byte entries. */
    struct boot_e820_entry want[LINUX_E820_MAX];
    unsigned n = linux_memory_map(&fx_gm, want, LINUX_E820_MAX);
    assert_int_equal(entries, n);
    assert_int_equal(r.memmap_entries, n);
    assert_int_equal(n, 5); /* ... and the PCI ECAM window */
    for (unsigned i = 0; i < n; i++) {
        uint64_t at = memmap + i * 24ull;
        assert_int_equal(rd64(at), want[i].addr);
        assert_int_equal(rd64(at + 8), want[i].size);
        assert_int_equal(rd32(at + 16), want[i].type);
        assert_int_equal(rd32(at + 20), 0);
    }
    assert_int_equal(rd64(memmap + 3 * 24), 0x100000);
    assert_int_equal(rd32(memmap + 1 * 24 + 16), XEN_HVM_MEMMAP_TYPE_RESERVED);
    free(initrd);
}

static void test_load_without_initrd(void **state)
{
    (void)state;
    const struct linux_boot_params params = { .cmdline = NULL };
    struct pvh_boot_result r;
    struct wisp_error err = { 0 };
    assert_int_equal(load(&params, &r, &err), 0);
    assert_int_equal(rd32(SI + 0x0C), 0);
    assert_int_equal(rd64(SI + 0x10), 0);
    assert_int_equal(rd8(rd64(SI + 0x18)), 0); /* empty command line */
    assert_int_equal(r.initrd_addr, 0);
    /* No module written. */
    assert_int_equal(fx_canary_break(LINUX_PVH_MODLIST_ADDR, LINUX_PVH_MEMMAP_ADDR),
                     LINUX_PVH_MEMMAP_ADDR);
}

static void test_reject_initrd_that_does_not_fit(void **state)
{
    (void)state;
    size_t size = 120 * MiB;
    uint8_t *initrd = calloc(1, size);
    assert_non_null(initrd);
    const struct linux_boot_params params = {
        .initrd = initrd, .initrd_size = size, .initrd_path = "huge.cpio",
    };
    struct pvh_boot_result r;
    struct wisp_error err = { 0 };
    assert_int_equal(load(&params, &r, &err), -1);
    free(initrd);
    assert_int_equal(err.status, WISP_EXIT_USAGE);
    fx_assert_message(&err, "huge.cpio", "initrd of 120 MiB does not fit", "0x1401000",
                      "-m");
    assert_untouched();
}

static void test_reject_entry_outside_code(void **state)
{
    (void)state;
    px_make_bare(&e);
    const uint32_t entry = (uint32_t)PX_DATA_PADDR + 0x10;
    px_add_note(&e, "Xen", 18, &entry, 4);
    const struct linux_boot_params params = { 0 };
    struct pvh_boot_result r;
    struct wisp_error err = { 0 };
    assert_int_equal(load(&params, &r, &err), -1);
    assert_int_equal(err.status, WISP_EXIT_BAD_KERNEL);
    fx_assert_message(&err, "vmlinux", "PVH entry 0x1200010", "executable");
    assert_untouched();
}

static void test_reject_kernel_below_1mib(void **state)
{
    (void)state;
    Elf64_Phdr ph;
    memcpy(&ph, px_phdr(&e, 2), sizeof ph);
    ph.p_paddr = 0x80000;
    px_set_phdr(&e, 2, ph);
    const struct linux_boot_params params = { 0 };
    struct pvh_boot_result r;
    struct wisp_error err = { 0 };
    assert_int_equal(load(&params, &r, &err), -1);
    fx_assert_message(&err, "vmlinux", "overlaps the boot area below 0x100000");
    assert_untouched();
}

static void test_reject_kernel_beyond_ram(void **state)
{
    (void)state;
    assert_int_equal(fx_make_memory(16 * MiB, 0, 0), 0);
    const struct linux_boot_params params = { 0 };
    struct pvh_boot_result r;
    struct wisp_error err = { 0 };
    assert_int_equal(load(&params, &r, &err), -1);
    fx_assert_message(&err, "vmlinux", "outside the 16 MiB of guest RAM", "-m");
}

static void test_reject_long_cmdline(void **state)
{
    (void)state;
    char *cmdline = malloc(LINUX_CMDLINE_MAX + 1);
    assert_non_null(cmdline);
    memset(cmdline, 'y', LINUX_CMDLINE_MAX);
    cmdline[LINUX_CMDLINE_MAX] = '\0';
    const struct linux_boot_params params = { .cmdline = cmdline };
    struct pvh_boot_result r;
    struct wisp_error err = { 0 };
    assert_int_equal(load(&params, &r, &err), -1);
    free(cmdline);
    assert_int_equal(err.status, WISP_EXIT_USAGE);
    fx_assert_message(&err, "vmlinux", "command line of 65536 bytes", "65535");
    assert_untouched();
}

/* ---- entry state ---- */

static void test_entry_state(void **state)
{
    (void)state;
    const struct linux_boot_params params = { .cmdline = "x" };
    struct pvh_boot_result r;
    struct wisp_error err = { 0 };
    assert_int_equal(load(&params, &r, &err), 0);
    struct accel_regs regs;
    struct accel_sregs sregs;
    memset(&regs, 0xEE, sizeof regs);
    memset(&sregs, 0xEE, sizeof sregs);
    sregs.apic_base = 0xFEE00900;
    assert_int_equal(pvh_entry_prepare(&fx_gm, &r, &regs, &sregs, &err), 0);

    assert_int_equal(regs.rip, PX_ENTRY);
    assert_int_equal(regs.rbx, SI);
    assert_int_equal(regs.rflags, 0x2); /* IF, TF, VM clear */
    assert_int_equal(sregs.cr0, 0x11);  /* PE (and the fixed ET); nothing else */
    assert_int_equal(sregs.cr4, 0);
    assert_int_equal(sregs.efer, 0);
    assert_int_equal(sregs.apic_base, 0xFEE00900);
    /* CS: 32-bit read/execute, base 0, limit 4 GiB; DS/ES/SS read/write. */
    assert_int_equal(sregs.cs.base, 0);
    assert_int_equal(sregs.cs.limit, 0xFFFFFFFF);
    assert_int_equal(ACCEL_SEG_TYPE(sregs.cs.attributes) & 0xA, 0xA);
    assert_true(sregs.cs.attributes & ACCEL_SEG_DB);
    assert_false(sregs.cs.attributes & ACCEL_SEG_LONG);
    const struct accel_segment *data[] = { &sregs.ds, &sregs.es, &sregs.ss };
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(data[i]->base, 0);
        assert_int_equal(data[i]->limit, 0xFFFFFFFF);
        assert_int_equal(ACCEL_SEG_TYPE(data[i]->attributes) & 0xA, 0x2);
        assert_true(data[i]->attributes & ACCEL_SEG_DB);
    }
    /* TR: an active (busy) 32-bit TSS, base 0, limit 0x67. */
    assert_int_equal(sregs.tr.base, 0);
    assert_int_equal(sregs.tr.limit, 0x67);
    assert_int_equal(ACCEL_SEG_TYPE(sregs.tr.attributes), 0xB);
    /* The GDT the selectors name is in guest memory. */
    assert_int_equal(sregs.gdt.base, LINUX_GDT_ADDR);
    assert_int_equal(rd64(LINUX_GDT_ADDR + sregs.cs.selector), 0x00CF9B000000FFFFull);
    assert_int_equal(rd64(LINUX_GDT_ADDR + sregs.ds.selector), 0x00CF93000000FFFFull);
}

/* ---- a real kernel ---- */

static void test_real_vmlinux(void **state)
{
    (void)state;
    static const char *const candidates[] = {
        "/tmp/wisp-linux/vmlinux", "~/.cache/wisp/nested-kvm/vmlinux", NULL,
    };
    const char *path = fx_real_file("WISP_TEST_VMLINUX", candidates);
    if (!path) {
        print_message("no real vmlinux (set WISP_TEST_VMLINUX, or run the nested-KVM "
                      "runner once to cache Debian's): skipped\n");
        skip();
    }
    size_t size;
    uint8_t *file = fx_read_real_file(path, &size);
    struct wisp_error err = { 0 };
    uint32_t entry;
    int found = pvh_find_entry(path, file, size, &entry, &err);
    if (found < 0)
        fail_msg("%s", err.message);
    if (found == 0) {
        free(file);
        print_message("%s has no PVH note (CONFIG_PVH off): skipped\n", path);
        skip();
    }
    assert_int_equal(fx_make_memory(256 * MiB, 0, 0), 0);
    const struct linux_boot_params params = { .cmdline = "console=ttyS0" };
    struct pvh_boot_result r;
    if (pvh_load(&fx_gm, path, file, size, &params, &r, &err) != 0)
        fail_msg("%s", err.message);
    print_message("%s: PVH entry 0x%x, %u segments at 0x%llx-0x%llx\n", path, r.entry,
                  r.kernel.segment_count, (unsigned long long)r.kernel.phys_start,
                  (unsigned long long)r.kernel.phys_end);
    assert_int_equal(r.entry, entry);
    assert_true(r.kernel.phys_start >= 0x100000);
    assert_int_equal(rd32(SI), 0x336ec578);
    free(file);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, fx_release)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_note_found),
        T(test_note_with_8_byte_descriptor),
        T(test_note_8_bytes_above_4g),
        T(test_note_malformed_size),
        T(test_note_truncated),
        T(test_note_absent),
        T(test_not_elf),
        T(test_load_full),
        T(test_load_without_initrd),
        T(test_reject_initrd_that_does_not_fit),
        T(test_reject_entry_outside_code),
        T(test_reject_kernel_below_1mib),
        T(test_reject_kernel_beyond_ram),
        T(test_reject_long_cmdline),
        T(test_entry_state),
        T(test_real_vmlinux),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
