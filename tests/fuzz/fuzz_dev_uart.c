/*
 * libFuzzer target: the 16550 UART (COM1) behind the port bus: register
 * accesses of every width, host input arriving, and the invariant that the
 * IRQ level the device reported last is the level it says it has.
 */
#include "dev/uart16550.h"
#include "fuzz_bus.h"

static struct bus ports;
static struct uart16550 uart;
static uint64_t now, transmitted;
static bool irq_level;

static void transmit(void *opaque, uint8_t byte)
{
    (void)opaque;
    (void)byte;
    transmitted++;
}

static void set_irq(void *opaque, bool level)
{
    (void)opaque;
    irq_level = level;
}

static void input(void *opaque, const uint8_t *bytes, size_t len)
{
    (void)opaque;
    bool could = uart16550_can_receive(&uart);
    size_t taken = uart16550_receive(&uart, bytes, len);
    fuzz_check(taken <= len, "received more than given");
    fuzz_check(could || taken == 0, "took input it said it could not");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct uart16550_ops ops = { transmit, set_irq };
    memset(&ports, 0, sizeof ports);
    irq_level = false;
    uart16550_init(&uart, &ops, NULL);
    struct wisp_error err = { 0 };
    fuzz_check(bus_register(&ports, 0x3F8, UART16550_NR_PORTS, "COM1", uart16550_io, &uart,
                            &err) == 0, "register");
    struct fuzz_bus_hooks h = {
        .ports = &ports, .port = { { 0x3F8, UART16550_NR_PORTS } },
        .now = &now, .input = input,
    };
    fuzz_bus_run(&h, data, size);
    fuzz_check(irq_level == uart16550_irq_level(&uart), "IRQ line and model agree");
    return 0;
}
