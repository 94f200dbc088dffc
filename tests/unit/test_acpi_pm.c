/*
 * The ACPI PM1a blocks and PM timer as ACPICA drives them: 16-bit accesses
 * to PM1_STS/PM1_EN/PM1_CNT, a 32-bit PM_TMR, power-off through SLP_TYP =
 * the DSDT's _S5 value with SLP_EN, all against a fake clock.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dev/acpi_pm.h"

struct harness {
    struct acpi_pm pm;
    uint64_t now;
    unsigned power_offs;
    unsigned sci_calls;
    bool sci;
};

static uint64_t fake_clock(void *opaque)
{
    return ((struct harness *)opaque)->now;
}

static void on_power_off(void *opaque)
{
    ((struct harness *)opaque)->power_offs++;
}

static void on_sci(void *opaque, bool level)
{
    struct harness *h = opaque;
    h->sci = level;
    h->sci_calls++;
}

static int setup(void **state)
{
    static struct harness h;
    memset(&h, 0, sizeof h);
    h.now = 5000000000ull; /* the clock does not start at 0 */
    static const struct acpi_pm_ops ops = { on_power_off, on_sci, fake_clock };
    acpi_pm_init(&h.pm, &ops, &h);
    *state = &h;
    return 0;
}

static uint32_t rd(struct harness *h, unsigned offset, unsigned size)
{
    uint8_t b[4] = { 0x5A, 0x5A, 0x5A, 0x5A };
    acpi_pm_io(&h->pm, offset, b, size, false);
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint32_t)b[i] << (8 * i);
    return v;
}

