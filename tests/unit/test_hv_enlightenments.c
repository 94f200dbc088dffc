/* What --hyperv offers, checked without a hypervisor: the CPUID leaves,
 * the synthetic MSRs' rules, the hypercall answers and reference time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include <hyperv/hyperv.h>

#include "hv/enlightenments.h"

static const struct accel_cpuid_entry *find(const struct accel_cpuid *c, uint32_t leaf)
{
    for (unsigned i = 0; i < c->count; i++)
        if (c->entries[i].function == leaf)
            return &c->entries[i];
    return NULL;
}

static void cpuid_leaves_replace_kvm_signature(void **state)
{
    (void)state;
    struct accel_cpuid policy = { .count = 3 };
    policy.entries[0] = (struct accel_cpuid_entry){ .function = 0, .eax = 0xD };
    policy.entries[1] = (struct accel_cpuid_entry){ .function = 0x40000000, .ebx = 0x4B4D564B };
    policy.entries[2] = (struct accel_cpuid_entry){ .function = 0x40000001, .eax = 0xFFFF };
    hv_add_cpuid(&policy);
    const struct accel_cpuid_entry *range = find(&policy, HV_CPUID_LEAF_RANGE);
    assert_non_null(range);
    char vendor[13];
    memcpy(vendor, &range->ebx, 4);
    memcpy(vendor + 4, &range->ecx, 4);
    memcpy(vendor + 8, &range->edx, 4);
    vendor[12] = '\0';
    assert_string_equal(vendor, "Microsoft Hv");
    assert_true(range->eax >= HV_CPUID_MIN_MAX_LEAF);
    assert_int_equal(find(&policy, HV_CPUID_INTERFACE_IDENTIFICATION)->eax, HV_CPUID_INTERFACE_HV1);
    assert_non_null(find(&policy, 0)); /* ordinary leaves stay */
    unsigned hypervisor_leaves = 0;
    for (unsigned i = 0; i < policy.count; i++)
        if (policy.entries[i].function >= 0x40000000 && policy.entries[i].function <= 0x400000FF)
            hypervisor_leaves++;
    assert_int_equal(hypervisor_leaves, 7); /* KVM's two replaced by 0x40000000..6 */
}

static void features_offer_only_what_wisp_implements(void **state)
{
    (void)state;
    struct accel_cpuid policy = { 0 };
    hv_add_cpuid(&policy);
    const struct accel_cpuid_entry *f = find(&policy, HV_CPUID_FEATURE_IDENTIFICATION);
    uint64_t privileges = ((uint64_t)f->ebx << 32) | f->eax;
    assert_true(privileges & HV_PARTITION_PRIVILEGE_ACCESS_HYPERCALL_MSRS);
    assert_true(privileges & HV_PARTITION_PRIVILEGE_ACCESS_PARTITION_REFERENCE_TSC);
    assert_true(privileges & HV_PARTITION_PRIVILEGE_ACCESS_SYNIC_REGS);
    assert_true(privileges & HV_PARTITION_PRIVILEGE_POST_MESSAGES);
    assert_true(privileges & HV_PARTITION_PRIVILEGE_SIGNAL_EVENTS);
    assert_false(privileges & HV_PARTITION_PRIVILEGE_ACCESS_SYNTHETIC_TIMER_REGS);
}

static void hypercall_answers(void **state)
{
    (void)state;
    assert_int_equal(hv_hypercall_status(hv_hypercall_input_fast(HvCallNotifyLongSpinWait)),
                     HV_STATUS_SUCCESS);
    assert_int_equal(hv_hypercall_status(hv_hypercall_input_simple(HvCallPostMessage)),
                     HV_STATUS_INVALID_HYPERCALL_CODE);
    assert_int_equal(hv_hypercall_status(hv_hypercall_input_rep(HvCallNotifyLongSpinWait, 3, 0)),
                     HV_STATUS_INVALID_HYPERCALL_INPUT);
    assert_int_equal(hv_hypercall_status(0x8001 /* extended, not offered */),
                     HV_STATUS_INVALID_HYPERCALL_CODE);
}

