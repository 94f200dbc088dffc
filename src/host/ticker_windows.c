/*
 * ticker.h on Windows, where there are no signals to interrupt
 * WHvRunVirtualProcessor: one thread wakes every TICKER_PERIOD_MS (and at
 * the moments ticker_vcpu_kick_at() asks for) and calls accel_vcpu_kick()
 * for the vCPUs concerned, which cancels their runs from this thread; a
 * kick from another thread calls it directly. Console control events stand
 * in for the signals: Ctrl-C (when the console is not raw) and Ctrl-Break
 * stop like SIGINT, closing the console window like SIGHUP, logoff and
 * shutdown like SIGTERM. There is no SIGUSR1: the screenshot key is Ctrl-A s.
 */
#include "ticker.h"

#include <stdlib.h>
#include <windows.h>
#include <mmsystem.h>

#include "clock.h"

#define STOP_SIGINT 2
#define STOP_SIGHUP 1
#define STOP_SIGTERM 15
/* How long a console close waits for the run loop to finish (Windows ends
 * the process about 5 s after CTRL_CLOSE_EVENT). */
#define CLOSE_GRACE_MS 4500
#define MAX_VCPUS 64

struct ticker_vcpu {
    struct accel_vcpu *vcpu;
    unsigned period_ms;        /* 0: no periodic kicks */
    uint64_t next_tick_ns;
    volatile LONG64 deadline_ns; /* clock_monotonic_ns(), 0 = none */
};

/* The attached vCPUs, under registry_lock: the timer thread kicks them. */
static SRWLOCK registry_lock = SRWLOCK_INIT;
static struct ticker_vcpu *registry[MAX_VCPUS];
static HANDLE thread, wake_event;
static volatile LONG quit_thread;
static volatile LONG stop_requested, screenshot_requested, stop_signal_seen;
static bool handler_installed, period_raised;

/* One pass: kick what is due; returns the next moment to wake. The
 * periodic ticks are only touched here, under the shared lock, by this one
 * thread. */
static uint64_t kick_due(uint64_t now)
{
    uint64_t next = now + TICKER_PERIOD_MS * 1000000ull;
    AcquireSRWLockShared(&registry_lock);
    for (int i = 0; i < MAX_VCPUS; i++) {
        struct ticker_vcpu *t = registry[i];
        if (!t)
            continue;
        uint64_t deadline = (uint64_t)t->deadline_ns;
        bool due = deadline && deadline <= now;
        if (due)
            InterlockedCompareExchange64(&t->deadline_ns, 0, (LONG64)deadline);
        bool tick = t->period_ms && t->next_tick_ns <= now;
        if (tick)
            t->next_tick_ns = now + t->period_ms * 1000000ull;
        if (due || tick)
            accel_vcpu_kick(t->vcpu);
        if (deadline && !due && deadline < next)
            next = deadline;
        if (t->period_ms && t->next_tick_ns < next)
            next = t->next_tick_ns;
    }
    ReleaseSRWLockShared(&registry_lock);
    return next;
}

static DWORD WINAPI tick_thread(void *unused)
{
    (void)unused;
    while (!quit_thread) {
        uint64_t now = clock_monotonic_ns();
        uint64_t wake = kick_due(now);
        now = clock_monotonic_ns();
        if (wake <= now)
            continue;
        /* Round up: waking early would only loop once more. */
        WaitForSingleObject(wake_event, (DWORD)((wake - now + 999999) / 1000000));
    }
    return 0;
}

static BOOL WINAPI on_console_event(DWORD event)
{
    LONG sig;
    switch (event) {
    case CTRL_C_EVENT:
    case CTRL_BREAK_EVENT:
        sig = STOP_SIGINT;
        break;
    case CTRL_CLOSE_EVENT:
        sig = STOP_SIGHUP;
        break;
    case CTRL_LOGOFF_EVENT:
    case CTRL_SHUTDOWN_EVENT:
        sig = STOP_SIGTERM;
        break;
    default:
        return FALSE;
    }
    InterlockedExchange(&stop_signal_seen, sig);
    InterlockedExchange(&stop_requested, 1);
    /* Returning from these ends the process: give the main thread time to
     * stop the vCPUs, restore the console and save the screenshot; the
     * process exits normally from main() meanwhile. */
    if (event == CTRL_CLOSE_EVENT || event == CTRL_LOGOFF_EVENT || event == CTRL_SHUTDOWN_EVENT)
        Sleep(CLOSE_GRACE_MS);
    return TRUE;
}

