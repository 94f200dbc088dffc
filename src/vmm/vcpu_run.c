/*
 * What one vCPU does: run the guest, handle the exit, repeat, on a host
 * thread of its own. Port and MMIO exits go to the devices under the
 * device lock; hypercalls are answered here; a triple fault, the exit
 * hypercall or a power-off ask the VM to stop (vm_stop.c), which every
 * other vCPU then sees at its next safe point. With wisp's own interrupt
 * controllers the vCPU also delivers its own interrupts and sleeps in HLT.
 */
#include "vm_internal.h"

#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include <wisp/guest.h>

#include "cpuid_probe.h"
#include "debug/exit_profile.h"
#include "debug/trace.h"
#include "crash_report.h"
#include "emulation_fallback.h"
#include "gdb_stub.h"
#include "host/clock.h"
#include "hypercall.h"
#include "thread_hooks.h"
#include "uart_write_queue.h"

#define RFLAGS_IF (1ull << 9)
#define SLOW_SAMPLE_MS 100

enum step { STEP_CONTINUE, STEP_STOP };

/* One line per exit, written at once: vCPU threads log side by side. */
static void log_exit(const struct vcpu *cpu, const struct accel_exit *e)
{
    char line[192];
    int n = snprintf(line, sizeof line, "wisp: ");
    if (cpu->vm->ncpus > 1)
        n += snprintf(line + n, sizeof line - (size_t)n, "cpu%u ", cpu->index);
    n += snprintf(line + n, sizeof line - (size_t)n, "exit %-18s rip=%016" PRIx64,
                  accel_exit_reason_name(e->reason), e->rip);
    switch (e->reason) {
    case ACCEL_EXIT_IO_PORT_ACCESS:
        n += snprintf(line + n, sizeof line - (size_t)n, " port=0x%x %s size=%u", e->u.io.port,
                      e->u.io.is_write ? "out" : "in", e->u.io.size);
        break;
    case ACCEL_EXIT_MEMORY_ACCESS:
        n += snprintf(line + n, sizeof line - (size_t)n, " gpa=0x%" PRIx64 " %s size=%u",
                      e->u.memory.gpa, e->u.memory.access == ACCEL_ACCESS_WRITE ? "write" : "read",
                      e->u.memory.size);
        break;
    case ACCEL_EXIT_MSR_ACCESS:
        n += snprintf(line + n, sizeof line - (size_t)n, " msr=0x%x %s", e->u.msr.index,
                      e->u.msr.is_write ? "write" : "read");
        break;
    default:
        break;
    }
    if (n > (int)sizeof line - 2)
        n = (int)sizeof line - 2;
    line[n++] = '\n';
    line[n] = '\0';
    fputs(line, stderr);
}

/* "CPU 1: " in messages when there are several. */
static const char *cpu_prefix(const struct vcpu *cpu, char *buf, size_t size)
{
    if (cpu->vm->ncpus == 1)
        return "";
    snprintf(buf, size, "CPU %u: ", cpu->index);
    return buf;
}

