#include "exit_profile.h"

#include <inttypes.h>
#include <stdbool.h>
#include <string.h>

#define TOP_SITES 10

/* Every reason the portable exit record has, in table order. */
static const enum accel_exit_reason reason_order[EXIT_PROFILE_REASONS] = {
    ACCEL_EXIT_NONE,
    ACCEL_EXIT_MEMORY_ACCESS,
    ACCEL_EXIT_IO_PORT_ACCESS,
    ACCEL_EXIT_UNRECOVERABLE_EXCEPTION,
    ACCEL_EXIT_INVALID_VP_REGISTER_VALUE,
    ACCEL_EXIT_UNSUPPORTED_FEATURE,
    ACCEL_EXIT_INTERRUPT_WINDOW,
    ACCEL_EXIT_HALT,
    ACCEL_EXIT_APIC_EOI,
    ACCEL_EXIT_MSR_ACCESS,
    ACCEL_EXIT_CPUID,
    ACCEL_EXIT_EXCEPTION,
    ACCEL_EXIT_RDTSC,
    ACCEL_EXIT_HYPERCALL,
    ACCEL_EXIT_CANCELED,
    ACCEL_EXIT_NONE, /* the last slot holds reasons this table does not know */
};
#define UNKNOWN_REASON (EXIT_PROFILE_REASONS - 1)

static unsigned reason_slot(enum accel_exit_reason reason)
{
    for (unsigned i = 0; i < UNKNOWN_REASON; i++)
        if (reason_order[i] == reason)
            return i;
    return UNKNOWN_REASON;
}

static void tally_add(struct exit_tally *t, uint64_t count, uint64_t ns)
{
    t->count += count;
    t->host_ns += ns;
}

void exit_profile_init(struct exit_profile *p)
{
    memset(p, 0, sizeof *p);
}

static void site_add(struct exit_profile *p, uint8_t kind, uint64_t address, uint64_t count,
                     uint64_t ns)
{
    /* Open addressing on (kind, address); a full table counts the rest. */
    uint64_t h = (address * 0x9E3779B97F4A7C15ull) ^ ((uint64_t)kind << 59);
    unsigned mask = EXIT_PROFILE_SITES - 1;
    for (unsigned probe = 0; probe < EXIT_PROFILE_SITES; probe++) {
        struct exit_site *s = &p->sites[((unsigned)(h >> 40) + probe) & mask];
        if (s->kind == kind && s->address == address) {
            tally_add(&s->tally, count, ns);
            return;
        }
        if (s->kind == 0) {
            if (p->sites_used * 4 >= EXIT_PROFILE_SITES * 3)
                break; /* keep probes short: three quarters full is full */
            s->kind = kind;
            s->address = address;
            tally_add(&s->tally, count, ns);
            p->sites_used++;
            return;
        }
    }
    tally_add(&p->other_sites, count, ns);
}

void exit_profile_record(struct exit_profile *p, const struct accel_exit *e, uint64_t host_ns)
{
    tally_add(&p->reasons[reason_slot(e->reason)], 1, host_ns);
    switch (e->reason) {
    case ACCEL_EXIT_IO_PORT_ACCESS:
        site_add(p, e->u.io.is_write ? EXIT_SITE_PORT_OUT : EXIT_SITE_PORT_IN, e->u.io.port, 1,
                 host_ns);
        break;
    case ACCEL_EXIT_MEMORY_ACCESS:
        site_add(p, e->u.memory.access == ACCEL_ACCESS_WRITE ? EXIT_SITE_MMIO_WRITE
                                                              : EXIT_SITE_MMIO_READ,
                 e->u.memory.gpa, 1, host_ns);
        break;
    case ACCEL_EXIT_MSR_ACCESS:
        site_add(p, e->u.msr.is_write ? EXIT_SITE_MSR_WRITE : EXIT_SITE_MSR_READ, e->u.msr.index,
                 1, host_ns);
        break;
    default:
        break;
    }
}

void exit_profile_merge(struct exit_profile *into, const struct exit_profile *from)
{
    for (unsigned i = 0; i < EXIT_PROFILE_REASONS; i++)
        tally_add(&into->reasons[i], from->reasons[i].count, from->reasons[i].host_ns);
    for (unsigned i = 0; i < EXIT_PROFILE_SITES; i++) {
        const struct exit_site *s = &from->sites[i];
        if (s->kind)
            site_add(into, s->kind, s->address, s->tally.count, s->tally.host_ns);
    }
    tally_add(&into->other_sites, from->other_sites.count, from->other_sites.host_ns);
}

