/*
 * The native (Seraph-V compatible) boot environment, checked against the
 * seed document: page tables at 0x1000-0xAFFF walked the way the MMU walks
 * them, the boot-info block at 0x80000 read at the seed's raw byte offsets,
 * the memory map right after it, the GDT at 0xB000 and the CPU state the
 * kernel is entered with.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "boot/elf64.h"
#include "boot/native_layout.h"
#include "boot/page_tables.h"
#include "core/guest_memory.h"
#include "wisp/guest.h"

#define MiB 0x100000ull
#define GiB 0x40000000ull

#define P   (1ull << 0)  /* present */
#define RW  (1ull << 1)  /* writable */
#define PWT (1ull << 3)
#define PCD (1ull << 4)  /* cache disable */
#define PS  (1ull << 7)  /* 2 MiB (PD) / 1 GiB (PDPT) page */
#define ADDR_MASK 0x000FFFFFFFFFF000ull
#define PAGE_2M   (2 * MiB)

/* The seed's kernel: 0x101000-0x333FFF, as two segments sharing no page. */
#define KERNEL_START 0x101000ull
#define KERNEL_END   0x334000ull
#define KERNEL_ENTRY 0x1010A0ull

#define JUNK 0xA5u

static struct guest_memory gm;
static struct elf_image kernel;
static uint64_t ram_size;

static const struct native_boot_params params = {
    .fb_width = 1024, .fb_height = 768, .boot_time_ns = 1700000000123456789ull,
};

/* ---- set-up ---- */

static int make_memory(uint64_t ram)
{
    struct wisp_error err = { 0 };
    memset(&gm, 0, sizeof gm);
    ram_size = ram;
    if (guest_memory_add_bank(&gm, "RAM", MEM_BANK_RAM, 0, ram, &err) < 0 ||
        guest_memory_add_bank(&gm, "framebuffer", MEM_BANK_FRAMEBUFFER, WISP_FRAMEBUFFER_ADDR,
                              WISP_FRAMEBUFFER_WINDOW, &err) < 0) {
        print_error("setup: %s\n", err.message);
        return -1;
    }
    /* Junk where the boot environment goes, so "zero" means "written". */
    guest_memory_fill(&gm, 0, JUNK, WISP_BOOT_AREA_END);
    /* The arena is left as guest memory starts: zero (wisp relies on that
     * rather than clearing 16 MiB at every boot). */

    memset(&kernel, 0, sizeof kernel);
    kernel.entry = KERNEL_ENTRY;
    kernel.phys_start = KERNEL_START;
    kernel.phys_end = KERNEL_END;
    kernel.segment_count = 2;
    kernel.segments[0] = (struct elf_loaded_segment){
        .paddr = KERNEL_START, .vaddr = KERNEL_START, .memsz = 0x100000, .filesz = 0x100000,
        .file_offset = 0x1000, .flags = PF_R | PF_X, .index = 0 };
    kernel.segments[1] = (struct elf_loaded_segment){
        .paddr = 0x201000, .vaddr = 0x201000, .memsz = KERNEL_END - 0x201000,
        .filesz = 0x20000, .file_offset = 0x101000, .flags = PF_R | PF_W, .index = 1 };
    return 0;
}

static int boot(uint64_t ram)
{
    if (make_memory(ram) < 0)
        return -1;
    struct wisp_error err = { 0 };
    if (native_build_environment(&gm, &kernel, &params, &err) < 0) {
        print_error("native_build_environment: %s\n", err.message);
        return -1;
    }
    return 0;
}

static int booted_512m(void **state) { (void)state; return boot(512 * MiB); }
static int booted_1g(void **state)   { (void)state; return boot(1 * GiB); }
static int booted_2g(void **state)   { (void)state; return boot(2 * GiB); }
static int memory_64m(void **state)  { (void)state; return make_memory(64 * MiB); }
static int memory_512m(void **state) { (void)state; return make_memory(512 * MiB); }

static int release(void **state)
{
    (void)state;
    guest_memory_release(&gm);
    return 0;
}

/* ---- reading guest memory ---- */

static uint64_t rd64(uint64_t gpa)
{
    uint64_t v;
    if (!guest_memory_read(&gm, gpa, &v, sizeof v))
        fail_msg("0x%llx is not guest memory", (unsigned long long)gpa);
    return v;
}

static uint32_t rd32(uint64_t gpa)
{
    uint32_t v;
    if (!guest_memory_read(&gm, gpa, &v, sizeof v))
        fail_msg("0x%llx is not guest memory", (unsigned long long)gpa);
    return v;
}

static uint64_t pte(uint64_t table, unsigned index)
{
    return rd64(table + index * 8ull);
}

/* Boot-info fields at the seed's offsets. */
static uint64_t info64(unsigned offset) { return rd64(WISP_BOOT_INFO_ADDR + offset); }
static uint32_t info32(unsigned offset) { return rd32(WISP_BOOT_INFO_ADDR + offset); }

/* ---- an MMU walk: 4 levels from CR3, 2 MiB (or 1 GiB) leaves allowed ---- */

