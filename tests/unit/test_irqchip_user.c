#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/bus.h"
#include "dev/irqchip_user.h"

#define MS 1000000ull
#define DIVISOR_100HZ 11931u /* 1193182 / 100 */

struct harness {
    struct irqchip_user chip;
    struct bus ports, mmio;
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
    h.ports.name = "port";
    h.mmio.name = "mmio";
    struct wisp_error err = { 0 };
    if (irqchip_user_init(&h.chip, &h.ports, &h.mmio, 1, fake_clock, &h, &err) < 0)
        return -1;
    *state = &h;
    return 0;
}

static void outb(struct harness *h, uint16_t port, uint8_t v)
{
    assert_true(bus_dispatch(&h->ports, port, &v, 1, true));
}

static uint8_t inb(struct harness *h, uint16_t port)
{
    uint8_t v = 0;
    assert_true(bus_dispatch(&h->ports, port, &v, 1, false));
    return v;
}

static void apic_write(struct harness *h, unsigned reg, uint32_t v)
{
    uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
    assert_true(irqchip_user_lapic_access(&h->chip, 0, LAPIC_BASE + reg, b, 4, true));
}

static uint32_t apic_read(struct harness *h, unsigned reg)
{
    uint8_t b[4] = { 0 };
    assert_true(irqchip_user_lapic_access(&h->chip, 0, LAPIC_BASE + reg, b, 4, false));
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

/* What a simple kernel does: remap the PIC to 0x20/0x28, mask all but
 * IRQ 0, program PIT channel 0 as a 100 Hz rate generator. */
static void simple_kernel_setup(struct harness *h)
{
    outb(h, 0x20, 0x11);
    outb(h, 0xA0, 0x11);
    outb(h, 0x21, 0x20);
    outb(h, 0xA1, 0x28);
    outb(h, 0x21, 0x04);
    outb(h, 0xA1, 0x02);
    outb(h, 0x21, 0x01);
    outb(h, 0xA1, 0x01);
    outb(h, 0x21, 0xFE); /* only IRQ 0 */
    outb(h, 0xA1, 0xFF);
    outb(h, 0x43, 0x34); /* channel 0, lo/hi, mode 2 */
    outb(h, 0x40, DIVISOR_100HZ & 0xFF);
    outb(h, 0x40, DIVISOR_100HZ >> 8);
}

static void test_ranges_are_registered(void **state)
{
    struct harness *h = *state;
    static const struct { uint64_t addr; const char *name; } ports[] = {
        { 0x20, "8259 master" }, { 0x21, "8259 master" }, { 0xA0, "8259 slave" },
        { 0xA1, "8259 slave" }, { 0x4D0, "ELCR" }, { 0x4D1, "ELCR" }, { 0x40, "8254 PIT" },
        { 0x43, "8254 PIT" }, { 0x61, "port 0x61" },
    };
    for (unsigned i = 0; i < sizeof ports / sizeof ports[0]; i++) {
        const struct bus_range *r = bus_find(&h->ports, ports[i].addr);
        assert_non_null(r);
        assert_string_equal(r->name, ports[i].name);
    }
    assert_null(bus_find(&h->ports, 0x22));
    assert_null(bus_find(&h->ports, 0x44));
    assert_non_null(bus_find(&h->mmio, 0xFEE00000));
    assert_non_null(bus_find(&h->mmio, 0xFEE00FFF));
    assert_null(bus_find(&h->mmio, 0xFEE01000));
    assert_int_equal(apic_read(h, LAPIC_VERSION), LAPIC_VERSION_VALUE);

    /* A second controller on the same buses is refused with a message. */
    static struct irqchip_user other;
    struct wisp_error err = { 0 };
    assert_int_equal(irqchip_user_init(&other, &h->ports, &h->mmio, 1, fake_clock, h, &err), -1);
    assert_true(strstr(err.message, "overlaps") != NULL);
}

static void test_pit_through_pic_through_lint0(void **state)
{
    struct harness *h = *state;
    h->now = 0;
    simple_kernel_setup(h);
    assert_false(irqchip_user_has_interrupt(&h->chip, 0));
    uint64_t next = irqchip_user_update(&h->chip, 0, 0);
    assert_true(next > 9 * MS && next <= 10 * MS);

    h->now = 10 * MS;
    next = irqchip_user_update(&h->chip, 0, h->now);
    assert_true(irqchip_user_has_interrupt(&h->chip, 0));
    assert_int_equal(irqchip_user_acknowledge(&h->chip, 0), 0x20);
    assert_false(irqchip_user_has_interrupt(&h->chip, 0));
    assert_true(next > 19 * MS && next <= 20 * MS);

    outb(h, 0x20, 0x20); /* EOI */
    assert_false(irqchip_user_has_interrupt(&h->chip, 0));
    assert_int_equal(irqchip_user_acknowledge(&h->chip, 0), -1);
    h->now = 19 * MS;
    irqchip_user_update(&h->chip, 0, h->now);
    assert_false(irqchip_user_has_interrupt(&h->chip, 0));
    h->now = 20 * MS;
    irqchip_user_update(&h->chip, 0, h->now);
    assert_true(irqchip_user_has_interrupt(&h->chip, 0));
    assert_int_equal(irqchip_user_acknowledge(&h->chip, 0), 0x20);
    outb(h, 0x20, 0x20);

    /* Without an EOI the tick at 30 ms waits in IRR until one comes. */
    h->now = 30 * MS;
    irqchip_user_update(&h->chip, 0, h->now);
    assert_int_equal(irqchip_user_acknowledge(&h->chip, 0), 0x20);
    h->now = 40 * MS;
    irqchip_user_update(&h->chip, 0, h->now);
    assert_false(irqchip_user_has_interrupt(&h->chip, 0));
    outb(h, 0x20, 0x20);
    assert_true(irqchip_user_has_interrupt(&h->chip, 0));
    assert_int_equal(irqchip_user_acknowledge(&h->chip, 0), 0x20);
}

static void test_com1_irq4(void **state)
{
    struct harness *h = *state;
    simple_kernel_setup(h);
    outb(h, 0x21, 0xEF); /* only IRQ 4 */
    irqchip_user_set_irq(&h->chip, 4, true);
    assert_true(irqchip_user_has_interrupt(&h->chip, 0));
    assert_int_equal(irqchip_user_acknowledge(&h->chip, 0), 0x24);
    irqchip_user_set_irq(&h->chip, 4, false);
    outb(h, 0x20, 0x20);
    assert_false(irqchip_user_has_interrupt(&h->chip, 0));
}

static void test_enabled_apic_with_guest_programmed_lint0(void **state)
{
    struct harness *h = *state;
    h->now = 0;
    /* The guest library's sequence: enable the APIC, program LINT0 as
     * ExtINT itself, then the PIC and the PIT; plus a LAPIC timer. */
    apic_write(h, LAPIC_SVR, LAPIC_SVR_ENABLE | 0xFF);
    apic_write(h, LAPIC_LVT_LINT0, LAPIC_DM_EXTINT << 8);
    apic_write(h, LAPIC_LVT_LINT1, LAPIC_DM_NMI << 8);
    simple_kernel_setup(h);
    apic_write(h, LAPIC_TIMER_DIVIDE, 0x3);
    apic_write(h, LAPIC_LVT_TIMER, LAPIC_LVT_TIMER_PERIODIC | 0x40);
    apic_write(h, LAPIC_TIMER_INITIAL, 31250); /* 5 ms at 160 ns per count */

    /* The earliest deadline wins: the LAPIC timer at 5 ms. */
    assert_int_equal(irqchip_user_update(&h->chip, 0, 0), 5 * MS);
    h->now = 5 * MS;
    irqchip_user_update(&h->chip, 0, h->now);
    assert_int_equal(irqchip_user_acknowledge(&h->chip, 0), 0x40);
    apic_write(h, LAPIC_EOI, 0);

    h->now = 10 * MS; /* both */
    irqchip_user_update(&h->chip, 0, h->now);
    assert_int_equal(irqchip_user_acknowledge(&h->chip, 0), 0x20); /* ExtINT first */
    assert_int_equal(irqchip_user_acknowledge(&h->chip, 0), 0x40);
    assert_int_equal(irqchip_user_acknowledge(&h->chip, 0), -1);
    outb(h, 0x20, 0x20);
    apic_write(h, LAPIC_EOI, 0);

    /* Masking LINT0 cuts the 8259 off; the LAPIC timer goes on. */
    apic_write(h, LAPIC_LVT_LINT0, LAPIC_LVT_MASKED | LAPIC_DM_EXTINT << 8);
    h->now = 20 * MS;
    irqchip_user_update(&h->chip, 0, h->now);
    assert_int_equal(irqchip_user_acknowledge(&h->chip, 0), 0x40);
    assert_false(irqchip_user_has_interrupt(&h->chip, 0));
    assert_int_equal(apic_read(h, LAPIC_ISR + 0x20) & 1, 1); /* 0x40 in service */
}

static void test_level_irq_and_nothing_to_acknowledge(void **state)
{
    struct harness *h = *state;
    simple_kernel_setup(h);
    /* Nothing pending anywhere: no vector at all (LINT0 is low). */
    assert_int_equal(irqchip_user_acknowledge(&h->chip, 0), -1);
    outb(h, 0x4D0, 0x20); /* IRQ 5 level */
    outb(h, 0x21, 0xDE);
    irqchip_user_set_irq(&h->chip, 5, true);
    assert_true(irqchip_user_has_interrupt(&h->chip, 0));
    assert_int_equal(irqchip_user_acknowledge(&h->chip, 0), 0x25);
    irqchip_user_set_irq(&h->chip, 5, false);
    outb(h, 0x20, 0x20);
    assert_false(irqchip_user_has_interrupt(&h->chip, 0));
    assert_int_equal(inb(h, 0x4D0), 0x20);
}

static void test_no_timers_no_deadline(void **state)
{
    struct harness *h = *state;
    assert_int_equal(irqchip_user_update(&h->chip, 0, 0), UINT64_MAX);
    assert_int_equal(irqchip_user_update(&h->chip, 0, 1000 * MS), UINT64_MAX);
    assert_false(irqchip_user_has_interrupt(&h->chip, 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_ranges_are_registered, setup),
        cmocka_unit_test_setup(test_pit_through_pic_through_lint0, setup),
        cmocka_unit_test_setup(test_com1_irq4, setup),
        cmocka_unit_test_setup(test_enabled_apic_with_guest_programmed_lint0, setup),
        cmocka_unit_test_setup(test_level_irq_and_nothing_to_acknowledge, setup),
        cmocka_unit_test_setup(test_no_timers_no_deadline, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
