/*
 * The ticker's signal handling (host/ticker_posix.c): during the run a stop
 * signal becomes a flag the run loop reads; after the run (the final
 * screenshot, the teardown) nobody reads that flag any more, so a stop
 * signal must end wisp itself with status 128+N.
 *
 * Regression: the stop handlers outlived the ticker, so Ctrl-C during the
 * final screenshot or the teardown was swallowed.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "host/ticker.h"

/* Runs body in a child and returns its wait status. */
static int in_child(void (*body)(void))
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        body();
        _exit(0);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return status;
}

static void signal_during_run(void)
{
    struct wisp_error err = { 0 };
    if (ticker_start(&err) < 0)
        _exit(3);
    raise(SIGTERM);
    int sig = 0;
    unsigned events = ticker_take_events(&sig);
    ticker_stop();
    _exit(events == TICKER_STOP && sig == SIGTERM ? 0 : 4);
}

static void test_stop_signal_during_the_run_is_a_flag(void **state)
{
    (void)state;
    int status = in_child(signal_during_run);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

static void signal_after_run(void)
{
    struct wisp_error err = { 0 };
    if (ticker_start(&err) < 0)
        _exit(3);
    ticker_stop();
    raise(SIGINT); /* Ctrl-C while the screenshot is written */
    _exit(0);      /* not reached once fixed */
}

static void test_stop_signal_after_the_run_ends_wisp(void **state)
{
    (void)state;
    int status = in_child(signal_after_run);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 128 + SIGINT);
}

static void signal_between_last_look_and_stop(void)
{
    struct wisp_error err = { 0 };
    if (ticker_start(&err) < 0)
        _exit(3);
    ticker_take_events(NULL);
    raise(SIGHUP); /* after the loop's last look, before ticker_stop */
    ticker_stop();
    _exit(0);
}

static void test_stop_signal_just_before_stop_is_not_lost(void **state)
{
    (void)state;
    int status = in_child(signal_between_last_look_and_stop);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 128 + SIGHUP);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stop_signal_during_the_run_is_a_flag),
        cmocka_unit_test(test_stop_signal_after_the_run_ends_wisp),
        cmocka_unit_test(test_stop_signal_just_before_stop_is_not_lost),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
