/*
 * The VGA text screen: the registers behind the port bus (mode 3 defaults,
 * CRTC index/data including 16-bit writes, write protection, indices that
 * do not exist, the attribute flip-flop, the DAC, input status 1 letting
 * retrace loops end, monochrome addressing) and the renderer (cell
 * placement with the start address and row offset, wrapping at 32 KiB, the
 * cursor, colours with and without blink, the palette through the
 * attribute controller and the DAC, 8- and 9-dot cells, the glyphs, text
 * in UTF-8 and ASCII, the terminal line's escape sequences).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/bus.h"
#include "dev/cp437.h"
#include "dev/vga.h"
#include "dev/vga_render.h"

static struct vga v;
static struct bus ports;
static uint8_t vram[VGA_TEXT_SIZE];

static int setup(void **state)
{
    (void)state;
    struct wisp_error err = { 0 };
    vga_init(&v);
    memset(&ports, 0, sizeof ports);
    ports.name = "port";
    for (unsigned i = 0; i < VGA_TEXT_CELLS; i++) {
        vram[2 * i] = 0x20;
        vram[2 * i + 1] = 0x07;
    }
    return bus_register(&ports, VGA_PORT_BASE, VGA_NR_PORTS, "VGA", vga_io, &v, &err);
}

static void out8(uint16_t port, uint8_t value)
{
    assert_true(bus_dispatch(&ports, port, &value, 1, true));
}

static void out16(uint16_t port, uint16_t value)
{
    uint8_t b[2] = { (uint8_t)value, (uint8_t)(value >> 8) };
    assert_true(bus_dispatch(&ports, port, b, 2, true));
}

static uint8_t in8(uint16_t port)
{
    uint8_t value = 0;
    assert_true(bus_dispatch(&ports, port, &value, 1, false));
    return value;
}

static uint8_t crtc(uint8_t index)
{
    out8(0x3D4, index);
    return in8(0x3D5);
}

static void put(unsigned cell, const char *s, uint8_t attr)
{
    for (; *s; s++, cell++) {
        vram[2 * (cell % VGA_TEXT_CELLS)] = (uint8_t)*s;
        vram[2 * (cell % VGA_TEXT_CELLS) + 1] = attr;
    }
}

static void capture(struct vga_text_frame *f)
{
    struct vga_display d;
    vga_display_state(&v, &d);
    vga_text_capture(f, vram, &d);
}

static void test_mode3_defaults(void **state)
{
    (void)state;
    struct vga_display d;
    vga_display_state(&v, &d);
    assert_int_equal(d.start, 0);
    assert_int_equal(d.row_stride, 80);
    assert_true(d.cursor_on);
    assert_int_equal(d.cursor_first, 13);
    assert_int_equal(d.cursor_last, 14);
    assert_true(d.blink);
    assert_true(d.nine_dot);
    assert_true(d.line_graphics);
    static const uint32_t palette[16] = {
        0x000000, 0x0000AA, 0x00AA00, 0x00AAAA, 0xAA0000, 0xAA00AA, 0xAA5500, 0xAAAAAA,
        0x555555, 0x5555FF, 0x55FF55, 0x55FFFF, 0xFF5555, 0xFF55FF, 0xFFFF55, 0xFFFFFF,
    };
    assert_memory_equal(d.palette, palette, sizeof palette);
    assert_int_equal(in8(0x3CC), 0x67);
    assert_int_equal(crtc(0x13), 0x28);
}

static void test_crtc_cursor_and_start(void **state)
{
    (void)state;
    out8(0x3D4, 0x0E);
    out8(0x3D5, 0x01);
    out8(0x3D4, 0x0F);
    out8(0x3D5, 0x2C);    /* 300: row 3, column 60 */
    out16(0x3D4, 0x500C); /* index and data in one access: start 0x5000 */
    out16(0x3D4, 0x000D);
    assert_int_equal(crtc(0x0E), 0x01);
    assert_int_equal(crtc(0x0F), 0x2C);
    struct vga_display d;
    vga_display_state(&v, &d);
    assert_int_equal(d.cursor, 300);
    assert_int_equal(d.start, 0x5000 % VGA_TEXT_CELLS);
    out8(0x3D4, 0x0A);
    out8(0x3D5, 0x20); /* cursor off */
    vga_display_state(&v, &d);
    assert_false(d.cursor_on);
    out8(0x3D4, 0x0A);
    out8(0x3D5, 0x0F);
    out8(0x3D4, 0x0B);
    out8(0x3D5, 0x1F); /* last line 31: clipped to the cell's 15 */
    vga_display_state(&v, &d);
    assert_true(d.cursor_on);
    assert_int_equal(d.cursor_first, 15);
    assert_int_equal(d.cursor_last, 15);
    out8(0x3D4, 0x0B);
    out8(0x3D5, 0x03); /* first past last: no cursor */
    vga_display_state(&v, &d);
    assert_false(d.cursor_on);
}

