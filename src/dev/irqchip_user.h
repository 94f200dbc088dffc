/*
 * wisp's own interrupt controllers and timers, for when the accelerator
 * does not provide them (KVM with --irqchip user, WHP without its APIC
 * emulation): the 8259 pair with ELCR, the 8254 PIT with port 0x61, an
 * I/O APIC and a local APIC, wired as on a PC:
 *
 *   PIT channel 0 --IRQ 0--> 8259 master <--IR2-- 8259 slave <-- IRQ 8-15
 *   devices (COM1...) --IRQ n--/   |
 *                                  INTR --> LAPIC LINT0 (ExtINT) --> CPU
 *   the same IRQ n ---------> I/O APIC pin n --> LAPIC IRR ---------> CPU
 *   LAPIC timer, self-IPIs ----------------> LAPIC IRR -------------> CPU
 *
 * Every ISA line goes to both, pin n of the I/O APIC for IRQ n (IRQ 0 on
 * pin 0, as the MADT and MP table say): a guest uses whichever it unmasks
 * (a native guest the 8259s, Linux the I/O APIC).
 *
 * Independent of KVM and WHP: the run loop, which knows the accelerator,
 * calls in with the time and injects what comes out:
 *
 *   before each vCPU entry (and after each exit that touched these
 *   devices, since their deadlines move when the guest reprograms them):
 *     next = irqchip_user_update(chip, now);
 *     if (irqchip_user_has_interrupt(chip) && <guest can take one>)
 *         inject(irqchip_user_acknowledge(chip));   (when >= 0)
 *     else if (irqchip_user_has_interrupt(chip))
 *         <ask for an interrupt window exit>;
 *     <make sure the vCPU is kicked out at next (UINT64_MAX: no timer)>
 *
 * Time is monotonic ns from the clock given at init (register accesses read
 * it) and from the now_ns passed in; tests use a fake clock.
 *
 * Not thread-safe: one vCPU thread, or one lock around every call and
 * every bus access to these ranges.
 */
#ifndef WISP_DEV_IRQCHIP_USER_H
#define WISP_DEV_IRQCHIP_USER_H

#include <stdbool.h>
#include <stdint.h>

#include "core/bus.h"
#include "core/error.h"
#include "ioapic.h"
#include "lapic.h"
#include "pic8259.h"
#include "pit8254.h"

#define IRQCHIP_USER_PIT_IRQ 0
/* The I/O APIC's ID: after the CPUs' (one), as the firmware tables say. */
#define IRQCHIP_USER_IOAPIC_ID 1

struct irqchip_user {
    struct pic8259 pic;
    struct pit8254 pit;
    struct lapic lapic;
    struct ioapic ioapic;
    uint64_t (*clock)(void *opaque);
    void *clock_opaque;
};

/* Resets the four devices and registers their ranges: ports 0x20-0x21,
 * 0xA0-0xA1, 0x4D0-0x4D1, 0x40-0x43, 0x61 on ports; 0xFEE00000-0xFEE00FFF
 * and 0xFEC00000-0xFEC0001F on mmio. Fails (message in err) only when a range is already taken.
 * chip must stay at the same address while registered. */
int irqchip_user_init(struct irqchip_user *chip, struct bus *ports, struct bus *mmio,
                      uint64_t (*clock)(void *opaque), void *clock_opaque,
                      struct wisp_error *err);

/* An ISA interrupt line (0..15, not 2) from a device such as COM1 on 4, or
 * (16..23) an I/O APIC-only line. */
void irqchip_user_set_irq(struct irqchip_user *chip, unsigned irq, bool level);

/* A message-signalled interrupt (a PCI device's MSI-X write): address
 * 0xFEExxxxx, data = vector | delivery mode << 8 | trigger << 15. Fixed
 * and lowest-priority messages reach the one LAPIC as edge-triggered
 * interrupts whatever their destination; others (NMI, SMI, INIT) and
 * writes outside the 0xFEE00000 window are ignored. */
void irqchip_user_msi(struct irqchip_user *chip, uint64_t address, uint32_t data);

/* Advances the PIT and the LAPIC timer to now_ns, raising what fell due;
 * returns the earliest next deadline (absolute ns), UINT64_MAX if none. */
uint64_t irqchip_user_update(struct irqchip_user *chip, uint64_t now_ns);

/* An interrupt is waiting for the CPU (to inject when RFLAGS.IF allows). */
bool irqchip_user_has_interrupt(struct irqchip_user *chip);

/* The INTA cycle: the vector to inject now, resolving ExtINT through the
 * 8259 (which may answer its spurious vector); -1 when there is none. */
int irqchip_user_acknowledge(struct irqchip_user *chip);

#endif
