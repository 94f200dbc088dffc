#include "multiboot2.h"

#include <stdlib.h>
#include <string.h>

#include "acpi_tables.h"
#include "kernel_image.h"

typedef unsigned long long ull;

#define BAD(...) wisp_fail(err, WISP_EXIT_BAD_KERNEL, __VA_ARGS__)

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int multiboot2_find_header(const uint8_t *file, size_t size, size_t *offset)
{
    size_t limit = size < MULTIBOOT2_SEARCH ? size : MULTIBOOT2_SEARCH;
    for (size_t off = 0; off + 16 <= limit; off += MULTIBOOT2_HEADER_ALIGN)
        if (get32(file + off) == MULTIBOOT2_HEADER_MAGIC) {
            *offset = off;
            return 1;
        }
    return 0;
}

static const char *info_tag_name(uint32_t type)
{
    switch (type) {
    case MB2_TAG_CMDLINE: return "command line";
    case MB2_TAG_BOOT_LOADER_NAME: return "boot loader name";
    case MB2_TAG_MODULE: return "modules";
    case MB2_TAG_BASIC_MEMINFO: return "basic memory information";
    case MB2_TAG_BOOTDEV: return "BIOS boot device";
    case MB2_TAG_MMAP: return "memory map";
    case MB2_TAG_VBE: return "VBE information";
    case MB2_TAG_FRAMEBUFFER: return "framebuffer";
    case MB2_TAG_ELF_SECTIONS: return "ELF sections";
    case MB2_TAG_APM: return "APM table";
    case 11: return "EFI 32-bit system table";
    case 12: return "EFI 64-bit system table";
    case 13: return "SMBIOS tables";
    case MB2_TAG_ACPI_OLD: return "ACPI old RSDP";
    case MB2_TAG_ACPI_NEW: return "ACPI new RSDP";
    case 16: return "networking information";
    case 17: return "EFI memory map";
    case 18: return "EFI boot services not terminated";
    case 19: return "EFI 32-bit image handle";
    case 20: return "EFI 64-bit image handle";
    case MB2_TAG_LOAD_BASE_ADDR: return "image load base address";
    default: return "unknown";
    }
}

/* Boot information tags wisp writes (or, for the framebuffer, can write). */
static bool info_tag_supported(uint32_t type)
{
    switch (type) {
    case MB2_TAG_CMDLINE: case MB2_TAG_BOOT_LOADER_NAME: case MB2_TAG_MODULE:
    case MB2_TAG_BASIC_MEMINFO: case MB2_TAG_MMAP: case MB2_TAG_FRAMEBUFFER:
    case MB2_TAG_ACPI_OLD: case MB2_TAG_ACPI_NEW: case MB2_TAG_LOAD_BASE_ADDR:
        return true;
    default:
        return false;
    }
}

int multiboot2_parse(const char *p, const uint8_t *file, size_t size,
                     struct multiboot2_header_info *out, struct wisp_error *err)
{
    size_t off;
    if (!multiboot2_find_header(file, size, &off))
        return BAD("%s: no Multiboot2 header (magic 0x%08x, 8-byte aligned in the first %u "
                   "bytes)", p, MULTIBOOT2_HEADER_MAGIC, MULTIBOOT2_SEARCH);
    const uint8_t *h = file + off;
    uint32_t arch = get32(h + 4), length = get32(h + 8), checksum = get32(h + 12);
    if ((uint32_t)(MULTIBOOT2_HEADER_MAGIC + arch + length + checksum) != 0)
        return BAD("%s: Multiboot2 header at offset 0x%zx has a bad checksum (magic + "
                   "architecture + header_length + checksum = 0x%08x, must be 0)", p, off,
                   (uint32_t)(MULTIBOOT2_HEADER_MAGIC + arch + length + checksum));
    if (arch != MULTIBOOT2_ARCH_I386)
        return BAD("%s: Multiboot2 header asks for architecture %u; wisp boots 0 (i386 "
                   "protected mode)", p, arch);
    if (length < 16 + 8 || length > size - off)
        return BAD("%s: Multiboot2 header_length %u runs past the end of the %zu-byte file "
                   "or leaves no room for the end tag", p, length, size);

