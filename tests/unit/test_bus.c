/*
 * The device bus: ranges are kept sorted, never overlap, and an access is
 * handed to the one device that claims it with an offset relative to the
 * base it registered; nothing answers an unclaimed address.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/bus.h"

/* A fake device that remembers its last access and answers reads with a
 * recognisable pattern. */
struct fake_device {
    unsigned calls;
    uint64_t offset;
    unsigned size;
    bool is_write;
    uint8_t written[8];
    uint8_t answer;
};

static void fake_access(void *opaque, uint64_t offset, uint8_t *data, unsigned size, bool is_write)
{
    struct fake_device *d = opaque;
    d->calls++;
    d->offset = offset;
    d->size = size;
    d->is_write = is_write;
    if (is_write)
        memcpy(d->written, data, size < sizeof d->written ? size : sizeof d->written);
    else
        for (unsigned i = 0; i < size; i++)
            data[i] = (uint8_t)(d->answer + i);
}

static struct bus bus;
static struct fake_device serial, pic, pit, rtc;

static int empty_bus(void **state)
{
    (void)state;
    memset(&bus, 0, sizeof bus);
    bus.name = "port";
    memset(&serial, 0, sizeof serial);
    memset(&pic, 0, sizeof pic);
    memset(&pit, 0, sizeof pit);
    memset(&rtc, 0, sizeof rtc);
    serial.answer = 0x30;
    pic.answer = 0x20;
    pit.answer = 0x40;
    rtc.answer = 0x70;
    return 0;
}

static int reg(uint64_t base, uint64_t length, const char *name, struct fake_device *dev,
               struct wisp_error *err)
{
    return bus_register(&bus, base, length, name, fake_access, dev, err);
}

/* Registered deliberately out of order. */
static int pc_bus(void **state)
{
    empty_bus(state);
    struct wisp_error err = { 0 };
    if (reg(0x3F8, 8, "serial", &serial, &err) < 0 || reg(0x20, 2, "pic", &pic, &err) < 0 ||
        reg(0x70, 2, "rtc", &rtc, &err) < 0 || reg(0x40, 4, "pit", &pit, &err) < 0) {
        print_error("setup: %s\n", err.message);
        return -1;
    }
    return 0;
}

static void test_ranges_are_kept_sorted_by_base_whatever_the_registration_order(void **state)
{
    (void)state;
    assert_int_equal(bus.count, 4);
    const uint64_t bases[] = { 0x20, 0x40, 0x70, 0x3F8 };
    const char *names[] = { "pic", "pit", "rtc", "serial" };
    for (int i = 0; i < 4; i++) {
        assert_int_equal(bus.ranges[i].base, bases[i]);
        assert_string_equal(bus.ranges[i].name, names[i]);
    }
    assert_int_equal(bus.ranges[3].length, 8);
    assert_ptr_equal(bus.ranges[3].opaque, &serial);
    assert_ptr_equal(bus.ranges[3].access, fake_access);
}

static void test_find_returns_the_range_holding_an_address_from_first_to_last_byte(void **state)
{
    (void)state;
    for (uint64_t port = 0x3F8; port < 0x400; port++)
        assert_ptr_equal(bus_find(&bus, port)->opaque, &serial);
    assert_ptr_equal(bus_find(&bus, 0x20)->opaque, &pic);
    assert_ptr_equal(bus_find(&bus, 0x21)->opaque, &pic);
    assert_ptr_equal(bus_find(&bus, 0x43)->opaque, &pit);
    assert_ptr_equal(bus_find(&bus, 0x71)->opaque, &rtc);
}

static void test_find_returns_nothing_just_outside_every_range(void **state)
{
    (void)state;
    const uint64_t outside[] = { 0, 0x1F, 0x22, 0x3F, 0x44, 0x6F, 0x72, 0x3F7, 0x400,
                                 UINT64_MAX };
    for (size_t i = 0; i < sizeof outside / sizeof outside[0]; i++)
        if (bus_find(&bus, outside[i]))
            fail_msg("0x%llx is claimed", (unsigned long long)outside[i]);
}

static void test_find_on_an_empty_bus_returns_nothing(void **state)
{
    (void)state;
    assert_null(bus_find(&bus, 0));
    assert_null(bus_find(&bus, 0x3F8));
}

static void test_range_overlapping_its_predecessor_is_refused(void **state)
{
    (void)state;
    struct fake_device other = { 0 };
    struct wisp_error err = { 0 };
    /* starts inside serial (0x3F8-0x3FF) */
    assert_int_equal(reg(0x3FF, 4, "uart2", &other, &err), -1);
    assert_int_equal(err.status, WISP_EXIT_HOST_ERROR);
    assert_string_equal(err.message, "port bus: uart2 overlaps serial");
    assert_int_equal(bus.count, 4);
}

