/*
 * One function per saved thing serves both directions: it names each field
 * once (state_u32(io, &x)...) and the same walk writes them into a buffer
 * (saving) or reads them back (loading). Little endian, no padding, no
 * pointers. A load that runs past the end, or a field a visitor rejects,
 * marks the stream failed; the caller checks state_io_failed() once.
 *
 * Times: state_time() stores a CLOCK_MONOTONIC instant relative to the
 * moment of the save (io->now_ns), and loads it relative to the moment of
 * the restore, so a timer due 3 ms after the snapshot is due 3 ms after the
 * restore in a process whose clock started elsewhere. UINT64_MAX ("never")
 * stays never.
 */
#ifndef WISP_STATE_IO_H
#define WISP_STATE_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct state_io {
    bool loading;
    bool failed;
    const char *why;     /* the first failure, a static string */
    uint8_t *data;       /* saving: grows (malloc'd); loading: the input */
    size_t size, cap;    /* saving: bytes written; loading: bytes in data */
    size_t at;           /* loading: next byte */
    uint64_t now_ns;     /* the clock at save / at load */
};

void state_io_save_begin(struct state_io *io, uint64_t now_ns);
void state_io_load_begin(struct state_io *io, const uint8_t *data, size_t size, uint64_t now_ns);
/* Loading: every byte must have been used. */
bool state_io_failed(struct state_io *io);
void state_io_fail(struct state_io *io, const char *why);

void state_u8(struct state_io *io, uint8_t *v);
void state_u16(struct state_io *io, uint16_t *v);
void state_u32(struct state_io *io, uint32_t *v);
void state_u64(struct state_io *io, uint64_t *v);
void state_i32(struct state_io *io, int32_t *v);
void state_bool(struct state_io *io, bool *v);
void state_unsigned(struct state_io *io, unsigned *v);
void state_int(struct state_io *io, int *v);
void state_bytes(struct state_io *io, void *p, size_t n);
void state_time(struct state_io *io, uint64_t *ns);

/* Loading: fails the stream when cond is false (a field out of range). */
void state_check(struct state_io *io, bool cond, const char *why);

#endif
