/*
 * Guest memory banks and their checked accessors, the main security
 * boundary: a range is usable only if it lies entirely inside ONE bank, and
 * no length, however large or wrapping, gets a pointer outside guest memory.
 * A refused read, write or fill touches nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/guest_memory.h"

#define KiB 0x400ull
#define MiB 0x100000ull

#define RAM_SIZE   (1 * MiB)
#define FB_ADDR    0xC0000000ull
#define FB_SIZE    (64 * KiB)
/* Two RAM banks that touch: [LOW_ADDR, MID) and [MID, HIGH_END). */
#define LOW_ADDR   0x10000000ull
#define MID        (LOW_ADDR + 64 * KiB)
#define HIGH_END   (MID + 64 * KiB)
/* A bank near the top of the 64-bit address space, for wrap-around. */
#define TOP_ADDR   0xFFFFFFFFFFFE0000ull
#define TOP_SIZE   (64 * KiB)
#define CANARY     0xA5u

static struct guest_memory gm;

static int empty_memory(void **state)
{
    (void)state;
    memset(&gm, 0, sizeof gm);
    return 0;
}

/* RAM at 0, two adjacent banks, a framebuffer and a bank near 2^64, all
 * filled with CANARY so any stray write shows. */
static int populated_memory(void **state)
{
    (void)state;
    struct wisp_error err = { 0 };
    memset(&gm, 0, sizeof gm);
    if (guest_memory_add_bank(&gm, "RAM", MEM_BANK_RAM, 0, RAM_SIZE, &err) < 0 ||
        guest_memory_add_bank(&gm, "low", MEM_BANK_RAM, LOW_ADDR, MID - LOW_ADDR, &err) < 0 ||
        guest_memory_add_bank(&gm, "high", MEM_BANK_RAM, MID, HIGH_END - MID, &err) < 0 ||
        guest_memory_add_bank(&gm, "framebuffer", MEM_BANK_FRAMEBUFFER, FB_ADDR, FB_SIZE, &err) < 0 ||
        guest_memory_add_bank(&gm, "top", MEM_BANK_RAM, TOP_ADDR, TOP_SIZE, &err) < 0) {
        print_error("setup: %s\n", err.message);
        return -1;
    }
    for (int i = 0; i < gm.count; i++)
        memset(gm.banks[i].host, CANARY, gm.banks[i].size);
    return 0;
}

static int release_memory(void **state)
{
    (void)state;
    guest_memory_release(&gm);
    return 0;
}

static void assert_all_banks_untouched(void)
{
    for (int i = 0; i < gm.count; i++)
        for (uint64_t off = 0; off < gm.banks[i].size; off++)
            if (gm.banks[i].host[off] != CANARY)
                fail_msg("bank %s changed at offset 0x%llx", gm.banks[i].name,
                         (unsigned long long)off);
}

static uint8_t *host_of(uint64_t gpa)
{
    for (int i = 0; i < gm.count; i++)
        if (gpa >= gm.banks[i].gpa && gpa - gm.banks[i].gpa < gm.banks[i].size)
            return gm.banks[i].host + (gpa - gm.banks[i].gpa);
    fail_msg("0x%llx is in no bank", (unsigned long long)gpa);
    return NULL;
}

/* ---- adding banks ---- */

static void test_added_bank_is_zeroed_and_described(void **state)
{
    (void)state;
    struct wisp_error err = { 0 };
    assert_int_equal(guest_memory_add_bank(&gm, "RAM", MEM_BANK_RAM, 0x100000, 2 * MiB, &err), 0);
    assert_int_equal(gm.count, 1);
    assert_string_equal(gm.banks[0].name, "RAM");
    assert_int_equal(gm.banks[0].gpa, 0x100000);
    assert_int_equal(gm.banks[0].size, 2 * MiB);
    assert_int_equal(gm.banks[0].kind, MEM_BANK_RAM);
    assert_non_null(gm.banks[0].host);
    for (uint64_t off = 0; off < 2 * MiB; off += 4 * KiB)
        assert_int_equal(gm.banks[0].host[off], 0);
    assert_int_equal(err.status, 0);
}

