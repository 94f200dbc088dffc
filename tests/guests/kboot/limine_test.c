/*
 * limine_rev<N>: a Limine-protocol kernel asking for base revision REV. It
 * makes the requests the protocol tutorials use (and a few more) and
 * checks each answer against the command line's expectations (expect_mem,
 * expect_mods, fb_w, fb_h): bootloader info, firmware type, HHDM, memory
 * map, framebuffer (drawn on), paging mode, SMP, executable address (the
 * bytes at the virtual and the HHDM address agree), RSDP (physical in
 * revision 3, else in the HHDM), modules, date at boot, executable file
 * and command line, stack size (RSP lies in bootloader-reclaimable
 * memory), entry point (e_entry is a decoy that fails), and the identity
 * map of revision 0.
 */
#include "kb_lib.h"

#ifndef REV
#define REV 3
#endif

#define COMMON 0xc7b1dd30df4c8b88ull, 0x0a82e883a194f07bull
#define HHDM_OFFSET 0xFFFF800000000000ull

struct request {
    uint64_t id[4];
    uint64_t revision;
    void *response;
    uint64_t arg[3];
};

#define REQ(name, a, b, rev, ...)                                                     \
    __attribute__((used, section(".limine_requests"))) static volatile struct request \
        name = { { COMMON, a, b }, rev, 0, { __VA_ARGS__ } }

__attribute__((used, section(".limine_requests_start"))) static volatile uint64_t
    start_marker[4] = { 0xf6b8f4b39de7d1aeull, 0xfab91a6940fcb9cfull, 0x785c6ed015d3e316ull,
                        0x181e920a7852b9d9ull };
__attribute__((used, section(".limine_requests"))) static volatile uint64_t
    base_revision[3] = { 0xf9562b2d5c95a6c8ull, 0x6a7b384944536bdcull, REV };

static void kmain(void);

REQ(bootloader_info, 0xf55038d8e2a1202full, 0x279426fcf5f59740ull, 0, 0);
REQ(firmware_type, 0x8c2f75d90bef28a8ull, 0x7045a4688eac00c3ull, 0, 0);
REQ(stack_size, 0x224ef0460a8e8926ull, 0xe1cb0fc25f46ea3dull, 0, 0x20000);
REQ(hhdm, 0x48dcf1cb8ad2b852ull, 0x63984e959a98244bull, 0, 0);
REQ(framebuffer, 0x9d5827dcd881dd75ull, 0xa3148604f6fab11bull, 1, 0);
REQ(paging_mode, 0x95c1a0edab0944cbull, 0xa4e5cb3842f7488aull, 1, 0, 1, 0);
REQ(smp, 0x95a67b819a1b857eull, 0xa0b61b723b6a73e0ull, 0, 0);
REQ(memmap, 0x67cf3d9d378a806full, 0xe304acdfc50c3c62ull, 0, 0);
REQ(entry_point, 0x13d86c035a1cd3e1ull, 0x2b0caa89d8f3026aull, 0, (uint64_t)(uintptr_t)kmain);
REQ(kernel_file, 0xad97e90e83f1ed67ull, 0x31eb5d1c5ff23b69ull, 0, 0);
REQ(cmdline_req, 0x4b161536e598651eull, 0xb390ad4a2f1f303aull, 0, 0);
REQ(module, 0x3e7e279702be32afull, 0xca1c4f3bd1280ceeull, 0, 0);
REQ(rsdp, 0xc5e77b6b397e7b43ull, 0x27637845accdcf3cull, 0, 0);
REQ(boot_time, 0x502746e184c088aaull, 0xfbc5ec83e6327893ull, 0, 0);
REQ(kernel_address, 0x71ba76863cc55f63ull, 0xb2644a48c516a487ull, 0, 0);

__attribute__((used, section(".limine_requests_end"))) static volatile uint64_t
    end_marker[2] = { 0xadc0e0531bb10d03ull, 0x9572709f31764c62ull };

