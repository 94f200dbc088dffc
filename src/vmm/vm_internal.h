/*
 * The VM's parts, shared by its set-up (vm.c, vm_linux.c), the VM-wide run
 * (vm_run.c: threads, host services, stopping), stop-the-world
 * (vcpu_pause.c) and one vCPU's loop (vcpu_run.c, vcpu_start.c).
 *
 * Threads and locks
 * -----------------
 * Threads: the main thread (vm_create, then vm_run's host loop: console
 * input, signals, --timeout, idle detection, screenshots, the control
 * socket), one thread per
 * vCPU (vcpu_run.c), and device I/O worker threads where a device has one.
 *
 * device_lock  One VM-wide mutex. Held around every bus dispatch (port and
 *              MMIO exits), every other call into a device model (the UART,
 *              wisp's own interrupt controllers, CMOS, reset port, ACPI PM,
 *              PCI and virtio devices), around vm_set_irq() and MSIs, and
 *              around the console (serial_console_*) and --hyperv's state.
 *              Device models are single-threaded behind it and need no lock
 *              of their own. A device worker thread takes it before it
 *              touches device state or guest-visible rings or raises an
 *              interrupt, and does its slow I/O without it. Nobody holds it
 *              while a vCPU runs guest code or while waiting for anything.
 * run_lock     With run_cond: the VM's run state: the stop request and its
 *              outcome (vm_stop.c), the pause counters (vcpu_pause.c), each
 *              vCPU's published activity for idle detection. Held briefly.
 * vcpu->wait_lock  With wait_cond: one vCPU's wake flag, so that its thread
 *              can wait outside the guest (HLT with wisp's irqchip, an AP
 *              waiting for start-up, a pause) without missing a kick. A leaf.
 *
 * Order: device_lock, then run_lock, then a wait_lock (the irqchip kicks
 * vCPUs with device_lock held). vm_pause() must not be called with
 * device_lock held: a vCPU waiting for that lock could never park.
 *
 * Without a lock, by design: vm->stopping and vm->pause_requested are
 * atomics every vCPU reads at its safe points; what vm_create() set up is
 * read-only once the threads run (cfg, memory banks, the buses' range
 * tables, the vCPU table); a vCPU's accelerator state belongs to its own
 * thread, and to others only while the world is paused or after that
 * thread has ended. Guest memory is shared with the guest itself: the
 * host reads words the guest writes at any time (AP mailboxes) atomically.
 */
#ifndef WISP_VM_INTERNAL_H
#define WISP_VM_INTERNAL_H

#include "unclaimed_log.h"
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
#include "host/thread.h"
#include "hv/enlightenments.h"
#include "host/screenshot.h"
#include "serial_console.h"
#include "text_screen.h"
#include "vcpu.h"
#include "vm.h"

#define COM1_PORT 0x3F8
#define COM1_IRQ 4

/* How the VM stopped: filled by the first stop request (vm_stop.c). */
struct vm_stop {
    bool requested;
    struct vm_result result;
    bool failed;                  /* vm_run returns -1 with err */
    struct wisp_error err;
    int crashed_cpu;              /* triple fault: every CPU's registers follow; -1 */
    bool crash_after_reset;       /* the crashed CPU's registers are KVM's reset state */
};

struct vm {
    struct vm_config cfg;
    struct guest_memory memory;
    struct accel_vm *accel;
    struct accel_cpuid cpuid;      /* the policy before each vCPU's topology */
    unsigned ncpus;
    struct vcpu cpus[VM_MAX_CPUS]; /* cpus[0] is the bootstrap processor */
    struct bus ports;
    struct bus mmio;
    struct vm_devices *devices;   /* PCI host and virtio functions (vm_devices.c) */
    struct uart16550 com1;
    struct {                      /* uart_write_queue.c (device_lock) */
        bool allowed, on;
        uint64_t taken;           /* writes that made no exit */
    } com1_queue;
    bool user_irqchip;            /* cfg.irqchip == VM_IRQCHIP_USER */
    struct irqchip_user irqchip;  /* used only when user_irqchip */
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

    /* Set by the devices' callbacks (device_lock held), acted on by the vCPU
     * whose access made them. */
    enum vm_stop_reason platform_stop; /* VM_STOP_POWER_OFF, VM_STOP_REBOOT or 0 */
    bool platform_stop_requested;
    bool kernel_started;          /* the guest has touched a port: past its entry */
    struct unclaimed_log unclaimed; /* ports and pages nothing answers (not for Linux) */

    /* -v: the CPUID probe runs on the BSP before the kernel (cpuid_probe.h) */
    bool cpuid_probe_active;
    struct accel_regs kernel_entry_regs;

    uint64_t timeout_at_ns;       /* --timeout, CLOCK_MONOTONIC; 0 = none */

    /* ---- threads (see the lock rules above) ---- */
    struct host_mutex device_lock;
    struct host_mutex run_lock;
    struct host_cond run_cond;
    bool locks_ready;
    int stopping;                 /* atomic: a stop was requested */
    int pause_requested;          /* atomic: vCPUs park at their next safe point */
    unsigned pause_depth;         /* run_lock: vm_pause() calls not yet resumed */
    unsigned paused_count;        /* run_lock: threads parked (or pausing themselves) */
    unsigned threads_live;        /* run_lock: vCPU threads started and not ended */
    struct vm_stop stop;          /* run_lock */
    int guest_stopped;            /* atomic: --no-shutdown kept wisp after a power-off/reset */
    struct sandbox_options thread_sandbox; /* what vCPU threads confine themselves with */
    struct gdb_stub *gdb;         /* --gdb (gdb_stub.h), or NULL */
    struct vm_api *api;           /* --api-socket (vm_api.h), or NULL; main thread only */
    struct vm_restore *restore;   /* --restore while vm_create runs (vm_restore.c), or NULL */
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

static inline bool vm_stopping(struct vm *vm)
{
    return __atomic_load_n(&vm->stopping, __ATOMIC_ACQUIRE) != 0;
}

static inline bool vm_guest_stopped(struct vm *vm)
{
    return __atomic_load_n(&vm->guest_stopped, __ATOMIC_ACQUIRE) != 0;
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

/* ---- vm_stop.c: the first request decides how the VM ends ----
 * Each returns true when it was the first (its caller then prints its
 * message); every vCPU is kicked so that it leaves the guest. */
bool vm_request_stop(struct vm *vm, enum vm_stop_reason reason, int exit_status);
bool vm_request_guest_exit(struct vm *vm, uint64_t guest_code);
/* A failure (err: status and message for main.c). crashed: a triple
 * fault of that CPU, after_reset: KVM reset it before wisp saw it. */
bool vm_request_failure(struct vm *vm, const struct wisp_error *err, struct vcpu *crashed,
                        bool after_reset);

/* vm_idle.c: the main thread's idle detection, every TICKER_PERIOD_MS;
 * requests the stop when the guest is done. state starts zeroed. */
struct vm_idle {
    unsigned streak;   /* checks in a row that looked idle */
    unsigned cooldown; /* checks to wait after a confirmation failed */
};
void vm_check_idle(struct vm *vm, struct vm_idle *state);

/* vm_run.c: the vCPU thread tells the VM it has ended. */
void vm_vcpu_thread_ended(struct vm *vm);

#endif
