/*
 * The run loop: run the vCPU, dispatch its exit, repeat. Periodic ticks
 * (ticker.c) bring the loop back even when the guest does not exit, for
 * console input, the timeout and idle detection.
 */
#include "vm_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <wisp/guest.h>

#include "cpuid_probe.h"
#include "host/clock.h"
#include "crash_report.h"
#include "emulation_fallback.h"
#include "hypercall.h"
#include "host/sandbox.h"
#include "host/screenshot.h"
#include "host/ticker.h"

#define RFLAGS_IF (1ull << 9)

enum step { STEP_CONTINUE, STEP_STOP, STEP_FAIL };

static void log_exit(const struct accel_exit *e)
{
    fprintf(stderr, "wisp: exit %-18s rip=%016" PRIx64, accel_exit_reason_name(e->reason), e->rip);
    switch (e->reason) {
    case ACCEL_EXIT_IO_PORT_ACCESS:
        fprintf(stderr, " port=0x%x %s size=%u", e->u.io.port, e->u.io.is_write ? "out" : "in",
                e->u.io.size);
        break;
    case ACCEL_EXIT_MEMORY_ACCESS:
        fprintf(stderr, " gpa=0x%" PRIx64 " %s size=%u", e->u.memory.gpa,
                e->u.memory.access == ACCEL_ACCESS_WRITE ? "write" : "read", e->u.memory.size);
        break;
    case ACCEL_EXIT_MSR_ACCESS:
        fprintf(stderr, " msr=0x%x %s", e->u.msr.index, e->u.msr.is_write ? "write" : "read");
        break;
    default:
        break;
    }
    fputc('\n', stderr);
}

static void print_to_console(void *opaque, const uint8_t *bytes, size_t len)
{
    serial_console_write(opaque, bytes, len);
}

static enum step stop(struct vm_result *result, enum vm_stop_reason reason, int status)
{
    result->reason = reason;
    result->exit_status = status;
    return STEP_STOP;
}

static enum step handle_hypercall(struct vm *vm, struct vm_result *result, struct wisp_error *err)
{
    struct hypercall_context ctx = {
        .vcpu = vm->vcpu, .memory = &vm->memory,
        .print = print_to_console, .print_opaque = &vm->console,
    };
    struct hypercall_outcome outcome;
    if (hypercall_dispatch(&ctx, &outcome) < 0) {
        wisp_fail_errno(err, WISP_EXIT_UNHANDLED, "cannot access the vCPU's registers");
        return STEP_FAIL;
    }
    if (!outcome.exit_requested)
        return STEP_CONTINUE;
    result->guest_exit_code = outcome.exit_code;
    if (outcome.exit_code > 255)
        fprintf(stderr, "wisp: guest exit code %" PRIu64 " does not fit a process status; "
                        "exiting with %" PRIu64 "\n", outcome.exit_code, outcome.exit_code & 0xFF);
    return stop(result, VM_STOP_GUEST_EXIT, (int)(outcome.exit_code & 0xFF));
}

static void handle_port(struct vm *vm, struct accel_io_access *io)
{
    host_mutex_lock(vm->device_lock);
    for (uint32_t i = 0; i < io->count; i++) {
        uint8_t *data = io->data + (size_t)i * io->size;
        if (!bus_dispatch(&vm->ports, io->port, data, io->size, io->is_write)) {
            if (!io->is_write)
                memset(data, 0xFF, io->size); /* nothing answers: the bus floats high */
            if (vm->cfg.debug)
                fprintf(stderr, "wisp: unclaimed port %s 0x%x\n", io->is_write ? "write" : "read",
                        io->port);
        }
    }
    host_mutex_unlock(vm->device_lock);
}

