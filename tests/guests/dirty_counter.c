/*
 * dirty_counter: a guest that keeps writing memory while it counts, for
 * live migration's tests and benchmark (pre-copy must catch up with it).
 *
 *  - prints `dirty: ready`, then every 100 ms of get_time `count N`
 *    (N = 1, 2, 3, ...) and `clock TSC NS` (rdtsc and get_time then);
 *  - between lines it sweeps 32 MiB at 48 MiB page by page without a
 *    pause, writing a generation number into two words of each page, and
 *    checks first that the page still holds the previous generation: a
 *    page lost or stale after a move is reported (`dirty: page P holds G,
 *    expected E`) and the guest exits with code 3.
 *
 * It never halts (no timer): stop it with --timeout or the control socket.
 */
#include "wisp_lib.h"

#define PERIOD_NS 100000000ull
#define AREA      0x3000000ull
#define PAGES     8192ull     /* 32 MiB */

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

int kmain(struct wisp_boot_info *bi)
{
    (void)bi;
    wisp_puts("dirty: ready\n");
    uint64_t count = 0, due = wisp_time_ns() + PERIOD_NS, gen = 0, page = 0;
    for (;;) {
        for (int k = 0; k < 1024; k++) {
            volatile uint64_t *w = (volatile uint64_t *)(uintptr_t)(AREA + page * 4096);
            /* the first sweep finds zeroed memory */
            if (w[0] != gen || w[300] != ~gen * (gen != 0)) {
                wisp_printf("dirty: page %lu holds %lu, expected %lu\n", page, w[0], gen);
                wisp_exit(3);
            }
            w[0] = gen + 1;
            w[300] = ~(gen + 1);
            if (++page == PAGES) {
                page = 0;
                gen++;
            }
        }
        uint64_t now = wisp_time_ns();
        if (now >= due) {
            wisp_printf("count %lu\n", ++count);
            wisp_printf("clock %lu %lu\n", rdtsc(), wisp_time_ns());
            due = wisp_time_ns() + PERIOD_NS;
        }
    }
}
