/*
 * wisp's snapshot file (one format for snapshots now, the migration stream
 * later). All integers little endian.
 *
 *   header (64 bytes)
 *     0  magic "WISPSNAP"
 *     8  u32 format version (SNAPSHOT_VERSION)
 *    12  u32 header size (64)
 *    16  u64 head size: header plus every section, i.e. where page data starts
 *        (before the alignment padding)
 *    24  u64 file size: the whole file, page data included
 *    32  u32 section count
 *    36  u32 flags (0)
 *    40  u32 CRC-32 (zlib's crc32) of bytes 0..63 with this field zero
 *    44  20 bytes zero
 *   sections, one after another
 *     0  u32 type (SNAPSHOT_SECTION_*)
 *     4  u32 CRC-32 of the type, the length (bytes 0-3 and 8-15) and the payload
 *     8  u64 payload length
 *    16  payload
 *   page data: the non-zero guest pages, each at a file offset that is a
 *   multiple of SNAPSHOT_PAGE_SIZE, so that restore maps them straight from
 *   the file (private, copy-on-write) and never reads them.
 *
 * Sections (SNAPSHOT_SECTION_*): the machine configuration, CPUID, the
 * accelerator's VM state, one per vCPU, wisp's devices (for Linux,
 * Multiboot and Limine boots the PC platform devices at its end), the
 * Hyper-V enlightenments only with --hyperv (a file without that section
 * restores without them), then the memory index.
 *
 * The memory section comes last. Its payload is an index: u32 run count,
 * u32 zero, u64 offset of the first page, then per run u64 guest-physical
 * address, u64 page count, u64 file offset. Runs are in rising address
 * order, do not overlap, and lie back to back in the file from the first
 * page's offset to its end; pages not in a run are zero. The index is
 * checksummed; the pages themselves are not (checking them would read the
 * whole file, which mapping it exists to avoid).
 */
#ifndef WISP_STATE_SNAPSHOT_FORMAT_H
#define WISP_STATE_SNAPSHOT_FORMAT_H

#include <stdint.h>

#define SNAPSHOT_MAGIC "WISPSNAP"
#define SNAPSHOT_VERSION 1u
#define SNAPSHOT_HEADER_SIZE 64u
#define SNAPSHOT_SECTION_HEADER_SIZE 16u
#define SNAPSHOT_PAGE_SIZE 4096u
#define SNAPSHOT_RUN_SIZE 24u
#define SNAPSHOT_MAX_SECTIONS 256u
#define SNAPSHOT_MAX_HEAD (64ull << 20) /* everything but the pages: a few KiB a CPU */
#define SNAPSHOT_MAX_RUNS (1u << 24)

enum snapshot_section_type {
    SNAPSHOT_SECTION_CONFIG = 1,    /* the machine (vm_snapshot.c) */
    SNAPSHOT_SECTION_CPUID = 2,     /* the CPUID the guest saw */
    SNAPSHOT_SECTION_ACCEL_VM = 3,  /* the accelerator's VM-wide state (opaque) */
    SNAPSHOT_SECTION_VCPU = 4,      /* one per vCPU, in order */
    SNAPSHOT_SECTION_DEVICES = 5,   /* wisp's device models */
    SNAPSHOT_SECTION_MEMORY = 6,    /* the page index; always last */
    SNAPSHOT_SECTION_HYPERV = 7,    /* --hyperv's MSRs (hv_state.h); only with --hyperv */
};
#define SNAPSHOT_SECTION_LAST SNAPSHOT_SECTION_HYPERV

const char *snapshot_section_name(uint32_t type);

#endif
