/*
 * multiboot1: checks everything a Multiboot 1 loader promised it, against
 * what the test put on the command line: expect_mem=MiB (the -m given),
 * expect_mods=N, fb=WIDTHxHEIGHT as fb_w=W fb_h=H. Prints the command
 * line, each memory map entry and each module's size, FNV-1a hash and
 * string (the test compares them with the files), draws four quadrants on
 * the framebuffer, checks the ACPI RSDP in the BIOS area, and exits
 * through isa-debug-exit. With action=1 on the command line it
 * powers off through ACPI (SLP_TYP 5 into PM1a_CNT at 0x604, as the FADT
 * and \_S5 say) instead, with action=2 it resets through 0xCF9: the
 * tests of --no-shutdown and --no-reboot. With action=3 it counts for
 * ever instead, `count N` every 100 ms of the ACPI PM timer, checking at
 * each step that the timer never went back and that a byte it left in
 * CMOS RAM and one in the 8042's RAM are still there: the test of
 * snapshots of a Multiboot guest (the platform devices' saved state).
 */
#include "kb_lib.h"

struct mb_info {
    uint32_t flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
    uint32_t syms[4];
    uint32_t mmap_length, mmap_addr, drives_length, drives_addr, config_table;
    uint32_t boot_loader_name, apm_table, vbe_control_info, vbe_mode_info;
    uint16_t vbe_mode, vbe_interface_seg, vbe_interface_off, vbe_interface_len;
    uint64_t framebuffer_addr;
    uint32_t framebuffer_pitch, framebuffer_width, framebuffer_height;
    uint8_t framebuffer_bpp, framebuffer_type;
    uint8_t red_pos, red_size, green_pos, green_size, blue_pos, blue_size;
} __attribute__((packed));

struct mb_module { uint32_t start, end, string, reserved; };
struct mb_mmap { uint32_t size; uint64_t addr, len; uint32_t type; } __attribute__((packed));

extern char __kernel_start[], __kernel_end[];

static void *identity(uint64_t phys)
{
    return (void *)(uintptr_t)phys;
}

static void check_cpu_state(uint32_t eflags)
{
    uint32_t cr0, cs;
    __asm__ __volatile__("mov %%cr0, %0" : "=r"(cr0));
    __asm__ __volatile__("mov %%cs, %0" : "=r"(cs));
    KB_CHECK((cr0 & 1) && !(cr0 & 0x80000000u), "protected mode, paging off: cr0 0x%x", cr0);
    KB_CHECK(!(eflags & 0x200) && !(eflags & 0x20000), "IF and VM clear: eflags 0x%x", eflags);
    kb_printf("cpu: cr0 0x%x cs 0x%x eflags 0x%x\n", cr0, cs, eflags);
}

static void check_memory(const struct mb_info *mb, uint64_t expect_mem)
{
    KB_CHECK(mb->flags & (1u << 0), "mem_lower/mem_upper given");
    KB_CHECK(mb->mem_lower == 639, "mem_lower %u KiB", mb->mem_lower);
    KB_CHECK(mb->mem_upper == expect_mem * 1024 - 1024, "mem_upper %u KiB for %llu MiB",
             mb->mem_upper, (unsigned long long)expect_mem);
    KB_CHECK(mb->flags & (1u << 6), "memory map given");
    uint64_t prev_end = 0, usable_top = 0, usable = 0;
    for (uint32_t off = 0; off < mb->mmap_length;) {
        const struct mb_mmap *e = identity(mb->mmap_addr + off);
        kb_printf("mmap: 0x%llx-0x%llx type %u\n", (unsigned long long)e->addr,
                  (unsigned long long)(e->addr + e->len), e->type);
        KB_CHECK(e->size == 20, "mmap entry size %u", e->size);
        KB_CHECK(e->addr >= prev_end, "mmap sorted, no overlap at 0x%llx",
                 (unsigned long long)e->addr);
        prev_end = e->addr + e->len;
        if (e->type == 1) {
            usable += e->len;
            usable_top = prev_end;
        }
        off += e->size + 4;
    }
    KB_CHECK(usable_top == expect_mem << 20, "usable RAM ends at 0x%llx, -m says %llu MiB",
             (unsigned long long)usable_top, (unsigned long long)expect_mem);
    KB_CHECK(usable == 0x9FC00 + (expect_mem << 20) - 0x100000, "usable bytes %llu",
             (unsigned long long)usable);
}

static void check_modules(const struct mb_info *mb, uint64_t expect_mods)
{
    KB_CHECK(mb->flags & (1u << 3), "modules given");
    KB_CHECK(mb->mods_count == expect_mods, "%u modules, expected %llu", mb->mods_count,
             (unsigned long long)expect_mods);
    const struct mb_module *m = identity(mb->mods_addr);
    uint32_t prev_end = (uint32_t)(uintptr_t)__kernel_end;
    for (uint32_t i = 0; i < mb->mods_count; i++) {
        uint32_t size = m[i].end - m[i].start;
        kb_printf("module %u: %u bytes fnv 0x%x string '%s'\n", i, size,
                  kb_fnv1a(identity(m[i].start), size), (const char *)identity(m[i].string));
        KB_CHECK((m[i].start & 0xFFF) == 0, "module %u page-aligned: 0x%x", i, m[i].start);
        KB_CHECK(m[i].start >= prev_end, "module %u after the kernel and the module before", i);
        prev_end = m[i].end;
    }
}

