#include "serial_console.h"

#include <signal.h>
#include <string.h>

#define READ_CHUNK 64

void serial_console_init(struct serial_console *c, FILE *out, bool raw_output, int in_fd,
                         bool terminal)
{
    memset(c, 0, sizeof *c);
    int fd = out ? fileno(out) : -1;
    /* The guest's bytes go straight to the descriptor: out's stdio buffer
     * is never used, so nothing is left in it. */
    host_output_init(&c->out, fd, out == stdout,
                     !raw_output && host_output_is_terminal(fd));
    host_output_ignore_broken_pipes();
    c->in_fd = in_fd;
    c->terminal = terminal && in_fd >= 0;
    console_escape_init(&c->escape);
}

/* A crash of wisp itself must not leave the user's terminal raw. */
static void restore_and_reraise(int sig)
{
    console_restore();
    signal(sig, SIG_DFL);
    raise(sig);
}

void serial_console_start(struct serial_console *c)
{
    if (!c->terminal)
        return;
    struct wisp_error err = { 0 };
    if (console_enter_raw(c->in_fd, &err) < 0) {
        fprintf(stderr, "wisp: %s; the console stays in line mode\n", err.message);
        return;
    }
    c->raw = true;
    static const int fatal[] = {
        SIGSEGV, SIGABRT, SIGFPE, SIGILL,
#ifndef _WIN32 /* Windows has neither */
        SIGBUS, SIGQUIT,
#endif
    };
    for (size_t i = 0; i < sizeof fatal / sizeof fatal[0]; i++)
        signal(fatal[i], restore_and_reraise);
}

void serial_console_stop(struct serial_console *c)
{
    host_output_finish(&c->out);
    if (c->raw) {
        console_restore();
        c->raw = false;
    }
}

void serial_console_close(struct serial_console *c)
{
    serial_console_stop(c);
}

void serial_console_set_give_up(struct serial_console *c, bool (*give_up)(void *), void *opaque)
{
    host_output_set_give_up(&c->out, give_up, opaque);
}

void serial_console_write(struct serial_console *c, const uint8_t *bytes, size_t len)
{
    host_output_write(&c->out, bytes, len);
}

void serial_console_flush(struct serial_console *c)
{
    host_output_flush(&c->out);
}

int serial_console_output_error(const struct serial_console *c)
{
    return host_output_error(&c->out);
}

void serial_console_set_sink(struct serial_console *c,
                             size_t (*sink)(void *opaque, const uint8_t *bytes, size_t len),
                             void *opaque)
{
    c->sink = sink;
    c->sink_opaque = opaque;
}

static void drain_into_uart(struct serial_console *c, struct uart16550 *uart)
{
    if (c->pending_len == 0 || (c->hold_input && !c->sink))
        return;
    size_t taken = c->sink ? c->sink(c->sink_opaque, c->pending, c->pending_len)
                           : uart16550_receive(uart, c->pending, c->pending_len);
    memmove(c->pending, c->pending + taken, c->pending_len - taken);
    c->pending_len -= taken;
}

/* Reads what is there without blocking; false at end of input. */
static bool read_available(struct serial_console *c, uint8_t *buf, size_t *len)
{
    return console_read_available(c->in_fd, buf, READ_CHUNK, len);
}

enum console_command serial_console_poll(struct serial_console *c, struct uart16550 *uart)
{
    drain_into_uart(c, uart);
    if (c->in_fd < 0 || sizeof c->pending - c->pending_len < READ_CHUNK + 1)
        return CONSOLE_CMD_NONE;

    uint8_t input[READ_CHUNK];
    size_t n;
    if (!read_available(c, input, &n)) {
        c->in_fd = -1; /* end of input: the guest just sees no more bytes */
        return CONSOLE_CMD_NONE;
    }
    if (!c->terminal) {
        memcpy(c->pending + c->pending_len, input, n);
        c->pending_len += n;
        drain_into_uart(c, uart);
        return CONSOLE_CMD_NONE;
    }

    enum console_command found = CONSOLE_CMD_NONE;
    size_t done = 0;
    while (done < n) {
        uint8_t out[READ_CHUNK + 1];
        size_t out_len;
        enum console_command cmd;
        done += console_escape_feed(&c->escape, input + done, n - done, out, &out_len, &cmd);
        memcpy(c->pending + c->pending_len, out, out_len);
        c->pending_len += out_len;
        if (cmd == CONSOLE_CMD_HELP)
            fputs(console_help_text(), stderr);
        else if (cmd != CONSOLE_CMD_NONE && found == CONSOLE_CMD_NONE)
            found = cmd; /* quit wins over later keys: the rest is dropped with it */
    }
    drain_into_uart(c, uart);
    return found;
}

int serial_console_wait_fd(const struct serial_console *c)
{
    /* Input that could not be stored yet must not wake us over and over. */
    bool room = sizeof c->pending - c->pending_len >= READ_CHUNK + 1;
    return room ? c->in_fd : -1;
}

void serial_console_wait(struct serial_console *c, int timeout_ms)
{
    /* A negative fd means a plain sleep. */
    console_wait_input(serial_console_wait_fd(c), timeout_ms);
}