static void reference_time_counts_100ns(void **state)
{
    (void)state;
    struct hv_enlightenments hv = { .tsc_hz = 2000000000ull };
    hv.tsc_scale = hv_tsc_scale_from_frequency(hv.tsc_hz);
    uint64_t one_second = hv_reference_time(&hv, 2000000000ull);
    assert_true(one_second >= 9999999ull && one_second <= 10000000ull);
    uint64_t hour = hv_reference_time(&hv, 2000000000ull * 3600);
    assert_true(hour >= 36000000000ull - 3600 && hour <= 36000000000ull);
}

static struct guest_memory memory;

static int setup_memory(void **state)
{
    (void)state;
    memset(&memory, 0, sizeof memory);
    return guest_memory_add_bank(&memory, "RAM", MEM_BANK_RAM, 0, 1 << 20, NULL);
}

static int release_memory(void **state)
{
    (void)state;
    guest_memory_release(&memory);
    return 0;
}

static struct accel_msr_access msr_write(uint32_t index, uint64_t value)
{
    return (struct accel_msr_access){ .index = index, .is_write = true, .value = value };
}

static uint64_t msr_read(struct hv_enlightenments *hv, uint32_t index, bool *gp)
{
    struct accel_msr_access m = { .index = index };
    assert_true(hv_handle_msr(hv, NULL, 0, &memory, &m));
    *gp = m.inject_gp;
    return m.value;
}

static void hypercall_page_needs_guest_os_id_and_holds_the_trap(void **state)
{
    (void)state;
    struct hv_enlightenments hv = { .tsc_hz = 1000000000ull };
    bool gp;
    struct accel_msr_access m = msr_write(HV_X64_MSR_HYPERCALL, 0x5000 | 1);
    assert_true(hv_handle_msr(&hv, NULL, 0, &memory, &m));
    assert_int_equal(msr_read(&hv, HV_X64_MSR_HYPERCALL, &gp) & 1, 0);

    m = msr_write(HV_X64_MSR_GUEST_OS_ID, 0x8100000000001234ull);
    hv_handle_msr(&hv, NULL, 0, &memory, &m);
    m = msr_write(HV_X64_MSR_HYPERCALL, 0x5000 | 1);
    hv_handle_msr(&hv, NULL, 0, &memory, &m);
    assert_false(m.inject_gp);
    assert_int_equal(msr_read(&hv, HV_X64_MSR_HYPERCALL, &gp), 0x5001);
    const uint8_t *code = guest_memory_ptr(&memory, 0x5000, 3);
    assert_int_equal(code[0], 0xE6);
    assert_int_equal(code[1], HV_WISP_HYPERCALL_PORT);
    assert_int_equal(code[2], 0xC3);

    /* Clearing the OS ID disables the page again. */
    m = msr_write(HV_X64_MSR_GUEST_OS_ID, 0);
    hv_handle_msr(&hv, NULL, 0, &memory, &m);
    assert_int_equal(msr_read(&hv, HV_X64_MSR_HYPERCALL, &gp) & 1, 0);
}

static void pages_outside_ram_are_refused(void **state)
{
    (void)state;
    struct hv_enlightenments hv = { .guest_os_id = 1, .tsc_hz = 1000000000ull };
    struct accel_msr_access m = msr_write(HV_X64_MSR_HYPERCALL, 0x7FFF0000ull | 1);
    hv_handle_msr(&hv, NULL, 0, &memory, &m);
    assert_true(m.inject_gp);
    m = msr_write(HV_X64_MSR_REFERENCE_TSC, 0x7FFF0000ull | 1);
    hv_handle_msr(&hv, NULL, 0, &memory, &m);
    assert_true(m.inject_gp);
}

