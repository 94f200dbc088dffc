#include "disk_image.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

static int open_image(struct disk_image *img, const char *path, bool read_only, bool lock,
                      struct wisp_error *err)
{
    memset(img, 0, sizeof *img);
    img->fd = -1;
    img->path = path;
    img->read_only = read_only;
    int fd = open(path, (read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC);
    if (fd < 0) {
        if (!read_only && (errno == EACCES || errno == EROFS || errno == EPERM) &&
            access(path, R_OK) == 0)
            return wisp_fail(err, WISP_EXIT_USAGE,
                             "--disk %s: not writable (add ,ro to attach it read-only)", path);
        if (errno == EISDIR)
            return wisp_fail(err, WISP_EXIT_USAGE, "--disk %s: not a regular file or block "
                             "device", path);
        return wisp_fail_errno(err, WISP_EXIT_USAGE, "--disk %s", path);
    }
    struct stat st;
    if (fstat(fd, &st) < 0) {
        close(fd);
        return wisp_fail_errno(err, WISP_EXIT_USAGE, "--disk %s", path);
    }
    uint64_t size;
    if (S_ISREG(st.st_mode)) {
        size = (uint64_t)st.st_size;
    } else if (S_ISBLK(st.st_mode)) {
        if (ioctl(fd, BLKGETSIZE64, &size) < 0) {
            close(fd);
            return wisp_fail_errno(err, WISP_EXIT_USAGE, "--disk %s: cannot read its size", path);
        }
    } else {
        close(fd);
        return wisp_fail(err, WISP_EXIT_USAGE, "--disk %s: not a regular file or block device",
                         path);
    }
    if (size == 0 || size % DISK_SECTOR_SIZE) {
        close(fd);
        return wisp_fail(err, WISP_EXIT_USAGE, "--disk %s: size %llu is not a positive multiple "
                         "of 512 bytes", path, (unsigned long long)size);
    }
    /* Two VMs writing one image corrupt it: take the file, as QEMU does. */
    if (lock && flock(fd, (read_only ? LOCK_SH : LOCK_EX) | LOCK_NB) < 0) {
        int e = errno;
        close(fd);
        if (e == EWOULDBLOCK)
            return wisp_fail(err, WISP_EXIT_USAGE, "--disk %s: in use by another process%s",
                             path, read_only ? " that writes it" : "");
        errno = e;
        return wisp_fail_errno(err, WISP_EXIT_USAGE, "--disk %s: cannot lock it", path);
    }
    img->fd = fd;
    img->size = size;
    return 0;
}

int disk_image_open(struct disk_image *img, const char *path, bool read_only,
                    struct wisp_error *err)
{
    return open_image(img, path, read_only, true, err);
}

int disk_image_open_shared(struct disk_image *img, const char *path, bool read_only,
                           struct wisp_error *err)
{
    return open_image(img, path, read_only, false, err);
}

void disk_image_close(struct disk_image *img)
{
    if (img->fd >= 0)
        close(img->fd);
    img->fd = -1;
}

/* preadv/pwritev over the segments, resuming after short transfers. */
static int transfer(struct disk_image *img, uint64_t offset, const struct disk_segment *seg,
                    unsigned count, bool write)
{
    struct iovec iov[IOV_MAX < 1024 ? IOV_MAX : 1024];
    unsigned first = 0;
    size_t skip = 0; /* bytes of seg[first] already done */
    while (first < count) {
        unsigned n = 0;
        for (unsigned i = first; i < count && n < sizeof iov / sizeof iov[0]; i++, n++) {
            size_t off = i == first ? skip : 0;
            iov[n].iov_base = seg[i].base + off;
            iov[n].iov_len = seg[i].len - off;
        }
        ssize_t done = write ? pwritev(img->fd, iov, (int)n, (off_t)offset)
                             : preadv(img->fd, iov, (int)n, (off_t)offset);
        if (done < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        if (done == 0)
            return -EIO; /* past the end of the file */
        offset += (uint64_t)done;
        size_t left = (size_t)done;
        while (first < count && left >= seg[first].len - skip) {
            left -= seg[first].len - skip;
            first++;
            skip = 0;
        }
        skip += left;
    }
    return 0;
}

int disk_image_read(struct disk_image *img, uint64_t offset, const struct disk_segment *seg,
                    unsigned count)
{
    return transfer(img, offset, seg, count, false);
}

int disk_image_write(struct disk_image *img, uint64_t offset, const struct disk_segment *seg,
                     unsigned count)
{
    if (img->read_only)
        return -EROFS;
    return transfer(img, offset, seg, count, true);
}

int disk_image_flush(struct disk_image *img)
{
    if (img->read_only)
        return 0;
    return fdatasync(img->fd) < 0 ? -errno : 0;
}

int disk_image_discard(struct disk_image *img, uint64_t offset, uint64_t len)
{
    if (img->read_only)
        return -EROFS;
    if (fallocate(img->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)offset,
                  (off_t)len) < 0)
        return -errno;
    return 0;
}

#define ZERO_CHUNK (64u << 10)

int disk_image_write_zeroes(struct disk_image *img, uint64_t offset, uint64_t len, bool unmap)
{
    if (img->read_only)
        return -EROFS;
    if (unmap && disk_image_discard(img, offset, len) == 0)
        return 0;
    if (fallocate(img->fd, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, (off_t)offset,
                  (off_t)len) == 0)
        return 0;
    /* The file system zeroes nothing for us: write the zeroes. */
    static const uint8_t zeroes[ZERO_CHUNK];
    while (len) {
        size_t n = len < ZERO_CHUNK ? (size_t)len : ZERO_CHUNK;
        struct disk_segment seg = { (uint8_t *)zeroes, n };
        int rc = transfer(img, offset, &seg, 1, true);
        if (rc < 0)
            return rc;
        offset += n;
        len -= n;
    }
    return 0;
}
