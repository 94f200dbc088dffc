#include "thread.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

struct host_thread {
    pthread_t id;
};

int host_thread_start(struct host_thread **out, const char *name, void *(*fn)(void *),
                      void *arg, struct wisp_error *err)
{
    struct host_thread *t = malloc(sizeof *t);
    if (!t)
        return wisp_fail(err, WISP_EXIT_HOST_ERROR, "out of memory");
    /* The new thread inherits the mask: it never takes a signal. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    int rc = pthread_create(&t->id, NULL, fn, arg);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        free(t);
        return wisp_fail(err, WISP_EXIT_HOST_ERROR, "cannot start the %s thread: %s", name,
                         strerror(rc));
    }
    pthread_setname_np(t->id, name);
    *out = t;
    return 0;
}

void host_thread_join(struct host_thread *t)
{
    if (!t)
        return;
    pthread_join(t->id, NULL);
    free(t);
}
