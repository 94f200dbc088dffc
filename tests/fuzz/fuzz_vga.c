/*
 * libFuzzer target: the VGA registers and the text screen renderer. The
 * input is a list of port accesses then the text buffer:
 *
 *   u16 n                     accesses (at most 4096)
 *   n x { u8 port, u8 value, u8 how }
 *                             port: 0x3B0 + port % 0x30 (and a few past the
 *                             range); how bit 0: write, bit 1: 16-bit (value
 *                             in both bytes: index and data at once)
 *   the rest                  the 32 KiB text buffer, repeated to fill it
 *
 * Every 16 accesses the display state must be in range; at the end the
 * screen is captured and drawn (picture, text in UTF-8 and ASCII, terminal
 * lines), which must stay inside their buffers, produce no control
 * characters, and put no escape sequence on a line but wisp's own SGR.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/bus.h"
#include "dev/vga.h"
#include "dev/vga_render.h"

static void check(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_vga: broken promise: %s\n", what);
        abort();
    }
}

static void check_display(const struct vga_display *d)
{
    check(d->start < VGA_TEXT_CELLS && d->cursor < VGA_TEXT_CELLS, "addresses in the buffer");
    check(!d->cursor_on || (d->cursor_first <= d->cursor_last && d->cursor_last < 16),
          "cursor lines in the cell");
    for (int i = 0; i < 16; i++)
        check(d->palette[i] <= 0xFFFFFF, "24-bit colours");
}

static void check_text(const char *line, size_t len, size_t max)
{
    check(len < max && line[len] == '\0' && strlen(line) == len, "line length");
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)line[i];
        check(c >= 0x20 && c != 0x7F, "no control characters in text");
        /* UTF-8 of U+0080..U+009F (C1 controls) would start C2 80..C2 9F. */
        check(!(c == 0xC2 && i + 1 < len && (unsigned char)line[i + 1] < 0xA0),
              "no C1 controls");
    }
}

static void check_ansi(const char *line, size_t len)
{
    check(len < VGA_ANSI_LINE_MAX && line[len] == '\0' && strlen(line) == len, "ansi length");
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)line[i];
        if (c == 0x1B) {
            /* Only "ESC [ 0 ; digits ; ... m". */
            check(i + 3 < len && line[i + 1] == '[' && line[i + 2] == '0', "wisp's SGR only");
            size_t j = i + 3;
            while (j < len && (line[j] == ';' || (line[j] >= '0' && line[j] <= '9')))
                j++;
            check(j < len && line[j] == 'm', "SGR ends in m");
            i = j;
            continue;
        }
        check(c >= 0x20 && c != 0x7F, "no control characters in ansi text");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct vga v;
    static uint8_t vram[VGA_TEXT_SIZE];
    static uint8_t pixels[VGA_RENDER_MAX_WIDTH * VGA_RENDER_HEIGHT * 4];
    struct bus ports = { .name = "port" };
    struct wisp_error err = { 0 };
    vga_init(&v);
    check(bus_register(&ports, VGA_PORT_BASE, VGA_NR_PORTS, "VGA", vga_io, &v, &err) == 0,
          "register");

    size_t at = 0, n = 0;
    if (size >= 2) {
        n = (size_t)(data[0] | data[1] << 8) % 4097;
        at = 2;
    }
    struct vga_display d;
    for (size_t i = 0; i < n && at + 3 <= size; i++, at += 3) {
        uint16_t port = (uint16_t)(VGA_PORT_BASE + data[at] % (VGA_NR_PORTS + 4));
        uint8_t bytes[2] = { data[at + 1], data[at + 1] };
        unsigned width = data[at + 2] & 2 ? 2 : 1;
        bool is_write = data[at + 2] & 1;
        if (!bus_dispatch(&ports, port, bytes, width, is_write))
            check(port >= VGA_PORT_BASE + VGA_NR_PORTS, "every VGA port answers");
        if (i % 16 == 0) { /* now and then: the full state costs more than an access */
            vga_display_state(&v, &d);
            check_display(&d);
        }
    }
    if (at < size)
        for (size_t i = 0; i < sizeof vram; i++)
            vram[i] = data[at + i % (size - at)];
    else
        memset(vram, 0, sizeof vram);

    vga_display_state(&v, &d);
    struct vga_text_frame f;
    vga_text_capture(&f, vram, &d);
    check(f.cursor_row < VGA_TEXT_ROWS && f.cursor_col < VGA_TEXT_COLS, "cursor on screen");
    check((f.cursor_row < 0) == (f.cursor_col < 0), "cursor row and column agree");
    uint32_t w = vga_render_width(&f);
    check(w == 640 || w == 720, "width");
    check(vga_render_pixels(&f, pixels, w * 4), "font present");
    for (size_t i = 0; i < (size_t)w * VGA_RENDER_HEIGHT; i++) {
        uint32_t rgb = (uint32_t)pixels[4 * i + 2] << 16 | pixels[4 * i + 1] << 8 | pixels[4 * i];
        int in_palette = 0;
        for (int k = 0; k < 16; k++)
            in_palette |= rgb == d.palette[k];
        check(in_palette, "every pixel a palette colour");
        i += 97; /* a sample is enough */
    }
    char line[VGA_ANSI_LINE_MAX];
    for (unsigned r = 0; r < VGA_TEXT_ROWS; r++) {
        check_text(line, vga_text_line(&f, r, true, line), VGA_TEXT_LINE_MAX);
        check_text(line, vga_text_line(&f, r, false, line), VGA_TEXT_LINE_MAX);
        check_ansi(line, vga_text_ansi_line(&f, r, true, line));
        check_ansi(line, vga_text_ansi_line(&f, r, false, line));
    }
    return 0;
}