static const char *site_kind_name(uint8_t kind)
{
    switch (kind) {
    case EXIT_SITE_PORT_IN: return "port in";
    case EXIT_SITE_PORT_OUT: return "port out";
    case EXIT_SITE_MMIO_READ: return "mmio read";
    case EXIT_SITE_MMIO_WRITE: return "mmio write";
    case EXIT_SITE_MSR_READ: return "msr read";
    case EXIT_SITE_MSR_WRITE: return "msr write";
    }
    return "?";
}

/* Whether site a goes before site b: more exits first, then by kind and
 * address, so the order is the same on every run. */
static bool ranks_before(const struct exit_site *a, const struct exit_site *b)
{
    if (a->tally.count != b->tally.count)
        return a->tally.count > b->tally.count;
    if (a->kind != b->kind)
        return a->kind < b->kind;
    return a->address < b->address;
}

static double ms(uint64_t ns)
{
    return (double)ns / 1e6;
}

void exit_profile_print(FILE *out, const struct exit_profile *p,
                        const struct exit_profile_times *times)
{
    uint64_t exits = 0, host_ns = 0;
    for (unsigned i = 0; i < EXIT_PROFILE_REASONS; i++) {
        exits += p->reasons[i].count;
        host_ns += p->reasons[i].host_ns;
    }
    fprintf(out, "wisp: exit profile: %" PRIu64 " exits on %u vCPU%s; %.1f ms from wisp's start "
                 "to the first guest instruction, %.1f ms from there to the end, %.1f ms of it "
                 "in wisp handling exits (summed over vCPUs)\n",
            exits, times->cpus, times->cpus == 1 ? "" : "s", ms(times->first_entry_ns),
            ms(times->run_ns), ms(host_ns));
    if (times->queued_port_writes)
        fprintf(out, "wisp: %" PRIu64 " writes to COM1's transmit register were queued without "
                     "an exit (not counted above)\n", times->queued_port_writes);
    fprintf(out, "wisp:   %-24s %10s %10s %9s\n", "exit reason", "count", "wisp ms", "us/exit");
    for (unsigned i = 0; i < EXIT_PROFILE_REASONS; i++) {
        const struct exit_tally *t = &p->reasons[i];
        if (!t->count)
            continue;
        const char *name = i == UNKNOWN_REASON ? "other" : accel_exit_reason_name(reason_order[i]);
        fprintf(out, "wisp:   %-24s %10" PRIu64 " %10.1f %9.1f\n", name, t->count,
                ms(t->host_ns), (double)t->host_ns / 1e3 / (double)t->count);
    }

    /* The busiest few, by insertion into a short list: no qsort, which
     * asks the kernel for the machine's memory size (sysinfo) on big
     * arrays, a call the sandbox does not allow at the end of a run. */
    struct exit_site top[TOP_SITES];
    unsigned n = 0;
    for (unsigned i = 0; i < EXIT_PROFILE_SITES; i++) {
        const struct exit_site *s = &p->sites[i];
        if (!s->kind || (n == TOP_SITES && !ranks_before(s, &top[n - 1])))
            continue;
        unsigned at = n < TOP_SITES ? n++ : n - 1;
        while (at > 0 && ranks_before(s, &top[at - 1])) {
            top[at] = top[at - 1];
            at--;
        }
        top[at] = *s;
    }
    if (n == 0)
        return;
    fprintf(out, "wisp:   %-24s %10s %10s %9s\n", "top sites", "count", "wisp ms", "us/exit");
    for (unsigned i = 0; i < n; i++) {
        char where[40];
        snprintf(where, sizeof where, "%s 0x%" PRIx64, site_kind_name(top[i].kind),
                 top[i].address);
        fprintf(out, "wisp:   %-24s %10" PRIu64 " %10.1f %9.1f\n", where, top[i].tally.count,
                ms(top[i].tally.host_ns),
                (double)top[i].tally.host_ns / 1e3 / (double)top[i].tally.count);
    }
    if (p->other_sites.count)
        fprintf(out, "wisp:   %-24s %10" PRIu64 " %10.1f\n", "(sites beyond the table)",
                p->other_sites.count, ms(p->other_sites.host_ns));
}
