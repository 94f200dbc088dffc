/* The machine configuration and the device section of a snapshot
 * (vm_state.h): one walk each, for saving and for loading. */
#include "vm_state.h"

#include <string.h>

#include "state/device_state.h"
#include "state/hv_state.h"
#include "state/platform_state.h"
#include "dev/pci/pci_host.h"
#include "vm_devices.h"
#include "vm_internal.h"

const char *vm_state_unsupported(const struct vm *vm)
{
    const struct vm_config *c = &vm->cfg;
    if (c->hyperv && synic_in_use(&vm->hv.synic))
        return "the guest uses the Hyper-V SynIC (VMBus), which has no saved state yet";
    if (vm->cpuid_probe_active)
        return "the -v CPUID probe is still running";
    return NULL;
}

/* What restore needs to build the same machine. The boot kind decides the
 * memory layout (Linux: RAM split around the PCI hole, above 4 GiB when it
 * does not fit below) and the PC platform devices; the kernel, its command
 * line, e820 map and firmware tables are in guest memory already. */
void vm_state_config(struct state_io *io, struct vm *vm)
{
    struct vm_config *c = &vm->cfg;
    char accel[16] = { 0 };
    strncpy(accel, accel_name(), sizeof accel - 1);
    char saved[16];
    memcpy(saved, accel, sizeof saved);
    state_bytes(io, saved, sizeof saved);
    saved[sizeof saved - 1] = '\0';
    state_check(io, strcmp(saved, accel) == 0, "saved by another accelerator");
    uint32_t boot = (uint32_t)vm->boot;
    state_u32(io, &boot);
    state_check(io, boot >= VM_BOOT_NATIVE && boot <= VM_BOOT_LIMINE, "unknown boot kind");
    if (io->loading && !io->failed) {
        vm->boot = (enum vm_boot)boot;
        c->boot = vm->boot;
        c->fb_size_given = true; /* the saved size, not a Multiboot kernel's wish */
    }
    state_u64(io, &c->memory_size);
    state_unsigned(io, &c->cpus);
    state_check(io, c->cpus >= 1 && c->cpus <= VM_MAX_CPUS, "CPU count out of range");
    uint32_t irqchip = (uint32_t)c->irqchip;
    state_u32(io, &irqchip);
    state_check(io, irqchip <= VM_IRQCHIP_USER, "unknown irqchip");
    c->irqchip = irqchip == VM_IRQCHIP_USER ? VM_IRQCHIP_USER : VM_IRQCHIP_KERNEL;
    state_u32(io, &c->fb_width);
    state_u32(io, &c->fb_height);
    bool vga = vm->vga_enabled;
    state_bool(io, &vga);
    c->vga_text = vga ? VM_VGA_TEXT_ON : VM_VGA_TEXT_OFF;
    state_bool(io, &c->isa_debug_exit);
    state_u16(io, &c->isa_debug_exit_iobase);
    state_u16(io, &c->isa_debug_exit_iosize);
    bool debugcon = c->debugcon_output || c->debugcon_shares_console;
    state_bool(io, &debugcon);
    if (io->loading && debugcon && !c->debugcon_output && !c->debugcon_shares_console)
        c->debugcon_shares_console = true; /* no --debugcon now: with COM1's output */
    state_unsigned(io, &c->idle_exit);
    vm_devices_state_config(io, vm); /* the virtio devices */
    /* --hyperv, so that a migration's destination builds the same machine
     * before the Hyper-V section arrives. A file saved before this field
     * ends above; its Hyper-V section alone says (vm_restore.c). */
    if (!io->loading || io->at < io->size)
        state_bool(io, &c->hyperv);
}

static void pci_host_state(struct state_io *io, struct pci_host *host)
{
    state_u32(io, &host->config_address);
    state_bytes(io, host->bridge.config, sizeof host->bridge.config);
}

void vm_state_devices(struct state_io *io, struct vm *vm)
{
    state_bool(io, &vm->kernel_started);
    state_uart16550(io, &vm->com1);
    pci_host_state(io, vm_devices_pci_host(vm));
    bool vga = vm->vga_enabled;
    state_bool(io, &vga);
    state_check(io, vga == vm->vga_enabled, "VGA saved for another machine");
    if (vm->vga_enabled && !io->failed)
        state_vga(io, &vm->vga);
    bool user = vm->user_irqchip;
    state_bool(io, &user);
    state_check(io, user == vm->user_irqchip, "irqchip saved for another machine");
    if (vm->user_irqchip && !io->failed)
        state_irqchip_user(io, &vm->irqchip);
    /* Linux, Multiboot and Limine boots: the PC platform (vm_linux.c). The
     * configuration section said which boot; a native guest's section ends
     * above, as it did before these devices were saved. */
    if ((vm_is_linux(vm) || vm_is_kboot(vm)) && !io->failed) {
        state_cmos_rtc(io, &vm->rtc);
        state_acpi_pm(io, &vm->pm);
        state_reset_port(io, &vm->reset);
    }
    if (!io->failed)
        vm_devices_state(io, vm); /* the virtio functions, last */
}

/* --hyperv: its own section, present only with it (so a file without one
 * restores without Hyper-V, as every file did before). */
void vm_state_hyperv(struct state_io *io, struct vm *vm)
{
    state_hyperv(io, &vm->hv, vm->ncpus);
}
