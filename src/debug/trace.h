/*
 * --trace: one line on stderr per event of the kinds asked for, what
 * QEMU's -d gives an OS developer, limited to what the accelerator lets
 * wisp see:
 *
 *   io         every port access that reaches wisp (KVM keeps the PIT,
 *              PIC and I/O APIC ports of its in-kernel irqchip to itself)
 *   mmio       every MMIO access that reaches wisp (not RAM, not the
 *              in-kernel LAPIC/I/O APIC)
 *   msr        MSR accesses that reach wisp (on KVM only --hyperv's)
 *   interrupts interrupts wisp injects (--irqchip user: vector; NMIs);
 *              with KVM's in-kernel irqchip none are visible
 *   exceptions what reaches wisp: a triple fault; KVM delivers every
 *              other exception inside the guest without telling
 *   cpu-reset  a reset request (8042, 0xCF9, ACPI, a Linux triple fault):
 *              the requesting CPU's registers
 *
 * Off by default: one branch per exit. Pure formatting here; the hooks
 * are in src/vmm/vcpu_run.c.
 */
#ifndef WISP_DEBUG_TRACE_H
#define WISP_DEBUG_TRACE_H

#include <stdbool.h>
#include <stddef.h>

#include "accel/accel.h"

enum trace_kind {
    TRACE_IO = 1u << 0,
    TRACE_MMIO = 1u << 1,
    TRACE_MSR = 1u << 2,
    TRACE_INTERRUPTS = 1u << 3,
    TRACE_EXCEPTIONS = 1u << 4,
    TRACE_CPU_RESET = 1u << 5,
};
#define TRACE_ALL 0x3Fu

/* "io,mmio", "all"... Returns false with the unknown word in bad. */
bool trace_parse(const char *list, unsigned *mask, char *bad, size_t bad_cap);

/* The line for an exit of a traced kind, after wisp handled it (reads
 * hold their answer), ending in '\n'; 0 when the exit is not traced.
 * cpu < 0 leaves the CPU out (one-CPU VMs). */
size_t trace_exit_line(char *buf, size_t cap, unsigned mask, int cpu,
                       const struct accel_exit *e);

#endif
