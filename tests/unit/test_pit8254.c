#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dev/pit8254.h"

#define MS 1000000ull
/* 1193182 / 100, rounded down as simple kernels compute it. */
#define DIVISOR_100HZ 11931u

struct harness {
    struct pit8254 pit;
    uint64_t now;
    bool level;
    unsigned edges; /* rising edges seen on IRQ 0 */
};

static uint64_t fake_clock(void *opaque)
{
    return ((struct harness *)opaque)->now;
}

static void on_irq0(void *opaque, bool level)
{
    struct harness *h = opaque;
    if (level && !h->level)
        h->edges++;
    h->level = level;
}

static int setup(void **state)
{
    static struct harness h;
    memset(&h, 0, sizeof h);
    h.now = 5 * MS; /* not zero: nothing may assume time starts at 0 */
    pit8254_init(&h.pit, on_irq0, &h, fake_clock, &h);
    *state = &h;
    return 0;
}

static void outb(struct harness *h, uint16_t port, uint8_t v)
{
    if (port == PIT8254_PORT61)
        pit8254_port61_io(&h->pit, 0, &v, 1, true);
    else
        pit8254_io(&h->pit, port - PIT8254_PORT, &v, 1, true);
}

static uint8_t inb(struct harness *h, uint16_t port)
{
    uint8_t v = 0x5A;
    if (port == PIT8254_PORT61)
        pit8254_port61_io(&h->pit, 0, &v, 1, false);
    else
        pit8254_io(&h->pit, port - PIT8254_PORT, &v, 1, false);
    return v;
}

static uint16_t read16(struct harness *h, uint16_t port)
{
    uint8_t lo = inb(h, port);
    uint8_t hi = inb(h, port);
    return (uint16_t)(lo | hi << 8);
}

/* Shortest time holding t input clocks, as the device computes it. */
static uint64_t ns_for(uint64_t ticks)
{
    return (ticks * 1000000000ull + PIT8254_HZ - 1) / PIT8254_HZ;
}

static void program_channel0(struct harness *h, unsigned mode, uint16_t count)
{
    outb(h, 0x43, (uint8_t)(PIT_SEL(0) | PIT_ACCESS_LOHI | PIT_MODE(mode)));
    outb(h, 0x40, (uint8_t)count);
    outb(h, 0x40, (uint8_t)(count >> 8));
}

/* N edges over N*10 ms, one per 10 ms step, with exact next deadlines. */
static void periodic_100hz(struct harness *h, unsigned mode)
{
    uint64_t t0 = h->now;
    program_channel0(h, mode, DIVISOR_100HZ);
    assert_int_equal(pit8254_update(&h->pit, t0), t0 + ns_for(DIVISOR_100HZ));
    const unsigned n = 200;
    for (unsigned k = 1; k <= n; k++) {
        uint64_t edge = t0 + ns_for((uint64_t)k * DIVISOR_100HZ);
        /* One ns before the edge nothing happens; at the edge, one pulse. */
        assert_int_equal(pit8254_update(&h->pit, edge - 1), edge);
        assert_int_equal(h->edges, k - 1);
        h->now = t0 + k * 10 * MS;
        uint64_t next = pit8254_update(&h->pit, h->now);
        assert_int_equal(h->edges, k);
        assert_false(h->level); /* a pulse: back low at once */
        assert_int_equal(next, t0 + ns_for((uint64_t)(k + 1) * DIVISOR_100HZ));
    }
    assert_int_equal(h->edges, n);
}

static void test_mode2_rate_generator_100hz(void **state)
{
    periodic_100hz(*state, 2);
}

static void test_mode3_square_wave_100hz(void **state)
{
    periodic_100hz(*state, 3);
}

