/*
 * Running a VM: one host thread per vCPU (vcpu_run.c: what one vCPU does
 * on an exit), while the main thread serves the host: console input into
 * COM1, signals and the escape keys, --timeout, idle detection across all
 * CPUs (vm_idle.c), the control socket (vm_api.h) and screenshots (taken with
 * the world paused, vcpu_pause.h). When a
 * stop is requested (vm_stop.c) every vCPU thread ends; the main thread
 * joins them, prints every CPU's registers after a crash, restores the
 * terminal and writes the final screenshot.
 */
#include "vm_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "cpu_status_report.h"
#include "crash_report.h"
#include "debug/exit_profile.h"
#include "gdb_stub.h"
#include "host/clock.h"
#include "host/sandbox.h"
#include "host/screenshot.h"
#include "host/ticker.h"
#include "uart_write_queue.h"
#include "vcpu_pause.h"
#include "vm_api.h"

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

/* Output that cannot be written any more (the reader went away, a full
 * disk) stops the guest instead of being dropped without a word. */
static void report_output_error(struct vm *vm, int e)
{
    struct wisp_error err = { 0 };
    errno = e;
    wisp_fail_errno(&err, WISP_EXIT_HOST_ERROR, "cannot write the guest's output%s; stopping",
                    e == EPIPE ? " (its reader went away)" : "");
    vm_request_failure(vm, &err, NULL, false);
}

/* A reader that holds the guest's output up must not hold up a stop (the
 * vCPU thread writing it holds the device lock meanwhile). */
