/*
 * Guest output on a terminal (host/terminal_filter.c): text, UTF-8, tab,
 * newline, carriage return and backspace pass; escape sequences, other
 * control characters, C1 controls and broken UTF-8 come out in cat -v's
 * notation, so the terminal never obeys the guest.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "host/terminal_filter.h"

static char shown[4096];

/* Feeds text in pieces of `step` bytes (0: all at once), then finishes. */
static const char *filter_steps(bool utf8, const char *in, size_t n, size_t step)
{
    struct terminal_filter f;
    terminal_filter_init(&f, utf8);
    size_t len = 0;
    if (step == 0)
        step = n ? n : 1;
    for (size_t i = 0; i < n; i += step) {
        size_t take = n - i < step ? n - i : step;
        assert_true(len + (take + 3) * TERMINAL_FILTER_MAX_EXPANSION < sizeof shown);
        len += terminal_filter_feed(&f, (const uint8_t *)in + i, take, (uint8_t *)shown + len);
    }
    len += terminal_filter_finish(&f, (uint8_t *)shown + len);
    shown[len] = '\0';
    return shown;
}

static const char *filter(bool utf8, const char *in)
{
    return filter_steps(utf8, in, strlen(in), 0);
}

static void test_text_and_layout_characters_pass(void **state)
{
    (void)state;
    assert_string_equal(filter(true, "hello, world\n\tx\r\b!~"), "hello, world\n\tx\r\b!~");
    assert_string_equal(filter(false, "plain ASCII\r\n"), "plain ASCII\r\n");
}

static void test_escape_sequences_are_shown_not_obeyed(void **state)
{
    (void)state;
    assert_string_equal(filter(true, "\x1b[31mred\x1b[0m"), "^[[31mred^[[0m");
    /* retitle, clipboard write, status report query */
    assert_string_equal(filter(true, "\x1b]0;pwned\x07"), "^[]0;pwned^G");
    assert_string_equal(filter(true, "\x1b]52;c;ZXZpbA==\x07"), "^[]52;c;ZXZpbA==^G");
    assert_string_equal(filter(true, "\x1b[6n"), "^[[6n");
    /* a fake wisp line drawn over the previous one */
    assert_string_equal(filter(true, "\x1b[1A\x1b[2Kwisp: fake"), "^[[1A^[[2Kwisp: fake");
}

static void test_other_control_characters(void **state)
{
    (void)state;
    static const char in[] = { 0x00, 0x01, 0x07, 0x0B, 0x0C, 0x0E, 0x1A, 0x1F, 0x7F };
    assert_string_equal(filter_steps(true, in, sizeof in, 0), "^@^A^G^K^L^N^Z^_^?");
}

static void test_utf8_passes_even_when_split(void **state)
{
    (void)state;
    const char *text = "h\xc3\xa9llo \xe2\x9c\x93 \xf0\x9f\x98\x80 \xef\xbf\xbd";
    for (size_t step = 0; step < 5; step++)
        assert_string_equal(filter_steps(true, text, strlen(text), step), text);
}

static void test_c1_controls_are_shown(void **state)
{
    (void)state;
    /* CSI and OSC as raw 8-bit bytes and as UTF-8 characters */
    assert_string_equal(filter(true, "\x9b" "31m"), "M-^[31m");
    assert_string_equal(filter(true, "\xc2\x9b" "31m"), "M-BM-^[31m");
    assert_string_equal(filter(true, "\xc2\x9d" "0;t\xc2\x9c"), "M-BM-^]0;tM-BM-^\\");
    /* U+00A0 and up are text */
    assert_string_equal(filter(true, "\xc2\xa0\xc2\xbf"), "\xc2\xa0\xc2\xbf");
}

static void test_broken_utf8_is_shown_byte_by_byte(void **state)
{
    (void)state;
    assert_string_equal(filter(true, "\x80"), "M-^@");               /* stray continuation */
    assert_string_equal(filter(true, "\xc0\x80"), "M-@M-^@");        /* overlong NUL */
    assert_string_equal(filter(true, "\xe0\x80\x80"), "M-`M-^@M-^@"); /* overlong */
    assert_string_equal(filter(true, "\xed\xa0\x80"), "M-mM- M-^@"); /* surrogate */
    assert_string_equal(filter(true, "\xf4\x90\x80\x80"), "M-tM-^PM-^@M-^@"); /* > U+10FFFF */
    assert_string_equal(filter(true, "\xf5"), "M-u");
    assert_string_equal(filter(true, "\xe2\x82" "A"), "M-bM-^BA");  /* cut short */
    assert_string_equal(filter(true, "\xe2\x82\x1b"), "M-bM-^B^[");
    assert_string_equal(filter(true, "\xe2\x82"), "M-bM-^B");       /* at the end */
}

static void test_without_utf8_only_ascii_passes(void **state)
{
    (void)state;
    assert_string_equal(filter(false, "caf\xc3\xa9"), "cafM-CM-)");
    assert_string_equal(filter(false, "\x9b"), "M-^[");
}

static void test_worst_case_expansion_fits(void **state)
{
    (void)state;
    uint8_t in[64], out[(64 + 3) * TERMINAL_FILTER_MAX_EXPANSION];
    memset(in, 0x9B, sizeof in);
    struct terminal_filter f;
    terminal_filter_init(&f, true);
    assert_int_equal(terminal_filter_feed(&f, in, sizeof in, out), 4 * sizeof in);
    /* three held bytes broken off by a fourth that needs four */
    static const uint8_t tail[] = { 0xF0, 0x9F, 0x98, 0x9B };
    terminal_filter_init(&f, true);
    size_t n = terminal_filter_feed(&f, tail, 3, out);
    n += terminal_filter_feed(&f, (const uint8_t *)"\x9b", 1, out + n);
    assert_true(n <= 4 * TERMINAL_FILTER_MAX_EXPANSION);
}

static void test_locale(void **state)
{
    (void)state;
    assert_true(terminal_filter_locale_is_utf8(NULL, NULL, "en_US.UTF-8"));
    assert_true(terminal_filter_locale_is_utf8(NULL, "C.utf8", NULL));
    assert_true(terminal_filter_locale_is_utf8("de_DE.UTF-8@euro", NULL, "C"));
    assert_false(terminal_filter_locale_is_utf8("C", NULL, "en_US.UTF-8")); /* LC_ALL wins */
    assert_false(terminal_filter_locale_is_utf8("", "", "POSIX"));
    assert_false(terminal_filter_locale_is_utf8(NULL, NULL, NULL));
    assert_false(terminal_filter_locale_is_utf8(NULL, NULL, "en_US.ISO-8859-1"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text_and_layout_characters_pass),
        cmocka_unit_test(test_escape_sequences_are_shown_not_obeyed),
        cmocka_unit_test(test_other_control_characters),
        cmocka_unit_test(test_utf8_passes_even_when_split),
        cmocka_unit_test(test_c1_controls_are_shown),
        cmocka_unit_test(test_broken_utf8_is_shown_byte_by_byte),
        cmocka_unit_test(test_without_utf8_only_ascii_passes),
        cmocka_unit_test(test_worst_case_expansion_fits),
        cmocka_unit_test(test_locale),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
