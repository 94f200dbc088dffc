/*
 * libFuzzer target: the input is a kernel file handed to multiboot_load()
 * (Multiboot 1) with two modules in a 64 MiB guest. On success the entry
 * lies in the loaded image at or above 1 MiB and the information
 * structure in wisp's area says what it should; see kboot_fuzz.h for the
 * promises kept on failure.
 */
#include "boot/multiboot.h"
#include "kboot_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!kf_ram)
        kf_setup();
    kf_reset();
    struct kboot_params params = kf_params();
    struct multiboot_result r;
    struct wisp_error err = { 0 };
    int rc = multiboot_load(&kf_gm, KF_PATH, data, size, &params, &r, &err);
    kf_check_outcome(rc, &err);
    if (rc == 0) {
        kf_check(r.entry >= r.kernel_start && r.entry < r.kernel_end, "entry in the image");
        kf_check(r.kernel_start >= KBOOT_KERNEL_MIN && r.kernel_end <= KF_RAM, "image in RAM");
        kf_check(r.info_addr >= KBOOT_INFO_AREA_BASE && r.info_addr < KBOOT_INFO_AREA_END,
                 "info in wisp's area");
        struct multiboot_info info;
        kf_check(guest_memory_read(&kf_gm, r.info_addr, &info, sizeof info), "info readable");
        kf_check(info.mods_count == 2 && r.module_addrs[0] >= r.kernel_end &&
                 r.module_addrs[1] + sizeof kf_mod1 <= KF_RAM, "modules after the kernel");
        kf_check(memcmp(kf_ram + r.module_addrs[1], kf_mod1, sizeof kf_mod1) == 0,
                 "module bytes");
    }
    return 0;
}
