/*
 * serial_echo: an interactive console on COM1.
 *
 * Prints "serial_echo: ready" on COM1, then reads lines (ended by CR, LF or
 * CR LF; backspace/DEL edit the line) and answers each with
 * "echo: <line>\n" on COM1. The line "quit" prints "PASS: serial_echo" and
 * exits 0.
 *
 * Input is interrupt-driven: the UART raises IRQ4 (vector 0x24 through the
 * PIC) when a byte arrives and the handler drains the receiver into a ring
 * buffer. As a safety net, the LAPIC timer also drains it 10 times a second,
 * so input still works (with some latency) if IRQ4 is lost. The main loop
 * halts while there is nothing to do; run with --idle-exit 0.
 */
#include "wisp_lib.h"

#define COM1_IRQ     4
#define TIMER_VECTOR 0x40
#define RING_SIZE    1024 /* a power of two */
#define LINE_MAX     256

static volatile uint8_t ring[RING_SIZE];
static volatile uint32_t ring_head; /* written by interrupt handlers */
static volatile uint32_t ring_tail; /* written by the main loop */

/* Move every byte the UART holds into the ring (interrupts are off). */
static void uart_drain(void)
{
    int c;

    while ((c = wisp_serial_getc_nonblock()) >= 0) {
        if (ring_head - ring_tail < RING_SIZE) {
            ring[ring_head % RING_SIZE] = (uint8_t)c;
            ring_head++;
        }
    }
}

static void on_com1(struct wisp_interrupt_frame *f)
{
    (void)f;
    uart_drain();
    wisp_pic_eoi(COM1_IRQ);
}

static void on_timer(struct wisp_interrupt_frame *f)
{
    (void)f;
    uart_drain();
    wisp_lapic_eoi();
}

static char line[LINE_MAX];
static size_t line_len;
static int last_was_cr;

/* Returns 1 when the line was "quit". */
static int handle_char(char c)
{
    if (c == '\n' && last_was_cr) { /* the LF of a CR LF pair */
        last_was_cr = 0;
        return 0;
    }
    last_was_cr = c == '\r';
    if (c == '\r' || c == '\n') {
        line[line_len] = '\0';
        line_len = 0;
        wisp_serial_printf("echo: %s\n", line);
        return strcmp(line, "quit") == 0;
    }
    if (c == 0x7F || c == '\b') {
        if (line_len > 0)
            line_len--;
        return 0;
    }
    if (line_len < LINE_MAX - 1)
        line[line_len++] = c;
    return 0;
}

int kmain(struct wisp_boot_info *bi)
{
    (void)bi;
    wisp_serial_init();
    wisp_idt_init();
    wisp_set_interrupt_handler(WISP_PIC_VECTOR_BASE + COM1_IRQ, on_com1);
    wisp_set_interrupt_handler(TIMER_VECTOR, on_timer);
    wisp_lapic_enable();
    wisp_pic_init();
    wisp_serial_enable_rx_interrupt();
    wisp_pic_unmask(COM1_IRQ);
    if (!wisp_lapic_timer_periodic(TIMER_VECTOR, 10))
        wisp_puts("serial_echo: no LAPIC timer; relying on IRQ4 alone\n");
    uart_drain(); /* bytes that arrived before IRQ4 was enabled */

    wisp_puts("serial_echo: ready\n");
    wisp_serial_puts("serial_echo: ready\n");

    for (;;) {
        cli();
        if (ring_tail == ring_head)
            wisp_wait_for_interrupt(); /* sti; hlt; cli */
        sti();
        while (ring_tail != ring_head) {
            char c = (char)ring[ring_tail % RING_SIZE];

            ring_tail++;
            if (handle_char(c)) {
                cli();
                wisp_lapic_timer_stop();
                wisp_serial_puts("PASS: serial_echo\n");
                wisp_puts("PASS: serial_echo\n");
                return 0;
            }
        }
    }
}
