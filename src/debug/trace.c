/* --trace's kinds and lines (trace.h). */
#include "trace.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static const struct {
    const char *name;
    unsigned kind;
} kinds[] = {
    { "io", TRACE_IO },
    { "mmio", TRACE_MMIO },
    { "msr", TRACE_MSR },
    { "interrupts", TRACE_INTERRUPTS },
    { "exceptions", TRACE_EXCEPTIONS },
    { "cpu-reset", TRACE_CPU_RESET },
    { "all", TRACE_ALL },
};

bool trace_parse(const char *list, unsigned *mask, char *bad, size_t bad_cap)
{
    *mask = 0;
    const char *p = list;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        bool found = false;
        for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
            if (strlen(kinds[i].name) == len && strncmp(kinds[i].name, p, len) == 0) {
                *mask |= kinds[i].kind;
                found = true;
            }
        }
        if (!found) {
            snprintf(bad, bad_cap, "%.*s", (int)(len > 64 ? 64 : len), p);
            return false;
        }
        if (!comma)
            return true;
        p = comma + 1;
    }
}

static uint64_t value_of(const uint8_t *data, unsigned size)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < size && i < 8; i++)
        v |= (uint64_t)data[i] << (8 * i);
    return v;
}

size_t trace_exit_line(char *buf, size_t cap, unsigned mask, int cpu,
                       const struct accel_exit *e)
{
    char who[16] = "";
    if (cpu >= 0)
        snprintf(who, sizeof who, "cpu%d ", cpu);
    int n = 0;
    switch (e->reason) {
    case ACCEL_EXIT_IO_PORT_ACCESS:
        if (!(mask & TRACE_IO))
            return 0;
        n = snprintf(buf, cap, "wisp: trace: %sio %s port=0x%04x size=%u value=0x%0*" PRIx64,
                     who, e->u.io.is_write ? "out" : "in ", e->u.io.port, e->u.io.size,
                     2 * e->u.io.size, e->u.io.data ? value_of(e->u.io.data, e->u.io.size) : 0);
        if (n > 0 && (size_t)n < cap && e->u.io.count > 1)
            n += snprintf(buf + n, cap - (size_t)n, " count=%u", e->u.io.count);
        break;
    case ACCEL_EXIT_MEMORY_ACCESS:
        if (!(mask & TRACE_MMIO))
            return 0;
        n = snprintf(buf, cap, "wisp: trace: %smmio %s gpa=0x%" PRIx64 " size=%u value=0x%0*" PRIx64,
                     who, e->u.memory.access == ACCEL_ACCESS_WRITE ? "write" : "read ",
                     e->u.memory.gpa, e->u.memory.size, 2 * e->u.memory.size,
                     value_of(e->u.memory.data, e->u.memory.size));
        break;
    case ACCEL_EXIT_MSR_ACCESS:
        if (!(mask & TRACE_MSR))
            return 0;
        n = snprintf(buf, cap, "wisp: trace: %smsr %s 0x%08x value=0x%016" PRIx64 "%s", who,
                     e->u.msr.is_write ? "write" : "read ", e->u.msr.index, e->u.msr.value,
                     e->u.msr.inject_gp ? " #GP" : "");
        break;
    default:
        return 0;
    }
    if (n < 0 || (size_t)n + 32 > cap)
        return 0;
    n += snprintf(buf + n, cap - (size_t)n, " rip=0x%" PRIx64 "\n", e->rip);
    return (size_t)n;
}
