/*
 * The VGA text screen as a picture and as text: 80x25 cells taken from the
 * 32 KiB text buffer the way the CRT controller's registers place them,
 * drawn with the build's 8x16 console font (vga_font.h) in the attribute
 * colours, or written out as characters (code page 437 as UTF-8, or ASCII
 * stand-ins) for logs and terminals.
 *
 * Choices (the README says them too):
 * - the start address and every cell address wrap at the end of the 32 KiB
 *   buffer (a start address near its end shows its beginning after it);
 * - with blink enabled (the BIOS default) attribute bit 7 blinks, and the
 *   picture shows the "on" phase: the character drawn, the background from
 *   bits 4-6 only. With blink off it selects the bright backgrounds 8-15;
 * - the cursor is drawn in the cell's foreground colour over its lines
 *   (cursor start to end register), never blinking;
 * - cells are 9 pixels wide in mode 3 (720x400), the ninth column blank,
 *   or repeating the eighth for the line-drawing characters 0xC0-0xDF;
 *   8 pixels (640x400) when the sequencer selects 8-dot clocks.
 *
 * Pure functions over host buffers: nothing here reads guest memory, so
 * the fuzzer can drive them with any buffer and registers.
 */
#ifndef WISP_DEV_VGA_RENDER_H
#define WISP_DEV_VGA_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vga.h"
#include "vga_font.h"

struct vga_text_frame {
    uint16_t cells[VGA_TEXT_ROWS][VGA_TEXT_COLS]; /* character | attribute << 8 */
    int cursor_row, cursor_col;                   /* -1: no cursor on the screen */
    struct vga_display display;
};

/* Takes the visible cells from vram (VGA_TEXT_SIZE bytes, the buffer at
 * 0xB8000): row r, column c is cell (start + r * row_stride + c) mod 16384.
 * The cursor is the first visible cell at the cursor location, if it is on. */
void vga_text_capture(struct vga_text_frame *f, const uint8_t *vram, const struct vga_display *d);

#define VGA_RENDER_HEIGHT (VGA_TEXT_ROWS * VGA_FONT_HEIGHT) /* 400 */
#define VGA_RENDER_MAX_WIDTH (VGA_TEXT_COLS * 9)            /* 720 */

/* 720 (9-dot cells) or 640. */
uint32_t vga_render_width(const struct vga_text_frame *f);

/* Draws the frame into out (BGRA8, vga_render_width x VGA_RENDER_HEIGHT,
 * rows `stride` bytes apart). False when the build has no font. */
bool vga_render_pixels(const struct vga_text_frame *f, uint8_t *out, uint32_t stride);

/* One row as text, trailing blanks dropped, NUL-terminated; returns the
 * length. utf8: CP437's own characters, else ASCII stand-ins. Never a
 * control character. */
#define VGA_TEXT_LINE_MAX (VGA_TEXT_COLS * 3 + 1)
size_t vga_text_line(const struct vga_text_frame *f, unsigned row, bool utf8, char *out);

/* One row for a colour terminal: the characters as vga_text_line, with
 * SGR colour sequences made from the attributes (16 colours; bright
 * backgrounds when blink is off) and the cursor cell in reverse video,
 * ending in a reset. The escape sequences are wisp's own; no guest byte
 * reaches the terminal unmapped. NUL-terminated; returns the length. */
#define VGA_ANSI_LINE_MAX 2048
size_t vga_text_ansi_line(const struct vga_text_frame *f, unsigned row, bool utf8, char *out);

/* True when the cell shows no character (0x00, space, 0xFF). */
static inline bool vga_cell_is_blank(uint16_t cell)
{
    uint8_t ch = (uint8_t)cell;
    return ch == 0x00 || ch == 0x20 || ch == 0xFF;
}

#endif
