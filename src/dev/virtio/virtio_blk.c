/* virtio-blk on a raw image (virtio_blk.h). */
#include "virtio_blk.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define HEADER_BYTES 16u

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* ---- the device configuration ---- */

static void build_config(struct virtio_blk *blk)
{
    uint8_t *c = blk->config;
    memset(c, 0, sizeof blk->config);
    uint64_t sectors = blk->image.size / DISK_SECTOR_SIZE;
    for (int i = 0; i < 8; i++)
        c[VIRTIO_BLK_CFG_CAPACITY + i] = (uint8_t)(sectors >> (8 * i));
    put32(c + VIRTIO_BLK_CFG_SEG_MAX, VIRTIO_BLK_SEG_MAX);
    put32(c + VIRTIO_BLK_CFG_BLK_SIZE, DISK_SECTOR_SIZE);
    c[VIRTIO_BLK_CFG_NUM_QUEUES] = 1;
    put32(c + VIRTIO_BLK_CFG_MAX_DISCARD_SECTORS, VIRTIO_BLK_MAX_RANGE_SECTORS);
    put32(c + VIRTIO_BLK_CFG_MAX_DISCARD_SEG, VIRTIO_BLK_MAX_SEGMENTS);
    put32(c + VIRTIO_BLK_CFG_DISCARD_ALIGNMENT, 4096 / DISK_SECTOR_SIZE);
    put32(c + VIRTIO_BLK_CFG_MAX_WRITE_ZEROES_SECTORS, VIRTIO_BLK_MAX_RANGE_SECTORS);
    put32(c + VIRTIO_BLK_CFG_MAX_WRITE_ZEROES_SEG, VIRTIO_BLK_MAX_SEGMENTS);
    c[VIRTIO_BLK_CFG_WRITE_ZEROES_MAY_UNMAP] = 1;
}

static void config_read(void *dev, uint32_t offset, uint8_t *data, unsigned size)
{
    struct virtio_blk *blk = dev;
    for (unsigned i = 0; i < size; i++)
        data[i] = offset + i < VIRTIO_BLK_CONFIG_SIZE ? blk->config[offset + i] : 0;
}

/* ---- parsing ---- */

static bool in_disk(const struct virtio_blk *blk, uint64_t sector, uint64_t bytes)
{
    uint64_t sectors = blk->image.size / DISK_SECTOR_SIZE;
    uint64_t count = bytes / DISK_SECTOR_SIZE;
    return sector <= sectors && count <= sectors - sector;
}

/* The segments of [skip, skip + len) of the readable (or writable) part. */
static void collect(struct blk_request *req, bool writable, uint64_t skip, uint64_t len)
{
    const struct vq_chain *c = &req->chain;
    unsigned first = writable ? c->readable : 0;
    unsigned end = writable ? c->readable + c->writable : c->readable;
    req->nseg = 0;
    for (unsigned i = first; i < end && len; i++) {
        const struct vq_buffer *b = &c->buf[i];
        if (skip >= b->len) {
            skip -= b->len;
            continue;
        }
        uint64_t n = b->len - skip;
        if (n > len)
            n = len;
        req->seg[req->nseg++] = (struct disk_segment){ b->host + skip, (size_t)n };
        len -= n;
        skip = 0;
    }
}

static void parse_ranges(struct virtio_blk *blk, struct blk_request *req)
{
    uint64_t bytes = req->chain.readable_bytes - HEADER_BYTES;
    if (bytes == 0 || bytes % 16 || bytes / 16 > VIRTIO_BLK_MAX_SEGMENTS) {
        req->status = VIRTIO_BLK_S_IOERR;
        return;
    }
    req->nranges = (unsigned)(bytes / 16);
    for (unsigned i = 0; i < req->nranges; i++) {
        uint8_t raw[16];
        vq_chain_read(&req->chain, HEADER_BYTES + 16 * i, raw, sizeof raw);
        struct virtio_blk_range *r = &req->ranges[i];
        r->sector = get64(raw);
        r->num_sectors = get32(raw + 8);
        r->flags = get32(raw + 12);
        if (r->num_sectors > VIRTIO_BLK_MAX_RANGE_SECTORS ||
            !in_disk(blk, r->sector, (uint64_t)r->num_sectors * DISK_SECTOR_SIZE) ||
            (req->type == VIRTIO_BLK_T_DISCARD && r->flags) ||
            (r->flags & ~VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP)) {
            req->status = VIRTIO_BLK_S_IOERR;
            return;
        }
    }
    req->parsed_ok = true;
}

