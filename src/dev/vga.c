#include "vga.h"

#include <string.h>

/* Mode 3 as a VGA BIOS programs it (IBM VGA technical reference tables). */
static const uint8_t mode3_seq[VGA_SEQ_REGS] = { 0x03, 0x00, 0x03, 0x00, 0x02 };
static const uint8_t mode3_crtc[VGA_CRTC_REGS] = {
    0x5F, 0x4F, 0x50, 0x82, 0x55, 0x81, 0xBF, 0x1F, 0x00, 0x4F, 0x0D, 0x0E, 0x00,
    0x00, 0x00, 0x00, 0x9C, 0x8E, 0x8F, 0x28, 0x1F, 0x96, 0xB9, 0xA3, 0xFF,
};
static const uint8_t mode3_gc[VGA_GC_REGS] = { 0x00, 0x00, 0x00, 0x00, 0x00,
                                               0x10, 0x0E, 0x00, 0xFF };
static const uint8_t mode3_ar[VGA_AR_REGS] = {
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07, 0x38, 0x39, 0x3A,
    0x3B, 0x3C, 0x3D, 0x3E, 0x3F, 0x0C, 0x00, 0x0F, 0x08, 0x00,
};

void vga_init(struct vga *v)
{
    memset(v, 0, sizeof *v);
    v->misc = 0x67;
    memcpy(v->seq, mode3_seq, sizeof v->seq);
    memcpy(v->crtc, mode3_crtc, sizeof v->crtc);
    memcpy(v->gc, mode3_gc, sizeof v->gc);
    memcpy(v->ar, mode3_ar, sizeof v->ar);
    v->ar_index = 0x20; /* palette address source set: the screen is on */
    v->vga_enable = 1;
    v->dac_mask = 0xFF;
    /* The EGA's 64 colours: bits 0-2 blue, green, red at 2/3 intensity,
     * bits 3-5 the same at 1/3 (6-bit DAC values 0x2A and 0x15). */
    for (unsigned i = 0; i < 64; i++) {
        v->dac[i][0] = (uint8_t)(((i >> 2) & 1) * 0x2A + ((i >> 5) & 1) * 0x15);
        v->dac[i][1] = (uint8_t)(((i >> 1) & 1) * 0x2A + ((i >> 4) & 1) * 0x15);
        v->dac[i][2] = (uint8_t)((i & 1) * 0x2A + ((i >> 3) & 1) * 0x15);
    }
}

static bool color_addressing(const struct vga *v)
{
    return v->misc & 1;
}

static void crtc_write(struct vga *v, uint8_t value)
{
    uint8_t i = v->crtc_index;
    if (i >= VGA_CRTC_REGS)
        return; /* no such register: ignored */
    if ((v->crtc[VGA_CRTC_VRETRACE_END] & 0x80) && i <= 7) {
        /* Protected: only the line compare bit of the overflow register. */
        if (i == 7)
            v->crtc[7] = (uint8_t)((v->crtc[7] & ~0x10) | (value & 0x10));
        return;
    }
    v->crtc[i] = value;
}

static uint8_t crtc_read(const struct vga *v)
{
    return v->crtc_index < VGA_CRTC_REGS ? v->crtc[v->crtc_index] : 0xFF;
}

static void ar_write(struct vga *v, uint8_t value)
{
    if (!v->ar_flip_data) {
        v->ar_index = value & 0x3F; /* index and palette address source */
    } else {
        uint8_t i = v->ar_index & 0x1F;
        if (i < 16)
            v->ar[i] = value & 0x3F;
        else if (i < VGA_AR_REGS)
            v->ar[i] = value;
    }
    v->ar_flip_data = !v->ar_flip_data;
}

static uint8_t ar_read(const struct vga *v)
{
    uint8_t i = v->ar_index & 0x1F;
    return i < VGA_AR_REGS ? v->ar[i] : 0x00;
}

/* Input status 1: display enable (bit 0 set while blanking) and vertical
 * retrace (bit 3), stepping through a frame one read at a time. Reading it
 * also resets the attribute controller's index/data flip-flop. */
