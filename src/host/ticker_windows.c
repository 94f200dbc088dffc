/*
 * ticker.h on Windows, where there are no signals to interrupt
 * WHvRunVirtualProcessor: a thread wakes every TICKER_PERIOD_MS (and at the
 * moment ticker_kick_at() asks for) and calls accel_vcpu_kick(), which
 * cancels the run from the other thread. Console control events stand in
 * for the signals: Ctrl-C (when the console is not raw) and Ctrl-Break stop
 * like SIGINT, closing the console window like SIGHUP, logoff and shutdown
 * like SIGTERM. There is no SIGUSR1: the screenshot key is Ctrl-A s.
 */
#include "ticker.h"

#include <windows.h>
#include <mmsystem.h>

#include "clock.h"

#define STOP_SIGINT 2
#define STOP_SIGHUP 1
#define STOP_SIGTERM 15
/* How long a console close waits for the run loop to finish (Windows ends
 * the process about 5 s after CTRL_CLOSE_EVENT). */
#define CLOSE_GRACE_MS 4500

static SRWLOCK target_lock = SRWLOCK_INIT;
static struct accel_vcpu *kick_target; /* under target_lock */
static HANDLE thread, wake_event;
static volatile LONG quit_thread;
static volatile LONG64 deadline_ns; /* clock_monotonic_ns(), 0 = none */
static volatile LONG stop_requested, screenshot_requested, stop_signal_seen;
static bool handler_installed, period_raised;

static void kick(void)
{
    AcquireSRWLockShared(&target_lock);
    if (kick_target)
        accel_vcpu_kick(kick_target);
    ReleaseSRWLockShared(&target_lock);
}

static DWORD WINAPI tick_thread(void *unused)
{
    (void)unused;
    uint64_t next_tick = clock_monotonic_ns() + TICKER_PERIOD_MS * 1000000ull;
    while (!quit_thread) {
        uint64_t now = clock_monotonic_ns();
        uint64_t deadline = (uint64_t)deadline_ns;
        if (deadline && deadline <= now) {
            InterlockedCompareExchange64(&deadline_ns, 0, (LONG64)deadline);
            kick();
            continue;
        }
        if (next_tick <= now) {
            kick();
            next_tick = now + TICKER_PERIOD_MS * 1000000ull;
            continue;
        }
        uint64_t wake = deadline && deadline < next_tick ? deadline : next_tick;
        /* Round up: waking early would only loop once more. */
        DWORD wait_ms = (DWORD)((wake - now + 999999) / 1000000);
        WaitForSingleObject(wake_event, wait_ms);
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
    kick();
    /* Returning from these ends the process: give the run loop time to
     * stop, restore the console and save the screenshot; the process
     * exits normally from main() meanwhile. */
    if (event == CTRL_CLOSE_EVENT || event == CTRL_LOGOFF_EVENT || event == CTRL_SHUTDOWN_EVENT)
        Sleep(CLOSE_GRACE_MS);
    return TRUE;
}

int ticker_start(struct accel_vcpu *vcpu, struct wisp_error *err)
{
    AcquireSRWLockExclusive(&target_lock);
    kick_target = vcpu;
    ReleaseSRWLockExclusive(&target_lock);
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

void ticker_kick_now(void)
{
    kick();
}

void ticker_kick_at(uint64_t when_ns)
{
    InterlockedExchange64(&deadline_ns, (LONG64)when_ns);
    if (wake_event)
        SetEvent(wake_event);
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
    InterlockedExchange64(&deadline_ns, 0);
    if (period_raised) {
        timeEndPeriod(1);
        period_raised = false;
    }
    /* After this no kick reaches the vCPU, which may now be destroyed. */
    AcquireSRWLockExclusive(&target_lock);
    kick_target = NULL;
    ReleaseSRWLockExclusive(&target_lock);
    /* Nobody reads the flags any more: Ctrl-C during the final screenshot
     * or the teardown gets Windows' default handling (the process ends). */
    if (handler_installed && SetConsoleCtrlHandler(on_console_event, FALSE))
        handler_installed = false;
}

bool ticker_stop_pending(void)
{
    return stop_requested != 0;
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
