#include "mutex.h"

#include <pthread.h>
#include <stdlib.h>

struct host_mutex {
    pthread_mutex_t m;
};

struct host_cond {
    pthread_cond_t c;
};

struct host_mutex *host_mutex_create(void)
{
    struct host_mutex *m = malloc(sizeof *m);
    if (m && pthread_mutex_init(&m->m, NULL) != 0) {
        free(m);
        return NULL;
    }
    return m;
}

void host_mutex_destroy(struct host_mutex *m)
{
    if (!m)
        return;
    pthread_mutex_destroy(&m->m);
    free(m);
}

void host_mutex_lock(struct host_mutex *m)
{
    pthread_mutex_lock(&m->m);
}

void host_mutex_unlock(struct host_mutex *m)
{
    pthread_mutex_unlock(&m->m);
}

struct host_cond *host_cond_create(void)
{
    struct host_cond *c = malloc(sizeof *c);
    if (c && pthread_cond_init(&c->c, NULL) != 0) {
        free(c);
        return NULL;
    }
    return c;
}

void host_cond_destroy(struct host_cond *c)
{
    if (!c)
        return;
    pthread_cond_destroy(&c->c);
    free(c);
}

void host_cond_wait(struct host_cond *c, struct host_mutex *m)
{
    pthread_cond_wait(&c->c, &m->m);
}

void host_cond_broadcast(struct host_cond *c)
{
    pthread_cond_broadcast(&c->c);
}
