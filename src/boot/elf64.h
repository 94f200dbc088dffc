/*
 * The few ELF64 definitions the loaders need, written out here because the
 * Windows (mingw) build has no <elf.h>. Names follow the System V gABI so a
 * reader can look them up there; only little-endian x86-64 files are read,
 * and on a little-endian host the structs below match the file layout.
 */
#ifndef WISP_ELF64_H
#define WISP_ELF64_H

#include <stddef.h>
#include <stdint.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the ELF structs are read in place: little-endian hosts only"
#endif

/* e_ident[] indices and values */
#define EI_NIDENT     16
#define EI_MAG0       0
#define EI_CLASS      4
#define EI_DATA       5
#define EI_VERSION    6
#define EI_OSABI      7
#define ELFMAG        "\177ELF"
#define SELFMAG       4
#define ELFCLASS32    1
#define ELFCLASS64    2
#define ELFDATA2LSB   1
#define ELFDATA2MSB   2
#define EV_CURRENT    1

/* e_type */
#define ET_NONE 0
#define ET_REL  1
#define ET_EXEC 2
#define ET_DYN  3
#define ET_CORE 4

/* e_machine: x86-64, and the others we can name in an error message */
#define EM_SPARC     2
#define EM_386       3
#define EM_68K       4
#define EM_MIPS      8
#define EM_PPC       20
#define EM_PPC64     21
#define EM_S390      22
#define EM_ARM       40
#define EM_SPARCV9   43
#define EM_IA_64     50
#define EM_X86_64    62
#define EM_AARCH64   183
#define EM_RISCV     243
#define EM_LOONGARCH 258

/* p_type */
#define PT_NULL    0
#define PT_LOAD    1
#define PT_DYNAMIC 2
#define PT_INTERP  3
#define PT_NOTE    4
#define PT_PHDR    6
#define PT_TLS     7

/* p_flags */
#define PF_X 0x1
#define PF_W 0x2
#define PF_R 0x4

typedef struct {
    unsigned char e_ident[EI_NIDENT];
    uint16_t e_type;
    uint16_t e_machine;
    uint32_t e_version;
    uint64_t e_entry;
    uint64_t e_phoff;
    uint64_t e_shoff;
    uint32_t e_flags;
    uint16_t e_ehsize;
    uint16_t e_phentsize;
    uint16_t e_phnum;
    uint16_t e_shentsize;
    uint16_t e_shnum;
    uint16_t e_shstrndx;
} Elf64_Ehdr;

typedef struct {
    uint32_t p_type;
    uint32_t p_flags;
    uint64_t p_offset;
    uint64_t p_vaddr;
    uint64_t p_paddr;
    uint64_t p_filesz;
    uint64_t p_memsz;
    uint64_t p_align;
} Elf64_Phdr;

/* Note header; the name and then the descriptor follow, each padded to the
 * note segment's alignment (4, or 8 for some GNU notes). */
typedef struct {
    uint32_t n_namesz;
    uint32_t n_descsz;
    uint32_t n_type;
} Elf64_Nhdr;

_Static_assert(sizeof(Elf64_Ehdr) == 64, "Elf64_Ehdr is 64 bytes");
_Static_assert(offsetof(Elf64_Ehdr, e_entry) == 24, "e_entry");
_Static_assert(offsetof(Elf64_Ehdr, e_phoff) == 32, "e_phoff");
_Static_assert(offsetof(Elf64_Ehdr, e_flags) == 48, "e_flags");
_Static_assert(offsetof(Elf64_Ehdr, e_phentsize) == 54, "e_phentsize");
_Static_assert(offsetof(Elf64_Ehdr, e_phnum) == 56, "e_phnum");
_Static_assert(sizeof(Elf64_Phdr) == 56, "Elf64_Phdr is 56 bytes");
_Static_assert(offsetof(Elf64_Phdr, p_offset) == 8, "p_offset");
_Static_assert(offsetof(Elf64_Phdr, p_paddr) == 24, "p_paddr");
_Static_assert(offsetof(Elf64_Phdr, p_memsz) == 40, "p_memsz");
_Static_assert(sizeof(Elf64_Nhdr) == 12, "Elf64_Nhdr is 12 bytes");

#endif
