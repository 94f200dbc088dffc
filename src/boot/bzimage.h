/*
 * bzImage loader following the Linux/x86 boot protocol
 * (Documentation/arch/x86/boot.rst and zero-page.rst): the setup header is
 * parsed and checked from the file bytes, then the protected-mode kernel,
 * the command line and the initrd are placed in guest memory and the zero
 * page (struct boot_params) is filled for the 32- or 64-bit entry.
 *
 * The structures below are written from the protocol's offset tables; each
 * offset the loader relies on is asserted. Field names are the protocol's,
 * so a reader can search the documentation for them.
 */
#ifndef WISP_BOOT_BZIMAGE_H
#define WISP_BOOT_BZIMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/guest_memory.h"
#include "linux_layout.h"

/* ---- the setup header (file offset 0x1F1, zero-page offset 0x1F1) ---- */

#define BZIMAGE_SETUP_HEADER_OFFSET 0x1F1u
#define BZIMAGE_BOOT_FLAG           0xAA55u     /* at 0x1FE */
#define BZIMAGE_HEADER_MAGIC        0x53726448u /* "HdrS" at 0x202 */
#define BZIMAGE_MIN_PROTOCOL        0x0206u     /* cmdline_size appears in 2.06 */
#define BZIMAGE_ENTRY64_OFFSET      0x200u      /* 64-bit entry: load address + 0x200 */
#define BZIMAGE_SETUP_HEADER_MAX    0x290u      /* edd_mbr_sig_buffer starts here */

/* loadflags */
#define LOADED_HIGH   (1u << 0) /* protected-mode code loads at 0x100000 */
#define KASLR_FLAG    (1u << 1) /* set by the kernel */
#define QUIET_FLAG    (1u << 5)
#define KEEP_SEGMENTS (1u << 6) /* obsolete */
#define CAN_USE_HEAP  (1u << 7) /* heap_end_ptr is valid */

/* xloadflags (protocol 2.12+) */
#define XLF_KERNEL_64              (1u << 0) /* 64-bit entry at load address + 0x200 */
#define XLF_CAN_BE_LOADED_ABOVE_4G (1u << 1) /* kernel/boot_params/cmdline/ramdisk */
#define XLF_EFI_HANDOVER_32        (1u << 2)
#define XLF_EFI_HANDOVER_64        (1u << 3)
#define XLF_EFI_KEXEC              (1u << 4)
#define XLF_5LEVEL                 (1u << 5)
#define XLF_5LEVEL_ENABLED         (1u << 6)

#define LINUX_TYPE_OF_LOADER_UNDEFINED 0xFF /* a loader with no assigned id */
#define LINUX_HEAP_END_PTR             0xFE00 /* as a 16-bit loader sets it */

struct __attribute__((packed)) setup_header {
    uint8_t  setup_sects;           /* 0x1F1 */
    uint16_t root_flags;            /* 0x1F2 */
    uint32_t syssize;               /* 0x1F4, 16-byte paragraphs */
    uint16_t ram_size;              /* 0x1F8, obsolete */
    uint16_t vid_mode;              /* 0x1FA */
    uint16_t root_dev;              /* 0x1FC */
    uint16_t boot_flag;             /* 0x1FE, 0xAA55 */
    uint16_t jump;                  /* 0x200, its second byte gives the header's end */
    uint32_t header;                /* 0x202, "HdrS" */
    uint16_t version;               /* 0x206, major << 8 | minor */
    uint32_t realmode_swtch;        /* 0x208 */
    uint16_t start_sys_seg;         /* 0x20C, obsolete */
    uint16_t kernel_version;        /* 0x20E */
    uint8_t  type_of_loader;        /* 0x210 */
    uint8_t  loadflags;             /* 0x211 */
    uint16_t setup_move_size;       /* 0x212 */
    uint32_t code32_start;          /* 0x214 */
    uint32_t ramdisk_image;         /* 0x218 */
    uint32_t ramdisk_size;          /* 0x21C */
    uint32_t bootsect_kludge;       /* 0x220, obsolete */
    uint16_t heap_end_ptr;          /* 0x224 */
    uint8_t  ext_loader_ver;        /* 0x226 */
    uint8_t  ext_loader_type;       /* 0x227 */
    uint32_t cmd_line_ptr;          /* 0x228 */
    uint32_t initrd_addr_max;       /* 0x22C, highest byte the initrd may occupy */
    uint32_t kernel_alignment;      /* 0x230 */
    uint8_t  relocatable_kernel;    /* 0x234 */
    uint8_t  min_alignment;         /* 0x235, log2 */
    uint16_t xloadflags;            /* 0x236 */
    uint32_t cmdline_size;          /* 0x238, maximum length without the NUL */
    uint32_t hardware_subarch;      /* 0x23C */
    uint64_t hardware_subarch_data; /* 0x240 */
    uint32_t payload_offset;        /* 0x248, from the protected-mode kernel's start */
    uint32_t payload_length;        /* 0x24C */
    uint64_t setup_data;            /* 0x250 */
    uint64_t pref_address;          /* 0x258 */
    uint32_t init_size;             /* 0x260 */
    uint32_t handover_offset;       /* 0x264 */
    uint32_t kernel_info_offset;    /* 0x268 */
};

