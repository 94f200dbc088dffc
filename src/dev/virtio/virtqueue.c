/* The split virtqueue walker (virtqueue.h). */
#include "virtqueue.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Ring fields are shared with a vCPU running the driver: 16-bit loads and
 * stores that are single accesses, ordered by explicit fences. */
static uint16_t load16(const uint8_t *p)
{
    return __atomic_load_n((const uint16_t *)(const void *)p, __ATOMIC_RELAXED);
}

static void store16(uint8_t *p, uint16_t v)
{
    __atomic_store_n((uint16_t *)(void *)p, v, __ATOMIC_RELAXED);
}

#define AVAIL_FLAGS(vq) ((vq)->avail)
#define AVAIL_IDX(vq) ((vq)->avail + 2)
#define AVAIL_RING(vq, i) ((vq)->avail + 4 + 2 * (size_t)(i))
#define USED_EVENT(vq) AVAIL_RING(vq, (vq)->size)
#define USED_FLAGS(vq) ((vq)->used)
#define USED_IDX(vq) ((vq)->used + 2)
#define USED_RING(vq, i) ((vq)->used + 4 + 8 * (size_t)(i))
#define AVAIL_EVENT(vq) ((vq)->used + 4 + 8 * (size_t)(vq)->size)

WISP_PRINTF_FORMAT(4, 5)
static enum vq_result fail(struct virtqueue *vq, char *reason, size_t reason_len,
                           const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (reason && reason_len)
        vsnprintf(reason, reason_len, fmt, ap);
    va_end(ap);
    vq->broken = true;
    return VQ_ERROR;
}

void vq_reset(struct virtqueue *vq, struct guest_memory *memory, uint16_t max_size)
{
    memset(vq, 0, sizeof *vq);
    vq->memory = memory;
    vq->size = max_size;
    vq->msix_vector = VIRTIO_MSI_NO_VECTOR;
}

/* Checks size and the three rings and points the device's views at them. */
static bool map_rings(struct virtqueue *vq, uint16_t max_size, char *reason, size_t reason_len)
{
    uint16_t n = vq->size;
    if (n == 0 || n > max_size || (n & (n - 1))) {
        fail(vq, reason, reason_len, "queue size %u is not a power of two up to %u", n,
             max_size);
        return false;
    }
    static const struct { const char *name; uint64_t align; } rings[3] = {
        { "descriptor table", 16 }, { "available ring", 2 }, { "used ring", 4 },
    };
    const uint64_t addr[3] = { vq->desc_addr, vq->avail_addr, vq->used_addr };
    const uint64_t len[3] = { VIRTQ_DESC_SIZE(n), VIRTQ_AVAIL_SIZE(n), VIRTQ_USED_SIZE(n) };
    uint8_t *host[3];
    for (int i = 0; i < 3; i++) {
        if (addr[i] % rings[i].align) {
            fail(vq, reason, reason_len, "%s at 0x%" PRIx64 " is not %" PRIu64 "-byte aligned",
                 rings[i].name, addr[i], rings[i].align);
            return false;
        }
        host[i] = guest_memory_ptr(vq->memory, addr[i], len[i]);
        if (!host[i]) {
            fail(vq, reason, reason_len, "%s at 0x%" PRIx64 " (%" PRIu64 " bytes) is outside "
                 "guest memory", rings[i].name, addr[i], len[i]);
            return false;
        }
    }
    vq->desc = host[0];
    vq->avail = host[1];
    vq->used = host[2];
    return true;
}

bool vq_start(struct virtqueue *vq, uint16_t max_size, bool event_idx, char *reason,
              size_t reason_len)
{
    if (!map_rings(vq, max_size, reason, reason_len))
        return false;
    vq->last_avail = 0;
    vq->used_idx = 0;
    vq->signalled_used_valid = false;
    vq->event_idx = event_idx;
    vq->broken = false;
    vq->enabled = true;
    return true;
}

bool vq_resume(struct virtqueue *vq, uint16_t max_size, char *reason, size_t reason_len)
{
    bool broken = vq->broken;
    vq->desc = vq->avail = vq->used = NULL;
    if (!vq->enabled)
        return true;
    if (!map_rings(vq, max_size, reason, reason_len)) {
        vq->enabled = false;
        return false;
    }
    vq->broken = broken;
    return true;
}

static bool usable(const struct virtqueue *vq)
{
    return vq->enabled && !vq->broken && vq->desc;
}

bool vq_has_available(const struct virtqueue *vq)
{
    if (!usable(vq))
        return false;
    uint16_t idx = load16(AVAIL_IDX(vq));
    return idx != vq->last_avail;
}

