/*
 * Guest output shown on a terminal without letting the guest drive it.
 *
 * A guest's bytes reach the user's terminal emulator, which obeys escape
 * sequences: a hostile guest could retitle the window, write the clipboard
 * (OSC 52), fake wisp's own lines by moving the cursor, or ask the terminal
 * for a report whose answer comes back as input (into wisp's Ctrl-A keys,
 * or into the user's shell after wisp exits). When the output is a
 * terminal wisp passes printable text, UTF-8 characters, tab, newline,
 * carriage return and backspace, and shows every other byte the way
 * `cat -v` does: ESC as "^[", DEL as "^?", a C1 control or a byte that is
 * not valid UTF-8 as "M-" and the byte's low seven bits ("M-^[" for 0x9B).
 * Files and pipes get the bytes unchanged (serial_console.c decides).
 *
 * Pure byte transformation, no I/O: state carries an unfinished UTF-8
 * character from one call to the next.
 */
#ifndef WISP_TERMINAL_FILTER_H
#define WISP_TERMINAL_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The most one input byte can become ("M-^[" is four). */
#define TERMINAL_FILTER_MAX_EXPANSION 4

struct terminal_filter {
    bool utf8;          /* the terminal decodes UTF-8; else only ASCII passes */
    uint8_t held[4];    /* the start of a UTF-8 character */
    uint8_t held_len;
    uint8_t need;       /* its full length */
};

void terminal_filter_init(struct terminal_filter *f, bool utf8);

/* Filters n bytes into out, which has room for
 * (n + 3) * TERMINAL_FILTER_MAX_EXPANSION bytes; returns the count written.
 * Up to three bytes of an unfinished character stay held for the next call. */
size_t terminal_filter_feed(struct terminal_filter *f, const uint8_t *in, size_t n, uint8_t *out);

/* Shows what is still held (an unfinished character) as single bytes;
 * out has room for 3 * TERMINAL_FILTER_MAX_EXPANSION bytes. */
size_t terminal_filter_finish(struct terminal_filter *f, uint8_t *out);

/* True when the locale settings in the environment (LC_ALL, LC_CTYPE,
 * LANG, the first one set) name UTF-8; the C locale does not. */
bool terminal_filter_locale_is_utf8(const char *lc_all, const char *lc_ctype, const char *lang);

#endif
