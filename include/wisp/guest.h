/*
 * wisp guest ABI: what a kernel running under wisp may rely on.
 *
 * Freestanding: needs only <stdint.h> and <stddef.h>, so it compiles inside
 * a kernel with no libc, as C99/C11 or C++.
 *
 * Native boot: wisp enters the kernel's ELF entry point in 64-bit long mode
 * with paging on (the tables described below), interrupts off, and
 *   RDI = physical (and identity-mapped) address of struct wisp_boot_info
 *   RSP = WISP_STACK_TOP - 8 (so the entry sees the alignment of a call)
 * CS = 0x08 (64-bit code), DS = ES = SS = FS = GS = 0x10 (flat data); the
 * GDT at WISP_GDT_ADDR holds just those (null, code, data); no TSS is loaded
 * and IDTR is empty (limit 0). CR0 = PE|MP|ET|NE|WP|AM|PG, CR4 =
 * PAE|PGE|OSFXSR|OSXMMEXCPT, EFER = SCE|LME|LMA|NXE, RFLAGS = 0x2 (IF and DF
 * clear). The legacy PIC is not programmed (on both irqchips it is as KVM
 * creates it: vector base 0, every input unmasked): remap and mask it before
 * enabling interrupts. The LAPIC is at its reset state at WISP_LAPIC_ADDR.
 *
 * Loading: each PT_LOAD segment is copied to its p_paddr (at or above
 * WISP_BOOT_AREA_END, clear of the arena and the heap backing) and the rest
 * of p_memsz is zeroed (.bss). p_vaddr must equal p_paddr (identity map) or
 * WISP_PHYSMAP_BASE + p_paddr; the entry point must lie in an executable
 * segment.
 *
 * boot info: total_memory counts all RAM from 0 (reserved areas included);
 * framebuffer_size is stride * height, while the FRAMEBUFFER memory-map
 * entry covers the whole 16 MiB window; physmap_size is how much RAM from 0
 * the physical map covers (min(RAM, 1 GiB)).
 *
 * boot info extension: when flags has WISP_BOOT_FLAG_EXTENSION (wisp always
 * sets it), extension_phys points at struct wisp_boot_ext (versioned, see
 * below): the CPUs with their APIC IDs and AP mailboxes, the TSC frequency
 * and the LAPIC timer's input frequency, so a kernel need not calibrate.
 *
 * wisp's exit status: the guest's exit code (low 8 bits), 0 when the guest
 * idles with no timer armed (with several CPUs: when every CPU does), 119
 * when it halts with interrupts off for good (every CPU; no verdict), 123 on
 * a triple fault of any CPU, 124 on --timeout; see the README's "Using wisp
 * in CI". Give a verdict with WISP_HC_EXIT.
 *
 * Several CPUs (wisp run --cpus N, 1..WISP_MAX_CPUS): CPU 0, the bootstrap
 * processor (BSP, APIC ID 0), enters the kernel as above. The application
 * processors (APs, CPU i has APIC ID i) wait until the kernel starts them,
 * each in either of two ways, its choice, AP by AP:
 *
 * (a) INIT-SIPI-SIPI, as on a PC. The AP is in the architectural
 *     wait-for-SIPI state. The kernel copies a real-mode trampoline to a
 *     4 KiB-aligned page below 1 MiB that the memory map reports USABLE
 *     (0xC000-0x7FFFF; for example 0x70000), then writes its LAPIC's ICR
 *     (high half first, destination APIC ID in bits 31:24):
 *       ICR low = 0x0000C500   INIT, level-triggered, assert
 *       (ICR low = 0x00008500  INIT de-assert: accepted and ignored)
 *       wait 10 ms;  ICR low = 0x00000600 | page >> 12   start-up (SIPI)
 *       wait 200 us; the same start-up again (ignored if the first started it)
 *     The AP then runs in real mode at CS:IP = (page >> 4):0000 from the
 *     reset state (CR0 = 0x60000010, no paging, interrupts off). wisp's GDT
 *     (WISP_GDT_ADDR: 0x08 64-bit code, 0x10 data) and page tables
 *     (WISP_PML4_ADDR) stay valid until the kernel replaces them, so a
 *     trampoline can go straight to long mode: lgdt {23, WISP_GDT_ADDR};
 *     CR4 |= PAE; CR3 = WISP_PML4_ADDR; EFER |= LME (0xC0000080 bit 8);
 *     CR0 |= PE|PG in one write; a far jump to 0x08:<64-bit code below
 *     4 GiB>. tests/guests/lib/smp_trampoline.S is one, 50 lines. The ICR's
 *     delivery-status bit always reads idle. The same sequence restarts an
 *     AP that is running (INIT puts it back into wait-for-SIPI); INIT to
 *     the BSP is ignored by wisp's own LAPIC.
 *
 * (b) The wisp mailbox (the shape of Limine's SMP request). Each AP already
 *     runs in long mode in the BSP's entry state (wisp's GDT and page
 *     tables, the same CR0/CR4/EFER, interrupts off, IDTR empty), on a
 *     stack of its own, parked inside wisp until its struct wisp_cpu's
 *     goto_address becomes non-zero. The kernel writes extra_argument if it
 *     wants one, then goto_address with one aligned 64-bit store; within
 *     about a millisecond (N/8 ms for N > 8 CPUs: wisp polls) the AP jumps
 *     there with
 *       RDI = the (identity-mapped) physical address of its struct wisp_cpu,
 *       RSP = stack_top - 8 (the alignment of a call), RFLAGS = 0x2,
 *       every other general-purpose register 0.
 *     The entry must not return. Only the first non-zero goto_address
 *     counts; once an AP has started (either way) wisp no longer reads it.
 *
 * AP stacks: WISP_AP_STACK_SIZE bytes each from WISP_AP_STACKS_ADDR, AP i's
 * ending at stack_top = WISP_AP_STACKS_ADDR + i * WISP_AP_STACK_SIZE,
 * reported as BOOT_DATA in the memory map (only with more than one CPU;
 * kernel segments may not overlap them, and RAM must reach past them).
 * Both methods work with both interrupt controllers (--irqchip kernel:
 * KVM's in-kernel LAPIC; --irqchip user: wisp's own, which also delivers
 * fixed, lowest-priority, NMI and broadcast IPIs between CPUs).
 *
 * Hypercalls: RAX = number, RDI, RSI, RDX, RCX = arguments, result in RAX.
 * The trap is a one-byte `out` to WISP_HYPERCALL_PORT (immediate form, so no
 * argument register is needed for the port); on WHP a VMCALL with the same
 * registers reaches the same dispatcher.
 */
