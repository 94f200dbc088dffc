/*
 * libFuzzer target: the 8042 (data and command/status ports: self tests,
 * configuration byte, output port, pulse reset, AUX) and the 0xCF9 reset
 * control register. A reset request is counted, never acted on here.
 */
#include "dev/reset_port.h"
#include "fuzz_bus.h"

static struct bus ports;
static struct reset_port rp;
static uint64_t now, resets;

static void reset(void *opaque)
{
    (void)opaque;
    resets++;
}

/* Only changes are reported, and only for IRQ 1 and 12. */
static bool line[16];

static void set_irq(void *opaque, unsigned irq, bool level)
{
    (void)opaque;
    fuzz_check(irq == I8042_KBD_IRQ || irq == I8042_AUX_IRQ, "an 8042 IRQ");
    fuzz_check(line[irq] != level, "a change of level");
    line[irq] = level;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct reset_port_ops ops = { reset, set_irq };
    memset(&ports, 0, sizeof ports);
    memset(line, 0, sizeof line);
    reset_port_init(&rp, &ops, NULL);
    struct wisp_error err = { 0 };
    fuzz_check(bus_register(&ports, I8042_DATA_PORT, 1, "data", reset_port_i8042_data_io, &rp,
                            &err) == 0 &&
               bus_register(&ports, I8042_COMMAND_PORT, 1, "command",
                            reset_port_i8042_command_io, &rp, &err) == 0 &&
               bus_register(&ports, RESET_PORT_CF9, 1, "cf9", reset_port_cf9_io, &rp, &err) == 0,
               "register");
    struct fuzz_bus_hooks h = {
        .ports = &ports,
        .port = { { I8042_DATA_PORT, 1 }, { I8042_COMMAND_PORT, 1 }, { RESET_PORT_CF9, 1 } },
        .now = &now,
    };
    fuzz_bus_run(&h, data, size);
    /* A raised line always has its byte waiting, from its side, enabled. */
    fuzz_check(!line[I8042_KBD_IRQ] ||
                   (rp.out_full && !rp.out_aux && (rp.ram[0] & I8042_CTR_KBDINT)),
               "IRQ 1 follows a keyboard byte");
    fuzz_check(!line[I8042_AUX_IRQ] ||
                   (rp.out_full && rp.out_aux && (rp.ram[0] & I8042_CTR_AUXINT)),
               "IRQ 12 follows an aux byte");
    return 0;
}
