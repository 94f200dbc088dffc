/*
 * The ways a PC guest asks to be reset, short of a triple fault:
 *
 * - The reset control register at port 0xCF9 (the FADT's RESET_REG, reset
 *   value 0x06; Linux's reboot=a and reboot=p). Bits 1 (SYS_RST) and 3
 *   (FULL_RST) are kept and read back; writing a 1 to bit 2 (RST_CPU)
 *   requests the reset (Linux writes 0x02, then 0x06 or 0x0E), bit 2
 *   itself reads 0. The register is one byte: only the byte at 0xCF9 is
 *   decoded (a dword access at 0xCF8, PCI's CONFIG_ADDRESS, is not ours).
 *
 * - The 8042 keyboard controller at ports 0x60 (data) and 0x64 (status /
 *   command), Linux's reboot=k: command 0xFE pulses the CPU reset line.
 *   The controller answers the commands Linux's i8042 driver (and a BIOS)
 *   uses when it probes, by polling the status register:
 *     0x20-0x3F  read RAM byte (0x20: the configuration byte, "CTR")
 *     0x60-0x7F  write RAM byte (next byte on port 0x60)
 *     0xA7/0xA8  disable/enable the aux port (CTR bit 5)
 *     0xA9/0xAB  aux/keyboard interface test -> 0x00 (no fault)
 *     0xAA       controller self-test -> 0x55
 *     0xAD/0xAE  disable/enable the keyboard port (CTR bit 4)
 *     0xC0       read input port -> 0xA0 (keyboard not inhibited)
 *     0xD0/0xD1  read/write the output port (bit 0 low = reset: writing it
 *                resets the machine; bit 1 = A20, reported, not enforced)
 *     0xD2/0xD3  echo the next data byte as if from the keyboard / aux
 *                device (the aux loop-back test)
 *     0xD4       send the next data byte to the aux device
 *     0xDD/0xDF  A20 off/on (output port bit 1 only)
 *     0xF0-0xFF  pulse output lines for bits 0-3 clear: bit 0 is the reset
 *   Other commands are accepted and do nothing.
 *   No keyboard or mouse is attached: a byte sent to one (a data write with
 *   no command pending, or after 0xD4) is answered as a PS/2 controller
 *   answers for a device that never clocks: 0xFE with the time-out status
 *   bit, from that side. Linux's atkbd and psmouse then give up at once
 *   instead of waiting out their timeouts.
 *   Interrupts: IRQ 1 while a keyboard-side byte waits and the CTR's bit 0
 *   enables it, IRQ 12 for an aux-side byte and CTR bit 1 (the line follows
 *   the output buffer, as on a PC). Linux's check of the aux port sends a
 *   byte round the aux loop and waits 250 ms for IRQ 12: it comes at once.
 *   Reads of port 0x60 return the output buffer (the last byte again when
 *   it is empty).
 *   Status (port 0x64): OBF (bit 0) while a reply waits, with AUX_OBF
 *   (bit 5) when it is from the aux side; IBF (bit 1) always 0, since
 *   every byte is taken at once; SYS (bit 2) from CTR bit 2; A2/CMD (bit
 *   3) when the last write went to port 0x64; bit 4 (keyboard not
 *   inhibited) 1; time-out (bit 6) with a device's missing answer.
 *
 * Device only: the reset request goes through a callback, and the device
 * knows nothing about the bus or the accelerator. Not thread-safe:
 * serialize the three handlers with one lock. The callback runs inside
 * them.
 */
#ifndef WISP_DEV_RESET_PORT_H
#define WISP_DEV_RESET_PORT_H

#include <stdbool.h>
#include <stdint.h>

#define RESET_PORT_CF9 0xCF9
#define RESET_CF9_SYS_RST 0x02
#define RESET_CF9_RST_CPU 0x04
#define RESET_CF9_FULL_RST 0x08
/* What the FADT's RESET_VALUE writes. */
#define RESET_CF9_VALUE (RESET_CF9_SYS_RST | RESET_CF9_RST_CPU)

#define I8042_DATA_PORT 0x60
#define I8042_COMMAND_PORT 0x64 /* status on reads */

