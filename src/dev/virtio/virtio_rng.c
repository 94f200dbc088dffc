/* virtio-rng: entropy from the host (virtio_rng.h). */
#include "virtio_rng.h"

#include <string.h>

#include "host/entropy.h"

void virtio_rng_process(struct virtio_rng *rng)
{
    struct virtqueue *vq = &rng->vp.vq[0];
    char reason[VQ_REASON_MAX];
    uint64_t budget = VIRTIO_RNG_MAX_PER_NOTIFY;
    bool pushed = false;
    while (budget) {
        enum vq_result r = vq_pop(vq, &rng->chain, reason, sizeof reason);
        if (r == VQ_EMPTY)
            break;
        if (r == VQ_ERROR) {
            virtio_pci_fail(&rng->vp, reason);
            break;
        }
        if (rng->chain.readable) {
            virtio_pci_fail(&rng->vp, "an entropy request with device-readable buffers");
            break;
        }
        uint32_t filled = 0;
        for (unsigned i = 0; i < rng->chain.writable && budget; i++) {
            struct vq_buffer *b = &rng->chain.buf[i];
            size_t want = b->len < budget ? b->len : (size_t)budget;
            size_t got = host_entropy(b->host, want);
            filled += (uint32_t)got;
            budget -= got;
            if (got < want)
                break;
        }
        rng->bytes_given += filled;
        vq_push_written(vq, &rng->chain, filled);
        pushed = true;
        if (filled == 0)
            break; /* the host has nothing right now */
    }
    if (pushed)
        virtio_pci_interrupt_queue(&rng->vp, 0);
}

static void config_read(void *dev, uint32_t offset, uint8_t *data, unsigned size)
{
    (void)dev, (void)offset;
    memset(data, 0, size);
}

static void queue_notify(void *dev, unsigned q)
{
    (void)q;
    virtio_rng_process(dev);
}

/* Requests the driver queued before DRIVER_OK are served now. */
static void driver_ok(void *dev)
{
    virtio_rng_process(dev);
}

static const struct virtio_device_ops rng_ops = {
    .name = "virtio-rng",
    .device_id = VIRTIO_ID_RNG,
    .class_code = 0x00FF00, /* unclassified */
    .num_queues = 1,
    .queue_max_size = VIRTIO_RNG_QUEUE_SIZE,
    .config_size = 0,
    .config_read = config_read,
    .queue_notify = queue_notify,
    .driver_ok = driver_ok,
};

void virtio_rng_init(struct virtio_rng *rng, const struct virtio_platform *platform)
{
    memset(rng, 0, sizeof *rng);
    virtio_pci_init(&rng->vp, &rng_ops, rng, 0, platform);
}
