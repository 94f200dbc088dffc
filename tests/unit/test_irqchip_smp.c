/* wisp's own interrupt controllers with several CPUs: the APIC bus
 * (physical, logical flat and cluster, shorthands, lowest priority), NMI,
 * INIT and start-up, the I/O APIC's destinations, MSIs, per-CPU timers and
 * LAPIC pages, and who gets kicked. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/bus.h"
#include "dev/irqchip_user.h"

#define CPUS 4
#define MS 1000000ull

struct harness {
    struct irqchip_user chip;
    struct bus ports, mmio;
    uint64_t now;
    unsigned kicks[CPUS];
};

static uint64_t fake_clock(void *opaque)
{
    return ((struct harness *)opaque)->now;
}

static void on_kick(void *opaque, unsigned cpu)
{
    struct harness *h = opaque;
    assert_true(cpu < CPUS);
    h->kicks[cpu]++;
}

static int setup(void **state)
{
    static struct harness h;
    memset(&h, 0, sizeof h);
    h.ports.name = "port";
    h.mmio.name = "mmio";
    struct wisp_error err = { 0 };
    if (irqchip_user_init(&h.chip, &h.ports, &h.mmio, CPUS, fake_clock, &h, &err) < 0)
        return -1;
    irqchip_user_set_kick(&h.chip, on_kick, &h);
    *state = &h;
    return 0;
}

static void apic_write(struct harness *h, unsigned cpu, unsigned reg, uint32_t v)
{
    uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
    assert_true(irqchip_user_lapic_access(&h->chip, cpu, LAPIC_BASE + reg, b, 4, true));
}

static uint32_t apic_read(struct harness *h, unsigned cpu, unsigned reg)
{
    uint8_t b[4] = { 0 };
    assert_true(irqchip_user_lapic_access(&h->chip, cpu, LAPIC_BASE + reg, b, 4, false));
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

/* Every LAPIC software-enabled, as a kernel does first. */
static void enable_all(struct harness *h)
{
    for (unsigned i = 0; i < CPUS; i++)
        apic_write(h, i, LAPIC_SVR, LAPIC_SVR_ENABLE | 0xFF);
}

static void send_ipi(struct harness *h, unsigned from, uint8_t dest, uint32_t icr_low)
{
    apic_write(h, from, LAPIC_ICR_HIGH, (uint32_t)dest << 24);
    apic_write(h, from, LAPIC_ICR_LOW, icr_low);
}

static unsigned irr_count(struct harness *h, uint8_t vector)
{
    unsigned n = 0;
    for (unsigned i = 0; i < CPUS; i++)
        n += (apic_read(h, i, LAPIC_IRR + (vector / 32) * 0x10) >> (vector % 32)) & 1;
    return n;
}

static bool has_irr(struct harness *h, unsigned cpu, uint8_t vector)
{
    return (apic_read(h, cpu, LAPIC_IRR + (vector / 32) * 0x10) >> (vector % 32)) & 1;
}

static void test_each_cpu_sees_its_own_lapic_at_the_same_address(void **state)
{
    struct harness *h = *state;
    for (unsigned i = 0; i < CPUS; i++)
        assert_int_equal(apic_read(h, i, LAPIC_ID), i << 24);
    assert_false(irqchip_user_lapic_access(&h->chip, 0, LAPIC_BASE + LAPIC_SIZE, NULL, 4, false));
    assert_false(irqchip_user_lapic_access(&h->chip, CPUS, LAPIC_BASE, NULL, 4, false));
    /* Only the BSP is in virtual-wire mode; the APs' LINT0 is masked. */
    assert_int_equal(apic_read(h, 0, LAPIC_LVT_LINT0), LAPIC_DM_EXTINT << 8);
    for (unsigned i = 1; i < CPUS; i++)
        assert_true(apic_read(h, i, LAPIC_LVT_LINT0) & LAPIC_LVT_MASKED);
    assert_int_equal(h->chip.ioapic.id >> 24, CPUS);
}

