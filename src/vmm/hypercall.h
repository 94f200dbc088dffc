/*
 * The wisp hypercall dispatcher (print, exit, get_time). Both traps reach
 * it: the one-byte `out` to WISP_HYPERCALL_PORT and, on WHP, VMCALL.
 */
#ifndef WISP_HYPERCALL_H
#define WISP_HYPERCALL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "accel/accel.h"
#include "core/guest_memory.h"

struct hypercall_context {
    struct accel_vcpu *vcpu;
    const struct guest_memory *memory;
    /* print writes here: the guest's console */
    void (*print)(void *opaque, const uint8_t *bytes, size_t len);
    void *print_opaque;
};

struct hypercall_outcome {
    bool exit_requested;
    uint64_t exit_code;
};

/* Reads the call from the vCPU's registers, performs it and stores the
 * result in RAX. Returns -1 only if the registers cannot be accessed. */
int hypercall_dispatch(const struct hypercall_context *ctx, struct hypercall_outcome *out);

/* The guest-virtual buffer [gva, gva+len) as a checked host range, page by
 * page; fails when any page is unmapped or not RAM. Exposed for tests. */
typedef int (*gva_translate_fn)(void *opaque, uint64_t gva, uint64_t *gpa);
int hypercall_copy_from_guest(gva_translate_fn translate, void *opaque,
                              const struct guest_memory *memory, uint64_t gva,
                              uint8_t *dst, uint64_t len);

#endif
