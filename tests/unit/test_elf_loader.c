/*
 * ELF64 kernel loader: valid kernels land where they say, and every kind of
 * malformed file is refused with a message naming the problem while guest
 * memory stays exactly as it was.
 *
 * Set ELF_TEST_SHOW=1 to print every error message the tests provoke.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "boot/elf64.h"
#include "boot/elf_loader.h"
#include "core/guest_memory.h"
#include "wisp/guest.h"

#define RAM_SIZE  (64ull << 20)
#define CANARY    0x5Au
#define MAX_PH    48
#define BODY_SIZE 0x3000

#define TEXT_PADDR 0x200000ull
#define TEXT_OFF   0x1000u
#define TEXT_SIZE  0x100u
#define DATA_PADDR 0x300000ull
#define DATA_OFF   0x2000u
#define DATA_FILE  0x80u
#define DATA_MEM   0x1000u
#define NOTE_OFF   0x2800u
#define ENTRY      (TEXT_PADDR + 0x10)

#define XEN_ELFNOTE_PHYS32_ENTRY 18

static struct guest_memory gm;

static const struct elf_reserved_range reserved[] = {
    { WISP_ARENA_ADDR, WISP_ARENA_SIZE, "primordial arena" },
    { WISP_HEAP_PHYS, WISP_HEAP_SIZE, "heap backing" },
};

static const struct elf_load_rules rules = {
    .min_phys = WISP_BOOT_AREA_END,
    .reserved = reserved,
    .reserved_count = 2,
    .identity_limit = 4ull << 30,
    .physmap_base = WISP_PHYSMAP_BASE,
    .physmap_size = RAM_SIZE,
};

/* ---- building ELF files in memory ---- */

struct kernel {
    Elf64_Ehdr eh;
    Elf64_Phdr ph[MAX_PH];
    unsigned nph;           /* headers written at offset 64, whatever e_phnum says */
    uint8_t body[BODY_SIZE]; /* file bytes; headers are laid over the start */
    size_t size;            /* bytes handed to the loader (truncation) */
};

static uint8_t text_byte(unsigned i) { return (uint8_t)(i * 7 + 1); }
static uint8_t data_byte(unsigned i) { return (uint8_t)(0xA0 ^ i); }

/* A small valid kernel: text (R+X), data + bss (R+W), a Xen PVH note. */
static void make_kernel(struct kernel *k)
{
    memset(k, 0, sizeof *k);
    memcpy(k->eh.e_ident, ELFMAG, SELFMAG);
    k->eh.e_ident[EI_CLASS] = ELFCLASS64;
    k->eh.e_ident[EI_DATA] = ELFDATA2LSB;
    k->eh.e_ident[EI_VERSION] = EV_CURRENT;
    k->eh.e_type = ET_EXEC;
    k->eh.e_machine = EM_X86_64;
    k->eh.e_version = EV_CURRENT;
    k->eh.e_entry = ENTRY;
    k->eh.e_phoff = sizeof(Elf64_Ehdr);
    k->eh.e_ehsize = sizeof(Elf64_Ehdr);
    k->eh.e_phentsize = sizeof(Elf64_Phdr);
    k->eh.e_phnum = 3;
    k->nph = 3;
    k->ph[0] = (Elf64_Phdr){ PT_LOAD, PF_R | PF_X, TEXT_OFF, TEXT_PADDR, TEXT_PADDR,
                             TEXT_SIZE, TEXT_SIZE, 0x1000 };
    k->ph[1] = (Elf64_Phdr){ PT_LOAD, PF_R | PF_W, DATA_OFF, DATA_PADDR, DATA_PADDR,
                             DATA_FILE, DATA_MEM, 0x1000 };
    k->ph[2] = (Elf64_Phdr){ PT_NOTE, PF_R, NOTE_OFF, 0, 0, 24, 0, 4 };
    for (unsigned i = 0; i < TEXT_SIZE; i++)
        k->body[TEXT_OFF + i] = text_byte(i);
    for (unsigned i = 0; i < DATA_FILE; i++)
        k->body[DATA_OFF + i] = data_byte(i);
    /* Note: namesz 4 "Xen\0", descsz 4, type 18, desc = 0x00201000 */
    const Elf64_Nhdr nh = { 4, 4, XEN_ELFNOTE_PHYS32_ENTRY };
    memcpy(k->body + NOTE_OFF, &nh, sizeof nh);
    memcpy(k->body + NOTE_OFF + 12, "Xen", 4);
    const uint32_t pvh_entry = 0x201000;
    memcpy(k->body + NOTE_OFF + 16, &pvh_entry, 4);
    k->size = BODY_SIZE;
}

