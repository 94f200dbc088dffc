/*
 * Multiboot entry of the QEMU shim (32-bit protected mode, paging off).
 * shim_main() loads the guest ELF and builds wisp's boot environment; then
 * we switch to long mode exactly as wisp would leave a guest: CR3 = 0x1000,
 * CR4 = PAE|PGE|OSFXSR|OSXMMEXCPT, EFER.LME, the GDT at 0xB000 (CS 0x08,
 * data 0x10), RSP = 0x9FFF8, RDI = 0x80000, interrupts off.
 */
    .section .multiboot, "a"
    .align 4
    .long 0x1BADB002                    /* magic */
    .long 0x00000003                    /* page-align modules, memory info */
    .long -(0x1BADB002 + 0x00000003)

    .text
    .code32
    .globl _start
_start:
    cli
    mov     $stack_top, %esp
    push    %ebx                        /* multiboot info */
    push    %eax                        /* multiboot magic */
    call    shim_main
    mov     guest_entry, %ebp

    mov     $0x1000, %eax
    mov     %eax, %cr3
    mov     %cr4, %eax
    or      $(0x20 | 0x80 | 0x200 | 0x400), %eax
    mov     %eax, %cr4
    mov     $0xC0000080, %ecx           /* EFER */
    rdmsr
    or      $0x100, %eax                /* LME */
    wrmsr
    lgdt    gdtr
    mov     %cr0, %eax
    or      $0x80000001, %eax           /* PG | PE */
    mov     %eax, %cr0
    ljmp    $0x08, $long_mode

    .code64
long_mode:
    mov     $0x10, %ax
    mov     %ax, %ds
    mov     %ax, %es
    mov     %ax, %ss
    mov     %ax, %fs
    mov     %ax, %gs
    mov     $0x9FFF8, %esp
    mov     $0x80000, %edi
    mov     %ebp, %eax
    jmp     *%rax

    .data
gdtr:
    .word   23
    .long   0xB000

    .bss
    .align  16
    .space  16384
stack_top:

    .section .note.GNU-stack, "", @progbits
