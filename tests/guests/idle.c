/*
 * idle: draws a picture, lets the LAPIC timer tick a few times at 100 Hz,
 * stops it (a finished kernel), then sits in the classic kernel idle loop
 *     1: sti; hlt; jmp 1b
 * at a single RIP with interrupts on and no timer armed. wisp's idle
 * detection should notice, write the screenshot and exit 0. (While a timer
 * is armed wisp keeps waiting: see timer_wait.c.)
 *
 * Picture: background R=0x20 G=0x40 B=0x80 (dark blue), with a yellow
 * (R=0xFF G=0xFF B=0x00) rectangle covering the middle of the screen, from
 * (width/4, height/4) to (3*width/4, 3*height/4).
 */
#include "wisp_lib.h"

#define TIMER_VECTOR 0x40

static volatile unsigned ticks;

static void on_timer(struct wisp_interrupt_frame *f)
{
    (void)f;
    ticks++;
    wisp_lapic_eoi();
}

int kmain(struct wisp_boot_info *bi)
{
    if (wisp_fb_usable(bi)) {
        int32_t w = (int32_t)bi->fb_width, h = (int32_t)bi->fb_height;

        wisp_fb_fill_rect(bi, 0, 0, w, h, wisp_rgb(0x20, 0x40, 0x80));
        wisp_fb_fill_rect(bi, w / 4, h / 4, w / 2, h / 2, wisp_rgb(0xFF, 0xFF, 0x00));
    } else {
        wisp_puts("idle: no usable framebuffer, not drawing\n");
    }

    wisp_idt_init();
    wisp_set_interrupt_handler(TIMER_VECTOR, on_timer);
    wisp_lapic_enable();
    if (!wisp_lapic_timer_periodic(TIMER_VECTOR, 100))
        wisp_puts("idle: the LAPIC timer does not count; idling without it\n");
    else {
        cli();
        while (ticks < 5)
            wisp_wait_for_interrupt();
        wisp_lapic_timer_stop(); /* done: nothing left to wait for */
    }

    wisp_puts("entering idle loop\n");
    __asm__ __volatile__("1: sti\n"
                         "hlt\n"
                         "jmp 1b"
                         : : : "memory");
    __builtin_unreachable();
}
