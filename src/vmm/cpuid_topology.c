/*
 * CPUID's topology leaves for several vCPUs. KVM passes the host's values
 * through KVM_GET_SUPPORTED_CPUID (the host CPU's APIC ID, its package
 * size), and a guest that finds its APIC ID disagreeing with CPUID, or N
 * CPUs in a package CPUID says holds one, complains or miscounts. Each
 * vCPU gets its own copy of the policy with these fields set, as QEMU and
 * Firecracker do. Facts from the Intel SDM (CPUID leaves 1, 4, 0BH, 1FH)
 * and AMD's APM (leaves 8000_0008H, 8000_001EH).
 */
#include "cpuid_policy.h"

#define LEAF1_HTT (1u << 28)
#define LEVEL_TYPE_SMT 1u
#define LEVEL_TYPE_CORE 2u

/* Bits needed for n IDs: ceil(log2(n)). */
static unsigned id_bits(unsigned n)
{
    unsigned bits = 0;
    while ((1u << bits) < n)
        bits++;
    return bits;
}

static void set_extended_topology(struct accel_cpuid *policy, uint32_t leaf, uint32_t apic_id,
                                  unsigned ncpus)
{
    for (uint32_t sub = 0; sub < 8; sub++) {
        struct accel_cpuid_entry *e = cpuid_policy_find(policy, leaf, sub);
        if (!e || (sub > 0 && !(e->flags & ACCEL_CPUID_FLAG_SIGNIFICANT_INDEX)))
            break;
        e->edx = apic_id; /* the x2APIC ID, on every subleaf */
        if (sub == 0) {
            e->eax = 0;                          /* no SMT bits: one thread per core */
            e->ebx = 1;
            e->ecx = LEVEL_TYPE_SMT << 8 | sub;
        } else if (sub == 1) {
            e->eax = id_bits(ncpus);             /* shift to the package ID */
            e->ebx = ncpus;
            e->ecx = LEVEL_TYPE_CORE << 8 | sub;
        } else {
            e->eax = e->ebx = 0;                 /* no further levels */
            e->ecx = sub;
        }
    }
}

void cpuid_policy_set_topology(struct accel_cpuid *policy, uint32_t apic_id, unsigned ncpus)
{
    if (ncpus == 0)
        ncpus = 1;
    unsigned ids = 1u << id_bits(ncpus); /* addressable IDs in the package */
    struct accel_cpuid_entry *e = cpuid_policy_find(policy, 1, 0);
    if (e) {
        e->ebx = (e->ebx & 0x0000FFFFu) | (apic_id & 0xFF) << 24 | (ids & 0xFF) << 16;
        if (ncpus > 1)
            e->edx |= LEAF1_HTT;
        else
            e->edx &= ~LEAF1_HTT;
    }
    /* Leaf 4 (Intel caches): cores per package - 1 in EAX[31:26]. */
    for (uint32_t sub = 0; sub < 8; sub++) {
        e = cpuid_policy_find(policy, 4, sub);
        if (!e || (e->eax & 0x1F) == 0)
            break;
        e->eax = (e->eax & 0x03FFFFFFu) | ((ids - 1) & 0x3F) << 26;
    }
    set_extended_topology(policy, 0xB, apic_id, ncpus);
    set_extended_topology(policy, 0x1F, apic_id, ncpus);
    /* AMD: NC (cores - 1) in ECX[7:0], ApicIdCoreIdSize in ECX[15:12]. */
    e = cpuid_policy_find(policy, 0x80000008, 0);
    if (e)
        e->ecx = (e->ecx & ~0xF0FFu) | (id_bits(ncpus) & 0xF) << 12 | ((ncpus - 1) & 0xFF);
    /* AMD topology extensions: extended APIC ID, core ID, one thread per
     * core, node 0 of one. */
    e = cpuid_policy_find(policy, 0x8000001E, 0);
    if (e) {
        e->eax = apic_id;
        e->ebx = (e->ebx & ~0xFFFFu) | (apic_id & 0xFF);
        e->ecx &= ~0x7FFu;
    }
}
