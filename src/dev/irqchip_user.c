#include "irqchip_user.h"

#include <string.h>

/* Tells CPU cpu's thread to look at its LAPIC. */
static void notify(struct irqchip_user *chip, unsigned cpu)
{
    if (chip->kick && lapic_has_event(&chip->lapics[cpu]))
        chip->kick(chip->kick_opaque, cpu);
}

/* The 8259's INTR output is wired to every LAPIC's LINT0 pin. */
static void pic_output(void *opaque, bool level)
{
    struct irqchip_user *chip = opaque;
    for (unsigned i = 0; i < chip->ncpus; i++) {
        lapic_set_lint0(&chip->lapics[i], level);
        if (level)
            notify(chip, i);
    }
}

/* PIT channel 0's output is ISA IRQ 0. */
static void pit_irq0(void *opaque, bool level)
{
    irqchip_user_set_irq(opaque, IRQCHIP_USER_PIT_IRQ, level);
}

static void ioapic_deliver(void *opaque, const struct apic_message *msg)
{
    irqchip_user_deliver(opaque, msg);
}

static void lapic_level_eoi(void *opaque, uint8_t vector)
{
    struct irqchip_user *chip = opaque;
    ioapic_eoi(&chip->ioapic, vector);
}

static void lapic_send(void *opaque, const struct apic_message *msg)
{
    irqchip_user_deliver(opaque, msg);
}

/* The LAPIC page on the MMIO bus only claims the range: which CPU's LAPIC
 * an access reaches depends on the CPU making it, which the bus does not
 * know, so vCPUs go through irqchip_user_lapic_access() first. */
static void lapic_page_claim(void *opaque, uint64_t offset, uint8_t *data, unsigned size,
                             bool is_write)
{
    (void)opaque;
    (void)offset;
    if (!is_write)
        memset(data, 0, size);
}

int irqchip_user_init(struct irqchip_user *chip, struct bus *ports, struct bus *mmio,
                      unsigned ncpus, uint64_t (*clock)(void *opaque), void *clock_opaque,
                      struct wisp_error *err)
{
    if (ncpus == 0 || ncpus > IRQCHIP_USER_MAX_CPUS)
        return wisp_fail(err, WISP_EXIT_USAGE, "wisp's interrupt controllers take 1 to %d CPUs, "
                         "not %u", IRQCHIP_USER_MAX_CPUS, ncpus);
    memset(chip, 0, sizeof *chip);
    chip->ncpus = ncpus;
    chip->clock = clock;
    chip->clock_opaque = clock_opaque;
    /* Sinks before sources: the LAPICs, then the PIC and I/O APIC that
     * drive them, then the PIT that drives those. */
    for (unsigned i = 0; i < ncpus; i++) {
        struct lapic *apic = &chip->lapics[i];
        lapic_init_cpu(apic, (int)i, (uint8_t)i, i == 0, clock, clock_opaque);
        apic->level_eoi = lapic_level_eoi;
        apic->level_eoi_opaque = chip;
        apic->send = lapic_send;
        apic->send_opaque = chip;
    }
    static const struct ioapic_ops ioapic_ops = { ioapic_deliver, NULL };
    ioapic_init(&chip->ioapic, (uint8_t)ncpus, &ioapic_ops, chip);
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
        bus_register(mmio, LAPIC_BASE, LAPIC_SIZE, "LAPIC (per CPU)", lapic_page_claim, chip,
                     err) < 0 ||
        bus_register(mmio, IOAPIC_BASE, IOAPIC_SIZE, "I/O APIC", ioapic_mmio, &chip->ioapic,
                     err) < 0)
        return -1;
    return 0;
}

void irqchip_user_set_kick(struct irqchip_user *chip, void (*kick)(void *opaque, unsigned cpu),
                           void *opaque)
{
    chip->kick = kick;
    chip->kick_opaque = opaque;
}

bool irqchip_user_lapic_access(struct irqchip_user *chip, unsigned cpu, uint64_t gpa,
                               uint8_t *data, unsigned size, bool is_write)
{
    if (cpu >= chip->ncpus || gpa < LAPIC_BASE || gpa - LAPIC_BASE >= LAPIC_SIZE)
        return false;
    lapic_mmio(&chip->lapics[cpu], gpa - LAPIC_BASE, data, size, is_write);
    return true;
}

void irqchip_user_set_irq(struct irqchip_user *chip, unsigned irq, bool level)
{
    if (irq < 16)
        pic8259_set_irq(&chip->pic, irq, level);
    ioapic_set_irq(&chip->ioapic, irq, level);
}

/* ---- the APIC bus ---- */

static bool addressed(const struct irqchip_user *chip, unsigned cpu,
                      const struct apic_message *msg)
{
    switch (msg->shorthand) {
    case APIC_SHORTHAND_SELF:
        return msg->source == (int)cpu;
    case APIC_SHORTHAND_ALL_INCLUDING_SELF:
        return true;
    case APIC_SHORTHAND_ALL_EXCLUDING_SELF:
        return msg->source != (int)cpu;
    default:
        return lapic_is_destination(&chip->lapics[cpu], msg->dest, msg->logical);
    }
}

