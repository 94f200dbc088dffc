#include "uart16550.h"

#include <string.h>

#define MSR_STATUS_MASK 0xF0
#define MSR_DELTA_MASK 0x0F
#define LSR_ERROR_MASK (UART_LSR_OE | UART_LSR_PE | UART_LSR_FE | UART_LSR_BI)

static bool fifo_enabled(const struct uart16550 *u)
{
    return u->fcr & UART_FCR_ENABLE;
}

static unsigned rx_capacity(const struct uart16550 *u)
{
    return fifo_enabled(u) ? UART16550_FIFO_SIZE : 1;
}

static unsigned rx_trigger_level(const struct uart16550 *u)
{
    static const unsigned levels[4] = { 1, 4, 8, 14 };
    return levels[(u->fcr & UART_FCR_TRIGGER_MASK) >> 6];
}

static bool loopback(const struct uart16550 *u)
{
    return u->mcr & UART_MCR_LOOP;
}

/* The modem input pins as the MSR's upper nibble sees them. */
static uint8_t modem_inputs(const struct uart16550 *u)
{
    if (!loopback(u))
        return UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DCD;
    uint8_t in = 0;
    if (u->mcr & UART_MCR_RTS)
        in |= UART_MSR_CTS;
    if (u->mcr & UART_MCR_DTR)
        in |= UART_MSR_DSR;
    if (u->mcr & UART_MCR_OUT1)
        in |= UART_MSR_RI;
    if (u->mcr & UART_MCR_OUT2)
        in |= UART_MSR_DCD;
    return in;
}

/* Latch new modem inputs into MSR, accumulating the delta bits. */
static void update_msr(struct uart16550 *u)
{
    uint8_t old = u->msr & MSR_STATUS_MASK;
    uint8_t now = modem_inputs(u);
    uint8_t changed = old ^ now;
    uint8_t delta = u->msr & MSR_DELTA_MASK;
    if (changed & UART_MSR_CTS)
        delta |= UART_MSR_DCTS;
    if (changed & UART_MSR_DSR)
        delta |= UART_MSR_DDSR;
    if (changed & UART_MSR_DCD)
        delta |= UART_MSR_DDCD;
    if ((old & UART_MSR_RI) && !(now & UART_MSR_RI))
        delta |= UART_MSR_TERI; /* trailing edge only */
    u->msr = (uint8_t)(now | delta);
}

/* Interrupt identification by priority; UART_IIR_NO_INT when none. */
static uint8_t pending_source(const struct uart16550 *u)
{
    if ((u->ier & UART_IER_ELSI) && (u->lsr_errors & LSR_ERROR_MASK))
        return UART_IIR_RLSI;
    if ((u->ier & UART_IER_ERBFI) && u->rx_count > 0) {
        if (fifo_enabled(u) && u->rx_count < rx_trigger_level(u))
            return UART_IIR_CTI; /* stands in for the 4-character timeout */
        return UART_IIR_RDI;
    }
    if ((u->ier & UART_IER_ETBEI) && u->thri_pending)
        return UART_IIR_THRI;
    if ((u->ier & UART_IER_EDSSI) && (u->msr & MSR_DELTA_MASK))
        return UART_IIR_MSI;
    return UART_IIR_NO_INT;
}

static void update_irq(struct uart16550 *u)
{
    bool level = pending_source(u) != UART_IIR_NO_INT && (u->mcr & UART_MCR_OUT2) &&
                 !loopback(u);
    if (level == u->irq_level)
        return;
    u->irq_level = level;
    if (u->ops.set_irq)
        u->ops.set_irq(u->opaque, level);
}

static void rx_clear(struct uart16550 *u)
{
    u->rx_head = 0;
    u->rx_count = 0;
}

/* Returns false (and leaves the FIFO as it is) when there is no room. */
static bool rx_push(struct uart16550 *u, uint8_t byte)
{
    if (u->rx_count >= rx_capacity(u))
        return false;
    u->rx[(u->rx_head + u->rx_count) % UART16550_FIFO_SIZE] = byte;
    u->rx_count++;
    return true;
}

static uint8_t rx_pop(struct uart16550 *u)
{
    if (u->rx_count == 0)
        return u->rbr_last;
    u->rbr_last = u->rx[u->rx_head];
    u->rx_head = (u->rx_head + 1) % UART16550_FIFO_SIZE;
    u->rx_count--;
    return u->rbr_last;
}

static void write_thr(struct uart16550 *u, uint8_t byte)
{
    u->thri_pending = false;
    if (loopback(u)) {
        /* The shift register overwrites nothing in the FIFO: the new
         * character is lost and the overrun is flagged. */
        if (!rx_push(u, byte))
            u->lsr_errors |= UART_LSR_OE;
    } else if (u->ops.transmit) {
        u->ops.transmit(u->opaque, byte);
    }
    /* Sent at once: the holding register is empty again. */
    u->thri_pending = true;
}

static void write_ier(struct uart16550 *u, uint8_t value)
{
    uint8_t old = u->ier;
    u->ier = value & 0x0F; /* bits 4-7 read as zero on a 16550A */
    /* Enabling ETBEI with THR empty raises THRE at once (Linux checks this
     * when it probes for UART_BUG_THRE). */
    if ((u->ier & UART_IER_ETBEI) && !(old & UART_IER_ETBEI))
        u->thri_pending = true;
}

