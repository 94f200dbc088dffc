/*
 * --step-history N: the last N instructions a vCPU started, recorded by
 * single-stepping it (one exit per instruction: slow, for a kernel that
 * crashes early). KVM hands user space no exception short of a triple
 * fault; stepping shows where the guest was, and a CR2 that changed
 * between two steps shows the page fault that the earlier one took.
 * Pure bookkeeping and formatting; the stepping is in src/vmm/vcpu_run.c.
 */
#ifndef WISP_DEBUG_STEP_HISTORY_H
#define WISP_DEBUG_STEP_HISTORY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define STEP_HISTORY_MAX 4096u /* the most --step-history keeps */

struct step_record {
    uint64_t rip;          /* the next instruction, when the step ended */
    uint64_t cr2, cr3;
    bool cr_known;         /* cr2/cr3 read at this step */
};

struct step_history {
    unsigned capacity;     /* 1..STEP_HISTORY_MAX */
    unsigned next;         /* where the next record goes */
    uint64_t count;        /* records ever made */
    struct step_record *records;
};

/* capacity records, on the heap; -1 when out of memory or capacity is
 * 0 or above STEP_HISTORY_MAX. */
int step_history_init(struct step_history *h, unsigned capacity);
void step_history_free(struct step_history *h);

void step_history_record(struct step_history *h, const struct step_record *r);

/* The newest record, or NULL when none was made. */
const struct step_record *step_history_last(const struct step_history *h);

/* The records oldest first, one line each, "  rip 0x..." and a note
 * where CR2 or CR3 changed; heading names the CPU. */
void step_history_print(FILE *out, const struct step_history *h, const char *heading);

#endif