static void test_registers_that_do_not_exist(void **state)
{
    (void)state;
    struct vga before = v;
    for (unsigned i = VGA_CRTC_REGS; i < 256; i++) {
        out8(0x3D4, (uint8_t)i);
        out8(0x3D5, 0xAA);
        assert_int_equal(in8(0x3D5), 0xFF);
    }
    assert_memory_equal(v.crtc, before.crtc, sizeof v.crtc);
    out8(0x3C4, 0x07);
    out8(0x3C5, 0xAA);
    assert_memory_equal(v.seq, before.seq, sizeof v.seq);
    out8(0x3CE, 0x0F);
    out8(0x3CF, 0xAA);
    assert_memory_equal(v.gc, before.gc, sizeof v.gc);
    in8(0x3DA);
    out8(0x3C0, 0x1F);
    out8(0x3C0, 0xAA);
    assert_memory_equal(v.ar, before.ar, sizeof v.ar);
    uint8_t word[4];
    assert_true(bus_dispatch(&ports, 0x3DE, word, 4, false)); /* runs past the range */
    assert_int_equal(word[2], 0xFF);
    assert_int_equal(word[3], 0xFF);
}

static void test_crtc_write_protect(void **state)
{
    (void)state;
    uint8_t h_total = crtc(0x00), overflow = crtc(0x07);
    out16(0x3D4, 0x8E11); /* protect on */
    out16(0x3D4, 0x1200);
    out16(0x3D4, (uint16_t)(0xEF << 8 | 0x07));
    assert_int_equal(crtc(0x00), h_total);
    assert_int_equal(crtc(0x07), (overflow & ~0x10) | 0x00);
    out16(0x3D4, 0x0E11); /* protect off */
    out16(0x3D4, 0x1200);
    assert_int_equal(crtc(0x00), 0x12);
}

static void test_attribute_controller_and_blink(void **state)
{
    (void)state;
    in8(0x3DA);              /* flip-flop to index */
    out8(0x3C0, 0x30);       /* mode control, palette source on */
    assert_int_equal(in8(0x3C0), 0x30);
    out8(0x3C0, 0x04);       /* blink off */
    assert_int_equal(in8(0x3C1), 0x04);
    struct vga_display d;
    vga_display_state(&v, &d);
    assert_false(d.blink);
    in8(0x3DA);
    out8(0x3C0, 0x01);       /* palette register 1 -> EGA colour 0x3F (white) */
    out8(0x3C0, 0xFF);       /* stored as 6 bits */
    assert_int_equal(v.ar[1], 0x3F);
    vga_display_state(&v, &d);
    assert_int_equal(d.palette[1], 0xFFFFFF);
}

static void test_dac(void **state)
{
    (void)state;
    out8(0x3C8, 0x01);       /* DAC entry 1 (what palette register 1 selects) */
    out8(0x3C9, 0x3F);
    out8(0x3C9, 0x00);
    out8(0x3C9, 0x20);
    struct vga_display d;
    vga_display_state(&v, &d);
    assert_int_equal(d.palette[1], 0xFF0082);
    out8(0x3C7, 0x01);
    assert_int_equal(in8(0x3C7), 0x03);
    assert_int_equal(in8(0x3C9), 0x3F);
    assert_int_equal(in8(0x3C9), 0x00);
    assert_int_equal(in8(0x3C9), 0x20);
    assert_int_equal(in8(0x3C9), 0x00); /* entry 2: red 0, green 0x2A */
    assert_int_equal(in8(0x3C9), 0x2A);
    out8(0x3C6, 0x00);       /* pixel mask 0: every colour is DAC entry 0 */
    vga_display_state(&v, &d);
    assert_int_equal(d.palette[15], 0x000000);
}

static void test_retrace_loops_end(void **state)
{
    (void)state;
    unsigned n = 0;
    while ((in8(0x3DA) & 8) && n < 100)
        n++;
    while (!(in8(0x3DA) & 8) && n < 100)
        n++;
    assert_true(n < 10);
    bool saw_display = false, saw_blank = false;
    for (int i = 0; i < 8; i++) {
        uint8_t s = in8(0x3DA);
        saw_display |= !(s & 1);
        saw_blank |= s & 1;
    }
    assert_true(saw_display && saw_blank);
}

