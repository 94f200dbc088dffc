/*
 * The boots of kernels written for other loaders (Multiboot 1 and 2,
 * Limine): their share of vm_create(). They get the native boot's memory
 * (RAM from 0, the framebuffer window at 0xC0000000) and the PC platform
 * of the Linux boots (ACPI and MP tables, CMOS RTC, 8042/0xCF9 reset, ACPI
 * PM), then their loader in src/boot/.
 */
#include "vm_internal.h"

#include <stdlib.h>
#include <string.h>

#include <wisp/guest.h>

#include "boot/limine.h"
#include "boot/multiboot.h"
#include "boot/multiboot2.h"
#include "host/clock.h"

#ifndef WISP_VERSION
#define WISP_VERSION "0.1.0"
#endif

/* The kernel loads at 1 MiB with the BIOS area and boot data below it. */
#define KBOOT_MIN_MEMORY (16ull << 20)
#define KBOOT_MAX_MEMORY WISP_FRAMEBUFFER_ADDR

/* A Multiboot kernel's preferred framebuffer size (header flag 2 or the
 * framebuffer tag), taken when --framebuffer was not given and it fits the
 * window at 32 bits per pixel. A malformed header is left for the loader
 * to report. */
static void take_preferred_resolution(struct vm *vm)
{
    struct kboot_fb_request req = { 0 };
    struct wisp_error ignored = { 0 };
    if (vm->cfg.fb_size_given)
        return;
    if (vm->boot == VM_BOOT_MULTIBOOT) {
        struct multiboot_header h;
        size_t off;
        if (multiboot_parse(vm->cfg.kernel_path, vm->kernel_file, vm->kernel_file_size, &h, &off,
                            &ignored) == 0)
            req = multiboot_fb_request(&h);
    } else if (vm->boot == VM_BOOT_MULTIBOOT2) {
        struct multiboot2_header_info hi;
        if (multiboot2_parse(vm->cfg.kernel_path, vm->kernel_file, vm->kernel_file_size, &hi,
                             &ignored) == 0 && hi.has_framebuffer)
            req = hi.fb;
    }
    if (req.text || req.width == 0 || req.height == 0 || req.width > 16384 ||
        req.height > 16384 || (uint64_t)req.width * req.height * 4 > WISP_FRAMEBUFFER_WINDOW)
        return;
    vm->cfg.fb_width = req.width;
    vm->cfg.fb_height = req.height;
    if (vm->cfg.debug)
        fprintf(stderr, "wisp: the kernel asks for a %ux%u framebuffer\n", req.width, req.height);
}

int vm_kboot_setup_memory(struct vm *vm, struct wisp_error *err)
{
    take_preferred_resolution(vm);
    const struct vm_config *cfg = &vm->cfg;
    const char *name = vm->boot == VM_BOOT_LIMINE ? "Limine" : "Multiboot";
    if (guest_memory_check_size(cfg->memory_size, KBOOT_MIN_MEMORY, KBOOT_MAX_MEMORY, name,
                                " (RAM ends below the framebuffer window at 3 GiB)", err) < 0)
        return -1;
    vm->fb_size = (uint64_t)cfg->fb_width * cfg->fb_height * 4;
    if (vm->fb_size > WISP_FRAMEBUFFER_WINDOW)
        return wisp_fail(err, WISP_EXIT_USAGE,
                         "framebuffer %ux%u does not fit the 16 MiB window at 0xC0000000",
                         cfg->fb_width, cfg->fb_height);
    if (guest_memory_add_bank(&vm->memory, "RAM", MEM_BANK_RAM, 0, cfg->memory_size, err) < 0)
        return -1;
    return guest_memory_add_bank(&vm->memory, "framebuffer", MEM_BANK_FRAMEBUFFER,
                                 WISP_FRAMEBUFFER_ADDR, WISP_FRAMEBUFFER_WINDOW, err);
}

/* --initrd first, then each --module, read whole. */
static int read_modules(struct vm *vm, struct kboot_module *mods, uint8_t **bufs, unsigned *count,
                        struct wisp_error *err)
{
    unsigned n = 0;
    struct vm_module list[VM_MAX_MODULES + 1];
    if (vm->cfg.initrd_path)
        list[n++] = (struct vm_module){ vm->cfg.initrd_path, NULL };
    for (unsigned i = 0; i < vm->cfg.module_count && n < VM_MAX_MODULES + 1; i++)
        list[n++] = vm->cfg.modules[i];
    if (n > KBOOT_MAX_MODULES)
        return wisp_fail(err, WISP_EXIT_USAGE, "%u modules; wisp passes at most %u", n,
                         KBOOT_MAX_MODULES);
    for (unsigned i = 0; i < n; i++) {
        size_t size;
        if (elf_read_file(list[i].path, &bufs[i], &size, err) < 0) {
            *count = i;
            return -1;
        }
        mods[i] = (struct kboot_module){ list[i].path, list[i].cmdline, bufs[i], size };
    }
    *count = n;
    return 0;
}

