/*
 * halt_cli: halts with interrupts disabled. Nothing but an NMI or a reset can
 * wake the vCPU, so wisp must notice that it is halted for good and stop
 * (the exit status is wisp's choice; the guest never exits by itself).
 */
#include "wisp_lib.h"

int kmain(struct wisp_boot_info *bi)
{
    (void)bi;
    wisp_puts("halting with interrupts off\n");
    __asm__ __volatile__("cli\n"
                         "1: hlt\n"
                         "jmp 1b" /* an NMI would land back on the same HLT */
                         : : : "memory");
    __builtin_unreachable();
}