struct file {
    uint64_t revision;
    void *address;
    uint64_t size;
    char *path, *cmdline;
    uint32_t media_type, unused, tftp_ip, tftp_port, partition_index, mbr_disk_id;
    uint8_t uuids[48];
};
struct memmap_entry { uint64_t base, length, type; };
struct fb {
    void *address;
    uint64_t width, height, pitch;
    uint16_t bpp;
    uint8_t memory_model, red_size, red_shift, green_size, green_shift, blue_size, blue_shift;
    uint8_t unused[7];
    uint64_t edid_size;
    void *edid;
    uint64_t mode_count;
    void **modes;
};
struct smp_info { uint32_t processor_id, lapic_id; uint64_t reserved, goto_address, extra; };

extern char __kernel_start[];

static const char *cmdline = "";
__attribute__((used)) uint64_t rsp_at_entry;

static void *hhdm_ptr(uint64_t phys)
{
    return (void *)(uintptr_t)(phys + HHDM_OFFSET);
}

static uint64_t *resp(volatile struct request *r, const char *name)
{
    uint64_t *p = r->response;
    KB_CHECK(p != 0, "the %s request was answered", name);
    return p;
}

static void check_memmap(uint64_t expect_mem, uint64_t kernel_phys)
{
    uint64_t *m = resp(&memmap, "memory map");
    if (!m)
        return;
    uint64_t count = m[1];
    struct memmap_entry **entries = (struct memmap_entry **)(uintptr_t)m[2];
    uint64_t prev = 0, top = 0;
    int kernel_found = 0, fb_found = 0, stack_found = 0;
    uint64_t rsp_phys = rsp_at_entry - HHDM_OFFSET;
    for (uint64_t i = 0; i < count; i++) {
        const struct memmap_entry *e = entries[i];
        kb_printf("mmap: 0x%llx-0x%llx type %llu\n", (unsigned long long)e->base,
                  (unsigned long long)(e->base + e->length), (unsigned long long)e->type);
        KB_CHECK(e->base >= prev, "memory map sorted at 0x%llx", (unsigned long long)e->base);
        prev = e->base;
        if (e->type == 0 || e->type == 5)
            KB_CHECK(((e->base | e->length) & 0xFFF) == 0 && e->base >= 0x1000,
                     "usable/reclaimable entry 0x%llx page-aligned, above page 0",
                     (unsigned long long)e->base);
        if (e->type == 0 || e->type == 5 || e->type == 6)
            top = e->base + e->length > top ? e->base + e->length : top;
        if (e->type == 6 && kernel_phys >= e->base && kernel_phys < e->base + e->length)
            kernel_found = 1;
        if (e->type == 7 && e->base == 0xC0000000)
            fb_found = 1;
        if (e->type == 5 && rsp_phys > e->base && rsp_phys <= e->base + e->length)
            stack_found = 1;
    }
    KB_CHECK(top == expect_mem << 20, "RAM ends at 0x%llx, -m says %llu MiB",
             (unsigned long long)top, (unsigned long long)expect_mem);
    KB_CHECK(kernel_found, "the kernel lies in a kernel/modules entry");
    KB_CHECK(fb_found, "the framebuffer has its entry");
    KB_CHECK(stack_found, "RSP 0x%llx lies in bootloader-reclaimable memory",
             (unsigned long long)rsp_at_entry);
}

static void check_framebuffer(void)
{
    uint64_t *r = resp(&framebuffer, "framebuffer");
    if (!r)
        return;
    KB_CHECK(r[1] == 1, "one framebuffer, not %llu", (unsigned long long)r[1]);
    struct fb *f = ((struct fb **)(uintptr_t)r[2])[0];
    kb_printf("framebuffer: %llx %llux%llu pitch %llu bpp %u model %u shifts %u/%u/%u modes %llu\n",
              (unsigned long long)(uintptr_t)f->address, (unsigned long long)f->width,
              (unsigned long long)f->height, (unsigned long long)f->pitch, f->bpp,
              f->memory_model, f->red_shift, f->green_shift, f->blue_shift,
              (unsigned long long)f->mode_count);
    KB_CHECK((uint64_t)(uintptr_t)f->address == HHDM_OFFSET + 0xC0000000, "framebuffer in the HHDM");
    KB_CHECK(f->width == kb_cmdline_number(cmdline, "fb_w", 1024) &&
             f->height == kb_cmdline_number(cmdline, "fb_h", 768), "framebuffer size");
    KB_CHECK(f->bpp == 32 && f->memory_model == 1 && f->pitch == f->width * 4, "32-bit RGB");
    KB_CHECK(f->mode_count >= 1, "at least one video mode");
    kb_draw_quadrants(f->address, (uint32_t)f->width, (uint32_t)f->height, (uint32_t)f->pitch,
                      f->red_shift, f->green_shift, f->blue_shift);
}

