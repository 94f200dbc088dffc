/*
 * The Limine boot protocol: requests found by their IDs in the loaded
 * image (between the markers when they are there), each answer read back
 * through the HHDM pointer written into the request; the base revision
 * handshake for revisions 0-3 and an unsupported 4; the page tables
 * walked by hand (kernel at its virtual address, HHDM, the identity map of
 * revision 0 only); the entry state; the memory map's promises; and bad
 * kernels refused with one line (121).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "boot/acpi_tables.h"
#include "boot/limine.h"
#include "kboot_fixture.h"

#define RAM (64 * MiB)
#define KVA 0xFFFFFFFF80000000ull
#define HHDM 0xFFFF800000000000ull
#define DATA 0x2000 /* file offset of the data segment: the requests */

static struct kf f;
static size_t req_at;

enum { R_INFO, R_HHDM, R_MEMMAP, R_FB, R_MODULE, R_RSDP, R_SMP, R_ADDR, R_PAGING, R_ENTRY,
       R_STACK, R_TIME, R_FIRMWARE, R_CMDLINE, R_KFILE, R_COUNT };
static const uint64_t ids[R_COUNT][2] = {
    [R_INFO] = { 0xf55038d8e2a1202full, 0x279426fcf5f59740ull },
    [R_HHDM] = { 0x48dcf1cb8ad2b852ull, 0x63984e959a98244bull },
    [R_MEMMAP] = { 0x67cf3d9d378a806full, 0xe304acdfc50c3c62ull },
    [R_FB] = { 0x9d5827dcd881dd75ull, 0xa3148604f6fab11bull },
    [R_MODULE] = { 0x3e7e279702be32afull, 0xca1c4f3bd1280ceeull },
    [R_RSDP] = { 0xc5e77b6b397e7b43ull, 0x27637845accdcf3cull },
    [R_SMP] = { 0x95a67b819a1b857eull, 0xa0b61b723b6a73e0ull },
    [R_ADDR] = { 0x71ba76863cc55f63ull, 0xb2644a48c516a487ull },
    [R_PAGING] = { 0x95c1a0edab0944cbull, 0xa4e5cb3842f7488aull },
    [R_ENTRY] = { 0x13d86c035a1cd3e1ull, 0x2b0caa89d8f3026aull },
    [R_STACK] = { 0x224ef0460a8e8926ull, 0xe1cb0fc25f46ea3dull },
    [R_TIME] = { 0x502746e184c088aaull, 0xfbc5ec83e6327893ull },
    [R_FIRMWARE] = { 0x8c2f75d90bef28a8ull, 0x7045a4688eac00c3ull },
    [R_CMDLINE] = { 0x4b161536e598651eull, 0xb390ad4a2f1f303aull },
    [R_KFILE] = { 0xad97e90e83f1ed67ull, 0x31eb5d1c5ff23b69ull },
};
static size_t where[R_COUNT]; /* file offset of each request */

static void put_request(unsigned r, uint64_t revision, uint64_t a0, uint64_t a1, uint64_t a2)
{
    size_t at = req_at;
    kf_put64(&f, at, 0xc7b1dd30df4c8b88ull);
    kf_put64(&f, at + 8, 0x0a82e883a194f07bull);
    kf_put64(&f, at + 16, ids[r][0]);
    kf_put64(&f, at + 24, ids[r][1]);
    kf_put64(&f, at + 32, revision);
    kf_put64(&f, at + 40, 0);
    kf_put64(&f, at + 48, a0);
    kf_put64(&f, at + 56, a1);
    kf_put64(&f, at + 64, a2);
    where[r] = at;
    req_at += 72;
}

static void base_revision(uint64_t n)
{
    kf_put64(&f, req_at, 0xf9562b2d5c95a6c8ull);
    kf_put64(&f, req_at + 8, 0x6a7b384944536bdcull);
    kf_put64(&f, req_at + 16, n);
    req_at += 24;
}

/* Text at KVA (file 0x1000), data with the requests at KVA + 0x1000. */
static void make_kernel(uint64_t revision)
{
    uint64_t va[2] = { KVA, KVA + 0x1000 }, pa[2] = { 0, 0 };
    kf_elf64(&f, va, pa, 2, KVA + 0x10);
    memset(where, 0, sizeof where);
    req_at = DATA + 8;
    base_revision(revision);
    for (unsigned r = 0; r < R_COUNT; r++)
        if (r != R_ENTRY && r != R_STACK && r != R_PAGING)
            put_request(r, r == R_FB ? 1 : 0, 0, 0, 0);
}

