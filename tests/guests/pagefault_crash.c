/*
 * pagefault_crash: the crash a newcomer's kernel makes, for --step-history.
 * A read of an unmapped page goes to a #PF handler that skips it; then an
 * empty IDT and a division by zero end in a triple fault. The labels
 * pf_read (the faulting read) and crash_div (the division) let the test
 * find both instructions in the ELF's symbol table and in wisp's history.
 */
#include "wisp_lib.h"

#define UNMAPPED 0x100000000000ull /* 16 TiB: far above every mapping */

extern const char pf_resume[];

static void skip_faulting_read(struct wisp_interrupt_frame *f)
{
    f->rip = (uint64_t)pf_resume;
}

int kmain(struct wisp_boot_info *bi)
{
    struct __attribute__((packed)) {
        uint16_t limit;
        uint64_t base;
    } empty_idt = { 0, 0 };
    uint64_t value = 0;

    (void)bi;
    wisp_idt_init();
    wisp_set_interrupt_handler(14, skip_faulting_read);
    wisp_puts("pagefault_crash: reading an unmapped page, then dividing by zero "
              "with an empty IDT\n");
    __asm__ __volatile__(".globl pf_read, pf_resume\n"
                         "pf_read: movq (%1), %0\n"
                         "pf_resume:"
                         : "+r"(value) : "r"(UNMAPPED) : "memory");
    __asm__ __volatile__("lidt %0" : : "m"(empty_idt));
    __asm__ __volatile__("xorl %%ecx, %%ecx\n"
                         ".globl crash_div\n"
                         "crash_div: divl %%ecx"
                         : : : "eax", "ecx", "edx", "cc", "memory");
    wisp_puts("FAIL: pagefault_crash: still running after the fault\n");
    return 1;
}
