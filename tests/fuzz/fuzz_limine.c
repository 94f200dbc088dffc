/*
 * libFuzzer target: the input is a kernel file handed to limine_load() with
 * two modules in a 64 MiB guest. On success the entry lies in the higher
 * half, the page tables, GDT and stack in the bootloader-reclaimable area
 * recorded in the result, and the kernel image at 1 MiB; see kboot_fuzz.h
 * for the promises kept on failure. limine_detect() reads the same bytes.
 */
#include "boot/limine.h"
#include "kboot_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!kf_ram)
        kf_setup();
    kf_reset();
    (void)limine_detect(data, size);
    struct kboot_params params = kf_params();
    struct limine_result r;
    struct wisp_error err = { 0 };
    int rc = limine_load(&kf_gm, KF_PATH, data, size, &params, &r, &err);
    kf_check_outcome(rc, &err);
    if (rc != 0)
        return 0;
    kf_check(r.entry >= LIMINE_KERNEL_MIN_VA, "higher-half entry");
    kf_check(r.kernel_phys == KBOOT_KERNEL_MIN && r.kernel_phys + r.kernel_size <= KF_RAM,
             "image in RAM");
    kf_check(r.reclaim_base < r.reclaim_end && r.reclaim_end <= KF_RAM, "reclaimable area");
    kf_check(r.pml4 >= r.reclaim_base && r.pml4 < r.reclaim_end, "page tables in it");
    uint64_t stack = r.stack_top - LIMINE_HHDM_OFFSET;
    kf_check(stack > r.reclaim_base && stack < r.reclaim_end, "stack in it");
    kf_check(r.base_revision <= LIMINE_MAX_BASE_REVISION, "a revision wisp knows");
    return 0;
}