static void test_bank_with_unaligned_address_is_refused(void **state)
{
    (void)state;
    struct wisp_error err = { 0 };
    assert_int_equal(guest_memory_add_bank(&gm, "odd", MEM_BANK_RAM, 0x1800, 0x1000, &err), -1);
    assert_int_equal(err.status, WISP_EXIT_USAGE);
    assert_non_null(strstr(err.message, "odd"));
    assert_int_equal(gm.count, 0);
}

static void test_bank_with_unaligned_size_is_refused(void **state)
{
    (void)state;
    struct wisp_error err = { 0 };
    assert_int_equal(guest_memory_add_bank(&gm, "odd", MEM_BANK_RAM, 0x1000, 0x1001, &err), -1);
    assert_int_equal(err.status, WISP_EXIT_USAGE);
    assert_int_equal(gm.count, 0);
}

static void test_bank_of_zero_size_is_refused(void **state)
{
    (void)state;
    struct wisp_error err = { 0 };
    assert_int_equal(guest_memory_add_bank(&gm, "empty", MEM_BANK_RAM, 0x1000, 0, &err), -1);
    assert_int_equal(err.status, WISP_EXIT_USAGE);
    assert_int_equal(gm.count, 0);
}

static void test_bank_wrapping_past_2_pow_64_is_refused(void **state)
{
    (void)state;
    struct wisp_error err = { 0 };
    assert_int_equal(guest_memory_add_bank(&gm, "wrap", MEM_BANK_RAM, 0xFFFFFFFFFFFFF000ull,
                                           0x2000, &err), -1);
    assert_int_equal(gm.count, 0);
}

static void test_overlapping_banks_are_refused_from_every_side(void **state)
{
    (void)state;
    struct wisp_error err = { 0 };
    assert_int_equal(guest_memory_add_bank(&gm, "RAM", MEM_BANK_RAM, 0x10000, 0x10000, &err), 0);
    const struct { uint64_t gpa, size; const char *what; } overlaps[] = {
        { 0x10000, 0x10000, "identical" },
        { 0x0F000, 0x02000, "straddling the start" },
        { 0x1F000, 0x02000, "straddling the end" },
        { 0x14000, 0x01000, "inside" },
        { 0x00000, 0x40000, "around" },
        { 0x1F000, 0x01000, "last page" },
        { 0x10000, 0x01000, "first page" },
    };
    for (size_t i = 0; i < sizeof overlaps / sizeof overlaps[0]; i++) {
        struct wisp_error e = { 0 };
        if (guest_memory_add_bank(&gm, "new", MEM_BANK_RAM, overlaps[i].gpa, overlaps[i].size,
                                  &e) != -1)
            fail_msg("a bank %s an existing one was accepted", overlaps[i].what);
        assert_int_equal(e.status, WISP_EXIT_USAGE);
        assert_non_null(strstr(e.message, "overlaps RAM"));
    }
    assert_int_equal(gm.count, 1);
}

static void test_banks_that_only_touch_are_accepted(void **state)
{
    (void)state;
    struct wisp_error err = { 0 };
    assert_int_equal(guest_memory_add_bank(&gm, "mid", MEM_BANK_RAM, 0x10000, 0x10000, &err), 0);
    assert_int_equal(guest_memory_add_bank(&gm, "below", MEM_BANK_RAM, 0x0F000, 0x1000, &err), 0);
    assert_int_equal(guest_memory_add_bank(&gm, "above", MEM_BANK_RAM, 0x20000, 0x1000, &err), 0);
    assert_int_equal(gm.count, 3);
    assert_int_equal(err.status, 0);
}

static void test_ninth_bank_is_refused(void **state)
{
    (void)state;
    struct wisp_error err = { 0 };
    for (uint64_t i = 0; i < GUEST_MEMORY_MAX_BANKS; i++)
        assert_int_equal(guest_memory_add_bank(&gm, "bank", MEM_BANK_RAM, i * 0x2000, 0x1000, &err), 0);
    assert_int_equal(guest_memory_add_bank(&gm, "extra", MEM_BANK_RAM, 0x100000, 0x1000, &err), -1);
    assert_non_null(strstr(err.message, "too many"));
    assert_int_equal(gm.count, GUEST_MEMORY_MAX_BANKS);
}

/* ---- guest_memory_ptr ---- */