static void test_fixed_ipi_reaches_its_physical_destination_and_kicks_it(void **state)
{
    struct harness *h = *state;
    enable_all(h);
    send_ipi(h, 0, 2, 0x50);
    assert_true(has_irr(h, 2, 0x50));
    assert_int_equal(irr_count(h, 0x50), 1);
    assert_int_equal(h->kicks[2], 1);
    assert_int_equal(h->kicks[1] + h->kicks[3], 0);
    assert_true(irqchip_user_has_interrupt(&h->chip, 2));
    assert_int_equal(irqchip_user_acknowledge(&h->chip, 2), 0x50);
    /* To an APIC ID no CPU has: nobody. */
    send_ipi(h, 0, 9, 0x51);
    assert_int_equal(irr_count(h, 0x51), 0);
}

static void test_shorthands_self_all_and_all_but_self(void **state)
{
    struct harness *h = *state;
    enable_all(h);
    send_ipi(h, 1, 0, LAPIC_ICR_SELF | 0x60);
    assert_true(has_irr(h, 1, 0x60));
    assert_int_equal(irr_count(h, 0x60), 1);
    assert_int_equal(h->kicks[1], 1); /* the sender's own thread is skipped by wisp, not here */
    send_ipi(h, 1, 0, LAPIC_ICR_ALL_INCL | 0x61);
    assert_int_equal(irr_count(h, 0x61), CPUS);
    send_ipi(h, 1, 0, LAPIC_ICR_ALL_EXCL | 0x62);
    assert_int_equal(irr_count(h, 0x62), CPUS - 1);
    assert_false(has_irr(h, 1, 0x62));
    /* Physical broadcast 0xFF includes the sender. */
    send_ipi(h, 3, 0xFF, 0x63);
    assert_int_equal(irr_count(h, 0x63), CPUS);
}

static void test_logical_flat_and_cluster_destinations(void **state)
{
    struct harness *h = *state;
    enable_all(h);
    for (unsigned i = 0; i < CPUS; i++)
        apic_write(h, i, LAPIC_LDR, (1u << i) << 24);
    send_ipi(h, 0, 0x06, LAPIC_ICR_LOGICAL | 0x70);
    assert_true(has_irr(h, 1, 0x70) && has_irr(h, 2, 0x70));
    assert_int_equal(irr_count(h, 0x70), 2);
    /* Cluster model: cluster 1 members 1 and 2 are CPUs 2 and 3. */
    for (unsigned i = 0; i < CPUS; i++) {
        apic_write(h, i, LAPIC_DFR, 0x0FFFFFFF);
        apic_write(h, i, LAPIC_LDR, (i < 2 ? 0x00u | (1u << i) : 0x10u | (1u << (i - 2))) << 24);
    }
    send_ipi(h, 0, 0x13, LAPIC_ICR_LOGICAL | 0x71);
    assert_true(has_irr(h, 2, 0x71) && has_irr(h, 3, 0x71));
    assert_int_equal(irr_count(h, 0x71), 2);
}

static void test_lowest_priority_picks_one_lowest_tpr_and_takes_turns(void **state)
{
    struct harness *h = *state;
    enable_all(h);
    for (unsigned i = 0; i < CPUS; i++)
        apic_write(h, i, LAPIC_LDR, (1u << i) << 24);
    apic_write(h, 1, LAPIC_TPR, 0x40);
    apic_write(h, 3, LAPIC_TPR, 0x40);
    /* CPUs 1, 2, 3 named; 2 has the lowest priority. */
    send_ipi(h, 0, 0x0E, LAPIC_ICR_LOGICAL | LAPIC_DM_LOWEST << 8 | 0x80);
    assert_int_equal(irr_count(h, 0x80), 1);
    assert_true(has_irr(h, 2, 0x80));
    /* Equal priorities: one at a time, in turn. */
    apic_write(h, 1, LAPIC_TPR, 0);
    apic_write(h, 3, LAPIC_TPR, 0);
    bool got[CPUS] = { false };
    for (uint8_t v = 0x81; v < 0x84; v++) {
        send_ipi(h, 0, 0x0E, LAPIC_ICR_LOGICAL | LAPIC_DM_LOWEST << 8 | v);
        assert_int_equal(irr_count(h, v), 1);
        for (unsigned i = 1; i < CPUS; i++)
            got[i] |= has_irr(h, i, v);
    }
    assert_true(got[1] && got[2] && got[3]);
}

