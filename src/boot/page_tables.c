#include "page_tables.h"

#include <wisp/guest.h>

#define TABLE_ENTRIES 512
#define PML4_INDEX(va) (((va) >> 39) & 0x1FF)

/* Both virtual windows hang off a single PD, so each covers at most 1 GiB. */
#define WINDOW_LIMIT (TABLE_ENTRIES * LARGE_PAGE_SIZE)

enum {
    PDPT_IDENTITY = 0x2000,
    PD_IDENTITY = 0x3000, /* four PDs: 0x3000, 0x4000, 0x5000, 0x6000 */
    PDPT_PHYSMAP = 0x7000,
    PD_PHYSMAP = 0x8000,
    PDPT_HEAP = 0x9000,
    PD_HEAP = 0xA000,
};

static uint64_t *table(struct guest_memory *gm, uint64_t gpa)
{
    /* The boot area is always RAM (checked by the caller's minimum size). */
    return guest_memory_ptr(gm, gpa, TABLE_ENTRIES * sizeof(uint64_t));
}

uint64_t page_tables_physmap_size(uint64_t ram_size)
{
    uint64_t size = ram_size < WINDOW_LIMIT ? ram_size : WINDOW_LIMIT;
    return (size + LARGE_PAGE_SIZE - 1) & ~(LARGE_PAGE_SIZE - 1);
}

uint64_t page_tables_build(struct guest_memory *gm, uint64_t ram_size)
{
    const uint64_t dir = PTE_PRESENT | PTE_WRITABLE;
    const uint64_t large = PTE_PRESENT | PTE_WRITABLE | PTE_LARGE;
    guest_memory_fill(gm, WISP_PML4_ADDR, 0, WISP_PAGE_TABLES_END - WISP_PML4_ADDR);

    uint64_t *pml4 = table(gm, WISP_PML4_ADDR);
    pml4[0] = PDPT_IDENTITY | dir;
    pml4[PML4_INDEX(WISP_PHYSMAP_BASE)] = PDPT_PHYSMAP | dir;
    pml4[PML4_INDEX(WISP_HEAP_BASE)] = PDPT_HEAP | dir;
    pml4[WISP_RECURSIVE_SLOT] = WISP_PML4_ADDR | dir;

    /* Identity: 4 GiB, including the framebuffer window and the LAPIC. */
    uint64_t *pdpt = table(gm, PDPT_IDENTITY);
    for (unsigned g = 0; g < 4; g++) {
        uint64_t pd_addr = PD_IDENTITY + g * 0x1000ull;
        pdpt[g] = pd_addr | dir;
        uint64_t *pd = table(gm, pd_addr);
        for (unsigned i = 0; i < TABLE_ENTRIES; i++) {
            uint64_t phys = ((uint64_t)g * TABLE_ENTRIES + i) * LARGE_PAGE_SIZE;
            uint64_t flags = large;
            if (phys >= 0xFE000000ull) /* LAPIC, IOAPIC: device memory */
                flags |= PTE_CACHE_DISABLE | PTE_WRITE_THROUGH;
            pd[i] = phys | flags;
        }
    }

    /* Physical map: RAM from 0, up to 1 GiB (the seed's 256 entries for
     * its default 512 MiB). */
    uint64_t physmap = page_tables_physmap_size(ram_size);
    table(gm, PDPT_PHYSMAP)[0] = PD_PHYSMAP | dir;
    uint64_t *pd = table(gm, PD_PHYSMAP);
    for (uint64_t i = 0; i < physmap / LARGE_PAGE_SIZE; i++)
        pd[i] = (i * LARGE_PAGE_SIZE) | large;

    /* Heap window: 64 MiB backed by WISP_HEAP_PHYS. */
    table(gm, PDPT_HEAP)[0] = PD_HEAP | dir;
    pd = table(gm, PD_HEAP);
    for (uint64_t i = 0; i < WISP_HEAP_SIZE / LARGE_PAGE_SIZE; i++)
        pd[i] = (WISP_HEAP_PHYS + i * LARGE_PAGE_SIZE) | large;
    return physmap;
}
