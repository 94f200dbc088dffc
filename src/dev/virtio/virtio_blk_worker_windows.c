/* No I/O worker on Windows yet: requests run inline on the vCPU's thread. */
#include "virtio_blk.h"

int virtio_blk_worker_start(struct virtio_blk *blk, struct wisp_error *err)
{
    (void)blk, (void)err;
    return 0;
}

void virtio_blk_worker_stop(struct virtio_blk *blk)
{
    (void)blk;
}

void virtio_blk_worker_kick(struct virtio_blk *blk)
{
    (void)blk;
}

int virtio_blk_worker_eventfd(struct virtio_blk *blk)
{
    (void)blk;
    return -1;
}
