#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dev/uart16550.h"

struct harness {
    struct uart16550 uart;
    uint8_t sent[64];
    size_t nsent;
    bool irq;
    unsigned irq_calls;
};

static void on_transmit(void *opaque, uint8_t byte)
{
    struct harness *h = opaque;
    if (h->nsent < sizeof h->sent)
        h->sent[h->nsent] = byte;
    h->nsent++;
}

static void on_irq(void *opaque, bool level)
{
    struct harness *h = opaque;
    h->irq = level;
    h->irq_calls++;
}

static int setup(void **state)
{
    static struct harness h;
    memset(&h, 0, sizeof h);
    static const struct uart16550_ops ops = { on_transmit, on_irq };
    uart16550_init(&h.uart, &ops, &h);
    *state = &h;
    return 0;
}

static uint8_t rd(struct harness *h, unsigned offset)
{
    uint8_t v = 0x5A;
    uart16550_io(&h->uart, offset, &v, 1, false);
    return v;
}

static void wr(struct harness *h, unsigned offset, uint8_t v)
{
    uart16550_io(&h->uart, offset, &v, 1, true);
}

static void test_scratch_round_trip(void **state)
{
    struct harness *h = *state;
    for (unsigned v = 0; v < 256; v++) {
        wr(h, UART_SCR, (uint8_t)v);
        assert_int_equal(rd(h, UART_SCR), v);
    }
}

static void test_divisor_latch(void **state)
{
    struct harness *h = *state;
    wr(h, UART_IER, UART_IER_ERBFI);
    wr(h, UART_LCR, UART_LCR_DLAB | 0x03);
    wr(h, UART_DLL, 0x01);
    wr(h, UART_DLM, 0x02);
    assert_int_equal(rd(h, UART_DLL), 0x01);
    assert_int_equal(rd(h, UART_DLM), 0x02);
    assert_int_equal(rd(h, UART_LCR), UART_LCR_DLAB | 0x03);
    assert_int_equal(uart16550_divisor(&h->uart), 0x0201);
    assert_int_equal(h->nsent, 0); /* DLL writes are not data */

    wr(h, UART_LCR, 0x03);
    assert_int_equal(rd(h, UART_IER), UART_IER_ERBFI); /* IER untouched */
    wr(h, UART_THR, 'x');
    assert_int_equal(h->nsent, 1);
    assert_int_equal(h->sent[0], 'x');
    assert_int_equal(uart16550_divisor(&h->uart), 0x0201);

    wr(h, UART_LCR, UART_LCR_DLAB);
    assert_int_equal(rd(h, UART_DLL), 0x01);
    assert_int_equal(rd(h, UART_DLM), 0x02);
}

static void test_fifo_detection(void **state)
{
    struct harness *h = *state;
    assert_int_equal(rd(h, UART_IIR), UART_IIR_NO_INT); /* 8250: no FIFO */
    wr(h, UART_FCR, UART_FCR_ENABLE);
    uint8_t iir = rd(h, UART_IIR);
    assert_int_equal(iir & 0xC0, 0xC0); /* 16550A */
    assert_int_equal(iir & 0x20, 0);    /* not a 16750 64-byte FIFO */
    assert_int_equal(iir, 0xC1);
    /* Linux's 16750 check: FCR bit 5 must not show up in IIR. */
    wr(h, UART_FCR, UART_FCR_ENABLE | 0x20);
    assert_int_equal(rd(h, UART_IIR) & 0x20, 0);
    wr(h, UART_FCR, 0);
    assert_int_equal(rd(h, UART_IIR) & 0xC0, 0);
}

static void test_probe_register_masks(void **state)
{
    struct harness *h = *state;
    /* The 8250 autoconfig IER test. */
    wr(h, UART_IER, 0);
    assert_int_equal(rd(h, UART_IER) & 0x0F, 0);
    wr(h, UART_IER, 0x0F);
    assert_int_equal(rd(h, UART_IER) & 0x0F, 0x0F);
    wr(h, UART_IER, 0xFF); /* no UUE or other high bits on a 16550A */
    assert_int_equal(rd(h, UART_IER), 0x0F);
    wr(h, UART_IER, 0);
    wr(h, UART_MCR, 0xFF);
    assert_int_equal(rd(h, UART_MCR), 0x1F);
    wr(h, UART_MCR, 0);
    /* Power-on line status: transmitter idle, nothing received. */
    assert_int_equal(rd(h, UART_LSR), UART_LSR_THRE | UART_LSR_TEMT);
}

