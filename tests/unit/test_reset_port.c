/*
 * Reset requests through port 0xCF9 and the 8042, and the 8042 answers to
 * the probe Linux's i8042 driver runs (polling the status register for
 * OBF, as it does with interrupts off).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dev/reset_port.h"

struct harness {
    struct reset_port rp;
    unsigned resets;
    bool irq[16];        /* the lines' levels as reported */
    unsigned raised[16]; /* rising edges seen */
};

static void on_reset(void *opaque)
{
    ((struct harness *)opaque)->resets++;
}

static void on_irq(void *opaque, unsigned irq, bool level)
{
    struct harness *h = opaque;
    assert_true(irq == I8042_KBD_IRQ || irq == I8042_AUX_IRQ);
    assert_true(h->irq[irq] != level); /* only changes are reported */
    h->irq[irq] = level;
    if (level)
        h->raised[irq]++;
}

static int setup(void **state)
{
    static struct harness h;
    memset(&h, 0, sizeof h);
    static const struct reset_port_ops ops = { on_reset, on_irq };
    reset_port_init(&h.rp, &ops, &h);
    *state = &h;
    return 0;
}

static uint8_t cf9_rd(struct harness *h)
{
    uint8_t v = 0x5A;
    reset_port_cf9_io(&h->rp, 0, &v, 1, false);
    return v;
}

static void cf9_wr(struct harness *h, uint8_t v)
{
    reset_port_cf9_io(&h->rp, 0, &v, 1, true);
}

static uint8_t status(struct harness *h)
{
    uint8_t v = 0x5A;
    reset_port_i8042_command_io(&h->rp, 0, &v, 1, false);
    return v;
}

static void command(struct harness *h, uint8_t cmd)
{
    /* The driver waits for IBF clear before each write. */
    assert_int_equal(status(h) & I8042_STR_IBF, 0);
    reset_port_i8042_command_io(&h->rp, 0, &cmd, 1, true);
}

static void data_wr(struct harness *h, uint8_t v)
{
    assert_int_equal(status(h) & I8042_STR_IBF, 0);
    reset_port_i8042_data_io(&h->rp, 0, &v, 1, true);
}

static uint8_t data_rd(struct harness *h)
{
    uint8_t v = 0x5A;
    reset_port_i8042_data_io(&h->rp, 0, &v, 1, false);
    return v;
}

/* i8042_command() with a reply: poll OBF, then read it. */
static uint8_t reply(struct harness *h)
{
    assert_true(status(h) & I8042_STR_OBF);
    uint8_t v = data_rd(h);
    assert_int_equal(status(h) & I8042_STR_OBF, 0);
    return v;
}

/* ---- 0xCF9 ---- */

static void test_cf9_reset_values(void **state)
{
    struct harness *h = *state;
    assert_int_equal(cf9_rd(h), 0);
    cf9_wr(h, RESET_CF9_SYS_RST); /* Linux writes 0x02 first */
    assert_int_equal(h->resets, 0);
    assert_int_equal(cf9_rd(h), RESET_CF9_SYS_RST);
    cf9_wr(h, 0x06); /* the FADT's RESET_VALUE; reboot=p warm */
    assert_int_equal(h->resets, 1);
    cf9_wr(h, 0x0E); /* reboot=p cold */
    assert_int_equal(h->resets, 2);
    /* RST_CPU reads back as 0; SYS_RST and FULL_RST stay. */
    assert_int_equal(cf9_rd(h), RESET_CF9_SYS_RST | RESET_CF9_FULL_RST);
    cf9_wr(h, 0x00);
    cf9_wr(h, RESET_CF9_FULL_RST);
    assert_int_equal(h->resets, 2);
}

static void test_cf9_other_bytes_of_wide_accesses(void **state)
{
    struct harness *h = *state;
    /* A word at 0xCF9 writes the register with its first byte only. */
    uint8_t w[2] = { 0x02, 0xFF };
    reset_port_cf9_io(&h->rp, 0, w, 2, true);
    assert_int_equal(h->resets, 0);
    uint8_t r[2] = { 0, 0 };
    reset_port_cf9_io(&h->rp, 0, r, 2, false);
    assert_int_equal(r[0], 0x02);
    assert_int_equal(r[1], 0xFF);
    uint8_t x = 0x06;
    reset_port_cf9_io(&h->rp, 1, &x, 1, true); /* not our byte */
    assert_int_equal(h->resets, 0);
}

