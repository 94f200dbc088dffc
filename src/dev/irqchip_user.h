/*
 * wisp's own interrupt controllers and timers, for when the accelerator
 * does not provide them (KVM with --irqchip user, WHP without its APIC
 * emulation): the 8259 pair with ELCR, the 8254 PIT with port 0x61, an
 * I/O APIC and one local APIC per CPU, wired as on a PC:
 *
 *   PIT channel 0 --IRQ 0--> 8259 master <--IR2-- 8259 slave <-- IRQ 8-15
 *   devices (COM1...) --IRQ n--/   |
 *                                  INTR --> every LAPIC's LINT0 (ExtINT on the BSP)
 *   the same IRQ n ---------> I/O APIC pin n --\
 *   MSIs (irqchip_user_send_msi) ---------------+--> APIC bus --> LAPICs --> CPUs
 *   IPIs (each LAPIC's ICR) --------------------/
 *   LAPIC timers, one per CPU -----------------> its own LAPIC's IRR
 *
 * Every ISA line goes to both, pin n of the I/O APIC for IRQ n (IRQ 0 on
 * pin 0, as the MADT and MP table say): a guest uses whichever it unmasks
 * (a native guest the 8259s, Linux the I/O APIC).
 *
 * The APIC bus (irqchip_user_deliver) finds the destinations of a message:
 * the shorthands (self, all, all but self), physical IDs (0xFF: all) and
 * logical flat/cluster destinations. Fixed messages go to every APIC named;
 * lowest-priority ones to the named APIC with the lowest processor priority
 * (ties taken in turn); NMI, INIT and start-up messages are latched for
 * the vCPUs (see lapic.h). Whenever a CPU other than the one whose thread
 * is calling gets something to act on, kick(opaque, cpu) is called so its
 * thread comes out of the guest, or out of its wait, to look.
 *
 * Independent of KVM and WHP: each vCPU's loop, which knows the
 * accelerator, calls in with the time and injects what comes out:
 *
 *   before each entry of vCPU `cpu` (and after each exit that touched these
 *   devices, since their deadlines move when the guest reprograms them):
 *     next = irqchip_user_update(chip, cpu, now);
 *     if (irqchip_user_take_nmi(chip, cpu)) inject an NMI;
 *     if (irqchip_user_has_interrupt(chip, cpu) && <guest can take one>)
 *         inject(irqchip_user_acknowledge(chip, cpu));   (when >= 0)
 *     else if (irqchip_user_has_interrupt(chip, cpu))
 *         <ask for an interrupt window exit>;
 *     <make sure the vCPU is kicked out at next (UINT64_MAX: no timer)>
 *
 * CPU 0 also keeps the PIT's time (its `next` includes the PIT's deadline);
 * each CPU keeps its own LAPIC timer's. Time is monotonic ns from the clock
 * given at init (register accesses read it) and from the now_ns passed in;
 * tests use a fake clock.
 *
 * Not thread-safe: every call, and every bus access to these ranges, under
 * one lock (wisp's device lock). kick() is called with that lock held.
 */
#ifndef WISP_DEV_IRQCHIP_USER_H
#define WISP_DEV_IRQCHIP_USER_H

#include <stdbool.h>
#include <stdint.h>

#include "apic_bus.h"
#include "core/bus.h"
#include "core/error.h"
#include "ioapic.h"
#include "lapic.h"
#include "pic8259.h"
#include "pit8254.h"

#define IRQCHIP_USER_PIT_IRQ 0
#define IRQCHIP_USER_MAX_CPUS 64

/* MSIs: address 0xFEExxxxx (destination in bits 19:12, logical when bit 2
 * is set), data: vector 7:0, delivery mode 10:8, level-triggered bit 15. */
#define IRQCHIP_USER_MSI_BASE 0xFEE00000ull
#define IRQCHIP_USER_MSI_SIZE 0x100000ull

