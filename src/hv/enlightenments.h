/*
 * --hyperv: wisp presents itself to the guest as Hyper-V, as far as it
 * really implements it: the CPUID leaves 0x40000000+, the synthetic MSRs for
 * the guest OS ID, the hypercall page, the VP index, the reference time
 * counter, the reference TSC page, the VP assist page (accepted and zeroed;
 * wisp uses none of its fields, and recommends none of the features that
 * would) and the TSC/APIC frequencies. KVM here has
 * no Hyper-V of its own, so the MSRs exit to user space (an MSR filter) and
 * the hypercall page traps with a port write (KVM keeps VMCALL to itself).
 */
#ifndef WISP_HV_ENLIGHTENMENTS_H
#define WISP_HV_ENLIGHTENMENTS_H

#include <stdbool.h>
#include <stdint.h>

#include "accel/accel.h"
#include "core/guest_memory.h"
#include "synic.h"
#include "vmbus_host.h"

/* Virtual processors: wisp's vCPUs, VP index = vCPU index. */
#define HV_MAX_VPS 64

/* The hypercall page's code is `out %al, $0xE6; ret`. */
#define HV_WISP_HYPERCALL_PORT 0xE6

struct hv_enlightenments {
    uint64_t guest_os_id;
    uint64_t hypercall_msr;
    uint64_t reference_tsc_msr;
    uint64_t vp_assist_msr[HV_MAX_VPS]; /* one per virtual processor */
    uint64_t tsc_hz;
    uint64_t apic_hz;
    uint64_t tsc_scale;   /* guest TSC -> 100 ns units, for the counter and the page */
    struct guest_memory *memory;
    struct synic synic;   /* synic.h */
    struct vmbus_host vmbus; /* vmbus_host.h: the control channel and its devices */
};

/* Replaces the hypervisor leaves of policy (KVM's own) with Hyper-V's. */
void hv_add_cpuid(struct accel_cpuid *policy);

/* Traps the synthetic MSRs and reads the guest TSC frequency. apic_hz is the
 * frequency of the LAPIC timer the guest has (in-kernel or wisp's own). The
 * SynIC raises its interrupts through interrupt(opaque, ...) (called with
 * the device lock held) for nvps virtual processors (APIC ID = VP index). */
int hv_enlightenments_init(struct hv_enlightenments *hv, struct accel_vm *vm,
                           struct accel_vcpu *vcpu, uint64_t apic_hz,
                           struct guest_memory *memory, unsigned nvps,
                           synic_interrupt_fn interrupt, void *opaque,
                           struct wisp_error *err);

/* The SynIC and the VMBus host over guest memory (part of init; tests and
 * fuzzers call it alone). */
void hv_enlightenments_attach(struct hv_enlightenments *hv, struct guest_memory *memory,
                              unsigned nvps, synic_interrupt_fn interrupt, void *opaque);

/* Handles an MSR exit of virtual processor vp_index (its vCPU) in the
 * synthetic range; false if msr is not ours (the caller then refuses it).
 * Sets inject_gp for invalid accesses. */
bool hv_handle_msr(struct hv_enlightenments *hv, struct accel_vcpu *vcpu, unsigned vp_index,
                   struct guest_memory *memory, struct accel_msr_access *msr);

/* The hypercall page trapped: RCX = input value, RDX/R8 = input/output
 * (GPAs, or data for fast calls); result in RAX. HvPostMessage and
 * HvSignalEvent go to the VMBus host: the caller holds the device lock. */
int hv_handle_hypercall(struct hv_enlightenments *hv, struct accel_vcpu *vcpu);

/* The result (RAX) of hypercall `input` with RDX = rdx (tests, fuzzing). */
uint64_t hv_hypercall(struct hv_enlightenments *hv, uint64_t input, uint64_t rdx);

/* Asks the guest to power off through its shutdown service (VMBus); -1 if
 * it has not opened one. Device lock held. */
int hv_request_shutdown(struct hv_enlightenments *hv);

/* Reference time (100 ns units) for a guest TSC value. */
uint64_t hv_reference_time(const struct hv_enlightenments *hv, uint64_t guest_tsc);

/* The status a hypercall input value gets from wisp (for tests). */
uint16_t hv_hypercall_status(uint64_t input);

#endif
