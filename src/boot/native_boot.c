#include "native_layout.h"

#include <string.h>

#include "page_tables.h"

#define PAGE_SIZE 0x1000ull

uint64_t native_ap_stacks_size(unsigned cpus)
{
    return cpus > 1 ? (uint64_t)(cpus - 1) * WISP_AP_STACK_SIZE : 0;
}

void native_load_rules(struct elf_load_rules *rules, struct elf_reserved_range *ranges,
                       uint64_t ram_size, unsigned cpus)
{
    uint64_t physmap = page_tables_physmap_size(ram_size);
    size_t count = 0;
    ranges[count++] = (struct elf_reserved_range){ WISP_ARENA_ADDR, WISP_ARENA_SIZE,
                                                   "primordial arena" };
    ranges[count++] = (struct elf_reserved_range){ WISP_HEAP_PHYS, WISP_HEAP_SIZE,
                                                   "heap backing" };
    if (cpus > 1)
        ranges[count++] = (struct elf_reserved_range){ WISP_AP_STACKS_ADDR,
                                                       native_ap_stacks_size(cpus),
                                                       "AP stacks" };
    *rules = (struct elf_load_rules){
        .min_phys = WISP_BOOT_AREA_END,
        .reserved = ranges,
        .reserved_count = count,
        .physmap_base = WISP_PHYSMAP_BASE,
        .identity_limit = 0x100000000ull,
        .physmap_size = physmap,
    };
}

/* ---- memory map ---- */

struct region {
    uint64_t base, end;
    uint32_t type;
};

static unsigned add_region(struct region *r, unsigned n, unsigned max, uint64_t base,
                           uint64_t end, uint32_t type)
{
    if (end <= base || n >= max)
        return n;
    /* Merge with a neighbour of the same type (kernel segments sharing a
     * page after rounding). */
    for (unsigned i = 0; i < n; i++)
        if (r[i].type == type && base <= r[i].end && r[i].base <= end) {
            r[i].base = base < r[i].base ? base : r[i].base;
            r[i].end = end > r[i].end ? end : r[i].end;
            return n;
        }
    r[n] = (struct region){ base, end, type };
    return n + 1;
}

static void sort_regions(struct region *r, unsigned n)
{
    for (unsigned i = 1; i < n; i++)
        for (unsigned j = i; j > 0 && r[j - 1].base > r[j].base; j--) {
            struct region t = r[j];
            r[j] = r[j - 1];
            r[j - 1] = t;
        }
}