/* The file exactly k->size bytes long in its own heap block, so that ASan
 * catches any read past its end. */
static uint8_t *serialize(const struct kernel *k)
{
    uint8_t full[BODY_SIZE];
    memcpy(full, k->body, BODY_SIZE);
    memcpy(full, &k->eh, sizeof k->eh);
    memcpy(full + sizeof k->eh, k->ph, k->nph * sizeof(Elf64_Phdr));
    uint8_t *file = malloc(k->size ? k->size : 1);
    assert_non_null(file);
    memcpy(file, full, k->size);
    return file;
}

/* ---- guest memory canary ---- */

static int fill_canary(void **state)
{
    (void)state;
    assert_true(guest_memory_fill(&gm, 0, CANARY, RAM_SIZE));
    return 0;
}

/* First offset in [from, to) that does not hold the canary, or `to`. */
static uint64_t canary_break(uint64_t from, uint64_t to)
{
    static uint8_t pattern[1 << 16];
    const uint8_t *ram = guest_memory_ptr(&gm, 0, RAM_SIZE);
    if (pattern[0] != CANARY)
        memset(pattern, CANARY, sizeof pattern);
    uint64_t a = from;
    while (a < to) { /* whole chunks with memcmp, then bytes */
        uint64_t n = to - a < sizeof pattern ? to - a : sizeof pattern;
        if (memcmp(ram + a, pattern, n) != 0)
            break;
        a += n;
    }
    for (; a < to; a++)
        if (ram[a] != CANARY)
            return a;
    return to;
}

static void assert_canary(uint64_t from, uint64_t to)
{
    uint64_t at = canary_break(from, to);
    if (at != to)
        fail_msg("guest memory changed at 0x%llx", (unsigned long long)at);
}

/* ---- expectations ---- */

static void show(const char *what, const struct wisp_error *err)
{
    const char *env = getenv("ELF_TEST_SHOW");
    if (env && *env == '1')
        fprintf(stderr, "  [%s] %s\n", what, err->message);
}

static void expect_fail(const struct kernel *k, const char *needle)
{
    uint8_t *file = serialize(k);
    struct wisp_error err = { 0 };
    struct elf_image img;
    memset(&img, 0xEE, sizeof img);

    int rc = elf_load_kernel(&gm, "kernel.elf", file, k->size, &rules, &img, &err);
    free(file);
    show(needle, &err);

    assert_int_equal(rc, -1);
    assert_int_equal(err.status, WISP_EXIT_BAD_KERNEL);
    assert_true(strncmp(err.message, "kernel.elf: ", 12) == 0);
    assert_null(strchr(err.message, '\n'));
    if (!strstr(err.message, needle))
        fail_msg("message \"%s\" does not mention \"%s\"", err.message, needle);
    /* Nothing written to the guest, nothing to the image. */
    assert_canary(0, RAM_SIZE);
    for (size_t i = 0; i < sizeof img; i++)
        assert_int_equal(((uint8_t *)&img)[i], 0xEE);
}

static void expect_load(const struct kernel *k, struct elf_image *img)
{
    uint8_t *file = serialize(k);
    struct wisp_error err = { 0 };
    int rc = elf_load_kernel(&gm, "kernel.elf", file, k->size, &rules, img, &err);
    free(file);
    if (rc != 0)
        fail_msg("load failed: %s", err.message);
    assert_int_equal(err.status, 0);
}

/* The default kernel's bytes are in place and nothing else changed. */
static void assert_default_layout(void)
{
    uint8_t buf[DATA_MEM];
    assert_true(guest_memory_read(&gm, TEXT_PADDR, buf, TEXT_SIZE));
    for (unsigned i = 0; i < TEXT_SIZE; i++)
        assert_int_equal(buf[i], text_byte(i));
    assert_true(guest_memory_read(&gm, DATA_PADDR, buf, DATA_MEM));
    for (unsigned i = 0; i < DATA_FILE; i++)
        assert_int_equal(buf[i], data_byte(i));
    for (unsigned i = DATA_FILE; i < DATA_MEM; i++)
        assert_int_equal(buf[i], 0); /* bss zeroed over the canary */
    assert_canary(0, TEXT_PADDR);
    assert_canary(TEXT_PADDR + TEXT_SIZE, DATA_PADDR);
    assert_canary(DATA_PADDR + DATA_MEM, RAM_SIZE);
}

