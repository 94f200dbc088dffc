/*
 * virtio-net's, virtio-rng's and virtio-console's request handling against
 * the fixture's driver: frames out of transmit chains (header stripped,
 * short and oversized chains dropped), frames into receive buffers (header
 * with num_buffers = 1, too-small buffers returned empty), entropy into
 * writable buffers only, console bytes both ways.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dev/virtio/virtio_console.h"
#include "dev/virtio/virtio_net.h"
#include "dev/virtio/virtio_rng.h"
#include "virtq_fixture.h"

static struct vq_fixture fx;
static struct virtio_platform platform;

/* Starts queue q of vp on the fixture's rings (one queue at a time). */
static void start_queue(struct virtio_pci *vp, unsigned q)
{
    struct virtqueue *vq = &vp->vq[q];
    vq->size = 16;
    vq->desc_addr = FX_DESC, vq->avail_addr = FX_AVAIL, vq->used_addr = FX_USED;
    char why[VQ_REASON_MAX];
    assert_true(vq_start(vq, 16, false, why, sizeof why));
    vp->status = VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
                 VIRTIO_CONFIG_S_FEATURES_OK | VIRTIO_CONFIG_S_DRIVER_OK;
}

static int setup(void **state)
{
    (void)state;
    if (fx_memory(&fx, 16) < 0)
        return -1;
    platform = (struct virtio_platform){ &fx.gm, NULL, NULL };
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    fx_release(&fx);
    return 0;
}

/* ---- virtio-net ---- */

static struct virtio_net *new_net(void)
{
    struct virtio_net *net = calloc(1, sizeof *net);
    char msg[128];
    assert_int_equal(net_config_parse("user,mac=02:00:00:aa:bb:cc", 0, &net->cfg, msg, sizeof msg), 0);
    virtio_net_init(net, &platform, NULL);
    return net;
}

static void test_net_config(void **state)
{
    (void)state;
    struct virtio_net *net = new_net();
    uint8_t c[VIRTIO_NET_CONFIG_SIZE];
    net->vp.ops->config_read(net, 0, c, sizeof c);
    static const uint8_t mac[6] = { 0x02, 0, 0, 0xAA, 0xBB, 0xCC };
    assert_memory_equal(c, mac, 6);
    assert_int_equal(c[6], VIRTIO_NET_S_LINK_UP);
    assert_int_equal(c[8], 1);
    assert_true(net->vp.device_features & (1ull << VIRTIO_NET_F_MAC));
    assert_true(net->vp.device_features & (1ull << VIRTIO_NET_F_STATUS));
    assert_int_equal(net->vp.ops->num_queues, 2);
    free(net);
}

static void test_net_transmit(void **state)
{
    (void)state;
    struct virtio_net *net = new_net();
    start_queue(&net->vp, VIRTIO_NET_TX);
    /* 12-byte header then a 60-byte frame, split oddly. */
    uint8_t *buf = fx_ptr(&fx, FX_DATA, 72);
    memset(buf, 0, 12);
    for (int i = 0; i < 60; i++)
        buf[12 + i] = (uint8_t)i;
    fx_desc(&fx, 0, FX_DATA, 10, VIRTQ_DESC_F_NEXT, 1);
    fx_desc(&fx, 1, FX_DATA + 10, 62, 0, 0);
    fx_avail(&fx, 0);
    /* A chain with only part of the header: dropped, returned. */
    fx_desc(&fx, 2, FX_DATA, 8, 0, 0);
    fx_avail(&fx, 2);
    uint8_t *frame = malloc(VIRTIO_NET_MAX_FRAME);
    assert_int_equal(virtio_net_take_tx(net, frame, VIRTIO_NET_MAX_FRAME), 60);
    assert_int_equal(frame[0], 0);
    assert_int_equal(frame[59], 59);
    assert_int_equal(virtio_net_take_tx(net, frame, VIRTIO_NET_MAX_FRAME), 0);
    assert_int_equal(virtio_net_take_tx(net, frame, VIRTIO_NET_MAX_FRAME), -1);
    assert_int_equal(fx_used_idx(&fx), 2);
    assert_int_equal(fx_used(&fx, 1).id, 2);
    /* Larger than the biggest frame: dropped. */
    fx_desc(&fx, 3, 0x200000, 12 + VIRTIO_NET_MAX_FRAME + 1, 0, 0);
    fx_avail(&fx, 3);
    assert_int_equal(virtio_net_take_tx(net, frame, VIRTIO_NET_MAX_FRAME), 0);
    assert_int_equal(net->tx_frames, 1);
    free(frame);
    free(net);
}

