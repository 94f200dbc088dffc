/* The VM's parts, shared by vm.c (set-up) and vm_run.c (the run loop). */
#ifndef WISP_VM_INTERNAL_H
#define WISP_VM_INTERNAL_H

#include "accel/accel.h"
#include "boot/elf_loader.h"
#include "bus.h"
#include "dev/irqchip_user.h"
#include "dev/uart16550.h"
#include "guest_memory.h"
#include "hv/enlightenments.h"
#include "serial_console.h"
#include "vm.h"

#define COM1_PORT 0x3F8
#define COM1_IRQ 4

struct vm {
    struct vm_config cfg;
    struct guest_memory memory;
    struct accel_vm *accel;
    struct accel_vcpu *vcpu;
    struct accel_cpuid cpuid;
    struct bus ports;
    struct bus mmio;
    struct uart16550 com1;
    bool user_irqchip;            /* cfg.irqchip == VM_IRQCHIP_USER */
    struct irqchip_user irqchip;  /* used only when user_irqchip */
    uint64_t armed_deadline;      /* the irqchip deadline the ticker kicks at */
    struct serial_console console;
    struct hv_enlightenments hv;  /* used only with cfg.hyperv */
    struct elf_image kernel;
    uint64_t fb_size;

    /* -v: the CPUID probe runs before the kernel (boot/cpuid_probe.h) */
    bool cpuid_probe_active;
    struct accel_regs kernel_entry_regs;

    uint64_t timeout_at_ns;       /* --timeout, CLOCK_MONOTONIC; 0 = none */

    /* idle detection */
    uint64_t idle_rip;
    unsigned idle_count;
};

/* Raises or lowers a legacy IRQ line, wherever the interrupt controllers are. */
void vm_set_irq(struct vm *vm, unsigned irq, bool level);

/* The framebuffer as characters, for --ascii. */
void vm_print_ascii_preview(struct vm *vm, FILE *out);

#endif
