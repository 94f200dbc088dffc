/*
 * The synthetic interrupt controller (TLFS chapter 11) in user space, as far
 * as VMBus needs it: per virtual processor SCONTROL, SVERSION, SIEFP, SIMP,
 * EOM and the sixteen SINTx registers; messages written into the guest's
 * message page slot of a SINT, event flags set in its event-flags page, and
 * the SINT's vector raised as a fixed interrupt through the VM's interrupt
 * path (an MSI to the processor's local APIC: KVM's in-kernel one or wisp's
 * own under --irqchip user). AutoEOI is not offered (wisp recommends that
 * guests EOI themselves, CPUID 0x40000004 bit 9).
 *
 * A message whose slot is busy waits in a small per-processor queue and the
 * slot's MessagePending flag asks the guest for an EOM; the queue is bounded
 * (a guest that never empties its slot loses messages, with a warning).
 *
 * Not thread-safe: the caller holds the VM's device lock. The pages are the
 * guest's own memory, reached through the checked guest-memory accessors.
 */
#ifndef WISP_HV_SYNIC_H
#define WISP_HV_SYNIC_H

#include <stdbool.h>
#include <stdint.h>

#include <hyperv/hyperv.h>

#include "core/guest_memory.h"

#define SYNIC_MAX_VPS 64
#define SYNIC_QUEUE_DEPTH 32

/* Raises vector on the local APIC with ID apic_id (fixed, edge). */
typedef void (*synic_interrupt_fn)(void *opaque, unsigned apic_id, uint8_t vector);

struct synic_pending {
    uint8_t sint;
    HV_MESSAGE message;
};

struct synic_vp {
    uint64_t scontrol;
    uint64_t siefp;
    uint64_t simp;
    uint64_t sint[HV_SYNIC_SINT_COUNT];
    struct synic_pending queue[SYNIC_QUEUE_DEPTH]; /* oldest at head */
    unsigned head, count;
    bool warned_full;
};

struct synic {
    struct guest_memory *memory;
    unsigned nvps;
    synic_interrupt_fn interrupt;
    void *opaque;
    struct synic_vp vp[SYNIC_MAX_VPS];
};

void synic_init(struct synic *s, struct guest_memory *memory, unsigned nvps,
                synic_interrupt_fn interrupt, void *opaque);

/* An MSR of the SynIC range (SCONTROL..SINT15): true if it is one; sets
 * *gp for an access the guest may not make. */
bool synic_msr_read(struct synic *s, unsigned vp, uint32_t index, uint64_t *value, bool *gp);
bool synic_msr_write(struct synic *s, unsigned vp, uint32_t index, uint64_t value, bool *gp);

/* Posts a message of type with payload (at most 240 bytes) to SINT sint of
 * processor vp: into the slot now if it is free, else queued. False when the
 * message is lost (no such processor or SINT, queue full). */
bool synic_post_message(struct synic *s, unsigned vp, unsigned sint, uint32_t type,
                        const void *payload, unsigned size);

/* Sets event flag `flag` of SINT sint of processor vp and raises the SINT's
 * vector (even if the flag was set: the guest may have missed nothing, but
 * an extra interrupt costs it one look). False if the SIEF page is off. */
bool synic_signal_event(struct synic *s, unsigned vp, unsigned sint, unsigned flag);

/* Drops everything (a reset of the VM's enlightenments). */
void synic_reset(struct synic *s);

/* Whether the guest has switched any part of the SynIC on (its state is not
 * saved in snapshots yet). */
bool synic_in_use(const struct synic *s);

#endif
