/*
 * Shared by the Multiboot and Limine loader tests: kernel files built in
 * memory byte by byte (ELF32, ELF64, flat binaries), written at the raw
 * offsets of the ELF gABI and the protocols' specifications, not through
 * wisp's structures.
 */
#ifndef WISP_TEST_KBOOT_FIXTURE_H
#define WISP_TEST_KBOOT_FIXTURE_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "boot/kernel_boot.h"
#include "linux_boot_fixture.h"

#define KF_MAX 0x20000

struct kf {
    uint8_t bytes[KF_MAX];
    size_t size;
};

static inline void kf_put16(struct kf *f, size_t off, uint16_t v) { memcpy(f->bytes + off, &v, 2); }
static inline void kf_put32(struct kf *f, size_t off, uint32_t v) { memcpy(f->bytes + off, &v, 4); }
static inline void kf_put64(struct kf *f, size_t off, uint64_t v) { memcpy(f->bytes + off, &v, 8); }

/* An ELF32 i386 executable with one PT_LOAD segment: file offset 0x1000,
 * filesz bytes at paddr (= vaddr + delta: a higher-half link), memsz
 * bytes in memory, entry at vaddr + entry_off. */
static inline void kf_elf32(struct kf *f, uint32_t vaddr, uint32_t paddr, uint32_t filesz,
                            uint32_t memsz, uint32_t entry_off)
{
    memset(f, 0, sizeof *f);
    memcpy(f->bytes, "\177ELF", 4);
    f->bytes[4] = 1; /* ELFCLASS32 */
    f->bytes[5] = 1; /* little-endian */
    f->bytes[6] = 1;
    kf_put16(f, 16, 2);       /* ET_EXEC */
    kf_put16(f, 18, 3);       /* EM_386 */
    kf_put32(f, 20, 1);
    kf_put32(f, 24, vaddr + entry_off);
    kf_put32(f, 28, 52);      /* e_phoff */
    kf_put16(f, 40, 52);      /* e_ehsize */
    kf_put16(f, 42, 32);      /* e_phentsize */
    kf_put16(f, 44, 1);       /* e_phnum */
    size_t ph = 52;
    kf_put32(f, ph + 0, 1);   /* PT_LOAD */
    kf_put32(f, ph + 4, 0x1000);
    kf_put32(f, ph + 8, vaddr);
    kf_put32(f, ph + 12, paddr);
    kf_put32(f, ph + 16, filesz);
    kf_put32(f, ph + 20, memsz);
    kf_put32(f, ph + 24, 5);  /* R X */
    for (uint32_t i = 0; i < filesz; i++)
        f->bytes[0x1000 + i] = (uint8_t)(i * 7 + 1);
    f->size = 0x1000 + filesz;
}

/* An ELF64 x86-64 executable with nseg PT_LOAD segments at file offsets
 * 0x1000, 0x2000, ... (one page of file bytes each), the first executable. */
static inline void kf_elf64(struct kf *f, const uint64_t *vaddrs, const uint64_t *paddrs,
                            unsigned nseg, uint64_t entry)
{
    memset(f, 0, sizeof *f);
    memcpy(f->bytes, "\177ELF", 4);
    f->bytes[4] = 2; /* ELFCLASS64 */
    f->bytes[5] = 1;
    f->bytes[6] = 1;
    kf_put16(f, 16, 2);
    kf_put16(f, 18, 62);      /* EM_X86_64 */
    kf_put32(f, 20, 1);
    kf_put64(f, 24, entry);
    kf_put64(f, 32, 64);      /* e_phoff */
    kf_put16(f, 52, 64);
    kf_put16(f, 54, 56);
    kf_put16(f, 56, (uint16_t)nseg);
    for (unsigned i = 0; i < nseg; i++) {
        size_t ph = 64 + 56 * i;
        kf_put32(f, ph + 0, 1);
        kf_put32(f, ph + 4, i == 0 ? 5 : 6);
        kf_put64(f, ph + 8, 0x1000 * (i + 1));
        kf_put64(f, ph + 16, vaddrs[i]);
        kf_put64(f, ph + 24, paddrs[i]);
        kf_put64(f, ph + 32, 0x1000);
        kf_put64(f, ph + 40, 0x1000);
    }
    f->size = 0x1000 * (nseg + 1);
}

/* The file in its own heap block of exactly f->size bytes (ASan). */
static inline uint8_t *kf_file(const struct kf *f)
{
    uint8_t *p = malloc(f->size ? f->size : 1);
    if (p)
        memcpy(p, f->bytes, f->size);
    return p;
}

/* Boot parameters with two modules and wisp's framebuffer. */
static const uint8_t kf_mod0[] = "first module";
static uint8_t kf_mod1[5000];
static const struct kboot_module kf_modules[2] = {
    { "initrd.img", NULL, kf_mod0, sizeof kf_mod0 },
    { "data.bin", "arg=1 two", kf_mod1, sizeof kf_mod1 },
};

static inline struct kboot_params kf_params(void)
{
    for (size_t i = 0; i < sizeof kf_mod1; i++)
        kf_mod1[i] = (uint8_t)(i * 13);
    return (struct kboot_params){
        .cmdline = "console=com1 quiet",
        .modules = kf_modules,
        .module_count = 2,
        .fb = { KBOOT_FB_RGB, 0xC0000000u, 800, 600, 3200, 32 },
        .acpi_rsdp = 0,
        .boot_time = 1700000000,
        .loader_version = "test",
        .cpus = 1,
    };
}

static inline const char *rdstr(uint64_t gpa)
{
    return guest_memory_ptr(&fx_gm, gpa, 1);
}

#endif
