/*
 * Framebuffer screenshots: PNG (through libpng) or 24-bit BMP files, and a
 * text preview for terminals and logs. Works on a host-side view of the
 * pixels; it knows nothing about guest memory.
 */
#ifndef WISP_SCREENSHOT_H
#define WISP_SCREENSHOT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/error.h"

/* PNG needs libpng, which builds for Windows do not have (Debian packages
 * no libpng for mingw-w64): there screenshots are BMP only. The build may
 * set WISP_HAVE_LIBPNG to 0 or 1; by default it is 1 except on Windows. */
#ifndef WISP_HAVE_LIBPNG
#ifdef _WIN32
#define WISP_HAVE_LIBPNG 0
#else
#define WISP_HAVE_LIBPNG 1
#endif
#endif

/* Where a screenshot goes when the user asks for one without a file name. */
#if WISP_HAVE_LIBPNG
#define SCREENSHOT_DEFAULT_PATH "wisp-screenshot.png"
#else
#define SCREENSHOT_DEFAULT_PATH "wisp-screenshot.bmp"
#endif

/* Largest width or height accepted (libpng's own default limit). */
#define SCREENSHOT_MAX_DIMENSION 1000000u

/* BGRA8 pixels: byte 0 blue, 1 green, 2 red, 3 ignored (alpha/padding). */
struct framebuffer_view {
    const uint8_t *pixels;
    uint32_t width;  /* pixels */
    uint32_t height; /* pixels */
    uint32_t stride; /* bytes from the start of one row to the next */
};

/* Checks the view: non-NULL pixels, non-zero sizes within
 * SCREENSHOT_MAX_DIMENSION, stride >= width * 4, and a total span
 * (height - 1) * stride + width * 4 that fits in memory. */
int screenshot_check_geometry(const struct framebuffer_view *fb, struct wisp_error *err);

/* Checks, before the guest runs, that a screenshot can go to path: a .png
 * or .bmp name (the format this build writes) and, with check_directory,
 * an existing directory part the process may write in. Failures are
 * WISP_EXIT_USAGE with a one-line message naming path. */
int screenshot_check_path(const char *path, bool check_directory, struct wisp_error *err);

/* Writes fb to path as PNG or BMP, chosen by path's extension (.png or
 * .bmp, any case; anything else, and .png without libpng, is a
 * WISP_EXIT_USAGE error). The image is
 * written to a temporary file in the same directory, flushed to disk and
 * renamed over path, so path never holds half an image. Failures are
 * WISP_EXIT_HOST_ERROR with a one-line message naming path. */
int screenshot_save(const char *path, const struct framebuffer_view *fb, struct wisp_error *err);

/* Prints fb downscaled to `columns` characters per line (each character an
 * average over its cell, as a luminance ramp from ' ' for black to '@' for
 * white); rows are chosen to keep the aspect ratio with character cells
 * twice as tall as wide. Prints nothing for an invalid view or columns 0. */
void screenshot_ascii(FILE *out, const struct framebuffer_view *fb, unsigned columns);

#endif
