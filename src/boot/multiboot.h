/*
 * Multiboot 1 (the Multiboot Specification 0.6.96): a kernel carries a
 * header (magic 0x1BADB002, flags, checksum; 4-byte aligned, in its first
 * 8192 bytes). wisp loads it as GRUB does (an ELF32's or ELF64's program
 * headers at their physical addresses, or the header's address fields when
 * flag 16 says so: the "a.out kludge"), puts the modules after it, writes
 * the information structure in the boot information area (kernel_boot.h)
 * and enters it in 32-bit protected mode, paging off, with
 * EAX = 0x2BADB002 and EBX = the structure's address.
 *
 * What the structure carries: mem_lower/mem_upper (flag 0), the command
 * line (2), the modules (3), the memory map (6), the boot loader's name
 * (9) and, when the kernel's header asks for a video mode (header flag 2),
 * the framebuffer (12). Not given: boot device (no disk), a.out or ELF
 * symbols, drives, the BIOS configuration table, APM, VBE.
 */
#ifndef WISP_BOOT_MULTIBOOT_H
#define WISP_BOOT_MULTIBOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "accel/accel.h"
#include "core/error.h"
#include "core/guest_memory.h"
#include "kernel_boot.h"

#define MULTIBOOT_HEADER_MAGIC      0x1BADB002u
#define MULTIBOOT_BOOTLOADER_MAGIC  0x2BADB002u
#define MULTIBOOT_SEARCH            8192
#define MULTIBOOT_HEADER_ALIGN      4

/* Header flags: bits 0-15 are requirements (a loader that does not know one
 * must refuse the kernel), 16-31 optional. */
#define MULTIBOOT_PAGE_ALIGN   (1u << 0)  /* modules on 4 KiB boundaries */
#define MULTIBOOT_MEMORY_INFO  (1u << 1)  /* mem_* and the memory map */
#define MULTIBOOT_VIDEO_MODE   (1u << 2)  /* the mode fields are valid */
#define MULTIBOOT_AOUT_KLUDGE  (1u << 16) /* the address fields are valid */
#define MULTIBOOT_KNOWN_REQUIRED (MULTIBOOT_PAGE_ALIGN | MULTIBOOT_MEMORY_INFO | MULTIBOOT_VIDEO_MODE)

/* Information structure flags. */
#define MULTIBOOT_INFO_MEMORY       (1u << 0)
#define MULTIBOOT_INFO_BOOTDEV      (1u << 1)
#define MULTIBOOT_INFO_CMDLINE      (1u << 2)
#define MULTIBOOT_INFO_MODS         (1u << 3)
#define MULTIBOOT_INFO_MEM_MAP      (1u << 6)
#define MULTIBOOT_INFO_LOADER_NAME  (1u << 9)
#define MULTIBOOT_INFO_FRAMEBUFFER  (1u << 12)

#define MULTIBOOT_FRAMEBUFFER_TYPE_INDEXED  0
#define MULTIBOOT_FRAMEBUFFER_TYPE_RGB      1
#define MULTIBOOT_FRAMEBUFFER_TYPE_EGA_TEXT 2

#define MULTIBOOT_MEMORY_AVAILABLE 1
#define MULTIBOOT_MEMORY_RESERVED  2

struct multiboot_header {
    uint32_t magic, flags, checksum;
    uint32_t header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr; /* flag 16 */
    uint32_t mode_type, width, height, depth;                                 /* flag 2 */
};
_Static_assert(sizeof(struct multiboot_header) == 48, "multiboot header is 48 bytes");

struct __attribute__((packed)) multiboot_info {
    uint32_t flags;              /*   0 */
    uint32_t mem_lower;          /*   4, KiB from 0 */
    uint32_t mem_upper;          /*   8, KiB from 1 MiB to the first hole */
    uint32_t boot_device;        /*  12 */
    uint32_t cmdline;            /*  16 */
    uint32_t mods_count;         /*  20 */
    uint32_t mods_addr;          /*  24 */
    uint32_t syms[4];            /*  28 */
    uint32_t mmap_length;        /*  44 */
    uint32_t mmap_addr;          /*  48 */
    uint32_t drives_length;      /*  52 */
    uint32_t drives_addr;        /*  56 */
    uint32_t config_table;       /*  60 */
    uint32_t boot_loader_name;   /*  64 */
    uint32_t apm_table;          /*  68 */
    uint32_t vbe_control_info;   /*  72 */
    uint32_t vbe_mode_info;      /*  76 */
    uint16_t vbe_mode;           /*  80 */
    uint16_t vbe_interface_seg;  /*  82 */
    uint16_t vbe_interface_off;  /*  84 */
    uint16_t vbe_interface_len;  /*  86 */
    uint64_t framebuffer_addr;   /*  88 */
    uint32_t framebuffer_pitch;  /*  96 */
    uint32_t framebuffer_width;  /* 100 */
    uint32_t framebuffer_height; /* 104 */
    uint8_t framebuffer_bpp;     /* 108 */
    uint8_t framebuffer_type;    /* 109 */
    uint8_t color_info[6];       /* 110: RGB field positions and mask sizes */
};
_Static_assert(sizeof(struct multiboot_info) == 116, "multiboot info is 116 bytes");
_Static_assert(offsetof(struct multiboot_info, mmap_length) == 44, "mmap_length");
_Static_assert(offsetof(struct multiboot_info, boot_loader_name) == 64, "boot_loader_name");
_Static_assert(offsetof(struct multiboot_info, framebuffer_addr) == 88, "framebuffer_addr");
_Static_assert(offsetof(struct multiboot_info, framebuffer_type) == 109, "framebuffer_type");

struct multiboot_module_entry {
    uint32_t mod_start, mod_end, string, reserved;
};

/* size counts the bytes after itself (20). */
struct __attribute__((packed)) multiboot_mmap_entry {
    uint32_t size;
    uint64_t addr, len;
    uint32_t type;
};
_Static_assert(sizeof(struct multiboot_mmap_entry) == 24, "multiboot mmap entry is 24 bytes");

/* Finds the header: 1 and *offset when the magic sits 4-byte aligned in the
 * first 8 KiB (its checksum is checked by multiboot_parse), else 0. */
int multiboot_find_header(const uint8_t *file, size_t size, size_t *offset);

/* The header, checked: checksum, no unknown required flag, the a.out
 * fields when flag 16 is set. */
int multiboot_parse(const char *path, const uint8_t *file, size_t size,
                    struct multiboot_header *out, size_t *offset, struct wisp_error *err);

/* A video mode the kernel asked for (header flag 2), or all zero. */
struct kboot_fb_request multiboot_fb_request(const struct multiboot_header *h);

struct multiboot_result {
    uint32_t entry;
    uint32_t info_addr;
    uint64_t kernel_start, kernel_end;
    uint64_t module_addrs[KBOOT_MAX_MODULES];
};

/* Loads the kernel and modules and writes the information structure. On
 * failure err holds one line naming the file and the problem
 * (WISP_EXIT_BAD_KERNEL for the kernel or a module). */
int multiboot_load(struct guest_memory *gm, const char *path, const uint8_t *file, size_t size,
                   const struct kboot_params *params, struct multiboot_result *out,
                   struct wisp_error *err);

/* Entry state: GDT, flat 32-bit protected mode at entry, paging off,
 * EAX = magic, EBX = info (used by Multiboot 2 as well). */
int multiboot_entry_state(struct guest_memory *gm, uint32_t entry, uint32_t magic,
                          uint32_t info, struct accel_regs *regs, struct accel_sregs *sregs,
                          struct wisp_error *err);

#endif
