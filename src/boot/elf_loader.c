#include "elf_loader.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elf64.h"
#include "core/os.h"

typedef unsigned long long ull;

#define BAD(...) wisp_fail(err, WISP_EXIT_BAD_KERNEL, __VA_ARGS__)

/* True if [a, a+alen) and [b, b+blen) share a byte; no sum can overflow. */
static bool ranges_intersect(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
    if (alen == 0 || blen == 0)
        return false;
    return a <= b ? b - a < alen : a - b < blen;
}

/* "64 MiB", "3 GiB", "1536 KiB" or "1000 bytes". */
static const char *format_size(char buf[32], uint64_t bytes)
{
    if (bytes != 0 && (bytes & ((1ull << 30) - 1)) == 0)
        snprintf(buf, 32, "%llu GiB", (ull)(bytes >> 30));
    else if (bytes != 0 && (bytes & ((1ull << 20) - 1)) == 0)
        snprintf(buf, 32, "%llu MiB", (ull)(bytes >> 20));
    else if (bytes != 0 && (bytes & ((1ull << 10) - 1)) == 0)
        snprintf(buf, 32, "%llu KiB", (ull)(bytes >> 10));
    else
        snprintf(buf, 32, "%llu bytes", (ull)bytes);
    return buf;
}

static const char *machine_name(uint16_t machine)
{
    switch (machine) {
    case EM_SPARC:     return "SPARC";
    case EM_386:       return "i386";
    case EM_68K:       return "m68k";
    case EM_MIPS:      return "MIPS";
    case EM_PPC:       return "PowerPC";
    case EM_PPC64:     return "PowerPC64";
    case EM_S390:      return "s390";
    case EM_ARM:       return "32-bit ARM";
    case EM_SPARCV9:   return "SPARC64";
    case EM_IA_64:     return "IA-64";
    case EM_AARCH64:   return "AArch64";
    case EM_RISCV:     return "RISC-V";
    case EM_LOONGARCH: return "LoongArch";
    default:           return NULL;
    }
}

static const char *phdr_type_name(uint32_t type)
{
    switch (type) {
    case PT_NULL:    return "PT_NULL";
    case PT_LOAD:    return "PT_LOAD";
    case PT_DYNAMIC: return "PT_DYNAMIC";
    case PT_INTERP:  return "PT_INTERP";
    case PT_NOTE:    return "PT_NOTE";
    case PT_PHDR:    return "PT_PHDR";
    case PT_TLS:     return "PT_TLS";
    default:         return "other";
    }
}

static void read_phdr(const uint8_t *file, const Elf64_Ehdr *eh, unsigned i, Elf64_Phdr *ph)
{
    memcpy(ph, file + eh->e_phoff + (uint64_t)i * sizeof *ph, sizeof *ph);
}

/*
 * Everything about the file that does not depend on the guest: the ELF
 * header, the program header table, and that every segment's file bytes
 * lie inside the file. On success *eh holds the header and each of the
 * e_phnum program headers can be read with read_phdr().
 */
