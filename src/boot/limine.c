#include "limine.h"

#include <stdio.h>
#include <string.h>

#include "acpi_tables.h"
#include "elf64.h"

typedef unsigned long long ull;

#define BAD(...) wisp_fail(err, WISP_EXIT_BAD_KERNEL, __VA_ARGS__)

#define PAGE 0x1000ull
#define PAGE_2M 0x200000ull
#define PTE_P   (1ull << 0)
#define PTE_RW  (1ull << 1)
#define PTE_PS  (1ull << 7)
#define PTE_NX  (1ull << 63)
#define PTE_ADDR 0x000FFFFFFFFFF000ull

static uint64_t align_up(uint64_t x, uint64_t a) { return (x + a - 1) & ~(a - 1); }

/* ---- the requests wisp knows ---- */

enum req_kind {
    REQ_BOOTLOADER_INFO, REQ_FIRMWARE_TYPE, REQ_STACK_SIZE, REQ_HHDM, REQ_FRAMEBUFFER,
    REQ_PAGING_MODE, REQ_SMP, REQ_MEMMAP, REQ_ENTRY_POINT, REQ_KERNEL_FILE, REQ_CMDLINE,
    REQ_MODULE, REQ_RSDP, REQ_BOOT_TIME, REQ_KERNEL_ADDRESS, REQ_KINDS
};

static const struct { uint64_t id2, id3; const char *name; } request_ids[REQ_KINDS] = {
    [REQ_BOOTLOADER_INFO] = { 0xf55038d8e2a1202full, 0x279426fcf5f59740ull, "bootloader info" },
    [REQ_FIRMWARE_TYPE] = { 0x8c2f75d90bef28a8ull, 0x7045a4688eac00c3ull, "firmware type" },
    [REQ_STACK_SIZE] = { 0x224ef0460a8e8926ull, 0xe1cb0fc25f46ea3dull, "stack size" },
    [REQ_HHDM] = { 0x48dcf1cb8ad2b852ull, 0x63984e959a98244bull, "HHDM" },
    [REQ_FRAMEBUFFER] = { 0x9d5827dcd881dd75ull, 0xa3148604f6fab11bull, "framebuffer" },
    [REQ_PAGING_MODE] = { 0x95c1a0edab0944cbull, 0xa4e5cb3842f7488aull, "paging mode" },
    [REQ_SMP] = { 0x95a67b819a1b857eull, 0xa0b61b723b6a73e0ull, "SMP" },
    [REQ_MEMMAP] = { 0x67cf3d9d378a806full, 0xe304acdfc50c3c62ull, "memory map" },
    [REQ_ENTRY_POINT] = { 0x13d86c035a1cd3e1ull, 0x2b0caa89d8f3026aull, "entry point" },
    [REQ_KERNEL_FILE] = { 0xad97e90e83f1ed67ull, 0x31eb5d1c5ff23b69ull, "executable file" },
    [REQ_CMDLINE] = { 0x4b161536e598651eull, 0xb390ad4a2f1f303aull, "executable command line" },
    [REQ_MODULE] = { 0x3e7e279702be32afull, 0xca1c4f3bd1280ceeull, "module" },
    [REQ_RSDP] = { 0xc5e77b6b397e7b43ull, 0x27637845accdcf3cull, "RSDP" },
    [REQ_BOOT_TIME] = { 0x502746e184c088aaull, 0xfbc5ec83e6327893ull, "date at boot" },
    [REQ_KERNEL_ADDRESS] = { 0x71ba76863cc55f63ull, 0xb2644a48c516a487ull, "executable address" },
};

static const uint64_t start_marker[4] = { 0xf6b8f4b39de7d1aeull, 0xfab91a6940fcb9cfull,
                                          0x785c6ed015d3e316ull, 0x181e920a7852b9d9ull };
static const uint64_t end_marker[2] = { 0xadc0e0531bb10d03ull, 0x9572709f31764c62ull };

#define REQ_RESPONSE_OFFSET 40 /* id[4], revision */
#define REQ_MIN_SIZE        48

static uint64_t get64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

bool limine_detect(const uint8_t *file, size_t size)
{
    if (size < 64 || memcmp(file, ELFMAG, SELFMAG) != 0 || file[EI_CLASS] != ELFCLASS64)
        return false;
    for (size_t off = 0; off + 16 <= size; off += 8) {
        uint64_t a = get64(file + off), b = get64(file + off + 8);
        if ((a == LIMINE_COMMON_MAGIC_0 && b == LIMINE_COMMON_MAGIC_1) ||
            (a == LIMINE_BASE_REVISION_MAGIC_0 && b == LIMINE_BASE_REVISION_MAGIC_1))
            return true;
    }
    return false;
}

/* ---- the loader's state ---- */

