/*
 * Shared by the hostile_* guests: guests that attack wisp from inside and
 * check it survives and answers sensibly. A fixed-seed PRNG keeps every
 * run the same, so a failure can be replayed; guest code stays short
 * because guest ring-0 code may be emulated (slow).
 */
#ifndef WISP_TEST_HOSTILE_H
#define WISP_TEST_HOSTILE_H

#include "wisp_lib.h"

/* xorshift64*: good enough to scatter addresses and values. */
static uint64_t hostile_state = 0x9E3779B97F4A7C15ull;

static inline uint64_t hostile_random(void)
{
    hostile_state ^= hostile_state >> 12;
    hostile_state ^= hostile_state << 25;
    hostile_state ^= hostile_state >> 27;
    return hostile_state * 0x2545F4914F6CDD1Dull;
}

/* Skips the 2-byte instruction that faulted (RDMSR/WRMSR with #GP), so a
 * refused access is counted instead of ending the guest. */
static volatile uint64_t hostile_gp_count;

static inline void hostile_skip_faulting_msr(struct wisp_interrupt_frame *f)
{
    hostile_gp_count++;
    f->rip += 2;
}

/* NMIs the guest's own random writes may send itself: count and go on. */
static volatile uint64_t hostile_nmi_count;

static inline void hostile_count_nmi(struct wisp_interrupt_frame *f)
{
    (void)f;
    hostile_nmi_count++;
}

#endif
