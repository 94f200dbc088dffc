/*
 * libFuzzer target: the split virtqueue walker (src/dev/virtio/virtqueue.c)
 * against a guest that writes anything into its rings and buffers.
 *
 * Input: 8 bytes of set-up, then the first bytes of guest RAM.
 *   [0]    queue size = 1 << (in[0] % 9)   (1..256)
 *   [1]    bit 0: VIRTIO_F_RING_EVENT_IDX; bits 1-2: where the rings go
 *   [2..3] the device's starting available index (it may lag the driver's)
 *   [4..7] the driver's avail ring flags/used_event seeds (copied in place)
 * Guest memory is two banks, RAM 0-64 KiB and a second one at 1 MiB
 * (4 KiB), so buffers can also straddle a hole. The device pops chains
 * until the queue is empty or broken (at most queue size + 1 times), reads
 * every readable byte, writes into the writable ones and pushes them back.
 *
 * Checked besides "no crash, no sanitizer report": every buffer the walker
 * hands out lies inside guest memory; readable buffers come before writable
 * ones; the byte counts add up; a refused queue stays refused; the used
 * index moves by exactly the chains pushed; the walk ends.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/guest_memory.h"
#include "dev/virtio/virtqueue.h"

#define RAM_SIZE 0x10000ull
#define HIGH_BASE 0x100000ull
#define HIGH_SIZE 0x1000ull

static struct guest_memory gm;
static struct vq_chain chain;
static uint8_t scratch[RAM_SIZE + HIGH_SIZE];

static void check(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_virtqueue: invariant broken: %s\n", what);
        abort();
    }
}

static int inside_guest(const uint8_t *p, uint32_t len)
{
    for (int i = 0; i < gm.count; i++) {
        const struct mem_bank *b = &gm.banks[i];
        if (p >= b->host && len <= b->size && (uint64_t)(p - b->host) <= b->size - len)
            return 1;
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!gm.count) {
        struct wisp_error err = { 0 };
        if (guest_memory_add_bank(&gm, "RAM", MEM_BANK_RAM, 0, RAM_SIZE, &err) < 0 ||
            guest_memory_add_bank(&gm, "high", MEM_BANK_RAM, HIGH_BASE, HIGH_SIZE, &err) < 0)
            abort();
    }
    if (size < 8)
        return 0;
    uint16_t qsize = (uint16_t)(1u << (data[0] % 9));
    bool event_idx = data[1] & 1;
    unsigned layout = (data[1] >> 1) & 3;
    uint16_t start = (uint16_t)(data[2] | data[3] << 8);

    uint8_t *ram = guest_memory_ptr(&gm, 0, RAM_SIZE);
    memset(ram, 0, RAM_SIZE);
    memset(guest_memory_ptr(&gm, HIGH_BASE, HIGH_SIZE), 0, HIGH_SIZE);
    size_t n = size - 8 < RAM_SIZE ? size - 8 : RAM_SIZE;
    memcpy(ram, data + 8, n);

    /* Rings: descriptors at 0, then the available and used rings packed
     * behind them (layout 0), at 0x1000/0x2000 (1), at 0x4000/0x8000 (2),
     * or with the used ring in the high bank (3). */
    struct virtqueue vq;
    vq_reset(&vq, &gm, qsize);
    vq.desc_addr = 0;
    static const uint64_t avail_at[4] = { 0, 0x1000, 0x4000, 0x1000 };
    static const uint64_t used_at[4] = { 0, 0x2000, 0x8000, HIGH_BASE };
    vq.avail_addr = layout == 0 ? VIRTQ_DESC_SIZE(qsize) : avail_at[layout];
    vq.used_addr = layout == 0 ? (vq.avail_addr + VIRTQ_AVAIL_SIZE(qsize) + 3) & ~3ull
                               : used_at[layout];
    memcpy(ram + vq.avail_addr, data + 4, 4); /* flags and the idx low byte seed */
    char reason[VQ_REASON_MAX];
    if (!vq_start(&vq, qsize, event_idx, reason, sizeof reason))
        return 0;
    vq.last_avail = start;
    vq.used_idx = start;

    uint16_t used_before = vq.used_idx;
    unsigned pushed = 0;
    for (unsigned round = 0; round <= qsize; round++) {
        enum vq_result r = vq_pop(&vq, &chain, reason, sizeof reason);
        if (r == VQ_EMPTY)
            break;
        if (r == VQ_ERROR) {
            check(vq.broken, "an error leaves the queue broken");
            check(reason[0] != 0 && strchr(reason, '\n') == NULL, "one-line reason");
            check(vq_pop(&vq, &chain, reason, sizeof reason) == VQ_EMPTY,
                  "a broken queue yields nothing");
            break;
        }
        check(chain.head < qsize, "head inside the queue");
        check(chain.readable + chain.writable <= VQ_CHAIN_MAX, "chain length bound");
        uint64_t rbytes = 0, wbytes = 0;
        for (unsigned i = 0; i < chain.readable + chain.writable; i++) {
            const struct vq_buffer *b = &chain.buf[i];
            check(b->len > 0, "no empty buffers handed out");
            check(inside_guest(b->host, b->len), "buffer inside guest memory");
            if (i < chain.readable)
                rbytes += b->len;
            else
                wbytes += b->len;
        }
        check(rbytes == chain.readable_bytes && wbytes == chain.writable_bytes, "byte counts");
        size_t got = vq_chain_read(&chain, 0, scratch, sizeof scratch);
        check(got == (rbytes < sizeof scratch ? rbytes : sizeof scratch), "read everything");
        size_t put = vq_chain_write(&chain, 1, scratch, got);
        check(put <= wbytes, "write within the writable part");
        vq_push(&vq, chain.head, (uint32_t)put);
        pushed++;
    }
    check(pushed <= qsize + 1u, "the walk ends");
    check((uint16_t)(vq.used_idx - used_before) == pushed, "used index counts the pushes");
    vq_should_interrupt(&vq);
    vq_set_notification(&vq, true);
    vq_has_available(&vq);
    return 0;
}
