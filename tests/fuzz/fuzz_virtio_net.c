/*
 * libFuzzer target: virtio-net (src/dev/virtio/virtio_net.c) behind the
 * transport and the host bridge, driven by the program of fuzz_virtio.h,
 * with a fake backend in place of libslirp/TAP: there is no worker, and
 * the device's own event (op 12/15) is what the worker does, synchronously:
 *   even: a transmit pass (virtio_net_take_tx until the queue is empty, as
 *         the worker's transmit() does while the transport runs)
 *   odd:  a frame from the backend of a length the input picks (up to
 *         VIRTIO_NET_MAX_FRAME and past it), through virtio_net_put_rx
 *
 * Checked besides fuzz_virtio.h's invariants: a sent frame is what the
 * guest's chain held after its 12-byte header, at most
 * VIRTIO_NET_MAX_FRAME bytes; a dropped chain sends nothing; a transmit
 * pass ends; a frame is delivered only while the driver runs, into a
 * device-writable-only chain with room for header + frame, and the used
 * length says header + frame; a frame that does not fit is dropped and
 * its chain returned empty.
 */
#include <stdlib.h>

#include "dev/virtio/virtio_net.h"
#include "fuzz_virtio.h"

static struct virtio_net net;
static struct host_mutex lock;
static uint8_t frame[VIRTIO_NET_MAX_FRAME + 64];    /* what the guest sent */
static uint8_t expect[VIRTIO_NET_MAX_FRAME + 64];
static uint8_t rx_frame[VIRTIO_NET_MAX_FRAME + 64]; /* the backend's, filled once */

static uint16_t used_len_last(const struct virtqueue *vq, uint32_t *len)
{
    uint8_t elem[8];
    uint64_t at = vq->used_addr + 4 + 8ull * ((uint16_t)(vq->used_idx - 1) % vq->size);
    fuzz_check(guest_memory_read(&fv.gm, at, elem, sizeof elem), "used ring readable");
    memcpy(len, elem + 4, 4);
    return (uint16_t)(elem[0] | elem[1] << 8);
}

static bool overlaps_used_ring(const struct virtqueue *vq, const struct vq_chain *c)
{
    const uint8_t *lo = vq->used, *hi = vq->used + VIRTQ_USED_SIZE(vq->size);
    for (unsigned i = 0; i < c->readable + c->writable; i++)
        if (c->buf[i].host < hi && lo < c->buf[i].host + c->buf[i].len)
            return true;
    return false;
}

static void transmit(void)
{
    struct virtqueue *vq = &net.vp.vq[VIRTIO_NET_TX];
    if (!virtio_pci_running(&net.vp))
        return;
    for (unsigned round = 0;; round++) {
        fuzz_check(round <= vq->size, "a transmit pass that does not end");
        uint64_t sent = net.tx_frames;
        long len = virtio_net_take_tx(&net, frame, VIRTIO_NET_MAX_FRAME);
        if (len < 0)
            break;
        fuzz_check(len <= VIRTIO_NET_MAX_FRAME, "a frame longer than the maximum");
        if (len == 0) {
            fuzz_check(net.tx_frames == sent, "a dropped frame was counted as sent");
            continue;
        }
        const struct vq_chain *c = &net.chain;
        fuzz_check((uint64_t)len + VIRTIO_NET_HDR_SIZE == c->readable_bytes,
                   "the frame is not the chain after its header");
        /* The device wrote the used ring after copying: a guest whose
         * buffers overlap it sees its own bytes change, legitimately. */
        if (overlaps_used_ring(vq, c))
            continue;
        fuzz_check(vq_chain_read(c, VIRTIO_NET_HDR_SIZE, expect, (size_t)len) == (size_t)len &&
                   memcmp(expect, frame, (size_t)len) == 0, "the frame differs from the chain");
    }
    virtio_net_tx_done(&net);
}

static void receive(size_t len)
{
    struct virtqueue *vq = &net.vp.vq[VIRTIO_NET_RX];
    bool running = virtio_pci_running(&net.vp);
    uint64_t frames = net.rx_frames, dropped = net.rx_dropped;
    uint16_t used = vq->used_idx;
    int r = virtio_net_put_rx(&net, rx_frame, len);
    fuzz_check(r == 0 || r == 1, "put_rx result");
    if (!running) {
        fuzz_check(r == 0 && vq->used_idx == used, "a frame delivered while the driver is not running");
        return;
    }
    if (r == 0) {
        fuzz_check(net.rx_frames == frames && net.rx_dropped == dropped, "kept frame counted");
        return;
    }
    if (net.rx_frames == frames) {
        fuzz_check(net.rx_dropped == dropped + 1, "a frame neither delivered nor dropped");
        fuzz_check(net.chain.readable || net.chain.writable_bytes < VIRTIO_NET_HDR_SIZE + len,
                   "a frame that fits was dropped");
        return;
    }
    fuzz_check(!net.chain.readable && net.chain.writable_bytes >= VIRTIO_NET_HDR_SIZE + len,
               "a frame went into a chain it does not fit");
    fuzz_check((uint16_t)(vq->used_idx - used) == 1, "one used entry per frame");
    if (!vq->broken && vq->enabled) {
        uint32_t used_len;
        fuzz_check(used_len_last(vq, &used_len) == net.chain.head &&
                   used_len == VIRTIO_NET_HDR_SIZE + len, "the used entry's length");
    }
    virtio_net_rx_done(&net);
}

static void event(struct fuzz_input *in)
{
    uint8_t what = fi_u8(in);
    if (!(what & 1)) {
        transmit();
        return;
    }
    size_t len = fi_u16(in);
    if (what & 2)
        len += VIRTIO_NET_MAX_FRAME - 0x8000; /* near and past the maximum */
    if (len > sizeof rx_frame)
        len = sizeof rx_frame;
    receive(len);
}

static struct virtio_pci *init(const struct virtio_platform *platform)
{
    memset(&net, 0, sizeof net);
    static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
    memcpy(net.cfg.mac, mac, sizeof mac);
    virtio_net_init(&net, platform, &lock);
    return &net.vp;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool ready;
    if (!ready) {
        host_mutex_init(&lock);
        for (size_t i = 0; i < sizeof rx_frame; i++)
            rx_frame[i] = (uint8_t)(i ^ 0x5A);
        ready = true;
    }
    fv_begin(init);
    fv.event = event;
    fv.check = NULL;
    fv_run(data, size);
    return 0;
}