/* --trace (debug/trace.h): one line, written at once. */
static void trace_event(const struct vcpu *cpu, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void trace_event(const struct vcpu *cpu, const char *fmt, ...)
{
    char line[192];
    int n = snprintf(line, sizeof line, "wisp: trace: ");
    if (cpu->vm->ncpus > 1)
        n += snprintf(line + n, sizeof line - (size_t)n, "cpu%u ", cpu->index);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s\n", line);
}

static void trace_exit(const struct vcpu *cpu, const struct accel_exit *e)
{
    char line[192];
    int who = cpu->vm->ncpus > 1 ? (int)cpu->index : -1;
    if (trace_exit_line(line, sizeof line, cpu->vm->cfg.trace, who, e))
        fputs(line, stderr);
}

static enum step failed(struct vcpu *cpu, const struct wisp_error *err)
{
    vm_request_failure(cpu->vm, err, NULL, false);
    return STEP_STOP;
}

static void print_registers(struct vcpu *cpu, const char *heading)
{
    char who[24];
    fprintf(stderr, "wisp: %s%s:\n", cpu_prefix(cpu, who, sizeof who), heading);
    crash_report_registers(stderr, cpu->accel);
}

/* ---- hypercalls ---- */

static void print_to_console(void *opaque, const uint8_t *bytes, size_t len)
{
    struct vm *vm = opaque;
    host_mutex_lock(&vm->device_lock);
    serial_console_write(&vm->console, bytes, len);
    host_mutex_unlock(&vm->device_lock);
}

static enum step handle_hypercall(struct vcpu *cpu)
{
    struct vm *vm = cpu->vm;
    struct hypercall_context ctx = {
        .vcpu = cpu->accel, .memory = &vm->memory,
        .print = print_to_console, .print_opaque = vm,
    };
    struct hypercall_outcome outcome;
    if (hypercall_dispatch(&ctx, &outcome) < 0) {
        struct wisp_error err = { 0 };
        wisp_fail_errno(&err, WISP_EXIT_UNHANDLED, "cannot access the vCPU's registers");
        return failed(cpu, &err);
    }
    if (!outcome.exit_requested)
        return STEP_CONTINUE;
    if (vm_request_guest_exit(vm, outcome.exit_code) && outcome.exit_code > 255)
        fprintf(stderr, "wisp: guest exit code %" PRIu64 " does not fit a process status; "
                        "exiting with %" PRIu64 "\n", outcome.exit_code, outcome.exit_code & 0xFF);
    return STEP_STOP;
}

/* ---- devices (device_lock held) ---- */

static void handle_port(struct vm *vm, struct accel_io_access *io, uint64_t rip)
{
    for (uint32_t i = 0; i < io->count; i++) {
        uint8_t *data = io->data + (size_t)i * io->size;
        if (!bus_dispatch(&vm->ports, io->port, data, io->size, io->is_write)) {
            if (!io->is_write)
                memset(data, 0xFF, io->size); /* nothing answers: the bus floats high */
            if (vm->cfg.debug)
                fprintf(stderr, "wisp: unclaimed port %s 0x%x\n", io->is_write ? "write" : "read",
                        io->port);
            unclaimed_log_port(&vm->unclaimed, io->port, io->is_write, rip);
        }
    }
}

static void handle_mmio(struct vcpu *cpu, struct accel_memory_access *m, uint64_t rip)
{
    struct vm *vm = cpu->vm;
    bool is_write = m->access == ACCEL_ACCESS_WRITE;
    /* Each CPU sees its own LAPIC at the same address. */
    if (vm->user_irqchip &&
        irqchip_user_lapic_access(&vm->irqchip, cpu->index, m->gpa, m->data, m->size, is_write))
        return;
    if (!bus_dispatch(&vm->mmio, m->gpa, m->data, m->size, is_write)) {
        if (!is_write)
            memset(m->data, 0xFF, sizeof m->data);
        if (vm->cfg.debug)
            fprintf(stderr, "wisp: unclaimed mmio %s 0x%" PRIx64 "\n", is_write ? "write" : "read",
                    m->gpa);
        unclaimed_log_mmio(&vm->unclaimed, m->gpa, is_write, rip);
    }
}

/* --no-shutdown (QEMU's -no-shutdown): the guest stops running but wisp
 * stays, answering the console keys (Ctrl-A s, Ctrl-A x), signals and
 * --timeout, so its screen and console can still be looked at. Every vCPU
 * thread ends; the main thread goes on until one of those stops it. */
static enum step guest_stops(struct vm *vm, enum vm_stop_reason reason, const char *what)
{
    if (!vm->cfg.no_shutdown) {
        if (vm_request_stop(vm, reason, WISP_EXIT_OK))
            fprintf(stderr, "wisp: guest %s\n", what);
        return STEP_STOP;
    }
    if (__atomic_exchange_n(&vm->guest_stopped, 1, __ATOMIC_ACQ_REL) == 0) {
        fprintf(stderr, "wisp: guest %s\n", what);
        fprintf(stderr, "wisp: guest stopped; --no-shutdown keeps wisp running (Ctrl-A x, a "
                        "signal or --timeout ends it)\n");
        for (unsigned i = 0; i < vm->ncpus; i++)
            if (&vm->cpus[i] != vcpu_current())
                vcpu_kick(&vm->cpus[i]);
    }
    return STEP_STOP;
}

static enum step powered_off(struct vm *vm)
{
    return guest_stops(vm, VM_STOP_POWER_OFF, "powered off");
}

/* wisp never restarts a guest: a reset ends it, as QEMU's -no-reboot
 * does (and with --no-shutdown pauses it, as -no-reboot -no-shutdown). */
static enum step rebooted(struct vm *vm)
{
    return guest_stops(vm, VM_STOP_REBOOT, "rebooted");
}

static enum step port_access(struct vcpu *cpu, struct accel_io_access *io, uint64_t rip)
{
    struct vm *vm = cpu->vm;
    host_mutex_lock(&vm->device_lock);
    vm->kernel_started = true;
    handle_port(vm, io, rip);
    if (io->port >= COM1_PORT && io->port < COM1_PORT + 8)
        uart_write_queue_update(vm);
    /* The devices' callbacks only note a power-off or reset request; the
     * VM stops here, after the access that made it. */
    bool platform_stop = vm->platform_stop_requested;
    enum vm_stop_reason reason = vm->platform_stop;
    int debug_exit_status = vm->debug_exit_status;
    host_mutex_unlock(&vm->device_lock);
    if (!platform_stop)
        return STEP_CONTINUE;
    if (reason == VM_STOP_DEBUG_EXIT) {
        vm_request_stop(vm, VM_STOP_DEBUG_EXIT, debug_exit_status);
        return STEP_STOP;
    }
    if (reason == VM_STOP_REBOOT && (vm->cfg.trace & TRACE_CPU_RESET)) {
        trace_event(cpu, "cpu-reset: the guest asked for a reset (port 0x%x)", io->port);
        print_registers(cpu, "registers at the reset request");
    }
    return reason == VM_STOP_POWER_OFF ? powered_off(vm) : rebooted(vm);
}

/* ---- crashes and what the accelerator cannot do ---- */

#define DR6_SINGLE_STEP (1ull << 14) /* BS */

/* --step-history: one instruction done; CR2/CR3 come with the exit. */
static void record_step(struct vcpu *cpu, const struct accel_exit *e)
{
    struct step_record r = { .rip = e->rip };
    r.cr_known = accel_vcpu_peek_control_regs(cpu->accel, &r.cr2, &r.cr3) == 0;
    step_history_record(&cpu->steps, &r);
}

static bool is_step(const struct vcpu *cpu, const struct accel_exit *e)
{
    return cpu->steps.records && e->reason == ACCEL_EXIT_EXCEPTION && e->u.raw_code == 1 &&
           (e->dr6 & DR6_SINGLE_STEP);
}

/* --step-history: trap after every instruction from the first on. Asked
 * again after every other exit: KVM keeps the trap flag only while no one
 * writes the registers, and wisp writes them (a hypercall's answer). */
static int start_stepping(struct vcpu *cpu, struct wisp_error *err)
{
    struct accel_guest_debug d = { .enable = true, .single_step = true };
    if (accel_vcpu_set_guest_debug(cpu->accel, &d) < 0)
        return wisp_fail(err, WISP_EXIT_NO_ACCEL, "--step-history: this accelerator cannot "
                         "single-step the guest (KVM's guest debugging is missing)");
    return 0;
}

static void remember_last_exit(struct vcpu *cpu, const struct accel_exit *e)
{
    cpu->last_seen = true;
    cpu->last_rip = e->rip;
    cpu->last_reason = e->reason;
    if (accel_vcpu_peek_control_regs(cpu->accel, &cpu->last_cr2, &cpu->last_cr3) == 0) {
        cpu->last_cr_known = true;
    } else if (e->reason == ACCEL_EXIT_CANCELED) {
        /* The ticker's exits (every 10 ms while idle detection runs) carry
         * no synced registers: ask, it is cheap at that rate. */
        struct accel_sregs sregs;
        cpu->last_cr_known = accel_vcpu_get_sregs(cpu->accel, &sregs) == 0;
        if (cpu->last_cr_known) {
            cpu->last_cr2 = sregs.cr2;
            cpu->last_cr3 = sregs.cr3;
        }
    } else {
        cpu->last_cr_known = false;
    }
}

/* " ; last seen by wisp: ..." for a crash whose own state is lost. */
static void describe_last_exit(const struct vcpu *cpu, char *out, size_t size)
{
    if (!cpu->last_seen) {
        snprintf(out, size, "; the guest made no exit to wisp before it");
        return;
    }
    char cr[80] = "";
    if (cpu->last_cr_known)
        snprintf(cr, sizeof cr, ", CR3 0x%" PRIx64 ", CR2 0x%" PRIx64, cpu->last_cr3,
                 cpu->last_cr2);
    snprintf(out, size, "; last seen by wisp at RIP 0x%" PRIx64 " (its last exit, %s%s); "
                        "the exceptions after that (#PF, #GP, #DF...) stay inside KVM, which "
                        "shows user space none of them", cpu->last_rip,
             accel_exit_reason_name(cpu->last_reason), cr);
}

static enum step guest_crashed(struct vcpu *cpu, const struct accel_exit *e)
{
    struct vm *vm = cpu->vm;
    if (e->u.raw_code == ACCEL_SHUTDOWN_POWER_OFF)
        return powered_off(vm);
    if (e->u.raw_code == ACCEL_SHUTDOWN_RESET)
        return rebooted(vm);
    if (e->u.raw_code == ACCEL_SHUTDOWN_CRASH) {
        struct wisp_error err = { 0 };
        char who[24];
        wisp_fail(&err, WISP_EXIT_GUEST_CRASH,
                  "%sguest reported a crash (Hyper-V crash notification) at RIP 0x%" PRIx64,
                  cpu_prefix(cpu, who, sizeof who), e->rip);
        print_registers(cpu, "guest registers");
        return failed(cpu, &err);
    }
    /* Linux's reboot=t resets by triple fault, as kvmtool and Firecracker
     * users expect; for a native kernel, or a Linux that never got far
     * enough to touch a device (a bad entry state), it is a crash. */
    host_mutex_lock(&vm->device_lock);
    bool started = vm->kernel_started;
    host_mutex_unlock(&vm->device_lock);
    if (vm->cfg.trace & TRACE_EXCEPTIONS)
        trace_event(cpu, "exception: triple fault (CPU shutdown) rip=0x%" PRIx64, e->rip);
    char on_cpu[24] = ""; /* which CPU, when there are several */
    if (vm->ncpus > 1)
        snprintf(on_cpu, sizeof on_cpu, " on CPU %u", cpu->index);
    if (vm_is_linux(vm) && started) {
        if (vm->cfg.trace & TRACE_CPU_RESET) {
            trace_event(cpu, "cpu-reset: a triple fault resets the CPU");
            print_registers(cpu, "registers after the triple fault");
        }
        /* Say how, and on which CPU: a reset Linux asked for and one it
         * crashed into look the same to wisp, but not to whoever reads
         * the log. */
        char how[96];
        snprintf(how, sizeof how, "rebooted (by a triple fault%s: Linux's reboot=t, or a crash)",
                 on_cpu);
        return guest_stops(vm, VM_STOP_REBOOT, how);
    }
    /* AMD's SVM leaves the VMCB undefined after a shutdown, so KVM resets
     * the vCPU before returning: RIP 0xFFF0 in the reset code segment. */
    bool reset_state = e->rip == 0xFFF0 && e->cs.base == 0xFFFF0000ull;
    struct wisp_error err = { 0 };
    char last[320];
    const struct step_record *stepped = step_history_last(&cpu->steps);
    if (stepped)
        snprintf(last, sizeof last, "; the last instruction it started is at RIP 0x%" PRIx64
                 " (--step-history above: the exception that led to the triple fault came "
                 "from that instruction, or from handlers it entered, which run unstepped)",
                 stepped->rip);
    else
        describe_last_exit(cpu, last, sizeof last);
    if (reset_state)
        wisp_fail(&err, WISP_EXIT_GUEST_CRASH,
                  "guest crashed: triple fault (CPU shutdown)%s; this KVM resets the vCPU on "
                  "shutdown, so the faulting RIP is lost%s", on_cpu, last);
    else
        wisp_fail(&err, WISP_EXIT_GUEST_CRASH,
                  "guest crashed: triple fault (CPU shutdown)%s at RIP 0x%" PRIx64, on_cpu,
                  e->rip);
    /* The registers of every CPU are printed once all have stopped. */
    vm_request_failure(vm, &err, cpu, reset_state);
    return STEP_STOP;
}

static enum step emulation_failed(struct vcpu *cpu, const struct accel_exit *e)
{
    struct vm *vm = cpu->vm;
    struct wisp_error err = { 0 };
    uint8_t bytes[16];
    unsigned n = e->u.unsupported.insn_length;
    if (n)
        memcpy(bytes, e->u.unsupported.insn_bytes, n);
    else
        n = crash_report_code_bytes(cpu->accel, &vm->memory, e->rip, bytes, sizeof bytes);
    /* INT3, CLAC and STAC are finished here (emulation_fallback.c). */
    struct emulation_decision d = emulation_fallback_decide(bytes, n);
    if (d.action != EMULATION_UNSUPPORTED) {
        if (emulation_fallback_apply(cpu->accel, d) == 0)
            return STEP_CONTINUE;
        wisp_fail_errno(&err, WISP_EXIT_UNHANDLED,
                        "cannot step over the instruction at RIP 0x%" PRIx64, e->rip);
        return failed(cpu, &err);
    }
    char text[64];
    crash_report_format_bytes(bytes, n < 8 ? n : 8, text, sizeof text);
    char who[24];
    wisp_fail(&err, WISP_EXIT_UNHANDLED,
              "%sthe accelerator could not run the guest instruction at RIP 0x%" PRIx64
              " (bytes: %s; internal error %u)", cpu_prefix(cpu, who, sizeof who), e->rip, text,
              e->u.unsupported.code);
    print_registers(cpu, "guest registers");
    return failed(cpu, &err);
}

static enum step finish_cpuid_probe(struct vcpu *cpu)
{
    struct vm *vm = cpu->vm;
    vm->cpuid_probe_active = false;
    cpuid_probe_report(&vm->memory, &vm->cpuid, stderr);
    if (accel_vcpu_set_regs(cpu->accel, &vm->kernel_entry_regs) < 0) {
        struct wisp_error err = { 0 };
        wisp_fail_errno(&err, WISP_EXIT_UNHANDLED, "cannot enter the kernel after the CPUID probe");
        return failed(cpu, &err);
    }
    return STEP_CONTINUE;
}

/* ---- halts and interrupts ---- */

/* The in-kernel irqchip keeps HLT and wait-for-SIPI to itself: the ticker
 * brings the vCPU out every TICKER_PERIOD_MS and it samples itself. */
static void sample_activity(struct vcpu *cpu)
{
    enum accel_activity activity;
    if (accel_vcpu_get_activity(cpu->accel, &activity) < 0)
        return;
    switch (activity) {
    case ACCEL_ACTIVITY_HALTED: {
        struct accel_regs regs;
        bool armed = false;
        if (cpu->vm->cfg.idle_exit && accel_vcpu_timer_armed(cpu->accel, cpu->index, &armed) == 0)
            vcpu_publish_timer_armed(cpu, armed);
        /* An interrupt since the last look (a PIT one-shot, which KVM's
         * state does not show) woke it: the halts before do not count. */
        uint64_t injected;
        if (accel_vcpu_interrupts_injected(cpu->accel, &injected) == 0) {
            if (cpu->interrupts_known && injected != cpu->interrupts_seen)
                vcpu_publish_woken(cpu);
            cpu->interrupts_seen = injected;
            cpu->interrupts_known = true;
        }
        if (accel_vcpu_get_regs(cpu->accel, &regs) == 0)
            vcpu_publish_halt(cpu, regs.rip, regs.rflags & RFLAGS_IF);
        break;
    }
    case ACCEL_ACTIVITY_WAIT_FOR_SIPI:
        vcpu_publish_parked(cpu);
        break;
    default:
        vcpu_publish_running(cpu);
        break;
    }
}

/* --irqchip user, before each entry: INIT and start-up, then advance the
 * timers, inject what is due if the guest can take it (else ask to be told
 * when it can), and have the ticker kick the vCPU when its next timer falls
 * due. */
static void deliver_interrupts(struct vcpu *cpu)
{
    struct vm *vm = cpu->vm;
    struct irqchip_user *chip = &vm->irqchip;
    host_mutex_lock(&vm->device_lock);
    vcpu_take_start_events(cpu);
    if (cpu->waiting_for_start) {
        host_mutex_unlock(&vm->device_lock);
        return; /* an INIT: vcpu_run's loop parks it */
    }
    uint64_t next = irqchip_user_update(chip, cpu->index, clock_monotonic_ns());
    if (irqchip_user_take_nmi(chip, cpu->index)) {
        accel_vcpu_inject_nmi(cpu->accel);
        if (vm->cfg.trace & TRACE_INTERRUPTS)
            trace_event(cpu, "interrupt NMI");
    }
    bool pending = irqchip_user_has_interrupt(chip, cpu->index);
    if (pending && accel_vcpu_interrupt_window_open(cpu->accel)) {
        int vector = irqchip_user_acknowledge(chip, cpu->index);
        if (vector >= 0) {
            accel_vcpu_inject_interrupt(cpu->accel, (uint8_t)vector);
            if (vm->cfg.trace & TRACE_INTERRUPTS)
                trace_event(cpu, "interrupt vector=0x%02x", (unsigned)vector);
        }
        pending = irqchip_user_has_interrupt(chip, cpu->index);
    }
    accel_vcpu_request_interrupt_window(cpu->accel, pending);
    host_mutex_unlock(&vm->device_lock);
    if (next != cpu->armed_deadline) {
        ticker_vcpu_kick_at(cpu->ticker, next == UINT64_MAX ? 0 : next);
        cpu->armed_deadline = next;
    }
}

/* --irqchip user: HLT reached wisp. Sleep until something can wake the CPU
 * (an interrupt if RFLAGS.IF is set; an NMI, INIT or start-up always),
 * counting the wait for idle detection every TICKER_PERIOD_MS, parking for
 * pauses and leaving when the VM stops. */
static enum step wait_for_interrupt(struct vcpu *cpu, const struct accel_exit *e)
{
    struct vm *vm = cpu->vm;
    struct irqchip_user *chip = &vm->irqchip;
    bool interrupts_on = e->rflags & RFLAGS_IF;
    const uint64_t period = TICKER_PERIOD_MS * 1000000ull;
    vcpu_publish_halt(cpu, e->rip, interrupts_on);
    cpu->halted_in_wisp = true;
    uint64_t sample_at = clock_monotonic_ns() + period;
    for (;;) {
        if (!vcpu_safe_point(cpu))
            return STEP_STOP;
        vcpu_clear_wake(cpu);
        uint64_t now = clock_monotonic_ns();
        host_mutex_lock(&vm->device_lock);
        uint64_t next = irqchip_user_update(chip, cpu->index, now);
        const struct lapic *apic = &chip->lapics[cpu->index];
        bool wake = apic->nmi_pending || apic->init_pending || apic->sipi_vector >= 0 ||
                    (interrupts_on && irqchip_user_has_interrupt(chip, cpu->index));
        bool armed = irqchip_user_timer_armed(chip, cpu->index);
        host_mutex_unlock(&vm->device_lock);
        /* Woken by a one-shot that just fired, it is not armed now, but
         * its handler may arm the next: until the next halt says, a wake
         * counts as armed (a stale "not armed" made a waiting kernel idle). */
        vcpu_publish_timer_armed(cpu, armed || wake);
        if (wake) {
            cpu->halted_in_wisp = false;
            vcpu_publish_running(cpu);
            return STEP_CONTINUE;
        }
        if (now >= sample_at) {
            vcpu_publish_halt(cpu, e->rip, interrupts_on);
            sample_at = now + period;
        }
        vcpu_wait(cpu, next < sample_at ? next : sample_at);
    }
}

/* ---- one exit ---- */

static enum step handle_exit(struct vcpu *cpu, struct accel_exit *e)
{
    struct vm *vm = cpu->vm;
    struct wisp_error err = { 0 };
    switch (e->reason) {
    case ACCEL_EXIT_IO_PORT_ACCESS:
        if (e->u.io.port == WISP_HYPERCALL_PORT && e->u.io.is_write)
            return handle_hypercall(cpu);
        if (cpu->index == 0 && vm->cpuid_probe_active && e->u.io.port == CPUID_PROBE_PORT)
            return finish_cpuid_probe(cpu);
        if (vm->cfg.hyperv && e->u.io.port == HV_WISP_HYPERCALL_PORT && e->u.io.is_write) {
            /* HvPostMessage and HvSignalEvent reach the VMBus devices. */
            host_mutex_lock(&vm->device_lock);
            int rc = hv_handle_hypercall(&vm->hv, cpu->accel);
            host_mutex_unlock(&vm->device_lock);
            if (rc < 0) {
                wisp_fail_errno(&err, WISP_EXIT_UNHANDLED, "cannot access the vCPU's registers");
                return failed(cpu, &err);
            }
            return STEP_CONTINUE;
        }
        return port_access(cpu, &e->u.io, e->rip);
    case ACCEL_EXIT_HYPERCALL:
        return handle_hypercall(cpu);
    case ACCEL_EXIT_MEMORY_ACCESS:
        host_mutex_lock(&vm->device_lock);
        handle_mmio(cpu, &e->u.memory, e->rip);
        host_mutex_unlock(&vm->device_lock);
        return STEP_CONTINUE;
    case ACCEL_EXIT_MSR_ACCESS: {
        /* Only --hyperv's synthetic MSRs live in user space. */
        bool handled = false;
        if (vm->cfg.hyperv) {
            host_mutex_lock(&vm->device_lock);
            handled = hv_handle_msr(&vm->hv, cpu->accel, cpu->index, &vm->memory, &e->u.msr);
            host_mutex_unlock(&vm->device_lock);
        }
        if (!handled)
            e->u.msr.inject_gp = true;
        return STEP_CONTINUE;
    }
    case ACCEL_EXIT_HALT:
        if (!vm->user_irqchip) {
            vcpu_publish_halt(cpu, e->rip, e->rflags & RFLAGS_IF);
            return STEP_CONTINUE;
        }
        return wait_for_interrupt(cpu, e);
    case ACCEL_EXIT_CANCELED:
    case ACCEL_EXIT_INTERRUPT_WINDOW:
        if (!vm->user_irqchip)
            sample_activity(cpu);
        return STEP_CONTINUE;
    case ACCEL_EXIT_UNRECOVERABLE_EXCEPTION:
        return guest_crashed(cpu, e);
    case ACCEL_EXIT_UNSUPPORTED_FEATURE:
        return emulation_failed(cpu, e);
    case ACCEL_EXIT_EXCEPTION: /* guest debugging: a breakpoint, a step */
        if (is_step(cpu, e)) {
            record_step(cpu, e);
            return STEP_CONTINUE;
        }
        if (gdb_stub_vcpu_exception(vm->gdb, cpu, e))
            return STEP_CONTINUE;
        wisp_fail(&err, WISP_EXIT_UNHANDLED, "unexpected exception %" PRIu64 " at RIP 0x%" PRIx64,
                  e->u.raw_code, e->rip);
        print_registers(cpu, "guest registers");
        return failed(cpu, &err);
    case ACCEL_EXIT_INVALID_VP_REGISTER_VALUE:
        wisp_fail(&err, WISP_EXIT_UNHANDLED,
                  "the accelerator could not enter the guest (hardware reason 0x%" PRIx64 ")",
                  e->u.raw_code);
        print_registers(cpu, "guest registers");
        return failed(cpu, &err);
    default:
        wisp_fail(&err, WISP_EXIT_UNHANDLED,
                  "unhandled exit '%s' (code 0x%" PRIx64 ") at RIP 0x%" PRIx64,
                  accel_exit_reason_name(e->reason), e->u.raw_code, e->rip);
        print_registers(cpu, "guest registers");
        return failed(cpu, &err);
    }
}

static void vcpu_loop(struct vcpu *cpu)
{
    struct vm *vm = cpu->vm;
    struct accel_exit exit;
    bool rearm_stepping = false;
    for (;;) {
        if (!vcpu_safe_point(cpu) || vm_guest_stopped(vm))
            return;
        if (cpu->waiting_for_start) {
            if (!vcpu_wait_for_start(cpu))
                return;
            continue;
        }
        if (vm->user_irqchip && cpu->halted_in_wisp) {
            /* Restored from a snapshot taken while it waited in HLT. */
            struct accel_exit halt = { .reason = ACCEL_EXIT_HALT };
            struct accel_regs regs;
            if (accel_vcpu_get_regs(cpu->accel, &regs) == 0) {
                halt.rip = regs.rip;
                halt.rflags = regs.rflags;
            }
            if (wait_for_interrupt(cpu, &halt) != STEP_CONTINUE)
                return;
            continue;
        }
        if (vm->user_irqchip) {
            deliver_interrupts(cpu);
            if (cpu->waiting_for_start)
                continue;
        }
        struct wisp_error err = { 0 };
        if (rearm_stepping && start_stepping(cpu, &err) < 0) {
            failed(cpu, &err);
            return;
        }
        if (cpu->profile && !cpu->first_entry_ns)
            cpu->first_entry_ns = clock_monotonic_ns();
        if (accel_vcpu_run(cpu->accel, &exit, &err) < 0) {
            failed(cpu, &err);
            return;
        }
        uint64_t exit_ns = cpu->profile ? clock_monotonic_ns() : 0;
        uart_write_queue_take(vm); /* the guest's earlier writes come first */
        if (vm->cfg.debug)
            log_exit(cpu, &exit);
        enum step step = handle_exit(cpu, &exit);
        if (vm->cfg.trace)
            trace_exit(cpu, &exit); /* after: a read shows its answer */
        if (cpu->profile) /* the exit that stops the vCPU counts too */
            exit_profile_record(cpu->profile, &exit, clock_monotonic_ns() - exit_ns);
        if (step != STEP_CONTINUE)
            return;
        rearm_stepping = cpu->steps.records && !is_step(cpu, &exit);
        remember_last_exit(cpu, &exit);
    }
}

void *vcpu_thread_main(void *opaque)
{
    struct vcpu *cpu = opaque;
    struct vm *vm = cpu->vm;
    vcpu_set_current(cpu);
    struct wisp_error err = { 0 };
    /* The in-kernel irqchip keeps HLT to itself: tick to sample it, every
     * TICKER_PERIOD_MS for --idle-exit's count, else (Linux) only often
     * enough to see every CPU halted for good: each tick is an exit. */
    unsigned period_ms = vm->user_irqchip ? 0
                         : vm->cfg.idle_exit ? TICKER_PERIOD_MS : SLOW_SAMPLE_MS;
    if (ticker_vcpu_attach(cpu->ticker, period_ms, &err) < 0 ||
        (cpu->steps.records && start_stepping(cpu, &err) < 0) ||
        vm_thread_started(vm, VM_THREAD_VCPU, cpu->index, &err) < 0)
        vm_request_failure(vm, &err, NULL, false);
    else {
        gdb_stub_vcpu_entry(vm->gdb, cpu); /* -S: wait for GDB at the entry */
        vcpu_loop(cpu);
    }
    ticker_vcpu_detach(cpu->ticker);
    vm_vcpu_thread_ended(vm);
    return NULL;
}
