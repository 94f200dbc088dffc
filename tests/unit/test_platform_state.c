/*
 * Saved state of the PC platform devices (src/state/platform_state.h): the
 * CMOS RTC, the ACPI PM registers and timer, the 8042 and 0xCF9. Each
 * round-trips through a state_io into a freshly built device that then
 * answers the guest as the saved one did; every field a crafted file could
 * put out of range is refused with its message; a short input fails.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "state/platform_state.h"

/* ---- helpers ---- */

typedef void (*walk_fn)(struct state_io *, void *);

static void walk_rtc(struct state_io *io, void *d) { state_cmos_rtc(io, d); }
static void walk_pm(struct state_io *io, void *d) { state_acpi_pm(io, d); }
static void walk_reset(struct state_io *io, void *d) { state_reset_port(io, d); }

/* Saves from at now_save, loads into to at now_load: NULL or why it failed. */
static const char *save_load(walk_fn walk, void *from, void *to, uint64_t now_save,
                             uint64_t now_load, size_t cut)
{
    struct state_io io;
    state_io_save_begin(&io, now_save);
    walk(&io, from);
    assert_false(state_io_failed(&io));
    assert_true(io.size > cut);
    struct state_io in;
    state_io_load_begin(&in, io.data, io.size - cut, now_load);
    walk(&in, to);
    bool failed = state_io_failed(&in);
    const char *why = failed ? (in.why ? in.why : "failed") : NULL;
    free(io.data);
    return why;
}

/* ---- CMOS RTC ---- */

static int64_t host_seconds;

static int64_t fake_time(void *opaque)
{
    (void)opaque;
    return host_seconds;
}

static void rtc_write(struct cmos_rtc *rtc, uint8_t index, uint8_t value)
{
    cmos_rtc_io(rtc, 0, &index, 1, true);
    cmos_rtc_io(rtc, 1, &value, 1, true);
}

static uint8_t rtc_read(struct cmos_rtc *rtc, uint8_t index)
{
    uint8_t v = 0;
    cmos_rtc_io(rtc, 0, &index, 1, true);
    cmos_rtc_io(rtc, 1, &v, 1, false);
    return v;
}

static void rtc_keeps_its_ram_index_and_the_guests_clock(void **state)
{
    (void)state;
    struct cmos_rtc a, b;
    host_seconds = 1700000000; /* 2023-11-14 22:13:20 UTC */
    cmos_rtc_init(&a, fake_time, NULL);
    cmos_rtc_set_memory(&a, 128u << 20, 0);
    rtc_write(&a, RTC_REG_B, RTC_B_24H | RTC_B_DM_BINARY);
    rtc_write(&a, RTC_YEAR, 30); /* the guest sets its clock to 2030 */
    rtc_write(&a, 0x40, 0x5A);   /* and a byte of RAM */
    uint8_t index = 0x0A;
    cmos_rtc_io(&a, 0, &index, 1, true);
    int64_t guest = cmos_rtc_guest_time(&a);

    /* Restored a minute later (the host's clock moved on): the guest's
     * setting holds and its clock runs with the host's. */
    host_seconds += 60;
    cmos_rtc_init(&b, fake_time, NULL);
    assert_null(save_load(walk_rtc, &a, &b, 0, 0, 0));
    assert_int_equal(cmos_rtc_guest_time(&b), guest + 60);
    assert_memory_equal(a.ram, b.ram, sizeof a.ram);
    uint8_t got = 0;
    cmos_rtc_io(&b, 0, &got, 1, false);
    assert_int_equal(got, 0x0A);
    assert_int_equal(rtc_read(&b, RTC_YEAR), 30);
    assert_int_equal(rtc_read(&b, 0x40), 0x5A);
}

static void rtc_stopped_by_set_keeps_the_time_it_holds(void **state)
{
    (void)state;
    struct cmos_rtc a, b;
    host_seconds = 1700000000;
    cmos_rtc_init(&a, fake_time, NULL);
    rtc_write(&a, RTC_REG_B, RTC_B_24H | RTC_B_DM_BINARY | RTC_B_SET);
    rtc_write(&a, RTC_MINUTES, 42);
    cmos_rtc_init(&b, fake_time, NULL);
    host_seconds += 3600;
    assert_null(save_load(walk_rtc, &a, &b, 0, 0, 0));
    assert_int_equal(rtc_read(&b, RTC_MINUTES), 42);
    assert_int_equal(cmos_rtc_guest_time(&b), cmos_rtc_guest_time(&a));
}

