/* clock.h on Windows (clock.c is the POSIX one, with clock_gettime). */
#include "clock.h"

#include <windows.h>

uint64_t clock_monotonic_ns(void)
{
    static LARGE_INTEGER frequency; /* constant since boot */
    LARGE_INTEGER now;
    if (frequency.QuadPart == 0)
        QueryPerformanceFrequency(&frequency);
    QueryPerformanceCounter(&now);
    uint64_t ticks = (uint64_t)now.QuadPart, hz = (uint64_t)frequency.QuadPart;
    /* Split so that ticks * 1e9 cannot overflow. */
    return ticks / hz * 1000000000ull + ticks % hz * 1000000000ull / hz;
}

uint64_t clock_wall_ns(void)
{
    /* 100 ns intervals since 1601-01-01; the Unix epoch is 11644473600 s later. */
    FILETIME ft;
    GetSystemTimePreciseAsFileTime(&ft);
    uint64_t intervals = (uint64_t)ft.dwHighDateTime << 32 | ft.dwLowDateTime;
    return (intervals - 116444736000000000ull) * 100;
}
