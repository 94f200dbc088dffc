/*
 * libFuzzer target: --exit-profile's tables (src/debug/exit_profile.c),
 * whose sites a guest picks. The input is a list of 12-byte exits
 *
 *   u8 reason slot, u8 flags (bit 0: write, bit 1: second vCPU),
 *   u16 host time in us, u64 port/address/MSR
 *
 * recorded into two vCPUs' profiles, merged and printed. Checked: no exit
 * lost (reasons and sites each add up to the count), the table never
 * overfills, the print stays inside its buffer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "debug/exit_profile.h"

static void check(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_exit_profile: broken promise: %s\n", what);
        abort();
    }
}

static const enum accel_exit_reason reasons[] = {
    ACCEL_EXIT_IO_PORT_ACCESS, ACCEL_EXIT_MEMORY_ACCESS, ACCEL_EXIT_MSR_ACCESS,
    ACCEL_EXIT_HALT,           ACCEL_EXIT_CANCELED,      ACCEL_EXIT_HYPERCALL,
    (enum accel_exit_reason)0x7777, /* one the table does not know */
};

static uint64_t total_count(const struct exit_profile *p, uint64_t *in_sites)
{
    uint64_t n = 0;
    for (unsigned i = 0; i < EXIT_PROFILE_REASONS; i++)
        n += p->reasons[i].count;
    *in_sites = p->other_sites.count;
    unsigned used = 0;
    for (unsigned i = 0; i < EXIT_PROFILE_SITES; i++)
        if (p->sites[i].kind) {
            *in_sites += p->sites[i].tally.count;
            used++;
        }
    check(used == p->sites_used && used < EXIT_PROFILE_SITES, "site table bookkeeping");
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct exit_profile a, b;
    exit_profile_init(&a);
    exit_profile_init(&b);
    uint64_t recorded = 0, with_site = 0;
    for (size_t at = 0; at + 12 <= size && at < 12 * 20000; at += 12) {
        const uint8_t *r = data + at;
        struct accel_exit e = { .reason = reasons[r[0] % (sizeof reasons / sizeof reasons[0])] };
        uint64_t address;
        memcpy(&address, r + 4, 8);
        bool write = r[1] & 1;
        switch (e.reason) {
        case ACCEL_EXIT_IO_PORT_ACCESS:
            e.u.io.port = (uint16_t)address;
            e.u.io.is_write = write;
            with_site++;
            break;
        case ACCEL_EXIT_MEMORY_ACCESS:
            e.u.memory.gpa = address;
            e.u.memory.access = write ? ACCEL_ACCESS_WRITE : ACCEL_ACCESS_READ;
            with_site++;
            break;
        case ACCEL_EXIT_MSR_ACCESS:
            e.u.msr.index = (uint32_t)address;
            e.u.msr.is_write = write;
            with_site++;
            break;
        default:
            break;
        }
        exit_profile_record(r[1] & 2 ? &b : &a, &e, (uint64_t)(r[2] | r[3] << 8) * 1000);
        recorded++;
    }
    exit_profile_merge(&a, &b);
    uint64_t in_sites;
    check(total_count(&a, &in_sites) == recorded, "every exit counted once by reason");
    check(in_sites == with_site, "every port/MMIO/MSR exit counted once by site");

    char text[16384];
    FILE *f = fmemopen(text, sizeof text, "w");
    if (f) {
        struct exit_profile_times t = { .run_ns = 1, .first_entry_ns = 0, .cpus = 2 };
        exit_profile_print(f, &a, &t);
        fclose(f);
    }
    return 0;
}
