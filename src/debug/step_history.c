#include "step_history.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

int step_history_init(struct step_history *h, unsigned capacity)
{
    memset(h, 0, sizeof *h);
    if (capacity == 0 || capacity > STEP_HISTORY_MAX)
        return -1;
    h->records = calloc(capacity, sizeof *h->records);
    if (!h->records)
        return -1;
    h->capacity = capacity;
    return 0;
}

void step_history_free(struct step_history *h)
{
    free(h->records);
    memset(h, 0, sizeof *h);
}

void step_history_record(struct step_history *h, const struct step_record *r)
{
    if (!h->records)
        return;
    h->records[h->next] = *r;
    h->next = (h->next + 1) % h->capacity;
    h->count++;
}

const struct step_record *step_history_last(const struct step_history *h)
{
    if (!h->records || h->count == 0)
        return NULL;
    return &h->records[(h->next + h->capacity - 1) % h->capacity];
}

void step_history_print(FILE *out, const struct step_history *h, const char *heading)
{
    if (!h->records || h->count == 0) {
        fprintf(out, "wisp: %s: no instruction was stepped\n", heading);
        return;
    }
    unsigned kept = h->count < h->capacity ? (unsigned)h->count : h->capacity;
    unsigned at = (h->next + h->capacity - kept) % h->capacity;
    fprintf(out, "wisp: %s, the last %u of %" PRIu64 " stepped, oldest first "
                 "(RIP of the next instruction after each step):\n", heading, kept, h->count);
    const struct step_record *prev = NULL;
    for (unsigned i = 0; i < kept; i++, at = (at + 1) % h->capacity) {
        const struct step_record *r = &h->records[at];
        char note[128] = "";
        if (prev && prev->cr_known && r->cr_known) {
            /* Only a page fault (or the kernel's own mov to CR2) writes
             * CR2: the instruction before took a #PF. */
            if (r->cr2 != prev->cr2)
                snprintf(note, sizeof note, "  <- CR2 became 0x%" PRIx64
                         ": a page fault at the instruction before", r->cr2);
            else if (r->cr3 != prev->cr3)
                snprintf(note, sizeof note, "  <- CR3 became 0x%" PRIx64, r->cr3);
        }
        fprintf(out, "  %s0x%016" PRIx64 "%s\n", i + 1 == kept ? "last " : "     ", r->rip, note);
        prev = r;
    }
}
