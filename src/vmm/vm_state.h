/*
 * Snapshots of a whole VM (src/state/ holds the file format): saving from a
 * running VM (vm_snapshot.c) and rebuilding one from a file in a fresh
 * process (vm_restore.c). Shared here: the machine configuration and the
 * device section's walk, one function each for both directions.
 */
#ifndef WISP_VM_STATE_H
#define WISP_VM_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/error.h"
#include "state/state_io.h"

struct vm;

/* Saves the VM into path (a fresh file, then renamed over it). Pauses every
 * vCPU for the time it takes and leaves them paused, and the disk and
 * network workers quiesced: the caller resumes (vm_devices_thaw, then
 * vm_resume) or not. Refuses, before pausing, machines with devices whose
 * state is not saved yet, naming the device. *bytes, *ms: the file's size
 * and how long the guest stood still. Main thread, device_lock not held. */
int vm_snapshot_save(struct vm *vm, const char *path, uint64_t *bytes, double *ms,
                     struct wisp_error *err);

/* Every section but the memory index into w, as a snapshot has them
 * (world paused, device_lock held); the configuration alone (any time).
 * Live migration's heads (vm_migrate.c). */
struct snapshot_writer;
int vm_snapshot_sections(struct vm *vm, struct snapshot_writer *w, struct wisp_error *err);
int vm_snapshot_config(struct vm *vm, struct snapshot_writer *w, struct wisp_error *err);

/* vm_create()'s steps for --restore (cfg.restore_path) and --incoming
 * (cfg.incoming_uri: the same steps over a migration stream,
 * state/migration_stream.h): */
/* the file read and checked (--incoming: a source accepted, its MACHINE
 * record read), the machine's configuration into vm->cfg */
int vm_restore_open(struct vm *vm, struct wisp_error *err);
/* the pages mapped over the fresh guest memory (after it exists);
 * --incoming: the pages and the final state received */
int vm_restore_memory(struct vm *vm, struct wisp_error *err);
/* the saved CPUID checked against this host and given to every vCPU */
int vm_restore_cpuid(struct vm *vm, struct wisp_error *err);
/* the accelerator's, the vCPUs' and the devices' state (devices set up) */
int vm_restore_state(struct vm *vm, struct wisp_error *err);
/* --incoming: acknowledges (rc 0) or refuses (err) the migration, and
 * prints the destination's report; nothing for --restore */
void vm_restore_answer(struct vm *vm, int rc, const struct wisp_error *err);
/* the file released (the mapped pages stay) */
void vm_restore_close(struct vm *vm);

/* The two-way walks (vm_state.c). */
void vm_state_config(struct state_io *io, struct vm *vm);
void vm_state_devices(struct state_io *io, struct vm *vm);
void vm_state_hyperv(struct state_io *io, struct vm *vm);
/* Why this VM cannot be saved yet (a device without saved state), or NULL. */
const char *vm_state_unsupported(const struct vm *vm);

#endif