/* ---- valid kernels ---- */

static void test_valid_kernel_loads(void **state)
{
    (void)state;
    struct kernel k;
    struct elf_image img;
    make_kernel(&k);
    expect_load(&k, &img);

    assert_int_equal(img.entry, ENTRY);
    assert_int_equal(img.phys_start, TEXT_PADDR);
    assert_int_equal(img.phys_end, DATA_PADDR + DATA_MEM);
    assert_int_equal(img.segment_count, 2);
    assert_int_equal(img.segments[0].paddr, TEXT_PADDR);
    assert_int_equal(img.segments[0].filesz, TEXT_SIZE);
    assert_int_equal(img.segments[0].flags, PF_R | PF_X);
    assert_int_equal(img.segments[1].vaddr, DATA_PADDR);
    assert_int_equal(img.segments[1].memsz, DATA_MEM);
    assert_int_equal(img.segments[1].filesz, DATA_FILE);
    assert_int_equal(img.segments[1].index, 1);
    assert_default_layout();
}

static void test_physmap_linked_kernel_loads(void **state)
{
    (void)state;
    struct kernel k;
    struct elf_image img;
    make_kernel(&k);
    k.ph[0].p_vaddr = WISP_PHYSMAP_BASE + TEXT_PADDR;
    k.ph[1].p_vaddr = WISP_PHYSMAP_BASE + DATA_PADDR;
    k.eh.e_entry = WISP_PHYSMAP_BASE + ENTRY;
    expect_load(&k, &img);
    assert_int_equal(img.entry, WISP_PHYSMAP_BASE + ENTRY);
    assert_int_equal(img.phys_start, TEXT_PADDR);
    assert_int_equal(img.segments[0].vaddr, WISP_PHYSMAP_BASE + TEXT_PADDR);
    assert_default_layout();
}

static void test_et_dyn_loads_at_link_address(void **state)
{
    (void)state;
    struct kernel k;
    struct elf_image img;
    make_kernel(&k);
    k.eh.e_type = ET_DYN;
    expect_load(&k, &img);
    assert_default_layout();
}

static void test_empty_load_segment_is_skipped(void **state)
{
    (void)state;
    struct kernel k;
    struct elf_image img;
    make_kernel(&k);
    /* An empty PT_LOAD at address 0 would be "below 1 MiB" if it counted. */
    k.ph[2] = (Elf64_Phdr){ PT_LOAD, PF_R, 0, 0, 0, 0, 0, 0x1000 };
    expect_load(&k, &img);
    assert_int_equal(img.segment_count, 2);
    assert_default_layout();
}

static void test_bss_only_segment_ignores_offset(void **state)
{
    (void)state;
    struct kernel k;
    struct elf_image img;
    make_kernel(&k);
    /* With p_filesz 0, p_offset is meaningless and may be anything. */
    k.ph[2] = (Elf64_Phdr){ PT_LOAD, PF_R | PF_W, UINT64_MAX - 4, 0x400000, 0x400000,
                            0, 0x3000, 0x1000 };
    expect_load(&k, &img);
    assert_int_equal(img.segment_count, 3);
    assert_int_equal(img.phys_end, 0x403000);
    uint8_t buf[0x3000];
    assert_true(guest_memory_read(&gm, 0x400000, buf, sizeof buf));
    for (size_t i = 0; i < sizeof buf; i++)
        assert_int_equal(buf[i], 0);
    assert_canary(0x403000, RAM_SIZE);
}

static void test_check_writes_nothing(void **state)
{
    (void)state;
    struct kernel k;
    struct elf_image img;
    struct wisp_error err = { 0 };
    make_kernel(&k);
    uint8_t *file = serialize(&k);
    assert_int_equal(elf_check_kernel(&gm, "kernel.elf", file, k.size, &rules, &img, &err), 0);
    free(file);
    assert_int_equal(img.segment_count, 2);
    assert_canary(0, RAM_SIZE);
}

/* ---- the ELF header ---- */