struct ldr {
    struct guest_memory *gm;
    const char *p;
    struct wisp_error *err;
    struct kboot_area area;   /* the bootloader-reclaimable area, without the stack */
    uint64_t pml4;
    bool full;                /* the area ran out */
};

static uint64_t hhdm(uint64_t phys) { return phys + LIMINE_HHDM_OFFSET; }

static uint64_t alloc(struct ldr *l, uint64_t size, uint64_t align)
{
    uint64_t at = kboot_area_alloc(&l->area, size, align);
    if (!at || !guest_memory_fill(l->gm, at, 0, size)) {
        l->full = true;
        return 0;
    }
    return at;
}

static uint64_t put(struct ldr *l, const void *bytes, uint64_t size, uint64_t align)
{
    uint64_t at = alloc(l, size, align);
    if (at)
        guest_memory_write(l->gm, at, bytes, size);
    return at;
}

static uint64_t put_string(struct ldr *l, const char *s)
{
    return put(l, s ? s : "", strlen(s ? s : "") + 1, 1);
}

/* ---- page tables ---- */

static uint64_t *pte(struct ldr *l, uint64_t table, unsigned index)
{
    return guest_memory_ptr(l->gm, table + index * 8ull, 8);
}

/* The table at level depth (2 = page directory, 1 = page table) that maps
 * virt, created on the way down; 0 when the area is full. */
static uint64_t table_for(struct ldr *l, uint64_t virt, int depth)
{
    uint64_t table = l->pml4;
    for (int level = 4; level > depth; level--) {
        unsigned idx = (unsigned)(virt >> (12 + 9 * (level - 1))) & 511;
        uint64_t *e = pte(l, table, idx);
        if (!e)
            return 0;
        if (!(*e & PTE_P)) {
            uint64_t t = alloc(l, PAGE, PAGE);
            if (!t)
                return 0;
            e = pte(l, table, idx);
            *e = t | PTE_P | PTE_RW;
        }
        if (*e & PTE_PS)
            return 0; /* a large page already maps it: callers never ask so */
        table = *e & PTE_ADDR;
    }
    return table;
}

static bool map_2m(struct ldr *l, uint64_t virt, uint64_t phys, uint64_t size)
{
    for (uint64_t off = 0; off < size; off += PAGE_2M) {
        uint64_t pd = table_for(l, virt + off, 2);
        uint64_t *e = pd ? pte(l, pd, (unsigned)((virt + off) >> 21) & 511) : NULL;
        if (!e)
            return false;
        if (!(*e & PTE_P))
            *e = (phys + off) | PTE_P | PTE_RW | PTE_PS;
    }
    return true;
}

static bool map_4k(struct ldr *l, uint64_t virt, uint64_t phys, uint64_t size, uint64_t flags)
{
    for (uint64_t off = 0; off < size; off += PAGE) {
        uint64_t pt = table_for(l, virt + off, 1);
        uint64_t *e = pt ? pte(l, pt, (unsigned)((virt + off) >> 12) & 511) : NULL;
        if (!e)
            return false;
        if (*e & PTE_P) /* a page two segments share: the union of their rights */
            *e = (*e | (flags & PTE_RW)) & ~(((*e & PTE_NX) && (flags & PTE_NX)) ? 0 : PTE_NX);
        else
            *e = (phys + off) | PTE_P | flags;
    }
    return true;
}

/* ---- the kernel image ---- */

struct kseg {
    uint64_t vaddr, offset, filesz, memsz;
    uint32_t flags;
};

struct kernel {
    unsigned count;
    struct kseg segs[32];
    uint64_t vmin, vmax, entry;
    bool dyn;
};