static void check_modules(void)
{
    uint64_t *r = resp(&module, "module");
    if (!r)
        return;
    uint64_t count = r[1];
    struct file **files = (struct file **)(uintptr_t)r[2];
    KB_CHECK(count == kb_cmdline_number(cmdline, "expect_mods", 0), "%llu modules",
             (unsigned long long)count);
    for (uint64_t i = 0; i < count; i++) {
        struct file *f = files[i];
        kb_printf("module %llu: %llu bytes fnv 0x%x path '%s' cmdline '%s'\n",
                  (unsigned long long)i, (unsigned long long)f->size,
                  kb_fnv1a(f->address, f->size), f->path, f->cmdline);
        KB_CHECK(((uint64_t)(uintptr_t)f->address & 0xFFF) == 0, "module 4 KiB aligned");
    }
}

static void check_cpu(void)
{
    uint64_t cr0, cr4, rflags;
    uint16_t cs, ss;
    uint32_t lo, hi;
    __asm__ __volatile__("mov %%cr0, %0; mov %%cr4, %1" : "=r"(cr0), "=r"(cr4));
    __asm__ __volatile__("pushfq; popq %0" : "=r"(rflags));
    __asm__ __volatile__("mov %%cs, %0; mov %%ss, %1" : "=r"(cs), "=r"(ss));
    __asm__ __volatile__("rdmsr" : "=a"(lo), "=d"(hi) : "c"(0xC0000080u));
    uint64_t efer = (uint64_t)hi << 32 | lo;
    kb_printf("cpu: cr0 0x%llx cr4 0x%llx efer 0x%llx cs 0x%x ss 0x%x rflags 0x%llx rsp 0x%llx\n",
              (unsigned long long)cr0, (unsigned long long)cr4, (unsigned long long)efer, cs, ss,
              (unsigned long long)rflags, (unsigned long long)rsp_at_entry);
    KB_CHECK((cr0 & 0x80010001ull) == 0x80010001ull, "PG, WP and PE set");
    KB_CHECK((cr4 & 0x20) && !(cr4 & (1u << 12)), "PAE on, 4-level paging");
    KB_CHECK((efer & 0x900) == 0x900, "LME and NXE set");
    KB_CHECK(cs == 0x28 && ss == 0x30, "CS 0x28, SS 0x30");
    KB_CHECK(!(rflags & 0x600), "IF and DF clear");
    KB_CHECK((rsp_at_entry & 0xF) == 8 && *(uint64_t *)(uintptr_t)rsp_at_entry == 0,
             "a 0 return address on a 16-byte aligned stack");
    KB_CHECK(rsp_at_entry >= HHDM_OFFSET, "the stack is in the HHDM");
}

__attribute__((noreturn)) void decoy_entry(void)
{
    kb_printf("FAIL: limine: entered at e_entry, not at the entry point request's address\n");
    kb_outl(KB_DEBUG_EXIT_PORT, KB_EXIT_FAIL);
    for (;;)
        __asm__ __volatile__("cli; hlt");
}

