/*
 * kvm_records.c: a vCPU's and the VM's saved KVM record lists are taken
 * when every record restore copies is there with its structure's size,
 * and refused with one line naming what is wrong otherwise: cut short,
 * unknown, twice, missing, the wrong size, the wrong irqchip, records of
 * the other list, registers no CPU can be in.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "accel/kvm_internal.h"
#include "accel/kvm_records.h"

#define XSAVE 4096u

struct list {
    uint8_t data[16384];
    size_t size;
};

static void add(struct list *l, uint32_t tag, const void *payload, uint32_t len)
{
    assert_true(l->size + 8 + len <= sizeof l->data);
    for (int i = 0; i < 4; i++) {
        l->data[l->size + i] = (uint8_t)(tag >> (8 * i));
        l->data[l->size + 4 + i] = (uint8_t)(len >> (8 * i));
    }
    if (payload)
        memcpy(l->data + l->size + 8, payload, len);
    else
        memset(l->data + l->size + 8, 0, len);
    l->size += 8 + len;
}

/* A vCPU list as kvm_state.c writes it, in 64-bit mode; skip leaves one
 * tag out. */
static struct list vcpu_list(bool kernel_irqchip, unsigned skip)
{
    struct list l = { .size = 0 };
    struct kvm_sregs sregs;
    memset(&sregs, 0, sizeof sregs);
    sregs.cr0 = 0x80000011;
    sregs.cr4 = 0x20;
    sregs.efer = 0x500;
    sregs.cs.l = 1;
    sregs.apic_base = 0xfee00900;
    uint32_t khz = 2000000;
    struct { unsigned tag; const void *payload; uint32_t len; } records[] = {
        { TAG_TSC_KHZ, &khz, sizeof khz },
        { TAG_REGS, NULL, sizeof(struct kvm_regs) },
        { TAG_SREGS, &sregs, sizeof sregs },
        { TAG_XCRS, NULL, sizeof(struct kvm_xcrs) },
        { TAG_XSAVE, NULL, XSAVE },
        { TAG_MSRS, NULL, 3 * sizeof(struct kvm_msr_entry) },
        { TAG_MP_STATE, NULL, sizeof(struct kvm_mp_state) },
        { TAG_LAPIC, NULL, sizeof(struct kvm_lapic_state) },
        { TAG_EVENTS, NULL, sizeof(struct kvm_vcpu_events) },
        { TAG_DEBUGREGS, NULL, sizeof(struct kvm_debugregs) },
    };
    for (size_t i = 0; i < sizeof records / sizeof records[0]; i++) {
        unsigned tag = records[i].tag;
        if (tag == skip || (!kernel_irqchip && (tag == TAG_MP_STATE || tag == TAG_LAPIC)))
            continue;
        add(&l, tag, records[i].payload, records[i].len);
    }
    return l;
}

static void expect_vcpu_refused(const struct list *l, bool kernel_irqchip, const char *text)
{
    struct kvm_record rec[TAG_LIMIT];
    struct wisp_error err = { 0 };
    assert_int_equal(kvm_vcpu_records_check(l->data, l->size, XSAVE, kernel_irqchip, rec, &err),
                     -1);
    assert_int_equal(err.status, WISP_EXIT_BAD_KERNEL);
    assert_string_equal(err.message, text);
}

static void test_a_vcpu_list_as_saved_is_taken(void **unused)
{
    (void)unused;
    for (int irqchip = 0; irqchip < 2; irqchip++) {
        struct list l = vcpu_list(irqchip, 0);
        struct kvm_record rec[TAG_LIMIT];
        struct wisp_error err = { 0 };
        assert_int_equal(kvm_vcpu_records_check(l.data, l.size, XSAVE, irqchip, rec, &err), 0);
        assert_true(rec[TAG_SREGS].found);
        assert_int_equal(rec[TAG_SREGS].len, sizeof(struct kvm_sregs));
        assert_int_equal(rec[TAG_MSRS].len, 3 * sizeof(struct kvm_msr_entry));
        assert_int_equal(rec[TAG_LAPIC].found, irqchip);
    }
}

