/* Where each CPU was when a run was cut short (--timeout, a signal): a
 * guest that stops making progress (one CPU deaf to interrupts, a task
 * that never runs) should say how, not only that it timed out. */
#ifndef WISP_CPU_STATUS_REPORT_H
#define WISP_CPU_STATUS_REPORT_H

#include <stdio.h>

struct vm;

/* One line per CPU: what it was doing (running, halted, waiting for its
 * start), RIP and interrupt flag, and its LAPIC (vectors in service and
 * requested, task priority, timer) and the instruction bytes at RIP.
 * Call once no vCPU thread runs. */
void cpu_status_report(FILE *out, struct vm *vm, const char *when);

#endif
