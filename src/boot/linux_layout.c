#include "linux_layout.h"

#include <stdbool.h>
#include <stdio.h>

#include <wisp/guest.h>

#define PAGE_MASK 0xFFFull

/* Room for every bank split around the low hole, plus the reserved areas. */
#define MAP_SCRATCH (2 * GUEST_MEMORY_MAX_BANKS + 3)

static unsigned add_entry(struct boot_e820_entry *r, unsigned n, uint64_t base,
                          uint64_t end, uint32_t type)
{
    if (end <= base || n >= MAP_SCRATCH)
        return n;
    r[n].addr = base;
    r[n].size = end - base;
    r[n].type = type;
    return n + 1;
}

unsigned linux_memory_map(const struct guest_memory *gm, struct boot_e820_entry *out,
                          unsigned max)
{
    struct boot_e820_entry r[MAP_SCRATCH];
    unsigned n = 0;

    for (int i = 0; i < gm->count; i++) {
        const struct mem_bank *b = &gm->banks[i];
        if (b->kind != MEM_BANK_RAM)
            continue;
        uint64_t base = b->gpa, end = b->gpa + b->size;
        /* Usable RAM below the EBDA and from 1 MiB up: the range between
         * is firmware's on a PC, RAM or not. */
        n = add_entry(r, n, base, end < LINUX_EBDA_ADDR ? end : LINUX_EBDA_ADDR, E820_TYPE_RAM);
        n = add_entry(r, n, base > LINUX_HIGH_MEMORY ? base : LINUX_HIGH_MEMORY, end,
                      E820_TYPE_RAM);
    }
    n = add_entry(r, n, LINUX_EBDA_ADDR, LINUX_VGA_ADDR, E820_TYPE_RESERVED);
    n = add_entry(r, n, LINUX_BIOS_ADDR, LINUX_HIGH_MEMORY, E820_TYPE_RESERVED);
    /* The PCI ECAM window: Linux uses MMCONFIG only where the firmware
     * reserved it. */
    n = add_entry(r, n, WISP_PCI_ECAM_BASE, WISP_PCI_ECAM_BASE + WISP_PCI_ECAM_SIZE,
                  E820_TYPE_RESERVED);

    /* Insertion sort: a handful of entries. */
    for (unsigned i = 1; i < n; i++)
        for (unsigned j = i; j > 0 && r[j - 1].addr > r[j].addr; j--) {
            struct boot_e820_entry t = r[j];
            r[j] = r[j - 1];
            r[j - 1] = t;
        }

    unsigned count = 0;
    for (unsigned i = 0; i < n && count < max; i++) {
        if (count > 0) {
            struct boot_e820_entry *prev = &out[count - 1];
            if (prev->type == r[i].type && prev->addr + prev->size == r[i].addr) {
                prev->size += r[i].size; /* banks that touch */
                continue;
            }
        }
        out[count++] = r[i];
    }
    return count;
}

int linux_place_high(const struct boot_e820_entry *map, unsigned count, uint64_t size,
                     uint64_t lowest, uint64_t highest, uint64_t *addr)
{
    bool found = false;
    uint64_t best = 0;

    if (size == 0)
        return -1;
    for (unsigned i = 0; i < count; i++) {
        if (map[i].type != E820_TYPE_RAM || map[i].size == 0)
            continue;
        /* Inclusive bounds throughout: nothing here can overflow. */
        uint64_t lo = map[i].addr, hi = map[i].addr + (map[i].size - 1);
        if (lo < lowest)
            lo = lowest;
        if (hi > highest)
            hi = highest;
        if (hi < lo || hi - lo < size - 1)
            continue;
        uint64_t a = (hi - (size - 1)) & ~PAGE_MASK;
        if (a < lo)
            continue;
        if (!found || a > best) {
            best = a;
            found = true;
        }
    }
    if (!found)
        return -1;
    *addr = best;
    return 0;
}

uint64_t linux_high_memory_end(const struct boot_e820_entry *map, unsigned count)
{
    for (unsigned i = 0; i < count; i++)
        if (map[i].type == E820_TYPE_RAM && map[i].addr <= LINUX_HIGH_MEMORY &&
            LINUX_HIGH_MEMORY - map[i].addr < map[i].size)
            return map[i].addr + map[i].size;
    return 0;
}

const char *linux_format_size(char buf[32], uint64_t bytes)
{
    const uint64_t KiB = 1ull << 10, MiB = 1ull << 20, GiB = 1ull << 30;
    if (bytes >= GiB && bytes % GiB == 0)
        snprintf(buf, 32, "%llu GiB", (unsigned long long)(bytes / GiB));
    else if (bytes >= MiB && bytes % MiB == 0)
        snprintf(buf, 32, "%llu MiB", (unsigned long long)(bytes / MiB));
    else if (bytes >= MiB)
        snprintf(buf, 32, "%.1f MiB", (double)bytes / (double)MiB);
    else if (bytes >= KiB && bytes % KiB == 0)
        snprintf(buf, 32, "%llu KiB", (unsigned long long)(bytes / KiB));
    else if (bytes >= KiB)
        snprintf(buf, 32, "%.1f KiB", (double)bytes / (double)KiB);
    else
        snprintf(buf, 32, "%llu bytes", (unsigned long long)bytes);
    return buf;
}
