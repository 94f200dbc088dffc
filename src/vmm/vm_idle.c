/*
 * When is a guest done without saying so? The seed's rule, per CPU: it is
 * halted, and has halted idle_exit times in a row at one RIP (interrupt
 * handlers in between do not break the row). A CPU halted with interrupts
 * off, or an AP never started, is parked: only another CPU could wake it.
 *
 *   every CPU parked                      -> VM_STOP_HALTED
 *   every CPU parked or idle by the rule  -> VM_STOP_IDLE
 *
 * With one CPU the vCPU's own published state decides at once, as in the
 * seed. With several, a moment when all look halted proves nothing: two
 * CPUs passing IPIs both halt between messages, and the in-kernel irqchip's
 * state is only sampled. So when the published states have looked idle at
 * CONFIRM_AFTER checks in a row, the main thread confirms on a consistent
 * picture: with wisp's irqchip under the device lock, with KVM's with the
 * world paused (vcpu_pause.h), it checks that every CPU is really halted
 * and that no interrupt, NMI, INIT or start-up is waiting for any of them:
 * then nothing but a timer or a device can make the guest do anything.
 */
#include "vm_internal.h"

#include <inttypes.h>

#include "vcpu_pause.h"

#define RFLAGS_IF (1ull << 9)
#define CONFIRM_AFTER 3   /* checks in a row before confirming */
#define COOLDOWN 10       /* checks between two failed confirmations */

struct verdict {
    bool all_parked, all_idle;
    const struct vcpu *shown; /* whose RIP and count the message names */
};

/* A halt counts only while no timer can wake the CPU: a kernel waiting in
 * `sti; hlt` for timer ticks is not done, and stopping it with status 0
 * would pass a cut-off run in CI. */
static bool idle_by_rule(const struct vm *vm, const struct vcpu *cpu)
{
    return vm->cfg.idle_exit && cpu->halt_count >= vm->cfg.idle_exit && !cpu->timer_armed;
}

/* From what the vCPUs published (run_lock). */
static struct verdict published(struct vm *vm)
{
    struct verdict v = { true, true, NULL };
    host_mutex_lock(&vm->run_lock);
    for (unsigned i = 0; i < vm->ncpus; i++) {
        const struct vcpu *cpu = &vm->cpus[i];
        bool parked = cpu->activity == VCPU_PARKED;
        bool idle = cpu->activity == VCPU_HALTED && idle_by_rule(vm, cpu);
        v.all_parked &= parked;
        v.all_idle &= parked || idle;
        if (!v.shown && cpu->activity != VCPU_RUNNING && cpu->halt_count)
            v.shown = cpu;
    }
    host_mutex_unlock(&vm->run_lock);
    return v;
}

/* wisp's irqchip: with the device lock held no interrupt can be raised or
 * taken, and a vCPU that saw one publishes RUNNING before taking it. */
static bool confirm_user(struct vm *vm, struct verdict *v)
{
    bool ok = true;
    host_mutex_lock(&vm->device_lock);
    host_mutex_lock(&vm->run_lock);
    v->all_parked = true;
    for (unsigned i = 0; i < vm->ncpus && ok; i++) {
        const struct vcpu *cpu = &vm->cpus[i];
        const struct lapic *apic = &vm->irqchip.lapics[i];
        bool parked = cpu->activity == VCPU_PARKED;
        bool halted = cpu->activity == VCPU_HALTED;
        if (apic->nmi_pending || apic->init_pending || apic->sipi_vector >= 0)
            ok = false;
        else if (halted)
            ok = idle_by_rule(vm, cpu) && !irqchip_user_has_interrupt(&vm->irqchip, i) &&
                 !irqchip_user_timer_armed(&vm->irqchip, i);
        else
            ok = parked;
        v->all_parked &= parked;
    }
    host_mutex_unlock(&vm->run_lock);
    host_mutex_unlock(&vm->device_lock);
    return ok;
}

