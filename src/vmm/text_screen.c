#include "text_screen.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "host/clock.h"
#include "host/screenshot.h"
#include "vm_internal.h"

/* Mirroring: the buffer is looked at every POLL; a changed screen is
 * printed once it has stayed the same for SETTLE (a kernel clearing and
 * rewriting the screen shows the result, not the halfway state), and at
 * least every BUSY while it keeps changing. */
#define TEXT_SCREEN_POLL_NS (50 * 1000000ull)
#define TEXT_SCREEN_SETTLE_NS (100 * 1000000ull)
#define TEXT_SCREEN_BUSY_NS (1000 * 1000000ull)

/* Side by side: the gap between the text screen and the framebuffer, and
 * the colour of what neither covers. */
#define SIDE_BY_SIDE_GAP 16
#define SIDE_BY_SIDE_FILL 0x303030u

bool vm_text_screen_wanted(const struct vm *vm)
{
    switch (vm->cfg.vga_text) {
    case VM_VGA_TEXT_ON: return true;
    case VM_VGA_TEXT_OFF: return false;
    default: return !vm_is_linux(vm);
    }
}

bool text_screen_locale_utf8(void)
{
    const char *names[] = { getenv("LC_ALL"), getenv("LC_CTYPE"), getenv("LANG") };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (!names[i] || !names[i][0])
            continue;
        const char *dot = strchr(names[i], '.');
        return dot && (strncasecmp(dot + 1, "UTF-8", 5) == 0 ||
                       strncasecmp(dot + 1, "utf8", 4) == 0);
    }
    return false;
}

int vm_text_screen_setup(struct vm *vm, struct wisp_error *err)
{
    vm->vga_enabled = vm_text_screen_wanted(vm);
    if (!vm->vga_enabled)
        return 0;
    vga_init(&vm->vga);
    if (!vm->restore) /* a restored guest's memory has it already */
        vga_bios_setup(&vm->memory);
    struct text_screen_mirror *m = &vm->text_mirror;
    memset(m, 0, sizeof *m);
    m->out = vm->cfg.vga_text_output;
    if (m->out) {
        m->colour = vm->cfg.vga_text_colour;
        m->utf8 = text_screen_locale_utf8();
    }
    return bus_register(&vm->ports, VGA_PORT_BASE, VGA_NR_PORTS, "VGA", vga_io, &vm->vga, err);
}

static const uint8_t *text_buffer(struct vm *vm)
{
    if (!vm->vga_enabled)
        return NULL;
    return guest_memory_ptr(&vm->memory, VGA_TEXT_ADDR, VGA_TEXT_SIZE);
}

static bool capture(struct vm *vm, struct vga_text_frame *f)
{
    const uint8_t *vram = text_buffer(vm);
    if (!vram)
        return false;
    struct vga_display d;
    vga_display_state(&vm->vga, &d);
    vga_text_capture(f, vram, &d);
    return true;
}

bool vm_text_screen_used(struct vm *vm)
{
    const uint8_t *vram = text_buffer(vm);
    if (!vram)
        return false;
    for (unsigned i = 0; i < VGA_TEXT_SIZE; i += 2)
        if ((vram[i] | vram[i + 1] << 8) != VGA_BLANK_CELL)
            return true;
    return false;
}

/* Any pixel that is not black (the padding byte does not count). */
static bool framebuffer_used(const struct framebuffer_view *fb)
{
    if (!fb->pixels)
        return false;
    for (uint32_t y = 0; y < fb->height; y++) {
        const uint8_t *row = fb->pixels + (size_t)y * fb->stride;
        for (uint32_t x = 0; x < fb->width; x++)
            if (row[4 * x] | row[4 * x + 1] | row[4 * x + 2])
                return true;
    }
    return false;
}

static struct framebuffer_view used_framebuffer(struct vm *vm)
{
    struct framebuffer_view fb = { 0 };
    if (vm->fb_size) {
        fb = vm_framebuffer_view(vm);
        if (!framebuffer_used(&fb))
            fb.pixels = NULL;
    }
    return fb;
}