static void test_net_receive(void **state)
{
    (void)state;
    struct virtio_net *net = new_net();
    start_queue(&net->vp, VIRTIO_NET_RX);
    uint8_t frame[100];
    for (int i = 0; i < 100; i++)
        frame[i] = (uint8_t)(0x80 + i);
    /* No buffer yet: the frame waits. */
    assert_int_equal(virtio_net_put_rx(net, frame, sizeof frame), 0);
    memset(fx_ptr(&fx, FX_DATA, 256), 0xEE, 256);
    fx_desc(&fx, 0, FX_DATA, 256, VIRTQ_DESC_F_WRITE, 0);
    fx_avail(&fx, 0);
    assert_int_equal(virtio_net_put_rx(net, frame, sizeof frame), 1);
    const uint8_t *b = fx_ptr(&fx, FX_DATA, 256);
    for (int i = 0; i < 10; i++)
        assert_int_equal(b[i], 0); /* flags, gso, lengths, checksums */
    assert_int_equal(b[10], 1);  /* num_buffers */
    assert_int_equal(b[11], 0);
    assert_memory_equal(b + 12, frame, sizeof frame);
    assert_int_equal(fx_used(&fx, 0).len, 112);
    /* Too small for header + frame: the frame is dropped, the buffer returned empty. */
    fx_desc(&fx, 1, FX_DATA, 50, VIRTQ_DESC_F_WRITE, 0);
    fx_avail(&fx, 1);
    assert_int_equal(virtio_net_put_rx(net, frame, sizeof frame), 1);
    assert_int_equal(fx_used(&fx, 1).len, 0);
    assert_int_equal(net->rx_dropped, 1);
    /* Readable buffers in a receive chain: dropped too. */
    fx_desc(&fx, 2, FX_DATA, 50, VIRTQ_DESC_F_NEXT, 3);
    fx_desc(&fx, 3, FX_DATA + 100, 500, VIRTQ_DESC_F_WRITE, 0);
    fx_avail(&fx, 2);
    assert_int_equal(virtio_net_put_rx(net, frame, sizeof frame), 1);
    assert_int_equal(net->rx_dropped, 2);
    /* A device needing a reset takes nothing. */
    fx_desc(&fx, 4, FX_DATA, 256, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 4);
    fx_avail(&fx, 4);
    assert_int_equal(virtio_net_put_rx(net, frame, sizeof frame), 0);
    assert_true(net->vp.status & VIRTIO_CONFIG_S_NEEDS_RESET);
    assert_int_equal(virtio_net_put_rx(net, frame, sizeof frame), 0);
    free(net);
}

/* ---- virtio-rng ---- */

static void test_rng_fills_writable_buffers(void **state)
{
    (void)state;
    struct virtio_rng *rng = calloc(1, sizeof *rng);
    virtio_rng_init(rng, &platform);
    assert_int_equal(rng->vp.ops->config_size, 0);
    start_queue(&rng->vp, 0);
    memset(fx_ptr(&fx, FX_DATA, 64), 0, 64);
    fx_desc(&fx, 0, FX_DATA, 32, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
    fx_desc(&fx, 1, FX_DATA + 32, 32, VIRTQ_DESC_F_WRITE, 0);
    fx_avail(&fx, 0);
    virtio_rng_process(rng);
    assert_int_equal(fx_used_idx(&fx), 1);
    assert_int_equal(fx_used(&fx, 0).len, 64);
    const uint8_t *b = fx_ptr(&fx, FX_DATA, 64);
    unsigned zeros = 0;
    for (int i = 0; i < 64; i++)
        zeros += b[i] == 0;
    assert_true(zeros < 16); /* 64 random bytes are not mostly zero */
    assert_int_equal(rng->bytes_given, 64);
    /* A device-readable buffer breaks the protocol. */
    fx_desc(&fx, 2, FX_DATA, 8, 0, 0);
    fx_avail(&fx, 2);
    virtio_rng_process(rng);
    assert_true(rng->vp.status & VIRTIO_CONFIG_S_NEEDS_RESET);
    assert_int_equal(fx_used_idx(&fx), 1);
    free(rng);
}

/* ---- virtio-console ---- */

static uint8_t out[256];
static size_t out_len;

static void console_out(void *opaque, const uint8_t *bytes, size_t len)
{
    (void)opaque;
    memcpy(out + out_len, bytes, len);
    out_len += len;
}

static void test_console_transmit(void **state)
{
    (void)state;
    out_len = 0;
    struct virtio_console *con = calloc(1, sizeof *con);
    virtio_console_init(con, &platform, console_out, NULL);
    start_queue(&con->vp, VIRTIO_CONSOLE_TX);
    memcpy(fx_ptr(&fx, FX_DATA, 5), "hello", 5);
    memcpy(fx_ptr(&fx, FX_DATA + 100, 6), " hvc0\n", 6);
    fx_desc(&fx, 0, FX_DATA, 5, VIRTQ_DESC_F_NEXT, 1);
    fx_desc(&fx, 1, FX_DATA + 100, 6, 0, 0);
    fx_avail(&fx, 0);
    assert_false(con->guest_spoke);
    virtio_console_transmit(con);
    assert_true(con->guest_spoke);
    assert_int_equal(out_len, 11);
    assert_memory_equal(out, "hello hvc0\n", 11);
    assert_int_equal(fx_used_idx(&fx), 1);
    free(con);
}

static void test_console_receive(void **state)
{
    (void)state;
    struct virtio_console *con = calloc(1, sizeof *con);
    virtio_console_init(con, &platform, console_out, NULL);
    /* Before the driver runs, input waits on the host side. */
    assert_int_equal(virtio_console_receive(con, (const uint8_t *)"ls\n", 3), 0);
    start_queue(&con->vp, VIRTIO_CONSOLE_RX);
    assert_int_equal(virtio_console_receive(con, (const uint8_t *)"ls\n", 3), 0); /* no buffer */
    fx_desc(&fx, 0, FX_DATA, 2, VIRTQ_DESC_F_WRITE, 0);
    fx_avail(&fx, 0);
    /* Buffers, but the guest has not shown it listens (Linux drops bytes
     * before its port is attached): still waiting. */
    assert_int_equal(virtio_console_receive(con, (const uint8_t *)"ls\n", 3), 0);
    con->guest_spoke = true; /* as after its first output */
    assert_int_equal(virtio_console_receive(con, (const uint8_t *)"ls\n", 3), 2);
    assert_memory_equal(fx_ptr(&fx, FX_DATA, 2), "ls", 2);
    assert_int_equal(fx_used(&fx, 0).len, 2);
    free(con);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_net_config),
        T(test_net_transmit),
        T(test_net_receive),
        T(test_rng_fills_writable_buffers),
        T(test_console_transmit),
        T(test_console_receive),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