static int parse_kernel(const char *p, const uint8_t *file, size_t size, struct kernel *k,
                        struct wisp_error *err)
{
    if (size < sizeof(Elf64_Ehdr) || memcmp(file, ELFMAG, SELFMAG) != 0)
        return BAD("%s: not an ELF file; a Limine kernel is an ELF64 x86-64 executable", p);
    if (file[EI_CLASS] != ELFCLASS64 || file[EI_DATA] != ELFDATA2LSB)
        return BAD("%s: not a little-endian ELF64 file; a Limine kernel is ELF64 x86-64", p);
    Elf64_Ehdr eh;
    memcpy(&eh, file, sizeof eh);
    if (eh.e_machine != EM_X86_64)
        return BAD("%s: ELF machine %u; a Limine kernel for x86-64 is EM_X86_64", p, eh.e_machine);
    if (eh.e_type != ET_EXEC && eh.e_type != ET_DYN)
        return BAD("%s: ELF type %u; expected an executable (ET_EXEC or ET_DYN)", p, eh.e_type);
    if (eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0 || eh.e_phnum > 128)
        return BAD("%s: bad program header table (e_phentsize %u, e_phnum %u)", p,
                   eh.e_phentsize, eh.e_phnum);
    if (eh.e_phoff > size || (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr) > size - eh.e_phoff)
        return BAD("%s: program header table lies outside the %zu-byte file; truncated?", p,
                   size);
    memset(k, 0, sizeof *k);
    k->dyn = eh.e_type == ET_DYN;
    k->vmin = UINT64_MAX;
    for (unsigned i = 0; i < eh.e_phnum; i++) {
        Elf64_Phdr ph;
        memcpy(&ph, file + eh.e_phoff + (uint64_t)i * sizeof ph, sizeof ph);
        if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
            continue;
        if (ph.p_filesz > ph.p_memsz)
            return BAD("%s: segment %u: file size 0x%llx is larger than its memory size 0x%llx",
                       p, i, (ull)ph.p_filesz, (ull)ph.p_memsz);
        if (ph.p_filesz && (ph.p_offset > size || ph.p_filesz > size - ph.p_offset))
            return BAD("%s: segment %u file bytes 0x%llx+0x%llx lie outside the %zu-byte file; "
                       "truncated?", p, i, (ull)ph.p_offset, (ull)ph.p_filesz, size);
        if (ph.p_vaddr < LIMINE_KERNEL_MIN_VA) {
            if (k->dyn)
                return BAD("%s: position-independent kernel linked at 0x%llx: wisp loads Limine "
                           "kernels at their link address and does not relocate them; link at "
                           "or above 0xffffffff80000000", p, (ull)ph.p_vaddr);
            return BAD("%s: segment %u is linked at 0x%llx; the Limine protocol loads kernels "
                       "at or above 0xffffffff80000000", p, i, (ull)ph.p_vaddr);
        }
        if (ph.p_memsz - 1 > UINT64_MAX - ph.p_vaddr)
            return BAD("%s: segment %u runs past the end of the address space", p, i);
        if (k->count == 32)
            return BAD("%s: more than 32 loadable segments", p);
        k->segs[k->count++] = (struct kseg){ ph.p_vaddr, ph.p_offset, ph.p_filesz, ph.p_memsz,
                                             ph.p_flags };
        if (ph.p_vaddr < k->vmin)
            k->vmin = ph.p_vaddr;
        uint64_t end = ph.p_vaddr + ph.p_memsz - 1;
        if (end > k->vmax)
            k->vmax = end;
    }
    if (k->count == 0)
        return BAD("%s: no loadable (PT_LOAD) segments", p);
    for (unsigned a = 0; a < k->count; a++)
        for (unsigned b = a + 1; b < k->count; b++) {
            const struct kseg *s = &k->segs[a], *t = &k->segs[b];
            if (s->vaddr <= t->vaddr + (t->memsz - 1) && t->vaddr <= s->vaddr + (s->memsz - 1))
                return BAD("%s: segments overlap in virtual memory (0x%llx and 0x%llx)", p,
                           (ull)s->vaddr, (ull)t->vaddr);
        }
    k->vmin &= ~(PAGE - 1);
    k->entry = eh.e_entry;
    return 0;
}

static bool entry_is_executable(const struct kernel *k, uint64_t entry)
{
    for (unsigned i = 0; i < k->count; i++)
        if (entry >= k->segs[i].vaddr && entry - k->segs[i].vaddr < k->segs[i].memsz)
            return (k->segs[i].flags & PF_X) != 0;
    return false;
}

/* ---- finding the requests ---- */

struct found {
    uint64_t phys[REQ_KINDS];   /* 0: not requested */
    uint64_t revision[REQ_KINDS];
    uint64_t base_tag;          /* physical address of the base revision tag, or 0 */
    uint64_t requested_revision;
};

static int scan_requests(const char *p, const uint8_t *image, uint64_t span, uint64_t phys,
                         struct found *f, struct wisp_error *err)
{
    memset(f, 0, sizeof *f);
    uint64_t start = 0, end = span;
    for (uint64_t o = 0; o + 32 <= span; o += 8)
        if (memcmp(image + o, start_marker, 32) == 0)
            start = o + 32; /* the last start marker */
    for (uint64_t o = start; o + 16 <= span; o += 8)
        if (memcmp(image + o, end_marker, 16) == 0) {
            end = o; /* the first end marker after it */
            break;
        }
    for (uint64_t o = start; o + 24 <= end; o += 8) {
        uint64_t a = get64(image + o), b = get64(image + o + 8);
        if (a == LIMINE_BASE_REVISION_MAGIC_0 && b == LIMINE_BASE_REVISION_MAGIC_1) {
            if (f->base_tag)
                return BAD("%s: two Limine base revision tags (at +0x%llx and +0x%llx)", p,
                           (ull)(f->base_tag - phys), (ull)o);
            f->base_tag = phys + o;
            f->requested_revision = get64(image + o + 16);
            continue;
        }
        if (a != LIMINE_COMMON_MAGIC_0 || b != LIMINE_COMMON_MAGIC_1 || o + REQ_MIN_SIZE > end)
            continue;
        uint64_t id2 = get64(image + o + 16), id3 = get64(image + o + 24);
        for (unsigned k = 0; k < REQ_KINDS; k++) {
            if (request_ids[k].id2 != id2 || request_ids[k].id3 != id3)
                continue;
            if (f->phys[k])
                return BAD("%s: the Limine %s request appears twice (at +0x%llx and +0x%llx); "
                           "the protocol refuses such kernels", p, request_ids[k].name,
                           (ull)(f->phys[k] - phys), (ull)o);
            f->phys[k] = phys + o;
            f->revision[k] = get64(image + o + 32);
        }
    }
    return 0;
}

