#include "pic8259.h"

#include <string.h>

enum { MASTER = 0, SLAVE = 1 };

#define CASCADE_BIT (1u << PIC8259_CASCADE_IRQ)
#define NO_LEVEL 8 /* priority() when no bit of the mask is set */

/* Inputs whose IRR follows the line instead of latching rising edges. */
static uint8_t level_inputs(const struct pic8259_chip *c)
{
    return c->ltim ? 0xFF : c->elcr;
}

/* Priority of the highest-priority bit in mask: 0 is the highest, NO_LEVEL
 * when mask is empty. Level priority_add has priority 0, then upwards. */
static unsigned priority(const struct pic8259_chip *c, uint8_t mask)
{
    for (unsigned p = 0; p < 8; p++)
        if (mask & (1u << ((p + c->priority_add) & 7)))
            return p;
    return NO_LEVEL;
}

/* The level this chip presents on its INT output, or -1. */
static int chip_pending(const struct pic8259_chip *c, bool is_master)
{
    unsigned prio = priority(c, (uint8_t)(c->irr & ~c->imr));
    if (prio == NO_LEVEL)
        return -1;
    int irq = (int)((prio + c->priority_add) & 7);

    uint8_t in_service = c->isr;
    if (c->special_mask)
        in_service &= (uint8_t)~c->imr;
    unsigned current = priority(c, in_service);
    if (prio < current)
        return irq;
    /* Special fully nested mode: a slave in service does not lock out a
     * higher-priority request from the same slave. */
    if (is_master && c->sfnm && irq == PIC8259_CASCADE_IRQ && prio == current)
        return irq;
    return -1;
}

/* Recompute the cascade input and the INTR output; report changes. */
static void update(struct pic8259 *pic)
{
    struct pic8259_chip *m = &pic->chip[MASTER];
    bool slave_out = chip_pending(&pic->chip[SLAVE], false) >= 0;
    if (slave_out) {
        m->lines |= CASCADE_BIT;
        m->irr |= CASCADE_BIT;
    } else {
        m->lines &= (uint8_t)~CASCADE_BIT;
        m->irr &= (uint8_t)~CASCADE_BIT;
    }
    bool out = chip_pending(m, true) >= 0;
    if (out == pic->output)
        return;
    pic->output = out;
    if (pic->set_output)
        pic->set_output(pic->opaque, out);
}

static void set_line(struct pic8259_chip *c, unsigned bit, bool level)
{
    uint8_t mask = (uint8_t)(1u << bit);
    if (level_inputs(c) & mask) {
        if (level)
            c->irr |= mask;
        else
            c->irr &= (uint8_t)~mask;
    } else if (level && !(c->lines & mask)) {
        c->irr |= mask; /* rising edge */
    }
    if (level)
        c->lines |= mask;
    else
        c->lines &= (uint8_t)~mask;
}

/* After a change of trigger modes, level inputs mirror their lines. */
static void sync_level_irr(struct pic8259_chip *c)
{
    uint8_t level = level_inputs(c);
    c->irr = (uint8_t)((c->irr & ~level) | (c->lines & level));
}

/* The chip's half of an INTA cycle (or a poll) for level irq. */
static void ack_chip(struct pic8259_chip *c, int irq)
{
    uint8_t mask = (uint8_t)(1u << irq);
    if (!(level_inputs(c) & mask))
        c->irr &= (uint8_t)~mask; /* a level input stays requested while high */
    if (!c->auto_eoi)
        c->isr |= mask;
    else if (c->rotate_on_aeoi)
        c->priority_add = (uint8_t)((irq + 1) & 7);
}

static uint8_t poll_chip(struct pic8259_chip *c, bool is_master)
{
    int irq = chip_pending(c, is_master);
    if (irq < 0)
        return 0;
    ack_chip(c, irq);
    return (uint8_t)(0x80 | irq);
}

static void write_icw1(struct pic8259_chip *c, uint8_t v)
{
    c->icw4_expected = v & PIC_ICW1_IC4;
    c->single = v & PIC_ICW1_SNGL;
    c->ltim = v & PIC_ICW1_LTIM;
    c->init_step = 2;
    c->imr = 0;
    c->isr = 0;
    c->irr = 0; /* edge inputs need a new rising edge; level ones resync */
    sync_level_irr(c);
    c->priority_add = 0;
    c->auto_eoi = false;
    c->rotate_on_aeoi = false;
    c->sfnm = false;
    c->special_mask = false;
    c->read_isr = false;
    c->poll = false;
}

/* The highest-priority in-service level, or -1. */
static int highest_in_service(const struct pic8259_chip *c)
{
    unsigned prio = priority(c, c->isr);
    return prio == NO_LEVEL ? -1 : (int)((prio + c->priority_add) & 7);
}

static void write_ocw2(struct pic8259_chip *c, uint8_t v)
{
    unsigned level = v & 7;
    switch (v >> 5) {
    case 0: /* clear rotate in auto-EOI mode */
        c->rotate_on_aeoi = false;
        break;
    case 4: /* set rotate in auto-EOI mode */
        c->rotate_on_aeoi = true;
        break;
    case 1:   /* non-specific EOI */
    case 5: { /* rotate on non-specific EOI */
        int irq = highest_in_service(c);
        if (irq < 0)
            break;
        c->isr &= (uint8_t)~(1u << irq);
        if (v >> 5 == 5)
            c->priority_add = (uint8_t)((irq + 1) & 7);
        break;
    }
    case 3: /* specific EOI */
        c->isr &= (uint8_t)~(1u << level);
        break;
    case 7: /* rotate on specific EOI */
        c->isr &= (uint8_t)~(1u << level);
        c->priority_add = (uint8_t)((level + 1) & 7);
        break;
    case 6: /* set priority: level becomes the lowest */
        c->priority_add = (uint8_t)((level + 1) & 7);
        break;
    default: /* 2: no operation */
        break;
    }
}

