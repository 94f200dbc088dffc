/*
 * The kernel of bench/run.sh --exit-cost: it reads COM1's line status
 * register READS times, the exit Linux's serial console takes once per
 * byte it prints, between two marker bytes on the 0xE9 debug console
 * ('[' before, "]\n" after), then leaves through isa-debug-exit (port
 * 0xF4, value 0x10: status 33) or halts where there is none. The harness
 * times the markers' arrival, so start-up is not in the figure.
 *
 * Built twice from this file: with MULTIBOOT as an ELF32 Multiboot 1
 * kernel (wisp and QEMU -kernel), without it as an ELF64 entered in long
 * mode (wisp's native boot and bench/raw_kvm). Every instruction below
 * encodes the same in 32- and 64-bit mode.
 */
#ifndef READS
#error "READS: how many times to read the line status register"
#endif

#ifdef MULTIBOOT
#define MB_MAGIC 0x1BADB002
#define MB_FLAGS 0x00000003
    .section .multiboot, "a"
    .align 4
    .long MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)
    .text
    .code32
#else
    .section .text.start, "ax"
    .code64
#endif
    .globl _start
_start:
    movw    $0xE9, %dx
    movb    $'[', %al
    outb    %al, %dx
    movl    $READS, %ecx
    movw    $0x3FD, %dx         /* COM1 + 5: line status */
1:  inb     %dx, %al
    subl    $1, %ecx
    jnz     1b
    movw    $0xE9, %dx
    movb    $']', %al
    outb    %al, %dx
    movb    $'\n', %al
    outb    %al, %dx
    movl    $0x10, %eax
    outl    %eax, $0xF4
2:  cli
    hlt
    jmp     2b

    .section .note.GNU-stack, "", @progbits