static int check_file(const char *p, const uint8_t *file, size_t size,
                      Elf64_Ehdr *eh, struct wisp_error *err)
{
    if (size == 0)
        return BAD("%s: empty file; expected an ELF64 x86-64 kernel", p);
    if (memcmp(file, ELFMAG, size < SELFMAG ? size : SELFMAG) != 0)
        return BAD("%s: not an ELF file (bad magic number)", p);
    if (size < EI_NIDENT)
        return BAD("%s: truncated: %llu bytes, shorter than the %u-byte ELF header",
                   p, (ull)size, (unsigned)sizeof(Elf64_Ehdr));

    unsigned char cls = file[EI_CLASS], data = file[EI_DATA];
    if (cls == ELFCLASS32)
        return BAD("%s: 32-bit ELF; wisp needs an ELF64 x86-64 kernel", p);
    if (cls != ELFCLASS64)
        return BAD("%s: invalid ELF class %u; wisp needs an ELF64 x86-64 kernel", p, cls);
    if (data == ELFDATA2MSB)
        return BAD("%s: big-endian ELF; wisp needs a little-endian x86-64 kernel", p);
    if (data != ELFDATA2LSB)
        return BAD("%s: invalid ELF data encoding %u", p, data);
    if (file[EI_VERSION] != EV_CURRENT)
        return BAD("%s: unsupported ELF identification version %u (expected %u)",
                   p, file[EI_VERSION], EV_CURRENT);
    if (size < sizeof *eh)
        return BAD("%s: truncated: %llu bytes, shorter than the %u-byte ELF header",
                   p, (ull)size, (unsigned)sizeof *eh);

    memcpy(eh, file, sizeof *eh);

    if (eh->e_machine != EM_X86_64) {
        const char *name = machine_name(eh->e_machine);
        if (name)
            return BAD("%s: built for %s (e_machine %u); wisp needs an x86-64 kernel",
                       p, name, eh->e_machine);
        return BAD("%s: built for unknown machine %u; wisp needs an x86-64 kernel",
                   p, eh->e_machine);
    }
    switch (eh->e_type) {
    case ET_EXEC:
    case ET_DYN:
        break;
    case ET_REL:
        return BAD("%s: relocatable object file (ET_REL), not a linked kernel; "
                   "link it into an executable first", p);
    case ET_CORE:
        return BAD("%s: core dump (ET_CORE), not a kernel", p);
    default:
        return BAD("%s: unsupported ELF type %u; expected an executable (ET_EXEC or ET_DYN)",
                   p, eh->e_type);
    }
    if (eh->e_version != EV_CURRENT)
        return BAD("%s: unsupported ELF version %u (expected %u)", p,
                   eh->e_version, EV_CURRENT);
    if (eh->e_ehsize != sizeof(Elf64_Ehdr))
        return BAD("%s: ELF header size e_ehsize is %u, expected %u", p,
                   eh->e_ehsize, (unsigned)sizeof(Elf64_Ehdr));
    if (eh->e_phnum == 0)
        return BAD("%s: no program headers; is it linked as an executable?", p);
    if (eh->e_phentsize != sizeof(Elf64_Phdr))
        return BAD("%s: program header size e_phentsize is %u, expected %u", p,
                   eh->e_phentsize, (unsigned)sizeof(Elf64_Phdr));
    if (eh->e_phnum > ELF_MAX_PHNUM)
        return BAD("%s: %u program headers; wisp accepts at most %u", p,
                   eh->e_phnum, ELF_MAX_PHNUM);

    uint64_t table = (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr); /* <= 128 * 56 */
    if (eh->e_phoff > size || table > size - eh->e_phoff)
        return BAD("%s: program header table (offset 0x%llx, %u entries) lies outside "
                   "the %llu-byte file; truncated?", p, (ull)eh->e_phoff, eh->e_phnum, (ull)size);

    for (unsigned i = 0; i < eh->e_phnum; i++) {
        Elf64_Phdr ph;
        read_phdr(file, eh, i, &ph);
        if (ph.p_type == PT_NULL || ph.p_filesz == 0)
            continue;
        if (ph.p_offset > size || ph.p_filesz > size - ph.p_offset)
            return BAD("%s: segment %u (%s) file bytes 0x%llx+0x%llx lie outside the "
                       "%llu-byte file; truncated?", p, i, phdr_type_name(ph.p_type),
                       (ull)ph.p_offset, (ull)ph.p_filesz, (ull)size);
    }
    return 0;
}

/* How far past the physical map's base a p_paddr still reads as a physmap
 * link without AT() rather than garbage (the map covers RAM, far less). */
#define PHYSMAP_WINDOW (1ull << 46)

