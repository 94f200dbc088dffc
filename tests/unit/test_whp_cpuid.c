/*
 * wisp's CPUID policy on WHP (winhv_translate.c): the host's CPUID
 * enumerated as the "supported" base, the policy built from it by the same
 * cpuid_policy.c as on KVM, and the answers to CPUID exits: WHP's default
 * result with exactly the bits the policy changed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "accel/winhv_translate.h"
#include "vmm/cpuid_policy.h"

/* ---- a fake CPU ---- */

struct fake_leaf {
    uint32_t leaf, subleaf;
    uint32_t r[4];
};

/* An Intel-like CPU: 7 has subleaves 0..1, 4 has three caches, 0xB two
 * topology levels, 0xD components 0, 1, 2 (AVX) plus subleaf 1. */
static const struct fake_leaf cpu[] = {
    { 0x0, 0, { 0xD, 0x756E6547, 0x6C65746E, 0x49656E69 } },
    { 0x1, 0, { 0x000906EA, 0x05100800, 0x7FFAFBBF, 0xBFEBFBFF } }, /* APIC ID 5 */
    { 0x4, 0, { 0x1C004121, 0x01C0003F, 0x3F, 0 } },
    { 0x4, 1, { 0x1C004122, 0x01C0003F, 0x3F, 0 } },
    { 0x4, 2, { 0x1C004143, 0x03C0003F, 0x3FF, 0 } },
    { 0x4, 3, { 0, 0, 0, 0 } },
    { 0x7, 0, { 0x1, 0x029C6FBF, 0x40000000, 0xBC000400 } },
    { 0x7, 1, { 0x00000030, 0, 0, 0 } },
    { 0xB, 0, { 0x1, 0x2, 0x100, 0x5 } },
    { 0xB, 1, { 0x4, 0xC, 0x201, 0x5 } },
    { 0xB, 2, { 0, 0, 0x2, 0x5 } },
    { 0xD, 0, { 0x7, 0x340, 0x340, 0 } },
    { 0xD, 1, { 0xF, 0, 0, 0 } },
    { 0xD, 2, { 0x100, 0x240, 0, 0 } },
    { 0x80000000, 0, { 0x80000008, 0, 0, 0 } },
    { 0x80000001, 0, { 0, 0, 0x121, 0x2C100800 } },
    { 0x80000008, 0, { 0x3027, 0, 0, 0 } },
};

static unsigned calls;

static void fake_cpuid(void *opaque, uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
    (void)opaque;
    calls++;
    memset(out, 0, 4 * sizeof *out);
    for (size_t i = 0; i < sizeof cpu / sizeof cpu[0]; i++)
        if (cpu[i].leaf == leaf && cpu[i].subleaf == subleaf) {
            memcpy(out, cpu[i].r, sizeof cpu[i].r);
            return;
        }
}

static const struct accel_cpuid_entry *find(const struct accel_cpuid *c, uint32_t leaf,
                                            uint32_t subleaf)
{
    for (unsigned i = 0; i < c->count; i++)
        if (c->entries[i].function == leaf && c->entries[i].index == subleaf)
            return &c->entries[i];
    return NULL;
}

static void test_enumerate(void **state)
{
    (void)state;
    static struct accel_cpuid c;
    calls = 0;
    winhv_enumerate_cpuid(fake_cpuid, NULL, &c);
    /* 0..0xD: 14 leaves, 4 with extra subleaves: 4 (+2), 7 (+1), 0xB (+1),
     * 0xD (+2); 0x80000000..0x80000008: 9 leaves. */
    assert_int_equal(c.count, 14 + 6 + 9);
    const struct accel_cpuid_entry *e = find(&c, 0x1, 0);
    assert_non_null(e);
    assert_int_equal(e->flags, 0);
    assert_int_equal(e->ebx, 0x05100800);
    e = find(&c, 0x7, 1);
    assert_non_null(e);
    assert_int_equal(e->flags, ACCEL_CPUID_FLAG_SIGNIFICANT_INDEX);
    assert_int_equal(e->eax, 0x30);
    assert_null(find(&c, 0x7, 2));
    assert_non_null(find(&c, 0x4, 2));
    assert_null(find(&c, 0x4, 3)); /* cache type 0 ends the list */
    assert_non_null(find(&c, 0xB, 1));
    assert_null(find(&c, 0xB, 2)); /* level type 0 ends the list */
    assert_non_null(find(&c, 0xD, 2));
    assert_null(find(&c, 0xD, 3));
    e = find(&c, 0x80000001, 0);
    assert_non_null(e);
    assert_int_equal(e->edx, 0x2C100800);
    assert_true(calls < 100);
}

/* Every leaf and subleaf all ones: maximum leaves 0xFFFFFFFF, endless
 * cache and topology lists, every XSAVE component. */
static void greedy_cpuid(void *opaque, uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
    (void)opaque;
    (void)leaf;
    (void)subleaf;
    calls++;
    out[0] = out[1] = out[2] = out[3] = 0xFFFFFFFF;
}

static void test_enumerate_bounded(void **state)
{
    (void)state;
    /* A CPU claiming absurd maxima must not run the enumeration away. */
    static struct accel_cpuid c;
    calls = 0;
    winhv_enumerate_cpuid(greedy_cpuid, NULL, &c);
    assert_int_equal(c.count, ACCEL_CPUID_MAX_ENTRIES);
    assert_true(calls < 20000);
    for (unsigned i = 0; i < c.count; i++) {
        uint32_t f = c.entries[i].function;
        assert_true(f <= 0x3F || (f >= 0x80000000u && f <= 0x8000003Fu));
        assert_true(c.entries[i].index < 64);
    }
}

