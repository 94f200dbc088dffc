/*
 * Running a VM: one host thread per vCPU (vcpu_run.c: what one vCPU does
 * on an exit), while the main thread serves the host: console input into
 * COM1, signals and the escape keys, --timeout, idle detection across all
 * CPUs and screenshots (taken with the world paused, vcpu_pause.h). When a
 * stop is requested (vm_stop.c) every vCPU thread ends; the main thread
 * joins them, prints every CPU's registers after a crash, restores the
 * terminal and writes the final screenshot.
 */
#include "vm_internal.h"

#include <inttypes.h>
#include <string.h>

#include "crash_report.h"
#include "host/clock.h"
#include "host/screenshot.h"
#include "host/ticker.h"
#include "vcpu_pause.h"

void vm_vcpu_thread_ended(struct vm *vm)
{
    host_mutex_lock(&vm->run_lock);
    vm->threads_live--;
    host_cond_broadcast(&vm->run_cond); /* a pause may be waiting for it */
    host_mutex_unlock(&vm->run_lock);
}

static void take_screenshot_now(struct vm *vm)
{
    const char *path = vm->cfg.screenshot_path ? vm->cfg.screenshot_path : SCREENSHOT_DEFAULT_PATH;
    struct wisp_error shot_err = { 0 };
    /* Every CPU out of the guest: one consistent frame. */
    vm_pause(vm);
    int rc = vm_save_screenshot(vm, path, &shot_err);
    vm_resume(vm);
    if (rc < 0)
        fprintf(stderr, "wisp: %s\n", shot_err.message);
    else
        fprintf(stderr, "wisp: screenshot written to %s\n", path);
}

/* Signals, console input and the timeout. */
static void service_host(struct vm *vm)
{
    int sig = 0;
    unsigned events = ticker_take_events(&sig);
    if (events & TICKER_STOP) {
        if (vm_request_stop(vm, VM_STOP_SIGNAL, 128 + sig))
            fprintf(stderr, "wisp: stopped by signal %d\n", sig);
        return;
    }
    if (events & TICKER_SCREENSHOT)
        take_screenshot_now(vm);

    host_mutex_lock(&vm->device_lock);
    /* Linux probes the UART and flushes its receiver while opening the
     * port: input typed ahead waits in wisp until the driver listens. A
     * native kernel's set-up clears the FIFOs too: input waits until it
     * looks for some. */
    if (vm_is_linux(vm))
        vm->console.hold_input = !uart16550_driver_listening(&vm->com1);
    else
        vm->console.hold_input = !uart16550_guest_ready(&vm->com1);
    enum console_command cmd = serial_console_poll(&vm->console, &vm->com1);
    serial_console_flush(&vm->console);
    host_mutex_unlock(&vm->device_lock);
    switch (cmd) {
    case CONSOLE_CMD_QUIT:
        if (vm_request_stop(vm, VM_STOP_USER_QUIT, WISP_EXIT_OK))
            fprintf(stderr, "wisp: quit from the console\n");
        return;
    case CONSOLE_CMD_SCREENSHOT:
        take_screenshot_now(vm);
        break;
    default:
        break;
    }

    if (vm->timeout_at_ns && clock_monotonic_ns() >= vm->timeout_at_ns &&
        vm_request_stop(vm, VM_STOP_TIMEOUT, WISP_EXIT_TIMEOUT))
        fprintf(stderr, "wisp: timeout after %g s, stopping the guest\n", vm->cfg.timeout_seconds);
}

/* With several CPUs a moment when all happen to be halted proves nothing
 * (two CPUs passing IPIs both halt between messages): the condition must
 * hold at every check, 10 ms apart, for this many checks in a row
 * (parked) or --idle-exit checks (idle). */
#define PARKED_CHECKS 10

/* The guest is done when no CPU can go on by itself: every one parked
 * (halted with interrupts off, or an AP never started), or every one
 * halted --idle-exit times in a row at one RIP (parked ones count too).
 * With one CPU these are the seed's two rules. */
