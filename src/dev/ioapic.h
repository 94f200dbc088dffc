/*
 * An 82093AA-style I/O APIC with 24 pins, for wisp's own interrupt
 * controllers (KVM's --irqchip user, WHP without its APIC emulation): the
 * part of a PC that Linux routes ISA and ACPI interrupts through once it
 * has read the MADT or the MP table.
 *
 * - Registers through IOREGSEL (offset 0x00) and IOWIN (0x10): ID (0x00),
 *   version (0x01: 0x11, 24 entries), arbitration (0x02), and the 64-bit
 *   redirection entries at 0x10 + 2n (low) / 0x11 + 2n (high).
 * - A pin's input is the line as the device drives it, asserted = true; the
 *   polarity bit is kept for the guest to read back, not applied (wisp's
 *   devices report asserted, not electrical, levels).
 * - Edge-triggered entries deliver on the rising edge; level-triggered ones
 *   while asserted, once per remote-IRR cycle: delivery sets remote IRR, an
 *   EOI for the vector (ioapic_eoi) clears it and delivers again if the
 *   line is still asserted. Unmasking an asserted level entry delivers.
 * - Fixed, lowest-priority, NMI and INIT entries become APIC bus messages
 *   (dev/apic_bus.h) with the entry's destination (bits 63:56) and
 *   destination mode (bit 11); the caller's deliver() routes them to the
 *   CPUs. ExtINT entries hand over to the 8259 (deliver_extint); SMI
 *   entries are dropped.
 */
#ifndef WISP_DEV_IOAPIC_H
#define WISP_DEV_IOAPIC_H

#include <stdbool.h>
#include <stdint.h>

#include "apic_bus.h"

#define IOAPIC_BASE 0xFEC00000ull
#define IOAPIC_SIZE 0x20u
#define IOAPIC_PINS 24u

enum {
    IOAPIC_REG_SELECT = 0x00, /* MMIO offsets */
    IOAPIC_REG_WINDOW = 0x10,
    IOAPIC_ID = 0x00,         /* indirect register indices */
    IOAPIC_VERSION = 0x01,
    IOAPIC_ARBITRATION = 0x02,
    IOAPIC_REDIRECTION = 0x10,
};

#define IOAPIC_VERSION_VALUE ((uint32_t)(IOAPIC_PINS - 1) << 16 | 0x11u)

/* Redirection entry bits. */
#define IOAPIC_RTE_VECTOR 0xFFull
#define IOAPIC_RTE_DELIVERY_SHIFT 8
#define IOAPIC_RTE_DELIVERY_MASK (7ull << IOAPIC_RTE_DELIVERY_SHIFT)
#define IOAPIC_RTE_DM_FIXED 0u
#define IOAPIC_RTE_DM_LOWEST 1u
#define IOAPIC_RTE_DM_NMI 4u
#define IOAPIC_RTE_DM_INIT 5u
#define IOAPIC_RTE_DM_EXTINT 7u
#define IOAPIC_RTE_DEST_LOGICAL (1ull << 11)
#define IOAPIC_RTE_DEST_SHIFT 56
#define IOAPIC_RTE_DELIVERY_STATUS (1ull << 12) /* read-only */
#define IOAPIC_RTE_POLARITY_LOW (1ull << 13)
#define IOAPIC_RTE_REMOTE_IRR (1ull << 14)      /* read-only */
#define IOAPIC_RTE_LEVEL (1ull << 15)
#define IOAPIC_RTE_MASKED (1ull << 16)
#define IOAPIC_RTE_WRITABLE \
    ((0xFFull << 56) | (0x1FFFFull & ~(IOAPIC_RTE_DELIVERY_STATUS | IOAPIC_RTE_REMOTE_IRR)))

struct ioapic_ops {
    /* An entry fired: the message for the local APICs it names. A
     * level-triggered one sets their TMR bit, so that its EOI comes back
     * through ioapic_eoi(). */
    void (*deliver)(void *opaque, const struct apic_message *msg);
    /* An ExtINT entry fired: the 8259 supplies the vector (may be NULL). */
    void (*deliver_extint)(void *opaque);
};

struct ioapic {
    const struct ioapic_ops *ops;
    void *opaque;
    uint32_t id;                   /* bits 24-27 of the ID register */
    uint32_t select;               /* IOREGSEL */
    uint64_t rte[IOAPIC_PINS];
    uint32_t asserted;             /* pin levels, bit n = pin n */
};

/* Reset: every entry masked, edge, vector 0; id as in the MADT/MP table. */
void ioapic_init(struct ioapic *io, uint8_t id, const struct ioapic_ops *ops, void *opaque);

/* The register window (bus_access_fn), offset 0..IOAPIC_SIZE-1. */
void ioapic_mmio(void *opaque, uint64_t offset, uint8_t *data, unsigned size, bool is_write);

/* A device drives pin (0..23; others ignored) to level. */
void ioapic_set_irq(struct ioapic *io, unsigned pin, bool level);

/* The local APIC took an EOI for a level-triggered vector. */
void ioapic_eoi(struct ioapic *io, uint8_t vector);

/* A redirection entry as the guest reads it (tests, debugging). */
uint64_t ioapic_read_rte(const struct ioapic *io, unsigned pin);

#endif
