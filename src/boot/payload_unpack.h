/*
 * Unpacks a bzImage payload (the compressed kernel the setup header's
 * payload_offset/length point at) on the host, so a boot path that wants
 * the uncompressed vmlinux ELF does not have to run the kernel's own
 * decompressor in the guest.
 *
 * The kernel build writes the payload as one compressed stream followed by
 * the uncompressed size, 4 bytes little-endian, whatever the method
 * (CONFIG_KERNEL_GZIP, _BZIP2, _LZMA, _XZ, _LZO, _LZ4, _ZSTD). The method is
 * told by the stream's magic bytes.
 */
#ifndef WISP_BOOT_PAYLOAD_UNPACK_H
#define WISP_BOOT_PAYLOAD_UNPACK_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* Unpacks payload (payload_size bytes, trailer included; path names the
 * file in messages) into a malloc'd buffer the caller frees: *out, exactly
 * the trailer's *out_size bytes. The trailer may claim at most max_size
 * bytes (the caller passes the guest RAM size); larger claims are refused
 * before anything is allocated. method, if not NULL, gets a static name as
 * soon as the format is recognised (so also on most failures), NULL before:
 * "gzip", "bzip2", "lzma", "xz", "lz4" (the legacy frame `lz4 -l` writes)
 * or "zstd". LZO is recognised and refused.
 *
 * Returns 0, or -1 with *out NULL, *out_size 0 and one line in err naming
 * the file: WISP_EXIT_BAD_KERNEL for an unknown, unsupported, corrupt or
 * truncated payload or one whose output disagrees with its trailer,
 * WISP_EXIT_HOST_ERROR when the host has no memory for it. The Windows
 * wisp.exe is built without the libraries and always fails. */
int linux_payload_unpack(const char *path, const uint8_t *payload, size_t payload_size,
                         uint64_t max_size, uint8_t **out, size_t *out_size,
                         const char **method, struct wisp_error *err);

#endif
