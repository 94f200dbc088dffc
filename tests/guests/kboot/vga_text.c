/*
 * vga_text: a bare-bones Multiboot 1 kernel on the VGA text screen. Its
 * header asks for EGA text (mode type 1, 80x25); it checks that the
 * Multiboot information says so (framebuffer type 2 at 0xB8000) and that
 * the BIOS data area describes mode 3, then clears the screen, writes
 * coloured lines until the screen scrolls four times, and moves and
 * reshapes the hardware cursor. The integration test reads the result
 * through --ascii and the screenshot:
 *
 *   rows 0-19   "line 05" .. "line 24", line N in colour (N % 15) + 1 on black
 *   row 20      "Hello, kernel World!"      light green on black
 *   row 21      "Red on grey"               light red on light grey
 *   row 22      "Blink: yellow on red"      attribute 0xCE (blink bit set)
 *   row 23      "All bits set"              attribute 0xFF
 *   row 24      CP437 box drawing, shades and a smiley, white on blue
 *   cursor      row 12, column 40, a full block (lines 0-15)
 *
 * With hostile=1 on the command line it does what a buggy kernel might:
 * writes to CRTC, attribute, sequencer and graphics indices that do not
 * exist, sets a start address 40 cells before the end of the 32 KiB
 * buffer (the first row shows the buffer's end, then its start), puts the
 * cursor at location 0xFFFF, turns blink off (bright backgrounds) and
 * writes attribute bytes with every bit set.
 *
 * Reports on port 0xE9 and exits through isa-debug-exit (status 33 = pass).
 */
#include "kb_lib.h"
#include "vga_term.h"

struct mb_info {
    uint32_t flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
    uint32_t syms[4];
    uint32_t mmap_length, mmap_addr, drives_length, drives_addr, config_table;
    uint32_t boot_loader_name, apm_table, vbe_control_info, vbe_mode_info;
    uint16_t vbe_mode, vbe_interface_seg, vbe_interface_off, vbe_interface_len;
    uint64_t framebuffer_addr;
    uint32_t framebuffer_pitch, framebuffer_width, framebuffer_height;
    uint8_t framebuffer_bpp, framebuffer_type;
} __attribute__((packed));

#define MB_INFO_CMDLINE (1u << 2)
#define MB_INFO_FRAMEBUFFER (1u << 12)

/* The BIOS data area sits in the first page, where GCC assumes no object
 * lives: read it through an address the compiler cannot see. */
static uint16_t bda16(uintptr_t addr)
{
    const volatile uint16_t *p;
    __asm__("" : "=r"(p) : "0"(addr));
    return *p;
}

static void check_boot_info(const struct mb_info *mb)
{
    KB_CHECK(mb->flags & MB_INFO_FRAMEBUFFER, "framebuffer information given");
    kb_printf("framebuffer: 0x%llx %ux%u pitch %u bpp %u type %u\n",
              (unsigned long long)mb->framebuffer_addr, mb->framebuffer_width,
              mb->framebuffer_height, mb->framebuffer_pitch, mb->framebuffer_bpp,
              mb->framebuffer_type);
    KB_CHECK(mb->framebuffer_type == 2, "EGA text (type 2), got %u", mb->framebuffer_type);
    KB_CHECK(mb->framebuffer_addr == 0xB8000, "text buffer at 0xB8000");
    KB_CHECK(mb->framebuffer_width == 80 && mb->framebuffer_height == 25, "80x25, got %ux%u",
             mb->framebuffer_width, mb->framebuffer_height);
    KB_CHECK(mb->framebuffer_pitch == 160 && mb->framebuffer_bpp == 16,
             "pitch 160, 16 bits per cell: %u, %u", mb->framebuffer_pitch, mb->framebuffer_bpp);
    /* What a VGA BIOS leaves in its data area. */
    uint8_t mode = (uint8_t)bda16(0x449), rows = (uint8_t)bda16(0x484);
    uint16_t cols = bda16(0x44A), crtc = bda16(0x463);
    kb_printf("bios data: mode %u, %u columns, %u rows, CRTC at 0x%x\n", mode, cols, rows + 1u,
              crtc);
    KB_CHECK(mode == 3 && cols == 80 && rows == 24 && crtc == 0x3D4, "BIOS data area: mode 3");
}