static void test_truncated_header(void **state)
{
    (void)state;
    struct kernel k;
    make_kernel(&k);
    k.size = 0;
    expect_fail(&k, "empty file");
    for (size_t len = 1; len < sizeof(Elf64_Ehdr); len++) {
        k.size = len;
        expect_fail(&k, "truncated");
    }
}

static void test_truncated_program_headers(void **state)
{
    (void)state;
    struct kernel k;
    make_kernel(&k);
    size_t table_end = sizeof(Elf64_Ehdr) + 3 * sizeof(Elf64_Phdr);
    for (size_t len = sizeof(Elf64_Ehdr); len < table_end; len += 5) {
        k.size = len;
        expect_fail(&k, "program header table");
    }
    k.size = table_end - 1;
    expect_fail(&k, "program header table");
}

static void test_truncated_segments(void **state)
{
    (void)state;
    struct kernel k;
    make_kernel(&k);
    const size_t cuts[] = { 0x200, TEXT_OFF, TEXT_OFF + TEXT_SIZE - 1 };
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        k.size = cuts[i];
        expect_fail(&k, "segment 0 (PT_LOAD) file bytes 0x1000+0x100 lie outside");
    }
    k.size = DATA_OFF + DATA_FILE - 1;
    expect_fail(&k, "segment 1 (PT_LOAD)");
    k.size = NOTE_OFF + 10;
    expect_fail(&k, "segment 2 (PT_NOTE)");
}

static void test_bad_magic(void **state)
{
    (void)state;
    struct kernel k;
    make_kernel(&k);
    k.eh.e_ident[1] = 'X';
    expect_fail(&k, "not an ELF file");
    /* A tiny non-ELF file says "not ELF" rather than "truncated". */
    make_kernel(&k);
    memcpy(k.eh.e_ident, "MZ", 2);
    k.size = 2;
    expect_fail(&k, "not an ELF file");
}

static void test_32bit_class(void **state)
{
    (void)state;
    struct kernel k;
    make_kernel(&k);
    k.eh.e_ident[EI_CLASS] = ELFCLASS32;
    expect_fail(&k, "32-bit ELF; wisp needs an ELF64 x86-64 kernel");
    /* Even when the file is only as long as an ELF32 header. */
    k.size = 52;
    expect_fail(&k, "32-bit ELF");
    make_kernel(&k);
    k.eh.e_ident[EI_CLASS] = 7;
    expect_fail(&k, "invalid ELF class 7");
}

static void test_big_endian(void **state)
{
    (void)state;
    struct kernel k;
    make_kernel(&k);
    k.eh.e_ident[EI_DATA] = ELFDATA2MSB;
    expect_fail(&k, "big-endian");
    k.eh.e_ident[EI_DATA] = 0;
    expect_fail(&k, "invalid ELF data encoding");
}

static void test_versions(void **state)
{
    (void)state;
    struct kernel k;
    make_kernel(&k);
    k.eh.e_ident[EI_VERSION] = 0;
    expect_fail(&k, "identification version 0");
    make_kernel(&k);
    k.eh.e_version = 2;
    expect_fail(&k, "unsupported ELF version 2");
}

static void test_wrong_machine(void **state)
{
    (void)state;
    struct kernel k;
    make_kernel(&k);
    k.eh.e_machine = EM_AARCH64;
    expect_fail(&k, "built for AArch64");
    k.eh.e_machine = 0x1234;
    expect_fail(&k, "unknown machine 4660");
}

static void test_wrong_type(void **state)
{
    (void)state;
    struct kernel k;
    make_kernel(&k);
    k.eh.e_type = ET_REL;
    expect_fail(&k, "relocatable object file (ET_REL)");
    k.eh.e_type = ET_CORE;
    expect_fail(&k, "core dump");
    k.eh.e_type = 0xFE00;
    expect_fail(&k, "unsupported ELF type 65024");
}

static void test_header_sizes(void **state)
{
    (void)state;
    struct kernel k;
    make_kernel(&k);
    k.eh.e_ehsize = 52;
    expect_fail(&k, "e_ehsize is 52, expected 64");
    make_kernel(&k);
    k.eh.e_phentsize = 32;
    expect_fail(&k, "e_phentsize is 32, expected 56");
}

