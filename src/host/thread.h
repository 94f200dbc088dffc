/*
 * I/O worker threads. They block every signal, so that the signals wisp
 * uses to stop and to kick the vCPU out of the guest (SIGALRM, SIGINT,
 * SIGTERM, SIGHUP, SIGUSR1: host/ticker.h) always reach the vCPU thread.
 * POSIX only for now (thread_posix.c); on Windows host_thread_start fails.
 */
#ifndef WISP_HOST_THREAD_H
#define WISP_HOST_THREAD_H

#include "core/error.h"

struct host_thread;

/* Runs fn(arg) on a new thread; name (up to 15 characters) shows in ps. */
int host_thread_start(struct host_thread **out, const char *name, void *(*fn)(void *),
                      void *arg, struct wisp_error *err);
/* Waits for the thread to return and frees it (NULL: nothing). */
void host_thread_join(struct host_thread *t);

#endif
