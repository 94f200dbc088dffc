/*
 * A periodic host timer that kicks the vCPU out of KVM_RUN so the run loop
 * can poll console input, check the timeout and sample for idleness while
 * the guest runs without exiting. Signals (SIGINT, SIGTERM, SIGHUP, SIGUSR1)
 * are turned into flags the run loop reads.
 */
#ifndef WISP_TICKER_H
#define WISP_TICKER_H

#include <stdbool.h>
#include <stdint.h>

#include "accel/accel.h"

#define TICKER_PERIOD_MS 10

enum ticker_event {
    TICKER_NONE = 0,
    TICKER_STOP = 1 << 0,       /* SIGINT, SIGTERM, SIGHUP */
    TICKER_SCREENSHOT = 1 << 1, /* SIGUSR1 */
};

int ticker_start(struct accel_vcpu *vcpu, struct wisp_error *err);
/* Stops the ticks. A stop signal after this (during the final screenshot
 * or the teardown) ends wisp at once with status 128+N. */
void ticker_stop(void);

/* True when a stop signal has come in that ticker_take_events() has not
 * handed out yet (for loops that wait on something else meanwhile). */
bool ticker_stop_pending(void);

/* Also kicks the vCPU at one moment (CLOCK_MONOTONIC ns), for a timer of
 * the user-space interrupt controller falling due between ticks; a later
 * call replaces the earlier moment, 0 cancels it. */
void ticker_kick_at(uint64_t monotonic_ns);

/* Brings the vCPU out of the guest soon, from another thread (an I/O
 * worker that raised an interrupt in wisp's own irqchip): it then sees the
 * interrupt before it enters the guest again or stops waiting for one. */
void ticker_kick_now(void);

/* Events since the last call, and the signal that asked to stop. */
unsigned ticker_take_events(int *stop_signal);

#endif