static int setup(void **state)
{
    (void)state;
    make_kernel(3);
    if (fx_make_memory(RAM, 0, 0) < 0)
        return -1;
    uint64_t rsdp;
    struct acpi_config acpi = { .cpus = 1 };
    struct wisp_error err = { 0 };
    return acpi_build(&fx_gm, ACPI_BIOS_AREA_BASE, 0x10000, &acpi, &rsdp, &err);
}

static int load(struct kboot_params *p, struct limine_result *r, struct wisp_error *err)
{
    p->acpi_rsdp = ACPI_BIOS_AREA_BASE;
    uint8_t *file = kf_file(&f);
    assert_non_null(file);
    int rc = limine_load(&fx_gm, "lim.elf", file, f.size, p, r, err);
    free(file);
    return rc;
}

#define expect_fail(...)                                                        \
    do {                                                                        \
        struct kboot_params p_ = kf_params();                                   \
        struct limine_result r_;                                                \
        struct wisp_error err_ = { 0 };                                         \
        assert_int_equal(load(&p_, &r_, &err_), -1);                            \
        assert_int_equal(err_.status, WISP_EXIT_BAD_KERNEL);                    \
        fx_assert_message(&err_, "lim.elf", __VA_ARGS__);                       \
    } while (0)

/* Physical address of file offset off in the data segment once loaded. */
static uint64_t loaded(const struct limine_result *r, size_t off)
{
    return r->kernel_phys + off - 0x1000;
}

/* The response of request kind (physical), or 0. */
static uint64_t response(const struct limine_result *r, unsigned kind)
{
    uint64_t ptr = rd64(loaded(r, where[kind]) + 40);
    if (!ptr)
        return 0;
    assert_true(ptr >= HHDM);
    return ptr - HHDM;
}

static uint64_t phys(uint64_t hhdm_ptr)
{
    assert_true(hhdm_ptr >= HHDM);
    return hhdm_ptr - HHDM;
}

/* Walks the guest page tables; UINT64_MAX when va is not mapped. */
static uint64_t translate(uint64_t cr3, uint64_t va, uint64_t *flags)
{
    uint64_t table = cr3;
    for (int level = 4; level >= 1; level--) {
        uint64_t e = rd64(table + 8 * ((va >> (12 + 9 * (level - 1))) & 511));
        if (!(e & 1))
            return UINT64_MAX;
        if (level == 1 || (level <= 3 && (e & 0x80))) {
            uint64_t size = 1ull << (12 + 9 * (level - 1));
            if (flags)
                *flags = e;
            return (e & 0x000FFFFFFFFFF000ull & ~(size - 1)) + (va & (size - 1));
        }
        table = e & 0x000FFFFFFFFFF000ull;
    }
    return UINT64_MAX;
}

