/*
 * hypercall_copy_from_guest: a guest-virtual buffer is copied page by page,
 * each page translated on its own (consecutive virtual pages need not be
 * consecutive physical ones) and read through the checked accessors, so an
 * unmapped page, a page outside RAM or a range that wraps past 2^64 fails
 * instead of reading host memory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/guest_memory.h"
#include "vmm/hypercall.h"

#define PAGE      0x1000ull
#define RAM_SIZE  0x100000ull /* 1 MiB at 0 */
#define IDENTITY_LIMIT 0x80000ull

/* A scattered region: consecutive virtual pages, physical pages out of order,
 * a hole, a page outside RAM, the last RAM page followed by one past it. */
#define SCATTER   0x7FFF0000ull
#define TOP_PAGE  0xFFFFFFFFFFFFF000ull

struct mapping {
    uint64_t gva_page, gpa_page;
};

static const struct mapping mappings[] = {
    { SCATTER + 0 * PAGE, 0x7000 },
    { SCATTER + 1 * PAGE, 0x3000 },
    { SCATTER + 2 * PAGE, 0x9000 },
    /* SCATTER + 3 pages: unmapped */
    { SCATTER + 4 * PAGE, 0x200000000ull },  /* mapped, but not guest RAM */
    { SCATTER + 5 * PAGE, RAM_SIZE - PAGE }, /* the last page of RAM... */
    { SCATTER + 6 * PAGE, RAM_SIZE },        /* ...and one past it */
    { TOP_PAGE, 0x5000 },                    /* the last page of the address space */
};

/* The fake MMU: identity below IDENTITY_LIMIT, the table above, and a log
 * of the addresses it was asked about. */
struct fake_mmu {
    unsigned calls;
    uint64_t asked[16];
};

static int fake_translate(void *opaque, uint64_t gva, uint64_t *gpa)
{
    struct fake_mmu *mmu = opaque;
    if (mmu->calls < sizeof mmu->asked / sizeof mmu->asked[0])
        mmu->asked[mmu->calls] = gva;
    mmu->calls++;
    if (gva < IDENTITY_LIMIT) {
        *gpa = gva;
        return 0;
    }
    for (size_t i = 0; i < sizeof mappings / sizeof mappings[0]; i++)
        if (mappings[i].gva_page == (gva & ~(PAGE - 1))) {
            *gpa = mappings[i].gpa_page | (gva & (PAGE - 1));
            return 0;
        }
    return -1;
}

static struct guest_memory gm;
static struct fake_mmu mmu;

/* Every byte of RAM differs from the same offset in any other page. */
static uint8_t pattern(uint64_t gpa)
{
    return (uint8_t)((gpa >> 12) * 37 + (gpa & 0xFFF) * 3);
}

static int make_memory(void **state)
{
    (void)state;
    struct wisp_error err = { 0 };
    memset(&gm, 0, sizeof gm);
    memset(&mmu, 0, sizeof mmu);
    if (guest_memory_add_bank(&gm, "RAM", MEM_BANK_RAM, 0, RAM_SIZE, &err) < 0) {
        print_error("setup: %s\n", err.message);
        return -1;
    }
    for (uint64_t gpa = 0; gpa < RAM_SIZE; gpa++)
        gm.banks[0].host[gpa] = pattern(gpa);
    return 0;
}

static int release_memory(void **state)
{
    (void)state;
    guest_memory_release(&gm);
    return 0;
}

static int copy(uint64_t gva, uint8_t *dst, uint64_t len)
{
    return hypercall_copy_from_guest(fake_translate, &mmu, &gm, gva, dst, len);
}

/* dst[at .. at+len) holds guest-physical [gpa, gpa+len). */
static void assert_copied_from(const uint8_t *dst, size_t at, uint64_t gpa, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (dst[at + i] != pattern(gpa + i))
            fail_msg("byte %zu is 0x%02x, expected 0x%02x from gpa 0x%llx", at + i, dst[at + i],
                     pattern(gpa + i), (unsigned long long)(gpa + i));
}

static void test_buffer_inside_one_page_is_copied_with_one_translation(void **state)
{
    (void)state;
    uint8_t dst[32];
    assert_int_equal(copy(0x1010, dst, sizeof dst), 0);
    assert_copied_from(dst, 0, 0x1010, sizeof dst);
    assert_int_equal(mmu.calls, 1);
    assert_int_equal(mmu.asked[0], 0x1010);
}

static void test_whole_aligned_page_is_copied_with_one_translation(void **state)
{
    (void)state;
    uint8_t dst[PAGE];
    assert_int_equal(copy(SCATTER + 2 * PAGE, dst, sizeof dst), 0);
    assert_copied_from(dst, 0, 0x9000, sizeof dst);
    assert_int_equal(mmu.calls, 1);
}

