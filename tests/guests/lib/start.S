/*
 * Entry point of a wisp guest kernel.
 *
 * wisp jumps here in 64-bit long mode with:
 *   paging on (identity map of 0..4 GiB, physical map, heap, recursive slot),
 *   interrupts off, CS = 0x08, data segments = 0x10,
 *   RDI = address of struct wisp_boot_info (0x80000, identity-mapped),
 *   RSP = 0x9FFF8 (the stack is 0x90000..0x9FFFF).
 *
 * That is already everything C needs. The ELF loader zeroes .bss (the part
 * of a PT_LOAD segment beyond its file size), so there is nothing to clear.
 * We only clear the direction flag (the C ABI expects DF = 0), align the
 * stack for the call, call kmain(boot_info) and hand its return value to
 * wisp_exit() (the exit hypercall, in wisp_lib.c). <wisp/guest.h> is C only,
 * so the hypercall itself is made from C.
 */

    .section .text.start, "ax"
    .globl _start
    .type _start, @function
_start:
    cld
    xorl    %ebp, %ebp              /* end of the frame-pointer chain */
    andq    $-16, %rsp              /* 16-byte aligned before the call */
    call    kmain                   /* RDI = boot info, untouched */

    movl    %eax, %edi              /* exit code = kmain's return value */
    call    wisp_exit               /* does not return */
1:  cli
    hlt
    jmp     1b
    .size _start, . - _start

    .section .note.GNU-stack, "", @progbits