static void test_answers(void **state)
{
    (void)state;
    struct kboot_params p = kf_params();
    struct limine_result r;
    struct wisp_error err = { 0 };
    if (load(&p, &r, &err) != 0)
        fail_msg("%s", err.message);
    assert_int_equal(r.base_revision, 3);
    assert_int_equal(r.kernel_phys, 0x100000);
    assert_int_equal(r.kernel_virt, KVA);
    assert_int_equal(r.requests_answered, R_COUNT - 3);
    /* The handshake: revision supported, loaded with 3. */
    assert_int_equal(rd64(loaded(&r, DATA + 8) + 16), 0);
    assert_int_equal(rd64(loaded(&r, DATA + 8) + 8), 3);

    uint64_t a = response(&r, R_INFO);
    assert_string_equal(rdstr(phys(rd64(a + 8))), "wisp");
    assert_string_equal(rdstr(phys(rd64(a + 16))), "test");
    assert_int_equal(rd64(response(&r, R_HHDM) + 8), HHDM);
    assert_int_equal(rd64(response(&r, R_FIRMWARE) + 8), 0);
    assert_int_equal(rd64(response(&r, R_TIME) + 8), 1700000000);
    a = response(&r, R_ADDR);
    assert_int_equal(rd64(a + 8), 0x100000);
    assert_int_equal(rd64(a + 16), KVA);
    assert_int_equal(rd64(response(&r, R_RSDP) + 8), ACPI_BIOS_AREA_BASE); /* physical in 3 */
    assert_string_equal(rdstr(phys(rd64(response(&r, R_CMDLINE) + 8))), "console=com1 quiet");

    /* SMP: one CPU, LAPIC 0. */
    a = response(&r, R_SMP);
    assert_int_equal(rd32(a + 8), 0);
    assert_int_equal(rd32(a + 12), 0);
    assert_int_equal(rd64(a + 16), 1);
    uint64_t cpu0 = phys(rd64(phys(rd64(a + 24))));
    assert_int_equal(rd32(cpu0 + 4), 0);
    assert_int_equal(rd64(cpu0 + 16), 0); /* goto_address */

    /* Framebuffer: one, in the HHDM, with one video mode (response rev 1). */
    a = response(&r, R_FB);
    assert_int_equal(rd64(a), 1);
    assert_int_equal(rd64(a + 8), 1);
    uint64_t fb = phys(rd64(phys(rd64(a + 16))));
    assert_int_equal(rd64(fb), HHDM + 0xC0000000u);
    assert_int_equal(rd64(fb + 8), 800);
    assert_int_equal(rd64(fb + 16), 600);
    assert_int_equal(rd64(fb + 24), 3200);
    assert_int_equal(rd16(fb + 32), 32);
    assert_int_equal(rd8(fb + 34), 1);
    assert_int_equal(rd8(fb + 36), 16); /* red shift */
    assert_int_equal(rd64(fb + 64), 1); /* mode_count */

    /* Modules: limine_file structs, 4 KiB aligned, bytes, path, cmdline. */
    a = response(&r, R_MODULE);
    assert_int_equal(rd64(a), 0); /* revision 0: no internal modules */
    assert_int_equal(rd64(a + 8), 2);
    uint64_t list = phys(rd64(a + 16));
    for (unsigned i = 0; i < 2; i++) {
        uint64_t file = phys(rd64(list + 8 * i));
        uint64_t addr = phys(rd64(file + 8));
        assert_int_equal(addr & 0xFFF, 0);
        assert_int_equal(rd64(file + 16), kf_modules[i].size);
        assert_memory_equal(guest_memory_ptr(&fx_gm, addr, kf_modules[i].size),
                            kf_modules[i].data, kf_modules[i].size);
        assert_int_equal(r.module_addrs[i], addr);
    }
    assert_string_equal(rdstr(phys(rd64(phys(rd64(list + 8)) + 24))), "/data.bin");
    assert_string_equal(rdstr(phys(rd64(phys(rd64(list + 8)) + 32))), "arg=1 two");
    /* The kernel file, as loaded. */
    uint64_t kfile = phys(rd64(response(&r, R_KFILE) + 8));
    assert_memory_equal(guest_memory_ptr(&fx_gm, phys(rd64(kfile + 8)), 4), "\177ELF", 4);
}

static void test_memory_map(void **state)
{
    (void)state;
    struct kboot_params p = kf_params();
    struct limine_result r;
    struct wisp_error err = { 0 };
    assert_int_equal(load(&p, &r, &err), 0);
    uint64_t a = response(&r, R_MEMMAP);
    uint64_t n = rd64(a + 8), list = phys(rd64(a + 16)), prev = 0, usable_top = 0;
    bool kernel = false, reclaim = false, fbuf = false;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t e = phys(rd64(list + 8 * i));
        uint64_t base = rd64(e), len = rd64(e + 8), type = rd64(e + 16);
        assert_true(base >= prev);
        prev = base;
        if (type == 0 || type == 5) {
            assert_int_equal((base | len) & 0xFFF, 0);
            assert_true(base >= 0x1000);
        }
        if (type == 0)
            usable_top = base + len;
        kernel |= type == 6 && base == 0x100000;
        reclaim |= type == 5 && base == r.reclaim_base && base + len == r.reclaim_end;
        fbuf |= type == 7 && base == 0xC0000000u && len == 3200 * 600;
    }
    assert_int_equal(usable_top, RAM);
    assert_true(kernel && reclaim && fbuf);
    /* The stack and page tables lie in the reclaimable area. */
    assert_true(r.pml4 >= r.reclaim_base && r.pml4 < r.reclaim_end);
    assert_true(phys(r.stack_top) > r.reclaim_base && phys(r.stack_top) < r.reclaim_end);
}

