/*
 * The Limine boot protocol (Limine's PROTOCOL.md, base revisions 0 to 3):
 * a 64-bit ELF kernel linked at or above 0xFFFFFFFF80000000 carries
 * requests, 8-byte aligned structures whose 4-qword IDs the loader finds by
 * scanning the loaded image; the loader answers each one it knows by
 * writing a pointer to a response into the request.
 *
 * Base revisions: a tag { 0xf9562b2d5c95a6c8, 0x6a7b384944536bdc, N } asks
 * for revision N (none: 0). wisp supports 0-3: it sets the third qword to
 * 0 (and the second to the revision it loaded with) when it honours N, and
 * boots a kernel asking for more with revision 3, leaving the tag alone
 * so the kernel can tell. Requests between the start and end markers only,
 * when the markers are there.
 *   0: the first 4 GiB also identity-mapped from 0x1000;
 *   1, 2: no identity map; the HHDM covers the first 4 GiB and all RAM;
 *   3: the HHDM covers usable, bootloader-reclaimable, kernel/module and
 *      framebuffer memory (in 2 MiB pages, so the BIOS area in the first
 *      2 MiB is covered too); the RSDP address is physical.
 *
 * Requests answered: bootloader info, firmware type (x86 BIOS), stack size,
 * HHDM (0xFFFF800000000000), framebuffer (wisp's, with one video mode),
 * paging mode (4-level; a kernel whose min_mode needs 5-level is refused),
 * SMP (the processors wisp runs: one until SMP lands), memory map, entry
 * point, executable (kernel) file, executable command line, modules (no
 * internal modules: the response is revision 0, which tells the kernel so),
 * RSDP, date at boot, executable (kernel) address. Others (SMBIOS, EFI,
 * device tree, ...) are left unanswered, as the protocol says.
 *
 * Physical layout:
 *   0x00000-0x00FFF  never usable
 *   0x01000-0x9FBFF  usable
 *   0x9FC00-0x9FFFF  EBDA (reserved); 0xA0000-0xDFFFF a hole
 *   0xE0000-0xFFFFF  BIOS area: ACPI tables, MP table (reserved)
 *   0x100000-        the kernel image, physically contiguous, then the
 *                    modules and the kernel file (kernel/modules), then
 *                    the bootloader-reclaimable area: GDT, page tables,
 *                    responses, the stack
 *   the rest of RAM  usable
 *   0xC0000000       the framebuffer window
 *
 * Entry: long mode, 4-level paging, CS = 0x28 (64-bit code), DS = ES = SS
 * = 0x30 in a GDT of null, 16-, 32- and 64-bit code/data descriptors, IF
 * and DF clear, RSP on a 64 KiB stack (or the stack size request's) with a
 * 0 return address pushed, every other general register 0.
 */
#ifndef WISP_BOOT_LIMINE_H
#define WISP_BOOT_LIMINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "accel/accel.h"
#include "core/error.h"
#include "core/guest_memory.h"
#include "kernel_boot.h"

#define LIMINE_COMMON_MAGIC_0 0xc7b1dd30df4c8b88ull
#define LIMINE_COMMON_MAGIC_1 0x0a82e883a194f07bull
#define LIMINE_BASE_REVISION_MAGIC_0 0xf9562b2d5c95a6c8ull
#define LIMINE_BASE_REVISION_MAGIC_1 0x6a7b384944536bdcull
#define LIMINE_MAX_BASE_REVISION 3

#define LIMINE_HHDM_OFFSET   0xFFFF800000000000ull
#define LIMINE_KERNEL_MIN_VA 0xFFFFFFFF80000000ull
#define LIMINE_STACK_SIZE    0x10000ull   /* 64 KiB unless the kernel asks */
#define LIMINE_STACK_MAX     (16ull << 20)
#define LIMINE_SELECTOR_CODE64 0x28
#define LIMINE_SELECTOR_DATA64 0x30

/* Memory map types. */
#define LIMINE_MEMMAP_USABLE                 0
#define LIMINE_MEMMAP_RESERVED               1
#define LIMINE_MEMMAP_ACPI_RECLAIMABLE       2
#define LIMINE_MEMMAP_ACPI_NVS               3
#define LIMINE_MEMMAP_BAD_MEMORY             4
#define LIMINE_MEMMAP_BOOTLOADER_RECLAIMABLE 5
#define LIMINE_MEMMAP_KERNEL_AND_MODULES     6
#define LIMINE_MEMMAP_FRAMEBUFFER            7

/* True if file looks like a Limine kernel: an ELF64 that contains the
 * requests' common magic or a base revision tag (8-byte aligned). */
bool limine_detect(const uint8_t *file, size_t size);

/* Where things went, for the caller and the tests. */
struct limine_result {
    unsigned base_revision;     /* the revision wisp booted with */
    unsigned requested_revision;
    unsigned requests_answered;
    uint64_t kernel_phys, kernel_virt, kernel_size;
    uint64_t entry;             /* virtual RIP */
    uint64_t stack_top;         /* virtual RSP at entry */
    uint64_t pml4;              /* physical CR3 */
    uint64_t gdt;               /* virtual GDTR base */
    uint64_t reclaim_base, reclaim_end;
    uint64_t module_addrs[KBOOT_MAX_MODULES];
};

/* Loads the kernel, the modules and the kernel file, builds the page
 * tables and GDT, answers the requests. One line in err on failure
 * (WISP_EXIT_BAD_KERNEL for the kernel or a module). */
int limine_load(struct guest_memory *gm, const char *path, const uint8_t *file, size_t size,
                const struct kboot_params *params, struct limine_result *out,
                struct wisp_error *err);

/* CPU state at the entry, from limine_load's result. sregs must hold the
 * vCPU's current values (apic_base is kept). */
void limine_entry_state(const struct limine_result *r, struct accel_regs *regs,
                        struct accel_sregs *sregs);

#endif
