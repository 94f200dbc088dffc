/* --trace's kinds and lines (src/debug/trace.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "debug/trace.h"

static void test_parse(void **state)
{
    (void)state;
    unsigned mask;
    char bad[80];
    assert_true(trace_parse("io,mmio", &mask, bad, sizeof bad));
    assert_int_equal(mask, TRACE_IO | TRACE_MMIO);
    assert_true(trace_parse("all", &mask, bad, sizeof bad));
    assert_int_equal(mask, TRACE_ALL);
    assert_true(trace_parse("cpu-reset,exceptions,interrupts,msr", &mask, bad, sizeof bad));
    assert_int_equal(mask, TRACE_CPU_RESET | TRACE_EXCEPTIONS | TRACE_INTERRUPTS | TRACE_MSR);
    assert_false(trace_parse("io,int", &mask, bad, sizeof bad));
    assert_string_equal(bad, "int");
    assert_false(trace_parse("", &mask, bad, sizeof bad));
    assert_false(trace_parse("io,", &mask, bad, sizeof bad));
}

static void test_lines(void **state)
{
    (void)state;
    char line[192];
    uint8_t data[4] = { 0x41, 0, 0, 0 };
    struct accel_exit e = { .reason = ACCEL_EXIT_IO_PORT_ACCESS, .rip = 0x1234 };
    e.u.io = (struct accel_io_access){ .port = 0x3f8, .size = 1, .is_write = true, .count = 1,
                                       .data = data };
    assert_int_equal(trace_exit_line(line, sizeof line, TRACE_MMIO, -1, &e), 0);
    assert_true(trace_exit_line(line, sizeof line, TRACE_IO, -1, &e) > 0);
    assert_string_equal(line, "wisp: trace: io out port=0x03f8 size=1 value=0x41 rip=0x1234\n");
    e.u.io.count = 3;
    e.u.io.is_write = false;
    trace_exit_line(line, sizeof line, TRACE_IO, 2, &e);
    assert_string_equal(line,
                        "wisp: trace: cpu2 io in  port=0x03f8 size=1 value=0x41 count=3 rip=0x1234\n");
    e.reason = ACCEL_EXIT_MEMORY_ACCESS;
    e.u.memory = (struct accel_memory_access){ .gpa = 0xfee00080, .access = ACCEL_ACCESS_WRITE,
                                               .size = 4, .data = { 0x10, 0, 0, 0 } };
    trace_exit_line(line, sizeof line, TRACE_MMIO, -1, &e);
    assert_string_equal(line,
                        "wisp: trace: mmio write gpa=0xfee00080 size=4 value=0x00000010 rip=0x1234\n");
    e.reason = ACCEL_EXIT_MSR_ACCESS;
    e.u.msr = (struct accel_msr_access){ .index = 0x40000000, .value = 5, .inject_gp = true };
    trace_exit_line(line, sizeof line, TRACE_MSR, -1, &e);
    assert_string_equal(line, "wisp: trace: msr read  0x40000000 value=0x0000000000000005 #GP "
                              "rip=0x1234\n");
    e.reason = ACCEL_EXIT_HALT;
    assert_int_equal(trace_exit_line(line, sizeof line, TRACE_ALL, -1, &e), 0);
    /* too small a buffer: nothing rather than half a line */
    e.reason = ACCEL_EXIT_MSR_ACCESS;
    assert_int_equal(trace_exit_line(line, 20, TRACE_MSR, -1, &e), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