static void rtc_bad_fields_are_refused(void **state)
{
    (void)state;
    struct cmos_rtc a, b;
    host_seconds = 1700000000;
    cmos_rtc_init(&a, fake_time, NULL);
    cmos_rtc_init(&b, fake_time, NULL);
    a.offset = INT64_MAX;
    assert_string_equal(save_load(walk_rtc, &a, &b, 0, 0, 0), "CMOS RTC clock offset out of range");
    a.offset = 0;
    /* The held time is used only while SET is on: then it must be a time. */
    a.frozen = (struct cmos_rtc_time){ 2024, 13, 1, 0, 0, 0 };
    assert_null(save_load(walk_rtc, &a, &b, 0, 0, 0));
    a.ram[RTC_REG_B] |= RTC_B_SET;
    assert_string_equal(save_load(walk_rtc, &a, &b, 0, 0, 0), "CMOS RTC time out of range");
    a.frozen = (struct cmos_rtc_time){ 10000, 1, 1, 0, 0, 0 };
    assert_string_equal(save_load(walk_rtc, &a, &b, 0, 0, 0), "CMOS RTC time out of range");
    a.frozen = (struct cmos_rtc_time){ 2024, 2, 29, 23, 59, 60 };
    assert_string_equal(save_load(walk_rtc, &a, &b, 0, 0, 0), "CMOS RTC time out of range");
    a.frozen.second = 59;
    assert_null(save_load(walk_rtc, &a, &b, 0, 0, 0));
    assert_non_null(save_load(walk_rtc, &a, &b, 0, 0, 1)); /* one byte short */
}

/* ---- ACPI PM ---- */

static uint64_t clock_ns;

static uint64_t fake_clock(void *opaque)
{
    (void)opaque;
    return clock_ns;
}

static bool sci;
static void fake_sci(void *opaque, bool level)
{
    (void)opaque;
    sci = level;
}

static const struct acpi_pm_ops pm_ops = { NULL, fake_sci, fake_clock };