unsigned native_memory_map(const struct guest_memory *gm, const struct elf_image *kernel,
                           uint64_t fb_size, unsigned cpus, struct wisp_memory_descriptor *out,
                           unsigned max)
{
    struct region claimed[WISP_MEMORY_MAP_MAX];
    unsigned n = 0;
    const unsigned cap = WISP_MEMORY_MAP_MAX;
    n = add_region(claimed, n, cap, 0, PAGE_SIZE, WISP_MEMORY_RESERVED);
    n = add_region(claimed, n, cap, WISP_PML4_ADDR, WISP_GDT_ADDR + PAGE_SIZE, WISP_MEMORY_BOOT_DATA);
    n = add_region(claimed, n, cap, WISP_BOOT_INFO_ADDR, WISP_STACK_TOP, WISP_MEMORY_BOOT_DATA);
    /* The PC's VGA/BIOS hole stays reserved, as firmware would report it. */
    n = add_region(claimed, n, cap, WISP_STACK_TOP, WISP_BOOT_AREA_END, WISP_MEMORY_RESERVED);
    for (unsigned i = 0; i < kernel->segment_count; i++) {
        const struct elf_loaded_segment *s = &kernel->segments[i];
        uint64_t base = s->paddr & ~(PAGE_SIZE - 1);
        uint64_t end = (s->paddr + s->memsz + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
        n = add_region(claimed, n, cap, base, end, WISP_MEMORY_KERNEL);
    }
    n = add_region(claimed, n, cap, WISP_ARENA_ADDR, WISP_ARENA_ADDR + WISP_ARENA_SIZE, WISP_MEMORY_ARENA);
    n = add_region(claimed, n, cap, WISP_HEAP_PHYS, WISP_HEAP_PHYS + WISP_HEAP_SIZE, WISP_MEMORY_HEAP);
    n = add_region(claimed, n, cap, WISP_AP_STACKS_ADDR,
                   WISP_AP_STACKS_ADDR + native_ap_stacks_size(cpus), WISP_MEMORY_BOOT_DATA);
    sort_regions(claimed, n);

    /* Emit claimed regions with the gaps between them as usable RAM. */
    unsigned count = 0;
    uint64_t ram_end = guest_memory_ram_size(gm);
    uint64_t cursor = 0;
    for (unsigned i = 0; i <= n && count < max; i++) {
        uint64_t next = i < n ? claimed[i].base : ram_end;
        if (next > cursor && count < max)
            out[count++] = (struct wisp_memory_descriptor){ cursor, next - cursor, WISP_MEMORY_USABLE, 0 };
        if (i < n && count < max) {
            out[count++] = (struct wisp_memory_descriptor){
                claimed[i].base, claimed[i].end - claimed[i].base, claimed[i].type, 0 };
            cursor = claimed[i].end;
        }
    }
    if (fb_size && count < max)
        out[count++] = (struct wisp_memory_descriptor){
            WISP_FRAMEBUFFER_ADDR, WISP_FRAMEBUFFER_WINDOW, WISP_MEMORY_FRAMEBUFFER, 0 };
    return count;
}

/* ---- the boot info extension: CPUs and clock rates ---- */

static int write_extension(struct guest_memory *gm, unsigned cpus, uint64_t lapic_timer_hz)
{
    struct wisp_boot_ext ext = {
        .magic = WISP_BOOT_EXT_MAGIC,
        .version = WISP_BOOT_EXT_VERSION,
        .size = sizeof ext,
        .lapic_timer_hz = lapic_timer_hz,
        .cpu_count = cpus,
        .bsp_lapic_id = 0,
        .cpus_phys = WISP_CPU_TABLE_ADDR,
        .cpu_desc_size = sizeof(struct wisp_cpu),
        .ap_start = WISP_AP_START_INIT_SIPI | WISP_AP_START_MAILBOX,
    };
    if (!guest_memory_write(gm, WISP_BOOT_EXT_ADDR, &ext, sizeof ext))
        return -1;
    for (unsigned i = 0; i < cpus; i++) {
        /* CPU i has APIC ID i: KVM gives vCPU i that ID, wisp's LAPIC too. */
        struct wisp_cpu cpu = {
            .processor_id = i,
            .lapic_id = i,
            .flags = i == 0 ? WISP_CPU_FLAG_BSP : 0,
            .stack_top = i == 0 ? WISP_STACK_TOP : WISP_AP_STACKS_ADDR + i * WISP_AP_STACK_SIZE,
        };
        if (!guest_memory_write(gm, native_cpu_entry_addr(i), &cpu, sizeof cpu))
            return -1;
    }
    return 0;
}

/* ---- GDT and boot info ---- */

enum { GDT_NULL, GDT_CODE64, GDT_DATA, GDT_ENTRIES };
#define SELECTOR_CODE64 (GDT_CODE64 * 8)
#define SELECTOR_DATA   (GDT_DATA * 8)

static void write_gdt(struct guest_memory *gm)
{
    const uint64_t gdt[GDT_ENTRIES] = {
        [GDT_NULL] = 0,
        /* present, DPL 0, code, execute/read, long mode, 4 KiB granular */
        [GDT_CODE64] = 0x00AF9A000000FFFFull,
        /* present, DPL 0, data, read/write, 32-bit, 4 KiB granular */
        [GDT_DATA] = 0x00CF92000000FFFFull,
    };
    guest_memory_write(gm, WISP_GDT_ADDR, gdt, sizeof gdt);
}

int native_build_environment(struct guest_memory *gm, const struct elf_image *kernel,
                             const struct native_boot_params *params, struct wisp_error *err)
{
    uint64_t ram = guest_memory_ram_size(gm);
    if (ram < NATIVE_MIN_MEMORY)
        return wisp_fail(err, WISP_EXIT_USAGE,
                         "%llu MiB of memory is too little for the native boot layout "
                         "(at least %llu MiB)", (unsigned long long)(ram >> 20),
                         (unsigned long long)(NATIVE_MIN_MEMORY >> 20));
    unsigned cpus = params->cpus ? params->cpus : 1;
    if (cpus > WISP_MAX_CPUS)
        return wisp_fail(err, WISP_EXIT_USAGE, "%u CPUs: the native boot takes at most %d",
                         cpus, WISP_MAX_CPUS);
    uint64_t stacks_end = WISP_AP_STACKS_ADDR + native_ap_stacks_size(cpus);
    if (cpus > 1 && ram < stacks_end)
        return wisp_fail(err, WISP_EXIT_USAGE,
                         "%llu MiB of memory is too little for %u CPUs: their stacks end at "
                         "0x%llx (at least %llu MiB)", (unsigned long long)(ram >> 20), cpus,
                         (unsigned long long)stacks_end,
                         (unsigned long long)((stacks_end + (1 << 20) - 1) >> 20));
    uint64_t fb_size = (uint64_t)params->fb_width * params->fb_height * 4;
    const struct mem_bank *fb = guest_memory_bank_at(gm, WISP_FRAMEBUFFER_ADDR, fb_size);
    if (fb_size && (!fb || fb->kind != MEM_BANK_FRAMEBUFFER))
        return wisp_fail(err, WISP_EXIT_USAGE, "framebuffer %ux%u does not fit its window",
                         params->fb_width, params->fb_height);

    uint64_t physmap = page_tables_build(gm, ram);
    write_gdt(gm);
    /* The arena is promised zeroed: guest RAM is fresh anonymous memory and
     * the loader keeps kernels out of it, so it already is. Filling it
     * would only make the host commit 16 MiB for nothing. */

    struct wisp_memory_descriptor map[WISP_MEMORY_MAP_MAX];
    unsigned count = native_memory_map(gm, kernel, fb_size, cpus, map, WISP_MEMORY_MAP_MAX);

    struct wisp_boot_info info = {
        .magic = WISP_BOOT_INFO_MAGIC,
        .version = WISP_BOOT_INFO_VERSION,
        .flags = WISP_BOOT_FLAG_SERIAL | WISP_BOOT_FLAG_EXTENSION |
                 (fb_size ? WISP_BOOT_FLAG_FRAMEBUFFER : 0),
        .framebuffer_base = fb_size ? WISP_FRAMEBUFFER_ADDR : 0,
        .framebuffer_size = fb_size,
        .fb_width = params->fb_width,
        .fb_height = params->fb_height,
        .fb_stride = params->fb_width * 4,
        .fb_format = WISP_FB_FORMAT_BGRA8,
        .memory_map_base = WISP_MEMORY_MAP_ADDR,
        .memory_map_count = count,
        .memory_map_desc_size = sizeof(struct wisp_memory_descriptor),
        .total_memory = ram,
        .kernel_phys_start = kernel->phys_start,
        .kernel_phys_end = kernel->phys_end,
        .kernel_entry = kernel->entry,
        .stack_base = WISP_STACK_BASE,
        .stack_size = WISP_STACK_TOP - WISP_STACK_BASE,
        .serial_port = 0x3F8,
        .hypercall_port = WISP_HYPERCALL_PORT,
        .primordial_arena_phys = WISP_ARENA_ADDR,
        .primordial_arena_size = WISP_ARENA_SIZE,
        .pml4_phys = WISP_PML4_ADDR,
        .physmap_base = WISP_PHYSMAP_BASE,
        .physmap_size = physmap,
        .heap_virt_base = WISP_HEAP_BASE,
        .heap_phys = WISP_HEAP_PHYS,
        .heap_size = WISP_HEAP_SIZE,
        .recursive_slot = WISP_RECURSIVE_SLOT,
        .boot_time_ns = params->boot_time_ns,
        .lapic_base = WISP_LAPIC_ADDR,
        .extension_phys = WISP_BOOT_EXT_ADDR,
    };
    if (!guest_memory_write(gm, WISP_BOOT_INFO_ADDR, &info, sizeof info) ||
        !guest_memory_write(gm, WISP_MEMORY_MAP_ADDR, map, count * sizeof map[0]) ||
        write_extension(gm, cpus, params->lapic_timer_hz) < 0)
        return wisp_fail(err, WISP_EXIT_HOST_ERROR, "boot info does not fit guest memory");
    return 0;
}

void native_set_tsc_hz(struct guest_memory *gm, uint64_t tsc_hz)
{
    guest_memory_write(gm, WISP_BOOT_EXT_ADDR + offsetof(struct wisp_boot_ext, tsc_hz), &tsc_hz,
                       sizeof tsc_hz);
}

uint64_t native_cpu_entry_addr(unsigned index)
{
    return WISP_CPU_TABLE_ADDR + (uint64_t)index * sizeof(struct wisp_cpu);
}

/* ---- CPU state ---- */

#define CR0_PE (1ull << 0)
#define CR0_MP (1ull << 1)
#define CR0_ET (1ull << 4)
#define CR0_NE (1ull << 5)
#define CR0_WP (1ull << 16)
#define CR0_AM (1ull << 18)
#define CR0_PG (1ull << 31)
#define CR4_PAE (1ull << 5)
#define CR4_PGE (1ull << 7)
#define CR4_OSFXSR (1ull << 9)
#define CR4_OSXMMEXCPT (1ull << 10)
#define EFER_SCE (1ull << 0)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)
#define EFER_NXE (1ull << 11)

static struct accel_segment flat_segment(uint16_t selector, uint16_t type, bool code)
{
    uint16_t attributes = (uint16_t)(type | ACCEL_SEG_S | ACCEL_SEG_PRESENT | ACCEL_SEG_GRANULAR |
                                     (code ? ACCEL_SEG_LONG : ACCEL_SEG_DB));
    return (struct accel_segment){ .base = 0, .limit = 0xFFFFFFFF, .selector = selector,
                                   .attributes = attributes };
}

void native_entry_state(const struct elf_image *kernel, struct accel_regs *regs,
                        struct accel_sregs *sregs)
{
    sregs->cs = flat_segment(SELECTOR_CODE64, 0xB /* execute/read, accessed */, true);
    sregs->ds = flat_segment(SELECTOR_DATA, 0x3 /* read/write, accessed */, false);
    sregs->es = sregs->fs = sregs->gs = sregs->ss = sregs->ds;
    /* No TSS yet: an empty busy 64-bit TSS keeps VMX entry checks happy. */
    sregs->tr = (struct accel_segment){ .limit = 0x67, .attributes = 0xB | ACCEL_SEG_PRESENT };
    sregs->ldt = (struct accel_segment){ .attributes = 0x2 };
    sregs->gdt = (struct accel_table){ WISP_GDT_ADDR, GDT_ENTRIES * 8 - 1 };
    sregs->idt = (struct accel_table){ 0, 0 };
    sregs->cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_AM | CR0_PG;
    sregs->cr2 = 0;
    sregs->cr3 = WISP_PML4_ADDR;
    sregs->cr4 = CR4_PAE | CR4_PGE | CR4_OSFXSR | CR4_OSXMMEXCPT;
    sregs->efer = EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE;

    memset(regs, 0, sizeof *regs);
    regs->rip = kernel->entry;
    regs->rdi = WISP_BOOT_INFO_ADDR;
    regs->rsp = WISP_STACK_TOP - 8; /* as if the entry had been called */
    regs->rflags = 0x2;             /* reserved bit; interrupts off */
}

void native_ap_entry_state(unsigned index, uint64_t entry, struct accel_regs *regs,
                           struct accel_sregs *sregs)
{
    struct elf_image none = { .entry = entry };
    native_entry_state(&none, regs, sregs);
    regs->rdi = native_cpu_entry_addr(index);
    regs->rsp = WISP_AP_STACKS_ADDR + index * WISP_AP_STACK_SIZE - 8;
}