static void test_ptr_of_range_inside_a_bank_points_at_its_host_bytes(void **state)
{
    (void)state;
    assert_ptr_equal(guest_memory_ptr(&gm, 0, RAM_SIZE), gm.banks[0].host);
    assert_ptr_equal(guest_memory_ptr(&gm, 0x1234, 16), gm.banks[0].host + 0x1234);
    assert_ptr_equal(guest_memory_ptr(&gm, FB_ADDR + 8, 4), gm.banks[3].host + 8);
    assert_ptr_equal(guest_memory_ptr(&gm, MID + 0x10, 0x10), gm.banks[2].host + 0x10);
    assert_ptr_equal(guest_memory_bank_at(&gm, FB_ADDR, FB_SIZE), &gm.banks[3]);
}

static void test_ptr_of_range_ending_exactly_at_bank_end_succeeds(void **state)
{
    (void)state;
    assert_ptr_equal(guest_memory_ptr(&gm, RAM_SIZE - 8, 8), gm.banks[0].host + RAM_SIZE - 8);
    assert_ptr_equal(guest_memory_ptr(&gm, RAM_SIZE - 1, 1), gm.banks[0].host + RAM_SIZE - 1);
    assert_ptr_equal(guest_memory_ptr(&gm, TOP_ADDR + TOP_SIZE - 1, 1),
                     gm.banks[4].host + TOP_SIZE - 1);
}

static void test_ptr_of_range_one_byte_past_bank_end_fails(void **state)
{
    (void)state;
    assert_null(guest_memory_ptr(&gm, RAM_SIZE - 8, 9));
    assert_null(guest_memory_ptr(&gm, RAM_SIZE, 1));
    assert_null(guest_memory_ptr(&gm, 0, RAM_SIZE + 1));
    assert_null(guest_memory_ptr(&gm, FB_ADDR + FB_SIZE - 4, 5));
    assert_null(guest_memory_ptr(&gm, FB_ADDR - 1, 2));
}

static void test_ptr_of_address_outside_every_bank_fails(void **state)
{
    (void)state;
    assert_null(guest_memory_ptr(&gm, 0x200000, 1));
    assert_null(guest_memory_ptr(&gm, LOW_ADDR - 1, 1));
    assert_null(guest_memory_ptr(&gm, HIGH_END, 1));
    assert_null(guest_memory_ptr(&gm, UINT64_MAX, 1));
}

static void test_ptr_of_range_straddling_two_adjacent_banks_fails(void **state)
{
    (void)state;
    /* Each half is fine on its own... */
    assert_non_null(guest_memory_ptr(&gm, MID - 16, 16));
    assert_non_null(guest_memory_ptr(&gm, MID, 16));
    /* ...but the host memory behind two banks is not contiguous. */
    assert_null(guest_memory_ptr(&gm, MID - 16, 32));
    assert_null(guest_memory_ptr(&gm, MID - 1, 2));
    assert_null(guest_memory_ptr(&gm, LOW_ADDR, HIGH_END - LOW_ADDR));
    assert_null(guest_memory_bank_at(&gm, MID - 1, 2));
}

static void test_ptr_of_huge_length_fails(void **state)
{
    (void)state;
    assert_null(guest_memory_ptr(&gm, 0, UINT64_MAX));
    assert_null(guest_memory_ptr(&gm, 0x1000, UINT64_MAX));
    assert_null(guest_memory_ptr(&gm, 0, 1ull << 63));
    assert_null(guest_memory_ptr(&gm, LOW_ADDR, UINT64_MAX - LOW_ADDR));
}

static void test_ptr_of_range_whose_end_overflows_2_pow_64_fails(void **state)
{
    (void)state;
    /* gpa + len wraps to a small number that would look in range. */
    assert_null(guest_memory_ptr(&gm, 0x10, UINT64_MAX - 0x8));
    assert_null(guest_memory_ptr(&gm, TOP_ADDR + 0x10, UINT64_MAX));
    assert_null(guest_memory_ptr(&gm, TOP_ADDR + 0x10, 0 - (TOP_ADDR + 0x10) + 0x20));
    assert_null(guest_memory_ptr(&gm, TOP_ADDR + TOP_SIZE - 0x10, 0x20));
    assert_null(guest_memory_ptr(&gm, UINT64_MAX, 2));
}