/* ---- 8042 ---- */

static void test_status_idle(void **state)
{
    struct harness *h = *state;
    uint8_t s = status(h);
    assert_int_equal(s & (I8042_STR_OBF | I8042_STR_IBF | I8042_STR_AUXDATA), 0);
    assert_true(s & I8042_STR_SYS);
    assert_int_not_equal(s, 0xFF); /* a controller is present */
}

static void test_pulse_reset_line(void **state)
{
    struct harness *h = *state;
    command(h, I8042_CMD_PULSE_RESET);
    assert_int_equal(h->resets, 1);
    /* Other pulse commands with bit 0 clear reset too; bit 0 set does not. */
    command(h, 0xF0);
    assert_int_equal(h->resets, 2);
    command(h, 0xFF);
    command(h, 0xFD);
    assert_int_equal(h->resets, 2);
}

static void test_output_port_reset_line(void **state)
{
    struct harness *h = *state;
    command(h, I8042_CMD_READ_OUTPUT);
    uint8_t out = reply(h);
    assert_true(out & I8042_OUTPUT_RESET);
    assert_true(out & I8042_OUTPUT_A20);
    /* A20 gate as Linux's boot code does it: no reset. */
    command(h, I8042_CMD_WRITE_OUTPUT);
    data_wr(h, 0xDF);
    assert_int_equal(h->resets, 0);
    command(h, I8042_CMD_WRITE_OUTPUT);
    data_wr(h, 0xDE); /* reset line low */
    assert_int_equal(h->resets, 1);
    command(h, I8042_CMD_A20_OFF);
    command(h, I8042_CMD_READ_OUTPUT);
    assert_int_equal(reply(h) & I8042_OUTPUT_A20, 0);
    command(h, I8042_CMD_A20_ON);
    command(h, I8042_CMD_READ_OUTPUT);
    assert_true(reply(h) & I8042_OUTPUT_A20);
}

/* The sequence of Linux's i8042_controller_check/selftest/init and
 * i8042_check_aux. */
static void test_linux_probe_sequence(void **state)
{
    struct harness *h = *state;
    /* i8042_flush: nothing pending. */
    assert_int_equal(status(h) & I8042_STR_OBF, 0);

    command(h, I8042_CMD_SELF_TEST);
    assert_int_equal(reply(h), I8042_SELF_TEST_OK);

    command(h, I8042_CMD_READ_CTR);
    uint8_t ctr = reply(h);
    assert_int_equal(ctr, I8042_CTR_DEFAULT);

    /* Disable both ports and their interrupts, as the driver does. */
    command(h, I8042_CMD_KBD_DISABLE);
    command(h, I8042_CMD_AUX_DISABLE);
    command(h, I8042_CMD_READ_CTR);
    ctr = reply(h);
    assert_true(ctr & I8042_CTR_KBDDIS);
    assert_true(ctr & I8042_CTR_AUXDIS);
    ctr &= (uint8_t)~(I8042_CTR_KBDINT | I8042_CTR_AUXINT);
    command(h, I8042_CMD_WRITE_CTR);
    data_wr(h, ctr);
    command(h, I8042_CMD_READ_CTR);
    assert_int_equal(reply(h), ctr);

    /* AUX loop-back: the byte comes back from the aux side. */
    command(h, I8042_CMD_AUX_LOOP);
    data_wr(h, 0x5A);
    uint8_t s = status(h);
    assert_true(s & I8042_STR_OBF);
    assert_true(s & I8042_STR_AUXDATA);
    assert_int_equal(data_rd(h), 0x5A);
    assert_int_equal(status(h) & (I8042_STR_OBF | I8042_STR_AUXDATA), 0);

    command(h, I8042_CMD_AUX_TEST);
    assert_int_equal(reply(h), 0x00);
    command(h, I8042_CMD_KBD_TEST);
    assert_int_equal(reply(h), 0x00);

    /* AUXDIS follows 0xA7/0xA8. */
    command(h, I8042_CMD_AUX_ENABLE);
    command(h, I8042_CMD_READ_CTR);
    assert_int_equal(reply(h) & I8042_CTR_AUXDIS, 0);
    command(h, I8042_CMD_AUX_DISABLE);
    command(h, I8042_CMD_READ_CTR);
    assert_true(reply(h) & I8042_CTR_AUXDIS);

    command(h, I8042_CMD_KBD_ENABLE);
    command(h, I8042_CMD_READ_CTR);
    assert_int_equal(reply(h) & I8042_CTR_KBDDIS, 0);

    /* The keyboard loop-back lands on the keyboard side. */
    command(h, I8042_CMD_KBD_LOOP);
    data_wr(h, 0xA5);
    s = status(h);
    assert_true(s & I8042_STR_OBF);
    assert_int_equal(s & I8042_STR_AUXDATA, 0);
    assert_int_equal(data_rd(h), 0xA5);

    assert_int_equal(h->resets, 0);
}