static void test_buffer_crossing_into_a_scattered_page_is_copied_from_both_pages(void **state)
{
    (void)state;
    uint8_t dst[0x200];
    assert_int_equal(copy(SCATTER + 0xF00, dst, sizeof dst), 0);
    assert_copied_from(dst, 0, 0x7F00, 0x100);    /* end of virtual page 0 -> 0x7000 */
    assert_copied_from(dst, 0x100, 0x3000, 0x100); /* start of virtual page 1 -> 0x3000 */
    assert_int_equal(mmu.calls, 2);
    assert_int_equal(mmu.asked[0], SCATTER + 0xF00);
    assert_int_equal(mmu.asked[1], SCATTER + PAGE);
}

static void test_buffer_over_three_scattered_pages_is_copied_in_virtual_order(void **state)
{
    (void)state;
    static uint8_t dst[0x2000];
    assert_int_equal(copy(SCATTER + 0x800, dst, sizeof dst), 0);
    assert_copied_from(dst, 0, 0x7800, 0x800);
    assert_copied_from(dst, 0x800, 0x3000, 0x1000);
    assert_copied_from(dst, 0x1800, 0x9000, 0x800);
    assert_int_equal(mmu.calls, 3);
}

static void test_buffer_whose_second_page_is_unmapped_fails(void **state)
{
    (void)state;
    uint8_t dst[0x200];
    assert_int_equal(copy(SCATTER + 2 * PAGE + 0xF00, dst, sizeof dst), -1);
    assert_int_equal(mmu.calls, 2);
    assert_int_equal(mmu.asked[1], SCATTER + 3 * PAGE);
}

static void test_buffer_starting_in_an_unmapped_page_fails(void **state)
{
    (void)state;
    uint8_t dst[16];
    assert_int_equal(copy(SCATTER + 3 * PAGE + 8, dst, sizeof dst), -1);
    assert_int_equal(copy(0x123456789000ull, dst, sizeof dst), -1);
}

static void test_page_mapped_outside_ram_fails(void **state)
{
    (void)state;
    uint8_t dst[16];
    assert_int_equal(copy(SCATTER + 4 * PAGE, dst, sizeof dst), -1);
}

static void test_buffer_running_from_the_last_ram_page_past_ram_fails(void **state)
{
    (void)state;
    uint8_t dst[0x200];
    /* The first page alone is fine... */
    assert_int_equal(copy(SCATTER + 5 * PAGE + 0xF00, dst, 0x100), 0);
    assert_copied_from(dst, 0, RAM_SIZE - 0x100, 0x100);
    /* ...but its neighbour maps to the first byte after RAM. */
    assert_int_equal(copy(SCATTER + 5 * PAGE + 0xF00, dst, sizeof dst), -1);
}

static void test_range_wrapping_past_2_pow_64_fails_before_translating(void **state)
{
    (void)state;
    uint8_t dst[16];
    assert_int_equal(copy(TOP_PAGE, dst, 2 * PAGE), -1);
    assert_int_equal(copy(UINT64_MAX, dst, 2), -1);
    assert_int_equal(copy(0x1000, dst, UINT64_MAX), -1);
    assert_int_equal(copy(TOP_PAGE + 0xFF0, dst, 0x11), -1);
    assert_int_equal(mmu.calls, 0);
}

static void test_range_ending_exactly_at_2_pow_64_is_copied(void **state)
{
    (void)state;
    uint8_t dst[16];
    assert_int_equal(copy(TOP_PAGE + 0xFF0, dst, sizeof dst), 0);
    assert_copied_from(dst, 0, 0x5FF0, sizeof dst);
    assert_int_equal(copy(UINT64_MAX, dst, 1), 0);
    assert_copied_from(dst, 0, 0x5FFF, 1);
}

static void test_length_zero_succeeds_without_translating_or_writing(void **state)
{
    (void)state;
    uint8_t dst[4] = { 0xEE, 0xEE, 0xEE, 0xEE };
    assert_int_equal(copy(0x1000, dst, 0), 0);
    assert_int_equal(copy(SCATTER + 3 * PAGE, dst, 0), 0); /* even where nothing is mapped */
    assert_int_equal(copy(UINT64_MAX, dst, 0), 0);
    assert_int_equal(mmu.calls, 0);
    for (int i = 0; i < 4; i++)
        assert_int_equal(dst[i], 0xEE);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, make_memory, release_memory)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_buffer_inside_one_page_is_copied_with_one_translation),
        T(test_whole_aligned_page_is_copied_with_one_translation),
        T(test_buffer_crossing_into_a_scattered_page_is_copied_from_both_pages),
        T(test_buffer_over_three_scattered_pages_is_copied_in_virtual_order),
        T(test_buffer_whose_second_page_is_unmapped_fails),
        T(test_buffer_starting_in_an_unmapped_page_fails),
        T(test_page_mapped_outside_ram_fails),
        T(test_buffer_running_from_the_last_ram_page_past_ram_fails),
        T(test_range_wrapping_past_2_pow_64_fails_before_translating),
        T(test_range_ending_exactly_at_2_pow_64_is_copied),
        T(test_length_zero_succeeds_without_translating_or_writing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
