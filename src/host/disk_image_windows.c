#include "disk_image.h"

#include <errno.h>
#include <string.h>

int disk_image_open(struct disk_image *img, const char *path, bool read_only,
                    struct wisp_error *err)
{
    memset(img, 0, sizeof *img);
    img->fd = -1;
    img->path = path;
    img->read_only = read_only;
    return wisp_fail(err, WISP_EXIT_USAGE, "--disk %s: virtio disks are not supported on "
                     "Windows yet", path);
}

int disk_image_open_shared(struct disk_image *img, const char *path, bool read_only,
                           struct wisp_error *err)
{
    return disk_image_open(img, path, read_only, err);
}

void disk_image_close(struct disk_image *img)
{
    img->fd = -1;
}

int disk_image_read(struct disk_image *img, uint64_t offset, const struct disk_segment *seg,
                    unsigned count)
{
    (void)img, (void)offset, (void)seg, (void)count;
    return -EIO;
}

int disk_image_write(struct disk_image *img, uint64_t offset, const struct disk_segment *seg,
                     unsigned count)
{
    (void)img, (void)offset, (void)seg, (void)count;
    return -EIO;
}

int disk_image_flush(struct disk_image *img)
{
    (void)img;
    return -EIO;
}

int disk_image_discard(struct disk_image *img, uint64_t offset, uint64_t len)
{
    (void)img, (void)offset, (void)len;
    return -EIO;
}

int disk_image_write_zeroes(struct disk_image *img, uint64_t offset, uint64_t len, bool unmap)
{
    (void)img, (void)offset, (void)len, (void)unmap;
    return -EIO;
}
