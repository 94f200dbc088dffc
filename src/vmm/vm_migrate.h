/*
 * Live migration, the source side (the destination is --incoming:
 * vm_restore.c). The control socket's migrate command hands a job to the
 * migration thread, started during set-up with --api-socket and idle until
 * then; query-migrate reads its progress. The thread:
 *
 *  1. connects to the destination (its seccomp kind allows socket and
 *     connect: the URI is only known now), switches the accelerator's
 *     dirty log on and sends the machine's configuration;
 *  2. sends every non-zero page while the guest runs (pass 1), then the
 *     pages written since, pass after pass, until what is left would take
 *     at most max_downtime_ms at the bandwidth the last pass measured, or
 *     max_passes passes were made;
 *  3. stops the world (vm_pause), sends the last written pages and every
 *     state section of a snapshot, and waits for the destination's answer;
 *  4. acknowledged: the VM stops with VM_STOP_MIGRATED (wisp exits 0).
 *     Anything else (refused, reset, a refusal, a timeout): the dirty log
 *     off, the guest resumed, query-migrate says failed and why.
 *
 * Pages wisp itself writes from user space are not in the accelerator's
 * dirty log: guest_memory_write/_fill mark them in each bank's host_dirty
 * bitmap (core/guest_memory.h) while a migration runs, and every pass sends
 * them too. In the machines migration allows (those snapshots allow), the
 * GDB stub's memory writes are the only such writes after set-up.
 */
#ifndef WISP_VMM_VM_MIGRATE_H
#define WISP_VMM_VM_MIGRATE_H

#include <stdint.h>

#include "core/error.h"

struct vm;
struct vm_migration;

enum vm_migrate_state {
    VM_MIGRATE_NONE,
    VM_MIGRATE_ACTIVE,
    VM_MIGRATE_COMPLETED,
    VM_MIGRATE_FAILED,
};

struct vm_migrate_request {
    const char *uri;              /* tcp:HOST:PORT or unix:PATH */
    unsigned max_downtime_ms;     /* default 300 */
    unsigned max_passes;          /* default 30: pass 1 (everything) included */
};

struct vm_migrate_status {
    enum vm_migrate_state state;
    char reason[320];             /* FAILED: why */
    unsigned pass;                /* the pass being sent (the last one at the end) */
    uint64_t bytes;               /* sent so far */
    uint64_t pages;               /* page copies sent so far */
    uint64_t dirty_pages;         /* written during the last pass: left to send */
    double dirty_pages_per_s;     /* the last pass's rate */
    double bandwidth_mib_s;       /* measured on the last pass */
    double expected_downtime_ms;  /* at that bandwidth */
    double total_ms, downtime_ms; /* COMPLETED (and FAILED after the stop) */
};

/* Set-up, before the sandbox: the idle thread. */
int vm_migration_create(struct vm *vm, struct vm_migration **out, struct wisp_error *err);
/* The migrate command (main thread): starts and returns at once. Fails
 * with WISP_EXIT_USAGE for a bad request or a machine that cannot be
 * saved, WISP_EXIT_HOST_ERROR while one is active. */
int vm_migration_start(struct vm_migration *m, const struct vm_migrate_request *req,
                       struct wisp_error *err);
void vm_migration_query(struct vm_migration *m, struct vm_migrate_status *out);
/* Teardown: an active migration is cancelled, the thread joined. */
void vm_migration_destroy(struct vm_migration *m);

#endif
