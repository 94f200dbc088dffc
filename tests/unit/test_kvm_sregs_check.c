/*
 * kvm_sregs_check.c: the states KVM_SET_SREGS would refuse are named, and
 * the states guests really are in (real mode, 32-bit protected mode with
 * and without paging, long mode) pass.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "accel/kvm_internal.h"

#define CR0_PE 0x1ull
#define CR0_PG 0x80000000ull
#define CR4_PAE 0x20ull
#define EFER_LME 0x100ull
#define EFER_LMA 0x400ull
#define APIC_ON_BSP 0xfee00900ull /* the reset value: enabled, BSP */

static struct kvm_sregs state(uint64_t cr0, uint64_t cr4, uint64_t efer, int cs_long)
{
    struct kvm_sregs s;
    memset(&s, 0, sizeof s);
    s.cr0 = cr0;
    s.cr4 = cr4;
    s.efer = efer;
    s.cs.selector = 0x10;
    s.cs.l = (uint8_t)cs_long;
    s.apic_base = APIC_ON_BSP;
    return s;
}

static void expect_problem(struct kvm_sregs s, const char *text)
{
    char why[200] = "";
    assert_true(kvm_sregs_problem(&s, why, sizeof why));
    assert_string_equal(why, text);
}

static void test_states_guests_are_in_pass(void **unused)
{
    (void)unused;
    char why[200] = "";
    struct kvm_sregs ok[] = {
        state(0x60000010, 0, 0, 0),                                     /* reset: real mode */
        state(CR0_PE | 0x10, 0, 0, 0),                                  /* Multiboot's entry */
        state(CR0_PE | CR0_PG, 0x10, 0, 0),                             /* 32-bit paging */
        state(CR0_PE | CR0_PG, CR4_PAE, EFER_LME | EFER_LMA, 1),        /* 64-bit code */
        state(CR0_PE | CR0_PG, CR4_PAE, EFER_LME | EFER_LMA, 0),        /* compatibility mode */
        state(CR0_PE, 0, EFER_LME, 0),                      /* LME set, paging not yet on */
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        assert_false(kvm_sregs_problem(&ok[i], why, sizeof why));
    struct kvm_sregs x2apic = state(CR0_PE, 0, 0, 0);
    x2apic.apic_base = APIC_ON_BSP | 0x400;
    assert_false(kvm_sregs_problem(&x2apic, why, sizeof why));
    struct kvm_sregs apic_off = state(CR0_PE, 0, 0, 0);
    apic_off.apic_base = 0xfee00000;
    assert_false(kvm_sregs_problem(&apic_off, why, sizeof why));
}

/* What a CI run's restore met: a 32-bit guest's snapshot whose CS had the
 * 64-bit bit set. */
static void test_a_64_bit_cs_outside_long_mode(void **unused)
{
    (void)unused;
    expect_problem(state(CR0_PE | 0x10, 0, 0, 1),
                   "CS (selector 0x10) is a 64-bit code segment but long mode is off "
                   "(EFER 0x0, CR0 0x11)");
    expect_problem(state(CR0_PE, 0, EFER_LME, 1),
                   "CS (selector 0x10) is a 64-bit code segment but long mode is off "
                   "(EFER 0x100, CR0 0x1)");
}

static void test_long_mode_rules(void **unused)
{
    (void)unused;
    expect_problem(state(CR0_PE | CR0_PG, 0, EFER_LME | EFER_LMA, 1),
                   "long mode is on without PAE (CR4 0x0)");
    expect_problem(state(CR0_PE | CR0_PG, CR4_PAE, EFER_LME, 0),
                   "long mode is enabled with paging on but not active (EFER 0x100)");
    expect_problem(state(CR0_PE, CR4_PAE, EFER_LME | EFER_LMA, 0),
                   "long mode is active but not enabled with paging on (EFER 0x500, CR0 0x1)");
    expect_problem(state(CR0_PE | CR0_PG, CR4_PAE, EFER_LMA, 0),
                   "long mode is active but not enabled with paging on "
                   "(EFER 0x400, CR0 0x80000001)");
}

static void test_paging_without_protected_mode(void **unused)
{
    (void)unused;
    expect_problem(state(CR0_PG, 0, 0, 0),
                   "paging is on without protected mode (CR0 0x80000000)");
}

static void test_apic_base(void **unused)
{
    (void)unused;
    struct kvm_sregs s = state(CR0_PE, 0, 0, 0);
    s.apic_base = APIC_ON_BSP | 0x1;
    expect_problem(s, "the APIC base 0xfee00901 has reserved bits set");
    s.apic_base = APIC_ON_BSP | 0x200;
    expect_problem(s, "the APIC base 0xfee00b00 has reserved bits set");
    s.apic_base = 0xfee00400;
    expect_problem(s, "the APIC base 0xfee00400 has x2APIC mode on with the APIC off");
}

static void test_a_short_buffer_is_cut_not_overrun(void **unused)
{
    (void)unused;
    struct kvm_sregs s = state(CR0_PG, 0, 0, 0);
    char why[12];
    memset(why, 'x', sizeof why);
    assert_true(kvm_sregs_problem(&s, why, 8));
    assert_string_equal(why, "paging ");
    assert_int_equal(why[9], 'x');
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_states_guests_are_in_pass),
        cmocka_unit_test(test_a_64_bit_cs_outside_long_mode),
        cmocka_unit_test(test_long_mode_rules),
        cmocka_unit_test(test_paging_without_protected_mode),
        cmocka_unit_test(test_apic_base),
        cmocka_unit_test(test_a_short_buffer_is_cut_not_overrun),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
