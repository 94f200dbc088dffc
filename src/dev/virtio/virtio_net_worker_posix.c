/*
 * virtio-net's I/O worker: one thread per card, polling the two queue
 * eventfds (receive buffers added, frames to send) and the backend's
 * descriptors. Frames are copied out of and into guest memory with the
 * device lock held and exchanged with the backend without it.
 */
#include "virtio_net.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "host/sandbox.h"
#include "host/thread.h"
#include "net/net_backend.h"

#define POLL_MAX 1024
#define RX_WAITING_MAX 256   /* frames waiting for a receive buffer */
#define TX_STAGING (512u << 10)
#define TX_BATCH 64

struct waiting_frame {
    uint8_t *data;
    size_t len;
};

struct virtio_net_worker {
    struct host_thread thread;
    int efd[2];                 /* VIRTIO_NET_RX, VIRTIO_NET_TX */
    int stop;                   /* atomic */
    struct pollfd fds[POLL_MAX];
    struct waiting_frame rx[RX_WAITING_MAX];
    unsigned rx_head, rx_count;
    uint8_t *tx_staging;
    size_t tx_off[TX_BATCH], tx_len[TX_BATCH];
};

static void drain_eventfd(int fd)
{
    uint64_t count;
    while (read(fd, &count, sizeof count) < 0 && errno == EINTR)
        ;
}

void virtio_net_worker_receive(struct virtio_net *net, const uint8_t *frame, size_t len)
{
    struct virtio_net_worker *w = net->worker;
    if (!w || len == 0 || len > VIRTIO_NET_MAX_FRAME)
        return;
    if (w->rx_count == RX_WAITING_MAX) { /* drop the oldest */
        free(w->rx[w->rx_head].data);
        w->rx_head = (w->rx_head + 1) % RX_WAITING_MAX;
        w->rx_count--;
        net->rx_dropped++;
    }
    uint8_t *copy = malloc(len);
    if (!copy)
        return;
    memcpy(copy, frame, len);
    w->rx[(w->rx_head + w->rx_count) % RX_WAITING_MAX] = (struct waiting_frame){ copy, len };
    w->rx_count++;
}

/* Waiting frames into receive buffers, as far as there are buffers. */
static void deliver(struct virtio_net *net)
{
    struct virtio_net_worker *w = net->worker;
    if (!w->rx_count)
        return;
    struct virtqueue *vq = &net->vp.vq[VIRTIO_NET_RX];
    host_mutex_lock(net->lock);
    bool delivered = false;
    if (net->frozen) { /* frames wait; thawing kicks us again */
        host_mutex_unlock(net->lock);
        return;
    }
    for (;;) {
        while (w->rx_count) {
            struct waiting_frame *f = &w->rx[w->rx_head];
            if (virtio_net_put_rx(net, f->data, f->len) == 0)
                break;
            free(f->data);
            w->rx_head = (w->rx_head + 1) % RX_WAITING_MAX;
            w->rx_count--;
            delivered = true;
        }
        if (!w->rx_count || !virtio_pci_running(&net->vp))
            break;
        /* Out of buffers: ask to be told of new ones, and look again. */
        vq_set_notification(vq, true);
        if (!vq_has_available(vq))
            break;
    }
    if (delivered)
        virtio_net_rx_done(net);
    host_mutex_unlock(net->lock);
}

/* The guest's frames out to the backend, a batch at a time. */
static void transmit(struct virtio_net *net)
{
    struct virtio_net_worker *w = net->worker;
    struct virtqueue *vq = &net->vp.vq[VIRTIO_NET_TX];
    host_mutex_lock(net->lock);
    for (;;) {
        if (!virtio_pci_running(&net->vp) || net->frozen)
            break;
        vq_set_notification(vq, false);
        unsigned n = 0, taken = 0;
        size_t off = 0;
        while (n < TX_BATCH && off + VIRTIO_NET_MAX_FRAME <= TX_STAGING) {
            long len = virtio_net_take_tx(net, w->tx_staging + off, VIRTIO_NET_MAX_FRAME);
            if (len < 0)
                break;
            taken++;
            if (len > 0) {
                w->tx_off[n] = off;
                w->tx_len[n++] = (size_t)len;
                off += (size_t)len;
            }
        }
        if (taken)
            virtio_net_tx_done(net);
        if (!taken) {
            vq_set_notification(vq, true);
            if (vq_has_available(vq))
                continue;
            break;
        }
        host_mutex_unlock(net->lock);
        for (unsigned i = 0; i < n; i++)
            net_backend_send(net->backend, w->tx_staging + w->tx_off[i], w->tx_len[i]);
        host_mutex_lock(net->lock);
    }
    host_mutex_unlock(net->lock);
}

