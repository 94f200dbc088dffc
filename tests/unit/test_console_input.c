/*
 * The console's host input (console.h, console_posix.c here): reading
 * whatever a pipe holds without blocking, telling "nothing yet" from "end
 * of input", and waiting for input with a timeout. console_windows.c keeps
 * the same contract with PeekNamedPipe and console key events.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>
#include <time.h>
#include <unistd.h>

#include "host/console.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void test_pipe_data_then_end(void **state)
{
    (void)state;
    int p[2];
    assert_int_equal(pipe(p), 0);
    uint8_t buf[64];
    size_t len = 99;

    assert_true(console_read_available(p[0], buf, sizeof buf, &len));
    assert_int_equal(len, 0); /* nothing yet, and no blocking */

    assert_int_equal(write(p[1], "hello", 5), 5);
    assert_true(console_read_available(p[0], buf, sizeof buf, &len));
    assert_int_equal(len, 5);
    assert_memory_equal(buf, "hello", 5);

    assert_int_equal(write(p[1], "0123456789", 10), 10);
    assert_true(console_read_available(p[0], buf, 4, &len)); /* at most cap */
    assert_int_equal(len, 4);
    assert_true(console_read_available(p[0], buf, sizeof buf, &len));
    assert_int_equal(len, 6);
    assert_memory_equal(buf, "456789", 6);

    close(p[1]);
    assert_false(console_read_available(p[0], buf, sizeof buf, &len));
    assert_int_equal(len, 0);
    close(p[0]);
}

static void test_wait_returns_early_on_input(void **state)
{
    (void)state;
    int p[2];
    assert_int_equal(pipe(p), 0);
    assert_int_equal(write(p[1], "x", 1), 1);
    double start = now_ms();
    console_wait_input(p[0], 5000);
    assert_true(now_ms() - start < 1000);
    close(p[0]);
    close(p[1]);
}

static void test_wait_times_out(void **state)
{
    (void)state;
    int p[2];
    assert_int_equal(pipe(p), 0);
    double start = now_ms();
    console_wait_input(p[0], 30);
    double waited = now_ms() - start;
    assert_true(waited >= 25 && waited < 2000);

    start = now_ms();
    console_wait_input(-1, 30); /* no input: a plain sleep */
    waited = now_ms() - start;
    assert_true(waited >= 25 && waited < 2000);
    close(p[0]);
    close(p[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pipe_data_then_end),
        cmocka_unit_test(test_wait_returns_early_on_input),
        cmocka_unit_test(test_wait_times_out),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