/* A field of a request past its common part, 0 if it lies past the image
 * (the request was cut by the end of the image). */
static uint64_t req_field(const struct guest_memory *gm, uint64_t req, unsigned offset)
{
    uint64_t v = 0;
    guest_memory_read(gm, req + offset, &v, 8);
    return v;
}

/* ---- the memory map ---- */

#define MAP_MAX 64

struct region { uint64_t base, end, type; };

/* Marks [base, end) as type, cutting usable entries around it. */
static unsigned carve(struct region *r, unsigned n, uint64_t base, uint64_t end, uint64_t type)
{
    struct region out[MAP_MAX];
    unsigned m = 0;
    for (unsigned i = 0; i < n && m + 3 <= MAP_MAX; i++) {
        if (r[i].type != LIMINE_MEMMAP_USABLE || r[i].end <= base || end <= r[i].base) {
            out[m++] = r[i];
            continue;
        }
        if (r[i].base < base)
            out[m++] = (struct region){ r[i].base, base, r[i].type };
        uint64_t lo = r[i].base > base ? r[i].base : base, hi = r[i].end < end ? r[i].end : end;
        if (type != (uint64_t)-1)
            out[m++] = (struct region){ lo, hi, type };
        if (r[i].end > end)
            out[m++] = (struct region){ end, r[i].end, r[i].type };
    }
    memcpy(r, out, m * sizeof out[0]);
    return m;
}

static unsigned build_map(const struct guest_memory *gm, const struct kboot_params *params,
                          uint64_t kernel_base, uint64_t kernel_end, uint64_t reclaim_base,
                          uint64_t reclaim_end, struct region *r)
{
    struct boot_e820_entry e820[LINUX_E820_MAX];
    unsigned entries = kboot_memory_map(gm, e820, LINUX_E820_MAX), n = 0;
    for (unsigned i = 0; i < entries && n < MAP_MAX - 1; i++)
        r[n++] = (struct region){ e820[i].addr, e820[i].addr + e820[i].size,
                                  e820[i].type == E820_TYPE_RAM ? LIMINE_MEMMAP_USABLE
                                                                : LIMINE_MEMMAP_RESERVED };
    n = carve(r, n, 0, PAGE, (uint64_t)-1); /* page 0 is never usable */
    n = carve(r, n, kernel_base, kernel_end, LIMINE_MEMMAP_KERNEL_AND_MODULES);
    n = carve(r, n, reclaim_base, reclaim_end, LIMINE_MEMMAP_BOOTLOADER_RECLAIMABLE);
    /* Usable and reclaimable entries are whole pages (the protocol says
     * so): the EBDA's page loses its usable head. */
    for (unsigned i = 0; i < n; i++)
        if (r[i].type == LIMINE_MEMMAP_USABLE || r[i].type == LIMINE_MEMMAP_BOOTLOADER_RECLAIMABLE) {
            r[i].base = align_up(r[i].base, PAGE);
            r[i].end &= ~(PAGE - 1);
            if (r[i].end < r[i].base)
                r[i].end = r[i].base;
        }
    unsigned kept = 0;
    for (unsigned i = 0; i < n; i++)
        if (r[i].end > r[i].base)
            r[kept++] = r[i];
    n = kept;
    if (params->fb.kind == KBOOT_FB_RGB && n < MAP_MAX)
        r[n++] = (struct region){ params->fb.addr,
                                  params->fb.addr + (uint64_t)params->fb.pitch * params->fb.height,
                                  LIMINE_MEMMAP_FRAMEBUFFER };
    /* In address order, as the protocol promises: the framebuffer may lie
     * below a reserved window (PCI's ECAM). Insertion sort: a few entries. */
    for (unsigned i = 1; i < n; i++)
        for (unsigned j = i; j > 0 && r[j - 1].base > r[j].base; j--) {
            struct region t = r[j];
            r[j] = r[j - 1];
            r[j - 1] = t;
        }
    return n;
}

