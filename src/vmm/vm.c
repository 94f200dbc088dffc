/*
 * VM set-up, in the order vm_create() does it: the kernel file and its boot
 * protocol, memory, the kernel with its boot environment (for Linux the
 * ACPI and MP tables first), accelerator, CPUID, devices, registers. One
 * visible place, no constructors.
 */
#include "gdb_stub.h"
#include "irq_routing.h"
#include "vm_api.h"
#include "vm_devices.h"
#include "vm_internal.h"
#include "vm_state.h"

#include <stdlib.h>
#include <string.h>

#include <wisp/guest.h>

#include "boot/bzimage.h"
#include "boot/kernel_boot.h"
#include "boot/limine.h"
#include "boot/multiboot.h"
#include "boot/multiboot2.h"
#include "boot/payload_unpack.h"
#include "cpuid_probe.h"
#include "boot/linux_entry.h"
#include "boot/native_layout.h"
#include "boot/pvh.h"
#include "host/clock.h"
#include "cpuid_policy.h"
#include "host/screenshot.h"

void vm_config_defaults(struct vm_config *cfg)
{
    *cfg = (struct vm_config){
        .memory_size = VM_DEFAULT_MEMORY,
        .fb_width = VM_DEFAULT_FB_WIDTH,
        .fb_height = VM_DEFAULT_FB_HEIGHT,
        .idle_exit = VM_DEFAULT_IDLE_EXIT,
        .boot_entry = 64,
        .isa_debug_exit_iobase = 0xF4,
        .isa_debug_exit_iosize = 4,
        .cpus = 1,
        .console_input_fd = -1,
        .console_output = stdout,
#ifdef _WIN32
        /* WHP's own APIC emulation is not used yet: wisp's LAPIC/PIC/PIT. */
        .irqchip = VM_IRQCHIP_USER,
#endif
    };
}

/* ---- what the kernel file is ---- */

static bool is_bzimage(const uint8_t *file, size_t size)
{
    if (size < 0x206)
        return false;
    uint16_t boot_flag = (uint16_t)(file[0x1FE] | file[0x1FF] << 8);
    return boot_flag == BZIMAGE_BOOT_FLAG && memcmp(file + 0x202, "HdrS", 4) == 0;
}

static const char *boot_name(enum vm_boot boot)
{
    switch (boot) {
    case VM_BOOT_PVH: return "pvh";
    case VM_BOOT_BZIMAGE: return "bzimage";
    case VM_BOOT_MULTIBOOT: return "multiboot";
    case VM_BOOT_MULTIBOOT2: return "multiboot2";
    case VM_BOOT_LIMINE: return "limine";
    default: return "native";
    }
}

/* --boot auto, in this order: the setup header's magic means a bzImage;
 * an ELF64 with Limine requests (or a base revision tag) a Limine kernel;
 * a Multiboot 2 header, then a Multiboot 1 header, those protocols; a PVH
 * note Linux's vmlinux; any other ELF the native boot. */
static int detect_boot(struct vm *vm, struct wisp_error *err)
{
    const char *path = vm->cfg.kernel_path;
    const uint8_t *file = vm->kernel_file;
    size_t size = vm->kernel_file_size;
    size_t offset;
    if (is_bzimage(file, size)) {
        vm->boot = VM_BOOT_BZIMAGE;
        return 0;
    }
    if (limine_detect(file, size)) {
        vm->boot = VM_BOOT_LIMINE;
        return 0;
    }
    if (multiboot2_find_header(file, size, &offset)) {
        vm->boot = VM_BOOT_MULTIBOOT2;
        return 0;
    }
    if (multiboot_find_header(file, size, &offset)) {
        vm->boot = VM_BOOT_MULTIBOOT;
        return 0;
    }
    if (size < 4 || memcmp(file, "\x7f" "ELF", 4) != 0)
        return wisp_fail(err, WISP_EXIT_BAD_KERNEL,
                         "%s: not an ELF file, a bzImage or a Multiboot kernel (no magic number "
                         "wisp knows)", path);
    if (size > 4 && file[4] == 1 /* ELFCLASS32 */)
        return wisp_fail(err, WISP_EXIT_BAD_KERNEL,
                         "%s: a 32-bit ELF without a Multiboot 1 or 2 header; wisp boots 32-bit "
                         "kernels through Multiboot (or a Linux bzImage)", path);
    uint32_t entry;
    struct wisp_error note_err = { 0 };
    /* A malformed ELF goes to the native loader, which names the problem. */
    vm->boot = pvh_find_entry(path, file, size, &entry, &note_err) == 1 ? VM_BOOT_PVH
                                                                          : VM_BOOT_NATIVE;
    return 0;
}

