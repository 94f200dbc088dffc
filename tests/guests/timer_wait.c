/*
 * timer_wait: the newcomer's kernel that waits for timer ticks in a HLT
 * loop (issue 15). It waits, with interrupts on and halting at one RIP,
 *
 *  1. for WAIT_TICKS ticks of the LAPIC timer, periodic at 100 Hz;
 *  2. for WAIT_TICKS ticks of the PIT through the remapped PIC, at 100 Hz;
 *  3. for WAIT_TICKS one-shots of the PIT (mode 0, 10 ms), each armed
 *     again by the interrupt handler: between two ticks the PIT is not
 *     periodic, yet it will wake the CPU;
 *
 * each longer than wisp's default idle rule (100 halts in a row), then
 * prints the time each wait took and "PASS: timer_wait" and exits 0. wisp
 * must not take the waits for an idle kernel: a timer is armed that will
 * wake it. Before issue 15 wisp stopped it after about a second with
 * status 0 and no PASS line.
 *
 * The rates it prints ("lapic 100 ticks in N us") also compare the two
 * interrupt controllers' timers side by side.
 */
#include "wisp_lib.h"

#define LAPIC_TIMER_VECTOR 0x40
#define PIT_IRQ            0
#define RATE_HZ            100
#define WAIT_TICKS         150

static volatile uint64_t lapic_ticks, pit_ticks, oneshot_ticks;

/* PIT channel 0 in mode 0: one IRQ 0 edge when the count runs out. */
static void pit_oneshot(uint32_t hz)
{
    uint32_t count = WISP_PIT_HZ / hz;
    outb(0x43, 0x30); /* channel 0, lobyte/hibyte, mode 0, binary */
    outb(0x40, (uint8_t)count);
    outb(0x40, (uint8_t)(count >> 8));
}

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

static void on_pit_oneshot(struct wisp_interrupt_frame *f)
{
    (void)f;
    oneshot_ticks++;
    wisp_pic_eoi(PIT_IRQ);
    if (oneshot_ticks < WAIT_TICKS)
        pit_oneshot(RATE_HZ);
}

/* Halts until *ticks reaches want; returns the ns the wait took. */
static uint64_t wait_ticks(volatile uint64_t *ticks, uint64_t want)
{
    uint64_t t0 = wisp_time_ns();
    cli();
    while (*ticks < want)
        wisp_wait_for_interrupt(); /* sti; hlt; cli: one HLT, one RIP */
    return wisp_time_ns() - t0;
}

static void report(const char *what, uint64_t ns)
{
    /* Microseconds per 100 ticks: 1000000 at exactly 100 Hz. */
    wisp_printf("timer_wait: %s %u ticks in %lu us (%lu us per 100 ticks)\n", what, WAIT_TICKS,
                ns / 1000, ns / 10 / WAIT_TICKS);
}

int kmain(struct wisp_boot_info *bi)
{
    wisp_idt_init();
    wisp_set_interrupt_handler(LAPIC_TIMER_VECTOR, on_lapic_timer);
    wisp_set_interrupt_handler(WISP_PIC_VECTOR_BASE + PIT_IRQ, on_pit);
    wisp_lapic_enable();

    wisp_puts("timer_wait: waiting for the LAPIC timer\n");
    /* The timer's input clock from the boot info (exact, so the two
     * irqchips' rates compare without calibration noise); else calibrate. */
    const struct wisp_boot_ext *ext = wisp_boot_ext(bi);
    if (ext && ext->lapic_timer_hz) {
        wisp_lapic_write(WISP_LAPIC_TIMER_DIV, 0x3); /* divide by 16 */
        wisp_lapic_write(WISP_LAPIC_LVT_TIMER, WISP_LAPIC_TIMER_PERIODIC | LAPIC_TIMER_VECTOR);
        wisp_lapic_write(WISP_LAPIC_TIMER_INIT, (uint32_t)(ext->lapic_timer_hz / 16 / RATE_HZ));
    } else {
        wisp_lapic_timer_periodic(LAPIC_TIMER_VECTOR, RATE_HZ);
    }
    uint64_t lapic_ns = wait_ticks(&lapic_ticks, WAIT_TICKS);
    wisp_lapic_timer_stop();
    report("lapic", lapic_ns);

    wisp_puts("timer_wait: waiting for the PIT\n");
    wisp_pic_init();
    wisp_pit_periodic(RATE_HZ);
    wisp_pic_unmask(PIT_IRQ);
    uint64_t pit_ns = wait_ticks(&pit_ticks, WAIT_TICKS);
    wisp_pic_mask(PIT_IRQ);
    report("pit", pit_ns);

    wisp_puts("timer_wait: waiting for PIT one-shots\n");
    wisp_set_interrupt_handler(WISP_PIC_VECTOR_BASE + PIT_IRQ, on_pit_oneshot);
    pit_oneshot(RATE_HZ);
    wisp_pic_unmask(PIT_IRQ);
    uint64_t oneshot_ns = wait_ticks(&oneshot_ticks, WAIT_TICKS);
    wisp_pic_mask(PIT_IRQ);
    report("pit one-shot", oneshot_ns);

    wisp_puts("PASS: timer_wait\n");
    return 0;
}
