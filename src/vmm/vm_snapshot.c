/*
 * Saving a running VM (vm_state.h): stop the world, take COM1's queued
 * writes, then with the device lock held collect the machine's
 * configuration, CPUID, the accelerator's VM and vCPU state, wisp's
 * devices and guest memory into a snapshot file (state/snapshot_format.h).
 */
#include "vm_state.h"

#include <stdlib.h>
#include <string.h>

#include "host/clock.h"
#include "state/snapshot_file.h"
#include "uart_write_queue.h"
#include "vcpu_pause.h"
#include "vm_devices.h"
#include "vm_internal.h"

static int add_walk(struct snapshot_writer *w, uint32_t type, struct vm *vm,
                    void (*walk)(struct state_io *, struct vm *), struct wisp_error *err)
{
    struct state_io io;
    state_io_save_begin(&io, clock_monotonic_ns());
    walk(&io, vm);
    int rc = io.failed ? wisp_fail(err, WISP_EXIT_HOST_ERROR, "out of memory")
                       : snapshot_writer_add(w, type, io.data, io.size, err);
    free(io.data);
    return rc;
}

static int add_cpuid(struct snapshot_writer *w, struct vm *vm, struct wisp_error *err)
{
    struct state_io io;
    state_io_save_begin(&io, 0);
    state_unsigned(&io, &vm->cpuid.count);
    for (unsigned i = 0; i < vm->cpuid.count; i++) {
        struct accel_cpuid_entry *e = &vm->cpuid.entries[i];
        state_u32(&io, &e->function);
        state_u32(&io, &e->index);
        state_u32(&io, &e->flags);
        state_u32(&io, &e->eax);
        state_u32(&io, &e->ebx);
        state_u32(&io, &e->ecx);
        state_u32(&io, &e->edx);
    }
    int rc = io.failed ? wisp_fail(err, WISP_EXIT_HOST_ERROR, "out of memory")
                       : snapshot_writer_add(w, SNAPSHOT_SECTION_CPUID, io.data, io.size, err);
    free(io.data);
    return rc;
}

/* One vCPU: wisp's view (whether it still waits for its start) and the
 * accelerator's state. */
static int add_vcpu(struct snapshot_writer *w, struct vcpu *cpu, struct wisp_error *err)
{
    uint8_t *blob = NULL;
    size_t blob_size = 0;
    if (accel_vcpu_save_state(cpu->accel, &blob, &blob_size, err) < 0)
        return -1;
    struct state_io io;
    state_io_save_begin(&io, 0);
    uint32_t index = cpu->index;
    state_u32(&io, &index);
    state_bool(&io, &cpu->waiting_for_start);
    state_bool(&io, &cpu->watch_mailbox);
    state_bool(&io, &cpu->halted_in_wisp);
    uint64_t size = blob_size;
    state_u64(&io, &size);
    state_bytes(&io, blob, blob_size);
    free(blob);
    int rc = io.failed ? wisp_fail(err, WISP_EXIT_HOST_ERROR, "out of memory")
                       : snapshot_writer_add(w, SNAPSHOT_SECTION_VCPU, io.data, io.size, err);
    free(io.data);
    return rc;
}

int vm_snapshot_sections(struct vm *vm, struct snapshot_writer *w, struct wisp_error *err)
{
    uint8_t *accel_vm = NULL;
    size_t accel_vm_size = 0;
    int rc = add_walk(w, SNAPSHOT_SECTION_CONFIG, vm, vm_state_config, err);
    if (rc == 0)
        rc = add_cpuid(w, vm, err);
    if (rc == 0)
        rc = accel_vm_save_state(vm->accel, &accel_vm, &accel_vm_size, err);
    if (rc == 0)
        rc = snapshot_writer_add(w, SNAPSHOT_SECTION_ACCEL_VM, accel_vm, accel_vm_size, err);
    free(accel_vm);
    for (unsigned i = 0; rc == 0 && i < vm->ncpus; i++)
        rc = add_vcpu(w, &vm->cpus[i], err);
    if (rc == 0)
        rc = add_walk(w, SNAPSHOT_SECTION_DEVICES, vm, vm_state_devices, err);
    if (rc == 0 && vm->cfg.hyperv)
        rc = add_walk(w, SNAPSHOT_SECTION_HYPERV, vm, vm_state_hyperv, err);
    return rc;
}

int vm_snapshot_config(struct vm *vm, struct snapshot_writer *w, struct wisp_error *err)
{
    return add_walk(w, SNAPSHOT_SECTION_CONFIG, vm, vm_state_config, err);
}

static int write_file(struct vm *vm, const char *path, uint64_t *bytes, struct wisp_error *err)
{
    struct snapshot_writer *w = NULL;
    if (snapshot_writer_create(path, &w, err) < 0)
        return -1;
    if (vm_snapshot_sections(vm, w, err) < 0) {
        snapshot_writer_abort(w);
        return -1;
    }
    struct snapshot_memory_bank banks[GUEST_MEMORY_MAX_BANKS];
    for (int i = 0; i < vm->memory.count; i++)
        banks[i] = (struct snapshot_memory_bank){ vm->memory.banks[i].gpa,
                                                  vm->memory.banks[i].size,
                                                  vm->memory.banks[i].host };
    return snapshot_writer_finish(w, banks, (unsigned)vm->memory.count, bytes, err);
}

int vm_snapshot_save(struct vm *vm, const char *path, uint64_t *bytes, double *ms,
                     struct wisp_error *err)
{
    const char *why = vm_state_unsupported(vm);
    if (why)
        return wisp_fail(err, WISP_EXIT_USAGE, "snapshot: %s", why);
    uint64_t start = clock_monotonic_ns();
    vm_pause(vm);
    uart_write_queue_take(vm); /* no byte the guest wrote is left behind */
    host_mutex_lock(&vm->device_lock);
    vm_devices_quiesce(vm); /* no disk request in flight: the rings match the image */
    int rc = write_file(vm, path, bytes, err);
    host_mutex_unlock(&vm->device_lock);
    *ms = (double)(clock_monotonic_ns() - start) / 1e6;
    return rc;
}
