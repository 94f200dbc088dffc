/*
 * Shared by the Linux boot tests: synthetic bzImages built in memory, a
 * guest with RAM filled with a canary, and message checks. Every field is
 * written at its raw file offset from the boot protocol's table, not
 * through wisp's structures, so the tests check those too.
 *
 * Set LINUX_TEST_SHOW=1 to print every error message the tests provoke.
 */
#ifndef WISP_TEST_LINUX_BOOT_FIXTURE_H
#define WISP_TEST_LINUX_BOOT_FIXTURE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot/elf_loader.h"
#include "core/guest_memory.h"

#define MiB (1ull << 20)
#define GiB (1ull << 30)
#define CANARY 0x5Au

/* The synthetic kernel: 4 setup sectors after the boot sector, then a
 * 64 KiB protected-mode kernel whose bytes are a pattern. */
#define FX_SETUP_SECTS   4u
#define FX_KERNEL_OFFSET ((FX_SETUP_SECTS + 1) * 512u)
#define FX_KERNEL_SIZE   0x10000u
#define FX_FILE_SIZE     (FX_KERNEL_OFFSET + FX_KERNEL_SIZE)
#define FX_PREF_ADDRESS  0x1000000u /* 16 MiB */
#define FX_INIT_SIZE     0x2000000u /* 32 MiB */
#define FX_ALIGNMENT     0x200000u
#define FX_CMDLINE_SIZE  2047u
#define FX_INITRD_MAX    0x7FFFFFFFu

struct fx_bzimage {
    uint8_t bytes[FX_FILE_SIZE];
    size_t size; /* bytes handed to the parser (truncation) */
};

static inline void fx_put8(struct fx_bzimage *k, size_t off, uint8_t v) { k->bytes[off] = v; }
static inline void fx_put16(struct fx_bzimage *k, size_t off, uint16_t v)
{
    k->bytes[off] = (uint8_t)v;
    k->bytes[off + 1] = (uint8_t)(v >> 8);
}
static inline void fx_put32(struct fx_bzimage *k, size_t off, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        k->bytes[off + (size_t)i] = (uint8_t)(v >> (8 * i));
}
static inline void fx_put64(struct fx_bzimage *k, size_t off, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        k->bytes[off + (size_t)i] = (uint8_t)(v >> (8 * i));
}

static inline uint8_t fx_kernel_byte(size_t i) { return (uint8_t)(i * 13 + 7); }

/* A protocol 2.15 relocatable bzImage with a 64-bit entry, like a modern
 * distribution kernel. */
static inline void fx_make_bzimage(struct fx_bzimage *k)
{
    memset(k, 0, sizeof *k);
    /* Junk where a real image has its boot sector, and the sentinel byte a
     * real image carries at 0x1EF: none of it may reach the zero page. */
    for (size_t i = 0; i < 0x1F1; i++)
        k->bytes[i] = (uint8_t)(0xC0 | (i & 0x3F));
    fx_put8(k, 0x1EF, 0xFF);
    fx_put8(k, 0x1F1, FX_SETUP_SECTS);               /* setup_sects */
    fx_put16(k, 0x1F2, 1);                           /* root_flags */
    fx_put32(k, 0x1F4, FX_KERNEL_SIZE / 16);         /* syssize */
    fx_put16(k, 0x1FA, 0xFFFF);                      /* vid_mode */
    fx_put16(k, 0x1FE, 0xAA55);                      /* boot_flag */
    fx_put8(k, 0x200, 0xEB);                         /* jmp short */
    fx_put8(k, 0x201, 0x6A);                         /* header ends at 0x26C */
    memcpy(k->bytes + 0x202, "HdrS", 4);
    fx_put16(k, 0x206, 0x020F);                      /* version 2.15 */
    fx_put16(k, 0x20E, 0x0200);                      /* kernel_version string offset */
    fx_put8(k, 0x211, 0x01);                         /* loadflags: LOADED_HIGH */
    fx_put32(k, 0x214, 0x100000);                    /* code32_start */
    fx_put32(k, 0x22C, FX_INITRD_MAX);               /* initrd_addr_max */
    fx_put32(k, 0x230, FX_ALIGNMENT);                /* kernel_alignment */
    fx_put8(k, 0x234, 1);                            /* relocatable_kernel */
    fx_put8(k, 0x235, 21);                           /* min_alignment */
    fx_put16(k, 0x236, 0x0003);                      /* XLF_KERNEL_64 | ABOVE_4G */
    fx_put32(k, 0x238, FX_CMDLINE_SIZE);             /* cmdline_size */
    fx_put32(k, 0x248, 0x100);                       /* payload_offset */
    fx_put32(k, 0x24C, 0x8000);                      /* payload_length */
    fx_put64(k, 0x258, FX_PREF_ADDRESS);             /* pref_address */
    fx_put32(k, 0x260, FX_INIT_SIZE);                /* init_size */
    fx_put32(k, 0x264, 0x190);                       /* handover_offset */
    fx_put32(k, 0x268, 0x5000);                      /* kernel_info_offset */
    /* Something after the header inside the setup code. */
    for (size_t i = 0x26C; i < FX_KERNEL_OFFSET; i++)
        k->bytes[i] = 0x90;
    for (size_t i = 0; i < FX_KERNEL_SIZE; i++)
        k->bytes[FX_KERNEL_OFFSET + i] = fx_kernel_byte(i);
    k->size = FX_FILE_SIZE;
}

