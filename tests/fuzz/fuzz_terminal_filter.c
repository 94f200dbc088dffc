/*
 * libFuzzer target: the filter between a guest's output and the user's
 * terminal (host/terminal_filter.c), input in pieces of any size. Checks
 * what it promises: the output is valid UTF-8 (or ASCII without UTF-8)
 * with no control character but tab, newline, carriage return and
 * backspace, no DEL, no C1 control; it fits the documented room; and the
 * pieces do not matter (the same output as one call).
 */
#include <string.h>

#include "fuzz_input.h"
#include "host/terminal_filter.h"

#define CAP 4096

static uint8_t whole[(CAP + 3) * TERMINAL_FILTER_MAX_EXPANSION + 16];
static uint8_t pieces[(CAP + 3) * TERMINAL_FILTER_MAX_EXPANSION + 16];

static size_t run(bool utf8, const uint8_t *in, size_t n, size_t piece, uint8_t *out)
{
    struct terminal_filter f;
    terminal_filter_init(&f, utf8);
    size_t len = 0;
    for (size_t pos = 0; pos < n; pos += piece) {
        size_t take = n - pos < piece ? n - pos : piece;
        size_t got = terminal_filter_feed(&f, in + pos, take, out + len);
        fuzz_check(got <= (take + 3) * TERMINAL_FILTER_MAX_EXPANSION, "within the room");
        len += got;
    }
    return len + terminal_filter_finish(&f, out + len);
}

static void check_harmless(const uint8_t *s, size_t n, bool utf8)
{
    for (size_t i = 0; i < n;) {
        uint8_t b = s[i];
        if (b < 0x80) {
            fuzz_check(b >= 0x20 || b == '\t' || b == '\n' || b == '\r' || b == '\b',
                       "no control characters");
            fuzz_check(b != 0x7F, "no DEL");
            i++;
            continue;
        }
        fuzz_check(utf8, "ASCII only without UTF-8");
        size_t len = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2;
        fuzz_check(b >= 0xC2 && b <= 0xF4 && i + len <= n, "a whole UTF-8 lead");
        uint32_t cp = b & (0xFF >> (len + 1));
        for (size_t k = 1; k < len; k++) {
            fuzz_check((s[i + k] & 0xC0) == 0x80, "continuation bytes");
            cp = cp << 6 | (s[i + k] & 0x3F);
        }
        fuzz_check(cp >= 0xA0, "no C1 controls");
        fuzz_check(cp < 0xD800 || cp > 0xDFFF, "no surrogates");
        fuzz_check(cp <= 0x10FFFF && (len < 3 || cp >= 0x800) && (len < 4 || cp >= 0x10000),
                   "no overlong forms");
        i += len;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    bool utf8 = !(data[0] & 0x80);
    size_t piece = 1 + (data[0] & 0x7F) % 13;
    data++;
    size--;
    if (size > CAP)
        size = CAP;
    size_t a = run(utf8, data, size, size ? size : 1, whole);
    size_t b = run(utf8, data, size, piece, pieces);
    fuzz_check(a == b && memcmp(whole, pieces, a) == 0, "pieces do not matter");
    check_harmless(whole, a, utf8);
    return 0;
}
