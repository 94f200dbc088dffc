/*
 * One direction of a VMBus channel's ring buffer, in guest pages named by a
 * GPADL (a hostile guest's list of page numbers): the first page is the
 * control page (VMRCB: write index In, read index Out, InterruptMask,
 * PendingSendSize), the rest is the data area, a circle of packets, each a
 * VMPACKET_DESCRIPTOR, its payload padded to 8 bytes and an 8-byte trailer.
 *
 * Every access goes through the checked guest-memory accessors, page by
 * page; indices the guest wrote are checked before use. Errors are a
 * string in *why for the caller's one-line warning; the caller then closes
 * the channel.
 */
#ifndef WISP_HV_VMBUS_RING_H
#define WISP_HV_VMBUS_RING_H

#include <stdbool.h>
#include <stdint.h>

#include <hyperv/hyperv.h>
#include <hyperv/vmbus.h>

#include "core/guest_memory.h"

struct vmbus_ring {
    struct guest_memory *memory;
    const uint64_t *pfns; /* the control page, then the data pages */
    uint32_t pages;       /* at least 2 */
};

/* Bytes of packet area. */
static inline uint32_t vmbus_ring_data_size(const struct vmbus_ring *r)
{
    return (r->pages - 1) * HV_PAGE_SIZE;
}

/* Reads the next packet (descriptor, payload, padding; not the trailer)
 * into buf and moves the read index past it. Returns its length, 0 if the
 * ring is empty, -1 on a malformed ring or packet (why says what) or one
 * longer than cap. *signal is set when the writer waits for room
 * (PendingSendSize) and now has it. */
int vmbus_ring_read(struct vmbus_ring *r, void *buf, uint32_t cap, bool *signal,
                    const char **why);

/* Writes a packet of len bytes (descriptor included; len a multiple of 8)
 * and its trailer. Returns 1 when written, 0 when the ring has no room for
 * it now, -1 on a malformed ring. *signal is set when the reader wants an
 * interrupt (its InterruptMask is clear). */
int vmbus_ring_write(struct vmbus_ring *r, const void *packet, uint32_t len, bool *signal,
                     const char **why);

/* Builds an in-band packet of payload (size bytes) into out (room for
 * VMBUS_RING_INBAND_SIZE(size)); returns its length. */
#define VMBUS_RING_INBAND_SIZE(size) (16u + (((size) + 7u) & ~7u))
uint32_t vmbus_ring_inband_packet(void *out, const void *payload, uint32_t size,
                                  uint16_t flags, uint64_t transaction_id);

#endif
