/*
 * A bare-bones VGA text terminal, as the OSDev "Bare Bones" tutorial has a
 * first kernel write one: 80x25 cells of character + attribute at
 * 0xB8000, scrolling by copying rows up, and the hardware cursor moved
 * through the CRT controller (index 0x3D4, data 0x3D5). Header-only and
 * freestanding, for the 32-bit Multiboot test kernel (vga_text.c) and the
 * 64-bit native one (tests/guests/vga_text.c).
 */
#ifndef VGA_TERM_H
#define VGA_TERM_H

#include <stddef.h>
#include <stdint.h>

#define VT_COLS 80
#define VT_ROWS 25
#define VT_BUFFER ((volatile uint16_t *)(uintptr_t)0xB8000)
#define VT_CRTC_INDEX 0x3D4
#define VT_CRTC_DATA 0x3D5
#define VT_INPUT_STATUS 0x3DA

/* The 16 colours of an attribute's foreground (bits 0-3) and background
 * (bits 4-6, bit 7 blinks). */
enum vt_color {
    VT_BLACK, VT_BLUE, VT_GREEN, VT_CYAN, VT_RED, VT_MAGENTA, VT_BROWN, VT_LIGHT_GREY,
    VT_DARK_GREY, VT_LIGHT_BLUE, VT_LIGHT_GREEN, VT_LIGHT_CYAN, VT_LIGHT_RED,
    VT_LIGHT_MAGENTA, VT_YELLOW, VT_WHITE,
};

static inline uint8_t vt_attr(enum vt_color fg, enum vt_color bg)
{
    return (uint8_t)(fg | bg << 4);
}

static inline void vt_outb(uint16_t port, uint8_t v)
{
    __asm__ __volatile__("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void vt_outw(uint16_t port, uint16_t v)
{
    __asm__ __volatile__("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t vt_inb(uint16_t port)
{
    uint8_t v;
    __asm__ __volatile__("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

struct vt {
    unsigned row, col;
    uint8_t attr;
};

static inline void vt_put_at(unsigned row, unsigned col, char c, uint8_t attr)
{
    VT_BUFFER[row * VT_COLS + col] = (uint16_t)((uint8_t)c | attr << 8);
}

static inline void vt_move_cursor(unsigned row, unsigned col)
{
    unsigned pos = row * VT_COLS + col;
    vt_outb(VT_CRTC_INDEX, 0x0F);
    vt_outb(VT_CRTC_DATA, (uint8_t)pos);
    vt_outb(VT_CRTC_INDEX, 0x0E);
    vt_outb(VT_CRTC_DATA, (uint8_t)(pos >> 8));
}

/* The cursor covers lines first..last of the cell (0-15). */
static inline void vt_cursor_shape(uint8_t first, uint8_t last)
{
    vt_outb(VT_CRTC_INDEX, 0x0A);
    vt_outb(VT_CRTC_DATA, (uint8_t)((vt_inb(VT_CRTC_DATA) & 0xC0) | first));
    vt_outb(VT_CRTC_INDEX, 0x0B);
    vt_outb(VT_CRTC_DATA, (uint8_t)((vt_inb(VT_CRTC_DATA) & 0xE0) | last));
}

/* Waits for the start of a vertical retrace, as kernels do before they
 * touch the screen (a VMM must let both loops end). */
static inline void vt_wait_retrace(void)
{
    while (vt_inb(VT_INPUT_STATUS) & 8)
        ;
    while (!(vt_inb(VT_INPUT_STATUS) & 8))
        ;
}

static inline void vt_clear(struct vt *t, uint8_t attr)
{
    for (unsigned i = 0; i < VT_ROWS * VT_COLS; i++)
        VT_BUFFER[i] = (uint16_t)(' ' | attr << 8);
    t->row = t->col = 0;
    t->attr = attr;
    vt_move_cursor(0, 0);
}

static inline void vt_scroll(struct vt *t)
{
    for (unsigned i = 0; i < (VT_ROWS - 1) * VT_COLS; i++)
        VT_BUFFER[i] = VT_BUFFER[i + VT_COLS];
    for (unsigned c = 0; c < VT_COLS; c++)
        vt_put_at(VT_ROWS - 1, c, ' ', t->attr);
    t->row = VT_ROWS - 1;
}

static inline void vt_putchar(struct vt *t, char c)
{
    if (c == '\n') {
        t->col = 0;
        if (++t->row == VT_ROWS)
            vt_scroll(t);
    } else {
        vt_put_at(t->row, t->col, c, t->attr);
        if (++t->col == VT_COLS) {
            t->col = 0;
            if (++t->row == VT_ROWS)
                vt_scroll(t);
        }
    }
    vt_move_cursor(t->row, t->col);
}

static inline void vt_write(struct vt *t, const char *s, uint8_t attr)
{
    t->attr = attr;
    while (*s)
        vt_putchar(t, *s++);
}

#endif
