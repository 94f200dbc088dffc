/*
 * hostile_irq_storm: the timers at their fastest rates.
 *
 *  1. never acknowledged: the LAPIC timer periodic with an initial count
 *     of 1 at divide-by-1, and the PIT at divisor 1 (1.19 MHz) on an
 *     unmasked IRQ0, with interrupts on and handlers that never send an
 *     EOI, for STORM_NS of guest time;
 *  2. acknowledged: the same with handlers that send the EOI, so every
 *     interrupt the controllers deliver is taken (KVM and wisp's own
 *     irqchip both limit periodic timers to one interrupt per 200 us).
 *
 * Each phase ends by the get_time hypercall, so the guest must still get
 * to run between interrupts and wisp must keep answering; how much other
 * work the guest got done is printed (where exits are slow, as in a nested
 * VM, the storm can leave it little). Prints the counts and
 * "PASS: hostile_irq_storm" when the acknowledged storm delivered.
 */
#include "wisp_lib.h"

#define LAPIC_VECTOR 0x40
#define PIT_IRQ      0
#define STORM_NS     1000000000ull

static volatile uint64_t lapic_irqs, pit_irqs;
static volatile int acknowledge;

static void on_lapic(struct wisp_interrupt_frame *f)
{
    (void)f;
    lapic_irqs++;
    if (acknowledge)
        wisp_lapic_eoi();
}

static void on_pit(struct wisp_interrupt_frame *f)
{
    (void)f;
    pit_irqs++;
    if (acknowledge)
        wisp_pic_eoi(PIT_IRQ);
}

/* Works with interrupts on until ns have passed; returns the rounds done. */
static uint64_t work_for(uint64_t ns)
{
    volatile uint64_t sink = 0;
    uint64_t start = wisp_time_ns(), rounds = 0;
    sti();
    while (wisp_time_ns() - start < ns) {
        for (int i = 0; i < 1000; i++)
            sink += (uint64_t)i;
        rounds++;
    }
    cli();
    return rounds;
}

static void storm(void)
{
    wisp_pic_init();
    outb(0x43, 0x34); /* channel 0, lobyte/hibyte, mode 2 */
    outb(0x40, 1);
    outb(0x40, 0);
    wisp_pic_unmask(PIT_IRQ);
    wisp_lapic_write(WISP_LAPIC_TIMER_DIV, 0xB); /* divide by 1 */
    wisp_lapic_write(WISP_LAPIC_LVT_TIMER, LAPIC_VECTOR | WISP_LAPIC_TIMER_PERIODIC);
    wisp_lapic_write(WISP_LAPIC_TIMER_INIT, 1);
}

static void calm(void)
{
    wisp_lapic_timer_stop();
    wisp_pic_mask(PIT_IRQ);
}

int kmain(struct wisp_boot_info *bi)
{
    (void)bi;
    wisp_idt_init();
    wisp_set_interrupt_handler(LAPIC_VECTOR, on_lapic);
    wisp_set_interrupt_handler(WISP_PIC_VECTOR_BASE + PIT_IRQ, on_pit);
    wisp_lapic_enable();

    acknowledge = 0;
    storm();
    uint64_t rounds1 = work_for(STORM_NS);
    calm();
    wisp_printf("hostile_irq_storm: never acknowledged: %lu LAPIC, %lu PIT interrupts, "
                "%lu rounds of work\n", lapic_irqs, pit_irqs, rounds1);
    /* Start clean: a fresh PIC and LAPIC state for the acknowledged run. */
    wisp_lapic_eoi();
    wisp_pic_eoi(PIT_IRQ);
    uint64_t lapic_before = lapic_irqs, pit_before = pit_irqs;

    acknowledge = 1;
    storm();
    uint64_t rounds2 = work_for(STORM_NS);
    calm();
    wisp_printf("hostile_irq_storm: acknowledged: %lu LAPIC, %lu PIT interrupts, "
                "%lu rounds of work\n", lapic_irqs - lapic_before, pit_irqs - pit_before,
                rounds2);
    if (lapic_irqs == lapic_before || pit_irqs == pit_before) {
        wisp_puts("FAIL: hostile_irq_storm: the acknowledged storm delivered nothing\n");
        return 1;
    }
    wisp_puts("PASS: hostile_irq_storm\n");
    return 0;
}