struct irqchip_user {
    struct pic8259 pic;
    struct pit8254 pit;
    struct ioapic ioapic;
    unsigned ncpus;
    struct lapic lapics[IRQCHIP_USER_MAX_CPUS]; /* CPU i: APIC ID i */
    uint64_t (*clock)(void *opaque);
    void *clock_opaque;
    void (*kick)(void *opaque, unsigned cpu);
    void *kick_opaque;
    unsigned lowest_priority_turn; /* where the next tie-break starts */
};

/* Resets the devices for ncpus CPUs (1..IRQCHIP_USER_MAX_CPUS; APIC IDs
 * 0..ncpus-1, the I/O APIC's ID ncpus, as the MADT and MP table say) and
 * registers their ranges: ports 0x20-0x21, 0xA0-0xA1, 0x4D0-0x4D1,
 * 0x40-0x43, 0x61 on ports; 0xFEC00000-0xFEC0001F and 0xFEE00000-0xFEE00FFF
 * on mmio. The LAPIC page is per CPU: the bus only claims it (reads 0,
 * writes ignored), and a vCPU's MMIO path calls irqchip_user_lapic_access()
 * before the bus. Fails (message in err) when a range
 * is already taken or ncpus is out of range. chip must stay at the same
 * address while registered. */
int irqchip_user_init(struct irqchip_user *chip, struct bus *ports, struct bus *mmio,
                      unsigned ncpus, uint64_t (*clock)(void *opaque), void *clock_opaque,
                      struct wisp_error *err);

/* Who to kick when a CPU gets an interrupt, NMI, INIT or start-up (NULL:
 * nobody, as in tests). */
void irqchip_user_set_kick(struct irqchip_user *chip, void (*kick)(void *opaque, unsigned cpu),
                           void *opaque);

/* An access of CPU cpu to its LAPIC page: false when gpa is not in it. */
bool irqchip_user_lapic_access(struct irqchip_user *chip, unsigned cpu, uint64_t gpa,
                               uint8_t *data, unsigned size, bool is_write);

/* An ISA interrupt line (0..15, not 2) from a device such as COM1 on 4, or
 * (16..23) an I/O APIC-only line. */
void irqchip_user_set_irq(struct irqchip_user *chip, unsigned irq, bool level);

/* A message on the APIC bus (an IPI, an I/O APIC entry): see above. */
void irqchip_user_deliver(struct irqchip_user *chip, const struct apic_message *msg);

/* A message-signalled interrupt (PCI MSI/MSI-X): -1 when the address is
 * not in the MSI window (nothing delivered). */
int irqchip_user_send_msi(struct irqchip_user *chip, uint64_t address, uint32_t data);

/* Advances CPU cpu's LAPIC timer (and for CPU 0 the PIT) to now_ns,
 * raising what fell due; returns the earliest next deadline it is to be
 * kicked at (absolute ns), UINT64_MAX if none. */
uint64_t irqchip_user_update(struct irqchip_user *chip, unsigned cpu, uint64_t now_ns);

/* An interrupt is waiting for CPU cpu (to inject when RFLAGS.IF allows). */
/* True when a timer can wake CPU cpu from HLT without the guest doing
 * anything: its LAPIC timer armed, or (CPU 0) PIT channel 0 running
 * periodically into an unmasked PIC input that reaches LINT0, or an
 * unmasked I/O APIC input 0 or 2. Idle detection does not count halts
 * while one is. Call with the device lock held. */
bool irqchip_user_timer_armed(const struct irqchip_user *chip, unsigned cpu);

bool irqchip_user_has_interrupt(struct irqchip_user *chip, unsigned cpu);

/* Anything for CPU cpu at all: an interrupt, an NMI, an INIT, a start-up. */
bool irqchip_user_has_event(struct irqchip_user *chip, unsigned cpu);

/* The INTA cycle: the vector to inject now, resolving ExtINT through the
 * 8259 (which may answer its spurious vector); -1 when there is none. */
int irqchip_user_acknowledge(struct irqchip_user *chip, unsigned cpu);

/* Takes CPU cpu's latched NMI / INIT and start-up (lapic.h). */
bool irqchip_user_take_nmi(struct irqchip_user *chip, unsigned cpu);
void irqchip_user_take_start(struct irqchip_user *chip, unsigned cpu, bool *init,
                             int *sipi_vector);

#endif
