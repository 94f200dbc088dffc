/* The I/O APIC model alone (delivery recorded), then wired to the LAPIC
 * through wisp's user irqchip as Linux programs it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dev/ioapic.h"
#include "dev/irqchip_user.h"

struct harness {
    struct ioapic io;
    uint8_t vectors[32];
    bool levels[32];
    struct apic_message messages[32];
    unsigned delivered;
};

static void on_deliver(void *opaque, const struct apic_message *msg)
{
    uint8_t vector = msg->vector;
    bool level = msg->level_triggered;
    struct harness *h = opaque;
    if (h->delivered < 32) {
        h->vectors[h->delivered] = vector;
        h->levels[h->delivered] = level;
        h->messages[h->delivered] = *msg;
    }
    h->delivered++;
}

static int setup(void **state)
{
    static struct harness h;
    memset(&h, 0, sizeof h);
    static const struct ioapic_ops ops = { on_deliver, NULL };
    ioapic_init(&h.io, 1, &ops, &h);
    *state = &h;
    return 0;
}

static void write32(struct ioapic *io, uint64_t offset, uint32_t v)
{
    uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
    ioapic_mmio(io, offset, b, 4, true);
}

static uint32_t read32(struct ioapic *io, uint64_t offset)
{
    uint8_t b[4] = { 0 };
    ioapic_mmio(io, offset, b, 4, false);
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static uint32_t read_reg(struct ioapic *io, uint32_t index)
{
    write32(io, IOAPIC_REG_SELECT, index);
    return read32(io, IOAPIC_REG_WINDOW);
}

static void write_reg(struct ioapic *io, uint32_t index, uint32_t v)
{
    write32(io, IOAPIC_REG_SELECT, index);
    write32(io, IOAPIC_REG_WINDOW, v);
}

static void program(struct ioapic *io, unsigned pin, uint64_t rte)
{
    write_reg(io, IOAPIC_REDIRECTION + 2 * pin + 1, (uint32_t)(rte >> 32));
    write_reg(io, IOAPIC_REDIRECTION + 2 * pin, (uint32_t)rte);
}

static void test_identity_registers(void **state)
{
    struct harness *h = *state;
    assert_int_equal(read_reg(&h->io, IOAPIC_ID), 1u << 24);
    assert_int_equal(read_reg(&h->io, IOAPIC_VERSION), 0x00170011u);
    write_reg(&h->io, IOAPIC_VERSION, 0);
    assert_int_equal(read_reg(&h->io, IOAPIC_VERSION), 0x00170011u);
    write_reg(&h->io, IOAPIC_ID, 0xFFFFFFFFu);
    assert_int_equal(read_reg(&h->io, IOAPIC_ID), 0x0F000000u);
    /* Every entry starts masked; an index past the table reads 0. */
    for (unsigned pin = 0; pin < IOAPIC_PINS; pin++)
        assert_true(ioapic_read_rte(&h->io, pin) & IOAPIC_RTE_MASKED);
    assert_int_equal(read_reg(&h->io, IOAPIC_REDIRECTION + 2 * IOAPIC_PINS), 0);
    assert_int_equal(read32(&h->io, IOAPIC_REG_SELECT), IOAPIC_REDIRECTION + 2 * IOAPIC_PINS);
}

static void test_entry_round_trip_keeps_read_only_bits(void **state)
{
    struct harness *h = *state;
    program(&h->io, 5, 0xFF00000000000000ull | IOAPIC_RTE_MASKED | IOAPIC_RTE_LEVEL |
                           IOAPIC_RTE_POLARITY_LOW | IOAPIC_RTE_REMOTE_IRR |
                           IOAPIC_RTE_DELIVERY_STATUS | 0x0800 | 0x41);
    uint64_t rte = ioapic_read_rte(&h->io, 5);
    assert_int_equal(rte, 0xFF00000000000000ull | IOAPIC_RTE_MASKED | IOAPIC_RTE_LEVEL |
                              IOAPIC_RTE_POLARITY_LOW | 0x0800 | 0x41);
    assert_int_equal(read_reg(&h->io, IOAPIC_REDIRECTION + 11), 0xFF000000u);
}

