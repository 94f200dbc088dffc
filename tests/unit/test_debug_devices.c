/*
 * QEMU's debug devices: the 0xE9 debug console (every byte written goes
 * out, reads answer 0xE9, wide accesses write their low byte) and
 * isa-debug-exit (a write of V exits with (V << 1) | 1, 8 bits of it, for
 * byte, word and dword writes; reads give 0), both through the port bus.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/bus.h"
#include "dev/debugcon.h"
#include "dev/isa_debug_exit.h"

static char out[64];
static size_t out_len;
static void collect(void *opaque, uint8_t byte)
{
    (void)opaque;
    if (out_len < sizeof out)
        out[out_len++] = (char)byte;
}

static uint64_t exit_value;
static int exit_status = -1;
static void record_exit(void *opaque, uint64_t value, int status)
{
    (void)opaque;
    exit_value = value;
    exit_status = status;
}

static void test_debugcon(void **state)
{
    (void)state;
    static const struct debugcon_ops ops = { collect };
    struct debugcon d;
    struct bus ports = { .name = "port" };
    struct wisp_error err = { 0 };
    debugcon_init(&d, &ops, NULL);
    assert_int_equal(bus_register(&ports, DEBUGCON_PORT, 1, "debugcon", debugcon_io, &d, &err), 0);
    out_len = 0;
    for (const char *s = "hi\n"; *s; s++) {
        uint8_t b = (uint8_t)*s;
        assert_true(bus_dispatch(&ports, 0xE9, &b, 1, true));
    }
    uint8_t word[2] = { 'x', 'y' };
    assert_true(bus_dispatch(&ports, 0xE9, word, 2, true));
    assert_int_equal(out_len, 4);
    assert_memory_equal(out, "hi\nx", 4);
    assert_int_equal(d.bytes_written, 4);
    uint8_t r[4] = { 0 };
    assert_true(bus_dispatch(&ports, 0xE9, r, 1, false));
    assert_int_equal(r[0], 0xE9);
    assert_true(bus_dispatch(&ports, 0xE9, r, 4, false));
    assert_memory_equal(r, "\xE9\xE9\xE9\xE9", 4);
    assert_false(bus_dispatch(&ports, 0xEA, r, 1, false));
}

static void test_isa_debug_exit_status(void **state)
{
    (void)state;
    assert_int_equal(isa_debug_exit_status(0), 1);
    assert_int_equal(isa_debug_exit_status(1), 3);
    assert_int_equal(isa_debug_exit_status(0x10), 33);
    assert_int_equal(isa_debug_exit_status(0x31), 99);
    assert_int_equal(isa_debug_exit_status(0x7F), 255);
    assert_int_equal(isa_debug_exit_status(0x80), 1); /* 0x101 cut to 8 bits */
    assert_int_equal(isa_debug_exit_status(0x12345678), 0xF1);
}

static void test_isa_debug_exit_ports(void **state)
{
    (void)state;
    static const struct isa_debug_exit_ops ops = { record_exit };
    struct isa_debug_exit d;
    struct bus ports = { .name = "port" };
    struct wisp_error err = { 0 };
    isa_debug_exit_init(&d, &ops, NULL);
    assert_int_equal(bus_register(&ports, 0xF4, 4, "isa-debug-exit", isa_debug_exit_io, &d,
                                  &err), 0);
    uint8_t b = 0x10;
    assert_true(bus_dispatch(&ports, 0xF4, &b, 1, true));
    assert_int_equal(exit_value, 0x10);
    assert_int_equal(exit_status, 33);
    uint8_t w[2] = { 0x02, 0x01 };
    assert_true(bus_dispatch(&ports, 0xF6, w, 2, true));
    assert_int_equal(exit_value, 0x102);
    assert_int_equal(exit_status, 5);
    uint8_t l[4] = { 0x01, 0, 0, 0 };
    assert_true(bus_dispatch(&ports, 0xF4, l, 4, true));
    assert_int_equal(exit_status, 3);
    uint8_t r[4] = { 0xAA, 0xAA, 0xAA, 0xAA };
    exit_status = -1;
    assert_true(bus_dispatch(&ports, 0xF5, r, 2, false));
    assert_int_equal(r[0] | r[1], 0);
    assert_int_equal(exit_status, -1); /* a read exits nothing */
    assert_false(bus_dispatch(&ports, 0xF8, r, 1, true));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_debugcon),
        cmocka_unit_test(test_isa_debug_exit_status),
        cmocka_unit_test(test_isa_debug_exit_ports),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
