/*
 * bootinfo: prints the boot-info block and checks what guest.h promises.
 *
 * Checked: magic and version; the fixed addresses (memory map, PML4,
 * windows, ports, LAPIC, stack); the framebuffer description; the memory
 * map (non-empty, at most WISP_MEMORY_MAP_MAX entries, sorted, no overlaps,
 * attributes 0); the 16 MiB zeroed arena at 0x1000000 marked ARENA; the
 * kernel, boot data, heap and framebuffer ranges covered by descriptors of
 * their type; total_memory equal to the sum of the RAM descriptors (the
 * framebuffer excluded); .bss zeroed by the loader; boot_time_ns sane;
 * the extension (version, the CPU table with its stacks, the clock rates).
 */
#include "wisp_lib.h"

/* From guest.ld / start.S. */
extern char _start[], __kernel_start[], __kernel_end[], __bss_start[], __bss_end[];

static int failures;

#define CHECK(cond, ...)                                 \
    do {                                                 \
        if (!(cond)) {                                   \
            wisp_printf("FAIL: bootinfo: " __VA_ARGS__); \
            failures++;                                  \
        }                                                \
    } while (0)

static const char *type_name(uint32_t type)
{
    switch (type) {
    case WISP_MEMORY_USABLE: return "USABLE";
    case WISP_MEMORY_RESERVED: return "RESERVED";
    case WISP_MEMORY_BOOT_DATA: return "BOOT_DATA";
    case WISP_MEMORY_KERNEL: return "KERNEL";
    case WISP_MEMORY_ARENA: return "ARENA";
    case WISP_MEMORY_HEAP: return "HEAP";
    case WISP_MEMORY_FRAMEBUFFER: return "FRAMEBUFFER";
    default: return "UNKNOWN";
    }
}

static const struct wisp_memory_descriptor *map;
static uint64_t map_count;

/* Is [base, base + len) inside one descriptor of this type? */
static int covered(uint64_t base, uint64_t len, uint32_t type)
{
    for (uint64_t i = 0; i < map_count; i++)
        if (map[i].type == type && base >= map[i].base &&
            base + len <= map[i].base + map[i].length)
            return 1;
    return 0;
}

static void check_covered(const char *what, uint64_t base, uint64_t len, uint32_t type)
{
    CHECK(covered(base, len, type), "%s 0x%lx-0x%lx is not inside a %s descriptor\n", what,
          base, base + len, type_name(type));
}

