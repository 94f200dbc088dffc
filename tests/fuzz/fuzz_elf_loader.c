/*
 * libFuzzer target: the input is a kernel file handed to elf_load_kernel()
 * with the rules of a real native boot and 64 MiB of guest RAM.
 *
 * Besides "no crash, no sanitizer report" it checks the loader's promises:
 * a refused file gets a one-line BAD_KERNEL message and leaves guest memory
 * untouched (no RAM page has been faulted in: mincore), and an accepted
 * file lands where its image says, inside RAM and outside the reserved
 * ranges, with its entry point in an executable segment.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "boot/elf64.h"
#include "boot/elf_loader.h"
#include "core/guest_memory.h"
#include "wisp/guest.h"

#define RAM_SIZE (64ull << 20)
#define PAGE     4096ull
#define PATH     "fuzz.elf"

static struct guest_memory gm;
static uint8_t *ram, *fb;
static unsigned char residency[RAM_SIZE / PAGE];

static const struct elf_reserved_range reserved[] = {
    { WISP_ARENA_ADDR, WISP_ARENA_SIZE, "primordial arena" },
    { WISP_HEAP_PHYS, WISP_HEAP_SIZE, "heap backing" },
};

static const struct elf_load_rules rules = {
    .min_phys = WISP_BOOT_AREA_END,
    .reserved = reserved,
    .reserved_count = sizeof reserved / sizeof reserved[0],
    .identity_limit = 4ull << 30,
    .physmap_base = WISP_PHYSMAP_BASE,
    .physmap_size = RAM_SIZE,
};

static void check(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_elf_loader: invariant broken: %s\n", what);
        abort();
    }
}

static void setup(void)
{
    struct wisp_error err = { 0 };
    if (guest_memory_add_bank(&gm, "RAM", MEM_BANK_RAM, 0, RAM_SIZE, &err) < 0 ||
        guest_memory_add_bank(&gm, "framebuffer", MEM_BANK_FRAMEBUFFER,
                              WISP_FRAMEBUFFER_ADDR, WISP_FRAMEBUFFER_WINDOW, &err) < 0) {
        fprintf(stderr, "fuzz_elf_loader: %s\n", err.message);
        abort();
    }
    ram = guest_memory_ptr(&gm, 0, RAM_SIZE);
    fb = guest_memory_ptr(&gm, WISP_FRAMEBUFFER_ADDR, WISP_FRAMEBUFFER_WINDOW);
}

/* True if no page of [host, host+len) has been touched since the last
 * reset (a write of zeros faults a page in too). */
static int untouched(void *host, uint64_t len)
{
    check(len <= sizeof residency * PAGE, "residency buffer size");
    check(mincore(host, len, residency) == 0, "mincore");
    for (size_t i = 0; i < len / PAGE; i++)
        if (residency[i] & 1)
            return 0;
    return 1;
}

static int intersects(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
    return a < b + blen && b < a + alen; /* all sums small here */
}

static void check_loaded(const uint8_t *data, size_t size, const struct elf_image *img)
{
    int entry_ok = 0;
    check(img->segment_count > 0 && img->segment_count <= ELF_MAX_LOAD_SEGMENTS, "count");
    for (unsigned i = 0; i < img->segment_count; i++) {
        const struct elf_loaded_segment *s = &img->segments[i];
        check(s->memsz > 0 && s->filesz <= s->memsz, "sizes");
        check(s->paddr >= rules.min_phys && s->paddr < RAM_SIZE &&
              s->memsz <= RAM_SIZE - s->paddr, "segment inside RAM above 1 MiB");
        for (size_t r = 0; r < rules.reserved_count; r++)
            check(!intersects(s->paddr, s->memsz, reserved[r].base, reserved[r].size),
                  "segment outside reserved ranges");
        check(s->vaddr == s->paddr || s->vaddr == WISP_PHYSMAP_BASE + s->paddr, "mapped");
        check(img->phys_start <= s->paddr && s->paddr + s->memsz <= img->phys_end, "bounds");
        if (s->filesz > 0) { /* p_offset is meaningless otherwise */
            check(s->file_offset <= size && s->filesz <= size - s->file_offset, "in file");
            check(memcmp(ram + s->paddr, data + s->file_offset, s->filesz) == 0, "copied");
        }
        /* bss: its first and last pages are zero */
        uint64_t bss = s->memsz - s->filesz;
        uint64_t head = bss < PAGE ? bss : PAGE;
        for (uint64_t k = 0; k < head; k++) {
            check(ram[s->paddr + s->filesz + k] == 0, "bss zeroed");
            check(ram[s->paddr + s->memsz - 1 - k] == 0, "bss zeroed");
        }
        for (unsigned j = i + 1; j < img->segment_count; j++)
            check(!intersects(s->paddr, s->memsz, img->segments[j].paddr,
                              img->segments[j].memsz), "no overlap");
        if ((s->flags & PF_X) && img->entry >= s->vaddr && img->entry - s->vaddr < s->memsz)
            entry_ok = 1;
    }
    check(entry_ok, "entry in an executable segment");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!ram)
        setup();

    struct wisp_error err = { 0 };
    struct elf_image img;
    int rc = elf_load_kernel(&gm, PATH, data, size, &rules, &img, &err);
    if (rc == 0) {
        check(err.status == 0, "no error on success");
        check_loaded(data, size, &img);
        /* Back to fresh zero pages for the next input. */
        check(madvise(ram, RAM_SIZE, MADV_DONTNEED) == 0, "madvise");
    } else {
        check(rc == -1 && err.status == WISP_EXIT_BAD_KERNEL, "BAD_KERNEL status");
        check(strncmp(err.message, PATH ": ", sizeof PATH + 1) == 0, "message names the file");
        check(strlen(err.message) > sizeof PATH + 1, "message says something");
        check(strchr(err.message, '\n') == NULL, "one line");
        check(untouched(ram, RAM_SIZE), "guest RAM untouched after a refusal");
    }
    check(untouched(fb, WISP_FRAMEBUFFER_WINDOW), "framebuffer never written");

    /* The note walker reads the same untrusted bytes. */
    const uint8_t *desc = NULL;
    uint32_t desc_size = 0;
    struct wisp_error nerr = { 0 };
    int found = elf_find_note(PATH, data, size, "Xen", 18, &desc, &desc_size, &nerr);
    if (found == 1)
        check(desc >= data && desc_size <= size && (size_t)(desc - data) <= size - desc_size,
              "note descriptor inside the file");
    else if (found == -1)
        check(nerr.status == WISP_EXIT_BAD_KERNEL, "note error status");
    return 0;
}