/* ---- the policy on top of WHP's defaults ---- */

static struct accel_cpuid supported, policy;

static int setup_policy(void **state)
{
    (void)state;
    winhv_enumerate_cpuid(fake_cpuid, NULL, &supported);
    cpuid_policy_init(&policy, &supported);
    return 0;
}

static void answer(uint32_t leaf, uint32_t subleaf, const uint32_t dflt[4], uint32_t out[4])
{
    winhv_cpuid_answer(&policy, &supported, leaf, subleaf, dflt, out);
}

static void test_unchanged_leaves_keep_whp_defaults(void **state)
{
    (void)state;
    const uint32_t dflt[4] = { 0x11, 0x22, 0x33, 0x44 };
    uint32_t out[4];
    answer(0x7, 0, dflt, out); /* policy equals supported here */
    assert_memory_equal(out, dflt, sizeof dflt);
    answer(0x40000000, 0, dflt, out); /* not in the policy at all */
    assert_memory_equal(out, dflt, sizeof dflt);
    uint32_t leaves[16];
    unsigned n = winhv_cpuid_exit_leaves(&policy, &supported, leaves, 16);
    assert_int_equal(n, 1); /* only leaf 1 changed: APIC ID 5 -> 0 */
    assert_int_equal(leaves[0], 0x1);
}

static void test_leaf1_policy_changes_applied(void **state)
{
    (void)state;
    /* WHP's own leaf 1: APIC ID 0 already, hypervisor bit set, OSXSAVE
     * (bit 27) as the guest's CR4 has it right now. */
    const uint32_t dflt[4] = { 0x000906EA, 0x00010800, 0xF7FA3203 | (1u << 27), 0x1F8BFBFF };
    uint32_t out[4];
    answer(0x1, 0, dflt, out);
    assert_int_equal(out[0], dflt[0]);
    assert_int_equal(out[1] >> 24, 0);            /* APIC ID forced to 0 */
    assert_int_equal(out[1] & 0xFFFFFF, dflt[1] & 0xFFFFFF);
    assert_true(out[2] & (1u << 31));             /* hypervisor */
    assert_true(out[2] & (1u << 27));             /* OSXSAVE left to WHP */
    assert_int_equal(out[3], dflt[3]);
}

static void test_hidden_features(void **state)
{
    (void)state;
    struct wisp_error err = { 0 };
    assert_int_equal(cpuid_policy_hide(&policy, "avx2,xsave,avx_vnni,syscall", &err), 0);

    uint32_t leaves[16];
    unsigned n = winhv_cpuid_exit_leaves(&policy, &supported, leaves, 16);
    assert_int_equal(n, 3);
    assert_int_equal(leaves[0], 0x1);
    assert_int_equal(leaves[1], 0x7);
    assert_int_equal(leaves[2], 0x80000001);

    const uint32_t all[4] = { 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF };
    uint32_t out[4];
    answer(0x7, 0, all, out);
    assert_int_equal(out[1], ~(1u << 5));         /* avx2 hidden */
    assert_int_equal(out[0], 0xFFFFFFFF);
    assert_int_equal(out[2], 0xFFFFFFFF);
    answer(0x7, 1, all, out);
    assert_int_equal(out[0], ~(1u << 4));         /* avx_vnni hidden */
    assert_int_equal(out[1], 0xFFFFFFFF);
    answer(0x7, 2, all, out);                     /* a subleaf the policy lacks */
    assert_memory_equal(out, all, sizeof all);
    answer(0x1, 0, all, out);
    assert_int_equal(out[2], ~(1u << 26));        /* xsave hidden, the rest WHP's */
    answer(0x80000001, 0, all, out);
    assert_int_equal(out[3], ~(1u << 11));        /* syscall hidden */

    /* A bit WHP itself clears stays clear: the policy only takes away. */
    const uint32_t none[4] = { 0, 0, 0, 0 };
    answer(0x7, 0, none, out);
    assert_int_equal(out[1], 0);
}

static void test_without_supported_base(void **state)
{
    (void)state;
    /* Without a base the policy's entries are the answer. */
    const uint32_t dflt[4] = { 1, 2, 3, 4 };
    uint32_t out[4];
    winhv_cpuid_answer(&policy, NULL, 0x80000008, 0, dflt, out);
    assert_int_equal(out[0], 0x3027);
    assert_int_equal(out[1], 0);
    uint32_t leaves[64];
    unsigned n = winhv_cpuid_exit_leaves(&policy, NULL, leaves, 64);
    assert_int_equal(n, 14 + 9); /* every function once */
    for (unsigned i = 1; i < n; i++)
        assert_true(leaves[i - 1] < leaves[i]);
    assert_int_equal(winhv_cpuid_exit_leaves(&policy, NULL, leaves, 4), 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_enumerate),
        cmocka_unit_test(test_enumerate_bounded),
        cmocka_unit_test_setup(test_unchanged_leaves_keep_whp_defaults, setup_policy),
        cmocka_unit_test_setup(test_leaf1_policy_changes_applied, setup_policy),
        cmocka_unit_test_setup(test_hidden_features, setup_policy),
        cmocka_unit_test_setup(test_without_supported_base, setup_policy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
