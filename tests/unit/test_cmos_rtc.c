/*
 * The CMOS RTC against a fake wall clock: a fixed Unix time read back in
 * BCD and binary, 24- and 12-hour modes, the century byte, setting the
 * clock the way Linux's mc146818 code does it, RAM round trips and the
 * index register's NMI bit.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dev/cmos_rtc.h"

/* 2023-11-14 22:13:20 UTC, a Tuesday. */
#define T_2023 1700000000

struct harness {
    struct cmos_rtc rtc;
    int64_t now;
};

static int64_t fake_time(void *opaque)
{
    return ((struct harness *)opaque)->now;
}

static int setup(void **state)
{
    static struct harness h;
    memset(&h, 0, sizeof h);
    h.now = T_2023;
    cmos_rtc_init(&h.rtc, fake_time, &h);
    *state = &h;
    return 0;
}

static uint8_t rd(struct harness *h, uint8_t index)
{
    uint8_t v = 0x5A;
    cmos_rtc_io(&h->rtc, 0, &index, 1, true);
    cmos_rtc_io(&h->rtc, 1, &v, 1, false);
    return v;
}

static void wr(struct harness *h, uint8_t index, uint8_t value)
{
    cmos_rtc_io(&h->rtc, 0, &index, 1, true);
    cmos_rtc_io(&h->rtc, 1, &value, 1, true);
}

static void test_registers_a_b_c_d_at_power_on(void **state)
{
    struct harness *h = *state;
    assert_int_equal(rd(h, RTC_REG_A), 0x26);
    assert_int_equal(rd(h, RTC_REG_B), 0x02); /* 24-hour, BCD */
    assert_int_equal(rd(h, RTC_REG_C), 0x00);
    assert_int_equal(rd(h, RTC_REG_D), 0x80);
}

static void test_fixed_time_in_bcd(void **state)
{
    struct harness *h = *state;
    assert_int_equal(rd(h, RTC_SECONDS), 0x20);
    assert_int_equal(rd(h, RTC_MINUTES), 0x13);
    assert_int_equal(rd(h, RTC_HOURS), 0x22);
    assert_int_equal(rd(h, RTC_DAY_OF_WEEK), 3); /* Sunday = 1 */
    assert_int_equal(rd(h, RTC_DAY_OF_MONTH), 0x14);
    assert_int_equal(rd(h, RTC_MONTH), 0x11);
    assert_int_equal(rd(h, RTC_YEAR), 0x23);
    assert_int_equal(rd(h, RTC_CENTURY), 0x20);
}

static void test_fixed_time_in_binary(void **state)
{
    struct harness *h = *state;
    wr(h, RTC_REG_B, RTC_B_24H | RTC_B_DM_BINARY);
    assert_int_equal(rd(h, RTC_REG_B), RTC_B_24H | RTC_B_DM_BINARY);
    assert_int_equal(rd(h, RTC_SECONDS), 20);
    assert_int_equal(rd(h, RTC_MINUTES), 13);
    assert_int_equal(rd(h, RTC_HOURS), 22);
    assert_int_equal(rd(h, RTC_DAY_OF_MONTH), 14);
    assert_int_equal(rd(h, RTC_MONTH), 11);
    assert_int_equal(rd(h, RTC_YEAR), 23);
    assert_int_equal(rd(h, RTC_CENTURY), 20);
}

static void test_12_hour_mode(void **state)
{
    struct harness *h = *state;
    wr(h, RTC_REG_B, 0); /* 12-hour, BCD */
    assert_int_equal(rd(h, RTC_HOURS), 0x80 | 0x10); /* 10 PM */
    wr(h, RTC_REG_B, RTC_B_DM_BINARY); /* 12-hour, binary */
    assert_int_equal(rd(h, RTC_HOURS), 0x80 | 10);
    h->now = T_2023 - 22 * 3600; /* midnight: 12 AM */
    assert_int_equal(rd(h, RTC_HOURS), 12);
    h->now = T_2023 - 10 * 3600; /* noon: 12 PM */
    assert_int_equal(rd(h, RTC_HOURS), 0x80 | 12);
    h->now = T_2023 - 21 * 3600; /* 01:13 AM */
    assert_int_equal(rd(h, RTC_HOURS), 1);
}

