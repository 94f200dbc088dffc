/*
 * smp_timers: every CPU's own LAPIC timer, each at its own rate.
 *
 * CPU i runs its timer periodic at (i + 1) * 10 Hz on vector 0x40, the
 * count computed from the LAPIC timer frequency in the boot info extension
 * (no calibration). All start together; after WINDOW_MS the BSP reads the
 * tick counts and checks that every CPU ticked faster than the one before
 * it and within a quarter to one and a half times its own target
 * (generous: where guests run emulated, or on a busy host, interrupts come
 * late and periodic ticks that pile up are delivered once, as on
 * hardware). Prints the rates and PASS or FAIL.
 */
#include "wisp_lib.h"

#define VECTOR 0x40
#define BASE_HZ 10
#define WINDOW_MS 1500
#define DIVIDE_BY_16 0x3

static volatile uint32_t ready, go;
static volatile uint64_t ticks[WISP_MAX_CPUS];
static uint64_t timer_hz;

static void on_tick(struct wisp_interrupt_frame *f)
{
    (void)f;
    ticks[wisp_lapic_id()]++;
    wisp_lapic_eoi();
}

static void start_timer(unsigned index)
{
    uint64_t count = timer_hz / 16 / ((index + 1) * BASE_HZ);
    wisp_lapic_write(WISP_LAPIC_TIMER_DIV, DIVIDE_BY_16);
    wisp_lapic_write(WISP_LAPIC_LVT_TIMER, WISP_LAPIC_TIMER_PERIODIC | VECTOR);
    wisp_lapic_write(WISP_LAPIC_TIMER_INIT, (uint32_t)count);
}

static void ap_main(struct wisp_cpu *cpu)
{
    wisp_lapic_enable_ap();
    __atomic_fetch_add(&ready, 1, __ATOMIC_SEQ_CST);
    while (!go)
        wisp_cpu_relax();
    start_timer(cpu->processor_id);
    for (;;)
        wisp_wait_for_interrupt();
}

int kmain(struct wisp_boot_info *bi)
{
    wisp_idt_init();
    wisp_set_interrupt_handler(VECTOR, on_tick);
    wisp_lapic_enable_ap();
    const struct wisp_boot_ext *ext = wisp_boot_ext(bi);
    if (!ext || !ext->lapic_timer_hz) {
        wisp_puts("FAIL: smp_timers: no LAPIC timer frequency in the boot info\n");
        return 1;
    }
    timer_hz = ext->lapic_timer_hz;
    unsigned n = ext->cpu_count;
    wisp_printf("smp_timers: %u CPUs, LAPIC timer input %lu Hz, TSC %lu Hz\n", n, timer_hz,
                ext->tsc_hz);
    for (unsigned i = 1; i < n; i++)
        wisp_smp_start_mailbox(wisp_cpu_entry(bi, i), ap_main);
    while (ready < n - 1)
        wisp_cpu_relax();

    uint64_t before[WISP_MAX_CPUS];
    go = 1;
    start_timer(0);
    uint64_t t0 = wisp_time_ns();
    for (unsigned i = 0; i < n; i++)
        before[i] = ticks[i];
    while (wisp_time_ns() - t0 < WINDOW_MS * 1000000ull)
        wisp_wait_for_interrupt();
    uint64_t elapsed = wisp_time_ns() - t0;

    int ok = 1;
    uint64_t last_mhz = 0;
    for (unsigned i = 0; i < n; i++) {
        uint64_t count = ticks[i] - before[i];
        uint64_t mhz = count * 1000000000000ull / elapsed; /* thousandths of Hz */
        uint64_t want = (i + 1) * BASE_HZ * 1000ull;
        int good = mhz >= want / 4 && mhz <= want * 3 / 2 && mhz > last_mhz;
        wisp_printf("smp_timers: CPU %u: %lu ticks, %lu.%03lu Hz (target %lu Hz)%s\n", i, count,
                    mhz / 1000, mhz % 1000, want / 1000, good ? "" : "  <- wrong");
        ok &= good;
        last_mhz = mhz;
    }
    wisp_lapic_timer_stop();
    if (!ok) {
        wisp_puts("FAIL: smp_timers\n");
        return 1;
    }
    wisp_puts("PASS: smp_timers\n");
    return 0;
}
