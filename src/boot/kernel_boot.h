/*
 * What the boot protocols of other people's kernels share (Multiboot 1,
 * Multiboot 2, Limine): the modules given with --module, a bump allocator
 * for boot information in an area wisp owns, the framebuffer wisp offers,
 * and the platform facts (RAM map, ACPI RSDP) each protocol reports in its
 * own format.
 *
 * Physical layout of a Multiboot boot (the Limine loader has its own, see
 * limine.h):
 *
 *   0x00000-0x004FF  real-mode IVT and BIOS data area (left zero)
 *   0x00500-0x0051F  GDT: null, null, 0x10 code, 0x18 data (linux_entry.h)
 *   0x08000-0x08FFF  stack (ESP = 0x9000 at entry; the kernel sets its own)
 *   0x10000-0x8FFFF  boot information: the info structure or tags, memory
 *                    map, command lines, module list, loader name
 *   0x9FC00-0x9FFFF  EBDA                         memory map: reserved
 *   0xA0000-0xDFFFF  VGA window, option ROMs       memory map: absent
 *   0xE0000-0xFFFFF  BIOS area: ACPI tables, MP table, the BIOS-call stubs
 *                    at 0xFFE00 (kboot_write_bios_data_area)  memory map: reserved
 *   0x100000-        the kernel (at or above 1 MiB), then the modules,
 *                    page-aligned, in the order given
 *   0xC0000000       the framebuffer window (16 MiB, not RAM)
 *
 * The boot information lies in memory the map calls usable, as GRUB's
 * does: a kernel copies what it needs before it reuses low memory.
 */
#ifndef WISP_BOOT_KERNEL_BOOT_H
#define WISP_BOOT_KERNEL_BOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/guest_memory.h"
#include "linux_layout.h"

#define KBOOT_INFO_AREA_BASE 0x10000ull
#define KBOOT_INFO_AREA_END  0x90000ull
#define KBOOT_KERNEL_MIN     0x100000ull /* 1 MiB: below is wisp's */
#define KBOOT_MAX_MODULES    64
#define KBOOT_LOADER_NAME    "wisp"

/* One --module FILE[,cmdline] (--initrd is the first). */
struct kboot_module {
    const char *path;     /* for messages and Limine's path field */
    const char *cmdline;  /* NULL means empty */
    const uint8_t *data;
    size_t size;
};

/* The framebuffer wisp can offer. KBOOT_FB_EGA_TEXT is Multiboot's "text
 * mode" answer (type 2, 80x25 at 0xB8000), given to a kernel that asks for
 * text when the VM has the VGA text screen (--vga-text); otherwise a kernel
 * asking for text gets the linear one. */
enum kboot_fb_kind { KBOOT_FB_NONE, KBOOT_FB_RGB, KBOOT_FB_EGA_TEXT };

struct kboot_framebuffer {
    enum kboot_fb_kind kind;
    uint64_t addr;
    uint32_t width, height, pitch; /* pitch in bytes; text: in characters * 2 */
    uint8_t bpp;                   /* 32 (BGRA8: red at bit 16, green 8, blue 0) */
};

/* What the loaders are given besides the kernel file. */
struct kboot_params {
    const char *cmdline;               /* NULL means empty */
    const struct kboot_module *modules;
    unsigned module_count;
    struct kboot_framebuffer fb;       /* what the platform offers */
    bool text_mode_available;          /* the VGA text screen exists (--vga-text) */
    uint64_t acpi_rsdp;                /* 0 if none */
    uint64_t boot_time;                /* Unix seconds (Limine's boot time) */
    const char *loader_version;        /* Limine's bootloader info */
    unsigned cpus;                     /* Limine's SMP answer: 1 until SMP lands */
};

/* A framebuffer request: 0 means "no preference". */
struct kboot_fb_request {
    bool text;                /* the kernel prefers EGA text */
    uint32_t width, height, depth;
};

/* Answers a kernel's framebuffer request with what the platform has: the
 * linear framebuffer at wisp's resolution (a Multiboot kernel's preferred
 * width and height become that resolution when --framebuffer is not given:
 * vm_kboot.c, before the framebuffer exists). */
struct kboot_framebuffer kboot_answer_framebuffer(const struct kboot_params *params,
                                                  const struct kboot_fb_request *req);

/* Bump allocator over an area of guest RAM that wisp owns. */
struct kboot_area {
    uint64_t base, end, cursor;
};

void kboot_area_init(struct kboot_area *a, uint64_t base, uint64_t end);

/* Reserves size bytes aligned to align (a power of two); 0 when the area is
 * full (the caller names what did not fit). */
uint64_t kboot_area_alloc(struct kboot_area *a, uint64_t size, uint64_t align);

/* Copies bytes into the area; returns their address or 0. */
uint64_t kboot_area_put(struct kboot_area *a, struct guest_memory *gm, const void *bytes,
                        uint64_t size, uint64_t align);

/* A NUL-terminated string (NULL = ""). */
uint64_t kboot_area_put_string(struct kboot_area *a, struct guest_memory *gm, const char *s);

/* Places the modules one after the other from *cursor (each start aligned
 * to align), inside the usable RAM of map and below limit (exclusive), and
 * copies them. addrs[i] gets module i's address; *cursor moves past the
 * last. A module that does not fit gets a one-line error naming it
 * (WISP_EXIT_BAD_KERNEL: status 121, as a kernel that does not fit). */
int kboot_place_modules(struct guest_memory *gm, const struct boot_e820_entry *map,
                        unsigned entries, const struct kboot_module *modules, unsigned count,
                        uint64_t align, uint64_t limit, uint64_t *cursor, uint64_t *addrs,
                        struct wisp_error *err);

/* The RAM map every protocol reports (linux_memory_map: usable RAM, EBDA
 * and BIOS area reserved, the VGA hole absent). */
unsigned kboot_memory_map(const struct guest_memory *gm, struct boot_e820_entry *out,
                          unsigned max);

/* What a PC BIOS leaves behind that kernels booted by a BIOS loader read:
 * the BIOS data area words (COM1's base at 0x400, the EBDA's segment at
 * 0x40E = 0x9FC0, the base memory size in KiB at 0x413 = 639: Xen places
 * its trampoline below that EBDA), the EBDA's own size word (1 KiB), and
 * an interrupt vector table whose every vector leads to a stub in the BIOS
 * area (KBOOT_BIOS_STUBS): a real-mode INT for a BIOS service returns
 * "unsupported" (AH = 0x86, CF set) instead of jumping to 0000:0000, and a
 * hardware interrupt vector (0x08-0x0F, 0x70-0x77) just returns. wisp has
 * no BIOS: kernels that ask it for video modes or disks learn that cleanly. */
#define KBOOT_BIOS_STUBS 0xFFE00ull /* F000:FE00, past the MP table */
void kboot_write_bios_data_area(struct guest_memory *gm);

/* The string a Multiboot loader passes with a module, as GRUB and QEMU
 * do: the file name, then its arguments ("initrd.img", "mod.bin arg=1").
 * malloc'd; NULL when the host is out of memory. */
char *kboot_module_string(const struct kboot_module *m);

/* True if file holds gzip data (magic 1F 8B): GRUB unpacks such kernels. */
bool kboot_is_gzip(const uint8_t *file, size_t size);

#endif