static void test_range_overlapping_its_successor_is_refused(void **state)
{
    (void)state;
    struct fake_device other = { 0 };
    struct wisp_error err = { 0 };
    /* ends inside serial */
    assert_int_equal(reg(0x3F0, 9, "uart2", &other, &err), -1);
    assert_string_equal(err.message, "port bus: uart2 overlaps serial");
    assert_int_equal(bus.count, 4);
}

static void test_ranges_sharing_a_base_or_containing_one_another_are_refused(void **state)
{
    (void)state;
    struct fake_device other = { 0 };
    const struct { uint64_t base, length; } overlaps[] = {
        { 0x3F8, 1 },     /* same base, shorter */
        { 0x3F8, 8 },     /* identical */
        { 0x3F8, 0x100 }, /* same base, longer */
        { 0x3FA, 2 },     /* inside */
        { 0x300, 0x200 }, /* around */
        { 0x0, 0x1000 },  /* around everything */
        { 0x41, 1 },      /* inside pit */
    };
    for (size_t i = 0; i < sizeof overlaps / sizeof overlaps[0]; i++) {
        struct wisp_error err = { 0 };
        if (reg(overlaps[i].base, overlaps[i].length, "other", &other, &err) != -1)
            fail_msg("0x%llx+0x%llx accepted", (unsigned long long)overlaps[i].base,
                     (unsigned long long)overlaps[i].length);
        assert_non_null(strstr(err.message, "overlaps"));
    }
    assert_int_equal(bus.count, 4);
}

static void test_ranges_that_only_touch_on_either_side_are_accepted(void **state)
{
    (void)state;
    struct fake_device below = { 0 }, above = { 0 };
    struct wisp_error err = { 0 };
    assert_int_equal(reg(0x3F0, 8, "below", &below, &err), 0);  /* ends at 0x3F8 */
    assert_int_equal(reg(0x400, 8, "above", &above, &err), 0);  /* starts at serial's end */
    assert_int_equal(reg(0x22, 0x1E, "gap", &below, &err), 0);  /* fills 0x22-0x3F exactly */
    assert_int_equal(err.status, 0);
    assert_int_equal(bus.count, 7);
    for (int i = 1; i < bus.count; i++)
        assert_true(bus.ranges[i - 1].base + bus.ranges[i - 1].length <= bus.ranges[i].base);
    assert_ptr_equal(bus_find(&bus, 0x3F7)->opaque, &below);
    assert_ptr_equal(bus_find(&bus, 0x3F8)->opaque, &serial);
    assert_ptr_equal(bus_find(&bus, 0x3FF)->opaque, &serial);
    assert_ptr_equal(bus_find(&bus, 0x400)->opaque, &above);
    assert_ptr_equal(bus_find(&bus, 0x21)->opaque, &pic);
    assert_ptr_equal(bus_find(&bus, 0x22)->opaque, &below);
    assert_ptr_equal(bus_find(&bus, 0x3F)->opaque, &below);
    assert_ptr_equal(bus_find(&bus, 0x40)->opaque, &pit);
}

static void test_empty_or_wrapping_ranges_are_refused(void **state)
{
    (void)state;
    struct fake_device other = { 0 };
    struct wisp_error err = { 0 };
    assert_int_equal(reg(0x500, 0, "empty", &other, &err), -1);
    assert_non_null(strstr(err.message, "bad range for empty"));
    err = (struct wisp_error){ 0 };
    assert_int_equal(reg(UINT64_MAX - 3, 8, "wrap", &other, &err), -1);
    assert_non_null(strstr(err.message, "bad range for wrap"));
    assert_int_equal(bus.count, 4);
}

static void test_write_reaches_the_device_with_offset_relative_to_its_base(void **state)
{
    (void)state;
    uint8_t data[2] = { 0xAB, 0xCD };
    assert_true(bus_dispatch(&bus, 0x3FD, data, 2, true));
    assert_int_equal(serial.calls, 1);
    assert_int_equal(serial.offset, 5);
    assert_int_equal(serial.size, 2);
    assert_true(serial.is_write);
    assert_memory_equal(serial.written, data, 2);
    assert_int_equal(pic.calls + pit.calls + rtc.calls, 0);
}