/* ---- the zero page ---- */

struct __attribute__((packed)) boot_params {
    uint8_t  screen_info[0x40];         /* 0x000 */
    uint8_t  apm_bios_info[0x14];       /* 0x040 */
    uint8_t  pad_054[4];                /* 0x054 */
    uint64_t tboot_addr;                /* 0x058 */
    uint8_t  ist_info[0x10];            /* 0x060 */
    uint64_t acpi_rsdp_addr;            /* 0x070, protocol 2.14+ */
    uint8_t  pad_078[8];                /* 0x078 */
    uint8_t  hd0_info[0x10];            /* 0x080 */
    uint8_t  hd1_info[0x10];            /* 0x090 */
    uint8_t  sys_desc_table[0x10];      /* 0x0A0 */
    uint8_t  olpc_ofw_header[0x10];     /* 0x0B0 */
    uint32_t ext_ramdisk_image;         /* 0x0C0, bits 63:32 of ramdisk_image */
    uint32_t ext_ramdisk_size;          /* 0x0C4 */
    uint32_t ext_cmd_line_ptr;          /* 0x0C8 */
    uint8_t  pad_0cc[0x13C - 0x0CC];    /* 0x0CC */
    uint32_t cc_blob_address;           /* 0x13C */
    uint8_t  edid_info[0x80];           /* 0x140 */
    uint8_t  efi_info[0x20];            /* 0x1C0 */
    uint32_t alt_mem_k;                 /* 0x1E0 */
    uint32_t scratch;                   /* 0x1E4 */
    uint8_t  e820_entries;              /* 0x1E8 */
    uint8_t  eddbuf_entries;            /* 0x1E9 */
    uint8_t  edd_mbr_sig_buf_entries;   /* 0x1EA */
    uint8_t  kbd_status;                /* 0x1EB */
    uint8_t  secure_boot;               /* 0x1EC */
    uint8_t  pad_1ed[2];                /* 0x1ED */
    uint8_t  sentinel;                  /* 0x1EF, must stay 0: see the copy */
    uint8_t  pad_1f0;                   /* 0x1F0 */
    struct setup_header hdr;            /* 0x1F1 */
    uint8_t  pad_26c[BZIMAGE_SETUP_HEADER_MAX - 0x26C]; /* 0x26C */
    uint32_t edd_mbr_sig_buffer[16];    /* 0x290 */
    struct boot_e820_entry e820_table[LINUX_E820_MAX]; /* 0x2D0 */
    uint8_t  pad_cd0[0xD00 - 0xCD0];    /* 0xCD0 */
    uint8_t  eddbuf[0x1EC];             /* 0xD00 */
    uint8_t  pad_eec[0x1000 - 0xEEC];   /* 0xEEC */
};

