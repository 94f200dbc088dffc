/*
 * Multiboot 2 header and entry of the multiboot2 test kernel (32-bit).
 * Tags: an information request for every tag the test checks, a
 * framebuffer (no preferred size, 32 bits), module alignment, relocatable
 * (1 MiB to 256 MiB, 4 KiB aligned, lowest preferred: the link address
 * satisfies it, so the kernel stays where it was linked), an entry
 * address, and the end tag.
 */
#define MB2_MAGIC 0xE85250D6

    .section .multiboot2, "a"
    .align 8
mb2_header:
    .long MB2_MAGIC
    .long 0                                 /* i386 protected mode */
    .long mb2_end - mb2_header
    .long -(MB2_MAGIC + (mb2_end - mb2_header))

    .align 8
info_request:
    .short 1, 0
    .long info_request_end - info_request
    .long 1, 2, 3, 4, 6, 8, 14, 15, 21      /* cmdline ... load base */
info_request_end:

    .align 8
    .short 5, 0                             /* framebuffer */
    .long 20
    .long 0, 0, 32

    .align 8
    .short 6, 0                             /* module alignment */
    .long 8

    .align 8
    .short 10, 0                            /* relocatable */
    .long 24
    .long 0x100000, 0x10000000, 0x1000, 1

    .align 8
    .short 3, 0                             /* entry address */
    .long 12
    .long _start

    .align 8
    .short 0, 0                             /* end */
    .long 8
mb2_end:

    .text
    .globl _start
    .type _start, @function
_start:
    movl    $stack_top, %esp
    pushfl
    pushl   %ebx
    pushl   %eax
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
