#include "debugcon.h"

#include <string.h>

void debugcon_init(struct debugcon *d, const struct debugcon_ops *ops, void *opaque)
{
    memset(d, 0, sizeof *d);
    d->ops = ops;
    d->opaque = opaque;
}

void debugcon_io(void *opaque, uint64_t offset, uint8_t *data, unsigned size, bool is_write)
{
    struct debugcon *d = opaque;
    (void)offset;
    if (!is_write) {
        memset(data, DEBUGCON_READ_VALUE, size);
        return;
    }
    d->bytes_written++;
    if (d->ops && d->ops->output)
        d->ops->output(d->opaque, data[0]);
}
