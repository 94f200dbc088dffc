/*
 * A message on the APIC bus (the system bus on xAPIC parts): what a local
 * APIC's ICR sends, what an I/O APIC redirection entry or an MSI delivers.
 * The sender fills one in; wisp's user-space irqchip (irqchip_user.c)
 * finds the local APICs it is for and hands it to each (lapic_receive).
 * Only xAPIC's 8-bit destinations: x2APIC is not modelled.
 */
#ifndef WISP_DEV_APIC_BUS_H
#define WISP_DEV_APIC_BUS_H

#include <stdbool.h>
#include <stdint.h>

/* Delivery modes (ICR, LVT and redirection entries bits 10:8). */
enum {
    APIC_DM_FIXED = 0,
    APIC_DM_LOWEST = 1,
    APIC_DM_SMI = 2,
    APIC_DM_NMI = 4,
    APIC_DM_INIT = 5,
    APIC_DM_STARTUP = 6,
    APIC_DM_EXTINT = 7,
};

/* ICR destination shorthands (bits 19:18). */
enum {
    APIC_SHORTHAND_NONE = 0,
    APIC_SHORTHAND_SELF = 1,
    APIC_SHORTHAND_ALL_INCLUDING_SELF = 2,
    APIC_SHORTHAND_ALL_EXCLUDING_SELF = 3,
};

#define APIC_BROADCAST_ID 0xFF

struct apic_message {
    uint8_t vector;
    uint8_t delivery_mode;  /* APIC_DM_* */
    bool logical;           /* destination mode: logical (LDR/DFR) or physical (ID) */
    bool level_triggered;   /* trigger mode; a level interrupt's EOI goes back to its I/O APIC */
    bool assert;            /* ICR level bit: an INIT with it clear is a de-assert, ignored */
    uint8_t shorthand;      /* APIC_SHORTHAND_*, ICR only */
    uint8_t dest;           /* destination field */
    int source;             /* index of the sending CPU for shorthands; -1: I/O APIC, MSI */
};

#endif