static bool translate(uint64_t va, uint64_t *pa)
{
    uint64_t upper = va >> 47;
    if (upper != 0 && upper != 0x1FFFF)
        return false; /* non-canonical */
    uint64_t e = pte(WISP_PML4_ADDR, (va >> 39) & 511);
    if (!(e & P))
        return false;
    if (e & PS)
        fail_msg("PML4 entry for 0x%llx has the reserved PS bit", (unsigned long long)va);
    e = pte(e & ADDR_MASK, (va >> 30) & 511);
    if (!(e & P))
        return false;
    if (e & PS) {
        *pa = (e & ADDR_MASK & ~(GiB - 1)) | (va & (GiB - 1));
        return true;
    }
    e = pte(e & ADDR_MASK, (va >> 21) & 511);
    if (!(e & P))
        return false;
    if (e & PS) {
        *pa = (e & ADDR_MASK & ~(PAGE_2M - 1)) | (va & (PAGE_2M - 1));
        return true;
    }
    e = pte(e & ADDR_MASK, (va >> 12) & 511);
    if (!(e & P))
        return false;
    *pa = (e & ADDR_MASK) | (va & 0xFFF);
    return true;
}

static void assert_maps(uint64_t va, uint64_t expected_pa)
{
    uint64_t pa = 0;
    if (!translate(va, &pa))
        fail_msg("0x%016llx is not mapped", (unsigned long long)va);
    if (pa != expected_pa)
        fail_msg("0x%016llx maps to 0x%llx, not 0x%llx", (unsigned long long)va,
                 (unsigned long long)pa, (unsigned long long)expected_pa);
}

static void assert_unmapped(uint64_t va)
{
    uint64_t pa;
    if (translate(va, &pa))
        fail_msg("0x%016llx is mapped (to 0x%llx)", (unsigned long long)va, (unsigned long long)pa);
}

/* The virtual address with these four table indices, sign-extended. */
static uint64_t va_of(unsigned l4, unsigned l3, unsigned l2, unsigned l1, uint64_t offset)
{
    uint64_t va = (uint64_t)l4 << 39 | (uint64_t)l3 << 30 | (uint64_t)l2 << 21 |
                  (uint64_t)l1 << 12 | offset;
    return l4 >= 256 ? va | 0xFFFF000000000000ull : va;
}

/* The identity-map PD entry (PDs at 0x3000-0x6000) for a physical address. */
static uint64_t identity_pde(uint64_t phys)
{
    uint64_t index = phys / PAGE_2M;
    return pte(0x3000 + (index / 512) * 0x1000, (unsigned)(index % 512));
}

static void assert_table_entry(uint64_t entry, uint64_t target)
{
    assert_int_equal(entry & ADDR_MASK, target);
    assert_int_equal(entry & (P | RW | PS), P | RW);
}

static void assert_large_page(uint64_t entry, uint64_t phys)
{
    if ((entry & ADDR_MASK) != phys || (entry & (P | RW | PS)) != (P | RW | PS))
        fail_msg("PD entry 0x%llx is not a present writable 2 MiB page at 0x%llx",
                 (unsigned long long)entry, (unsigned long long)phys);
}

/* ---- page tables ---- */

static void test_pml4_at_0x1000_has_only_the_four_seed_entries(void **state)
{
    (void)state;
    assert_table_entry(pte(0x1000, 0), 0x2000);
    assert_table_entry(pte(0x1000, 256), 0x7000);
    assert_table_entry(pte(0x1000, 384), 0x9000);
    assert_table_entry(pte(0x1000, 510), 0x1000);
    for (unsigned i = 0; i < 512; i++)
        if (i != 0 && i != 256 && i != 384 && i != 510 && pte(0x1000, i) != 0)
            fail_msg("PML4[%u] = 0x%llx, expected 0", i, (unsigned long long)pte(0x1000, i));
}

static void test_identity_pdpt_points_at_the_four_pds_0x3000_to_0x6000(void **state)
{
    (void)state;
    for (unsigned g = 0; g < 4; g++)
        assert_table_entry(pte(0x2000, g), 0x3000 + g * 0x1000ull);
    for (unsigned i = 4; i < 512; i++)
        assert_int_equal(pte(0x2000, i), 0);
}

static void test_identity_map_is_4_gib_of_present_writable_2mib_pages(void **state)
{
    (void)state;
    for (unsigned g = 0; g < 4; g++)
        for (unsigned i = 0; i < 512; i++) {
            uint64_t phys = ((uint64_t)g * 512 + i) * PAGE_2M;
            assert_large_page(pte(0x3000 + g * 0x1000ull, i), phys);
        }
    /* PD3 (0x6000) holds the framebuffer window and the LAPIC. */
    assert_large_page(pte(0x6000, 0), WISP_FRAMEBUFFER_ADDR);
    assert_large_page(pte(0x6000, (WISP_LAPIC_ADDR - 3 * GiB) / PAGE_2M), WISP_LAPIC_ADDR);
    assert_large_page(identity_pde(WISP_LAPIC_ADDR), WISP_LAPIC_ADDR);
}

static void test_identity_map_is_cacheable_for_ram_and_framebuffer_but_not_the_lapic(void **state)
{
    (void)state;
    for (uint64_t phys = 0; phys < ram_size; phys += PAGE_2M)
        assert_int_equal(identity_pde(phys) & PCD, 0);
    for (uint64_t phys = WISP_FRAMEBUFFER_ADDR;
         phys < WISP_FRAMEBUFFER_ADDR + WISP_FRAMEBUFFER_WINDOW; phys += PAGE_2M)
        assert_int_equal(identity_pde(phys) & PCD, 0);
    assert_int_equal(identity_pde(WISP_LAPIC_ADDR) & PCD, PCD);
}

