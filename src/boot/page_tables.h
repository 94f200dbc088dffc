#ifndef WISP_PAGE_TABLES_H
#define WISP_PAGE_TABLES_H

#include <stdint.h>

#include "core/guest_memory.h"

#define PTE_PRESENT   (1ull << 0)
#define PTE_WRITABLE  (1ull << 1)
#define PTE_WRITE_THROUGH (1ull << 3)
#define PTE_CACHE_DISABLE (1ull << 4)
#define PTE_LARGE     (1ull << 7) /* 2 MiB page in a PD entry */
#define PTE_ADDR_MASK 0x000FFFFFFFFFF000ull

#define LARGE_PAGE_SIZE 0x200000ull

/* Writes the seed's page tables into 0x1000-0xAFFF:
 *   0x1000 PML4; 0x2000 PDPT + 0x3000-0x6000 four PDs: identity map of 4 GiB;
 *   0x7000 PDPT + 0x8000 PD: physical memory at WISP_PHYSMAP_BASE;
 *   0x9000 PDPT + 0xA000 PD: heap window at WISP_HEAP_BASE;
 *   PML4[510] points at the PML4 itself.
 * Returns the size of the physical map (min(RAM, 1 GiB)). */
/* Bytes of RAM the physical-map window covers. */
uint64_t page_tables_physmap_size(uint64_t ram_size);

uint64_t page_tables_build(struct guest_memory *gm, uint64_t ram_size);

#endif
