/*
 * Guest output (COM1 and the print hypercall) on its way to a host file
 * descriptor, written so that nothing is lost and nothing grows without
 * bound:
 *
 *  - a bounded buffer; when it is full, or at a newline when line
 *    buffered, or on host_output_flush(), it goes out through a write loop
 *    that resumes after signals (the run loop's ticker interrupts blocking
 *    calls on purpose) and after partial writes. A slow reader therefore
 *    slows the guest down instead of losing bytes or piling them up;
 *  - while the reader does not take anything, the loop asks give_up()
 *    about every 10 ms, so --timeout and Ctrl-C still stop wisp; the
 *    unwritten bytes are then dropped;
 *  - a write that fails for good (the reader went away: EPIPE, a full
 *    disk) is remembered once with its errno; later output is dropped and
 *    the caller stops the guest with a message (host_output_error);
 *  - on a terminal, with filter set, bytes go through terminal_filter.h.
 *
 * The write loop itself has one implementation per host (output_posix.c,
 * output_windows.c).
 */
#ifndef WISP_HOST_OUTPUT_H
#define WISP_HOST_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "terminal_filter.h"

#define HOST_OUTPUT_BUFFER 4096

struct host_output {
    int fd;                        /* -1: output goes nowhere */
    bool line_buffered;            /* flush at every newline */
    bool filter;                   /* terminal_filter the bytes */
    struct terminal_filter tf;
    bool (*give_up)(void *opaque); /* may be NULL: never give up */
    void *give_up_opaque;
    int error;                     /* errno of the failure that ended output, or 0 */
    uint64_t dropped;              /* bytes dropped after a failure or giving up */
    size_t len;
    uint8_t buf[HOST_OUTPUT_BUFFER];
};

void host_output_init(struct host_output *o, int fd, bool line_buffered, bool filter);
void host_output_set_give_up(struct host_output *o, bool (*give_up)(void *), void *opaque);

void host_output_write(struct host_output *o, const uint8_t *bytes, size_t len);
void host_output_flush(struct host_output *o);
/* The end of the output: an unfinished UTF-8 character held by the filter
 * is shown byte by byte, then everything is flushed. */
void host_output_finish(struct host_output *o);

/* The errno that ended the output for good, 0 while it works. */
int host_output_error(const struct host_output *o);

/* ---- per host (output_posix.c, output_windows.c) ---- */

/* Writes all of [bytes, bytes+len) to fd, resuming after interruptions and
 * partial writes. Returns 0 when everything was written, 1 when give_up
 * said to stop first, -1 with errno set when a write failed for good. */
int host_output_write_fd(int fd, const uint8_t *bytes, size_t len,
                         bool (*give_up)(void *), void *opaque);

/* True when fd is a terminal (its output should be filtered). */
bool host_output_is_terminal(int fd);

/* Makes a write to a pipe whose reader went away fail with EPIPE instead of
 * killing wisp silently with SIGPIPE (nothing to do on Windows). */
void host_output_ignore_broken_pipes(void);

#endif
