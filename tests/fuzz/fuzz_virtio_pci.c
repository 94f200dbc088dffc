/*
 * libFuzzer target: the virtio 1.x PCI transport (src/dev/virtio/virtio_pci.c)
 * over a small model device (three queues, a 24-byte writable device
 * configuration, features 0, 5 and 40), behind wisp's host bridge, driven by
 * the program of fuzz_virtio.h: common configuration, feature negotiation,
 * queue set-up with hostile addresses and sizes, notifications, the ISR,
 * device status with resets and DEVICE_NEEDS_RESET, MSI-X through the BAR
 * and the configuration space, the PCI configuration access capability.
 *
 * The device serves a notified queue like a real one (pops every chain,
 * reads the readable bytes, writes the writable ones, pushes, interrupts);
 * its own event (op 12/15) is one of: serve a queue from "a worker" (only
 * while the transport says it runs), change its configuration, or report
 * a protocol error. Checked besides fuzz_virtio.h's invariants: device
 * configuration accesses stay inside its size; every buffer handed out is
 * inside guest memory; a configuration change moves the generation.
 */
#include <stdlib.h>

#include "fuzz_virtio.h"

#define MODEL_QUEUES 3
#define MODEL_CONFIG 24

static struct model {
    struct virtio_pci vp;
    uint8_t config[MODEL_CONFIG];
    struct vq_chain chain;
} model;

static uint8_t scratch[FV_RAM_SIZE + FV_HIGH_SIZE];

static void config_read(void *dev, uint32_t offset, uint8_t *data, unsigned size)
{
    struct model *m = dev;
    fuzz_check(offset < MODEL_CONFIG, "device configuration read past its size");
    for (unsigned i = 0; i < size; i++)
        data[i] = offset + i < MODEL_CONFIG ? m->config[offset + i] : 0;
}

static void config_write(void *dev, uint32_t offset, const uint8_t *data, unsigned size)
{
    struct model *m = dev;
    fuzz_check(offset < MODEL_CONFIG, "device configuration write past its size");
    for (unsigned i = 0; i < size && offset + i < MODEL_CONFIG; i++)
        m->config[offset + i] = data[i];
}

static void serve(struct model *m, unsigned q)
{
    struct virtqueue *vq = &m->vp.vq[q];
    char reason[VQ_REASON_MAX];
    bool pushed = false;
    for (unsigned round = 0;; round++) {
        fuzz_check(round <= vq->size, "a queue served more chains than it holds");
        enum vq_result r = vq_pop(vq, &m->chain, reason, sizeof reason);
        if (r == VQ_EMPTY)
            break;
        if (r == VQ_ERROR) {
            virtio_pci_fail(&m->vp, reason);
            fuzz_check(m->vp.status & VIRTIO_CONFIG_S_NEEDS_RESET, "a failure sets NEEDS_RESET");
            break;
        }
        for (unsigned i = 0; i < m->chain.readable + m->chain.writable; i++)
            fuzz_check(fv_inside_guest(m->chain.buf[i].host, m->chain.buf[i].len),
                       "a buffer outside guest memory");
        size_t got = vq_chain_read(&m->chain, 0, scratch, sizeof scratch);
        size_t put = vq_chain_write(&m->chain, 0, scratch, got);
        vq_push(vq, m->chain.head, (uint32_t)put);
        pushed = true;
    }
    if (pushed)
        virtio_pci_interrupt_queue(&m->vp, q);
}

static void queue_notify(void *dev, unsigned q)
{
    serve(dev, q);
}

static const struct virtio_device_ops model_ops = {
    .name = "virtio-model",
    .device_id = 0x3F,
    .class_code = 0xFF0000,
    .num_queues = MODEL_QUEUES,
    .queue_max_size = 64,
    .config_size = MODEL_CONFIG,
    .config_read = config_read,
    .config_write = config_write,
    .queue_notify = queue_notify,
};

static struct virtio_pci *init(const struct virtio_platform *platform)
{
    memset(&model, 0, sizeof model);
    virtio_pci_init(&model.vp, &model_ops, &model, 1ull | 1ull << 5 | 1ull << 40, platform);
    return &model.vp;
}

static void event(struct fuzz_input *in)
{
    uint8_t what = fi_u8(in);
    switch (what % 3) {
    case 0:
        if (virtio_pci_running(&model.vp))
            serve(&model, (what >> 2) % MODEL_QUEUES);
        break;
    case 1: {
        uint8_t before = model.vp.config_generation;
        model.config[what % MODEL_CONFIG] ^= 1;
        virtio_pci_config_changed(&model.vp);
        fuzz_check(model.vp.config_generation != before, "a change keeps the generation");
        break;
    }
    default:
        virtio_pci_fail(&model.vp, "the model refuses");
        fuzz_check(model.vp.status & VIRTIO_CONFIG_S_NEEDS_RESET, "a failure sets NEEDS_RESET");
        break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fv_begin(init);
    fv.event = event;
    fv.check = NULL;
    fv_run(data, size);
    return 0;
}
