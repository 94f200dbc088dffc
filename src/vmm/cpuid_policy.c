#include "cpuid_policy.h"

#include <stdio.h>
#include <string.h>

#define F(n, l, s, r, b) { n, l, s, CPUID_##r, b }
static const struct cpuid_feature features[] = {
    /* leaf 1 EDX */
    F("fpu", 1, 0, EDX, 0), F("vme", 1, 0, EDX, 1), F("de", 1, 0, EDX, 2), F("pse", 1, 0, EDX, 3),
    F("tsc", 1, 0, EDX, 4), F("msr", 1, 0, EDX, 5), F("pae", 1, 0, EDX, 6), F("mce", 1, 0, EDX, 7),
    F("cx8", 1, 0, EDX, 8), F("apic", 1, 0, EDX, 9), F("sep", 1, 0, EDX, 11), F("mtrr", 1, 0, EDX, 12),
    F("pge", 1, 0, EDX, 13), F("mca", 1, 0, EDX, 14), F("cmov", 1, 0, EDX, 15), F("pat", 1, 0, EDX, 16),
    F("pse36", 1, 0, EDX, 17), F("clflush", 1, 0, EDX, 19), F("mmx", 1, 0, EDX, 23),
    F("fxsr", 1, 0, EDX, 24), F("sse", 1, 0, EDX, 25), F("sse2", 1, 0, EDX, 26), F("ss", 1, 0, EDX, 27),
    F("ht", 1, 0, EDX, 28),
    /* leaf 1 ECX */
    F("pni", 1, 0, ECX, 0), F("pclmulqdq", 1, 0, ECX, 1), F("monitor", 1, 0, ECX, 3),
    F("vmx", 1, 0, ECX, 5), F("ssse3", 1, 0, ECX, 9), F("fma", 1, 0, ECX, 12), F("cx16", 1, 0, ECX, 13),
    F("pdcm", 1, 0, ECX, 15), F("pcid", 1, 0, ECX, 17), F("sse4_1", 1, 0, ECX, 19),
    F("sse4_2", 1, 0, ECX, 20), F("x2apic", 1, 0, ECX, 21), F("movbe", 1, 0, ECX, 22),
    F("popcnt", 1, 0, ECX, 23), F("tsc_deadline_timer", 1, 0, ECX, 24), F("aes", 1, 0, ECX, 25),
    F("xsave", 1, 0, ECX, 26), F("avx", 1, 0, ECX, 28), F("f16c", 1, 0, ECX, 29),
    F("rdrand", 1, 0, ECX, 30), F("hypervisor", 1, 0, ECX, 31),
    /* leaf 7.0 EBX */
    F("fsgsbase", 7, 0, EBX, 0), F("tsc_adjust", 7, 0, EBX, 1), F("bmi1", 7, 0, EBX, 3),
    F("hle", 7, 0, EBX, 4), F("avx2", 7, 0, EBX, 5), F("smep", 7, 0, EBX, 7), F("bmi2", 7, 0, EBX, 8),
    F("erms", 7, 0, EBX, 9), F("invpcid", 7, 0, EBX, 10), F("rtm", 7, 0, EBX, 11),
    F("avx512f", 7, 0, EBX, 16), F("avx512dq", 7, 0, EBX, 17), F("rdseed", 7, 0, EBX, 18),
    F("adx", 7, 0, EBX, 19), F("smap", 7, 0, EBX, 20), F("avx512ifma", 7, 0, EBX, 21),
    F("clflushopt", 7, 0, EBX, 23), F("clwb", 7, 0, EBX, 24), F("avx512cd", 7, 0, EBX, 28),
    F("sha_ni", 7, 0, EBX, 29), F("avx512bw", 7, 0, EBX, 30), F("avx512vl", 7, 0, EBX, 31),
    /* leaf 7.0 ECX */
    F("avx512vbmi", 7, 0, ECX, 1), F("umip", 7, 0, ECX, 2), F("pku", 7, 0, ECX, 3),
    F("waitpkg", 7, 0, ECX, 5), F("avx512_vbmi2", 7, 0, ECX, 6), F("gfni", 7, 0, ECX, 8),
    F("vaes", 7, 0, ECX, 9), F("vpclmulqdq", 7, 0, ECX, 10), F("avx512_vnni", 7, 0, ECX, 11),
    F("avx512_bitalg", 7, 0, ECX, 12), F("avx512_vpopcntdq", 7, 0, ECX, 14), F("la57", 7, 0, ECX, 16),
    F("rdpid", 7, 0, ECX, 22), F("movdiri", 7, 0, ECX, 27), F("movdir64b", 7, 0, ECX, 28),
    /* leaf 7.0 EDX */
    F("fsrm", 7, 0, EDX, 4), F("avx512_vp2intersect", 7, 0, EDX, 8), F("serialize", 7, 0, EDX, 14),
    /* leaf 7.1 EAX */
    F("avx_vnni", 7, 1, EAX, 4), F("avx512_bf16", 7, 1, EAX, 5),
    /* leaf 0xD.1 EAX */
    F("xsaveopt", 0xD, 1, EAX, 0), F("xsavec", 0xD, 1, EAX, 1), F("xgetbv1", 0xD, 1, EAX, 2),
    F("xsaves", 0xD, 1, EAX, 3),
    /* leaf 0x80000001 EDX */
    F("syscall", 0x80000001, 0, EDX, 11), F("nx", 0x80000001, 0, EDX, 20),
    F("mmxext", 0x80000001, 0, EDX, 22), F("fxsr_opt", 0x80000001, 0, EDX, 25),
    F("pdpe1gb", 0x80000001, 0, EDX, 26), F("rdtscp", 0x80000001, 0, EDX, 27),
    F("lm", 0x80000001, 0, EDX, 29),
    /* leaf 0x80000001 ECX */
    F("lahf_lm", 0x80000001, 0, ECX, 0), F("cmp_legacy", 0x80000001, 0, ECX, 1),
    F("svm", 0x80000001, 0, ECX, 2), F("extapic", 0x80000001, 0, ECX, 3),
    F("cr8_legacy", 0x80000001, 0, ECX, 4), F("abm", 0x80000001, 0, ECX, 5),
    F("sse4a", 0x80000001, 0, ECX, 6), F("misalignsse", 0x80000001, 0, ECX, 7),
    F("3dnowprefetch", 0x80000001, 0, ECX, 8), F("osvw", 0x80000001, 0, ECX, 9),
    F("xop", 0x80000001, 0, ECX, 11), F("fma4", 0x80000001, 0, ECX, 16),
    F("tbm", 0x80000001, 0, ECX, 21), F("topoext", 0x80000001, 0, ECX, 22),
};
#undef F

