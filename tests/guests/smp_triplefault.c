/*
 * smp_triplefault: an AP triple-faults while the BSP spins. CPU 1 loads an
 * empty IDT and executes ud2: #UD cannot be delivered, nor the #GP and #DF
 * that follow, so the CPU shuts down. wisp must stop with status 123 and
 * print every CPU's registers.
 */
#include "wisp_lib.h"

static volatile uint32_t started;

static void ap_main(struct wisp_cpu *cpu)
{
    __atomic_fetch_add(&started, 1, __ATOMIC_SEQ_CST);
    if (cpu->processor_id != 1)
        for (;;)
            wisp_cpu_relax();
    wisp_printf("smp_triplefault: CPU 1 faults with no IDT\n");
    struct __attribute__((packed)) { uint16_t limit; uint64_t base; } empty = { 0, 0 };
    __asm__ __volatile__("lidt %0; ud2" : : "m"(empty));
    for (;;)
        ;
}

int kmain(struct wisp_boot_info *bi)
{
    wisp_idt_init();
    unsigned n = wisp_cpu_count(bi);
    if (n < 2) {
        wisp_puts("FAIL: smp_triplefault: needs --cpus 2 or more\n");
        return 1;
    }
    for (unsigned i = 1; i < n; i++)
        wisp_smp_start_mailbox(wisp_cpu_entry(bi, i), ap_main);
    for (;;)
        wisp_cpu_relax();
}
