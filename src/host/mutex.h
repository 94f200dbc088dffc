/*
 * A mutex and a condition variable, for the VM's device lock and the I/O
 * workers that share it (pthreads on POSIX hosts, SRW locks and condition
 * variables on Windows: mutex_posix.c, mutex_windows.c). Not recursive.
 */
#ifndef WISP_HOST_MUTEX_H
#define WISP_HOST_MUTEX_H

struct host_mutex;
struct host_cond;

/* NULL when the host is out of memory. */
struct host_mutex *host_mutex_create(void);
void host_mutex_destroy(struct host_mutex *m);
void host_mutex_lock(struct host_mutex *m);
void host_mutex_unlock(struct host_mutex *m);

struct host_cond *host_cond_create(void);
void host_cond_destroy(struct host_cond *c);
/* Releases m while waiting; m is held again on return. */
void host_cond_wait(struct host_cond *c, struct host_mutex *m);
void host_cond_broadcast(struct host_cond *c);

#endif