static void test_late_update_coalesces_to_one_edge(void **state)
{
    struct harness *h = *state;
    uint64_t t0 = h->now;
    program_channel0(h, 2, DIVISOR_100HZ);
    h->now = t0 + 1000 * MS; /* ~100 periods unseen */
    uint64_t next = pit8254_update(&h->pit, h->now);
    assert_int_equal(h->edges, 1);
    assert_true(next > h->now);
    assert_true(next <= h->now + ns_for(DIVISOR_100HZ));
    /* The phase is kept: the next edge is on the original grid. */
    assert_int_equal(next, t0 + ns_for(101ull * DIVISOR_100HZ));
    assert_int_equal(pit8254_update(&h->pit, h->now), next);
    assert_int_equal(h->edges, 1);
}

static void test_fast_periodic_rate_is_limited(void **state)
{
    struct harness *h = *state;
    uint64_t t0 = h->now;
    program_channel0(h, 2, 10); /* ~119 kHz */
    assert_int_equal(pit8254_update(&h->pit, t0), t0 + ns_for(10));
    h->now = t0 + ns_for(10);
    assert_int_equal(pit8254_update(&h->pit, h->now), h->now + PIT8254_MIN_PERIOD_NS);
    assert_int_equal(h->edges, 1);
    h->now += PIT8254_MIN_PERIOD_NS;
    assert_int_equal(pit8254_update(&h->pit, h->now), h->now + PIT8254_MIN_PERIOD_NS);
    assert_int_equal(h->edges, 2);
    /* The count still runs at the real rate. */
    outb(h, 0x43, PIT_SEL(0) | PIT_LATCH);
    uint64_t clocks = (h->now - t0) * PIT8254_HZ / 1000000000ull;
    assert_int_equal(read16(h, 0x40), 10 - clocks % 10);
}

static void test_count_zero_means_65536(void **state)
{
    struct harness *h = *state;
    uint64_t t0 = h->now;
    program_channel0(h, 2, 0);
    assert_int_equal(pit8254_update(&h->pit, t0), t0 + ns_for(65536));
    outb(h, 0x43, PIT_SEL(0) | PIT_LATCH);
    assert_int_equal(read16(h, 0x40), 0); /* 65536 reads as 0 */
    h->now = t0 + ns_for(1);
    outb(h, 0x43, PIT_SEL(0) | PIT_LATCH);
    assert_int_equal(read16(h, 0x40), 65535);
}

static void test_mode0_one_shot(void **state)
{
    struct harness *h = *state;
    uint64_t t0 = h->now;
    program_channel0(h, 0, 1193); /* ~1 ms */
    uint64_t due = t0 + 999848;   /* ceil(1193 s / 1193182) */
    assert_int_equal(pit8254_update(&h->pit, t0), due);
    assert_int_equal(pit8254_update(&h->pit, due - 1), due);
    assert_false(h->level);
    assert_int_equal(pit8254_update(&h->pit, due), UINT64_MAX);
    assert_true(h->level); /* the output stays high at terminal count */
    assert_int_equal(h->edges, 1);
    h->now = due + 100 * MS;
    assert_int_equal(pit8254_update(&h->pit, h->now), UINT64_MAX);
    assert_int_equal(h->edges, 1);

    /* A new count drops the output and starts again. */
    outb(h, 0x40, 0x10);
    assert_false(h->level); /* the first byte already stops mode 0 */
    outb(h, 0x40, 0x00);
    uint64_t due2 = h->now + ns_for(16);
    assert_int_equal(pit8254_update(&h->pit, h->now), due2);
    pit8254_update(&h->pit, due2);
    assert_int_equal(h->edges, 2);
    assert_true(h->level);
    /* A control word drops it too. */
    outb(h, 0x43, PIT_SEL(0) | PIT_ACCESS_LOHI | PIT_MODE(2));
    assert_false(h->level);
    assert_int_equal(pit8254_update(&h->pit, h->now), UINT64_MAX);
}

