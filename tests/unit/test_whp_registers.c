/*
 * Register sets and event registers of the WHP backend (winhv_translate.c):
 * struct accel_regs/accel_sregs <-> WHV_REGISTER_NAME/WHV_REGISTER_VALUE
 * arrays, and the bit layouts of WHvRegisterPendingInterruption,
 * WHvRegisterInterruptState and WHvX64RegisterDeliverabilityNotifications
 * from Microsoft's "Registers" documentation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "accel/winhv_translate.h"

static void test_register_names(void **state)
{
    (void)state;
    /* The order struct accel_regs has, under WHP's numbering. */
    static const uint32_t want[WINHV_REGS_COUNT] = {
        0x00 /* Rax */, 0x03 /* Rbx */, 0x01 /* Rcx */, 0x02 /* Rdx */,
        0x06 /* Rsi */, 0x07 /* Rdi */, 0x04 /* Rsp */, 0x05 /* Rbp */,
        0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F, /* R8..R15 */
        0x10 /* Rip */, 0x11 /* Rflags */,
    };
    for (unsigned i = 0; i < WINHV_REGS_COUNT; i++)
        assert_int_equal((uint32_t)winhv_regs_names[i], want[i]);
    static const uint32_t want_s[WINHV_SREGS_COUNT] = {
        0x13 /* Cs */, 0x15 /* Ds */, 0x12 /* Es */, 0x16 /* Fs */, 0x17 /* Gs */,
        0x14 /* Ss */, 0x19 /* Tr */, 0x18 /* Ldtr */, 0x1B /* Gdtr */, 0x1A /* Idtr */,
        0x1C /* Cr0 */, 0x1D /* Cr2 */, 0x1E /* Cr3 */, 0x1F /* Cr4 */, 0x20 /* Cr8 */,
        0x2001 /* Efer */,
    };
    for (unsigned i = 0; i < WINHV_SREGS_COUNT; i++)
        assert_int_equal((uint32_t)winhv_sregs_names[i], want_s[i]);
    assert_int_equal((uint32_t)winhv_apic_base_name, 0x2003);
    assert_int_equal((uint32_t)WHvRegisterPendingInterruption, 0x80000000u);
    assert_int_equal((uint32_t)WHvRegisterInterruptState, 0x80000001u);
    assert_int_equal((uint32_t)WHvX64RegisterDeliverabilityNotifications, 0x80000004u);
    assert_int_equal((uint32_t)WHvRegisterInternalActivityState, 0x80000005u);
}

static void test_general_registers(void **state)
{
    (void)state;
    struct accel_regs r, back;
    uint64_t *words = (uint64_t *)&r;
    for (unsigned i = 0; i < WINHV_REGS_COUNT; i++)
        words[i] = 0x1111111111111111ull * (i + 1) ^ (uint64_t)i << 60;
    WHV_REGISTER_VALUE v[WINHV_REGS_COUNT];
    memset(v, 0xCC, sizeof v);
    winhv_regs_to_values(&r, v);
    assert_int_equal(v[0].Reg64, r.rax);
    assert_int_equal(v[2].Reg64, r.rcx);
    assert_int_equal(v[6].Reg64, r.rsp);
    assert_int_equal(v[16].Reg64, r.rip);
    assert_int_equal(v[17].Reg64, r.rflags);
    for (unsigned i = 0; i < WINHV_REGS_COUNT; i++)
        assert_int_equal(v[i].Reg128.High64, 0); /* no stale upper half */
    winhv_regs_from_values(v, &back);
    assert_memory_equal(&back, &r, sizeof r);
}

static struct accel_segment seg(uint64_t base, uint32_t limit, uint16_t sel, uint16_t attr)
{
    return (struct accel_segment){ .base = base, .limit = limit, .selector = sel, .attributes = attr };
}

static void test_segment_attributes(void **state)
{
    (void)state;
    /* accel.h's attribute bits are WHV_X64_SEGMENT_REGISTER's bit fields. */
    WHV_X64_SEGMENT_REGISTER w;
    memset(&w, 0, sizeof w);
    w.SegmentType = 0xB;
    w.NonSystemSegment = 1;
    w.DescriptorPrivilegeLevel = 3;
    w.Present = 1;
    w.Available = 1;
    w.Long = 1;
    w.Default = 0;
    w.Granularity = 1;
    struct accel_segment a = winhv_segment_from_whv(&w);
    assert_int_equal(ACCEL_SEG_TYPE(a.attributes), 0xB);
    assert_int_equal(a.attributes,
                     0xB | ACCEL_SEG_S | ACCEL_SEG_DPL(3) | ACCEL_SEG_PRESENT | ACCEL_SEG_AVL |
                         ACCEL_SEG_LONG | ACCEL_SEG_GRANULAR);
    w.Long = 0;
    w.Default = 1;
    a = winhv_segment_from_whv(&w);
    assert_true(a.attributes & ACCEL_SEG_DB);
    assert_false(a.attributes & ACCEL_SEG_LONG);

    struct accel_segment in = seg(0x12345000, 0xFFFFF, 0x2B, ACCEL_SEG_PRESENT | 0x3);
    WHV_X64_SEGMENT_REGISTER out = winhv_segment_to_whv(&in);
    assert_int_equal(out.Base, 0x12345000);
    assert_int_equal(out.Limit, 0xFFFFF);
    assert_int_equal(out.Selector, 0x2B);
    assert_int_equal(out.Present, 1);
    assert_int_equal(out.SegmentType, 3);
    assert_int_equal(out.NonSystemSegment, 0);
}

