/*
 * The CPUID a guest is offered: the host's supported leaves passed through,
 * minus features the user hides by their /proc/cpuinfo names (as
 * Firecracker's CPU templates and QEMU's -cpu ...,-feature do).
 */
#ifndef WISP_CPUID_POLICY_H
#define WISP_CPUID_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "accel/accel.h"

enum cpuid_register { CPUID_EAX, CPUID_EBX, CPUID_ECX, CPUID_EDX };

struct cpuid_feature {
    const char *name;     /* as in /proc/cpuinfo */
    uint32_t leaf, subleaf;
    enum cpuid_register reg;
    uint8_t bit;
};

/* The features wisp can name, for iteration. */
size_t cpuid_feature_count(void);
const struct cpuid_feature *cpuid_feature_at(size_t i);

/* NULL when the name is unknown. */
const struct cpuid_feature *cpuid_feature_by_name(const char *name);

/* Turns the host's supported CPUID into wisp's base policy (hypervisor bit
 * set, APIC ID 0). */
void cpuid_policy_init(struct accel_cpuid *policy, const struct accel_cpuid *supported);

/* Hides a comma-separated list of features. Unknown names fail, naming the
 * offender. */
int cpuid_policy_hide(struct accel_cpuid *policy, const char *features, struct wisp_error *err);

struct accel_cpuid_entry *cpuid_policy_find(struct accel_cpuid *policy, uint32_t leaf,
                                            uint32_t subleaf);

bool cpuid_policy_has(const struct accel_cpuid *policy, const struct cpuid_feature *feature);

/* cpuid_topology.c: one CPU's view of an ncpus machine (one package, one
 * core per CPU, one thread per core, APIC IDs 0..ncpus-1): its APIC ID in
 * leaf 1 EBX[31:24], leaves 0xB and 0x1F EDX and 0x8000001E EAX, and the
 * package's size in leaf 1 (EBX[23:16], HTT), leaf 4 (EAX[31:26]), leaves
 * 0xB/0x1F (SMT and core levels) and 0x80000008 ECX (NC, ApicIdSize).
 * Only leaves the policy has are changed. */
void cpuid_policy_set_topology(struct accel_cpuid *policy, uint32_t apic_id, unsigned ncpus);

#endif