static void test_read_is_filled_by_the_device_that_claims_the_address(void **state)
{
    (void)state;
    uint8_t data[4] = { 0 };
    assert_true(bus_dispatch(&bus, 0x40, data, 4, false));
    assert_int_equal(pit.calls, 1);
    assert_int_equal(pit.offset, 0);
    assert_false(pit.is_write);
    const uint8_t expected[4] = { 0x40, 0x41, 0x42, 0x43 };
    assert_memory_equal(data, expected, 4);
    assert_true(bus_dispatch(&bus, 0x71, data, 1, false));
    assert_int_equal(rtc.offset, 1);
    assert_int_equal(data[0], 0x70);
}

static void test_unclaimed_access_returns_false_and_calls_nobody(void **state)
{
    (void)state;
    uint8_t data[4] = { 0x11, 0x22, 0x33, 0x44 };
    assert_false(bus_dispatch(&bus, 0x80, data, 1, false));
    assert_false(bus_dispatch(&bus, 0x400, data, 4, true));
    assert_false(bus_dispatch(&bus, 0x1F, data, 1, false));
    assert_int_equal(serial.calls + pic.calls + pit.calls + rtc.calls, 0);
    const uint8_t unchanged[4] = { 0x11, 0x22, 0x33, 0x44 };
    assert_memory_equal(data, unchanged, 4);
}

static void test_mmio_bus_dispatches_high_addresses(void **state)
{
    (void)state;
    struct wisp_error err = { 0 };
    bus.name = "mmio";
    assert_int_equal(reg(0xFEE00000ull, 0x1000, "lapic", &pic, &err), 0);
    assert_int_equal(reg(0xFEC00000ull, 0x20, "ioapic", &pit, &err), 0);
    uint8_t data[4] = { 0 };
    assert_true(bus_dispatch(&bus, 0xFEE000F0ull, data, 4, false));
    assert_int_equal(pic.offset, 0xF0);
    assert_true(bus_dispatch(&bus, 0xFEC00010ull, data, 4, true));
    assert_int_equal(pit.offset, 0x10);
    assert_false(bus_dispatch(&bus, 0xFEE01000ull, data, 4, false));
    assert_int_equal(reg(0xFEE00800ull, 0x10, "x", &rtc, &err), -1);
    assert_string_equal(err.message, "mmio bus: x overlaps lapic");
}

static void test_full_table_refuses_another_range(void **state)
{
    (void)state;
    struct wisp_error err = { 0 };
    struct fake_device dev = { 0 };
    /* Registered from the top down, so every insert shifts the table. */
    for (int i = BUS_MAX_RANGES - 1; i >= 0; i--)
        assert_int_equal(reg(0x1000 + (uint64_t)i * 0x10, 0x10, "dev", &dev, &err), 0);
    assert_int_equal(bus.count, BUS_MAX_RANGES);
    assert_int_equal(reg(0x100, 1, "one-too-many", &dev, &err), -1);
    assert_string_equal(err.message, "port bus: too many devices");
    assert_int_equal(bus.count, BUS_MAX_RANGES);
    for (int i = 0; i < BUS_MAX_RANGES; i++) {
        assert_int_equal(bus.ranges[i].base, 0x1000 + (uint64_t)i * 0x10);
        assert_ptr_equal(bus_find(&bus, 0x1000 + (uint64_t)i * 0x10 + 0xF), &bus.ranges[i]);
    }
    assert_null(bus_find(&bus, 0x1000 + BUS_MAX_RANGES * 0x10));
}

#define EMPTY(fn) cmocka_unit_test_setup(fn, empty_bus)
#define PC(fn)    cmocka_unit_test_setup(fn, pc_bus)

int main(void)
{
    const struct CMUnitTest tests[] = {
        PC(test_ranges_are_kept_sorted_by_base_whatever_the_registration_order),
        PC(test_find_returns_the_range_holding_an_address_from_first_to_last_byte),
        PC(test_find_returns_nothing_just_outside_every_range),
        EMPTY(test_find_on_an_empty_bus_returns_nothing),
        PC(test_range_overlapping_its_predecessor_is_refused),
        PC(test_range_overlapping_its_successor_is_refused),
        PC(test_ranges_sharing_a_base_or_containing_one_another_are_refused),
        PC(test_ranges_that_only_touch_on_either_side_are_accepted),
        PC(test_empty_or_wrapping_ranges_are_refused),
        PC(test_write_reaches_the_device_with_offset_relative_to_its_base),
        PC(test_read_is_filled_by_the_device_that_claims_the_address),
        PC(test_unclaimed_access_returns_false_and_calls_nobody),
        EMPTY(test_mmio_bus_dispatches_high_addresses),
        EMPTY(test_full_table_refuses_another_range),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
