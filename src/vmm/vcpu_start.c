/*
 * How an application processor starts (include/wisp/guest.h, "Several
 * CPUs"). An AP that waits in wisp (waiting_for_start) is not in the guest
 * at all: its thread sleeps here until
 *   - its native-boot mailbox gets a goto_address (wisp polls it: a plain
 *     memory write causes no exit), then it enters in long mode there;
 *   - with KVM's in-kernel LAPIC, the kernel sent it INIT/SIPI (KVM latched
 *     them; KVM_GET_MP_STATE takes them in): KVM runs the start-up itself;
 *   - with wisp's own LAPIC, a start-up IPI: it enters real mode at the
 *     vector's page, from the reset state (INIT restores that state).
 * Linux APs with KVM's LAPIC never wait here: KVM keeps them in
 * wait-for-SIPI inside KVM_RUN.
 */
#include "vm_internal.h"

#include <inttypes.h>

#include <wisp/guest.h>

#include "boot/native_layout.h"
#include "host/clock.h"

/* How often a waiting AP looks at its mailbox: every millisecond, slower
 * with many APs so that the polling stays below ~8000 reads a second. */
static uint64_t mailbox_poll_ns(const struct vm *vm)
{
    uint64_t aps = vm->ncpus > 1 ? vm->ncpus - 1 : 1;
    uint64_t ns = aps * 125000u;
    return ns < 1000000u ? 1000000u : ns;
}

void vcpu_start_prepare(struct vcpu *cpu)
{
    struct vm *vm = cpu->vm;
    if (cpu->index == 0)
        return;
    /* Native kernels: every AP waits here, for its mailbox or INIT/SIPI.
     * Linux: only with wisp's LAPIC (KVM's holds them itself). */
    cpu->waiting_for_start = !vm_is_linux(vm) || vm->user_irqchip;
    cpu->watch_mailbox = !vm_is_linux(vm);
    cpu->activity = VCPU_PARKED;
}

static bool fail(struct vcpu *cpu, const char *what)
{
    struct wisp_error err = { 0 };
    wisp_fail_errno(&err, WISP_EXIT_UNHANDLED, "CPU %u: cannot %s", cpu->index, what);
    vm_request_failure(cpu->vm, &err, NULL, false);
    return false;
}

static void started(struct vcpu *cpu)
{
    cpu->waiting_for_start = false;
    cpu->watch_mailbox = false; /* only the first start counts */
    vcpu_publish_running(cpu);
}

static bool start_from_mailbox(struct vcpu *cpu, uint64_t entry)
{
    struct accel_regs regs;
    struct accel_sregs sregs;
    if (accel_vcpu_get_sregs(cpu->accel, &sregs) < 0)
        return fail(cpu, "read its registers");
    native_ap_entry_state(cpu->index, entry, &regs, &sregs);
    if (accel_vcpu_set_running(cpu->accel) < 0 || accel_vcpu_set_sregs(cpu->accel, &sregs) < 0 ||
        accel_vcpu_set_regs(cpu->accel, &regs) < 0)
        return fail(cpu, "enter long mode at its mailbox's goto_address");
    if (cpu->vm->cfg.debug)
        fprintf(stderr, "wisp: CPU %u started through its mailbox at 0x%" PRIx64 "\n", cpu->index,
                entry);
    started(cpu);
    return true;
}

/* Real mode at the start-up vector's page, from the reset state. */
static bool start_from_sipi(struct vcpu *cpu, int vector)
{
    struct accel_regs regs = cpu->reset_regs;
    struct accel_sregs sregs = cpu->reset_sregs;
    sregs.cs.selector = (uint16_t)(vector << 8);
    sregs.cs.base = (uint64_t)vector << 12;
    regs.rip = 0;
    if (accel_vcpu_set_sregs(cpu->accel, &sregs) < 0 || accel_vcpu_set_regs(cpu->accel, &regs) < 0)
        return fail(cpu, "enter real mode for its start-up IPI");
    if (cpu->vm->cfg.debug)
        fprintf(stderr, "wisp: CPU %u started by a start-up IPI at 0x%x\n", cpu->index,
                vector << 12);
    started(cpu);
    return true;
}

/* INIT: back to the reset state, waiting for a start-up. */
static void take_init(struct vcpu *cpu)
{
    if (accel_vcpu_set_sregs(cpu->accel, &cpu->reset_sregs) < 0 ||
        accel_vcpu_set_regs(cpu->accel, &cpu->reset_regs) < 0) {
        fail(cpu, "reset its registers for INIT");
        return;
    }
    cpu->waiting_for_start = true;
    vcpu_publish_parked(cpu);
}

void vcpu_take_start_events(struct vcpu *cpu)
{
    bool init;
    int sipi;
    irqchip_user_take_start(&cpu->vm->irqchip, cpu->index, &init, &sipi);
    if (init)
        take_init(cpu);
    /* A start-up reaches only a CPU that waits for one. */
    if (sipi >= 0 && cpu->waiting_for_start)
        start_from_sipi(cpu, sipi);
}

static uint64_t read_mailbox(struct vcpu *cpu)
{
    const uint8_t *p = guest_memory_ptr(&cpu->vm->memory,
                                        native_cpu_entry_addr(cpu->index) +
                                            offsetof(struct wisp_cpu, goto_address),
                                        sizeof(uint64_t));
    /* The guest writes it while we look: one aligned 8-byte load. */
    return p ? __atomic_load_n((const uint64_t *)p, __ATOMIC_ACQUIRE) : 0;
}

bool vcpu_wait_for_start(struct vcpu *cpu)
{
    struct vm *vm = cpu->vm;
    uint64_t poll = mailbox_poll_ns(vm);
    while (cpu->waiting_for_start) {
        if (!vcpu_safe_point(cpu))
            return false;
        vcpu_clear_wake(cpu);
        if (vm->user_irqchip) {
            host_mutex_lock(&vm->device_lock);
            vcpu_take_start_events(cpu);
            host_mutex_unlock(&vm->device_lock);
            if (!cpu->waiting_for_start)
                break;
        } else {
            enum accel_activity activity;
            if (accel_vcpu_get_activity(cpu->accel, &activity) < 0)
                return fail(cpu, "read its run state");
            if (activity != ACCEL_ACTIVITY_WAIT_FOR_SIPI) {
                /* KVM's LAPIC got INIT and SIPI: KVM_RUN does the rest. */
                if (vm->cfg.debug)
                    fprintf(stderr, "wisp: CPU %u started by INIT/SIPI\n", cpu->index);
                started(cpu);
                break;
            }
        }
        if (cpu->watch_mailbox) {
            uint64_t entry = read_mailbox(cpu);
            if (entry)
                return start_from_mailbox(cpu, entry);
        }
        if (vm_stopping(vm))
            return false;
        bool polling = cpu->watch_mailbox || !vm->user_irqchip;
        vcpu_wait(cpu, polling ? clock_monotonic_ns() + poll : UINT64_MAX);
    }
    return true;
}