int ticker_start(struct wisp_error *err)
{
    if (!handler_installed) {
        if (!SetConsoleCtrlHandler(on_console_event, TRUE))
            return wisp_fail(err, WISP_EXIT_HOST_ERROR,
                             "cannot install the console control handler (error %lu)",
                             (unsigned long)GetLastError());
        handler_installed = true;
    }
    /* 1 ms timer resolution while the guest runs, so ticks and timer
     * deadlines are not rounded up to the default 15.6 ms. */
    period_raised = timeBeginPeriod(1) == TIMERR_NOERROR;
    quit_thread = 0;
    wake_event = CreateEventW(NULL, FALSE, FALSE, NULL);
    if (!wake_event)
        return wisp_fail(err, WISP_EXIT_HOST_ERROR, "cannot create the run-loop timer event (error %lu)",
                         (unsigned long)GetLastError());
    thread = CreateThread(NULL, 0, tick_thread, NULL, 0, NULL);
    if (!thread) {
        CloseHandle(wake_event);
        wake_event = NULL;
        return wisp_fail(err, WISP_EXIT_HOST_ERROR, "cannot start the run-loop timer thread (error %lu)",
                         (unsigned long)GetLastError());
    }
    return 0;
}

void ticker_stop(void)
{
    if (thread) {
        InterlockedExchange(&quit_thread, 1);
        SetEvent(wake_event);
        WaitForSingleObject(thread, INFINITE);
        CloseHandle(thread);
        CloseHandle(wake_event);
        thread = NULL;
        wake_event = NULL;
    }
    if (period_raised) {
        timeEndPeriod(1);
        period_raised = false;
    }
}

unsigned ticker_take_events(int *stop_signal)
{
    unsigned events = TICKER_NONE;
    if (InterlockedExchange(&stop_requested, 0))
        events |= TICKER_STOP;
    if (InterlockedExchange(&screenshot_requested, 0))
        events |= TICKER_SCREENSHOT;
    if (stop_signal)
        *stop_signal = (int)stop_signal_seen;
    return events;
}

int ticker_vcpu_create(struct ticker_vcpu **out, struct accel_vcpu *vcpu, struct wisp_error *err)
{
    struct ticker_vcpu *t = calloc(1, sizeof *t);
    if (!t)
        return wisp_fail(err, WISP_EXIT_HOST_ERROR, "out of memory");
    t->vcpu = vcpu;
    *out = t;
    return 0;
}

void ticker_vcpu_destroy(struct ticker_vcpu *t)
{
    free(t);
}

int ticker_vcpu_attach(struct ticker_vcpu *t, unsigned period_ms, struct wisp_error *err)
{
    t->period_ms = period_ms;
    t->next_tick_ns = clock_monotonic_ns() + period_ms * 1000000ull;
    AcquireSRWLockExclusive(&registry_lock);
    int slot = -1;
    for (int i = 0; i < MAX_VCPUS && slot < 0; i++)
        if (!registry[i])
            slot = i;
    if (slot >= 0)
        registry[slot] = t;
    ReleaseSRWLockExclusive(&registry_lock);
    if (slot < 0)
        return wisp_fail(err, WISP_EXIT_HOST_ERROR, "more than %d vCPU threads", MAX_VCPUS);
    return 0;
}

void ticker_vcpu_detach(struct ticker_vcpu *t)
{
    /* After this the timer thread no longer reaches the vCPU. */
    AcquireSRWLockExclusive(&registry_lock);
    for (int i = 0; i < MAX_VCPUS; i++)
        if (registry[i] == t)
            registry[i] = NULL;
    ReleaseSRWLockExclusive(&registry_lock);
}

void ticker_vcpu_kick_at(struct ticker_vcpu *t, uint64_t when_ns)
{
    InterlockedExchange64(&t->deadline_ns, (LONG64)when_ns);
    if (wake_event)
        SetEvent(wake_event);
}

void ticker_vcpu_kick(struct ticker_vcpu *t)
{
    accel_vcpu_kick(t->vcpu);
}

bool ticker_stop_pending(void)
{
    return stop_requested != 0;
}
