/*
 * timer: interrupts from the LAPIC timer and from the PIT through the PIC.
 *
 *  1. set up the IDT, enable the LAPIC, and calibrate its timer against the
 *     get_time hypercall (no frequency is assumed);
 *  2. remap the PIC to vectors 0x20-0x2F and unmask IRQ0; program PIT
 *     channel 0 at 100 Hz; start the LAPIC timer periodic at 100 Hz on 0x40;
 *  3. with interrupts on, halt until both have ticked at least 20 times or
 *     3 s (get_time) have passed;
 *  4. check both rates lie between 30 and 300 Hz (generous: guest code may
 *     be slow), print the counts and rates and PASS or FAIL.
 *
 * wisp's idle detection would take the HLT loop for an idle kernel; run this
 * guest with --idle-exit 0.
 */
#include "wisp_lib.h"

#define LAPIC_TIMER_VECTOR 0x40
#define PIT_IRQ            0
#define RATE_HZ            100
#define WANT_TICKS         20
#define MAX_WAIT_NS        3000000000ull
#define MIN_RATE_MHZ       (RATE_HZ * 300ull)  /* 30% of 100 Hz, in mHz */
#define MAX_RATE_MHZ       (RATE_HZ * 3000ull) /* 300% */

static volatile uint64_t lapic_ticks, pit_ticks;

static void on_lapic_timer(struct wisp_interrupt_frame *f)
{
    (void)f;
    lapic_ticks++;
    wisp_lapic_eoi();
}

static void on_pit(struct wisp_interrupt_frame *f)
{
    (void)f;
    pit_ticks++;
    wisp_pic_eoi(PIT_IRQ);
}

/* Ticks per second in thousandths of a hertz (count * 1e12 fits in 64 bits
 * for any count below 18 million). */
static uint64_t rate_mhz(uint64_t count, uint64_t ns)
{
    return ns ? count * 1000000000000ull / ns : 0;
}

static int check_rate(const char *what, uint64_t count, uint64_t mhz)
{
    wisp_printf("timer: %s: %lu interrupts, %lu.%03lu Hz\n", what, count, mhz / 1000,
                mhz % 1000);
    if (mhz < MIN_RATE_MHZ || mhz > MAX_RATE_MHZ) {
        wisp_printf("FAIL: timer: %s rate %lu.%03lu Hz is outside %llu..%llu Hz\n", what,
                    mhz / 1000, mhz % 1000, MIN_RATE_MHZ / 1000, MAX_RATE_MHZ / 1000);
        return 0;
    }
    return 1;
}

int kmain(struct wisp_boot_info *bi)
{
    (void)bi;
    wisp_idt_init();
    wisp_set_interrupt_handler(LAPIC_TIMER_VECTOR, on_lapic_timer);
    wisp_set_interrupt_handler(WISP_PIC_VECTOR_BASE + PIT_IRQ, on_pit);

    wisp_lapic_enable();
    uint64_t lapic_hz = wisp_lapic_timer_calibrate(100);
    if (!lapic_hz) {
        wisp_puts("FAIL: timer: the LAPIC timer does not count down\n");
        return 1;
    }
    wisp_printf("timer: LAPIC timer counts %lu ticks/s at divide-by-16\n", lapic_hz);

    wisp_pic_init();
    uint16_t divisor = wisp_pit_periodic(RATE_HZ);
    uint32_t initial = wisp_lapic_timer_periodic(LAPIC_TIMER_VECTOR, RATE_HZ);
    wisp_printf("timer: PIT divisor %u, LAPIC initial count %u\n", divisor, initial);
    wisp_pic_unmask(PIT_IRQ);

    uint64_t t0 = wisp_time_ns(), elapsed = 0;

    /* Until the first interrupt arrives, spin with interrupts on instead of
     * halting: if neither source works we still reach the time limit and
     * say so, rather than halting forever. */
    sti();
    while (lapic_ticks == 0 && pit_ticks == 0) {
        elapsed = wisp_time_ns() - t0;
        if (elapsed >= MAX_WAIT_NS)
            break;
    }
    cli();
    for (;;) {
        elapsed = wisp_time_ns() - t0;
        if ((lapic_ticks >= WANT_TICKS && pit_ticks >= WANT_TICKS) || elapsed >= MAX_WAIT_NS)
            break;
        wisp_wait_for_interrupt(); /* sti; hlt; cli */
    }
    uint64_t lapic = lapic_ticks, pit = pit_ticks;

    wisp_lapic_timer_stop();
    wisp_pic_mask(PIT_IRQ);

    wisp_printf("timer: waited %lu ms\n", elapsed / 1000000);
    int ok = check_rate("PIT (IRQ0 via PIC)", pit, rate_mhz(pit, elapsed));
    ok &= check_rate("LAPIC timer", lapic, rate_mhz(lapic, elapsed));
    if (!ok)
        return 1;
    wisp_puts("PASS: timer\n");
    return 0;
}
