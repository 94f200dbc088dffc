/* A vCPU's handle, its kicks and waits, and what it publishes about itself. */
#include "vcpu.h"

#include <stdlib.h>
#include <string.h>

#include "debug/exit_profile.h"
#include "vm_internal.h"

static __thread struct vcpu *current;

struct vcpu *vcpu_current(void)
{
    return current;
}

void vcpu_set_current(struct vcpu *cpu)
{
    current = cpu;
}

int vcpu_init(struct vcpu *cpu, struct vm *vm, unsigned index, struct wisp_error *err)
{
    memset(cpu, 0, sizeof *cpu);
    cpu->vm = vm;
    cpu->index = index;
    cpu->activity = VCPU_RUNNING;
    host_mutex_init(&cpu->wait_lock);
    host_cond_init(&cpu->wait_cond);
    if (vm->cfg.exit_profile) {
        cpu->profile = malloc(sizeof *cpu->profile);
        if (!cpu->profile)
            return wisp_fail(err, WISP_EXIT_HOST_ERROR, "out of memory for --exit-profile");
        exit_profile_init(cpu->profile);
    }
    if (vm->cfg.step_history && step_history_init(&cpu->steps, vm->cfg.step_history) < 0)
        return wisp_fail(err, WISP_EXIT_HOST_ERROR, "out of memory for --step-history");
    if (accel_vcpu_create(vm->accel, index, &cpu->accel, err) < 0)
        return -1;
    return ticker_vcpu_create(&cpu->ticker, cpu->accel, err);
}

void vcpu_destroy(struct vcpu *cpu)
{
    if (!cpu->vm)
        return; /* never initialised */
    ticker_vcpu_destroy(cpu->ticker);
    accel_vcpu_destroy(cpu->accel);
    host_cond_destroy(&cpu->wait_cond);
    host_mutex_destroy(&cpu->wait_lock);
    free(cpu->profile);
    cpu->profile = NULL;
    step_history_free(&cpu->steps);
    cpu->vm = NULL;
}

void vcpu_kick(struct vcpu *cpu)
{
    host_mutex_lock(&cpu->wait_lock);
    cpu->wake = true;
    host_cond_signal(&cpu->wait_cond);
    host_mutex_unlock(&cpu->wait_lock);
    if (cpu->ticker) /* NULL only for vCPUs without an accelerator (unit tests) */
        ticker_vcpu_kick(cpu->ticker);
}

void vcpu_clear_wake(struct vcpu *cpu)
{
    host_mutex_lock(&cpu->wait_lock);
    cpu->wake = false;
    host_mutex_unlock(&cpu->wait_lock);
}

void vcpu_wait(struct vcpu *cpu, uint64_t deadline_ns)
{
    host_mutex_lock(&cpu->wait_lock);
    while (!cpu->wake)
        if (!host_cond_wait_until(&cpu->wait_cond, &cpu->wait_lock, deadline_ns))
            break;
    host_mutex_unlock(&cpu->wait_lock);
}

void vcpu_publish_running(struct vcpu *cpu)
{
    struct vm *vm = cpu->vm;
    host_mutex_lock(&vm->run_lock);
    cpu->activity = VCPU_RUNNING;
    host_mutex_unlock(&vm->run_lock);
}

void vcpu_publish_halt(struct vcpu *cpu, uint64_t rip, bool interrupts_on)
{
    struct vm *vm = cpu->vm;
    host_mutex_lock(&vm->run_lock);
    cpu->activity = interrupts_on ? VCPU_HALTED : VCPU_PARKED;
    /* Seed semantics: halts in a row at one RIP; work in between (interrupt
     * handlers) does not break the run. */
    if (rip == cpu->halt_rip && cpu->halt_count) {
        cpu->halt_count++;
    } else {
        cpu->halt_rip = rip;
        cpu->halt_count = 1;
    }
    host_mutex_unlock(&vm->run_lock);
}

void vcpu_publish_timer_armed(struct vcpu *cpu, bool armed)
{
    struct vm *vm = cpu->vm;
    host_mutex_lock(&vm->run_lock);
    cpu->timer_armed = armed;
    host_mutex_unlock(&vm->run_lock);
}

void vcpu_publish_parked(struct vcpu *cpu)
{
    struct vm *vm = cpu->vm;
    host_mutex_lock(&vm->run_lock);
    cpu->activity = VCPU_PARKED;
    host_mutex_unlock(&vm->run_lock);
}
