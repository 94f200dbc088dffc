/*
 * libFuzzer target: virtio-rng (src/dev/virtio/virtio_rng.c) behind the
 * transport and the host bridge, driven by the program of fuzz_virtio.h;
 * the device's own event (op 12/15) serves the queue directly
 * (virtio_rng_process) while the driver runs.
 *
 * Checked besides fuzz_virtio.h's invariants: one pass gives at most
 * VIRTIO_RNG_MAX_PER_NOTIFY bytes; a chain with device-readable buffers
 * sets DEVICE_NEEDS_RESET and gets no entropy.
 */
#include "dev/virtio/virtio_rng.h"
#include "fuzz_virtio.h"

static struct virtio_rng rng;

static void event(struct fuzz_input *in)
{
    (void)fi_u8(in);
    if (!virtio_pci_running(&rng.vp))
        return;
    uint64_t before = rng.bytes_given;
    uint16_t used = rng.vp.vq[0].used_idx;
    virtio_rng_process(&rng);
    fuzz_check(rng.bytes_given - before <= VIRTIO_RNG_MAX_PER_NOTIFY, "more than one pass's budget");
    if (rng.vp.vq[0].used_idx != used)
        fuzz_check(rng.chain.readable == 0 || (rng.vp.status & VIRTIO_CONFIG_S_NEEDS_RESET),
                   "entropy for a chain with readable buffers");
}

static struct virtio_pci *init(const struct virtio_platform *platform)
{
    virtio_rng_init(&rng, platform);
    return &rng.vp;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fv_begin(init);
    fv.event = event;
    fv.check = NULL;
    fv_run(data, size);
    return 0;
}
