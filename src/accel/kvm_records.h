/*
 * The record lists in which the KVM backend keeps a snapshot's vCPU and
 * VM state (kvm_state.c writes and restores them): a sequence of records,
 * tag (4 bytes), length (4 bytes, little endian), payload, each payload one
 * KVM structure as its ioctl reads it. Reading one is split from restoring
 * it and makes no KVM call, so every record a file carries is checked
 * before KVM sees any, and the checks are fuzzed on hosts without KVM
 * (tests/fuzz/fuzz_snapshot_file.c).
 */
#ifndef WISP_KVM_RECORDS_H
#define WISP_KVM_RECORDS_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

enum kvm_record_tag {
    TAG_TSC_KHZ = 1,
    TAG_REGS,
    TAG_SREGS,
    TAG_XCRS,
    TAG_XSAVE,
    TAG_MSRS,
    TAG_MP_STATE,
    TAG_LAPIC,
    TAG_EVENTS,
    TAG_DEBUGREGS,
    TAG_PIC_MASTER = 32,
    TAG_PIC_SLAVE,
    TAG_IOAPIC,
    TAG_PIT,
    TAG_CLOCK,
    TAG_LIMIT,
};

#define KVM_MAX_SAVED_MSRS 1024u

struct kvm_record {
    const uint8_t *payload;
    size_t len;
    bool found;
};

/* What a record holds, for messages ("segment and control registers"). */
const char *kvm_record_name(unsigned tag);

/* One vCPU's list: every record restore needs is there with this host's
 * size (xsave_size: the XSAVE area KVM uses here), the MSRs a whole number
 * of entries and at most KVM_MAX_SAVED_MSRS, the MP state and LAPIC there
 * exactly when the machine has KVM's irqchip, and the segment and control
 * registers a state a CPU can be in. 0 with rec[] filled in, or -1 with
 * one line in err (status WISP_EXIT_BAD_KERNEL). */
int kvm_vcpu_records_check(const uint8_t *data, size_t size, size_t xsave_size,
                           bool kernel_irqchip, struct kvm_record rec[TAG_LIMIT],
                           struct wisp_error *err);

/* The VM's list: the KVM clock, and KVM's PICs, I/O APIC and PIT (each the
 * chip its tag says) exactly when the machine has KVM's irqchip. */
int kvm_vm_records_check(const uint8_t *data, size_t size, bool kernel_irqchip,
                         struct kvm_record rec[TAG_LIMIT], struct wisp_error *err);

#endif
