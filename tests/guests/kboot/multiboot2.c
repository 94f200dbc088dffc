/*
 * multiboot2: walks the Multiboot 2 boot information and checks every tag
 * its header asked for against the command line's expectations
 * (expect_mem, expect_mods, fb_w, fb_h, expect_base): command line,
 * loader name, modules (size, FNV-1a, string), basic meminfo, memory map,
 * framebuffer (drawn on), the ACPI old and new RSDP copies (checksums, and
 * the RSDT they point to), the load base address.
 */
#include "kb_lib.h"

struct tag { uint32_t type, size; };

static void *identity(uint64_t phys)
{
    return (void *)(uintptr_t)phys;
}

static const char *cmdline = "";
static unsigned modules;
static uint32_t seen;

static void check_mmap(const uint8_t *t, uint32_t size, uint64_t expect_mem)
{
    uint32_t entry_size, version;
    memcpy(&entry_size, t + 8, 4);
    memcpy(&version, t + 12, 4);
    KB_CHECK(entry_size == 24 && version == 0, "mmap entry_size %u version %u", entry_size,
             version);
    uint64_t prev_end = 0, top = 0;
    for (uint32_t off = 16; off + 24 <= size; off += entry_size) {
        uint64_t addr, len;
        uint32_t type;
        memcpy(&addr, t + off, 8);
        memcpy(&len, t + off + 8, 8);
        memcpy(&type, t + off + 16, 4);
        kb_printf("mmap: 0x%llx-0x%llx type %u\n", (unsigned long long)addr,
                  (unsigned long long)(addr + len), type);
        KB_CHECK(addr >= prev_end, "mmap sorted at 0x%llx", (unsigned long long)addr);
        prev_end = addr + len;
        if (type == 1)
            top = prev_end;
    }
    KB_CHECK(top == expect_mem << 20, "usable RAM ends at 0x%llx, -m says %llu MiB",
             (unsigned long long)top, (unsigned long long)expect_mem);
}

static void check_framebuffer(const uint8_t *t)
{
    uint64_t addr;
    uint32_t pitch, w, h;
    memcpy(&addr, t + 8, 8);
    memcpy(&pitch, t + 16, 4);
    memcpy(&w, t + 20, 4);
    memcpy(&h, t + 24, 4);
    uint8_t bpp = t[28], type = t[29];
    const uint8_t *rgb = t + 32;
    kb_printf("framebuffer: 0x%llx %ux%u pitch %u bpp %u type %u rgb at %u/%u/%u\n",
              (unsigned long long)addr, w, h, pitch, bpp, type, rgb[0], rgb[2], rgb[4]);
    KB_CHECK(type == 1 && bpp == 32, "32-bit RGB framebuffer");
    KB_CHECK(w == kb_cmdline_number(cmdline, "fb_w", 1024) &&
             h == kb_cmdline_number(cmdline, "fb_h", 768), "framebuffer %ux%u", w, h);
    KB_CHECK(pitch == w * 4, "pitch %u", pitch);
    kb_draw_quadrants(identity(addr), w, h, pitch, rgb[0], rgb[2], rgb[4]);
}

static void walk(const uint8_t *info)
{
    uint32_t total;
    memcpy(&total, info, 4);
    kb_printf("multiboot2: info at 0x%x, %u bytes\n", (uint32_t)(uintptr_t)info, total);
    KB_CHECK(((uintptr_t)info & 7) == 0, "info 8-byte aligned");
    /* The command line first: the other checks read their expectations there. */
    for (uint32_t off = 8; off + 8 <= total;) {
        struct tag tg;
        memcpy(&tg, info + off, 8);
        if (tg.type == 0)
            break;
        if (tg.type == 1)
            cmdline = (const char *)(info + off + 8);
        off += (tg.size + 7) & ~7u;
    }
    uint64_t expect_mem = kb_cmdline_number(cmdline, "expect_mem", 0);
    for (uint32_t off = 8; off + 8 <= total;) {
        const uint8_t *t = info + off;
        struct tag tg;
        memcpy(&tg, t, 8);
        KB_CHECK((off & 7) == 0, "tag at +%u 8-byte aligned", off);
        if (tg.type == 0) {
            KB_CHECK(tg.size == 8, "end tag size %u", tg.size);
            KB_CHECK(off + 8 == total, "end tag closes total_size");
            break;
        }
        if (tg.type < 32)
            seen |= 1u << tg.type;
        switch (tg.type) {
        case 1:
            kb_printf("cmdline: '%s'\n", (const char *)(t + 8));
            break;
        case 2:
            kb_printf("loader: '%s'\n", (const char *)(t + 8));
            break;
        case 3: {
            uint32_t start, end;
            memcpy(&start, t + 8, 4);
            memcpy(&end, t + 12, 4);
            kb_printf("module %u: %u bytes fnv 0x%x string '%s'\n", modules, end - start,
                      kb_fnv1a(identity(start), end - start), (const char *)(t + 16));
            KB_CHECK((start & 0xFFF) == 0, "module page-aligned: 0x%x", start);
            modules++;
            break;
        }
        case 4: {
            uint32_t lower, upper;
            memcpy(&lower, t + 8, 4);
            memcpy(&upper, t + 12, 4);
            KB_CHECK(lower == 639 && upper == expect_mem * 1024 - 1024,
                     "basic meminfo %u/%u KiB", lower, upper);
            break;
        }
        case 6:
            check_mmap(t, tg.size, expect_mem);
            break;
        case 8:
            check_framebuffer(t);
            break;
        case 14:
            KB_CHECK(tg.size == 8 + 20, "old RSDP tag size %u", tg.size);
            kb_check_rsdp_v1(t + 8, identity);
            break;
        case 15:
            KB_CHECK(tg.size == 8 + 36, "new RSDP tag size %u", tg.size);
            kb_check_rsdp(t + 8, identity);
            break;
        case 21: {
            uint32_t base;
            memcpy(&base, t + 8, 4);
            kb_printf("load base: 0x%x\n", base);
            KB_CHECK(base == kb_cmdline_number(cmdline, "expect_base", 0x100000),
                     "load base 0x%x", base);
            break;
        }
        default:
            kb_printf("tag %u (%u bytes)\n", tg.type, tg.size);
        }
        off += (tg.size + 7) & ~7u;
    }
    static const unsigned wanted[] = { 1, 2, 4, 6, 8, 14, 15, 21 };
    for (unsigned i = 0; i < sizeof wanted / sizeof wanted[0]; i++)
        KB_CHECK(seen & (1u << wanted[i]), "tag %u present", wanted[i]);
    KB_CHECK(modules == kb_cmdline_number(cmdline, "expect_mods", 0), "%u modules", modules);
}

void kmain(uint32_t magic, const uint8_t *info, uint32_t eflags)
{
    kb_printf("multiboot2: magic 0x%x eflags 0x%x\n", magic, eflags);
    KB_CHECK(magic == 0x36D76289, "EAX = 0x36D76289");
    uint32_t cr0;
    __asm__ __volatile__("mov %%cr0, %0" : "=r"(cr0));
    KB_CHECK((cr0 & 1) && !(cr0 & 0x80000000u), "protected mode, paging off: cr0 0x%x", cr0);
    KB_CHECK(!(eflags & 0x200), "IF clear");
    walk(info);
    kb_finish("multiboot2");
}
