/* Stop the world (vcpu_pause.h): counters under run_lock, a kick per vCPU. */
#include "vcpu_pause.h"

#include "vm_internal.h"

static bool called_from_vcpu_of(struct vm *vm)
{
    struct vcpu *self = vcpu_current();
    return self && self->vm == vm;
}

void vm_pause(struct vm *vm)
{
    bool self = called_from_vcpu_of(vm);
    host_mutex_lock(&vm->run_lock);
    vm->pause_depth++;
    __atomic_store_n(&vm->pause_requested, 1, __ATOMIC_RELEASE);
    if (self) {
        /* Counts as parked: another thread's vm_pause may be waiting for
         * exactly this vCPU (a GDB attaching while the BSP stops at its
         * entry waited for good before this broadcast). */
        vm->paused_count++;
        host_cond_broadcast(&vm->run_cond);
    }
    host_mutex_unlock(&vm->run_lock);

    struct vcpu *me = vcpu_current();
    for (unsigned i = 0; i < vm->ncpus; i++)
        if (&vm->cpus[i] != me)
            vcpu_kick(&vm->cpus[i]);

    host_mutex_lock(&vm->run_lock);
    while (vm->paused_count < vm->threads_live)
        host_cond_wait(&vm->run_cond, &vm->run_lock);
    host_mutex_unlock(&vm->run_lock);
}

void vm_resume(struct vm *vm)
{
    bool self = called_from_vcpu_of(vm);
    host_mutex_lock(&vm->run_lock);
    if (self)
        vm->paused_count--;
    if (vm->pause_depth > 0 && --vm->pause_depth == 0) {
        __atomic_store_n(&vm->pause_requested, 0, __ATOMIC_RELEASE);
        host_cond_broadcast(&vm->run_cond);
    }
    host_mutex_unlock(&vm->run_lock);
}

bool vcpu_safe_point(struct vcpu *cpu)
{
    struct vm *vm = cpu->vm;
    if (vm_stopping(vm))
        return false;
    if (!__atomic_load_n(&vm->pause_requested, __ATOMIC_ACQUIRE))
        return true;
    host_mutex_lock(&vm->run_lock);
    if (vm->pause_requested && !vm->stop.requested) {
        vm->paused_count++;
        host_cond_broadcast(&vm->run_cond);
        while (vm->pause_requested && !vm->stop.requested)
            host_cond_wait(&vm->run_cond, &vm->run_lock);
        vm->paused_count--;
    }
    host_mutex_unlock(&vm->run_lock);
    return !vm_stopping(vm);
}