static void test_page_tables(void **state)
{
    (void)state;
    for (uint64_t rev = 0; rev <= 3; rev++) {
        make_kernel(rev);
        struct kboot_params p = kf_params();
        struct limine_result r;
        struct wisp_error err = { 0 };
        if (load(&p, &r, &err) != 0)
            fail_msg("%s", err.message);
        assert_int_equal(r.base_revision, rev);
        uint64_t flags = 0;
        assert_int_equal(translate(r.pml4, KVA + 0x10, &flags), 0x100010);
        assert_int_equal(flags & 2, 0);               /* text: read-only */
        assert_int_equal(flags >> 63, 0);             /* ... executable */
        assert_int_equal(translate(r.pml4, KVA + 0x1008, &flags), 0x101008);
        assert_int_equal(flags & 2, 2);               /* data: writable */
        assert_int_equal(flags >> 63, 1);             /* ... not executable */
        assert_int_equal(translate(r.pml4, HHDM + 0x123456, NULL), 0x123456);
        assert_int_equal(translate(r.pml4, HHDM + RAM - 8, NULL), RAM - 8);
        assert_int_equal(translate(r.pml4, HHDM + 0xC0000000u + 100, NULL), 0xC0000000u + 100);
        assert_int_equal(translate(r.pml4, r.gdt, NULL), phys(r.gdt));
        /* The identity map: revision 0 only, and never page 0. */
        if (rev == 0) {
            assert_int_equal(translate(r.pml4, 0x101000, NULL), 0x101000);
            assert_int_equal(translate(r.pml4, 0x1000, NULL), 0x1000);
            assert_int_equal(translate(r.pml4, 0x0, NULL), UINT64_MAX);
        } else {
            assert_int_equal(translate(r.pml4, 0x101000, NULL), UINT64_MAX);
        }
        /* The RSDP: HHDM pointer before revision 3. */
        uint64_t rsdp = rd64(response(&r, R_RSDP) + 8);
        assert_int_equal(rsdp, rev >= 3 ? ACPI_BIOS_AREA_BASE : HHDM + ACPI_BIOS_AREA_BASE);
        fx_make_memory(RAM, 0, 0);
        struct acpi_config acpi = { .cpus = 1 };
        uint64_t rsdp_at;
        assert_int_equal(acpi_build(&fx_gm, ACPI_BIOS_AREA_BASE, 0x10000, &acpi, &rsdp_at, &err), 0);
    }
}

static void test_unsupported_revision_leaves_the_tag(void **state)
{
    (void)state;
    make_kernel(7);
    struct kboot_params p = kf_params();
    struct limine_result r;
    struct wisp_error err = { 0 };
    assert_int_equal(load(&p, &r, &err), 0);
    assert_int_equal(r.base_revision, 3);
    assert_int_equal(r.requested_revision, 7);
    assert_int_equal(rd64(loaded(&r, DATA + 8) + 16), 7);
    assert_int_equal(rd64(loaded(&r, DATA + 8) + 8), 0x6a7b384944536bdcull);
}

static void test_entry_state_and_requests_that_steer_it(void **state)
{
    (void)state;
    put_request(R_ENTRY, 0, KVA + 0x80, 0, 0);
    put_request(R_STACK, 0, 0x40000, 0, 0);
    put_request(R_PAGING, 1, 0, 1, 0); /* prefers 4-level, accepts 4 or 5 */
    struct kboot_params p = kf_params();
    struct limine_result r;
    struct wisp_error err = { 0 };
    if (load(&p, &r, &err) != 0)
        fail_msg("%s", err.message);
    assert_int_equal(r.entry, KVA + 0x80);
    assert_int_equal(rd64(response(&r, R_PAGING) + 8), 0);
    assert_true(phys(r.stack_top) - r.reclaim_base >= 0x40000 - 8);
    struct accel_regs regs;
    struct accel_sregs sregs;
    memset(&sregs, 0, sizeof sregs);
    sregs.apic_base = 0xFEE00900;
    limine_entry_state(&r, &regs, &sregs);
    assert_int_equal(regs.rip, KVA + 0x80);
    assert_int_equal(regs.rsp, r.stack_top);
    assert_int_equal(regs.rsp & 0xF, 8);
    assert_int_equal(rd64(phys(regs.rsp)), 0); /* the 0 return address */
    assert_int_equal(regs.rax | regs.rbx | regs.rcx | regs.rdx | regs.rsi | regs.rdi, 0);
    assert_int_equal(regs.rflags, 2);
    assert_int_equal(sregs.cs.selector, 0x28);
    assert_int_equal(sregs.ss.selector, 0x30);
    assert_int_equal(sregs.cr3, r.pml4);
    assert_int_equal(sregs.cr0 & 0x80010001u, 0x80010001u);
    assert_int_equal(sregs.efer & 0x900, 0x900);
    assert_int_equal(sregs.apic_base, 0xFEE00900);
    /* GDT: 64-bit code at 0x28, data at 0x30. */
    assert_int_equal(rd64(phys(sregs.gdt.base) + 0x28), 0x00AF9B000000FFFFull);
    assert_int_equal(sregs.gdt.limit, 7 * 8 - 1);
}

