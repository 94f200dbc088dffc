/*
 * QEMU shim: imitates what wisp sets up for a native guest, so the test
 * guests can run under QEMU (TCG) where there is no /dev/kvm and no wisp.
 *
 * QEMU's multiboot loader starts us with the guest ELF as module 0. We copy
 * its PT_LOAD segments (zeroing .bss), then build what include/wisp/guest.h
 * describes: page tables at 0x1000-0xAFFF (identity 4 GiB, physical map of
 * 512 MiB, 64 MiB heap window, recursive slot 510), the GDT at 0xB000, the
 * boot info at 0x80000 and the memory map after it, a zeroed arena.
 *
 * One difference: QEMU has no RAM at 0xC0000000, so the framebuffer is a
 * piece of RAM at FB_BASE and the boot info says so (guests must use
 * framebuffer_base anyway). boot_time_ns is filled in by the gdb script.
 */
#include <stddef.h>
#include <stdint.h>

#include <wisp/guest.h>

#define FB_BASE 0x8000000u /* 128 MiB: needs -m 256 or more */
#define FB_SIZE 0x400000u
#define FB_W    1024
#define FB_H    768

uint32_t guest_entry; /* read by shim_entry.S */

struct mb_info {
    uint32_t flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
};
struct mb_module {
    uint32_t start, end, cmdline, reserved;
};
struct elf64_ehdr {
    uint8_t e_ident[16];
    uint16_t e_type, e_machine;
    uint32_t e_version;
    uint64_t e_entry, e_phoff, e_shoff;
    uint32_t e_flags;
    uint16_t e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx;
};
struct elf64_phdr {
    uint32_t p_type, p_flags;
    uint64_t p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_align;
};

static void fill(void *dst, uint8_t v, uint32_t n)
{
    __asm__ __volatile__("rep stosb" : "+D"(dst), "+c"(n) : "a"(v) : "memory");
}

