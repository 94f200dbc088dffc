#include "ioapic.h"

#include <string.h>

#include "core/bus.h"

static unsigned delivery_mode(uint64_t rte)
{
    return (unsigned)((rte & IOAPIC_RTE_DELIVERY_MASK) >> IOAPIC_RTE_DELIVERY_SHIFT);
}

/* The pin's entry fires: hand it to the CPU's interrupt logic. */
static void fire(struct ioapic *io, unsigned pin)
{
    uint64_t rte = io->rte[pin];
    bool level = rte & IOAPIC_RTE_LEVEL;
    unsigned mode = delivery_mode(rte);
    struct apic_message msg = {
        .vector = (uint8_t)(rte & IOAPIC_RTE_VECTOR),
        .delivery_mode = (uint8_t)mode,
        .logical = (rte & IOAPIC_RTE_DEST_LOGICAL) != 0,
        .level_triggered = level,
        .assert = true,
        .dest = (uint8_t)(rte >> IOAPIC_RTE_DEST_SHIFT),
        .source = -1,
    };
    switch (mode) {
    case IOAPIC_RTE_DM_FIXED:
    case IOAPIC_RTE_DM_LOWEST:
        if (level)
            io->rte[pin] |= IOAPIC_RTE_REMOTE_IRR;
        io->ops->deliver(io->opaque, &msg);
        return;
    case IOAPIC_RTE_DM_NMI:
    case IOAPIC_RTE_DM_INIT:
        msg.level_triggered = false; /* NMI and INIT are edge-triggered */
        io->ops->deliver(io->opaque, &msg);
        return;
    case IOAPIC_RTE_DM_EXTINT:
        if (io->ops->deliver_extint)
            io->ops->deliver_extint(io->opaque);
        return;
    default:
        return; /* SMI: not modelled */
    }
}

/* A level entry whose line is asserted fires unless masked or still
 * waiting for its EOI. */
static void retrigger_level(struct ioapic *io, unsigned pin)
{
    uint64_t rte = io->rte[pin];
    if ((rte & IOAPIC_RTE_LEVEL) && !(rte & (IOAPIC_RTE_MASKED | IOAPIC_RTE_REMOTE_IRR)) &&
        (io->asserted >> pin & 1))
        fire(io, pin);
}

void ioapic_init(struct ioapic *io, uint8_t id, const struct ioapic_ops *ops, void *opaque)
{
    memset(io, 0, sizeof *io);
    io->ops = ops;
    io->opaque = opaque;
    io->id = (uint32_t)(id & 0xF) << 24;
    for (unsigned i = 0; i < IOAPIC_PINS; i++)
        io->rte[i] = IOAPIC_RTE_MASKED;
}

uint64_t ioapic_read_rte(const struct ioapic *io, unsigned pin)
{
    return pin < IOAPIC_PINS ? io->rte[pin] : 0;
}

static uint32_t read_register(const struct ioapic *io, uint32_t index)
{
    switch (index) {
    case IOAPIC_ID: return io->id;
    case IOAPIC_VERSION: return IOAPIC_VERSION_VALUE;
    case IOAPIC_ARBITRATION: return io->id;
    }
    if (index >= IOAPIC_REDIRECTION && index < IOAPIC_REDIRECTION + 2 * IOAPIC_PINS) {
        uint64_t rte = io->rte[(index - IOAPIC_REDIRECTION) / 2];
        return (uint32_t)(index & 1 ? rte >> 32 : rte);
    }
    return 0;
}

static void write_register(struct ioapic *io, uint32_t index, uint32_t value)
{
    if (index == IOAPIC_ID) {
        io->id = value & 0x0F000000u;
        return;
    }
    if (index < IOAPIC_REDIRECTION || index >= IOAPIC_REDIRECTION + 2 * IOAPIC_PINS)
        return; /* version, arbitration and the unused indices are read-only */
    unsigned pin = (index - IOAPIC_REDIRECTION) / 2;
    uint64_t old = io->rte[pin];
    uint64_t v = index & 1 ? (old & 0xFFFFFFFFull) | (uint64_t)value << 32
                           : (old & ~0xFFFFFFFFull) | value;
    v = (v & IOAPIC_RTE_WRITABLE) | (old & IOAPIC_RTE_REMOTE_IRR);
    if (!(v & IOAPIC_RTE_LEVEL))
        v &= ~IOAPIC_RTE_REMOTE_IRR; /* remote IRR means nothing for edge entries */
    io->rte[pin] = v;
    retrigger_level(io, pin);
}

void ioapic_mmio(void *opaque, uint64_t offset, uint8_t *data, unsigned size, bool is_write)
{
    struct ioapic *io = opaque;
    /* Both registers are 32-bit; narrower or unaligned accesses see the
     * containing register's bytes. */
    uint64_t reg = offset & ~3ull;
    unsigned shift = (unsigned)(offset & 3) * 8;
    if (!is_write) {
        uint32_t v = 0;
        if (reg == IOAPIC_REG_SELECT)
            v = io->select;
        else if (reg == IOAPIC_REG_WINDOW)
            v = read_register(io, io->select);
        v >>= shift;
        for (unsigned i = 0; i < size; i++)
            data[i] = i < 4 ? (uint8_t)(v >> (8 * i)) : 0;
        return;
    }
    uint32_t v = (uint32_t)bus_load_le(data, size);
    if (reg == IOAPIC_REG_SELECT)
        io->select = (v << shift) & 0xFF;
    else if (reg == IOAPIC_REG_WINDOW && shift == 0)
        write_register(io, io->select, v);
}

void ioapic_set_irq(struct ioapic *io, unsigned pin, bool level)
{
    if (pin >= IOAPIC_PINS)
        return;
    bool was = io->asserted >> pin & 1;
    if (level)
        io->asserted |= 1u << pin;
    else
        io->asserted &= ~(1u << pin);
    uint64_t rte = io->rte[pin];
    if (rte & IOAPIC_RTE_LEVEL)
        retrigger_level(io, pin);
    else if (level && !was && !(rte & IOAPIC_RTE_MASKED))
        fire(io, pin);
}

void ioapic_eoi(struct ioapic *io, uint8_t vector)
{
    for (unsigned pin = 0; pin < IOAPIC_PINS; pin++) {
        uint64_t rte = io->rte[pin];
        if ((rte & IOAPIC_RTE_REMOTE_IRR) && (rte & IOAPIC_RTE_VECTOR) == vector) {
            io->rte[pin] &= ~IOAPIC_RTE_REMOTE_IRR;
            retrigger_level(io, pin);
        }
    }
}
