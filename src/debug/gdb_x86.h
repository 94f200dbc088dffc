/*
 * The x86-64 registers as GDB numbers them for wisp: the target
 * description wisp sends (qXfer:features:read:target.xml) and the byte
 * layout of the 'g', 'G', 'p' and 'P' packets that follows from it.
 * GDB's own amd64 names and order for the core, x87 and SSE registers
 * (org.gnu.gdb.i386.core / .sse), fs_base and gs_base
 * (org.gnu.gdb.i386.segments), then wisp's system registers (cr0, cr2,
 * cr3, cr4, cr8, efer). Pure data and conversion: no accelerator here.
 */
#ifndef WISP_DEBUG_GDB_X86_H
#define WISP_DEBUG_GDB_X86_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct gdb_x86_regs {
    uint64_t gpr[16];  /* rax rbx rcx rdx rsi rdi rbp rsp r8..r15 (GDB's order) */
    uint64_t rip;
    uint32_t eflags;
    uint32_t seg[6];   /* cs ss ds es fs gs selectors */
    uint8_t st[8][10]; /* x87 80-bit registers */
    uint32_t fctrl, fstat, ftag, fiseg, fioff, foseg, fooff, fop;
    uint8_t xmm[16][16];
    uint32_t mxcsr;
    uint64_t fs_base, gs_base;
    uint64_t cr0, cr2, cr3, cr4, cr8, efer;
};

#define GDB_X86_REG_COUNT 65
#define GDB_X86_REG_RIP 16

/* Size in bytes of register n, 0 if there is no such register. */
size_t gdb_x86_reg_size(unsigned n);
/* Where register n lives in r (little-endian bytes, as GDB wants them). */
void *gdb_x86_reg_ptr(struct gdb_x86_regs *r, unsigned n);
/* Bytes of all registers in order ('g'). */
size_t gdb_x86_regs_size(void);

/* The target description, NUL-terminated. */
const char *gdb_x86_target_xml(void);

#endif
