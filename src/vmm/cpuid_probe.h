/*
 * With -v, wisp checks which CPUID the guest really sees: some KVM hosts
 * (PVM, where guest ring 0 is emulated) show the host's CPUID whatever
 * KVM_SET_CPUID2 says. A few instructions placed in free boot memory run
 * CPUID in the guest before the kernel, store the results and signal wisp
 * with an `out`; wisp compares them with the policy and enters the kernel.
 */
#ifndef WISP_CPUID_PROBE_H
#define WISP_CPUID_PROBE_H

#include <stdint.h>
#include <stdio.h>

#include "accel/accel.h"
#include "core/guest_memory.h"

#define CPUID_PROBE_CODE_ADDR   0xC000ull /* free RAM below the boot info */
#define CPUID_PROBE_RESULT_ADDR 0xC800ull
#define CPUID_PROBE_PORT        0xE5      /* only while the probe runs */

/* Writes the probe into guest memory; returns its entry address. */
uint64_t cpuid_probe_install(struct guest_memory *gm);

/* Reads the results, prints the difference from policy to out, and wipes
 * the probe so the kernel finds the memory as the memory map says. */
void cpuid_probe_report(struct guest_memory *gm, const struct accel_cpuid *policy, FILE *out);

/* The machine code, exposed for tests: returns its length. */
size_t cpuid_probe_encode(uint8_t *code, size_t max, uint64_t results);

#endif