    struct multiboot2_header_info info;
    memset(&info, 0, sizeof info);
    info.offset = off;
    info.header_length = length;
    size_t pos = 16;
    bool ended = false;
    while (!ended) {
        if (pos + 8 > length)
            return BAD("%s: Multiboot2 header tags run past header_length %u (no end tag)", p,
                       length);
        uint16_t type = get16(h + pos), flags = get16(h + pos + 2);
        uint32_t tsize = get32(h + pos + 4);
        bool optional = flags & MB2_HEADER_TAG_OPTIONAL;
        if (tsize < 8 || tsize > length - pos)
            return BAD("%s: Multiboot2 header tag %u at offset 0x%zx has size %u, outside the "
                       "header", p, type, off + pos, tsize);
        const uint8_t *t = h + pos;
#define NEED(n) do { if (tsize < (n)) return BAD("%s: Multiboot2 header tag %u is %u bytes, " \
                    "shorter than its %u", p, type, tsize, (unsigned)(n)); } while (0)
        switch (type) {
        case MB2_HEADER_TAG_END:
            ended = true;
            break;
        case MB2_HEADER_TAG_INFORMATION_REQUEST:
            for (uint32_t k = 8; k + 4 <= tsize; k += 4) {
                uint32_t want = get32(t + k);
                if (!info_tag_supported(want) && !optional)
                    return BAD("%s: Multiboot2 header requires boot information tag %u (%s), "
                               "which wisp does not provide", p, want, info_tag_name(want));
                if (info.requested_count < 32)
                    info.requested[info.requested_count++] = want;
            }
            break;
        case MB2_HEADER_TAG_ADDRESS:
            NEED(24);
            info.has_address = true;
            info.header_addr = get32(t + 8);
            info.load_addr = get32(t + 12);
            info.load_end_addr = get32(t + 16);
            info.bss_end_addr = get32(t + 20);
            break;
        case MB2_HEADER_TAG_ENTRY_ADDRESS:
            NEED(12);
            info.has_entry = true;
            info.entry_addr = get32(t + 8);
            break;
        case MB2_HEADER_TAG_CONSOLE_FLAGS:
            NEED(12);
            /* Bit 0: a console is required; bit 1: EGA text supported.
             * Whether wisp has one is known at load (--vga-text). */
            info.console_required = (get32(t + 8) & 1) && !optional;
            info.ega_text_supported = get32(t + 8) & 2;
            break;
        case MB2_HEADER_TAG_FRAMEBUFFER:
            NEED(20);
            info.has_framebuffer = true;
            info.fb.width = get32(t + 8);
            info.fb.height = get32(t + 12);
            info.fb.depth = get32(t + 16);
            break;
        case MB2_HEADER_TAG_MODULE_ALIGN:
            info.modules_aligned = true;
            break;
        case MB2_HEADER_TAG_RELOCATABLE:
            NEED(24);
            info.has_relocatable = true;
            info.reloc_min = get32(t + 8);
            info.reloc_max = get32(t + 12);
            info.reloc_align = get32(t + 16);
            info.reloc_preference = get32(t + 20);
            if (info.reloc_align & (info.reloc_align - 1))
                return BAD("%s: Multiboot2 relocatable tag: align 0x%x is not a power of two",
                           p, info.reloc_align);
            if (info.reloc_min > info.reloc_max)
                return BAD("%s: Multiboot2 relocatable tag: min_addr 0x%x above max_addr 0x%x",
                           p, info.reloc_min, info.reloc_max);
            break;
        default:
            if (!optional)
                return BAD("%s: Multiboot2 header has required tag %u (%s), which wisp does "
                           "not support", p, type,
                           type == MB2_HEADER_TAG_EFI_BS ? "EFI boot services" :
                           type == MB2_HEADER_TAG_ENTRY_ADDRESS_EFI32 ? "EFI i386 entry" :
                           type == MB2_HEADER_TAG_ENTRY_ADDRESS_EFI64 ? "EFI amd64 entry" :
                           "unknown");
            break;
        }
#undef NEED
        pos += (tsize + 7) & ~7u;
    }
    *out = info;
    return 0;
}

/* Tags are written into a host buffer the size of the boot information
 * area, then copied once. */
struct tag_writer {
    uint8_t *buf;
    size_t cap, len;
    bool overflow;
};

static uint8_t *tag_begin(struct tag_writer *w, uint32_t type, uint32_t size)
{
    size_t at = (w->len + 7) & ~(size_t)7;
    if (at + size > w->cap) {
        w->overflow = true;
        return NULL;
    }
    memset(w->buf + w->len, 0, at + size - w->len);
    uint8_t *t = w->buf + at;
    memcpy(t, &type, 4);
    memcpy(t + 4, &size, 4);
    w->len = at + size;
    return t;
}

static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

static void tag_string(struct tag_writer *w, uint32_t type, const char *s)
{
    if (!s)
        s = "";
    size_t n = strlen(s) + 1;
    uint8_t *t = tag_begin(w, type, (uint32_t)(8 + n));
    if (t)
        memcpy(t + 8, s, n);
}

/* Chooses where a relocatable image goes: where it was linked if the tag's
 * range allows, else the lowest or highest aligned fit. */
