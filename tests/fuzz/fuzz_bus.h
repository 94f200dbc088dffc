/*
 * The device fuzzers' common driver: the input is a program of guest
 * accesses and events against devices registered on a port bus and an MMIO
 * bus, as the run loop would dispatch them, with a clock the program moves
 * (time jumps, large and small) and interrupt lines it raises and lowers.
 *
 * One operation per step, its first byte choosing:
 *   0 port write   window, offset (16 bits, inside the window or just
 *                  past its end), size 1/2/4, value
 *   1 port read
 *   2 MMIO write   window, offset (32 bits, same), size 1/2/4/8, value
 *   3 MMIO read
 *   4 time jump    delta << shift (shift 0..40): ns to minutes
 *   5 IRQ line     line, level (the device's inputs: hooks->irq)
 *   6 update       the run loop's timer pass (hooks->update)
 *   7 acknowledge  the CPU takes an interrupt (hooks->ack)
 *   8 input        a few bytes of host input (hooks->input)
 * Reads must not write past the 8-byte data buffer (ASan's redzones and a
 * canary check that).
 */
#ifndef WISP_FUZZ_BUS_H
#define WISP_FUZZ_BUS_H

#include <string.h>

#include "core/bus.h"
#include "fuzz_input.h"

struct fuzz_window {
    uint64_t base, span;
};

#define FUZZ_MAX_WINDOWS 6

struct fuzz_bus_hooks {
    const struct bus *ports, *mmio;
    struct fuzz_window port[FUZZ_MAX_WINDOWS], mmio_window[FUZZ_MAX_WINDOWS];
    uint64_t *now;
    void (*update)(void *opaque, uint64_t now);
    void (*irq)(void *opaque, unsigned line, bool level);
    void (*ack)(void *opaque);
    void (*input)(void *opaque, const uint8_t *bytes, size_t len);
    void *opaque;
};

/* One of the windows (those with a span), an offset inside it or a little
 * past its end (straddling accesses). */
static inline uint64_t fuzz_bus_address(const struct fuzz_window *w, uint8_t pick, uint64_t raw)
{
    unsigned n = 0;
    while (n < FUZZ_MAX_WINDOWS && w[n].span)
        n++;
    if (n == 0)
        return raw;
    const struct fuzz_window *win = &w[pick % n];
    return win->base + raw % (win->span + 8);
}

static inline void fuzz_bus_access(const struct bus *bus, uint64_t addr, unsigned size,
                                   uint64_t value, bool is_write)
{
    struct {
        uint8_t data[8];
        uint8_t canary[8];
    } buf;
    memcpy(buf.data, &value, sizeof buf.data);
    memset(buf.canary, 0xC5, sizeof buf.canary);
    if (!bus_dispatch(bus, addr, buf.data, size, is_write) && !is_write)
        memset(buf.data, 0xFF, size); /* what the run loop does */
    for (size_t i = 0; i < sizeof buf.canary; i++)
        fuzz_check(buf.canary[i] == 0xC5, "a device wrote past its access size");
    if (!is_write)
        for (unsigned i = size; i < sizeof buf.data; i++)
            fuzz_check(buf.data[i] == ((const uint8_t *)&value)[i],
                       "a read changed bytes past its size");
}

static inline void fuzz_bus_run(const struct fuzz_bus_hooks *h, const uint8_t *data, size_t size)
{
    struct fuzz_input in = { data, size };
    while (fi_more(&in)) {
        uint8_t op = fi_u8(&in) % 9;
        switch (op) {
        case 0:
        case 1: {
            if (!h->ports)
                break;
            uint8_t pick = fi_u8(&in);
            uint64_t addr = fuzz_bus_address(h->port, pick, fi_u16(&in));
            unsigned size = 1u << (fi_u8(&in) % 3);
            fuzz_bus_access(h->ports, addr & 0xFFFF, size, fi_u32(&in), op == 0);
            break;
        }
        case 2:
        case 3: {
            if (!h->mmio)
                break;
            uint8_t pick = fi_u8(&in);
            uint64_t addr = fuzz_bus_address(h->mmio_window, pick, fi_u32(&in));
            unsigned size = 1u << (fi_u8(&in) % 4);
            fuzz_bus_access(h->mmio, addr, size, fi_u64(&in), op == 2);
            break;
        }
        case 4: {
            uint64_t delta = fi_u32(&in);
            unsigned shift = fi_u8(&in) % 41;
            uint64_t step = shift >= 32 && delta >> (64 - shift) ? UINT64_MAX : delta << shift;
            if (*h->now + step > *h->now && *h->now + step < (1ull << 62))
                *h->now += step;
            break;
        }
        case 5: {
            unsigned line = fi_u8(&in);
            bool level = fi_u8(&in) & 1;
            if (h->irq)
                h->irq(h->opaque, line, level);
            break;
        }
        case 6:
            if (h->update)
                h->update(h->opaque, *h->now);
            break;
        case 7:
            if (h->ack)
                h->ack(h->opaque);
            break;
        default: {
            uint8_t bytes[16];
            size_t n = fi_u8(&in) % sizeof bytes;
            for (size_t i = 0; i < n; i++)
                bytes[i] = fi_u8(&in);
            if (h->input)
                h->input(h->opaque, bytes, n);
            break;
        }
        }
    }
}

#endif