/* ---- answering ---- */

struct limine_file_struct {
    uint64_t revision, address, size, path, cmdline;
    uint32_t media_type, unused, tftp_ip, tftp_port, partition_index, mbr_disk_id;
    uint8_t gpt_disk_uuid[16], gpt_part_uuid[16], part_uuid[16];
};
_Static_assert(sizeof(struct limine_file_struct) == 112, "struct limine_file is 112 bytes");

struct limine_framebuffer_struct {
    uint64_t address, width, height, pitch;
    uint16_t bpp;
    uint8_t memory_model, red_size, red_shift, green_size, green_shift, blue_size, blue_shift;
    uint8_t unused[7];
    uint64_t edid_size, edid, mode_count, modes;
};
_Static_assert(sizeof(struct limine_framebuffer_struct) == 80, "limine_framebuffer");

struct limine_video_mode_struct {
    uint64_t pitch, width, height;
    uint16_t bpp;
    uint8_t memory_model, red_size, red_shift, green_size, green_shift, blue_size, blue_shift;
};
_Static_assert(sizeof(struct limine_video_mode_struct) == 40, "limine_video_mode");

struct limine_smp_info_struct {
    uint32_t processor_id, lapic_id;
    uint64_t reserved, goto_address, extra_argument;
};

static uint64_t file_struct(struct ldr *l, uint64_t addr, uint64_t size, const char *path,
                            const char *cmdline)
{
    char slashed[4096];
    snprintf(slashed, sizeof slashed, "%s%s", path[0] == '/' ? "" : "/", path);
    struct limine_file_struct f;
    memset(&f, 0, sizeof f);
    f.address = hhdm(addr);
    f.size = size;
    f.path = hhdm(put_string(l, slashed));
    f.cmdline = hhdm(put_string(l, cmdline));
    return put(l, &f, sizeof f, 8);
}

static uint64_t answer_framebuffer(struct ldr *l, const struct kboot_framebuffer *fb)
{
    if (fb->kind != KBOOT_FB_RGB)
        return 0;
    struct limine_video_mode_struct mode = {
        fb->pitch, fb->width, fb->height, fb->bpp, 1, 8, 16, 8, 8, 8, 0 };
    uint64_t mode_at = put(l, &mode, sizeof mode, 8);
    uint64_t modes = hhdm(mode_at);
    uint64_t modes_at = put(l, &modes, 8, 8);
    struct limine_framebuffer_struct f = {
        .address = hhdm(fb->addr), .width = fb->width, .height = fb->height, .pitch = fb->pitch,
        .bpp = fb->bpp, .memory_model = 1, .red_size = 8, .red_shift = 16, .green_size = 8,
        .green_shift = 8, .blue_size = 8, .blue_shift = 0, .mode_count = 1,
        .modes = hhdm(modes_at) };
    uint64_t f_at = put(l, &f, sizeof f, 8);
    uint64_t list = hhdm(f_at);
    uint64_t list_at = put(l, &list, 8, 8);
    uint64_t resp[3] = { 1, 1, hhdm(list_at) }; /* revision 1: the video modes */
    return put(l, resp, sizeof resp, 8);
}

/* SMP hook: one limine_smp_info per processor wisp runs. The bootstrap
 * processor is the one entering the kernel; once wisp has more vCPUs (the
 * SMP work), each application processor must be parked polling its
 * goto_address (written by the kernel) and entered with RDI = its info,
 * on its own stack, in the same state as the BSP. Until then params->cpus
 * is 1 and the response says so. */
static uint64_t answer_smp(struct ldr *l, unsigned cpus)
{
    if (cpus == 0)
        cpus = 1;
    uint64_t ptrs[256];
    if (cpus > 256)
        cpus = 256;
    for (unsigned i = 0; i < cpus; i++) {
        struct limine_smp_info_struct info = { i, i, 0, 0, 0 };
        ptrs[i] = hhdm(put(l, &info, sizeof info, 8));
    }
    uint64_t list_at = put(l, ptrs, cpus * 8ull, 8);
    struct { uint64_t revision; uint32_t flags, bsp_lapic_id; uint64_t cpu_count, cpus; } resp = {
        0, 0, 0, cpus, hhdm(list_at) };
    return put(l, &resp, sizeof resp, 8);
}

static uint64_t answer_memmap(struct ldr *l, const struct region *r, unsigned n)
{
    uint64_t ptrs[MAP_MAX];
    for (unsigned i = 0; i < n; i++) {
        uint64_t e[3] = { r[i].base, r[i].end - r[i].base, r[i].type };
        ptrs[i] = hhdm(put(l, e, sizeof e, 8));
    }
    uint64_t list_at = put(l, ptrs, n * 8ull, 8);
    uint64_t resp[3] = { 0, n, hhdm(list_at) };
    return put(l, resp, sizeof resp, 8);
}