static void test_physmap_is_pml4_256_to_0x7000_to_pd_0x8000_with_256_pages_for_512mib(void **state)
{
    (void)state;
    assert_table_entry(pte(0x7000, 0), 0x8000);
    for (unsigned i = 1; i < 512; i++)
        assert_int_equal(pte(0x7000, i), 0);
    for (unsigned i = 0; i < 256; i++)
        assert_large_page(pte(0x8000, i), i * PAGE_2M);
    for (unsigned i = 256; i < 512; i++)
        assert_int_equal(pte(0x8000, i), 0);
}

static void test_physmap_has_all_512_pages_when_ram_is_at_least_1gib(void **state)
{
    (void)state;
    assert_table_entry(pte(0x7000, 0), 0x8000);
    for (unsigned i = 1; i < 512; i++)
        assert_int_equal(pte(0x7000, i), 0);
    for (unsigned i = 0; i < 512; i++)
        assert_large_page(pte(0x8000, i), i * PAGE_2M);
    assert_maps(WISP_PHYSMAP_BASE + GiB - 1, GiB - 1);
    assert_unmapped(WISP_PHYSMAP_BASE + GiB);
    assert_int_equal(info64(168), GiB); /* physmap_size */
}

static void test_heap_is_pml4_384_to_0x9000_to_pd_0xa000_with_32_pages_from_32mib(void **state)
{
    (void)state;
    assert_table_entry(pte(0x9000, 0), 0xA000);
    for (unsigned i = 1; i < 512; i++)
        assert_int_equal(pte(0x9000, i), 0);
    for (unsigned i = 0; i < 32; i++)
        assert_large_page(pte(0xA000, i), 0x2000000ull + i * PAGE_2M);
    for (unsigned i = 32; i < 512; i++)
        assert_int_equal(pte(0xA000, i), 0);
}

static void test_walk_identity_addresses_map_to_themselves(void **state)
{
    (void)state;
    const uint64_t addresses[] = { 0, 0x1000, 0x80000, KERNEL_ENTRY, 0x9FFF8, WISP_ARENA_ADDR,
                                   512 * MiB - 1, 0x40000000, WISP_FRAMEBUFFER_ADDR + 0x1234,
                                   WISP_LAPIC_ADDR + 0x300, 0xFFFFFFFFull };
    for (size_t i = 0; i < sizeof addresses / sizeof addresses[0]; i++)
        assert_maps(addresses[i], addresses[i]);
    assert_unmapped(0x100000000ull);
    assert_unmapped(0x8000000000ull);      /* PML4[1] */
    assert_unmapped(0x0000800000000000ull); /* non-canonical */
}

static void test_walk_physmap_and_heap_windows_reach_their_physical_memory(void **state)
{
    (void)state;
    assert_maps(0xFFFF800000080000ull, 0x80000);
    assert_maps(0xFFFF800000000000ull, 0);
    assert_maps(WISP_PHYSMAP_BASE + 512 * MiB - 1, 512 * MiB - 1);
    assert_unmapped(WISP_PHYSMAP_BASE + 512 * MiB);
    assert_maps(0xFFFFC00000000000ull, 0x2000000);
    assert_maps(0xFFFFC00000123456ull, 0x2123456);
    assert_maps(WISP_HEAP_BASE + WISP_HEAP_SIZE - 1, WISP_HEAP_PHYS + WISP_HEAP_SIZE - 1);
    assert_unmapped(WISP_HEAP_BASE + WISP_HEAP_SIZE);
    assert_unmapped(0xFFFFFFFF80000000ull); /* PML4[511] */
}

static void test_walk_recursive_slot_reaches_the_tables_themselves(void **state)
{
    (void)state;
    /* 510 at all four levels: the PML4 page itself. */
    assert_int_equal(va_of(510, 510, 510, 510, 0), 0xFFFFFF7FBFDFE000ull);
    assert_maps(va_of(510, 510, 510, 510, 0), 0x1000);
    assert_maps(va_of(510, 510, 510, 510, 510 * 8), 0x1000 + 510 * 8);
    /* One level less of recursion each time: PDPT, PD, and the tables below. */
    assert_maps(va_of(510, 510, 510, 0, 0), 0x2000);
    assert_maps(va_of(510, 510, 510, 256, 0), 0x7000);
    assert_maps(va_of(510, 510, 510, 384, 0), 0x9000);
    assert_maps(va_of(510, 510, 0, 3, 0), 0x6000);
    assert_maps(va_of(510, 510, 256, 0, 0), 0x8000);
    assert_maps(va_of(510, 510, 384, 0, 0), 0xA000);
    /* The identity PD 0 seen as a page table: its 4 KiB "pages" are the 2 MiB
     * pages' first 4 KiB. */
    assert_maps(va_of(510, 0, 0, 1, 0x10), PAGE_2M + 0x10);
    assert_unmapped(va_of(510, 510, 510, 1, 0));
}

/* ---- boot info (raw offsets of the seed) ---- */