static void test_monochrome_addressing(void **state)
{
    (void)state;
    out8(0x3C2, 0x66); /* I/O address select off: CRTC at 0x3B4 */
    out8(0x3D4, 0x0F);
    assert_int_equal(in8(0x3D4), 0xFF);
    out8(0x3B4, 0x0F);
    out8(0x3B5, 0x42);
    assert_int_equal(v.crtc[0x0F], 0x42);
    assert_int_equal(in8(0x3DA), 0xFF);
    (void)in8(0x3BA);
}

static void test_capture_wraps_and_places_rows(void **state)
{
    (void)state;
    put(VGA_TEXT_CELLS - 3, "ENDstart", 0x1E);
    out16(0x3D4, (uint16_t)(((VGA_TEXT_CELLS - 3) >> 8) << 8 | 0x0C));
    out16(0x3D4, (uint16_t)(((VGA_TEXT_CELLS - 3) & 0xFF) << 8 | 0x0D));
    struct vga_text_frame f;
    capture(&f);
    char line[VGA_TEXT_LINE_MAX];
    vga_text_line(&f, 0, false, line);
    assert_string_equal(line, "ENDstart");
    /* Row 1 starts 80 cells on: cell 77. */
    put(77, "row1", 0x07);
    capture(&f);
    vga_text_line(&f, 1, false, line);
    assert_string_equal(line, "row1");
    /* Offset register 0x14: rows 40 cells apart. */
    out16(0x3D4, 0x000C);
    out16(0x3D4, 0x000D);
    out16(0x3D4, 0x1413);
    put(0, "0123456789", 0x07);
    put(40, "forty", 0x07);
    put(77, "    ", 0x07);
    capture(&f);
    vga_text_line(&f, 1, false, line);
    assert_string_equal(line, "forty");
}

static void test_cursor_cell(void **state)
{
    (void)state;
    struct vga_text_frame f;
    out16(0x3D4, 0x000E);
    out16(0x3D4, 0xA50F); /* 165: row 2, column 5 */
    capture(&f);
    assert_int_equal(f.cursor_row, 2);
    assert_int_equal(f.cursor_col, 5);
    out16(0x3D4, 0x3F0E); /* 0x3F00: not on the screen */
    capture(&f);
    assert_int_equal(f.cursor_row, -1);
}

static uint32_t pixel(const uint8_t *p, uint32_t stride, unsigned x, unsigned y)
{
    const uint8_t *q = p + (size_t)y * stride + 4 * x;
    return (uint32_t)q[2] << 16 | (uint32_t)q[1] << 8 | q[0];
}

static void test_render_pixels(void **state)
{
    (void)state;
    assert_true(vga_font_present);
    put(0, "A", 0x1E);              /* yellow on blue */
    put(1, "\xCD", 0x07);           /* double line: 9th column repeats */
    put(2, "B", 0xCE);              /* blink bit: background red (4), not bright */
    out16(0x3D4, 0x000E);
    out16(0x3D4, 0x030F);           /* cursor on cell 3 */
    out16(0x3D4, 0x000A);           /* lines 0-15 */
    out16(0x3D4, 0x0F0B);
    struct vga_text_frame f;
    capture(&f);
    uint32_t w = vga_render_width(&f), stride = w * 4;
    assert_int_equal(w, 720);
    uint8_t *img = calloc(stride, VGA_RENDER_HEIGHT);
    assert_non_null(img);
    assert_true(vga_render_pixels(&f, img, stride));
    for (unsigned y = 0; y < 16; y++) {
        for (unsigned x = 0; x < 9; x++) {
            bool on = x < 8 && (vga_font_glyphs['A'][y] >> (7 - x)) & 1;
            assert_int_equal(pixel(img, stride, x, y), on ? 0xFFFF55 : 0x0000AA);
        }
        uint8_t row = vga_font_glyphs[0xCD][y];
        assert_int_equal(pixel(img, stride, 9 + 8, y), (row & 1) ? 0xAAAAAA : 0x000000);
        assert_int_equal(pixel(img, stride, 18 + 8, y), 0xAA0000);
        for (unsigned x = 0; x < 9; x++)
            assert_int_equal(pixel(img, stride, 27 + x, y), 0xAAAAAA); /* the cursor */
    }
    /* Blink off: the same cell's background is bright red. */
    in8(0x3DA);
    out8(0x3C0, 0x30);
    out8(0x3C0, 0x00);              /* blink off, line graphics off */
    out8(0x3C4, 0x01);
    out8(0x3C5, 0x01);              /* 8-dot cells */
    capture(&f);
    assert_int_equal(vga_render_width(&f), 640);
    assert_true(vga_render_pixels(&f, img, 640 * 4));
    assert_int_equal(pixel(img, 640 * 4, 16 + 7, 15), 0xFF5555);
    free(img);
}