int vm_kboot_load_kernel(struct vm *vm, struct wisp_error *err)
{
    if (vm_linux_build_firmware_tables(vm, err) < 0)
        return -1;
    kboot_write_bios_data_area(&vm->memory);
    struct kboot_module mods[KBOOT_MAX_MODULES];
    uint8_t *bufs[KBOOT_MAX_MODULES] = { 0 };
    unsigned count = 0;
    int rc = read_modules(vm, mods, bufs, &count, err);
    if (rc == 0) {
        struct kboot_params params = {
            .cmdline = vm->cfg.cmdline,
            .modules = mods,
            .module_count = count,
            .fb = { .kind = vm->fb_size ? KBOOT_FB_RGB : KBOOT_FB_NONE,
                    .addr = WISP_FRAMEBUFFER_ADDR, .width = vm->cfg.fb_width,
                    .height = vm->cfg.fb_height, .pitch = vm->cfg.fb_width * 4, .bpp = 32 },
            .text_mode_available = vm_text_screen_wanted(vm),
            .acpi_rsdp = vm->acpi_rsdp,
            .boot_time = clock_wall_ns() / 1000000000ull,
            .loader_version = WISP_VERSION,
            .cpus = 1, /* SMP hook: the number of vCPUs once there are several */
        };
        const char *path = vm->cfg.kernel_path;
        const uint8_t *file = vm->kernel_file;
        size_t size = vm->kernel_file_size;
        struct accel_regs *regs = &vm->kboot_regs;
        struct accel_sregs *sregs = &vm->kboot_sregs;
        memset(regs, 0, sizeof *regs);
        memset(sregs, 0, sizeof *sregs);
        if (vm->boot == VM_BOOT_MULTIBOOT) {
            struct multiboot_result r;
            rc = multiboot_load(&vm->memory, path, file, size, &params, &r, err);
            if (rc == 0)
                rc = multiboot_entry_state(&vm->memory, r.entry, MULTIBOOT_BOOTLOADER_MAGIC,
                                           r.info_addr, regs, sregs, err);
            if (rc == 0 && vm->cfg.debug)
                fprintf(stderr, "wisp: multiboot: kernel 0x%llx-0x%llx, entry 0x%x, info 0x%x\n",
                        (unsigned long long)r.kernel_start, (unsigned long long)r.kernel_end,
                        r.entry, r.info_addr);
        } else if (vm->boot == VM_BOOT_MULTIBOOT2) {
            struct multiboot2_result r;
            rc = multiboot2_load(&vm->memory, path, file, size, &params, &r, err);
            if (rc == 0)
                rc = multiboot_entry_state(&vm->memory, r.entry, MULTIBOOT2_BOOTLOADER_MAGIC,
                                           r.info_addr, regs, sregs, err);
            if (rc == 0 && vm->cfg.debug)
                fprintf(stderr, "wisp: multiboot2: kernel 0x%llx-0x%llx, entry 0x%x, info 0x%x "
                        "(%u bytes)\n", (unsigned long long)r.kernel_start,
                        (unsigned long long)r.kernel_end, r.entry, r.info_addr, r.info_size);
        } else {
            struct limine_result r;
            rc = limine_load(&vm->memory, path, file, size, &params, &r, err);
            if (rc == 0) {
                limine_entry_state(&r, regs, sregs);
                if (vm->cfg.debug)
                    fprintf(stderr, "wisp: limine: base revision %u (asked %u), kernel 0x%llx at "
                            "phys 0x%llx, entry 0x%llx, %u requests answered\n", r.base_revision,
                            r.requested_revision, (unsigned long long)r.kernel_virt,
                            (unsigned long long)r.kernel_phys, (unsigned long long)r.entry,
                            r.requests_answered);
            }
        }
    }
    for (unsigned i = 0; i < KBOOT_MAX_MODULES; i++)
        free(bufs[i]);
    return rc;
}

void vm_kboot_entry_state(struct vm *vm, struct accel_regs *regs, struct accel_sregs *sregs)
{
    /* The loaders filled every field but the vCPU's own (APIC base, CR8). */
    uint64_t apic_base = sregs->apic_base, cr8 = sregs->cr8;
    *sregs = vm->kboot_sregs;
    sregs->apic_base = apic_base;
    sregs->cr8 = cr8;
    *regs = vm->kboot_regs;
}
