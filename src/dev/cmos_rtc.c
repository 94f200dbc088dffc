#include "cmos_rtc.h"

#include <string.h>
#include <time.h>

#define SECS_PER_DAY 86400
/* Days from 0000-03-01 to 1970-01-01 in the proleptic Gregorian calendar. */
#define DAYS_0000_03_01_TO_EPOCH 719468
#define DAYS_PER_400_YEARS 146097

/* ---- calendar ---- */

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* Days since 1970-01-01 of a date; months counted from March so that the
 * leap day is the last day of the (shifted) year. */
static int64_t days_from_date(int64_t year, unsigned month, unsigned day)
{
    if (month <= 2)
        year--;
    int64_t cycle = floor_div(year, 400);
    int64_t year_of_cycle = year - cycle * 400;                  /* 0..399 */
    int64_t month_from_march = (month + 9) % 12;                 /* March = 0 */
    int64_t day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    int64_t day_of_cycle = year_of_cycle * 365 + year_of_cycle / 4 - year_of_cycle / 100 +
                           day_of_year;
    return cycle * DAYS_PER_400_YEARS + day_of_cycle - DAYS_0000_03_01_TO_EPOCH;
}

static void date_from_days(int64_t days, struct cmos_rtc_time *out)
{
    days += DAYS_0000_03_01_TO_EPOCH;
    int64_t cycle = floor_div(days, DAYS_PER_400_YEARS);
    int64_t day_of_cycle = days - cycle * DAYS_PER_400_YEARS;   /* 0..146096 */
    int64_t year_of_cycle = (day_of_cycle - day_of_cycle / 1460 + day_of_cycle / 36524 -
                             day_of_cycle / 146096) / 365;       /* 0..399 */
    int64_t day_of_year = day_of_cycle -
                          (365 * year_of_cycle + year_of_cycle / 4 - year_of_cycle / 100);
    int64_t month_from_march = (5 * day_of_year + 2) / 153;      /* 0..11 */
    out->day = (unsigned)(day_of_year - (153 * month_from_march + 2) / 5 + 1);
    out->month = (unsigned)(month_from_march < 10 ? month_from_march + 3 : month_from_march - 9);
    out->year = year_of_cycle + cycle * 400 + (out->month <= 2 ? 1 : 0);
}

void cmos_rtc_from_unix(int64_t t, struct cmos_rtc_time *out)
{
    /* (Computed so that no intermediate overflows, even for INT64_MIN.) */
    int64_t secs = t % SECS_PER_DAY;
    int64_t days = t / SECS_PER_DAY;
    if (secs < 0) {
        secs += SECS_PER_DAY;
        days--;
    }
    date_from_days(days, out);
    out->hour = (unsigned)(secs / 3600);
    out->minute = (unsigned)(secs / 60 % 60);
    out->second = (unsigned)(secs % 60);
}

int64_t cmos_rtc_to_unix(const struct cmos_rtc_time *tm)
{
    return days_from_date(tm->year, tm->month, tm->day) * SECS_PER_DAY +
           (int64_t)tm->hour * 3600 + (int64_t)tm->minute * 60 + tm->second;
}

/* 0 = Sunday; 1970-01-01 was a Thursday. */
static unsigned weekday(const struct cmos_rtc_time *tm)
{
    int64_t n = days_from_date(tm->year, tm->month, tm->day) + 4;
    return (unsigned)(n - floor_div(n, 7) * 7);
}

/* ---- the clock ---- */

/* Host clocks and guest offsets are far from the int64 limits in practice;
 * saturate rather than overflow when they are not. */
static int64_t add_sat(int64_t a, int64_t b)
{
    if (b > 0 && a > INT64_MAX - b)
        return INT64_MAX;
    if (b < 0 && a < INT64_MIN - b)
        return INT64_MIN;
    return a + b;
}

static int64_t sub_sat(int64_t a, int64_t b)
{
    if (b == INT64_MIN)
        return add_sat(add_sat(a, INT64_MAX), 1);
    return add_sat(a, -b);
}

/* Keep calendar times in the years the registers can express (and far
 * from the int64 limits): 0000-01-01 .. 9999-12-31. */
static void clamp_time(struct cmos_rtc_time *tm)
{
    if (tm->year < 0)
        *tm = (struct cmos_rtc_time){ 0, 1, 1, 0, 0, 0 };
    else if (tm->year > 9999)
        *tm = (struct cmos_rtc_time){ 9999, 12, 31, 23, 59, 59 };
}

static bool set_mode(const struct cmos_rtc *rtc)
{
    return rtc->ram[RTC_REG_B] & RTC_B_SET;
}

