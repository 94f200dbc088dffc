/*
 * The PC's CMOS RAM and real-time clock (an MC146818A) at ports 0x70
 * (index) and 0x71 (data). Device only: the wall clock comes from a time
 * callback (Unix seconds, UTC); it knows nothing about the bus or the
 * accelerator.
 *
 * Model:
 * - Port 0x70 selects one of 128 bytes with bits 0-6; bit 7 (the PC's NMI
 *   mask) is accepted and ignored. Reading port 0x70 returns the last byte
 *   written to it.
 * - Time and date (0x00 seconds, 0x02 minutes, 0x04 hours, 0x06 day of
 *   week 1-7 from Sunday, 0x07 day of month, 0x08 month, 0x09 year within
 *   the century, and 0x32 the century) are computed at each read from the
 *   callback's time plus an offset the guest sets by writing them; the
 *   clock starts at the host's UTC time. They read in the format register
 *   B selects: BCD unless DM (bit 2) is set, 24-hour when bit 1 is set,
 *   else 12-hour with bit 7 of the hour meaning PM.
 * - Setting the clock: while B.SET (bit 7) is set the time registers are
 *   frozen and take the guest's writes; clearing SET starts the clock from
 *   them. A write to a time register while SET is clear changes that field
 *   of the running clock at once. Writes are decoded in the current
 *   format and each field is clamped to its range (seconds 0-59, day 1-31,
 *   month 1-12...); a day past the end of its month (31 February) reads
 *   back as written while SET is on and rolls into the next month when the
 *   clock runs. The day of week is always derived from the date; writes to
 *   0x06 are ignored.
 * - Register A: UIP (bit 7) always reads 0 (an update never appears to be
 *   in progress); bits 0-6 read back as written, 0x26 at power-on (32.768
 *   kHz time base, 1024 Hz rate).
 * - Register B: all bits read back; power-on 0x02 (24-hour, BCD). Setting
 *   SET clears UIE, as on the part.
 * - Register C reads 0: no periodic, alarm or update-ended interrupts are
 *   generated (IRQ 8 is never raised). Register D reads 0x80 (valid RAM
 *   and time). Both ignore writes.
 * - Every other byte (the alarm registers 0x01/0x03/0x05 and 0x0E-0x7F
 *   apart from 0x32) is plain RAM, zero at power-on except what
 *   cmos_rtc_set_memory() fills in.
 * - Accesses wider than a byte are split as an ISA bus does it: byte i
 *   goes to port offset + i; bytes past offset 1 read 0xFF.
 *
 * Not thread-safe: serialize cmos_rtc_io() and the setters with one lock.
 */
#ifndef WISP_DEV_CMOS_RTC_H
#define WISP_DEV_CMOS_RTC_H

#include <stdbool.h>
#include <stdint.h>

#define CMOS_RTC_PORT 0x70
#define CMOS_RTC_NR_PORTS 2
#define CMOS_RTC_IRQ 8
#define CMOS_RTC_SIZE 128

/* Register indices. */
enum {
    RTC_SECONDS = 0x00,
    RTC_SECONDS_ALARM = 0x01,
    RTC_MINUTES = 0x02,
    RTC_MINUTES_ALARM = 0x03,
    RTC_HOURS = 0x04,
    RTC_HOURS_ALARM = 0x05,
    RTC_DAY_OF_WEEK = 0x06,
    RTC_DAY_OF_MONTH = 0x07,
    RTC_MONTH = 0x08,
    RTC_YEAR = 0x09,
    RTC_REG_A = 0x0A,
    RTC_REG_B = 0x0B,
    RTC_REG_C = 0x0C,
    RTC_REG_D = 0x0D,
    RTC_CENTURY = 0x32, /* the FADT's CENTURY field points here */
};

#define RTC_A_UIP 0x80
#define RTC_A_DEFAULT 0x26
#define RTC_B_SET 0x80
#define RTC_B_PIE 0x40
#define RTC_B_AIE 0x20
#define RTC_B_UIE 0x10
#define RTC_B_SQWE 0x08
#define RTC_B_DM_BINARY 0x04
#define RTC_B_24H 0x02
#define RTC_B_DSE 0x01
#define RTC_B_DEFAULT RTC_B_24H
#define RTC_D_VRT 0x80
#define RTC_HOURS_PM 0x80 /* 12-hour mode */

/* Broken-down UTC time, as the registers hold it. */
struct cmos_rtc_time {
    int64_t year; /* full year, e.g. 2024 */
    unsigned month, day, hour, minute, second; /* 1-12, 1-31, 0-23, 0-59, 0-59 */
};

struct cmos_rtc {
    int64_t (*time)(void *opaque); /* wall clock, Unix seconds */
    void *opaque;
    int64_t offset;     /* guest clock minus host clock, seconds */
    struct cmos_rtc_time frozen; /* the time registers while B.SET is set */
    uint8_t index;      /* last byte written to port 0x70 */
    uint8_t ram[CMOS_RTC_SIZE]; /* registers A, B and RAM; the time bytes unused */
};

/* Power-on state. time_fn may not be NULL; cmos_rtc_host_time is the host's
 * clock. */
void cmos_rtc_init(struct cmos_rtc *rtc, int64_t (*time_fn)(void *opaque), void *opaque);

/* The host's wall clock (time(NULL)); ignores opaque. */
int64_t cmos_rtc_host_time(void *opaque);

/* Ports 0x70-0x71 (offsets 0..1); bus_access_fn, opaque = cmos_rtc. */
void cmos_rtc_io(void *opaque, uint64_t offset, uint8_t *data, unsigned size, bool is_write);

/* The guest's clock now, in Unix seconds. */
int64_t cmos_rtc_guest_time(const struct cmos_rtc *rtc);

/* Fills the BIOS memory-size bytes from RAM below and above 4 GiB: 0x15/16
 * base memory in KiB (640), 0x17/18 and 0x30/31 KiB above 1 MiB (at most
 * 0xFFFF), 0x34/35 64 KiB units above 16 MiB below 4 GiB, 0x5B-0x5D 64 KiB
 * units above 4 GiB, and the standard checksum of 0x10-0x2D at 0x2E/0x2F.
 * Linux reads e820 instead; firmware-style guests read these. */
void cmos_rtc_set_memory(struct cmos_rtc *rtc, uint64_t below_4g, uint64_t above_4g);

/* Conversions between Unix seconds and UTC calendar time (proleptic
 * Gregorian), exported for tests. */
void cmos_rtc_from_unix(int64_t t, struct cmos_rtc_time *out);
int64_t cmos_rtc_to_unix(const struct cmos_rtc_time *tm);

#endif
