/*
 * libFuzzer target: a vmlinux as the PVH boot reads it: the Xen ELF note
 * walk (pvh_find_entry), the load with the start-info block, memory map,
 * command line and initrd module into 64 MiB of guest RAM (pvh_load).
 */
#include "boot/pvh.h"
#include "fuzz_boot_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_boot_setup();
    uint32_t entry = 0;
    struct wisp_error err = { 0 };
    int found = pvh_find_entry(FUZZ_PATH, data, size, &entry, &err);
    fuzz_check(found >= -1 && found <= 1, "found, not found or error");
    if (found < 0)
        fuzz_check_refusal(&err);

    struct linux_boot_params params = fuzz_boot_params();
    struct pvh_boot_result r;
    struct wisp_error lerr = { 0 };
    if (pvh_load(&fuzz_gm, FUZZ_PATH, data, size, &params, &r, &lerr) == 0) {
        fuzz_check(found == 1 && r.entry == entry, "loaded only with the note's entry");
        fuzz_check(r.start_info + sizeof(struct hvm_start_info) <= FUZZ_RAM, "start info in RAM");
        fuzz_check(r.initrd_addr + r.initrd_size <= FUZZ_RAM, "initrd in RAM");
        const struct hvm_start_info *si = (const void *)(fuzz_ram + r.start_info);
        fuzz_check(si->magic == XEN_HVM_START_MAGIC_VALUE, "start info written");
    } else {
        fuzz_check_refusal(&lerr);
    }
    fuzz_boot_reset_ram();
    return 0;
}
