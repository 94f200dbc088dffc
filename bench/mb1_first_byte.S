/*
 * The Multiboot 1 kernel of bench/run.sh --multiboot: it writes "wisp!\n"
 * to the 0xE9 debug console at once and leaves through isa-debug-exit
 * (port 0xF4, value 0x10: status 33), or halts if there is none. 32-bit
 * code in an ELF32 at 1 MiB, the format QEMU's -kernel loads too.
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
    movl    $message, %esi
    movl    $message_end - message, %ecx
    movw    $0xE9, %dx
    rep outsb
    movl    $0x10, %eax
    outl    %eax, $0xF4
1:  cli
    hlt
    jmp     1b

    .section .rodata
message:
    .ascii "wisp!\n"
message_end:

    .section .note.GNU-stack, "", @progbits
