/*
 * A 16550A UART (the PC's COM ports), as Linux's 8250 driver and simple
 * polled guests drive it. Device only: it sees register accesses at offsets
 * 0..7 and reports what it transmits and the level of its interrupt line
 * through callbacks; it knows nothing about the bus or the accelerator.
 *
 * Model:
 * - Transmission is instantaneous: a byte written to THR goes to the
 *   transmit callback at once, so LSR.THRE and LSR.TEMT always read 1 and
 *   the THR-empty interrupt re-arms right after each write.
 * - The receiver holds what real hardware holds: a 16-byte FIFO when
 *   FCR.0 enables FIFOs, a single holding register otherwise.
 *   uart16550_receive() takes only what fits and returns the count; the
 *   caller keeps the rest and offers it again once uart16550_can_receive()
 *   says so (after the guest has read RBR). Host input is never dropped, so
 *   the overrun bit (LSR.OE) is only set by the guest's own loopback
 *   traffic overflowing the receiver, as on hardware.
 * - The character-timeout interrupt (IIR 0xC) is approximated: in FIFO mode
 *   it is reported as soon as data below the trigger level is waiting.
 * - Loopback (MCR.LOOP): THR feeds the receiver, MSR's upper nibble mirrors
 *   MCR (CTS=RTS, DSR=DTR, RI=OUT1, DCD=OUT2), and host input is refused
 *   (the serial input pin is disconnected). Outside loopback the modem
 *   inputs read CTS, DSR and DCD asserted, RI clear.
 * - Interrupt line: high while an enabled interrupt condition is pending
 *   and MCR.OUT2 is set (OUT2 gates the IRQ buffer on PC boards; in
 *   loopback the OUT2 pin is forced inactive, so the line stays low).
 *   set_irq is called only when the level changes; it starts low.
 * - An access wider than one byte is split as an ISA bus does it: byte i
 *   goes to offset + i; bytes past offset 7 read 0xFF and ignore writes.
 *
 * Not thread-safe: a caller that feeds host input from another thread
 * serializes uart16550_io() and uart16550_receive() with one lock. The
 * callbacks run inside those calls.
 */
#ifndef WISP_DEV_UART16550_H
#define WISP_DEV_UART16550_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UART16550_NR_PORTS 8     /* register window length */
#define UART16550_FIFO_SIZE 16

/* Register offsets (DLAB selects DLL/DLM at 0 and 1). */
enum {
    UART_RBR = 0, UART_THR = 0, UART_DLL = 0,
    UART_IER = 1, UART_DLM = 1,
    UART_IIR = 2, UART_FCR = 2,
    UART_LCR = 3,
    UART_MCR = 4,
    UART_LSR = 5,
    UART_MSR = 6,
    UART_SCR = 7,
};

/* Register bits used by the model and its tests. */
#define UART_IER_ERBFI 0x01 /* received data available */
#define UART_IER_ETBEI 0x02 /* transmitter holding register empty */
#define UART_IER_ELSI 0x04  /* receiver line status */
#define UART_IER_EDSSI 0x08 /* modem status */

#define UART_IIR_NO_INT 0x01
#define UART_IIR_ID_MASK 0x0E
#define UART_IIR_MSI 0x00
#define UART_IIR_THRI 0x02
#define UART_IIR_RDI 0x04
#define UART_IIR_RLSI 0x06
#define UART_IIR_CTI 0x0C
#define UART_IIR_FIFO_ON 0xC0

#define UART_FCR_ENABLE 0x01
#define UART_FCR_CLEAR_RX 0x02
#define UART_FCR_CLEAR_TX 0x04
#define UART_FCR_TRIGGER_MASK 0xC0

#define UART_LCR_DLAB 0x80

#define UART_MCR_DTR 0x01
#define UART_MCR_RTS 0x02
#define UART_MCR_OUT1 0x04
#define UART_MCR_OUT2 0x08
#define UART_MCR_LOOP 0x10

#define UART_LSR_DR 0x01
#define UART_LSR_OE 0x02
#define UART_LSR_PE 0x04
#define UART_LSR_FE 0x08
#define UART_LSR_BI 0x10
#define UART_LSR_THRE 0x20
#define UART_LSR_TEMT 0x40

#define UART_MSR_DCTS 0x01
#define UART_MSR_DDSR 0x02
#define UART_MSR_TERI 0x04
#define UART_MSR_DDCD 0x08
#define UART_MSR_CTS 0x10
#define UART_MSR_DSR 0x20
#define UART_MSR_RI 0x40
#define UART_MSR_DCD 0x80

struct uart16550_ops {
    /* One byte sent by the guest (not called in loopback mode). */
    void (*transmit)(void *opaque, uint8_t byte);
    /* New level of the interrupt line; called only on changes. */
    void (*set_irq)(void *opaque, bool level);
};

/* The state is public so it can be embedded (and, later, snapshotted);
 * only this module's functions touch the fields. */
struct uart16550 {
    struct uart16550_ops ops;
    void *opaque;

    uint8_t rx[UART16550_FIFO_SIZE]; /* ring buffer */
    unsigned rx_head;                /* index of the oldest byte */
    unsigned rx_count;
    uint8_t rbr_last;                /* what RBR reads when empty */

    uint8_t ier;
    uint8_t fcr;         /* last value written, bits 0, 3, 6-7 kept */
    uint8_t lcr;
    uint8_t mcr;
    uint8_t lsr_errors;  /* sticky OE/PE/FE/BI, cleared by reading LSR */
    uint8_t msr;         /* status in bits 4-7, deltas in bits 0-3 */
    uint8_t scr;
    uint8_t dll, dlm;
    bool thri_pending;   /* THR-empty interrupt armed */
    bool irq_level;      /* last level reported through set_irq */
    bool lsr_read;       /* the guest has read LSR: it may be polling */
};

/* Power-on state; the interrupt line starts (and is assumed) low. ops may
 * have NULL members, which are then not called. */
void uart16550_init(struct uart16550 *uart, const struct uart16550_ops *ops, void *opaque);

/* Register access, offset 0..7 from the base port; matches bus_access_fn. */
void uart16550_io(void *opaque, uint64_t offset, uint8_t *data, unsigned size, bool is_write);

/* Host input into the receiver: returns how many bytes of bytes[0..len)
 * were taken (0 in loopback mode or when the receiver is full). */
size_t uart16550_receive(struct uart16550 *uart, const uint8_t *bytes, size_t len);

/* True when uart16550_receive() would take at least one byte. */
bool uart16550_can_receive(const struct uart16550 *uart);

/* True once a driver has opened the port for interrupt-driven input: the
 * receive interrupt enabled, OUT2 (the PC's IRQ gate) set, no loopback and
 * the FIFOs on. Linux's 8250 driver probes the port (receive interrupt on
 * for a moment, OUT2 clear or in loopback), then while opening it empties
 * and disables the FIFOs, enables the receive interrupt, and only then
 * turns the FIFOs back on, which empties the receiver once more: a byte
 * that arrives before that last step is lost, on hardware as here. */
bool uart16550_driver_listening(const struct uart16550 *uart);

/* True once a guest looks for input at all: it has turned the FIFOs on,
 * enabled the receive interrupt or read the line status. Input that
 * arrives earlier would be lost to the FIFO reset of its initialisation. */
bool uart16550_guest_ready(const struct uart16550 *uart);

/* Current level of the interrupt line. */
bool uart16550_irq_level(const struct uart16550 *uart);

/* Divisor latch value (DLM:DLL); baud = 115200 / divisor. */
uint16_t uart16550_divisor(const struct uart16550 *uart);

#endif
