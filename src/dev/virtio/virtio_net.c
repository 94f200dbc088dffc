/* virtio-net (virtio_net.h): the queues' side; the backend is the worker's. */
#include "virtio_net.h"

#include <string.h>

#include "net/net_backend.h"

static void config_read(void *dev, uint32_t offset, uint8_t *data, unsigned size)
{
    struct virtio_net *net = dev;
    for (unsigned i = 0; i < size; i++)
        data[i] = offset + i < VIRTIO_NET_CONFIG_SIZE ? net->config[offset + i] : 0;
}

long virtio_net_take_tx(struct virtio_net *net, uint8_t *frame, size_t cap)
{
    struct virtqueue *vq = &net->vp.vq[VIRTIO_NET_TX];
    char reason[VQ_REASON_MAX];
    enum vq_result r = vq_pop(vq, &net->chain, reason, sizeof reason);
    if (r == VQ_EMPTY)
        return -1;
    if (r == VQ_ERROR) {
        virtio_pci_fail(&net->vp, reason);
        return -1;
    }
    uint32_t bytes = net->chain.readable_bytes;
    long len = 0;
    if (bytes > VIRTIO_NET_HDR_SIZE && bytes - VIRTIO_NET_HDR_SIZE <= cap &&
        bytes - VIRTIO_NET_HDR_SIZE <= VIRTIO_NET_MAX_FRAME) {
        len = (long)vq_chain_read(&net->chain, VIRTIO_NET_HDR_SIZE, frame,
                                  bytes - VIRTIO_NET_HDR_SIZE);
        net->tx_frames++;
    }
    vq_push(vq, net->chain.head, 0);
    return len;
}

int virtio_net_put_rx(struct virtio_net *net, const uint8_t *frame, size_t len)
{
    struct virtqueue *vq = &net->vp.vq[VIRTIO_NET_RX];
    char reason[VQ_REASON_MAX];
    if (!virtio_pci_running(&net->vp))
        return 0;
    enum vq_result r = vq_pop(vq, &net->chain, reason, sizeof reason);
    if (r == VQ_EMPTY)
        return 0;
    if (r == VQ_ERROR) {
        virtio_pci_fail(&net->vp, reason);
        return 0;
    }
    if (net->chain.readable || net->chain.writable_bytes < VIRTIO_NET_HDR_SIZE + len) {
        net->rx_dropped++;
        vq_push(vq, net->chain.head, 0);
        return 1;
    }
    /* flags, gso_type NONE, hdr_len, gso_size, csum_start, csum_offset: 0;
     * num_buffers: 1. */
    uint8_t hdr[VIRTIO_NET_HDR_SIZE] = { 0 };
    hdr[10] = 1;
    vq_chain_write(&net->chain, 0, hdr, sizeof hdr);
    vq_chain_write(&net->chain, sizeof hdr, frame, len);
    vq_push_written(vq, &net->chain, (uint32_t)(VIRTIO_NET_HDR_SIZE + len));
    net->rx_frames++;
    return 1;
}

void virtio_net_tx_done(struct virtio_net *net)
{
    virtio_pci_interrupt_queue(&net->vp, VIRTIO_NET_TX);
}

void virtio_net_rx_done(struct virtio_net *net)
{
    virtio_pci_interrupt_queue(&net->vp, VIRTIO_NET_RX);
}

static void queue_notify(void *dev, unsigned q)
{
    virtio_net_worker_kick(dev, q);
}

static int queue_eventfd(void *dev, unsigned q)
{
    return virtio_net_worker_eventfd(dev, q);
}

static void driver_ok(void *dev)
{
    virtio_net_worker_kick(dev, VIRTIO_NET_RX);
    virtio_net_worker_kick(dev, VIRTIO_NET_TX);
}

static const struct virtio_device_ops net_ops = {
    .name = "virtio-net",
    .device_id = VIRTIO_ID_NET,
    .class_code = 0x020000, /* Ethernet controller */
    .num_queues = 2,
    .queue_max_size = VIRTIO_NET_QUEUE_SIZE,
    .config_size = VIRTIO_NET_CONFIG_SIZE,
    .config_read = config_read,
    .queue_notify = queue_notify,
    .queue_eventfd = queue_eventfd,
    .driver_ok = driver_ok,
};

static void receive(void *opaque, const uint8_t *frame, size_t len);

int virtio_net_open(struct virtio_net *net, const struct net_config *cfg, bool debug,
                    struct wisp_error *err)
{
    memset(net, 0, sizeof *net);
    net->cfg = *cfg;
    net->debug = debug;
    return net_backend_open(cfg, receive, net, debug, &net->backend, err);
}

void virtio_net_init(struct virtio_net *net, const struct virtio_platform *platform,
                     struct host_mutex *lock)
{
    net->lock = lock;
    memcpy(net->config, net->cfg.mac, 6);
    net->config[6] = VIRTIO_NET_S_LINK_UP;
    net->config[8] = 1; /* max_virtqueue_pairs */
    virtio_pci_init(&net->vp, &net_ops, net,
                    (1ull << VIRTIO_NET_F_MAC) | (1ull << VIRTIO_NET_F_STATUS), platform);
}

void virtio_net_destroy(struct virtio_net *net)
{
    virtio_net_worker_stop(net);
    net_backend_close(net->backend);
    net->backend = NULL;
}

/* Frames from the backend reach the worker, which owns the waiting queue. */
static void receive(void *opaque, const uint8_t *frame, size_t len)
{
    virtio_net_worker_receive(opaque, frame, len);
}