/* Status register */
#define I8042_STR_OBF 0x01
#define I8042_STR_IBF 0x02
#define I8042_STR_SYS 0x04
#define I8042_STR_CMD 0x08
#define I8042_STR_KEYLOCK 0x10 /* 1: keyboard not inhibited */
#define I8042_STR_AUXDATA 0x20
#define I8042_STR_TIMEOUT 0x40

/* Configuration byte ("command byte", CTR) */
#define I8042_CTR_KBDINT 0x01
#define I8042_CTR_AUXINT 0x02
#define I8042_CTR_SYS 0x04
#define I8042_CTR_KBDDIS 0x10
#define I8042_CTR_AUXDIS 0x20
#define I8042_CTR_XLATE 0x40

/* Commands */
#define I8042_CMD_READ_CTR 0x20
#define I8042_CMD_WRITE_CTR 0x60
#define I8042_CMD_AUX_DISABLE 0xA7
#define I8042_CMD_AUX_ENABLE 0xA8
#define I8042_CMD_AUX_TEST 0xA9
#define I8042_CMD_SELF_TEST 0xAA
#define I8042_CMD_KBD_TEST 0xAB
#define I8042_CMD_KBD_DISABLE 0xAD
#define I8042_CMD_KBD_ENABLE 0xAE
#define I8042_CMD_READ_INPUT 0xC0
#define I8042_CMD_READ_OUTPUT 0xD0
#define I8042_CMD_WRITE_OUTPUT 0xD1
#define I8042_CMD_KBD_LOOP 0xD2
#define I8042_CMD_AUX_LOOP 0xD3
#define I8042_CMD_AUX_SEND 0xD4
#define I8042_CMD_A20_OFF 0xDD
#define I8042_CMD_A20_ON 0xDF
#define I8042_CMD_PULSE_RESET 0xFE

#define I8042_SELF_TEST_OK 0x55
#define I8042_OUTPUT_RESET 0x01 /* output port bit 0: CPU reset line, active low */
#define I8042_OUTPUT_A20 0x02

/* Power-on configuration byte, as a BIOS leaves it: keyboard interrupt,
 * system flag, scan-code translation; aux port disabled. */
#define I8042_CTR_DEFAULT (I8042_CTR_KBDINT | I8042_CTR_SYS | I8042_CTR_AUXDIS | I8042_CTR_XLATE)

struct reset_port_ops {
    /* The guest asked for a machine reset (the VMM ends or restarts it). */
    void (*reset)(void *opaque);
    /* IRQ 1 (keyboard) or 12 (aux) changes level. */
    void (*set_irq)(void *opaque, unsigned irq, bool level);
};

#define I8042_KBD_IRQ 1
#define I8042_AUX_IRQ 12
#define I8042_NO_DEVICE 0xFE /* the answer for a device that is not there */

struct reset_port {
    struct reset_port_ops ops;
    void *opaque;
    uint8_t cf9;          /* SYS_RST and FULL_RST as written */
    uint8_t ram[32];      /* 8042 RAM; ram[0] is the configuration byte */
    uint8_t output_port;
    uint8_t out;          /* output buffer */
    bool out_full;
    bool out_aux;         /* the byte in out came from the aux side */
    bool out_timeout;     /* ... and is a missing device's time-out */
    bool kbd_irq, aux_irq; /* the levels last reported through set_irq */
    bool last_was_command;
    uint8_t pending;      /* command waiting for its data byte, or 0 */
};

/* Power-on state. ops may be NULL or have a NULL member. */
void reset_port_init(struct reset_port *rp, const struct reset_port_ops *ops, void *opaque);

/* Port 0xCF9 (offset 0); bus_access_fn, opaque = reset_port. */
void reset_port_cf9_io(void *opaque, uint64_t offset, uint8_t *data, unsigned size, bool is_write);

/* Port 0x60 (offset 0); bus_access_fn, opaque = reset_port. */
void reset_port_i8042_data_io(void *opaque, uint64_t offset, uint8_t *data, unsigned size,
                              bool is_write);

/* Port 0x64 (offset 0); bus_access_fn, opaque = reset_port. */
void reset_port_i8042_command_io(void *opaque, uint64_t offset, uint8_t *data, unsigned size,
                                 bool is_write);

#endif
