/*
 * wisp_lib: a tiny freestanding support library for kernels booted by wisp.
 *
 * It is what the test guests in tests/guests/ are built on, and it is meant
 * to be read as an example: everything a hobby kernel needs to talk to wisp
 * fits in this header, wisp_lib.c, start.S and isr.S.
 *
 *   - the debug hypercalls of <wisp/guest.h> (print, exit, get_time);
 *   - a small printf-like formatter (%s %d %u %x %lx %llx %c %p, width, 0, -);
 *   - COM1 (16550 UART at 0x3F8): polled output and input;
 *   - port I/O, MSR, control-register helpers;
 *   - an IDT whose 256 vectors all go through one assembly stub (isr.S) to
 *     wisp_interrupt_dispatch(); exceptions without a handler print the
 *     vector, error code and RIP and exit with WISP_EXIT_EXCEPTION;
 *   - the local APIC (xAPIC MMIO at 0xFEE00000) and its timer, calibrated
 *     against the get_time hypercall;
 *   - the 8259A PIC pair and the 8254 PIT;
 *   - framebuffer rectangle fills;
 *   - several CPUs (wisp run --cpus N): the boot info extension, starting
 *     APs through their wisp mailbox or with INIT-SIPI-SIPI and a real-mode
 *     trampoline (wisp_smp.c, smp_trampoline.S), IPIs.
 *
 * Entry: start.S calls `int kmain(struct wisp_boot_info *bi)` and passes its
 * return value to the exit hypercall, so returning from kmain ends the VM
 * with that exit status.
 *
 * Build with -ffreestanding -mgeneral-regs-only -mno-red-zone (see guest.mk):
 * the interrupt stubs save only general-purpose registers.
 */
#ifndef WISP_LIB_H
#define WISP_LIB_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <wisp/guest.h>

/* Exit codes the library itself uses (guests use 0 for pass, 1.. for fail). */
#define WISP_EXIT_EXCEPTION  99 /* a CPU exception with no handler */
#define WISP_EXIT_UNEXPECTED 98 /* an interrupt vector with no handler */

#define WISP_PRINTF(fmt_idx, arg_idx) __attribute__((format(printf, fmt_idx, arg_idx)))
#define WISP_NORETURN __attribute__((noreturn))

/* The guest's entry point, called by start.S with RDI from wisp. */
int kmain(struct wisp_boot_info *bi);

/* ---- hypercalls ---- */

/* Print len bytes at a guest-virtual address; returns bytes written or a
 * WISP_HC_ERROR_* value. Longer than WISP_HC_PRINT_MAX is cut by wisp. */
static inline uint64_t wisp_hc_print(const void *buf, uint64_t len)
{
    return wisp_hypercall(WISP_HC_PRINT, (uint64_t)(uintptr_t)buf, len, 0, 0);
}

/* Host wall-clock time in nanoseconds since the Unix epoch. */
static inline uint64_t wisp_time_ns(void)
{
    return wisp_hypercall(WISP_HC_GET_TIME, 0, 0, 0, 0);
}

/* End the VM; wisp exits with `code`. */
WISP_NORETURN void wisp_exit(uint64_t code);

/* Print a NUL-terminated string (any length, split into WISP_HC_PRINT_MAX
 * chunks). Returns 0 on success, -1 if wisp reported an error. */
int wisp_puts(const char *s);
int wisp_write(const void *buf, size_t len);

/* ---- formatting ---- */

/* Supports %s %c %d %i %u %x %X %p %% with optional '-', '0', a decimal
 * width and the length modifiers l, ll, z. Always NUL-terminates (if
 * size > 0); returns the length the full output would have had. */
int wisp_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int wisp_snprintf(char *buf, size_t size, const char *fmt, ...) WISP_PRINTF(3, 4);

