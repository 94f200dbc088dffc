/*
 * Shared by the Linux boot-protocol fuzzers: 64 MiB of guest RAM (the
 * host only backs what a load touches; it is handed back after each
 * input), a command line and a small initrd, and the checks every
 * refusal must pass: status BAD_KERNEL or USAGE, one line naming the file.
 */
#ifndef WISP_FUZZ_BOOT_COMMON_H
#define WISP_FUZZ_BOOT_COMMON_H

#include <string.h>
#include <sys/mman.h>

#include "boot/linux_layout.h"
#include "core/guest_memory.h"
#include "fuzz_input.h"

#define FUZZ_RAM (64ull << 20)
#define FUZZ_PATH "fuzz.kernel"

static struct guest_memory fuzz_gm;
static uint8_t *fuzz_ram;
static uint8_t fuzz_initrd[4096];

static void fuzz_boot_setup(void)
{
    if (fuzz_ram)
        return;
    struct wisp_error err = { 0 };
    fuzz_check(guest_memory_add_bank(&fuzz_gm, "RAM", MEM_BANK_RAM, 0, FUZZ_RAM, &err) == 0,
               "guest RAM");
    fuzz_ram = guest_memory_ptr(&fuzz_gm, 0, FUZZ_RAM);
    memset(fuzz_initrd, 0x17, sizeof fuzz_initrd);
}

static void fuzz_boot_reset_ram(void)
{
    fuzz_check(madvise(fuzz_ram, FUZZ_RAM, MADV_DONTNEED) == 0, "madvise");
}

static struct linux_boot_params fuzz_boot_params(void)
{
    return (struct linux_boot_params){
        .cmdline = "console=ttyS0 reboot=k panic=-1",
        .initrd = fuzz_initrd,
        .initrd_size = sizeof fuzz_initrd,
        .initrd_path = "fuzz.initrd",
        .acpi_rsdp = 0xE0000,
    };
}

static void fuzz_check_refusal(const struct wisp_error *err)
{
    fuzz_check(err->status == WISP_EXIT_BAD_KERNEL || err->status == WISP_EXIT_USAGE ||
               err->status == WISP_EXIT_HOST_ERROR, "a documented status");
    fuzz_check(strchr(err->message, '\n') == NULL && err->message[0] != '\0', "one line");
    fuzz_check(strncmp(err->message, FUZZ_PATH ": ", sizeof FUZZ_PATH + 1) == 0 ||
               strncmp(err->message, "fuzz.initrd: ", 13) == 0, "names the file");
}

#endif