static void test_boot_info_at_0x80000_has_the_seed_fields_at_the_seed_offsets(void **state)
{
    (void)state;
    /* The seed's number, which is what Seraph kernels compare. (Its bytes,
     * most significant first, actually spell "SERAPHBT": the seed's and
     * Seraph's own comments say "SERAPHTB", the number wins.) */
    assert_int_equal(info64(0), 0x5345524150484254ull);
    assert_int_equal(info32(8), 1);                      /* version */
    /* The seed's two flags, and the extension's (bit 2) added by wisp. */
    assert_int_equal(info32(12), WISP_BOOT_FLAG_FRAMEBUFFER | WISP_BOOT_FLAG_SERIAL |
                                 WISP_BOOT_FLAG_EXTENSION);
    assert_int_equal(info32(12), 7);
    assert_int_equal(info64(16), 0xC0000000ull);         /* framebuffer_base */
    assert_int_equal(info64(24), 1024 * 768 * 4);        /* framebuffer_size */
    assert_int_equal(info32(32), 1024);                  /* width */
    assert_int_equal(info32(36), 768);                   /* height */
    assert_int_equal(info32(40), 4096);                  /* stride */
    assert_int_equal(info32(44), WISP_FB_FORMAT_BGRA8);  /* format */
    assert_int_equal(info64(48), 0x80118ull);            /* memory_map_base */
    assert_int_equal(info64(136), 0x1000000ull);         /* primordial arena */
    assert_int_equal(info64(144), 16 * MiB);
    assert_int_equal(info64(152), 0x1000ull);            /* pml4_phys */
}

static void test_boot_info_describes_memory_kernel_stack_and_windows(void **state)
{
    (void)state;
    assert_int_equal(info64(64), 24);                /* descriptor size */
    assert_int_equal(info64(72), 512 * MiB);         /* total memory */
    assert_int_equal(info64(80), KERNEL_START);
    assert_int_equal(info64(88), KERNEL_END);
    assert_int_equal(info64(96), KERNEL_ENTRY);
    assert_int_equal(info64(104), 0x90000);          /* stack base */
    assert_int_equal(info64(112), 0x10000);          /* stack size */
    assert_int_equal(info64(120), 0x3F8);
    assert_int_equal(info64(128), WISP_HYPERCALL_PORT);
    assert_int_equal(info64(160), WISP_PHYSMAP_BASE);
    assert_int_equal(info64(168), 512 * MiB);
    assert_int_equal(info64(176), WISP_HEAP_BASE);
    assert_int_equal(info64(184), 0x2000000);
    assert_int_equal(info64(192), 64 * MiB);
    assert_int_equal(info64(200), 510);
    assert_int_equal(info64(208), params.boot_time_ns);
    assert_int_equal(info64(216), WISP_LAPIC_ADDR);
    assert_int_equal(info64(224), WISP_BOOT_EXT_ADDR); /* the first seed-reserved word */
    for (unsigned off = 232; off < 280; off += 8)
        assert_int_equal(info64(off), 0);
}

/* Fresh guest memory is zero and the build writes nothing into the arena. */
static void test_primordial_arena_is_zeroed(void **state)
{
    (void)state;
    for (uint64_t gpa = WISP_ARENA_ADDR; gpa < WISP_ARENA_ADDR + 0x1000; gpa += 8)
        assert_int_equal(rd64(gpa), 0);
    for (uint64_t gpa = WISP_ARENA_ADDR + WISP_ARENA_SIZE - 0x1000;
         gpa < WISP_ARENA_ADDR + WISP_ARENA_SIZE; gpa += 8)
        assert_int_equal(rd64(gpa), 0);
}

/* ---- memory map ---- */

static unsigned read_memory_map(struct wisp_memory_descriptor *map)
{
    uint64_t count = info64(56);
    assert_in_range(count, 2, WISP_MEMORY_MAP_MAX);
    assert_true(guest_memory_read(&gm, info64(48), map, count * sizeof map[0]));
    return (unsigned)count;
}

/* The type of the one descriptor holding [base, end); fails if none does. */
static uint32_t type_of(const struct wisp_memory_descriptor *map, unsigned count, uint64_t base,
                        uint64_t end)
{
    for (unsigned i = 0; i < count; i++)
        if (map[i].base <= base && end <= map[i].base + map[i].length)
            return map[i].type;
    fail_msg("no descriptor holds 0x%llx-0x%llx", (unsigned long long)base,
             (unsigned long long)end);
    return 0;
}

/* The descriptor that is exactly [base, base+length) with this type. */
static void assert_descriptor(const struct wisp_memory_descriptor *map, unsigned count,
                              uint64_t base, uint64_t length, uint32_t type)
{
    for (unsigned i = 0; i < count; i++)
        if (map[i].base == base && map[i].length == length && map[i].type == type)
            return;
    fail_msg("no descriptor 0x%llx+0x%llx of type %u", (unsigned long long)base,
             (unsigned long long)length, type);
}

static void test_memory_map_covers_ram_from_0_in_order_without_gaps_or_overlaps(void **state)
{
    (void)state;
    struct wisp_memory_descriptor map[WISP_MEMORY_MAP_MAX];
    unsigned count = read_memory_map(map);
    uint64_t cursor = 0;
    for (unsigned i = 0; i + 1 < count; i++) {
        if (map[i].base != cursor || map[i].length == 0)
            fail_msg("descriptor %u is 0x%llx+0x%llx, expected to start at 0x%llx", i,
                     (unsigned long long)map[i].base, (unsigned long long)map[i].length,
                     (unsigned long long)cursor);
        assert_in_range(map[i].type, WISP_MEMORY_USABLE, WISP_MEMORY_HEAP);
        assert_int_equal(map[i].attributes, 0);
        cursor += map[i].length;
    }
    assert_int_equal(cursor, ram_size);
}

