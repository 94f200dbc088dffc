/*
 * Address-decoded dispatch of port I/O and MMIO to devices. A device
 * registers the ranges it answers; it never learns about other devices or
 * about the accelerator.
 */
#ifndef WISP_BUS_H
#define WISP_BUS_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"

/* offset is relative to the registered base; data holds size bytes,
 * little-endian, to be filled on reads. */
/* An access's bytes as the little-endian value the guest wrote, and a value
 * into an access's bytes; bytes past the eighth read as nothing and are
 * written as 0. */
static inline uint64_t bus_load_le(const uint8_t *data, unsigned size)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < size && i < 8; i++)
        v |= (uint64_t)data[i] << (8 * i);
    return v;
}

static inline void bus_store_le(uint8_t *data, unsigned size, uint64_t v)
{
    for (unsigned i = 0; i < size; i++)
        data[i] = i < 8 ? (uint8_t)(v >> (8 * i)) : 0;
}

typedef void (*bus_access_fn)(void *opaque, uint64_t offset, uint8_t *data,
                              unsigned size, bool is_write);

struct bus_range {
    uint64_t base;
    uint64_t length;
    const char *name;
    bus_access_fn access;
    void *opaque;
};

#define BUS_MAX_RANGES 64

struct bus {
    const char *name; /* "port" or "mmio", for messages */
    struct bus_range ranges[BUS_MAX_RANGES]; /* sorted by base */
    int count;
};

int bus_register(struct bus *bus, uint64_t base, uint64_t length, const char *name,
                 bus_access_fn access, void *opaque, struct wisp_error *err);

/* Removes the range registered at base for opaque (a PCI BAR the guest
 * moves or turns off); returns false when there is none. */
bool bus_unregister(struct bus *bus, uint64_t base, void *opaque);

/* Returns false when nothing is registered there; the caller decides what
 * an unclaimed access means (reads of nothing return all ones). */
bool bus_dispatch(const struct bus *bus, uint64_t addr, uint8_t *data,
                  unsigned size, bool is_write);

const struct bus_range *bus_find(const struct bus *bus, uint64_t addr);

#endif