static void test_clock_follows_the_host(void **state)
{
    struct harness *h = *state;
    h->now = T_2023 + 40; /* 22:14:00 */
    assert_int_equal(rd(h, RTC_SECONDS), 0x00);
    assert_int_equal(rd(h, RTC_MINUTES), 0x14);
    /* New Year's Eve to the next century's first second. */
    h->now = 4102444799; /* 2099-12-31 23:59:59, Thursday */
    assert_int_equal(rd(h, RTC_YEAR), 0x99);
    assert_int_equal(rd(h, RTC_CENTURY), 0x20);
    assert_int_equal(rd(h, RTC_DAY_OF_WEEK), 5);
    h->now++;
    assert_int_equal(rd(h, RTC_YEAR), 0x00);
    assert_int_equal(rd(h, RTC_CENTURY), 0x21);
    assert_int_equal(rd(h, RTC_MONTH), 0x01);
    assert_int_equal(rd(h, RTC_DAY_OF_MONTH), 0x01);
    assert_int_equal(rd(h, RTC_HOURS), 0x00);
    /* A leap day. */
    h->now = 951782400; /* 2000-02-29 00:00:00, Tuesday */
    assert_int_equal(rd(h, RTC_MONTH), 0x02);
    assert_int_equal(rd(h, RTC_DAY_OF_MONTH), 0x29);
    assert_int_equal(rd(h, RTC_DAY_OF_WEEK), 3);
}

/* Linux's mc146818_set_time: SET, write the fields, clear SET. */
static void test_guest_sets_the_clock(void **state)
{
    struct harness *h = *state;
    uint8_t b = rd(h, RTC_REG_B);
    wr(h, RTC_REG_B, b | RTC_B_SET);
    h->now += 5; /* frozen while SET */
    assert_int_equal(rd(h, RTC_SECONDS), 0x20);
    wr(h, RTC_YEAR, 0x24);
    wr(h, RTC_MONTH, 0x02);
    wr(h, RTC_DAY_OF_MONTH, 0x29);
    wr(h, RTC_HOURS, 0x08);
    wr(h, RTC_MINUTES, 0x30);
    wr(h, RTC_SECONDS, 0x00);
    wr(h, RTC_CENTURY, 0x20);
    assert_int_equal(rd(h, RTC_MINUTES), 0x30);
    assert_int_equal(rd(h, RTC_DAY_OF_WEEK), 5); /* 2024-02-29 was a Thursday */
    wr(h, RTC_REG_B, b);
    /* 2024-02-29 08:30:00 UTC = 1709195400 */
    assert_int_equal(cmos_rtc_guest_time(&h->rtc), 1709195400);
    h->now += 61;
    assert_int_equal(rd(h, RTC_SECONDS), 0x01);
    assert_int_equal(rd(h, RTC_MINUTES), 0x31);
    assert_int_equal(rd(h, RTC_DAY_OF_MONTH), 0x29);
    assert_int_equal(rd(h, RTC_YEAR), 0x24);
}

static void test_guest_sets_a_field_of_the_running_clock(void **state)
{
    struct harness *h = *state;
    wr(h, RTC_REG_B, RTC_B_24H | RTC_B_DM_BINARY);
    wr(h, RTC_HOURS, 3);
    assert_int_equal(rd(h, RTC_HOURS), 3);
    assert_int_equal(rd(h, RTC_MINUTES), 13);
    assert_int_equal(cmos_rtc_guest_time(&h->rtc), T_2023 - 19 * 3600);
    /* 12-hour write: 11 PM. */
    wr(h, RTC_REG_B, RTC_B_DM_BINARY);
    wr(h, RTC_HOURS, 0x80 | 11);
    wr(h, RTC_REG_B, RTC_B_24H | RTC_B_DM_BINARY);
    assert_int_equal(rd(h, RTC_HOURS), 23);
    /* Day of week writes are ignored. */
    wr(h, RTC_DAY_OF_WEEK, 7);
    assert_int_equal(rd(h, RTC_DAY_OF_WEEK), 3);
}

static void test_set_clears_uie(void **state)
{
    struct harness *h = *state;
    wr(h, RTC_REG_B, RTC_B_24H | RTC_B_UIE);
    assert_int_equal(rd(h, RTC_REG_B), RTC_B_24H | RTC_B_UIE);
    wr(h, RTC_REG_B, RTC_B_24H | RTC_B_UIE | RTC_B_SET);
    assert_int_equal(rd(h, RTC_REG_B), RTC_B_24H | RTC_B_SET);
}

static void test_out_of_range_writes_are_clamped(void **state)
{
    struct harness *h = *state;
    wr(h, RTC_REG_B, RTC_B_24H | RTC_B_SET);
    wr(h, RTC_SECONDS, 0x99);
    wr(h, RTC_MONTH, 0x13);
    wr(h, RTC_HOURS, 0xFF);
    assert_int_equal(rd(h, RTC_SECONDS), 0x59);
    assert_int_equal(rd(h, RTC_MONTH), 0x12);
    assert_int_equal(rd(h, RTC_HOURS), 0x23);
    /* 31 February stays as written while SET is on, and rolls into March
     * when the clock starts (2023 is not a leap year). */
    wr(h, RTC_MONTH, 0x02);
    wr(h, RTC_DAY_OF_MONTH, 0x31);
    assert_int_equal(rd(h, RTC_MONTH), 0x02);
    assert_int_equal(rd(h, RTC_DAY_OF_MONTH), 0x31);
    wr(h, RTC_REG_B, RTC_B_24H);
    assert_int_equal(rd(h, RTC_MONTH), 0x03);
    assert_int_equal(rd(h, RTC_DAY_OF_MONTH), 0x03);
}

