/*
 * The CPUID policy: the host's supported leaves passed through with the
 * hypervisor bit set and APIC ID 0, and --cpu-hide clearing exactly the
 * bits of the /proc/cpuinfo names it is given, at the positions the Intel
 * SDM (vol. 2A, CPUID) and the AMD APM (vol. 3, appendix E) document.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "vmm/cpuid_policy.h"

#define SIG ACCEL_CPUID_FLAG_SIGNIFICANT_INDEX

/* What a host might report. Registers that hold features we hide are all
 * ones, so a wrongly cleared bit anywhere shows; leaf 7.1 comes before 7.0
 * and also has EBX bit 5 set, so a lookup that ignores the subleaf would
 * clear the wrong one. */
static const struct accel_cpuid_entry host_entries[] = {
    { 0x0, 0, 0, 0xD, 0x756E6547, 0x6C65746E, 0x49656E69 },  /* GenuineIntel */
    { 0x1, 0, 0, 0x000906EA, 0x07100800, 0x7FFAFBFF, 0xBFEBFBFF },
    { 0x7, 1, SIG, 0x00000030, 0x00000020, 0, 0 },
    { 0x7, 0, SIG, 0x00000001, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF },
    { 0xD, 0, SIG, 0x000002E7, 0x00000A80, 0x00000A88, 0 },
    { 0xD, 1, SIG, 0x0000000F, 0, 0, 0 },
    { 0x80000000, 0, 0, 0x80000008, 0, 0, 0 },
    { 0x80000001, 0, 0, 0, 0, 0x00000121, 0x2C100800 },
};
#define HOST_COUNT (sizeof host_entries / sizeof host_entries[0])

static struct accel_cpuid host, policy, before;

static int make_policy(void **state)
{
    (void)state;
    memset(&host, 0, sizeof host);
    host.count = HOST_COUNT;
    memcpy(host.entries, host_entries, sizeof host_entries);
    cpuid_policy_init(&policy, &host);
    before = policy;
    return 0;
}

static struct accel_cpuid_entry *entry(uint32_t leaf, uint32_t subleaf)
{
    struct accel_cpuid_entry *e = cpuid_policy_find(&policy, leaf, subleaf);
    if (!e)
        fail_msg("no leaf 0x%x.%u", leaf, subleaf);
    return e;
}

/* Every register of every entry, XORed with the snapshot `before`. */
static uint32_t changed_bits(unsigned i, enum cpuid_register reg)
{
    const struct accel_cpuid_entry *a = &policy.entries[i], *b = &before.entries[i];
    switch (reg) {
    case CPUID_EAX: return a->eax ^ b->eax;
    case CPUID_EBX: return a->ebx ^ b->ebx;
    case CPUID_ECX: return a->ecx ^ b->ecx;
    case CPUID_EDX: return a->edx ^ b->edx;
    }
    return 0;
}

static void assert_only_change(unsigned index, enum cpuid_register reg, uint32_t mask)
{
    for (unsigned i = 0; i < policy.count; i++)
        for (int r = CPUID_EAX; r <= CPUID_EDX; r++) {
            uint32_t expected = (i == index && r == (int)reg) ? mask : 0;
            if (changed_bits(i, (enum cpuid_register)r) != expected)
                fail_msg("entry %u (leaf 0x%x.%u) register %d changed by 0x%x, expected 0x%x", i,
                         policy.entries[i].function, policy.entries[i].index, r,
                         changed_bits(i, (enum cpuid_register)r), expected);
        }
}

static unsigned index_of(uint32_t leaf, uint32_t subleaf)
{
    return (unsigned)(entry(leaf, subleaf) - policy.entries);
}

/* ---- base policy ---- */

static void test_init_sets_the_hypervisor_bit(void **state)
{
    (void)state;
    assert_int_equal(host_entries[1].ecx >> 31, 0);
    assert_int_equal(entry(1, 0)->ecx >> 31, 1);
    assert_int_equal(entry(1, 0)->ecx & 0x7FFFFFFF, host_entries[1].ecx);
    assert_true(cpuid_policy_has(&policy, cpuid_feature_by_name("hypervisor")));
}