static void check_registers(void)
{
    vt_move_cursor(3, 7);
    vt_outb(VT_CRTC_INDEX, 0x0E);
    uint8_t hi = vt_inb(VT_CRTC_DATA);
    vt_outb(VT_CRTC_INDEX, 0x0F);
    uint8_t lo = vt_inb(VT_CRTC_DATA);
    KB_CHECK((hi << 8 | lo) == 3 * 80 + 7, "cursor location reads back: 0x%x", hi << 8 | lo);
    KB_CHECK(vt_inb(0x3CC) & 1, "miscellaneous output: colour addressing");
    vt_wait_retrace(); /* must end */
}

static void bare_bones(void)
{
    struct vt t;
    vt_clear(&t, vt_attr(VT_LIGHT_GREY, VT_BLACK));
    check_registers();
    char line[] = "line 00\n";
    for (unsigned n = 1; n <= 24; n++) {
        line[5] = (char)('0' + n / 10);
        line[6] = (char)('0' + n % 10);
        vt_write(&t, line, vt_attr((enum vt_color)(n % 15 + 1), VT_BLACK));
    }
    vt_write(&t, "Hello, kernel World!\n", vt_attr(VT_LIGHT_GREEN, VT_BLACK));
    vt_write(&t, "Red on grey\n", vt_attr(VT_LIGHT_RED, VT_LIGHT_GREY));
    vt_write(&t, "Blink: yellow on red\n", 0xCE);
    vt_write(&t, "All bits set\n", 0xFF);
    static const char box[] = "Box \xC9\xCD\xBB \xB0\xB1\xB2\xDB \x01";
    vt_write(&t, box, vt_attr(VT_WHITE, VT_BLUE));
    vt_cursor_shape(0, 15);
    vt_move_cursor(12, 40);
}

/* Cell `at` of the whole 32 KiB buffer (16384 cells). */
static void put_cells(unsigned at, const char *s, uint8_t attr)
{
    volatile uint16_t *buf = VT_BUFFER;
    for (; *s; s++, at++)
        buf[at % 16384] = (uint16_t)((uint8_t)*s | attr << 8);
}

static void hostile(void)
{
    struct vt t;
    vt_clear(&t, vt_attr(VT_LIGHT_GREY, VT_BLACK));
    /* Registers that do not exist. */
    for (unsigned i = 0x19; i <= 0xFF; i++) {
        vt_outb(VT_CRTC_INDEX, (uint8_t)i);
        vt_outb(VT_CRTC_DATA, (uint8_t)(0xA5 ^ i));
        (void)vt_inb(VT_CRTC_DATA);
    }
    vt_inb(VT_INPUT_STATUS);   /* attribute flip-flop to "index" */
    vt_outb(0x3C0, 0x3F);      /* index 0x1F (and palette source) */
    vt_outb(0x3C0, 0x55);
    vt_outb(0x3C4, 0x07);
    vt_outb(0x3C5, 0x55);
    vt_outb(0x3CE, 0x0F);
    vt_outb(0x3CF, 0x55);
    /* The first row starts 40 cells before the buffer's end. */
    put_cells(16384 - 40, "[end of the text buffer]", vt_attr(VT_YELLOW, VT_BLACK));
    put_cells(0, "[start of the text buffer]", vt_attr(VT_LIGHT_CYAN, VT_BLACK));
    put_cells(40, "row one", vt_attr(VT_LIGHT_GREY, VT_BLACK));
    put_cells(120, "ALL BITS", 0xFF);
    put_cells(200, "bright background", 0xCE);
    vt_outw(VT_CRTC_INDEX, 0x3F0C);  /* start address high: index and data at once */
    vt_outw(VT_CRTC_INDEX, 0xD80D);  /* low: 0x3FD8 = 16344 */
    vt_outw(VT_CRTC_INDEX, 0xFF0E);  /* cursor location 0xFFFF: cell 16383 */
    vt_outw(VT_CRTC_INDEX, 0xFF0F);
    /* Attribute mode control: line graphics on, blink off. */
    vt_inb(VT_INPUT_STATUS);
    vt_outb(0x3C0, 0x30);
    vt_outb(0x3C0, 0x04);
}

void kmain(uint32_t magic, const struct mb_info *mb)
{
    kb_printf("vga_text: magic 0x%x\n", magic);
    KB_CHECK(magic == 0x2BADB002, "Multiboot 1 magic");
    const char *cmdline = (mb->flags & MB_INFO_CMDLINE) ? (const char *)(uintptr_t)mb->cmdline
                                                        : "";
    check_boot_info(mb);
    if (kb_failures)
        kb_finish("vga_text"); /* no text screen to write to */
    if (kb_cmdline_number(cmdline, "hostile", 0))
        hostile();
    else
        bare_bones();
    kb_finish("vga_text");
}