static void test_phnum(void **state)
{
    (void)state;
    struct kernel k;
    make_kernel(&k);
    k.eh.e_phnum = 0;
    expect_fail(&k, "no program headers");
    k.eh.e_phnum = 60000;
    expect_fail(&k, "60000 program headers; wisp accepts at most 128");
    k.eh.e_phnum = 0xFFFF; /* PN_XNUM */
    expect_fail(&k, "at most 128");
}

static void test_phoff_outside_file(void **state)
{
    (void)state;
    struct kernel k;
    make_kernel(&k);
    k.eh.e_phoff = UINT64_MAX - 8; /* phoff + table wraps */
    expect_fail(&k, "program header table");
    k.eh.e_phoff = UINT64_MAX - 3 * sizeof(Elf64_Phdr) + 1;
    expect_fail(&k, "program header table");
    k.eh.e_phoff = BODY_SIZE - 2 * sizeof(Elf64_Phdr);
    expect_fail(&k, "program header table");
    k.eh.e_phoff = BODY_SIZE + 1;
    expect_fail(&k, "program header table");
}

/* ---- program headers ---- */

static void test_filesz_above_memsz(void **state)
{
    (void)state;
    struct kernel k;
    make_kernel(&k);
    k.ph[1].p_memsz = DATA_FILE - 1;
    expect_fail(&k, "segment 1: file size 0x80 is larger than its memory size 0x7f");
}

static void test_segment_file_range(void **state)
{
    (void)state;
    struct kernel k;
    make_kernel(&k);
    k.ph[0].p_offset = BODY_SIZE - 0x10;
    expect_fail(&k, "lie outside the 12288-byte file");
    k.ph[0].p_offset = UINT64_MAX - 0x10; /* offset + filesz wraps */
    expect_fail(&k, "lie outside");
    make_kernel(&k);
    k.ph[1].p_filesz = UINT64_MAX;
    k.ph[1].p_memsz = UINT64_MAX;
    expect_fail(&k, "segment 1 (PT_LOAD) file bytes");
    make_kernel(&k);
    k.ph[2].p_offset = UINT64_MAX;
    expect_fail(&k, "segment 2 (PT_NOTE)");
}

static void test_below_boot_area(void **state)
{
    (void)state;
    struct kernel k;
    make_kernel(&k);
    k.ph[1].p_paddr = k.ph[1].p_vaddr = 0xFF800;
    expect_fail(&k, "segment 1 (0xff800-0x1007ff) overlaps the boot area below 0x100000");
    k.ph[1].p_paddr = k.ph[1].p_vaddr = 0;
    expect_fail(&k, "boot area");
}

/* Issue 15: a default (PIE) link puts its program headers in a segment of
 * their own just below the link address; say -static -no-pie. */
static void test_pie_link_is_named(void **state)
{
    (void)state;
    struct kernel k;
    make_kernel(&k);
    k.eh.e_type = ET_DYN;
    k.ph[1].p_paddr = k.ph[1].p_vaddr = 0xFF000;
    expect_fail(&k, "segment 1 (0xff000-0xfffff) lies below 0x100000 because this is a "
                    "position-independent or dynamic link (ET_DYN); link the kernel with "
                    "-static -no-pie");
    make_kernel(&k);
    k.ph[2].p_type = PT_INTERP;
    k.ph[1].p_paddr = k.ph[1].p_vaddr = 0xFF000;
    expect_fail(&k, "dynamic link (PT_INTERP)");
    make_kernel(&k);
    k.ph[2].p_type = PT_PHDR;
    k.ph[1].p_paddr = k.ph[1].p_vaddr = 0x8000000;
    expect_fail(&k, "outside the 64 MiB of guest RAM; this is a position-independent or "
                    "dynamic link (PT_PHDR)");
}

/* Issue 15: linked for the physical map without AT(): p_paddr is virtual. */
static void test_physmap_link_without_load_addresses(void **state)
{
    (void)state;
    struct kernel k;
    make_kernel(&k);
    k.ph[0].p_paddr = k.ph[0].p_vaddr = WISP_PHYSMAP_BASE + TEXT_PADDR;
    expect_fail(&k, "segment 0 has physical address 0xffff800000200000, inside the "
                    "physical-map window at 0xffff800000000000: p_paddr must be the physical "
                    "load address");
    expect_fail(&k, "AT(ADDR(.text) - 0xffff800000000000)");
    expect_fail(&k, "-mcmodel=large");
}

