/*
 * libFuzzer target: QEMU's debug devices as wisp offers them, behind the
 * port bus: the debug console on 0xE9 (every byte written goes out, reads
 * answer 0xE9) and isa-debug-exit at 0xF4 with a window of 1, 2 or 4 ports
 * (the status is (value << 1) | 1 in 8 bits).
 */
#include "dev/debugcon.h"
#include "dev/isa_debug_exit.h"
#include "fuzz_bus.h"

static struct bus ports;
static struct debugcon con;
static struct isa_debug_exit dx;
static uint64_t now, bytes_out, exits;

static void output(void *opaque, uint8_t byte)
{
    (void)opaque;
    (void)byte;
    bytes_out++;
}

static void debug_exit(void *opaque, uint64_t value, int status)
{
    (void)opaque;
    fuzz_check(status == isa_debug_exit_status(value) && status >= 0 && status <= 255 &&
               (status & 1), "QEMU's status");
    exits++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct debugcon_ops con_ops = { output };
    static const struct isa_debug_exit_ops dx_ops = { debug_exit };
    if (size < 1)
        return 0;
    unsigned width = 1u << (data[0] % 3); /* --isa-debug-exit=0xf4,1|2|4 */
    memset(&ports, 0, sizeof ports);
    bytes_out = 0;
    debugcon_init(&con, &con_ops, NULL);
    isa_debug_exit_init(&dx, &dx_ops, NULL);
    struct wisp_error err = { 0 };
    fuzz_check(bus_register(&ports, DEBUGCON_PORT, 1, "debugcon", debugcon_io, &con, &err) == 0 &&
               bus_register(&ports, ISA_DEBUG_EXIT_DEFAULT_IOBASE, width, "isa-debug-exit",
                            isa_debug_exit_io, &dx, &err) == 0, "register");
    struct fuzz_bus_hooks h = {
        .ports = &ports,
        .port = { { DEBUGCON_PORT, 1 }, { ISA_DEBUG_EXIT_DEFAULT_IOBASE, width } },
        .now = &now,
    };
    fuzz_bus_run(&h, data + 1, size - 1);
    fuzz_check(bytes_out == con.bytes_written, "every byte written went out");
    return 0;
}