static void handle_mmio(struct vm *vm, struct accel_memory_access *m)
{
    bool is_write = m->access == ACCEL_ACCESS_WRITE;
    host_mutex_lock(vm->device_lock);
    bool claimed = bus_dispatch(&vm->mmio, m->gpa, m->data, m->size, is_write);
    host_mutex_unlock(vm->device_lock);
    if (!claimed) {
        if (!is_write)
            memset(m->data, 0xFF, sizeof m->data);
        if (vm->cfg.debug)
            fprintf(stderr, "wisp: unclaimed mmio %s 0x%" PRIx64 "\n", is_write ? "write" : "read",
                    m->gpa);
    }
}

/* Seed semantics: N halts in a row at one RIP mean the kernel sits in its
 * idle loop. With the in-kernel irqchip halts never reach user space, so
 * the ticker samples a halted vCPU instead; work between halts at the same
 * RIP (interrupt handlers) does not break the run, as in the seed. */
static enum step note_halt(struct vm *vm, uint64_t rip, uint64_t rflags, struct vm_result *result)
{
    if (!(rflags & RFLAGS_IF)) {
        fprintf(stderr, "wisp: guest halted with interrupts disabled at RIP 0x%" PRIx64
                        "; nothing can wake it, stopping\n", rip);
        return stop(result, VM_STOP_HALTED, WISP_EXIT_OK);
    }
    if (rip == vm->idle_rip) {
        vm->idle_count++;
    } else {
        vm->idle_rip = rip;
        vm->idle_count = 1;
    }
    if (vm->cfg.idle_exit && vm->idle_count >= vm->cfg.idle_exit) {
        fprintf(stderr, "wisp: guest idle at RIP 0x%" PRIx64 " (%u halts in a row), stopping\n",
                rip, vm->idle_count);
        return stop(result, VM_STOP_IDLE, WISP_EXIT_OK);
    }
    return STEP_CONTINUE;
}

static enum step take_screenshot_now(struct vm *vm)
{
    const char *path = vm->cfg.screenshot_path ? vm->cfg.screenshot_path : SCREENSHOT_DEFAULT_PATH;
    struct wisp_error shot_err = { 0 };
    if (vm_save_screenshot(vm, path, &shot_err) < 0)
        fprintf(stderr, "wisp: %s\n", shot_err.message);
    else
        fprintf(stderr, "wisp: screenshot written to %s\n", path);
    return STEP_CONTINUE;
}

/* Signals, console input and the timeout: due whenever the loop comes
 * round, whatever brought it. */
static enum step service_host(struct vm *vm, struct vm_result *result)
{
    int sig = 0;
    unsigned events = ticker_take_events(&sig);
    if (events & TICKER_STOP) {
        fprintf(stderr, "wisp: stopped by signal %d\n", sig);
        return stop(result, VM_STOP_SIGNAL, 128 + sig);
    }
    if (events & TICKER_SCREENSHOT)
        take_screenshot_now(vm);

    /* Linux probes the UART and flushes its receiver while opening the
     * port: input typed ahead waits in wisp until the driver listens. */
    if (vm_is_linux(vm))
        vm->console.hold_input = !uart16550_driver_listening(&vm->com1);
    else /* until the kernel has set its UART up and looks for input */
        vm->console.hold_input = !uart16550_receiver_in_use(&vm->com1);
    switch (serial_console_poll(&vm->console, &vm->com1)) {
    case CONSOLE_CMD_QUIT:
        fprintf(stderr, "wisp: quit from the console\n");
        return stop(result, VM_STOP_USER_QUIT, WISP_EXIT_OK);
    case CONSOLE_CMD_SCREENSHOT:
        take_screenshot_now(vm);
        break;
    default:
        break;
    }
    serial_console_flush(&vm->console);
    vm_text_screen_poll(vm);

    if (vm->timeout_at_ns && clock_monotonic_ns() >= vm->timeout_at_ns) {
        fprintf(stderr, "wisp: timeout after %g s, stopping the guest\n", vm->cfg.timeout_seconds);
        return stop(result, VM_STOP_TIMEOUT, WISP_EXIT_TIMEOUT);
    }
    return STEP_CONTINUE;
}

