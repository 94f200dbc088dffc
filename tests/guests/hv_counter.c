/*
 * hv_counter: counter.c's sequence on Hyper-V time, for tests that save or
 * move a `--hyperv` guest and check its clocks across the move.
 *
 *  - checks CPUID for Hyper-V (without --hyperv: `FAIL: hv_counter: not
 *    Hyper-V`, exit 1), sets a guest OS ID and the reference TSC page;
 *  - prints `hv_counter: ready`, then every 100 ms of get_time `count N`
 *    (N = 1, 2, 3, ...) and `hvtime MSR PAGE`: the partition reference
 *    counter MSR and the time the reference TSC page gives, both in 100 ns
 *    units since the partition started; a page marked invalid (sequence 0)
 *    prints PAGE as 0;
 *  - between lines it halts with interrupts on, woken by the LAPIC timer
 *    at 100 Hz.
 *
 * It never ends by itself: stop it with --timeout or the control socket.
 */
#include <hyperv/hyperv.h>

#include "wisp_lib.h"

#define TIMER_VECTOR 0x40
#define PERIOD_NS    100000000ull

static HV_REFERENCE_TSC_PAGE tsc_page __attribute__((aligned(4096)));

static uint64_t read_tsc(void *unused)
{
    (void)unused;
    uint32_t lo, hi;
    __asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

static void on_timer(struct wisp_interrupt_frame *f)
{
    (void)f;
    wisp_lapic_eoi();
}

int kmain(struct wisp_boot_info *bi)
{
    (void)bi;
    uint32_t r[4];
    __asm__ __volatile__("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
                         : "a"(HV_CPUID_LEAF_RANGE), "c"(0));
    if (r[1] != HV_CPUID_VENDOR_MICROSOFT_EBX || r[2] != HV_CPUID_VENDOR_MICROSOFT_ECX ||
        r[3] != HV_CPUID_VENDOR_MICROSOFT_EDX) {
        wisp_puts("FAIL: hv_counter: not Hyper-V (CPUID 0x40000000)\n");
        return 1;
    }
    wrmsr(HV_X64_MSR_GUEST_OS_ID,
          hv_guest_os_id_open_source(HV_GUEST_OS_TYPE_LINUX, 0, 0x060100, 0x4856));
    wrmsr(HV_X64_MSR_REFERENCE_TSC, (uint64_t)(uintptr_t)&tsc_page | 1);

    wisp_idt_init();
    wisp_set_interrupt_handler(TIMER_VECTOR, on_timer);
    wisp_lapic_enable();
    int ticking = wisp_lapic_timer_periodic(TIMER_VECTOR, 100) != 0;
    wisp_puts("hv_counter: ready\n");

    uint64_t count = 0, due = wisp_time_ns() + PERIOD_NS;
    cli();
    for (;;) {
        if (wisp_time_ns() >= due) {
            uint64_t msr = rdmsr(HV_X64_MSR_TIME_REF_COUNT), page = 0;
            if (!hv_reference_tsc_page_read(&tsc_page, read_tsc, NULL, &page))
                page = 0;
            wisp_printf("count %lu\nhvtime %lu %lu\n", ++count, msr, page);
            due = wisp_time_ns() + PERIOD_NS;
        }
        if (ticking)
            wisp_wait_for_interrupt(); /* sti; hlt; cli */
    }
}