static void test_init_clears_the_initial_apic_id_and_keeps_the_rest_of_ebx(void **state)
{
    (void)state;
    assert_int_equal(entry(1, 0)->ebx >> 24, 0);
    assert_int_equal(entry(1, 0)->ebx & 0x00FFFFFF, host_entries[1].ebx & 0x00FFFFFF);
}

static void test_init_passes_every_other_leaf_through_unchanged(void **state)
{
    (void)state;
    assert_int_equal(policy.count, HOST_COUNT);
    for (unsigned i = 0; i < HOST_COUNT; i++) {
        if (host_entries[i].function == 1)
            continue;
        assert_memory_equal(&policy.entries[i], &host_entries[i], sizeof host_entries[i]);
    }
    assert_int_equal(entry(1, 0)->eax, host_entries[1].eax);
    assert_int_equal(entry(1, 0)->edx, host_entries[1].edx);
}

static void test_init_without_leaf_1_changes_nothing(void **state)
{
    (void)state;
    struct accel_cpuid only_leaf0 = { .count = 1, .entries = { host_entries[0] } };
    cpuid_policy_init(&policy, &only_leaf0);
    assert_int_equal(policy.count, 1);
    assert_memory_equal(&policy.entries[0], &host_entries[0], sizeof host_entries[0]);
}

/* ---- finding leaves ---- */

static void test_find_respects_the_subleaf_of_significant_index_leaves(void **state)
{
    (void)state;
    assert_int_equal(entry(7, 0)->index, 0);
    assert_int_equal(entry(7, 0)->ebx, 0xFFFFFFFF);
    assert_int_equal(entry(7, 1)->index, 1);
    assert_int_equal(entry(0xD, 1)->eax, 0xF);
    assert_null(cpuid_policy_find(&policy, 7, 2));
    assert_null(cpuid_policy_find(&policy, 0x40000000, 0));
    /* Leaves without a significant index answer any subleaf. */
    assert_ptr_equal(cpuid_policy_find(&policy, 1, 5), entry(1, 0));
}

/* ---- hiding ---- */

static void test_hiding_avx2_xsave_popcnt_clears_exactly_those_three_bits(void **state)
{
    (void)state;
    struct wisp_error err = { 0 };
    assert_int_equal(cpuid_policy_hide(&policy, "avx2,xsave,popcnt", &err), 0);
    assert_int_equal(err.status, 0);
    for (unsigned i = 0; i < policy.count; i++)
        for (int r = CPUID_EAX; r <= CPUID_EDX; r++) {
            uint32_t expected = 0;
            if (i == index_of(7, 0) && r == CPUID_EBX)
                expected = 1u << 5;
            if (i == index_of(1, 0) && r == CPUID_ECX)
                expected = 1u << 26 | 1u << 23;
            if (changed_bits(i, (enum cpuid_register)r) != expected)
                fail_msg("leaf 0x%x.%u register %d changed by 0x%x, expected 0x%x",
                         policy.entries[i].function, policy.entries[i].index, r,
                         changed_bits(i, (enum cpuid_register)r), expected);
        }
    assert_false(cpuid_policy_has(&policy, cpuid_feature_by_name("avx2")));
    assert_false(cpuid_policy_has(&policy, cpuid_feature_by_name("xsave")));
    assert_false(cpuid_policy_has(&policy, cpuid_feature_by_name("popcnt")));
    assert_true(cpuid_policy_has(&policy, cpuid_feature_by_name("avx")));
    assert_true(cpuid_policy_has(&policy, cpuid_feature_by_name("sse4_2")));
    /* 7.1 EBX bit 5 is not avx2 and stays. */
    assert_int_equal(entry(7, 1)->ebx, 0x20);
}

