/*
 * QEMU's isa-debug-exit device: a write of value V to its ports ends the
 * VM with process status (V << 1) | 1, so a test kernel can report success
 * or failure and a harness written for QEMU reads the same codes (status 1
 * can only mean "wrote 0"; 0 never comes from here). QEMU's users usually
 * place it at iobase 0xF4 with iosize 4, which is wisp's default.
 *
 * V is the value of the access as written: a byte write of 0x10 is 0x10, a
 * dword write of 0x12345678 is that whole value (the status then keeps its
 * low 8 bits, as exit() does on the host).
 */
#ifndef WISP_DEV_ISA_DEBUG_EXIT_H
#define WISP_DEV_ISA_DEBUG_EXIT_H

#include <stdbool.h>
#include <stdint.h>

#define ISA_DEBUG_EXIT_DEFAULT_IOBASE 0xF4
#define ISA_DEBUG_EXIT_DEFAULT_IOSIZE 4

struct isa_debug_exit_ops {
    /* status is (V << 1) | 1, cut to the 8 bits a process status has. */
    void (*exit)(void *opaque, uint64_t value, int status);
};

struct isa_debug_exit {
    const struct isa_debug_exit_ops *ops;
    void *opaque;
};

void isa_debug_exit_init(struct isa_debug_exit *d, const struct isa_debug_exit_ops *ops,
                         void *opaque);

/* The status a write of value makes. */
int isa_debug_exit_status(uint64_t value);

/* bus_access_fn for [iobase, iobase + iosize). Reads return 0. */
void isa_debug_exit_io(void *opaque, uint64_t offset, uint8_t *data, unsigned size,
                       bool is_write);

#endif