static void copy(void *dst, const void *src, uint32_t n)
{
    __asm__ __volatile__("rep movsb" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
}

static void die(const char *msg)
{
    while (*msg)
        __asm__ __volatile__("outb %0, %1" : : "a"(*msg++), "Nd"((uint16_t)0x3F8));
    for (;;)
        __asm__ __volatile__("cli; hlt");
}

static struct wisp_memory_descriptor *map;
static uint32_t map_count;

static void map_add(uint64_t base, uint64_t end, uint32_t type)
{
    if (end <= base)
        return;
    map[map_count].base = base;
    map[map_count].length = end - base;
    map[map_count].type = type;
    map[map_count].attributes = 0;
    map_count++;
}

void shim_main(uint32_t magic, const struct mb_info *mbi)
{
    if (magic != 0x2BADB002 || !(mbi->flags & (1u << 3)) || mbi->mods_count < 1)
        die("shim: no guest module (pass the guest ELF with -initrd)\n");
    uint64_t ram_end = ((uint64_t)mbi->mem_upper + 1024) * 1024;
    if (ram_end < FB_BASE + FB_SIZE)
        die("shim: need at least 256 MiB of RAM (-m 256)\n");

    /* The guest's PT_LOAD segments. */
    const struct mb_module *mod = (const struct mb_module *)mbi->mods_addr;
    const uint8_t *elf = (const uint8_t *)mod->start;
    const struct elf64_ehdr *eh = (const struct elf64_ehdr *)elf;
    uint64_t kstart = ~0ull, kend = 0;

    if (eh->e_ident[0] != 0x7F || eh->e_ident[4] != 2 || eh->e_machine != 62)
        die("shim: module 0 is not an x86-64 ELF64\n");
    for (uint32_t i = 0; i < eh->e_phnum; i++) {
        const struct elf64_phdr *ph =
            (const struct elf64_phdr *)(elf + eh->e_phoff + i * eh->e_phentsize);
        if (ph->p_type != 1)
            continue;
        if (ph->p_paddr < WISP_BOOT_AREA_END || ph->p_paddr + ph->p_memsz > 0x800000)
            die("shim: segment outside 1..8 MiB\n");
        copy((void *)(uint32_t)ph->p_paddr, elf + ph->p_offset, (uint32_t)ph->p_filesz);
        fill((void *)(uint32_t)(ph->p_paddr + ph->p_filesz), 0,
             (uint32_t)(ph->p_memsz - ph->p_filesz));
        if (ph->p_paddr < kstart)
            kstart = ph->p_paddr;
        if (ph->p_paddr + ph->p_memsz > kend)
            kend = ph->p_paddr + ph->p_memsz;
    }
    guest_entry = (uint32_t)eh->e_entry;

    /* Page tables, laid out as in the seed design. */
    uint64_t *pml4 = (uint64_t *)0x1000, *pdpt_ident = (uint64_t *)0x2000;
    uint64_t *pdpt_phys = (uint64_t *)0x7000, *pd_phys = (uint64_t *)0x8000;
    uint64_t *pdpt_heap = (uint64_t *)0x9000, *pd_heap = (uint64_t *)0xA000;
    fill(pml4, 0, WISP_PAGE_TABLES_END - WISP_PML4_ADDR);
    pml4[0] = 0x2000 | 3;
    pml4[256] = 0x7000 | 3;
    pml4[384] = 0x9000 | 3;
    pml4[WISP_RECURSIVE_SLOT] = WISP_PML4_ADDR | 3;
    for (uint32_t g = 0; g < 4; g++) {
        uint64_t *pd = (uint64_t *)(0x3000 + g * 0x1000);
        pdpt_ident[g] = (0x3000 + g * 0x1000) | 3;
        for (uint32_t j = 0; j < 512; j++)
            pd[j] = ((uint64_t)(g * 512 + j) << 21) | 0x83; /* P, RW, 2 MiB */
    }
    pdpt_phys[0] = 0x8000 | 3;
    for (uint32_t j = 0; j < 256; j++)
        pd_phys[j] = ((uint64_t)j << 21) | 0x83;
    pdpt_heap[0] = 0xA000 | 3;
    for (uint32_t j = 0; j < WISP_HEAP_SIZE >> 21; j++)
        pd_heap[j] = (WISP_HEAP_PHYS + ((uint64_t)j << 21)) | 0x83;

    uint64_t *gdt = (uint64_t *)WISP_GDT_ADDR;
    gdt[0] = 0;
    gdt[1] = 0x00AF9A000000FFFFull; /* 64-bit code */
    gdt[2] = 0x00CF92000000FFFFull; /* data */

    /* Memory map. */
    struct wisp_boot_info *bi = (struct wisp_boot_info *)WISP_BOOT_INFO_ADDR;
    uint64_t kpages_end = (kend + 0xFFF) & ~0xFFFull;
    map = (struct wisp_memory_descriptor *)WISP_MEMORY_MAP_ADDR;
    map_add(0, 0x1000, WISP_MEMORY_RESERVED);
    map_add(0x1000, WISP_GDT_ADDR + 0x1000, WISP_MEMORY_BOOT_DATA);
    map_add(WISP_GDT_ADDR + 0x1000, WISP_BOOT_INFO_ADDR, WISP_MEMORY_USABLE);
    map_add(WISP_BOOT_INFO_ADDR, WISP_STACK_TOP, WISP_MEMORY_BOOT_DATA);
    map_add(WISP_STACK_TOP, WISP_BOOT_AREA_END, WISP_MEMORY_RESERVED);
    map_add(WISP_BOOT_AREA_END, kpages_end, WISP_MEMORY_KERNEL);
    map_add(kpages_end, WISP_ARENA_ADDR, WISP_MEMORY_USABLE);
    map_add(WISP_ARENA_ADDR, WISP_ARENA_ADDR + WISP_ARENA_SIZE, WISP_MEMORY_ARENA);
    map_add(WISP_HEAP_PHYS, WISP_HEAP_PHYS + WISP_HEAP_SIZE, WISP_MEMORY_HEAP);
    map_add(WISP_HEAP_PHYS + WISP_HEAP_SIZE, FB_BASE, WISP_MEMORY_USABLE);
    map_add(FB_BASE, FB_BASE + FB_SIZE, WISP_MEMORY_FRAMEBUFFER);
    map_add(FB_BASE + FB_SIZE, ram_end, WISP_MEMORY_USABLE);
    uint64_t total = 0;
    for (uint32_t i = 0; i < map_count; i++)
        if (map[i].type != WISP_MEMORY_FRAMEBUFFER && map[i].type != WISP_MEMORY_RESERVED)
            total += map[i].length;

    fill((void *)(uint32_t)WISP_ARENA_ADDR, 0, WISP_ARENA_SIZE);
    fill((void *)FB_BASE, 0, FB_SIZE);

    fill(bi, 0, sizeof *bi);
    bi->magic = WISP_BOOT_INFO_MAGIC;
    bi->version = WISP_BOOT_INFO_VERSION;
    bi->flags = WISP_BOOT_FLAG_FRAMEBUFFER | WISP_BOOT_FLAG_SERIAL;
    bi->framebuffer_base = FB_BASE;
    bi->framebuffer_size = FB_SIZE;
    bi->fb_width = FB_W;
    bi->fb_height = FB_H;
    bi->fb_stride = FB_W * 4;
    bi->fb_format = WISP_FB_FORMAT_BGRA8;
    bi->memory_map_base = WISP_MEMORY_MAP_ADDR;
    bi->memory_map_count = map_count;
    bi->memory_map_desc_size = sizeof(struct wisp_memory_descriptor);
    bi->total_memory = total;
    bi->kernel_phys_start = kstart;
    bi->kernel_phys_end = kend;
    bi->kernel_entry = eh->e_entry;
    bi->stack_base = WISP_STACK_BASE;
    bi->stack_size = WISP_STACK_TOP - WISP_STACK_BASE;
    bi->serial_port = 0x3F8;
    bi->hypercall_port = WISP_HYPERCALL_PORT;
    bi->primordial_arena_phys = WISP_ARENA_ADDR;
    bi->primordial_arena_size = WISP_ARENA_SIZE;
    bi->pml4_phys = WISP_PML4_ADDR;
    bi->physmap_base = WISP_PHYSMAP_BASE;
    bi->physmap_size = 512ull << 20;
    bi->heap_virt_base = WISP_HEAP_BASE;
    bi->heap_phys = WISP_HEAP_PHYS;
    bi->heap_size = WISP_HEAP_SIZE;
    bi->recursive_slot = WISP_RECURSIVE_SLOT;
    bi->lapic_base = WISP_LAPIC_ADDR;
}