static void test_nmi_init_and_startup_are_latched_for_the_vcpu(void **state)
{
    struct harness *h = *state;
    bool init;
    int sipi;
    /* Accepted while the APs' APICs are still software-disabled. */
    send_ipi(h, 0, 1, LAPIC_DM_NMI << 8);
    assert_true(irqchip_user_has_event(&h->chip, 1));
    assert_true(irqchip_user_take_nmi(&h->chip, 1));
    assert_false(irqchip_user_take_nmi(&h->chip, 1));
    /* INIT assert, then de-assert (ignored), then two start-ups. */
    apic_write(h, 2, LAPIC_SVR, LAPIC_SVR_ENABLE | 0xFF);
    apic_write(h, 2, LAPIC_TPR, 0x30);
    send_ipi(h, 0, 2, 0xC500);
    send_ipi(h, 0, 2, 0x8500);
    assert_int_equal(apic_read(h, 2, LAPIC_SVR), 0xFF); /* INIT reset it */
    assert_int_equal(apic_read(h, 2, LAPIC_TPR), 0);
    assert_int_equal(apic_read(h, 2, LAPIC_ID), 2u << 24); /* but not its ID */
    send_ipi(h, 0, 2, 0x0670);
    irqchip_user_take_start(&h->chip, 2, &init, &sipi);
    assert_true(init);
    assert_int_equal(sipi, 0x70);
    irqchip_user_take_start(&h->chip, 2, &init, &sipi);
    assert_false(init);
    assert_int_equal(sipi, -1);
    assert_true(h->kicks[2] >= 2);
    /* INIT to the BSP is ignored. */
    send_ipi(h, 1, 0, 0xC500);
    irqchip_user_take_start(&h->chip, 0, &init, &sipi);
    assert_false(init);
}

static void test_ioapic_entries_go_to_their_destination(void **state)
{
    struct harness *h = *state;
    enable_all(h);
    /* Pin 4 -> CPU 3 physical, vector 0x34; pin 5 -> logical 0b0011. */
    uint8_t b[4];
    struct { unsigned pin; uint32_t low, high; } rtes[] = {
        { 4, 0x34, 3u << 24 },
        { 5, 0x35 | (uint32_t)IOAPIC_RTE_DEST_LOGICAL, 0x03u << 24 },
    };
    for (unsigned i = 0; i < CPUS; i++)
        apic_write(h, i, LAPIC_LDR, (1u << i) << 24);
    for (unsigned r = 0; r < 2; r++) {
        uint32_t words[2] = { rtes[r].low, rtes[r].high };
        for (unsigned w = 0; w < 2; w++) {
            uint32_t sel = IOAPIC_REDIRECTION + 2 * rtes[r].pin + w;
            memcpy(b, &sel, 4);
            assert_true(bus_dispatch(&h->mmio, IOAPIC_BASE + IOAPIC_REG_SELECT, b, 4, true));
            memcpy(b, &words[w], 4);
            assert_true(bus_dispatch(&h->mmio, IOAPIC_BASE + IOAPIC_REG_WINDOW, b, 4, true));
        }
    }
    irqchip_user_set_irq(&h->chip, 4, true);
    assert_true(has_irr(h, 3, 0x34));
    assert_int_equal(irr_count(h, 0x34), 1);
    irqchip_user_set_irq(&h->chip, 5, true);
    assert_true(has_irr(h, 0, 0x35) && has_irr(h, 1, 0x35));
    assert_int_equal(irr_count(h, 0x35), 2);
}

static void test_msi_address_and_data(void **state)
{
    struct harness *h = *state;
    enable_all(h);
    assert_int_equal(irqchip_user_send_msi(&h->chip, 0xFEE02000, 0x0045), 0);
    assert_true(has_irr(h, 2, 0x45));
    assert_int_equal(irr_count(h, 0x45), 1);
    /* NMI by MSI. */
    assert_int_equal(irqchip_user_send_msi(&h->chip, 0xFEE01000, 0x0400), 0);
    assert_true(irqchip_user_take_nmi(&h->chip, 1));
    assert_int_equal(irqchip_user_send_msi(&h->chip, 0xFEC00000, 0x46), -1);
    assert_int_equal(irr_count(h, 0x46), 0);
}

