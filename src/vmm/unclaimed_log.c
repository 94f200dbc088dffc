#include "unclaimed_log.h"

#include <inttypes.h>
#include <string.h>

void unclaimed_log_init(struct unclaimed_log *log, FILE *out)
{
    memset(log, 0, sizeof *log);
    log->out = out;
}

static bool may_report(struct unclaimed_log *log)
{
    if (!log->out || log->reports > UNCLAIMED_REPORT_MAX)
        return false;
    if (log->reports++ == UNCLAIMED_REPORT_MAX) {
        fprintf(log->out, "wisp: more unclaimed ports or unbacked pages: counted, not shown "
                          "(-v logs each access)\n");
        return false;
    }
    return true;
}

void unclaimed_log_port(struct unclaimed_log *log, uint16_t port, bool is_write, uint64_t rip)
{
    log->port_accesses++;
    uint64_t bit = 1ull << (port % 64);
    if (log->port_seen[port / 64] & bit)
        return;
    log->port_seen[port / 64] |= bit;
    log->ports++;
    if (may_report(log))
        fprintf(log->out, "wisp: %s of port 0x%x at RIP 0x%" PRIx64 ": no device there (%s); "
                          "reported once\n", is_write ? "write" : "read", port, rip,
                is_write ? "the write is dropped" : "reads 0xFF");
}

void unclaimed_log_mmio(struct unclaimed_log *log, uint64_t gpa, bool is_write, uint64_t rip)
{
    log->mmio_accesses++;
    uint64_t page = gpa >> 12;
    for (unsigned i = 0; i < log->page_count; i++)
        if (log->pages[i] == page)
            return;
    if (log->page_count < UNCLAIMED_PAGES_MAX)
        log->pages[log->page_count++] = page;
    log->new_pages++;
    if (may_report(log))
        fprintf(log->out, "wisp: %s of 0x%" PRIx64 " at RIP 0x%" PRIx64 ": neither RAM nor a "
                          "device (%s); reported once per page\n", is_write ? "write" : "read",
                gpa, rip, is_write ? "the write is dropped" : "reads all ones");
}

void unclaimed_log_summary(const struct unclaimed_log *log)
{
    FILE *out = log->out;
    if (!out || (!log->port_accesses && !log->mmio_accesses))
        return;
    fprintf(out, "wisp: unclaimed accesses: %" PRIu64 " to %" PRIu64 " port%s, %" PRIu64
                 " to %" PRIu64 " unbacked page%s%s\n",
            log->port_accesses, log->ports, log->ports == 1 ? "" : "s", log->mmio_accesses,
            log->new_pages, log->new_pages == 1 ? "" : "s",
            log->new_pages > UNCLAIMED_PAGES_MAX ? " (pages beyond the first 64 may count twice)"
                                                 : "");
}