static void running_time(const struct cmos_rtc *rtc, struct cmos_rtc_time *tm)
{
    cmos_rtc_from_unix(add_sat(rtc->time(rtc->opaque), rtc->offset), tm);
    clamp_time(tm);
}

static void start_clock(struct cmos_rtc *rtc, const struct cmos_rtc_time *tm)
{
    rtc->offset = sub_sat(cmos_rtc_to_unix(tm), rtc->time(rtc->opaque));
}

int64_t cmos_rtc_guest_time(const struct cmos_rtc *rtc)
{
    if (set_mode(rtc))
        return cmos_rtc_to_unix(&rtc->frozen);
    return add_sat(rtc->time(rtc->opaque), rtc->offset);
}

/* ---- register formats ---- */

static bool binary_mode(const struct cmos_rtc *rtc)
{
    return rtc->ram[RTC_REG_B] & RTC_B_DM_BINARY;
}

static uint8_t encode(const struct cmos_rtc *rtc, unsigned v)
{
    v %= 100;
    return binary_mode(rtc) ? (uint8_t)v : (uint8_t)((v / 10) << 4 | v % 10);
}

static unsigned decode(const struct cmos_rtc *rtc, uint8_t b)
{
    return binary_mode(rtc) ? b : (unsigned)(b >> 4) * 10 + (b & 0x0F);
}

static uint8_t encode_hour(const struct cmos_rtc *rtc, unsigned hour)
{
    if (rtc->ram[RTC_REG_B] & RTC_B_24H)
        return encode(rtc, hour);
    unsigned h12 = hour % 12 == 0 ? 12 : hour % 12;
    return (uint8_t)(encode(rtc, h12) | (hour >= 12 ? RTC_HOURS_PM : 0));
}

static unsigned decode_hour(const struct cmos_rtc *rtc, uint8_t b)
{
    if (rtc->ram[RTC_REG_B] & RTC_B_24H)
        return decode(rtc, b);
    unsigned h12 = decode(rtc, b & (uint8_t)~RTC_HOURS_PM);
    return h12 % 12 + ((b & RTC_HOURS_PM) ? 12 : 0);
}