static void reference_tsc_page_is_filled(void **state)
{
    (void)state;
    struct hv_enlightenments hv = { .tsc_hz = 3000000000ull };
    hv.tsc_scale = hv_tsc_scale_from_frequency(hv.tsc_hz);
    struct accel_msr_access m = msr_write(HV_X64_MSR_REFERENCE_TSC, 0x6000 | 1);
    hv_handle_msr(&hv, NULL, 0, &memory, &m);
    assert_false(m.inject_gp);
    const HV_REFERENCE_TSC_PAGE *page = guest_memory_ptr(&memory, 0x6000, sizeof *page);
    assert_int_not_equal(page->TscSequence, 0);
    assert_int_equal(page->TscScale, hv.tsc_scale);
    assert_int_equal(page->TscOffset, 0);
}

static void vp_assist_page_is_accepted_and_zeroed(void **state)
{
    (void)state;
    struct hv_enlightenments hv = { .tsc_hz = 1000000000ull };
    uint8_t *page = guest_memory_ptr(&memory, 0x7000, HV_PAGE_SIZE);
    memset(page, 0xAB, HV_PAGE_SIZE);
    struct accel_msr_access m = msr_write(HV_X64_MSR_VP_ASSIST_PAGE, 0x7000 | 0xFFE | 1);
    hv_handle_msr(&hv, NULL, 0, &memory, &m);
    assert_false(m.inject_gp);
    bool gp;
    /* Reserved bits 11:1 read back as zero. */
    assert_int_equal(msr_read(&hv, HV_X64_MSR_VP_ASSIST_PAGE, &gp), 0x7001);
    for (unsigned i = 0; i < HV_PAGE_SIZE; i++)
        assert_int_equal(page[i], 0);
    /* Disabling keeps the page's contents (the guest owns them again). */
    page[0] = 0x55;
    m = msr_write(HV_X64_MSR_VP_ASSIST_PAGE, 0x7000);
    hv_handle_msr(&hv, NULL, 0, &memory, &m);
    assert_int_equal(page[0], 0x55);
    m = msr_write(HV_X64_MSR_VP_ASSIST_PAGE, 0x7FFF0000ull | 1);
    hv_handle_msr(&hv, NULL, 0, &memory, &m);
    assert_true(m.inject_gp);
}

static void read_only_and_unknown_msrs(void **state)
{
    (void)state;
    struct hv_enlightenments hv = { .tsc_hz = 2500000000ull, .apic_hz = 1000000000ull };
    bool gp;
    assert_int_equal(msr_read(&hv, HV_X64_MSR_VP_INDEX, &gp), 0);
    assert_false(gp);
    assert_int_equal(msr_read(&hv, HV_X64_MSR_TSC_FREQUENCY, &gp), 2500000000ull);
    assert_int_equal(msr_read(&hv, HV_X64_MSR_APIC_FREQUENCY, &gp), 1000000000ull);
    struct accel_msr_access m = msr_write(HV_X64_MSR_VP_INDEX, 3);
    hv_handle_msr(&hv, NULL, 0, &memory, &m);
    assert_true(m.inject_gp);
    msr_read(&hv, HV_X64_MSR_SCONTROL, &gp);
    assert_true(gp);
    struct accel_msr_access other = { .index = 0xC0000080 };
    assert_false(hv_handle_msr(&hv, NULL, 0, &memory, &other));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cpuid_leaves_replace_kvm_signature),
        cmocka_unit_test(features_offer_only_what_wisp_implements),
        cmocka_unit_test(hypercall_answers),
        cmocka_unit_test(reference_time_counts_100ns),
        cmocka_unit_test_setup_teardown(hypercall_page_needs_guest_os_id_and_holds_the_trap,
                                        setup_memory, release_memory),
        cmocka_unit_test_setup_teardown(pages_outside_ram_are_refused, setup_memory, release_memory),
        cmocka_unit_test_setup_teardown(reference_tsc_page_is_filled, setup_memory, release_memory),
        cmocka_unit_test_setup_teardown(vp_assist_page_is_accepted_and_zeroed, setup_memory,
                                        release_memory),
        cmocka_unit_test_setup_teardown(read_only_and_unknown_msrs, setup_memory, release_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
