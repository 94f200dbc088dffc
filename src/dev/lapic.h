/*
 * A local APIC in xAPIC mode, for one vCPU: the 4 KiB register page at
 * 0xFEE00000, interrupt acceptance (IRR/ISR/TMR, TPR/PPR, EOI), the LVT,
 * the APIC timer, self-IPIs, and the LINT0 pin through which the 8259's
 * INTR reaches the CPU. Device only: time comes from a clock callback
 * (monotonic ns) and from the now_ns passed to lapic_update(); it knows
 * nothing about the bus, the PIC or the accelerator. The run loop asks
 * lapic_has_interrupt() and takes vectors with lapic_acknowledge().
 *
 * Model:
 * - Registers: 32-bit accesses at 16-byte-aligned offsets. Other sizes and
 *   offsets read as 0 and ignore writes; so do reserved registers, APR and
 *   the remote read register. Version reads 0x00050014: an integrated APIC
 *   (version 0x14) with six LVT entries (max LVT index 5: timer, thermal,
 *   performance, LINT0, LINT1, error; no CMCI) and no EOI-broadcast
 *   suppression. x2APIC is not modelled.
 * - Timer: one-shot and periodic. TSC-deadline mode is not supported (the
 *   LVT timer's bit 18 is read-only zero; wisp must not advertise it in
 *   CPUID). The counter runs at LAPIC_BUS_HZ divided by the divide
 *   configuration. Changing the divider mid-count keeps the current count
 *   and continues at the new rate. Like the hardware, a masked timer keeps
 *   counting and reloading; it just delivers nothing. When several periods
 *   went by unseen, one interrupt is delivered (IRR holds one bit).
 *   Periods shorter than LAPIC_MIN_PERIOD_NS deliver one interrupt per
 *   LAPIC_MIN_PERIOD_NS (the current-count register stays exact).
 * - Delivery into IRR: fixed interrupts from the timer, the error LVT,
 *   LINT0/LINT1 in fixed mode (edge-triggered; level-triggered LINT and
 *   remote IRR are not modelled), IPIs and lapic_accept_irq().
 *   Vectors 0-15 are illegal: they set ESR "received illegal vector" (bit
 *   6; "send illegal vector", bit 5, for IPIs) and raise the error LVT.
 * - Messages from the APIC bus (lapic_receive, dev/apic_bus.h): fixed and
 *   lowest-priority ones go into IRR (a level-triggered one also sets TMR);
 *   NMI, INIT and start-up (SIPI) are latched for the vCPU to take
 *   (lapic_take_nmi, lapic_take_start), even while software-disabled. An
 *   INIT resets the APIC (ID and base MSR kept) and means "wait for a
 *   start-up"; an INIT de-assert (level 0, level-triggered) is ignored, as
 *   are INITs for the bootstrap processor and SMIs.
 * - ICR: a write to the low half sends an IPI. With a send callback (set by
 *   wisp's irqchip) it goes on the APIC bus to every CPU; without one (a
 *   lone APIC, as in unit tests) only self-directed fixed IPIs arrive.
 *   Delivery is immediate, so the delivery-status bit always reads 0.
 * - Priority: PPR = TPR when TPR[7:4] >= ISRV[7:4], else ISRV & 0xF0; an
 *   IRR vector is deliverable when its class is above PPR's. EOI clears
 *   the highest ISR bit.
 * - Software disable (SVR bit 8 clear): on a transition to disabled all
 *   LVT mask bits are set, and while disabled they cannot be cleared; new
 *   fixed interrupts are not accepted; ones already in IRR stay pending.
 * - Reset state: the architectural one (SVR 0xFF: software-disabled, LVT
 *   entries masked, DFR all ones, divide by 2), except that LINT0 is
 *   programmed as ExtINT unmasked and LINT1 as NMI, which is what PC
 *   firmware leaves behind (the MP specification's "virtual wire" mode).
 *   wisp has no firmware, and without this the 8259's interrupts could not
 *   reach a guest that never touches the APIC. KVM's in-kernel APIC resets
 *   the same way, so guests see one behaviour under both irqchips.
 * - LINT0 in ExtINT mode, unmasked, with the line high: lapic_has_interrupt
 *   is true whatever the PPR, and lapic_acknowledge returns LAPIC_EXTINT:
 *   the caller runs the 8259's INTA cycle for the vector. ExtINT wins over
 *   IRR vectors. With the APIC globally disabled (IA32_APIC_BASE bit 11
 *   clear) LINT0 is the CPU's INTR pin directly and nothing else is
 *   delivered; the base MSR's address is recorded but the MMIO window
 *   stays where the caller registered it.
 *
 * Not thread-safe: serialize all calls with one lock (wisp's device lock). lapic_mmio() first
 * advances the timer to the clock's now. After an access the next deadline
 * may have moved: the run loop calls lapic_update() again before it
 * decides how long to sleep.
 */
#ifndef WISP_DEV_LAPIC_H
#define WISP_DEV_LAPIC_H