static void check_idle(struct vm *vm, unsigned *streak)
{
    bool all_parked = true, all_idle = true;
    const struct vcpu *first_halted = NULL;
    host_mutex_lock(&vm->run_lock);
    for (unsigned i = 0; i < vm->ncpus; i++) {
        const struct vcpu *cpu = &vm->cpus[i];
        bool parked = cpu->activity == VCPU_PARKED;
        bool idle = cpu->activity == VCPU_HALTED && vm->cfg.idle_exit &&
                    cpu->halt_count >= vm->cfg.idle_exit;
        all_parked &= parked;
        all_idle &= parked || idle;
        if (!first_halted && cpu->activity != VCPU_RUNNING && cpu->halt_count)
            first_halted = cpu;
    }
    uint64_t rip = first_halted ? first_halted->halt_rip : 0;
    unsigned count = first_halted ? first_halted->halt_count : 0;
    host_mutex_unlock(&vm->run_lock);

    if (vm->ncpus > 1) {
        *streak = all_idle ? *streak + 1 : 0;
        if (*streak < (all_parked ? PARKED_CHECKS : vm->cfg.idle_exit))
            return;
    }
    if (all_parked) {
        if (!vm_request_stop(vm, VM_STOP_HALTED, WISP_EXIT_OK))
            return;
        if (vm->ncpus == 1)
            fprintf(stderr, "wisp: guest halted with interrupts disabled at RIP 0x%" PRIx64
                            "; nothing can wake it, stopping\n", rip);
        else
            fprintf(stderr, "wisp: every CPU halted with interrupts disabled or never started "
                            "(CPU %u at RIP 0x%" PRIx64 "); nothing can wake them, stopping\n",
                    first_halted ? first_halted->index : 0, rip);
    } else if (all_idle) {
        if (!vm_request_stop(vm, VM_STOP_IDLE, WISP_EXIT_OK))
            return;
        if (vm->ncpus == 1)
            fprintf(stderr, "wisp: guest idle at RIP 0x%" PRIx64 " (%u halts in a row), stopping\n",
                    rip, count);
        else
            fprintf(stderr, "wisp: guest idle at RIP 0x%" PRIx64 " (CPU %u, %u halts in a row; "
                            "every CPU halted), stopping\n",
                    rip, first_halted ? first_halted->index : 0, count);
    }
}

static void host_loop(struct vm *vm)
{
    unsigned idle_streak = 0;
    while (!vm_stopping(vm)) {
        service_host(vm);
        if (vm_stopping(vm))
            break;
        check_idle(vm, &idle_streak);
        serial_console_wait(&vm->console, TICKER_PERIOD_MS);
    }
}

static int start_threads(struct vm *vm, struct wisp_error *err)
{
    for (unsigned i = 0; i < vm->ncpus; i++) {
        struct vcpu *cpu = &vm->cpus[i];
        char name[16];
        snprintf(name, sizeof name, "wisp-cpu%u", i);
        host_mutex_lock(&vm->run_lock);
        vm->threads_live++;
        host_mutex_unlock(&vm->run_lock);
        if (host_thread_start(&cpu->thread, name, vcpu_thread_main, cpu, err) < 0) {
            host_mutex_lock(&vm->run_lock);
            vm->threads_live--;
            host_mutex_unlock(&vm->run_lock);
            return -1;
        }
        cpu->thread_started = true;
    }
    return 0;
}

static void join_threads(struct vm *vm)
{
    for (unsigned i = 0; i < vm->ncpus; i++) {
        struct vcpu *cpu = &vm->cpus[i];
        if (cpu->thread_started) {
            host_thread_join(&cpu->thread);
            cpu->thread_started = false;
        }
    }
}

/* After a triple fault: every CPU's registers, now that none runs. */
static void report_crash(struct vm *vm)
{
    int crashed = vm->stop.crashed_cpu;
    if (crashed < 0)
        return;
    bool reset = vm->stop.crash_after_reset;
    if (vm->ncpus == 1) {
        fprintf(stderr, "wisp: guest registers %s:\n",
                reset ? "after KVM's reset (not the crash state)" : "at the crash");
        crash_report_registers(stderr, vm->cpus[0].accel);
        return;
    }
    for (unsigned i = 0; i < vm->ncpus; i++) {
        const struct vcpu *cpu = &vm->cpus[i];
        const char *what = "";
        if ((int)i == crashed)
            what = reset ? ", the one that crashed (after KVM's reset, not the crash state)"
                         : ", the one that crashed";
        else if (cpu->waiting_for_start)
            what = ", waiting for start-up";
        fprintf(stderr, "wisp: CPU %u (APIC ID %u) registers%s:\n", i, i, what);
        crash_report_registers(stderr, cpu->accel);
    }
}

static void finish(struct vm *vm)
{
    serial_console_flush(&vm->console);
    if (vm->cfg.screenshot_path) {
        struct wisp_error shot_err = { 0 };
        if (vm_save_screenshot(vm, vm->cfg.screenshot_path, &shot_err) < 0)
            fprintf(stderr, "wisp: %s\n", shot_err.message);
    }
    if (vm->cfg.ascii_preview)
        vm_print_ascii_preview(vm, stderr);
}

int vm_run(struct vm *vm, struct vm_result *result, struct wisp_error *err)
{
    memset(result, 0, sizeof *result);
    vm->timeout_at_ns = vm->cfg.timeout_seconds > 0
        ? clock_monotonic_ns() + (uint64_t)(vm->cfg.timeout_seconds * 1e9) : 0;
    if (ticker_start(err) < 0)
        return -1;
    serial_console_start(&vm->console);

    struct wisp_error start_err = { 0 };
    if (start_threads(vm, &start_err) < 0)
        vm_request_failure(vm, &start_err, NULL, false);
    host_loop(vm);
    join_threads(vm);

    ticker_stop();
    serial_console_stop(&vm->console);
    if (vm->stop.failed)
        report_crash(vm);
    finish(vm);
    if (vm->stop.failed) {
        *err = vm->stop.err;
        return -1;
    }
    *result = vm->stop.result;
    return 0;
}
