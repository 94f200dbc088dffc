/*
 * vga_text: a native (wisp boot info) kernel that uses the VGA text screen
 * as a PC kernel would, beside wisp's framebuffer. It writes a banner and
 * a few coloured lines to 0xB8000 with the bare-bones terminal of the
 * Multiboot test kernel (kboot/vga_term.h), moves the cursor, and fills
 * the framebuffer's top-left 64x64 pixels with red, so wisp's screenshot
 * shows both screens side by side:
 *
 *   row 0   "wisp native kernel, VGA text mode"   white on blue, whole row
 *   row 1   "64-bit long mode, boot info at 0x80000"  light grey on black
 *   row 2   "green"  light green   row 3  "magenta"  light magenta
 *   cursor  row 3, column 7 (after "magenta")
 *
 * Then it checks what it wrote reads back and exits 0 (PASS).
 */
#include "wisp_lib.h"

#include "kboot/vga_term.h"

int kmain(struct wisp_boot_info *bi)
{
    struct vt t;
    vt_clear(&t, vt_attr(VT_LIGHT_GREY, VT_BLACK));
    for (unsigned c = 0; c < VT_COLS; c++)
        vt_put_at(0, c, ' ', vt_attr(VT_WHITE, VT_BLUE));
    vt_write(&t, "wisp native kernel, VGA text mode", vt_attr(VT_WHITE, VT_BLUE));
    t.row = 1;
    t.col = 0;
    vt_write(&t, "64-bit long mode, boot info at 0x80000\n", vt_attr(VT_LIGHT_GREY, VT_BLACK));
    vt_write(&t, "green\n", vt_attr(VT_LIGHT_GREEN, VT_BLACK));
    vt_write(&t, "magenta", vt_attr(VT_LIGHT_MAGENTA, VT_BLACK));

    uint16_t first = VT_BUFFER[0];
    if (first != ('w' | vt_attr(VT_WHITE, VT_BLUE) << 8)) {
        wisp_printf("FAIL: vga_text: the text buffer reads 0x%x back\n", first);
        return 1;
    }
    if (wisp_fb_usable(bi))
        wisp_fb_fill_rect(bi, 0, 0, 64, 64, wisp_rgb(255, 0, 0));
    wisp_puts("PASS: vga_text\n");
    return 0;
}
