/*
 * smp_exit: one CPU ends the VM while the others spin. Every AP starts
 * and spins with interrupts off; once all are spinning, CPU 1 calls the
 * exit hypercall with code 7 (the BSP spins too). wisp must exit 7 at
 * once, stopping the spinning CPUs.
 */
#include "wisp_lib.h"

static volatile uint32_t spinning;

static void ap_main(struct wisp_cpu *cpu)
{
    __atomic_fetch_add(&spinning, 1, __ATOMIC_SEQ_CST);
    if (cpu->processor_id == 1) {
        while (spinning < wisp_cpu_count((struct wisp_boot_info *)WISP_BOOT_INFO_ADDR))
            wisp_cpu_relax();
        wisp_printf("smp_exit: CPU 1 calls exit(7) while the others spin\n");
        wisp_exit(7);
    }
    for (;;)
        wisp_cpu_relax();
}

int kmain(struct wisp_boot_info *bi)
{
    wisp_idt_init();
    unsigned n = wisp_cpu_count(bi);
    if (n < 2) {
        wisp_puts("FAIL: smp_exit: needs --cpus 2 or more\n");
        return 1;
    }
    for (unsigned i = 1; i < n; i++)
        wisp_smp_start_mailbox(wisp_cpu_entry(bi, i), ap_main);
    __atomic_fetch_add(&spinning, 1, __ATOMIC_SEQ_CST);
    for (;;)
        wisp_cpu_relax();
}
