#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dev/pic8259.h"

struct harness {
    struct pic8259 pic;
    bool out;
    unsigned out_calls;
};

static void on_output(void *opaque, bool level)
{
    struct harness *h = opaque;
    h->out = level;
    h->out_calls++;
}

static int setup(void **state)
{
    static struct harness h;
    memset(&h, 0, sizeof h);
    pic8259_init(&h.pic, on_output, &h);
    *state = &h;
    return 0;
}

static void outb(struct harness *h, uint16_t port, uint8_t v)
{
    if ((port & ~1u) == PIC8259_MASTER_PORT)
        pic8259_master_io(&h->pic, port & 1, &v, 1, true);
    else if ((port & ~1u) == PIC8259_SLAVE_PORT)
        pic8259_slave_io(&h->pic, port & 1, &v, 1, true);
    else
        pic8259_elcr_io(&h->pic, port & 1, &v, 1, true);
}

static uint8_t inb(struct harness *h, uint16_t port)
{
    uint8_t v = 0x5A;
    if ((port & ~1u) == PIC8259_MASTER_PORT)
        pic8259_master_io(&h->pic, port & 1, &v, 1, false);
    else if ((port & ~1u) == PIC8259_SLAVE_PORT)
        pic8259_slave_io(&h->pic, port & 1, &v, 1, false);
    else
        pic8259_elcr_io(&h->pic, port & 1, &v, 1, false);
    return v;
}

/* Linux's init_8259A(): remap to 0x20/0x28, cascade on IR2, 8086 mode,
 * then mask everything. */
static void linux_init(struct harness *h)
{
    outb(h, 0x21, 0xFF);
    outb(h, 0xA1, 0xFF);
    outb(h, 0x20, 0x11); /* ICW1: edge, cascade, ICW4 */
    outb(h, 0x21, 0x20); /* ICW2: vectors 0x20-0x27 */
    outb(h, 0x21, 0x04); /* ICW3: slave on IR2 */
    outb(h, 0x21, 0x01); /* ICW4: 8086, normal EOI */
    outb(h, 0xA0, 0x11);
    outb(h, 0xA1, 0x28);
    outb(h, 0xA1, 0x02); /* ICW3: slave ID 2 */
    outb(h, 0xA1, 0x01);
    outb(h, 0x21, 0xFF);
    outb(h, 0xA1, 0xFF);
}

static void pulse(struct harness *h, unsigned irq)
{
    pic8259_set_irq(&h->pic, irq, true);
    pic8259_set_irq(&h->pic, irq, false);
}

static uint8_t read_irr(struct harness *h, uint16_t cmd)
{
    outb(h, cmd, PIC_OCW3_READ_IRR);
    return inb(h, cmd);
}

static uint8_t read_isr(struct harness *h, uint16_t cmd)
{
    outb(h, cmd, PIC_OCW3_READ_ISR);
    return inb(h, cmd);
}

/* Issue 15: the reset state of KVM's in-kernel PIC, so that a kernel that
 * starts the PIT before remapping the PIC sees the same thing on both
 * irqchips: IRQ 0 as vector 0, IRQ 8 as vector 0 too. */
static void test_reset_state_matches_kvms_pic(void **state)
{
    struct harness *h = *state;
    assert_int_equal(inb(h, 0x21), 0x00);
    assert_int_equal(inb(h, 0xA1), 0x00);
    pulse(h, 0);
    assert_true(pic8259_output(&h->pic));
    assert_int_equal(pic8259_acknowledge(&h->pic), 0x00);
    outb(h, 0x20, 0x20); /* non-specific EOI */
    pulse(h, 8);
    assert_true(pic8259_output(&h->pic));
    assert_int_equal(pic8259_acknowledge(&h->pic), 0x00);
}

