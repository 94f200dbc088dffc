#include "mutex.h"

#include <stdlib.h>
#include <windows.h>

struct host_mutex {
    SRWLOCK lock;
};

struct host_cond {
    CONDITION_VARIABLE cond;
};

struct host_mutex *host_mutex_create(void)
{
    struct host_mutex *m = malloc(sizeof *m);
    if (m)
        InitializeSRWLock(&m->lock);
    return m;
}

void host_mutex_destroy(struct host_mutex *m)
{
    free(m);
}

void host_mutex_lock(struct host_mutex *m)
{
    AcquireSRWLockExclusive(&m->lock);
}

void host_mutex_unlock(struct host_mutex *m)
{
    ReleaseSRWLockExclusive(&m->lock);
}

struct host_cond *host_cond_create(void)
{
    struct host_cond *c = malloc(sizeof *c);
    if (c)
        InitializeConditionVariable(&c->cond);
    return c;
}

void host_cond_destroy(struct host_cond *c)
{
    free(c);
}

void host_cond_wait(struct host_cond *c, struct host_mutex *m)
{
    SleepConditionVariableSRW(&c->cond, &m->lock, INFINITE, 0);
}

void host_cond_broadcast(struct host_cond *c)
{
    WakeAllConditionVariable(&c->cond);
}