static void test_loopback_probe_and_echo(void **state)
{
    struct harness *h = *state;
    /* Outside loopback: CTS, DSR, DCD asserted. */
    assert_int_equal(rd(h, UART_MSR) & 0xF0,
                     UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DCD);

    /* What serial8250's autoconfig does. */
    uint8_t save_mcr = rd(h, UART_MCR);
    wr(h, UART_MCR, UART_MCR_LOOP | 0x0A);
    uint8_t status = rd(h, UART_MSR) & 0xF0;
    wr(h, UART_MCR, save_mcr);
    assert_int_equal(status, 0x90);

    wr(h, UART_MCR, UART_MCR_LOOP | UART_MCR_DTR | UART_MCR_OUT1);
    uint8_t msr = rd(h, UART_MSR);
    assert_int_equal(msr & 0xF0, UART_MSR_DSR | UART_MSR_RI);
    /* CTS and DCD dropped; DDSR is left from the probe restoring MCR. */
    assert_int_equal(msr & 0x0F, UART_MSR_DCTS | UART_MSR_DDSR | UART_MSR_DDCD);
    assert_int_equal(rd(h, UART_MSR) & 0x0F, 0); /* deltas cleared by the read */

    wr(h, UART_MCR, UART_MCR_LOOP); /* RI falls: trailing edge */
    assert_int_equal(rd(h, UART_MSR), UART_MSR_TERI | UART_MSR_DDSR);

    /* Echo: THR comes back on RBR, nothing leaves the port. */
    wr(h, UART_THR, 'Q');
    assert_int_equal(h->nsent, 0);
    assert_true(rd(h, UART_LSR) & UART_LSR_DR);
    assert_int_equal(rd(h, UART_RBR), 'Q');
    assert_false(rd(h, UART_LSR) & UART_LSR_DR);

    /* Host input is disconnected in loopback. */
    assert_false(uart16550_can_receive(&h->uart));
    assert_int_equal(uart16550_receive(&h->uart, (const uint8_t *)"z", 1), 0);

    wr(h, UART_MCR, 0);
    assert_int_equal(rd(h, UART_MSR) & 0xF0,
                     UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DCD);
    wr(h, UART_THR, 'R');
    assert_int_equal(h->nsent, 1);
    assert_int_equal(h->sent[0], 'R');
    assert_true(uart16550_can_receive(&h->uart));
}

static void test_thre_interrupt(void **state)
{
    struct harness *h = *state;
    wr(h, UART_MCR, UART_MCR_OUT2);
    assert_false(h->irq);
    wr(h, UART_IER, UART_IER_ETBEI);
    assert_true(h->irq);
    assert_int_equal(rd(h, UART_IIR), UART_IIR_THRI);
    /* Reading IIR acknowledged it. */
    assert_false(h->irq);
    assert_int_equal(rd(h, UART_IIR), UART_IIR_NO_INT);

    /* Each THR write empties at once and re-arms THRE. */
    wr(h, UART_THR, 'a');
    assert_true(h->irq);
    assert_int_equal(rd(h, UART_IIR), UART_IIR_THRI);
    assert_false(h->irq);

    /* Disabling ETBEI drops the line. */
    wr(h, UART_THR, 'b');
    assert_true(h->irq);
    wr(h, UART_IER, 0);
    assert_false(h->irq);
    assert_int_equal(rd(h, UART_IIR), UART_IIR_NO_INT);

    /* Linux's UART_BUG_THRE probe: re-enabling THRI must re-assert THRE. */
    wr(h, UART_IER, UART_IER_ETBEI);
    uint8_t iir1 = rd(h, UART_IIR);
    wr(h, UART_IER, 0);
    wr(h, UART_IER, UART_IER_ETBEI);
    uint8_t iir2 = rd(h, UART_IIR);
    wr(h, UART_IER, 0);
    assert_int_equal(iir1 & UART_IIR_NO_INT, 0);
    assert_int_equal(iir2 & UART_IIR_NO_INT, 0);
    assert_false(h->irq);
    assert_int_equal(h->nsent, 2);
}

