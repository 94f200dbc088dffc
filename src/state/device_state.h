/*
 * Saved state of wisp's own device models: each visitor walks one device's
 * guest-visible state through a state_io (state_io.h), both ways. Callbacks,
 * their opaque pointers and what set-up fixed (a LAPIC's CPU index, the
 * number of CPUs) are not saved: restore builds the device as set-up does
 * and then loads its state over it. Loading checks every field that indexes
 * an array or selects a mode, so a crafted file cannot put a device in a
 * state its code does not expect.
 */
#ifndef WISP_STATE_DEVICE_STATE_H
#define WISP_STATE_DEVICE_STATE_H

#include "dev/irqchip_user.h"
#include "dev/uart16550.h"
#include "dev/vga.h"
#include "state_io.h"

void state_uart16550(struct state_io *io, struct uart16550 *u);
void state_vga(struct state_io *io, struct vga *v);
void state_pic8259(struct state_io *io, struct pic8259 *pic);
void state_pit8254(struct state_io *io, struct pit8254 *pit);
void state_ioapic(struct state_io *io, struct ioapic *ioapic);
void state_lapic(struct state_io *io, struct lapic *lapic);
/* The whole user irqchip: PIC, PIT, I/O APIC, one LAPIC per CPU. */
void state_irqchip_user(struct state_io *io, struct irqchip_user *chip);

#endif
