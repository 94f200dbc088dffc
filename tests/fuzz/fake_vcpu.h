/*
 * A vCPU without an accelerator for the fuzzers of code that talks to one
 * (the hypercall dispatcher, the Hyper-V handlers): registers in memory,
 * a page table the input writes (guest-virtual page -> guest-physical
 * page, anywhere, RAM or not), a TSC that moves. These definitions take
 * the place of src/accel/kvm.c's, which the target then does not link.
 * Include it in exactly one file of a target.
 */
#ifndef WISP_FUZZ_FAKE_VCPU_H
#define WISP_FUZZ_FAKE_VCPU_H

#include <string.h>

#include "accel/accel.h"

#define FAKE_PAGES 16

struct accel_vcpu {
    struct accel_regs regs;
    uint64_t vpage[FAKE_PAGES], ppage[FAKE_PAGES]; /* page numbers */
    unsigned mapped;
    uint64_t tsc;
    bool fail_regs; /* the accelerator refuses register access */
};

int accel_vcpu_get_regs(struct accel_vcpu *vcpu, struct accel_regs *regs)
{
    if (vcpu->fail_regs)
        return -1;
    *regs = vcpu->regs;
    return 0;
}

int accel_vcpu_set_regs(struct accel_vcpu *vcpu, const struct accel_regs *regs)
{
    if (vcpu->fail_regs)
        return -1;
    vcpu->regs = *regs;
    return 0;
}

int accel_vcpu_translate(struct accel_vcpu *vcpu, uint64_t gva, uint64_t *gpa)
{
    for (unsigned i = 0; i < vcpu->mapped; i++)
        if (vcpu->vpage[i] == gva >> 12) {
            *gpa = vcpu->ppage[i] << 12 | (gva & 0xFFF);
            return 0;
        }
    return -1;
}

int accel_vcpu_read_tsc(struct accel_vcpu *vcpu, uint64_t *tsc)
{
    vcpu->tsc += 12345;
    *tsc = vcpu->tsc;
    return 0;
}

int accel_vcpu_tsc_khz(struct accel_vcpu *vcpu, uint32_t *khz)
{
    (void)vcpu;
    *khz = 2500000;
    return 0;
}

int accel_vm_trap_msrs(struct accel_vm *vm, uint32_t first, uint32_t count,
                       struct wisp_error *err)
{
    (void)vm;
    (void)first;
    (void)count;
    (void)err;
    return 0;
}

#endif
