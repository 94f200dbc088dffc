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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct reset_port_ops ops = { reset };
    memset(&ports, 0, sizeof ports);
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
    return 0;
}