static void test_hiding_a_leaf_0xd_1_feature_clears_only_that_subleaf(void **state)
{
    (void)state;
    struct wisp_error err = { 0 };
    assert_int_equal(cpuid_policy_hide(&policy, "xsaves", &err), 0);
    assert_only_change(index_of(0xD, 1), CPUID_EAX, 1u << 3);
}

static void test_hiding_an_extended_leaf_feature_clears_its_bit(void **state)
{
    (void)state;
    struct wisp_error err = { 0 };
    assert_int_equal(cpuid_policy_hide(&policy, "rdtscp", &err), 0);
    assert_only_change(index_of(0x80000001, 0), CPUID_EDX, 1u << 27);
}

static void test_hiding_a_feature_the_host_lacks_changes_nothing(void **state)
{
    (void)state;
    struct wisp_error err = { 0 };
    /* svm (0x80000001 ECX 2) is clear in the made-up (Intel) host */
    assert_false(cpuid_policy_has(&policy, cpuid_feature_by_name("svm")));
    assert_int_equal(cpuid_policy_hide(&policy, "svm", &err), 0);
    assert_memory_equal(&policy, &before, sizeof policy);
}

static void test_hiding_the_same_feature_twice_is_harmless(void **state)
{
    (void)state;
    struct wisp_error err = { 0 };
    assert_int_equal(cpuid_policy_hide(&policy, "avx2,avx2", &err), 0);
    assert_only_change(index_of(7, 0), CPUID_EBX, 1u << 5);
}

static void test_hiding_a_feature_whose_leaf_is_absent_is_not_an_error(void **state)
{
    (void)state;
    struct accel_cpuid small = { .count = 2, .entries = { host_entries[0], host_entries[1] } };
    cpuid_policy_init(&policy, &small);
    before = policy;
    struct wisp_error err = { 0 };
    assert_int_equal(cpuid_policy_hide(&policy, "avx2,xsaves,lm,avx_vnni", &err), 0);
    assert_int_equal(err.status, 0);
    assert_memory_equal(&policy, &before, sizeof policy);
}

static void test_hiding_an_unknown_feature_fails_naming_it(void **state)
{
    (void)state;
    struct wisp_error err = { 0 };
    assert_int_equal(cpuid_policy_hide(&policy, "avx2,warp_drive,xsave", &err), -1);
    assert_int_equal(err.status, WISP_EXIT_USAGE);
    assert_non_null(strstr(err.message, "'warp_drive'"));
    assert_non_null(strstr(err.message, "--cpu-hide"));
    assert_null(strchr(err.message, '\n'));
}

static void test_hiding_is_case_sensitive_like_proc_cpuinfo(void **state)
{
    (void)state;
    struct wisp_error err = { 0 };
    assert_int_equal(cpuid_policy_hide(&policy, "AVX2", &err), -1);
    assert_non_null(strstr(err.message, "'AVX2'"));
}

static void test_hiding_a_list_with_empty_items_fails(void **state)
{
    (void)state;
    const char *lists[] = { ",,", ",", "avx2,,xsave", ",avx2" };
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
        struct wisp_error err = { 0 };
        if (cpuid_policy_hide(&policy, lists[i], &err) != -1)
            fail_msg("'%s' was accepted", lists[i]);
        assert_int_equal(err.status, WISP_EXIT_USAGE);
        assert_non_null(strstr(err.message, "bad feature list"));
    }
}

static void test_hiding_an_overlong_name_fails_without_overflowing(void **state)
{
    (void)state;
    char list[300];
    memset(list, 'a', sizeof list - 1);
    list[sizeof list - 1] = '\0';
    struct wisp_error err = { 0 };
    assert_int_equal(cpuid_policy_hide(&policy, list, &err), -1);
    assert_int_equal(err.status, WISP_EXIT_USAGE);
}

static void test_hiding_an_empty_list_changes_nothing(void **state)
{
    (void)state;
    struct wisp_error err = { 0 };
    assert_int_equal(cpuid_policy_hide(&policy, "", &err), 0);
    assert_memory_equal(&policy, &before, sizeof policy);
}

