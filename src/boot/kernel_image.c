#include "kernel_image.h"

#include <string.h>

#include "elf64.h"

typedef unsigned long long ull;

#define BAD(...) wisp_fail(err, WISP_EXIT_BAD_KERNEL, __VA_ARGS__)

/* ELF32 as the gABI defines it: only what a loader reads. */
struct elf32_ehdr {
    unsigned char e_ident[EI_NIDENT];
    uint16_t e_type, e_machine;
    uint32_t e_version, e_entry, e_phoff, e_shoff, e_flags;
    uint16_t e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx;
};
struct elf32_phdr {
    uint32_t p_type, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_flags, p_align;
};
_Static_assert(sizeof(struct elf32_ehdr) == 52, "Elf32_Ehdr is 52 bytes");
_Static_assert(sizeof(struct elf32_phdr) == 32, "Elf32_Phdr is 32 bytes");

#define KIMAGE_MAX_PHNUM 128

/* One program header of either class, widened. */
struct phdr {
    uint32_t type;
    uint64_t offset, vaddr, paddr, filesz, memsz;
};

/* phys_start and phys_end from the segments. */
static void set_bounds(struct kimage *img)
{
    img->phys_start = UINT64_MAX;
    img->phys_end = 0;
    for (unsigned i = 0; i < img->count; i++) {
        const struct kimage_segment *s = &img->segments[i];
        if (s->paddr < img->phys_start)
            img->phys_start = s->paddr;
        if (s->paddr + s->memsz > img->phys_end)
            img->phys_end = s->paddr + s->memsz;
    }
}

static void read_phdr(const uint8_t *file, bool is64, uint64_t phoff, unsigned i, struct phdr *ph)
{
    if (is64) {
        Elf64_Phdr p;
        memcpy(&p, file + phoff + (uint64_t)i * sizeof p, sizeof p);
        *ph = (struct phdr){ p.p_type, p.p_offset, p.p_vaddr, p.p_paddr, p.p_filesz, p.p_memsz };
    } else {
        struct elf32_phdr p;
        memcpy(&p, file + phoff + (uint64_t)i * sizeof p, sizeof p);
        *ph = (struct phdr){ p.p_type, p.p_offset, p.p_vaddr, p.p_paddr, p.p_filesz, p.p_memsz };
    }
}

int kimage_from_elf(const char *p, const uint8_t *file, size_t size, struct kimage *out,
                    struct wisp_error *err)
{
    if (size < EI_NIDENT || memcmp(file, ELFMAG, SELFMAG) != 0)
        return BAD("%s: not an ELF file", p);
    bool is64 = file[EI_CLASS] == ELFCLASS64;
    if (!is64 && file[EI_CLASS] != ELFCLASS32)
        return BAD("%s: invalid ELF class %u", p, file[EI_CLASS]);
    if (file[EI_DATA] != ELFDATA2LSB)
        return BAD("%s: not a little-endian ELF file", p);

    uint16_t machine, phentsize, phnum;
    uint64_t entry, phoff;
    if (is64) {
        Elf64_Ehdr eh;
        if (size < sizeof eh)
            return BAD("%s: truncated: %llu bytes, shorter than the ELF64 header", p, (ull)size);
        memcpy(&eh, file, sizeof eh);
        machine = eh.e_machine;
        phentsize = eh.e_phentsize;
        phnum = eh.e_phnum;
        entry = eh.e_entry;
        phoff = eh.e_phoff;
        if (phentsize != sizeof(Elf64_Phdr) && phnum)
            return BAD("%s: program header size %u, expected %u", p, phentsize,
                       (unsigned)sizeof(Elf64_Phdr));
    } else {
        struct elf32_ehdr eh;
        if (size < sizeof eh)
            return BAD("%s: truncated: %llu bytes, shorter than the ELF32 header", p, (ull)size);
        memcpy(&eh, file, sizeof eh);
        machine = eh.e_machine;
        phentsize = eh.e_phentsize;
        phnum = eh.e_phnum;
        entry = eh.e_entry;
        phoff = eh.e_phoff;
        if (phentsize != sizeof(struct elf32_phdr) && phnum)
            return BAD("%s: program header size %u, expected %u", p, phentsize,
                       (unsigned)sizeof(struct elf32_phdr));
    }
    if (machine != (is64 ? EM_X86_64 : EM_386))
        return BAD("%s: ELF%d file for machine %u; a Multiboot kernel is %s", p, is64 ? 64 : 32,
                   machine, is64 ? "x86-64 (EM_X86_64)" : "i386 (EM_386)");
    if (phnum == 0)
        return BAD("%s: no program headers", p);
    if (phnum > KIMAGE_MAX_PHNUM)
        return BAD("%s: %u program headers; wisp accepts at most %u", p, phnum, KIMAGE_MAX_PHNUM);
    uint64_t table = (uint64_t)phnum * phentsize;
    if (phoff > size || table > size - phoff)
        return BAD("%s: program header table (offset 0x%llx, %u entries) lies outside the "
                   "%llu-byte file; truncated?", p, (ull)phoff, phnum, (ull)size);

