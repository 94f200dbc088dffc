#include "output.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void host_output_init(struct host_output *o, int fd, bool line_buffered, bool filter)
{
    memset(o, 0, sizeof *o);
    o->fd = fd;
    o->line_buffered = line_buffered;
    o->filter = filter;
    terminal_filter_init(&o->tf, terminal_filter_locale_is_utf8(getenv("LC_ALL"),
                                                                getenv("LC_CTYPE"),
                                                                getenv("LANG")));
}

void host_output_set_give_up(struct host_output *o, bool (*give_up)(void *), void *opaque)
{
    o->give_up = give_up;
    o->give_up_opaque = opaque;
}

int host_output_error(const struct host_output *o)
{
    return o->error;
}

static void send_buffer(struct host_output *o)
{
    if (o->len == 0)
        return;
    if (o->fd >= 0 && o->error == 0) {
        int rc = host_output_write_fd(o->fd, o->buf, o->len, o->give_up, o->give_up_opaque);
        if (rc == 0) {
            o->len = 0;
            return;
        }
        if (rc < 0)
            o->error = errno ? errno : EIO;
    }
    o->dropped += o->len;
    o->len = 0;
}

void host_output_flush(struct host_output *o)
{
    send_buffer(o);
}

/* Appends bytes that need no more filtering. Line buffered, a piece with
 * a newline in it goes out with the buffer: one write for many lines. */
static void append(struct host_output *o, const uint8_t *bytes, size_t len)
{
    while (len > 0) {
        size_t room = sizeof o->buf - o->len;
        size_t take = len < room ? len : room;
        bool newline = o->line_buffered && memchr(bytes, '\n', take) != NULL;
        memcpy(o->buf + o->len, bytes, take);
        o->len += take;
        bytes += take;
        len -= take;
        if (newline || o->len == sizeof o->buf)
            send_buffer(o);
    }
}

#define FILTER_CHUNK 256

void host_output_write(struct host_output *o, const uint8_t *bytes, size_t len)
{
    if (!o->filter) {
        append(o, bytes, len);
        return;
    }
    uint8_t shown[(FILTER_CHUNK + 3) * TERMINAL_FILTER_MAX_EXPANSION];
    while (len > 0) {
        size_t take = len < FILTER_CHUNK ? len : FILTER_CHUNK;
        append(o, shown, terminal_filter_feed(&o->tf, bytes, take, shown));
        bytes += take;
        len -= take;
    }
}

void host_output_finish(struct host_output *o)
{
    uint8_t shown[3 * TERMINAL_FILTER_MAX_EXPANSION];
    if (o->filter)
        append(o, shown, terminal_filter_finish(&o->tf, shown));
    send_buffer(o);
}