/* ---- the GDT ---- */

static const uint64_t limine_gdt[7] = {
    0,
    0x00009A000000FFFFull, /* 16-bit code, base 0, limit 0xFFFF, readable */
    0x000092000000FFFFull, /* 16-bit data, writable */
    0x00CF9A000000FFFFull, /* 32-bit code, 4 GiB, readable */
    0x00CF92000000FFFFull, /* 32-bit data, 4 GiB, writable */
    0x00AF9B000000FFFFull, /* 64-bit code (0x28) */
    0x00CF93000000FFFFull, /* 64-bit data (0x30) */
};

int limine_load(struct guest_memory *gm, const char *p, const uint8_t *file, size_t size,
                const struct kboot_params *params, struct limine_result *out,
                struct wisp_error *err)
{
    struct kernel k;
    if (parse_kernel(p, file, size, &k, err) < 0)
        return -1;
    uint64_t span = align_up(k.vmax + 1 - k.vmin, PAGE);
    if (k.vmax + 1 - k.vmin == 0 || span == 0)
        return BAD("%s: the kernel spans the whole address space", p);
    uint64_t ram = guest_memory_ram_size(gm);
    uint64_t phys = KBOOT_KERNEL_MIN;
    const struct mem_bank *bank = guest_memory_bank_at(gm, phys, span);
    if (span > ram || !bank || bank->kind != MEM_BANK_RAM) {
        char sz[32];
        return BAD("%s: the kernel image (%s from 0x%llx) does not fit in guest RAM from 1 MiB; "
                   "try -m", p, linux_format_size(sz, span), (ull)k.vmin);
    }
    if (params->module_count > KBOOT_MAX_MODULES)
        return wisp_fail(err, WISP_EXIT_USAGE, "%u modules; wisp passes at most %u",
                         params->module_count, KBOOT_MAX_MODULES);

    /* The image, then the requests in it as loaded. */
    guest_memory_fill(gm, phys, 0, span);
    for (unsigned i = 0; i < k.count; i++)
        if (k.segs[i].filesz)
            guest_memory_write(gm, phys + (k.segs[i].vaddr - k.vmin), file + k.segs[i].offset,
                               k.segs[i].filesz);
    struct found f;
    if (scan_requests(p, guest_memory_ptr(gm, phys, span), span, phys, &f, err) < 0)
        return -1;

    unsigned revision = f.base_tag ? (unsigned)(f.requested_revision > LIMINE_MAX_BASE_REVISION
                                                    ? LIMINE_MAX_BASE_REVISION
                                                    : f.requested_revision)
                                   : 0;
    uint64_t entry = k.entry;
    if (f.phys[REQ_ENTRY_POINT])
        entry = req_field(gm, f.phys[REQ_ENTRY_POINT], 48);
    if (!entry_is_executable(&k, entry))
        return BAD("%s: entry point 0x%llx%s is not inside an executable segment", p, (ull)entry,
                   f.phys[REQ_ENTRY_POINT] ? " (from the entry point request)" : "");
    if (f.phys[REQ_PAGING_MODE] && f.revision[REQ_PAGING_MODE] >= 1) {
        uint64_t min_mode = req_field(gm, f.phys[REQ_PAGING_MODE], 64);
        if (min_mode > 0)
            return BAD("%s: the paging mode request needs mode %llu or higher (5-level paging); "
                       "wisp sets up 4-level paging", p, (ull)min_mode);
    }
    uint64_t stack = LIMINE_STACK_SIZE;
    if (f.phys[REQ_STACK_SIZE]) {
        uint64_t want = req_field(gm, f.phys[REQ_STACK_SIZE], 48);
        if (want > LIMINE_STACK_MAX)
            return BAD("%s: the stack size request asks for %llu bytes; wisp gives at most %llu",
                       p, (ull)want, (ull)LIMINE_STACK_MAX);
        if (want > stack)
            stack = align_up(want, PAGE);
    }

    /* Modules and the kernel file after the image. */
    struct boot_e820_entry e820[LINUX_E820_MAX];
    unsigned entries = kboot_memory_map(gm, e820, LINUX_E820_MAX);
    struct limine_result r;
    memset(&r, 0, sizeof r);
    uint64_t cursor = phys + span, kfile_addr = 0;
    struct kboot_module kfile = { p, params->cmdline, file, size };
    if (kboot_place_modules(gm, e820, entries, params->modules, params->module_count, PAGE, ram,
                            &cursor, r.module_addrs, err) < 0 ||
        kboot_place_modules(gm, e820, entries, &kfile, 1, PAGE, ram, &cursor, &kfile_addr,
                            err) < 0)
        return -1;

