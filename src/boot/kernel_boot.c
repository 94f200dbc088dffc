#include "kernel_boot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef unsigned long long ull;

struct kboot_framebuffer kboot_answer_framebuffer(const struct kboot_params *params,
                                                  const struct kboot_fb_request *req)
{
    /* Text mode when the VM has the VGA text screen. Without it the kernel
     * gets the linear framebuffer, which the protocols allow (the request
     * is a preference; the kernel reads what it got). */
    if (req->text && params->text_mode_available)
        return (struct kboot_framebuffer){ .kind = KBOOT_FB_EGA_TEXT, .addr = 0xB8000,
                                           .width = 80, .height = 25, .pitch = 160, .bpp = 16 };
    return params->fb;
}

void kboot_area_init(struct kboot_area *a, uint64_t base, uint64_t end)
{
    a->base = a->cursor = base;
    a->end = end;
}

uint64_t kboot_area_alloc(struct kboot_area *a, uint64_t size, uint64_t align)
{
    uint64_t at = (a->cursor + align - 1) & ~(align - 1);
    if (at < a->cursor || at > a->end || size > a->end - at)
        return 0;
    a->cursor = at + size;
    return at;
}

uint64_t kboot_area_put(struct kboot_area *a, struct guest_memory *gm, const void *bytes,
                        uint64_t size, uint64_t align)
{
    uint64_t at = kboot_area_alloc(a, size, align);
    if (at && size && !guest_memory_write(gm, at, bytes, size))
        return 0;
    return at;
}

uint64_t kboot_area_put_string(struct kboot_area *a, struct guest_memory *gm, const char *s)
{
    if (!s)
        s = "";
    return kboot_area_put(a, gm, s, strlen(s) + 1, 1);
}

int kboot_place_modules(struct guest_memory *gm, const struct boot_e820_entry *map,
                        unsigned entries, const struct kboot_module *modules, unsigned count,
                        uint64_t align, uint64_t limit, uint64_t *cursor, uint64_t *addrs,
                        struct wisp_error *err)
{
    uint64_t at = *cursor;
    for (unsigned i = 0; i < count; i++) {
        const struct kboot_module *m = &modules[i];
        uint64_t size = m->size ? m->size : 1; /* an empty module still has an address */
        at = (at + align - 1) & ~(align - 1);
        bool fits = false;
        for (unsigned e = 0; e < entries && !fits; e++) {
            const struct boot_e820_entry *r = &map[e];
            if (r->type != E820_TYPE_RAM)
                continue;
            uint64_t end = r->addr + r->size < limit ? r->addr + r->size : limit;
            if (at < r->addr && r->addr < end)
                at = (r->addr + align - 1) & ~(align - 1); /* skip a hole */
            fits = at >= r->addr && at < end && size <= end - at;
        }
        if (!fits) {
            char sz[32];
            return wisp_fail(err, WISP_EXIT_BAD_KERNEL,
                             "%s: module of %s does not fit in guest RAM from 0x%llx (RAM ends "
                             "at 0x%llx%s); try a larger -m", m->path,
                             linux_format_size(sz, m->size), (ull)at,
                             (ull)guest_memory_ram_size(gm),
                             limit < guest_memory_ram_size(gm) ? ", and modules must stay below "
                                                                 "4 GiB" : "");
        }
        if (m->size && !guest_memory_write(gm, at, m->data, m->size))
            return wisp_fail(err, WISP_EXIT_HOST_ERROR, "%s: internal error: guest memory "
                             "refused a checked module range", m->path);
        addrs[i] = at;
        at += size;
    }
    *cursor = at;
    return 0;
}

unsigned kboot_memory_map(const struct guest_memory *gm, struct boot_e820_entry *out,
                          unsigned max)
{
    return linux_memory_map(gm, out, max);
}

bool kboot_is_gzip(const uint8_t *file, size_t size)
{
    return size >= 18 && file[0] == 0x1F && file[1] == 0x8B;
}

char *kboot_module_string(const struct kboot_module *m)
{
    const char *args = m->cmdline && m->cmdline[0] ? m->cmdline : NULL;
    size_t n = strlen(m->path) + (args ? strlen(args) + 1 : 0) + 1;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s%s%s", m->path, args ? " " : "", args ? args : "");
    return s;
}

void kboot_write_bios_data_area(struct guest_memory *gm)
{
    const uint16_t com1 = 0x3F8, ebda_segment = (uint16_t)(LINUX_EBDA_ADDR >> 4);
    const uint16_t base_kib = (uint16_t)(LINUX_EBDA_ADDR >> 10), ebda_kib = 1;
    guest_memory_write(gm, 0x400, &com1, 2);
    guest_memory_write(gm, 0x40E, &ebda_segment, 2);
    guest_memory_write(gm, 0x413, &base_kib, 2);
    guest_memory_write(gm, LINUX_EBDA_ADDR, &ebda_kib, 2);

    /* mov ah, 0x86; stc; retf 2 (CF set in the caller's flags), and iret. */
    static const uint8_t stubs[] = { 0xB4, 0x86, 0xF9, 0xCA, 0x02, 0x00, 0xCF };
    const uint16_t segment = (uint16_t)((KBOOT_BIOS_STUBS & ~0xFFFFull) >> 4);
    const uint16_t unsupported = (uint16_t)(KBOOT_BIOS_STUBS & 0xFFFF);
    const uint16_t iret = (uint16_t)(unsupported + 6);
    guest_memory_write(gm, KBOOT_BIOS_STUBS, stubs, sizeof stubs);
    uint16_t ivt[256][2];
    for (unsigned v = 0; v < 256; v++) {
        bool hardware = (v >= 0x08 && v <= 0x0F) || (v >= 0x70 && v <= 0x77);
        ivt[v][0] = hardware ? iret : unsupported;
        ivt[v][1] = segment;
    }
    guest_memory_write(gm, 0, ivt, sizeof ivt);
}
