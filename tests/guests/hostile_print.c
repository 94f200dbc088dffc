/*
 * hostile_print: the print hypercall with crafted ranges, thousands of
 * times, and random hypercall numbers. Every answer must be an error
 * (WISP_HC_ERROR_FAULT / _UNKNOWN) or a byte count no larger than asked
 * and no larger than WISP_HC_PRINT_MAX; the guest checks each one. The
 * ranges: wrapping past 2^64, ending exactly at 2^64, non-canonical,
 * unmapped, on the canonical boundary, MMIO (the LAPIC), beyond RAM,
 * huge lengths from valid buffers, and random 64-bit pairs.
 *
 * Whatever memory a valid range covers is printed (binary noise): the test
 * reads the output as bytes.
 */
#include "hostile.h"

#define RANDOM_CALLS 3000

static char blank[2 * WISP_HC_PRINT_MAX];
static int failures;
static uint64_t faults, printed, unknown;

static void check_print(uint64_t addr, uint64_t len)
{
    uint64_t r = wisp_hypercall(WISP_HC_PRINT, addr, len, hostile_random(), hostile_random());
    if (r == WISP_HC_ERROR_FAULT) {
        faults++;
        return;
    }
    if (r > len || r > WISP_HC_PRINT_MAX) {
        wisp_printf("FAIL: hostile_print: print(0x%lx, 0x%lx) returned 0x%lx\n", addr, len, r);
        failures++;
        return;
    }
    printed += r;
}

static void check_unknown(uint64_t nr)
{
    if (nr == WISP_HC_PRINT || nr == WISP_HC_EXIT || nr == WISP_HC_GET_TIME)
        return;
    uint64_t r = wisp_hypercall(nr, hostile_random(), hostile_random(), hostile_random(),
                                hostile_random());
    if (r != WISP_HC_ERROR_UNKNOWN) {
        wisp_printf("FAIL: hostile_print: hypercall 0x%lx returned 0x%lx\n", nr, r);
        failures++;
    }
    unknown++;
}

int kmain(struct wisp_boot_info *bi)
{
    (void)bi;
    memset(blank, ' ', sizeof blank);
    uint64_t ok = (uint64_t)(uintptr_t)blank;
    static const uint64_t lengths[] = {
        0, 1, 4095, 4096, 4097, 0x7FFFFFFF, 0x80000000ull, 0xFFFFFFFFull,
        0x100000000ull, 0x7FFFFFFFFFFFFFFFull, 0x8000000000000000ull, ~0ull, ~0ull - 4095,
    };
    static const uint64_t addresses[] = {
        0, 0xFFF, 0x1000, 0x00007FFFFFFFF000ull, 0x00007FFFFFFFFFFFull,
        0x0000800000000000ull, 0xFFFF7FFFFFFFFFFFull, 0xFFFF800000000000ull,
        0xFFFFFFFFFFFFF000ull, 0xFFFFFFFFFFFFFFFFull, 0x8000000000000000ull,
        0xFEE00000ull, 0xFEC00000ull, 0xBFFFF000ull, 0xC0FFF000ull, 0xFFFFFFFFull,
        0x0000700000000000ull, 0xFFFFC00003FFF000ull, 0xFFFFFF7FBFDFE000ull,
    };
    for (unsigned a = 0; a < sizeof addresses / sizeof addresses[0]; a++)
        for (unsigned l = 0; l < sizeof lengths / sizeof lengths[0]; l++)
            check_print(addresses[a], lengths[l]);
    /* valid starts with lengths running far past the buffer and the map */
    for (unsigned l = 0; l < sizeof lengths / sizeof lengths[0]; l++) {
        check_print(ok, lengths[l]);
        check_print(ok + sizeof blank - 1, lengths[l]);
        check_print(-lengths[l], lengths[l]);      /* ends exactly at 2^64 */
        check_print(-lengths[l] + 1, lengths[l]);  /* wraps by one */
    }
    for (int i = 0; i < RANDOM_CALLS; i++) {
        uint64_t r = hostile_random();
        switch (r & 3) {
        case 0: check_print(hostile_random(), hostile_random()); break;
        case 1: check_print(ok + (r >> 52), hostile_random() >> (r >> 58)); break;
        case 2: check_print(hostile_random() & 0xFFFFFFFFull, (r >> 8) & 0x1FFF); break;
        default: check_unknown(r & (1ull << 40) ? hostile_random() : (r >> 8) & 0xFF); break;
        }
    }
    wisp_printf("\nhostile_print: %lu faults, %lu bytes printed, %lu unknown numbers\n",
                faults, printed, unknown);
    if (failures)
        return 1;
    wisp_puts("PASS: hostile_print\n");
    return 0;
}