static void test_system_registers(void **state)
{
    (void)state;
    struct accel_sregs s = {
        .cs = seg(0, 0xFFFFFFFF, 0x08, 0xA09B),
        .ds = seg(0, 0xFFFFFFFF, 0x10, 0xC093),
        .es = seg(0, 0xFFFFFFFF, 0x10, 0xC093),
        .fs = seg(0x7000, 0xFFFF, 0x00, 0x0093),
        .gs = seg(0xFFFF800000001000ull, 0xFFFF, 0x00, 0x0093),
        .ss = seg(0, 0xFFFFFFFF, 0x10, 0xC093),
        .tr = seg(0x5000, 0x67, 0x18, 0x008B),
        .ldt = seg(0, 0, 0, 0x0082),
        .gdt = { 0x500, 0x1F },
        .idt = { 0x600, 0xFFF },
        .cr0 = 0x80050033, .cr2 = 0xDEAD000, .cr3 = 0x1000, .cr4 = 0x6A0, .cr8 = 2,
        .efer = 0xD01, .apic_base = 0xFEE00900,
    };
    WHV_REGISTER_VALUE v[WINHV_SREGS_COUNT];
    winhv_sregs_to_values(&s, v);
    assert_int_equal(v[0].Segment.Selector, 0x08);
    assert_int_equal(v[0].Segment.Long, 1);
    assert_int_equal(v[6].Segment.SegmentType, 0xB); /* TR: busy TSS */
    assert_int_equal(v[8].Table.Base, 0x500);
    assert_int_equal(v[8].Table.Limit, 0x1F);
    assert_int_equal(v[8].Table.Pad[0] | v[8].Table.Pad[1] | v[8].Table.Pad[2], 0);
    assert_int_equal(v[9].Table.Limit, 0xFFF);
    assert_int_equal(v[10].Reg64, 0x80050033);
    assert_int_equal(v[15].Reg64, 0xD01);

    struct accel_sregs back;
    memset(&back, 0x5A, sizeof back);
    back.apic_base = 0xFEE00900; /* read separately by the backend */
    winhv_sregs_from_values(v, &back);
    const struct accel_segment *a[] = { &s.cs, &s.ds, &s.es, &s.fs, &s.gs, &s.ss, &s.tr, &s.ldt };
    const struct accel_segment *b[] = { &back.cs, &back.ds, &back.es, &back.fs,
                                        &back.gs, &back.ss, &back.tr, &back.ldt };
    for (unsigned i = 0; i < 8; i++)
        assert_memory_equal(a[i], b[i], sizeof *a[i]); /* no padding in a segment */
    assert_int_equal(back.gdt.base, s.gdt.base);
    assert_int_equal(back.gdt.limit, s.gdt.limit);
    assert_int_equal(back.idt.base, s.idt.base);
    assert_int_equal(back.idt.limit, s.idt.limit);
    assert_int_equal(back.cr0, s.cr0);
    assert_int_equal(back.cr2, s.cr2);
    assert_int_equal(back.cr3, s.cr3);
    assert_int_equal(back.cr4, s.cr4);
    assert_int_equal(back.cr8, s.cr8);
    assert_int_equal(back.efer, s.efer);
    assert_int_equal(back.apic_base, s.apic_base);
}

static void test_pending_interruption(void **state)
{
    (void)state;
    /* Bits: 0 pending, 1-3 type (0 interrupt, 3 exception), 4 deliver error
     * code, 5-8 instruction length, 9 nested, 16-31 vector, 32-63 error code. */
    assert_int_equal(winhv_pending_interrupt(0x20), 0x0000000000200001ull);
    assert_int_equal(winhv_pending_interrupt(0xFF), 0x0000000000FF0001ull);
    assert_int_equal(winhv_pending_exception(13, true, 0), 0x00000000000D0017ull);
    assert_int_equal(winhv_pending_exception(14, true, 0x1234), 0x00001234000E0017ull);
    assert_int_equal(winhv_pending_exception(6, false, 0x1234), 0x0000000000060007ull);
    WHV_X64_PENDING_INTERRUPTION_REGISTER p;
    p.AsUINT64 = winhv_pending_exception(14, true, 2);
    assert_int_equal(p.InterruptionPending, 1);
    assert_int_equal(p.InterruptionType, WHvX64PendingException);
    assert_int_equal(p.DeliverErrorCode, 1);
    assert_int_equal(p.InterruptionVector, 14);
    assert_int_equal(p.ErrorCode, 2);
}

static void test_interrupt_window(void **state)
{
    (void)state;
    /* InterruptNotification is bit 1 of the deliverability register. */
    assert_int_equal(winhv_interrupt_notification(true), 0x2);
    assert_int_equal(winhv_interrupt_notification(false), 0);

    const uint64_t IF = 1u << 9;
    assert_true(winhv_interrupt_window_open(IF | 2, 0, 0));
    assert_false(winhv_interrupt_window_open(2, 0, 0));                /* IF clear */
    assert_false(winhv_interrupt_window_open(IF | 2, 1, 0));           /* STI shadow */
    assert_true(winhv_interrupt_window_open(IF | 2, 2, 0));            /* NMI masked only */
    assert_false(winhv_interrupt_window_open(IF | 2, 0, winhv_pending_interrupt(0x30)));
    assert_true(winhv_interrupt_window_open(IF | 2, 0, 0x00300000));   /* not pending */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_register_names),
        cmocka_unit_test(test_general_registers),
        cmocka_unit_test(test_segment_attributes),
        cmocka_unit_test(test_system_registers),
        cmocka_unit_test(test_pending_interruption),
        cmocka_unit_test(test_interrupt_window),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