#ifndef WISP_GUEST_H
#define WISP_GUEST_H

/* Usable from assembly too: constants only, no C, under __ASSEMBLER__. */
#ifdef __ASSEMBLER__
#define WISP_U64(x) x
#else
#include <stddef.h>
#include <stdint.h>
#define WISP_U64(x) x##ull
#endif

/* Port 0xE4 is unused by PC chipsets (0xE9 is the Bochs/QEMU debug console,
 * 0xED Linux's delay port, 0xF0-0xFF the FPU). */
#define WISP_HYPERCALL_PORT 0xE4

#define WISP_HC_PRINT    0 /* RDI = guest-virtual address, RSI = length -> bytes written */
#define WISP_HC_EXIT     1 /* RDI = exit code; does not return */
#define WISP_HC_GET_TIME 2 /* -> host wall-clock time, ns since the Unix epoch */

/* Error results: unknown number, unreadable guest buffer (all of it is
 * checked before anything is printed: a partly mapped buffer prints
 * nothing). All registers but RAX are preserved by every call. */
#define WISP_HC_ERROR_UNKNOWN WISP_U64(0xFFFFFFFFFFFFFFFF) /* -1 */
#define WISP_HC_ERROR_FAULT   WISP_U64(0xFFFFFFFFFFFFFFFE) /* -2 */

/* print copies at most this many bytes per call; longer requests are cut. */
#define WISP_HC_PRINT_MAX 4096

#if !defined(__ASSEMBLER__) && (defined(__GNUC__) || defined(__clang__))
static inline uint64_t wisp_hypercall(uint64_t nr, uint64_t a0, uint64_t a1,
                                      uint64_t a2, uint64_t a3)
{
    uint64_t ret;
    __asm__ __volatile__("outb %%al, %[port]"
                         : "=a"(ret)
                         : "a"(nr), "D"(a0), "S"(a1), "d"(a2), "c"(a3),
                           [port] "i"(WISP_HYPERCALL_PORT)
                         : "memory");
    return ret;
}
#endif

/* ---- native boot layout (guest-physical addresses) ---- */