static void wr(struct harness *h, unsigned offset, unsigned size, uint32_t v)
{
    uint8_t b[4];
    for (unsigned i = 0; i < 4; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    acpi_pm_io(&h->pm, offset, b, size, true);
}

static uint16_t slp(unsigned typ)
{
    return (uint16_t)(typ << ACPI_PM1_SLP_TYP_SHIFT);
}

static void test_power_on_state(void **state)
{
    struct harness *h = *state;
    assert_int_equal(rd(h, ACPI_PM1_STS_OFFSET, 2), 0);
    assert_int_equal(rd(h, ACPI_PM1_EN_OFFSET, 2), 0);
    /* No SMI_CMD: always in ACPI mode. */
    assert_int_equal(rd(h, ACPI_PM1_CNT_OFFSET, 2), ACPI_PM1_SCI_EN);
    assert_int_equal(rd(h, ACPI_PM_TMR_OFFSET, 4), 0);
    assert_int_equal(rd(h, 6, 2), 0xFFFF); /* the gap */
    assert_int_equal(h->sci_calls, 0);
}

static void test_s5_powers_off_the_way_acpica_writes_it(void **state)
{
    struct harness *h = *state;
    /* ACPICA writes SLP_TYP first, then SLP_TYP | SLP_EN. */
    uint16_t cnt = (uint16_t)rd(h, ACPI_PM1_CNT_OFFSET, 2);
    cnt = (uint16_t)((cnt & ~(ACPI_PM1_SLP_TYP_MASK | ACPI_PM1_SLP_EN)) | slp(ACPI_PM_SLP_TYP_S5));
    wr(h, ACPI_PM1_CNT_OFFSET, 2, cnt);
    assert_int_equal(h->power_offs, 0);
    assert_int_equal(rd(h, ACPI_PM1_CNT_OFFSET, 2), cnt); /* SLP_TYP reads back */
    wr(h, ACPI_PM1_CNT_OFFSET, 2, cnt | ACPI_PM1_SLP_EN);
    assert_int_equal(h->power_offs, 1);
    /* SLP_EN is write-only. */
    assert_int_equal(rd(h, ACPI_PM1_CNT_OFFSET, 2) & ACPI_PM1_SLP_EN, 0);
}

static void test_s5_through_a_byte_write_of_the_high_half(void **state)
{
    struct harness *h = *state;
    wr(h, ACPI_PM1_CNT_OFFSET + 1, 1, (slp(ACPI_PM_SLP_TYP_S5) | ACPI_PM1_SLP_EN) >> 8);
    assert_int_equal(h->power_offs, 1);
    /* And through a 32-bit write that starts at PM1_EN (enables untouched
     * apart from what it writes). */
    wr(h, ACPI_PM1_EN_OFFSET, 4,
       (uint32_t)(slp(ACPI_PM_SLP_TYP_S5) | ACPI_PM1_SLP_EN) << 16 | ACPI_PM1_PWRBTN_EN);
    assert_int_equal(h->power_offs, 2);
    assert_int_equal(rd(h, ACPI_PM1_EN_OFFSET, 2), ACPI_PM1_PWRBTN_EN);
}

static void test_other_sleep_types_do_not_power_off(void **state)
{
    struct harness *h = *state;
    for (unsigned typ = 0; typ < 8; typ++) {
        if (typ == ACPI_PM_SLP_TYP_S5)
            continue;
        wr(h, ACPI_PM1_CNT_OFFSET, 2, slp(typ) | ACPI_PM1_SLP_EN);
        assert_int_equal(h->power_offs, 0);
        /* The machine "wakes" at once so a guest polling WAK_STS goes on. */
        assert_true(rd(h, ACPI_PM1_STS_OFFSET, 2) & ACPI_PM1_WAK_STS);
        wr(h, ACPI_PM1_STS_OFFSET, 2, ACPI_PM1_WAK_STS);
        assert_int_equal(rd(h, ACPI_PM1_STS_OFFSET, 2) & ACPI_PM1_WAK_STS, 0);
    }
    /* S5's SLP_TYP without SLP_EN does nothing either. */
    wr(h, ACPI_PM1_CNT_OFFSET, 2, slp(ACPI_PM_SLP_TYP_S5));
    assert_int_equal(h->power_offs, 0);
}

static void test_sci_en_cannot_be_cleared(void **state)
{
    struct harness *h = *state;
    wr(h, ACPI_PM1_CNT_OFFSET, 2, 0);
    assert_int_equal(rd(h, ACPI_PM1_CNT_OFFSET, 2), ACPI_PM1_SCI_EN);
    wr(h, ACPI_PM1_CNT_OFFSET, 2, ACPI_PM1_BM_RLD | ACPI_PM1_GBL_RLS);
    assert_int_equal(rd(h, ACPI_PM1_CNT_OFFSET, 2), ACPI_PM1_SCI_EN | ACPI_PM1_BM_RLD);
}

static void test_enable_bits_read_back(void **state)
{
    struct harness *h = *state;
    wr(h, ACPI_PM1_EN_OFFSET, 2, 0xFFFF);
    assert_int_equal(rd(h, ACPI_PM1_EN_OFFSET, 2),
                     ACPI_PM1_TMR_EN | ACPI_PM1_GBL_EN | ACPI_PM1_PWRBTN_EN |
                         ACPI_PM1_SLPBTN_EN | ACPI_PM1_RTC_EN | ACPI_PM1_PCIEXP_WAKE_DIS);
    wr(h, ACPI_PM1_EN_OFFSET, 2, 0);
    assert_int_equal(rd(h, ACPI_PM1_EN_OFFSET, 2), 0);
}

static void test_timer_counts_at_3_579545_mhz(void **state)
{
    struct harness *h = *state;
    uint32_t t0 = rd(h, ACPI_PM_TMR_OFFSET, 4);
    assert_int_equal(t0, 0);
    h->now += 1000000000ull; /* one second */
    assert_int_equal(rd(h, ACPI_PM_TMR_OFFSET, 4), 3579545);
    h->now += 1000; /* 1 us = 3.58 ticks */
    assert_int_equal(rd(h, ACPI_PM_TMR_OFFSET, 4), 3579548);
    /* 16 ms: how Linux's calibration loops see it. */
    uint32_t a = rd(h, ACPI_PM_TMR_OFFSET, 4);
    h->now += 16000000ull;
    uint32_t b = rd(h, ACPI_PM_TMR_OFFSET, 4);
    assert_true(b - a >= 57272 && b - a <= 57273);
    /* Narrow reads see the same instant's bytes. */
    uint32_t full = rd(h, ACPI_PM_TMR_OFFSET, 4);
    assert_int_equal(rd(h, ACPI_PM_TMR_OFFSET, 2), full & 0xFFFF);
    assert_int_equal(rd(h, ACPI_PM_TMR_OFFSET + 2, 2), full >> 16);
    /* Writes are ignored. */
    wr(h, ACPI_PM_TMR_OFFSET, 4, 0);
    assert_int_equal(rd(h, ACPI_PM_TMR_OFFSET, 4), full);
}

static void test_timer_is_32_bits_and_wraps(void **state)
{
    struct harness *h = *state;
    /* 2^32 ticks is 1199.9 s. */
    uint64_t start = h->now;
    h->now = start + 1199000000000ull;
    uint32_t before = rd(h, ACPI_PM_TMR_OFFSET, 4);
    assert_true(before > 0xFF000000u);
    h->now = start + 1201000000000ull;
    uint32_t after = rd(h, ACPI_PM_TMR_OFFSET, 4);
    assert_true(after < 0x01000000u);
    /* Differences modulo 2^32 stay right across the wrap. */
    assert_true((uint32_t)(after - before) >= 7159089u && (uint32_t)(after - before) <= 7159091u);
    /* Long uptimes (a year of ns) do not overflow the conversion. */
    h->now = start + 365ull * 86400 * 1000000000ull;
    uint64_t ticks = 365ull * 86400 * 3579545ull;
    assert_int_equal(rd(h, ACPI_PM_TMR_OFFSET, 4), (uint32_t)ticks);
}

static void test_tmr_sts_on_bit_31_change_and_sci_when_enabled(void **state)
{
    struct harness *h = *state;
    uint64_t start = h->now;
    assert_int_equal(acpi_pm_update(&h->pm, h->now), UINT64_MAX); /* TMR_EN clear */
    wr(h, ACPI_PM1_EN_OFFSET, 2, ACPI_PM1_TMR_EN);
    uint64_t due = acpi_pm_update(&h->pm, h->now);
    /* Bit 31 first sets at 2^31 ticks = 599.95 s. */
    assert_true(due > start + 599000000000ull && due < start + 601000000000ull);
    assert_int_equal(acpi_pm_timer(&h->pm, due - 1), 0x7FFFFFFFu);
    assert_int_equal(acpi_pm_timer(&h->pm, due), 0x80000000u);
    assert_false(h->sci);
    acpi_pm_update(&h->pm, due - 1);
    assert_false(h->sci);
    acpi_pm_update(&h->pm, due);
    assert_true(h->sci);
    h->now = due;
    assert_true(rd(h, ACPI_PM1_STS_OFFSET, 2) & ACPI_PM1_TMR_STS);
    /* Write 1 to clear drops the line; the next change is at 2^32 ticks. */
    wr(h, ACPI_PM1_STS_OFFSET, 2, ACPI_PM1_TMR_STS);
    assert_false(h->sci);
    assert_int_equal(rd(h, ACPI_PM1_STS_OFFSET, 2) & ACPI_PM1_TMR_STS, 0);
    uint64_t next = acpi_pm_update(&h->pm, h->now);
    assert_int_equal(acpi_pm_timer(&h->pm, next), 0);
    assert_int_equal(acpi_pm_timer(&h->pm, next - 1), 0xFFFFFFFFu);
}

static void test_tmr_sts_without_enable_raises_no_sci(void **state)
{
    struct harness *h = *state;
    h->now += 601000000000ull;
    assert_true(rd(h, ACPI_PM1_STS_OFFSET, 2) & ACPI_PM1_TMR_STS);
    assert_int_equal(h->sci_calls, 0);
    /* Enabling it with the status pending raises the SCI at once. */
    wr(h, ACPI_PM1_EN_OFFSET, 2, ACPI_PM1_TMR_EN);
    assert_true(h->sci);
    wr(h, ACPI_PM1_EN_OFFSET, 2, 0);
    assert_false(h->sci);
}

static void test_power_button(void **state)
{
    struct harness *h = *state;
    acpi_pm_power_button(&h->pm);
    assert_true(rd(h, ACPI_PM1_STS_OFFSET, 2) & ACPI_PM1_PWRBTN_STS);
    assert_false(h->sci);
    wr(h, ACPI_PM1_EN_OFFSET, 2, ACPI_PM1_PWRBTN_EN);
    assert_true(h->sci);
    assert_int_equal(h->sci_calls, 1);
    wr(h, ACPI_PM1_STS_OFFSET, 2, ACPI_PM1_PWRBTN_STS);
    assert_false(h->sci);
    assert_int_equal(h->sci_calls, 2);
    acpi_pm_power_button(&h->pm);
    assert_true(h->sci);
    /* Writing 0s clears nothing. */
    wr(h, ACPI_PM1_STS_OFFSET, 2, 0);
    assert_true(h->sci);
    assert_int_equal(h->power_offs, 0);
}

static void test_accesses_past_the_block(void **state)
{
    struct harness *h = *state;
    uint8_t b[4] = { 0 };
    acpi_pm_io(&h->pm, 10, b, 4, false);
    assert_int_equal(b[2], 0xFF);
    assert_int_equal(b[3], 0xFF);
    acpi_pm_io(&h->pm, UINT64_MAX, b, 4, false);
    assert_int_equal(b[0], 0xFF);
    assert_int_equal(b[1], 0xFF);
    memset(b, 0xFF, sizeof b);
    acpi_pm_io(&h->pm, UINT64_MAX - 1, b, 4, true); /* wraps: ignored */
    acpi_pm_io(&h->pm, 12, b, 4, true);
    assert_int_equal(rd(h, ACPI_PM1_STS_OFFSET, 2), 0);
    assert_int_equal(h->power_offs, 0);
}

static void test_clock_before_start_reads_zero(void **state)
{
    struct harness *h = *state;
    assert_int_equal(acpi_pm_timer(&h->pm, 0), 0);
    h->now = 1;
    assert_int_equal(rd(h, ACPI_PM_TMR_OFFSET, 4), 0);
}

#define T(fn) cmocka_unit_test_setup(fn, setup)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_power_on_state),
        T(test_s5_powers_off_the_way_acpica_writes_it),
        T(test_s5_through_a_byte_write_of_the_high_half),
        T(test_other_sleep_types_do_not_power_off),
        T(test_sci_en_cannot_be_cleared),
        T(test_enable_bits_read_back),
        T(test_timer_counts_at_3_579545_mhz),
        T(test_timer_is_32_bits_and_wraps),
        T(test_tmr_sts_on_bit_31_change_and_sci_when_enabled),
        T(test_tmr_sts_without_enable_raises_no_sci),
        T(test_power_button),
        T(test_accesses_past_the_block),
        T(test_clock_before_start_reads_zero),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