static void *run(void *arg)
{
    sandbox_thread_begin(SANDBOX_THREAD_WORKER | SANDBOX_THREAD_NETWORK);
    struct virtio_net *net = arg;
    struct virtio_net_worker *w = net->worker;
    while (!__atomic_load_n(&w->stop, __ATOMIC_ACQUIRE)) {
        unsigned count = 2;
        int timeout = -1;
        w->fds[VIRTIO_NET_RX] = (struct pollfd){ .fd = w->efd[VIRTIO_NET_RX], .events = POLLIN };
        w->fds[VIRTIO_NET_TX] = (struct pollfd){ .fd = w->efd[VIRTIO_NET_TX], .events = POLLIN };
        net_backend_fill_pollfds(net->backend, w->fds, &count, POLL_MAX, &timeout,
                                 w->rx_count < RX_WAITING_MAX);
        int ready = poll(w->fds, count, timeout);
        if (ready < 0 && errno != EINTR) {
            perror("wisp: virtio-net: poll");
            break;
        }
        if (__atomic_load_n(&w->stop, __ATOMIC_ACQUIRE))
            break;
        if (ready > 0 && (w->fds[VIRTIO_NET_RX].revents & POLLIN))
            drain_eventfd(w->efd[VIRTIO_NET_RX]);
        if (ready > 0 && (w->fds[VIRTIO_NET_TX].revents & POLLIN)) {
            drain_eventfd(w->efd[VIRTIO_NET_TX]);
            transmit(net);
        }
        if (ready < 0)
            for (unsigned i = 0; i < count; i++)
                w->fds[i].revents = 0;
        net_backend_poll_done(net->backend, w->fds, count);
        deliver(net);
    }
    return NULL;
}

int virtio_net_worker_start(struct virtio_net *net, struct wisp_error *err)
{
    struct virtio_net_worker *w = calloc(1, sizeof *w);
    if (!w || !(w->tx_staging = malloc(TX_STAGING))) {
        free(w);
        return wisp_fail(err, WISP_EXIT_HOST_ERROR, "out of memory");
    }
    w->efd[0] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    w->efd[1] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (w->efd[0] < 0 || w->efd[1] < 0) {
        wisp_fail_errno(err, WISP_EXIT_HOST_ERROR, "virtio-net: cannot create an eventfd");
        goto fail;
    }
    net->worker = w;
    if (host_thread_start_worker(&w->thread, "wisp-net", run, net, err) < 0)
        goto fail;
    return 0;
fail:
    net->worker = NULL;
    for (int i = 0; i < 2; i++)
        if (w->efd[i] >= 0)
            close(w->efd[i]);
    free(w->tx_staging);
    free(w);
    return -1;
}

void virtio_net_worker_stop(struct virtio_net *net)
{
    struct virtio_net_worker *w = net->worker;
    if (!w)
        return;
    __atomic_store_n(&w->stop, 1, __ATOMIC_RELEASE);
    virtio_net_worker_kick(net, VIRTIO_NET_TX);
    host_thread_join(&w->thread);
    for (int i = 0; i < 2; i++)
        close(w->efd[i]);
    while (w->rx_count) {
        free(w->rx[w->rx_head].data);
        w->rx_head = (w->rx_head + 1) % RX_WAITING_MAX;
        w->rx_count--;
    }
    free(w->tx_staging);
    free(w);
    net->worker = NULL;
}

void virtio_net_worker_kick(struct virtio_net *net, unsigned q)
{
    uint64_t one = 1;
    if (net->worker && q < 2 && write(net->worker->efd[q], &one, sizeof one) < 0 &&
        errno != EAGAIN)
        perror("wisp: virtio-net: eventfd");
}

int virtio_net_worker_eventfd(struct virtio_net *net, unsigned q)
{
    return net->worker && q < 2 ? net->worker->efd[q] : -1;
}
