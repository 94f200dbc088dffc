/*
 * The kernel of bench/gdb_step.py: a Multiboot 1 kernel (ELF32 at 1 MiB,
 * which QEMU's -kernel loads too) that loops over three register
 * instructions forever, for a debugger to single-step.
 */
#define MB_MAGIC 0x1BADB002
#define MB_FLAGS 0x00000003

    .section .multiboot, "a"
    .align 4
    .long MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)

    .text
    .code32
    .globl _start
_start:
    cli
1:  incl    %eax
    addl    $3, %ebx
    jmp     1b

    .section .note.GNU-stack, "", @progbits