    struct kimage img;
    memset(&img, 0, sizeof img);
    img.elf64 = is64;
    bool entry_found = false;
    for (unsigned i = 0; i < phnum; i++) {
        struct phdr ph;
        read_phdr(file, is64, phoff, i, &ph);
        if (ph.type != PT_LOAD || ph.memsz == 0)
            continue;
        if (ph.filesz > ph.memsz)
            return BAD("%s: segment %u: file size 0x%llx is larger than its memory size 0x%llx",
                       p, i, (ull)ph.filesz, (ull)ph.memsz);
        if (ph.filesz && (ph.offset > size || ph.filesz > size - ph.offset))
            return BAD("%s: segment %u file bytes 0x%llx+0x%llx lie outside the %llu-byte "
                       "file; truncated?", p, i, (ull)ph.offset, (ull)ph.filesz, (ull)size);
        if (ph.memsz - 1 > UINT64_MAX - ph.paddr || ph.memsz - 1 > UINT64_MAX - ph.vaddr)
            return BAD("%s: segment %u runs past the end of the address space", p, i);
        if (img.count == KIMAGE_MAX_SEGMENTS)
            return BAD("%s: more than %u loadable segments", p, KIMAGE_MAX_SEGMENTS);
        img.segments[img.count++] = (struct kimage_segment){
            .paddr = ph.paddr, .file_offset = ph.offset, .filesz = ph.filesz,
            .memsz = ph.memsz, .index = i };
        /* GRUB: an entry inside a segment's virtual range moves to the
         * same offset in its physical range. */
        if (!entry_found && entry >= ph.vaddr && entry - ph.vaddr < ph.memsz) {
            entry = ph.paddr + (entry - ph.vaddr);
            entry_found = true;
        }
    }
    if (img.count == 0)
        return BAD("%s: no loadable (PT_LOAD) segments", p);
    if (!entry_found)
        return BAD("%s: entry point 0x%llx is not inside any loadable segment", p, (ull)entry);
    img.entry = entry;
    set_bounds(&img);
    *out = img;
    return 0;
}

int kimage_from_addresses(const char *p, const char *what, const uint8_t *file, size_t size,
                          uint64_t header_offset, uint32_t header_addr, uint32_t load_addr,
                          uint32_t load_end_addr, uint32_t bss_end_addr, uint32_t entry_addr,
                          struct kimage *out, struct wisp_error *err)
{
    (void)file; /* the bytes are copied by kimage_load */
    if (load_addr > header_addr)
        return BAD("%s: %s: load_addr 0x%x lies above header_addr 0x%x", p, what, load_addr,
                   header_addr);
    uint64_t before = (uint64_t)header_addr - load_addr; /* bytes loaded before the header */
    if (before > header_offset)
        return BAD("%s: %s: load_addr 0x%x would start %llu bytes before the file does", p,
                   what, load_addr, (ull)(before - header_offset));
    uint64_t offset = header_offset - before;
    uint64_t filesz;
    if (load_end_addr == 0) {
        filesz = size - offset;
    } else {
        if (load_end_addr <= load_addr)
            return BAD("%s: %s: load_end_addr 0x%x is not above load_addr 0x%x", p, what,
                       load_end_addr, load_addr);
        filesz = (uint64_t)load_end_addr - load_addr;
        if (filesz > size - offset)
            return BAD("%s: %s: load_addr..load_end_addr (0x%x-0x%x) needs %llu bytes from "
                       "file offset 0x%llx; the file has %llu", p, what, load_addr,
                       load_end_addr, (ull)filesz, (ull)offset, (ull)(size - offset));
    }
    uint64_t memsz = filesz;
    if (bss_end_addr) {
        if ((uint64_t)bss_end_addr < (uint64_t)load_addr + filesz)
            return BAD("%s: %s: bss_end_addr 0x%x lies below the end of the loaded bytes "
                       "(0x%llx)", p, what, bss_end_addr, (ull)((uint64_t)load_addr + filesz));
        memsz = (uint64_t)bss_end_addr - load_addr;
    }
    if (memsz == 0)
        return BAD("%s: %s: nothing to load", p, what);
    struct kimage img;
    memset(&img, 0, sizeof img);
    img.count = 1;
    img.segments[0] = (struct kimage_segment){ load_addr, offset, filesz, memsz, 0 };
    img.entry = entry_addr;
    set_bounds(&img);
    *out = img;
    return 0;
}