static void test_markers_bound_the_search(void **state)
{
    (void)state;
    /* A start marker after the requests: none of them counts any more. */
    const uint64_t start[4] = { 0xf6b8f4b39de7d1aeull, 0xfab91a6940fcb9cfull,
                                0x785c6ed015d3e316ull, 0x181e920a7852b9d9ull };
    for (unsigned i = 0; i < 4; i++)
        kf_put64(&f, req_at + 8 * i, start[i]);
    struct kboot_params p = kf_params();
    struct limine_result r;
    struct wisp_error err = { 0 };
    assert_int_equal(load(&p, &r, &err), 0);
    assert_int_equal(r.requests_answered, 0);
    assert_int_equal(r.base_revision, 0); /* no tag seen: revision 0 */
}

static void test_detect(void **state)
{
    (void)state;
    assert_true(limine_detect(f.bytes, f.size));
    memset(f.bytes + DATA, 0, 0x1000);
    assert_false(limine_detect(f.bytes, f.size));
}

/* ---- bad kernels ---- */

static void test_reject_duplicate_request(void **state)
{
    (void)state;
    put_request(R_HHDM, 0, 0, 0, 0);
    expect_fail("the Limine HHDM request appears twice");
}

static void test_reject_five_level_only(void **state)
{
    (void)state;
    put_request(R_PAGING, 1, 1, 1, 1);
    expect_fail("5-level paging");
}

static void test_reject_lower_half_kernel(void **state)
{
    (void)state;
    uint64_t va[1] = { 0x200000 }, pa[1] = { 0x200000 };
    kf_elf64(&f, va, pa, 1, 0x200010);
    expect_fail("linked at 0x200000", "0xffffffff80000000");
    kf_put16(&f, 16, 3); /* ET_DYN */
    expect_fail("position-independent", "does not relocate");
}

static void test_reject_entry_outside_code(void **state)
{
    (void)state;
    put_request(R_ENTRY, 0, KVA + 0x1010, 0, 0); /* in the data segment */
    expect_fail("entry point 0xffffffff80001010", "entry point request", "not inside an "
                "executable segment");
}

static void test_reject_huge_stack_and_kernel(void **state)
{
    (void)state;
    put_request(R_STACK, 0, 1ull << 40, 0, 0);
    expect_fail("stack size request");
    make_kernel(3);
    kf_put64(&f, 64 + 56 + 40, 128 * MiB); /* data segment's memsz past RAM */
    expect_fail("does not fit in guest RAM");
}

static void test_reject_module_that_does_not_fit(void **state)
{
    (void)state;
    static uint8_t big[1];
    struct kboot_module huge[1] = { { "huge.img", NULL, big, RAM } };
    struct kboot_params p = kf_params();
    p.modules = huge;
    p.module_count = 1;
    struct limine_result r;
    struct wisp_error err = { 0 };
    assert_int_equal(load(&p, &r, &err), -1);
    fx_assert_message(&err, "huge.img", "does not fit");
}

#define T(t) cmocka_unit_test_setup_teardown(t, setup, fx_release)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_answers),
        T(test_memory_map),
        T(test_page_tables),
        T(test_unsupported_revision_leaves_the_tag),
        T(test_entry_state_and_requests_that_steer_it),
        T(test_markers_bound_the_search),
        T(test_detect),
        T(test_reject_duplicate_request),
        T(test_reject_five_level_only),
        T(test_reject_lower_half_kernel),
        T(test_reject_entry_outside_code),
        T(test_reject_huge_stack_and_kernel),
        T(test_reject_module_that_does_not_fit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