/* One buffer into the chain, in the order readable then writable. */
static enum vq_result add_buffer(struct virtqueue *vq, struct vq_chain *chain,
                                 const struct virtq_desc *d, char *reason, size_t reason_len)
{
    bool write = d->flags & VIRTQ_DESC_F_WRITE;
    if (!write && chain->writable)
        return fail(vq, reason, reason_len, "chain %u: a device-readable descriptor follows "
                    "a device-writable one", chain->head);
    uint64_t total = (uint64_t)chain->readable_bytes + chain->writable_bytes + d->len;
    if (total > UINT32_MAX)
        return fail(vq, reason, reason_len, "chain %u: buffer lengths add up past 4 GiB",
                    chain->head);
    if (d->len == 0)
        return VQ_OK; /* nothing to transfer */
    uint8_t *host = guest_memory_ptr(vq->memory, d->addr, d->len);
    if (!host)
        return fail(vq, reason, reason_len, "chain %u: buffer 0x%" PRIx64 "+0x%" PRIx32
                    " is outside guest memory", chain->head, d->addr, d->len);
    unsigned n = chain->readable + chain->writable;
    if (n >= VQ_CHAIN_MAX)
        return fail(vq, reason, reason_len, "chain %u: more than %u buffers", chain->head,
                    VQ_CHAIN_MAX);
    chain->buf[n] = (struct vq_buffer){ host, d->len, d->addr };
    if (write) {
        chain->writable++;
        chain->writable_bytes += d->len;
    } else {
        chain->readable++;
        chain->readable_bytes += d->len;
    }
    return VQ_OK;
}

static struct virtq_desc read_desc(const uint8_t *table, uint32_t i)
{
    struct virtq_desc d;
    memcpy(&d, table + 16 * (size_t)i, sizeof d); /* one copy: the guest may change it */
    return d;
}

enum vq_result vq_pop(struct virtqueue *vq, struct vq_chain *chain, char *reason,
                      size_t reason_len)
{
    if (!usable(vq))
        return VQ_EMPTY;
    uint16_t avail_idx = load16(AVAIL_IDX(vq));
    uint16_t pending = (uint16_t)(avail_idx - vq->last_avail);
    if (pending == 0)
        return VQ_EMPTY;
    if (pending > vq->size)
        return fail(vq, reason, reason_len, "available index moved by %u, more than the "
                    "queue size %u", pending, vq->size);
    /* The ring entries the index covers are read after the index. */
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    uint16_t head = load16(AVAIL_RING(vq, vq->last_avail % vq->size));
    if (head >= vq->size)
        return fail(vq, reason, reason_len, "available ring names descriptor %u of %u", head,
                    vq->size);

    memset(chain, 0, offsetof(struct vq_chain, buf));
    chain->head = head;
    const uint8_t *table = vq->desc;
    uint32_t table_size = vq->size;
    bool indirect = false;
    uint32_t idx = head;
    for (uint32_t visited = 0;; visited++) {
        if (visited >= table_size)
            return fail(vq, reason, reason_len, "chain %u loops (more than %" PRIu32
                        " descriptors in a table)", head, table_size);
        struct virtq_desc d = read_desc(table, idx);
        if (d.flags & VIRTQ_DESC_F_INDIRECT) {
            if (indirect)
                return fail(vq, reason, reason_len, "chain %u: indirect descriptor inside an "
                            "indirect table", head);
            if (d.flags & VIRTQ_DESC_F_NEXT)
                return fail(vq, reason, reason_len, "chain %u: indirect descriptor with NEXT "
                            "set", head);
            if (d.len == 0 || d.len % 16 || d.len / 16 > VQ_INDIRECT_MAX)
                return fail(vq, reason, reason_len, "chain %u: indirect table of %" PRIu32
                            " bytes (16-byte entries, 1 to %u of them)", head, d.len,
                            VQ_INDIRECT_MAX);
            table = guest_memory_ptr(vq->memory, d.addr, d.len);
            if (!table)
                return fail(vq, reason, reason_len, "chain %u: indirect table 0x%" PRIx64
                            "+0x%" PRIx32 " is outside guest memory", head, d.addr, d.len);
            table_size = d.len / 16;
            indirect = true;
            idx = 0;
            visited = UINT32_MAX; /* becomes 0: a fresh table */
            continue;
        }
        if (add_buffer(vq, chain, &d, reason, reason_len) != VQ_OK)
            return VQ_ERROR;
        if (!(d.flags & VIRTQ_DESC_F_NEXT))
            break;
        idx = d.next;
        if (idx >= table_size)
            return fail(vq, reason, reason_len, "chain %u: next index %" PRIu32 " is past the "
                        "%s of %" PRIu32, head, idx, indirect ? "indirect table" : "queue size",
                        table_size);
    }
    vq->last_avail++;
    /* With event indices, ask to hear of the next buffer at every take:
     * the driver notifies once its index passes what the device has seen. */
    if (vq->event_idx)
        store16(AVAIL_EVENT(vq), vq->last_avail);
    return VQ_OK;
}