__attribute__((used)) static void kmain_body(void)
{
    uint64_t supported = base_revision[2] == 0;
    kb_printf("limine: base revision %u asked, tag now { .., 0x%llx, %llu }\n", REV,
              (unsigned long long)base_revision[1], (unsigned long long)base_revision[2]);
    unsigned rev = REV;
    if (REV <= 3) {
        KB_CHECK(supported, "base revision %u supported", REV);
        KB_CHECK(base_revision[1] == REV, "loaded base revision %u", REV);
    } else {
        KB_CHECK(base_revision[2] == REV && base_revision[1] == 0x6a7b384944536bdcull,
                 "an unsupported revision leaves the tag alone");
        rev = 3;
    }
    uint64_t *r = resp(&cmdline_req, "executable command line");
    if (r)
        cmdline = (const char *)(uintptr_t)r[1];
    kb_printf("cmdline: '%s'\n", cmdline);
    check_cpu();
    if ((r = resp(&bootloader_info, "bootloader info")))
        kb_printf("loader: '%s' version '%s'\n", (const char *)(uintptr_t)r[1],
                  (const char *)(uintptr_t)r[2]);
    if ((r = resp(&firmware_type, "firmware type")))
        KB_CHECK(r[1] == 0, "firmware type x86 BIOS");
    if ((r = resp(&hhdm, "HHDM")))
        KB_CHECK(r[1] == HHDM_OFFSET, "HHDM offset 0x%llx", (unsigned long long)r[1]);
    resp(&stack_size, "stack size");
    resp(&entry_point, "entry point");
    if ((r = resp(&paging_mode, "paging mode")))
        KB_CHECK(r[1] == 0, "4-level paging");
    uint64_t kernel_phys = 0;
    if ((r = resp(&kernel_address, "executable address"))) {
        kernel_phys = r[1];
        kb_printf("kernel: phys 0x%llx virt 0x%llx\n", (unsigned long long)r[1],
                  (unsigned long long)r[2]);
        KB_CHECK(r[2] == (uint64_t)(uintptr_t)__kernel_start, "virtual base");
        KB_CHECK(memcmp(hhdm_ptr(kernel_phys), __kernel_start, 4096) == 0,
                 "the HHDM shows the kernel at its physical base");
        if (rev == 0)
            KB_CHECK(memcmp((void *)(uintptr_t)kernel_phys, __kernel_start, 4096) == 0,
                     "revision 0 identity-maps the kernel's physical pages");
    }
    if ((r = resp(&smp, "SMP"))) {
        uint32_t *w = (uint32_t *)&r[1];
        struct smp_info **cpus = (struct smp_info **)(uintptr_t)r[3];
        kb_printf("smp: %llu cpus, bsp lapic %u\n", (unsigned long long)r[2], w[1]);
        KB_CHECK(r[2] == 1 && w[1] == 0 && cpus[0]->lapic_id == 0, "one CPU, LAPIC ID 0");
    }
    if ((r = resp(&boot_time, "date at boot"))) {
        kb_printf("boot time: %llu\n", (unsigned long long)r[1]);
        KB_CHECK(r[1] > 1600000000ull, "a plausible Unix time");
    }
    if ((r = resp(&kernel_file, "executable file"))) {
        struct file *f = (struct file *)(uintptr_t)r[1];
        kb_printf("kernel file: %llu bytes path '%s' cmdline '%s'\n", (unsigned long long)f->size,
                  f->path, f->cmdline);
        KB_CHECK(memcmp(f->address, "\177ELF", 4) == 0, "the kernel file is the ELF");
    }
    if ((r = resp(&rsdp, "RSDP"))) {
        void *p = rev >= 3 ? hhdm_ptr(r[1]) : (void *)(uintptr_t)r[1];
        kb_printf("rsdp: 0x%llx (%s)\n", (unsigned long long)r[1], rev >= 3 ? "physical" : "HHDM");
        kb_check_rsdp(p, hhdm_ptr);
    }
    check_memmap(kb_cmdline_number(cmdline, "expect_mem", 0), kernel_phys);
    check_framebuffer();
    check_modules();
    kb_finish(REV == 0 ? "limine_rev0" : REV == 1 ? "limine_rev1" : REV == 2 ? "limine_rev2"
              : REV == 3 ? "limine_rev3" : "limine_rev4");
}

/* The real entry: note RSP (0 return address on top) and go on. */
__attribute__((naked, noreturn)) static void kmain(void)
{
    __asm__ __volatile__("movq %%rsp, rsp_at_entry(%%rip)\n\t"
                         "andq $-16, %%rsp\n\t"
                         "call kmain_body\n\t"
                         "1: cli; hlt; jmp 1b" ::: "memory");
}
