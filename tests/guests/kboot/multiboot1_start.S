/*
 * Multiboot 1 header and entry of the multiboot1 test kernel (32-bit).
 * Flags: modules page-aligned (0), memory information (1), a video mode
 * (2: linear, no preferred size, 32 bits per pixel); with AOUT_KLUDGE
 * defined also the address fields (16), so the kernel loads as a flat
 * binary with no ELF headers at all.
 */
#define MB_MAGIC 0x1BADB002
#ifdef AOUT_KLUDGE
#define MB_FLAGS 0x00010007
#else
#define MB_FLAGS 0x00000007
#endif

    .section .multiboot, "a"
    .align 4
    .globl mb_header
mb_header:
    .long MB_MAGIC
    .long MB_FLAGS
    .long -(MB_MAGIC + MB_FLAGS)
#ifdef AOUT_KLUDGE
    .long mb_header             /* header_addr */
    .long __kernel_start        /* load_addr */
    .long __load_end            /* load_end_addr */
    .long __kernel_end          /* bss_end_addr */
    .long _start                /* entry_addr */
#else
    .long 0, 0, 0, 0, 0
#endif
    .long 0                     /* mode_type: linear framebuffer */
    .long 0, 0                  /* width, height: no preference */
    .long 32                    /* depth */

    .text
    .globl _start
    .type _start, @function
_start:
    movl    $stack_top, %esp
    pushfl                      /* EFLAGS at entry, for the checks */
    pushl   %ebx                /* the information structure */
    pushl   %eax                /* the magic */
    call    kmain
1:  cli
    hlt
    jmp     1b

    .bss
    .align 16
stack:
    .space 16384
stack_top:

    .section .note.GNU-stack, "", @progbits