void virtio_blk_parse(struct virtio_blk *blk, struct blk_request *req)
{
    const struct vq_chain *c = &req->chain;
    req->status = VIRTIO_BLK_S_OK;
    req->parsed_ok = false;
    req->used_len = 1;
    req->nseg = 0;
    req->nranges = 0;
    req->data_len = 0;
    req->type = UINT32_MAX;
    /* The status byte: the last writable byte (the caller checked there is one). */
    const struct vq_buffer *last = &c->buf[c->readable + c->writable - 1];
    req->status_byte = last->host + last->len - 1;
    uint8_t header[HEADER_BYTES];
    if (vq_chain_read(c, 0, header, sizeof header) < sizeof header) {
        req->status = VIRTIO_BLK_S_IOERR;
        return;
    }
    req->type = get32(header);
    req->sector = get64(header + 8);
    bool ro = blk->image.read_only;
    switch (req->type) {
    case VIRTIO_BLK_T_IN:
        req->data_len = c->writable_bytes - 1u;
        if (req->data_len == 0 || req->data_len % DISK_SECTOR_SIZE ||
            !in_disk(blk, req->sector, req->data_len)) {
            req->status = VIRTIO_BLK_S_IOERR;
            return;
        }
        collect(req, true, 0, req->data_len);
        req->parsed_ok = true;
        return;
    case VIRTIO_BLK_T_OUT:
        req->data_len = c->readable_bytes - HEADER_BYTES;
        if (ro || req->data_len == 0 || req->data_len % DISK_SECTOR_SIZE ||
            !in_disk(blk, req->sector, req->data_len)) {
            req->status = VIRTIO_BLK_S_IOERR;
            return;
        }
        collect(req, false, HEADER_BYTES, req->data_len);
        req->parsed_ok = true;
        return;
    case VIRTIO_BLK_T_FLUSH:
        req->parsed_ok = true;
        return;
    case VIRTIO_BLK_T_GET_ID: {
        /* Up to 20 bytes, NUL-padded when shorter. */
        uint8_t id[VIRTIO_BLK_ID_BYTES] = { 0 };
        memcpy(id, blk->serial, strnlen(blk->serial, sizeof id));
        uint64_t room = c->writable_bytes - 1u;
        size_t n = room < sizeof id ? (size_t)room : sizeof id;
        vq_chain_write(c, 0, id, n);
        req->used_len = (uint32_t)n + 1;
        return;
    }
    case VIRTIO_BLK_T_DISCARD:
    case VIRTIO_BLK_T_WRITE_ZEROES:
        if (ro) {
            req->status = VIRTIO_BLK_S_IOERR;
            return;
        }
        parse_ranges(blk, req);
        return;
    default:
        req->status = VIRTIO_BLK_S_UNSUPP;
        return;
    }
}

/* ---- the three steps ---- */