/* KVM's irqchip: every vCPU out of KVM_RUN, then ask KVM. */
static bool confirm_kernel(struct vm *vm, struct verdict *v)
{
    bool ok = true;
    vm_pause(vm);
    v->all_parked = true;
    for (unsigned i = 0; i < vm->ncpus && ok; i++) {
        struct vcpu *cpu = &vm->cpus[i];
        enum accel_activity activity;
        struct accel_regs regs;
        bool interrupt, nmi;
        if (accel_vcpu_get_activity(cpu->accel, &activity) < 0 ||
            accel_vcpu_pending_events(cpu->accel, &interrupt, &nmi) < 0) {
            ok = false;
            break;
        }
        if (activity == ACCEL_ACTIVITY_WAIT_FOR_SIPI) {
            ok = !nmi;
            continue;
        }
        if (activity != ACCEL_ACTIVITY_HALTED || nmi || accel_vcpu_get_regs(cpu->accel, &regs) < 0) {
            ok = false;
            break;
        }
        bool interrupts_on = regs.rflags & RFLAGS_IF, armed = false;
        if (interrupts_on) {
            if (accel_vcpu_timer_armed(cpu->accel, i, &armed) < 0)
                armed = true;
            host_mutex_lock(&vm->run_lock);
            ok = !interrupt && !armed && idle_by_rule(vm, cpu);
            host_mutex_unlock(&vm->run_lock);
            v->all_parked = false;
        }
    }
    vm_resume(vm);
    return ok;
}

static void stop(struct vm *vm, const struct verdict *v)
{
    uint64_t rip = 0;
    unsigned count = 0, index = 0;
    host_mutex_lock(&vm->run_lock);
    if (v->shown) {
        rip = v->shown->halt_rip;
        count = v->shown->halt_count;
        index = v->shown->index;
    }
    host_mutex_unlock(&vm->run_lock);
    if (v->all_parked) {
        /* Linux without ACPI ends its poweroff this way: a success. Any
         * other kernel halting for good gave no verdict, and `cli; hlt` is
         * how kernels panic: never status 0 in CI. */
        bool is_linux = vm_is_linux(vm);
        int status = is_linux ? WISP_EXIT_OK : WISP_EXIT_GUEST_HALTED;
        const char *why = is_linux ? "" : " with status 119 (no exit hypercall, no verdict)";
        if (!vm_request_stop(vm, VM_STOP_HALTED, status))
            return;
        if (vm->ncpus == 1)
            fprintf(stderr, "wisp: guest halted with interrupts disabled at RIP 0x%" PRIx64
                            "; nothing can wake it, stopping%s\n", rip, why);
        else
            fprintf(stderr, "wisp: every CPU halted with interrupts disabled or never started "
                            "(CPU %u at RIP 0x%" PRIx64 "); nothing can wake them, stopping%s\n",
                    index, rip, why);
        return;
    }
    if (!vm_request_stop(vm, VM_STOP_IDLE, WISP_EXIT_OK))
        return;
    if (vm->ncpus == 1)
        fprintf(stderr, "wisp: guest idle at RIP 0x%" PRIx64 " (%u halts in a row), stopping\n",
                rip, count);
    else
        fprintf(stderr, "wisp: guest idle at RIP 0x%" PRIx64 " (CPU %u, %u halts in a row; "
                        "every CPU halted), stopping\n", rip, index, count);
}

void vm_check_idle(struct vm *vm, struct vm_idle *state)
{
    struct verdict v = published(vm);
    if (!v.all_idle) {
        state->streak = 0;
        if (state->cooldown)
            state->cooldown--;
        return;
    }
    if (vm->ncpus > 1) {
        if (state->cooldown) {
            state->cooldown--;
            return;
        }
        if (++state->streak < CONFIRM_AFTER)
            return;
        state->streak = 0;
        bool ok = vm->user_irqchip ? confirm_user(vm, &v) : confirm_kernel(vm, &v);
        if (!ok) {
            state->cooldown = COOLDOWN;
            return;
        }
    }
    stop(vm, &v);
}