static enum step housekeeping(struct vm *vm, struct vm_result *result)
{
    enum step step = service_host(vm, result);
    if (step != STEP_CONTINUE || vm->user_irqchip)
        return step;
    /* The in-kernel irqchip keeps HLT to itself: sample the vCPU instead. */
    if (accel_vcpu_is_halted(vm->vcpu)) {
        struct accel_regs regs;
        if (accel_vcpu_get_regs(vm->vcpu, &regs) == 0)
            return note_halt(vm, regs.rip, regs.rflags, result);
    }
    return STEP_CONTINUE;
}

/* ---- the user-space interrupt controllers ---- */

/* Before each entry: advance the timers, inject what is due if the guest
 * can take it (else ask to be told when it can), and have the ticker kick
 * the vCPU when the next timer falls due. */
static void deliver_interrupts(struct vm *vm)
{
    host_mutex_lock(vm->device_lock); /* I/O workers raise interrupts too */
    uint64_t next = irqchip_user_update(&vm->irqchip, clock_monotonic_ns());
    bool pending = irqchip_user_has_interrupt(&vm->irqchip);
    if (pending && accel_vcpu_interrupt_window_open(vm->vcpu)) {
        int vector = irqchip_user_acknowledge(&vm->irqchip);
        if (vector >= 0)
            accel_vcpu_inject_interrupt(vm->vcpu, (uint8_t)vector);
        pending = irqchip_user_has_interrupt(&vm->irqchip);
    }
    host_mutex_unlock(vm->device_lock);
    accel_vcpu_request_interrupt_window(vm->vcpu, pending);
    if (next != vm->armed_deadline) {
        ticker_kick_at(next == UINT64_MAX ? 0 : next);
        vm->armed_deadline = next;
    }
}

#define HALT_POLL_MS 10

/* HLT reached user space: sleep until an interrupt is due (a timer, console
 * input on IRQ 4) while still answering signals, keys and the timeout. */
static enum step wait_for_interrupt(struct vm *vm, struct vm_result *result)
{
    for (;;) {
        uint64_t now = clock_monotonic_ns();
        host_mutex_lock(vm->device_lock);
        uint64_t next = irqchip_user_update(&vm->irqchip, now);
        bool pending = irqchip_user_has_interrupt(&vm->irqchip);
        host_mutex_unlock(vm->device_lock);
        if (pending)
            return STEP_CONTINUE;
        enum step step = service_host(vm, result);
        host_mutex_lock(vm->device_lock);
        pending = irqchip_user_has_interrupt(&vm->irqchip);
        host_mutex_unlock(vm->device_lock);
        if (step != STEP_CONTINUE || pending)
            return step;
        uint64_t wait_ns = next > now ? next - now : 0;
        int wait_ms = wait_ns >= HALT_POLL_MS * 1000000ull ? HALT_POLL_MS
                                                           : (int)((wait_ns + 999999) / 1000000);
        serial_console_wait(&vm->console, wait_ms);
    }
}

/* --no-shutdown (QEMU's -no-shutdown): the guest stops running but wisp
 * stays, answering the console keys (Ctrl-A s, Ctrl-A x), signals and
 * --timeout, so its screen and console can still be looked at. */
static enum step paused(struct vm *vm, struct vm_result *result)
{
    fprintf(stderr, "wisp: guest stopped; --no-shutdown keeps wisp running (Ctrl-A x, a "
                    "signal or --timeout ends it)\n");
    for (;;) {
        enum step step = service_host(vm, result);
        if (step != STEP_CONTINUE)
            return step;
        serial_console_wait(&vm->console, HALT_POLL_MS);
    }
}

static enum step powered_off(struct vm *vm, struct vm_result *result)
{
    fprintf(stderr, "wisp: guest powered off\n");
    if (vm->cfg.no_shutdown)
        return paused(vm, result);
    return stop(result, VM_STOP_POWER_OFF, WISP_EXIT_OK);
}

