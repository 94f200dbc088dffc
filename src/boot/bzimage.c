#include "bzimage.h"

#include <string.h>

#include "payload_unpack.h"

typedef unsigned long long ull;

#define BAD(...) wisp_fail(err, WISP_EXIT_BAD_KERNEL, __VA_ARGS__)
#define USAGE(...) wisp_fail(err, WISP_EXIT_USAGE, __VA_ARGS__)

#define MiB (1ull << 20)
#define BZIMAGE_MAX_PHYS (1ull << 52) /* x86-64's architectural limit */

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Where the setup header must end at least, for the fields a protocol
 * version defines (offset of the last field's end). */
static uint32_t header_min_end(uint16_t version)
{
    if (version >= 0x020F)
        return 0x26C; /* kernel_info_offset */
    if (version >= 0x020B)
        return 0x268; /* handover_offset */
    if (version >= 0x020A)
        return 0x264; /* pref_address, init_size */
    if (version >= 0x0209)
        return 0x258; /* setup_data */
    if (version >= 0x0208)
        return 0x250; /* payload_offset, payload_length */
    if (version >= 0x0207)
        return 0x248; /* hardware_subarch(_data) */
    return 0x23C;     /* cmdline_size (2.06) */
}

static bool is_power_of_two(uint64_t x)
{
    return x != 0 && (x & (x - 1)) == 0;
}

int bzimage_parse(const char *path, const uint8_t *file, size_t size,
                  struct bzimage_info *out, struct wisp_error *err)
{
    const char *p = path ? path : "kernel";
    struct bzimage_info info;

    if (size < 0x200)
        return BAD("%s: not a bzImage: %llu bytes is shorter than a boot sector", p,
                   (ull)size);
    if (get16(file + 0x1FE) != BZIMAGE_BOOT_FLAG) {
        if (memcmp(file, "\177ELF", 4) == 0)
            return BAD("%s: not a bzImage but an ELF file (an uncompressed vmlinux boots "
                       "through PVH)", p);
        return BAD("%s: not a bzImage: no 0xAA55 boot signature at offset 0x1FE", p);
    }
    if (size < 0x206 || get32(file + 0x202) != BZIMAGE_HEADER_MAGIC)
        return BAD("%s: not a bzImage: no \"HdrS\" setup header at offset 0x202 "
                   "(a boot sector, or a kernel older than boot protocol 2.00)", p);
    if (size < 0x208)
        return BAD("%s: truncated bzImage: %llu bytes end inside the setup header", p,
                   (ull)size);

    memset(&info, 0, sizeof info);
    info.version = get16(file + 0x206);
    if (info.version < BZIMAGE_MIN_PROTOCOL)
        return BAD("%s: boot protocol %u.%02u is too old; wisp needs 2.06 or later "
                   "(Linux 2.6.22+)", p, info.version >> 8, info.version & 0xFF);

    info.header_end = 0x202u + file[0x201];
    if (info.header_end > BZIMAGE_SETUP_HEADER_MAX)
        return BAD("%s: setup header runs to offset 0x%x, past the 0x%x the zero page "
                   "has room for", p, info.header_end, BZIMAGE_SETUP_HEADER_MAX);
    if (info.header_end < header_min_end(info.version))
        return BAD("%s: setup header ends at offset 0x%x, too short for boot protocol "
                   "%u.%02u (which needs 0x%x)", p, info.header_end, info.version >> 8,
                   info.version & 0xFF, header_min_end(info.version));
    if (info.header_end > size)
        return BAD("%s: truncated bzImage: %llu bytes end inside the setup header "
                   "(which runs to 0x%x)", p, (ull)size, info.header_end);

    /* The header as the file has it; fields past header_end stay zero.
     * A header may run on past the fields wisp knows (up to the zero
     * page's 0x290): that tail is the kernel's, and loading passes it on. */
    struct setup_header h;
    size_t header_len = info.header_end - BZIMAGE_SETUP_HEADER_OFFSET;
    memset(&h, 0, sizeof h);
    memcpy(&h, file + BZIMAGE_SETUP_HEADER_OFFSET, header_len < sizeof h ? header_len : sizeof h);

    info.setup_sects = h.setup_sects ? h.setup_sects : 4;
    info.kernel_offset = (uint64_t)(info.setup_sects + 1) * 512;
    if (info.kernel_offset >= size)
        return BAD("%s: truncated bzImage: setup code of %u sectors (%llu bytes) leaves "
                   "no protected-mode kernel in the %llu-byte file", p, info.setup_sects,
                   (ull)info.kernel_offset, (ull)size);
    info.kernel_size = size - info.kernel_offset;
    /* syssize counts 16-byte paragraphs, rounded up: a kernel whose size
     * is not a multiple of 16 (memtest86+ as Debian ships it) claims up to
     * 15 bytes more than the file has. GRUB and QEMU load those; a real
     * truncation leaves at least a whole paragraph out. */
    if ((uint64_t)h.syssize * 16 >= info.kernel_size + 16)
        return BAD("%s: truncated bzImage: the setup header gives a %llu-byte kernel "
                   "(syssize), the file holds %llu bytes after the setup code", p,
                   (ull)h.syssize * 16, (ull)info.kernel_size);

    info.loadflags = h.loadflags;
    if (!(h.loadflags & LOADED_HIGH))
        return BAD("%s: a zImage (LOADED_HIGH clear in loadflags) that loads below 1 MiB; "
                   "wisp boots bzImages only", p);

    info.relocatable = h.relocatable_kernel != 0;
    info.kernel_alignment = h.kernel_alignment;
    if (info.relocatable && !is_power_of_two(h.kernel_alignment))
        return BAD("%s: relocatable kernel with kernel_alignment 0x%x, which is not a "
                   "power of two", p, h.kernel_alignment);

    info.code32_start = h.code32_start;
    info.cmdline_size = h.cmdline_size;
    info.initrd_addr_max = h.initrd_addr_max;

    if (info.version >= 0x0208) {
        info.payload_offset = h.payload_offset;
        info.payload_length = h.payload_length;
        if (info.payload_length &&
            ((uint64_t)info.payload_offset > info.kernel_size ||
             info.payload_length > info.kernel_size - info.payload_offset))
            return BAD("%s: compressed payload (offset 0x%x, %u bytes) lies outside the "
                       "%llu-byte protected-mode kernel; truncated?", p, info.payload_offset,
                       info.payload_length, (ull)info.kernel_size);
    }

    info.pref_address = LINUX_KERNEL_ADDR;
    if (info.version >= 0x020A) {
        if (h.pref_address)
            info.pref_address = h.pref_address;
        info.init_size = h.init_size;
    }
    if (info.pref_address >= BZIMAGE_MAX_PHYS)
        return BAD("%s: pref_address 0x%llx lies beyond any physical address", p,
                   (ull)info.pref_address);
    if (!info.relocatable && info.pref_address < LINUX_HIGH_MEMORY)
        return BAD("%s: non-relocatable kernel that runs at 0x%llx (pref_address), below "
                   "1 MiB", p, (ull)info.pref_address);
    if (info.version >= 0x020C) {
        info.xloadflags = h.xloadflags;
        info.has_entry64 = (h.xloadflags & XLF_KERNEL_64) != 0;
        info.above_4g = (h.xloadflags & XLF_CAN_BE_LOADED_ABOVE_4G) != 0;
    }
    *out = info;
    return 0;
}

/* ---- loading ---- */

int bzimage_unpack_payload(const char *path, const uint8_t *file, size_t size,
                           uint64_t max_size, uint8_t **out, size_t *out_size,
                           const char **method, struct wisp_error *err)
{
    struct bzimage_info info;
    if (bzimage_parse(path, file, size, &info, err) < 0)
        return -1;
    if (info.payload_length == 0)
        return BAD("%s: boot protocol %u.%02u has no payload fields to unpack; "
                   "--boot pvh needs protocol 2.08 or newer (or a vmlinux)",
                   path, info.version >> 8, info.version & 0xFF);
    /* bzimage_parse checked that the payload lies inside the file. */
    return linux_payload_unpack(path, file + info.kernel_offset + info.payload_offset,
                                info.payload_length, max_size, out, out_size, method, err);
}

static uint64_t align_up(uint64_t x, uint64_t align)
{
    return (x + align - 1) & ~(align - 1);
}

static uint64_t usable_end(const struct boot_e820_entry *map, unsigned n)
{
    uint64_t end = 0;
    for (unsigned i = 0; i < n; i++)
        if (map[i].type == E820_TYPE_RAM && map[i].addr + map[i].size > end)
            end = map[i].addr + map[i].size;
    return end;
}

int bzimage_load(struct guest_memory *gm, const char *path, const uint8_t *file, size_t size,
                 const struct bzimage_info *info, const struct linux_boot_params *params,
                 struct linux_boot_result *out, struct wisp_error *err)
{
    const char *p = path ? path : "kernel";
    const char *ip = params->initrd_path ? params->initrd_path : "initrd";
    struct linux_boot_result r;
    char sz[32], sz2[32];

    if (size != info->kernel_offset + info->kernel_size)
        return wisp_fail(err, WISP_EXIT_HOST_ERROR,
                         "%s: internal error: bzimage_load given a different file than "
                         "bzimage_parse", p);
    memset(&r, 0, sizeof r);

    struct boot_e820_entry map[LINUX_E820_MAX];
    unsigned entries = linux_memory_map(gm, map, LINUX_E820_MAX);
    uint64_t high_end = linux_high_memory_end(map, entries);
    uint64_t ram = guest_memory_ram_size(gm);

    /* Where the kernel runs while it decompresses (boot.rst, init_size):
     * a relocatable kernel moves itself up to pref_address and its
     * alignment, a fixed one runs at pref_address. Loading a relocatable
     * kernel right there saves it a move. */
    uint64_t base = info->pref_address > LINUX_HIGH_MEMORY ? info->pref_address
                                                           : LINUX_HIGH_MEMORY;
    uint64_t load, runtime;
    if (base > high_end || info->kernel_size > high_end) {
        load = runtime = base; /* reported as too little memory below */
    } else if (info->relocatable) {
        load = runtime = align_up(base, info->kernel_alignment);
    } else {
        load = LINUX_KERNEL_ADDR;
        runtime = info->pref_address;
    }
    uint64_t init = info->init_size ? info->init_size : info->kernel_size;
    uint64_t need = load + info->kernel_size;
    if (runtime + init > need)
        need = runtime + init;
    if (high_end == 0 || base > high_end || info->kernel_size > high_end || need > high_end)
        return USAGE("%s: too little memory for the kernel: it needs RAM up to 0x%llx "
                     "(loaded at 0x%llx, init_size %s) but the guest has %s; try -m %lluM "
                     "or more", p, (ull)need, (ull)load, linux_format_size(sz, init),
                     linux_format_size(sz2, ram),
                     (ull)((need + params->initrd_size + MiB - 1) / MiB));

    r.load_addr = load;
    r.load_size = info->kernel_size;
    r.kernel_end = need;
    r.entry32 = load;
    r.entry64 = info->has_entry64 ? load + BZIMAGE_ENTRY64_OFFSET : 0;
    r.zero_page = LINUX_ZERO_PAGE_ADDR;

    /* Command line: cmdline_size is its maximum length without the NUL. */
    const char *cmdline = params->cmdline ? params->cmdline : "";
    size_t len = strlen(cmdline);
    if (len > info->cmdline_size)
        return USAGE("%s: command line of %llu bytes is longer than the kernel's limit of "
                     "%u bytes (cmdline_size)", p, (ull)len, info->cmdline_size);
    if (len >= LINUX_CMDLINE_MAX)
        return USAGE("%s: command line of %llu bytes is longer than wisp's limit of %llu "
                     "bytes", p, (ull)len, (ull)(LINUX_CMDLINE_MAX - 1));
    r.cmdline_addr = LINUX_CMDLINE_ADDR;
    r.cmdline_len = len;

    /* Initrd: as high as initrd_addr_max allows, above everything the
     * kernel needs; above that limit only if the kernel says it can cope. */
    if (params->initrd_size > 0) {
        uint64_t size64 = params->initrd_size;
        uint64_t addr;
        int placed = linux_place_high(map, entries, size64, need, info->initrd_addr_max, &addr);
        if (placed < 0 && info->above_4g)
            placed = linux_place_high(map, entries, size64, need, UINT64_MAX, &addr);
        if (placed < 0)
            return USAGE("%s: initrd of %s does not fit in guest RAM between the kernel's "
                         "end (0x%llx) and 0x%llx (initrd_addr_max 0x%x, RAM ends at 0x%llx); "
                         "try a larger -m", ip, linux_format_size(sz, size64), (ull)need,
                         (ull)(info->above_4g ? usable_end(map, entries)
                                              : (uint64_t)info->initrd_addr_max + 1),
                         info->initrd_addr_max, (ull)usable_end(map, entries));
        r.initrd_addr = addr;
        r.initrd_size = size64;
    }

    /* The zero page: the file's setup header from 0x1F1 to its end, and
     * nothing else of the file (the sentinel at 0x1EF stays 0, so the kernel
     * trusts the fields a loader zeroes). */
    struct boot_params bp;
    memset(&bp, 0, sizeof bp);
    memcpy((uint8_t *)&bp + BZIMAGE_SETUP_HEADER_OFFSET, file + BZIMAGE_SETUP_HEADER_OFFSET,
           info->header_end - BZIMAGE_SETUP_HEADER_OFFSET);
    bp.hdr.type_of_loader = LINUX_TYPE_OF_LOADER_UNDEFINED;
    bp.hdr.ext_loader_ver = 0;
    bp.hdr.ext_loader_type = 0;
    bp.hdr.loadflags = (uint8_t)(info->loadflags | CAN_USE_HEAP);
    bp.hdr.heap_end_ptr = LINUX_HEAP_END_PTR;
    bp.hdr.code32_start = (uint32_t)load;
    bp.hdr.cmd_line_ptr = (uint32_t)r.cmdline_addr;
    bp.ext_cmd_line_ptr = (uint32_t)(r.cmdline_addr >> 32);
    bp.hdr.ramdisk_image = (uint32_t)r.initrd_addr;
    bp.ext_ramdisk_image = (uint32_t)(r.initrd_addr >> 32);
    bp.hdr.ramdisk_size = (uint32_t)r.initrd_size;
    bp.ext_ramdisk_size = (uint32_t)(r.initrd_size >> 32);
    bp.hdr.hardware_subarch = 0; /* a plain PC */
    bp.hdr.hardware_subarch_data = 0;
    bp.hdr.setup_data = 0;       /* no setup_data list */
    bp.acpi_rsdp_addr = params->acpi_rsdp;
    bp.e820_entries = (uint8_t)entries;
    memcpy(bp.e820_table, map, entries * sizeof map[0]);
    r.e820_entries = entries;

    /* Checked: every range is inside RAM. The accessors stay as the last
     * line of defence. */
    if (!guest_memory_write(gm, load, file + info->kernel_offset, info->kernel_size) ||
        !guest_memory_write(gm, r.cmdline_addr, cmdline, len + 1) ||
        (r.initrd_size && !guest_memory_write(gm, r.initrd_addr, params->initrd, r.initrd_size)) ||
        !guest_memory_write(gm, r.zero_page, &bp, sizeof bp))
        return wisp_fail(err, WISP_EXIT_HOST_ERROR,
                         "%s: internal error: guest memory refused a checked range", p);
    *out = r;
    return 0;
}
