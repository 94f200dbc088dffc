#include "multiboot.h"

#include <stdlib.h>
#include <string.h>

#include "kernel_image.h"
#include "linux_entry.h"

typedef unsigned long long ull;

#define BAD(...) wisp_fail(err, WISP_EXIT_BAD_KERNEL, __VA_ARGS__)

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int multiboot_find_header(const uint8_t *file, size_t size, size_t *offset)
{
    size_t limit = size < MULTIBOOT_SEARCH ? size : MULTIBOOT_SEARCH;
    for (size_t off = 0; off + 12 <= limit; off += MULTIBOOT_HEADER_ALIGN)
        if (get32(file + off) == MULTIBOOT_HEADER_MAGIC) {
            *offset = off;
            return 1;
        }
    return 0;
}

int multiboot_parse(const char *p, const uint8_t *file, size_t size,
                    struct multiboot_header *out, size_t *offset, struct wisp_error *err)
{
    size_t off;
    if (!multiboot_find_header(file, size, &off))
        return BAD("%s: no Multiboot header (magic 0x%08x, 4-byte aligned in the first %u "
                   "bytes)", p, MULTIBOOT_HEADER_MAGIC, MULTIBOOT_SEARCH);
    struct multiboot_header h;
    memset(&h, 0, sizeof h);
    size_t avail = size - off < sizeof h ? size - off : sizeof h;
    memcpy(&h, file + off, avail);
    if ((uint32_t)(h.magic + h.flags + h.checksum) != 0)
        return BAD("%s: Multiboot header at offset 0x%zx has a bad checksum (magic + flags + "
                   "checksum = 0x%08x, must be 0)", p, off, (uint32_t)(h.magic + h.flags +
                                                                       h.checksum));
    uint32_t unknown = h.flags & 0xFFFFu & ~MULTIBOOT_KNOWN_REQUIRED;
    if (unknown)
        return BAD("%s: Multiboot header requires feature flag%s 0x%04x, which wisp does not "
                   "know (the specification defines bits 0-2)", p,
                   (unknown & (unknown - 1)) ? "s" : "", unknown);
    size_t need = (h.flags & MULTIBOOT_VIDEO_MODE) ? 48 : (h.flags & MULTIBOOT_AOUT_KLUDGE) ? 32 : 12;
    if (avail < need)
        return BAD("%s: truncated Multiboot header at offset 0x%zx (%zu of its %zu bytes)", p,
                   off, avail, need);
    *out = h;
    *offset = off;
    return 0;
}

struct kboot_fb_request multiboot_fb_request(const struct multiboot_header *h)
{
    struct kboot_fb_request r = { 0 };
    if (h->flags & MULTIBOOT_VIDEO_MODE) {
        r.text = h->mode_type == 1;
        r.width = h->width;
        r.height = h->height;
        r.depth = h->depth;
    }
    return r;
}

static int fill_framebuffer(struct multiboot_info *info, const struct kboot_framebuffer *fb)
{
    if (fb->kind == KBOOT_FB_NONE)
        return 0;
    info->flags |= MULTIBOOT_INFO_FRAMEBUFFER;
    info->framebuffer_addr = fb->addr;
    info->framebuffer_pitch = fb->pitch;
    info->framebuffer_width = fb->width;
    info->framebuffer_height = fb->height;
    info->framebuffer_bpp = fb->bpp;
    if (fb->kind == KBOOT_FB_EGA_TEXT) {
        info->framebuffer_type = MULTIBOOT_FRAMEBUFFER_TYPE_EGA_TEXT;
        return 0;
    }
    info->framebuffer_type = MULTIBOOT_FRAMEBUFFER_TYPE_RGB;
    const uint8_t bgra8[6] = { 16, 8, 8, 8, 0, 8 }; /* red, green, blue: position, size */
    memcpy(info->color_info, bgra8, sizeof bgra8);
    return 0;
}

int multiboot_load(struct guest_memory *gm, const char *p, const uint8_t *file, size_t size,
                   const struct kboot_params *params, struct multiboot_result *out,
                   struct wisp_error *err)
{
    struct multiboot_header h;
    size_t hoff;
    if (multiboot_parse(p, file, size, &h, &hoff, err) < 0)
        return -1;
    struct kimage img;
    if (h.flags & MULTIBOOT_AOUT_KLUDGE) {
        if (kimage_from_addresses(p, "Multiboot header", file, size, hoff, h.header_addr,
                                  h.load_addr, h.load_end_addr, h.bss_end_addr, h.entry_addr,
                                  &img, err) < 0)
            return -1;
    } else if (size >= 4 && memcmp(file, "\177ELF", 4) == 0) {
        if (kimage_from_elf(p, file, size, &img, err) < 0)
            return -1;
    } else {
        return BAD("%s: Multiboot kernel is neither ELF nor gives load addresses (header flag "
                   "16 clear)", p);
    }
    const struct kimage_rules rules = { KBOOT_KERNEL_MIN, 1ull << 32 };
    if (kimage_check(gm, p, &img, &rules, err) < 0)
        return -1;
    if (params->module_count > KBOOT_MAX_MODULES)
        return wisp_fail(err, WISP_EXIT_USAGE, "%u modules; wisp passes at most %u",
                         params->module_count, KBOOT_MAX_MODULES);