/* --boot pvh with a bzImage: wisp unpacks the compressed vmlinux inside it
 * on the host and boots that through its PVH note, so the guest skips its
 * own decompressor (slow wherever guest ring-0 code is emulated). */
static int unpack_bzimage_payload(struct vm *vm, struct wisp_error *err)
{
    uint8_t *vmlinux;
    size_t vmlinux_size;
    const char *method = NULL;
    uint64_t start = clock_monotonic_ns();
    if (bzimage_unpack_payload(vm->cfg.kernel_path, vm->kernel_file, vm->kernel_file_size,
                               vm->cfg.memory_size, &vmlinux, &vmlinux_size, &method, err) < 0)
        return -1;
    if (vm->cfg.debug)
        fprintf(stderr, "wisp: %s: unpacked the %s payload on the host: %zu bytes in %.1f ms\n",
                vm->cfg.kernel_path, method, vmlinux_size,
                (double)(clock_monotonic_ns() - start) / 1e6);
    free(vm->kernel_file);
    vm->kernel_file = vmlinux;
    vm->kernel_file_size = vmlinux_size;
    return 0;
}

/* A gzip-compressed kernel file is unpacked first, as GRUB does. */
static int gunzip_kernel(struct vm *vm, struct wisp_error *err)
{
    uint8_t *plain;
    size_t plain_size;
    if (linux_payload_unpack(vm->cfg.kernel_path, vm->kernel_file, vm->kernel_file_size,
                             ELF_MAX_FILE_SIZE, &plain, &plain_size, NULL, err) < 0)
        return -1;
    if (vm->cfg.debug)
        fprintf(stderr, "wisp: %s: gzip-compressed, %zu bytes unpacked\n", vm->cfg.kernel_path,
                plain_size);
    free(vm->kernel_file);
    vm->kernel_file = plain;
    vm->kernel_file_size = plain_size;
    return 0;
}

static int read_kernel(struct vm *vm, struct wisp_error *err)
{
    if (elf_read_file(vm->cfg.kernel_path, &vm->kernel_file, &vm->kernel_file_size, err) < 0)
        return -1;
    if (kboot_is_gzip(vm->kernel_file, vm->kernel_file_size) && gunzip_kernel(vm, err) < 0)
        return -1;
    vm->boot = vm->cfg.boot;
    if (vm->boot == VM_BOOT_AUTO && detect_boot(vm, err) < 0)
        return -1;
    if (vm->boot == VM_BOOT_PVH && is_bzimage(vm->kernel_file, vm->kernel_file_size) &&
        unpack_bzimage_payload(vm, err) < 0)
        return -1;
    if (vm->boot == VM_BOOT_NATIVE && (vm->cfg.initrd_path || vm->cfg.cmdline ||
                                       vm->cfg.module_count))
        return wisp_fail(err, WISP_EXIT_USAGE,
                         "%s: --initrd, --module and --cmdline are for Linux, Multiboot and "
                         "Limine kernels; this is a native ELF boot", vm->cfg.kernel_path);
    if (vm_is_linux(vm) && vm->cfg.module_count)
        return wisp_fail(err, WISP_EXIT_USAGE,
                         "%s: --module is for Multiboot and Limine kernels; Linux takes one "
                         "--initrd", vm->cfg.kernel_path);
    if (vm->cfg.boot_entry == 32 && vm->boot != VM_BOOT_BZIMAGE)
        return wisp_fail(err, WISP_EXIT_USAGE,
                         "%s: --boot-entry 32 is for bzImages; this is a %s boot",
                         vm->cfg.kernel_path, boot_name(vm->boot));
    /* An idle Linux is waiting for the console, not finished. */
    if (vm_is_linux(vm) && !vm->cfg.idle_exit_set)
        vm->cfg.idle_exit = 0;
    if (vm->cfg.debug)
        fprintf(stderr, "wisp: %s: %s boot\n", vm->cfg.kernel_path, boot_name(vm->boot));
    return 0;
}

