#include "cpu_status_report.h"

#include <inttypes.h>

#include "crash_report.h"
#include "vcpu.h"
#include "vm_internal.h"

#define RFLAGS_IF (1ull << 9)
#define CODE_BYTES 8

static const char *activity(struct vm *vm, const struct vcpu *cpu)
{
    if (cpu->waiting_for_start) /* in wisp, whichever irqchip */
        return "waiting for its start-up IPI";
    if (vm->user_irqchip)
        return cpu->halted_in_wisp ? "halted" : "running";
    enum accel_activity a;
    if (accel_vcpu_get_activity(cpu->accel, &a) < 0)
        return "in an unknown state";
    switch (a) {
    case ACCEL_ACTIVITY_HALTED:
        return "halted";
    case ACCEL_ACTIVITY_WAIT_FOR_SIPI:
        return "waiting for its start-up IPI";
    default:
        return "running";
    }
}

static void vector_text(char *buf, size_t size, int vector)
{
    if (vector < 0)
        snprintf(buf, size, "none");
    else
        snprintf(buf, size, "0x%02x", (unsigned)vector);
}

static bool apic_summary(struct vm *vm, unsigned i, struct accel_apic_summary *s)
{
    if (!vm->user_irqchip)
        return accel_vcpu_apic_summary(vm->cpus[i].accel, s) == 0;
    host_mutex_lock(&vm->device_lock);
    const struct lapic *apic = &vm->irqchip.lapics[i];
    s->in_service = lapic_highest_in_service(apic);
    s->requested = lapic_highest_pending(apic);
    s->task_priority = apic->tpr & 0xFF;
    s->timer_armed = irqchip_user_timer_armed(&vm->irqchip, i);
    host_mutex_unlock(&vm->device_lock);
    return true;
}

void cpu_status_report(FILE *out, struct vm *vm, const char *when)
{
    for (unsigned i = 0; i < vm->ncpus; i++) {
        struct vcpu *cpu = &vm->cpus[i];
        struct accel_regs regs;
        char where[64] = "";
        /* The bytes at RIP tell a tight loop (f3 90 = pause, eb fe) or a
         * RIP nothing maps ("unreadable") from ordinary code. */
        char code[CODE_BYTES * 3 + 32] = "";
        if (accel_vcpu_get_regs(cpu->accel, &regs) == 0) {
            snprintf(where, sizeof where, " at RIP 0x%" PRIx64 " (interrupts %s)", regs.rip,
                     regs.rflags & RFLAGS_IF ? "on" : "off");
            uint8_t bytes[CODE_BYTES];
            unsigned n = crash_report_code_bytes(cpu->accel, &vm->memory, regs.rip, bytes,
                                                 CODE_BYTES);
            char text[CODE_BYTES * 3 + 16];
            crash_report_format_bytes(bytes, n, text, sizeof text);
            snprintf(code, sizeof code, "; code at RIP: %s", text);
        }
        char apic[128] = "";
        struct accel_apic_summary s;
        if (apic_summary(vm, i, &s)) {
            char isr[16], irr[16];
            vector_text(isr, sizeof isr, s.in_service);
            vector_text(irr, sizeof irr, s.requested);
            snprintf(apic, sizeof apic, "; LAPIC: in service %s, requested %s, TPR 0x%02x, "
                     "timer %s", isr, irr, (unsigned)s.task_priority,
                     s.timer_armed ? "armed" : "not armed");
        }
        fprintf(out, "wisp: CPU %u %s: %s%s%s%s\n", i, when, activity(vm, cpu), where, apic,
                code);
    }
}
