#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dev/lapic.h"

#define MS 1000000ull
#define DIVIDE_BY_1 0xB
#define DIVIDE_BY_2 0x0
#define DIVIDE_BY_16 0x3

struct harness {
    struct lapic apic;
    uint64_t now;
};

static uint64_t fake_clock(void *opaque)
{
    return ((struct harness *)opaque)->now;
}

static int setup(void **state)
{
    static struct harness h;
    memset(&h, 0, sizeof h);
    h.now = 7 * MS;
    lapic_init(&h.apic, fake_clock, &h);
    *state = &h;
    return 0;
}

static void wr(struct harness *h, unsigned off, uint32_t v)
{
    uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
    lapic_mmio(&h->apic, off, b, 4, true);
}

static uint32_t rd(struct harness *h, unsigned off)
{
    uint8_t b[4] = { 0xAA, 0xAA, 0xAA, 0xAA };
    lapic_mmio(&h->apic, off, b, 4, false);
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static bool irr_has(struct harness *h, unsigned v)
{
    return rd(h, LAPIC_IRR + (v / 32) * 0x10) & (1u << (v % 32));
}

static bool isr_has(struct harness *h, unsigned v)
{
    return rd(h, LAPIC_ISR + (v / 32) * 0x10) & (1u << (v % 32));
}

static void enable(struct harness *h)
{
    wr(h, LAPIC_SVR, LAPIC_SVR_ENABLE | 0xFF);
}

static void test_reset_state(void **state)
{
    struct harness *h = *state;
    assert_int_equal(rd(h, LAPIC_VERSION), 0x00050014);
    assert_int_equal(rd(h, LAPIC_ID), 0);
    assert_int_equal(rd(h, LAPIC_SVR), 0xFF); /* software-disabled */
    assert_int_equal(rd(h, LAPIC_DFR), 0xFFFFFFFF);
    assert_int_equal(rd(h, LAPIC_TPR), 0);
    assert_int_equal(rd(h, LAPIC_PPR), 0);
    assert_int_equal(rd(h, LAPIC_LVT_TIMER), LAPIC_LVT_MASKED);
    assert_int_equal(rd(h, LAPIC_LVT_THERMAL), LAPIC_LVT_MASKED);
    assert_int_equal(rd(h, LAPIC_LVT_PERF), LAPIC_LVT_MASKED);
    assert_int_equal(rd(h, LAPIC_LVT_ERROR), LAPIC_LVT_MASKED);
    assert_int_equal(rd(h, LAPIC_LVT_LINT0), 0x700); /* ExtINT, as firmware leaves it */
    assert_int_equal(rd(h, LAPIC_LVT_LINT1), 0x400); /* NMI */
    assert_int_equal(rd(h, LAPIC_TIMER_DIVIDE), 0);
    assert_int_equal(rd(h, LAPIC_TIMER_CURRENT), 0);
    assert_int_equal(lapic_get_base_msr(&h->apic), 0xFEE00900);
    assert_false(lapic_has_interrupt(&h->apic));
    assert_int_equal(lapic_acknowledge(&h->apic), LAPIC_NONE);
    assert_int_equal(lapic_update(&h->apic, h->now), UINT64_MAX);
}

static void test_periodic_timer_divide_16(void **state)
{
    struct harness *h = *state;
    enable(h);
    uint64_t t0 = h->now;
    wr(h, LAPIC_TIMER_DIVIDE, DIVIDE_BY_16); /* 160 ns per count */
    wr(h, LAPIC_LVT_TIMER, LAPIC_LVT_TIMER_PERIODIC | 0x30);
    wr(h, LAPIC_TIMER_INITIAL, 62500); /* 10 ms */
    assert_int_equal(rd(h, LAPIC_TIMER_INITIAL), 62500);
    assert_int_equal(lapic_update(&h->apic, t0), t0 + 10 * MS);

    h->now = t0 + 5 * MS;
    assert_int_equal(rd(h, LAPIC_TIMER_CURRENT), 62500 - 31250);

    for (unsigned k = 1; k <= 50; k++) {
        uint64_t due = t0 + k * 10 * MS;
        assert_int_equal(lapic_update(&h->apic, due - 1), due);
        assert_false(lapic_has_interrupt(&h->apic));
        assert_int_equal(lapic_update(&h->apic, due), due + 10 * MS);
        assert_true(lapic_has_interrupt(&h->apic));
        assert_int_equal(lapic_highest_pending(&h->apic), 0x30);
        assert_int_equal(lapic_acknowledge(&h->apic), 0x30);
        assert_false(lapic_has_interrupt(&h->apic));
        h->now = due;
        assert_int_equal(rd(h, LAPIC_TIMER_CURRENT), 62500); /* just reloaded */
        wr(h, LAPIC_EOI, 0);
        assert_false(isr_has(h, 0x30));
    }
}

static void test_fast_periodic_timer_is_limited(void **state)
{
    struct harness *h = *state;
    enable(h);
    uint64_t t0 = h->now;
    wr(h, LAPIC_TIMER_DIVIDE, DIVIDE_BY_1);
    wr(h, LAPIC_LVT_TIMER, LAPIC_LVT_TIMER_PERIODIC | 0x30);
    wr(h, LAPIC_TIMER_INITIAL, 10); /* 100 ns */
    assert_int_equal(lapic_update(&h->apic, t0), t0 + 100);
    assert_int_equal(lapic_update(&h->apic, t0 + 100), t0 + 100 + LAPIC_MIN_PERIOD_NS);
    assert_int_equal(lapic_acknowledge(&h->apic), 0x30);
    wr(h, LAPIC_EOI, 0);
    assert_int_equal(lapic_update(&h->apic, t0 + 150), t0 + 100 + LAPIC_MIN_PERIOD_NS);
    assert_false(lapic_has_interrupt(&h->apic));
    h->now = t0 + 130;
    assert_int_equal(rd(h, LAPIC_TIMER_CURRENT), 7); /* exact count */
}

static void test_one_shot_timer(void **state)
{
    struct harness *h = *state;
    enable(h);
    uint64_t t0 = h->now;
    wr(h, LAPIC_TIMER_DIVIDE, DIVIDE_BY_1); /* 10 ns per count */
    wr(h, LAPIC_LVT_TIMER, 0x31);
    wr(h, LAPIC_TIMER_INITIAL, 1000);
    assert_int_equal(lapic_update(&h->apic, t0), t0 + 10000);
    h->now = t0 + 2500;
    assert_int_equal(rd(h, LAPIC_TIMER_CURRENT), 750);
    assert_int_equal(lapic_update(&h->apic, t0 + 10000), UINT64_MAX);
    assert_int_equal(lapic_acknowledge(&h->apic), 0x31);
    wr(h, LAPIC_EOI, 0);
    h->now = t0 + 50000;
    assert_int_equal(rd(h, LAPIC_TIMER_CURRENT), 0);
    assert_int_equal(lapic_update(&h->apic, t0 + 100 * MS), UINT64_MAX);
    assert_false(lapic_has_interrupt(&h->apic));

    /* Rewriting the initial count rearms; writing 0 stops it. */
    uint64_t t1 = h->now;
    wr(h, LAPIC_TIMER_INITIAL, 100);
    assert_int_equal(lapic_update(&h->apic, t1), t1 + 1000);
    wr(h, LAPIC_TIMER_INITIAL, 0);
    assert_int_equal(lapic_update(&h->apic, t1 + 1000), UINT64_MAX);
    assert_false(lapic_has_interrupt(&h->apic));
}

static void test_timer_fires_when_mmio_comes_late(void **state)
{
    struct harness *h = *state;
    enable(h);
    uint64_t t0 = h->now;
    wr(h, LAPIC_TIMER_DIVIDE, DIVIDE_BY_1);
    wr(h, LAPIC_LVT_TIMER, 0x32);
    wr(h, LAPIC_TIMER_INITIAL, 100);
    /* The guest rewrites the divider after expiry, before any update: the
     * expiry is still delivered. */
    h->now = t0 + 5000;
    wr(h, LAPIC_TIMER_DIVIDE, DIVIDE_BY_2);
    assert_true(irr_has(h, 0x32));
}

static void test_masked_timer_does_not_fire(void **state)
{
    struct harness *h = *state;
    enable(h);
    uint64_t t0 = h->now;
    wr(h, LAPIC_TIMER_DIVIDE, DIVIDE_BY_1);
    wr(h, LAPIC_LVT_TIMER, LAPIC_LVT_MASKED | LAPIC_LVT_TIMER_PERIODIC | 0x33);
    wr(h, LAPIC_TIMER_INITIAL, 100000); /* 1 ms */
    assert_int_equal(lapic_update(&h->apic, t0), UINT64_MAX); /* nothing to wake for */
    assert_int_equal(lapic_update(&h->apic, t0 + 10 * MS), UINT64_MAX);
    assert_false(lapic_has_interrupt(&h->apic));
    assert_int_equal(lapic_highest_pending(&h->apic), -1);
    /* It kept counting: unmasking picks up the running period. */
    h->now = t0 + 10 * MS + 2500;
    assert_int_equal(rd(h, LAPIC_TIMER_CURRENT), 100000 - 250);
    wr(h, LAPIC_LVT_TIMER, LAPIC_LVT_TIMER_PERIODIC | 0x33);
    assert_int_equal(lapic_update(&h->apic, h->now), t0 + 11 * MS);
    assert_int_equal(lapic_update(&h->apic, t0 + 11 * MS), t0 + 12 * MS);
    assert_int_equal(lapic_acknowledge(&h->apic), 0x33);
}

static void test_divide_change_keeps_count(void **state)
{
    struct harness *h = *state;
    enable(h);
    uint64_t t0 = h->now;
    wr(h, LAPIC_TIMER_DIVIDE, DIVIDE_BY_1);
    wr(h, LAPIC_LVT_TIMER, 0x34);
    wr(h, LAPIC_TIMER_INITIAL, 1000);
    h->now = t0 + 4000; /* 600 left */
    wr(h, LAPIC_TIMER_DIVIDE, DIVIDE_BY_2); /* 20 ns per count from now */
    assert_int_equal(rd(h, LAPIC_TIMER_CURRENT), 600);
    assert_int_equal(lapic_update(&h->apic, h->now), t0 + 4000 + 12000);
    static const struct { uint32_t dcr, div; } table[] = {
        { 0x0, 2 }, { 0x1, 4 }, { 0x2, 8 }, { 0x3, 16 },
        { 0x8, 32 }, { 0x9, 64 }, { 0xA, 128 }, { 0xB, 1 },
    };
    for (unsigned i = 0; i < 8; i++) {
        uint64_t t = h->now;
        wr(h, LAPIC_TIMER_DIVIDE, table[i].dcr);
        wr(h, LAPIC_TIMER_INITIAL, 10);
        assert_int_equal(lapic_update(&h->apic, t), t + 10ull * 10 * table[i].div);
    }
}

static void test_tpr_blocks_lower_classes(void **state)
{
    struct harness *h = *state;
    enable(h);
    lapic_accept_irq(&h->apic, 0x45);
    wr(h, LAPIC_TPR, 0x50);
    assert_int_equal(rd(h, LAPIC_PPR), 0x50);
    assert_false(lapic_has_interrupt(&h->apic));
    assert_int_equal(lapic_acknowledge(&h->apic), LAPIC_NONE);
    assert_int_equal(lapic_highest_pending(&h->apic), 0x45);
    wr(h, LAPIC_TPR, 0x4F); /* same class: still blocked */
    assert_false(lapic_has_interrupt(&h->apic));
    wr(h, LAPIC_TPR, 0x3F);
    assert_true(lapic_has_interrupt(&h->apic));
    assert_int_equal(lapic_acknowledge(&h->apic), 0x45);
}

static void test_eoi_order_with_nested_priorities(void **state)
{
    struct harness *h = *state;
    enable(h);
    lapic_accept_irq(&h->apic, 0x31);
    assert_int_equal(lapic_acknowledge(&h->apic), 0x31);
    assert_int_equal(rd(h, LAPIC_PPR), 0x30);

    lapic_accept_irq(&h->apic, 0x35); /* same class as in service: waits */
    assert_false(lapic_has_interrupt(&h->apic));
    lapic_accept_irq(&h->apic, 0x52); /* higher class: nests */
    assert_true(lapic_has_interrupt(&h->apic));
    assert_int_equal(lapic_acknowledge(&h->apic), 0x52);
    assert_int_equal(rd(h, LAPIC_PPR), 0x50);
    lapic_accept_irq(&h->apic, 0x41);
    assert_false(lapic_has_interrupt(&h->apic));

    wr(h, LAPIC_EOI, 0); /* ends 0x52, the highest in service */
    assert_false(isr_has(h, 0x52));
    assert_true(isr_has(h, 0x31));
    assert_int_equal(lapic_acknowledge(&h->apic), 0x41);
    wr(h, LAPIC_EOI, 0); /* ends 0x41 */
    assert_true(isr_has(h, 0x31));
    assert_false(lapic_has_interrupt(&h->apic)); /* 0x35 vs 0x31 in service */
    wr(h, LAPIC_EOI, 0); /* ends 0x31 */
    assert_int_equal(rd(h, LAPIC_PPR), 0);
    assert_int_equal(lapic_acknowledge(&h->apic), 0x35);
    wr(h, LAPIC_EOI, 0);
    for (unsigned i = 0; i < 8; i++) {
        assert_int_equal(rd(h, LAPIC_ISR + i * 0x10), 0);
        assert_int_equal(rd(h, LAPIC_IRR + i * 0x10), 0);
    }
    wr(h, LAPIC_EOI, 0); /* nothing in service: harmless */
}

static void test_self_ipi(void **state)
{
    struct harness *h = *state;
    enable(h);
    wr(h, LAPIC_ICR_LOW, LAPIC_ICR_SELF | 0x55);
    assert_true(irr_has(h, 0x55));
    assert_int_equal(rd(h, LAPIC_ICR_LOW) & (1u << 12), 0); /* delivered */

    /* Physical destination = own ID. */
    wr(h, LAPIC_ICR_HIGH, 0);
    wr(h, LAPIC_ICR_LOW, 0x66);
    assert_true(irr_has(h, 0x66));
    /* Another CPU: goes nowhere. */
    wr(h, LAPIC_ICR_HIGH, 1u << 24);
    wr(h, LAPIC_ICR_LOW, 0x67);
    assert_false(irr_has(h, 0x67));
    /* Flat logical: matches LDR bits. */
    wr(h, LAPIC_LDR, 0x01000000);
    wr(h, LAPIC_ICR_HIGH, 0x03000000);
    wr(h, LAPIC_ICR_LOW, LAPIC_ICR_LOGICAL | 0x68);
    assert_true(irr_has(h, 0x68));
    /* All including self / excluding self. */
    wr(h, LAPIC_ICR_LOW, LAPIC_ICR_ALL_INCL | 0x69);
    assert_true(irr_has(h, 0x69));
    wr(h, LAPIC_ICR_LOW, LAPIC_ICR_ALL_EXCL | 0x6A);
    assert_false(irr_has(h, 0x6A));
    /* NMI and INIT are not modelled. */
    wr(h, LAPIC_ICR_LOW, LAPIC_ICR_SELF | LAPIC_DM_NMI << 8 | 0x6B);
    assert_false(irr_has(h, 0x6B));

    assert_int_equal(lapic_acknowledge(&h->apic), 0x69);

    /* An illegal vector: send-illegal error, seen after an ESR write. */
    wr(h, LAPIC_ICR_LOW, LAPIC_ICR_SELF | 0x05);
    assert_int_equal(rd(h, LAPIC_ESR), 0);
    wr(h, LAPIC_ESR, 0);
    assert_int_equal(rd(h, LAPIC_ESR), LAPIC_ESR_SEND_ILLEGAL);
    wr(h, LAPIC_ESR, 0);
    assert_int_equal(rd(h, LAPIC_ESR), 0);
}

static void test_illegal_timer_vector_raises_error_lvt(void **state)
{
    struct harness *h = *state;
    enable(h);
    wr(h, LAPIC_LVT_ERROR, 0xFE);
    wr(h, LAPIC_TIMER_DIVIDE, DIVIDE_BY_1);
    wr(h, LAPIC_LVT_TIMER, 0x07);
    wr(h, LAPIC_TIMER_INITIAL, 1);
    lapic_update(&h->apic, h->now + 10);
    assert_int_equal(lapic_highest_pending(&h->apic), 0xFE);
    wr(h, LAPIC_ESR, 0);
    assert_int_equal(rd(h, LAPIC_ESR), LAPIC_ESR_RECV_ILLEGAL);
}

static void test_software_disabled_apic(void **state)
{
    struct harness *h = *state;
    /* Disabled at reset: fixed interrupts are refused, LVT stays masked. */
    lapic_accept_irq(&h->apic, 0x40);
    assert_int_equal(lapic_highest_pending(&h->apic), -1);
    wr(h, LAPIC_LVT_TIMER, 0x40);
    assert_int_equal(rd(h, LAPIC_LVT_TIMER), LAPIC_LVT_MASKED | 0x40);
    wr(h, LAPIC_ICR_LOW, LAPIC_ICR_SELF | 0x41);
    assert_false(lapic_has_interrupt(&h->apic));

    enable(h);
    wr(h, LAPIC_LVT_TIMER, 0x40);
    assert_int_equal(rd(h, LAPIC_LVT_TIMER), 0x40);
    lapic_accept_irq(&h->apic, 0x42);
    assert_true(lapic_has_interrupt(&h->apic));

    /* Disabling masks every LVT entry; what is pending stays pending. */
    wr(h, LAPIC_SVR, 0xFF);
    assert_int_equal(rd(h, LAPIC_LVT_TIMER), LAPIC_LVT_MASKED | 0x40);
    assert_int_equal(rd(h, LAPIC_LVT_LINT0), LAPIC_LVT_MASKED | 0x700);
    assert_true(lapic_has_interrupt(&h->apic));
    assert_int_equal(lapic_acknowledge(&h->apic), 0x42);
    lapic_accept_irq(&h->apic, 0x43);
    assert_int_equal(lapic_highest_pending(&h->apic), -1);
}

static void test_extint_through_lint0(void **state)
{
    struct harness *h = *state;
    /* Reset state (virtual wire) with the APIC software-disabled. */
    lapic_set_lint0(&h->apic, true);
    assert_true(lapic_has_interrupt(&h->apic));
    assert_int_equal(lapic_acknowledge(&h->apic), LAPIC_EXTINT);
    lapic_set_lint0(&h->apic, false);
    assert_false(lapic_has_interrupt(&h->apic));

    /* Enabled, with a TPR that would block anything: ExtINT ignores it. */
    enable(h);
    wr(h, LAPIC_TPR, 0xF0);
    lapic_set_lint0(&h->apic, true);
    assert_true(lapic_has_interrupt(&h->apic));
    assert_int_equal(lapic_acknowledge(&h->apic), LAPIC_EXTINT);

    /* Masked LINT0: the 8259 is cut off. */
    wr(h, LAPIC_LVT_LINT0, LAPIC_LVT_MASKED | 0x700);
    assert_false(lapic_has_interrupt(&h->apic));
    lapic_set_lint0(&h->apic, false);

    /* Fixed mode: a rising edge puts the vector in IRR. */
    wr(h, LAPIC_TPR, 0);
    wr(h, LAPIC_LVT_LINT0, 0x70);
    lapic_set_lint0(&h->apic, true);
    assert_int_equal(lapic_acknowledge(&h->apic), 0x70);
    assert_false(lapic_has_interrupt(&h->apic)); /* an edge, not a level */
}

static void test_globally_disabled_apic_passes_lint0(void **state)
{
    struct harness *h = *state;
    enable(h);
    wr(h, LAPIC_LVT_LINT0, LAPIC_LVT_MASKED);
    lapic_accept_irq(&h->apic, 0x50);
    lapic_set_base_msr(&h->apic, LAPIC_BASE); /* bit 11 clear */
    assert_int_equal(lapic_get_base_msr(&h->apic), LAPIC_BASE | LAPIC_BASE_MSR_BSP);
    assert_false(lapic_has_interrupt(&h->apic)); /* IRR not delivered */
    lapic_set_lint0(&h->apic, true);
    assert_int_equal(lapic_acknowledge(&h->apic), LAPIC_EXTINT);
    lapic_set_lint0(&h->apic, false);
    lapic_set_base_msr(&h->apic, LAPIC_BASE | LAPIC_BASE_MSR_ENABLE);
    assert_int_equal(lapic_acknowledge(&h->apic), 0x50);
}

static void test_register_access_rules(void **state)
{
    struct harness *h = *state;
    enable(h);
    wr(h, LAPIC_TPR, 0x123);
    assert_int_equal(rd(h, LAPIC_TPR), 0x23);
    wr(h, LAPIC_ID, 0x05ABCDEF);
    assert_int_equal(rd(h, LAPIC_ID), 0x05000000);
    wr(h, LAPIC_DFR, 0);
    assert_int_equal(rd(h, LAPIC_DFR), 0x0FFFFFFF);
    wr(h, LAPIC_VERSION, 0);
    assert_int_equal(rd(h, LAPIC_VERSION), 0x00050014);
    /* TSC-deadline mode cannot be selected. */
    wr(h, LAPIC_LVT_TIMER, 0x40000 | 0x30);
    assert_int_equal(rd(h, LAPIC_LVT_TIMER), 0x30);
    /* Non-32-bit and misaligned accesses: read 0, write nothing. */
    uint8_t b[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
    lapic_mmio(&h->apic, LAPIC_TPR, b, 1, true);
    lapic_mmio(&h->apic, LAPIC_TPR + 4, b, 4, true);
    assert_int_equal(rd(h, LAPIC_TPR), 0x23);
    lapic_mmio(&h->apic, LAPIC_VERSION, b, 8, false);
    for (unsigned i = 0; i < 8; i++)
        assert_int_equal(b[i], 0);
    assert_int_equal(rd(h, LAPIC_VERSION + 4), 0);
    assert_int_equal(rd(h, 0xFF0), 0);
    assert_int_equal(rd(h, LAPIC_EOI), 0);
    assert_int_equal(lapic_read_reg(&h->apic, LAPIC_TPR), 0x23);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_reset_state, setup),
        cmocka_unit_test_setup(test_periodic_timer_divide_16, setup),
        cmocka_unit_test_setup(test_fast_periodic_timer_is_limited, setup),
        cmocka_unit_test_setup(test_one_shot_timer, setup),
        cmocka_unit_test_setup(test_timer_fires_when_mmio_comes_late, setup),
        cmocka_unit_test_setup(test_masked_timer_does_not_fire, setup),
        cmocka_unit_test_setup(test_divide_change_keeps_count, setup),
        cmocka_unit_test_setup(test_tpr_blocks_lower_classes, setup),
        cmocka_unit_test_setup(test_eoi_order_with_nested_priorities, setup),
        cmocka_unit_test_setup(test_self_ipi, setup),
        cmocka_unit_test_setup(test_illegal_timer_vector_raises_error_lvt, setup),
        cmocka_unit_test_setup(test_software_disabled_apic, setup),
        cmocka_unit_test_setup(test_extint_through_lint0, setup),
        cmocka_unit_test_setup(test_globally_disabled_apic_passes_lint0, setup),
        cmocka_unit_test_setup(test_register_access_rules, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
