/* Random bytes from the host's cryptographic source, for virtio-rng:
 * getrandom(2) on Linux (entropy_posix.c), rand_s on Windows
 * (entropy_windows.c). */
#ifndef WISP_HOST_ENTROPY_H
#define WISP_HOST_ENTROPY_H

#include <stddef.h>

/* Fills up to len bytes without blocking; returns how many (0 when the
 * host has none to give right now). */
size_t host_entropy(void *buf, size_t len);

#endif
