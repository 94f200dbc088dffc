/*
 * How a VM with several vCPUs ends: whichever thread asks first (a vCPU's
 * exit hypercall, triple fault or power-off; the main thread's timeout,
 * signal or idle detection) decides the outcome; every vCPU is then kicked
 * out of the guest and its thread ends at its next safe point.
 */
#include "vm_internal.h"

static void kick_everyone(struct vm *vm)
{
    struct vcpu *self = vcpu_current();
    for (unsigned i = 0; i < vm->ncpus; i++)
        if (&vm->cpus[i] != self)
            vcpu_kick(&vm->cpus[i]);
}

/* Records the outcome if nobody has yet; run_lock held by the caller. */
static bool claim(struct vm *vm)
{
    if (vm->stop.requested)
        return false;
    vm->stop.requested = true;
    __atomic_store_n(&vm->stopping, 1, __ATOMIC_RELEASE);
    /* Paused vCPUs leave their pause to end (vcpu_pause.c). */
    host_cond_broadcast(&vm->run_cond);
    return true;
}

bool vm_request_stop(struct vm *vm, enum vm_stop_reason reason, int exit_status)
{
    host_mutex_lock(&vm->run_lock);
    bool won = claim(vm);
    if (won) {
        vm->stop.result.reason = reason;
        vm->stop.result.exit_status = exit_status;
    }
    host_mutex_unlock(&vm->run_lock);
    if (won)
        kick_everyone(vm);
    return won;
}

bool vm_request_guest_exit(struct vm *vm, uint64_t guest_code)
{
    host_mutex_lock(&vm->run_lock);
    bool won = claim(vm);
    if (won) {
        vm->stop.result.reason = VM_STOP_GUEST_EXIT;
        vm->stop.result.exit_status = (int)(guest_code & 0xFF);
        vm->stop.result.guest_exit_code = guest_code;
    }
    host_mutex_unlock(&vm->run_lock);
    if (won)
        kick_everyone(vm);
    return won;
}

bool vm_request_failure(struct vm *vm, const struct wisp_error *err, struct vcpu *crashed,
                        bool after_reset)
{
    host_mutex_lock(&vm->run_lock);
    bool won = claim(vm);
    if (won) {
        vm->stop.failed = true;
        vm->stop.err = *err;
        vm->stop.crashed_cpu = crashed ? (int)crashed->index : -1;
        vm->stop.crash_after_reset = after_reset;
    }
    host_mutex_unlock(&vm->run_lock);
    if (won)
        kick_everyone(vm);
    return won;
}
