/* The few instructions wisp finishes itself when the emulator cannot. */
#include "emulation_fallback.h"

#include <errno.h>

#define RFLAGS_AC (1ull << 18)
#define VECTOR_BP 3

struct emulation_decision emulation_fallback_decide(const uint8_t *bytes, unsigned n)
{
    if (n >= 1 && bytes[0] == 0xCC)
        return (struct emulation_decision){ EMULATION_BREAKPOINT, 1 };
    if (n >= 3 && bytes[0] == 0x0F && bytes[1] == 0x01 && bytes[2] == 0xCA)
        return (struct emulation_decision){ EMULATION_CLAC, 3 };
    if (n >= 3 && bytes[0] == 0x0F && bytes[1] == 0x01 && bytes[2] == 0xCB)
        return (struct emulation_decision){ EMULATION_STAC, 3 };
    return (struct emulation_decision){ EMULATION_UNSUPPORTED, 0 };
}

int emulation_fallback_apply(struct accel_vcpu *vcpu, struct emulation_decision d)
{
    if (d.action == EMULATION_UNSUPPORTED) {
        errno = EINVAL;
        return -1;
    }
    struct accel_regs regs;
    if (accel_vcpu_get_regs(vcpu, &regs) < 0)
        return -1;
    regs.rip += d.length;
    if (d.action == EMULATION_CLAC)
        regs.rflags &= ~RFLAGS_AC;
    else if (d.action == EMULATION_STAC)
        regs.rflags |= RFLAGS_AC;
    if (accel_vcpu_set_regs(vcpu, &regs) < 0)
        return -1;
    /* #BP is a trap: the handler sees the RIP after the INT3, as set above. */
    if (d.action == EMULATION_BREAKPOINT)
        return accel_vcpu_inject_exception(vcpu, VECTOR_BP, false, 0);
    return 0;
}