int kmain(struct wisp_boot_info *bi)
{
    /* First, before the library touches any of it: .bss must be zero. */
    for (const volatile char *p = __bss_start; p < __bss_end; p++) {
        if (*p) {
            wisp_printf("FAIL: bootinfo: .bss byte at %p is 0x%02x, not zeroed by the loader\n",
                        (const void *)p, *p);
            failures++;
            break;
        }
    }

    uint64_t rsp;
    __asm__ __volatile__("mov %%rsp, %0" : "=r"(rsp));

    wisp_printf("bootinfo: at %p\n", (void *)bi);
    CHECK(bi->magic == WISP_BOOT_INFO_MAGIC, "magic 0x%lx\n", bi->magic);
    if (bi->magic != WISP_BOOT_INFO_MAGIC)
        return 1;
    wisp_printf("  version %u, flags 0x%x%s%s\n", bi->version, bi->flags,
                bi->flags & WISP_BOOT_FLAG_FRAMEBUFFER ? " FRAMEBUFFER" : "",
                bi->flags & WISP_BOOT_FLAG_SERIAL ? " SERIAL" : "");
    wisp_printf("  framebuffer 0x%lx size 0x%lx, %ux%u stride %u format %u\n",
                bi->framebuffer_base, bi->framebuffer_size, bi->fb_width, bi->fb_height,
                bi->fb_stride, bi->fb_format);
    wisp_printf("  memory map at 0x%lx: %lu descriptors of %lu bytes; total memory %lu MiB "
                "(0x%lx)\n",
                bi->memory_map_base, bi->memory_map_count, bi->memory_map_desc_size,
                bi->total_memory >> 20, bi->total_memory);
    wisp_printf("  kernel 0x%lx-0x%lx entry 0x%lx; stack 0x%lx+0x%lx (rsp now 0x%lx)\n",
                bi->kernel_phys_start, bi->kernel_phys_end, bi->kernel_entry, bi->stack_base,
                bi->stack_size, rsp);
    wisp_printf("  serial port 0x%lx, hypercall port 0x%lx, LAPIC 0x%lx\n", bi->serial_port,
                bi->hypercall_port, bi->lapic_base);
    wisp_printf("  arena 0x%lx+0x%lx, PML4 0x%lx, physmap 0x%lx+0x%lx\n",
                bi->primordial_arena_phys, bi->primordial_arena_size, bi->pml4_phys,
                bi->physmap_base, bi->physmap_size);
    wisp_printf("  heap 0x%lx -> 0x%lx+0x%lx, recursive slot %lu, boot time %lu ns\n",
                bi->heap_virt_base, bi->heap_phys, bi->heap_size, bi->recursive_slot,
                bi->boot_time_ns);

    /* Header fields and fixed addresses. */
    CHECK(bi->version == WISP_BOOT_INFO_VERSION, "version %u\n", bi->version);
    CHECK(bi->flags & WISP_BOOT_FLAG_SERIAL, "SERIAL flag not set\n");
    CHECK(bi->memory_map_base == WISP_MEMORY_MAP_ADDR, "memory_map_base 0x%lx\n",
          bi->memory_map_base);
    CHECK(bi->memory_map_desc_size == sizeof(struct wisp_memory_descriptor),
          "memory_map_desc_size %lu\n", bi->memory_map_desc_size);
    CHECK(bi->memory_map_count > 0 && bi->memory_map_count <= WISP_MEMORY_MAP_MAX,
          "memory_map_count %lu\n", bi->memory_map_count);
    CHECK(bi->serial_port == WISP_COM1, "serial_port 0x%lx\n", bi->serial_port);
    CHECK(bi->hypercall_port == WISP_HYPERCALL_PORT, "hypercall_port 0x%lx\n",
          bi->hypercall_port);
    CHECK(bi->lapic_base == WISP_LAPIC_ADDR, "lapic_base 0x%lx\n", bi->lapic_base);
    CHECK(bi->pml4_phys == WISP_PML4_ADDR, "pml4_phys 0x%lx\n", bi->pml4_phys);
    CHECK(bi->physmap_base == WISP_PHYSMAP_BASE, "physmap_base 0x%lx\n", bi->physmap_base);
    CHECK(bi->physmap_size > 0, "physmap_size 0\n");
    CHECK(bi->heap_virt_base == WISP_HEAP_BASE, "heap_virt_base 0x%lx\n", bi->heap_virt_base);
    CHECK(bi->recursive_slot == WISP_RECURSIVE_SLOT, "recursive_slot %lu\n",
          bi->recursive_slot);
    CHECK(bi->primordial_arena_phys == WISP_ARENA_ADDR &&
              bi->primordial_arena_size == WISP_ARENA_SIZE,
          "arena 0x%lx+0x%lx, expected 0x%llx+0x%llx\n", bi->primordial_arena_phys,
          bi->primordial_arena_size, WISP_ARENA_ADDR, WISP_ARENA_SIZE);
    CHECK(bi->stack_base == WISP_STACK_BASE &&
              bi->stack_base + bi->stack_size == WISP_STACK_TOP,
          "stack 0x%lx+0x%lx, expected 0x%llx-0x%llx\n", bi->stack_base, bi->stack_size,
          WISP_STACK_BASE, WISP_STACK_TOP);
    CHECK(rsp >= bi->stack_base && rsp < bi->stack_base + bi->stack_size,
          "RSP 0x%lx is outside the stack\n", rsp);
    CHECK(bi->kernel_entry == (uint64_t)(uintptr_t)_start, "kernel_entry 0x%lx, _start %p\n",
          bi->kernel_entry, (void *)_start);
    CHECK(bi->kernel_phys_start <= (uint64_t)(uintptr_t)__kernel_start &&
              bi->kernel_phys_end >= (uint64_t)(uintptr_t)__kernel_end &&
              bi->kernel_phys_start >= WISP_BOOT_AREA_END,
          "kernel 0x%lx-0x%lx does not hold this image %p-%p\n", bi->kernel_phys_start,
          bi->kernel_phys_end, (void *)__kernel_start, (void *)__kernel_end);

    /* Framebuffer. */
    if (bi->flags & WISP_BOOT_FLAG_FRAMEBUFFER) {
        CHECK(bi->fb_format == WISP_FB_FORMAT_BGRA8, "fb_format %u\n", bi->fb_format);
        CHECK(bi->fb_width > 0 && bi->fb_height > 0, "framebuffer %ux%u\n", bi->fb_width,
              bi->fb_height);
        CHECK(bi->fb_stride >= bi->fb_width * 4, "fb_stride %u < 4 * width\n", bi->fb_stride);
        CHECK((uint64_t)bi->fb_stride * bi->fb_height <= bi->framebuffer_size,
              "framebuffer_size 0x%lx < stride * height\n", bi->framebuffer_size);
    }

    /* Memory map. */
    map = (const struct wisp_memory_descriptor *)(uintptr_t)bi->memory_map_base;
    map_count = bi->memory_map_count <= WISP_MEMORY_MAP_MAX ? bi->memory_map_count : 0;
    uint64_t ram = 0, reserved = 0;

    for (uint64_t i = 0; i < map_count; i++) {
        const struct wisp_memory_descriptor *d = &map[i];

        wisp_printf("  [%2lu] 0x%016lx-0x%016lx %9lu KiB %s\n", i, d->base,
                    d->base + d->length, d->length >> 10, type_name(d->type));
        CHECK(d->length > 0, "descriptor %lu is empty\n", i);
        CHECK(d->base + d->length > d->base, "descriptor %lu wraps around\n", i);
        CHECK(d->type >= WISP_MEMORY_USABLE && d->type <= WISP_MEMORY_FRAMEBUFFER,
              "descriptor %lu has type %u\n", i, d->type);
        CHECK(d->attributes == 0, "descriptor %lu has attributes 0x%x\n", i, d->attributes);
        if (i > 0) {
            CHECK(d->base >= map[i - 1].base, "descriptor %lu is out of order\n", i);
            CHECK(d->base >= map[i - 1].base + map[i - 1].length,
                  "descriptor %lu overlaps descriptor %lu\n", i, i - 1);
        }
        if (d->type == WISP_MEMORY_RESERVED)
            reserved += d->length;
        else if (d->type != WISP_MEMORY_FRAMEBUFFER)
            ram += d->length;
    }

    /* Whether RESERVED ranges (the legacy hole below 1 MiB) count as RAM is
     * not settled by guest.h; accept both readings and say which held. */
    if (bi->total_memory == ram)
        wisp_printf("  total_memory = sum of non-reserved RAM descriptors\n");
    else if (bi->total_memory == ram + reserved)
        wisp_printf("  total_memory = sum of RAM descriptors including RESERVED\n");
    else
        CHECK(0, "total_memory 0x%lx, but RAM descriptors sum to 0x%lx (0x%lx with RESERVED)\n",
              bi->total_memory, ram, ram + reserved);

    int arena_found = 0;
    for (uint64_t i = 0; i < map_count; i++)
        arena_found |= map[i].base == WISP_ARENA_ADDR && map[i].length == WISP_ARENA_SIZE &&
                       map[i].type == WISP_MEMORY_ARENA;
    CHECK(arena_found, "no ARENA descriptor 0x%llx+0x%llx\n", WISP_ARENA_ADDR, WISP_ARENA_SIZE);
    check_covered("page tables", WISP_PML4_ADDR, WISP_PAGE_TABLES_END - WISP_PML4_ADDR,
                  WISP_MEMORY_BOOT_DATA);
    check_covered("GDT", WISP_GDT_ADDR, 24, WISP_MEMORY_BOOT_DATA);
    check_covered("boot info and memory map", WISP_BOOT_INFO_ADDR,
                  sizeof *bi + map_count * sizeof *map, WISP_MEMORY_BOOT_DATA);
    check_covered("stack", bi->stack_base, bi->stack_size, WISP_MEMORY_BOOT_DATA);
    check_covered("kernel", (uint64_t)(uintptr_t)__kernel_start,
                  (uint64_t)(__kernel_end - __kernel_start), WISP_MEMORY_KERNEL);
    check_covered("heap", bi->heap_phys, bi->heap_size, WISP_MEMORY_HEAP);
    if (bi->flags & WISP_BOOT_FLAG_FRAMEBUFFER)
        check_covered("framebuffer", bi->framebuffer_base, bi->framebuffer_size,
                      WISP_MEMORY_FRAMEBUFFER);

    /* The arena is zeroed: sample one word every 64 KiB (reading all 16 MiB
     * would take too long where guest code is emulated). */
    if (arena_found) {
        const volatile uint64_t *a = (const volatile uint64_t *)(uintptr_t)WISP_ARENA_ADDR;
        for (uint64_t off = 0; off < WISP_ARENA_SIZE / 8; off += 0x10000 / 8)
            if (a[off] != 0 || a[off + 0x10000 / 8 - 1] != 0) {
                CHECK(0, "arena not zeroed near 0x%llx\n", WISP_ARENA_ADDR + off * 8);
                break;
            }
    }

    /* Time: boot_time_ns is after 2020 and not after now. */
    uint64_t now = wisp_time_ns();
    wisp_printf("  get_time %lu ns (%lu ms after boot_time_ns)\n", now,
                (now - bi->boot_time_ns) / 1000000);
    CHECK(bi->boot_time_ns > 1577836800000000000ull, "boot_time_ns %lu is before 2020\n",
          bi->boot_time_ns);
    CHECK(now >= bi->boot_time_ns, "get_time %lu is before boot_time_ns %lu\n", now,
          bi->boot_time_ns);

    /* The extension: versioned, the CPU table, the clock rates. */
    CHECK(bi->flags & WISP_BOOT_FLAG_EXTENSION, "EXTENSION flag not set\n");
    const struct wisp_boot_ext *ext = wisp_boot_ext(bi);
    CHECK(ext != 0, "no boot info extension at 0x%lx\n", bi->extension_phys);
    if (ext) {
        wisp_printf("  extension v%u, %u bytes: %u CPUs, TSC %lu Hz, LAPIC timer %lu Hz\n",
                    ext->version, ext->size, ext->cpu_count, ext->tsc_hz, ext->lapic_timer_hz);
        CHECK(ext->version >= 1 && ext->size >= sizeof *ext, "extension version %u size %u\n",
              ext->version, ext->size);
        CHECK(ext->cpu_count >= 1 && ext->cpu_count <= WISP_MAX_CPUS, "cpu_count %u\n",
              ext->cpu_count);
        CHECK(ext->tsc_hz > 100000000ull, "tsc_hz %lu\n", ext->tsc_hz);
        CHECK(ext->lapic_timer_hz >= 1000000ull, "lapic_timer_hz %lu\n", ext->lapic_timer_hz);
        CHECK(ext->cpu_desc_size == sizeof(struct wisp_cpu), "cpu_desc_size %u\n",
              ext->cpu_desc_size);
        check_covered("CPU table", ext->cpus_phys, ext->cpu_count * sizeof(struct wisp_cpu),
                      WISP_MEMORY_BOOT_DATA);
        for (unsigned i = 0; i < ext->cpu_count && i < WISP_MAX_CPUS; i++) {
            const struct wisp_cpu *cpu = wisp_cpu_entry(bi, i);
            CHECK(cpu->processor_id == i && cpu->lapic_id == i, "CPU %u: id %u, APIC ID %u\n",
                  i, cpu->processor_id, cpu->lapic_id);
            CHECK((cpu->flags & WISP_CPU_FLAG_BSP) == (i == 0 ? WISP_CPU_FLAG_BSP : 0u),
                  "CPU %u flags 0x%x\n", i, cpu->flags);
            if (i == 0)
                CHECK(cpu->stack_top == bi->stack_base + bi->stack_size, "BSP stack_top 0x%lx\n",
                      cpu->stack_top);
            else
                check_covered("AP stack", cpu->stack_top - WISP_AP_STACK_SIZE, WISP_AP_STACK_SIZE,
                              WISP_MEMORY_BOOT_DATA);
        }
        CHECK(wisp_lapic_id() == ext->bsp_lapic_id, "BSP APIC ID %u, extension says %u\n",
              wisp_lapic_id(), ext->bsp_lapic_id);
    }

    if (failures) {
        wisp_printf("FAIL: bootinfo: %d check(s) failed\n", failures);
        return 1;
    }
    wisp_puts("PASS: bootinfo\n");
    return 0;
}