/* ---- memory ---- */

static int setup_memory(struct vm *vm, struct wisp_error *err)
{
    const struct vm_config *cfg = &vm->cfg;
    if (vm_is_linux(vm))
        return vm_linux_setup_memory(vm, err);
    if (vm_is_kboot(vm))
        return vm_kboot_setup_memory(vm, err);
    if (guest_memory_check_size(cfg->memory_size, NATIVE_MIN_MEMORY, NATIVE_MAX_MEMORY, "native",
                                "", err) < 0)
        return -1;
    vm->fb_size = (uint64_t)cfg->fb_width * cfg->fb_height * 4;
    if (cfg->fb_width == 0 || cfg->fb_height == 0 || vm->fb_size > WISP_FRAMEBUFFER_WINDOW)
        return wisp_fail(err, WISP_EXIT_USAGE,
                         "framebuffer %ux%u does not fit the 16 MiB window at 0xC0000000",
                         cfg->fb_width, cfg->fb_height);
    if (guest_memory_add_bank(&vm->memory, "RAM", MEM_BANK_RAM, 0, cfg->memory_size, err) < 0)
        return -1;
    return guest_memory_add_bank(&vm->memory, "framebuffer", MEM_BANK_FRAMEBUFFER,
                                 WISP_FRAMEBUFFER_ADDR, WISP_FRAMEBUFFER_WINDOW, err);
}

/* KVM's in-kernel LAPIC timer counts a 1 GHz bus; wisp's own says its rate. */
#define KVM_LAPIC_TIMER_HZ 1000000000ull

static uint64_t lapic_timer_hz(const struct vm *vm)
{
    return vm->user_irqchip ? LAPIC_BUS_HZ : KVM_LAPIC_TIMER_HZ;
}

static int setup_accelerator(struct vm *vm, struct wisp_error *err)
{
    struct accel_vm_config accel_cfg = {
        .irqchip = vm->user_irqchip ? ACCEL_IRQCHIP_USER : ACCEL_IRQCHIP_KERNEL,
        .device_path = vm->cfg.accel_device,
        .cpus = vm->ncpus,
    };
    if (accel_vm_create(&vm->accel, &accel_cfg, err) < 0)
        return -1;
    for (int i = 0; i < vm->memory.count; i++) {
        const struct mem_bank *b = &vm->memory.banks[i];
        if (accel_vm_map_memory(vm->accel, b->gpa, b->size, b->host, err) < 0)
            return -1;
    }
    for (unsigned i = 0; i < vm->ncpus; i++) {
        struct vcpu *cpu = &vm->cpus[i];
        if (vcpu_init(cpu, vm, i, err) < 0)
            return -1;
        /* What INIT restores for wisp's own LAPIC: the state KVM created. */
        if (accel_vcpu_get_regs(cpu->accel, &cpu->reset_regs) < 0 ||
            accel_vcpu_get_sregs(cpu->accel, &cpu->reset_sregs) < 0)
            return wisp_fail_errno(err, WISP_EXIT_NO_ACCEL, "cannot read the vCPU's registers");
    }
    if (!vm_is_linux(vm) && !vm->restore) { /* a restored guest has its boot info */
        uint32_t khz = 0;
        if (accel_vcpu_tsc_khz(vm->cpus[0].accel, &khz) == 0)
            native_set_tsc_hz(&vm->memory, (uint64_t)khz * 1000);
    }
    return 0;
}