#include <stdbool.h>
#include <stdint.h>

#include "apic_bus.h"

#define LAPIC_BASE 0xFEE00000u
#define LAPIC_SIZE 0x1000u
#define LAPIC_BASE_MSR 0x1B

/*
 * The timer's input clock. Real parts run it from the bus or the core
 * crystal clock (25 MHz to 200 MHz), so 100 MHz is a plausible value for a
 * guest to see, one count lasts an exact 10 ns (no drift from rounding
 * between ns and counts), and at divide-by-1 the 32-bit counter spans 43 s.
 * Guests calibrate the APIC timer against the PIT or another clock rather
 * than assume a rate.
 */
#define LAPIC_BUS_HZ 100000000u
#define LAPIC_NS_PER_BUS_TICK 10u

/* Shortest interval between two periodic timer interrupts: a guest asking
 * for more than 5000 a second would keep the host busy for nothing (KVM's
 * in-kernel APIC has the same 200 us floor). One-shot mode is not limited:
 * each expiry costs the guest a register write. */
#define LAPIC_MIN_PERIOD_NS 200000u

#define LAPIC_EXTINT (-2) /* lapic_acknowledge: ask the 8259 for the vector */
#define LAPIC_NONE (-1)

/* Register offsets. */
enum {
    LAPIC_ID = 0x020,
    LAPIC_VERSION = 0x030,
    LAPIC_TPR = 0x080,
    LAPIC_APR = 0x090,
    LAPIC_PPR = 0x0A0,
    LAPIC_EOI = 0x0B0,
    LAPIC_RRD = 0x0C0,
    LAPIC_LDR = 0x0D0,
    LAPIC_DFR = 0x0E0,
    LAPIC_SVR = 0x0F0,
    LAPIC_ISR = 0x100, /* 8 registers, 0x10 apart */
    LAPIC_TMR = 0x180,
    LAPIC_IRR = 0x200,
    LAPIC_ESR = 0x280,
    LAPIC_ICR_LOW = 0x300,
    LAPIC_ICR_HIGH = 0x310,
    LAPIC_LVT_TIMER = 0x320,
    LAPIC_LVT_THERMAL = 0x330,
    LAPIC_LVT_PERF = 0x340,
    LAPIC_LVT_LINT0 = 0x350,
    LAPIC_LVT_LINT1 = 0x360,
    LAPIC_LVT_ERROR = 0x370,
    LAPIC_TIMER_INITIAL = 0x380,
    LAPIC_TIMER_CURRENT = 0x390,
    LAPIC_TIMER_DIVIDE = 0x3E0,
};

#define LAPIC_VERSION_VALUE 0x00050014u
#define LAPIC_SVR_ENABLE 0x100u
#define LAPIC_LVT_MASKED 0x10000u
#define LAPIC_LVT_TIMER_PERIODIC 0x20000u
#define LAPIC_LVT_DELIVERY_SHIFT 8
#define LAPIC_DM_FIXED 0u
#define LAPIC_DM_LOWEST 1u
#define LAPIC_DM_NMI 4u
#define LAPIC_DM_INIT 5u
#define LAPIC_DM_STARTUP 6u
#define LAPIC_DM_EXTINT 7u
#define LAPIC_ICR_LEVEL_ASSERT 0x4000u
#define LAPIC_ICR_LEVEL_TRIGGER 0x8000u
#define LAPIC_ICR_LOGICAL 0x800u
#define LAPIC_ICR_SELF 0x40000u        /* destination shorthand 01 */
#define LAPIC_ICR_ALL_INCL 0x80000u    /* 10 */
#define LAPIC_ICR_ALL_EXCL 0xC0000u    /* 11 */
#define LAPIC_ESR_SEND_ILLEGAL 0x20u
#define LAPIC_ESR_RECV_ILLEGAL 0x40u
#define LAPIC_BASE_MSR_BSP 0x100u
#define LAPIC_BASE_MSR_ENABLE 0x800u

enum { LAPIC_LVT_COUNT = 6 }; /* timer, thermal, perf, LINT0, LINT1, error */

struct lapic {
    uint64_t (*clock)(void *opaque);
    void *opaque;
    uint64_t base_msr;
    uint32_t id, tpr, ldr, dfr, svr;
    uint32_t irr[8], isr[8], tmr[8];
    uint32_t esr, esr_pending;
    uint32_t icr_low, icr_high;
    uint32_t lvt[LAPIC_LVT_COUNT]; /* in register order, LVT_TIMER first */
    uint32_t divide;               /* divide configuration register */
    uint32_t initial_count;
    /* Timer: counting down from base_count at base_ns, one count per
     * tick_ns; reloading from initial_count when periodic. */
    uint64_t base_ns;
    uint64_t base_count;
    uint64_t timer_next_ns; /* next expiry, or UINT64_MAX */
    /* Called on the EOI of a level-triggered vector (an I/O APIC's). */
    void (*level_eoi)(void *opaque, uint8_t vector);
    void *level_eoi_opaque;
    /* Sends an IPI on the APIC bus (NULL: self-directed fixed IPIs only). */
    void (*send)(void *opaque, const struct apic_message *msg);
    void *send_opaque;
    int cpu;                /* index of this APIC's CPU: an IPI's source */
    bool bsp;
    bool lint0;             /* level of the LINT0 pin */
    bool lint1;
    /* Latched for the vCPU (lapic_take_nmi, lapic_take_start). */
    bool nmi_pending;
    bool init_pending;
    int sipi_vector;        /* -1: none */
};