    /* The bootloader-reclaimable area: tables, GDT, responses, stack. */
    uint64_t kernel_end = align_up(cursor, PAGE);
    uint64_t reclaim_size = align_up(stack + (1ull << 20) + span / 256, PAGE);
    const struct mem_bank *rb = guest_memory_bank_at(gm, kernel_end, reclaim_size);
    if (!rb || rb->kind != MEM_BANK_RAM) {
        char sz[32];
        return BAD("%s: no room for the boot data (%s) after the kernel and modules (0x%llx); "
                   "try a larger -m", p, linux_format_size(sz, reclaim_size), (ull)kernel_end);
    }
    struct ldr l = { .gm = gm, .p = p, .err = err };
    uint64_t stack_base = kernel_end + reclaim_size - stack;
    kboot_area_init(&l.area, kernel_end, stack_base);
    l.pml4 = alloc(&l, PAGE, PAGE);

    /* Page tables: the HHDM, the identity map (revision 0), the kernel. */
    uint64_t fb_size = (uint64_t)params->fb.pitch * params->fb.height;
    bool ok = l.pml4 != 0;
    if (revision <= 2) {
        uint64_t limit = align_up(ram > (4ull << 30) ? ram : (4ull << 30), PAGE_2M);
        ok = ok && map_2m(&l, hhdm(0), 0, limit);
    } else {
        ok = ok && map_2m(&l, hhdm(0), 0, align_up(ram, PAGE_2M));
        if (params->fb.kind == KBOOT_FB_RGB)
            ok = ok && map_2m(&l, hhdm(params->fb.addr & ~(PAGE_2M - 1)),
                              params->fb.addr & ~(PAGE_2M - 1),
                              align_up(fb_size + (params->fb.addr & (PAGE_2M - 1)), PAGE_2M));
    }
    if (revision == 0)
        ok = ok && map_4k(&l, PAGE, PAGE, PAGE_2M - PAGE, PTE_RW) &&
             map_2m(&l, PAGE_2M, PAGE_2M, (4ull << 30) - PAGE_2M);
    for (unsigned i = 0; ok && i < k.count; i++) {
        const struct kseg *s = &k.segs[i];
        uint64_t vbase = s->vaddr & ~(PAGE - 1);
        uint64_t vend = align_up(s->vaddr + s->memsz, PAGE);
        uint64_t flags = ((s->flags & PF_W) ? PTE_RW : 0) | ((s->flags & PF_X) ? 0 : PTE_NX);
        ok = map_4k(&l, vbase, phys + (vbase - k.vmin), vend - vbase, flags);
    }
    uint64_t gdt = put(&l, limine_gdt, sizeof limine_gdt, 16);
    if (!ok || !gdt)
        return wisp_fail(err, WISP_EXIT_HOST_ERROR, "%s: internal error: the boot page tables "
                         "do not fit their area", p);

