/*
 * The PC's two cascaded 8259A programmable interrupt controllers, plus the
 * edge/level control registers (ELCR) that PIIX-class chipsets put beside
 * them. Device only: it sees register accesses, takes interrupt request
 * lines from devices through pic8259_set_irq(), and reports the level of
 * its INTR output (to the CPU or the LAPIC's LINT0 pin) through a callback;
 * it knows nothing about the bus, the LAPIC or the accelerator.
 *
 * Wiring (fixed, as on every PC): master at ports 0x20-0x21 takes IRQ 0-7,
 * slave at 0xA0-0xA1 takes IRQ 8-15 and drives the master's IR2. IRQ 2 is
 * therefore not available to devices (ISA's "IRQ 2" arrives as IRQ 9);
 * pic8259_set_irq(pic, 2, ...) is ignored. The ELCR pair at 0x4D0-0x4D1
 * selects level triggering per IRQ (bit n of 0x4D0 = IRQ n, of 0x4D1 =
 * IRQ 8+n); IRQ 0, 1, 2, 8 and 13 are always edge-triggered, as on PIIX.
 *
 * Model:
 * - Initialisation: ICW1 (IC4, SNGL, LTIM honoured; the 8080 call-address
 *   fields are ignored), ICW2 (vector base, bits 7-3), ICW3 (stored; the
 *   cascade wiring is fixed), ICW4 (auto-EOI, special fully nested mode;
 *   8086 mode is assumed). ICW1 clears IMR, ISR, the edge-triggered IRR
 *   bits, rotation and special mask mode, and selects IRR for status reads.
 * - OCW1 writes IMR. OCW2: non-specific and specific EOI, rotate on
 *   (non-)specific EOI, set priority, rotate in auto-EOI mode. OCW3: read
 *   IRR/ISR, poll (the next read of the command port acknowledges the
 *   highest request and returns 0x80 | level, or 0 when none), special mask
 *   mode.
 * - Edge-triggered inputs latch IRR on a rising edge and keep it until the
 *   INTA cycle, so a device may pulse its line (high then low at once).
 *   Level-triggered inputs (ELCR or ICW1.LTIM) have IRR follow the line.
 * - The slave's INT output feeds the master's IR2 as a level: IRR2 is set
 *   whenever the slave has a request the master should see.
 * - Priority: the highest request in IRR & ~IMR is presented when no
 *   in-service interrupt of equal or higher priority blocks it (special
 *   mask mode: masked in-service levels do not block; special fully nested
 *   mode on the master: the cascade level does not block the slave).
 * - pic8259_acknowledge() is the INTA cycle. With nothing left to present
 *   the master answers IRQ 7's vector, and a cascaded request the slave
 *   cannot back answers IRQ 15's; neither sets an ISR bit except the
 *   master's IR2 in the second case (the OS must EOI the master, as it does
 *   on hardware).
 * - An access wider than one byte is split as an ISA bus does it: byte i
 *   goes to offset + i; bytes past offset 1 read 0xFF and ignore writes.
 *
 * Not thread-safe: serialize all calls with one lock. set_output runs
 * inside them, only when the level changes; the output starts low.
 */
#ifndef WISP_DEV_PIC8259_H
#define WISP_DEV_PIC8259_H

#include <stdbool.h>
#include <stdint.h>

#define PIC8259_MASTER_PORT 0x20
#define PIC8259_SLAVE_PORT 0xA0
#define PIC8259_ELCR_PORT 0x4D0
#define PIC8259_NR_PORTS 2 /* each of the three windows */
#define PIC8259_NR_IRQS 16
#define PIC8259_CASCADE_IRQ 2

/* Command words as guests write them (bits of the first byte). */
#define PIC_ICW1 0x10       /* written to the command port: start of ICW1 */
#define PIC_ICW1_IC4 0x01   /* ICW4 follows */
#define PIC_ICW1_SNGL 0x02  /* single chip: no ICW3 */
#define PIC_ICW1_LTIM 0x08  /* level-triggered inputs */
#define PIC_ICW4_8086 0x01
#define PIC_ICW4_AEOI 0x02
#define PIC_ICW4_SFNM 0x10
#define PIC_OCW2_EOI 0x20          /* non-specific EOI */
#define PIC_OCW2_SPECIFIC_EOI 0x60 /* | level */
#define PIC_OCW3 0x08              /* command-port write with bit 3 set, bit 4 clear */
#define PIC_OCW3_READ_IRR 0x0A
#define PIC_OCW3_READ_ISR 0x0B
#define PIC_OCW3_POLL 0x0C

/* One 8259A. Public so it can be embedded (and, later, snapshotted); only
 * this module touches the fields. */
struct pic8259_chip {
    uint8_t irr;          /* interrupt request register */
    uint8_t isr;          /* in-service register */
    uint8_t imr;          /* interrupt mask register (OCW1) */
    uint8_t lines;        /* current levels of the eight inputs */
    uint8_t elcr;         /* level-triggered inputs (ELCR) */
    uint8_t elcr_mask;    /* ELCR bits that can be set */
    uint8_t vector_base;  /* ICW2 & 0xF8 */
    uint8_t icw3;
    uint8_t init_step;    /* 0 = ready; 2, 3, 4 = expecting ICW2/3/4 */
    uint8_t priority_add; /* the level with the highest priority */
    bool icw4_expected;
    bool single;
    bool ltim;
    bool auto_eoi;
    bool rotate_on_aeoi;
    bool sfnm;            /* special fully nested mode */
    bool special_mask;
    bool read_isr;        /* OCW3: status reads return ISR, not IRR */
    bool poll;            /* OCW3 poll: the next command-port read polls */
};

struct pic8259 {
    struct pic8259_chip chip[2]; /* [0] master, [1] slave */
    void (*set_output)(void *opaque, bool level);
    void *opaque;
    bool output; /* last level reported through set_output */
};

/* Reset state, the same as KVM's in-kernel PIC after KVM_CREATE_IRQCHIP
 * (wisp has no BIOS to program it): vector bases 0 on both chips, every
 * input unmasked, all inputs low and edge-triggered, output low; a kernel
 * remaps and masks it (ICW1-ICW4, OCW1) before enabling interrupts.
 * set_output may be NULL. */
void pic8259_init(struct pic8259 *pic, void (*set_output)(void *opaque, bool level),
                  void *opaque);

/* Level of interrupt request line irq (0..15); out-of-range and IRQ 2 are
 * ignored. */
void pic8259_set_irq(struct pic8259 *pic, unsigned irq, bool level);

/* The INTR output: high while the master presents an interrupt. */
bool pic8259_output(const struct pic8259 *pic);

/* The INTA cycle: returns the vector of the highest-priority presented
 * request and moves it to ISR (unless auto-EOI), or the spurious vector
 * (master base + 7 or slave base + 7) when there is nothing to present. */
int pic8259_acknowledge(struct pic8259 *pic);

/* Register windows (bus_access_fn), offsets 0..1, opaque = struct pic8259. */
void pic8259_master_io(void *opaque, uint64_t offset, uint8_t *data, unsigned size,
                       bool is_write);
void pic8259_slave_io(void *opaque, uint64_t offset, uint8_t *data, unsigned size,
                      bool is_write);
void pic8259_elcr_io(void *opaque, uint64_t offset, uint8_t *data, unsigned size,
                     bool is_write);

#endif
