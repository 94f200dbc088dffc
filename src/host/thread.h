/*
 * Threads, mutexes and condition variables: pthreads on POSIX
 * (thread_posix.c), SRW locks, condition variables and CreateThread on
 * Windows (thread_windows.c). Only what wisp uses: one thread per vCPU,
 * plain (non-recursive) mutexes, waits with a monotonic deadline.
 *
 * Nothing here fails once initialised except thread creation; the lock and
 * wait calls abort the process on an impossible error (a corrupted mutex)
 * rather than carry on with broken locking.
 */
#ifndef WISP_HOST_THREAD_H
#define WISP_HOST_THREAD_H

#include <stdbool.h>
#include <stdint.h>

#include "core/error.h"

#ifdef _WIN32
#include <windows.h>
struct host_mutex { SRWLOCK lock; };
struct host_cond { CONDITION_VARIABLE cond; };
struct host_thread { HANDLE handle; void *(*fn)(void *); void *arg; };
#else
#include <pthread.h>
struct host_mutex { pthread_mutex_t mutex; };
struct host_cond { pthread_cond_t cond; };
struct host_thread { pthread_t thread; };
#endif

void host_mutex_init(struct host_mutex *m);
void host_mutex_destroy(struct host_mutex *m);
void host_mutex_lock(struct host_mutex *m);
void host_mutex_unlock(struct host_mutex *m);

/* Waits measure time on clock_monotonic_ns() (host/clock.h). */
void host_cond_init(struct host_cond *c);
void host_cond_destroy(struct host_cond *c);
void host_cond_wait(struct host_cond *c, struct host_mutex *m);
/* Returns false when deadline_ns (monotonic) passed without a signal;
 * spurious wake-ups return true, as with pthreads: re-check the condition. */
bool host_cond_wait_until(struct host_cond *c, struct host_mutex *m, uint64_t deadline_ns);
void host_cond_signal(struct host_cond *c);
void host_cond_broadcast(struct host_cond *c);

/* Starts fn(arg) on a new thread. name (at most 15 characters) shows in
 * debuggers and /proc where the host supports it. */
int host_thread_start(struct host_thread *t, const char *name, void *(*fn)(void *), void *arg,
                      struct wisp_error *err);
/* The same for a device's I/O worker: it takes no signals, so that the
 * ones wisp uses to stop and to kick vCPUs out of the guest (host/ticker.h)
 * always reach the main and vCPU threads. */
int host_thread_start_worker(struct host_thread *t, const char *name, void *(*fn)(void *),
                             void *arg, struct wisp_error *err);
void host_thread_join(struct host_thread *t);

#endif