/* Reset state (see above) for the bootstrap processor, APIC ID 0; reads
 * the clock once. */
void lapic_init(struct lapic *apic, uint64_t (*clock)(void *opaque), void *opaque);

/* Reset state for CPU `cpu` with APIC ID `apic_id`: the BSP's as above; an
 * AP's with every LVT entry masked (only the BSP is in virtual-wire mode,
 * as KVM's in-kernel APIC does it) and the BSP flag clear in the base MSR. */
void lapic_init_cpu(struct lapic *apic, int cpu, uint8_t apic_id, bool bsp,
                    uint64_t (*clock)(void *opaque), void *opaque);

/* Is this APIC a destination of dest in that mode (physical: its ID or
 * the broadcast 0xFF; logical: flat or cluster match against LDR/DFR)? */
bool lapic_is_destination(const struct lapic *apic, uint8_t dest, bool logical);

/* The priority lowest-priority arbitration compares (the PPR). */
uint32_t lapic_arbitration_priority(const struct lapic *apic);

/* A message from the APIC bus arrives at this APIC (see above). */
void lapic_receive(struct lapic *apic, const struct apic_message *msg);

/* Something for the vCPU: an interrupt (lapic_has_interrupt), an NMI, an
 * INIT or a start-up. */
bool lapic_has_event(const struct lapic *apic);

/* Takes a latched NMI. */
bool lapic_take_nmi(struct lapic *apic);

/* Takes latched INIT and start-up: *init when an INIT arrived since the
 * last call, *sipi_vector the last start-up's vector or -1. */
void lapic_take_start(struct lapic *apic, bool *init, int *sipi_vector);

/* The register page (bus_access_fn), offset 0..0xFFF, opaque = struct lapic. */
void lapic_mmio(void *opaque, uint64_t offset, uint8_t *data, unsigned size, bool is_write);

/* Advances the timer to now_ns: puts its vector in IRR if it expired (and
 * is unmasked); returns the absolute time of the next expiry that will
 * deliver an interrupt, or UINT64_MAX (timer stopped or masked). */
uint64_t lapic_update(struct lapic *apic, uint64_t now_ns);

/* The highest vector in IRR, deliverable or not; -1 when IRR is empty. */
int lapic_highest_pending(const struct lapic *apic);

/* The highest vector in ISR (being handled, no EOI yet); -1 when none. */
int lapic_highest_in_service(const struct lapic *apic);

/* An interrupt the CPU should take now: an ExtINT request on LINT0, or an
 * IRR vector above the processor priority. */
bool lapic_has_interrupt(const struct lapic *apic);

/* True when the timer can still raise an interrupt without the guest doing
 * anything: the APIC enabled, the timer's LVT entry unmasked and a next
 * expiry due (a one-shot count not yet run out, or periodic). */
bool lapic_timer_armed(const struct lapic *apic);

/* True when an ExtINT on LINT0 (the 8259's output) reaches this CPU. */
bool lapic_accepts_extint(const struct lapic *apic);

/* The INTA cycle: LAPIC_EXTINT for an ExtINT request (the caller gets the
 * vector from the 8259), else moves the highest deliverable IRR vector to
 * ISR and returns it; LAPIC_NONE when nothing is deliverable. */
int lapic_acknowledge(struct lapic *apic);

/* A fixed, edge-triggered interrupt arriving from outside (a test, an
 * IOAPIC): sets IRR unless the APIC is disabled. */
void lapic_accept_irq(struct lapic *apic, uint8_t vector);

/* A fixed, level-triggered interrupt from an I/O APIC: sets IRR and TMR;
 * its EOI is reported to level_eoi. */
void lapic_accept_level_irq(struct lapic *apic, uint8_t vector);

/* Levels of the LINT0 and LINT1 pins (LINT0: the 8259's INTR). */
void lapic_set_lint0(struct lapic *apic, bool level);
void lapic_set_lint1(struct lapic *apic, bool level);

/* IA32_APIC_BASE: bit 8 BSP, bit 11 global enable, bits 12+ the base. */
uint64_t lapic_get_base_msr(const struct lapic *apic);
void lapic_set_base_msr(struct lapic *apic, uint64_t value);

/* Register value as the guest would read it (for tests and debugging). */
uint32_t lapic_read_reg(struct lapic *apic, unsigned offset);

#endif