static void test_counter_latch_decreases_with_time(void **state)
{
    struct harness *h = *state;
    uint64_t t0 = h->now;
    /* Linux's quick_pit_calibrate: channel 2, gate on, speaker off, mode 0,
     * count 0xFFFF. */
    outb(h, 0x61, (uint8_t)((inb(h, 0x61) & ~PIT_PORT61_SPEAKER) | PIT_PORT61_GATE2));
    outb(h, 0x43, PIT_SEL(2) | PIT_ACCESS_LOHI | PIT_MODE(0));
    outb(h, 0x42, 0xFF);
    outb(h, 0x42, 0xFF);

    h->now = t0 + 1 * MS; /* 1193 clocks */
    outb(h, 0x43, PIT_SEL(2) | PIT_LATCH);
    h->now = t0 + 5 * MS; /* the latch holds the earlier value */
    outb(h, 0x43, PIT_SEL(2) | PIT_LATCH); /* ignored: already latched */
    assert_int_equal(read16(h, 0x42), 0xFFFF - 1193);

    uint16_t prev = 0xFFFF;
    for (unsigned i = 1; i <= 50; i++) {
        h->now = t0 + i * MS;
        outb(h, 0x43, PIT_SEL(2) | PIT_LATCH);
        uint16_t v = read16(h, 0x42);
        assert_true(v < prev);
        assert_int_equal(v, 0xFFFF - (uint16_t)((uint64_t)i * MS * PIT8254_HZ / 1000000000ull));
        prev = v;
    }
    /* Unlatched reads see the live count too. */
    h->now = t0 + 2 * MS;
    assert_int_equal(read16(h, 0x42), 0xFFFF - 2386);
    /* OUT2 rises at terminal count (65535 clocks, ~54.9 ms). */
    assert_int_equal(inb(h, 0x61) & PIT_PORT61_OUT2, 0);
    h->now = t0 + ns_for(0xFFFF);
    assert_int_equal(inb(h, 0x61) & PIT_PORT61_OUT2, PIT_PORT61_OUT2);
}

static void test_read_back_status_and_count(void **state)
{
    struct harness *h = *state;
    uint64_t t0 = h->now;
    outb(h, 0x43, PIT_SEL(0) | PIT_ACCESS_LOHI | PIT_MODE(2));
    /* Null count until the count is written. */
    outb(h, 0x43, PIT_READ_BACK | PIT_RB_NO_COUNT | PIT_RB_CH(0));
    assert_int_equal(inb(h, 0x40), PIT_STATUS_OUT | PIT_STATUS_NULL | 0x34);
    outb(h, 0x40, 0x00);
    outb(h, 0x40, 0x10); /* 4096 */

    h->now = t0 + ns_for(1000);
    outb(h, 0x43, PIT_READ_BACK | PIT_RB_CH(0)); /* status and count */
    h->now = t0 + ns_for(2000);
    assert_int_equal(inb(h, 0x40), PIT_STATUS_OUT | 0x34);
    assert_int_equal(read16(h, 0x40), 4096 - 1000);

    /* Count only, two channels at once; channel 1 unprogrammed reads 0. */
    outb(h, 0x43, PIT_READ_BACK | PIT_RB_NO_STATUS | PIT_RB_CH(0) | PIT_RB_CH(1));
    h->now = t0 + ns_for(3000);
    assert_int_equal(read16(h, 0x40), 4096 - 2000);
    assert_int_equal(read16(h, 0x41), 0);
    /* Live again after the latch was read. */
    assert_int_equal(read16(h, 0x40), 4096 - 3000);

    /* The output bit in status: low for the last clock of a period. */
    h->now = t0 + ns_for(4095);
    outb(h, 0x43, PIT_READ_BACK | PIT_RB_NO_COUNT | PIT_RB_CH(0));
    assert_int_equal(inb(h, 0x40), 0x34);
}

