#include "reset_port.h"

#include <string.h>

#define CF9_STORED (RESET_CF9_SYS_RST | RESET_CF9_FULL_RST)
#define I8042_INPUT_PORT_VALUE 0xA0 /* keyboard not inhibited, no jumper */

static void request_reset(struct reset_port *rp)
{
    if (rp->ops.reset)
        rp->ops.reset(rp->opaque);
}

void reset_port_init(struct reset_port *rp, const struct reset_port_ops *ops, void *opaque)
{
    memset(rp, 0, sizeof *rp);
    if (ops)
        rp->ops = *ops;
    rp->opaque = opaque;
    rp->ram[0] = I8042_CTR_DEFAULT;
    rp->output_port = I8042_OUTPUT_RESET | I8042_OUTPUT_A20;
}

/* A one-byte register at offset 0: bytes beyond it read 0xFF and ignore
 * writes. Returns whether byte 0 is part of the access. */
static bool first_byte(uint64_t offset, uint8_t *data, unsigned size, bool is_write)
{
    if (!is_write)
        for (unsigned i = 0; i < size; i++)
            data[i] = 0xFF;
    return offset == 0 && size > 0;
}

void reset_port_cf9_io(void *opaque, uint64_t offset, uint8_t *data, unsigned size, bool is_write)
{
    struct reset_port *rp = opaque;
    if (!first_byte(offset, data, size, is_write))
        return;
    if (!is_write) {
        data[0] = rp->cf9;
        return;
    }
    rp->cf9 = data[0] & CF9_STORED;
    if (data[0] & RESET_CF9_RST_CPU)
        request_reset(rp);
}

/* ---- 8042 ---- */

/* The interrupt lines follow the output buffer and the CTR's enables. */
static void update_irqs(struct reset_port *rp)
{
    bool kbd = rp->out_full && !rp->out_aux && (rp->ram[0] & I8042_CTR_KBDINT);
    bool aux = rp->out_full && rp->out_aux && (rp->ram[0] & I8042_CTR_AUXINT);
    if (kbd != rp->kbd_irq) {
        rp->kbd_irq = kbd;
        if (rp->ops.set_irq)
            rp->ops.set_irq(rp->opaque, I8042_KBD_IRQ, kbd);
    }
    if (aux != rp->aux_irq) {
        rp->aux_irq = aux;
        if (rp->ops.set_irq)
            rp->ops.set_irq(rp->opaque, I8042_AUX_IRQ, aux);
    }
}

static void output(struct reset_port *rp, uint8_t byte, bool aux)
{
    rp->out = byte;
    rp->out_full = true;
    rp->out_aux = aux;
    rp->out_timeout = false;
    update_irqs(rp);
}

/* A byte for a keyboard or mouse that is not there. */
static void no_device(struct reset_port *rp, bool aux)
{
    output(rp, I8042_NO_DEVICE, aux);
    rp->out_timeout = true;
}

static void write_output_port(struct reset_port *rp, uint8_t value)
{
    /* The reset line is active low; it stays high afterwards, as a reset
     * machine starts with it high. */
    rp->output_port = value | I8042_OUTPUT_RESET;
    if (!(value & I8042_OUTPUT_RESET))
        request_reset(rp);
}

static void command(struct reset_port *rp, uint8_t cmd)
{
    rp->pending = 0;
    if (cmd >= 0x20 && cmd <= 0x3F) {
        output(rp, rp->ram[cmd - 0x20], false);
        return;
    }
    if ((cmd >= 0x60 && cmd <= 0x7F) || cmd == I8042_CMD_WRITE_OUTPUT ||
        cmd == I8042_CMD_KBD_LOOP || cmd == I8042_CMD_AUX_LOOP || cmd == I8042_CMD_AUX_SEND) {
        rp->pending = cmd; /* the data byte follows on port 0x60 */
        return;
    }
    if (cmd >= 0xF0) {
        /* Pulse the output-port lines whose bit is clear; line 0 is reset. */
        if (!(cmd & I8042_OUTPUT_RESET))
            request_reset(rp);
        return;
    }
    switch (cmd) {
    case I8042_CMD_AUX_DISABLE:
        rp->ram[0] |= I8042_CTR_AUXDIS;
        break;
    case I8042_CMD_AUX_ENABLE:
        rp->ram[0] &= (uint8_t)~I8042_CTR_AUXDIS;
        break;
    case I8042_CMD_AUX_TEST:
    case I8042_CMD_KBD_TEST:
        output(rp, 0x00, false);
        break;
    case I8042_CMD_SELF_TEST:
        output(rp, I8042_SELF_TEST_OK, false);
        break;
    case I8042_CMD_KBD_DISABLE:
        rp->ram[0] |= I8042_CTR_KBDDIS;
        break;
    case I8042_CMD_KBD_ENABLE:
        rp->ram[0] &= (uint8_t)~I8042_CTR_KBDDIS;
        break;
    case I8042_CMD_READ_INPUT:
        output(rp, I8042_INPUT_PORT_VALUE, false);
        break;
    case I8042_CMD_READ_OUTPUT:
        output(rp, rp->output_port, false);
        break;
    case I8042_CMD_A20_OFF:
        rp->output_port &= (uint8_t)~I8042_OUTPUT_A20;
        break;
    case I8042_CMD_A20_ON:
        rp->output_port |= I8042_OUTPUT_A20;
        break;
    default:
        break; /* accepted, nothing to do */
    }
}

static void data_write(struct reset_port *rp, uint8_t value)
{
    uint8_t cmd = rp->pending;
    rp->pending = 0;
    if (cmd >= 0x60 && cmd <= 0x7F) {
        rp->ram[cmd - 0x60] = value;
        update_irqs(rp); /* the CTR's interrupt enables */
    } else if (cmd == I8042_CMD_WRITE_OUTPUT) {
        write_output_port(rp, value);
    } else if (cmd == I8042_CMD_KBD_LOOP) {
        output(rp, value, false);
    } else if (cmd == I8042_CMD_AUX_LOOP) {
        output(rp, value, true);
    } else {
        no_device(rp, cmd == I8042_CMD_AUX_SEND); /* no command: for the keyboard */
    }
}

static uint8_t status(const struct reset_port *rp)
{
    uint8_t s = I8042_STR_KEYLOCK;
    if (rp->out_full)
        s |= I8042_STR_OBF | (rp->out_aux ? I8042_STR_AUXDATA : 0);
    if (rp->ram[0] & I8042_CTR_SYS)
        s |= I8042_STR_SYS;
    if (rp->last_was_command)
        s |= I8042_STR_CMD;
    if (rp->out_full && rp->out_timeout)
        s |= I8042_STR_TIMEOUT;
    return s;
}

void reset_port_i8042_data_io(void *opaque, uint64_t offset, uint8_t *data, unsigned size,
                              bool is_write)
{
    struct reset_port *rp = opaque;
    if (!first_byte(offset, data, size, is_write))
        return;
    if (is_write) {
        rp->last_was_command = false;
        data_write(rp, data[0]);
    } else {
        data[0] = rp->out; /* stale byte when empty, as hardware */
        rp->out_full = false;
        rp->out_aux = false;
        rp->out_timeout = false;
        update_irqs(rp);
    }
}

void reset_port_i8042_command_io(void *opaque, uint64_t offset, uint8_t *data, unsigned size,
                                 bool is_write)
{
    struct reset_port *rp = opaque;
    if (!first_byte(offset, data, size, is_write))
        return;
    if (is_write) {
        rp->last_was_command = true;
        command(rp, data[0]);
    } else {
        data[0] = status(rp);
    }
}