static void test_ptr_of_zero_length_is_a_position_inside_a_bank(void **state)
{
    (void)state;
    assert_ptr_equal(guest_memory_ptr(&gm, 0, 0), gm.banks[0].host);
    assert_ptr_equal(guest_memory_ptr(&gm, RAM_SIZE - 1, 0), gm.banks[0].host + RAM_SIZE - 1);
    assert_null(guest_memory_ptr(&gm, 0x200000, 0));
}

static void test_ptr_of_zero_length_one_past_the_end_fails(void **state)
{
    (void)state;
    assert_null(guest_memory_ptr(&gm, RAM_SIZE, 0));
    assert_null(guest_memory_ptr(&gm, FB_ADDR + FB_SIZE, 0));
    assert_null(guest_memory_ptr(&gm, HIGH_END, 0));
    /* ...unless the next bank starts there: then it is that bank's start. */
    assert_ptr_equal(guest_memory_ptr(&gm, MID, 0), gm.banks[2].host);
}

/* ---- checked copies ---- */

static void test_write_read_and_fill_inside_a_bank_work(void **state)
{
    (void)state;
    const uint8_t bytes[] = { 1, 2, 3, 4, 5 };
    uint8_t back[sizeof bytes] = { 0 };
    assert_true(guest_memory_write(&gm, RAM_SIZE - sizeof bytes, bytes, sizeof bytes));
    assert_memory_equal(host_of(RAM_SIZE - sizeof bytes), bytes, sizeof bytes);
    assert_true(guest_memory_read(&gm, RAM_SIZE - sizeof bytes, back, sizeof back));
    assert_memory_equal(back, bytes, sizeof bytes);
    assert_true(guest_memory_fill(&gm, MID, 0x11, 3));
    assert_int_equal(host_of(MID)[0], 0x11);
    assert_int_equal(host_of(MID)[2], 0x11);
    assert_int_equal(host_of(MID)[3], CANARY);
    assert_int_equal(host_of(MID - 1)[0], CANARY);
}

static void test_write_out_of_range_fails_without_touching_memory(void **state)
{
    (void)state;
    uint8_t bytes[64];
    memset(bytes, 0x3C, sizeof bytes);
    assert_false(guest_memory_write(&gm, RAM_SIZE - 32, bytes, sizeof bytes));
    assert_false(guest_memory_write(&gm, MID - 32, bytes, sizeof bytes));
    assert_false(guest_memory_write(&gm, FB_ADDR + FB_SIZE - 1, bytes, 2));
    assert_false(guest_memory_write(&gm, TOP_ADDR + TOP_SIZE - 32, bytes, sizeof bytes));
    assert_false(guest_memory_write(&gm, 0x10, bytes, UINT64_MAX - 0x8));
    assert_all_banks_untouched();
}

static void test_fill_out_of_range_fails_without_touching_memory(void **state)
{
    (void)state;
    assert_false(guest_memory_fill(&gm, RAM_SIZE - 32, 0, 64));
    assert_false(guest_memory_fill(&gm, MID - 32, 0, 64));
    assert_false(guest_memory_fill(&gm, LOW_ADDR, 0, HIGH_END - LOW_ADDR));
    assert_false(guest_memory_fill(&gm, 0x10, 0, UINT64_MAX));
    assert_false(guest_memory_fill(&gm, TOP_ADDR + 0x10, 0, UINT64_MAX - 0x8));
    assert_all_banks_untouched();
}

static void test_read_out_of_range_fails_without_touching_the_buffer(void **state)
{
    (void)state;
    uint8_t buffer[64];
    memset(buffer, 0x3C, sizeof buffer);
    assert_false(guest_memory_read(&gm, RAM_SIZE - 32, buffer, sizeof buffer));
    assert_false(guest_memory_read(&gm, MID - 32, buffer, sizeof buffer));
    assert_false(guest_memory_read(&gm, 0x200000, buffer, 1));
    assert_false(guest_memory_read(&gm, 0x10, buffer, UINT64_MAX - 0x8));
    for (size_t i = 0; i < sizeof buffer; i++)
        assert_int_equal(buffer[i], 0x3C);
}