#define WISP_PML4_ADDR           WISP_U64(0x1000)   /* page tables 0x1000-0xAFFF */
#define WISP_PAGE_TABLES_END     WISP_U64(0xB000)
#define WISP_GDT_ADDR            WISP_U64(0xB000)
#define WISP_BOOT_INFO_ADDR      WISP_U64(0x80000)
#define WISP_MEMORY_MAP_ADDR     WISP_U64(0x80118)  /* right after the boot info */
#define WISP_MEMORY_MAP_MAX      64
#define WISP_STACK_BASE          WISP_U64(0x90000)
#define WISP_STACK_TOP           WISP_U64(0xA0000)
#define WISP_BOOT_AREA_END       WISP_U64(0x100000) /* kernels load at or above 1 MiB */
#define WISP_ARENA_ADDR          WISP_U64(0x1000000)
#define WISP_ARENA_SIZE          WISP_U64(0x1000000) /* 16 MiB, zeroed */
#define WISP_HEAP_PHYS           WISP_U64(0x2000000)
#define WISP_HEAP_SIZE           WISP_U64(0x4000000) /* 64 MiB behind PML4[384] */
#define WISP_FRAMEBUFFER_ADDR    WISP_U64(0xC0000000)
#define WISP_FRAMEBUFFER_WINDOW  WISP_U64(0x1000000) /* 16 MiB mapped as memory */
#define WISP_LAPIC_ADDR          WISP_U64(0xFEE00000)
#define WISP_BOOT_EXT_ADDR       WISP_U64(0x80800)  /* struct wisp_boot_ext */
#define WISP_CPU_TABLE_ADDR      WISP_U64(0x80840)  /* struct wisp_cpu[cpu_count] */
#define WISP_MAX_CPUS            64
#define WISP_AP_STACKS_ADDR      WISP_U64(0x6000000) /* after the heap backing */
#define WISP_AP_STACK_SIZE       WISP_U64(0x4000)    /* 16 KiB per AP */

/* ---- PCI (native and Linux boots alike) ----
 *
 * One PCI segment with one bus, bus 0, behind a host bridge at 00:00.0
 * (vendor 0x1B36, device 0x0008, class 0x060000). Configuration space is
 * reachable two ways:
 *   - ECAM (memory-mapped, PCIe style): function (0, dev, fn)'s 4 KiB at
 *     WISP_PCI_ECAM_BASE + (dev << 15) + (fn << 12); 32-bit (or 8/16-bit)
 *     naturally aligned accesses. Offsets 0x100-0xFFF read 0 (no extended
 *     capabilities). The window covers bus 0 only; Linux finds it in the
 *     ACPI MCFG table, and it is reserved in the e820 map.
 *   - configuration mechanism #1: the address (bit 31 enable, bus 23:16,
 *     device 15:11, function 10:8, register 7:2) as a 32-bit write to port
 *     0xCF8, then the data at 0xCFC-0xCFF.
 * Devices are single-function, on slots 1, 2, ... in the order of wisp's
 * command line: virtio disks (--disk, in order), network cards (--net, in
 * order), the virtio console (--console virtio), the entropy source
 * (--rng). A missing slot reads vendor 0xFFFF.
 *
 * wisp assigns every BAR before the guest starts, naturally aligned, in
 * [WISP_PCI_MMIO_BASE, +WISP_PCI_MMIO_SIZE), and turns memory decode on
 * (the command register's bit 1), as firmware would; a kernel may move
 * them (memory decode off while it sizes them, as usual). Bus mastering
 * is off until the driver sets bit 2.
 *
 * Interrupts: each device has MSI-X (messages to the LAPIC at
 * 0xFEE00000) and INTA. INTA of slot s goes to I/O APIC input
 * WISP_PCI_INTX_GSI(s) (level-triggered, active low, as the ACPI _PRT and
 * MP table say). A polled driver needs neither.
 *
 * virtio devices are virtio 1.x "modern" PCI devices: vendor 0x1AF4,
 * device 0x1040 + virtio device ID (0x1041 network, 0x1042 block, 0x1043
 * console, 0x1044 entropy), revision 1, their registers in BAR 0 as the
 * vendor-specific capabilities describe (common configuration at 0x0000,
 * ISR at 0x1000, device configuration at 0x2000, notifications at 0x3000
 * with a multiplier of 4, the MSI-X table at 0x4000 and its PBA at 0x5000).
 * Split virtqueues; feature bits VIRTIO_F_VERSION_1 (32) and
 * VIRTIO_F_RING_EVENT_IDX (29) are offered, VERSION_1 is required.
 * tests/guests/lib/virtio.c is a small polled driver for them. */
