/*
 * wisp_fail's promise (src/core/error.h): one line, the first failure
 * kept, errno's text appended; quoted names cannot break the line or
 * reach the terminal as control characters (the command-line fuzzer found
 * a --cpu-hide list with a newline making a two-line error).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/error.h"

static void test_first_failure_is_kept(void **state)
{
    (void)state;
    struct wisp_error err = { 0 };
    assert_int_equal(wisp_fail(&err, WISP_EXIT_USAGE, "first %d", 1), -1);
    wisp_fail(&err, WISP_EXIT_BAD_KERNEL, "second");
    assert_int_equal(err.status, WISP_EXIT_USAGE);
    assert_string_equal(err.message, "first 1");
}

static void test_errno_text_is_appended(void **state)
{
    (void)state;
    struct wisp_error err = { 0 };
    errno = ENOENT;
    wisp_fail_errno(&err, WISP_EXIT_BAD_KERNEL, "cannot open %s", "k.elf");
    assert_string_equal(err.message, "cannot open k.elf: No such file or directory");
}

static void test_a_recorded_failure_gets_its_context_in_front(void **state)
{
    (void)state;
    struct wisp_error err = { 0 };
    wisp_fail(&err, WISP_EXIT_USAGE, "inner");
    assert_int_equal(wisp_fail_prefixed(&err, 0, "%s %u", "vCPU", 1), -1);
    assert_int_equal(err.status, WISP_EXIT_USAGE);
    assert_string_equal(err.message, "vCPU 1: inner");
    wisp_fail_prefixed(&err, WISP_EXIT_BAD_KERNEL, "f.snap");
    assert_int_equal(err.status, WISP_EXIT_BAD_KERNEL);
    assert_string_equal(err.message, "f.snap: vCPU 1: inner");
}

static void test_control_characters_never_reach_the_message(void **state)
{
    (void)state;
    struct wisp_error err = { 0 };
    wisp_fail(&err, WISP_EXIT_USAGE, "--cpu-hide: bad feature list '%s'",
              "a\nvx2\x1b]0;title\x07\r\x7f,caf\xc3\xa9");
    assert_string_equal(err.message,
                        "--cpu-hide: bad feature list 'a?vx2?]0;title???,caf\xc3\xa9'");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_first_failure_is_kept),
        cmocka_unit_test(test_errno_text_is_appended),
        cmocka_unit_test(test_a_recorded_failure_gets_its_context_in_front),
        cmocka_unit_test(test_control_characters_never_reach_the_message),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