static int relocate(const struct guest_memory *gm, const char *p,
                    const struct multiboot2_header_info *hi, struct kimage *img,
                    struct wisp_error *err)
{
    uint64_t span = img->phys_end - img->phys_start;
    uint64_t align = hi->reloc_align ? hi->reloc_align : 1;
    uint64_t lo = hi->reloc_min > KBOOT_KERNEL_MIN ? hi->reloc_min : KBOOT_KERNEL_MIN;
    uint64_t ram = guest_memory_ram_size(gm);
    uint64_t hi_end = (uint64_t)hi->reloc_max + 1 < ram ? (uint64_t)hi->reloc_max + 1 : ram;
    uint64_t at = img->phys_start;
    if (at >= lo && at <= hi_end && span <= hi_end - at && (at & (align - 1)) == 0)
        return 0;
    lo = (lo + align - 1) & ~(align - 1);
    if (span > hi_end || lo > hi_end - span)
        return BAD("%s: Multiboot2 relocatable tag: no %llu-byte place aligned to 0x%llx in "
                   "0x%x-0x%x within the guest's RAM", p, (ull)span, (ull)align, hi->reloc_min,
                   hi->reloc_max);
    at = hi->reloc_preference == MB2_RELOC_PREFER_HIGHEST ? ((hi_end - span) & ~(align - 1)) : lo;
    kimage_shift(img, (int64_t)(at - img->phys_start));
    return 0;
}

int multiboot2_load(struct guest_memory *gm, const char *p, const uint8_t *file, size_t size,
                    const struct kboot_params *params, struct multiboot2_result *out,
                    struct wisp_error *err)
{
    struct multiboot2_header_info hi;
    if (multiboot2_parse(p, file, size, &hi, err) < 0)
        return -1;
    if (hi.console_required && !params->text_mode_available)
        return BAD("%s: Multiboot2 header requires an EGA text console, which this VM does "
                   "not have (--vga-text off, or a boot without it)", p);
    /* A kernel that can use EGA text and asks for no framebuffer gets the
     * text screen, as GRUB gives it. */
    if (params->text_mode_available && !hi.has_framebuffer &&
        (hi.console_required || hi.ega_text_supported)) {
        hi.has_framebuffer = true;
        hi.fb = (struct kboot_fb_request){ .text = true };
    }
    struct kimage img;
    if (hi.has_address) {
        if (!hi.has_entry)
            return BAD("%s: Multiboot2 header has an address tag but no entry address tag", p);
        if (kimage_from_addresses(p, "Multiboot2 address tag", file, size, hi.offset,
                                  hi.header_addr, hi.load_addr, hi.load_end_addr,
                                  hi.bss_end_addr, hi.entry_addr, &img, err) < 0)
            return -1;
    } else if (size >= 4 && memcmp(file, "\177ELF", 4) == 0) {
        if (kimage_from_elf(p, file, size, &img, err) < 0)
            return -1;
        if (hi.has_entry)
            img.entry = hi.entry_addr;
    } else {
        return BAD("%s: Multiboot2 kernel is neither ELF nor has an address tag", p);
    }
    if (hi.has_relocatable && relocate(gm, p, &hi, &img, err) < 0)
        return -1;
    const struct kimage_rules rules = { KBOOT_KERNEL_MIN, 1ull << 32 };
    if (kimage_check(gm, p, &img, &rules, err) < 0)
        return -1;
    if (params->module_count > KBOOT_MAX_MODULES)
        return wisp_fail(err, WISP_EXIT_USAGE, "%u modules; wisp passes at most %u",
                         params->module_count, KBOOT_MAX_MODULES);

    struct boot_e820_entry map[LINUX_E820_MAX];
    unsigned entries = kboot_memory_map(gm, map, LINUX_E820_MAX);
    struct multiboot2_result r;
    memset(&r, 0, sizeof r);
    uint64_t cursor = img.phys_end;
    if (kimage_load(gm, p, file, &img, err) < 0 ||
        kboot_place_modules(gm, map, entries, params->modules, params->module_count, 0x1000,
                            1ull << 32, &cursor, r.module_addrs, err) < 0)
        return -1;

    struct tag_writer w = { .cap = KBOOT_INFO_AREA_END - KBOOT_INFO_AREA_BASE };
    w.buf = malloc(w.cap);
    if (!w.buf)
        return wisp_fail(err, WISP_EXIT_HOST_ERROR, "out of memory");
    w.len = 8; /* total_size, reserved */
    memset(w.buf, 0, 8);