static bool ranges_intersect(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
    if (alen == 0 || blen == 0)
        return false;
    return a <= b ? b - a < alen : a - b < blen;
}

int kimage_check(const struct guest_memory *gm, const char *p, const struct kimage *img,
                 const struct kimage_rules *rules, struct wisp_error *err)
{
    bool entry_ok = false;
    for (unsigned i = 0; i < img->count; i++) {
        const struct kimage_segment *s = &img->segments[i];
        uint64_t last = s->paddr + s->memsz - 1; /* no overflow: checked when read */
        if (s->memsz - 1 > UINT64_MAX - s->paddr)
            return BAD("%s: segment %u runs past the end of the address space", p, s->index);
        if (s->paddr < rules->min_phys)
            return BAD("%s: segment %u (0x%llx-0x%llx) overlaps wisp's boot area below 0x%llx "
                       "(boot data, BIOS area, VGA hole); load the kernel at 0x%llx or above",
                       p, s->index, (ull)s->paddr, (ull)last, (ull)rules->min_phys,
                       (ull)rules->min_phys);
        if (last >= rules->max_phys)
            return BAD("%s: segment %u (0x%llx-0x%llx) lies above 0x%llx, out of reach of the "
                       "32-bit entry", p, s->index, (ull)s->paddr, (ull)last,
                       (ull)rules->max_phys - 1);
        const struct mem_bank *bank = guest_memory_bank_at(gm, s->paddr, s->memsz);
        if (!bank || bank->kind != MEM_BANK_RAM)
            return BAD("%s: segment %u (0x%llx-0x%llx) lies outside the %llu MiB of guest RAM; "
                       "try -m", p, s->index, (ull)s->paddr, (ull)last,
                       (ull)(guest_memory_ram_size(gm) >> 20));
        for (unsigned j = i + 1; j < img->count; j++) {
            const struct kimage_segment *t = &img->segments[j];
            if (ranges_intersect(s->paddr, s->memsz, t->paddr, t->memsz))
                return BAD("%s: segments %u and %u overlap in physical memory", p, s->index,
                           t->index);
        }
        if (img->entry >= s->paddr && img->entry - s->paddr < s->memsz)
            entry_ok = true;
    }
    if (img->entry > UINT32_MAX)
        return BAD("%s: entry point 0x%llx lies above 4 GiB, out of reach of the 32-bit entry",
                   p, (ull)img->entry);
    if (!entry_ok)
        return BAD("%s: entry point 0x%llx is not inside the loaded image", p, (ull)img->entry);
    return 0;
}

int kimage_load(struct guest_memory *gm, const char *p, const uint8_t *file,
                const struct kimage *img, struct wisp_error *err)
{
    for (unsigned i = 0; i < img->count; i++) {
        const struct kimage_segment *s = &img->segments[i];
        bool ok = s->filesz == 0 || guest_memory_write(gm, s->paddr, file + s->file_offset,
                                                       s->filesz);
        if (!ok || !guest_memory_fill(gm, s->paddr + s->filesz, 0, s->memsz - s->filesz))
            return wisp_fail(err, WISP_EXIT_HOST_ERROR,
                             "%s: internal error: segment %u refused after validation", p,
                             s->index);
    }
    return 0;
}

void kimage_shift(struct kimage *img, int64_t delta)
{
    for (unsigned i = 0; i < img->count; i++)
        img->segments[i].paddr += (uint64_t)delta;
    img->entry += (uint64_t)delta;
    set_bounds(img);
}
