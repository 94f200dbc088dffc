/*
 * Multiboot 2 (the Multiboot2 Specification, version 2.0): the kernel's
 * header (magic 0xE85250D6, architecture 0 = i386 protected mode, length,
 * checksum; 8-byte aligned in the first 32 KiB) is followed by tags, each
 * 8-byte aligned, ending with tag type 0. wisp understands:
 *
 *   1 information request   the boot information tags the kernel needs;
 *                           a required request for a tag wisp cannot give
 *                           refuses the kernel
 *   2 address               a.out-kludge load addresses (else ELF)
 *   3 entry address         the 32-bit entry point
 *   4 console flags         a required EGA text console needs the VGA text
 *                           screen (--vga-text); EGA text without a framebuffer
 *                           tag gets the text screen
 *   5 framebuffer           the kernel wants graphics: a framebuffer tag
 *   6 module alignment      modules are page-aligned anyway
 *   10 relocatable          min/max address, alignment, preference: wisp
 *                           loads at the link address when the range allows
 *                           it, else moves the image (lowest or highest fit)
 *
 * EFI tags (7, 8, 9) and unknown tags are refused when not optional. The
 * boot information wisp writes: command line (1), boot loader name (2),
 * modules (3), basic meminfo (4), memory map (6), framebuffer (8, when the
 * header asks), ACPI old and new RSDP (14, 15), load base address (21).
 * EAX = 0x36D76289, EBX = the information's address (8-byte aligned).
 */
#ifndef WISP_BOOT_MULTIBOOT2_H
#define WISP_BOOT_MULTIBOOT2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/guest_memory.h"
#include "kernel_boot.h"

#define MULTIBOOT2_HEADER_MAGIC     0xE85250D6u
#define MULTIBOOT2_BOOTLOADER_MAGIC 0x36D76289u
#define MULTIBOOT2_SEARCH           32768
#define MULTIBOOT2_HEADER_ALIGN     8
#define MULTIBOOT2_ARCH_I386        0

/* Header tags. */
#define MB2_HEADER_TAG_END                 0
#define MB2_HEADER_TAG_INFORMATION_REQUEST 1
#define MB2_HEADER_TAG_ADDRESS             2
#define MB2_HEADER_TAG_ENTRY_ADDRESS       3
#define MB2_HEADER_TAG_CONSOLE_FLAGS       4
#define MB2_HEADER_TAG_FRAMEBUFFER         5
#define MB2_HEADER_TAG_MODULE_ALIGN        6
#define MB2_HEADER_TAG_EFI_BS              7
#define MB2_HEADER_TAG_ENTRY_ADDRESS_EFI32 8
#define MB2_HEADER_TAG_ENTRY_ADDRESS_EFI64 9
#define MB2_HEADER_TAG_RELOCATABLE         10
#define MB2_HEADER_TAG_OPTIONAL            1 /* flags bit 0 */

/* Boot information tags. */
#define MB2_TAG_END              0
#define MB2_TAG_CMDLINE          1
#define MB2_TAG_BOOT_LOADER_NAME 2
#define MB2_TAG_MODULE           3
#define MB2_TAG_BASIC_MEMINFO    4
#define MB2_TAG_BOOTDEV          5
#define MB2_TAG_MMAP             6
#define MB2_TAG_VBE              7
#define MB2_TAG_FRAMEBUFFER      8
#define MB2_TAG_ELF_SECTIONS     9
#define MB2_TAG_APM              10
#define MB2_TAG_ACPI_OLD         14
#define MB2_TAG_ACPI_NEW         15
#define MB2_TAG_LOAD_BASE_ADDR   21

#define MB2_RELOC_PREFER_NONE    0
#define MB2_RELOC_PREFER_LOWEST  1
#define MB2_RELOC_PREFER_HIGHEST 2

/* What the header says, after checking. */
struct multiboot2_header_info {
    size_t offset;                  /* of the header in the file */
    uint32_t header_length;
    bool has_address;
    uint32_t header_addr, load_addr, load_end_addr, bss_end_addr;
    bool has_entry;
    uint32_t entry_addr;
    bool has_framebuffer;
    struct kboot_fb_request fb;
    bool console_required;          /* console flags tag: an EGA text console is required */
    bool ega_text_supported;        /* console flags tag: the kernel can use EGA text */
    bool has_relocatable;
    uint32_t reloc_min, reloc_max, reloc_align, reloc_preference;
    bool modules_aligned;
    uint32_t requested[32];         /* information request types */
    unsigned requested_count;
};

/* 1 and *offset if the magic sits 8-byte aligned in the first 32 KiB. */
int multiboot2_find_header(const uint8_t *file, size_t size, size_t *offset);

/* The header and its tags, checked (checksum, architecture, length, tag
 * sizes and alignment, required tags wisp cannot honour). */
int multiboot2_parse(const char *path, const uint8_t *file, size_t size,
                     struct multiboot2_header_info *out, struct wisp_error *err);

struct multiboot2_result {
    uint32_t entry;
    uint32_t info_addr;
    uint32_t info_size;
    uint64_t load_base;
    uint64_t kernel_start, kernel_end;
    uint64_t module_addrs[KBOOT_MAX_MODULES];
};

/* Loads the kernel and modules and writes the boot information. */
int multiboot2_load(struct guest_memory *gm, const char *path, const uint8_t *file, size_t size,
                    const struct kboot_params *params, struct multiboot2_result *out,
                    struct wisp_error *err);

#endif
