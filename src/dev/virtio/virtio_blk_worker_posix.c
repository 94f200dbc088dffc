/*
 * virtio-blk's I/O worker: one thread per disk, woken through an eventfd
 * (the queue's ioeventfd, or a write from the notification handler). It
 * takes requests with the device lock held, does the I/O without it, and
 * publishes the results with it again.
 */
#include "virtio_blk.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "host/sandbox.h"
#include "host/thread.h"

struct virtio_blk_worker {
    struct host_thread thread;
    int efd;
    bool stop;
};

/* Takes and completes batches until the queue is empty; lock held on entry
 * and exit. */
static void drain(struct virtio_blk *blk)
{
    struct virtqueue *vq = &blk->vp.vq[0];
    for (;;) {
        if (blk->frozen)
            return; /* a snapshot is being taken; thawing kicks us again */
        vq_set_notification(vq, false);
        uint64_t generation = blk->generation;
        unsigned n = virtio_blk_take(blk, blk->requests, VIRTIO_BLK_BATCH);
        if (n == 0) {
            /* Ask to be told, then look once more: a request added
             * between the last take and the request is not missed. */
            vq_set_notification(vq, true);
            if (vq_has_available(vq))
                continue;
            return;
        }
        blk->busy = true;
        host_mutex_unlock(blk->lock);
        for (unsigned i = 0; i < n; i++)
            virtio_blk_execute(blk, &blk->requests[i]);
        host_mutex_lock(blk->lock);
        if (generation == blk->generation)
            virtio_blk_complete(blk, blk->requests, n);
        blk->busy = false;
        host_cond_broadcast(&blk->idle);
    }
}

static void *run(void *arg)
{
    sandbox_thread_begin(SANDBOX_THREAD_WORKER);
    struct virtio_blk *blk = arg;
    struct virtio_blk_worker *w = blk->worker;
    for (;;) {
        uint64_t count;
        if (read(w->efd, &count, sizeof count) < 0 && errno != EINTR && errno != EAGAIN)
            break;
        host_mutex_lock(blk->lock);
        if (w->stop) {
            host_mutex_unlock(blk->lock);
            break;
        }
        if (virtio_pci_running(&blk->vp))
            drain(blk);
        host_mutex_unlock(blk->lock);
    }
    return NULL;
}

int virtio_blk_worker_start(struct virtio_blk *blk, struct wisp_error *err)
{
    struct virtio_blk_worker *w = calloc(1, sizeof *w);
    if (!w)
        return wisp_fail(err, WISP_EXIT_HOST_ERROR, "out of memory");
    w->efd = eventfd(0, EFD_CLOEXEC);
    if (w->efd < 0) {
        free(w);
        return wisp_fail_errno(err, WISP_EXIT_HOST_ERROR, "virtio-blk: cannot create an eventfd");
    }
    blk->worker = w;
    if (host_thread_start_worker(&w->thread, "wisp-blk", run, blk, err) < 0) {
        close(w->efd);
        free(w);
        blk->worker = NULL;
        return -1;
    }
    return 0;
}

void virtio_blk_worker_stop(struct virtio_blk *blk)
{
    struct virtio_blk_worker *w = blk->worker;
    if (!w)
        return;
    host_mutex_lock(blk->lock);
    w->stop = true;
    host_mutex_unlock(blk->lock);
    virtio_blk_worker_kick(blk);
    host_thread_join(&w->thread);
    close(w->efd);
    free(w);
    blk->worker = NULL;
}

void virtio_blk_worker_kick(struct virtio_blk *blk)
{
    uint64_t one = 1;
    if (blk->worker && write(blk->worker->efd, &one, sizeof one) < 0)
        perror("wisp: virtio-blk: eventfd");
}

int virtio_blk_worker_eventfd(struct virtio_blk *blk)
{
    return blk->worker ? blk->worker->efd : -1;
}
