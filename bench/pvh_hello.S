/*
 * pvh_hello: the QEMU side of the benchmark. It does what
 * tests/guests/hello.c does under wisp, as a PVH kernel for
 * `qemu-system-x86_64 -M microvm -kernel`:
 *
 *   - prints "Hello from wisp guest\nhello over serial\n" on COM1 (a 16550
 *     at 0x3F8, initialised like wisp_serial_init() and polled like
 *     wisp_serial_putc(): wait for LSR.THRE, at most 1000 reads a byte);
 *   - exits through isa-debug-exit (-device isa-debug-exit,iobase=0xf4):
 *     writing V there makes QEMU exit with status (V << 1) | 1, so 0 -> 1.
 *
 * The PVH boot protocol (Xen's, which QEMU also uses) enters the address in
 * the XEN_ELFNOTE_PHYS32_ENTRY note in 32-bit protected mode, paging off,
 * flat CS/DS/ES/SS, EBX = physical address of the hvm_start_info block
 * (unused here). No stack is promised, so we set our own.
 *
 * Assembled as a 64-bit object holding 32-bit code (like Linux's vmlinux,
 * which QEMU boots the same way); pvh_hello.ld lays it out at 1 MiB.
 */

#define COM1        0x3F8
#define UART_DATA   0
#define UART_IER    1
#define UART_FCR    2
#define UART_LCR    3
#define UART_MCR    4
#define UART_LSR    5
#define LSR_THRE    0x20
#define DEBUG_EXIT  0xF4

#define XEN_ELFNOTE_PHYS32_ENTRY 18

/* out $value, COM1 + reg */
.macro uart_out reg, value
    movw    $(COM1 + \reg), %dx
    movb    $\value, %al
    outb    %al, %dx
.endm

    .section .note.pvh, "a", @note
    .balign 4
    .long   4                       /* namesz: "Xen\0" */
    .long   4                       /* descsz: a 32-bit address */
    .long   XEN_ELFNOTE_PHYS32_ENTRY
    .asciz  "Xen"
    .long   pvh_start               /* entry, physical */
    .balign 4

    .section .text, "ax"
    .code32
    .globl  pvh_start
    .type   pvh_start, @function
pvh_start:
    cli
    cld
    movl    $stack_top, %esp

    /* wisp_serial_init(): 115200 8N1, FIFOs on, no interrupts. */
    uart_out UART_IER, 0x00
    uart_out UART_LCR, 0x80         /* DLAB: the next two are the divisor */
    uart_out UART_DATA, 0x01
    uart_out UART_IER, 0x00
    uart_out UART_LCR, 0x03
    uart_out UART_FCR, 0xC7
    uart_out UART_MCR, 0x0B

    movl    $message, %esi
    movl    $message_len, %ebx
next_char:
    movl    $1000, %ecx             /* bounded wait, as in wisp_serial_putc() */
    movw    $(COM1 + UART_LSR), %dx
wait_thre:
    inb     %dx, %al
    testb   $LSR_THRE, %al
    jnz     send
    loop    wait_thre
send:
    movw    $(COM1 + UART_DATA), %dx
    lodsb
    outb    %al, %dx
    decl    %ebx
    jnz     next_char

    /* isa-debug-exit: QEMU exits with status (0 << 1) | 1 = 1. */
    movw    $DEBUG_EXIT, %dx
    xorl    %eax, %eax
    outl    %eax, %dx

    /* Without the exit device: stop here for good. */
halt:
    cli
    hlt
    jmp     halt
    .size   pvh_start, . - pvh_start

    .section .rodata, "a"
message:
    .ascii  "Hello from wisp guest\n"
    .ascii  "hello over serial\n"
    .set    message_len, . - message

    .section .bss, "aw", @nobits
    .balign 16
stack:
    .skip   4096
stack_top:

    .section .note.GNU-stack, "", @progbits
