/*
 * pic_parity: the newcomer's mistake from issue 15, on purpose. It starts
 * the PIT at 100 Hz and enables interrupts without remapping the PIC, with
 * a handler on vector 0. Both interrupt controllers start as KVM's PIC
 * does (vector base 0, unmasked), so IRQ 0 must arrive as vector 0 under
 * --irqchip kernel and --irqchip user alike. Waits up to 2 s (get_time)
 * for 5 of them, prints the count and PASS or FAIL.
 */
#include "wisp_lib.h"

#define WANT 5
#define MAX_WAIT_NS 2000000000ull

static volatile unsigned vector0;

static void on_vector0(struct wisp_interrupt_frame *f)
{
    (void)f;
    vector0++;
    outb(0x20, 0x20); /* non-specific EOI to the master PIC */
}

int kmain(struct wisp_boot_info *bi)
{
    (void)bi;
    wisp_idt_init();
    wisp_set_interrupt_handler(0, on_vector0);
    wisp_pit_periodic(100);
    uint64_t t0 = wisp_time_ns();
    sti();
    while (vector0 < WANT && wisp_time_ns() - t0 < MAX_WAIT_NS)
        ;
    cli();
    wisp_printf("pic_parity: IRQ 0 arrived as vector 0 %u times\n", vector0);
    if (vector0 < WANT) {
        wisp_puts("FAIL: pic_parity: the unprogrammed PIC did not deliver IRQ 0 as vector 0\n");
        return 1;
    }
    wisp_puts("PASS: pic_parity\n");
    return 0;
}
