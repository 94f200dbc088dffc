/*
 * The Bochs/QEMU debug console: port 0xE9. Every byte written goes to the
 * host (a file or the terminal); a read returns 0xE9, which is how kernels
 * probe for it (Bochs and QEMU answer the same).
 */
#ifndef WISP_DEV_DEBUGCON_H
#define WISP_DEV_DEBUGCON_H

#include <stdbool.h>
#include <stdint.h>

#define DEBUGCON_PORT 0xE9
#define DEBUGCON_READ_VALUE 0xE9

struct debugcon_ops {
    void (*output)(void *opaque, uint8_t byte);
};

struct debugcon {
    const struct debugcon_ops *ops;
    void *opaque;
    uint64_t bytes_written; /* for tests and -v */
};

void debugcon_init(struct debugcon *d, const struct debugcon_ops *ops, void *opaque);

/* bus_access_fn for the one port. Wider accesses write their low byte (as
 * an `out %ax` to a byte-wide ISA port would) and read 0xE9 in each byte. */
void debugcon_io(void *opaque, uint64_t offset, uint8_t *data, unsigned size, bool is_write);

#endif
