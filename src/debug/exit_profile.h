/*
 * --exit-profile: where a run's time goes between the guest and wisp.
 * Each vCPU thread counts its exits by reason and by site (port, MMIO
 * address, MSR) with the host time spent on each (from the accelerator's
 * return to the next entry); at the end the counts of every vCPU are
 * merged and printed as two tables, with the time from wisp's start to
 * the first guest instruction. This is the profile that says which exits
 * a boot could lose (bench/boot_profile.py sets it beside QEMU).
 *
 * A guest picks the sites: the table has a fixed size and what does not
 * fit is counted as "other sites", so memory stays bounded.
 */
#ifndef WISP_DEBUG_EXIT_PROFILE_H
#define WISP_DEBUG_EXIT_PROFILE_H

#include <stdint.h>
#include <stdio.h>

#include "accel/accel.h"

#define EXIT_PROFILE_REASONS 16
#define EXIT_PROFILE_SITES 256   /* a power of two: open addressing */

enum exit_site_kind {
    EXIT_SITE_PORT_IN = 1,
    EXIT_SITE_PORT_OUT,
    EXIT_SITE_MMIO_READ,
    EXIT_SITE_MMIO_WRITE,
    EXIT_SITE_MSR_READ,
    EXIT_SITE_MSR_WRITE,
};

struct exit_tally {
    uint64_t count;
    uint64_t host_ns;
};

struct exit_site {
    uint8_t kind;          /* enum exit_site_kind; 0 = free slot */
    uint64_t address;      /* port, guest-physical address or MSR index */
    struct exit_tally tally;
};

struct exit_profile {
    struct exit_tally reasons[EXIT_PROFILE_REASONS];
    struct exit_site sites[EXIT_PROFILE_SITES];
    unsigned sites_used;
    struct exit_tally other_sites;  /* the table was full */
};

void exit_profile_init(struct exit_profile *p);

/* One exit and the host time wisp spent on it. */
void exit_profile_record(struct exit_profile *p, const struct accel_exit *e, uint64_t host_ns);

/* Adds from's counts to into's (another vCPU's). */
void exit_profile_merge(struct exit_profile *into, const struct exit_profile *from);

struct exit_profile_times {
    uint64_t run_ns;             /* from the first guest entry to the end */
    uint64_t first_entry_ns;     /* from wisp's start to the first guest entry */
    unsigned cpus;
    uint64_t queued_port_writes; /* writes that made no exit (uart_write_queue.h) */
};

/* The two tables: by reason, then the top sites by count. */
void exit_profile_print(FILE *out, const struct exit_profile *p,
                        const struct exit_profile_times *times);

#endif