static void test_remap_mask_unmask_and_eoi(void **state)
{
    struct harness *h = *state;
    linux_init(h);
    assert_int_equal(inb(h, 0x21), 0xFF);

    pulse(h, 0);
    assert_false(h->out);
    assert_int_equal(read_irr(h, 0x20), 0x01); /* latched while masked */

    outb(h, 0x21, 0xFE); /* unmask IRQ 0 */
    assert_true(h->out);
    assert_int_equal(h->out_calls, 1);
    assert_int_equal(pic8259_acknowledge(&h->pic), 0x20);
    assert_false(h->out);
    assert_int_equal(read_irr(h, 0x20), 0x00);
    assert_int_equal(read_isr(h, 0x20), 0x01);

    /* A new edge while IRQ 0 is in service waits for the EOI. */
    pulse(h, 0);
    assert_false(h->out);
    outb(h, 0x20, PIC_OCW2_EOI);
    assert_int_equal(read_isr(h, 0x20), 0x00);
    assert_true(h->out);
    assert_int_equal(pic8259_acknowledge(&h->pic), 0x20);
    outb(h, 0x20, PIC_OCW2_EOI);
    assert_false(h->out);

    /* Masking again hides a new request. */
    outb(h, 0x21, 0xFF);
    pulse(h, 0);
    assert_false(h->out);
}

static void test_priorities_and_nesting(void **state)
{
    struct harness *h = *state;
    linux_init(h);
    outb(h, 0x21, 0x00);

    pulse(h, 3);
    pulse(h, 1);
    assert_int_equal(pic8259_acknowledge(&h->pic), 0x21); /* 1 before 3 */
    assert_false(h->out); /* 3 is lower than 1 in service */

    pulse(h, 0); /* higher priority: nests */
    assert_true(h->out);
    assert_int_equal(pic8259_acknowledge(&h->pic), 0x20);
    assert_int_equal(read_isr(h, 0x20), 0x03);

    outb(h, 0x20, PIC_OCW2_EOI); /* clears the highest: IRQ 0 */
    assert_int_equal(read_isr(h, 0x20), 0x02);
    assert_false(h->out);
    outb(h, 0x20, PIC_OCW2_EOI);
    assert_true(h->out);
    assert_int_equal(pic8259_acknowledge(&h->pic), 0x23);
    outb(h, 0x20, PIC_OCW2_SPECIFIC_EOI | 3);
    assert_int_equal(read_isr(h, 0x20), 0x00);
    assert_false(h->out);
}

static void test_cascade_irq_8_to_15(void **state)
{
    struct harness *h = *state;
    linux_init(h);
    outb(h, 0xA1, 0xFB); /* unmask IRQ 10 on the slave */

    pulse(h, 10);
    assert_false(h->out); /* master still masks the cascade */
    assert_int_equal(read_irr(h, 0xA0), 0x04);
    outb(h, 0x21, 0xFB); /* unmask IR2 */
    assert_true(h->out);
    assert_int_equal(pic8259_acknowledge(&h->pic), 0x2A);
    assert_false(h->out);
    assert_int_equal(read_isr(h, 0xA0), 0x04);
    assert_int_equal(read_isr(h, 0x20), 0x04);

    /* Another slave request waits for both EOIs (no special fully nested
     * mode): Linux EOIs the slave, then the master. */
    outb(h, 0xA1, 0x00);
    pulse(h, 14);
    assert_false(h->out);
    outb(h, 0xA0, PIC_OCW2_EOI);
    assert_false(h->out); /* the master's IR2 is still in service */
    outb(h, 0x20, PIC_OCW2_EOI);
    assert_true(h->out);
    assert_int_equal(pic8259_acknowledge(&h->pic), 0x2E);
    outb(h, 0xA0, PIC_OCW2_SPECIFIC_EOI | 6);
    outb(h, 0x20, PIC_OCW2_SPECIFIC_EOI | 2);
    assert_int_equal(read_isr(h, 0xA0), 0);
    assert_int_equal(read_isr(h, 0x20), 0);
    assert_false(h->out);
}

static void test_master_beats_lower_slave(void **state)
{
    struct harness *h = *state;
    linux_init(h);
    outb(h, 0x21, 0x00);
    outb(h, 0xA1, 0x00);
    pulse(h, 8);
    pulse(h, 4);
    pulse(h, 1);
    /* Order: 1, then the cascade (8 on IR2), then 4. */
    assert_int_equal(pic8259_acknowledge(&h->pic), 0x21);
    outb(h, 0x20, PIC_OCW2_EOI);
    assert_int_equal(pic8259_acknowledge(&h->pic), 0x28);
    outb(h, 0xA0, PIC_OCW2_EOI);
    outb(h, 0x20, PIC_OCW2_EOI);
    assert_int_equal(pic8259_acknowledge(&h->pic), 0x24);
    outb(h, 0x20, PIC_OCW2_EOI);
    assert_false(h->out);
}

