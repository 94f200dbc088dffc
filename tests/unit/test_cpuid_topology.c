/*
 * Each vCPU's CPUID topology (cpuid_topology.c): its APIC ID where the SDM
 * and APM put one, and one package of N single-thread cores, for N = 1,
 * 3 and 4, on an Intel-style and an AMD-style host.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "vmm/cpuid_policy.h"

#define SIG ACCEL_CPUID_FLAG_SIGNIFICANT_INDEX

/* The host's own topology: APIC ID 0x0E, 16 logical per package, HT. */
static const struct accel_cpuid_entry host_entries[] = {
    { 0x1, 0, 0, 0x000906EA, 0x0E100800, 0x7FFAFBFF, 0xBFEBFBFF },
    { 0x4, 0, SIG, 0x1C004121, 0x01C0003F, 0x3F, 0 },
    { 0x4, 1, SIG, 0x1C004122, 0x01C0003F, 0x3F, 0 },
    { 0x4, 2, SIG, 0, 0, 0, 0 },
    { 0xB, 0, SIG, 1, 2, 0x100, 0x0E },
    { 0xB, 1, SIG, 4, 16, 0x201, 0x0E },
    { 0xB, 2, SIG, 0, 0, 2, 0x0E },
    { 0x80000008, 0, 0, 0x3030, 0, 0x700F, 0 },
    { 0x8000001E, 0, 0, 0x0E, 0x0107, 0x0301, 0 },
};
#define HOST_COUNT (sizeof host_entries / sizeof host_entries[0])

static struct accel_cpuid policy;

static void make(uint32_t apic_id, unsigned ncpus)
{
    memset(&policy, 0, sizeof policy);
    memcpy(policy.entries, host_entries, sizeof host_entries);
    policy.count = HOST_COUNT;
    cpuid_policy_set_topology(&policy, apic_id, ncpus);
}

static struct accel_cpuid_entry *leaf(uint32_t fn, uint32_t sub)
{
    struct accel_cpuid_entry *e = cpuid_policy_find(&policy, fn, sub);
    assert_non_null(e);
    return e;
}

static void test_leaf1_has_the_apic_id_and_package_size(void **state)
{
    (void)state;
    make(3, 4);
    assert_int_equal(leaf(1, 0)->ebx >> 24, 3);
    assert_int_equal((leaf(1, 0)->ebx >> 16) & 0xFF, 4);
    assert_int_equal(leaf(1, 0)->ebx & 0xFFFF, 0x0800); /* CLFLUSH size, brand kept */
    assert_true(leaf(1, 0)->edx & (1u << 28));          /* HTT: more than one */
    make(2, 3);
    assert_int_equal((leaf(1, 0)->ebx >> 16) & 0xFF, 4); /* a power of two */
    make(0, 1);
    assert_int_equal(leaf(1, 0)->ebx >> 24, 0);
    assert_int_equal((leaf(1, 0)->ebx >> 16) & 0xFF, 1);
    assert_false(leaf(1, 0)->edx & (1u << 28));
}

static void test_leaf4_counts_cores_per_package(void **state)
{
    (void)state;
    make(1, 4);
    assert_int_equal(leaf(4, 0)->eax >> 26, 3);
    assert_int_equal(leaf(4, 1)->eax >> 26, 3);
    assert_int_equal(leaf(4, 0)->eax & 0x3FFFFFF, 0x0004121); /* cache fields kept */
    assert_int_equal(leaf(4, 2)->eax, 0);                     /* the end stays the end */
}

static void test_extended_topology_is_one_thread_per_core(void **state)
{
    (void)state;
    make(2, 3);
    assert_int_equal(leaf(0xB, 0)->eax, 0);
    assert_int_equal(leaf(0xB, 0)->ebx, 1);
    assert_int_equal(leaf(0xB, 0)->ecx, 0x100);
    assert_int_equal(leaf(0xB, 1)->eax, 2); /* ceil(log2(3)) */
    assert_int_equal(leaf(0xB, 1)->ebx, 3);
    assert_int_equal(leaf(0xB, 1)->ecx, 0x201);
    assert_int_equal(leaf(0xB, 2)->ebx, 0);
    assert_int_equal(leaf(0xB, 2)->ecx, 2);
    for (uint32_t sub = 0; sub < 3; sub++)
        assert_int_equal(leaf(0xB, sub)->edx, 2);
}

static void test_amd_leaves_count_cores_and_name_the_apic_id(void **state)
{
    (void)state;
    make(3, 4);
    assert_int_equal(leaf(0x80000008, 0)->ecx & 0xFF, 3);
    assert_int_equal((leaf(0x80000008, 0)->ecx >> 12) & 0xF, 2);
    assert_int_equal(leaf(0x80000008, 0)->eax, 0x3030);
    assert_int_equal(leaf(0x8000001E, 0)->eax, 3);
    assert_int_equal(leaf(0x8000001E, 0)->ebx & 0xFF, 3);
    assert_int_equal((leaf(0x8000001E, 0)->ebx >> 8) & 0xFF, 0);
    assert_int_equal(leaf(0x8000001E, 0)->ecx & 0x7FF, 0);
}

static void test_missing_leaves_are_left_missing(void **state)
{
    (void)state;
    memset(&policy, 0, sizeof policy);
    policy.entries[0] = host_entries[0];
    policy.count = 1;
    cpuid_policy_set_topology(&policy, 5, 8);
    assert_int_equal(policy.count, 1);
    assert_int_equal(policy.entries[0].ebx >> 24, 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_leaf1_has_the_apic_id_and_package_size),
        cmocka_unit_test(test_leaf4_counts_cores_per_package),
        cmocka_unit_test(test_extended_topology_is_one_thread_per_core),
        cmocka_unit_test(test_amd_leaves_count_cores_and_name_the_apic_id),
        cmocka_unit_test(test_missing_leaves_are_left_missing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
