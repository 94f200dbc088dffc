#include "isa_debug_exit.h"

#include <string.h>

#include "core/bus.h"

void isa_debug_exit_init(struct isa_debug_exit *d, const struct isa_debug_exit_ops *ops,
                         void *opaque)
{
    d->ops = ops;
    d->opaque = opaque;
}

int isa_debug_exit_status(uint64_t value)
{
    return (int)(((value << 1) | 1) & 0xFF);
}

void isa_debug_exit_io(void *opaque, uint64_t offset, uint8_t *data, unsigned size,
                       bool is_write)
{
    struct isa_debug_exit *d = opaque;
    (void)offset;
    if (!is_write) {
        memset(data, 0, size);
        return;
    }
    uint64_t value = bus_load_le(data, size);
    if (d->ops && d->ops->exit)
        d->ops->exit(d->opaque, value, isa_debug_exit_status(value));
}
