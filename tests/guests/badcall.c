/*
 * badcall: wisp must survive bad hypercalls and answer them with errors.
 *
 *  - an unknown number (0x1234)            -> WISP_HC_ERROR_UNKNOWN
 *  - print from an unmapped address        -> WISP_HC_ERROR_FAULT
 *  - print from a non-canonical address    -> WISP_HC_ERROR_FAULT
 *  - print from identity-mapped memory that is not RAM (a hole below the
 *    framebuffer, if the memory map leaves one) -> WISP_HC_ERROR_FAULT
 *  - print of a valid buffer with a huge length -> at most
 *    WISP_HC_PRINT_MAX bytes (it prints one line padded with blanks) or FAULT
 *  - print with address + length wrapping around -> FAULT or <= MAX
 *  - print running off the end of the heap window -> FAULT or the bytes up
 *    to the end of the mapping
 *  - print of 0 bytes -> 0; print across a 2 MiB page boundary -> its length
 */
#include "wisp_lib.h"

static int failures;

static void expect(const char *what, uint64_t got, int ok)
{
    const char *name = got == WISP_HC_ERROR_FAULT     ? " (FAULT)"
                       : got == WISP_HC_ERROR_UNKNOWN ? " (UNKNOWN)"
                                                      : "";

    wisp_printf("badcall: %-44s -> 0x%lx%s %s\n", what, got, name, ok ? "ok" : "WRONG");
    if (!ok) {
        wisp_printf("FAIL: badcall: %s returned 0x%lx\n", what, got);
        failures++;
    }
}

/* A WISP_HC_PRINT_MAX-byte buffer for the huge-length prints: one short
 * line of text padded with spaces, so a cut print shows up as one line. */
static char filler[WISP_HC_PRINT_MAX];

static void make_filler(void)
{
    static const char text[] = "badcall: (huge-length print; the rest of this line is blank)";

    memset(filler, ' ', sizeof filler);
    memcpy(filler, text, sizeof text - 1);
    filler[sizeof filler - 1] = '\n';
}

/* Is [addr, addr + len) covered by any memory-map descriptor? */
static int in_memory_map(const struct wisp_boot_info *bi, uint64_t addr, uint64_t len)
{
    const struct wisp_memory_descriptor *d =
        (const struct wisp_memory_descriptor *)(uintptr_t)bi->memory_map_base;

    for (uint64_t i = 0; i < bi->memory_map_count && i < WISP_MEMORY_MAP_MAX; i++)
        if (addr < d[i].base + d[i].length && d[i].base < addr + len)
            return 1;
    return 0;
}

int kmain(struct wisp_boot_info *bi)
{
    uint64_t r;

    r = wisp_hypercall(0x1234, 1, 2, 3, 4);
    expect("unknown hypercall 0x1234", r, r == WISP_HC_ERROR_UNKNOWN);
    r = wisp_hypercall(~0ull, 0, 0, 0, 0);
    expect("unknown hypercall 0xffffffffffffffff", r, r == WISP_HC_ERROR_UNKNOWN);

    r = wisp_hypercall(WISP_HC_PRINT, 0x0000700000000000ull, 16, 0, 0);
    expect("print from unmapped 0x700000000000", r, r == WISP_HC_ERROR_FAULT);

    r = wisp_hypercall(WISP_HC_PRINT, 0x8000000000000000ull, 16, 0, 0);
    expect("print from non-canonical 0x8000000000000000", r, r == WISP_HC_ERROR_FAULT);

    /* Identity-mapped (PML4[0] covers 4 GiB) but, if no descriptor covers
     * it, not guest RAM: wisp's checked accessor must refuse it. */
    const uint64_t hole = 0xBF000000ull;
    if (!in_memory_map(bi, hole, 16) && bi->total_memory <= hole) {
        r = wisp_hypercall(WISP_HC_PRINT, hole, 16, 0, 0);
        expect("print from 0xbf000000 (no RAM there)", r, r == WISP_HC_ERROR_FAULT);
    } else {
        wisp_puts("badcall: 0xbf000000 is RAM here; skipping the beyond-RAM print\n");
    }

    make_filler();
    r = wisp_hypercall(WISP_HC_PRINT, (uint64_t)(uintptr_t)filler, 1ull << 40, 0, 0);
    expect("print of a valid buffer, length 2^40", r,
           r == WISP_HC_ERROR_FAULT || (r > 0 && r <= WISP_HC_PRINT_MAX));

    r = wisp_hypercall(WISP_HC_PRINT, (uint64_t)(uintptr_t)filler, ~0ull, 0, 0);
    expect("print with address + length wrapping", r,
           r == WISP_HC_ERROR_FAULT || (r > 0 && r <= WISP_HC_PRINT_MAX));

    /* The last 8 bytes of the heap window, then unmapped space. */
    if (bi->heap_size >= 4096) {
        char *end = (char *)(uintptr_t)(bi->heap_virt_base + bi->heap_size);
        memcpy(end - 8, "<heap>\n\n", 8);
        r = wisp_hypercall(WISP_HC_PRINT, (uint64_t)(uintptr_t)(end - 8), 16, 0, 0);
        expect("print running off the heap window", r, r == WISP_HC_ERROR_FAULT || r == 8);
    }

    r = wisp_hypercall(WISP_HC_PRINT, (uint64_t)(uintptr_t)filler, 0, 0, 0);
    expect("print of 0 bytes", r, r == 0);

    /* A valid string straddling a 2 MiB page of the identity map (inside
     * the zeroed primordial arena, which nothing else uses). */
    static const char cross[] = "badcall: this line crosses a 2 MiB page boundary\n";
    if (bi->primordial_arena_size >= 0x200000 + sizeof cross &&
        bi->primordial_arena_phys + bi->primordial_arena_size <= (4ull << 30)) {
        char *p = (char *)(uintptr_t)(bi->primordial_arena_phys + 0x200000 - 20);
        memcpy(p, cross, sizeof cross - 1);
        r = wisp_hypercall(WISP_HC_PRINT, (uint64_t)(uintptr_t)p, sizeof cross - 1, 0, 0);
        expect("print across a 2 MiB page boundary", r, r == sizeof cross - 1);
    } else {
        wisp_puts("badcall: arena too small; skipping the page-boundary print\n");
    }

    /* And the VM is still fine: a plain print works. */
    r = wisp_hc_print("badcall: still alive\n", 21);
    expect("plain print afterwards", r, r == 21);

    if (failures) {
        wisp_printf("FAIL: badcall: %d check(s) failed\n", failures);
        return 1;
    }
    wisp_puts("PASS: badcall\n");
    return 0;
}
