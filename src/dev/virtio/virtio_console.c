/* virtio-console, one port (virtio_console.h). */
#include "virtio_console.h"

#include <string.h>

void virtio_console_transmit(struct virtio_console *con)
{
    struct virtqueue *vq = &con->vp.vq[VIRTIO_CONSOLE_TX];
    char reason[VQ_REASON_MAX];
    bool pushed = false;
    for (;;) {
        enum vq_result r = vq_pop(vq, &con->chain, reason, sizeof reason);
        if (r == VQ_EMPTY)
            break;
        if (r == VQ_ERROR) {
            virtio_pci_fail(&con->vp, reason);
            break;
        }
        con->guest_spoke |= con->chain.readable > 0;
        for (unsigned i = 0; i < con->chain.readable; i++)
            if (con->output)
                con->output(con->output_opaque, con->chain.buf[i].host, con->chain.buf[i].len);
        vq_push(vq, con->chain.head, 0);
        pushed = true;
    }
    if (pushed)
        virtio_pci_interrupt_queue(&con->vp, VIRTIO_CONSOLE_TX);
}

size_t virtio_console_receive(struct virtio_console *con, const uint8_t *bytes, size_t len)
{
    struct virtqueue *vq = &con->vp.vq[VIRTIO_CONSOLE_RX];
    char reason[VQ_REASON_MAX];
    size_t done = 0;
    if (!virtio_pci_running(&con->vp) || !con->guest_spoke)
        return 0;
    while (done < len) {
        enum vq_result r = vq_pop(vq, &con->chain, reason, sizeof reason);
        if (r == VQ_EMPTY)
            break;
        if (r == VQ_ERROR) {
            virtio_pci_fail(&con->vp, reason);
            break;
        }
        size_t n = vq_chain_write(&con->chain, 0, bytes + done, len - done);
        vq_push_written(vq, &con->chain, (uint32_t)n);
        done += n;
    }
    if (done)
        virtio_pci_interrupt_queue(&con->vp, VIRTIO_CONSOLE_RX);
    return done;
}

static void config_read(void *dev, uint32_t offset, uint8_t *data, unsigned size)
{
    (void)dev, (void)offset;
    memset(data, 0, size); /* no size, one port, no emergency write */
}

static void queue_notify(void *dev, unsigned q)
{
    /* New receive buffers are filled on the next console poll. */
    if (q == VIRTIO_CONSOLE_TX)
        virtio_console_transmit(dev);
}

/* Output the driver queued before DRIVER_OK goes out now. */
static void driver_ok(void *dev)
{
    virtio_console_transmit(dev);
}

/* A new driver instance has to show it listens again. */
static void reset(void *dev)
{
    struct virtio_console *con = dev;
    con->guest_spoke = false;
}

static const struct virtio_device_ops console_ops = {
    .name = "virtio-console",
    .device_id = VIRTIO_ID_CONSOLE,
    .class_code = 0x078000, /* communication controller, other */
    .num_queues = 2,
    .queue_max_size = VIRTIO_CONSOLE_QUEUE_SIZE,
    .config_size = VIRTIO_CONSOLE_CONFIG_SIZE,
    .config_read = config_read,
    .queue_notify = queue_notify,
    .driver_ok = driver_ok,
    .reset = reset,
};

void virtio_console_init(struct virtio_console *con, const struct virtio_platform *platform,
                         void (*output)(void *opaque, const uint8_t *bytes, size_t len),
                         void *output_opaque)
{
    memset(con, 0, sizeof *con);
    con->output = output;
    con->output_opaque = output_opaque;
    virtio_pci_init(&con->vp, &console_ops, con, 0, platform);
}
