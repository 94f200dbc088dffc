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
    unsigned cpus;            /* 0 means 1 */
    uint64_t lapic_timer_hz;  /* for the boot info extension */
};

/* Ranges native_load_rules() may reserve: arena, heap backing, AP stacks. */
#define NATIVE_RESERVED_MAX 3

/* Rules the ELF loader applies so a kernel cannot overwrite the boot area,
 * the arena, the heap backing or (with several CPUs) the AP stacks. ranges
 * (NATIVE_RESERVED_MAX entries) holds what rules->reserved points at. */
void native_load_rules(struct elf_load_rules *rules, struct elf_reserved_range *ranges,
                       uint64_t ram_size, unsigned cpus);

/* Bytes of AP stacks from WISP_AP_STACKS_ADDR (0 for one CPU). */
uint64_t native_ap_stacks_size(unsigned cpus);

/* Writes page tables, GDT, boot info, memory map and the boot info
 * extension with its CPU table into guest memory. The kernel must already
 * be loaded (its segments go into the memory map). */
int native_build_environment(struct guest_memory *gm, const struct elf_image *kernel,
                             const struct native_boot_params *params, struct wisp_error *err);

/* The guest's TSC frequency into the boot info extension, once the
 * accelerator knows it (0: unknown). */
void native_set_tsc_hz(struct guest_memory *gm, uint64_t tsc_hz);

/* CPU state at the kernel entry. sregs must hold the vCPU's current values
 * (apic_base is kept). */
void native_entry_state(const struct elf_image *kernel, struct accel_regs *regs,
                        struct accel_sregs *sregs);

/* Guest-physical address of CPU index's struct wisp_cpu (its mailbox). */
uint64_t native_cpu_entry_addr(unsigned index);

/* An AP started through its mailbox: the BSP's long-mode state, at entry
 * with RDI = its struct wisp_cpu, RSP on its own stack (guest.h). */
void native_ap_entry_state(unsigned index, uint64_t entry, struct accel_regs *regs,
                           struct accel_sregs *sregs);

/* Builds the boot memory map; returns the descriptor count. */
unsigned native_memory_map(const struct guest_memory *gm, const struct elf_image *kernel,
                           uint64_t fb_size, unsigned cpus, struct wisp_memory_descriptor *out,
                           unsigned max);

#endif
