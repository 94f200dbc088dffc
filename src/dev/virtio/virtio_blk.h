/*
 * virtio-blk (virtio 1.2, 5.2) on a raw image file: one request queue of
 * 256 entries; read, write, flush (fdatasync), get ID (the serial string),
 * discard and write zeroes (hole punching, zero ranges) on writable images;
 * VIRTIO_BLK_F_RO and VIRTIO_BLK_S_IOERR for every write to a read-only
 * one. Features: SEG_MAX, BLK_SIZE, FLUSH, plus RO, or DISCARD and
 * WRITE_ZEROES.
 *
 * Requests are parsed into guest-memory segments with the device lock
 * held (virtio_blk_take), carried out on the image without it
 * (virtio_blk_execute) and completed with it again (virtio_blk_complete):
 * an I/O worker thread does the three (virtio_blk_worker_*.c), woken by
 * the queue's eventfd, which the platform attaches as an ioeventfd. Without
 * a worker the three run inline on the vCPU's notification.
 *
 * Request parsing (each failure is the request's status, not a device
 * error): the 16-byte header (type, reserved, sector) may span buffers and
 * is read from the readable part; the status is the last byte of the
 * writable part. A request with no writable byte cannot be answered: that
 * is a protocol violation (DEVICE_NEEDS_RESET). IN needs writable data, OUT
 * readable data, both a multiple of 512 bytes, within the disk (else
 * IOERR); DISCARD and WRITE_ZEROES take 1 to VIRTIO_BLK_MAX_SEGMENTS
 * 16-byte ranges; unknown types get UNSUPP.
 */
#ifndef WISP_DEV_VIRTIO_BLK_H
#define WISP_DEV_VIRTIO_BLK_H

#include <stdbool.h>
#include <stdint.h>

#include "core/error.h"
#include "host/disk_image.h"
#include "host/thread.h"
#include "virtio_pci.h"

/* 5.2.3 Feature bits */
#define VIRTIO_BLK_F_SIZE_MAX 1
#define VIRTIO_BLK_F_SEG_MAX 2
#define VIRTIO_BLK_F_RO 5
#define VIRTIO_BLK_F_BLK_SIZE 6
#define VIRTIO_BLK_F_FLUSH 9
#define VIRTIO_BLK_F_DISCARD 13
#define VIRTIO_BLK_F_WRITE_ZEROES 14

/* 5.2.6 Request types and status */
#define VIRTIO_BLK_T_IN 0
#define VIRTIO_BLK_T_OUT 1
#define VIRTIO_BLK_T_FLUSH 4
#define VIRTIO_BLK_T_GET_ID 8
#define VIRTIO_BLK_T_DISCARD 11
#define VIRTIO_BLK_T_WRITE_ZEROES 13
#define VIRTIO_BLK_S_OK 0
#define VIRTIO_BLK_S_IOERR 1
#define VIRTIO_BLK_S_UNSUPP 2
#define VIRTIO_BLK_ID_BYTES 20
#define VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP 1u

/* 5.2.4 struct virtio_blk_config offsets */
#define VIRTIO_BLK_CFG_CAPACITY 0
#define VIRTIO_BLK_CFG_SIZE_MAX 8
#define VIRTIO_BLK_CFG_SEG_MAX 12
#define VIRTIO_BLK_CFG_BLK_SIZE 20
#define VIRTIO_BLK_CFG_NUM_QUEUES 34
#define VIRTIO_BLK_CFG_MAX_DISCARD_SECTORS 36
#define VIRTIO_BLK_CFG_MAX_DISCARD_SEG 40
#define VIRTIO_BLK_CFG_DISCARD_ALIGNMENT 44
#define VIRTIO_BLK_CFG_MAX_WRITE_ZEROES_SECTORS 48
#define VIRTIO_BLK_CFG_MAX_WRITE_ZEROES_SEG 52
#define VIRTIO_BLK_CFG_WRITE_ZEROES_MAY_UNMAP 56
#define VIRTIO_BLK_CONFIG_SIZE 60

