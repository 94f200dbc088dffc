/*
 * smp_count: every CPU reports its APIC ID and adds to one shared counter
 * with a locked instruction; the total must be exact.
 *
 *  1. the BSP reads the CPU table from the boot info extension and starts
 *     each AP through its wisp mailbox (smp_sipi.c builds this same guest
 *     starting them with INIT-SIPI-SIPI instead);
 *  2. each CPU, the BSP included, checks that its LAPIC's ID is the one the
 *     table lists for it, prints it, then does ROUNDS `lock incq` on the
 *     counter and checks in;
 *  3. the BSP waits for every CPU (10 s at most), then checks
 *     counter == CPUs * ROUNDS and that every APIC ID was seen once.
 *
 * Prints "smp_count: N CPUs", a line per CPU, and PASS or FAIL.
 */
#include "wisp_lib.h"

#ifndef START_WITH_SIPI
#define START_WITH_SIPI 0
#define NAME "smp_count"
#endif
#define ROUNDS 100000
#define TRAMPOLINE_PAGE 0x70000u
#define WAIT_NS 10000000000ull

static volatile uint64_t counter;
static volatile uint32_t checked_in;
static volatile uint32_t id_mismatch;
static volatile uint64_t seen_ids; /* bit per APIC ID below 64 */

static void count(struct wisp_cpu *cpu)
{
    uint32_t id = wisp_lapic_id();
    if (id != cpu->lapic_id)
        __atomic_fetch_add(&id_mismatch, 1, __ATOMIC_SEQ_CST);
    if (id < 64)
        __atomic_fetch_or(&seen_ids, 1ull << id, __ATOMIC_SEQ_CST);
    wisp_printf(NAME ": CPU %u has APIC ID %u\n", cpu->processor_id, id);
    for (int i = 0; i < ROUNDS; i++)
        __asm__ __volatile__("lock incq %0" : "+m"(counter) : : "memory");
    __atomic_fetch_add(&checked_in, 1, __ATOMIC_SEQ_CST);
}

static void ap_main(struct wisp_cpu *cpu)
{
    count(cpu);
    for (;;)
        wisp_halt_forever();
}

int kmain(struct wisp_boot_info *bi)
{
    wisp_idt_init();
    const struct wisp_boot_ext *ext = wisp_boot_ext(bi);
    if (!ext) {
        wisp_puts("FAIL: " NAME ": no boot info extension\n");
        return 1;
    }
    unsigned n = ext->cpu_count;
    wisp_printf(NAME ": %u CPUs, started %s\n", n, START_WITH_SIPI ? "by INIT-SIPI-SIPI" :
                                                                     "through the mailbox");
    for (unsigned i = 1; i < n; i++) {
        struct wisp_cpu *cpu = wisp_cpu_entry(bi, i);
        if (START_WITH_SIPI) {
            if (wisp_smp_start_sipi(cpu, ap_main, TRAMPOLINE_PAGE) < 0) {
                wisp_printf("FAIL: " NAME ": CPU %u did not start\n", i);
                return 1;
            }
        } else {
            wisp_smp_start_mailbox(cpu, ap_main);
        }
    }
    count(wisp_cpu_entry(bi, 0));

    uint64_t deadline = wisp_time_ns() + WAIT_NS;
    while (checked_in < n && wisp_time_ns() < deadline)
        wisp_delay_us(1000);
    uint64_t total = counter, expected = (uint64_t)n * ROUNDS;
    wisp_printf(NAME ": %u of %u CPUs checked in, counter %lu (expected %lu)\n", checked_in, n,
                total, expected);
    if (checked_in != n || total != expected || id_mismatch ||
        seen_ids != (n >= 64 ? ~0ull : (1ull << n) - 1)) {
        wisp_printf("FAIL: " NAME ": ids seen 0x%lx, mismatches %u\n", seen_ids, id_mismatch);
        return 1;
    }
    wisp_puts("PASS: " NAME "\n");
    return 0;
}
