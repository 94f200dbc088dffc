/*
 * Shared by the libFuzzer targets of the Multiboot 1, Multiboot 2 and
 * Limine loaders: a 64 MiB guest with wisp's framebuffer window and ACPI
 * tables, boot parameters with two modules, and the promises every loader
 * keeps whatever the kernel file holds: success, or -1 with a one-line
 * message naming the file and status 121 (a bad kernel) or 120 (a boot
 * information area the user overfilled); never a write outside guest
 * memory (ASan) and never a byte into the framebuffer window.
 */
#ifndef WISP_FUZZ_KBOOT_H
#define WISP_FUZZ_KBOOT_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "boot/acpi_tables.h"
#include "boot/kernel_boot.h"
#include "core/guest_memory.h"
#include "wisp/guest.h"

#define KF_RAM (64ull << 20)
#define KF_PATH "fuzz.kernel"

static struct guest_memory kf_gm;
static uint8_t *kf_ram, *kf_fb;
static uint64_t kf_rsdp;

static void kf_check(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "kboot fuzz: invariant broken: %s\n", what);
        abort();
    }
}

static void kf_setup(void)
{
    struct wisp_error err = { 0 };
    struct acpi_config acpi = { .cpus = 1 };
    if (guest_memory_add_bank(&kf_gm, "RAM", MEM_BANK_RAM, 0, KF_RAM, &err) < 0 ||
        guest_memory_add_bank(&kf_gm, "framebuffer", MEM_BANK_FRAMEBUFFER, WISP_FRAMEBUFFER_ADDR,
                              WISP_FRAMEBUFFER_WINDOW, &err) < 0) {
        fprintf(stderr, "kboot fuzz: %s\n", err.message);
        abort();
    }
    kf_ram = guest_memory_ptr(&kf_gm, 0, KF_RAM);
    kf_fb = guest_memory_ptr(&kf_gm, WISP_FRAMEBUFFER_ADDR, WISP_FRAMEBUFFER_WINDOW);
}

/* Fresh RAM with the ACPI tables, as vm_kboot_load_kernel leaves it. */
static void kf_reset(void)
{
    struct wisp_error err = { 0 };
    struct acpi_config acpi = { .cpus = 1 };
    kf_check(madvise(kf_ram, KF_RAM, MADV_DONTNEED) == 0, "madvise");
    kf_check(acpi_build(&kf_gm, ACPI_BIOS_AREA_BASE, 0x10000, &acpi, &kf_rsdp, &err) == 0,
             "ACPI tables");
}

static const uint8_t kf_mod0[] = "module zero";
static uint8_t kf_mod1[3000];

static struct kboot_params kf_params(void)
{
    static const struct kboot_module mods[2] = {
        { "m0", "a=1", kf_mod0, sizeof kf_mod0 },
        { "m1", NULL, kf_mod1, sizeof kf_mod1 },
    };
    return (struct kboot_params){
        .cmdline = "console=com1",
        .modules = mods,
        .module_count = 2,
        .fb = { KBOOT_FB_RGB, WISP_FRAMEBUFFER_ADDR, 640, 480, 2560, 32 },
        .acpi_rsdp = kf_rsdp,
        .boot_time = 1700000000,
        .loader_version = "fuzz",
        .cpus = 1,
    };
}

static void kf_check_outcome(int rc, const struct wisp_error *err)
{
    if (rc == 0) {
        kf_check(err->status == 0, "no error on success");
    } else {
        kf_check(rc == -1, "-1 on failure");
        kf_check(err->status == 121 || err->status == 120, "status 121 or 120");
        kf_check(strlen(err->message) > 4 && strchr(err->message, '\n') == NULL, "one line");
        kf_check(strncmp(err->message, KF_PATH ": ", sizeof KF_PATH + 1) == 0 ||
                     strncmp(err->message, "m0: ", 4) == 0 ||
                     strncmp(err->message, "m1: ", 4) == 0,
                 "the message names the file");
    }
    /* The framebuffer window is never written by a loader. */
    static unsigned char residency[(16u << 20) / 4096];
    kf_check(mincore(kf_fb, WISP_FRAMEBUFFER_WINDOW, residency) == 0, "mincore");
    for (size_t i = 0; i < sizeof residency; i++)
        kf_check(!(residency[i] & 1), "framebuffer untouched");
}

#endif