/* Checks one non-empty PT_LOAD segment against the guest and the rules. */
static int check_segment(const struct guest_memory *gm, const char *p, unsigned i,
                         const Elf64_Phdr *ph, const struct elf_load_rules *r,
                         const char *dynamic, struct wisp_error *err)
{
    uint64_t paddr = ph->p_paddr, memsz = ph->p_memsz, vaddr = ph->p_vaddr;
    char sz[32];

    if (memsz - 1 > UINT64_MAX - paddr)
        return BAD("%s: segment %u: physical range 0x%llx + 0x%llx runs past the end "
                   "of the 64-bit address space", p, i, (ull)paddr, (ull)memsz);
    uint64_t end = paddr + memsz - 1; /* last byte, inclusive */

    /* A default gcc link is position-independent: its program headers get
     * a segment of their own below the link address. Say so, not "link
     * higher" (the kernel may well be linked at 0x100000). */
    if (paddr < r->min_phys && dynamic)
        return BAD("%s: segment %u (0x%llx-0x%llx) lies below 0x%llx because this is a "
                   "position-independent or dynamic link (%s); link the kernel with "
                   "-static -no-pie (ld: -no-pie, no --dynamic-linker)", p, i, (ull)paddr,
                   (ull)end, (ull)r->min_phys, dynamic);
    if (paddr < r->min_phys)
        return BAD("%s: segment %u (0x%llx-0x%llx) overlaps the boot area below 0x%llx; "
                   "link the kernel at 0x%llx or above", p, i, (ull)paddr, (ull)end,
                   (ull)r->min_phys, (ull)r->min_phys);

    for (size_t k = 0; k < r->reserved_count; k++) {
        const struct elf_reserved_range *rr = &r->reserved[k];
        if (ranges_intersect(paddr, memsz, rr->base, rr->size))
            return BAD("%s: segment %u (0x%llx-0x%llx) overlaps the %s (0x%llx-0x%llx)",
                       p, i, (ull)paddr, (ull)end, rr->name, (ull)rr->base,
                       (ull)(rr->base + (rr->size - 1)));
    }

    const struct mem_bank *bank = guest_memory_bank_at(gm, paddr, memsz);
    if (bank && bank->kind != MEM_BANK_RAM)
        return BAD("%s: segment %u (0x%llx-0x%llx) lies in the %s, not in RAM",
                   p, i, (ull)paddr, (ull)end, bank->name);
    /* A kernel linked for the physical map without AT(): p_paddr holds the
     * virtual address (p_paddr == p_vaddr), and no -m can help. */
    if (!bank && r->physmap_size && vaddr == paddr && paddr >= r->physmap_base &&
        paddr - r->physmap_base < PHYSMAP_WINDOW)
        return BAD("%s: segment %u has physical address 0x%llx, inside the physical-map "
                   "window at 0x%llx: p_paddr must be the physical load address; link "
                   "with load addresses, e.g. AT(ADDR(.text) - 0x%llx) in the linker "
                   "script, and -mcmodel=large", p, i, (ull)paddr, (ull)r->physmap_base,
                   (ull)r->physmap_base);
    if (!bank && dynamic)
        return BAD("%s: segment %u (0x%llx-0x%llx) lies outside the %s of guest RAM; this "
                   "is a position-independent or dynamic link (%s): link the kernel with "
                   "-static -no-pie", p, i, (ull)paddr, (ull)end,
                   format_size(sz, guest_memory_ram_size(gm)), dynamic);
    if (!bank)
        return BAD("%s: segment %u (0x%llx-0x%llx) lies outside the %s of guest RAM; "
                   "try -m", p, i, (ull)paddr, (ull)end,
                   format_size(sz, guest_memory_ram_size(gm)));

    /* end < UINT64_MAX here: the segment lies in a bank, which cannot end
     * at the top of the address space. */
    if (r->ignore_vaddr)
        return 0;
    bool identity = vaddr == paddr && end < r->identity_limit;
    bool physmap = vaddr >= r->physmap_base && vaddr - r->physmap_base == paddr &&
                   end < r->physmap_size;
    if (!identity && !physmap)
        return BAD("%s: segment %u is linked at virtual 0x%llx for physical 0x%llx, which "
                   "the boot page tables do not map; link with vaddr == paddr (below %s) "
                   "or vaddr == 0x%llx + paddr", p, i, (ull)vaddr, (ull)paddr,
                   format_size(sz, r->identity_limit), (ull)r->physmap_base);
    return 0;
}

int elf_check_kernel(const struct guest_memory *gm, const char *path,
                     const uint8_t *file, size_t file_size,
                     const struct elf_load_rules *rules, struct elf_image *out,
                     struct wisp_error *err)
{
    const char *p = path ? path : "kernel";
    Elf64_Ehdr eh;
    struct elf_image img;

    if (check_file(p, file, file_size, &eh, err) < 0)
        return -1;

    /* What marks a position-independent or dynamic link, for the messages. */
    const char *dynamic = eh.e_type == ET_DYN ? "ET_DYN" : NULL;
    for (unsigned i = 0; i < eh.e_phnum && !dynamic; i++) {
        Elf64_Phdr ph;
        read_phdr(file, &eh, i, &ph);
        if (ph.p_type == PT_INTERP || ph.p_type == PT_DYNAMIC || ph.p_type == PT_PHDR)
            dynamic = phdr_type_name(ph.p_type);
    }