/* Lowest priority: the addressed APIC with the lowest processor priority;
 * among equals, the next one after the last winner. */
static int lowest_priority_target(struct irqchip_user *chip, const struct apic_message *msg)
{
    int best = -1;
    uint32_t best_priority = 0;
    for (unsigned n = 0; n < chip->ncpus; n++) {
        unsigned cpu = (chip->lowest_priority_turn + n) % chip->ncpus;
        if (!addressed(chip, cpu, msg))
            continue;
        uint32_t priority = lapic_arbitration_priority(&chip->lapics[cpu]) & 0xF0;
        if (best < 0 || priority < best_priority) {
            best = (int)cpu;
            best_priority = priority;
        }
    }
    if (best >= 0)
        chip->lowest_priority_turn = ((unsigned)best + 1) % chip->ncpus;
    return best;
}

void irqchip_user_deliver(struct irqchip_user *chip, const struct apic_message *msg)
{
    if (msg->delivery_mode == APIC_DM_LOWEST && msg->shorthand == APIC_SHORTHAND_NONE) {
        int cpu = lowest_priority_target(chip, msg);
        if (cpu >= 0) {
            lapic_receive(&chip->lapics[cpu], msg);
            notify(chip, (unsigned)cpu);
        }
        return;
    }
    for (unsigned cpu = 0; cpu < chip->ncpus; cpu++) {
        if (!addressed(chip, cpu, msg))
            continue;
        lapic_receive(&chip->lapics[cpu], msg);
        notify(chip, cpu);
    }
}

int irqchip_user_send_msi(struct irqchip_user *chip, uint64_t address, uint32_t data)
{
    if (address < IRQCHIP_USER_MSI_BASE || address - IRQCHIP_USER_MSI_BASE >= IRQCHIP_USER_MSI_SIZE)
        return -1;
    struct apic_message msg = {
        .vector = (uint8_t)(data & 0xFF),
        .delivery_mode = (uint8_t)((data >> 8) & 7),
        .logical = (address & (1u << 2)) != 0,
        /* An MSI has no I/O APIC to tell about its EOI: edge at the APIC,
         * whatever its trigger bit says. */
        .level_triggered = false,
        .assert = true,
        .dest = (uint8_t)(address >> 12),
        .source = -1,
    };
    irqchip_user_deliver(chip, &msg);
    return 0;
}

/* ---- one CPU's view ---- */

uint64_t irqchip_user_update(struct irqchip_user *chip, unsigned cpu, uint64_t now_ns)
{
    if (cpu >= chip->ncpus)
        return UINT64_MAX;
    uint64_t next = UINT64_MAX;
    if (cpu == 0)
        next = pit8254_update(&chip->pit, now_ns);
    uint64_t apic = lapic_update(&chip->lapics[cpu], now_ns);
    return apic < next ? apic : next;
}

bool irqchip_user_timer_armed(const struct irqchip_user *chip, unsigned cpu)
{
    if (cpu >= chip->ncpus)
        return false;
    if (lapic_timer_armed(&chip->lapics[cpu]))
        return true;
    /* Periodic or a one-shot still counting: an edge is scheduled. */
    if (cpu != 0 || chip->pit.irq0_next_ns == UINT64_MAX)
        return false;
    bool through_pic = !(chip->pic.chip[0].imr & 1) && lapic_accepts_extint(&chip->lapics[0]);
    bool through_ioapic = !(chip->ioapic.rte[0] & IOAPIC_RTE_MASKED) ||
                          !(chip->ioapic.rte[2] & IOAPIC_RTE_MASKED);
    return through_pic || through_ioapic;
}

bool irqchip_user_has_interrupt(struct irqchip_user *chip, unsigned cpu)
{
    return cpu < chip->ncpus && lapic_has_interrupt(&chip->lapics[cpu]);
}

bool irqchip_user_has_event(struct irqchip_user *chip, unsigned cpu)
{
    return cpu < chip->ncpus && lapic_has_event(&chip->lapics[cpu]);
}

int irqchip_user_acknowledge(struct irqchip_user *chip, unsigned cpu)
{
    if (cpu >= chip->ncpus)
        return -1;
    int vector = lapic_acknowledge(&chip->lapics[cpu]);
    if (vector == LAPIC_EXTINT)
        return pic8259_acknowledge(&chip->pic);
    return vector >= 0 ? vector : -1;
}

bool irqchip_user_take_nmi(struct irqchip_user *chip, unsigned cpu)
{
    return cpu < chip->ncpus && lapic_take_nmi(&chip->lapics[cpu]);
}

void irqchip_user_take_start(struct irqchip_user *chip, unsigned cpu, bool *init,
                             int *sipi_vector)
{
    *init = false;
    *sipi_vector = -1;
    if (cpu < chip->ncpus)
        lapic_take_start(&chip->lapics[cpu], init, sipi_vector);
}
