#include "thread.h"

int host_thread_start(struct host_thread **out, const char *name, void *(*fn)(void *),
                      void *arg, struct wisp_error *err)
{
    (void)out, (void)fn, (void)arg;
    return wisp_fail(err, WISP_EXIT_HOST_ERROR, "cannot start the %s thread: I/O threads are "
                     "not supported on Windows yet", name);
}

void host_thread_join(struct host_thread *t)
{
    (void)t;
}