static void test_memory_map_ends_with_the_framebuffer_window(void **state)
{
    (void)state;
    struct wisp_memory_descriptor map[WISP_MEMORY_MAP_MAX];
    unsigned count = read_memory_map(map);
    assert_int_equal(map[count - 1].base, 0xC0000000ull);
    assert_int_equal(map[count - 1].length, 16 * MiB);
    assert_int_equal(map[count - 1].type, WISP_MEMORY_FRAMEBUFFER);
    assert_int_equal(map[count - 1].attributes, 0);
    for (unsigned i = 0; i + 1 < count; i++)
        assert_int_not_equal(map[i].type, WISP_MEMORY_FRAMEBUFFER);
}

static void test_memory_map_marks_kernel_arena_heap_and_boot_data(void **state)
{
    (void)state;
    struct wisp_memory_descriptor map[WISP_MEMORY_MAP_MAX];
    unsigned count = read_memory_map(map);
    /* Two segments, one KERNEL descriptor: 0x101000-0x333FFF. */
    assert_descriptor(map, count, KERNEL_START, KERNEL_END - KERNEL_START, WISP_MEMORY_KERNEL);
    assert_descriptor(map, count, 0x1000000, 16 * MiB, WISP_MEMORY_ARENA);
    assert_descriptor(map, count, 0x2000000, 64 * MiB, WISP_MEMORY_HEAP);
    assert_int_equal(type_of(map, count, 0x1000, 0xB000), WISP_MEMORY_BOOT_DATA); /* tables */
    assert_int_equal(type_of(map, count, 0xB000, 0xB018), WISP_MEMORY_BOOT_DATA); /* GDT */
    assert_int_equal(type_of(map, count, 0x80000, 0x80118 + count * 24ull),
                     WISP_MEMORY_BOOT_DATA);                                      /* info + map */
    assert_int_equal(type_of(map, count, 0x90000, 0xA0000), WISP_MEMORY_BOOT_DATA); /* stack */
    assert_int_equal(type_of(map, count, 0, 0x1000), WISP_MEMORY_RESERVED);
    assert_int_equal(type_of(map, count, 0xA0000, 0x100000), WISP_MEMORY_RESERVED);
    assert_int_equal(type_of(map, count, 0xC000, 0x80000), WISP_MEMORY_USABLE);
    assert_int_equal(type_of(map, count, KERNEL_END, 0x1000000), WISP_MEMORY_USABLE);
    assert_int_equal(type_of(map, count, 0x6000000, 512 * MiB), WISP_MEMORY_USABLE);
}

static void test_memory_map_for_2gib_ends_ram_at_2gib(void **state)
{
    test_memory_map_covers_ram_from_0_in_order_without_gaps_or_overlaps(state);
    struct wisp_memory_descriptor map[WISP_MEMORY_MAP_MAX];
    unsigned count = read_memory_map(map);
    assert_int_equal(type_of(map, count, 0x6000000, 2 * GiB), WISP_MEMORY_USABLE);
    assert_int_equal(info64(72), 2 * GiB);
}

/* ---- GDT and entry state ---- */

#define DESC_TYPE(d)  ((unsigned)((d) >> 40) & 0xF)
#define DESC_S(d)     ((unsigned)((d) >> 44) & 1)
#define DESC_DPL(d)   ((unsigned)((d) >> 45) & 3)
#define DESC_P(d)     ((unsigned)((d) >> 47) & 1)
#define DESC_L(d)     ((unsigned)((d) >> 53) & 1)
#define DESC_DB(d)    ((unsigned)((d) >> 54) & 1)
#define CODE_TYPE     0x8u
#define WRITABLE_TYPE 0x2u

static void test_gdt_at_0xb000_has_64bit_code_at_8_and_data_at_0x10(void **state)
{
    (void)state;
    assert_int_equal(rd64(0xB000), 0);
    uint64_t code = rd64(0xB000 + 8), data = rd64(0xB000 + 0x10);
    assert_int_equal(DESC_P(code), 1);
    assert_int_equal(DESC_S(code), 1);
    assert_int_equal(DESC_DPL(code), 0);
    assert_int_equal(DESC_TYPE(code) & CODE_TYPE, CODE_TYPE);
    assert_int_equal(DESC_L(code), 1);
    assert_int_equal(DESC_DB(code), 0); /* L=1 requires D=0 */
    assert_int_equal(DESC_P(data), 1);
    assert_int_equal(DESC_S(data), 1);
    assert_int_equal(DESC_DPL(data), 0);
    assert_int_equal(DESC_TYPE(data) & CODE_TYPE, 0);
    assert_int_equal(DESC_TYPE(data) & WRITABLE_TYPE, WRITABLE_TYPE);
}

#define CR0_PE   (1ull << 0)
#define CR0_PG   (1ull << 31)
#define CR4_PAE  (1ull << 5)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)
#define APIC_BASE_VALUE 0xFEE00900ull

static void entry_state(struct accel_regs *regs, struct accel_sregs *sregs)
{
    memset(regs, 0xCC, sizeof *regs);
    memset(sregs, 0xCC, sizeof *sregs);
    sregs->apic_base = APIC_BASE_VALUE;
    native_entry_state(&kernel, regs, sregs);
}

