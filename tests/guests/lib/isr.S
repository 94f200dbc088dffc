/*
 * Interrupt and exception entry stubs.
 *
 * One 16-byte stub per vector (wisp_isr_stubs + 16 * vector), so the IDT can
 * be filled with a multiplication instead of a table. Each stub makes the
 * stack look the same for every vector: it pushes a dummy error code when
 * the CPU does not push one, then the vector number, and jumps to the common
 * path, which saves the general-purpose registers, calls
 *     void wisp_interrupt_dispatch(struct wisp_interrupt_frame *frame)
 * and returns with iretq. No FPU/SSE state is saved: guest C code is built
 * with -mgeneral-regs-only.
 */

/* Vectors for which the CPU pushes an error code. */
.macro isr_stub vec
    .balign 16
    .if (\vec == 8) || (\vec == 10) || (\vec == 11) || (\vec == 12) || (\vec == 13) || (\vec == 14) || (\vec == 17) || (\vec == 21) || (\vec == 29) || (\vec == 30)
    pushq   $\vec
    .else
    pushq   $0
    pushq   $\vec
    .endif
    jmp     isr_common
.endm

    .text
    .balign 16
    .globl wisp_isr_stubs
wisp_isr_stubs:
    .altmacro                       /* so that %vec passes vec's value */
    .set vec, 0
    .rept 256
    isr_stub %vec
    .set vec, vec + 1
    .endr
    .noaltmacro
    /* Every stub is 16-byte aligned and at most 12 bytes long; should one
     * ever grow past 16, this .org would have to move backwards and the
     * assembler stops with an error. */
    .org wisp_isr_stubs + 256 * 16

isr_common:
    pushq   %rax
    pushq   %rbx
    pushq   %rcx
    pushq   %rdx
    pushq   %rsi
    pushq   %rdi
    pushq   %rbp
    pushq   %r8
    pushq   %r9
    pushq   %r10
    pushq   %r11
    pushq   %r12
    pushq   %r13
    pushq   %r14
    pushq   %r15
    cld
    movq    %rsp, %rdi              /* struct wisp_interrupt_frame * */
    movq    %rsp, %rbx              /* callee-saved: the unaligned RSP */
    andq    $-16, %rsp
    call    wisp_interrupt_dispatch
    movq    %rbx, %rsp
    popq    %r15
    popq    %r14
    popq    %r13
    popq    %r12
    popq    %r11
    popq    %r10
    popq    %r9
    popq    %r8
    popq    %rbp
    popq    %rdi
    popq    %rsi
    popq    %rdx
    popq    %rcx
    popq    %rbx
    popq    %rax
    addq    $16, %rsp               /* vector and error code */
    iretq

    .section .note.GNU-stack, "", @progbits
