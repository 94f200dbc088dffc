/*
 * What wisp does when the accelerator cannot emulate a guest instruction.
 * Hosts whose KVM emulates guest ring-0 code (PVM-like, see design.md) lack
 * a few instructions Linux runs early: INT3 (its self-test) and CLAC/STAC
 * (SMAP). Those are simple enough to finish in user space; anything else
 * stays an error. On hardware KVM none of this runs.
 */
#ifndef WISP_EMULATION_FALLBACK_H
#define WISP_EMULATION_FALLBACK_H

#include <stdint.h>

#include "accel/accel.h"

enum emulation_action {
    EMULATION_UNSUPPORTED, /* report and stop */
    EMULATION_BREAKPOINT,  /* INT3: RIP past it, then #BP (a trap) */
    EMULATION_CLAC,        /* clear RFLAGS.AC */
    EMULATION_STAC,        /* set RFLAGS.AC */
};

struct emulation_decision {
    enum emulation_action action;
    unsigned length; /* instruction bytes to step over */
};

/* Decides from the instruction bytes at RIP (n of them, 0 if unknown). */
struct emulation_decision emulation_fallback_decide(const uint8_t *bytes, unsigned n);

/* Carries the decision out on the vCPU. Returns 0, or -1 (errno set) when
 * the registers cannot be read or written or the #BP cannot be queued. */
int emulation_fallback_apply(struct accel_vcpu *vcpu, struct emulation_decision d);

#endif
