#include "terminal_filter.h"

#include <string.h>
#include <strings.h>

void terminal_filter_init(struct terminal_filter *f, bool utf8)
{
    memset(f, 0, sizeof *f);
    f->utf8 = utf8;
}

/* cat -v's notation for one byte that must not reach the terminal as is. */
static size_t show_byte(uint8_t b, uint8_t *out)
{
    size_t n = 0;
    if (b >= 0x80) {
        out[n++] = 'M';
        out[n++] = '-';
        b &= 0x7F;
    }
    if (b < 0x20) {
        out[n++] = '^';
        out[n++] = (uint8_t)(b + 0x40);
    } else if (b == 0x7F) {
        out[n++] = '^';
        out[n++] = '?';
    } else {
        out[n++] = b;
    }
    return n;
}

static bool passes_as_is(uint8_t b)
{
    return (b >= 0x20 && b < 0x7F) || b == '\t' || b == '\n' || b == '\r' || b == '\b';
}

/* Length of the UTF-8 character a lead byte starts, 0 for a byte that
 * cannot start one (a continuation byte, 0xC0/0xC1 overlongs, 0xF5+). */
static uint8_t utf8_length(uint8_t lead)
{
    if (lead >= 0xC2 && lead <= 0xDF)
        return 2;
    if (lead >= 0xE0 && lead <= 0xEF)
        return 3;
    if (lead >= 0xF0 && lead <= 0xF4)
        return 4;
    return 0;
}

/* Is b a valid next byte after held[0..len)? Rules out overlong forms,
 * UTF-16 surrogates and code points past U+10FFFF (RFC 3629's table). */
static bool utf8_continues(const uint8_t *held, uint8_t len, uint8_t b)
{
    if ((b & 0xC0) != 0x80)
        return false;
    if (len != 1)
        return true;
    switch (held[0]) {
    case 0xE0: return b >= 0xA0;
    case 0xED: return b <= 0x9F;
    case 0xF0: return b >= 0x90;
    case 0xF4: return b <= 0x8F;
    default: return true;
    }
}

static size_t show_held(struct terminal_filter *f, uint8_t *out)
{
    size_t n = 0;
    for (uint8_t i = 0; i < f->held_len; i++)
        n += show_byte(f->held[i], out + n);
    f->held_len = 0;
    f->need = 0;
    return n;
}

/* A complete character: U+0080..U+009F are the C1 controls (CSI, OSC, ...
 * to terminals that take them in UTF-8), shown byte by byte. */
static size_t emit_character(struct terminal_filter *f, uint8_t *out)
{
    if (f->need == 2 && f->held[0] == 0xC2 && f->held[1] <= 0x9F)
        return show_held(f, out);
    memcpy(out, f->held, f->held_len);
    size_t n = f->held_len;
    f->held_len = 0;
    f->need = 0;
    return n;
}

size_t terminal_filter_feed(struct terminal_filter *f, const uint8_t *in, size_t n, uint8_t *out)
{
    size_t produced = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t b = in[i];
        if (f->held_len) {
            if (utf8_continues(f->held, f->held_len, b)) {
                f->held[f->held_len++] = b;
                if (f->held_len == f->need)
                    produced += emit_character(f, out + produced);
                continue;
            }
            /* Broken off: the held bytes are shown, b starts afresh. */
            produced += show_held(f, out + produced);
        }
        if (passes_as_is(b)) {
            out[produced++] = b;
        } else if (f->utf8 && utf8_length(b)) {
            f->held[0] = b;
            f->held_len = 1;
            f->need = utf8_length(b);
        } else {
            produced += show_byte(b, out + produced);
        }
    }
    return produced;
}

size_t terminal_filter_finish(struct terminal_filter *f, uint8_t *out)
{
    return show_held(f, out);
}

static bool names_utf8(const char *locale)
{
    const char *dot = strchr(locale, '.');
    if (!dot)
        return false;
    dot++;
    return strncasecmp(dot, "UTF-8", 5) == 0 || strncasecmp(dot, "utf8", 4) == 0;
}

bool terminal_filter_locale_is_utf8(const char *lc_all, const char *lc_ctype, const char *lang)
{
    const char *settings[] = { lc_all, lc_ctype, lang };
    for (size_t i = 0; i < sizeof settings / sizeof settings[0]; i++)
        if (settings[i] && settings[i][0])
            return names_utf8(settings[i]);
    return false;
}