static void test_reserved_ranges(void **state)
{
    (void)state;
    struct kernel k;
    make_kernel(&k);
    k.ph[1].p_paddr = k.ph[1].p_vaddr = WISP_ARENA_ADDR - 0x800;
    expect_fail(&k, "overlaps the primordial arena (0x1000000-0x1ffffff)");
    k.ph[1].p_paddr = k.ph[1].p_vaddr = WISP_ARENA_ADDR + WISP_ARENA_SIZE - 0x10;
    expect_fail(&k, "primordial arena");
    k.ph[1].p_paddr = k.ph[1].p_vaddr = WISP_HEAP_PHYS + 0x123000;
    expect_fail(&k, "heap backing");
}

static void test_outside_ram(void **state)
{
    (void)state;
    struct kernel k;
    make_kernel(&k);
    k.ph[1].p_paddr = k.ph[1].p_vaddr = 0x8000000;
    expect_fail(&k, "segment 1 (0x8000000-0x8000fff) lies outside the 64 MiB of guest RAM; try -m");
    k.ph[1].p_paddr = k.ph[1].p_vaddr = WISP_FRAMEBUFFER_ADDR;
    expect_fail(&k, "lies in the framebuffer, not in RAM");
    /* Starting in the framebuffer and running past it. */
    k.ph[1].p_paddr = k.ph[1].p_vaddr = WISP_FRAMEBUFFER_ADDR + WISP_FRAMEBUFFER_WINDOW - 0x10;
    expect_fail(&k, "outside the 64 MiB of guest RAM");
}

static void test_paddr_overflow(void **state)
{
    (void)state;
    struct kernel k;
    make_kernel(&k);
    k.ph[1].p_paddr = UINT64_MAX - 0xFFF;
    k.ph[1].p_memsz = 0x2000;
    expect_fail(&k, "runs past the end of the 64-bit address space");
    /* Ending exactly at 2^64 does not wrap, but is not RAM either. */
    k.ph[1].p_memsz = 0x1000;
    expect_fail(&k, "outside the 64 MiB");
    k.ph[1].p_paddr = 0x400000;
    k.ph[1].p_memsz = UINT64_MAX;
    expect_fail(&k, "runs past the end");
}

static void test_overlapping_segments(void **state)
{
    (void)state;
    struct kernel k;
    make_kernel(&k);
    k.ph[1].p_paddr = k.ph[1].p_vaddr = TEXT_PADDR + TEXT_SIZE - 1;
    expect_fail(&k, "segments 0 (0x200000-0x2000ff) and 1 (0x2000ff-0x2010fe) overlap");
    k.ph[1].p_paddr = k.ph[1].p_vaddr = TEXT_PADDR - DATA_MEM + 1;
    expect_fail(&k, "overlap in physical memory");
    /* Same physical range, one linked identity, one physmap. */
    make_kernel(&k);
    k.ph[1] = k.ph[0];
    k.ph[1].p_vaddr = WISP_PHYSMAP_BASE + TEXT_PADDR;
    expect_fail(&k, "overlap in physical memory");
    /* Touching is fine. */
    make_kernel(&k);
    k.ph[1].p_paddr = k.ph[1].p_vaddr = TEXT_PADDR + TEXT_SIZE;
    struct elf_image img;
    expect_load(&k, &img);
}

static void test_entry_point(void **state)
{
    (void)state;
    struct kernel k;
    make_kernel(&k);
    k.eh.e_entry = 0x500000;
    expect_fail(&k, "entry point 0x500000 is not inside any loadable segment");
    k.eh.e_entry = TEXT_PADDR + TEXT_SIZE; /* one past the end */
    expect_fail(&k, "not inside any loadable segment");
    k.eh.e_entry = DATA_PADDR + 4;
    expect_fail(&k, "entry point 0x300004 lies in segment 1, which is not executable");
    /* Physical entry of a physmap-linked kernel: not what the CPU will run. */
    make_kernel(&k);
    k.ph[0].p_vaddr = WISP_PHYSMAP_BASE + TEXT_PADDR;
    expect_fail(&k, "entry point 0x200010 is not inside");
}

