/*
 * The Linux boot's share of VM set-up: RAM without a framebuffer, the PC
 * platform Linux expects (CMOS RTC, 8042 and 0xCF9 reset, ACPI PM, ACPI and
 * MP tables), and loading a bzImage or a PVH vmlinux. vm.c calls these in
 * its one visible order.
 */

#include "irq_routing.h"
#include "vm_internal.h"

#include <stdlib.h>

#include "boot/acpi_tables.h"
#include "boot/bzimage.h"
#include "boot/mptable.h"
#include "boot/pvh.h"
#include "host/clock.h"
/* Linux: RAM from 0 up to the PCI hole, the rest from 4 GiB, as on a PC
 * (the hole holds the I/O APIC and LAPIC at 0xFEC00000+); no framebuffer. */
#define LINUX_MIN_MEMORY (32ull << 20)
#define LINUX_MAX_MEMORY (64ull << 30)
#define LINUX_LOW_RAM_END (3ull << 30)
#define LINUX_HIGH_RAM_BASE (4ull << 30)

/* How much of size bytes of RAM goes below the hole. */
static uint64_t ram_below_hole(uint64_t size)
{
    return size < LINUX_LOW_RAM_END ? size : LINUX_LOW_RAM_END;
}

int vm_linux_setup_memory(struct vm *vm, struct wisp_error *err)
{
    uint64_t size = vm->cfg.memory_size;
    if (guest_memory_check_size(size, LINUX_MIN_MEMORY, LINUX_MAX_MEMORY, "Linux", "", err) < 0)
        return -1;
    uint64_t low = ram_below_hole(size);
    if (guest_memory_add_bank(&vm->memory, "RAM", MEM_BANK_RAM, 0, low, err) < 0)
        return -1;
    if (size == low)
        return 0;
    return guest_memory_add_bank(&vm->memory, "RAM above 4 GiB", MEM_BANK_RAM,
                                 LINUX_HIGH_RAM_BASE, size - low, err);
}

/* ---- the PC platform Linux expects ---- */

static void platform_power_off(void *opaque)
{
    struct vm *vm = opaque;
    vm->platform_stop = VM_STOP_POWER_OFF;
    vm->platform_stop_requested = true;
}

static void platform_reset(void *opaque)
{
    struct vm *vm = opaque;
    vm->platform_stop = VM_STOP_REBOOT;
    vm->platform_stop_requested = true;
}

static void i8042_set_irq(void *opaque, unsigned irq, bool level)
{
    vm_set_irq(opaque, irq, level);
}

static void pm_set_sci(void *opaque, bool level)
{
    vm_set_irq(opaque, ACPI_PM_SCI_IRQ, level);
}

static uint64_t pm_clock(void *opaque)
{
    (void)opaque;
    return clock_monotonic_ns();
}

/* CMOS RTC with the host's time, the 8042 and 0xCF9 reset paths, and the
 * ACPI PM1 registers and PM timer the FADT points at. */
int vm_linux_setup_devices(struct vm *vm, struct wisp_error *err)
{
    cmos_rtc_init(&vm->rtc, cmos_rtc_host_time, NULL);
    uint64_t ram = guest_memory_ram_size(&vm->memory);
    cmos_rtc_set_memory(&vm->rtc, ram_below_hole(ram), ram - ram_below_hole(ram));
    static const struct reset_port_ops reset_ops = { platform_reset, i8042_set_irq };
    reset_port_init(&vm->reset, &reset_ops, vm);
    static const struct acpi_pm_ops pm_ops = { platform_power_off, pm_set_sci, pm_clock };
    acpi_pm_init(&vm->pm, &pm_ops, vm);
    if (bus_register(&vm->ports, CMOS_RTC_PORT, CMOS_RTC_NR_PORTS, "CMOS RTC", cmos_rtc_io,
                     &vm->rtc, err) < 0 ||
        bus_register(&vm->ports, I8042_DATA_PORT, 1, "i8042 data", reset_port_i8042_data_io,
                     &vm->reset, err) < 0 ||
        bus_register(&vm->ports, I8042_COMMAND_PORT, 1, "i8042 command",
                     reset_port_i8042_command_io, &vm->reset, err) < 0 ||
        bus_register(&vm->ports, RESET_PORT_CF9, 1, "reset control", reset_port_cf9_io,
                     &vm->reset, err) < 0)
        return -1;
    return bus_register(&vm->ports, ACPI_PM_BASE, ACPI_PM_NR_PORTS, "ACPI PM", acpi_pm_io,
                        &vm->pm, err);
}

/* The firmware tables go into the BIOS area (reserved in e820) before the
 * kernel, so the loaders can hand the RSDP's address over: ACPI at
 * 0xE0000, the MP table at 0xF0000 where Linux scans for it. */
int vm_linux_build_firmware_tables(struct vm *vm, struct wisp_error *err)
{
    struct acpi_config acpi = { .cpus = vm->ncpus, .vmbus = vm->cfg.hyperv };
    if (acpi_build(&vm->memory, ACPI_BIOS_AREA_BASE, MPTABLE_BIOS_BASE - ACPI_BIOS_AREA_BASE,
                   &acpi, &vm->acpi_rsdp, err) < 0)
        return -1;
    return mptable_build(&vm->memory, MPTABLE_BIOS_BASE, MPTABLE_BIOS_SIZE, vm->ncpus, err);
}

int vm_linux_load_kernel(struct vm *vm, struct wisp_error *err)
{
    if (vm_linux_build_firmware_tables(vm, err) < 0)
        return -1;
    const char *path = vm->cfg.kernel_path;
    uint8_t *initrd = NULL;
    size_t initrd_size = 0;
    if (vm->cfg.initrd_path &&
        elf_read_file(vm->cfg.initrd_path, &initrd, &initrd_size, err) < 0)
        return -1;
    struct linux_boot_params params = {
        .cmdline = vm->cfg.cmdline,
        .initrd = initrd,
        .initrd_size = initrd_size,
        .initrd_path = vm->cfg.initrd_path,
        .acpi_rsdp = vm->acpi_rsdp,
    };
    int rc;
    if (vm->boot == VM_BOOT_PVH) {
        rc = pvh_load(&vm->memory, path, vm->kernel_file, vm->kernel_file_size, &params,
                      &vm->pvh, err);
    } else {
        struct bzimage_info info;
        rc = bzimage_parse(path, vm->kernel_file, vm->kernel_file_size, &info, err);
        if (rc == 0)
            rc = bzimage_load(&vm->memory, path, vm->kernel_file, vm->kernel_file_size, &info,
                              &params, &vm->bzimage, err);
    }
    free(initrd);
    return rc;
}