static void test_edge_entry_delivers_on_rising_edges_only(void **state)
{
    struct harness *h = *state;
    ioapic_set_irq(&h->io, 4, true); /* masked: nothing */
    ioapic_set_irq(&h->io, 4, false);
    assert_int_equal(h->delivered, 0);
    program(&h->io, 4, 0x34);
    ioapic_set_irq(&h->io, 4, true);
    ioapic_set_irq(&h->io, 4, true); /* still high: no new edge */
    assert_int_equal(h->delivered, 1);
    assert_int_equal(h->vectors[0], 0x34);
    assert_false(h->levels[0]);
    ioapic_set_irq(&h->io, 4, false);
    ioapic_set_irq(&h->io, 4, true);
    assert_int_equal(h->delivered, 2);
    /* Unmasking an edge entry whose line is high does not deliver. */
    program(&h->io, 6, 0x36 | IOAPIC_RTE_MASKED);
    ioapic_set_irq(&h->io, 6, true);
    program(&h->io, 6, 0x36);
    assert_int_equal(h->delivered, 2);
    assert_false(ioapic_read_rte(&h->io, 4) & IOAPIC_RTE_REMOTE_IRR);
}

static void test_level_entry_waits_for_eoi(void **state)
{
    struct harness *h = *state;
    program(&h->io, 9, 0x49 | IOAPIC_RTE_LEVEL);
    ioapic_set_irq(&h->io, 9, true);
    assert_int_equal(h->delivered, 1);
    assert_true(h->levels[0]);
    assert_true(ioapic_read_rte(&h->io, 9) & IOAPIC_RTE_REMOTE_IRR);
    ioapic_set_irq(&h->io, 9, true); /* remote IRR: no second delivery */
    assert_int_equal(h->delivered, 1);
    ioapic_eoi(&h->io, 0x50); /* another vector's EOI */
    assert_true(ioapic_read_rte(&h->io, 9) & IOAPIC_RTE_REMOTE_IRR);
    ioapic_eoi(&h->io, 0x49); /* still asserted: delivered again */
    assert_int_equal(h->delivered, 2);
    ioapic_set_irq(&h->io, 9, false);
    ioapic_eoi(&h->io, 0x49);
    assert_int_equal(h->delivered, 2);
    assert_false(ioapic_read_rte(&h->io, 9) & IOAPIC_RTE_REMOTE_IRR);
}

static void test_unmasking_an_asserted_level_entry_delivers(void **state)
{
    struct harness *h = *state;
    program(&h->io, 20, 0x60 | IOAPIC_RTE_LEVEL | IOAPIC_RTE_MASKED);
    ioapic_set_irq(&h->io, 20, true);
    assert_int_equal(h->delivered, 0);
    program(&h->io, 20, 0x60 | IOAPIC_RTE_LEVEL);
    assert_int_equal(h->delivered, 1);
    assert_int_equal(h->vectors[0], 0x60);
}

static void test_other_delivery_modes_and_stray_pins(void **state)
{
    struct harness *h = *state;
    program(&h->io, 2, 0x30 | (4ull << IOAPIC_RTE_DELIVERY_SHIFT)); /* NMI */
    program(&h->io, 3, 0x31 | ((uint64_t)IOAPIC_RTE_DM_EXTINT << IOAPIC_RTE_DELIVERY_SHIFT));
    program(&h->io, 7, 0x37 | ((uint64_t)IOAPIC_RTE_DM_LOWEST << IOAPIC_RTE_DELIVERY_SHIFT) |
                           IOAPIC_RTE_DEST_LOGICAL | 0x0Cull << IOAPIC_RTE_DEST_SHIFT);
    program(&h->io, 8, 0x38 | (2ull << IOAPIC_RTE_DELIVERY_SHIFT)); /* SMI */
    ioapic_set_irq(&h->io, 2, true);
    ioapic_set_irq(&h->io, 3, true); /* no ExtINT hook: dropped */
    ioapic_set_irq(&h->io, 7, true);
    ioapic_set_irq(&h->io, 8, true); /* SMI: dropped */
    ioapic_set_irq(&h->io, 24, true);
    ioapic_set_irq(&h->io, 1000, true);
    assert_int_equal(h->delivered, 2);
    /* NMI goes out as an edge-triggered NMI message. */
    assert_int_equal(h->messages[0].delivery_mode, APIC_DM_NMI);
    assert_false(h->messages[0].level_triggered);
    assert_int_equal(h->messages[0].source, -1);
    /* Lowest priority with its logical destination. */
    assert_int_equal(h->vectors[1], 0x37);
    assert_int_equal(h->messages[1].delivery_mode, APIC_DM_LOWEST);
    assert_true(h->messages[1].logical);
    assert_int_equal(h->messages[1].dest, 0x0C);
    /* Narrow and out-of-window accesses do not crash or write. */
    uint8_t b = 0xAA;
    ioapic_mmio(&h->io, 0x1F, &b, 1, true);
    ioapic_mmio(&h->io, 0x04, &b, 1, false);
    assert_int_equal(b, 0);
}