static void test_spurious_irq7(void **state)
{
    struct harness *h = *state;
    linux_init(h);
    outb(h, 0x21, 0x00);
    /* Nothing pending at all. */
    assert_int_equal(pic8259_acknowledge(&h->pic), 0x27);
    assert_int_equal(read_isr(h, 0x20), 0);

    /* A level request withdrawn before the INTA cycle. */
    outb(h, 0x4D0, 0x20); /* IRQ 5 level-triggered */
    pic8259_set_irq(&h->pic, 5, true);
    assert_true(h->out);
    pic8259_set_irq(&h->pic, 5, false);
    assert_false(h->out);
    assert_int_equal(pic8259_acknowledge(&h->pic), 0x27);
    assert_int_equal(read_isr(h, 0x20), 0); /* spurious: no ISR bit, no EOI */
}

static void test_level_vs_edge_via_elcr(void **state)
{
    struct harness *h = *state;
    linux_init(h);
    outb(h, 0x21, 0xFB);
    outb(h, 0xA1, 0x00);

    /* Fixed-edge inputs cannot be made level: IRQ 0-2 and 8, 13. */
    outb(h, 0x4D0, 0xFF);
    outb(h, 0x4D1, 0xFF);
    assert_int_equal(inb(h, 0x4D0), 0xF8);
    assert_int_equal(inb(h, 0x4D1), 0xDE);
    outb(h, 0x4D0, 0x00);
    outb(h, 0x4D1, 0x08); /* IRQ 11 level */
    assert_int_equal(inb(h, 0x4D1), 0x08);

    /* Level: still high after the EOI, so it comes again. */
    pic8259_set_irq(&h->pic, 11, true);
    assert_int_equal(pic8259_acknowledge(&h->pic), 0x2B);
    outb(h, 0xA0, PIC_OCW2_EOI);
    outb(h, 0x20, PIC_OCW2_EOI);
    assert_true(h->out);
    assert_int_equal(pic8259_acknowledge(&h->pic), 0x2B);
    pic8259_set_irq(&h->pic, 11, false); /* the device is serviced */
    outb(h, 0xA0, PIC_OCW2_EOI);
    outb(h, 0x20, PIC_OCW2_EOI);
    assert_false(h->out);

    /* Edge: a line held high interrupts once. */
    pic8259_set_irq(&h->pic, 12, true);
    assert_int_equal(pic8259_acknowledge(&h->pic), 0x2C);
    outb(h, 0xA0, PIC_OCW2_EOI);
    outb(h, 0x20, PIC_OCW2_EOI);
    assert_false(h->out);
    pic8259_set_irq(&h->pic, 12, true); /* no new edge */
    assert_false(h->out);
    pic8259_set_irq(&h->pic, 12, false);
    pic8259_set_irq(&h->pic, 12, true);
    assert_true(h->out);
}

static void test_auto_eoi(void **state)
{
    struct harness *h = *state;
    outb(h, 0x20, 0x11);
    outb(h, 0x21, 0x40);
    outb(h, 0x21, 0x04);
    outb(h, 0x21, PIC_ICW4_8086 | PIC_ICW4_AEOI);
    assert_int_equal(inb(h, 0x21), 0x00); /* ICW1 cleared IMR */
    pulse(h, 6);
    assert_int_equal(pic8259_acknowledge(&h->pic), 0x46);
    assert_int_equal(read_isr(h, 0x20), 0);
    pulse(h, 7);
    assert_int_equal(pic8259_acknowledge(&h->pic), 0x47);
}