static uint8_t input_status_1(struct vga *v)
{
    static const uint8_t phases[4] = { 0x00, 0x01, 0x09, 0x09 };
    v->ar_flip_data = false;
    return phases[v->status_reads++ & 3];
}

static void dac_write_data(struct vga *v, uint8_t value)
{
    v->dac[v->dac_write_index][v->dac_component] = value & 0x3F;
    if (++v->dac_component == 3) {
        v->dac_component = 0;
        v->dac_write_index++;
    }
}

static uint8_t dac_read_data(struct vga *v)
{
    uint8_t value = v->dac[v->dac_read_index][v->dac_component];
    if (++v->dac_component == 3) {
        v->dac_component = 0;
        v->dac_read_index++;
    }
    return value;
}

static void port_write(struct vga *v, uint16_t port, uint8_t value)
{
    v->writes++;
    bool color = color_addressing(v);
    switch (port) {
    case 0x3B4: if (!color) v->crtc_index = value; break;
    case 0x3B5: if (!color) crtc_write(v, value); break;
    case 0x3BA: if (!color) v->feature = value; break;
    case 0x3D4: if (color) v->crtc_index = value; break;
    case 0x3D5: if (color) crtc_write(v, value); break;
    case 0x3DA: if (color) v->feature = value; break;
    case 0x3C0: ar_write(v, value); break;
    case 0x3C2: v->misc = value; break;
    case 0x3C3: v->vga_enable = value & 1; break;
    case 0x3C4: v->seq_index = value & 0x07; break;
    case 0x3C5:
        if (v->seq_index < VGA_SEQ_REGS)
            v->seq[v->seq_index] = value;
        break;
    case 0x3C6: v->dac_mask = value; break;
    case 0x3C7:
        v->dac_read_index = value;
        v->dac_component = 0;
        v->dac_reading = true;
        break;
    case 0x3C8:
        v->dac_write_index = value;
        v->dac_component = 0;
        v->dac_reading = false;
        break;
    case 0x3C9: dac_write_data(v, value); break;
    case 0x3CE: v->gc_index = value & 0x0F; break;
    case 0x3CF:
        if (v->gc_index < VGA_GC_REGS)
            v->gc[v->gc_index] = value;
        break;
    default: break; /* read-only or nothing there */
    }
}

static uint8_t port_read(struct vga *v, uint16_t port)
{
    bool color = color_addressing(v);
    switch (port) {
    case 0x3B4: return color ? 0xFF : v->crtc_index;
    case 0x3B5: return color ? 0xFF : crtc_read(v);
    case 0x3BA: return color ? 0xFF : input_status_1(v);
    case 0x3D4: return color ? v->crtc_index : 0xFF;
    case 0x3D5: return color ? crtc_read(v) : 0xFF;
    case 0x3DA: return color ? input_status_1(v) : 0xFF;
    case 0x3C0: return v->ar_index;
    case 0x3C1: return ar_read(v);
    case 0x3C2: return 0x10; /* input status 0: switch sense (a colour monitor) */
    case 0x3C3: return v->vga_enable;
    case 0x3C4: return v->seq_index;
    case 0x3C5: return v->seq_index < VGA_SEQ_REGS ? v->seq[v->seq_index] : 0xFF;
    case 0x3C6: return v->dac_mask;
    case 0x3C7: return v->dac_reading ? 0x03 : 0x00;
    case 0x3C8: return v->dac_write_index;
    case 0x3C9: return dac_read_data(v);
    case 0x3CA: return v->feature;
    case 0x3CC: return v->misc;
    case 0x3CE: return v->gc_index;
    case 0x3CF: return v->gc_index < VGA_GC_REGS ? v->gc[v->gc_index] : 0xFF;
    default: return 0xFF;
    }
}

void vga_io(void *opaque, uint64_t offset, uint8_t *data, unsigned size, bool is_write)
{
    struct vga *v = opaque;
    for (unsigned i = 0; i < size; i++) {
        uint64_t port = VGA_PORT_BASE + offset + i;
        if (port >= VGA_PORT_BASE + VGA_NR_PORTS) {
            if (!is_write)
                data[i] = 0xFF;
            continue;
        }
        if (is_write)
            port_write(v, (uint16_t)port, data[i]);
        else
            data[i] = port_read(v, (uint16_t)port);
    }
}