unsigned virtio_blk_take(struct virtio_blk *blk, struct blk_request *reqs, unsigned max)
{
    struct virtqueue *vq = &blk->vp.vq[0];
    unsigned n = 0;
    char reason[VQ_REASON_MAX];
    /* A failed device takes nothing more until the driver resets it (a
     * request without a status byte fails it without breaking the queue). */
    while (n < max && !(blk->vp.status & VIRTIO_CONFIG_S_NEEDS_RESET)) {
        enum vq_result r = vq_pop(vq, &reqs[n].chain, reason, sizeof reason);
        if (r == VQ_EMPTY)
            break;
        if (r == VQ_ERROR) {
            virtio_pci_fail(&blk->vp, reason);
            break;
        }
        if (reqs[n].chain.writable == 0) {
            /* Nowhere to put the status: the driver broke the protocol. */
            virtio_pci_fail(&blk->vp, "a request without a writable status byte");
            break;
        }
        virtio_blk_parse(blk, &reqs[n]);
        n++;
    }
    return n;
}

static uint8_t status_of(int rc)
{
    return rc == 0 ? VIRTIO_BLK_S_OK
         : rc == -EOPNOTSUPP ? VIRTIO_BLK_S_UNSUPP
         : VIRTIO_BLK_S_IOERR;
}

void virtio_blk_execute(struct virtio_blk *blk, struct blk_request *req)
{
    if (!req->parsed_ok)
        return;
    struct disk_image *img = &blk->image;
    uint64_t offset = req->sector * DISK_SECTOR_SIZE;
    int rc = 0;
    switch (req->type) {
    case VIRTIO_BLK_T_IN:
        rc = disk_image_read(img, offset, req->seg, req->nseg);
        if (rc == 0)
            req->used_len = (uint32_t)req->data_len + 1;
        break;
    case VIRTIO_BLK_T_OUT:
        rc = disk_image_write(img, offset, req->seg, req->nseg);
        break;
    case VIRTIO_BLK_T_FLUSH:
        rc = disk_image_flush(img);
        break;
    case VIRTIO_BLK_T_DISCARD:
    case VIRTIO_BLK_T_WRITE_ZEROES:
        for (unsigned i = 0; i < req->nranges && rc == 0; i++) {
            const struct virtio_blk_range *r = &req->ranges[i];
            uint64_t at = r->sector * DISK_SECTOR_SIZE;
            uint64_t len = (uint64_t)r->num_sectors * DISK_SECTOR_SIZE;
            if (len == 0)
                continue;
            if (req->type == VIRTIO_BLK_T_DISCARD)
                rc = disk_image_discard(img, at, len);
            else
                rc = disk_image_write_zeroes(img, at, len,
                                             r->flags & VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP);
        }
        break;
    default:
        break;
    }
    req->status = status_of(rc);
}

void virtio_blk_complete(struct virtio_blk *blk, struct blk_request *reqs, unsigned n)
{
    struct virtqueue *vq = &blk->vp.vq[0];
    for (unsigned i = 0; i < n; i++) {
        *reqs[i].status_byte = reqs[i].status;
        /* Every writable byte may have changed (a read that failed half way). */
        vq_mark_written(vq, &reqs[i].chain, reqs[i].chain.writable_bytes);
        vq_push(vq, reqs[i].chain.head, reqs[i].used_len);
    }
    if (n)
        virtio_pci_interrupt_queue(&blk->vp, 0);
}

/* ---- transport callbacks ---- */

/* No worker: the notification does the whole batch on the vCPU's thread. */
static void process_inline(struct virtio_blk *blk)
{
    unsigned n;
    while ((n = virtio_blk_take(blk, blk->requests, VIRTIO_BLK_BATCH)) > 0) {
        for (unsigned i = 0; i < n; i++)
            virtio_blk_execute(blk, &blk->requests[i]);
        virtio_blk_complete(blk, blk->requests, n);
    }
}

static void queue_notify(void *dev, unsigned q)
{
    struct virtio_blk *blk = dev;
    (void)q;
    if (blk->worker)
        virtio_blk_worker_kick(blk);
    else
        process_inline(blk);
}

static int queue_eventfd(void *dev, unsigned q)
{
    struct virtio_blk *blk = dev;
    (void)q;
    return blk->worker ? virtio_blk_worker_eventfd(blk) : -1;
}