    struct boot_e820_entry map[LINUX_E820_MAX];
    unsigned entries = kboot_memory_map(gm, map, LINUX_E820_MAX);

    /* Modules after the kernel, page-aligned whether or not flag 0 asks
     * (GRUB does the same). Checked before anything is written. */
    struct multiboot_result r;
    memset(&r, 0, sizeof r);
    uint64_t cursor = img.phys_end;
    if (kimage_load(gm, p, file, &img, err) < 0 ||
        kboot_place_modules(gm, map, entries, params->modules, params->module_count, 0x1000,
                            1ull << 32, &cursor, r.module_addrs, err) < 0)
        return -1;

    struct kboot_area area;
    kboot_area_init(&area, KBOOT_INFO_AREA_BASE, KBOOT_INFO_AREA_END);
    uint64_t info_addr = kboot_area_alloc(&area, sizeof(struct multiboot_info), 8);
    struct multiboot_info info;
    memset(&info, 0, sizeof info);

    uint64_t high_end = linux_high_memory_end(map, entries);
    info.flags = MULTIBOOT_INFO_MEMORY | MULTIBOOT_INFO_CMDLINE | MULTIBOOT_INFO_MODS |
                 MULTIBOOT_INFO_MEM_MAP | MULTIBOOT_INFO_LOADER_NAME;
    info.mem_lower = (uint32_t)(LINUX_EBDA_ADDR >> 10);
    info.mem_upper = high_end > KBOOT_KERNEL_MIN ? (uint32_t)((high_end - KBOOT_KERNEL_MIN) >> 10)
                                                 : 0;
    info.cmdline = (uint32_t)kboot_area_put_string(&area, gm, params->cmdline);
    info.boot_loader_name = (uint32_t)kboot_area_put_string(&area, gm, KBOOT_LOADER_NAME);

    struct multiboot_module_entry mods[KBOOT_MAX_MODULES];
    for (unsigned i = 0; i < params->module_count; i++) {
        const struct kboot_module *m = &params->modules[i];
        char *string = kboot_module_string(m);
        mods[i] = (struct multiboot_module_entry){
            .mod_start = (uint32_t)r.module_addrs[i],
            .mod_end = (uint32_t)(r.module_addrs[i] + m->size),
            .string = string ? (uint32_t)kboot_area_put_string(&area, gm, string) : 0,
        };
        free(string);
        if (!mods[i].string)
            break;
    }
    info.mods_count = params->module_count;
    info.mods_addr = (uint32_t)kboot_area_put(&area, gm, mods,
                                              params->module_count * sizeof mods[0], 4);

    struct multiboot_mmap_entry mmap[LINUX_E820_MAX];
    for (unsigned i = 0; i < entries; i++)
        mmap[i] = (struct multiboot_mmap_entry){
            20, map[i].addr, map[i].size,
            map[i].type == E820_TYPE_RAM ? MULTIBOOT_MEMORY_AVAILABLE : map[i].type };
    info.mmap_length = (uint32_t)(entries * sizeof mmap[0]);
    info.mmap_addr = (uint32_t)kboot_area_put(&area, gm, mmap, info.mmap_length, 4);

    if (h.flags & MULTIBOOT_VIDEO_MODE) {
        struct kboot_fb_request req = multiboot_fb_request(&h);
        struct kboot_framebuffer fb = kboot_answer_framebuffer(params, &req);
        fill_framebuffer(&info, &fb);
    }
    if (!info_addr || !info.cmdline || !info.boot_loader_name || !info.mmap_addr ||
        (params->module_count && !info.mods_addr) ||
        (params->module_count && !mods[params->module_count - 1].string))
        return wisp_fail(err, WISP_EXIT_USAGE, "%s: the boot information (command lines, "
                         "modules, memory map) does not fit wisp's %llu KiB area", p,
                         (ull)((KBOOT_INFO_AREA_END - KBOOT_INFO_AREA_BASE) >> 10));
    if (!guest_memory_write(gm, info_addr, &info, sizeof info))
        return wisp_fail(err, WISP_EXIT_USAGE, "guest RAM does not reach the boot information "
                         "area at 0x%llx", (ull)info_addr);
    r.entry = (uint32_t)img.entry;
    r.info_addr = (uint32_t)info_addr;
    r.kernel_start = img.phys_start;
    r.kernel_end = img.phys_end;
    *out = r;
    return 0;
}

int multiboot_entry_state(struct guest_memory *gm, uint32_t entry, uint32_t magic,
                          uint32_t info, struct accel_regs *regs, struct accel_sregs *sregs,
                          struct wisp_error *err)
{
    if (linux_write_gdt(gm, false, err) < 0)
        return -1;
    linux_protected_mode_state(entry, regs, sregs);
    regs->rax = magic;
    regs->rbx = info;
    return 0;
}
