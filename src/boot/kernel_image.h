/*
 * The loaded image of a kernel booted by a Multiboot loader: a list of
 * segments (file bytes, then zeroes up to the memory size) at physical
 * addresses, and an entry point. Multiboot 1 and 2 fill it from the ELF
 * program headers (ELF32, or ELF64 entered in 32-bit mode, as GRUB does)
 * or from the header's address fields (the "a.out kludge"); the checks and
 * the copy into guest memory are shared.
 *
 * Everything is checked before a byte is written, so a refused kernel
 * leaves guest memory as it was; messages name the file and the problem.
 */
#ifndef WISP_BOOT_KERNEL_IMAGE_H
#define WISP_BOOT_KERNEL_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/guest_memory.h"

#define KIMAGE_MAX_SEGMENTS 32

struct kimage_segment {
    uint64_t paddr;
    uint64_t file_offset; /* meaningless when filesz is 0 */
    uint64_t filesz, memsz;
    unsigned index;       /* program header number, or 0 for the a.out kludge */
};

struct kimage {
    uint64_t entry;       /* physical, where the 32-bit entry jumps */
    uint64_t phys_start;  /* lowest byte loaded */
    uint64_t phys_end;    /* one past the highest */
    unsigned count;
    struct kimage_segment segments[KIMAGE_MAX_SEGMENTS];
    bool elf64;           /* for messages and the load-base tag */
};

/* Where a Multiboot kernel may load: at or above min_phys (everything
 * below is wisp's: boot data, the BIOS area, the VGA hole), below
 * max_phys (a 32-bit entry reaches 4 GiB), inside RAM. */
struct kimage_rules {
    uint64_t min_phys;
    uint64_t max_phys;
};

/* Reads an ELF32 (EM_386) or ELF64 (EM_X86_64) file's PT_LOAD segments at
 * their physical addresses. The entry point is e_entry moved from the
 * virtual to the physical address of the segment that holds it (what GRUB
 * does for kernels linked in the higher half). Returns 0, or -1 with a
 * one-line err (WISP_EXIT_BAD_KERNEL). */
int kimage_from_elf(const char *path, const uint8_t *file, size_t size, struct kimage *out,
                    struct wisp_error *err);

/* The a.out kludge: the header found at file offset header_offset claims
 * to sit at physical header_addr; [load_addr, load_end_addr) comes from
 * the file (load_end_addr 0 = to the end of the file), zeroes up to
 * bss_end_addr (0 = none). what names the header in messages
 * ("multiboot header", "multiboot2 address tag"). */
int kimage_from_addresses(const char *path, const char *what, const uint8_t *file, size_t size,
                          uint64_t header_offset, uint32_t header_addr, uint32_t load_addr,
                          uint32_t load_end_addr, uint32_t bss_end_addr, uint32_t entry_addr,
                          struct kimage *out, struct wisp_error *err);

/* Checks every segment against gm and rules (in RAM, not below min_phys,
 * not past max_phys, no two overlapping) and the entry point (inside a
 * loaded segment, below 4 GiB). */
int kimage_check(const struct guest_memory *gm, const char *path, const struct kimage *img,
                 const struct kimage_rules *rules, struct wisp_error *err);

/* Copies the segments into gm (after kimage_check succeeded). */
int kimage_load(struct guest_memory *gm, const char *path, const uint8_t *file,
                const struct kimage *img, struct wisp_error *err);

/* Moves every segment and the entry by delta (a relocatable kernel). */
void kimage_shift(struct kimage *img, int64_t delta);

#endif