static uint32_t pm_read32(struct acpi_pm *pm, unsigned offset)
{
    uint8_t b[4];
    acpi_pm_io(pm, offset, b, 4, false);
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static void pm_write16(struct acpi_pm *pm, unsigned offset, uint16_t v)
{
    uint8_t b[2] = { (uint8_t)v, (uint8_t)(v >> 8) };
    acpi_pm_io(pm, offset, b, 2, true);
}

static void pm_timer_goes_on_from_its_saved_count(void **state)
{
    (void)state;
    struct acpi_pm a, b;
    clock_ns = 1000000000000ull; /* the saving host has run 1000 s */
    acpi_pm_init(&a, &pm_ops, NULL);
    pm_write16(&a, ACPI_PM1_EN_OFFSET, ACPI_PM1_PWRBTN_EN);
    acpi_pm_power_button(&a);
    assert_true(sci);
    clock_ns += 700000000000ull; /* 700 s later: past bit 31 (600 s), TMR_STS set */
    uint32_t before = pm_read32(&a, ACPI_PM_TMR_OFFSET);
    uint64_t ticks = acpi_pm_ticks(&a, clock_ns);
    assert_true(ticks >> 31 == 1);
    /* Restored in a process whose clock has run only 5 ms: a timer based
     * on that clock alone would go back to 0. */
    uint64_t saved_at = clock_ns;
    clock_ns = 5000000;
    acpi_pm_init(&b, &pm_ops, NULL);
    assert_null(save_load(walk_pm, &a, &b, saved_at, clock_ns, 0));
    assert_int_equal(pm_read32(&b, ACPI_PM_TMR_OFFSET), before);
    clock_ns += 1000000000ull;
    assert_int_equal(pm_read32(&b, ACPI_PM_TMR_OFFSET), (uint32_t)(before + ACPI_PM_TIMER_HZ));
    assert_int_equal(b.sts, a.sts);
    assert_true(b.sts & ACPI_PM1_PWRBTN_STS);
    assert_int_equal(b.en, a.en);
    assert_int_equal(b.cnt, a.cnt);
    assert_true(b.sci_level);
    /* The next TMR_STS is due when bit 31 flips again, with the timer on. */
    pm_write16(&b, ACPI_PM1_EN_OFFSET, ACPI_PM1_TMR_EN);
    uint64_t due = acpi_pm_update(&b, clock_ns);
    uint64_t at_due = acpi_pm_ticks(&b, due);
    assert_true(at_due >> 31 == 2 && acpi_pm_ticks(&b, due - 1) >> 31 == 1);
}

static void pm_bad_fields_are_refused(void **state)
{
    (void)state;
    struct acpi_pm a, b;
    clock_ns = 1000;
    acpi_pm_init(&a, &pm_ops, NULL);
    acpi_pm_init(&b, &pm_ops, NULL);
    assert_null(save_load(walk_pm, &a, &b, clock_ns, clock_ns, 0));
    a.sts = 0x0002;
    assert_string_equal(save_load(walk_pm, &a, &b, clock_ns, clock_ns, 0),
                        "unknown PM1 status bits");
    a.sts = 0;
    a.en = 0x8000;
    assert_string_equal(save_load(walk_pm, &a, &b, clock_ns, clock_ns, 0),
                        "unknown PM1 enable bits");
    a.en = 0;
    a.cnt = 0;
    assert_string_equal(save_load(walk_pm, &a, &b, clock_ns, clock_ns, 0),
                        "PM1 control bits the device never holds");
    a.cnt = ACPI_PM1_SCI_EN | ACPI_PM1_SLP_EN;
    assert_string_equal(save_load(walk_pm, &a, &b, clock_ns, clock_ns, 0),
                        "PM1 control bits the device never holds");
    a.cnt = ACPI_PM1_SCI_EN;
    a.sci_level = true;
    assert_string_equal(save_load(walk_pm, &a, &b, clock_ns, clock_ns, 0),
                        "ACPI SCI level disagrees with the PM1 registers");
    a.sci_level = false;
    a.tmr_epoch = 1;
    assert_string_equal(save_load(walk_pm, &a, &b, clock_ns, clock_ns, 0),
                        "ACPI PM timer epoch ahead of its count");
    a.tmr_epoch = 0;
    a.base_ticks = 1ull << 62;
    assert_string_equal(save_load(walk_pm, &a, &b, clock_ns, clock_ns, 0),
                        "ACPI PM timer count out of range");
    a.base_ticks = 0;
    assert_non_null(save_load(walk_pm, &a, &b, clock_ns, clock_ns, 1));
}

/* ---- 8042 and 0xCF9 ---- */

static unsigned resets;
static bool irq1, irq12;

static void fake_reset(void *opaque)
{
    (void)opaque;
    resets++;
}

static void fake_irq(void *opaque, unsigned irq, bool level)
{
    (void)opaque;
    if (irq == I8042_KBD_IRQ)
        irq1 = level;
    else
        irq12 = level;
}

static const struct reset_port_ops reset_ops = { fake_reset, fake_irq };

static void kbc_command(struct reset_port *rp, uint8_t cmd)
{
    reset_port_i8042_command_io(rp, 0, &cmd, 1, true);
}

static void kbc_data(struct reset_port *rp, uint8_t v)
{
    reset_port_i8042_data_io(rp, 0, &v, 1, true);
}

static uint8_t kbc_read(struct reset_port *rp, bool status)
{
    uint8_t v = 0;
    if (status)
        reset_port_i8042_command_io(rp, 0, &v, 1, false);
    else
        reset_port_i8042_data_io(rp, 0, &v, 1, false);
    return v;
}

static void kbc_keeps_its_ram_buffer_and_pending_command(void **state)
{
    (void)state;
    struct reset_port a, b;
    reset_port_init(&a, &reset_ops, NULL);
    uint8_t cf9 = RESET_CF9_SYS_RST;
    reset_port_cf9_io(&a, 0, &cf9, 1, true);
    kbc_command(&a, I8042_CMD_WRITE_CTR + 5);
    kbc_data(&a, 0x77);                       /* RAM byte 5 */
    kbc_command(&a, I8042_CMD_AUX_ENABLE);
    kbc_command(&a, I8042_CMD_WRITE_CTR);
    kbc_data(&a, I8042_CTR_DEFAULT | I8042_CTR_AUXINT);
    kbc_command(&a, I8042_CMD_AUX_LOOP);
    kbc_data(&a, 0x5A);                       /* a byte from the aux side waits */
    assert_true(irq12);
    kbc_command(&a, I8042_CMD_WRITE_OUTPUT);  /* its data byte not written yet */

    reset_port_init(&b, &reset_ops, NULL);
    assert_null(save_load(walk_reset, &a, &b, 0, 0, 0));
    assert_int_equal(kbc_read(&b, true), kbc_read(&a, true));
    uint8_t got = 0;
    reset_port_cf9_io(&b, 0, &got, 1, false);
    assert_int_equal(got, RESET_CF9_SYS_RST);
    /* The pending command takes its byte in the restored controller:
     * clearing bit 0 of the output port resets the machine. */
    unsigned before = resets;
    kbc_data(&b, 0x00);
    assert_int_equal(resets, before + 1);
    assert_int_equal(kbc_read(&b, false), 0x5A);
    assert_false(irq12);
    kbc_command(&b, 0x25);
    assert_int_equal(kbc_read(&b, false), 0x77);
}

static void kbc_bad_fields_are_refused(void **state)
{
    (void)state;
    struct reset_port a, b;
    reset_port_init(&a, NULL, NULL);
    reset_port_init(&b, NULL, NULL);
    a.cf9 = RESET_CF9_RST_CPU;
    assert_string_equal(save_load(walk_reset, &a, &b, 0, 0, 0),
                        "reset control register bits the device never holds");
    a.cf9 = 0;
    a.output_port = 0;
    assert_string_equal(save_load(walk_reset, &a, &b, 0, 0, 0),
                        "8042 output port holds the CPU in reset");
    a.output_port = I8042_OUTPUT_RESET;
    a.out_aux = true;
    assert_string_equal(save_load(walk_reset, &a, &b, 0, 0, 0),
                        "8042 output flags without a byte");
    a.out_full = true; /* an aux byte, CTR without AUXINT: no IRQ 12 */
    assert_null(save_load(walk_reset, &a, &b, 0, 0, 0));
    a.aux_irq = true;
    assert_string_equal(save_load(walk_reset, &a, &b, 0, 0, 0),
                        "8042 interrupt lines disagree with its output buffer");
    a.aux_irq = false;
    a.out_aux = false; /* a keyboard byte with KBDINT on: IRQ 1 must be up */
    assert_string_equal(save_load(walk_reset, &a, &b, 0, 0, 0),
                        "8042 interrupt lines disagree with its output buffer");
    a.kbd_irq = true;
    assert_null(save_load(walk_reset, &a, &b, 0, 0, 0));
    a.pending = I8042_CMD_SELF_TEST;
    assert_string_equal(save_load(walk_reset, &a, &b, 0, 0, 0),
                        "8042 waits for data after a command that takes none");
    a.pending = I8042_CMD_AUX_SEND;
    assert_null(save_load(walk_reset, &a, &b, 0, 0, 0));
    assert_non_null(save_load(walk_reset, &a, &b, 0, 0, 1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rtc_keeps_its_ram_index_and_the_guests_clock),
        cmocka_unit_test(rtc_stopped_by_set_keeps_the_time_it_holds),
        cmocka_unit_test(rtc_bad_fields_are_refused),
        cmocka_unit_test(pm_timer_goes_on_from_its_saved_count),
        cmocka_unit_test(pm_bad_fields_are_refused),
        cmocka_unit_test(kbc_keeps_its_ram_buffer_and_pending_command),
        cmocka_unit_test(kbc_bad_fields_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