static void test_unmapped_vaddr(void **state)
{
    (void)state;
    struct kernel k;
    make_kernel(&k);
    k.ph[0].p_vaddr = 0xFFFFFFFF80000000ull + TEXT_PADDR; /* Linux-style -2 GiB */
    expect_fail(&k, "segment 0 is linked at virtual 0xffffffff80200000 for physical 0x200000");
    k.ph[0].p_vaddr = TEXT_PADDR + 0x1000;
    expect_fail(&k, "do not map");
    k.ph[0].p_vaddr = WISP_PHYSMAP_BASE + TEXT_PADDR + 0x1000;
    expect_fail(&k, "do not map");
}

static void test_no_load_segments(void **state)
{
    (void)state;
    struct kernel k;
    make_kernel(&k);
    k.ph[0].p_type = 0x6474E551; /* PT_GNU_STACK */
    k.ph[1].p_type = PT_NULL;
    expect_fail(&k, "no loadable (PT_LOAD) segments");
    make_kernel(&k);
    k.ph[0].p_filesz = k.ph[0].p_memsz = 0;
    k.ph[1].p_filesz = k.ph[1].p_memsz = 0;
    expect_fail(&k, "every PT_LOAD segment is empty");
}

static void test_too_many_load_segments(void **state)
{
    (void)state;
    struct kernel k;
    make_kernel(&k);
    k.nph = k.eh.e_phnum = ELF_MAX_LOAD_SEGMENTS + 1;
    for (unsigned i = 1; i < k.nph; i++)
        k.ph[i] = (Elf64_Phdr){ PT_LOAD, PF_R, 0, 0x400000 + i * 0x1000ull,
                                0x400000 + i * 0x1000ull, 0, 0x1000, 0x1000 };
    expect_fail(&k, "more than 32 loadable segments");
    k.nph = k.eh.e_phnum = ELF_MAX_LOAD_SEGMENTS;
    struct elf_image img;
    expect_load(&k, &img);
    assert_int_equal(img.segment_count, ELF_MAX_LOAD_SEGMENTS);
    assert_int_equal(img.phys_end, 0x400000 + ELF_MAX_LOAD_SEGMENTS * 0x1000ull);
}

/* ---- notes ---- */

static void test_find_note(void **state)
{
    (void)state;
    struct kernel k;
    struct wisp_error err = { 0 };
    const uint8_t *desc = NULL;
    uint32_t desc_size = 0;
    uint32_t value;
    make_kernel(&k);
    uint8_t *file = serialize(&k);

    assert_int_equal(elf_find_note("kernel.elf", file, k.size, "Xen", XEN_ELFNOTE_PHYS32_ENTRY,
                                   &desc, &desc_size, &err), 1);
    assert_int_equal(desc_size, 4);
    memcpy(&value, desc, 4);
    assert_int_equal(value, 0x201000);
    assert_int_equal(elf_find_note("kernel.elf", file, k.size, "Xen", 17, &desc, &desc_size,
                                   &err), 0);
    assert_int_equal(elf_find_note("kernel.elf", file, k.size, "Xe", XEN_ELFNOTE_PHYS32_ENTRY,
                                   &desc, &desc_size, &err), 0);
    assert_int_equal(elf_find_note("kernel.elf", file, k.size, "GNU", XEN_ELFNOTE_PHYS32_ENTRY,
                                   &desc, &desc_size, &err), 0);
    free(file);

    /* A descriptor size running past the segment. */
    const Elf64_Nhdr bad = { 4, 0x1000, XEN_ELFNOTE_PHYS32_ENTRY };
    memcpy(k.body + NOTE_OFF, &bad, sizeof bad);
    file = serialize(&k);
    assert_int_equal(elf_find_note("kernel.elf", file, k.size, "Xen", XEN_ELFNOTE_PHYS32_ENTRY,
                                   &desc, &desc_size, &err), -1);
    show("note", &err);
    assert_non_null(strstr(err.message, "segment 2 (PT_NOTE): note at offset 0x2800 runs past"));
    free(file);

    /* A name size near 2^32 must not wrap anything. */
    const Elf64_Nhdr huge = { 0xFFFFFFFFu, 0, 1 };
    memcpy(k.body + NOTE_OFF, &huge, sizeof huge);
    file = serialize(&k);
    memset(&err, 0, sizeof err);
    assert_int_equal(elf_find_note("kernel.elf", file, k.size, "Xen", 1, &desc, &desc_size,
                                   &err), -1);
    free(file);

    /* A bad ELF header is reported as for loading. */
    k.eh.e_machine = EM_AARCH64;
    file = serialize(&k);
    memset(&err, 0, sizeof err);
    assert_int_equal(elf_find_note("kernel.elf", file, k.size, "Xen", 1, &desc, &desc_size,
                                   &err), -1);
    assert_non_null(strstr(err.message, "AArch64"));
    free(file);
}