#define BP_ASSERT(field, off) \
    _Static_assert(offsetof(struct boot_params, field) == (off), #field " at " #off)
_Static_assert(sizeof(struct boot_params) == 4096, "the zero page is 4096 bytes");
_Static_assert(sizeof(struct setup_header) == 0x26C - 0x1F1, "setup_header ends at 0x26C");
BP_ASSERT(acpi_rsdp_addr, 0x070);
BP_ASSERT(ext_ramdisk_image, 0x0C0);
BP_ASSERT(ext_ramdisk_size, 0x0C4);
BP_ASSERT(ext_cmd_line_ptr, 0x0C8);
BP_ASSERT(cc_blob_address, 0x13C);
BP_ASSERT(edid_info, 0x140);
BP_ASSERT(efi_info, 0x1C0);
BP_ASSERT(alt_mem_k, 0x1E0);
BP_ASSERT(scratch, 0x1E4);
BP_ASSERT(e820_entries, 0x1E8);
BP_ASSERT(sentinel, 0x1EF);
BP_ASSERT(hdr, 0x1F1);
BP_ASSERT(hdr.setup_sects, 0x1F1);
BP_ASSERT(hdr.syssize, 0x1F4);
BP_ASSERT(hdr.vid_mode, 0x1FA);
BP_ASSERT(hdr.boot_flag, 0x1FE);
BP_ASSERT(hdr.jump, 0x200);
BP_ASSERT(hdr.header, 0x202);
BP_ASSERT(hdr.version, 0x206);
BP_ASSERT(hdr.type_of_loader, 0x210);
BP_ASSERT(hdr.loadflags, 0x211);
BP_ASSERT(hdr.code32_start, 0x214);
BP_ASSERT(hdr.ramdisk_image, 0x218);
BP_ASSERT(hdr.ramdisk_size, 0x21C);
BP_ASSERT(hdr.heap_end_ptr, 0x224);
BP_ASSERT(hdr.ext_loader_ver, 0x226);
BP_ASSERT(hdr.cmd_line_ptr, 0x228);
BP_ASSERT(hdr.initrd_addr_max, 0x22C);
BP_ASSERT(hdr.kernel_alignment, 0x230);
BP_ASSERT(hdr.relocatable_kernel, 0x234);
BP_ASSERT(hdr.min_alignment, 0x235);
BP_ASSERT(hdr.xloadflags, 0x236);
BP_ASSERT(hdr.cmdline_size, 0x238);
BP_ASSERT(hdr.hardware_subarch, 0x23C);
BP_ASSERT(hdr.payload_offset, 0x248);
BP_ASSERT(hdr.payload_length, 0x24C);
BP_ASSERT(hdr.setup_data, 0x250);
BP_ASSERT(hdr.pref_address, 0x258);
BP_ASSERT(hdr.init_size, 0x260);
BP_ASSERT(hdr.handover_offset, 0x264);
BP_ASSERT(hdr.kernel_info_offset, 0x268);
BP_ASSERT(edd_mbr_sig_buffer, 0x290);
BP_ASSERT(e820_table, 0x2D0);
BP_ASSERT(eddbuf, 0xD00);
#undef BP_ASSERT

/* ---- what the loader learns from the file ---- */

struct bzimage_info {
    uint16_t version;           /* boot protocol, major << 8 | minor */
    unsigned setup_sects;       /* as used: 0 in the file means 4 */
    uint32_t header_end;        /* 0x202 + the byte at 0x201 */
    uint64_t kernel_offset;     /* file offset of the protected-mode kernel */
    uint64_t kernel_size;       /* its bytes: the rest of the file */
    uint8_t loadflags;
    uint16_t xloadflags;        /* 0 before protocol 2.12 */
    bool relocatable;
    bool has_entry64;           /* XLF_KERNEL_64 */
    bool above_4g;              /* XLF_CAN_BE_LOADED_ABOVE_4G */
    uint32_t kernel_alignment;  /* a power of two when relocatable */
    uint64_t pref_address;      /* LINUX_KERNEL_ADDR before protocol 2.10 */
    uint32_t init_size;         /* 0 before 2.10: then the image size is used */
    uint32_t cmdline_size;
    uint32_t initrd_addr_max;
    uint32_t code32_start;
    uint32_t payload_offset;    /* from kernel_offset (2.08+, else 0) */
    uint32_t payload_length;
};

/* Reads and checks the setup header of a bzImage (file, size bytes, named
 * path in messages). Returns 0, or -1 with a one-line err
 * (WISP_EXIT_BAD_KERNEL); *out is only written on success. */
int bzimage_parse(const char *path, const uint8_t *file, size_t size,
                  struct bzimage_info *out, struct wisp_error *err);

/* Unpacks the compressed vmlinux a bzImage carries (payload_offset and
 * payload_length of the setup header) on the host: *out is a malloc'd ELF
 * of *out_size bytes, at most max_size; method names the compression
 * (linux_payload_unpack in payload_unpack.h does the work). Returns 0, or
 * -1 with one line in err (a protocol before 2.08 has no payload fields). */
int bzimage_unpack_payload(const char *path, const uint8_t *file, size_t size,
                           uint64_t max_size, uint8_t **out, size_t *out_size,
                           const char **method, struct wisp_error *err);

/* Where bzimage_load put things. */
struct linux_boot_result {
    uint64_t zero_page;        /* ESI/RSI at entry */
    uint64_t entry32;          /* code32_start: the load address */
    uint64_t entry64;          /* load address + 0x200; 0 without XLF_KERNEL_64 */
    uint64_t load_addr;        /* protected-mode kernel */
    uint64_t load_size;
    uint64_t kernel_end;       /* one past the memory the kernel needs while it
                                * decompresses (runtime start + init_size) */
    uint64_t cmdline_addr;
    uint64_t cmdline_len;      /* without the NUL */
    uint64_t initrd_addr;      /* 0 if none */
    uint64_t initrd_size;
    unsigned e820_entries;
};

/* Places the protected-mode kernel, the command line and the initrd in gm
 * and writes the zero page at LINUX_ZERO_PAGE_ADDR. Everything is checked
 * first: on failure guest memory is unchanged and err holds one line
 * (WISP_EXIT_BAD_KERNEL for a kernel or initrd that cannot boot,
 * WISP_EXIT_USAGE for a command line or memory size the user must change). */
int bzimage_load(struct guest_memory *gm, const char *path, const uint8_t *file, size_t size,
                 const struct bzimage_info *info, const struct linux_boot_params *params,
                 struct linux_boot_result *out, struct wisp_error *err);

#endif
