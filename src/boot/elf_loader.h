/*
 * ELF64 kernel loader for the native boot path (and, later, PVH).
 *
 * The file is checked completely before a single byte goes into guest
 * memory, so a malformed kernel leaves the guest untouched and produces one
 * line naming the file and the problem. Segments are placed at p_paddr;
 * their p_vaddr must be one the boot page tables map (the identity map or
 * the physmap window). ET_DYN files are accepted but not relocated: they
 * load at the addresses they were linked at.
 */
#ifndef WISP_BOOT_ELF_LOADER_H
#define WISP_BOOT_ELF_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/guest_memory.h"

#define ELF_MAX_PHNUM          128           /* more program headers is not a kernel */
#define ELF_MAX_LOAD_SEGMENTS  32            /* non-empty PT_LOAD segments */
#define ELF_MAX_FILE_SIZE      (1ull << 30)  /* elf_read_file refuses larger files */

struct elf_reserved_range {
    uint64_t base, size;
    /* A bare noun such as "primordial arena": messages read
     * "overlaps the primordial arena (0x1000000-0x1ffffff)". */
    const char *name;
};

struct elf_load_rules {
    uint64_t min_phys; /* nothing may load below this (WISP_BOOT_AREA_END) */
    const struct elf_reserved_range *reserved;
    size_t reserved_count;
    /* Virtual addresses the boot page tables map. A segment is accepted if
     * vaddr == paddr with paddr + memsz <= identity_limit, or
     * vaddr == physmap_base + paddr with paddr + memsz <= physmap_size.
     * A limit of 0 turns that mapping off. */
    uint64_t identity_limit; /* 4 GiB */
    uint64_t physmap_base;   /* WISP_PHYSMAP_BASE */
    uint64_t physmap_size;   /* bytes of physical memory behind physmap_base */
    /* PVH: segments are placed and entered by physical address, so p_vaddr
     * (0xffffffff81000000-style in a vmlinux) is not checked against the
     * mappings above, and e_entry may lie in a segment's physical range
     * instead of its virtual one. */
    bool ignore_vaddr;
};

struct elf_loaded_segment {
    uint64_t paddr, vaddr, memsz, filesz;
    uint64_t file_offset; /* p_offset; meaningless (unchecked) when filesz is 0 */
    uint32_t flags;  /* PF_R | PF_W | PF_X */
    unsigned index;  /* program header number, as readelf -l counts */
};

struct elf_image {
    uint64_t entry;      /* virtual, inside an executable segment */
    uint64_t phys_start; /* lowest paddr loaded */
    uint64_t phys_end;   /* one past the highest byte loaded */
    unsigned segment_count;
    struct elf_loaded_segment segments[ELF_MAX_LOAD_SEGMENTS];
};

/* Checks file (file_size bytes, named path in messages) as a kernel for gm
 * under rules and describes it in *out, writing nothing to guest memory.
 * Returns 0, or -1 with err set (WISP_EXIT_BAD_KERNEL); *out is only
 * written on success. */
int elf_check_kernel(const struct guest_memory *gm, const char *path,
                     const uint8_t *file, size_t file_size,
                     const struct elf_load_rules *rules, struct elf_image *out,
                     struct wisp_error *err);

/* elf_check_kernel, then copies each PT_LOAD segment's p_filesz bytes to
 * its p_paddr and zeroes the rest of p_memsz. On failure guest memory is
 * unchanged. */
int elf_load_kernel(struct guest_memory *gm, const char *path,
                    const uint8_t *file, size_t file_size,
                    const struct elf_load_rules *rules, struct elf_image *out,
                    struct wisp_error *err);

/* Looks through the PT_NOTE segments for a note whose owner is `owner`
 * ("Xen") and whose type is `type`. Returns 1 and points *desc (inside
 * file, possibly unaligned: memcpy from it) and *desc_size at its
 * descriptor, 0 if there is none, -1 with err set if the ELF header or a
 * note segment is malformed. */
int elf_find_note(const char *path, const uint8_t *file, size_t file_size,
                  const char *owner, uint32_t type, const uint8_t **desc,
                  uint32_t *desc_size, struct wisp_error *err);

/* Reads the whole regular file at path into a malloc'd buffer (*data, to be
 * freed by the caller; *size bytes). Refuses directories, devices, FIFOs
 * and files over ELF_MAX_FILE_SIZE. Returns 0, or -1 with err set. */
int elf_read_file(const char *path, uint8_t **data, size_t *size,
                  struct wisp_error *err);

#endif
