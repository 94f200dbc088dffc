/*
 * libFuzzer target: a bzImage as wisp reads it, before /dev/kvm is opened:
 * the setup header (bzimage_parse), the load
 * with a command line and an initrd into 64 MiB of guest RAM (bzimage_load), and the payload
 * unpacking --boot pvh does (bzimage_unpack_payload). Found a stack
 * overflow once (a header running to 0x290: seed regress_header_end_0x290).
 */
#include "boot/bzimage.h"
#include "fuzz_boot_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_boot_setup();
    struct bzimage_info info;
    struct wisp_error err = { 0 };
    if (bzimage_parse(FUZZ_PATH, data, size, &info, &err) < 0) {
        fuzz_check_refusal(&err);
        return 0;
    }
    fuzz_check(info.header_end <= BZIMAGE_SETUP_HEADER_MAX, "header within the zero page");
    fuzz_check(info.kernel_offset + info.kernel_size == size, "kernel is the rest of the file");
    fuzz_check(info.payload_length == 0 ||
               (uint64_t)info.payload_offset + info.payload_length <= info.kernel_size,
               "payload inside the kernel");

    struct linux_boot_params params = fuzz_boot_params();
    struct linux_boot_result r;
    struct wisp_error lerr = { 0 };
    if (bzimage_load(&fuzz_gm, FUZZ_PATH, data, size, &info, &params, &r, &lerr) == 0) {
        fuzz_check(r.load_addr + r.load_size <= FUZZ_RAM, "kernel inside RAM");
        fuzz_check(r.initrd_addr + r.initrd_size <= FUZZ_RAM, "initrd inside RAM");
        fuzz_check(r.initrd_addr >= r.kernel_end, "initrd above the kernel");
        fuzz_check(memcmp(fuzz_ram + r.load_addr, data + info.kernel_offset, r.load_size) == 0,
                   "kernel copied");
    } else {
        fuzz_check_refusal(&lerr);
    }
    fuzz_boot_reset_ram();

    if (info.payload_length) {
        uint8_t *out = NULL;
        size_t out_size = 0;
        struct wisp_error uerr = { 0 };
        if (bzimage_unpack_payload(FUZZ_PATH, data, size, 1u << 20, &out, &out_size, NULL,
                                   &uerr) == 0)
            free(out);
        else
            fuzz_check(out == NULL, "nothing on failure");
    }
    return 0;
}