static void test_copies_of_zero_bytes_inside_a_bank_succeed(void **state)
{
    (void)state;
    uint8_t byte = 0x3C;
    assert_true(guest_memory_write(&gm, 0x100, &byte, 0));
    assert_true(guest_memory_read(&gm, 0x100, &byte, 0));
    assert_true(guest_memory_fill(&gm, 0x100, 0, 0));
    assert_int_equal(byte, 0x3C);
    assert_all_banks_untouched();
}

/* ---- sizes ---- */

static void test_ram_size_counts_ram_banks_and_not_the_framebuffer(void **state)
{
    (void)state;
    assert_int_equal(guest_memory_ram_size(&gm), RAM_SIZE + (HIGH_END - LOW_ADDR) + TOP_SIZE);
}

static void test_ram_size_of_no_banks_is_zero(void **state)
{
    (void)state;
    assert_int_equal(guest_memory_ram_size(&gm), 0);
}

static void test_release_forgets_every_bank(void **state)
{
    (void)state;
    guest_memory_release(&gm);
    assert_int_equal(gm.count, 0);
    assert_null(guest_memory_ptr(&gm, 0, 1));
}

/* ---- host memory behind a bank ---- */

/* KVM maps 2 MiB of guest memory at once only where host and guest
 * addresses are aligned alike: a large bank starts on a 2 MiB boundary. */
static void test_large_bank_starts_on_a_huge_page_boundary_and_is_all_usable(void **state)
{
    (void)state;
    struct wisp_error err = { 0 };
    const uint64_t size = 6 * MiB + 64 * KiB;
    for (int i = 0; i < 3; i++) /* more than one: not aligned by luck */
        assert_int_equal(guest_memory_add_bank(&gm, "RAM", MEM_BANK_RAM, (uint64_t)i * 16 * MiB,
                                               size, &err), 0);
    for (int i = 0; i < 3; i++) {
        uint8_t *host = gm.banks[i].host;
        assert_int_equal((uintptr_t)host % (2 * MiB), 0);
        assert_int_equal(host[0] | host[size / 2] | host[size - 1], 0);
        host[0] = host[size - 1] = CANARY; /* the whole length is writable */
    }
}

#define EMPTY(fn) cmocka_unit_test_setup_teardown(fn, empty_memory, release_memory)
#define FULL(fn)  cmocka_unit_test_setup_teardown(fn, populated_memory, release_memory)

int main(void)
{
    const struct CMUnitTest tests[] = {
        EMPTY(test_added_bank_is_zeroed_and_described),
        EMPTY(test_bank_with_unaligned_address_is_refused),
        EMPTY(test_bank_with_unaligned_size_is_refused),
        EMPTY(test_bank_of_zero_size_is_refused),
        EMPTY(test_bank_wrapping_past_2_pow_64_is_refused),
        EMPTY(test_overlapping_banks_are_refused_from_every_side),
        EMPTY(test_banks_that_only_touch_are_accepted),
        EMPTY(test_ninth_bank_is_refused),
        FULL(test_ptr_of_range_inside_a_bank_points_at_its_host_bytes),
        FULL(test_ptr_of_range_ending_exactly_at_bank_end_succeeds),
        FULL(test_ptr_of_range_one_byte_past_bank_end_fails),
        FULL(test_ptr_of_address_outside_every_bank_fails),
        FULL(test_ptr_of_range_straddling_two_adjacent_banks_fails),
        FULL(test_ptr_of_huge_length_fails),
        FULL(test_ptr_of_range_whose_end_overflows_2_pow_64_fails),
        FULL(test_ptr_of_zero_length_is_a_position_inside_a_bank),
        FULL(test_ptr_of_zero_length_one_past_the_end_fails),
        FULL(test_write_read_and_fill_inside_a_bank_work),
        FULL(test_write_out_of_range_fails_without_touching_memory),
        FULL(test_fill_out_of_range_fails_without_touching_memory),
        FULL(test_read_out_of_range_fails_without_touching_the_buffer),
        FULL(test_copies_of_zero_bytes_inside_a_bank_succeed),
        FULL(test_ram_size_counts_ram_banks_and_not_the_framebuffer),
        EMPTY(test_ram_size_of_no_banks_is_zero),
        FULL(test_release_forgets_every_bank),
        EMPTY(test_large_bank_starts_on_a_huge_page_boundary_and_is_all_usable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