static void test_no_devices_answer(void **state)
{
    struct harness *h = *state;
    /* A keyboard command (GET ID): 0xFE with the time-out bit, keyboard side. */
    data_wr(h, 0xF2);
    uint8_t s = status(h);
    assert_true(s & I8042_STR_OBF);
    assert_true(s & I8042_STR_TIMEOUT);
    assert_int_equal(s & I8042_STR_AUXDATA, 0);
    assert_int_equal(data_rd(h), I8042_NO_DEVICE);
    assert_int_equal(status(h) & (I8042_STR_OBF | I8042_STR_TIMEOUT), 0);
    /* The same for a mouse command, from the aux side. */
    command(h, I8042_CMD_AUX_SEND);
    data_wr(h, 0xF2);
    s = status(h);
    assert_true(s & I8042_STR_OBF);
    assert_true(s & I8042_STR_TIMEOUT);
    assert_true(s & I8042_STR_AUXDATA);
    assert_int_equal(data_rd(h), I8042_NO_DEVICE);
    /* The data byte after 0xD4 is not taken as a CTR or output-port write. */
    command(h, I8042_CMD_READ_CTR);
    assert_int_equal(reply(h), I8042_CTR_DEFAULT);
    assert_int_equal(h->resets, 0);
}

/* IRQ 1 and 12 follow the output buffer, each side behind its CTR enable:
 * what Linux's aux IRQ test (a byte round the aux loop with AUXINT on)
 * waits for. */
static void test_interrupts_follow_the_output_buffer(void **state)
{
    struct harness *h = *state;
    /* Interrupts off: a loop byte raises nothing. */
    command(h, I8042_CMD_WRITE_CTR);
    data_wr(h, I8042_CTR_SYS);
    command(h, I8042_CMD_AUX_LOOP);
    data_wr(h, 0xA5);
    assert_false(h->irq[I8042_AUX_IRQ]);
    assert_false(h->irq[I8042_KBD_IRQ]);
    /* Enabling AUXINT while the aux byte waits raises IRQ 12 at once. */
    command(h, I8042_CMD_WRITE_CTR);
    data_wr(h, I8042_CTR_SYS | I8042_CTR_AUXINT);
    assert_true(h->irq[I8042_AUX_IRQ]);
    assert_int_equal(data_rd(h), 0xA5);
    assert_false(h->irq[I8042_AUX_IRQ]);
    /* The aux loop with AUXINT on: IRQ 12 until the byte is read. */
    command(h, I8042_CMD_AUX_LOOP);
    data_wr(h, 0x5A);
    assert_true(h->irq[I8042_AUX_IRQ]);
    assert_false(h->irq[I8042_KBD_IRQ]);
    assert_int_equal(data_rd(h), 0x5A);
    assert_false(h->irq[I8042_AUX_IRQ]);
    assert_int_equal(h->raised[I8042_AUX_IRQ], 2);
    /* Keyboard-side bytes need KBDINT. */
    command(h, I8042_CMD_KBD_LOOP);
    data_wr(h, 0x11);
    assert_false(h->irq[I8042_KBD_IRQ]);
    assert_int_equal(data_rd(h), 0x11);
    command(h, I8042_CMD_WRITE_CTR);
    data_wr(h, I8042_CTR_SYS | I8042_CTR_KBDINT);
    data_wr(h, 0xF2); /* a keyboard command: the missing keyboard's answer */
    assert_true(h->irq[I8042_KBD_IRQ]);
    assert_int_equal(data_rd(h), I8042_NO_DEVICE);
    assert_false(h->irq[I8042_KBD_IRQ]);
    assert_int_equal(h->raised[I8042_KBD_IRQ], 1);
}