#define VIRTIO_BLK_QUEUE_SIZE 256
#define VIRTIO_BLK_SEG_MAX 254          /* data buffers per request */
#define VIRTIO_BLK_MAX_SEGMENTS 32      /* discard / write-zeroes ranges */
#define VIRTIO_BLK_MAX_RANGE_SECTORS 0x400000u /* 2 GiB per range */
#define VIRTIO_BLK_BATCH 16             /* requests taken at once */

struct virtio_blk_range {
    uint64_t sector;
    uint32_t num_sectors;
    uint32_t flags;
};

struct blk_request {
    struct vq_chain chain;
    uint32_t type;
    uint64_t sector;
    uint8_t status;          /* decided while parsing when not VIRTIO_BLK_S_OK */
    bool parsed_ok;          /* execute it */
    uint8_t *status_byte;    /* in guest memory */
    uint32_t used_len;       /* bytes written into the driver's buffers */
    uint64_t data_len;
    unsigned nseg;
    struct disk_segment seg[VQ_CHAIN_MAX];
    unsigned nranges;
    struct virtio_blk_range ranges[VIRTIO_BLK_MAX_SEGMENTS];
};

struct virtio_blk_worker;

struct virtio_blk {
    struct virtio_pci vp;
    struct disk_image image;
    char serial[VIRTIO_BLK_ID_BYTES + 1];
    uint8_t config[VIRTIO_BLK_CONFIG_SIZE];
    struct host_mutex *lock;       /* the VM's device lock */
    struct host_cond idle;         /* signalled when the worker publishes */
    bool idle_ready;               /* idle is initialised */
    bool busy;                     /* requests taken and not completed */
    bool frozen;                   /* a snapshot or migration: take nothing more */
    uint64_t generation;           /* bumped by reset: in-flight results are dropped */
    struct virtio_blk_worker *worker; /* NULL: requests run inline */
    struct blk_request *requests;  /* VIRTIO_BLK_BATCH of them */
};

/* Opens the image (disk_image_open's checks and messages) before the VM
 * exists, so that a bad --disk stops wisp before anything runs. */
int virtio_blk_open(struct virtio_blk *blk, const char *path, bool read_only,
                    const char *serial, struct wisp_error *err);

/* The same for a live migration's destination: the image is not locked
 * (disk_image_open_shared). */
int virtio_blk_open_shared(struct virtio_blk *blk, const char *path, bool read_only,
                           const char *serial, struct wisp_error *err);

/* Builds the PCI function; lock is the VM's device lock. Add blk->vp.pci
 * to the host bridge afterwards, then start the worker. */
int virtio_blk_init(struct virtio_blk *blk, const struct virtio_platform *platform,
                    struct host_mutex *lock, struct wisp_error *err);

/* Stops the worker, closes the image. */
void virtio_blk_destroy(struct virtio_blk *blk);

/* The three steps of a batch (see above). take and complete need the
 * device lock; take returns how many requests it filled (at most max). */
unsigned virtio_blk_take(struct virtio_blk *blk, struct blk_request *reqs, unsigned max);
void virtio_blk_execute(struct virtio_blk *blk, struct blk_request *req);
void virtio_blk_complete(struct virtio_blk *blk, struct blk_request *reqs, unsigned n);

/* Snapshots and migration, device lock held, vCPUs paused: quiesce waits
 * until no request is in flight (the used ring then matches the image) and
 * keeps the worker from taking more; thaw lets it go on (and looks at the
 * queue again). */
void virtio_blk_quiesce(struct virtio_blk *blk);
void virtio_blk_thaw(struct virtio_blk *blk);

/* One request's parsing, for tests: fills req from its chain. */
void virtio_blk_parse(struct virtio_blk *blk, struct blk_request *req);

/* The I/O worker (virtio_blk_worker_posix.c; Windows: none, inline). */
int virtio_blk_worker_start(struct virtio_blk *blk, struct wisp_error *err);
void virtio_blk_worker_stop(struct virtio_blk *blk);
void virtio_blk_worker_kick(struct virtio_blk *blk);
int virtio_blk_worker_eventfd(struct virtio_blk *blk);

#endif