/* ---- wired: Linux's way of taking the SCI, a level interrupt ---- */

static uint64_t fake_now;
static uint64_t fake_clock(void *opaque)
{
    (void)opaque;
    return fake_now;
}

static void lapic_write(struct irqchip_user *chip, unsigned off, uint32_t v)
{
    uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
    lapic_mmio(&chip->lapics[0], off, b, 4, true);
}

static void test_level_interrupt_through_the_lapic_and_back(void **state)
{
    (void)state;
    static struct irqchip_user chip;
    static struct bus ports = { .name = "port" }, mmio = { .name = "mmio" };
    struct wisp_error err = { 0 };
    assert_int_equal(irqchip_user_init(&chip, &ports, &mmio, 1, fake_clock, NULL, &err), 0);
    /* Mask the PICs first, as a kernel that uses the I/O APIC does (at
     * reset they pass every input on, as KVM's do). */
    uint8_t all = 0xFF;
    assert_true(bus_dispatch(&ports, 0x21, &all, 1, true));
    assert_true(bus_dispatch(&ports, 0xA1, &all, 1, true));
    lapic_write(&chip, LAPIC_SVR, LAPIC_SVR_ENABLE | 0xFF);
    program(&chip.ioapic, 9, 0x59 | IOAPIC_RTE_LEVEL);

    irqchip_user_set_irq(&chip, 9, true);
    assert_true(irqchip_user_has_interrupt(&chip, 0));
    assert_int_equal(irqchip_user_acknowledge(&chip, 0), 0x59);
    assert_true(lapic_read_reg(&chip.lapics[0], LAPIC_TMR + 0x20) & (1u << (0x59 - 0x40)));
    /* The handler has not quietened the device: the EOI brings it back. */
    lapic_write(&chip, LAPIC_EOI, 0);
    assert_true(irqchip_user_has_interrupt(&chip, 0));
    assert_int_equal(irqchip_user_acknowledge(&chip, 0), 0x59);
    irqchip_user_set_irq(&chip, 9, false);
    lapic_write(&chip, LAPIC_EOI, 0);
    assert_false(irqchip_user_has_interrupt(&chip, 0));
    assert_false(ioapic_read_rte(&chip.ioapic, 9) & IOAPIC_RTE_REMOTE_IRR);
    /* The guest reaches the I/O APIC at its PC address. */
    assert_true(bus_find(&mmio, IOAPIC_BASE + IOAPIC_REG_WINDOW) != NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_identity_registers, setup),
        cmocka_unit_test_setup(test_entry_round_trip_keeps_read_only_bits, setup),
        cmocka_unit_test_setup(test_edge_entry_delivers_on_rising_edges_only, setup),
        cmocka_unit_test_setup(test_level_entry_waits_for_eoi, setup),
        cmocka_unit_test_setup(test_unmasking_an_asserted_level_entry_delivers, setup),
        cmocka_unit_test_setup(test_other_delivery_modes_and_stray_pins, setup),
        cmocka_unit_test(test_level_interrupt_through_the_lapic_and_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