static void test_lobyte_and_hibyte_access(void **state)
{
    struct harness *h = *state;
    uint64_t t0 = h->now;
    outb(h, 0x43, PIT_SEL(0) | PIT_ACCESS_LO | PIT_MODE(2));
    outb(h, 0x40, 200);
    assert_int_equal(pit8254_update(&h->pit, t0), t0 + ns_for(200));
    h->now = t0 + ns_for(50);
    assert_int_equal(inb(h, 0x40), 150);
    assert_int_equal(inb(h, 0x40), 150);

    outb(h, 0x43, PIT_SEL(0) | PIT_ACCESS_HI | PIT_MODE(2));
    outb(h, 0x40, 0x02); /* 0x0200 = 512 */
    uint64_t t1 = h->now;
    assert_int_equal(pit8254_update(&h->pit, t1), t1 + ns_for(512));
    h->now = t1 + ns_for(256);
    assert_int_equal(inb(h, 0x40), 0x01);
}

static void test_mode3_counts_by_two(void **state)
{
    struct harness *h = *state;
    uint64_t t0 = h->now;
    outb(h, 0x61, PIT_PORT61_GATE2);
    outb(h, 0x43, PIT_SEL(2) | PIT_ACCESS_LOHI | PIT_MODE(3));
    outb(h, 0x42, 100);
    outb(h, 0x42, 0);
    h->now = t0 + ns_for(10);
    assert_int_equal(read16(h, 0x42), 80);
    assert_int_equal(inb(h, 0x61) & PIT_PORT61_OUT2, PIT_PORT61_OUT2); /* first half */
    h->now = t0 + ns_for(60);
    assert_int_equal(read16(h, 0x42), 80);
    assert_int_equal(inb(h, 0x61) & PIT_PORT61_OUT2, 0); /* second half */
    /* Gate low stops the count and forces the output high. */
    outb(h, 0x61, 0);
    h->now = t0 + ns_for(70);
    assert_int_equal(read16(h, 0x42), 80);
    assert_int_equal(inb(h, 0x61) & PIT_PORT61_OUT2, PIT_PORT61_OUT2);
    /* Gate high restarts from the full count. */
    outb(h, 0x61, PIT_PORT61_GATE2);
    h->now += ns_for(5);
    assert_int_equal(read16(h, 0x42), 90);
}

static void test_gate_pauses_mode0(void **state)
{
    struct harness *h = *state;
    uint64_t t0 = h->now;
    outb(h, 0x43, PIT_SEL(2) | PIT_ACCESS_LOHI | PIT_MODE(0));
    outb(h, 0x42, 0x00);
    outb(h, 0x42, 0x01); /* 256, gate still low: waits */
    h->now = t0 + ns_for(100);
    assert_int_equal(read16(h, 0x42), 256);
    outb(h, 0x61, PIT_PORT61_GATE2);
    h->now = t0 + ns_for(150);
    assert_int_equal(read16(h, 0x42), 206);
    outb(h, 0x61, 0);
    h->now = t0 + ns_for(1000);
    assert_int_equal(read16(h, 0x42), 206);
    outb(h, 0x61, PIT_PORT61_GATE2);
    h->now += ns_for(6);
    assert_int_equal(read16(h, 0x42), 200);
}

static void test_bcd_counting(void **state)
{
    struct harness *h = *state;
    uint64_t t0 = h->now;
    outb(h, 0x43, PIT_SEL(0) | PIT_ACCESS_LOHI | PIT_MODE(2) | PIT_BCD);
    outb(h, 0x40, 0x00);
    outb(h, 0x40, 0x10); /* BCD 1000 */
    assert_int_equal(pit8254_update(&h->pit, t0), t0 + ns_for(1000));
    h->now = t0 + ns_for(1);
    assert_int_equal(read16(h, 0x40), 0x0999);
}

