/*
 * The split virtqueue walker (virtio 1.2, 2.7): takes descriptor chains the
 * driver made available and returns used ones. The rings and every buffer
 * live in guest memory written by a guest that may be hostile, so each
 * descriptor is copied once and checked before use:
 *
 *   - the available index may move by at most the queue size;
 *   - head and next indices must lie inside their table;
 *   - a chain visits at most as many descriptors as its table holds (a loop
 *     ends there) and at most VQ_CHAIN_MAX buffers in all;
 *   - every buffer, and an indirect table, must lie inside one bank of
 *     guest memory (checked accessors, which also refuse address + length
 *     overflow); a chain's total length must fit 32 bits;
 *   - device-readable buffers come first, device-writable ones after;
 *   - an indirect table (VIRTQ_DESC_F_INDIRECT) is 16-byte entries, not
 *     empty, at most VQ_INDIRECT_MAX of them, never together with
 *     VIRTQ_DESC_F_NEXT and never inside another indirect table.
 *
 * A violation makes vq_pop() return VQ_ERROR with a one-line reason; the
 * queue is then "broken" and yields nothing more until vq_reset(). The
 * transport turns that into DEVICE_NEEDS_RESET. The walker never writes
 * guest memory outside the used ring, never follows a pointer it has not
 * checked and always terminates.
 *
 * Not thread-safe: one lock (the VM's device lock) around every call.
 * The buffers' host pointers stay valid for the VM's lifetime (guest RAM is
 * never unmapped), so I/O on them may run without the lock.
 */
#ifndef WISP_DEV_VIRTQUEUE_H
#define WISP_DEV_VIRTQUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/guest_memory.h"
#include "virtio.h"

#define VQ_CHAIN_MAX 512     /* buffers in one chain */
#define VQ_INDIRECT_MAX 512  /* entries in one indirect table */
#define VQ_REASON_MAX 160

struct vq_buffer {
    uint8_t *host;  /* inside guest RAM */
    uint32_t len;
    uint64_t gpa;   /* for messages */
};

struct vq_chain {
    uint16_t head;
    unsigned readable;        /* buf[0 .. readable) are device-readable */
    unsigned writable;        /* buf[readable .. readable+writable) device-writable */
    uint32_t readable_bytes;
    uint32_t writable_bytes;
    struct vq_buffer buf[VQ_CHAIN_MAX];
};

struct virtqueue {
    /* Programmed by the driver through the transport. */
    uint16_t size;
    uint16_t msix_vector;
    uint64_t desc_addr, avail_addr, used_addr;
    bool enabled;

    /* The device's side. */
    struct guest_memory *memory;
    uint8_t *desc, *avail, *used; /* host views of the rings, checked at start */
    uint16_t last_avail;          /* next available entry to take */
    uint16_t used_idx;            /* next used entry to fill */
    uint16_t signalled_used;      /* used_idx when the driver was last interrupted */
    bool signalled_used_valid;
    bool event_idx;               /* VIRTIO_F_RING_EVENT_IDX negotiated */
    bool broken;                  /* a malformed chain was seen */
};

enum vq_result { VQ_ERROR = -1, VQ_EMPTY = 0, VQ_OK = 1 };

/* Back to the reset state (size max_size, not enabled, vector none). */
void vq_reset(struct virtqueue *vq, struct guest_memory *memory, uint16_t max_size);

/* The driver enabled the queue: checks size (a power of two, at most
 * max_size) and the three rings (alignment, inside guest memory) and
 * starts from index 0. Returns false with a reason when they are bad. */
bool vq_start(struct virtqueue *vq, uint16_t max_size, bool event_idx, char *reason,
              size_t reason_len);

/* A queue whose fields (driver's and device's) were just loaded from a
 * snapshot: an enabled one gets its rings checked as vq_start checks them
 * and keeps its indices; a disabled one gets no ring views. Returns false
 * with a reason (the queue then disabled) when the rings are bad. */
bool vq_resume(struct virtqueue *vq, uint16_t max_size, char *reason, size_t reason_len);

/* Takes the next available chain. VQ_EMPTY when there is none (or the
 * queue is off or broken); VQ_ERROR with reason filled when it is
 * malformed (the queue is then broken). */
enum vq_result vq_pop(struct virtqueue *vq, struct vq_chain *chain, char *reason,
                      size_t reason_len);

/* Returns chain head to the driver with len bytes written into its
 * device-writable buffers. */
void vq_push(struct virtqueue *vq, uint16_t head, uint32_t len);

/* vq_push for a chain the device wrote len bytes into: those bytes (from
 * the first writable buffer on) are marked as written by the host, so
 * that live migration sends their pages again (the accelerator's dirty log
 * sees only the guest's own writes). vq_push marks the used ring itself. */
void vq_push_written(struct virtqueue *vq, const struct vq_chain *chain, uint32_t len);
/* The marking alone. */
void vq_mark_written(struct virtqueue *vq, const struct vq_chain *chain, uint32_t len);

/* After one or more vq_push: whether the driver wants an interrupt now
 * (VIRTQ_AVAIL_F_NO_INTERRUPT, or used_event with event indices). */
bool vq_should_interrupt(struct virtqueue *vq);

/* Whether the driver should notify the device when it adds buffers (on
 * while the device waits, off while it is busy anyway). With event
 * indices "on" means: at the next buffer after what was taken so far. */
void vq_set_notification(struct virtqueue *vq, bool enable);

/* Chains are waiting (the available index moved past what was taken). */
bool vq_has_available(const struct virtqueue *vq);

/* ---- copying to and from a chain's buffers ---- */

/* Copies up to len bytes from the chain's readable buffers, starting skip
 * bytes in; returns the count copied. */
size_t vq_chain_read(const struct vq_chain *chain, size_t skip, void *dst, size_t len);

/* Copies up to len bytes into the chain's writable buffers, starting skip
 * bytes into them; returns the count copied. */
size_t vq_chain_write(const struct vq_chain *chain, size_t skip, const void *src, size_t len);

#endif
