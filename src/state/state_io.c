/* The two-way field walker (state_io.h). */
#include "state_io.h"

#include <stdlib.h>
#include <string.h>

void state_io_save_begin(struct state_io *io, uint64_t now_ns)
{
    *io = (struct state_io){ .loading = false, .now_ns = now_ns };
}

void state_io_load_begin(struct state_io *io, const uint8_t *data, size_t size, uint64_t now_ns)
{
    *io = (struct state_io){ .loading = true, .data = (uint8_t *)data, .size = size,
                             .now_ns = now_ns };
}

void state_io_fail(struct state_io *io, const char *why)
{
    if (!io->failed)
        io->why = why;
    io->failed = true;
}

bool state_io_failed(struct state_io *io)
{
    if (io->loading && !io->failed && io->at != io->size)
        state_io_fail(io, "bytes left over");
    return io->failed;
}

void state_check(struct state_io *io, bool cond, const char *why)
{
    if (io->loading && !cond)
        state_io_fail(io, why);
}

void state_bytes(struct state_io *io, void *p, size_t n)
{
    if (io->failed)
        return;
    if (io->loading) {
        if (n > io->size - io->at) {
            state_io_fail(io, "cut short");
            memset(p, 0, n);
            return;
        }
        memcpy(p, io->data + io->at, n);
        io->at += n;
        return;
    }
    if (n > io->cap - io->size) {
        size_t cap = io->cap ? io->cap * 2 : 256;
        while (cap - io->size < n)
            cap *= 2;
        uint8_t *grown = realloc(io->data, cap);
        if (!grown) {
            state_io_fail(io, "out of memory");
            return;
        }
        io->data = grown;
        io->cap = cap;
    }
    memcpy(io->data + io->size, p, n);
    io->size += n;
}

/* n-byte little-endian integers. */
static void le(struct state_io *io, uint64_t *v, unsigned n)
{
    uint8_t b[8] = { 0 };
    if (!io->loading)
        for (unsigned i = 0; i < n; i++)
            b[i] = (uint8_t)(*v >> (8 * i));
    state_bytes(io, b, n);
    if (io->loading) {
        uint64_t x = 0;
        for (unsigned i = 0; i < n; i++)
            x |= (uint64_t)b[i] << (8 * i);
        *v = x;
    }
}

void state_u8(struct state_io *io, uint8_t *v)
{
    uint64_t x = *v;
    le(io, &x, 1);
    *v = (uint8_t)x;
}

void state_u16(struct state_io *io, uint16_t *v)
{
    uint64_t x = *v;
    le(io, &x, 2);
    *v = (uint16_t)x;
}

void state_u32(struct state_io *io, uint32_t *v)
{
    uint64_t x = *v;
    le(io, &x, 4);
    *v = (uint32_t)x;
}

void state_u64(struct state_io *io, uint64_t *v)
{
    le(io, v, 8);
}

void state_i32(struct state_io *io, int32_t *v)
{
    uint32_t x = (uint32_t)*v;
    state_u32(io, &x);
    *v = (int32_t)x;
}

void state_bool(struct state_io *io, bool *v)
{
    uint8_t x = *v ? 1 : 0;
    state_u8(io, &x);
    state_check(io, x <= 1, "a flag is neither 0 nor 1");
    *v = x == 1;
}

void state_unsigned(struct state_io *io, unsigned *v)
{
    uint32_t x = *v;
    state_u32(io, &x);
    *v = x;
}

void state_int(struct state_io *io, int *v)
{
    int32_t x = *v;
    state_i32(io, &x);
    *v = x;
}

void state_time(struct state_io *io, uint64_t *ns)
{
    /* Saved: "never" as UINT64_MAX, otherwise the signed distance from now. */
    uint64_t x = *ns;
    if (!io->loading && x != UINT64_MAX)
        x = x - io->now_ns; /* two's complement: a past instant is negative */
    state_u64(io, &x);
    if (io->loading && x != UINT64_MAX) {
        int64_t rel = (int64_t)x;
        /* An instant long past counts as now; one absurdly far ahead fails. */
        state_check(io, rel < (int64_t)(86400ull * 1000000000ull), "a timer set days ahead");
        x = rel < 0 && (uint64_t)-rel > io->now_ns ? 0 : io->now_ns + (uint64_t)rel;
    }
    /* Saving leaves the running device's instant alone: a guest resumed
     * after its snapshot keeps its timers. */
    if (io->loading)
        *ns = x;
}