    memset(&img, 0, sizeof img);
    unsigned loads = 0;
    for (unsigned i = 0; i < eh.e_phnum; i++) {
        Elf64_Phdr ph;
        read_phdr(file, &eh, i, &ph);
        if (ph.p_type != PT_LOAD)
            continue;
        loads++;
        if (ph.p_filesz > ph.p_memsz)
            return BAD("%s: segment %u: file size 0x%llx is larger than its memory "
                       "size 0x%llx", p, i, (ull)ph.p_filesz, (ull)ph.p_memsz);
        if (ph.p_memsz == 0)
            continue; /* nothing to load */
        if (check_segment(gm, p, i, &ph, rules, dynamic, err) < 0)
            return -1;
        if (img.segment_count == ELF_MAX_LOAD_SEGMENTS)
            return BAD("%s: more than %u loadable segments", p, ELF_MAX_LOAD_SEGMENTS);
        img.segments[img.segment_count++] = (struct elf_loaded_segment){
            .paddr = ph.p_paddr, .vaddr = ph.p_vaddr, .memsz = ph.p_memsz,
            .filesz = ph.p_filesz, .file_offset = ph.p_offset, .flags = ph.p_flags,
            .index = i,
        };
    }
    if (loads == 0)
        return BAD("%s: no loadable (PT_LOAD) segments", p);
    if (img.segment_count == 0)
        return BAD("%s: every PT_LOAD segment is empty (p_memsz 0); nothing to load", p);

    for (unsigned a = 0; a < img.segment_count; a++) {
        const struct elf_loaded_segment *s = &img.segments[a];
        for (unsigned b = a + 1; b < img.segment_count; b++) {
            const struct elf_loaded_segment *t = &img.segments[b];
            if (ranges_intersect(s->paddr, s->memsz, t->paddr, t->memsz))
                return BAD("%s: segments %u (0x%llx-0x%llx) and %u (0x%llx-0x%llx) "
                           "overlap in physical memory", p,
                           s->index, (ull)s->paddr, (ull)(s->paddr + s->memsz - 1),
                           t->index, (ull)t->paddr, (ull)(t->paddr + t->memsz - 1));
        }
    }

    img.entry = eh.e_entry;
    img.phys_start = UINT64_MAX;
    const struct elf_loaded_segment *entry_seg = NULL;
    for (unsigned a = 0; a < img.segment_count; a++) {
        const struct elf_loaded_segment *s = &img.segments[a];
        if (s->paddr < img.phys_start)
            img.phys_start = s->paddr;
        if (s->paddr + s->memsz > img.phys_end)
            img.phys_end = s->paddr + s->memsz;
        if (eh.e_entry >= s->vaddr && eh.e_entry - s->vaddr < s->memsz)
            entry_seg = s;
        else if (rules->ignore_vaddr && !entry_seg && eh.e_entry >= s->paddr &&
                 eh.e_entry - s->paddr < s->memsz)
            entry_seg = s;
    }
    if (!entry_seg)
        return BAD("%s: entry point 0x%llx is not inside any loadable segment", p,
                   (ull)eh.e_entry);
    if (!(entry_seg->flags & PF_X))
        return BAD("%s: entry point 0x%llx lies in segment %u, which is not executable "
                   "(no PF_X)", p, (ull)eh.e_entry, entry_seg->index);

    *out = img;
    return 0;
}

int elf_load_kernel(struct guest_memory *gm, const char *path,
                    const uint8_t *file, size_t file_size,
                    const struct elf_load_rules *rules, struct elf_image *out,
                    struct wisp_error *err)
{
    const char *p = path ? path : "kernel";
    struct elf_image img;

    if (elf_check_kernel(gm, p, file, file_size, rules, &img, err) < 0)
        return -1;

    /* Validated: every range below is inside the file and inside RAM. The
     * checked accessors stay as the last line of defence. */
    for (unsigned a = 0; a < img.segment_count; a++) {
        const struct elf_loaded_segment *s = &img.segments[a];
        /* p_offset means nothing when p_filesz is 0 (it was not checked). */
        bool copied = s->filesz == 0 ||
                      guest_memory_write(gm, s->paddr, file + s->file_offset, s->filesz);
        if (!copied || !guest_memory_fill(gm, s->paddr + s->filesz, 0, s->memsz - s->filesz))
            return wisp_fail(err, WISP_EXIT_HOST_ERROR,
                             "%s: internal error: segment %u rejected by guest memory "
                             "after validation", p, s->index);
    }
    *out = img;
    return 0;
}

