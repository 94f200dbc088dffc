/*
 * wisp demo: a tiny kernel that says hello and paints a picture.
 *
 * wisp enters kmain() in 64-bit long mode with paging on, a stack, and a
 * boot-info block describing memory and the framebuffer (see
 * include/wisp/guest.h). This kernel
 *   1. greets you over the print hypercall and over the COM1 serial port
 *      and reports the memory size and screen resolution,
 *   2. draws a landscape (sky, sun, clouds, hills) with the word "wisp" on the
 *      framebuffer, sized to whatever resolution the boot info reports,
 *   3. returns 0, which start.S hands to the exit hypercall: wisp exits
 *      with status 0 and saves a screenshot of the framebuffer.
 *
 * Drawing is done in horizontal spans (one `rep stosl` each) with integer
 * math only: guest kernel code can be slow on some hosts, so the whole
 * picture costs about one store per pixel.
 */
#include "wisp_lib.h"

static const struct wisp_boot_info *fb; /* the framebuffer we draw on */

/* Fill pixels x0..x1-1 of row y (clipped). */
static void span(int32_t y, int32_t x0, int32_t x1, uint32_t color)
{
    wisp_fb_fill_rect(fb, x0, y, x1 - x0, 1, color);
}

/* Integer square root: the largest r with r * r <= v. */
static uint32_t isqrt(uint64_t v)
{
    uint64_t r = 0, bit = 1ull << 62;

    while (bit > v)
        bit >>= 2;
    while (bit) {
        if (v >= r + bit) {
            v -= r + bit;
            r = (r >> 1) + bit;
        } else {
            r >>= 1;
        }
        bit >>= 2;
    }
    return (uint32_t)r;
}

/* Blend two colours: t/256 of b over a. */
static uint32_t mix(uint32_t a, uint32_t b, uint32_t t)
{
    uint32_t r = (((a >> 16) & 0xFF) * (256 - t) + ((b >> 16) & 0xFF) * t) >> 8;
    uint32_t g = (((a >> 8) & 0xFF) * (256 - t) + ((b >> 8) & 0xFF) * t) >> 8;
    uint32_t bl = ((a & 0xFF) * (256 - t) + (b & 0xFF) * t) >> 8;

    return wisp_rgb((uint8_t)r, (uint8_t)g, (uint8_t)bl);
}

/* A filled disc, drawn row by row; only rows in [clip_y0, clip_y1). */
static void disc(int32_t cx, int32_t cy, int32_t r, int32_t clip_y0, int32_t clip_y1,
                 uint32_t color)
{
    for (int32_t dy = -r; dy <= r; dy++) {
        int32_t y = cy + dy;

        if (y < clip_y0 || y >= clip_y1)
            continue;
        int32_t half = (int32_t)isqrt((uint64_t)(r * r - dy * dy));
        span(y, cx - half, cx + half + 1, color);
    }
}

/* The top half of an ellipse standing on the horizon: a hill, shaded from
 * its top colour to its foot's, so that it meets the meadow without an
 * edge. */
static void hill(int32_t cx, int32_t horizon, int32_t rx, int32_t ry, uint32_t top,
                 uint32_t foot)
{
    for (int32_t dy = -ry; dy < 0; dy++) {
        int32_t half = (int32_t)((int64_t)rx * isqrt((uint64_t)(ry * ry - dy * dy)) / ry);
        uint32_t shade = mix(top, foot, (uint32_t)((ry + dy) * 256 / ry));
        span(horizon + dy, cx - half, cx + half + 1, shade);
    }
}

/* 8x8 glyphs for the letters of "wisp"; bit 7 is the leftmost pixel. */
static const uint8_t glyph_w[8] = { 0x00, 0x00, 0xC6, 0xC6, 0xD6, 0xFE, 0x6C, 0x00 };
static const uint8_t glyph_i[8] = { 0x18, 0x00, 0x38, 0x18, 0x18, 0x18, 0x3C, 0x00 };
static const uint8_t glyph_s[8] = { 0x00, 0x00, 0x7C, 0xC0, 0x78, 0x0C, 0xF8, 0x00 };
static const uint8_t glyph_p[8] = { 0x00, 0x00, 0xF8, 0xCC, 0xCC, 0xF8, 0xC0, 0xC0 };

/* Draw a glyph with each font pixel as a scale x scale block; runs of set
 * bits become one span per screen row. */