static void test_entry_state_is_long_mode_with_paging_from_0x1000(void **state)
{
    (void)state;
    struct accel_regs regs;
    struct accel_sregs sregs;
    entry_state(&regs, &sregs);
    assert_int_equal(sregs.cr0 & (CR0_PG | CR0_PE), CR0_PG | CR0_PE);
    assert_int_equal(sregs.cr4 & CR4_PAE, CR4_PAE);
    assert_int_equal(sregs.efer & (EFER_LME | EFER_LMA), EFER_LME | EFER_LMA);
    assert_int_equal(sregs.cr3, 0x1000);
    assert_int_equal(sregs.apic_base, APIC_BASE_VALUE);
}

static void test_entry_registers_point_at_entry_boot_info_and_stack(void **state)
{
    (void)state;
    struct accel_regs regs;
    struct accel_sregs sregs;
    entry_state(&regs, &sregs);
    assert_int_equal(regs.rip, KERNEL_ENTRY);
    assert_int_equal(regs.rdi, 0x80000);
    assert_int_equal(regs.rsp, 0x9FFF8);
    assert_int_equal(regs.rflags, 0x2); /* interrupts off */
    assert_int_equal(regs.rax | regs.rbx | regs.rcx | regs.rdx | regs.rsi | regs.rbp |
                     regs.r8 | regs.r9 | regs.r10 | regs.r11 | regs.r12 | regs.r13 |
                     regs.r14 | regs.r15, 0);
}

/* The hidden segment state must be what loading the selector from the GDT
 * would give (the CPU sets the accessed bit). */
static void assert_segment_matches_gdt(const struct accel_segment *seg, uint16_t selector)
{
    assert_int_equal(seg->selector, selector);
    assert_int_equal(seg->base, 0);
    uint64_t d = rd64(WISP_GDT_ADDR + selector);
    uint16_t attributes = (uint16_t)(((d >> 40) & 0xFF) | (((d >> 52) & 0xF) << 12));
    assert_int_equal(seg->attributes | 1u, attributes | 1u);
}

static void test_entry_segments_are_the_gdt_code64_and_data_descriptors(void **state)
{
    (void)state;
    struct accel_regs regs;
    struct accel_sregs sregs;
    entry_state(&regs, &sregs);
    assert_int_equal(sregs.cs.selector, 0x08);
    assert_true(sregs.cs.attributes & ACCEL_SEG_LONG);
    assert_false(sregs.cs.attributes & ACCEL_SEG_DB);
    assert_true(sregs.cs.attributes & ACCEL_SEG_PRESENT);
    assert_true(sregs.cs.attributes & ACCEL_SEG_S);
    assert_true(ACCEL_SEG_TYPE(sregs.cs.attributes) & CODE_TYPE);
    assert_segment_matches_gdt(&sregs.cs, 0x08);
    const struct accel_segment *data[] = { &sregs.ds, &sregs.es, &sregs.fs, &sregs.gs, &sregs.ss };
    for (size_t i = 0; i < 5; i++) {
        assert_true(data[i]->attributes & ACCEL_SEG_PRESENT);
        assert_segment_matches_gdt(data[i], 0x10);
    }
    assert_int_equal(sregs.gdt.base, 0xB000);
    assert_true(sregs.gdt.limit >= 0x17);
}

/* ---- refusals and loader rules ---- */

static void test_too_little_ram_fails_cleanly_and_writes_nothing(void **state)
{
    (void)state;
    struct wisp_error err = { 0 };
    assert_int_equal(native_build_environment(&gm, &kernel, &params, &err), -1);
    assert_int_equal(err.status, WISP_EXIT_USAGE);
    assert_non_null(strstr(err.message, "64 MiB"));
    assert_non_null(strstr(err.message, "too little"));
    assert_null(strchr(err.message, '\n'));
    uint8_t area[0x1000];
    assert_true(guest_memory_read(&gm, 0x1000, area, sizeof area));
    for (size_t i = 0; i < sizeof area; i++)
        assert_int_equal(area[i], JUNK);
    assert_true(guest_memory_read(&gm, WISP_BOOT_INFO_ADDR, area, sizeof area));
    for (size_t i = 0; i < sizeof area; i++)
        assert_int_equal(area[i], JUNK);
}

static void test_framebuffer_larger_than_its_window_is_refused(void **state)
{
    (void)state;
    struct wisp_error err = { 0 };
    const struct native_boot_params huge = { .fb_width = 4096, .fb_height = 4096 };
    assert_int_equal(native_build_environment(&gm, &kernel, &huge, &err), -1);
    assert_non_null(strstr(err.message, "4096x4096"));
    assert_int_equal(rd64(WISP_BOOT_INFO_ADDR), 0xA5A5A5A5A5A5A5A5ull);
}

static void test_load_rules_keep_kernels_above_1mib_and_out_of_arena_and_heap(void **state)
{
    (void)state;
    struct elf_load_rules rules;
    struct elf_reserved_range ranges[NATIVE_RESERVED_MAX];
    memset(&rules, 0xCC, sizeof rules);
    native_load_rules(&rules, ranges, 512 * MiB, 1);
    assert_int_equal(rules.min_phys, 0x100000);
    assert_int_equal(rules.reserved_count, 2);
    bool arena = false, heap = false;
    for (size_t i = 0; i < rules.reserved_count; i++) {
        arena |= rules.reserved[i].base == 0x1000000 && rules.reserved[i].size == 16 * MiB;
        heap |= rules.reserved[i].base == 0x2000000 && rules.reserved[i].size == 64 * MiB;
        assert_non_null(rules.reserved[i].name);
    }
    assert_true(arena);
    assert_true(heap);
    assert_int_equal(rules.identity_limit, 4 * GiB);
    assert_int_equal(rules.physmap_base, WISP_PHYSMAP_BASE);
    assert_int_equal(rules.physmap_size, 512 * MiB);
    native_load_rules(&rules, ranges, 2 * GiB, 1);
    assert_int_equal(rules.physmap_size, 1 * GiB);
}

