/*
 * CPU state at a Linux kernel's entry, for the bzImage 32-bit and 64-bit
 * entries of the boot protocol and for PVH.
 *
 * 32-bit (boot.rst, "32-bit boot protocol"): protected mode, paging off,
 * a GDT with flat 4 GiB descriptors at __BOOT_CS (0x10, execute/read) and
 * __BOOT_DS (0x18, read/write), CS = 0x10, DS = ES = SS = 0x18, interrupts
 * off, ESI = zero page, EBP = EDI = EBX = 0, EIP = code32_start.
 *
 * 64-bit (boot.rst, "64-bit boot protocol"): long mode with paging, the
 * kernel, zero page and command line identity-mapped (wisp maps the first
 * 4 GiB with 2 MiB pages), the same selectors with a 64-bit code segment,
 * interrupts off, RSI = zero page, RIP = load address + 0x200.
 *
 * PVH uses the 32-bit state with EBX = hvm_start_info (see pvh.h).
 */
#ifndef WISP_BOOT_LINUX_ENTRY_H
#define WISP_BOOT_LINUX_ENTRY_H

#include <stdbool.h>
#include <stdint.h>

#include "accel/accel.h"
#include "core/error.h"
#include "core/guest_memory.h"
#include "bzimage.h"

#define LINUX_BOOT_CS 0x10 /* __BOOT_CS */
#define LINUX_BOOT_DS 0x18 /* __BOOT_DS */
#define LINUX_GDT_ENTRIES 4 /* null, unused, code, data */

enum linux_entry_kind {
    LINUX_ENTRY_32 = 32,
    LINUX_ENTRY_64 = 64,
};

/* Writes the boot GDT at LINUX_GDT_ADDR: 0x10 is a flat execute/read code
 * segment (64-bit when long_mode, else 32-bit), 0x18 a flat read/write
 * data segment. */
int linux_write_gdt(struct guest_memory *gm, bool long_mode, struct wisp_error *err);

/* Writes the 64-bit entry's page tables at LINUX_PML4_ADDR: the first
 * 4 GiB identity-mapped with 2 MiB pages. */
int linux_write_page_tables(struct guest_memory *gm, struct wisp_error *err);

/* Flat 32-bit protected mode at eip, paging off, interrupts off, every
 * general register 0 except ESP (LINUX_STACK_TOP). sregs must hold the
 * vCPU's current values: apic_base and cr8 are kept. */
void linux_protected_mode_state(uint32_t eip, struct accel_regs *regs,
                                struct accel_sregs *sregs);

/* Long mode on the boot page tables at rip, as above otherwise. */
void linux_long_mode_state(uint64_t rip, struct accel_regs *regs, struct accel_sregs *sregs);

/* For a bzImage loaded by bzimage_load: writes the GDT (and for the 64-bit
 * entry the page tables) and fills regs/sregs. Refuses the 64-bit entry
 * for a kernel without XLF_KERNEL_64 (path names it in the message). */
int linux_entry_prepare(struct guest_memory *gm, enum linux_entry_kind kind,
                        const struct linux_boot_result *boot, const char *path,
                        struct accel_regs *regs, struct accel_sregs *sregs,
                        struct wisp_error *err);

#endif