static void test_unknown_commands_are_harmless(void **state)
{
    struct harness *h = *state;
    static const uint8_t cmds[] = { 0x00, 0x10, 0x90, 0xA1, 0xA4, 0xAC, 0xC1, 0xE0, 0xEF };
    for (size_t i = 0; i < sizeof cmds; i++) {
        command(h, cmds[i]);
        assert_int_equal(status(h) & (I8042_STR_OBF | I8042_STR_IBF), 0);
    }
    command(h, I8042_CMD_READ_CTR);
    assert_int_equal(reply(h), I8042_CTR_DEFAULT);
    assert_int_equal(h->resets, 0);
}

static void test_ram_and_command_flag(void **state)
{
    struct harness *h = *state;
    command(h, 0x60 + 5);
    assert_true(status(h) & I8042_STR_CMD);
    data_wr(h, 0x77);
    assert_int_equal(status(h) & I8042_STR_CMD, 0);
    command(h, 0x20 + 5);
    assert_int_equal(reply(h), 0x77);
    /* A command in place of the expected data byte cancels the write. */
    command(h, I8042_CMD_WRITE_CTR);
    command(h, I8042_CMD_READ_CTR);
    assert_int_equal(reply(h), I8042_CTR_DEFAULT);
    /* The system flag follows CTR bit 2. */
    command(h, I8042_CMD_WRITE_CTR);
    data_wr(h, 0x00);
    assert_int_equal(status(h) & I8042_STR_SYS, 0);
}

static void test_data_port_when_empty_repeats_last_byte(void **state)
{
    struct harness *h = *state;
    command(h, I8042_CMD_SELF_TEST);
    assert_int_equal(data_rd(h), 0x55);
    assert_int_equal(data_rd(h), 0x55);
    assert_int_equal(status(h) & I8042_STR_OBF, 0);
}

static void test_wide_and_offset_accesses(void **state)
{
    struct harness *h = *state;
    uint8_t b[2] = { 0, 0 };
    reset_port_i8042_command_io(&h->rp, 0, b, 2, false);
    assert_int_equal(b[1], 0xFF);
    uint8_t fe = I8042_CMD_PULSE_RESET;
    reset_port_i8042_command_io(&h->rp, 1, &fe, 1, true);
    assert_int_equal(h->resets, 0);
    reset_port_i8042_command_io(&h->rp, 0, &fe, 0, true); /* empty access */
    assert_int_equal(h->resets, 0);
}

static void test_null_ops_are_fine(void **state)
{
    (void)state;
    struct reset_port rp;
    reset_port_init(&rp, NULL, NULL);
    uint8_t v = 0x06;
    reset_port_cf9_io(&rp, 0, &v, 1, true);
    v = I8042_CMD_PULSE_RESET;
    reset_port_i8042_command_io(&rp, 0, &v, 1, true);
}

#define T(fn) cmocka_unit_test_setup(fn, setup)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_cf9_reset_values),
        T(test_cf9_other_bytes_of_wide_accesses),
        T(test_status_idle),
        T(test_pulse_reset_line),
        T(test_output_port_reset_line),
        T(test_linux_probe_sequence),
        T(test_no_devices_answer),
        T(test_interrupts_follow_the_output_buffer),
        T(test_unknown_commands_are_harmless),
        T(test_ram_and_command_flag),
        T(test_data_port_when_empty_repeats_last_byte),
        T(test_wide_and_offset_accesses),
        T(test_null_ops_are_fine),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