/* ---- several CPUs: the boot info extension, AP stacks, AP entry ---- */

static const struct native_boot_params params_4cpus = {
    .fb_width = 1024, .fb_height = 768, .cpus = 4, .lapic_timer_hz = 100000000,
};

static int booted_512m_4cpus(void **state)
{
    (void)state;
    if (make_memory(512 * MiB) < 0)
        return -1;
    struct wisp_error err = { 0 };
    if (native_build_environment(&gm, &kernel, &params_4cpus, &err) < 0) {
        print_error("native_build_environment: %s\n", err.message);
        return -1;
    }
    return 0;
}

static void read_ext(struct wisp_boot_ext *ext)
{
    assert_true(guest_memory_read(&gm, WISP_BOOT_EXT_ADDR, ext, sizeof *ext));
}

static void read_cpu(unsigned i, struct wisp_cpu *cpu)
{
    assert_true(guest_memory_read(&gm, WISP_CPU_TABLE_ADDR + i * 64ull, cpu, sizeof *cpu));
}

static void test_extension_for_one_cpu_is_flagged_and_versioned(void **state)
{
    (void)state;
    /* The seed fields stay where they were; the pointer sits in the old
     * reserved area at offset 224. */
    assert_true(rd32(WISP_BOOT_INFO_ADDR + 12) & WISP_BOOT_FLAG_EXTENSION);
    assert_int_equal(rd64(WISP_BOOT_INFO_ADDR + 224), WISP_BOOT_EXT_ADDR);
    for (unsigned off = 232; off < 280; off += 8)
        assert_int_equal(rd64(WISP_BOOT_INFO_ADDR + off), 0);
    struct wisp_boot_ext ext;
    read_ext(&ext);
    assert_int_equal(ext.magic, WISP_BOOT_EXT_MAGIC);
    assert_memory_equal(&ext.magic, "WISPBEXT", 8);
    assert_int_equal(ext.version, 1);
    assert_int_equal(ext.size, 64);
    assert_int_equal(ext.cpu_count, 1);
    assert_int_equal(ext.bsp_lapic_id, 0);
    assert_int_equal(ext.cpus_phys, WISP_CPU_TABLE_ADDR);
    assert_int_equal(ext.cpu_desc_size, 64);
    assert_int_equal(ext.ap_start, WISP_AP_START_INIT_SIPI | WISP_AP_START_MAILBOX);
    assert_int_equal(ext.tsc_hz, 0); /* filled in once the accelerator knows it */
    native_set_tsc_hz(&gm, 2400000000ull);
    read_ext(&ext);
    assert_int_equal(ext.tsc_hz, 2400000000ull);
    struct wisp_cpu bsp;
    read_cpu(0, &bsp);
    assert_int_equal(bsp.processor_id, 0);
    assert_int_equal(bsp.lapic_id, 0);
    assert_int_equal(bsp.flags, WISP_CPU_FLAG_BSP);
    assert_int_equal(bsp.goto_address, 0);
    assert_int_equal(bsp.stack_top, WISP_STACK_TOP);
}

static void test_extension_lists_four_cpus_with_their_own_stacks(void **state)
{
    (void)state;
    struct wisp_boot_ext ext;
    read_ext(&ext);
    assert_int_equal(ext.cpu_count, 4);
    assert_int_equal(ext.lapic_timer_hz, 100000000);
    for (unsigned i = 1; i < 4; i++) {
        struct wisp_cpu cpu;
        read_cpu(i, &cpu);
        assert_int_equal(cpu.processor_id, i);
        assert_int_equal(cpu.lapic_id, i);
        assert_int_equal(cpu.flags, 0);
        assert_int_equal(cpu.goto_address, 0);
        assert_int_equal(cpu.extra_argument, 0);
        assert_int_equal(cpu.stack_top, WISP_AP_STACKS_ADDR + i * WISP_AP_STACK_SIZE);
    }
    /* The AP stacks are boot data in the memory map. */
    uint64_t count = rd64(WISP_BOOT_INFO_ADDR + 56);
    bool found = false;
    for (uint64_t i = 0; i < count; i++) {
        uint64_t d = WISP_MEMORY_MAP_ADDR + i * 24;
        if (rd64(d) == WISP_AP_STACKS_ADDR) {
            found = true;
            assert_int_equal(rd64(d + 8), 3 * WISP_AP_STACK_SIZE);
            assert_int_equal(rd32(d + 16), WISP_MEMORY_BOOT_DATA);
        }
    }
    assert_true(found);
}