/* KVM's paravirtual features (CPUID 0x40000001 EAX) that KVM implements in
 * its in-kernel LAPIC: async page faults, PV EOI, PV unhalt, PV TLB flush,
 * PV IPIs, PV sched yield. With wisp's own LAPIC the MSRs that enable them
 * fail, so a guest must not be told they exist. */
#define KVM_CPUID_FEATURES 0x40000001u
#define KVM_PV_FEATURES_NEEDING_KERNEL_LAPIC                                    \
    ((1u << 4) | (1u << 6) | (1u << 7) | (1u << 9) | (1u << 10) | (1u << 11) | \
     (1u << 13) | (1u << 14))

static void hide_kvm_pv_features_needing_kernel_lapic(struct accel_cpuid *policy)
{
    struct accel_cpuid_entry *e = cpuid_policy_find(policy, KVM_CPUID_FEATURES, 0);
    if (e)
        e->eax &= ~KVM_PV_FEATURES_NEEDING_KERNEL_LAPIC;
}

static int setup_cpuid(struct vm *vm, struct wisp_error *err)
{
    struct accel_cpuid supported;
    if (accel_vm_supported_cpuid(vm->accel, &supported, err) < 0)
        return -1;
    cpuid_policy_init(&vm->cpuid, &supported);
    if (vm->cfg.cpu_hide && cpuid_policy_hide(&vm->cpuid, vm->cfg.cpu_hide, err) < 0)
        return -1;
    /* wisp's own LAPIC is xAPIC only, without the TSC-deadline timer. */
    if (vm->user_irqchip && cpuid_policy_hide(&vm->cpuid, "x2apic,tsc_deadline_timer", err) < 0)
        return -1;
    if (vm->user_irqchip)
        hide_kvm_pv_features_needing_kernel_lapic(&vm->cpuid);
    if (vm->cfg.hyperv)
        hv_add_cpuid(&vm->cpuid);
    if (vm->ncpus == 1)
        return accel_vcpu_set_cpuid(vm->cpus[0].accel, &vm->cpuid, err);
    /* Each CPU its own APIC ID in CPUID, all of them one package. */
    struct accel_cpuid *mine = malloc(sizeof *mine);
    if (!mine)
        return wisp_fail(err, WISP_EXIT_HOST_ERROR, "out of memory");
    int rc = 0;
    for (unsigned i = 0; i < vm->ncpus && rc == 0; i++) {
        *mine = vm->cpuid;
        cpuid_policy_set_topology(mine, i, vm->ncpus);
        rc = accel_vcpu_set_cpuid(vm->cpus[i].accel, mine, err);
    }
    free(mine);
    /* What the BSP got: the -v CPUID probe compares against it. */
    cpuid_policy_set_topology(&vm->cpuid, 0, vm->ncpus);
    return rc;
}

/* The SynIC's interrupts: a fixed, edge MSI to the processor's LAPIC. */
static void hv_interrupt(void *opaque, unsigned apic_id, uint8_t vector)
{
    vm_send_msi(opaque, 0xFEE00000u | (uint64_t)apic_id << 12, vector);
}

static int setup_enlightenments(struct vm *vm, struct wisp_error *err)
{
    if (!vm->cfg.hyperv)
        return 0;
    return hv_enlightenments_init(&vm->hv, vm->accel, vm->cpus[0].accel, lapic_timer_hz(vm),
                                  &vm->memory, vm->ncpus, hv_interrupt, vm, err);
}

static void com1_transmit(void *opaque, uint8_t byte)
{
    struct vm *vm = opaque;
    serial_console_write(&vm->console, &byte, 1);
}