/* wisp never restarts a guest: a reset ends it, as QEMU's -no-reboot
 * does (and with --no-shutdown pauses it, as -no-reboot -no-shutdown). */
static enum step rebooted(struct vm *vm, struct vm_result *result)
{
    fprintf(stderr, "wisp: guest rebooted\n");
    if (vm->cfg.no_shutdown)
        return paused(vm, result);
    return stop(result, VM_STOP_REBOOT, WISP_EXIT_OK);
}

/* The devices' callbacks only note a power-off or reset request; the loop
 * stops here, after the access that made it. */
static enum step platform_request(struct vm *vm, struct vm_result *result)
{
    if (!vm->platform_stop_requested)
        return STEP_CONTINUE;
    if (vm->platform_stop == VM_STOP_DEBUG_EXIT)
        return stop(result, VM_STOP_DEBUG_EXIT, vm->debug_exit_status);
    return vm->platform_stop == VM_STOP_POWER_OFF ? powered_off(vm, result)
                                                  : rebooted(vm, result);
}

static enum step guest_crashed(struct vm *vm, const struct accel_exit *e, struct vm_result *result,
                               struct wisp_error *err)
{
    if (e->u.raw_code == ACCEL_SHUTDOWN_POWER_OFF)
        return powered_off(vm, result);
    if (e->u.raw_code == ACCEL_SHUTDOWN_RESET)
        return rebooted(vm, result);
    if (e->u.raw_code == ACCEL_SHUTDOWN_CRASH) {
        wisp_fail(err, WISP_EXIT_GUEST_CRASH,
                  "guest reported a crash (Hyper-V crash notification) at RIP 0x%" PRIx64, e->rip);
        fprintf(stderr, "wisp: guest registers:\n");
        crash_report_registers(stderr, vm->vcpu);
        return STEP_FAIL;
    }
    /* Linux's reboot=t resets by triple fault, as kvmtool and Firecracker
     * users expect; for a native kernel, or a Linux that never got far
     * enough to touch a device (a bad entry state), it is a crash. */
    if (vm_is_linux(vm) && vm->kernel_started)
        return rebooted(vm, result);
    /* AMD's SVM leaves the VMCB undefined after a shutdown, so KVM resets
     * the vCPU before returning: RIP 0xFFF0 in the reset code segment. */
    bool reset_state = e->rip == 0xFFF0 && e->cs.base == 0xFFFF0000ull;
    if (reset_state)
        wisp_fail(err, WISP_EXIT_GUEST_CRASH,
                  "guest crashed: triple fault (CPU shutdown); this KVM resets the vCPU on "
                  "shutdown, so the faulting RIP is lost");
    else
        wisp_fail(err, WISP_EXIT_GUEST_CRASH,
                  "guest crashed: triple fault (CPU shutdown) at RIP 0x%" PRIx64, e->rip);
    fprintf(stderr, "wisp: guest registers %s:\n",
            reset_state ? "after KVM's reset (not the crash state)" : "at the crash");
    crash_report_registers(stderr, vm->vcpu);
    return STEP_FAIL;
}

static enum step emulation_failed(struct vm *vm, const struct accel_exit *e, struct wisp_error *err)
{
    uint8_t bytes[16];
    unsigned n = e->u.unsupported.insn_length;
    if (n)
        memcpy(bytes, e->u.unsupported.insn_bytes, n);
    else
        n = crash_report_code_bytes(vm->vcpu, &vm->memory, e->rip, bytes, sizeof bytes);
    /* INT3, CLAC and STAC are finished here (emulation_fallback.c). */
    struct emulation_decision d = emulation_fallback_decide(bytes, n);
    if (d.action != EMULATION_UNSUPPORTED) {
        if (emulation_fallback_apply(vm->vcpu, d) == 0)
            return STEP_CONTINUE;
        wisp_fail_errno(err, WISP_EXIT_UNHANDLED,
                        "cannot step over the instruction at RIP 0x%" PRIx64, e->rip);
        return STEP_FAIL;
    }
    char text[64];
    crash_report_format_bytes(bytes, n < 8 ? n : 8, text, sizeof text);
    wisp_fail(err, WISP_EXIT_UNHANDLED,
              "the accelerator could not run the guest instruction at RIP 0x%" PRIx64
              " (bytes: %s; internal error %u)", e->rip, text, e->u.unsupported.code);
    fprintf(stderr, "wisp: guest registers:\n");
    crash_report_registers(stderr, vm->vcpu);
    return STEP_FAIL;
}