static void test_load_rules_keep_kernels_off_the_ap_stacks(void **state)
{
    (void)state;
    struct elf_load_rules rules;
    struct elf_reserved_range ranges[NATIVE_RESERVED_MAX];
    native_load_rules(&rules, ranges, 512 * MiB, 4);
    assert_int_equal(rules.reserved_count, 3);
    assert_int_equal(rules.reserved[2].base, WISP_AP_STACKS_ADDR);
    assert_int_equal(rules.reserved[2].size, 3 * WISP_AP_STACK_SIZE);
    assert_int_equal(native_ap_stacks_size(1), 0);
    assert_int_equal(native_ap_stacks_size(64), 63 * WISP_AP_STACK_SIZE);
}

static void test_ap_enters_its_mailbox_address_with_its_entry_and_stack(void **state)
{
    (void)state;
    struct accel_regs regs;
    struct accel_sregs sregs;
    memset(&regs, 0xCC, sizeof regs);
    memset(&sregs, 0xCC, sizeof sregs);
    sregs.apic_base = 0xFEE00800ull;
    native_ap_entry_state(2, 0x123456, &regs, &sregs);
    assert_int_equal(regs.rip, 0x123456);
    assert_int_equal(regs.rdi, WISP_CPU_TABLE_ADDR + 2 * 64);
    assert_int_equal(regs.rsp, WISP_AP_STACKS_ADDR + 2 * WISP_AP_STACK_SIZE - 8);
    assert_int_equal(regs.rflags, 2);
    assert_int_equal(regs.rax, 0);
    assert_int_equal(sregs.cr3, WISP_PML4_ADDR);
    assert_int_equal(sregs.efer & (EFER_LME | EFER_LMA), EFER_LME | EFER_LMA);
    assert_int_equal(sregs.apic_base, 0xFEE00800ull); /* the AP's own, kept */
}

static void test_too_little_ram_for_the_ap_stacks_is_refused(void **state)
{
    (void)state;
    struct wisp_error err = { 0 };
    const struct native_boot_params two = { .fb_width = 1024, .fb_height = 768, .cpus = 2 };
    assert_int_equal(native_build_environment(&gm, &kernel, &two, &err), -1);
    assert_non_null(strstr(err.message, "too little for 2 CPUs"));
}

static int memory_96m(void **state)  { (void)state; return make_memory(96 * MiB); }

#define AT_512M(fn) cmocka_unit_test_setup_teardown(fn, booted_512m, release)
#define AT_1G(fn)   cmocka_unit_test_setup_teardown(fn, booted_1g, release)
#define AT_2G(fn)   cmocka_unit_test_setup_teardown(fn, booted_2g, release)

int main(void)
{
    const struct CMUnitTest tests[] = {
        AT_512M(test_pml4_at_0x1000_has_only_the_four_seed_entries),
        AT_512M(test_identity_pdpt_points_at_the_four_pds_0x3000_to_0x6000),
        AT_512M(test_identity_map_is_4_gib_of_present_writable_2mib_pages),
        AT_512M(test_identity_map_is_cacheable_for_ram_and_framebuffer_but_not_the_lapic),
        AT_512M(test_physmap_is_pml4_256_to_0x7000_to_pd_0x8000_with_256_pages_for_512mib),
        AT_1G(test_physmap_has_all_512_pages_when_ram_is_at_least_1gib),
        AT_2G(test_physmap_has_all_512_pages_when_ram_is_at_least_1gib),
        AT_512M(test_heap_is_pml4_384_to_0x9000_to_pd_0xa000_with_32_pages_from_32mib),
        AT_512M(test_walk_identity_addresses_map_to_themselves),
        AT_512M(test_walk_physmap_and_heap_windows_reach_their_physical_memory),
        AT_512M(test_walk_recursive_slot_reaches_the_tables_themselves),
        AT_512M(test_boot_info_at_0x80000_has_the_seed_fields_at_the_seed_offsets),
        AT_512M(test_boot_info_describes_memory_kernel_stack_and_windows),
        AT_512M(test_primordial_arena_is_zeroed),
        AT_512M(test_memory_map_covers_ram_from_0_in_order_without_gaps_or_overlaps),
        AT_512M(test_memory_map_ends_with_the_framebuffer_window),
        AT_512M(test_memory_map_marks_kernel_arena_heap_and_boot_data),
        AT_2G(test_memory_map_for_2gib_ends_ram_at_2gib),
        AT_512M(test_gdt_at_0xb000_has_64bit_code_at_8_and_data_at_0x10),
        AT_512M(test_entry_state_is_long_mode_with_paging_from_0x1000),
        AT_512M(test_entry_registers_point_at_entry_boot_info_and_stack),
        AT_512M(test_entry_segments_are_the_gdt_code64_and_data_descriptors),
        cmocka_unit_test_setup_teardown(test_too_little_ram_fails_cleanly_and_writes_nothing,
                                        memory_64m, release),
        cmocka_unit_test_setup_teardown(test_framebuffer_larger_than_its_window_is_refused,
                                        memory_512m, release),
        cmocka_unit_test(test_load_rules_keep_kernels_above_1mib_and_out_of_arena_and_heap),
        AT_512M(test_extension_for_one_cpu_is_flagged_and_versioned),
        cmocka_unit_test_setup_teardown(test_extension_lists_four_cpus_with_their_own_stacks,
                                        booted_512m_4cpus, release),
        cmocka_unit_test(test_load_rules_keep_kernels_off_the_ap_stacks),
        AT_512M(test_ap_enters_its_mailbox_address_with_its_entry_and_stack),
        cmocka_unit_test_setup_teardown(test_too_little_ram_for_the_ap_stacks_is_refused,
                                        memory_96m, release),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
