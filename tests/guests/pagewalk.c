/*
 * pagewalk: the four windows of wisp's initial page tables.
 *
 *  - identity map (PML4[0]): the boot info at 0x80000;
 *  - physical map (PML4[256], 0xFFFF800000000000 + phys): the same bytes;
 *  - recursive slot (PML4[510]): with index 510 at all four levels the walk
 *    ends on the PML4 itself, at
 *        0xFFFF000000000000 | 510 << 39 | 510 << 30 | 510 << 21 | 510 << 12
 *      = 0xFFFFFF7FBFDFE000
 *    (sign-extended because bit 47 is set); with 510, 510, 510, i it ends on
 *    the page table that PML4[i] points to, and so on;
 *  - heap window (PML4[384], 0xFFFFC00000000000): writes show up at
 *    heap_phys through the physical map and the identity map.
 */
#include "wisp_lib.h"

#define PTE_PRESENT 0x1ull
#define PTE_PS      0x80ull                  /* 2 MiB / 1 GiB page */
#define PTE_ADDR    0x000FFFFFFFFFF000ull    /* physical address bits */

static int failures;

#define CHECK(cond, ...)                          \
    do {                                          \
        if (!(cond)) {                            \
            wisp_printf("FAIL: pagewalk: " __VA_ARGS__); \
            failures++;                           \
        }                                         \
    } while (0)

/* The virtual address whose walk uses these four table indexes. */
static uint64_t va_from_indexes(uint64_t l4, uint64_t l3, uint64_t l2, uint64_t l1)
{
    uint64_t va = l4 << 39 | l3 << 30 | l2 << 21 | l1 << 12;

    if (va & (1ull << 47)) /* canonical form: copy bit 47 into 48..63 */
        va |= 0xFFFF000000000000ull;
    return va;
}

