/*
 * libFuzzer target: the CMOS RTC (index and data ports) with a wall clock
 * the program moves: time and date writes in BCD and binary, 12/24-hour
 * mode, SET-bit updates, NVRAM. Checks the guest clock never overflows
 * into nonsense (within +-2^40 s of the host's).
 */
#include "dev/cmos_rtc.h"
#include "fuzz_bus.h"

static struct bus ports;
static struct cmos_rtc rtc;
static uint64_t now;

static int64_t wall(void *opaque)
{
    (void)opaque;
    return (int64_t)(now / 1000000000ull) + 1700000000;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    memset(&ports, 0, sizeof ports);
    now = 0;
    cmos_rtc_init(&rtc, wall, NULL);
    if (size > 0)
        cmos_rtc_set_memory(&rtc, (uint64_t)data[0] << 24, (uint64_t)data[size - 1] << 30);
    struct wisp_error err = { 0 };
    fuzz_check(bus_register(&ports, 0x70, CMOS_RTC_NR_PORTS, "CMOS", cmos_rtc_io, &rtc,
                            &err) == 0, "register");
    struct fuzz_bus_hooks h = {
        .ports = &ports, .port = { { 0x70, CMOS_RTC_NR_PORTS } }, .now = &now,
    };
    fuzz_bus_run(&h, data, size);
    int64_t guest = cmos_rtc_guest_time(&rtc), host = wall(NULL);
    fuzz_check(guest - host < (1ll << 40) && host - guest < (1ll << 40), "guest time sane");
    struct cmos_rtc_time tm;
    cmos_rtc_from_unix(guest, &tm);
    (void)cmos_rtc_to_unix(&tm);
    return 0;
}