/* Requests the driver queued before it set DRIVER_OK are looked at now. */
static void driver_ok(void *dev)
{
    struct virtio_blk *blk = dev;
    if (blk->worker)
        virtio_blk_worker_kick(blk);
    else
        process_inline(blk);
}

/* Requests in flight finish first (their buffers are the driver's again
 * after the reset); their results are dropped. */
static void reset(void *dev)
{
    struct virtio_blk *blk = dev;
    blk->generation++;
    while (blk->busy)
        host_cond_wait(&blk->idle, blk->lock);
}

void virtio_blk_quiesce(struct virtio_blk *blk)
{
    blk->frozen = true;
    while (blk->busy)
        host_cond_wait(&blk->idle, blk->lock);
}

void virtio_blk_thaw(struct virtio_blk *blk)
{
    blk->frozen = false;
    if (blk->worker)
        virtio_blk_worker_kick(blk);
}

static const struct virtio_device_ops blk_ops = {
    .name = "virtio-blk",
    .device_id = VIRTIO_ID_BLOCK,
    .class_code = 0x018000, /* mass storage, other */
    .num_queues = 1,
    .queue_max_size = VIRTIO_BLK_QUEUE_SIZE,
    .config_size = VIRTIO_BLK_CONFIG_SIZE,
    .config_read = config_read,
    .queue_notify = queue_notify,
    .queue_eventfd = queue_eventfd,
    .driver_ok = driver_ok,
    .reset = reset,
};

static int open_blk(struct virtio_blk *blk, const char *path, bool read_only,
                    const char *serial, bool shared, struct wisp_error *err)
{
    memset(blk, 0, sizeof *blk);
    blk->image.fd = -1;
    if (serial && strlen(serial) > VIRTIO_BLK_ID_BYTES)
        return wisp_fail(err, WISP_EXIT_USAGE, "--disk %s: serial '%s' is longer than %u bytes",
                         path, serial, VIRTIO_BLK_ID_BYTES);
    if (serial)
        memcpy(blk->serial, serial, strlen(serial) + 1);
    return shared ? disk_image_open_shared(&blk->image, path, read_only, err)
                  : disk_image_open(&blk->image, path, read_only, err);
}

int virtio_blk_open(struct virtio_blk *blk, const char *path, bool read_only,
                    const char *serial, struct wisp_error *err)
{
    return open_blk(blk, path, read_only, serial, false, err);
}

int virtio_blk_open_shared(struct virtio_blk *blk, const char *path, bool read_only,
                           const char *serial, struct wisp_error *err)
{
    return open_blk(blk, path, read_only, serial, true, err);
}

int virtio_blk_init(struct virtio_blk *blk, const struct virtio_platform *platform,
                    struct host_mutex *lock, struct wisp_error *err)
{
    blk->lock = lock;
    blk->requests = calloc(VIRTIO_BLK_BATCH, sizeof *blk->requests);
    if (!blk->requests)
        return wisp_fail(err, WISP_EXIT_HOST_ERROR, "out of memory");
    host_cond_init(&blk->idle);
    blk->idle_ready = true;
    build_config(blk);
    uint64_t features = (1ull << VIRTIO_BLK_F_SEG_MAX) | (1ull << VIRTIO_BLK_F_BLK_SIZE) |
                        (1ull << VIRTIO_BLK_F_FLUSH);
    if (blk->image.read_only)
        features |= 1ull << VIRTIO_BLK_F_RO;
    else
        features |= (1ull << VIRTIO_BLK_F_DISCARD) | (1ull << VIRTIO_BLK_F_WRITE_ZEROES);
    virtio_pci_init(&blk->vp, &blk_ops, blk, features, platform);
    return 0;
}

void virtio_blk_destroy(struct virtio_blk *blk)
{
    virtio_blk_worker_stop(blk);
    disk_image_close(&blk->image);
    if (blk->idle_ready)
        host_cond_destroy(&blk->idle);
    blk->idle_ready = false;
    free(blk->requests);
    blk->requests = NULL;
}