int kmain(struct wisp_boot_info *bi)
{
    /* 1. identity map */
    CHECK(bi == (void *)(uintptr_t)WISP_BOOT_INFO_ADDR, "boot info at %p, expected 0x%llx\n",
          (void *)bi, WISP_BOOT_INFO_ADDR);
    CHECK(bi->magic == WISP_BOOT_INFO_MAGIC, "bad magic 0x%lx\n", bi->magic);
    if (bi->magic != WISP_BOOT_INFO_MAGIC)
        return 1;
    CHECK(bi->physmap_base == WISP_PHYSMAP_BASE, "physmap_base 0x%lx\n", bi->physmap_base);
    CHECK(bi->heap_virt_base == WISP_HEAP_BASE, "heap_virt_base 0x%lx\n", bi->heap_virt_base);
    CHECK(bi->recursive_slot == WISP_RECURSIVE_SLOT, "recursive_slot %lu\n", bi->recursive_slot);
    CHECK(bi->pml4_phys == WISP_PML4_ADDR, "pml4_phys 0x%lx\n", bi->pml4_phys);
    CHECK((read_cr3() & PTE_ADDR) == bi->pml4_phys, "CR3 0x%lx, pml4_phys 0x%lx\n",
          read_cr3(), bi->pml4_phys);
    if (failures)
        return 1;

    /* 2. physical map */
    const uint64_t physmap = bi->physmap_base;
    const struct wisp_boot_info *bi_phys =
        (const void *)(uintptr_t)(physmap + WISP_BOOT_INFO_ADDR);
    CHECK(bi_phys->magic == WISP_BOOT_INFO_MAGIC, "magic through the physical map: 0x%lx\n",
          bi_phys->magic);
    CHECK(memcmp(bi_phys, bi, sizeof *bi) == 0,
          "boot info differs between identity and physical map\n");
    wisp_printf("pagewalk: boot info via identity map %p and physical map %p: same\n",
                (void *)bi, (const void *)bi_phys);

    /* 3. recursive slot */
    const uint64_t s = bi->recursive_slot;
    const uint64_t pml4_va = va_from_indexes(s, s, s, s);
    CHECK(s != 510 || pml4_va == 0xFFFFFF7FBFDFE000ull, "PML4 via slot 510 computed as 0x%lx\n",
          pml4_va);
    const volatile uint64_t *pml4 = (const volatile uint64_t *)(uintptr_t)pml4_va;
    const uint64_t *pml4_phys = (const uint64_t *)(uintptr_t)(physmap + bi->pml4_phys);
    static const unsigned slots[] = { 0, 256, 384, 510 };

    wisp_printf("pagewalk: PML4 via recursive slot %lu at 0x%lx\n", s, pml4_va);
    for (size_t i = 0; i < sizeof slots / sizeof slots[0]; i++) {
        uint64_t e = pml4[slots[i]];

        wisp_printf("pagewalk:   PML4[%u] = 0x%016lx\n", slots[i], e);
        CHECK(e & PTE_PRESENT, "PML4[%u] = 0x%lx is not present\n", slots[i], e);
    }
    CHECK((pml4[s] & PTE_ADDR) == bi->pml4_phys, "PML4[%lu] = 0x%lx does not point at 0x%lx\n",
          s, pml4[s], bi->pml4_phys);
    int same = 1;
    for (unsigned i = 0; i < 512; i++)
        same &= pml4[i] == pml4_phys[i];
    CHECK(same, "PML4 differs between recursive and physical-map views\n");

    /* One level down: PML4[0]'s PDPT, then PDPT[0]'s page directory. */
    if (pml4[0] & PTE_PRESENT) {
        const volatile uint64_t *pdpt =
            (const volatile uint64_t *)(uintptr_t)va_from_indexes(s, s, s, 0);
        const uint64_t *pdpt_phys =
            (const uint64_t *)(uintptr_t)(physmap + (pml4[0] & PTE_ADDR));

        CHECK(pdpt[0] == pdpt_phys[0] && pdpt[3] == pdpt_phys[3],
              "identity PDPT differs between recursive and physical-map views\n");
        CHECK((pdpt[0] & PTE_PRESENT) && !(pdpt[0] & PTE_PS),
              "identity PDPT[0] = 0x%lx: expected a page directory\n", pdpt[0]);
        if ((pdpt[0] & PTE_PRESENT) && !(pdpt[0] & PTE_PS)) {
            const volatile uint64_t *pd =
                (const volatile uint64_t *)(uintptr_t)va_from_indexes(s, s, 0, 0);

            wisp_printf("pagewalk:   PDPT[0] = 0x%016lx, PD[0] = 0x%016lx, PD[1] = 0x%016lx\n",
                        pdpt[0], pd[0], pd[1]);
            CHECK((pd[0] & (PTE_PRESENT | PTE_PS)) == (PTE_PRESENT | PTE_PS) &&
                      (pd[0] & PTE_ADDR) == 0,
                  "identity PD[0] = 0x%lx: expected a 2 MiB page at 0\n", pd[0]);
            CHECK((pd[1] & PTE_ADDR) == 0x200000, "identity PD[1] = 0x%lx: expected 0x200000\n",
                  pd[1]);
        }
    }

    /* 4. heap window */
    volatile uint64_t *heap_first = (volatile uint64_t *)(uintptr_t)bi->heap_virt_base;
    volatile uint64_t *heap_last =
        (volatile uint64_t *)(uintptr_t)(bi->heap_virt_base + bi->heap_size - 8);
    volatile uint64_t *phys_first = (volatile uint64_t *)(uintptr_t)(physmap + bi->heap_phys);
    volatile uint64_t *phys_last =
        (volatile uint64_t *)(uintptr_t)(physmap + bi->heap_phys + bi->heap_size - 8);
    volatile uint64_t *ident_first = (volatile uint64_t *)(uintptr_t)bi->heap_phys;

    CHECK(bi->heap_size >= 4096, "heap_size 0x%lx\n", bi->heap_size);
    CHECK(bi->heap_phys + bi->heap_size <= bi->physmap_size,
          "heap 0x%lx+0x%lx lies outside the physical map (0x%lx bytes)\n", bi->heap_phys,
          bi->heap_size, bi->physmap_size);
    if (failures)
        goto out;

    *heap_first = 0x5769737048656170ull; /* "WispHeap" */
    *heap_last = 0x4C61737448656170ull;
    CHECK(*phys_first == 0x5769737048656170ull,
          "heap write not visible through the physical map (0x%lx)\n", *phys_first);
    CHECK(*phys_last == 0x4C61737448656170ull,
          "write to the heap's last word not visible through the physical map (0x%lx)\n",
          *phys_last);
    if (bi->heap_phys + bi->heap_size <= (4ull << 30))
        CHECK(*ident_first == 0x5769737048656170ull,
              "heap write not visible through the identity map (0x%lx)\n", *ident_first);
    *phys_first = 0x1234567890ABCDEFull; /* and the other way round */
    CHECK(*heap_first == 0x1234567890ABCDEFull,
          "physical-map write not visible through the heap (0x%lx)\n", *heap_first);
    wisp_printf("pagewalk: heap 0x%lx (virt) = 0x%lx (phys) through the physical map: ok\n",
                bi->heap_virt_base, bi->heap_phys);

out:
    if (failures) {
        wisp_printf("FAIL: pagewalk: %d check(s) failed\n", failures);
        return 1;
    }
    wisp_puts("PASS: pagewalk\n");
    return 0;
}