static unsigned clamp(unsigned v, unsigned lo, unsigned hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

static bool is_time_register(unsigned index)
{
    switch (index) {
    case RTC_SECONDS:
    case RTC_MINUTES:
    case RTC_HOURS:
    case RTC_DAY_OF_WEEK:
    case RTC_DAY_OF_MONTH:
    case RTC_MONTH:
    case RTC_YEAR:
    case RTC_CENTURY:
        return true;
    default:
        return false;
    }
}

static uint8_t read_time_register(const struct cmos_rtc *rtc, unsigned index)
{
    struct cmos_rtc_time tm;
    if (set_mode(rtc))
        tm = rtc->frozen;
    else
        running_time(rtc, &tm);
    switch (index) {
    case RTC_SECONDS:
        return encode(rtc, tm.second);
    case RTC_MINUTES:
        return encode(rtc, tm.minute);
    case RTC_HOURS:
        return encode_hour(rtc, tm.hour);
    case RTC_DAY_OF_WEEK:
        return encode(rtc, weekday(&tm) + 1);
    case RTC_DAY_OF_MONTH:
        return encode(rtc, tm.day);
    case RTC_MONTH:
        return encode(rtc, tm.month);
    case RTC_YEAR:
        return encode(rtc, (unsigned)(tm.year % 100));
    default: /* RTC_CENTURY */
        return encode(rtc, (unsigned)(tm.year / 100));
    }
}

static void write_time_register(struct cmos_rtc *rtc, unsigned index, uint8_t value)
{
    if (index == RTC_DAY_OF_WEEK)
        return; /* derived from the date */
    struct cmos_rtc_time tm;
    if (set_mode(rtc))
        tm = rtc->frozen;
    else
        running_time(rtc, &tm);
    unsigned v = decode(rtc, value);
    switch (index) {
    case RTC_SECONDS:
        tm.second = clamp(v, 0, 59);
        break;
    case RTC_MINUTES:
        tm.minute = clamp(v, 0, 59);
        break;
    case RTC_HOURS:
        tm.hour = clamp(decode_hour(rtc, value), 0, 23);
        break;
    case RTC_DAY_OF_MONTH:
        tm.day = clamp(v, 1, 31);
        break;
    case RTC_MONTH:
        tm.month = clamp(v, 1, 12);
        break;
    case RTC_YEAR:
        tm.year = tm.year / 100 * 100 + clamp(v, 0, 99);
        break;
    default: /* RTC_CENTURY */
        tm.year = (int64_t)clamp(v, 0, 99) * 100 + tm.year % 100;
        break;
    }
    /* While SET is on the fields are kept as written (a guest setting
     * 2024-02-29 may write the day before the month and year); a day past
     * its month's end rolls into the next month when the clock starts. */
    if (set_mode(rtc))
        rtc->frozen = tm;
    else
        start_clock(rtc, &tm);
}

static void write_reg_b(struct cmos_rtc *rtc, uint8_t value)
{
    bool was_set = set_mode(rtc);
    if (value & RTC_B_SET)
        value &= (uint8_t)~RTC_B_UIE;
    if (!was_set && (value & RTC_B_SET))
        running_time(rtc, &rtc->frozen);
    rtc->ram[RTC_REG_B] = value;
    if (was_set && !(value & RTC_B_SET))
        start_clock(rtc, &rtc->frozen);
}

static uint8_t read_data(struct cmos_rtc *rtc)
{
    unsigned index = rtc->index & 0x7F;
    if (is_time_register(index))
        return read_time_register(rtc, index);
    switch (index) {
    case RTC_REG_A:
        return rtc->ram[RTC_REG_A] & (uint8_t)~RTC_A_UIP;
    case RTC_REG_C:
        return 0;
    case RTC_REG_D:
        return RTC_D_VRT;
    default:
        return rtc->ram[index];
    }
}

static void write_data(struct cmos_rtc *rtc, uint8_t value)
{
    unsigned index = rtc->index & 0x7F;
    if (is_time_register(index)) {
        write_time_register(rtc, index, value);
        return;
    }
    switch (index) {
    case RTC_REG_A:
        rtc->ram[RTC_REG_A] = value & (uint8_t)~RTC_A_UIP;
        break;
    case RTC_REG_B:
        write_reg_b(rtc, value);
        break;
    case RTC_REG_C:
    case RTC_REG_D:
        break; /* read-only */
    default:
        rtc->ram[index] = value;
        break;
    }
}

/* ---- public ---- */

void cmos_rtc_init(struct cmos_rtc *rtc, int64_t (*time_fn)(void *opaque), void *opaque)
{
    memset(rtc, 0, sizeof *rtc);
    rtc->time = time_fn;
    rtc->opaque = opaque;
    rtc->ram[RTC_REG_A] = RTC_A_DEFAULT;
    rtc->ram[RTC_REG_B] = RTC_B_DEFAULT;
    rtc->ram[RTC_REG_D] = RTC_D_VRT;
}

int64_t cmos_rtc_host_time(void *opaque)
{
    (void)opaque;
    return (int64_t)time(NULL);
}

void cmos_rtc_io(void *opaque, uint64_t offset, uint8_t *data, unsigned size, bool is_write)
{
    struct cmos_rtc *rtc = opaque;
    for (unsigned i = 0; i < size; i++) {
        uint64_t at = offset + i;
        if (at < offset || at >= CMOS_RTC_NR_PORTS) {
            if (!is_write)
                data[i] = 0xFF;
            continue;
        }
        if (at == 0) {
            if (is_write)
                rtc->index = data[i];
            else
                data[i] = rtc->index;
        } else if (is_write) {
            write_data(rtc, data[i]);
        } else {
            data[i] = read_data(rtc);
        }
    }
}

static void put16(struct cmos_rtc *rtc, unsigned index, unsigned value)
{
    rtc->ram[index] = (uint8_t)value;
    rtc->ram[index + 1] = (uint8_t)(value >> 8);
}

void cmos_rtc_set_memory(struct cmos_rtc *rtc, uint64_t below_4g, uint64_t above_4g)
{
    const uint64_t mib = 1ull << 20;
    uint64_t ext_kib = below_4g > mib ? (below_4g - mib) >> 10 : 0;
    uint64_t ext16 = below_4g > 16 * mib ? (below_4g - 16 * mib) >> 16 : 0;
    uint64_t high = above_4g >> 16;
    if (ext_kib > 0xFFFF)
        ext_kib = 0xFFFF;
    if (ext16 > 0xFFFF)
        ext16 = 0xFFFF;
    if (high > 0xFFFFFF)
        high = 0xFFFFFF;
    put16(rtc, 0x15, 640);
    put16(rtc, 0x17, (unsigned)ext_kib);
    put16(rtc, 0x30, (unsigned)ext_kib);
    put16(rtc, 0x34, (unsigned)ext16);
    rtc->ram[0x5B] = (uint8_t)high;
    rtc->ram[0x5C] = (uint8_t)(high >> 8);
    rtc->ram[0x5D] = (uint8_t)(high >> 16);
    unsigned sum = 0;
    for (unsigned i = 0x10; i <= 0x2D; i++)
        sum += rtc->ram[i];
    rtc->ram[0x2E] = (uint8_t)(sum >> 8); /* big-endian, unlike the rest */
    rtc->ram[0x2F] = (uint8_t)sum;
}