static enum step finish_cpuid_probe(struct vm *vm, struct wisp_error *err)
{
    vm->cpuid_probe_active = false;
    cpuid_probe_report(&vm->memory, &vm->cpuid, stderr);
    if (accel_vcpu_set_regs(vm->vcpu, &vm->kernel_entry_regs) < 0) {
        wisp_fail_errno(err, WISP_EXIT_UNHANDLED, "cannot enter the kernel after the CPUID probe");
        return STEP_FAIL;
    }
    return STEP_CONTINUE;
}

static enum step handle_exit(struct vm *vm, struct accel_exit *e, struct vm_result *result,
                             struct wisp_error *err)
{
    switch (e->reason) {
    case ACCEL_EXIT_IO_PORT_ACCESS:
        if (e->u.io.port == WISP_HYPERCALL_PORT && e->u.io.is_write)
            return handle_hypercall(vm, result, err);
        if (vm->cpuid_probe_active && e->u.io.port == CPUID_PROBE_PORT)
            return finish_cpuid_probe(vm, err);
        if (vm->cfg.hyperv && e->u.io.port == HV_WISP_HYPERCALL_PORT && e->u.io.is_write) {
            if (hv_handle_hypercall(&vm->hv, vm->vcpu) < 0) {
                wisp_fail_errno(err, WISP_EXIT_UNHANDLED, "cannot access the vCPU's registers");
                return STEP_FAIL;
            }
            return STEP_CONTINUE;
        }
        vm->kernel_started = true;
        handle_port(vm, &e->u.io);
        return platform_request(vm, result);
    case ACCEL_EXIT_HYPERCALL:
        return handle_hypercall(vm, result, err);
    case ACCEL_EXIT_MEMORY_ACCESS:
        handle_mmio(vm, &e->u.memory);
        return STEP_CONTINUE;
    case ACCEL_EXIT_MSR_ACCESS:
        /* Only --hyperv's synthetic MSRs live in user space. */
        if (!vm->cfg.hyperv || !hv_handle_msr(&vm->hv, vm->vcpu, &vm->memory, &e->u.msr))
            e->u.msr.inject_gp = true;
        return STEP_CONTINUE;
    case ACCEL_EXIT_HALT: {
        enum step step = note_halt(vm, e->rip, e->rflags, result);
        if (step != STEP_CONTINUE || !vm->user_irqchip)
            return step;
        return wait_for_interrupt(vm, result);
    }
    case ACCEL_EXIT_CANCELED:
    case ACCEL_EXIT_INTERRUPT_WINDOW:
        return housekeeping(vm, result);
    case ACCEL_EXIT_UNRECOVERABLE_EXCEPTION:
        return guest_crashed(vm, e, result, err);
    case ACCEL_EXIT_UNSUPPORTED_FEATURE:
        return emulation_failed(vm, e, err);
    case ACCEL_EXIT_INVALID_VP_REGISTER_VALUE:
        wisp_fail(err, WISP_EXIT_UNHANDLED,
                  "the accelerator could not enter the guest (hardware reason 0x%" PRIx64 ")",
                  e->u.raw_code);
        crash_report_registers(stderr, vm->vcpu);
        return STEP_FAIL;
    default:
        wisp_fail(err, WISP_EXIT_UNHANDLED,
                  "unhandled exit '%s' (code 0x%" PRIx64 ") at RIP 0x%" PRIx64,
                  accel_exit_reason_name(e->reason), e->u.raw_code, e->rip);
        crash_report_registers(stderr, vm->vcpu);
        return STEP_FAIL;
    }
}