/* printf over the print hypercall (output longer than 512 bytes is cut). */
int wisp_printf(const char *fmt, ...) WISP_PRINTF(1, 2);
/* printf over COM1. */
int wisp_serial_printf(const char *fmt, ...) WISP_PRINTF(1, 2);

/* ---- freestanding string helpers (the compiler may also call these) ---- */
void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);

/* ---- CPU helpers ---- */

static inline void outb(uint16_t port, uint8_t v)
{
    __asm__ __volatile__("outb %0, %1" : : "a"(v), "Nd"(port));
}
static inline uint8_t inb(uint16_t port)
{
    uint8_t v;
    __asm__ __volatile__("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
static inline void outw(uint16_t port, uint16_t v)
{
    __asm__ __volatile__("outw %0, %1" : : "a"(v), "Nd"(port));
}
static inline uint16_t inw(uint16_t port)
{
    uint16_t v;
    __asm__ __volatile__("inw %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
static inline void outl(uint16_t port, uint32_t v)
{
    __asm__ __volatile__("outl %0, %1" : : "a"(v), "Nd"(port));
}
static inline uint32_t inl(uint16_t port)
{
    uint32_t v;
    __asm__ __volatile__("inl %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static inline uint64_t rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    __asm__ __volatile__("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return ((uint64_t)hi << 32) | lo;
}
static inline void wrmsr(uint32_t msr, uint64_t v)
{
    __asm__ __volatile__("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

static inline uint64_t read_cr3(void)
{
    uint64_t v;
    __asm__ __volatile__("mov %%cr3, %0" : "=r"(v));
    return v;
}
static inline uint64_t read_cr2(void)
{
    uint64_t v;
    __asm__ __volatile__("mov %%cr2, %0" : "=r"(v));
    return v;
}

static inline void cli(void) { __asm__ __volatile__("cli" : : : "memory"); }
static inline void sti(void) { __asm__ __volatile__("sti" : : : "memory"); }
static inline void hlt(void) { __asm__ __volatile__("hlt" : : : "memory"); }

/* Enable interrupts and halt until one arrives, without a window in which an
 * interrupt could be taken between the check and the HLT (STI delays
 * interrupts by one instruction). Returns with interrupts disabled again, so
 * the caller can re-check its condition:
 *     cli(); while (!done) wisp_wait_for_interrupt();
 */
static inline void wisp_wait_for_interrupt(void)
{
    __asm__ __volatile__("sti; hlt; cli" : : : "memory");
}

/* Halt forever with interrupts disabled (nothing but an NMI wakes us). */
WISP_NORETURN void wisp_halt_forever(void);

/* 32-bit MMIO access (the identity map covers 0..4 GiB). */
static inline uint32_t mmio_read32(uint64_t addr)
{
    return *(volatile uint32_t *)(uintptr_t)addr;
}
static inline void mmio_write32(uint64_t addr, uint32_t v)
{
    *(volatile uint32_t *)(uintptr_t)addr = v;
}

/* ---- COM1 ---- */

#define WISP_COM1 0x3F8

void wisp_serial_init(void);                  /* 115200 8N1, FIFOs on */
void wisp_serial_putc(char c);
void wisp_serial_write(const void *buf, size_t len);
void wisp_serial_puts(const char *s);
int wisp_serial_getc_nonblock(void);          /* -1 when nothing is waiting */
char wisp_serial_getc(void);                  /* polls until a byte arrives */
/* Raise IRQ4 when a byte arrives (unmask IRQ4 at the PIC to receive it). */
void wisp_serial_enable_rx_interrupt(void);

/* ---- interrupts ---- */

/* What isr.S pushes, lowest address first. */
struct wisp_interrupt_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector;
    uint64_t error_code; /* 0 for vectors without one */
    uint64_t rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};

typedef void (*wisp_interrupt_handler)(struct wisp_interrupt_frame *frame);

/* Fill all 256 IDT gates with the isr.S stubs and load the IDT. */
void wisp_idt_init(void);
/* Route a vector to a C handler (NULL restores the default). */
void wisp_set_interrupt_handler(uint8_t vector, wisp_interrupt_handler fn);
/* Called by isr.S for every interrupt and exception. */
void wisp_interrupt_dispatch(struct wisp_interrupt_frame *frame);
/* Short name of an exception vector ("#PF"), or "IRQ". */
const char *wisp_exception_name(uint64_t vector);

/* ---- local APIC ---- */

#define WISP_LAPIC_ID          0x020
#define WISP_LAPIC_LDR         0x0D0
#define WISP_LAPIC_DFR         0x0E0
#define WISP_LAPIC_ICR_LOW     0x300
#define WISP_LAPIC_ICR_HIGH    0x310
#define WISP_LAPIC_VERSION     0x030
#define WISP_LAPIC_TPR         0x080
#define WISP_LAPIC_EOI         0x0B0
#define WISP_LAPIC_SVR         0x0F0
#define WISP_LAPIC_LVT_TIMER   0x320
#define WISP_LAPIC_LVT_LINT0   0x350
#define WISP_LAPIC_LVT_LINT1   0x360
#define WISP_LAPIC_TIMER_INIT  0x380
#define WISP_LAPIC_TIMER_CUR   0x390
#define WISP_LAPIC_TIMER_DIV   0x3E0

#define WISP_LAPIC_SPURIOUS_VECTOR 0xFF
#define WISP_LAPIC_LVT_MASKED      (1u << 16)
#define WISP_LAPIC_TIMER_PERIODIC  (1u << 17)

static inline uint32_t wisp_lapic_read(uint32_t reg)
{
    return mmio_read32(WISP_LAPIC_ADDR + reg);
}
static inline void wisp_lapic_write(uint32_t reg, uint32_t v)
{
    mmio_write32(WISP_LAPIC_ADDR + reg, v);
}
static inline void wisp_lapic_eoi(void)
{
    wisp_lapic_write(WISP_LAPIC_EOI, 0);
}

/* Enable the LAPIC (APIC-base MSR and SVR) and accept all priorities, with
 * the timer masked. LINT0 is put in "virtual wire" mode (ExtINT) so that the
 * PIC's interrupts reach the CPU, after remapping and masking the PIC with
 * wisp_pic_init() if that has not been done yet. LINT1 is NMI. */
void wisp_lapic_enable(void);
/* The same for an AP's own LAPIC: enabled, all priorities, timer, LINT0
 * and LINT1 masked (only the BSP takes the PIC's interrupts). */
void wisp_lapic_enable_ap(void);
/* Measure the timer's tick rate at divide-by-16 against get_time over about
 * `window_ms` milliseconds; returns ticks per second (0 if it does not run). */
uint64_t wisp_lapic_timer_calibrate(uint32_t window_ms);
/* Start the timer in periodic mode at about `hz` on `vector` (calibrating
 * first if needed). Returns the initial count used (0 on failure). */
uint32_t wisp_lapic_timer_periodic(uint8_t vector, uint32_t hz);
void wisp_lapic_timer_stop(void);

/* ---- several CPUs ---- */

/* ICR low words (the destination's APIC ID goes in ICR high, bits 31:24). */
#define WISP_ICR_FIXED             0x00000u
#define WISP_ICR_LOWEST            0x00100u
#define WISP_ICR_NMI               0x00400u
#define WISP_ICR_INIT              0x00500u
#define WISP_ICR_STARTUP           0x00600u
#define WISP_ICR_LOGICAL           0x00800u
#define WISP_ICR_BUSY              0x01000u
#define WISP_ICR_ASSERT            0x04000u
#define WISP_ICR_LEVEL             0x08000u
#define WISP_ICR_SELF              0x40000u
#define WISP_ICR_ALL_INCLUDING_SELF 0x80000u
#define WISP_ICR_ALL_EXCLUDING_SELF 0xC0000u

static inline uint32_t wisp_lapic_id(void)
{
    return wisp_lapic_read(WISP_LAPIC_ID) >> 24;
}

static inline void wisp_cpu_relax(void)
{
    __asm__ __volatile__("pause" : : : "memory");
}

/* The boot info extension (NULL if absent), its CPU count and CPU entries. */
const struct wisp_boot_ext *wisp_boot_ext(const struct wisp_boot_info *bi);
unsigned wisp_cpu_count(const struct wisp_boot_info *bi);
struct wisp_cpu *wisp_cpu_entry(const struct wisp_boot_info *bi, unsigned index);

/* Sends an IPI: ICR high = apic_id << 24, then ICR low; waits while the
 * delivery-status bit says busy. */
void wisp_lapic_send_ipi(uint32_t apic_id, uint32_t icr_low);

/* Busy-waits about us microseconds (get_time). */
void wisp_delay_us(uint64_t us);

/* Loads the IDT wisp_idt_init() built (an AP's first step). */
void wisp_idt_load(void);

/* An AP's C entry: runs on the AP's own stack with the IDT loaded and
 * interrupts off; returning halts the AP for good. */
typedef void (*wisp_ap_main)(struct wisp_cpu *cpu);

/* Starts AP `cpu` through its wisp mailbox: extra_argument = main, then
 * goto_address = the library's long-mode entry. Returns at once. */
void wisp_smp_start_mailbox(struct wisp_cpu *cpu, wisp_ap_main main);

/* Starts AP `cpu` with INIT-SIPI-SIPI: copies the real-mode trampoline
 * (smp_trampoline.S) to `page` (4 KiB-aligned, below 1 MiB, usable RAM),
 * sends INIT, waits 10 ms, sends start-up twice 200 us apart, and waits
 * until the AP has reached long mode (it then runs main(cpu) on its own
 * stack). Returns 0, or -1 when it did not arrive within a second. One AP
 * at a time: the trampoline's data page is shared. */
int wisp_smp_start_sipi(struct wisp_cpu *cpu, wisp_ap_main main, uint32_t page);

/* ---- 8259A PIC and 8254 PIT ---- */

#define WISP_PIC_VECTOR_BASE 0x20 /* IRQ0-7 -> 0x20-0x27, IRQ8-15 -> 0x28-0x2F */
#define WISP_PIT_HZ          1193182u

/* Remap master/slave to WISP_PIC_VECTOR_BASE and mask every IRQ but the
 * cascade. Calling it again re-masks everything. */
void wisp_pic_init(void);
void wisp_pic_unmask(unsigned irq);
void wisp_pic_mask(unsigned irq);
void wisp_pic_eoi(unsigned irq);
/* Channel 0, mode 2 (rate generator) at about `hz`; returns the divisor. */
uint16_t wisp_pit_periodic(uint32_t hz);

/* ---- framebuffer ---- */

/* Pixel value for the BGRA8 format (A = 0xFF). */
static inline uint32_t wisp_rgb(uint8_t r, uint8_t g, uint8_t b)
{
    return 0xFF000000u | ((uint32_t)r << 16) | ((uint32_t)g << 8) | b;
}

/* Does the boot info describe a framebuffer this library can draw on? */
int wisp_fb_usable(const struct wisp_boot_info *bi);
/* Fill a rectangle, clipped to the screen (one `rep stosl` per row). */
void wisp_fb_fill_rect(const struct wisp_boot_info *bi, int32_t x, int32_t y,
                       int32_t w, int32_t h, uint32_t color);
/* Store n copies of a 32-bit value. */
static inline void wisp_fill32(uint32_t *dst, uint32_t v, size_t n)
{
    __asm__ __volatile__("rep stosl" : "+D"(dst), "+c"(n) : "a"(v) : "memory");
}

#endif /* WISP_LIB_H */
