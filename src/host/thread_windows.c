#include "thread.h"

#include <stdio.h>
#include <stdlib.h>

#include "clock.h"

void host_mutex_init(struct host_mutex *m)
{
    InitializeSRWLock(&m->lock);
}

void host_mutex_destroy(struct host_mutex *m)
{
    (void)m; /* SRW locks hold no resources */
}

void host_mutex_lock(struct host_mutex *m)
{
    AcquireSRWLockExclusive(&m->lock);
}

void host_mutex_unlock(struct host_mutex *m)
{
    ReleaseSRWLockExclusive(&m->lock);
}

void host_cond_init(struct host_cond *c)
{
    InitializeConditionVariable(&c->cond);
}

void host_cond_destroy(struct host_cond *c)
{
    (void)c;
}

void host_cond_wait(struct host_cond *c, struct host_mutex *m)
{
    SleepConditionVariableSRW(&c->cond, &m->lock, INFINITE, 0);
}

bool host_cond_wait_until(struct host_cond *c, struct host_mutex *m, uint64_t deadline_ns)
{
    uint64_t now = clock_monotonic_ns();
    if (deadline_ns <= now)
        return false;
    /* Round up: waking early would only loop once more in the caller. */
    uint64_t ms = (deadline_ns - now + 999999) / 1000000;
    DWORD wait = ms >= INFINITE ? INFINITE - 1 : (DWORD)ms;
    if (SleepConditionVariableSRW(&c->cond, &m->lock, wait, 0))
        return true;
    if (GetLastError() == ERROR_TIMEOUT)
        return false;
    fprintf(stderr, "wisp: SleepConditionVariableSRW failed (error %lu)\n",
            (unsigned long)GetLastError());
    abort();
}

void host_cond_signal(struct host_cond *c)
{
    WakeConditionVariable(&c->cond);
}

void host_cond_broadcast(struct host_cond *c)
{
    WakeAllConditionVariable(&c->cond);
}

static DWORD WINAPI trampoline(void *opaque)
{
    struct host_thread *t = opaque;
    t->fn(t->arg);
    return 0;
}

int host_thread_start(struct host_thread *t, const char *name, void *(*fn)(void *), void *arg,
                      struct wisp_error *err)
{
    t->fn = fn;
    t->arg = arg;
    t->handle = CreateThread(NULL, 0, trampoline, t, 0, NULL);
    if (!t->handle)
        return wisp_fail(err, WISP_EXIT_HOST_ERROR, "cannot start thread %s (error %lu)", name,
                         (unsigned long)GetLastError());
    return 0;
}

int host_thread_start_worker(struct host_thread *t, const char *name, void *(*fn)(void *),
                             void *arg, struct wisp_error *err)
{
    return host_thread_start(t, name, fn, arg, err); /* no signals on Windows */
}

void host_thread_join(struct host_thread *t)
{
    WaitForSingleObject(t->handle, INFINITE);
    CloseHandle(t->handle);
    t->handle = NULL;
}