static void test_rx_interrupt(void **state)
{
    struct harness *h = *state;
    wr(h, UART_FCR, UART_FCR_ENABLE); /* trigger level 1 */
    wr(h, UART_MCR, UART_MCR_OUT2 | UART_MCR_DTR | UART_MCR_RTS);
    wr(h, UART_IER, UART_IER_ERBFI);
    assert_false(h->irq);

    assert_int_equal(uart16550_receive(&h->uart, (const uint8_t *)"hi", 2), 2);
    assert_true(h->irq);
    assert_int_equal(rd(h, UART_IIR), UART_IIR_FIFO_ON | UART_IIR_RDI);
    assert_true(rd(h, UART_LSR) & UART_LSR_DR);
    assert_int_equal(rd(h, UART_RBR), 'h');
    assert_true(h->irq);
    assert_int_equal(rd(h, UART_RBR), 'i');
    assert_false(h->irq);
    assert_int_equal(rd(h, UART_IIR), UART_IIR_FIFO_ON | UART_IIR_NO_INT);
    assert_false(rd(h, UART_LSR) & UART_LSR_DR);

    /* Below the trigger level the (approximated) timeout is reported. */
    wr(h, UART_FCR, UART_FCR_ENABLE | 0x80); /* trigger 8 */
    assert_int_equal(uart16550_receive(&h->uart, (const uint8_t *)"abc", 3), 3);
    assert_true(h->irq);
    assert_int_equal(rd(h, UART_IIR), UART_IIR_FIFO_ON | UART_IIR_CTI);
    assert_int_equal(uart16550_receive(&h->uart, (const uint8_t *)"defgh", 5), 5);
    assert_int_equal(rd(h, UART_IIR), UART_IIR_FIFO_ON | UART_IIR_RDI);

    /* FCR RX reset empties the FIFO and drops the line. */
    wr(h, UART_FCR, UART_FCR_ENABLE | UART_FCR_CLEAR_RX);
    assert_false(h->irq);
    assert_false(rd(h, UART_LSR) & UART_LSR_DR);
}

static void test_receive_capacity(void **state)
{
    struct harness *h = *state;
    const uint8_t bytes[20] = "0123456789abcdefghij";
    /* FIFOs off: a single holding register. */
    assert_true(uart16550_can_receive(&h->uart));
    assert_int_equal(uart16550_receive(&h->uart, bytes, 3), 1);
    assert_false(uart16550_can_receive(&h->uart));
    assert_int_equal(uart16550_receive(&h->uart, bytes + 1, 2), 0);
    assert_false(rd(h, UART_LSR) & UART_LSR_OE); /* host input is never dropped */
    assert_int_equal(rd(h, UART_RBR), '0');
    assert_true(uart16550_can_receive(&h->uart));

    /* FIFOs on: 16 bytes, in order. */
    wr(h, UART_FCR, UART_FCR_ENABLE);
    assert_int_equal(uart16550_receive(&h->uart, bytes, sizeof bytes), 16);
    assert_false(uart16550_can_receive(&h->uart));
    for (int i = 0; i < 8; i++)
        assert_int_equal(rd(h, UART_RBR), bytes[i]);
    /* Wraps around the ring. */
    assert_int_equal(uart16550_receive(&h->uart, bytes + 16, 4), 4);
    for (int i = 8; i < 20; i++)
        assert_int_equal(rd(h, UART_RBR), bytes[i]);
    assert_false(rd(h, UART_LSR) & UART_LSR_DR);
    /* Reading an empty RBR repeats the last byte, harmlessly. */
    assert_int_equal(rd(h, UART_RBR), 'j');
}

static void test_out2_gating(void **state)
{
    struct harness *h = *state;
    wr(h, UART_IER, UART_IER_ERBFI);
    assert_int_equal(uart16550_receive(&h->uart, (const uint8_t *)"k", 1), 1);
    /* Pending, but OUT2 is off: the PIC sees nothing. */
    assert_false(h->irq);
    assert_int_equal(h->irq_calls, 0);
    assert_int_equal(rd(h, UART_IIR), UART_IIR_RDI);
    wr(h, UART_MCR, UART_MCR_OUT2);
    assert_true(h->irq);
    assert_true(uart16550_irq_level(&h->uart));
    wr(h, UART_MCR, 0);
    assert_false(h->irq);
    wr(h, UART_MCR, UART_MCR_OUT2);
    assert_true(h->irq);
    /* Loopback forces the OUT2 pin inactive. */
    wr(h, UART_MCR, UART_MCR_OUT2 | UART_MCR_LOOP);
    assert_false(h->irq);
    wr(h, UART_MCR, UART_MCR_OUT2);
    assert_true(h->irq);
    assert_int_equal(h->irq_calls, 5); /* only level changes are reported */
    rd(h, UART_RBR);
    assert_false(h->irq);
}

/* The order Linux's 8250 driver touches the port in, probe then open: only
 * the open's last step (receive interrupts on, OUT2 already set) counts. */
