/*
 * A vmlinux-like ELF64 built in memory for the PVH and ignore_vaddr tests:
 * segments linked at 0xffffffff81000000-style virtual addresses and loaded
 * at 16 MiB physical, a per-CPU segment at virtual 0 (as Linux has), and a
 * PT_NOTE segment with Xen notes including XEN_ELFNOTE_PHYS32_ENTRY.
 */
#ifndef WISP_TEST_PVH_ELF_FIXTURE_H
#define WISP_TEST_PVH_ELF_FIXTURE_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "boot/elf64.h"

#define PX_FILE_SIZE   0x6000u
#define PX_TEXT_OFF    0x1000u
#define PX_TEXT_PADDR  0x1000000ull
#define PX_TEXT_VADDR  0xffffffff81000000ull
#define PX_TEXT_SIZE   0x1000u
#define PX_DATA_OFF    0x2000u
#define PX_DATA_PADDR  0x1200000ull
#define PX_DATA_VADDR  0xffffffff81200000ull
#define PX_DATA_FILE   0x800u
#define PX_DATA_MEM    0x3000u
#define PX_PCPU_OFF    0x3000u
#define PX_PCPU_PADDR  0x1400000ull
#define PX_PCPU_SIZE   0x100u
#define PX_NOTE_OFF    0x4000u
#define PX_ENTRY       0x1000040u /* physical, in the text segment */
#define PX_KERNEL_END  (PX_PCPU_PADDR + PX_PCPU_SIZE)

struct px_elf {
    uint8_t bytes[PX_FILE_SIZE];
    size_t size;
    size_t note_len; /* bytes of notes written so far */
};

static inline uint8_t px_text_byte(size_t i) { return (uint8_t)(i * 5 + 9); }
static inline uint8_t px_data_byte(size_t i) { return (uint8_t)(0x33 ^ i); }

static inline Elf64_Phdr *px_phdr(struct px_elf *e, unsigned i)
{
    return (Elf64_Phdr *)(void *)(e->bytes + sizeof(Elf64_Ehdr) + i * sizeof(Elf64_Phdr));
}

static inline void px_set_phdr(struct px_elf *e, unsigned i, Elf64_Phdr ph)
{
    memcpy(e->bytes + sizeof(Elf64_Ehdr) + i * sizeof(Elf64_Phdr), &ph, sizeof ph);
}

/* Appends one note (name padded to 4, descriptor padded to 4). */
static inline void px_add_note(struct px_elf *e, const char *name, uint32_t type,
                               const void *desc, uint32_t desc_size)
{
    uint32_t namesz = (uint32_t)strlen(name) + 1;
    Elf64_Nhdr nh = { namesz, desc_size, type };
    uint8_t *p = e->bytes + PX_NOTE_OFF + e->note_len;
    memcpy(p, &nh, sizeof nh);
    memcpy(p + sizeof nh, name, namesz);
    size_t off = sizeof nh + ((namesz + 3) & ~3u);
    memcpy(p + off, desc, desc_size);
    e->note_len += off + ((desc_size + 3) & ~3u);
    /* PT_NOTE is program header 3. */
    Elf64_Phdr ph;
    memcpy(&ph, px_phdr(e, 3), sizeof ph);
    ph.p_filesz = ph.p_memsz = e->note_len;
    px_set_phdr(e, 3, ph);
}

/* The kernel without notes yet (PT_NOTE empty). */
static inline void px_make_bare(struct px_elf *e)
{
    memset(e, 0, sizeof *e);
    Elf64_Ehdr eh;
    memset(&eh, 0, sizeof eh);
    memcpy(eh.e_ident, ELFMAG, SELFMAG);
    eh.e_ident[EI_CLASS] = ELFCLASS64;
    eh.e_ident[EI_DATA] = ELFDATA2LSB;
    eh.e_ident[EI_VERSION] = EV_CURRENT;
    eh.e_type = ET_EXEC;
    eh.e_machine = EM_X86_64;
    eh.e_version = EV_CURRENT;
    eh.e_entry = PX_TEXT_PADDR; /* physical, as in a Linux vmlinux */
    eh.e_phoff = sizeof(Elf64_Ehdr);
    eh.e_ehsize = sizeof(Elf64_Ehdr);
    eh.e_phentsize = sizeof(Elf64_Phdr);
    eh.e_phnum = 4;
    memcpy(e->bytes, &eh, sizeof eh);
    px_set_phdr(e, 0, (Elf64_Phdr){ PT_LOAD, PF_R | PF_X, PX_TEXT_OFF, PX_TEXT_VADDR,
                                    PX_TEXT_PADDR, PX_TEXT_SIZE, PX_TEXT_SIZE, 0x200000 });
    px_set_phdr(e, 1, (Elf64_Phdr){ PT_LOAD, PF_R | PF_W, PX_DATA_OFF, PX_DATA_VADDR,
                                    PX_DATA_PADDR, PX_DATA_FILE, PX_DATA_MEM, 0x200000 });
    px_set_phdr(e, 2, (Elf64_Phdr){ PT_LOAD, PF_R | PF_W, PX_PCPU_OFF, 0, PX_PCPU_PADDR,
                                    PX_PCPU_SIZE, PX_PCPU_SIZE, 0x200000 });
    px_set_phdr(e, 3, (Elf64_Phdr){ PT_NOTE, PF_R, PX_NOTE_OFF, PX_TEXT_VADDR + 0x4000,
                                    PX_TEXT_PADDR + 0x4000, 0, 0, 4 });
    for (size_t i = 0; i < PX_TEXT_SIZE; i++)
        e->bytes[PX_TEXT_OFF + i] = px_text_byte(i);
    for (size_t i = 0; i < PX_DATA_FILE; i++)
        e->bytes[PX_DATA_OFF + i] = px_data_byte(i);
    memset(e->bytes + PX_PCPU_OFF, 0x77, PX_PCPU_SIZE);
    e->size = PX_FILE_SIZE;
}

/* The kernel with Linux's kind of notes: Xen guest name, a GNU build id,
 * and the PVH entry as a 4-byte descriptor. */
static inline void px_make(struct px_elf *e)
{
    px_make_bare(e);
    px_add_note(e, "Xen", 6, "linux", 6);            /* XEN_ELFNOTE_GUEST_OS */
    static const uint8_t build_id[20] = { 1, 2, 3, 4, 5 };
    px_add_note(e, "GNU", 3, build_id, sizeof build_id);
    const uint32_t entry = PX_ENTRY;
    px_add_note(e, "Xen", 18, &entry, 4);
}

static inline uint8_t *px_file(const struct px_elf *e)
{
    uint8_t *f = malloc(e->size ? e->size : 1);
    if (f)
        memcpy(f, e->bytes, e->size);
    return f;
}

#endif
