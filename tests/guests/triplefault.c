/*
 * triplefault: loads an IDT with limit 0 and divides by zero. #DE cannot be
 * delivered (vector 0 lies outside the IDT), so the CPU raises #GP, which
 * cannot be delivered either, so #DF, and then shuts down: a triple fault.
 * wisp must report a guest crash with a register dump and exit with its
 * crash status (123). A division is used rather than UD2 or INT3 because an
 * instruction emulator surely implements DIV.
 */
#include "wisp_lib.h"

int kmain(struct wisp_boot_info *bi)
{
    struct __attribute__((packed)) {
        uint16_t limit;
        uint64_t base;
    } empty_idt = { 0, 0 };

    (void)bi;
    wisp_puts("triplefault: loading an empty IDT and dividing by zero\n");
    __asm__ __volatile__("lidt %0" : : "m"(empty_idt));
    __asm__ __volatile__("xorl %%ecx, %%ecx\n"
                         "divl %%ecx"
                         : : : "eax", "ecx", "edx", "cc", "memory");
    wisp_puts("FAIL: triplefault: still running after the fault\n");
    return 1;
}