static void check_framebuffer(const struct mb_info *mb, const char *cmdline)
{
    KB_CHECK(mb->flags & (1u << 12), "framebuffer given (the header asked for a video mode)");
    if (!(mb->flags & (1u << 12)))
        return;
    uint32_t w = (uint32_t)kb_cmdline_number(cmdline, "fb_w", 1024);
    uint32_t h = (uint32_t)kb_cmdline_number(cmdline, "fb_h", 768);
    kb_printf("framebuffer: 0x%llx %ux%u pitch %u bpp %u type %u rgb at %u/%u/%u\n",
              (unsigned long long)mb->framebuffer_addr, mb->framebuffer_width,
              mb->framebuffer_height, mb->framebuffer_pitch, mb->framebuffer_bpp,
              mb->framebuffer_type, mb->red_pos, mb->green_pos, mb->blue_pos);
    KB_CHECK(mb->framebuffer_type == 1 && mb->framebuffer_bpp == 32, "32-bit RGB framebuffer");
    KB_CHECK(mb->framebuffer_width == w && mb->framebuffer_height == h, "framebuffer %ux%u",
             mb->framebuffer_width, mb->framebuffer_height);
    KB_CHECK(mb->framebuffer_pitch == w * 4, "pitch %u", mb->framebuffer_pitch);
    KB_CHECK(mb->red_size == 8 && mb->green_size == 8 && mb->blue_size == 8, "8-bit channels");
    kb_draw_quadrants(identity(mb->framebuffer_addr), mb->framebuffer_width,
                      mb->framebuffer_height, mb->framebuffer_pitch, mb->red_pos, mb->green_pos,
                      mb->blue_pos);
}

static void check_acpi(void)
{
    for (uint32_t a = 0xE0000; a < 0x100000; a += 16)
        if (memcmp(identity(a), "RSD PTR ", 8) == 0) {
            kb_printf("acpi: RSDP at 0x%x\n", a);
            kb_check_rsdp(identity(a), identity);
            return;
        }
    KB_CHECK(0, "no RSDP in the BIOS area 0xE0000-0xFFFFF");
}

static uint32_t pm_timer(void)
{
    uint32_t v;
    __asm__ __volatile__("inl %1, %0" : "=a"(v) : "Nd"((uint16_t)0x608));
    return v;
}

static uint8_t cmos_read(uint8_t index)
{
    kb_outb(0x70, index);
    return kb_inb(0x71);
}

/* The 8042 answers at once (IBF never set): a command, then its byte. */
static uint8_t kbc_read_ram(uint8_t index)
{
    kb_outb(0x64, (uint8_t)(0x20 + index));
    return kb_inb(0x60);
}

#define PM_TIMER_100MS 357954u /* 3.579545 MHz */

static void __attribute__((noreturn)) count_for_ever(void)
{
    kb_outb(0x70, 0x40);
    kb_outb(0x71, 0x5A);
    kb_outb(0x64, 0x60 + 5);
    kb_outb(0x60, 0x77);
    uint32_t last = pm_timer(), start = last;
    for (uint32_t n = 1;; n++) {
        for (;;) {
            uint32_t now = pm_timer();
            /* 32-bit wrap-around is fine; a step back shows as a huge one. */
            if (now - last > 0x80000000u) {
                KB_CHECK(0, "the PM timer went back from 0x%x to 0x%x", last, now);
                kb_finish("multiboot1");
            }
            last = now;
            if (now - start >= PM_TIMER_100MS)
                break;
            __asm__ __volatile__("pause");
        }
        start += PM_TIMER_100MS;
        KB_CHECK(cmos_read(0x40) == 0x5A, "CMOS RAM byte 0x40 kept");
        KB_CHECK(kbc_read_ram(5) == 0x77, "8042 RAM byte 5 kept");
        if (kb_failures)
            kb_finish("multiboot1");
        kb_printf("count %u\n", n);
    }
}

void kmain(uint32_t magic, const struct mb_info *mb, uint32_t eflags)
{
    kb_printf("multiboot1: magic 0x%x info 0x%x flags 0x%x\n", magic, (uint32_t)(uintptr_t)mb,
              mb->flags);
    KB_CHECK(magic == 0x2BADB002, "EAX = 0x2BADB002");
    check_cpu_state(eflags);
    const char *cmdline = (mb->flags & (1u << 2)) ? identity(mb->cmdline) : "";
    KB_CHECK(mb->flags & (1u << 2), "command line given");
    kb_printf("cmdline: '%s'\n", cmdline);
    KB_CHECK(mb->flags & (1u << 9), "boot loader name given");
    if (mb->flags & (1u << 9))
        kb_printf("loader: '%s'\n", (const char *)identity(mb->boot_loader_name));
    check_memory(mb, kb_cmdline_number(cmdline, "expect_mem", 0));
    check_modules(mb, kb_cmdline_number(cmdline, "expect_mods", 0));
    check_framebuffer(mb, cmdline);
    check_acpi();
    uint64_t action = kb_cmdline_number(cmdline, "action", 0);
    if (action == 1) {
        kb_printf("powering off\n");
        __asm__ __volatile__("outw %0, %1" : : "a"((uint16_t)(5u << 10 | 1u << 13)),
                             "Nd"((uint16_t)0x604));
    } else if (action == 2) {
        kb_printf("rebooting\n");
        kb_outb(0xCF9, 0x06);
    } else if (action == 3 && !kb_failures) {
        count_for_ever();
    }
    kb_finish("multiboot1");
}
