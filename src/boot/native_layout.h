/*
 * The native (Seraph-V compatible) boot environment: page tables, GDT,
 * boot-info block, memory map and the CPU state at the kernel's entry.
 * Addresses come from include/wisp/guest.h, the guest's contract.
 */
#ifndef WISP_NATIVE_LAYOUT_H
#define WISP_NATIVE_LAYOUT_H

#include <stdint.h>

#include <wisp/guest.h>

#include "accel/accel.h"
#include "core/guest_memory.h"
#include "elf_loader.h"

/* Smallest RAM that holds the boot area, arena and heap backing. */
#define NATIVE_MIN_MEMORY (WISP_HEAP_PHYS + WISP_HEAP_SIZE)
/* RAM must end below the framebuffer window. */
#define NATIVE_MAX_MEMORY WISP_FRAMEBUFFER_ADDR

struct native_boot_params {
    uint32_t fb_width, fb_height;
    uint64_t boot_time_ns;
};

/* Rules the ELF loader applies so a kernel cannot overwrite the boot area,
 * the arena or the heap backing. */
void native_load_rules(struct elf_load_rules *rules, uint64_t ram_size);

/* Writes page tables, GDT, boot info and memory map into guest memory. The
 * kernel must already be loaded (its segments go into the memory map). */
int native_build_environment(struct guest_memory *gm, const struct elf_image *kernel,
                             const struct native_boot_params *params, struct wisp_error *err);

/* CPU state at the kernel entry. sregs must hold the vCPU's current values
 * (apic_base is kept). */
void native_entry_state(const struct elf_image *kernel, struct accel_regs *regs,
                        struct accel_sregs *sregs);

/* Builds the boot memory map; returns the descriptor count. */
unsigned native_memory_map(const struct guest_memory *gm, const struct elf_image *kernel,
                           uint64_t fb_size, struct wisp_memory_descriptor *out, unsigned max);

#endif
