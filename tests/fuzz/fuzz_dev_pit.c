/*
 * libFuzzer target: the 8254 PIT and port 0x61 behind the port bus, with
 * time jumps from nanoseconds to minutes: every mode, access mode, latch
 * and read-back command, BCD, gate changes. Checks that a timer deadline
 * the PIT gives is never in the past of the update that gave it.
 */
#include "dev/pit8254.h"
#include "fuzz_bus.h"

static struct bus ports;
static struct pit8254 pit;
static uint64_t now;

static uint64_t clock_now(void *opaque)
{
    (void)opaque;
    return now;
}

static void irq0(void *opaque, bool level)
{
    (void)opaque;
    (void)level;
}

static void update(void *opaque, uint64_t t)
{
    (void)opaque;
    uint64_t next = pit8254_update(&pit, t);
    fuzz_check(next == UINT64_MAX || next > t, "next deadline after now");
    for (unsigned ch = 0; ch < 4; ch++)
        (void)pit8254_output(&pit, ch, t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    memset(&ports, 0, sizeof ports);
    now = 1000000000ull;
    pit8254_init(&pit, irq0, NULL, clock_now, NULL);
    struct wisp_error err = { 0 };
    fuzz_check(bus_register(&ports, PIT8254_PORT, PIT8254_NR_PORTS, "PIT", pit8254_io, &pit,
                            &err) == 0 &&
               bus_register(&ports, PIT8254_PORT61, 1, "61", pit8254_port61_io, &pit, &err) == 0,
               "register");
    struct fuzz_bus_hooks h = {
        .ports = &ports, .port = { { PIT8254_PORT, PIT8254_NR_PORTS }, { PIT8254_PORT61, 1 } },
        .now = &now,
        .update = update,
    };
    fuzz_bus_run(&h, data, size);
    update(NULL, now);
    return 0;
}
