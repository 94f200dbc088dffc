/*
 * PVH boot of an ELF kernel (Linux's vmlinux with CONFIG_PVH): the kernel
 * carries an ELF note owned by "Xen" of type XEN_ELFNOTE_PHYS32_ENTRY (18)
 * whose descriptor is its 32-bit physical entry point. Its segments load at
 * their physical addresses; it is entered in flat 32-bit protected mode,
 * paging off, with EBX = the physical address of struct hvm_start_info,
 * which points at the command line, the modules (the initrd) and the
 * memory map (Xen's public/arch-x86/hvm/start_info.h, version 1).
 */
#ifndef WISP_BOOT_PVH_H
#define WISP_BOOT_PVH_H

#include <stddef.h>
#include <stdint.h>

#include "accel/accel.h"
#include "core/error.h"
#include "core/guest_memory.h"
#include "elf_loader.h"
#include "linux_layout.h"

#define XEN_ELFNOTE_PHYS32_ENTRY   18
#define PVH_NOTE_OWNER             "Xen"
#define XEN_HVM_START_MAGIC_VALUE  0x336ec578u
#define PVH_START_INFO_VERSION     1 /* with the memory map */

/* Memory map types: the e820 values. */
#define XEN_HVM_MEMMAP_TYPE_RAM      1
#define XEN_HVM_MEMMAP_TYPE_RESERVED 2
#define XEN_HVM_MEMMAP_TYPE_ACPI     3
#define XEN_HVM_MEMMAP_TYPE_NVS      4
#define XEN_HVM_MEMMAP_TYPE_UNUSABLE 5
#define XEN_HVM_MEMMAP_TYPE_DISABLED 6
#define XEN_HVM_MEMMAP_TYPE_PMEM     7

struct hvm_start_info {
    uint32_t magic;          /* 0x00 XEN_HVM_START_MAGIC_VALUE */
    uint32_t version;        /* 0x04 */
    uint32_t flags;          /* 0x08 SIF_* (none for a plain guest) */
    uint32_t nr_modules;     /* 0x0C */
    uint64_t modlist_paddr;  /* 0x10 struct hvm_modlist_entry[nr_modules] */
    uint64_t cmdline_paddr;  /* 0x18 NUL-terminated */
    uint64_t rsdp_paddr;     /* 0x20 ACPI RSDP, 0 if none */
    uint64_t memmap_paddr;   /* 0x28 version 1: struct hvm_memmap_table_entry[] */
    uint32_t memmap_entries; /* 0x30 */
    uint32_t reserved;       /* 0x34 must be zero */
};

struct hvm_modlist_entry {
    uint64_t paddr;          /* 0x00 */
    uint64_t size;           /* 0x08 */
    uint64_t cmdline_paddr;  /* 0x10 */
    uint64_t reserved;       /* 0x18 */
};

struct hvm_memmap_table_entry {
    uint64_t addr;           /* 0x00 */
    uint64_t size;           /* 0x08 */
    uint32_t type;           /* 0x10 XEN_HVM_MEMMAP_TYPE_* */
    uint32_t reserved;       /* 0x14 must be zero */
};

_Static_assert(sizeof(struct hvm_start_info) == 0x38, "hvm_start_info is 56 bytes");
_Static_assert(offsetof(struct hvm_start_info, nr_modules) == 0x0C, "nr_modules");
_Static_assert(offsetof(struct hvm_start_info, modlist_paddr) == 0x10, "modlist_paddr");
_Static_assert(offsetof(struct hvm_start_info, cmdline_paddr) == 0x18, "cmdline_paddr");
_Static_assert(offsetof(struct hvm_start_info, rsdp_paddr) == 0x20, "rsdp_paddr");
_Static_assert(offsetof(struct hvm_start_info, memmap_paddr) == 0x28, "memmap_paddr");
_Static_assert(offsetof(struct hvm_start_info, memmap_entries) == 0x30, "memmap_entries");
_Static_assert(sizeof(struct hvm_modlist_entry) == 32, "hvm_modlist_entry is 32 bytes");
_Static_assert(offsetof(struct hvm_modlist_entry, cmdline_paddr) == 0x10, "module cmdline");
_Static_assert(sizeof(struct hvm_memmap_table_entry) == 24, "memmap entry is 24 bytes");
_Static_assert(offsetof(struct hvm_memmap_table_entry, type) == 0x10, "memmap type");

/* The layout's PVH page holds the start info, one module, its command line
 * and the memory map without overlap. */
_Static_assert(LINUX_PVH_INFO_ADDR + sizeof(struct hvm_start_info) <= LINUX_PVH_MODLIST_ADDR,
               "start info fits before the module list");
_Static_assert(LINUX_PVH_MODLIST_ADDR + sizeof(struct hvm_modlist_entry) <= LINUX_PVH_MODCMD_ADDR,
               "one module fits before its command line");
_Static_assert(LINUX_PVH_MODCMD_ADDR + LINUX_PVH_MODCMD_MAX <= LINUX_PVH_MEMMAP_ADDR,
               "module command line fits before the memory map");
_Static_assert(LINUX_PVH_MEMMAP_ADDR + LINUX_E820_MAX * sizeof(struct hvm_memmap_table_entry) <=
                   LINUX_ZERO_PAGE_ADDR,
               "memory map fits before the zero page");

/* Looks for the PVH note. Returns 1 with *entry set, 0 if the ELF file has
 * no such note, -1 with err set if the file is not an ELF64 x86-64 file or
 * its headers or the note are malformed (a descriptor that is neither 4
 * bytes nor 8 bytes holding a value below 4 GiB; Linux emits either). */
int pvh_find_entry(const char *path, const uint8_t *file, size_t size, uint32_t *entry,
                   struct wisp_error *err);

/* The ELF loader's rules for a PVH kernel: nothing below 1 MiB, placed by
 * paddr whatever its vaddr. */
void pvh_load_rules(struct elf_load_rules *rules);

struct pvh_boot_result {
    uint32_t entry;            /* from the note: EIP at entry */
    uint64_t start_info;       /* EBX at entry */
    struct elf_image kernel;   /* where the segments went */
    uint64_t cmdline_addr;
    uint64_t cmdline_len;      /* without the NUL */
    uint64_t initrd_addr;      /* 0 if none */
    uint64_t initrd_size;
    unsigned memmap_entries;
};

/* Finds the note, loads the kernel's segments, places the command line and
 * the initrd (as module 0, its command line the initrd's file name) and
 * writes hvm_start_info with the memory map. Everything is checked before
 * guest memory is written. Returns 0, or -1 with err set; a file without
 * the note is refused ("no PVH entry note"). */
int pvh_load(struct guest_memory *gm, const char *path, const uint8_t *file, size_t size,
             const struct linux_boot_params *params, struct pvh_boot_result *out,
             struct wisp_error *err);

/* Writes the boot GDT and fills regs/sregs: flat 32-bit protected mode,
 * paging off, EIP = the note's entry, EBX = hvm_start_info. sregs must
 * hold the vCPU's current values (apic_base is kept). */
int pvh_entry_prepare(struct guest_memory *gm, const struct pvh_boot_result *boot,
                      struct accel_regs *regs, struct accel_sregs *sregs,
                      struct wisp_error *err);

#endif
