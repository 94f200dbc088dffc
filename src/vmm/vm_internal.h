/* The VM's parts, shared by vm.c (set-up) and vm_run.c (the run loop). */
#ifndef WISP_VM_INTERNAL_H
#define WISP_VM_INTERNAL_H

#include "accel/accel.h"
#include "boot/bzimage.h"
#include "boot/elf_loader.h"
#include "boot/kernel_boot.h"
#include "boot/pvh.h"
#include "core/bus.h"
#include "dev/acpi_pm.h"
#include "dev/cmos_rtc.h"
#include "dev/debugcon.h"
#include "dev/isa_debug_exit.h"
#include "dev/irqchip_user.h"
#include "dev/reset_port.h"
#include "dev/uart16550.h"
#include "dev/vga.h"
#include "core/guest_memory.h"
#include "host/mutex.h"
#include "hv/enlightenments.h"
#include "host/screenshot.h"
#include "serial_console.h"
#include "text_screen.h"
#include "vm.h"

#define COM1_PORT 0x3F8
#define COM1_IRQ 4

struct vm {
    struct vm_config cfg;
    struct guest_memory memory;
    struct accel_vm *accel;
    struct accel_vcpu *vcpu;
    struct accel_cpuid cpuid;
    /* The device lock: held around every port and MMIO dispatch and every
     * call into wisp's own irqchip; I/O workers take it before they touch
     * device state or guest-visible rings (vm_devices.h). */
    struct host_mutex *device_lock;
    struct bus ports;
    struct bus mmio;
    struct vm_devices *devices;   /* PCI host and virtio functions (vm_devices.c) */
    struct uart16550 com1;
    bool user_irqchip;            /* cfg.irqchip == VM_IRQCHIP_USER */
    struct irqchip_user irqchip;  /* used only when user_irqchip */
    uint64_t armed_deadline;      /* the irqchip deadline the ticker kicks at */
    struct serial_console console;
    struct hv_enlightenments hv;  /* used only with cfg.hyperv */
    struct elf_image kernel;
    uint64_t fb_size;

    /* Linux boots (cfg.boot resolved to PVH or bzImage) */
    enum vm_boot boot;            /* never VM_BOOT_AUTO after vm_create */
    uint8_t *kernel_file;         /* the kernel's bytes until it is loaded */
    size_t kernel_file_size;
    struct cmos_rtc rtc;
    struct reset_port reset;
    struct acpi_pm pm;
    uint64_t acpi_rsdp;
    struct linux_boot_result bzimage; /* where bzimage_load put things */
    struct pvh_boot_result pvh;       /* where pvh_load put things */
    /* Multiboot and Limine boots (vm_kboot.c): the entry state. */
    struct accel_regs kboot_regs;
    struct accel_sregs kboot_sregs;

    /* QEMU's debug devices (vm_debug_devices.c) */
    struct debugcon debugcon;
    struct host_output debugcon_out; /* --debugcon to its own stream (host/output.h) */
    struct isa_debug_exit debug_exit;
    int debug_exit_status;

    /* The VGA text screen (text_screen.c) */
    bool vga_enabled;
    struct vga vga;
    struct text_screen_mirror text_mirror;

    /* Set by the devices' callbacks, acted on by the run loop. */
    enum vm_stop_reason platform_stop; /* VM_STOP_POWER_OFF, VM_STOP_REBOOT or 0 */
    bool platform_stop_requested;
    bool kernel_started;          /* the guest has touched a port: past its entry */

    /* -v: the CPUID probe runs before the kernel (boot/cpuid_probe.h) */
    bool cpuid_probe_active;
    struct accel_regs kernel_entry_regs;

    uint64_t timeout_at_ns;       /* --timeout, CLOCK_MONOTONIC; 0 = none */

    /* idle detection */
    uint64_t idle_rip;
    unsigned idle_count;
};

static inline bool vm_is_linux(const struct vm *vm)
{
    return vm->boot == VM_BOOT_PVH || vm->boot == VM_BOOT_BZIMAGE;
}

/* Other people's kernels: Multiboot 1 and 2, Limine (vm_kboot.c). */
static inline bool vm_is_kboot(const struct vm *vm)
{
    return vm->boot == VM_BOOT_MULTIBOOT || vm->boot == VM_BOOT_MULTIBOOT2 ||
           vm->boot == VM_BOOT_LIMINE;
}

/* vm_linux.c: the Linux boot's steps of vm_create(). */
int vm_linux_setup_memory(struct vm *vm, struct wisp_error *err);
int vm_linux_setup_devices(struct vm *vm, struct wisp_error *err);
int vm_linux_load_kernel(struct vm *vm, struct wisp_error *err);
/* ACPI tables at 0xE0000 and the MP table at 0xF0000 (vm->acpi_rsdp). */
int vm_linux_build_firmware_tables(struct vm *vm, struct wisp_error *err);

/* vm_kboot.c: the Multiboot and Limine boots' steps of vm_create(). */
int vm_kboot_setup_memory(struct vm *vm, struct wisp_error *err);
int vm_kboot_load_kernel(struct vm *vm, struct wisp_error *err);
void vm_kboot_entry_state(struct vm *vm, struct accel_regs *regs, struct accel_sregs *sregs);

/* vm_debug_devices.c: --debugcon and --isa-debug-exit on the port bus. */
int vm_setup_debug_devices(struct vm *vm, struct wisp_error *err);

/* The framebuffer as characters, for --ascii. */
void vm_print_ascii_preview(struct vm *vm, FILE *out);

/* The framebuffer's pixels (none for Linux). */
struct framebuffer_view vm_framebuffer_view(struct vm *vm);

#endif
