/*
 * A raw disk image file on the host, for virtio-blk: opened once at start
 * (with every check a user can get wrong reported as a one-line error),
 * then read and written at byte offsets from an I/O worker. POSIX:
 * disk_image_posix.c; Windows: disk_image_windows.c (not supported yet).
 */
#ifndef WISP_HOST_DISK_IMAGE_H
#define WISP_HOST_DISK_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

#define DISK_SECTOR_SIZE 512u

/* A piece of guest memory to transfer. */
struct disk_segment {
    uint8_t *base;
    size_t len;
};

struct disk_image {
    int fd;            /* -1: closed */
    const char *path;  /* as given, for messages */
    uint64_t size;     /* bytes, a multiple of DISK_SECTOR_SIZE */
    bool read_only;
};

/* Opens path read-write, or read-only with read_only. Fails (status
 * WISP_EXIT_USAGE, message naming the file) when the file is missing,
 * unreadable, not a regular file or block device, not writable without
 * read_only, empty or not a multiple of 512 bytes long, or locked by
 * another wisp (an exclusive lock for writers, shared for readers). Writes
 * nothing. */
int disk_image_open(struct disk_image *img, const char *path, bool read_only,
                    struct wisp_error *err);
/* The same without the lock: the destination of a live migration on one
 * host opens the image the source still holds (the source writes nothing
 * once the guest stopped there, and exits when the destination runs). */
int disk_image_open_shared(struct disk_image *img, const char *path, bool read_only,
                           struct wisp_error *err);
void disk_image_close(struct disk_image *img);

/* Transfers at offset; 0, or a negative errno (a short transfer at the end
 * of the file is -EIO). */
int disk_image_read(struct disk_image *img, uint64_t offset, const struct disk_segment *seg,
                    unsigned count);
int disk_image_write(struct disk_image *img, uint64_t offset, const struct disk_segment *seg,
                     unsigned count);
/* Data written so far reaches the disk (fdatasync). */
int disk_image_flush(struct disk_image *img);
/* Deallocates a range (a hole; reads return zeroes); -EOPNOTSUPP when the
 * file system cannot. */
int disk_image_discard(struct disk_image *img, uint64_t offset, uint64_t len);
/* Zeroes a range, deallocating it when unmap and the file system can. */
int disk_image_write_zeroes(struct disk_image *img, uint64_t offset, uint64_t len, bool unmap);

#endif