/* The file exactly k->size bytes long in its own heap block, so ASan
 * catches a read past its end. */
static inline uint8_t *fx_file(const struct fx_bzimage *k)
{
    uint8_t *f = malloc(k->size ? k->size : 1);
    if (f)
        memcpy(f, k->bytes, k->size);
    return f;
}

/* ---- guest memory ---- */

static struct guest_memory fx_gm;

/* RAM at 0 of `ram` bytes (and optionally a second bank), filled with the
 * canary so "unchanged" can be checked. */
static inline int fx_make_memory(uint64_t ram, uint64_t high_gpa, uint64_t high_size)
{
    struct wisp_error err = { 0 };
    guest_memory_release(&fx_gm);
    memset(&fx_gm, 0, sizeof fx_gm);
    if (guest_memory_add_bank(&fx_gm, "RAM", MEM_BANK_RAM, 0, ram, &err) < 0)
        return -1;
    if (high_size &&
        guest_memory_add_bank(&fx_gm, "RAM high", MEM_BANK_RAM, high_gpa, high_size, &err) < 0)
        return -1;
    return 0;
}

/* Canary over the interesting ranges only: touching all of a large guest
 * would make the host commit it. */
static inline void fx_canary(uint64_t from, uint64_t to)
{
    guest_memory_fill(&fx_gm, from, CANARY, to - from);
}

static inline uint64_t fx_canary_break(uint64_t from, uint64_t to)
{
    const uint8_t *p = guest_memory_ptr(&fx_gm, from, to - from);
    if (!p)
        return from;
    for (uint64_t a = 0; a < to - from; a++)
        if (p[a] != CANARY)
            return from + a;
    return to;
}

static inline int fx_release(void **state)
{
    (void)state;
    guest_memory_release(&fx_gm);
    memset(&fx_gm, 0, sizeof fx_gm);
    return 0;
}

/* ---- raw reads of guest memory ---- */

static inline uint8_t rd8(uint64_t gpa)
{
    const uint8_t *p = guest_memory_ptr(&fx_gm, gpa, 1);
    return p ? p[0] : 0xEE;
}
static inline uint16_t rd16(uint64_t gpa) { return (uint16_t)(rd8(gpa) | rd8(gpa + 1) << 8); }
static inline uint32_t rd32(uint64_t gpa) { return rd16(gpa) | (uint32_t)rd16(gpa + 2) << 16; }
static inline uint64_t rd64(uint64_t gpa) { return rd32(gpa) | (uint64_t)rd32(gpa + 4) << 32; }

/* ---- messages ---- */

static inline void fx_show(const char *what, const char *message)
{
    const char *env = getenv("LINUX_TEST_SHOW");
    if (env && *env == '1')
        fprintf(stderr, "  [%s] %s\n", what, message);
}

/* One line, starting with "name: ", containing every needle. */
#define fx_assert_message(err, name, ...)                                              \
    do {                                                                               \
        const char *needles_[] = { __VA_ARGS__ };                                      \
        fx_show(needles_[0], (err)->message);                                          \
        assert_true(strncmp((err)->message, name ": ", strlen(name) + 2) == 0);        \
        assert_null(strchr((err)->message, '\n'));                                     \
        for (size_t n_ = 0; n_ < sizeof needles_ / sizeof needles_[0]; n_++)           \
            if (!strstr((err)->message, needles_[n_]))                                 \
                fail_msg("message \"%s\" does not mention \"%s\"", (err)->message,     \
                         needles_[n_]);                                                \
    } while (0)

/* A real kernel file, if this machine has one: $env, else the first of
 * candidates that exists ("~/" is $HOME). */
static inline const char *fx_real_file(const char *env, const char *const *candidates)
{
    static char path[4096];
    const char *e = getenv(env);
    if (e && *e)
        return e;
    const char *home = getenv("HOME");
    for (size_t i = 0; candidates[i]; i++) {
        const char *c = candidates[i];
        if (c[0] == '~' && home)
            snprintf(path, sizeof path, "%s%s", home, c + 1);
        else
            snprintf(path, sizeof path, "%s", c);
        FILE *f = fopen(path, "rb");
        if (f) {
            fclose(f);
            return path;
        }
    }
    return NULL;
}

/* Debian's bzImage for the real-kernel tests: $WISP_TEST_BZIMAGE, the one
 * scripts/test.sh fetched ($WISP_DEBIAN_KERNELS: then it must be there),
 * or a cached one; NULL if none. */
static inline const char *fx_debian_bzimage(void)
{
    static char named[4096];
    const char *kernels = getenv("WISP_DEBIAN_KERNELS");
    if (kernels && *kernels && !getenv("WISP_TEST_BZIMAGE")) {
        snprintf(named, sizeof named, "%s/amd64/vmlinuz", kernels);
        return named;
    }
    static const char *const candidates[] = {
        "~/.cache/wisp/debian-kernels/amd64/vmlinuz", "~/.cache/wisp/nested-kvm/vmlinuz", NULL,
    };
    return fx_real_file("WISP_TEST_BZIMAGE", candidates);
}

/* The bytes of a real kernel file (malloc'd); the test fails if they
 * cannot be read. */
static inline uint8_t *fx_read_real_file(const char *path, size_t *size)
{
    uint8_t *file;
    struct wisp_error err = { 0 };
    if (elf_read_file(path, &file, size, &err) != 0)
        fail_msg("%s", err.message);
    return file;
}

#endif