    /* The answers. */
    struct region map[MAP_MAX];
    unsigned map_n = build_map(gm, params, phys, kernel_end, kernel_end,
                               kernel_end + reclaim_size, map);
    uint64_t answers[REQ_KINDS] = { 0 };
    char version[64];
    snprintf(version, sizeof version, "%s", params->loader_version ? params->loader_version : "");
    for (unsigned kind = 0; kind < REQ_KINDS; kind++) {
        if (!f.phys[kind])
            continue;
        uint64_t resp[4] = { 0 };
        switch (kind) {
        case REQ_BOOTLOADER_INFO:
            resp[1] = hhdm(put_string(&l, KBOOT_LOADER_NAME));
            resp[2] = hhdm(put_string(&l, version));
            answers[kind] = put(&l, resp, 24, 8);
            break;
        case REQ_FIRMWARE_TYPE: /* resp[1] = 0: x86 BIOS */
        case REQ_PAGING_MODE:   /* resp[1] = 0: 4-level */
            answers[kind] = put(&l, resp, 16, 8);
            break;
        case REQ_STACK_SIZE:
        case REQ_ENTRY_POINT:
            answers[kind] = put(&l, resp, 8, 8);
            break;
        case REQ_HHDM:
            resp[1] = LIMINE_HHDM_OFFSET;
            answers[kind] = put(&l, resp, 16, 8);
            break;
        case REQ_FRAMEBUFFER:
            answers[kind] = answer_framebuffer(&l, &params->fb);
            break;
        case REQ_SMP:
            answers[kind] = answer_smp(&l, params->cpus);
            break;
        case REQ_MEMMAP:
            answers[kind] = answer_memmap(&l, map, map_n);
            break;
        case REQ_KERNEL_FILE:
            resp[1] = hhdm(file_struct(&l, kfile_addr, size, p, params->cmdline));
            answers[kind] = put(&l, resp, 16, 8);
            break;
        case REQ_CMDLINE:
            resp[1] = hhdm(put_string(&l, params->cmdline));
            answers[kind] = put(&l, resp, 16, 8);
            break;
        case REQ_MODULE: {
            uint64_t ptrs[KBOOT_MAX_MODULES];
            for (unsigned i = 0; i < params->module_count; i++) {
                const struct kboot_module *m = &params->modules[i];
                ptrs[i] = hhdm(file_struct(&l, r.module_addrs[i], m->size, m->path, m->cmdline));
            }
            resp[1] = params->module_count;
            resp[2] = hhdm(put(&l, ptrs, params->module_count * 8ull + 8, 8));
            answers[kind] = put(&l, resp, 24, 8); /* revision 0: no internal modules */
            break;
        }
        case REQ_RSDP:
            if (!params->acpi_rsdp)
                break;
            resp[1] = revision >= 3 ? params->acpi_rsdp : hhdm(params->acpi_rsdp);
            answers[kind] = put(&l, resp, 16, 8);
            break;
        case REQ_BOOT_TIME:
            resp[1] = params->boot_time;
            answers[kind] = put(&l, resp, 16, 8);
            break;
        case REQ_KERNEL_ADDRESS:
            resp[1] = phys;
            resp[2] = k.vmin;
            answers[kind] = put(&l, resp, 24, 8);
            break;
        }
    }
    if (l.full)
        return wisp_fail(err, WISP_EXIT_USAGE, "%s: the Limine responses (modules, command "
                         "lines, memory map) do not fit wisp's boot data area", p);
    for (unsigned kind = 0; kind < REQ_KINDS; kind++) {
        if (!answers[kind])
            continue;
        uint64_t ptr = hhdm(answers[kind]);
        guest_memory_write(gm, f.phys[kind] + REQ_RESPONSE_OFFSET, &ptr, 8);
        r.requests_answered++;
    }
    if (f.base_tag && f.requested_revision <= LIMINE_MAX_BASE_REVISION) {
        uint64_t loaded[2] = { revision, 0 }; /* loaded revision, "supported" */
        guest_memory_write(gm, f.base_tag + 8, loaded, sizeof loaded);
    }

    /* The stack: a 0 return address on top. */
    uint64_t top = stack_base + stack - 8, zero = 0;
    guest_memory_write(gm, top, &zero, 8);

    r.base_revision = revision;
    r.requested_revision = f.base_tag ? (unsigned)(f.requested_revision > 0xFFFF
                                                       ? 0xFFFF : f.requested_revision) : 0;
    r.kernel_phys = phys;
    r.kernel_virt = k.vmin;
    r.kernel_size = span;
    r.entry = entry;
    r.stack_top = hhdm(top);
    r.pml4 = l.pml4;
    r.gdt = hhdm(gdt);
    r.reclaim_base = kernel_end;
    r.reclaim_end = kernel_end + reclaim_size;
    *out = r;
    return 0;
}

static struct accel_segment seg64(uint16_t selector, uint16_t type, bool code)
{
    return (struct accel_segment){
        .base = 0, .limit = 0xFFFFFFFF, .selector = selector,
        .attributes = (uint16_t)(type | ACCEL_SEG_S | ACCEL_SEG_PRESENT | ACCEL_SEG_GRANULAR |
                                 (code ? ACCEL_SEG_LONG : ACCEL_SEG_DB)) };
}

void limine_entry_state(const struct limine_result *r, struct accel_regs *regs,
                        struct accel_sregs *sregs)
{
    sregs->cs = seg64(LIMINE_SELECTOR_CODE64, 0xB, true);
    sregs->ds = seg64(LIMINE_SELECTOR_DATA64, 0x3, false);
    sregs->es = sregs->fs = sregs->gs = sregs->ss = sregs->ds;
    sregs->tr = (struct accel_segment){ .limit = 0x67, .attributes = 0xB | ACCEL_SEG_PRESENT };
    sregs->ldt = (struct accel_segment){ .attributes = 0x2 };
    sregs->gdt = (struct accel_table){ r->gdt, sizeof limine_gdt - 1 };
    sregs->idt = (struct accel_table){ 0, 0 };
    sregs->cr0 = (1ull << 0) | (1ull << 1) | (1ull << 4) | (1ull << 5) | (1ull << 16) |
                 (1ull << 31);              /* PE MP ET NE WP PG */
    sregs->cr2 = 0;
    sregs->cr3 = r->pml4;
    sregs->cr4 = (1ull << 5) | (1ull << 9) | (1ull << 10); /* PAE OSFXSR OSXMMEXCPT */
    sregs->efer = (1ull << 8) | (1ull << 10) | (1ull << 11); /* LME LMA NXE */
    memset(regs, 0, sizeof *regs);
    regs->rip = r->entry;
    regs->rsp = r->stack_top;
    regs->rflags = 0x2;
}
