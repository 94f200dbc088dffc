/*
 * Host signals and the timers that bring vCPU threads out of the guest.
 *
 * Process-wide (ticker_start/ticker_stop/ticker_take_events): SIGINT,
 * SIGTERM and SIGHUP become a stop request, SIGUSR1 a screenshot request;
 * the main thread reads them with ticker_take_events(). On Windows the
 * console control events stand in for the signals (see ticker_windows.c).
 *
 * Per vCPU (struct ticker_vcpu): a way to make one vCPU thread's
 * accel_vcpu_run() return ACCEL_EXIT_CANCELED soon, from any thread
 * (ticker_vcpu_kick), at a moment of its own (ticker_vcpu_kick_at, for a
 * timer of the user-space interrupt controller), and periodically when
 * asked for (the in-kernel irqchip keeps HLT to itself: the thread samples
 * whether its vCPU is halted on each tick).
 *
 * On POSIX a kick is accel_vcpu_kick() (KVM's immediate_exit, so a kick
 * that lands just before KVM_RUN is not lost) plus TICKER_KICK_SIGNAL sent
 * to that thread alone (pthread_sigqueue); the per-vCPU timers deliver the
 * same signal to the same thread (SIGEV_THREAD_ID). vCPU threads block the
 * process signals, so those reach the main thread. On Windows one timer
 * thread cancels the runs (WHvCancelRunVirtualProcessor).
 *
 * Life cycle: ticker_vcpu_create() before the vCPU's thread starts;
 * ticker_vcpu_attach() and ticker_vcpu_detach() on that thread, first and
 * last thing; ticker_vcpu_destroy() after it has been joined. Kicks before
 * attach or after detach only set the accelerator's flag.
 */
#ifndef WISP_TICKER_H
#define WISP_TICKER_H

#include <stdbool.h>
#include <stdint.h>

#include "accel/accel.h"

#define TICKER_PERIOD_MS 10

#ifndef _WIN32
#include <signal.h>
/* The per-thread kick. Its handler only sets the accelerator's flag. */
#define TICKER_KICK_SIGNAL SIGUSR2
#endif

enum ticker_event {
    TICKER_NONE = 0,
    TICKER_STOP = 1 << 0,       /* SIGINT, SIGTERM, SIGHUP */
    TICKER_SCREENSHOT = 1 << 1, /* SIGUSR1 */
};

int ticker_start(struct wisp_error *err);
/* Stops the ticks. A stop signal after this (during the final screenshot
 * or the teardown) ends wisp at once with status 128+N. */
void ticker_stop(void);

/* True when a stop signal has come in that ticker_take_events() has not
 * handed out yet (for loops that wait on something else meanwhile). */
bool ticker_stop_pending(void);

/* Events since the last call, and the signal that asked to stop. */
unsigned ticker_take_events(int *stop_signal);

struct ticker_vcpu;

int ticker_vcpu_create(struct ticker_vcpu **out, struct accel_vcpu *vcpu, struct wisp_error *err);
void ticker_vcpu_destroy(struct ticker_vcpu *t);

/* On the vCPU's thread. period_ms: kick that often (0: never). */
int ticker_vcpu_attach(struct ticker_vcpu *t, unsigned period_ms, struct wisp_error *err);
void ticker_vcpu_detach(struct ticker_vcpu *t);

/* On the vCPU's thread: kick at this CLOCK_MONOTONIC moment (ns); a later
 * call replaces the earlier moment, 0 cancels it. */
void ticker_vcpu_kick_at(struct ticker_vcpu *t, uint64_t monotonic_ns);

/* From any thread (not from a signal handler). */
void ticker_vcpu_kick(struct ticker_vcpu *t);

#endif