static void glyph(const uint8_t rows[8], int32_t x, int32_t y, int32_t scale, uint32_t color)
{
    for (int32_t gy = 0; gy < 8; gy++) {
        uint8_t bits = rows[gy];

        for (int32_t gx = 0; gx < 8;) {
            if (!(bits & (0x80 >> gx))) {
                gx++;
                continue;
            }
            int32_t start = gx;
            while (gx < 8 && (bits & (0x80 >> gx)))
                gx++;
            wisp_fb_fill_rect(fb, x + start * scale, y + gy * scale, (gx - start) * scale, scale,
                              color);
        }
    }
}

static void word_wisp(int32_t x, int32_t y, int32_t scale, uint32_t color)
{
    static const uint8_t *const letters[] = { glyph_w, glyph_i, glyph_s, glyph_p };

    for (int32_t i = 0; i < 4; i++)
        glyph(letters[i], x + i * 8 * scale, y, scale, color);
}

/* A cloud: three overlapping discs. */
static void cloud(int32_t cx, int32_t cy, int32_t r, int32_t clip_y1)
{
    const uint32_t white = wisp_rgb(245, 248, 255);

    disc(cx - r, cy + r / 4, r * 3 / 4, 0, clip_y1, white);
    disc(cx + r, cy + r / 4, r * 3 / 4, 0, clip_y1, white);
    disc(cx, cy, r, 0, clip_y1, white);
}

static void draw_landscape(int32_t w, int32_t h)
{
    const int32_t horizon = h * 2 / 3;

    /* Sky: deep blue at the top, pale near the horizon. */
    const uint32_t sky_top = wisp_rgb(25, 55, 140), sky_low = wisp_rgb(170, 210, 245);
    for (int32_t y = 0; y < horizon; y++)
        span(y, 0, w, mix(sky_top, sky_low, (uint32_t)(y * 256 / horizon)));

    /* Sun with a soft halo, upper right. */
    const int32_t sun_x = w * 3 / 4, sun_y = h / 4, sun_r = h / 10;
    disc(sun_x, sun_y, sun_r + sun_r / 3, 0, horizon, wisp_rgb(250, 235, 170));
    disc(sun_x, sun_y, sun_r, 0, horizon, wisp_rgb(255, 210, 60));

    /* Two small clouds. */
    cloud(w * 2 / 5, h * 2 / 5, h / 22, horizon);
    cloud(w / 7, h * 9 / 25, h / 28, horizon);

    /* Two rolling hills on the horizon, the far one darker at its top;
     * both run into the meadow, which starts in the near one's green. */
    const uint32_t near_green = wisp_rgb(85, 160, 80);
    hill(w / 4, horizon, w * 2 / 5, h / 5, wisp_rgb(60, 130, 75), near_green);
    hill(w * 3 / 4, horizon, w / 2, h / 7, near_green, near_green);

    /* Meadow: green, darker towards the bottom. */
    const uint32_t grass_top = near_green, grass_low = wisp_rgb(35, 95, 40);
    for (int32_t y = horizon; y < h; y++)
        span(y, 0, w, mix(grass_top, grass_low, (uint32_t)((y - horizon) * 256 / (h - horizon))));

    /* "wisp", half the screen wide, with a drop shadow. */
    int32_t scale = w / 64 > 0 ? w / 64 : 1;
    int32_t tx = w / 12, ty = h / 8;
    word_wisp(tx + scale / 2 + 1, ty + scale / 2 + 1, scale, wisp_rgb(20, 30, 70));
    word_wisp(tx, ty, scale, wisp_rgb(255, 255, 255));
}

int kmain(struct wisp_boot_info *bi)
{
    /* Two ways out: the print hypercall (wisp's debug channel) and the COM1
     * UART. With `--serial stdio` (the default) both end up on wisp's
     * standard output, so each says something different. */
    wisp_printf("wisp demo: hello from a guest kernel in long mode\n");
    wisp_serial_init();
    wisp_serial_puts("wisp demo: and hello over the COM1 serial port\n");
    wisp_printf("wisp demo: %lu MiB of RAM, framebuffer %ux%u\n", bi->total_memory >> 20,
                bi->fb_width, bi->fb_height);

    if (!wisp_fb_usable(bi)) {
        wisp_printf("wisp demo: no usable framebuffer; nothing to draw\n");
        return 0;
    }
    fb = bi;
    draw_landscape((int32_t)bi->fb_width, (int32_t)bi->fb_height);
    wisp_printf("wisp demo: picture drawn; exiting with code 0\n");
    return 0;
}
