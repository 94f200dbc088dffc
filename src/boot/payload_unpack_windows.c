/*
 * The Windows wisp.exe is built without the compression libraries the
 * POSIX unpacker uses, so it cannot unpack a bzImage payload on the host;
 * the bzImage still boots through the boot protocol, where the kernel
 * unpacks itself.
 */
#include "payload_unpack.h"

int linux_payload_unpack(const char *path, const uint8_t *payload, size_t payload_size,
                         uint64_t max_size, uint8_t **out, size_t *out_size,
                         const char **method, struct wisp_error *err)
{
    (void)payload;
    (void)payload_size;
    (void)max_size;
    *out = NULL;
    *out_size = 0;
    if (method)
        *method = NULL;
    return wisp_fail(err, WISP_EXIT_BAD_KERNEL,
                     "%s: host-side decompression is not built into the Windows wisp.exe; "
                     "boot the bzImage directly", path ? path : "kernel");
}