#define WISP_PCI_ECAM_BASE       WISP_U64(0xE0000000)
#define WISP_PCI_ECAM_SIZE       WISP_U64(0x100000)   /* bus 0: 32 devices x 8 functions x 4 KiB */
#define WISP_PCI_MMIO_BASE       WISP_U64(0xD0000000) /* BARs */
#define WISP_PCI_MMIO_SIZE       WISP_U64(0x10000000)
#define WISP_PCI_CONFIG_ADDRESS  0xCF8
#define WISP_PCI_CONFIG_DATA     0xCFC
#define WISP_PCI_INTX_GSI_BASE   16
/* The GSI (I/O APIC input) INTA..INTD (pin 0..3) of device slot goes to. */
#define WISP_PCI_INTX_GSI(slot, pin) (WISP_PCI_INTX_GSI_BASE + (((slot) + (pin)) & 7))

/* ---- virtual layout ---- */
#define WISP_PHYSMAP_BASE  WISP_U64(0xFFFF800000000000) /* PML4[256]: physical memory */
#define WISP_HEAP_BASE     WISP_U64(0xFFFFC00000000000) /* PML4[384]: heap backing */
#define WISP_RECURSIVE_SLOT 510                  /* PML4[510] points at the PML4 */

#define WISP_BOOT_INFO_MAGIC   WISP_U64(0x5345524150484254) /* "SERAPHTB" */
#define WISP_BOOT_INFO_VERSION 1

#define WISP_BOOT_FLAG_FRAMEBUFFER (1u << 0)
#define WISP_BOOT_FLAG_SERIAL      (1u << 1)
#define WISP_BOOT_FLAG_EXTENSION   (1u << 2) /* extension_phys is valid */

#define WISP_BOOT_EXT_MAGIC   WISP_U64(0x5458454250534957) /* "WISPBEXT" */
#define WISP_BOOT_EXT_VERSION 1

/* struct wisp_cpu flags, struct wisp_boot_ext ap_start bits. */
#define WISP_CPU_FLAG_BSP        (1u << 0)
#define WISP_AP_START_INIT_SIPI  (1u << 0)
#define WISP_AP_START_MAILBOX    (1u << 1)

#define WISP_FB_FORMAT_BGRA8 1 /* bytes in memory: B, G, R, A */

/* Memory-map descriptor types. */
#define WISP_MEMORY_USABLE      1 /* free RAM */
#define WISP_MEMORY_RESERVED    2 /* never use (real-mode area, holes) */
#define WISP_MEMORY_BOOT_DATA   3 /* page tables, GDT, boot info, stack */
#define WISP_MEMORY_KERNEL      4 /* the loaded ELF segments */
#define WISP_MEMORY_ARENA       5 /* primordial arena, zeroed */
#define WISP_MEMORY_HEAP        6 /* backing of the PML4[384] heap window */
#define WISP_MEMORY_FRAMEBUFFER 7 /* framebuffer window */

#ifndef __ASSEMBLER__

#if defined(_MSC_VER)
#pragma pack(push, 1)
#define WISP_PACKED
#else
#define WISP_PACKED __attribute__((packed))
#endif

struct WISP_PACKED wisp_memory_descriptor {
    uint64_t base;
    uint64_t length;
    uint32_t type;
    uint32_t attributes; /* reserved, 0 */
};

