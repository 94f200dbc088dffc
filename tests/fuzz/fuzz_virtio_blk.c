/*
 * libFuzzer target: virtio-blk (src/dev/virtio/virtio_blk.c) on a small
 * temporary raw image (64 KiB, 128 sectors), behind the transport and the
 * host bridge, driven by the program of fuzz_virtio.h. The first input byte
 * picks a writable image or a read-only one. There is no worker thread:
 * notifications run the requests inline (take, execute, complete), and the
 * device's own event (op 12/15) is a worker's pass done synchronously
 * (virtio_blk_take / _execute / _complete, as virtio_blk_worker_posix.c
 * does, while the transport runs).
 *
 * Checked besides fuzz_virtio.h's invariants: a request taken for execution
 * transfers exactly its data length, between guest memory and sectors
 * inside the disk; its status byte is in guest memory; a read-only disk
 * executes no write, discard or write-zeroes; the image files never change
 * size (no write past the end) and the read-only one never changes at all.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dev/virtio/virtio_blk.h"
#include "fuzz_virtio.h"

#define IMAGE_SIZE 0x10000u

/* One device per image, built once: every run re-initialises the transport
 * only (building the device allocates its request batch). */
static struct virtio_blk blks[2];
static struct virtio_blk *cur;
static const struct virtio_device_ops *blk_ops[2];
static uint64_t blk_features[2];
static struct disk_image images[2]; /* writable, read-only */
static struct host_mutex lock;
static bool read_only;
static char paths[2][64];

static uint8_t pattern(uint64_t at)
{
    return (uint8_t)(at * 7 + (at >> 9));
}

static void open_images(void)
{
    uint8_t buf[IMAGE_SIZE];
    for (uint64_t i = 0; i < IMAGE_SIZE; i++)
        buf[i] = pattern(i);
    for (int i = 0; i < 2; i++) {
        /* tmpfs when there is one: flushes are then cheap. */
        const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
        snprintf(paths[i], sizeof paths[i], "%s/wisp-fuzz-blk-%d-%d.img", dir, (int)getpid(), i);
        FILE *f = fopen(paths[i], "wb");
        fuzz_check(f && fwrite(buf, 1, sizeof buf, f) == sizeof buf && fclose(f) == 0, "image");
        struct wisp_error err = { 0 };
        fuzz_check(disk_image_open(&images[i], paths[i], i == 1, &err) == 0, "open image");
        unlink(paths[i]); /* the descriptor keeps it */
    }
    host_mutex_init(&lock);
}

static void check_sizes(void)
{
    for (int i = 0; i < 2; i++) {
        struct stat st;
        fuzz_check(fstat(images[i].fd, &st) == 0 && st.st_size == IMAGE_SIZE,
                   "the image file changed size");
    }
}

static void check_read_only_image(void)
{
    static uint8_t buf[IMAGE_SIZE];
    fuzz_check(pread(images[1].fd, buf, sizeof buf, 0) == (ssize_t)sizeof buf, "read back");
    for (uint64_t i = 0; i < IMAGE_SIZE; i++)
        fuzz_check(buf[i] == pattern(i), "the read-only image changed");
}

static void check_request(const struct blk_request *req)
{
    fuzz_check(fv_inside_guest(req->status_byte, 1), "status byte outside guest memory");
    if (!req->parsed_ok)
        return;
    if (read_only)
        fuzz_check(req->type != VIRTIO_BLK_T_OUT && req->type != VIRTIO_BLK_T_DISCARD &&
                   req->type != VIRTIO_BLK_T_WRITE_ZEROES, "a write to a read-only disk");
    if (req->type == VIRTIO_BLK_T_IN || req->type == VIRTIO_BLK_T_OUT) {
        uint64_t total = 0;
        for (unsigned i = 0; i < req->nseg; i++) {
            fuzz_check(fv_inside_guest(req->seg[i].base, req->seg[i].len),
                       "a data segment outside guest memory");
            total += req->seg[i].len;
        }
        fuzz_check(total == req->data_len && total > 0 && total % DISK_SECTOR_SIZE == 0,
                   "segments and data length disagree");
        fuzz_check(req->sector <= IMAGE_SIZE / DISK_SECTOR_SIZE &&
                   req->data_len <= IMAGE_SIZE - req->sector * DISK_SECTOR_SIZE,
                   "a transfer past the end of the disk");
    }
    for (unsigned i = 0; i < req->nranges; i++)
        fuzz_check(req->ranges[i].sector <= IMAGE_SIZE / DISK_SECTOR_SIZE &&
                   (uint64_t)req->ranges[i].num_sectors * DISK_SECTOR_SIZE <=
                       IMAGE_SIZE - req->ranges[i].sector * DISK_SECTOR_SIZE,
                   "a range past the end of the disk");
}

/* A worker's pass, synchronously. */
static void event(struct fuzz_input *in)
{
    (void)fi_u8(in);
    if (!virtio_pci_running(&cur->vp))
        return;
    for (unsigned round = 0;; round++) {
        fuzz_check(round <= VIRTIO_BLK_QUEUE_SIZE, "a pass that does not end");
        unsigned n = virtio_blk_take(cur, cur->requests, VIRTIO_BLK_BATCH);
        if (n == 0)
            break;
        fuzz_check(n <= VIRTIO_BLK_BATCH, "took more than asked");
        for (unsigned i = 0; i < n; i++) {
            check_request(&cur->requests[i]);
            virtio_blk_execute(cur, &cur->requests[i]);
            fuzz_check(cur->requests[i].status <= VIRTIO_BLK_S_UNSUPP, "a status virtio lacks");
        }
        virtio_blk_complete(cur, cur->requests, n);
    }
}

static struct virtio_pci *init(const struct virtio_platform *platform)
{
    cur = &blks[read_only];
    if (!blk_ops[read_only]) {
        memset(cur, 0, sizeof *cur);
        cur->image = images[read_only];
        memcpy(cur->serial, "fuzz-serial-0123", 17);
        struct wisp_error err = { 0 };
        fuzz_check(virtio_blk_init(cur, platform, &lock, &err) == 0, "init");
        blk_ops[read_only] = cur->vp.ops;
        blk_features[read_only] = cur->vp.device_features;
        return &cur->vp;
    }
    virtio_pci_init(&cur->vp, blk_ops[read_only], cur, blk_features[read_only], platform);
    cur->busy = false;
    return &cur->vp;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool ready;
    if (!ready) {
        open_images();
        ready = true;
    }
    if (size < 1)
        return 0;
    read_only = data[0] & 1;
    /* The writable image starts as zeroes again: runs repeat. */
    if (!read_only)
        fuzz_check(ftruncate(images[0].fd, 0) == 0 && ftruncate(images[0].fd, IMAGE_SIZE) == 0,
                   "reset the image");
    fv_begin(init);
    fv.event = event;
    fv.check = NULL;
    fv_run(data + 1, size - 1);
    check_sizes(); /* growth would stay: once per run is enough */
    if (read_only)
        check_read_only_image();
    return 0;
}