size_t cpuid_feature_count(void)
{
    return sizeof features / sizeof features[0];
}

const struct cpuid_feature *cpuid_feature_at(size_t i)
{
    return i < cpuid_feature_count() ? &features[i] : NULL;
}

const struct cpuid_feature *cpuid_feature_by_name(const char *name)
{
    for (size_t i = 0; i < sizeof features / sizeof features[0]; i++)
        if (strcmp(features[i].name, name) == 0)
            return &features[i];
    return NULL;
}

static uint32_t *entry_register(struct accel_cpuid_entry *e, enum cpuid_register reg)
{
    switch (reg) {
    case CPUID_EAX: return &e->eax;
    case CPUID_EBX: return &e->ebx;
    case CPUID_ECX: return &e->ecx;
    case CPUID_EDX: return &e->edx;
    }
    return &e->eax;
}

struct accel_cpuid_entry *cpuid_policy_find(struct accel_cpuid *policy, uint32_t leaf,
                                            uint32_t subleaf)
{
    for (unsigned i = 0; i < policy->count; i++) {
        struct accel_cpuid_entry *e = &policy->entries[i];
        if (e->function == leaf &&
            (!(e->flags & ACCEL_CPUID_FLAG_SIGNIFICANT_INDEX) || e->index == subleaf))
            return e;
    }
    return NULL;
}

bool cpuid_policy_has(const struct accel_cpuid *policy, const struct cpuid_feature *feature)
{
    struct accel_cpuid_entry *e =
        cpuid_policy_find((struct accel_cpuid *)policy, feature->leaf, feature->subleaf);
    return e && (*entry_register(e, feature->reg) >> feature->bit & 1u);
}

void cpuid_policy_init(struct accel_cpuid *policy, const struct accel_cpuid *supported)
{
    *policy = *supported;
    struct accel_cpuid_entry *leaf1 = cpuid_policy_find(policy, 1, 0);
    if (leaf1) {
        leaf1->ecx |= 1u << 31;     /* running under a hypervisor */
        leaf1->ebx &= 0x00FFFFFFu;  /* initial APIC ID 0 */
    }
}

int cpuid_policy_hide(struct accel_cpuid *policy, const char *list, struct wisp_error *err)
{
    char name[64];
    const char *p = list;
    while (*p) {
        size_t n = strcspn(p, ",");
        if (n == 0 || n >= sizeof name)
            return wisp_fail(err, WISP_EXIT_USAGE, "--cpu-hide: bad feature list '%s'", list);
        memcpy(name, p, n);
        name[n] = '\0';
        const struct cpuid_feature *f = cpuid_feature_by_name(name);
        if (!f)
            return wisp_fail(err, WISP_EXIT_USAGE,
                             "--cpu-hide: unknown CPU feature '%s' (use /proc/cpuinfo names, e.g. avx2,xsave)",
                             name);
        struct accel_cpuid_entry *e = cpuid_policy_find(policy, f->leaf, f->subleaf);
        if (e)
            *entry_register(e, f->reg) &= ~(1u << f->bit);
        p += n;
        if (*p == ',')
            p++;
    }
    return 0;
}
