/*
 * The KVM backend's private parts, shared by kvm.c (the VM, vCPUs, exits)
 * and kvm_state.c (snapshots: saving and restoring what KVM holds). Only
 * files of the KVM backend include it.
 */
#ifndef WISP_KVM_INTERNAL_H
#define WISP_KVM_INTERNAL_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "accel.h"

#define KVM_MAX_MEMORY_SLOTS 32
/* Intel VMX needs three pages for its real-mode TSS and one for the
 * identity-map table somewhere the guest does not use: just below 4 GiB,
 * under the BIOS area wisp never maps. */
#define KVM_TSS_ADDR          0xFFFBD000ull
#define KVM_IDENTITY_MAP_ADDR 0xFFFBC000ull

/* MSI routes: GSIs above the I/O APIC's pins, each with an irqfd. */
#define KVM_MSI_ROUTES 64
#define KVM_MSI_GSI_BASE 24
#define KVM_IOAPIC_PINS 24
#define KVM_PIC_PINS 16

struct msi_route {
    uint64_t address;
    uint32_t data;
    int efd;            /* the irqfd, bound to GSI KVM_MSI_GSI_BASE + index */
};

struct accel_vm {
    int kvm_fd;
    int vm_fd;
    int run_size;
    unsigned slots_used;
    struct {                 /* what each slot maps, for the dirty log */
        uint64_t gpa, size;
        void *host;
    } slots[KVM_MAX_MEMORY_SLOTS];
    bool dirty_log;          /* KVM_MEM_LOG_DIRTY_PAGES on every slot */
    unsigned sync_regs_mask; /* KVM_SYNC_X86_* the kernel will keep in kvm_run */
    bool kernel_irqchip;     /* in-kernel irqchip created */
    struct msi_route msi[KVM_MSI_ROUTES];
    unsigned msi_count;
    unsigned msi_next_victim; /* when full, routes are reused round robin */
    bool msi_routes_failed;  /* fall back to KVM_SIGNAL_MSI for good */
    /* KVM's queue of coalesced writes: a page every vCPU's kvm_run mapping
     * shares (the first vCPU's is used); NULL until then or without it. */
    struct kvm_coalesced_mmio_ring *write_queue;
    unsigned write_queue_slots;
    int write_queue_page;    /* its page in the vCPU mapping; 0 = none */
};

struct accel_vcpu {
    struct accel_vm *vm;
    int fd;
    struct kvm_run *run;
    /* The previous exit: reads the VMM answered are handed back from it. */
    struct accel_exit *pending;
    /* kvm_run.s.regs holds the state of the last exit (sync regs). */
    bool synced;
    /* KVM's statistics of this vCPU (KVM_GET_STATS_FD), and where in them
     * the irq_injections counter lies; -1 and 0 when KVM has none. */
    int stats_fd;
    uint64_t injections_at;
};

/* Hands the VMM's answers to the last exit (reads) to KVM before the next
 * KVM_RUN (kvm.c). */
void kvm_hand_back_answers(struct accel_vcpu *vcpu);

/* kvm_sregs_check.c: true, with why filled in, when s is not a state a CPU
 * can be in (the rules KVM_SET_SREGS enforces that do not depend on the
 * host). */
bool kvm_sregs_problem(const struct kvm_sregs *s, char *why, size_t size);

#endif