static uint32_t dac_rgb(const struct vga *v, uint8_t index)
{
    const uint8_t *c = v->dac[index & v->dac_mask];
    uint32_t rgb = 0;
    for (int k = 0; k < 3; k++)
        rgb = rgb << 8 | (uint32_t)((c[k] & 0x3F) * 255 + 31) / 63;
    return rgb;
}

void vga_display_state(const struct vga *v, struct vga_display *out)
{
    memset(out, 0, sizeof *out);
    out->start = (uint16_t)(((unsigned)v->crtc[VGA_CRTC_START_HI] << 8 |
                             v->crtc[VGA_CRTC_START_LO]) % VGA_TEXT_CELLS);
    out->row_stride = (uint16_t)(v->crtc[VGA_CRTC_OFFSET] * 2u);
    out->cursor = (uint16_t)(((unsigned)v->crtc[VGA_CRTC_CURSOR_HI] << 8 |
                              v->crtc[VGA_CRTC_CURSOR_LO]) % VGA_TEXT_CELLS);
    uint8_t first = v->crtc[VGA_CRTC_CURSOR_START] & 0x1F;
    uint8_t last = v->crtc[VGA_CRTC_CURSOR_END] & 0x1F;
    if (last > 15)
        last = 15;
    /* A first line past the last (or past the cell) shows no cursor. */
    out->cursor_on = !(v->crtc[VGA_CRTC_CURSOR_START] & 0x20) && first <= last;
    out->cursor_first = first;
    out->cursor_last = last;
    uint8_t mode = v->ar[VGA_AR_MODE];
    out->blink = mode & 0x08;
    out->line_graphics = mode & 0x04;
    out->nine_dot = !(v->seq[1] & 0x01);
    for (unsigned i = 0; i < 16; i++) {
        uint8_t p = v->ar[i & v->ar[VGA_AR_PLANE_ENABLE] & 0x0F] & 0x3F;
        uint8_t select = v->ar[VGA_AR_COLOR_SELECT];
        uint8_t index = (mode & 0x80) ? (uint8_t)((p & 0x0F) | (select & 0x0F) << 4)
                                      : (uint8_t)(p | (select & 0x0C) << 4);
        out->palette[i] = dac_rgb(v, index);
    }
}

void vga_bios_setup(struct guest_memory *gm)
{
    uint16_t equipment = 0;
    guest_memory_read(gm, 0x410, &equipment, 2);
    equipment = (uint16_t)((equipment & ~0x30) | 0x20); /* initial video: 80x25 colour */
    guest_memory_write(gm, 0x410, &equipment, 2);
    const uint8_t mode = 3, rows_minus_1 = VGA_TEXT_ROWS - 1;
    const uint16_t cols = VGA_TEXT_COLS, page_size = 4096, page_start = 0;
    const uint16_t cursor_shape = 0x0D0E, crtc_port = 0x3D4, char_height = 16;
    const uint16_t cursor_pos[8] = { 0 };
    guest_memory_write(gm, 0x449, &mode, 1);
    guest_memory_write(gm, 0x44A, &cols, 2);
    guest_memory_write(gm, 0x44C, &page_size, 2);
    guest_memory_write(gm, 0x44E, &page_start, 2);
    guest_memory_write(gm, 0x450, cursor_pos, sizeof cursor_pos);
    guest_memory_write(gm, 0x460, &cursor_shape, 2);
    guest_memory_write(gm, 0x462, &page_start, 1);
    guest_memory_write(gm, 0x463, &crtc_port, 2);
    guest_memory_write(gm, 0x484, &rows_minus_1, 1);
    guest_memory_write(gm, 0x485, &char_height, 2);

    uint16_t *cells = guest_memory_ptr(gm, VGA_TEXT_ADDR, VGA_TEXT_SIZE);
    if (cells)
        for (unsigned i = 0; i < VGA_TEXT_CELLS; i++)
            cells[i] = VGA_BLANK_CELL;
}
