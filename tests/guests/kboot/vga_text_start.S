/*
 * Multiboot 1 header and entry of the vga_text test kernel (32-bit).
 * Flags: modules page-aligned (0), memory information (1), a video mode
 * (2): mode_type 1, EGA text, 80x25 (depth 0 for text).
 */
#define MB_MAGIC 0x1BADB002
#define MB_FLAGS 0x00000007

    .section .multiboot, "a"
    .align 4
mb_header:
    .long MB_MAGIC
    .long MB_FLAGS
    .long -(MB_MAGIC + MB_FLAGS)
    .long 0, 0, 0, 0, 0
    .long 1                     /* mode_type: EGA text */
    .long 80, 25                /* width, height in characters */
    .long 0                     /* depth: 0 in text mode */

    .text
    .globl _start
    .type _start, @function
_start:
    movl    $stack_top, %esp
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