int elf_find_note(const char *path, const uint8_t *file, size_t file_size,
                  const char *owner, uint32_t type, const uint8_t **desc,
                  uint32_t *desc_size, struct wisp_error *err)
{
    const char *p = path ? path : "kernel";
    size_t owner_len = strlen(owner);
    Elf64_Ehdr eh;

    if (check_file(p, file, file_size, &eh, err) < 0)
        return -1;

    for (unsigned i = 0; i < eh.e_phnum; i++) {
        Elf64_Phdr ph;
        read_phdr(file, &eh, i, &ph);
        if (ph.p_type != PT_NOTE || ph.p_filesz == 0)
            continue;
        /* check_file proved [p_offset, p_offset + p_filesz) is in the file. */
        const uint8_t *seg = file + ph.p_offset;
        uint64_t len = ph.p_filesz, off = 0;
        uint64_t align = ph.p_align == 8 ? 8 : 4;

        while (len - off >= sizeof(Elf64_Nhdr)) {
            Elf64_Nhdr nh;
            memcpy(&nh, seg + off, sizeof nh);
            /* All values fit easily in 64 bits: 32-bit sizes plus a file
             * offset below 1 GiB-ish; len bounds each step. */
            uint64_t name_off = off + sizeof nh;
            uint64_t desc_off = name_off + ((nh.n_namesz + align - 1) & ~(align - 1));
            if (desc_off > len || nh.n_descsz > len - desc_off)
                return BAD("%s: segment %u (PT_NOTE): note at offset 0x%llx runs past "
                           "the end of the segment", p, i, (ull)(ph.p_offset + off));
            const char *name = (const char *)(seg + name_off);
            bool named = (nh.n_namesz == owner_len + 1 && name[owner_len] == '\0' &&
                          memcmp(name, owner, owner_len) == 0) ||
                         (nh.n_namesz == owner_len && memcmp(name, owner, owner_len) == 0);
            if (named && nh.n_type == type) {
                *desc = seg + desc_off;
                *desc_size = nh.n_descsz;
                return 1;
            }
            uint64_t next = desc_off + ((nh.n_descsz + align - 1) & ~(align - 1));
            if (next >= len)
                break;
            off = next;
        }
    }
    return 0;
}

int elf_read_file(const char *path, uint8_t **data, size_t *size, struct wisp_error *err)
{
#ifdef _WIN32
    /* Windows refuses to open a directory ("Permission denied"): say what
     * it is first. */
    struct stat dir_st;
    if (stat(path, &dir_st) == 0 && S_ISDIR(dir_st.st_mode))
        return BAD("%s: is a directory, not a file", path);
#endif
    /* O_NONBLOCK: opening a FIFO must not hang before fstat() refuses it. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_BINARY | O_NONBLOCK);
    if (fd < 0)
        return wisp_fail_errno(err, WISP_EXIT_BAD_KERNEL, "%s: cannot open", path);

    struct stat st;
    if (fstat(fd, &st) < 0) {
        wisp_fail_errno(err, WISP_EXIT_BAD_KERNEL, "%s: cannot stat", path);
        goto fail_close;
    }
    if (S_ISDIR(st.st_mode)) {
        BAD("%s: is a directory, not a file", path);
        goto fail_close;
    }
    if (!S_ISREG(st.st_mode)) {
        BAD("%s: not a regular file (a device, FIFO or socket?)", path);
        goto fail_close;
    }
    if (st.st_size < 0 || (uint64_t)st.st_size > ELF_MAX_FILE_SIZE) {
        char sz[32];
        BAD("%s: %llu bytes; wisp refuses files over %s", path, (ull)st.st_size,
            format_size(sz, ELF_MAX_FILE_SIZE));
        goto fail_close;
    }

    size_t want = (size_t)st.st_size, got = 0;
    uint8_t *buf = malloc(want ? want : 1);
    if (!buf) {
        wisp_fail(err, WISP_EXIT_HOST_ERROR, "%s: cannot allocate %llu bytes to read it",
                  path, (ull)want);
        goto fail_close;
    }
    while (got < want) {
        size_t chunk = want - got > (1u << 26) ? (1u << 26) : want - got;
        ssize_t n = read(fd, buf + got, chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            wisp_fail_errno(err, WISP_EXIT_BAD_KERNEL, "%s: read failed", path);
            goto fail_free;
        }
        if (n == 0) {
            BAD("%s: file shrank from %llu to %llu bytes while being read", path,
                (ull)want, (ull)got);
            goto fail_free;
        }
        got += (size_t)n;
    }
    close(fd);
    *data = buf;
    *size = want;
    return 0;

fail_free:
    free(buf);
fail_close:
    close(fd);
    return -1;
}
