/*
 * libFuzzer target: the input is a kernel file handed to multiboot2_load()
 * with two modules in a 64 MiB guest. On success the boot information is
 * a well-formed tag list in wisp's area (8-byte aligned tags, sizes inside
 * total_size, an end tag closing it) and the entry lies in the image; see
 * kboot_fuzz.h for the promises kept on failure.
 */
#include "boot/multiboot2.h"
#include "kboot_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!kf_ram)
        kf_setup();
    kf_reset();
    struct kboot_params params = kf_params();
    struct multiboot2_result r;
    struct wisp_error err = { 0 };
    int rc = multiboot2_load(&kf_gm, KF_PATH, data, size, &params, &r, &err);
    kf_check_outcome(rc, &err);
    /* The header parser alone, on the same bytes. */
    struct multiboot2_header_info hi;
    struct wisp_error perr = { 0 };
    if (multiboot2_parse(KF_PATH, data, size, &hi, &perr) == 0)
        kf_check(hi.offset + hi.header_length <= size, "header inside the file");
    if (rc != 0)
        return 0;
    kf_check(r.entry >= r.kernel_start && r.entry < r.kernel_end, "entry in the image");
    kf_check(r.kernel_start >= KBOOT_KERNEL_MIN && r.kernel_end <= KF_RAM, "image in RAM");
    kf_check(r.info_addr % 8 == 0 && r.info_addr >= KBOOT_INFO_AREA_BASE &&
             r.info_addr + r.info_size <= KBOOT_INFO_AREA_END, "info in wisp's area");
    const uint8_t *info = kf_ram + r.info_addr;
    uint32_t total, off = 8, type = 1, tsize = 0;
    memcpy(&total, info, 4);
    kf_check(total == r.info_size, "total_size");
    while (off + 8 <= total) {
        memcpy(&type, info + off, 4);
        memcpy(&tsize, info + off + 4, 4);
        kf_check(off % 8 == 0 && tsize >= 8 && tsize <= total - off, "tag inside the list");
        if (type == 0)
            break;
        off += (tsize + 7) & ~7u;
    }
    kf_check(type == 0 && tsize == 8 && off + 8 == total, "an end tag closes the list");
    return 0;
}