static void test_other_modes_do_not_crash(void **state)
{
    struct harness *h = *state;
    static const unsigned modes[] = { 1, 4, 5, 6, 7 };
    for (unsigned ch = 0; ch < 3; ch++) {
        for (unsigned i = 0; i < sizeof modes / sizeof modes[0]; i++) {
            outb(h, 0x43, (uint8_t)(PIT_SEL(ch) | PIT_ACCESS_LOHI | PIT_MODE(modes[i])));
            outb(h, (uint16_t)(0x40 + ch), 1);
            outb(h, (uint16_t)(0x40 + ch), 0);
            for (unsigned step = 0; step < 4; step++) {
                h->now += 1000;
                (void)read16(h, (uint16_t)(0x40 + ch));
                outb(h, 0x43, PIT_READ_BACK | PIT_RB_CH(ch));
                (void)inb(h, (uint16_t)(0x40 + ch));
                (void)read16(h, (uint16_t)(0x40 + ch));
                outb(h, 0x61, (uint8_t)(step & 1));
                (void)inb(h, 0x61);
                pit8254_update(&h->pit, h->now);
            }
        }
    }
    /* Mode 4 on channel 0: one edge, one clock after terminal count. */
    uint64_t t0 = h->now;
    program_channel0(h, 4, 100);
    unsigned before = h->edges;
    assert_int_equal(pit8254_update(&h->pit, t0), t0 + ns_for(101));
    pit8254_update(&h->pit, t0 + ns_for(101));
    assert_int_equal(h->edges, before + 1);
    assert_int_equal(pit8254_update(&h->pit, t0 + 100 * MS), UINT64_MAX);
    /* Mode 1 on channel 0 never starts (its gate cannot rise). */
    program_channel0(h, 1, 100);
    assert_int_equal(pit8254_update(&h->pit, h->now), UINT64_MAX);
    /* Control-port reads and out-of-window bytes read as 0xFF. */
    assert_int_equal(inb(h, 0x43), 0xFF);
    uint8_t v[2] = { 0, 0 };
    pit8254_io(&h->pit, 3, v, 2, false);
    assert_int_equal(v[1], 0xFF);
}

static void test_unprogrammed_pit_is_silent(void **state)
{
    struct harness *h = *state;
    assert_int_equal(pit8254_update(&h->pit, h->now), UINT64_MAX);
    h->now += 1000 * MS;
    assert_int_equal(pit8254_update(&h->pit, h->now), UINT64_MAX);
    assert_int_equal(h->edges, 0);
    assert_int_equal(inb(h, 0x61) & 0xCF, 0); /* gate off, speaker off */
}

static void test_port61_refresh_toggles(void **state)
{
    struct harness *h = *state;
    h->now = 0;
    outb(h, 0x61, 0x0F);
    uint8_t a = inb(h, 0x61);
    h->now = 15085;
    uint8_t b = inb(h, 0x61);
    assert_int_equal(a & 0x0F, 0x0F);
    assert_int_equal((a ^ b) & PIT_PORT61_REFRESH, PIT_PORT61_REFRESH);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_mode2_rate_generator_100hz, setup),
        cmocka_unit_test_setup(test_mode3_square_wave_100hz, setup),
        cmocka_unit_test_setup(test_late_update_coalesces_to_one_edge, setup),
        cmocka_unit_test_setup(test_fast_periodic_rate_is_limited, setup),
        cmocka_unit_test_setup(test_count_zero_means_65536, setup),
        cmocka_unit_test_setup(test_mode0_one_shot, setup),
        cmocka_unit_test_setup(test_counter_latch_decreases_with_time, setup),
        cmocka_unit_test_setup(test_read_back_status_and_count, setup),
        cmocka_unit_test_setup(test_lobyte_and_hibyte_access, setup),
        cmocka_unit_test_setup(test_mode3_counts_by_two, setup),
        cmocka_unit_test_setup(test_gate_pauses_mode0, setup),
        cmocka_unit_test_setup(test_bcd_counting, setup),
        cmocka_unit_test_setup(test_other_modes_do_not_crash, setup),
        cmocka_unit_test_setup(test_unprogrammed_pit_is_silent, setup),
        cmocka_unit_test_setup(test_port61_refresh_toggles, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
