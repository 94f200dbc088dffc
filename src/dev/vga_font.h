/*
 * The 8x16 console font the VGA text screen is drawn with: 256 glyphs in
 * code page 437 order, one byte per row, the leftmost pixel in bit 7.
 * Generated at build time by scripts/psf2c.c from a Debian console font
 * (default8x16.psf.gz of console-data); nothing of it is in the sources.
 */
#ifndef WISP_DEV_VGA_FONT_H
#define WISP_DEV_VGA_FONT_H

#include <stdbool.h>
#include <stdint.h>

#define VGA_FONT_HEIGHT 16

/* False in a build made without a font (CMake without WISP_VGA_FONT): the
 * text screen then has no picture, only text. */
extern const bool vga_font_present;
extern const char vga_font_name[];   /* the font file the table came from */
extern const uint8_t vga_font_glyphs[256][VGA_FONT_HEIGHT];

#endif
