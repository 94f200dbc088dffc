/*
 * The host side of the interactive serial console: the terminal's raw mode,
 * non-blocking input and the Ctrl-A escape keys (as in QEMU's -serial
 * mon:stdio). The terminal part has one implementation per host
 * (console_posix.c, console_windows.c); the escape keys are console.c.
 *
 * Keys after Ctrl-A:
 *   x         quit
 *   s         take a screenshot
 *   h or ?    print help
 *   Ctrl-A    send one Ctrl-A to the guest
 *   other     send Ctrl-A and that key to the guest
 */
#ifndef WISP_CONSOLE_H
#define WISP_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* ---- terminal mode ---- */

/* Puts the terminal on fd in raw mode for a serial console: no echo, no
 * line editing, no signal keys (Ctrl-C, Ctrl-Z, Ctrl-\ go to the guest), no
 * XON/XOFF, CR not turned into NL (Enter sends CR as a serial terminal
 * does), 8-bit input; output processing stays on so a lone "\n" still
 * starts a new line (a guest's "\r\n" shows the same). The old settings
 * are saved for console_restore(), which is also registered with atexit().
 * Returns 1 when raw mode was entered (or fd is already the raw terminal),
 * 0 when fd is not a terminal (nothing done), -1 on failure. Only one
 * terminal at a time.
 *
 * On Windows the same for a console: input without line input, echo or
 * processed input (Ctrl-C reaches the guest) and with virtual-terminal input
 * (keys as VT sequences), output with virtual-terminal processing, both
 * code pages UTF-8. */
int console_enter_raw(int fd, struct wisp_error *err);

/* Restores the settings saved by console_enter_raw(). Safe to call any
 * number of times, with or without raw mode, and from a signal handler
 * (it only calls tcsetattr, or SetConsoleMode, on saved state). */
void console_restore(void);

/* True between console_enter_raw() and console_restore(). */
bool console_is_raw(void);

/* ---- input ---- */

/* Reads up to cap bytes of what input fd has now, without blocking; *len
 * receives the count (0 when nothing is waiting). Returns false at the end
 * of the input (or when it fails for good). On Windows a console gives its
 * typed characters as UTF-8 and a pipe or file its bytes. */
bool console_read_available(int fd, uint8_t *buf, size_t cap, size_t *len);

/* Sleeps up to timeout_ms, less if input arrives on fd; a negative fd
 * means a plain sleep. */
void console_wait_input(int fd, int timeout_ms);

/* ---- escape keys ---- */

#define CONSOLE_ESCAPE_KEY 0x01 /* Ctrl-A */

enum console_command {
    CONSOLE_CMD_NONE = 0,
    CONSOLE_CMD_QUIT,
    CONSOLE_CMD_SCREENSHOT,
    CONSOLE_CMD_HELP,
};

/* Parser state, independent of any I/O; zero-initialised (or
 * console_escape_init) means "no escape pending". */
struct console_escape {
    bool pending; /* Ctrl-A seen, waiting for the next key */
};

void console_escape_init(struct console_escape *esc);

/* Consumes input up to and including the first command key, or all of it.
 * Bytes for the guest go to out (room for n + 1 bytes needed: a Ctrl-A
 * held back from an earlier call may come out with the next key), their
 * count to *out_len; *cmd receives the command found, or CONSOLE_CMD_NONE.
 * Returns the number of input bytes consumed (at least 1 when n > 0): call
 * again with the rest after handling the command. A trailing Ctrl-A stays
 * pending for the next call.
 *
 *     size_t done = 0;
 *     while (done < n) {
 *         done += console_escape_feed(&esc, in + done, n - done, out, &len, &cmd);
 *         send_to_guest(out, len);
 *         if (cmd != CONSOLE_CMD_NONE)
 *             handle(cmd);
 *     }
 */
size_t console_escape_feed(struct console_escape *esc, const uint8_t *in, size_t n,
                           uint8_t *out, size_t *out_len, enum console_command *cmd);

/* True when a Ctrl-A is waiting for its second key. */
bool console_escape_pending(const struct console_escape *esc);

/* Multi-line help for the escape keys, each line ending in "\n". */
const char *console_help_text(void);

#endif
