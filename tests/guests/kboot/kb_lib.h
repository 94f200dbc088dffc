/*
 * A tiny freestanding library for the test kernels that boot through
 * other people's protocols (Multiboot 1 and 2, Limine). They know nothing
 * of wisp's own ABI: they speak QEMU's conventions only, as a kernel
 * developer's kernel would: text goes to the debug console (port 0xE9),
 * the verdict leaves through isa-debug-exit (port 0xF4: wisp exits with
 * (value << 1) | 1, so KB_EXIT_PASS gives status 33 and KB_EXIT_FAIL 3).
 * Built for 32-bit (Multiboot) and 64-bit (Limine) code alike.
 */
#ifndef KB_LIB_H
#define KB_LIB_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define KB_DEBUGCON_PORT 0xE9
#define KB_DEBUG_EXIT_PORT 0xF4
#define KB_EXIT_PASS 0x10 /* status 33 */
#define KB_EXIT_FAIL 0x01 /* status 3 */

static inline void kb_outb(uint16_t port, uint8_t v)
{
    __asm__ __volatile__("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t kb_inb(uint16_t port)
{
    uint8_t v;
    __asm__ __volatile__("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static inline void kb_outl(uint16_t port, uint32_t v)
{
    __asm__ __volatile__("outl %0, %1" : : "a"(v), "Nd"(port));
}

void kb_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Records a failed check (and prints it); kb_finish reports the verdict. */
#define KB_CHECK(cond, ...) kb_check((cond) != 0, #cond, __VA_ARGS__)
void kb_check(int ok, const char *what, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
extern unsigned kb_failures;

/* Prints "PASS: name" or "FAIL: name: N checks failed" and exits through
 * isa-debug-exit. */
void kb_finish(const char *name) __attribute__((noreturn));

size_t kb_strlen(const char *s);
int kb_strncmp(const char *a, const char *b, size_t n);
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);

/* "key=" in a command line: its decimal (or 0x hex) value, or def. */
uint64_t kb_cmdline_number(const char *cmdline, const char *key, uint64_t def);

/* 32-bit FNV-1a of the bytes: the tests compare it with the host's. */
uint32_t kb_fnv1a(const void *bytes, uint64_t len);

/* The ACPI RSDP at rsdp (a pointer the kernel can read) and the RSDT it
 * points to through phys_to_ptr: checksums, signature, revision. */
void kb_check_rsdp(const void *rsdp, void *(*phys_to_ptr)(uint64_t));
/* The same for an ACPI 1.0 copy: the first 20 bytes only. */
void kb_check_rsdp_v1(const void *rsdp, void *(*phys_to_ptr)(uint64_t));

/* Fills the framebuffer (BGRA8 or any 32-bit RGB layout given by the
 * field positions) with four quadrants: red, green, blue, white. */
void kb_draw_quadrants(void *fb, uint32_t width, uint32_t height, uint32_t pitch,
                       unsigned red_pos, unsigned green_pos, unsigned blue_pos);

#endif
