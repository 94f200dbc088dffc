/*
 * The VGA's registers, as far as a text-mode kernel touches them: the
 * I/O ports 0x3B0-0x3DF (CRT controller at 0x3D4/0x3D5, or 0x3B4/0x3B5 when
 * the miscellaneous output register selects monochrome addressing;
 * attribute controller 0x3C0/0x3C1; miscellaneous output 0x3C2/0x3CC;
 * sequencer 0x3C4/0x3C5; DAC 0x3C6-0x3C9; graphics controller 0x3CE/0x3CF;
 * input status 0x3C2 and 0x3DA/0x3BA). They start as a VGA BIOS leaves
 * them after setting mode 3 (80x25 colour text, 8x16 font, 9-dot cells,
 * blink on, the EGA palette in the DAC).
 *
 * The text itself is guest RAM at 0xB8000-0xBFFFF (32 KiB, 16384 cells of
 * character + attribute), not part of this device: wisp reads it to draw
 * the screen (vga_render.h). Only mode 3's geometry is shown: 80x25 cells
 * of 16 lines, whatever the timing registers say; what the registers do
 * change is the start address, the row offset, the cursor, the palette,
 * blink, and 8- or 9-dot cells.
 *
 * Every register is stored whatever the guest writes (out-of-range indices
 * are masked as the hardware decodes them, or ignored), so no value can
 * make the renderer misbehave. Input status 1 (0x3DA) alternates display
 * enable and vertical retrace from one read to the next, so the usual
 * "wait for retrace" loops end without a clock.
 */
#ifndef WISP_DEV_VGA_H
#define WISP_DEV_VGA_H

#include <stdbool.h>
#include <stdint.h>

#include "core/guest_memory.h"

#define VGA_PORT_BASE 0x3B0
#define VGA_NR_PORTS 0x30 /* 0x3B0-0x3DF */

#define VGA_TEXT_ADDR 0xB8000ull
#define VGA_TEXT_SIZE 0x8000u                 /* bytes: 32 KiB */
#define VGA_TEXT_CELLS (VGA_TEXT_SIZE / 2)    /* 16384 */
#define VGA_TEXT_COLS 80
#define VGA_TEXT_ROWS 25
#define VGA_BLANK_CELL 0x0720 /* a space, light grey on black: a cleared screen */

#define VGA_CRTC_REGS 0x19
#define VGA_SEQ_REGS 5
#define VGA_GC_REGS 9
#define VGA_AR_REGS 0x15

/* CRT controller register indices a text kernel uses. */
#define VGA_CRTC_MAX_SCAN_LINE 0x09
#define VGA_CRTC_CURSOR_START 0x0A /* bit 5: cursor off; bits 0-4: first line */
#define VGA_CRTC_CURSOR_END 0x0B   /* bits 0-4: last line */
#define VGA_CRTC_START_HI 0x0C
#define VGA_CRTC_START_LO 0x0D
#define VGA_CRTC_CURSOR_HI 0x0E
#define VGA_CRTC_CURSOR_LO 0x0F
#define VGA_CRTC_VRETRACE_END 0x11 /* bit 7: registers 0-7 write-protected */
#define VGA_CRTC_OFFSET 0x13       /* words per row / 2 */

/* Attribute controller registers. */
#define VGA_AR_MODE 0x10           /* bit 2: line graphics, bit 3: blink, bit 7: P54S */
#define VGA_AR_PLANE_ENABLE 0x12
#define VGA_AR_COLOR_SELECT 0x14

struct vga {
    uint8_t misc;                   /* miscellaneous output; bit 0: colour (0x3Dx) addressing */
    uint8_t seq_index, seq[VGA_SEQ_REGS];
    uint8_t crtc_index, crtc[VGA_CRTC_REGS];
    uint8_t gc_index, gc[VGA_GC_REGS];
    uint8_t ar_index;               /* with bit 5, palette address source */
    bool ar_flip_data;              /* the next 0x3C0 write is data, not an index */
    uint8_t ar[VGA_AR_REGS];
    uint8_t feature;
    uint8_t vga_enable;             /* 0x3C3 */
    uint8_t dac_mask;
    uint8_t dac_read_index, dac_write_index, dac_component;
    bool dac_reading;               /* last index write was 0x3C7 */
    uint8_t dac[256][3];            /* 6-bit red, green, blue */
    uint32_t status_reads;          /* input status 1 reads: retrace alternates */
    uint64_t writes;                /* register writes, so a change can be noticed */
};

/* Mode 3's registers (what a VGA BIOS leaves). */
void vga_init(struct vga *v);

/* bus_access_fn for VGA_PORT_BASE..+VGA_NR_PORTS. A 16-bit access is two
 * byte accesses to consecutive ports (out %ax to 0x3D4 writes index and
 * data at once), as the ISA bus splits it. */
void vga_io(void *opaque, uint64_t offset, uint8_t *data, unsigned size, bool is_write);

/* What the text screen shows besides the characters, from the registers. */
struct vga_display {
    uint16_t start;          /* first cell shown (CRTC start address), < VGA_TEXT_CELLS */
    uint16_t row_stride;     /* cells from one row's start to the next (CRTC offset * 2) */
    bool cursor_on;          /* enabled and first line <= last line */
    uint16_t cursor;         /* cell the cursor is at (CRTC cursor location), < VGA_TEXT_CELLS */
    uint8_t cursor_first, cursor_last; /* lines 0-15 of the cell */
    bool blink;              /* attribute bit 7 blinks (else: bright background) */
    bool nine_dot;           /* 9-pixel-wide cells (sequencer clocking mode bit 0 clear) */
    bool line_graphics;      /* 9th column of 0xC0-0xDF repeats the 8th */
    uint32_t palette[16];    /* 0xRRGGBB of each attribute colour (attribute palette, DAC) */
};

void vga_display_state(const struct vga *v, struct vga_display *out);

/* At boot: the BIOS data area's video words (mode 3, 80 columns, 25 rows,
 * the CRTC at 0x3D4, cursor shape, 16-line characters, the equipment
 * word's 80x25 colour bits) and a cleared text buffer, as a BIOS leaves
 * them. */
void vga_bios_setup(struct guest_memory *gm);

#endif