static bool output_should_give_up(void *opaque)
{
    struct vm *vm = opaque;
    return vm_stopping(vm) || ticker_stop_pending() ||
           (vm->timeout_at_ns && clock_monotonic_ns() >= vm->timeout_at_ns);
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
        vm->console.hold_input = !uart16550_receiver_in_use(&vm->com1);
    enum console_command cmd = serial_console_poll(&vm->console, &vm->com1);
    serial_console_flush(&vm->console);
    vm_text_screen_poll(vm);
    int output_error = serial_console_output_error(&vm->console);
    host_mutex_unlock(&vm->device_lock);
    if (output_error) {
        report_output_error(vm, output_error);
        return;
    }
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

static void host_loop(struct vm *vm)
{
    struct vm_idle idle = { 0 };
    while (!vm_stopping(vm)) {
        uart_write_queue_take(vm); /* output of a guest that makes no exit */
        service_host(vm);
        if (vm_stopping(vm))
            break;
        /* --no-shutdown: the guest has stopped for good; only the host's
         * keys, signals and --timeout end wisp. */
        if (!vm_guest_stopped(vm))
            vm_check_idle(vm, &idle);
        vm_api_service(vm);
        if (vm_stopping(vm))
            break;
        vm_api_wait(vm, TICKER_PERIOD_MS); /* console input, the control socket */
    }
}

static int start_threads(struct vm *vm, struct wisp_error *err)
{
    for (unsigned i = 0; i < vm->ncpus; i++) {
        struct vcpu *cpu = &vm->cpus[i];
        char name[16];
        snprintf(name, sizeof name, "wisp-cpu%u", i % 1000u);
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
        if (vm->cfg.step_history)
            step_history_print(stderr, &vm->cpus[0].steps, "instructions (--step-history)");
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
        if (vm->cfg.step_history) {
            char heading[64];
            snprintf(heading, sizeof heading, "CPU %u's instructions (--step-history)", i);
            step_history_print(stderr, &cpu->steps, heading);
        }
    }
}

/* --exit-profile: every vCPU's counts together, once none runs. */
static void print_exit_profile(struct vm *vm)
{
    if (!vm->cfg.exit_profile || !vm->cpus[0].profile || !vm->cpus[0].first_entry_ns)
        return;
    struct exit_profile *total = vm->cpus[0].profile;
    for (unsigned i = 1; i < vm->ncpus; i++)
        if (vm->cpus[i].profile)
            exit_profile_merge(total, vm->cpus[i].profile);
    uint64_t first = vm->cpus[0].first_entry_ns;
    struct exit_profile_times times = {
        .run_ns = clock_monotonic_ns() - first,
        .first_entry_ns = vm->cfg.started_ns && vm->cfg.started_ns < first
                              ? first - vm->cfg.started_ns : 0,
        .cpus = vm->ncpus,
        .queued_port_writes = vm->com1_queue.taken,
    };
    exit_profile_print(stderr, total, &times);
}

/* Returns false when the screenshot asked for could not be written. */
static bool finish(struct vm *vm)
{
    bool ok = true;
    uart_write_queue_take(vm);
    serial_console_flush(&vm->console);
    if (vm->cfg.debugcon_output && !vm->cfg.debugcon_shares_console)
        host_output_finish(&vm->debugcon_out);
    vm_text_screen_finish(vm);
    if (vm->cfg.screenshot_path) {
        struct wisp_error shot_err = { 0 };
        if (vm_save_screenshot(vm, vm->cfg.screenshot_path, &shot_err) < 0) {
            fprintf(stderr, "wisp: %s\n", shot_err.message);
            ok = false;
        }
    }
    if (vm->cfg.ascii_preview)
        vm_print_ascii_preview(vm, stderr);
    unclaimed_log_summary(&vm->unclaimed);
    return ok;
}

int vm_run(struct vm *vm, struct vm_result *result, struct wisp_error *err)
{
    memset(result, 0, sizeof *result);
    /* Linux probes for hardware that is not there: only -v shows that. */
    unclaimed_log_init(&vm->unclaimed, vm_is_linux(vm) ? NULL : stderr);
    vm->timeout_at_ns = vm->cfg.timeout_seconds > 0
        ? clock_monotonic_ns() + (uint64_t)(vm->cfg.timeout_seconds * 1e9) : 0;
    if (ticker_start(err) < 0)
        return -1;
    serial_console_set_give_up(&vm->console, output_should_give_up, vm);
    serial_console_start(&vm->console);

    /* Privileges go before any thread is confined; the vCPU threads confine
     * themselves (vm_thread_started), the main thread once they run. */
    struct sandbox_options opts = vm->cfg.sandbox;
    opts.files = vm->fb_size != 0 || vm->vga_enabled || vm->api; /* screenshots, snapshots */
    struct sandbox_options thread_opts = opts;
    thread_opts.files = false;
    if (sandbox_drop_privileges(&opts, err) < 0) {
        ticker_stop();
        serial_console_stop(&vm->console);
        return -1;
    }
    vm->thread_sandbox = thread_opts;
    sandbox_release_threads(&thread_opts); /* device workers */

    uart_write_queue_start(vm);
    struct wisp_error start_err = { 0 };
    if (start_threads(vm, &start_err) < 0 || (vm->gdb && gdb_stub_start(vm->gdb, &start_err) < 0) ||
        sandbox_enter(SANDBOX_THREAD_MAIN | SANDBOX_THREAD_VCPU |
                      (vm->api ? SANDBOX_THREAD_API : 0), &opts, &start_err) < 0)
        vm_request_failure(vm, &start_err, NULL, false);
    else if (vm->cfg.test_hook_sandboxed)
        vm->cfg.test_hook_sandboxed();
    host_loop(vm);
    join_threads(vm);
    print_exit_profile(vm);
    gdb_stub_finish(vm->gdb, vm->stop.result.exit_status);

    ticker_stop();
    serial_console_stop(&vm->console);
    host_mutex_lock(&vm->device_lock);
    int output_error = serial_console_output_error(&vm->console);
    host_mutex_unlock(&vm->device_lock);
    /* Lost output makes even a clean end a failure. */
    if (output_error && !vm->stop.failed) {
        struct wisp_error out_err = { 0 };
        errno = output_error;
        wisp_fail_errno(&out_err, WISP_EXIT_HOST_ERROR, "cannot write the guest's output%s; stopping",
                        output_error == EPIPE ? " (its reader went away)" : "");
        vm->stop.failed = true;
        vm->stop.err = out_err;
    }
    if (vm->stop.failed)
        report_crash(vm);
    bool written = finish(vm);
    /* Cut short from outside (--timeout, or timeout(1)'s SIGTERM): where
     * the guest was tells a hang from a slow run. After the screen
     * (--ascii), which readers expect right below the stop message. */
    if (vm->stop.result.reason == VM_STOP_TIMEOUT)
        cpu_status_report(stderr, vm, "when the time ran out");
    else if (vm->stop.result.reason == VM_STOP_SIGNAL)
        cpu_status_report(stderr, vm, "when the signal came");
    if (vm->stop.failed) {
        *err = vm->stop.err;
        return -1;
    }
    *result = vm->stop.result;
    /* The run did not deliver what was asked for: not a pass (README). */
    if (!written) {
        fprintf(stderr, "wisp: exit status %d (the screenshot was not written) instead of %d\n",
                WISP_EXIT_HOST_ERROR, result->exit_status);
        result->exit_status = WISP_EXIT_HOST_ERROR;
    }
    return 0;
}