static void test_each_cpu_keeps_its_own_timer_and_cpu0_the_pit(void **state)
{
    struct harness *h = *state;
    enable_all(h);
    h->now = 0;
    /* CPU 1: periodic every 1 ms (100 MHz / 1 = 100000 counts). */
    apic_write(h, 1, LAPIC_TIMER_DIVIDE, 0xB);
    apic_write(h, 1, LAPIC_LVT_TIMER, LAPIC_LVT_TIMER_PERIODIC | 0x90);
    apic_write(h, 1, LAPIC_TIMER_INITIAL, 100000);
    assert_int_equal(irqchip_user_update(&h->chip, 1, 0), 1 * MS);
    assert_int_equal(irqchip_user_update(&h->chip, 2, 0), UINT64_MAX);
    /* The PIT is CPU 0's to watch. */
    uint8_t v = 0x34;
    assert_true(bus_dispatch(&h->ports, 0x43, &v, 1, true));
    v = 0x9B;
    assert_true(bus_dispatch(&h->ports, 0x40, &v, 1, true));
    v = 0x2E;
    assert_true(bus_dispatch(&h->ports, 0x40, &v, 1, true));
    assert_true(irqchip_user_update(&h->chip, 0, 0) < UINT64_MAX);
    assert_int_equal(irqchip_user_update(&h->chip, 3, 0), UINT64_MAX);
    h->now = 1 * MS;
    irqchip_user_update(&h->chip, 1, h->now);
    assert_true(has_irr(h, 1, 0x90));
    assert_false(has_irr(h, 0, 0x90));
}

static void test_pic_reaches_only_the_bsp(void **state)
{
    struct harness *h = *state;
    static const uint8_t init[][2] = {
        { 0x20, 0x11 }, { 0x21, 0x20 }, { 0x21, 0x04 }, { 0x21, 0x01 }, { 0x21, 0xEF },
    };
    for (size_t i = 0; i < sizeof init / sizeof init[0]; i++) {
        uint8_t v = init[i][1];
        assert_true(bus_dispatch(&h->ports, init[i][0], &v, 1, true));
    }
    irqchip_user_set_irq(&h->chip, 4, true);
    assert_true(irqchip_user_has_interrupt(&h->chip, 0));
    for (unsigned i = 1; i < CPUS; i++)
        assert_false(irqchip_user_has_interrupt(&h->chip, i));
    assert_int_equal(irqchip_user_acknowledge(&h->chip, 0), 0x24);
}

static void test_cpu_count_is_checked(void **state)
{
    (void)state;
    static struct irqchip_user chip;
    struct bus ports = { .name = "port" }, mmio = { .name = "mmio" };
    struct wisp_error err = { 0 };
    assert_int_equal(irqchip_user_init(&chip, &ports, &mmio, 0, fake_clock, NULL, &err), -1);
    assert_int_equal(irqchip_user_init(&chip, &ports, &mmio, IRQCHIP_USER_MAX_CPUS + 1,
                                       fake_clock, NULL, &err), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_each_cpu_sees_its_own_lapic_at_the_same_address, setup),
        cmocka_unit_test_setup(test_fixed_ipi_reaches_its_physical_destination_and_kicks_it, setup),
        cmocka_unit_test_setup(test_shorthands_self_all_and_all_but_self, setup),
        cmocka_unit_test_setup(test_logical_flat_and_cluster_destinations, setup),
        cmocka_unit_test_setup(test_lowest_priority_picks_one_lowest_tpr_and_takes_turns, setup),
        cmocka_unit_test_setup(test_nmi_init_and_startup_are_latched_for_the_vcpu, setup),
        cmocka_unit_test_setup(test_ioapic_entries_go_to_their_destination, setup),
        cmocka_unit_test_setup(test_msi_address_and_data, setup),
        cmocka_unit_test_setup(test_each_cpu_keeps_its_own_timer_and_cpu0_the_pit, setup),
        cmocka_unit_test_setup(test_pic_reaches_only_the_bsp, setup),
        cmocka_unit_test(test_cpu_count_is_checked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
