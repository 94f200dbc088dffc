/*
 * smp_ipi: interrupts between CPUs (at least two; four to see everything).
 *
 *  1. ping-pong: the BSP sends a fixed IPI (0x50) to CPU 1, whose handler
 *     answers with one (0x51) back to APIC ID 0; ROUNDS round trips, timed
 *     with get_time ("round trip N ns": bench/ reads it);
 *  2. broadcast shorthands: "all excluding self" (0x52) reaches every AP
 *     once, "all including self" (0x53) every CPU once;
 *  3. NMI: an NMI IPI to CPU 1 runs its NMI handler (vector 2);
 *  4. logical destinations (flat model, LDR = 1 << APIC ID): a fixed IPI to
 *     logical 0b0110 reaches CPUs 1 and 2 only, a lowest-priority one to
 *     0b1110 exactly one of CPUs 1-3 (needs 4 CPUs; skipped with fewer).
 * Each AP enables its LAPIC and waits with interrupts on. The BSP's LAPIC
 * timer ticks at WATCHDOG_HZ meanwhile, so that its waits end even if an
 * IPI never comes: a lost IPI is a FAIL naming the round, not a hang.
 * Prints PASS or FAIL with the counts that were wrong.
 */
#include "wisp_lib.h"

#define PING 0x50
#define PONG 0x51
#define ALL_BUT_SELF 0x52
#define ALL 0x53
#define LOGICAL 0x54
#define LOWEST 0x55
#define WATCHDOG 0x5F
#define WATCHDOG_HZ 50
#define ROUNDS 1000
#define WAIT_NS 5000000000ull

static volatile uint32_t ready;
static volatile uint64_t pings, pongs;
static volatile uint32_t hits[WISP_MAX_CPUS][6]; /* per CPU: 0x52..0x55, NMI */

static unsigned my_index(void)
{
    return wisp_lapic_id(); /* CPU i has APIC ID i under wisp */
}

static void on_ping(struct wisp_interrupt_frame *f)
{
    (void)f;
    pings++;
    wisp_lapic_eoi();
    wisp_lapic_send_ipi(0, WISP_ICR_FIXED | PONG);
}

static void on_pong(struct wisp_interrupt_frame *f)
{
    (void)f;
    pongs++;
    wisp_lapic_eoi();
}

static void on_counted(struct wisp_interrupt_frame *f)
{
    __atomic_fetch_add(&hits[my_index()][f->vector - ALL_BUT_SELF], 1, __ATOMIC_SEQ_CST);
    wisp_lapic_eoi();
}

static void on_nmi(struct wisp_interrupt_frame *f)
{
    (void)f;
    __atomic_fetch_add(&hits[my_index()][4], 1, __ATOMIC_SEQ_CST);
}

static void on_watchdog(struct wisp_interrupt_frame *f)
{
    (void)f;
    wisp_lapic_eoi();
}

static void set_logical_id(void)
{
    wisp_lapic_write(WISP_LAPIC_DFR, 0xFFFFFFFFu); /* flat model */
    wisp_lapic_write(WISP_LAPIC_LDR, (1u << my_index()) << 24);
}

static void ap_main(struct wisp_cpu *cpu)
{
    (void)cpu;
    wisp_lapic_enable_ap();
    set_logical_id();
    __atomic_fetch_add(&ready, 1, __ATOMIC_SEQ_CST);
    for (;;)
        wisp_wait_for_interrupt(); /* sti; hlt; cli */
}

static int wait_for(volatile uint64_t *value, uint64_t want)
{
    uint64_t deadline = wisp_time_ns() + WAIT_NS;
    while (*value < want) {
        if (wisp_time_ns() > deadline)
            return 0;
        wisp_wait_for_interrupt();
    }
    return 1;
}

static uint32_t total(int slot, unsigned n)
{
    uint32_t sum = 0;
    for (unsigned i = 0; i < n; i++)
        sum += hits[i][slot];
    return sum;
}

/* Waits with interrupts on (so the BSP takes its own broadcasts at the
 * next exit at the latest) until the counts are what they should be, or
 * 5 s have passed; then a little longer, so that a delivery too many
 * would show. */
static void settle(unsigned n)
{
    uint64_t end = wisp_time_ns() + 5000000000ull;
    sti();
    for (;;) {
        uint64_t now = wisp_time_ns();
        int done = total(0, n) >= n - 1 && total(1, n) >= n && total(4, n) >= 1 &&
                   (n < 4 || (total(2, n) >= 2 && total(3, n) >= 1));
        if (now >= end)
            break;
        if (done && end > now + 20000000ull)
            end = now + 20000000ull;
        wisp_cpu_relax();
    }
    cli();
}