static void test_text_lines(void **state)
{
    (void)state;
    put(0, "Hi \x01\xC9\xCD\xBB\xB0\x7F\x1B[31m", 0x07);
    vram[2 * 20] = 0x00;            /* NUL and spaces at the end are dropped */
    struct vga_text_frame f;
    capture(&f);
    char line[VGA_TEXT_LINE_MAX];
    assert_int_equal(vga_text_line(&f, 0, false, line), 14);
    assert_string_equal(line, "Hi o+=+.^<[31m");
    vga_text_line(&f, 0, true, line);
    assert_string_equal(line, "Hi \u263A\u2554\u2550\u2557\u2591\u2302\u2190[31m");
    assert_int_equal(vga_text_line(&f, 24, true, line), 0);
    /* Nothing in the table is a control character. */
    for (unsigned c = 0; c < 256; c++) {
        assert_true(cp437_unicode[c] >= 0x20 && cp437_unicode[c] != 0x7F &&
                    !(cp437_unicode[c] >= 0x80 && cp437_unicode[c] < 0xA0));
        assert_true(cp437_ascii[c] >= 0x20 && cp437_ascii[c] < 0x7F);
    }
}

static void test_ansi_line(void **state)
{
    (void)state;
    put(0, "ab", 0x1E);
    put(2, "\x1B", 0x4F);
    out16(0x3D4, 0x000E);
    out16(0x3D4, 0x010F);           /* cursor on 'b' */
    struct vga_text_frame f;
    capture(&f);
    char line[VGA_ANSI_LINE_MAX];
    vga_text_ansi_line(&f, 0, false, line);
    assert_string_equal(line, "\033[0;93;44ma\033[0;93;44;7mb\033[0;97;41m<\033[0m");
    /* Every escape is wisp's: ESC only ever starts "\033[0;". */
    for (const char *p = line; (p = strchr(p, 0x1B)) != NULL; p++)
        assert_true(strncmp(p, "\033[0", 3) == 0);
    /* The longest line fits. */
    for (unsigned c = 0; c < VGA_TEXT_COLS; c++)
        put(c, "\xDB", (uint8_t)(0x80 | c));
    capture(&f);
    assert_true(vga_text_ansi_line(&f, 0, true, line) < VGA_ANSI_LINE_MAX);
}

static void test_bios_setup(void **state)
{
    (void)state;
    struct guest_memory gm = { 0 };
    struct wisp_error err = { 0 };
    assert_int_equal(guest_memory_add_bank(&gm, "RAM", MEM_BANK_RAM, 0, 1 << 20, &err), 0);
    vga_bios_setup(&gm);
    uint8_t *m = guest_memory_ptr(&gm, 0, 1 << 20);
    assert_int_equal(m[0x449], 3);
    assert_int_equal(m[0x44A], 80);
    assert_int_equal(m[0x463] | m[0x464] << 8, 0x3D4);
    assert_int_equal(m[0x484], 24);
    assert_int_equal(m[0x410] & 0x30, 0x20);
    for (unsigned i = 0; i < VGA_TEXT_CELLS; i++)
        assert_int_equal(m[VGA_TEXT_ADDR + 2 * i] | m[VGA_TEXT_ADDR + 2 * i + 1] << 8,
                         VGA_BLANK_CELL);
    guest_memory_release(&gm);
    /* RAM that does not reach the text buffer: nothing breaks. */
    memset(&gm, 0, sizeof gm);
    assert_int_equal(guest_memory_add_bank(&gm, "RAM", MEM_BANK_RAM, 0, 0x1000, &err), 0);
    vga_bios_setup(&gm);
    guest_memory_release(&gm);
}

#define T(t) cmocka_unit_test_setup(t, setup)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_mode3_defaults), T(test_crtc_cursor_and_start),
        T(test_registers_that_do_not_exist), T(test_crtc_write_protect),
        T(test_attribute_controller_and_blink), T(test_dac), T(test_retrace_loops_end),
        T(test_monochrome_addressing), T(test_capture_wraps_and_places_rows),
        T(test_cursor_cell), T(test_render_pixels), T(test_text_lines), T(test_ansi_line),
        T(test_bios_setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