/* Seraph_BootInfo compatible, 280 bytes, at WISP_BOOT_INFO_ADDR. */
struct WISP_PACKED wisp_boot_info {
    uint64_t magic;                 /*   0 */
    uint32_t version;               /*   8 */
    uint32_t flags;                 /*  12 */
    uint64_t framebuffer_base;      /*  16 */
    uint64_t framebuffer_size;      /*  24 */
    uint32_t fb_width;              /*  32 */
    uint32_t fb_height;             /*  36 */
    uint32_t fb_stride;             /*  40, bytes per row */
    uint32_t fb_format;             /*  44 */
    uint64_t memory_map_base;       /*  48 */
    uint64_t memory_map_count;      /*  56 */
    uint64_t memory_map_desc_size;  /*  64 */
    uint64_t total_memory;          /*  72, bytes of RAM */
    uint64_t kernel_phys_start;     /*  80 */
    uint64_t kernel_phys_end;       /*  88 */
    uint64_t kernel_entry;          /*  96 */
    uint64_t stack_base;            /* 104 */
    uint64_t stack_size;            /* 112 */
    uint64_t serial_port;           /* 120, COM1 I/O base */
    uint64_t hypercall_port;        /* 128 */
    uint64_t primordial_arena_phys; /* 136 */
    uint64_t primordial_arena_size; /* 144 */
    uint64_t pml4_phys;             /* 152 */
    uint64_t physmap_base;          /* 160 */
    uint64_t physmap_size;          /* 168 */
    uint64_t heap_virt_base;        /* 176 */
    uint64_t heap_phys;             /* 184 */
    uint64_t heap_size;             /* 192 */
    uint64_t recursive_slot;        /* 200 */
    uint64_t boot_time_ns;          /* 208, host time when the guest started */
    uint64_t lapic_base;            /* 216 */
    uint64_t extension_phys;        /* 224, struct wisp_boot_ext (flag EXTENSION) */
    uint64_t reserved[6];           /* 232 .. 279 */
};

/* One per CPU, in processor_id order, at cpus_phys of the extension. For
 * an AP it is also its mailbox (see "Several CPUs" above). */
struct WISP_PACKED wisp_cpu {
    uint32_t processor_id;          /*  0, 0 .. cpu_count-1; 0 is the BSP */
    uint32_t lapic_id;              /*  4 */
    uint32_t flags;                 /*  8, WISP_CPU_FLAG_BSP */
    uint32_t reserved0;             /* 12 */
    uint64_t goto_address;          /* 16, mailbox: where the AP jumps (kernel writes) */
    uint64_t extra_argument;        /* 24, free for the kernel */
    uint64_t stack_top;             /* 32, end of this CPU's stack */
    uint64_t reserved[3];           /* 40 .. 63 */
};

/* Version 1, 64 bytes, at extension_phys (WISP_BOOT_EXT_ADDR). Later
 * versions only append fields and grow size; check version and size before
 * reading a field a version added. */
struct WISP_PACKED wisp_boot_ext {
    uint64_t magic;                 /*  0, WISP_BOOT_EXT_MAGIC */
    uint32_t version;               /*  8, WISP_BOOT_EXT_VERSION */
    uint32_t size;                  /* 12, bytes of this struct */
    uint64_t tsc_hz;                /* 16, the guest's TSC frequency, 0 if unknown */
    uint64_t lapic_timer_hz;        /* 24, LAPIC timer input clock (before the divide
                                     *     configuration): 1 GHz with KVM's, 100 MHz
                                     *     with wisp's own */
    uint32_t cpu_count;             /* 32 */
    uint32_t bsp_lapic_id;          /* 36 */
    uint64_t cpus_phys;             /* 40, struct wisp_cpu[cpu_count] */
    uint32_t cpu_desc_size;         /* 48, sizeof(struct wisp_cpu) */
    uint32_t ap_start;              /* 52, WISP_AP_START_* methods offered */
    uint64_t reserved;              /* 56 */
};

#if defined(_MSC_VER)
#pragma pack(pop)
#endif
#undef WISP_PACKED

#if defined(__cplusplus)
#define WISP_STATIC_ASSERT(cond, msg) static_assert(cond, msg)
#elif defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
#define WISP_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)
#else
#define WISP_STATIC_ASSERT_JOIN2(a, b) a##b
#define WISP_STATIC_ASSERT_JOIN(a, b) WISP_STATIC_ASSERT_JOIN2(a, b)
#define WISP_STATIC_ASSERT(cond, msg) \
    typedef char WISP_STATIC_ASSERT_JOIN(wisp_static_assert_, __LINE__)[(cond) ? 1 : -1]
#endif