/* ---- the feature table against the manuals ---- */

static void test_feature_names_map_to_the_documented_leaf_register_and_bit(void **state)
{
    (void)state;
    const struct cpuid_feature expected[] = {
        { "fpu", 1, 0, CPUID_EDX, 0 },        { "tsc", 1, 0, CPUID_EDX, 4 },
        { "pae", 1, 0, CPUID_EDX, 6 },        { "cx8", 1, 0, CPUID_EDX, 8 },
        { "apic", 1, 0, CPUID_EDX, 9 },       { "pge", 1, 0, CPUID_EDX, 13 },
        { "cmov", 1, 0, CPUID_EDX, 15 },      { "pat", 1, 0, CPUID_EDX, 16 },
        { "clflush", 1, 0, CPUID_EDX, 19 },   { "mmx", 1, 0, CPUID_EDX, 23 },
        { "fxsr", 1, 0, CPUID_EDX, 24 },      { "sse", 1, 0, CPUID_EDX, 25 },
        { "sse2", 1, 0, CPUID_EDX, 26 },      { "ht", 1, 0, CPUID_EDX, 28 },
        { "pni", 1, 0, CPUID_ECX, 0 },        { "pclmulqdq", 1, 0, CPUID_ECX, 1 },
        { "monitor", 1, 0, CPUID_ECX, 3 },    { "vmx", 1, 0, CPUID_ECX, 5 },
        { "ssse3", 1, 0, CPUID_ECX, 9 },      { "fma", 1, 0, CPUID_ECX, 12 },
        { "cx16", 1, 0, CPUID_ECX, 13 },      { "pcid", 1, 0, CPUID_ECX, 17 },
        { "sse4_1", 1, 0, CPUID_ECX, 19 },    { "sse4_2", 1, 0, CPUID_ECX, 20 },
        { "x2apic", 1, 0, CPUID_ECX, 21 },    { "movbe", 1, 0, CPUID_ECX, 22 },
        { "popcnt", 1, 0, CPUID_ECX, 23 },    { "tsc_deadline_timer", 1, 0, CPUID_ECX, 24 },
        { "aes", 1, 0, CPUID_ECX, 25 },       { "xsave", 1, 0, CPUID_ECX, 26 },
        { "avx", 1, 0, CPUID_ECX, 28 },       { "f16c", 1, 0, CPUID_ECX, 29 },
        { "rdrand", 1, 0, CPUID_ECX, 30 },    { "hypervisor", 1, 0, CPUID_ECX, 31 },
        { "fsgsbase", 7, 0, CPUID_EBX, 0 },   { "bmi1", 7, 0, CPUID_EBX, 3 },
        { "avx2", 7, 0, CPUID_EBX, 5 },       { "smep", 7, 0, CPUID_EBX, 7 },
        { "bmi2", 7, 0, CPUID_EBX, 8 },       { "erms", 7, 0, CPUID_EBX, 9 },
        { "invpcid", 7, 0, CPUID_EBX, 10 },   { "avx512f", 7, 0, CPUID_EBX, 16 },
        { "rdseed", 7, 0, CPUID_EBX, 18 },    { "adx", 7, 0, CPUID_EBX, 19 },
        { "smap", 7, 0, CPUID_EBX, 20 },      { "clflushopt", 7, 0, CPUID_EBX, 23 },
        { "sha_ni", 7, 0, CPUID_EBX, 29 },    { "avx512vl", 7, 0, CPUID_EBX, 31 },
        { "umip", 7, 0, CPUID_ECX, 2 },       { "pku", 7, 0, CPUID_ECX, 3 },
        { "gfni", 7, 0, CPUID_ECX, 8 },       { "vaes", 7, 0, CPUID_ECX, 9 },
        { "la57", 7, 0, CPUID_ECX, 16 },      { "rdpid", 7, 0, CPUID_ECX, 22 },
        { "fsrm", 7, 0, CPUID_EDX, 4 },       { "serialize", 7, 0, CPUID_EDX, 14 },
        { "avx_vnni", 7, 1, CPUID_EAX, 4 },   { "avx512_bf16", 7, 1, CPUID_EAX, 5 },
        { "xsaveopt", 0xD, 1, CPUID_EAX, 0 }, { "xsavec", 0xD, 1, CPUID_EAX, 1 },
        { "xgetbv1", 0xD, 1, CPUID_EAX, 2 },  { "xsaves", 0xD, 1, CPUID_EAX, 3 },
        { "syscall", 0x80000001, 0, CPUID_EDX, 11 }, { "nx", 0x80000001, 0, CPUID_EDX, 20 },
        { "pdpe1gb", 0x80000001, 0, CPUID_EDX, 26 }, { "rdtscp", 0x80000001, 0, CPUID_EDX, 27 },
        { "lm", 0x80000001, 0, CPUID_EDX, 29 },
        { "lahf_lm", 0x80000001, 0, CPUID_ECX, 0 },  { "svm", 0x80000001, 0, CPUID_ECX, 2 },
        { "abm", 0x80000001, 0, CPUID_ECX, 5 },      { "sse4a", 0x80000001, 0, CPUID_ECX, 6 },
        { "3dnowprefetch", 0x80000001, 0, CPUID_ECX, 8 },
        { "xop", 0x80000001, 0, CPUID_ECX, 11 },     { "fma4", 0x80000001, 0, CPUID_ECX, 16 },
        { "topoext", 0x80000001, 0, CPUID_ECX, 22 },
    };
    for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++) {
        const struct cpuid_feature *f = cpuid_feature_by_name(expected[i].name);
        if (!f)
            fail_msg("%s is unknown", expected[i].name);
        if (f->leaf != expected[i].leaf || f->subleaf != expected[i].subleaf ||
            f->reg != expected[i].reg || f->bit != expected[i].bit)
            fail_msg("%s is leaf 0x%x.%u reg %d bit %u, expected leaf 0x%x.%u reg %d bit %u",
                     f->name, f->leaf, f->subleaf, f->reg, f->bit, expected[i].leaf,
                     expected[i].subleaf, expected[i].reg, expected[i].bit);
        assert_string_equal(f->name, expected[i].name);
    }
}

