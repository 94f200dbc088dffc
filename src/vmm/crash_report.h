/* What wisp prints when a guest dies: registers and the faulting bytes. */
#ifndef WISP_CRASH_REPORT_H
#define WISP_CRASH_REPORT_H

#include <stdio.h>

#include "accel/accel.h"
#include "core/guest_memory.h"

void crash_report_registers(FILE *out, struct accel_vcpu *vcpu);

/* Up to max instruction bytes at CS:rip of the vCPU; returns how many. */
unsigned crash_report_code_bytes(struct accel_vcpu *vcpu, const struct guest_memory *memory,
                                 uint64_t rip, uint8_t *bytes, unsigned max);

/* "0f 01 ca" into buf. */
void crash_report_format_bytes(const uint8_t *bytes, unsigned n, char *buf, size_t size);

#endif