static void test_driver_listening_follows_the_open_sequence(void **state)
{
    struct harness *h = *state;
    assert_false(uart16550_driver_listening(&h->uart));
    wr(h, UART_IER, 0x0F); /* probe: is IER writable? (MCR still 0) */
    assert_false(uart16550_driver_listening(&h->uart));
    wr(h, UART_IER, 0);
    wr(h, UART_MCR, UART_MCR_LOOP | UART_MCR_OUT2 | UART_MCR_RTS); /* loopback test */
    wr(h, UART_IER, 0x0F);
    assert_false(uart16550_driver_listening(&h->uart));
    wr(h, UART_IER, 0);
    wr(h, UART_FCR, UART_FCR_ENABLE); /* open: empty the FIFOs, then off */
    wr(h, UART_FCR, UART_FCR_ENABLE | UART_FCR_CLEAR_RX | UART_FCR_CLEAR_TX);
    wr(h, UART_FCR, 0);
    wr(h, UART_MCR, UART_MCR_OUT2 | UART_MCR_RTS | UART_MCR_DTR); /* modem lines */
    wr(h, UART_IER, UART_IER_ETBEI); /* THRE interrupt test */
    assert_false(uart16550_driver_listening(&h->uart));
    wr(h, UART_IER, UART_IER_ELSI | UART_IER_ERBFI);
    /* Not yet: turning the FIFOs on (set_termios) would empty the receiver. */
    assert_false(uart16550_driver_listening(&h->uart));
    wr(h, UART_FCR, UART_FCR_ENABLE);
    wr(h, UART_FCR, UART_FCR_ENABLE | 0x80); /* trigger level */
    assert_true(uart16550_driver_listening(&h->uart));
}

static void test_guest_ready_once_it_looks_for_input(void **state)
{
    struct harness *h = *state;
    assert_false(uart16550_guest_ready(&h->uart)); /* power-on */
    wr(h, UART_LCR, 0x03);
    assert_false(uart16550_guest_ready(&h->uart)); /* line settings alone */
    wr(h, UART_FCR, UART_FCR_ENABLE | UART_FCR_CLEAR_RX);
    assert_true(uart16550_guest_ready(&h->uart)); /* FIFOs on */
    wr(h, UART_FCR, 0);
    assert_false(uart16550_guest_ready(&h->uart));
    wr(h, UART_IER, UART_IER_ERBFI);
    assert_true(uart16550_guest_ready(&h->uart)); /* receive interrupt */
    wr(h, UART_IER, 0);
    assert_false(uart16550_guest_ready(&h->uart));
    rd(h, UART_LSR);
    assert_true(uart16550_guest_ready(&h->uart)); /* polling */
}

static void test_overrun(void **state)
{
    struct harness *h = *state;
    wr(h, UART_FCR, UART_FCR_ENABLE);
    wr(h, UART_MCR, UART_MCR_LOOP);
    wr(h, UART_IER, UART_IER_ELSI | UART_IER_ERBFI);
    for (unsigned i = 0; i < 17; i++)
        wr(h, UART_THR, (uint8_t)('A' + i));
    /* Line status outranks received data. */
    assert_int_equal(rd(h, UART_IIR), UART_IIR_FIFO_ON | UART_IIR_RLSI);
    uint8_t lsr = rd(h, UART_LSR);
    assert_true(lsr & UART_LSR_OE);
    assert_true(lsr & UART_LSR_DR);
    assert_false(rd(h, UART_LSR) & UART_LSR_OE); /* cleared by reading LSR */
    assert_int_equal(rd(h, UART_IIR), UART_IIR_FIFO_ON | UART_IIR_RDI);
    for (unsigned i = 0; i < 16; i++)
        assert_int_equal(rd(h, UART_RBR), 'A' + i); /* the 17th was lost */
    assert_false(rd(h, UART_LSR) & UART_LSR_DR);

    /* Without FIFOs the second character already overruns. */
    wr(h, UART_FCR, 0);
    wr(h, UART_THR, '1');
    assert_false(rd(h, UART_LSR) & UART_LSR_OE);
    wr(h, UART_THR, '2');
    assert_true(rd(h, UART_LSR) & UART_LSR_OE);
    assert_int_equal(rd(h, UART_RBR), '1');
}