static void test_broken_vcpu_lists_are_named(void **unused)
{
    (void)unused;
    struct list l = vcpu_list(true, 0);
    l.size -= 3;
    expect_vcpu_refused(&l, true, "KVM's debug registers record is cut short");
    l = vcpu_list(true, 0);
    add(&l, 99, NULL, 0);
    expect_vcpu_refused(&l, true, "unknown KVM record 99");
    l = vcpu_list(true, 0);
    add(&l, TAG_XCRS, NULL, sizeof(struct kvm_xcrs));
    expect_vcpu_refused(&l, true, "the XCRs saved twice");
    l = vcpu_list(true, TAG_SREGS);
    expect_vcpu_refused(&l, true, "no saved segment and control registers (KVM record 3)");
    l = vcpu_list(true, TAG_MSRS);
    expect_vcpu_refused(&l, true, "KVM's MSRs are missing or malformed");
    l = vcpu_list(true, 0);
    struct kvm_record rec[TAG_LIMIT];
    struct wisp_error err = { 0 };
    assert_int_equal(kvm_vcpu_records_check(l.data, l.size, 8192, true, rec, &err), -1);
    assert_string_equal(err.message, "the saved XSAVE area: 4096 bytes, where this host's KVM uses 8192");
    expect_vcpu_refused(&l, false,
                        "the vCPU has a saved in-kernel LAPIC but this machine has none");
    l = vcpu_list(false, 0);
    expect_vcpu_refused(&l, true, "no saved MP state (KVM record 7)");
    add(&l, TAG_CLOCK, NULL, sizeof(struct kvm_clock_data));
    expect_vcpu_refused(&l, false, "a vCPU's state holds the VM's");
}

static void test_registers_no_cpu_can_be_in_are_named_with_rip(void **unused)
{
    (void)unused;
    struct list l = vcpu_list(false, TAG_SREGS);
    struct kvm_sregs sregs;
    memset(&sregs, 0, sizeof sregs);
    sregs.cr0 = 0x11;
    sregs.cs.l = 1;
    sregs.cs.selector = 0x10;
    add(&l, TAG_SREGS, &sregs, sizeof sregs);
    expect_vcpu_refused(&l, false, "the saved registers are not a state a CPU can be in: CS "
                        "(selector 0x10) is a 64-bit code segment but long mode is off "
                        "(EFER 0x0, CR0 0x11) (RIP 0x0)");
}

static struct list vm_list(bool kernel_irqchip, unsigned wrong_chip)
{
    struct list l = { .size = 0 };
    if (kernel_irqchip) {
        static const unsigned tags[] = { TAG_PIC_MASTER, TAG_PIC_SLAVE, TAG_IOAPIC };
        for (unsigned i = 0; i < 3; i++) {
            struct kvm_irqchip chip;
            memset(&chip, 0, sizeof chip);
            chip.chip_id = tags[i] == wrong_chip ? 7 : i;
            add(&l, tags[i], &chip, sizeof chip);
        }
        add(&l, TAG_PIT, NULL, sizeof(struct kvm_pit_state2));
    }
    add(&l, TAG_CLOCK, NULL, sizeof(struct kvm_clock_data));
    return l;
}

static void expect_vm(const struct list *l, bool kernel_irqchip, const char *refusal)
{
    struct kvm_record rec[TAG_LIMIT];
    struct wisp_error err = { 0 };
    int rc = kvm_vm_records_check(l->data, l->size, kernel_irqchip, rec, &err);
    if (!refusal) {
        assert_int_equal(rc, 0);
        assert_true(rec[TAG_CLOCK].found);
        return;
    }
    assert_int_equal(rc, -1);
    assert_int_equal(err.status, WISP_EXIT_BAD_KERNEL);
    assert_string_equal(err.message, refusal);
}

static void test_vm_lists(void **unused)
{
    (void)unused;
    struct list l = vm_list(true, 0);
    expect_vm(&l, true, NULL);
    expect_vm(&l, false, "the file has in-kernel interrupt controllers, this machine has none");
    l = vm_list(false, 0);
    expect_vm(&l, false, NULL);
    expect_vm(&l, true, "no saved master PIC (KVM record 32)");
    l = vm_list(true, TAG_IOAPIC);
    expect_vm(&l, true, "KVM's I/O APIC is another chip");
    l = vm_list(false, 0);
    add(&l, TAG_REGS, NULL, sizeof(struct kvm_regs));
    expect_vm(&l, false, "the VM's state holds a vCPU's");
    struct list empty = { .size = 0 };
    expect_vm(&empty, false, "no saved KVM clock (KVM record 36)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_vcpu_list_as_saved_is_taken),
        cmocka_unit_test(test_broken_vcpu_lists_are_named),
        cmocka_unit_test(test_registers_no_cpu_can_be_in_are_named_with_rip),
        cmocka_unit_test(test_vm_lists),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