static void write_ocw3(struct pic8259_chip *c, uint8_t v)
{
    if (v & 0x04)
        c->poll = true;
    if (v & 0x02)
        c->read_isr = v & 0x01;
    if (v & 0x40)
        c->special_mask = v & 0x20;
}

static void write_command(struct pic8259_chip *c, uint8_t v)
{
    if (v & PIC_ICW1)
        write_icw1(c, v);
    else if (v & PIC_OCW3)
        write_ocw3(c, v);
    else
        write_ocw2(c, v);
}

static void write_data(struct pic8259_chip *c, uint8_t v)
{
    switch (c->init_step) {
    case 2: /* ICW2 */
        c->vector_base = v & 0xF8;
        c->init_step = c->single ? (c->icw4_expected ? 4 : 0) : 3;
        break;
    case 3: /* ICW3 */
        c->icw3 = v;
        c->init_step = c->icw4_expected ? 4 : 0;
        break;
    case 4: /* ICW4 */
        c->auto_eoi = v & PIC_ICW4_AEOI;
        c->sfnm = v & PIC_ICW4_SFNM;
        c->init_step = 0;
        break;
    default: /* OCW1 */
        c->imr = v;
        break;
    }
}

static uint8_t read_command(struct pic8259_chip *c, bool is_master)
{
    if (c->poll) {
        c->poll = false;
        return poll_chip(c, is_master);
    }
    return c->read_isr ? c->isr : c->irr;
}

static void chip_io(struct pic8259 *pic, int which, uint64_t offset, uint8_t *data,
                    unsigned size, bool is_write)
{
    struct pic8259_chip *c = &pic->chip[which];
    for (unsigned i = 0; i < size; i++) {
        uint64_t at = offset + i;
        if (at < offset || at >= PIC8259_NR_PORTS) {
            if (!is_write)
                data[i] = 0xFF;
            continue;
        }
        if (is_write && at == 0)
            write_command(c, data[i]);
        else if (is_write)
            write_data(c, data[i]);
        else if (at == 0)
            data[i] = read_command(c, which == MASTER);
        else
            data[i] = c->imr;
        update(pic); /* a poll of the master may depend on the slave */
    }
}

void pic8259_init(struct pic8259 *pic, void (*set_output)(void *opaque, bool level),
                  void *opaque)
{
    memset(pic, 0, sizeof *pic);
    pic->set_output = set_output;
    pic->opaque = opaque;
    pic->chip[MASTER].elcr_mask = 0xF8; /* IRQ 0, 1, 2: always edge */
    pic->chip[SLAVE].elcr_mask = 0xDE;  /* IRQ 8, 13: always edge */
    /* KVM's in-kernel PIC as KVM_CREATE_IRQCHIP leaves it, so that both
     * irqchips show a kernel the same machine: never initialised, vector
     * base 0 and every input unmasked (an early PIT tick arrives as vector
     * 0 on either). wisp has no BIOS to program it. */
    pic->chip[MASTER].vector_base = 0;
    pic->chip[SLAVE].vector_base = 0;
    pic->chip[MASTER].imr = 0;
    pic->chip[SLAVE].imr = 0;
}

void pic8259_set_irq(struct pic8259 *pic, unsigned irq, bool level)
{
    if (irq >= PIC8259_NR_IRQS || irq == PIC8259_CASCADE_IRQ)
        return;
    set_line(&pic->chip[irq >> 3], irq & 7, level);
    update(pic);
}

bool pic8259_output(const struct pic8259 *pic)
{
    return pic->output;
}

int pic8259_acknowledge(struct pic8259 *pic)
{
    struct pic8259_chip *m = &pic->chip[MASTER];
    struct pic8259_chip *s = &pic->chip[SLAVE];
    int vector;
    int irq = chip_pending(m, true);
    if (irq < 0) {
        vector = m->vector_base + 7; /* spurious IRQ 7 */
    } else {
        ack_chip(m, irq);
        if (irq == PIC8259_CASCADE_IRQ) {
            int irq2 = chip_pending(s, false);
            if (irq2 < 0) {
                vector = s->vector_base + 7; /* spurious IRQ 15 */
            } else {
                ack_chip(s, irq2);
                vector = s->vector_base + irq2;
            }
        } else {
            vector = m->vector_base + irq;
        }
    }
    update(pic);
    return vector;
}

void pic8259_master_io(void *opaque, uint64_t offset, uint8_t *data, unsigned size,
                       bool is_write)
{
    chip_io(opaque, MASTER, offset, data, size, is_write);
}

void pic8259_slave_io(void *opaque, uint64_t offset, uint8_t *data, unsigned size,
                      bool is_write)
{
    chip_io(opaque, SLAVE, offset, data, size, is_write);
}

void pic8259_elcr_io(void *opaque, uint64_t offset, uint8_t *data, unsigned size,
                     bool is_write)
{
    struct pic8259 *pic = opaque;
    for (unsigned i = 0; i < size; i++) {
        uint64_t at = offset + i;
        if (at < offset || at >= PIC8259_NR_PORTS) {
            if (!is_write)
                data[i] = 0xFF;
            continue;
        }
        struct pic8259_chip *c = &pic->chip[at];
        if (is_write) {
            c->elcr = data[i] & c->elcr_mask;
            sync_level_irr(c);
        } else {
            data[i] = c->elcr;
        }
    }
    update(pic);
}
