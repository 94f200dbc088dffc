/*
 * libFuzzer target: the ACPI PM1 event/control registers and the PM timer
 * with time jumps: status write-1-to-clear, enables, SCI, sleep types
 * (S5 is a power-off request: counted), the power button.
 */
#include "dev/acpi_pm.h"
#include "fuzz_bus.h"

static struct bus ports;
static struct acpi_pm pm;
static uint64_t now, power_offs;
static bool sci;

static void power_off(void *opaque)
{
    (void)opaque;
    power_offs++;
}

static void set_sci(void *opaque, bool level)
{
    (void)opaque;
    fuzz_check(level != sci, "set_sci only on changes");
    sci = level;
}

static uint64_t clock_now(void *opaque)
{
    (void)opaque;
    return now;
}

static void update(void *opaque, uint64_t t)
{
    (void)opaque;
    uint64_t next = acpi_pm_update(&pm, t);
    fuzz_check(next == UINT64_MAX || next > t, "next deadline after now");
    (void)acpi_pm_timer(&pm, t);
}

static void irq(void *opaque, unsigned line, bool level)
{
    (void)opaque;
    (void)line;
    if (level)
        acpi_pm_power_button(&pm);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct acpi_pm_ops ops = { power_off, set_sci, clock_now };
    memset(&ports, 0, sizeof ports);
    now = 0;
    sci = false;
    acpi_pm_init(&pm, &ops, NULL);
    struct wisp_error err = { 0 };
    fuzz_check(bus_register(&ports, ACPI_PM_BASE, ACPI_PM_NR_PORTS, "ACPI PM", acpi_pm_io, &pm,
                            &err) == 0, "register");
    struct fuzz_bus_hooks h = {
        .ports = &ports, .port = { { ACPI_PM_BASE, ACPI_PM_NR_PORTS } }, .now = &now,
        .update = update, .irq = irq,
    };
    fuzz_bus_run(&h, data, size);
    return 0;
}