void vq_push(struct virtqueue *vq, uint16_t head, uint32_t len)
{
    if (!usable(vq))
        return;
    uint16_t slot = (uint16_t)(vq->used_idx % vq->size);
    uint8_t *elem = USED_RING(vq, slot);
    struct virtq_used_elem e = { head, len };
    memcpy(elem, &e, sizeof e);
    guest_memory_mark_host_dirty(vq->memory, vq->used_addr + 4 + 8 * (uint64_t)slot, 8);
    guest_memory_mark_host_dirty(vq->memory, vq->used_addr + 2, 2);
    vq->used_idx++;
    /* The element is visible before the index that publishes it. */
    __atomic_thread_fence(__ATOMIC_RELEASE);
    store16(USED_IDX(vq), vq->used_idx);
}

void vq_mark_written(struct virtqueue *vq, const struct vq_chain *chain, uint32_t len)
{
    uint32_t left = len;
    for (unsigned i = chain->readable; i < chain->readable + chain->writable && left; i++) {
        const struct vq_buffer *b = &chain->buf[i];
        uint32_t n = b->len < left ? b->len : left;
        guest_memory_mark_host_dirty(vq->memory, b->gpa, n);
        left -= n;
    }
}

void vq_push_written(struct virtqueue *vq, const struct vq_chain *chain, uint32_t len)
{
    vq_mark_written(vq, chain, len);
    vq_push(vq, chain->head, len);
}

bool vq_should_interrupt(struct virtqueue *vq)
{
    if (!usable(vq))
        return false;
    /* The used index was published before the driver's wishes are read. */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (!vq->event_idx)
        return !(load16(AVAIL_FLAGS(vq)) & VIRTQ_AVAIL_F_NO_INTERRUPT);
    uint16_t old = vq->signalled_used, now = vq->used_idx;
    bool valid = vq->signalled_used_valid;
    vq->signalled_used = now;
    vq->signalled_used_valid = true;
    return !valid || virtq_need_event(load16(USED_EVENT(vq)), now, old);
}

void vq_set_notification(struct virtqueue *vq, bool enable)
{
    if (!usable(vq))
        return;
    if (vq->event_idx) {
        /* "Off" has no encoding: vq_pop keeps asking for the next one. */
        if (enable) {
            store16(AVAIL_EVENT(vq), vq->last_avail);
            guest_memory_mark_host_dirty(vq->memory, vq->used_addr + 4 + 8 * (uint64_t)vq->size, 2);
        }
    } else {
        store16(USED_FLAGS(vq), enable ? 0 : VIRTQ_USED_F_NO_NOTIFY);
        guest_memory_mark_host_dirty(vq->memory, vq->used_addr, 2);
    }
    /* Published before the caller looks at the available index again. */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
}

size_t vq_chain_read(const struct vq_chain *chain, size_t skip, void *dst, size_t len)
{
    uint8_t *out = dst;
    size_t done = 0;
    for (unsigned i = 0; i < chain->readable && done < len; i++) {
        const struct vq_buffer *b = &chain->buf[i];
        if (skip >= b->len) {
            skip -= b->len;
            continue;
        }
        size_t n = b->len - skip;
        if (n > len - done)
            n = len - done;
        memcpy(out + done, b->host + skip, n);
        done += n;
        skip = 0;
    }
    return done;
}

size_t vq_chain_write(const struct vq_chain *chain, size_t skip, const void *src, size_t len)
{
    const uint8_t *in = src;
    size_t done = 0;
    for (unsigned i = chain->readable; i < chain->readable + chain->writable && done < len; i++) {
        const struct vq_buffer *b = &chain->buf[i];
        if (skip >= b->len) {
            skip -= b->len;
            continue;
        }
        size_t n = b->len - skip;
        if (n > len - done)
            n = len - done;
        memcpy(b->host + skip, in + done, n);
        done += n;
        skip = 0;
    }
    return done;
}
