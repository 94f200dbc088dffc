/* No network worker on Windows yet (and no backend: net_windows.c). */
#include "virtio_net.h"

int virtio_net_worker_start(struct virtio_net *net, struct wisp_error *err)
{
    (void)net;
    return wisp_fail(err, WISP_EXIT_USAGE, "--net: not supported on Windows yet");
}

void virtio_net_worker_stop(struct virtio_net *net)
{
    (void)net;
}

void virtio_net_worker_kick(struct virtio_net *net, unsigned q)
{
    (void)net, (void)q;
}

int virtio_net_worker_eventfd(struct virtio_net *net, unsigned q)
{
    (void)net, (void)q;
    return -1;
}

void virtio_net_worker_receive(struct virtio_net *net, const uint8_t *frame, size_t len)
{
    (void)net, (void)frame, (void)len;
}
