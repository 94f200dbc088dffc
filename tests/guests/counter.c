/*
 * counter: a guest that never ends by itself and shows its progress, for
 * tests that stop, pause, save or move a running guest and check that it
 * goes on where it was.
 *
 *  - paints the framebuffer once: background R=0x30 G=0x60 B=0x90 with an
 *    orange (R=0xFF G=0x80 B=0x00) block over the top-left quarter, from
 *    (0, 0) to (width/2, height/2);
 *  - prints `counter: ready`, then `count N` (N = 1, 2, 3, ...) every
 *    100 ms of get_time, over the print hypercall, forever: a line is due
 *    100 ms after the previous one was printed, so a pause delays the
 *    sequence without a burst afterwards, and the numbers have no gap and
 *    no repeat;
 *  - between lines it halts with interrupts on, woken by the LAPIC timer
 *    at 100 Hz (armed, so wisp's idle detection leaves it running).
 *
 * Stop it with --timeout, a signal, Ctrl-A x or the control socket's quit.
 */
#include "wisp_lib.h"

#define TIMER_VECTOR 0x40
#define PERIOD_NS    100000000ull

static void on_timer(struct wisp_interrupt_frame *f)
{
    (void)f;
    wisp_lapic_eoi();
}

int kmain(struct wisp_boot_info *bi)
{
    if (wisp_fb_usable(bi)) {
        int32_t w = (int32_t)bi->fb_width, h = (int32_t)bi->fb_height;
        wisp_fb_fill_rect(bi, 0, 0, w, h, wisp_rgb(0x30, 0x60, 0x90));
        wisp_fb_fill_rect(bi, 0, 0, w / 2, h / 2, wisp_rgb(0xFF, 0x80, 0x00));
    }
    wisp_idt_init();
    wisp_set_interrupt_handler(TIMER_VECTOR, on_timer);
    wisp_lapic_enable();
    int ticking = wisp_lapic_timer_periodic(TIMER_VECTOR, 100) != 0;
    if (!ticking)
        wisp_puts("counter: the LAPIC timer does not count; polling get_time instead\n");
    wisp_puts("counter: ready\n");

    uint64_t count = 0, due = wisp_time_ns() + PERIOD_NS;
    cli();
    for (;;) {
        uint64_t now = wisp_time_ns();
        if (now >= due) {
            wisp_printf("count %lu\n", ++count);
            due = wisp_time_ns() + PERIOD_NS;
        }
        if (ticking)
            wisp_wait_for_interrupt(); /* sti; hlt; cli */
    }
}