    tag_string(&w, MB2_TAG_CMDLINE, params->cmdline);
    tag_string(&w, MB2_TAG_BOOT_LOADER_NAME, KBOOT_LOADER_NAME);
    for (unsigned i = 0; i < params->module_count; i++) {
        const struct kboot_module *m = &params->modules[i];
        char *s = kboot_module_string(m);
        size_t n = s ? strlen(s) + 1 : 1;
        uint8_t *t = tag_begin(&w, MB2_TAG_MODULE, (uint32_t)(16 + n));
        if (t) {
            put32(t + 8, (uint32_t)r.module_addrs[i]);
            put32(t + 12, (uint32_t)(r.module_addrs[i] + m->size));
            memcpy(t + 16, s ? s : "", n);
        }
        free(s);
        if (!t)
            break;
    }
    uint64_t high_end = linux_high_memory_end(map, entries);
    uint8_t *t = tag_begin(&w, MB2_TAG_BASIC_MEMINFO, 16);
    if (t) {
        put32(t + 8, (uint32_t)(LINUX_EBDA_ADDR >> 10));
        put32(t + 12, high_end > KBOOT_KERNEL_MIN ? (uint32_t)((high_end - KBOOT_KERNEL_MIN) >> 10)
                                                  : 0);
    }
    t = tag_begin(&w, MB2_TAG_MMAP, 16 + entries * 24);
    if (t) {
        put32(t + 8, 24); /* entry_size */
        put32(t + 12, 0); /* entry_version */
        for (unsigned i = 0; i < entries; i++) {
            uint8_t *e = t + 16 + i * 24;
            put64(e, map[i].addr);
            put64(e + 8, map[i].size);
            put32(e + 16, map[i].type);
            put32(e + 20, 0);
        }
    }
    if (hi.has_framebuffer) {
        struct kboot_framebuffer fb = kboot_answer_framebuffer(params, &hi.fb);
        if (fb.kind == KBOOT_FB_RGB) {
            t = tag_begin(&w, MB2_TAG_FRAMEBUFFER, 38);
            if (t) {
                put64(t + 8, fb.addr);
                put32(t + 16, fb.pitch);
                put32(t + 20, fb.width);
                put32(t + 24, fb.height);
                t[28] = fb.bpp;
                t[29] = 1; /* RGB */
                const uint8_t bgra8[6] = { 16, 8, 8, 8, 0, 8 };
                memcpy(t + 32, bgra8, sizeof bgra8);
            }
        } else if (fb.kind == KBOOT_FB_EGA_TEXT) {
            t = tag_begin(&w, MB2_TAG_FRAMEBUFFER, 32);
            if (t) {
                put64(t + 8, fb.addr);
                put32(t + 16, fb.pitch);
                put32(t + 20, fb.width);
                put32(t + 24, fb.height);
                t[28] = fb.bpp;
                t[29] = 2; /* EGA text */
            }
        }
    }
    if (params->acpi_rsdp) {
        struct acpi_rsdp rsdp;
        if (!guest_memory_read(gm, params->acpi_rsdp, &rsdp, sizeof rsdp)) {
            free(w.buf);
            return wisp_fail(err, WISP_EXIT_HOST_ERROR, "internal error: RSDP outside RAM");
        }
        t = tag_begin(&w, MB2_TAG_ACPI_OLD, 8 + 20);
        if (t)
            memcpy(t + 8, &rsdp, 20);
        t = tag_begin(&w, MB2_TAG_ACPI_NEW, 8 + sizeof rsdp);
        if (t)
            memcpy(t + 8, &rsdp, sizeof rsdp);
    }
    r.load_base = img.phys_start;
    t = tag_begin(&w, MB2_TAG_LOAD_BASE_ADDR, 12);
    if (t)
        put32(t + 8, (uint32_t)img.phys_start);
    tag_begin(&w, MB2_TAG_END, 8);

    if (w.overflow) {
        free(w.buf);
        return wisp_fail(err, WISP_EXIT_USAGE, "%s: the boot information (command lines, "
                         "modules, memory map) does not fit wisp's %llu KiB area", p,
                         (ull)((KBOOT_INFO_AREA_END - KBOOT_INFO_AREA_BASE) >> 10));
    }
    put32(w.buf, (uint32_t)w.len);
    bool ok = guest_memory_write(gm, KBOOT_INFO_AREA_BASE, w.buf, w.len);
    free(w.buf);
    if (!ok)
        return wisp_fail(err, WISP_EXIT_USAGE, "guest RAM does not reach the boot information "
                         "area at 0x%llx", (ull)KBOOT_INFO_AREA_BASE);
    r.entry = (uint32_t)img.entry;
    r.info_addr = (uint32_t)KBOOT_INFO_AREA_BASE;
    r.info_size = (uint32_t)w.len;
    r.kernel_start = img.phys_start;
    r.kernel_end = img.phys_end;
    *out = r;
    return 0;
}
