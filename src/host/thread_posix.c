#include "thread.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void check(int rc, const char *what)
{
    if (rc == 0)
        return;
    fprintf(stderr, "wisp: %s failed: %s\n", what, strerror(rc));
    abort();
}

void host_mutex_init(struct host_mutex *m)
{
    check(pthread_mutex_init(&m->mutex, NULL), "pthread_mutex_init");
}

void host_mutex_destroy(struct host_mutex *m)
{
    pthread_mutex_destroy(&m->mutex);
}

void host_mutex_lock(struct host_mutex *m)
{
    check(pthread_mutex_lock(&m->mutex), "pthread_mutex_lock");
}

void host_mutex_unlock(struct host_mutex *m)
{
    check(pthread_mutex_unlock(&m->mutex), "pthread_mutex_unlock");
}

void host_cond_init(struct host_cond *c)
{
    pthread_condattr_t attr;
    check(pthread_condattr_init(&attr), "pthread_condattr_init");
    /* Deadlines are monotonic: a change of the wall clock moves nothing. */
    check(pthread_condattr_setclock(&attr, CLOCK_MONOTONIC), "pthread_condattr_setclock");
    check(pthread_cond_init(&c->cond, &attr), "pthread_cond_init");
    pthread_condattr_destroy(&attr);
}

void host_cond_destroy(struct host_cond *c)
{
    pthread_cond_destroy(&c->cond);
}

void host_cond_wait(struct host_cond *c, struct host_mutex *m)
{
    check(pthread_cond_wait(&c->cond, &m->mutex), "pthread_cond_wait");
}

bool host_cond_wait_until(struct host_cond *c, struct host_mutex *m, uint64_t deadline_ns)
{
    struct timespec ts = { (time_t)(deadline_ns / 1000000000u), (long)(deadline_ns % 1000000000u) };
    int rc = pthread_cond_timedwait(&c->cond, &m->mutex, &ts);
    if (rc == ETIMEDOUT)
        return false;
    check(rc, "pthread_cond_timedwait");
    return true;
}

void host_cond_signal(struct host_cond *c)
{
    pthread_cond_signal(&c->cond);
}

void host_cond_broadcast(struct host_cond *c)
{
    pthread_cond_broadcast(&c->cond);
}

int host_thread_start(struct host_thread *t, const char *name, void *(*fn)(void *), void *arg,
                      struct wisp_error *err)
{
    int rc = pthread_create(&t->thread, NULL, fn, arg);
    if (rc != 0) {
        errno = rc;
        return wisp_fail_errno(err, WISP_EXIT_HOST_ERROR, "cannot start thread %s", name);
    }
    pthread_setname_np(t->thread, name);
    return 0;
}

int host_thread_start_worker(struct host_thread *t, const char *name, void *(*fn)(void *),
                             void *arg, struct wisp_error *err)
{
    /* The new thread inherits the mask. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    int rc = host_thread_start(t, name, fn, arg, err);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc;
}

void host_thread_join(struct host_thread *t)
{
    pthread_join(t->thread, NULL);
}
