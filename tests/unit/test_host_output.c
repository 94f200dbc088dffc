/*
 * Guest output on its way to the host (host/output.c through
 * vmm/serial_console.c): every byte arrives at a slow reader even while the
 * run loop's ticker interrupts the writes; a reader that went away is one
 * error, reported once, not a silent death by SIGPIPE; a reader that takes
 * nothing does not keep wisp from stopping; a terminal sees escape
 * sequences shown harmlessly, a pipe gets them as they are.
 *
 * Regression: the COM1/print output went through fwrite on stdout while the
 * ticker's SIGALRM (installed without SA_RESTART) interrupted the blocked
 * write() to a slow pipe, and glibc dropped the rest of its buffer: bytes
 * were lost without an error.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <pty.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "host/clock.h"
#include "host/ticker.h"
#include "vmm/serial_console.h"

#define TOTAL (4u << 20)

static int pipe_fds[2];
static uint64_t received, mismatches;

static uint8_t pattern(uint64_t i)
{
    return (uint8_t)(i * 7 + (i >> 12));
}

/* Takes 16 KiB, then naps a millisecond: a CI log collector. */
static void *slow_reader(void *arg)
{
    (void)arg;
    uint8_t buf[16384];
    struct timespec nap = { 0, 1000000 };
    for (;;) {
        ssize_t n = read(pipe_fds[0], buf, sizeof buf);
        if (n <= 0)
            break;
        for (ssize_t i = 0; i < n; i++)
            if (buf[i] != pattern(received + (uint64_t)i))
                mismatches++;
        received += (uint64_t)n;
        nanosleep(&nap, NULL);
    }
    return NULL;
}

static void test_slow_reader_gets_every_byte_while_the_ticker_runs(void **state)
{
    (void)state;
    assert_int_equal(pipe(pipe_fds), 0);
    FILE *out = fdopen(pipe_fds[1], "wb");
    assert_non_null(out);
    struct serial_console c;
    serial_console_init(&c, out, false, -1, false);
    received = mismatches = 0;
    pthread_t reader;
    assert_int_equal(pthread_create(&reader, NULL, slow_reader, NULL), 0);
    struct wisp_error err = { 0 };
    assert_int_equal(ticker_start(&err), 0);
    /* A vCPU thread's tick, every millisecond, on this writing thread. */
    struct ticker_vcpu *tick = NULL;
    assert_int_equal(ticker_vcpu_create(&tick, NULL, &err), 0);
    assert_int_equal(ticker_vcpu_attach(tick, 1, &err), 0);
    /* The print hypercall's and COM1's sizes: pieces, and single bytes. */
    uint8_t piece[1000];
    uint64_t sent = 0;
    while (sent < TOTAL) {
        size_t n = sent % 3 == 0 ? 1 : sizeof piece;
        for (size_t k = 0; k < n; k++)
            piece[k] = pattern(sent + k);
        serial_console_write(&c, piece, n);
        sent += n;
    }
    serial_console_stop(&c);
    ticker_vcpu_detach(tick);
    ticker_vcpu_destroy(tick);
    ticker_stop();
    assert_int_equal(serial_console_output_error(&c), 0);
    fclose(out);
    pthread_join(reader, NULL);
    close(pipe_fds[0]);
    assert_int_equal(mismatches, 0);
    assert_int_equal(received, sent);
}

static void test_reader_gone_is_one_error_not_sigpipe(void **state)
{
    (void)state;
    assert_int_equal(pipe(pipe_fds), 0);
    close(pipe_fds[0]);
    FILE *out = fdopen(pipe_fds[1], "wb");
    struct serial_console c;
    serial_console_init(&c, out, false, -1, false);
    serial_console_write(&c, (const uint8_t *)"lost\n", 5);
    serial_console_flush(&c);
    assert_int_equal(serial_console_output_error(&c), EPIPE);
    /* Later output is dropped without another attempt or another error. */
    for (int i = 0; i < 1000; i++)
        serial_console_write(&c, (const uint8_t *)"more\n", 5);
    serial_console_stop(&c);
    assert_int_equal(serial_console_output_error(&c), EPIPE);
    assert_int_equal(c.out.dropped, 5 + 5000);
    fclose(out);
}

