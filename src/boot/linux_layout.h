/*
 * Guest-physical layout for Linux boots (bzImage 32/64-bit entry and PVH),
 * in the spirit of lmigtester's map, and the pieces both protocols share:
 * the e820 memory map, the command line and the initrd placement.
 *
 *   0x00000-0x004FF  real-mode IVT and BIOS data area (left zero)
 *   0x00500-0x0051F  boot GDT: null, null, 0x10 code, 0x18 data
 *   0x06000-0x06FFF  PVH: hvm_start_info, module list, module command line,
 *                    memory map
 *   0x07000-0x07FFF  zero page (struct boot_params) for bzImage boots
 *   0x08000-0x08FFF  boot stack (ESP/RSP = 0x9000; Linux sets up its own)
 *   0x09000-0x0FFFF  free (wisp's CPUID probe uses 0xC000-0xCFFF with -v)
 *   0x10000-0x15FFF  64-bit entry page tables: PML4, PDPT, four PDs
 *                    identity-mapping 4 GiB with 2 MiB pages
 *   0x20000-0x2FFFF  kernel command line
 *   0x9FC00-0x9FFFF  EBDA                      e820: reserved
 *   0xA0000-0xDFFFF  VGA window, option ROMs   e820: absent (a hole)
 *   0xE0000-0xFFFFF  BIOS area: ACPI RSDP and tables, MP table (the kernel
 *                    scans it for both)        e820: reserved
 *   0x100000-        protected-mode kernel: at 1 MiB, or at pref_address
 *                    for a relocatable bzImage; a PVH vmlinux at its paddrs
 *   high             initrd, page-aligned, as high as the kernel's limits
 *                    (initrd_addr_max, 4 GiB) and RAM allow
 *   0xE0000000-0xE00FFFFF  PCI ECAM window (WISP_PCI_ECAM_BASE)  e820: reserved
 *
 * Everything below 0x9FC00 is usable RAM in the e820 map, as on a PC: the
 * kernel copies the zero page and command line before it reuses that
 * memory, reserves the initrd itself and never looks at the boot page
 * tables again once it has its own.
 */
#ifndef WISP_LINUX_LAYOUT_H
#define WISP_LINUX_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/guest_memory.h"

#define LINUX_GDT_ADDR         0x00500ull
#define LINUX_PVH_INFO_ADDR    0x06000ull /* struct hvm_start_info */
#define LINUX_PVH_MODLIST_ADDR 0x06040ull /* struct hvm_modlist_entry[1] */
#define LINUX_PVH_MODCMD_ADDR  0x06080ull /* the initrd module's command line */
#define LINUX_PVH_MODCMD_MAX   0x00380ull /* bytes including the NUL */
#define LINUX_PVH_MEMMAP_ADDR  0x06400ull /* struct hvm_memmap_table_entry[128] */
#define LINUX_ZERO_PAGE_ADDR   0x07000ull
#define LINUX_STACK_TOP        0x09000ull
#define LINUX_PML4_ADDR        0x10000ull
#define LINUX_PDPT_ADDR        0x11000ull
#define LINUX_PD_ADDR          0x12000ull /* four PDs: 0x12000-0x15FFF */
#define LINUX_PAGE_TABLES_END  0x16000ull
#define LINUX_CMDLINE_ADDR     0x20000ull
#define LINUX_CMDLINE_MAX      0x10000ull /* bytes including the NUL */
#define LINUX_EBDA_ADDR        0x9FC00ull
#define LINUX_VGA_ADDR         0xA0000ull
#define LINUX_BIOS_ADDR        0xE0000ull
#define LINUX_HIGH_MEMORY      0x100000ull /* 1 MiB: the kernel's lowest address */
#define LINUX_KERNEL_ADDR      0x100000ull /* a non-relocatable bzImage loads here */

/* Identity map of the 64-bit entry page tables. */
#define LINUX_IDENTITY_LIMIT   0x100000000ull

/* e820 types (the values of the BIOS INT 15h E820 call and of PVH's
 * XEN_HVM_MEMMAP_TYPE_*). */
#define E820_TYPE_RAM      1
#define E820_TYPE_RESERVED 2
#define E820_TYPE_ACPI     3
#define E820_TYPE_NVS      4
#define E820_TYPE_UNUSABLE 5
#define E820_TYPE_PMEM     7

/* One e820 entry as the zero page holds it: 20 bytes, no padding. */
struct __attribute__((packed)) boot_e820_entry {
    uint64_t addr;
    uint64_t size;
    uint32_t type;
};
_Static_assert(sizeof(struct boot_e820_entry) == 20, "boot_e820_entry is 20 bytes");
_Static_assert(offsetof(struct boot_e820_entry, size) == 8, "boot_e820_entry.size");
_Static_assert(offsetof(struct boot_e820_entry, type) == 16, "boot_e820_entry.type");

#define LINUX_E820_MAX 128 /* entries the zero page has room for */

/* What a Linux boot is given besides the kernel. */
struct linux_boot_params {
    const char *cmdline;        /* NULL means empty */
    const uint8_t *initrd;      /* NULL (and initrd_size 0) means none */
    size_t initrd_size;
    const char *initrd_path;    /* for messages; NULL means "initrd" */
    uint64_t acpi_rsdp;         /* RSDP address, 0 if none (the kernel scans
                                 * 0xE0000-0xFFFFF) */
};

/* The e820 map of gm: every RAM bank is usable except the EBDA and the BIOS
 * area (reported reserved) and the VGA hole (left out); framebuffer banks
 * are not RAM and are left out. Entries are sorted and do not overlap;
 * adjacent usable ranges are merged. Returns the number written (at most
 * max). */
unsigned linux_memory_map(const struct guest_memory *gm, struct boot_e820_entry *out,
                          unsigned max);

/* Highest page-aligned address a such that [a, a+size) lies inside one
 * usable entry of map, a >= lowest and a + size - 1 <= highest. Returns 0
 * and *addr, or -1 if there is none. */
int linux_place_high(const struct boot_e820_entry *map, unsigned count, uint64_t size,
                     uint64_t lowest, uint64_t highest, uint64_t *addr);

/* End of the usable RAM range that contains LINUX_HIGH_MEMORY (one past
 * its last byte), or 0 if RAM does not reach 1 MiB. */
uint64_t linux_high_memory_end(const struct boot_e820_entry *map, unsigned count);

/* "64 MiB", "2.2 MiB", "300 KiB", "17 bytes". */
const char *linux_format_size(char buf[32], uint64_t bytes);

#endif