static void test_unknown_or_partial_feature_names_are_not_found(void **state)
{
    (void)state;
    assert_null(cpuid_feature_by_name("warp_drive"));
    assert_null(cpuid_feature_by_name(""));
    assert_null(cpuid_feature_by_name("avx51"));
    assert_null(cpuid_feature_by_name("avx2 "));
}

#define T(fn) cmocka_unit_test_setup(fn, make_policy)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_init_sets_the_hypervisor_bit),
        T(test_init_clears_the_initial_apic_id_and_keeps_the_rest_of_ebx),
        T(test_init_passes_every_other_leaf_through_unchanged),
        T(test_init_without_leaf_1_changes_nothing),
        T(test_find_respects_the_subleaf_of_significant_index_leaves),
        T(test_hiding_avx2_xsave_popcnt_clears_exactly_those_three_bits),
        T(test_hiding_a_leaf_0xd_1_feature_clears_only_that_subleaf),
        T(test_hiding_an_extended_leaf_feature_clears_its_bit),
        T(test_hiding_a_feature_the_host_lacks_changes_nothing),
        T(test_hiding_the_same_feature_twice_is_harmless),
        T(test_hiding_a_feature_whose_leaf_is_absent_is_not_an_error),
        T(test_hiding_an_unknown_feature_fails_naming_it),
        T(test_hiding_is_case_sensitive_like_proc_cpuinfo),
        T(test_hiding_a_list_with_empty_items_fails),
        T(test_hiding_an_overlong_name_fails_without_overflowing),
        T(test_hiding_an_empty_list_changes_nothing),
        T(test_feature_names_map_to_the_documented_leaf_register_and_bit),
        T(test_unknown_or_partial_feature_names_are_not_found),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
