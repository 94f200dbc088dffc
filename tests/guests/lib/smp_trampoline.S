/*
 * Starting an AP: its real-mode trampoline (INIT-SIPI-SIPI) and the
 * long-mode entry both ways of starting it end in.
 *
 * wisp_sipi_trampoline .. wisp_sipi_trampoline_end is copied to a 4 KiB
 * page below 1 MiB; a start-up IPI with vector page >> 12 makes the AP run
 * it in real mode at CS = page >> 4, IP = 0. It goes straight to long mode
 * on wisp's GDT (0x08: 64-bit code, 0x10: data) and page tables, as
 * include/wisp/guest.h describes: PAE, CR3, EFER.LME, then PE and PG in
 * one write to CR0 (allowed from real mode: the far jump that follows
 * loads a 64-bit code segment). The data at the end is filled in by
 * wisp_smp_start_sipi() (wisp_smp.c) for one AP at a time; the AP sets
 * `arrived` once it has read all of it into registers.
 *
 * wisp_ap_entry64 is where both methods arrive, RDI = the AP's struct
 * wisp_cpu, RSP on its own stack: it calls wisp_ap_start(cpu) (C) and
 * halts if that ever returns.
 */
#include <wisp/guest.h>

    .text
    .code16
    .balign 16
    .globl wisp_sipi_trampoline, wisp_sipi_trampoline_end
    .globl wisp_sipi_far_offset, wisp_sipi_long_offset, wisp_sipi_stack_offset
    .globl wisp_sipi_cpu_offset, wisp_sipi_entry_offset, wisp_sipi_arrived_offset
wisp_sipi_trampoline:
    cli
    cld
    movw    %cs, %ax
    movw    %ax, %ds
    lgdtl   (tr_gdtr - wisp_sipi_trampoline)
    movl    $WISP_PML4_ADDR, %eax
    movl    %eax, %cr3
    movl    $0x6A0, %eax                /* PAE | PGE | OSFXSR | OSXMMEXCPT */
    movl    %eax, %cr4
    movl    $0xC0000080, %ecx           /* EFER */
    rdmsr
    orl     $0x901, %eax                /* SCE | LME | NXE */
    wrmsr
    movl    $0x80050033, %eax           /* PG | AM | WP | NE | ET | MP | PE */
    movl    %eax, %cr0
    ljmpl   *(tr_far - wisp_sipi_trampoline)

    .code64
tr_long:
    movl    $0x10, %eax
    movl    %eax, %ds
    movl    %eax, %es
    movl    %eax, %ss
    movl    %eax, %fs
    movl    %eax, %gs
    movq    tr_stack(%rip), %rsp
    movq    tr_cpu(%rip), %rdi
    movq    tr_entry(%rip), %rax
    movl    $1, tr_arrived(%rip)        /* the data may be reused from here */
    jmp     *%rax

    .balign 8
tr_gdtr:    .word 23                    /* wisp's GDT: null, code64, data */
            .long WISP_GDT_ADDR
            .word 0
tr_far:     .long 0                     /* page + (tr_long - trampoline) */
            .word 0x08
            .word 0
tr_stack:   .quad 0
tr_cpu:     .quad 0
tr_entry:   .quad 0
tr_arrived: .long 0
            .long 0
wisp_sipi_trampoline_end:

    .section .rodata
    .balign 4
wisp_sipi_far_offset:     .long tr_far - wisp_sipi_trampoline
wisp_sipi_long_offset:    .long tr_long - wisp_sipi_trampoline
wisp_sipi_stack_offset:   .long tr_stack - wisp_sipi_trampoline
wisp_sipi_cpu_offset:     .long tr_cpu - wisp_sipi_trampoline
wisp_sipi_entry_offset:   .long tr_entry - wisp_sipi_trampoline
wisp_sipi_arrived_offset: .long tr_arrived - wisp_sipi_trampoline

    .text
    .balign 16
    .globl wisp_ap_entry64
wisp_ap_entry64:
    cld
    xorl    %ebp, %ebp
    andq    $-16, %rsp
    call    wisp_ap_start               /* RDI = struct wisp_cpu * */
1:  cli
    hlt
    jmp     1b

    .section .note.GNU-stack, "", @progbits