static int give_up_calls;
static uint64_t give_up_after_ns;

static bool give_up_later(void *opaque)
{
    (void)opaque;
    give_up_calls++;
    return clock_monotonic_ns() >= give_up_after_ns;
}

static void test_stuck_reader_does_not_hold_up_a_stop(void **state)
{
    (void)state;
    assert_int_equal(pipe(pipe_fds), 0); /* nobody ever reads */
    FILE *out = fdopen(pipe_fds[1], "wb");
    struct serial_console c;
    serial_console_init(&c, out, false, -1, false);
    give_up_calls = 0;
    give_up_after_ns = clock_monotonic_ns() + 200000000ull;
    serial_console_set_give_up(&c, give_up_later, NULL);
    static uint8_t big[256 << 10];
    memset(big, 'x', sizeof big);
    uint64_t start = clock_monotonic_ns();
    serial_console_write(&c, big, sizeof big); /* more than the pipe holds */
    serial_console_stop(&c);
    uint64_t took = clock_monotonic_ns() - start;
    assert_true(took >= 150000000ull && took < 2000000000ull);
    assert_true(give_up_calls >= 2);
    assert_int_equal(serial_console_output_error(&c), 0);
    assert_true(c.out.dropped > 0);
    fclose(out);
    close(pipe_fds[0]);
}

/* A pty in raw mode: what the guest's bytes look like to a terminal. */
static size_t through_pty(bool raw_output, const char *text, char *got, size_t cap)
{
    int leader, follower;
    assert_int_equal(openpty(&leader, &follower, NULL, NULL, NULL), 0);
    struct termios t;
    tcgetattr(follower, &t);
    cfmakeraw(&t);
    tcsetattr(follower, TCSANOW, &t);
    FILE *out = fdopen(follower, "wb");
    struct serial_console c;
    serial_console_init(&c, out, raw_output, -1, false);
    serial_console_write(&c, (const uint8_t *)text, strlen(text));
    serial_console_stop(&c);
    fclose(out);
    size_t len = 0;
    ssize_t n;
    while (len < cap && (n = read(leader, got + len, cap - len)) > 0)
        len += (size_t)n;
    close(leader);
    return len;
}

static void test_terminal_sees_escapes_shown_unless_raw(void **state)
{
    (void)state;
    const char *evil = "\x1b]0;owned\x07\x1b[2J\x01x ok\n";
    char got[256];
    size_t n = through_pty(false, evil, got, sizeof got);
    const char *want = "^[]0;owned^G^[[2J^Ax ok\n";
    assert_int_equal(n, strlen(want));
    assert_memory_equal(got, want, n);
    n = through_pty(true, evil, got, sizeof got);
    assert_int_equal(n, strlen(evil));
    assert_memory_equal(got, evil, n);
}

static void test_pipe_gets_bytes_unchanged(void **state)
{
    (void)state;
    assert_int_equal(pipe(pipe_fds), 0);
    FILE *out = fdopen(pipe_fds[1], "wb");
    struct serial_console c;
    serial_console_init(&c, out, false, -1, false);
    static const uint8_t bytes[] = { 0x1b, '[', '6', 'n', 0x00, 0x9b, 0xff, '\n' };
    serial_console_write(&c, bytes, sizeof bytes);
    serial_console_stop(&c);
    fclose(out);
    uint8_t got[64];
    assert_int_equal(read(pipe_fds[0], got, sizeof got), sizeof bytes);
    assert_memory_equal(got, bytes, sizeof bytes);
    close(pipe_fds[0]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_slow_reader_gets_every_byte_while_the_ticker_runs),
        cmocka_unit_test(test_reader_gone_is_one_error_not_sigpipe),
        cmocka_unit_test(test_stuck_reader_does_not_hold_up_a_stop),
        cmocka_unit_test(test_terminal_sees_escapes_shown_unless_raw),
        cmocka_unit_test(test_pipe_gets_bytes_unchanged),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