static uint64_t irqchip_clock(void *opaque)
{
    (void)opaque;
    return clock_monotonic_ns();
}

/* wisp's irqchip has something for a CPU (device_lock held): its thread
 * must look, unless it is the one calling. */
static void irqchip_kick(void *opaque, unsigned cpu)
{
    struct vm *vm = opaque;
    if (cpu < vm->ncpus && &vm->cpus[cpu] != vcpu_current())
        vcpu_kick(&vm->cpus[cpu]);
}

static void com1_set_irq(void *opaque, bool level)
{
    vm_set_irq(opaque, COM1_IRQ, level);
}

static int setup_devices(struct vm *vm, struct wisp_error *err)
{
    vm->ports.name = "port";
    vm->mmio.name = "mmio";
    if (vm->user_irqchip) {
        if (irqchip_user_init(&vm->irqchip, &vm->ports, &vm->mmio, vm->ncpus, irqchip_clock, vm,
                              err) < 0)
            return -1;
        irqchip_user_set_kick(&vm->irqchip, irqchip_kick, vm);
    }
    static const struct uart16550_ops com1_ops = { com1_transmit, com1_set_irq };
    uart16550_init(&vm->com1, &com1_ops, vm);
    if (bus_register(&vm->ports, COM1_PORT, UART16550_NR_PORTS, "COM1", uart16550_io,
                     &vm->com1, err) < 0)
        return -1;
    /* Multiboot and Limine kernels get the PC platform Linux gets. */
    if ((vm_is_linux(vm) || vm_is_kboot(vm)) && vm_linux_setup_devices(vm, err) < 0)
        return -1;
    if (vm_setup_debug_devices(vm, err) < 0)
        return -1;
    if (vm_devices_setup(vm, err) < 0)
        return -1;
    return vm_text_screen_setup(vm, err);
}

/* ---- the kernel ---- */

static int load_native_kernel(struct vm *vm, struct wisp_error *err)
{
    struct elf_load_rules rules;
    struct elf_reserved_range reserved[NATIVE_RESERVED_MAX];
    native_load_rules(&rules, reserved, guest_memory_ram_size(&vm->memory), vm->ncpus);
    if (elf_load_kernel(&vm->memory, vm->cfg.kernel_path, vm->kernel_file, vm->kernel_file_size,
                        &rules, &vm->kernel, err) < 0)
        return -1;
    struct native_boot_params params = {
        .fb_width = vm->cfg.fb_width,
        .fb_height = vm->cfg.fb_height,
        .boot_time_ns = clock_wall_ns(),
        .cpus = vm->ncpus,
        .lapic_timer_hz = lapic_timer_hz(vm),
    };
    return native_build_environment(&vm->memory, &vm->kernel, &params, err);
}

static int load_kernel(struct vm *vm, struct wisp_error *err)
{
    int rc;
    if (vm_is_linux(vm))
        rc = vm_linux_load_kernel(vm, err);
    else if (vm_is_kboot(vm))
        rc = vm_kboot_load_kernel(vm, err);
    else
        rc = load_native_kernel(vm, err);
    free(vm->kernel_file);
    vm->kernel_file = NULL;
    return rc;
}

static int entry_state(struct vm *vm, struct accel_regs *regs, struct accel_sregs *sregs,
                       struct wisp_error *err)
{
    switch (vm->boot) {
    case VM_BOOT_PVH:
        return pvh_entry_prepare(&vm->memory, &vm->pvh, regs, sregs, err);
    case VM_BOOT_BZIMAGE:
        return linux_entry_prepare(&vm->memory,
                                   vm->cfg.boot_entry == 32 ? LINUX_ENTRY_32 : LINUX_ENTRY_64,
                                   &vm->bzimage, vm->cfg.kernel_path, regs, sregs, err);
    case VM_BOOT_MULTIBOOT:
    case VM_BOOT_MULTIBOOT2:
    case VM_BOOT_LIMINE:
        vm_kboot_entry_state(vm, regs, sregs);
        return 0;
    default:
        native_entry_state(&vm->kernel, regs, sregs);
        return 0;
    }
}

