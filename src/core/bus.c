#include "bus.h"

#include <string.h>

int bus_register(struct bus *bus, uint64_t base, uint64_t length, const char *name,
                 bus_access_fn access, void *opaque, struct wisp_error *err)
{
    if (length == 0 || base + length < base)
        return wisp_fail(err, WISP_EXIT_HOST_ERROR, "%s bus: bad range for %s", bus->name, name);
    if (bus->count >= BUS_MAX_RANGES)
        return wisp_fail(err, WISP_EXIT_HOST_ERROR, "%s bus: too many devices", bus->name);
    int at = 0;
    while (at < bus->count && bus->ranges[at].base < base)
        at++;
    const struct bus_range *prev = at > 0 ? &bus->ranges[at - 1] : NULL;
    const struct bus_range *next = at < bus->count ? &bus->ranges[at] : NULL;
    if ((prev && prev->base + prev->length > base) || (next && base + length > next->base))
        return wisp_fail(err, WISP_EXIT_HOST_ERROR, "%s bus: %s overlaps %s", bus->name,
                         name, (prev && prev->base + prev->length > base) ? prev->name : next->name);
    memmove(&bus->ranges[at + 1], &bus->ranges[at],
            (size_t)(bus->count - at) * sizeof bus->ranges[0]);
    bus->ranges[at] = (struct bus_range){ base, length, name, access, opaque };
    bus->count++;
    return 0;
}

bool bus_unregister(struct bus *bus, uint64_t base, void *opaque)
{
    for (int i = 0; i < bus->count; i++) {
        if (bus->ranges[i].base != base || bus->ranges[i].opaque != opaque)
            continue;
        memmove(&bus->ranges[i], &bus->ranges[i + 1],
                (size_t)(bus->count - i - 1) * sizeof bus->ranges[0]);
        bus->count--;
        return true;
    }
    return false;
}

const struct bus_range *bus_find(const struct bus *bus, uint64_t addr)
{
    int lo = 0, hi = bus->count - 1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        const struct bus_range *r = &bus->ranges[mid];
        if (addr < r->base)
            hi = mid - 1;
        else if (addr - r->base >= r->length)
            lo = mid + 1;
        else
            return r;
    }
    return NULL;
}

bool bus_dispatch(const struct bus *bus, uint64_t addr, uint8_t *data,
                  unsigned size, bool is_write)
{
    const struct bus_range *r = bus_find(bus, addr);
    if (!r)
        return false;
    r->access(r->opaque, addr - r->base, data, size, is_write);
    return true;
}