static void test_poll_mode(void **state)
{
    struct harness *h = *state;
    linux_init(h);
    outb(h, 0x21, 0x00);
    outb(h, 0x20, PIC_OCW3_POLL);
    assert_int_equal(inb(h, 0x20), 0x00); /* nothing */
    pulse(h, 5);
    outb(h, 0x20, PIC_OCW3_POLL);
    assert_int_equal(inb(h, 0x20), 0x85);
    assert_int_equal(read_isr(h, 0x20), 0x20);
    assert_false(h->out);
}

static void test_rotate_on_eoi(void **state)
{
    struct harness *h = *state;
    linux_init(h);
    outb(h, 0x21, 0x00);
    pulse(h, 0);
    assert_int_equal(pic8259_acknowledge(&h->pic), 0x20);
    outb(h, 0x20, 0xA0); /* rotate on non-specific EOI: IRQ 0 becomes lowest */
    pulse(h, 0);
    pulse(h, 1);
    assert_int_equal(pic8259_acknowledge(&h->pic), 0x21);
    outb(h, 0x20, 0xC0 | 7); /* set priority: IRQ 7 lowest, IRQ 0 highest */
    outb(h, 0x20, PIC_OCW2_SPECIFIC_EOI | 1);
    assert_int_equal(pic8259_acknowledge(&h->pic), 0x20);
}

static void test_special_mask_mode(void **state)
{
    struct harness *h = *state;
    linux_init(h);
    outb(h, 0x21, 0x00);
    pulse(h, 1);
    assert_int_equal(pic8259_acknowledge(&h->pic), 0x21);
    pulse(h, 5);
    assert_false(h->out);     /* blocked by IRQ 1 in service */
    outb(h, 0x21, 0x02);      /* mask IRQ 1 */
    outb(h, 0x20, 0x68);      /* set special mask mode */
    assert_true(h->out);      /* a masked level no longer blocks */
    outb(h, 0x20, 0x48);      /* reset special mask mode */
    assert_false(h->out);
}

static void test_irq2_and_out_of_range_are_ignored(void **state)
{
    struct harness *h = *state;
    linux_init(h);
    outb(h, 0x21, 0x00);
    pic8259_set_irq(&h->pic, 2, true);
    pic8259_set_irq(&h->pic, 16, true);
    pic8259_set_irq(&h->pic, 1000, true);
    assert_false(h->out);
    assert_int_equal(read_irr(h, 0x20), 0);
}

static void test_wide_access_splits_bytes(void **state)
{
    struct harness *h = *state;
    linux_init(h);
    outb(h, 0x21, 0xA5);
    outb(h, 0x20, PIC_OCW3_READ_IRR);
    pulse(h, 3);
    uint8_t v[2] = { 0, 0 };
    pic8259_master_io(&h->pic, 0, v, 2, false);
    assert_int_equal(v[0], 0x08);
    assert_int_equal(v[1], 0xA5);
    pic8259_master_io(&h->pic, 1, v, 2, false);
    assert_int_equal(v[0], 0xA5);
    assert_int_equal(v[1], 0xFF);
    uint8_t w[2] = { 0x12, 0x34 };
    pic8259_elcr_io(&h->pic, 0, w, 2, true);
    assert_int_equal(inb(h, 0x4D0), 0x10);
    assert_int_equal(inb(h, 0x4D1), 0x14);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_reset_state_matches_kvms_pic, setup),
        cmocka_unit_test_setup(test_remap_mask_unmask_and_eoi, setup),
        cmocka_unit_test_setup(test_priorities_and_nesting, setup),
        cmocka_unit_test_setup(test_cascade_irq_8_to_15, setup),
        cmocka_unit_test_setup(test_master_beats_lower_slave, setup),
        cmocka_unit_test_setup(test_spurious_irq7, setup),
        cmocka_unit_test_setup(test_level_vs_edge_via_elcr, setup),
        cmocka_unit_test_setup(test_auto_eoi, setup),
        cmocka_unit_test_setup(test_poll_mode, setup),
        cmocka_unit_test_setup(test_rotate_on_eoi, setup),
        cmocka_unit_test_setup(test_special_mask_mode, setup),
        cmocka_unit_test_setup(test_irq2_and_out_of_range_are_ignored, setup),
        cmocka_unit_test_setup(test_wide_access_splits_bytes, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