/* The BSP enters the kernel; the APs wait for their start (vcpu_start.c). */
static int setup_registers(struct vm *vm, struct wisp_error *err)
{
    struct accel_vcpu *bsp = vm->cpus[0].accel;
    struct accel_regs regs;
    struct accel_sregs sregs;
    for (unsigned i = 0; i < vm->ncpus; i++)
        vcpu_start_prepare(&vm->cpus[i]);
    if (accel_vcpu_get_sregs(bsp, &sregs) < 0)
        return wisp_fail_errno(err, WISP_EXIT_NO_ACCEL, "cannot read the vCPU's registers");
    if (entry_state(vm, &regs, &sregs, err) < 0)
        return -1;
    /* The probe runs in the native boot's long mode. */
    if (vm->cfg.debug && vm->boot == VM_BOOT_NATIVE) {
        /* Run the CPUID probe first; vm_run enters the kernel after it. */
        vm->kernel_entry_regs = regs;
        regs.rip = cpuid_probe_install(&vm->memory);
        vm->cpuid_probe_active = true;
    }
    if (accel_vcpu_set_sregs(bsp, &sregs) < 0 || accel_vcpu_set_regs(bsp, &regs) < 0)
        return wisp_fail_errno(err, WISP_EXIT_NO_ACCEL, "the accelerator refused the boot registers");
    return 0;
}

/* --restore: the machine the snapshot describes, its memory mapped from
 * the file, its state loaded; no kernel (vm_state.h). */
static int create_restored(struct vm *vm, struct wisp_error *err)
{
    const struct vm_config *cfg = &vm->cfg;
    uint64_t start = clock_monotonic_ns();
    if (sandbox_prepare(&cfg->sandbox, err) < 0 ||
        (cfg->api_socket_path && vm_api_create(vm, err) < 0) || vm_restore_open(vm, err) < 0)
        return -1;
    vm->user_irqchip = vm->cfg.irqchip == VM_IRQCHIP_USER;
    vm->ncpus = vm->cfg.cpus;
    int rc = vm_devices_open(vm, err) < 0 || setup_memory(vm, err) < 0 ||
                     vm_restore_memory(vm, err) < 0 || setup_accelerator(vm, err) < 0 ||
                     vm_restore_cpuid(vm, err) < 0 || setup_enlightenments(vm, err) < 0 ||
                     setup_devices(vm, err) < 0 ||
                     vm_restore_state(vm, err) < 0 ||
                     (cfg->gdb_address && gdb_stub_create(vm, &vm->gdb, err) < 0)
                 ? -1 : 0;
    vm_restore_answer(vm, rc, err); /* --incoming: the source learns how it went */
    vm_restore_close(vm);
    if (rc == 0 && cfg->restore_path)
        fprintf(stderr, "wisp: %s: restored in %.1f ms (%llu MiB of guest memory, %u vCPU%s)\n",
                cfg->restore_path, (double)(clock_monotonic_ns() - start) / 1e6,
                (unsigned long long)(cfg->memory_size >> 20), vm->ncpus, vm->ncpus > 1 ? "s" : "");
    return rc;
}