WISP_STATIC_ASSERT(sizeof(struct wisp_memory_descriptor) == 24, "descriptor is 24 bytes");
WISP_STATIC_ASSERT(sizeof(struct wisp_boot_info) == 280, "boot info is 280 bytes");
WISP_STATIC_ASSERT(offsetof(struct wisp_boot_info, version) == 8, "version");
WISP_STATIC_ASSERT(offsetof(struct wisp_boot_info, flags) == 12, "flags");
WISP_STATIC_ASSERT(offsetof(struct wisp_boot_info, framebuffer_base) == 16, "fb base");
WISP_STATIC_ASSERT(offsetof(struct wisp_boot_info, framebuffer_size) == 24, "fb size");
WISP_STATIC_ASSERT(offsetof(struct wisp_boot_info, fb_width) == 32, "fb width");
WISP_STATIC_ASSERT(offsetof(struct wisp_boot_info, fb_height) == 36, "fb height");
WISP_STATIC_ASSERT(offsetof(struct wisp_boot_info, fb_stride) == 40, "fb stride");
WISP_STATIC_ASSERT(offsetof(struct wisp_boot_info, fb_format) == 44, "fb format");
WISP_STATIC_ASSERT(offsetof(struct wisp_boot_info, memory_map_base) == 48, "memory map");
WISP_STATIC_ASSERT(offsetof(struct wisp_boot_info, primordial_arena_phys) == 136, "arena");
WISP_STATIC_ASSERT(offsetof(struct wisp_boot_info, primordial_arena_size) == 144, "arena size");
WISP_STATIC_ASSERT(offsetof(struct wisp_boot_info, pml4_phys) == 152, "pml4");
WISP_STATIC_ASSERT(offsetof(struct wisp_boot_info, lapic_base) == 216, "lapic base");
WISP_STATIC_ASSERT(offsetof(struct wisp_boot_info, extension_phys) == 224, "extension");
WISP_STATIC_ASSERT(offsetof(struct wisp_boot_info, reserved) == 232, "reserved");
WISP_STATIC_ASSERT(WISP_BOOT_INFO_ADDR + sizeof(struct wisp_boot_info) == WISP_MEMORY_MAP_ADDR,
                   "memory map follows the boot info");

WISP_STATIC_ASSERT(sizeof(struct wisp_cpu) == 64, "CPU entry is 64 bytes");
WISP_STATIC_ASSERT(offsetof(struct wisp_cpu, lapic_id) == 4, "cpu lapic id");
WISP_STATIC_ASSERT(offsetof(struct wisp_cpu, flags) == 8, "cpu flags");
WISP_STATIC_ASSERT(offsetof(struct wisp_cpu, goto_address) == 16, "cpu goto address");
WISP_STATIC_ASSERT(offsetof(struct wisp_cpu, extra_argument) == 24, "cpu extra argument");
WISP_STATIC_ASSERT(offsetof(struct wisp_cpu, stack_top) == 32, "cpu stack top");
WISP_STATIC_ASSERT(sizeof(struct wisp_boot_ext) == 64, "boot extension is 64 bytes");
WISP_STATIC_ASSERT(offsetof(struct wisp_boot_ext, version) == 8, "ext version");
WISP_STATIC_ASSERT(offsetof(struct wisp_boot_ext, size) == 12, "ext size");
WISP_STATIC_ASSERT(offsetof(struct wisp_boot_ext, tsc_hz) == 16, "ext tsc hz");
WISP_STATIC_ASSERT(offsetof(struct wisp_boot_ext, lapic_timer_hz) == 24, "ext lapic hz");
WISP_STATIC_ASSERT(offsetof(struct wisp_boot_ext, cpu_count) == 32, "ext cpu count");
WISP_STATIC_ASSERT(offsetof(struct wisp_boot_ext, bsp_lapic_id) == 36, "ext bsp id");
WISP_STATIC_ASSERT(offsetof(struct wisp_boot_ext, cpus_phys) == 40, "ext cpus");
WISP_STATIC_ASSERT(offsetof(struct wisp_boot_ext, cpu_desc_size) == 48, "ext cpu size");
WISP_STATIC_ASSERT(offsetof(struct wisp_boot_ext, ap_start) == 52, "ext ap start");
WISP_STATIC_ASSERT(WISP_BOOT_EXT_ADDR >= WISP_MEMORY_MAP_ADDR +
                       WISP_MEMORY_MAP_MAX * sizeof(struct wisp_memory_descriptor),
                   "extension after the largest memory map");
WISP_STATIC_ASSERT(WISP_CPU_TABLE_ADDR == WISP_BOOT_EXT_ADDR + sizeof(struct wisp_boot_ext),
                   "CPU table follows the extension");
WISP_STATIC_ASSERT(WISP_CPU_TABLE_ADDR + WISP_MAX_CPUS * sizeof(struct wisp_cpu) <= WISP_STACK_BASE,
                   "CPU table fits below the stack");

#endif /* !__ASSEMBLER__ */

#endif /* WISP_GUEST_H */
