#include "irqchip_user.h"

#include <string.h>

/* The 8259's INTR output is wired to the LAPIC's LINT0 pin. */
static void pic_output(void *opaque, bool level)
{
    struct irqchip_user *chip = opaque;
    lapic_set_lint0(&chip->lapic, level);
}

/* PIT channel 0's output is ISA IRQ 0. */
static void pit_irq0(void *opaque, bool level)
{
    irqchip_user_set_irq(opaque, IRQCHIP_USER_PIT_IRQ, level);
}

static void ioapic_deliver(void *opaque, uint8_t vector, bool level)
{
    struct irqchip_user *chip = opaque;
    if (level)
        lapic_accept_level_irq(&chip->lapic, vector);
    else
        lapic_accept_irq(&chip->lapic, vector);
}

static void lapic_level_eoi(void *opaque, uint8_t vector)
{
    struct irqchip_user *chip = opaque;
    ioapic_eoi(&chip->ioapic, vector);
}

int irqchip_user_init(struct irqchip_user *chip, struct bus *ports, struct bus *mmio,
                      uint64_t (*clock)(void *opaque), void *clock_opaque,
                      struct wisp_error *err)
{
    memset(chip, 0, sizeof *chip);
    chip->clock = clock;
    chip->clock_opaque = clock_opaque;
    /* Sinks before sources: the LAPIC, then the PIC and I/O APIC that
     * drive it, then the PIT that drives them. */
    lapic_init(&chip->lapic, clock, clock_opaque);
    chip->lapic.level_eoi = lapic_level_eoi;
    chip->lapic.level_eoi_opaque = chip;
    static const struct ioapic_ops ioapic_ops = { ioapic_deliver, NULL };
    ioapic_init(&chip->ioapic, IRQCHIP_USER_IOAPIC_ID, &ioapic_ops, chip);
    pic8259_init(&chip->pic, pic_output, chip);
    pit8254_init(&chip->pit, pit_irq0, chip, clock, clock_opaque);

    if (bus_register(ports, PIC8259_MASTER_PORT, PIC8259_NR_PORTS, "8259 master",
                     pic8259_master_io, &chip->pic, err) < 0 ||
        bus_register(ports, PIC8259_SLAVE_PORT, PIC8259_NR_PORTS, "8259 slave",
                     pic8259_slave_io, &chip->pic, err) < 0 ||
        bus_register(ports, PIC8259_ELCR_PORT, PIC8259_NR_PORTS, "ELCR", pic8259_elcr_io,
                     &chip->pic, err) < 0 ||
        bus_register(ports, PIT8254_PORT, PIT8254_NR_PORTS, "8254 PIT", pit8254_io,
                     &chip->pit, err) < 0 ||
        bus_register(ports, PIT8254_PORT61, 1, "port 0x61", pit8254_port61_io, &chip->pit,
                     err) < 0 ||
        bus_register(mmio, LAPIC_BASE, LAPIC_SIZE, "LAPIC", lapic_mmio, &chip->lapic, err) < 0 ||
        bus_register(mmio, IOAPIC_BASE, IOAPIC_SIZE, "I/O APIC", ioapic_mmio, &chip->ioapic,
                     err) < 0)
        return -1;
    return 0;
}

void irqchip_user_set_irq(struct irqchip_user *chip, unsigned irq, bool level)
{
    if (irq < 16)
        pic8259_set_irq(&chip->pic, irq, level);
    ioapic_set_irq(&chip->ioapic, irq, level);
}

#define MSI_ADDRESS_MASK 0xFFF00000ull
#define MSI_ADDRESS_BASE 0xFEE00000ull

void irqchip_user_msi(struct irqchip_user *chip, uint64_t address, uint32_t data)
{
    if ((address & MSI_ADDRESS_MASK) != MSI_ADDRESS_BASE)
        return;
    unsigned mode = (data >> 8) & 7;
    if (mode == LAPIC_DM_FIXED || mode == LAPIC_DM_LOWEST)
        lapic_accept_irq(&chip->lapic, (uint8_t)data);
}

uint64_t irqchip_user_update(struct irqchip_user *chip, uint64_t now_ns)
{
    uint64_t pit = pit8254_update(&chip->pit, now_ns);
    uint64_t apic = lapic_update(&chip->lapic, now_ns);
    return pit < apic ? pit : apic;
}

bool irqchip_user_has_interrupt(struct irqchip_user *chip)
{
    return lapic_has_interrupt(&chip->lapic);
}

int irqchip_user_acknowledge(struct irqchip_user *chip)
{
    int vector = lapic_acknowledge(&chip->lapic);
    if (vector == LAPIC_EXTINT)
        return pic8259_acknowledge(&chip->pic);
    return vector >= 0 ? vector : -1;
}