/* ---- reading files ---- */

static void test_read_file(void **state)
{
    (void)state;
    char path[] = "/tmp/wisp-elf-test-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char text[] = "\177ELF and some more bytes";
    assert_int_equal(write(fd, text, sizeof text), (ssize_t)sizeof text);

    struct wisp_error err = { 0 };
    uint8_t *data = NULL;
    size_t size = 0;
    assert_int_equal(elf_read_file(path, &data, &size, &err), 0);
    assert_int_equal(size, sizeof text);
    assert_memory_equal(data, text, sizeof text);
    free(data);

    /* Larger than the limit: refused without reading (sparse file). */
    assert_int_equal(ftruncate(fd, (off_t)ELF_MAX_FILE_SIZE + 1), 0);
    assert_int_equal(elf_read_file(path, &data, &size, &err), -1);
    show("big", &err);
    assert_int_equal(err.status, WISP_EXIT_BAD_KERNEL);
    assert_non_null(strstr(err.message, "refuses files over 1 GiB"));

    /* Empty: read fine, the loader then says "empty file". */
    assert_int_equal(ftruncate(fd, 0), 0);
    memset(&err, 0, sizeof err);
    assert_int_equal(elf_read_file(path, &data, &size, &err), 0);
    assert_int_equal(size, 0);
    free(data);
    close(fd);
    unlink(path);

    memset(&err, 0, sizeof err);
    assert_int_equal(elf_read_file(path, &data, &size, &err), -1);
    show("missing", &err);
    assert_non_null(strstr(err.message, "cannot open: No such file or directory"));

    memset(&err, 0, sizeof err);
    assert_int_equal(elf_read_file("/tmp", &data, &size, &err), -1);
    show("dir", &err);
    assert_non_null(strstr(err.message, "/tmp: is a directory"));

    memset(&err, 0, sizeof err);
    assert_int_equal(elf_read_file("/dev/null", &data, &size, &err), -1);
    show("device", &err);
    assert_non_null(strstr(err.message, "/dev/null: not a regular file"));
}

/* ---- setup ---- */

static int group_setup(void **state)
{
    (void)state;
    struct wisp_error err = { 0 };
    if (guest_memory_add_bank(&gm, "RAM", MEM_BANK_RAM, 0, RAM_SIZE, &err) < 0 ||
        guest_memory_add_bank(&gm, "framebuffer", MEM_BANK_FRAMEBUFFER,
                              WISP_FRAMEBUFFER_ADDR, WISP_FRAMEBUFFER_WINDOW, &err) < 0) {
        fprintf(stderr, "%s\n", err.message);
        return -1;
    }
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    guest_memory_release(&gm);
    return 0;
}

#define T(fn) cmocka_unit_test_setup(fn, fill_canary)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_valid_kernel_loads),
        T(test_physmap_linked_kernel_loads),
        T(test_pie_link_is_named),
        T(test_physmap_link_without_load_addresses),
        T(test_et_dyn_loads_at_link_address),
        T(test_empty_load_segment_is_skipped),
        T(test_bss_only_segment_ignores_offset),
        T(test_check_writes_nothing),
        T(test_truncated_header),
        T(test_truncated_program_headers),
        T(test_truncated_segments),
        T(test_bad_magic),
        T(test_32bit_class),
        T(test_big_endian),
        T(test_versions),
        T(test_wrong_machine),
        T(test_wrong_type),
        T(test_header_sizes),
        T(test_phnum),
        T(test_phoff_outside_file),
        T(test_filesz_above_memsz),
        T(test_segment_file_range),
        T(test_below_boot_area),
        T(test_reserved_ranges),
        T(test_outside_ram),
        T(test_paddr_overflow),
        T(test_overlapping_segments),
        T(test_entry_point),
        T(test_unmapped_vaddr),
        T(test_no_load_segments),
        T(test_too_many_load_segments),
        T(test_find_note),
        T(test_read_file),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