static void test_priorities(void **state)
{
    struct harness *h = *state;
    wr(h, UART_MCR, UART_MCR_OUT2);
    wr(h, UART_IER, UART_IER_EDSSI);
    /* Entering then leaving loopback toggles the modem inputs: deltas. */
    wr(h, UART_MCR, UART_MCR_LOOP);
    wr(h, UART_MCR, UART_MCR_OUT2);
    assert_true(h->irq);
    assert_int_equal(rd(h, UART_IIR), UART_IIR_MSI);
    wr(h, UART_IER, UART_IER_EDSSI | UART_IER_ETBEI);
    assert_int_equal(rd(h, UART_IIR), UART_IIR_THRI); /* THRE beats modem */
    assert_int_equal(rd(h, UART_IIR), UART_IIR_MSI);
    wr(h, UART_IER, 0x0F);
    wr(h, UART_THR, 't'); /* re-arms THRE */
    uart16550_receive(&h->uart, (const uint8_t *)"r", 1);
    assert_int_equal(rd(h, UART_IIR), UART_IIR_RDI); /* data beats THRE */
    rd(h, UART_RBR);
    assert_int_equal(rd(h, UART_IIR), UART_IIR_THRI);
    assert_int_equal(rd(h, UART_IIR), UART_IIR_MSI);
    rd(h, UART_MSR);
    assert_int_equal(rd(h, UART_IIR), UART_IIR_NO_INT);
    assert_false(h->irq);
}

static void test_wide_and_stray_accesses(void **state)
{
    struct harness *h = *state;
    wr(h, UART_SCR, 0x42);
    uint8_t buf[4];

    /* 16-bit read at the last register: SCR, then nothing. */
    memset(buf, 0, sizeof buf);
    uart16550_io(&h->uart, UART_SCR, buf, 2, false);
    assert_int_equal(buf[0], 0x42);
    assert_int_equal(buf[1], 0xFF);

    /* 32-bit read at LSR: LSR, MSR, SCR, nothing. */
    uart16550_io(&h->uart, UART_LSR, buf, 4, false);
    assert_int_equal(buf[0], UART_LSR_THRE | UART_LSR_TEMT);
    assert_int_equal(buf[1] & 0xF0, UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DCD);
    assert_int_equal(buf[2], 0x42);
    assert_int_equal(buf[3], 0xFF);

    /* 16-bit write of the divisor latch in one go. */
    wr(h, UART_LCR, UART_LCR_DLAB);
    buf[0] = 0x34;
    buf[1] = 0x12;
    uart16550_io(&h->uart, UART_DLL, buf, 2, true);
    assert_int_equal(uart16550_divisor(&h->uart), 0x1234);
    wr(h, UART_LCR, 0);

    /* Out of the window: reads float high, writes vanish, no overflow. */
    buf[0] = 0;
    uart16550_io(&h->uart, 8, buf, 1, false);
    assert_int_equal(buf[0], 0xFF);
    uart16550_io(&h->uart, UINT64_MAX, buf, 2, false);
    assert_int_equal(buf[0], 0xFF);
    assert_int_equal(buf[1], 0xFF);
    buf[0] = 0x99;
    uart16550_io(&h->uart, 9, buf, 1, true);
    uart16550_io(&h->uart, UINT64_MAX, buf, 2, true);
    uart16550_io(&h->uart, 0, buf, 0, false);
    assert_int_equal(rd(h, UART_SCR), 0x42);
    assert_int_equal(h->nsent, 0);

    /* Writes to LSR/MSR are ignored. */
    wr(h, UART_LSR, 0xFF);
    assert_int_equal(rd(h, UART_LSR), UART_LSR_THRE | UART_LSR_TEMT);
}

static void test_null_callbacks(void **state)
{
    (void)state;
    struct uart16550 u;
    uart16550_init(&u, NULL, NULL);
    uint8_t v = 'x';
    uart16550_io(&u, UART_MCR, &(uint8_t){ UART_MCR_OUT2 }, 1, true);
    uart16550_io(&u, UART_IER, &(uint8_t){ UART_IER_ETBEI }, 1, true);
    uart16550_io(&u, UART_THR, &v, 1, true);
    assert_true(uart16550_irq_level(&u));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_scratch_round_trip, setup),
        cmocka_unit_test_setup(test_divisor_latch, setup),
        cmocka_unit_test_setup(test_fifo_detection, setup),
        cmocka_unit_test_setup(test_probe_register_masks, setup),
        cmocka_unit_test_setup(test_loopback_probe_and_echo, setup),
        cmocka_unit_test_setup(test_thre_interrupt, setup),
        cmocka_unit_test_setup(test_rx_interrupt, setup),
        cmocka_unit_test_setup(test_receive_capacity, setup),
        cmocka_unit_test_setup(test_out2_gating, setup),
        cmocka_unit_test_setup(test_driver_listening_follows_the_open_sequence, setup),
        cmocka_unit_test_setup(test_guest_ready_once_it_looks_for_input, setup),
        cmocka_unit_test_setup(test_overrun, setup),
        cmocka_unit_test_setup(test_priorities, setup),
        cmocka_unit_test_setup(test_wide_and_stray_accesses, setup),
        cmocka_unit_test(test_null_callbacks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