int vm_text_screen_save(struct vm *vm, const char *path, struct wisp_error *err)
{
    struct vga_text_frame f;
    if (!capture(vm, &f))
        return wisp_fail(err, WISP_EXIT_HOST_ERROR, "%s: the text buffer is not in guest memory",
                         path);
    if (!vga_font_present)
        return wisp_fail(err, WISP_EXIT_USAGE, "%s: no picture of the VGA text screen: this "
                         "wisp was built without a console font (see the README); --ascii "
                         "shows the text", path);
    struct framebuffer_view fb = used_framebuffer(vm);
    uint32_t text_w = vga_render_width(&f);
    uint32_t width = text_w, height = VGA_RENDER_HEIGHT;
    if (fb.pixels) {
        width = text_w + SIDE_BY_SIDE_GAP + fb.width;
        height = fb.height > height ? fb.height : height;
    }
    size_t stride = (size_t)width * 4;
    uint8_t *pixels = malloc(stride * height);
    if (!pixels)
        return wisp_fail(err, WISP_EXIT_HOST_ERROR, "%s: out of memory for the screenshot", path);
    for (size_t i = 0; i < (size_t)width * height; i++) {
        pixels[4 * i] = (uint8_t)SIDE_BY_SIDE_FILL;
        pixels[4 * i + 1] = (uint8_t)(SIDE_BY_SIDE_FILL >> 8);
        pixels[4 * i + 2] = (uint8_t)(SIDE_BY_SIDE_FILL >> 16);
        pixels[4 * i + 3] = 0;
    }
    vga_render_pixels(&f, pixels, (uint32_t)stride);
    if (fb.pixels)
        for (uint32_t y = 0; y < fb.height; y++)
            memcpy(pixels + y * stride + (size_t)(text_w + SIDE_BY_SIDE_GAP) * 4,
                   fb.pixels + (size_t)y * fb.stride, (size_t)fb.width * 4);
    struct framebuffer_view view = { pixels, width, height, (uint32_t)stride };
    int rc = screenshot_save(path, &view, err);
    free(pixels);
    return rc;
}

void vm_text_screen_print(struct vm *vm, FILE *out)
{
    struct vga_text_frame f;
    if (!capture(vm, &f))
        return;
    bool utf8 = text_screen_locale_utf8();
    char line[VGA_TEXT_LINE_MAX];
    for (unsigned r = 0; r < VGA_TEXT_ROWS; r++) {
        vga_text_line(&f, r, utf8, line);
        fprintf(out, "%s\n", line);
    }
    struct framebuffer_view fb = used_framebuffer(vm);
    if (fb.pixels) {
        fprintf(out, "\n");
        screenshot_ascii(out, &fb, 80);
    }
}

/* ---- --vga-text stdio|FILE ---- */

static void print_frame(struct text_screen_mirror *m, const struct vga_text_frame *f)
{
    char line[VGA_ANSI_LINE_MAX];
    unsigned rows = VGA_TEXT_ROWS;
    /* Blank rows at the bottom are left out, except the cursor's. */
    while (rows > 1 && vga_text_line(f, rows - 1, false, line) == 0 &&
           f->cursor_row != (int)rows - 1)
        rows--;
    fputs(m->colour ? "\033[0;2m--- VGA text screen ---\033[0m\n" : "--- VGA text screen ---\n",
          m->out);
    for (unsigned r = 0; r < rows; r++) {
        if (m->colour)
            vga_text_ansi_line(f, r, m->utf8, line);
        else
            vga_text_line(f, r, m->utf8, line);
        fputs(line, m->out);
        fputc('\n', m->out);
    }
    fflush(m->out);
    m->printed_any = true;
    m->frames++;
}

static bool frame_is_blank(const struct vga_text_frame *f)
{
    for (unsigned r = 0; r < VGA_TEXT_ROWS; r++)
        for (unsigned c = 0; c < VGA_TEXT_COLS; c++)
            if (f->cells[r][c] != VGA_BLANK_CELL)
                return false;
    return true;
}

static bool same_frame(const struct vga_text_frame *a, const struct vga_text_frame *b)
{
    return memcmp(a->cells, b->cells, sizeof a->cells) == 0 &&
           a->cursor_row == b->cursor_row && a->cursor_col == b->cursor_col;
}

static void mirror_step(struct vm *vm, uint64_t now, bool final)
{
    struct text_screen_mirror *m = &vm->text_mirror;
    struct vga_text_frame f;
    if (!m->out || !capture(vm, &f))
        return;
    bool first = !m->printed_any && !m->pending;
    /* Nothing is shown until the guest writes something. */
    if (first && frame_is_blank(&f))
        return;
    if (first || !same_frame(&f, &m->seen)) {
        m->seen = f;
        m->changed_ns = now;
        if (!m->pending)
            m->pending_since_ns = now;
        m->pending = true;
    }
    if (m->pending && (final || now - m->changed_ns >= TEXT_SCREEN_SETTLE_NS ||
                       now - m->pending_since_ns >= TEXT_SCREEN_BUSY_NS)) {
        print_frame(m, &m->seen);
        m->pending = false;
    }
}

void vm_text_screen_poll(struct vm *vm)
{
    struct text_screen_mirror *m = &vm->text_mirror;
    if (!vm->vga_enabled || !m->out)
        return;
    uint64_t now = clock_monotonic_ns();
    if (now < m->next_poll_ns)
        return;
    m->next_poll_ns = now + TEXT_SCREEN_POLL_NS;
    mirror_step(vm, now, false);
}

void vm_text_screen_finish(struct vm *vm)
{
    if (vm->vga_enabled && vm->text_mirror.out)
        mirror_step(vm, clock_monotonic_ns(), true);
}