static void write_fcr(struct uart16550 *u, uint8_t value)
{
    bool was_on = fifo_enabled(u);
    bool now_on = value & UART_FCR_ENABLE;
    /* Changing FCR.0 empties both FIFOs; the other bits only count while
     * FIFOs are enabled. */
    if (was_on != now_on || (value & UART_FCR_CLEAR_RX))
        rx_clear(u);
    if (was_on != now_on || (value & UART_FCR_CLEAR_TX))
        u->thri_pending = true; /* the transmit FIFO is (still) empty */
    u->fcr = now_on ? (uint8_t)(value & (UART_FCR_ENABLE | 0x08 | UART_FCR_TRIGGER_MASK)) : 0;
}

static void write_mcr(struct uart16550 *u, uint8_t value)
{
    u->mcr = value & 0x1F; /* bits 5-7 read as zero on a 16550A */
    update_msr(u);
}

static uint8_t read_iir(struct uart16550 *u)
{
    uint8_t source = pending_source(u);
    /* Reading IIR acknowledges a THRE interrupt it reports. */
    if (source == UART_IIR_THRI)
        u->thri_pending = false;
    return (uint8_t)(source | (fifo_enabled(u) ? UART_IIR_FIFO_ON : 0));
}

static uint8_t read_lsr(struct uart16550 *u)
{
    uint8_t lsr = UART_LSR_THRE | UART_LSR_TEMT | u->lsr_errors;
    if (u->rx_count > 0)
        lsr |= UART_LSR_DR;
    u->lsr_errors = 0;
    return lsr;
}

static uint8_t read_msr(struct uart16550 *u)
{
    uint8_t msr = u->msr;
    u->msr &= MSR_STATUS_MASK;
    return msr;
}

static uint8_t read_reg(struct uart16550 *u, unsigned offset)
{
    bool dlab = u->lcr & UART_LCR_DLAB;
    switch (offset) {
    case UART_RBR:
        return dlab ? u->dll : rx_pop(u);
    case UART_IER:
        return dlab ? u->dlm : u->ier;
    case UART_IIR:
        return read_iir(u);
    case UART_LCR:
        return u->lcr;
    case UART_MCR:
        return u->mcr;
    case UART_LSR:
        u->lsr_read = true;
        return read_lsr(u);
    case UART_MSR:
        return read_msr(u);
    case UART_SCR:
        return u->scr;
    default:
        return 0xFF;
    }
}

static void write_reg(struct uart16550 *u, unsigned offset, uint8_t value)
{
    bool dlab = u->lcr & UART_LCR_DLAB;
    switch (offset) {
    case UART_THR:
        if (dlab)
            u->dll = value;
        else
            write_thr(u, value);
        break;
    case UART_IER:
        if (dlab)
            u->dlm = value;
        else
            write_ier(u, value);
        break;
    case UART_FCR:
        write_fcr(u, value);
        break;
    case UART_LCR:
        u->lcr = value;
        break;
    case UART_MCR:
        write_mcr(u, value);
        break;
    case UART_LSR:
    case UART_MSR:
        break; /* factory-test writes: ignored */
    case UART_SCR:
        u->scr = value;
        break;
    default:
        break;
    }
}

void uart16550_init(struct uart16550 *uart, const struct uart16550_ops *ops, void *opaque)
{
    memset(uart, 0, sizeof *uart);
    if (ops)
        uart->ops = *ops;
    uart->opaque = opaque;
    uart->dll = 12; /* 9600 baud until the guest programs it */
    uart->msr = modem_inputs(uart);
}

void uart16550_io(void *opaque, uint64_t offset, uint8_t *data, unsigned size, bool is_write)
{
    struct uart16550 *u = opaque;
    for (unsigned i = 0; i < size; i++) {
        uint64_t at = offset + i;
        if (at < offset || at >= UART16550_NR_PORTS) {
            if (!is_write)
                data[i] = 0xFF;
            continue;
        }
        if (is_write)
            write_reg(u, (unsigned)at, data[i]);
        else
            data[i] = read_reg(u, (unsigned)at);
    }
    update_irq(u);
}

size_t uart16550_receive(struct uart16550 *uart, const uint8_t *bytes, size_t len)
{
    if (loopback(uart))
        return 0;
    size_t taken = 0;
    while (taken < len && rx_push(uart, bytes[taken]))
        taken++;
    if (taken > 0)
        update_irq(uart);
    return taken;
}

bool uart16550_can_receive(const struct uart16550 *uart)
{
    return !loopback(uart) && uart->rx_count < rx_capacity(uart);
}

bool uart16550_driver_listening(const struct uart16550 *uart)
{
    return (uart->ier & UART_IER_ERBFI) && (uart->mcr & UART_MCR_OUT2) && !loopback(uart) &&
           fifo_enabled(uart);
}

bool uart16550_guest_ready(const struct uart16550 *uart)
{
    return fifo_enabled(uart) || (uart->ier & UART_IER_ERBFI) || uart->lsr_read;
}

bool uart16550_irq_level(const struct uart16550 *uart)
{
    return uart->irq_level;
}

uint16_t uart16550_divisor(const struct uart16550 *uart)
{
    return (uint16_t)(uart->dlm << 8 | uart->dll);
}