/* Fields written in Linux's order (day, month, year) from a date where
 * the intermediate day does not exist in the old month and year. */
static void test_setting_a_leap_day_field_by_field(void **state)
{
    struct harness *h = *state;
    h->now = 1673740800; /* 2023-01-15 00:00:00 */
    wr(h, RTC_REG_B, RTC_B_24H | RTC_B_SET);
    wr(h, RTC_DAY_OF_MONTH, 0x29);
    wr(h, RTC_MONTH, 0x02); /* 2023-02-29 does not exist... */
    wr(h, RTC_YEAR, 0x24);  /* ...2024-02-29 does */
    wr(h, RTC_REG_B, RTC_B_24H);
    assert_int_equal(rd(h, RTC_YEAR), 0x24);
    assert_int_equal(rd(h, RTC_MONTH), 0x02);
    assert_int_equal(rd(h, RTC_DAY_OF_MONTH), 0x29);
    assert_int_equal(cmos_rtc_guest_time(&h->rtc), 1709164800);
}

static void test_register_a_uip_never_set_and_c_d_read_only(void **state)
{
    struct harness *h = *state;
    wr(h, RTC_REG_A, 0xA6);
    assert_int_equal(rd(h, RTC_REG_A), 0x26);
    wr(h, RTC_REG_C, 0xFF);
    wr(h, RTC_REG_D, 0x00);
    assert_int_equal(rd(h, RTC_REG_C), 0x00);
    assert_int_equal(rd(h, RTC_REG_D), 0x80);
}

static void test_ram_round_trip(void **state)
{
    struct harness *h = *state;
    for (unsigned i = 0; i < CMOS_RTC_SIZE; i++) {
        if (i <= RTC_REG_D || i == RTC_CENTURY)
            continue;
        wr(h, (uint8_t)i, (uint8_t)(i ^ 0xA5));
    }
    for (unsigned i = 0; i < CMOS_RTC_SIZE; i++) {
        if (i <= RTC_REG_D || i == RTC_CENTURY)
            continue;
        assert_int_equal(rd(h, (uint8_t)i), (uint8_t)(i ^ 0xA5));
    }
    /* The alarm bytes are RAM too. */
    wr(h, RTC_SECONDS_ALARM, 0x42);
    wr(h, RTC_MINUTES_ALARM, 0x43);
    wr(h, RTC_HOURS_ALARM, 0x44);
    assert_int_equal(rd(h, RTC_SECONDS_ALARM), 0x42);
    assert_int_equal(rd(h, RTC_MINUTES_ALARM), 0x43);
    assert_int_equal(rd(h, RTC_HOURS_ALARM), 0x44);
    /* and the time did not move. */
    assert_int_equal(rd(h, RTC_SECONDS), 0x20);
}

static void test_index_bit_7_is_the_nmi_mask(void **state)
{
    struct harness *h = *state;
    wr(h, 0x40, 0x11);
    assert_int_equal(rd(h, 0x80 | 0x40), 0x11); /* NMI disabled, same byte */
    wr(h, 0x80 | 0x41, 0x22);
    assert_int_equal(rd(h, 0x41), 0x22);
    assert_int_equal(rd(h, 0x80 | RTC_REG_D), 0x80);
    assert_int_equal(rd(h, 0x80 | RTC_SECONDS), 0x20);
    /* Port 0x70 reads back what was written. */
    uint8_t v = 0x8D, r = 0;
    cmos_rtc_io(&h->rtc, 0, &v, 1, true);
    cmos_rtc_io(&h->rtc, 0, &r, 1, false);
    assert_int_equal(r, 0x8D);
}

static void test_wide_access_split_by_port(void **state)
{
    struct harness *h = *state;
    /* A word write to 0x70: index, then data. */
    uint8_t w[2] = { 0x50, 0x99 };
    cmos_rtc_io(&h->rtc, 0, w, 2, true);
    assert_int_equal(rd(h, 0x50), 0x99);
    uint8_t r[4] = { 0, 0, 0, 0 };
    uint8_t idx = RTC_REG_D;
    cmos_rtc_io(&h->rtc, 0, &idx, 1, true);
    cmos_rtc_io(&h->rtc, 1, r, 4, false);
    assert_int_equal(r[0], 0x80);
    assert_int_equal(r[1], 0xFF);
    assert_int_equal(r[3], 0xFF);
}

