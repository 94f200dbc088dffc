/*
 * A driver's side of a split virtqueue in fake guest memory, for the
 * virtqueue and virtio device tests: write descriptors, make chains
 * available, read what the device used.
 */
#ifndef WISP_TEST_VIRTQ_FIXTURE_H
#define WISP_TEST_VIRTQ_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "core/guest_memory.h"
#include "dev/virtio/virtqueue.h"

#define FX_RAM (16u << 20)
#define FX_DESC 0x10000u
#define FX_AVAIL 0x11000u
#define FX_USED 0x12000u
#define FX_DATA 0x100000u /* buffers from here */

struct vq_fixture {
    struct guest_memory gm;
    struct virtqueue vq;
    uint16_t size;
    uint16_t avail_idx;
};

static inline uint8_t *fx_ptr(struct vq_fixture *f, uint64_t gpa, uint64_t len)
{
    return guest_memory_ptr(&f->gm, gpa, len);
}

/* Guest memory and the three rings of a queue of size entries, not yet
 * started (fx_start). */
static inline int fx_memory(struct vq_fixture *f, uint16_t size)
{
    memset(f, 0, sizeof *f);
    struct wisp_error err = { 0 };
    if (guest_memory_add_bank(&f->gm, "RAM", MEM_BANK_RAM, 0, FX_RAM, &err) < 0)
        return -1;
    f->size = size;
    vq_reset(&f->vq, &f->gm, size);
    f->vq.desc_addr = FX_DESC;
    f->vq.avail_addr = FX_AVAIL;
    f->vq.used_addr = FX_USED;
    return 0;
}

static inline bool fx_start(struct vq_fixture *f, bool event_idx)
{
    char reason[VQ_REASON_MAX];
    return vq_start(&f->vq, f->size, event_idx, reason, sizeof reason);
}

static inline int fx_init(struct vq_fixture *f, uint16_t size, bool event_idx)
{
    if (fx_memory(f, size) < 0)
        return -1;
    return fx_start(f, event_idx) ? 0 : -1;
}

static inline void fx_release(struct vq_fixture *f)
{
    guest_memory_release(&f->gm);
}

/* Descriptor i of the table at table_gpa. */
static inline void fx_desc_at(struct vq_fixture *f, uint64_t table_gpa, uint16_t i, uint64_t addr,
                              uint32_t len, uint16_t flags, uint16_t next)
{
    struct virtq_desc d = { addr, len, flags, next };
    memcpy(fx_ptr(f, table_gpa + 16u * i, 16), &d, 16);
}

static inline void fx_desc(struct vq_fixture *f, uint16_t i, uint64_t addr, uint32_t len,
                           uint16_t flags, uint16_t next)
{
    fx_desc_at(f, FX_DESC, i, addr, len, flags, next);
}

/* Makes the chain at head available (ring entry, then the index). */
static inline void fx_avail(struct vq_fixture *f, uint16_t head)
{
    memcpy(fx_ptr(f, FX_AVAIL + 4 + 2u * (f->avail_idx % f->size), 2), &head, 2);
    f->avail_idx++;
    memcpy(fx_ptr(f, FX_AVAIL + 2, 2), &f->avail_idx, 2);
}

static inline void fx_set_avail_idx(struct vq_fixture *f, uint16_t idx)
{
    f->avail_idx = idx;
    memcpy(fx_ptr(f, FX_AVAIL + 2, 2), &idx, 2);
}

static inline uint16_t fx_used_idx(struct vq_fixture *f)
{
    uint16_t v;
    memcpy(&v, fx_ptr(f, FX_USED + 2, 2), 2);
    return v;
}

static inline struct virtq_used_elem fx_used(struct vq_fixture *f, uint16_t i)
{
    struct virtq_used_elem e;
    memcpy(&e, fx_ptr(f, FX_USED + 4 + 8u * (i % f->size), 8), 8);
    return e;
}

#endif