int vm_create(struct vm **out, const struct vm_config *cfg, struct wisp_error *err)
{
    struct vm *vm = calloc(1, sizeof *vm);
    if (!vm)
        return wisp_fail(err, WISP_EXIT_HOST_ERROR, "out of memory");
    vm->cfg = *cfg;
    vm->user_irqchip = cfg->irqchip == VM_IRQCHIP_USER;
    vm->ncpus = cfg->cpus ? cfg->cpus : 1;
    host_mutex_init(&vm->device_lock);
    host_mutex_init(&vm->run_lock);
    host_cond_init(&vm->run_cond);
    vm->locks_ready = true;
    vm->stop.crashed_cpu = -1;
    if (vm->ncpus > VM_MAX_CPUS) {
        wisp_fail(err, WISP_EXIT_USAGE, "--cpus %u: at most %d", vm->ncpus, VM_MAX_CPUS);
        vm_destroy(vm);
        return -1;
    }
    /* A screenshot that cannot be written is said before the guest runs
     * (under --chroot the directory only exists relative to it). */
    if (cfg->screenshot_path &&
        screenshot_check_path(cfg->screenshot_path, !cfg->sandbox.chroot_dir, err) < 0) {
        vm_destroy(vm);
        return -1;
    }
    serial_console_init(&vm->console, cfg->console_output, cfg->serial_raw, cfg->console_input_fd,
                        cfg->console_is_terminal);
    /* The kernel goes into plain host memory before the accelerator is
     * opened, so a bad kernel is reported as such on any host. */
    if (cfg->restore_path || cfg->incoming_uri) {
        if (create_restored(vm, err) < 0) {
            vm_destroy(vm);
            return -1;
        }
        *out = vm;
        return 0;
    }
    if (sandbox_prepare(&cfg->sandbox, err) < 0 ||
        (cfg->api_socket_path && vm_api_create(vm, err) < 0) || /* a taken path: say so first */
        read_kernel(vm, err) < 0 || vm_devices_open(vm, err) < 0 || setup_memory(vm, err) < 0 ||
        load_kernel(vm, err) < 0 ||
        setup_accelerator(vm, err) < 0 || setup_cpuid(vm, err) < 0 ||
        setup_enlightenments(vm, err) < 0 || setup_devices(vm, err) < 0 ||
        setup_registers(vm, err) < 0 ||
        (cfg->gdb_address && gdb_stub_create(vm, &vm->gdb, err) < 0)) {
        vm_destroy(vm);
        return -1;
    }
    *out = vm;
    return 0;
}

struct framebuffer_view vm_framebuffer_view(struct vm *vm)
{
    return (struct framebuffer_view){
        .pixels = guest_memory_ptr(&vm->memory, WISP_FRAMEBUFFER_ADDR, vm->fb_size),
        .width = vm->cfg.fb_width,
        .height = vm->cfg.fb_height,
        .stride = vm->cfg.fb_width * 4,
    };
}

int vm_save_screenshot(struct vm *vm, const char *path, struct wisp_error *err)
{
    if (vm_text_screen_used(vm))
        return vm_text_screen_save(vm, path, err);
    if (vm->fb_size == 0)
        return wisp_fail(err, WISP_EXIT_USAGE, "%s: no screenshot: a Linux guest has no "
                         "framebuffer", path);
    struct framebuffer_view view = vm_framebuffer_view(vm);
    return screenshot_save(path, &view, err);
}

void vm_print_ascii_preview(struct vm *vm, FILE *out)
{
    if (vm_text_screen_used(vm)) {
        vm_text_screen_print(vm, out);
        return;
    }
    if (vm->fb_size == 0)
        return;
    struct framebuffer_view view = vm_framebuffer_view(vm);
    screenshot_ascii(out, &view, 80);
}

void vm_destroy(struct vm *vm)
{
    if (!vm)
        return;
    serial_console_close(&vm->console);
    sandbox_release_threads(NULL); /* workers still waiting for the sandbox (no run) */
    vm_devices_destroy(vm); /* its workers stop before the accelerator goes */
    gdb_stub_destroy(vm->gdb);
    vm_api_destroy(vm);
    vm_restore_close(vm);
    free(vm->kernel_file);
    for (unsigned i = 0; i < VM_MAX_CPUS; i++)
        vcpu_destroy(&vm->cpus[i]);
    accel_vm_destroy(vm->accel);
    guest_memory_release(&vm->memory);
    if (vm->locks_ready) {
        host_cond_destroy(&vm->run_cond);
        host_mutex_destroy(&vm->run_lock);
        host_mutex_destroy(&vm->device_lock);
    }
    free(vm);
}