int kmain(struct wisp_boot_info *bi)
{
    wisp_idt_init();
    wisp_set_interrupt_handler(PING, on_ping);
    wisp_set_interrupt_handler(PONG, on_pong);
    for (uint8_t v = ALL_BUT_SELF; v <= LOWEST; v++)
        wisp_set_interrupt_handler(v, on_counted);
    wisp_set_interrupt_handler(2, on_nmi);
    wisp_set_interrupt_handler(WATCHDOG, on_watchdog);
    wisp_lapic_enable_ap(); /* no PIC needed here */
    set_logical_id();
    const struct wisp_boot_ext *ext = wisp_boot_ext(bi);
    if (ext && ext->lapic_timer_hz) {
        wisp_lapic_write(WISP_LAPIC_TIMER_DIV, 0x3); /* divide by 16 */
        wisp_lapic_write(WISP_LAPIC_LVT_TIMER, WISP_LAPIC_TIMER_PERIODIC | WATCHDOG);
        wisp_lapic_write(WISP_LAPIC_TIMER_INIT, (uint32_t)(ext->lapic_timer_hz / 16 / WATCHDOG_HZ));
    }

    unsigned n = wisp_cpu_count(bi);
    if (n < 2) {
        wisp_puts("FAIL: smp_ipi: needs --cpus 2 or more\n");
        return 1;
    }
    for (unsigned i = 1; i < n; i++)
        wisp_smp_start_mailbox(wisp_cpu_entry(bi, i), ap_main);
    uint64_t deadline = wisp_time_ns() + WAIT_NS;
    while (ready < n - 1 && wisp_time_ns() < deadline)
        wisp_cpu_relax();
    if (ready != n - 1) {
        wisp_printf("FAIL: smp_ipi: %u of %u APs came up\n", ready, n - 1);
        return 1;
    }
    int ok = 1;

    /* 1. ping-pong */
    uint64_t t0 = wisp_time_ns();
    for (uint64_t i = 1; i <= ROUNDS; i++) {
        wisp_lapic_send_ipi(1, WISP_ICR_FIXED | PING);
        if (!wait_for(&pongs, i)) {
            wisp_printf("FAIL: smp_ipi: round %lu: no answer in %llu s (%lu pings arrived)\n",
                        i, WAIT_NS / 1000000000ull, pings);
            break;
        }
    }
    uint64_t elapsed = wisp_time_ns() - t0;
    wisp_printf("smp_ipi: %lu round trips in %lu us, round trip %lu ns\n", pongs, elapsed / 1000,
                pongs ? elapsed / pongs : 0);
    if (pings != ROUNDS || pongs != ROUNDS) {
        wisp_printf("FAIL: smp_ipi: ping-pong: %lu pings, %lu pongs of %d\n", pings, pongs,
                    ROUNDS);
        ok = 0;
    }

    /* 2. shorthands */
    wisp_lapic_send_ipi(0, WISP_ICR_ALL_EXCLUDING_SELF | ALL_BUT_SELF);
    wisp_lapic_send_ipi(0, WISP_ICR_ALL_INCLUDING_SELF | ALL);
    /* 3. NMI */
    wisp_lapic_send_ipi(1, WISP_ICR_NMI);
    /* 4. logical destinations */
    if (n >= 4) {
        wisp_lapic_send_ipi(0x06, WISP_ICR_FIXED | WISP_ICR_LOGICAL | LOGICAL);
        wisp_lapic_send_ipi(0x0E, WISP_ICR_LOWEST | WISP_ICR_LOGICAL | LOWEST);
    }
    settle(n);
    uint32_t but_self = total(0, n), all = total(1, n), logical = total(2, n),
             lowest = total(3, n), nmi = total(4, n);
    wisp_printf("smp_ipi: all-but-self %u/%u, all %u/%u, NMI %u/1", but_self, n - 1, all, n, nmi);
    if (n >= 4)
        wisp_printf(", logical %u/2 (CPU 1: %u, CPU 2: %u), lowest priority %u/1", logical,
                    hits[1][2], hits[2][2], lowest);
    wisp_puts("\n");
    if (but_self != n - 1 || hits[0][0] != 0 || all != n || nmi != 1 || hits[1][4] != 1)
        ok = 0;
    if (n >= 4 && (logical != 2 || hits[1][2] != 1 || hits[2][2] != 1 || lowest != 1 ||
                   hits[0][3] != 0))
        ok = 0;
    if (!ok) {
        wisp_puts("FAIL: smp_ipi\n");
        return 1;
    }
    wisp_puts("PASS: smp_ipi\n");
    return 0;
}
