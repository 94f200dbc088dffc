#include "vga_render.h"

#include <stdio.h>
#include <string.h>

#include "cp437.h"

void vga_text_capture(struct vga_text_frame *f, const uint8_t *vram, const struct vga_display *d)
{
    f->display = *d;
    f->cursor_row = f->cursor_col = -1;
    for (unsigned r = 0; r < VGA_TEXT_ROWS; r++) {
        for (unsigned c = 0; c < VGA_TEXT_COLS; c++) {
            uint32_t at = ((uint32_t)d->start + r * (uint32_t)d->row_stride + c) % VGA_TEXT_CELLS;
            f->cells[r][c] = (uint16_t)(vram[2 * at] | vram[2 * at + 1] << 8);
            if (d->cursor_on && at == d->cursor % VGA_TEXT_CELLS && f->cursor_row < 0) {
                f->cursor_row = (int)r;
                f->cursor_col = (int)c;
            }
        }
    }
}

uint32_t vga_render_width(const struct vga_text_frame *f)
{
    return VGA_TEXT_COLS * (f->display.nine_dot ? 9u : 8u);
}

/* The background's colour index: bits 4-6, and bit 7 too unless it blinks. */
static unsigned background(const struct vga_text_frame *f, uint8_t attr)
{
    return f->display.blink ? (attr >> 4) & 7u : attr >> 4;
}

static void put_pixel(uint8_t *p, uint32_t rgb)
{
    p[0] = (uint8_t)rgb;         /* blue */
    p[1] = (uint8_t)(rgb >> 8);  /* green */
    p[2] = (uint8_t)(rgb >> 16); /* red */
    p[3] = 0;
}

bool vga_render_pixels(const struct vga_text_frame *f, uint8_t *out, uint32_t stride)
{
    if (!vga_font_present)
        return false;
    const struct vga_display *d = &f->display;
    unsigned cell_w = d->nine_dot ? 9 : 8;
    for (unsigned r = 0; r < VGA_TEXT_ROWS; r++) {
        for (unsigned c = 0; c < VGA_TEXT_COLS; c++) {
            uint8_t ch = (uint8_t)f->cells[r][c], attr = (uint8_t)(f->cells[r][c] >> 8);
            uint32_t fg = d->palette[attr & 0x0F], bg = d->palette[background(f, attr)];
            bool is_cursor = (int)r == f->cursor_row && (int)c == f->cursor_col;
            bool wide_graphics = d->line_graphics && ch >= 0xC0 && ch <= 0xDF;
            for (unsigned y = 0; y < VGA_FONT_HEIGHT; y++) {
                uint8_t bits = vga_font_glyphs[ch][y];
                bool cursor_line = is_cursor && y >= d->cursor_first && y <= d->cursor_last;
                uint8_t *row = out + (size_t)(r * VGA_FONT_HEIGHT + y) * stride +
                               (size_t)c * cell_w * 4;
                for (unsigned x = 0; x < cell_w; x++) {
                    bool on = x < 8 ? (bits >> (7 - x)) & 1 : wide_graphics && (bits & 1);
                    put_pixel(row + 4 * x, on || cursor_line ? fg : bg);
                }
            }
        }
    }
    return true;
}

static size_t put_utf8(char *out, uint16_t u)
{
    if (u < 0x80) {
        out[0] = (char)u;
        return 1;
    }
    if (u < 0x800) {
        out[0] = (char)(0xC0 | u >> 6);
        out[1] = (char)(0x80 | (u & 0x3F));
        return 2;
    }
    out[0] = (char)(0xE0 | u >> 12);
    out[1] = (char)(0x80 | ((u >> 6) & 0x3F));
    out[2] = (char)(0x80 | (u & 0x3F));
    return 3;
}

static size_t put_char(char *out, uint8_t ch, bool utf8)
{
    if (utf8)
        return put_utf8(out, cp437_unicode[ch]);
    out[0] = cp437_ascii[ch];
    return 1;
}

/* Columns up to the last one showing a character. */
static unsigned used_columns(const struct vga_text_frame *f, unsigned row)
{
    unsigned n = VGA_TEXT_COLS;
    while (n > 0 && vga_cell_is_blank(f->cells[row][n - 1]))
        n--;
    return n;
}

size_t vga_text_line(const struct vga_text_frame *f, unsigned row, bool utf8, char *out)
{
    size_t len = 0;
    if (row < VGA_TEXT_ROWS) {
        unsigned n = used_columns(f, row);
        for (unsigned c = 0; c < n; c++)
            len += put_char(out + len, (uint8_t)f->cells[row][c], utf8);
    }
    out[len] = '\0';
    return len;
}

/* VGA colour order (blue, green, red bits) to the terminal's (red, green,
 * blue): SGR 30-37/40-47, and 90-97/100-107 for the bright half. */
static const uint8_t ansi_of_vga[8] = { 0, 4, 2, 6, 1, 5, 3, 7 };

static int sgr(char *out, unsigned fg, unsigned bg, bool reverse)
{
    unsigned f = (fg & 8 ? 90 : 30) + ansi_of_vga[fg & 7];
    unsigned b = (bg & 8 ? 100 : 40) + ansi_of_vga[bg & 7];
    return sprintf(out, "\033[0;%u;%u%sm", f, b, reverse ? ";7" : "");
}

size_t vga_text_ansi_line(const struct vga_text_frame *f, unsigned row, bool utf8, char *out)
{
    size_t len = 0;
    out[0] = '\0';
    if (row >= VGA_TEXT_ROWS)
        return 0;
    /* Drop the trailing cells a plain black background would show anyway. */
    unsigned n = VGA_TEXT_COLS;
    while (n > 0 && vga_cell_is_blank(f->cells[row][n - 1]) &&
           background(f, (uint8_t)(f->cells[row][n - 1] >> 8)) == 0 &&
           !((int)row == f->cursor_row && (int)n - 1 == f->cursor_col))
        n--;
    int last_fg = -1, last_bg = -1, last_rev = -1;
    for (unsigned c = 0; c < n; c++) {
        uint8_t ch = (uint8_t)f->cells[row][c], attr = (uint8_t)(f->cells[row][c] >> 8);
        int fg = attr & 0x0F, bg = (int)background(f, attr);
        int rev = (int)row == f->cursor_row && (int)c == f->cursor_col;
        if (fg != last_fg || bg != last_bg || rev != last_rev) {
            len += (size_t)sgr(out + len, (unsigned)fg, (unsigned)bg, rev);
            last_fg = fg;
            last_bg = bg;
            last_rev = rev;
        }
        len += put_char(out + len, ch, utf8);
    }
    memcpy(out + len, "\033[0m", 5);
    return len + 4;
}
