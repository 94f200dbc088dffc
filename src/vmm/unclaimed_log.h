/*
 * Accesses nothing answers: a port no device claims, guest-physical memory
 * that is neither RAM nor a device. Silently reading 0xFF is right for the
 * guest but hides a kernel developer's bug (a wrong port, a pointer into
 * nowhere), so the first access to each port and to each unbacked page is
 * reported once with the RIP that made it, and the counts at exit; -v
 * still logs every access. Reports stop after UNCLAIMED_REPORT_MAX lines
 * (a guest probing hundreds of ports gets counted, not echoed).
 *
 * Not thread-safe: call with the VM's device lock held.
 */
#ifndef WISP_VMM_UNCLAIMED_LOG_H
#define WISP_VMM_UNCLAIMED_LOG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define UNCLAIMED_REPORT_MAX 16
#define UNCLAIMED_PAGES_MAX 64 /* distinct pages remembered */

struct unclaimed_log {
    FILE *out;                         /* NULL: count only */
    uint64_t port_seen[65536 / 64];    /* bit per port */
    uint64_t pages[UNCLAIMED_PAGES_MAX];
    unsigned page_count;
    unsigned reports;
    uint64_t port_accesses, ports;     /* accesses, distinct ports */
    uint64_t mmio_accesses, new_pages; /* accesses, distinct pages (beyond the table: counted) */
};

void unclaimed_log_init(struct unclaimed_log *log, FILE *out);

void unclaimed_log_port(struct unclaimed_log *log, uint16_t port, bool is_write, uint64_t rip);
void unclaimed_log_mmio(struct unclaimed_log *log, uint64_t gpa, bool is_write, uint64_t rip);

/* One line with the counts, if there were any (and out is set). */
void unclaimed_log_summary(const struct unclaimed_log *log);

#endif
