/*
 * libFuzzer target: wisp's whole user-space interrupt controller as the
 * run loop drives it with --irqchip user: PIC, PIT, LAPIC and I/O APIC on
 * their ports and MMIO windows together (PIT -> IRQ0 -> PIC/I/O APIC ->
 * LAPIC), ISA lines 0..23, time jumps, the update pass and INTA cycles.
 */
#include "dev/irqchip_user.h"
#include "fuzz_bus.h"

static struct bus ports, mmio;
static struct irqchip_user chip;
static uint64_t now;

static uint64_t clock_now(void *opaque)
{
    (void)opaque;
    return now;
}

static void update(void *opaque, uint64_t t)
{
    (void)opaque;
    uint64_t next = irqchip_user_update(&chip, 0, t);
    fuzz_check(next == UINT64_MAX || next > t, "next deadline after now");
}

static void irq(void *opaque, unsigned line, bool level)
{
    (void)opaque;
    irqchip_user_set_irq(&chip, line % 26, level);
}

static void ack(void *opaque)
{
    (void)opaque;
    if (irqchip_user_has_interrupt(&chip, 0)) {
        int vector = irqchip_user_acknowledge(&chip, 0);
        fuzz_check(vector >= -1 && vector <= 0xFF, "vector in range");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    memset(&ports, 0, sizeof ports);
    memset(&mmio, 0, sizeof mmio);
    now = 1000000000ull;
    struct wisp_error err = { 0 };
    fuzz_check(irqchip_user_init(&chip, &ports, &mmio, 1, clock_now, NULL, &err) == 0, "init");
    struct fuzz_bus_hooks h = {
        .ports = &ports,
        .port = { { PIC8259_MASTER_PORT, PIC8259_NR_PORTS }, { PIC8259_SLAVE_PORT, PIC8259_NR_PORTS },
                  { PIC8259_ELCR_PORT, PIC8259_NR_PORTS }, { PIT8254_PORT, PIT8254_NR_PORTS },
                  { PIT8254_PORT61, 1 } },
        .mmio = &mmio, .mmio_window = { { IOAPIC_BASE, IOAPIC_SIZE }, { LAPIC_BASE, LAPIC_SIZE } },
        .now = &now, .update = update, .irq = irq, .ack = ack,
    };
    fuzz_bus_run(&h, data, size);
    return 0;
}