static void finish(struct vm *vm)
{
    serial_console_flush(&vm->console);
    if (vm->cfg.debugcon_output && !vm->cfg.debugcon_shares_console)
        host_output_finish(&vm->debugcon_out);
    vm_text_screen_finish(vm);
    if (vm->cfg.screenshot_path) {
        struct wisp_error shot_err = { 0 };
        if (vm_save_screenshot(vm, vm->cfg.screenshot_path, &shot_err) < 0)
            fprintf(stderr, "wisp: %s\n", shot_err.message);
    }
    if (vm->cfg.ascii_preview)
        vm_print_ascii_preview(vm, stderr);
}

/* A reader that holds the guest's output up must not hold up a stop. */
static bool output_should_give_up(void *opaque)
{
    struct vm *vm = opaque;
    return ticker_stop_pending() ||
           (vm->timeout_at_ns && clock_monotonic_ns() >= vm->timeout_at_ns);
}

/* Output that cannot be written any more (the reader went away, a full
 * disk) stops the guest instead of being dropped without a word. */
static enum step check_output(struct vm *vm, struct wisp_error *err)
{
    int e = serial_console_output_error(&vm->console);
    if (e == 0)
        return STEP_CONTINUE;
    errno = e;
    wisp_fail_errno(err, WISP_EXIT_HOST_ERROR, "cannot write the guest's output%s; stopping",
                    e == EPIPE ? " (its reader went away)" : "");
    return STEP_FAIL;
}

/* Everything is open and set up: drop what wisp no longer needs before
 * the guest runs its first instruction (host/sandbox.h). */
static int enter_sandbox(struct vm *vm, struct wisp_error *err)
{
    struct sandbox_options opts = vm->cfg.sandbox;
    opts.files = vm->fb_size != 0; /* screenshots; Linux guests have no framebuffer */
    if (sandbox_drop_privileges(&opts, err) < 0)
        return -1;
    /* Device workers enter their own sandboxes (without the files). */
    struct sandbox_options worker_opts = opts;
    worker_opts.files = false;
    sandbox_release_threads(&worker_opts);
    if (sandbox_enter(SANDBOX_THREAD_MAIN | SANDBOX_THREAD_VCPU, &opts, err) < 0)
        return -1;
    if (vm->cfg.test_hook_sandboxed)
        vm->cfg.test_hook_sandboxed();
    return 0;
}

int vm_run(struct vm *vm, struct vm_result *result, struct wisp_error *err)
{
    memset(result, 0, sizeof *result);
    vm->timeout_at_ns = vm->cfg.timeout_seconds > 0
        ? clock_monotonic_ns() + (uint64_t)(vm->cfg.timeout_seconds * 1e9) : 0;
    if (ticker_start(vm->vcpu, err) < 0)
        return -1;
    serial_console_set_give_up(&vm->console, output_should_give_up, vm);
    serial_console_start(&vm->console);
    if (enter_sandbox(vm, err) < 0) {
        ticker_stop();
        serial_console_stop(&vm->console);
        return -1;
    }

    struct accel_exit exit;
    enum step step = STEP_CONTINUE;
    while (step == STEP_CONTINUE) {
        if (vm->user_irqchip)
            deliver_interrupts(vm);
        if (accel_vcpu_run(vm->vcpu, &exit, err) < 0) {
            step = STEP_FAIL;
            break;
        }
        if (vm->cfg.debug)
            log_exit(&exit);
        step = handle_exit(vm, &exit, result, err);
        if (step == STEP_CONTINUE)
            step = check_output(vm, err);
    }

    ticker_stop();
    serial_console_stop(&vm->console);
    if (step != STEP_FAIL && check_output(vm, err) == STEP_FAIL)
        step = STEP_FAIL;
    finish(vm);
    return step == STEP_FAIL ? -1 : 0;
}
