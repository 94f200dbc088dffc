/*
 * framebuffer: fills the screen with four quadrants and exits 0.
 *
 *   +-------+-------+
 *   |  red  | green |     left half:  x <  width / 2
 *   +-------+-------+     top half:   y <  height / 2
 *   | blue  | white |
 *   +-------+-------+
 *
 * Pixels are BGRA8 with alpha 0xFF (red = bytes 00 00 FF FF). The test
 * checks the colours in wisp's screenshot.
 */
#include "wisp_lib.h"

int kmain(struct wisp_boot_info *bi)
{
    if (!wisp_fb_usable(bi)) {
        wisp_printf("FAIL: framebuffer: no usable BGRA8 framebuffer (flags 0x%x format %u "
                    "%ux%u stride %u size 0x%lx)\n",
                    bi->flags, bi->fb_format, bi->fb_width, bi->fb_height, bi->fb_stride,
                    bi->framebuffer_size);
        return 1;
    }

    int32_t w = (int32_t)bi->fb_width, h = (int32_t)bi->fb_height;
    int32_t hw = w / 2, hh = h / 2;
    const uint32_t red = wisp_rgb(255, 0, 0), green = wisp_rgb(0, 255, 0);
    const uint32_t blue = wisp_rgb(0, 0, 255), white = wisp_rgb(255, 255, 255);

    wisp_printf("framebuffer: %ux%u stride %u at 0x%lx\n", bi->fb_width, bi->fb_height,
                bi->fb_stride, bi->framebuffer_base);
    wisp_fb_fill_rect(bi, 0, 0, hw, hh, red);
    wisp_fb_fill_rect(bi, hw, 0, w - hw, hh, green);
    wisp_fb_fill_rect(bi, 0, hh, hw, h - hh, blue);
    wisp_fb_fill_rect(bi, hw, hh, w - hw, h - hh, white);

    /* The framebuffer is plain memory: what we wrote must read back. */
    struct {
        int32_t x, y;
        uint32_t color;
    } probes[] = {
        { 0, 0, red }, { hw - 1, hh - 1, red }, { hw, 0, green }, { w - 1, hh - 1, green },
        { 0, hh, blue }, { hw - 1, h - 1, blue }, { hw, hh, white }, { w - 1, h - 1, white },
    };
    for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++) {
        const volatile uint32_t *px =
            (const volatile uint32_t *)(uintptr_t)(bi->framebuffer_base +
                                                   (uint64_t)probes[i].y * bi->fb_stride) +
            probes[i].x;
        if (*px != probes[i].color) {
            wisp_printf("FAIL: framebuffer: pixel (%d,%d) reads 0x%08x, wrote 0x%08x\n",
                        probes[i].x, probes[i].y, *px, probes[i].color);
            return 1;
        }
    }
    wisp_puts("PASS: framebuffer\n");
    return 0;
}