static void test_memory_size_bytes(void **state)
{
    struct harness *h = *state;
    cmos_rtc_set_memory(&h->rtc, 256ull << 20, 0);
    assert_int_equal(rd(h, 0x15) | rd(h, 0x16) << 8, 640);
    assert_int_equal(rd(h, 0x17) | rd(h, 0x18) << 8, 0xFFFF); /* 255 MiB caps */
    assert_int_equal(rd(h, 0x30) | rd(h, 0x31) << 8, 0xFFFF);
    assert_int_equal(rd(h, 0x34) | rd(h, 0x35) << 8, (240u << 20) >> 16);
    assert_int_equal(rd(h, 0x5B) | rd(h, 0x5C) << 8 | rd(h, 0x5D) << 16, 0);
    cmos_rtc_set_memory(&h->rtc, 3ull << 30, 2ull << 30);
    assert_int_equal(rd(h, 0x5B) | rd(h, 0x5C) << 8 | rd(h, 0x5D) << 16, (2u << 30) >> 16);
    cmos_rtc_set_memory(&h->rtc, 32ull << 20, 0);
    assert_int_equal(rd(h, 0x17) | rd(h, 0x18) << 8, 31 * 1024);
    unsigned sum = 0;
    for (unsigned i = 0x10; i <= 0x2D; i++)
        sum += rd(h, (uint8_t)i);
    assert_int_equal(rd(h, 0x2E) << 8 | rd(h, 0x2F), sum);
}

static void test_calendar_conversions(void **state)
{
    (void)state;
    static const struct {
        int64_t t;
        struct cmos_rtc_time tm;
    } cases[] = {
        { 0, { 1970, 1, 1, 0, 0, 0 } },
        { -1, { 1969, 12, 31, 23, 59, 59 } },
        { 951782400, { 2000, 2, 29, 0, 0, 0 } },
        { 4102444800, { 2100, 1, 1, 0, 0, 0 } },
        { 4107542400, { 2100, 3, 1, 0, 0, 0 } }, /* 2100 is not a leap year */
        { T_2023, { 2023, 11, 14, 22, 13, 20 } },
        { -62167219200, { 0, 1, 1, 0, 0, 0 } },
        { 253402300799, { 9999, 12, 31, 23, 59, 59 } },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct cmos_rtc_time tm;
        cmos_rtc_from_unix(cases[i].t, &tm);
        assert_int_equal(tm.year, cases[i].tm.year);
        assert_int_equal(tm.month, cases[i].tm.month);
        assert_int_equal(tm.day, cases[i].tm.day);
        assert_int_equal(tm.hour, cases[i].tm.hour);
        assert_int_equal(tm.minute, cases[i].tm.minute);
        assert_int_equal(tm.second, cases[i].tm.second);
        assert_int_equal(cmos_rtc_to_unix(&cases[i].tm), cases[i].t);
    }
    /* Every day of 400 years round-trips. */
    for (int64_t d = -146097; d < 146097; d++) {
        struct cmos_rtc_time tm;
        cmos_rtc_from_unix(d * 86400 + 3661, &tm);
        assert_int_equal(cmos_rtc_to_unix(&tm), d * 86400 + 3661);
    }
}

static void test_extreme_host_clocks_do_not_overflow(void **state)
{
    struct harness *h = *state;
    h->now = INT64_MAX;
    assert_int_equal(rd(h, RTC_CENTURY), 0x99); /* clamped to 9999 */
    wr(h, RTC_SECONDS, 0x00);
    h->now = INT64_MIN;
    assert_int_equal(rd(h, RTC_CENTURY), 0x00);
    wr(h, RTC_YEAR, 0x50);
    (void)cmos_rtc_guest_time(&h->rtc);
}

static void test_host_time_is_plausible(void **state)
{
    (void)state;
    assert_true(cmos_rtc_host_time(NULL) > T_2023);
}

#define T(fn) cmocka_unit_test_setup(fn, setup)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_registers_a_b_c_d_at_power_on),
        T(test_fixed_time_in_bcd),
        T(test_fixed_time_in_binary),
        T(test_12_hour_mode),
        T(test_clock_follows_the_host),
        T(test_guest_sets_the_clock),
        T(test_guest_sets_a_field_of_the_running_clock),
        T(test_set_clears_uie),
        T(test_out_of_range_writes_are_clamped),
        T(test_setting_a_leap_day_field_by_field),
        T(test_register_a_uip_never_set_and_c_d_read_only),
        T(test_ram_round_trip),
        T(test_index_bit_7_is_the_nmi_mask),
        T(test_wide_access_split_by_port),
        T(test_memory_size_bytes),
        T(test_calendar_conversions),
        T(test_extreme_host_clocks_do_not_overflow),
        T(test_host_time_is_plausible),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
