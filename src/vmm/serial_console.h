/*
 * COM1's host side: guest output to a stream, host input (a terminal in raw
 * mode with Ctrl-A escapes, or a pipe) into the UART's receiver.
 */
#ifndef WISP_SERIAL_CONSOLE_H
#define WISP_SERIAL_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dev/uart16550.h"
#include "host/console.h"
#include "host/output.h"

#define SERIAL_CONSOLE_BUFFER 256

struct serial_console {
    struct host_output out; /* the guest's bytes to the host (output.h) */
    int in_fd;          /* -1: no input */
    bool terminal;      /* in_fd is a terminal: raw mode and escapes */
    bool raw;           /* raw mode is on */
    struct console_escape escape;
    uint8_t pending[SERIAL_CONSOLE_BUFFER]; /* input the UART has not taken yet */
    size_t pending_len;
    bool hold_input;   /* keep input here until the guest's driver is ready */
    /* Input goes here instead of the UART when set (a virtio console):
     * returns how many bytes it took; hold_input does not apply, the sink
     * takes only what the guest has room for. */
    size_t (*sink)(void *opaque, const uint8_t *bytes, size_t len);
    void *sink_opaque;
};

/* out: where the guest's bytes go (NULL: nowhere); stdout is line
 * buffered. On a terminal they are shown harmlessly (terminal_filter.h)
 * unless raw_output asks for them as they are. */
void serial_console_init(struct serial_console *c, FILE *out, bool raw_output, int in_fd,
                         bool terminal);

/* Asked while a slow reader holds the output up: true drops what is
 * waiting, so that a stop (a signal, the timeout) is not held up. */
void serial_console_set_give_up(struct serial_console *c, bool (*give_up)(void *), void *opaque);

/* The errno that ended the output for good (the reader went away, a full
 * disk), or 0. Output after it is dropped: the caller stops the guest. */
int serial_console_output_error(const struct serial_console *c);

/* Sends input to sink instead of the UART from now on. */
void serial_console_set_sink(struct serial_console *c,
                             size_t (*sink)(void *opaque, const uint8_t *bytes, size_t len),
                             void *opaque);

/* Raw mode on (terminals only); restored by serial_console_stop, at exit and
 * on fatal signals. */
void serial_console_start(struct serial_console *c);
void serial_console_stop(struct serial_console *c);
void serial_console_close(struct serial_console *c);

void serial_console_write(struct serial_console *c, const uint8_t *bytes, size_t len);
void serial_console_flush(struct serial_console *c);

/* Moves available host input into the UART; returns an escape command the
 * user typed, or CONSOLE_CMD_NONE. Never blocks. */
enum console_command serial_console_poll(struct serial_console *c, struct uart16550 *uart);

/* Sleeps up to timeout_ms, less if console input arrives. */
void serial_console_wait(struct serial_console *c, int timeout_ms);
/* The descriptor serial_console_wait waits on, for a caller that waits on
 * more (the control socket): -1 when no input is wanted now. */
int serial_console_wait_fd(const struct serial_console *c);

#endif
