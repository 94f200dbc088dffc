#include "synic.h"

#include <stdio.h>
#include <string.h>

#define SYNIC_VERSION 1 /* SVERSION: the only version the TLFS defines */
#define SINT_DEFAULT HV_X64_MSR_SINT_MASKED
/* What a SINT register keeps: vector, masked, polling (AutoEOI refused). */
#define SINT_WRITABLE (HV_X64_MSR_SINT_VECTOR_MASK | HV_X64_MSR_SINT_MASKED | (1ull << 18))

void synic_reset(struct synic *s)
{
    for (unsigned i = 0; i < SYNIC_MAX_VPS; i++) {
        struct synic_vp *v = &s->vp[i];
        memset(v, 0, sizeof *v);
        for (unsigned n = 0; n < HV_SYNIC_SINT_COUNT; n++)
            v->sint[n] = SINT_DEFAULT;
    }
}

void synic_init(struct synic *s, struct guest_memory *memory, unsigned nvps,
                synic_interrupt_fn interrupt, void *opaque)
{
    s->memory = memory;
    s->nvps = nvps < SYNIC_MAX_VPS ? nvps : SYNIC_MAX_VPS;
    s->interrupt = interrupt;
    s->opaque = opaque;
    synic_reset(s);
}

static bool page_on(uint64_t msr)
{
    return (msr & 1) != 0;
}

static uint64_t page_gpa(uint64_t msr)
{
    return msr & ~(uint64_t)HV_PAGE_MASK;
}

/* The SINT can interrupt: SynIC on, SINT unmasked with a valid vector. */
static bool sint_live(const struct synic_vp *v, unsigned sint)
{
    uint64_t r = v->sint[sint];
    return (v->scontrol & HV_X64_MSR_SCONTROL_ENABLE) && !(r & HV_X64_MSR_SINT_MASKED) &&
           (r & HV_X64_MSR_SINT_VECTOR_MASK) >= 16;
}

static void raise_sint(struct synic *s, unsigned vp, unsigned sint)
{
    struct synic_vp *v = &s->vp[vp];
    if (!sint_live(v, sint) || (v->sint[sint] & (1ull << 18))) /* polling: no interrupt */
        return;
    s->interrupt(s->opaque, vp, (uint8_t)(v->sint[sint] & HV_X64_MSR_SINT_VECTOR_MASK));
}

/* The slot's header, in guest memory, for atomic access: the guest clears
 * MessageType and reads MessagePending while the host sets them. */
static HV_MESSAGE_HEADER *slot_header(struct synic *s, struct synic_vp *v, unsigned sint)
{
    if (!page_on(v->simp) || !(v->scontrol & HV_X64_MSR_SCONTROL_ENABLE))
        return NULL;
    uint64_t gpa = page_gpa(v->simp) + (uint64_t)sint * HV_MESSAGE_SIZE;
    return guest_memory_ptr(s->memory, gpa, HV_MESSAGE_SIZE);
}

/* Writes m into a free slot; false if the slot is busy (then its pending
 * flag is set, and the guest will write EOM once it frees the slot). */
static bool try_deliver(struct synic *s, unsigned vp, unsigned sint, const HV_MESSAGE *m)
{
    struct synic_vp *v = &s->vp[vp];
    HV_MESSAGE_HEADER *h = slot_header(s, v, sint);
    if (h == NULL || !sint_live(v, sint))
        return false;
    if (__atomic_load_n(&h->MessageType, __ATOMIC_ACQUIRE) != HvMessageTypeNone) {
        __atomic_or_fetch(&h->MessageFlags.AsUINT8, HV_MESSAGE_FLAG_MESSAGE_PENDING,
                          __ATOMIC_SEQ_CST);
        /* The guest may have freed the slot and read the flag before it was
         * set: look again, after the flag is visible. */
        if (__atomic_load_n(&h->MessageType, __ATOMIC_SEQ_CST) != HvMessageTypeNone)
            return false;
    }
    HV_MESSAGE *slot = (HV_MESSAGE *)h;
    memcpy(slot->Payload, m->Payload, sizeof slot->Payload);
    slot->Header.PayloadSize = m->Header.PayloadSize;
    slot->Header.Origin = m->Header.Origin;
    slot->Header.MessageFlags.AsUINT8 = 0;
    __atomic_store_n(&h->MessageType, m->Header.MessageType, __ATOMIC_RELEASE);
    raise_sint(s, vp, sint);
    return true;
}

/* Delivers queued messages, oldest first, until a slot is busy. */
static void flush_queue(struct synic *s, unsigned vp)
{
    struct synic_vp *v = &s->vp[vp];
    while (v->count > 0) {
        struct synic_pending *p = &v->queue[v->head];
        if (!try_deliver(s, vp, p->sint, &p->message))
            return;
        v->head = (v->head + 1) % SYNIC_QUEUE_DEPTH;
        v->count--;
    }
    v->warned_full = false;
}

bool synic_post_message(struct synic *s, unsigned vp, unsigned sint, uint32_t type,
                        const void *payload, unsigned size)
{
    if (vp >= s->nvps || sint >= HV_SYNIC_SINT_COUNT || size > HV_MESSAGE_MAX_PAYLOAD_BYTE_COUNT)
        return false;
    struct synic_vp *v = &s->vp[vp];
    HV_MESSAGE m;
    memset(&m, 0, sizeof m);
    m.Header.MessageType = type;
    m.Header.PayloadSize = (uint8_t)size;
    memcpy(m.Payload, payload, size);
    /* In order: behind anything queued. */
    if (v->count == 0 && try_deliver(s, vp, sint, &m))
        return true;
    if (v->count == SYNIC_QUEUE_DEPTH) {
        if (!v->warned_full)
            fprintf(stderr, "wisp: hyperv: processor %u leaves its SynIC messages unread; "
                            "dropping messages\n", vp);
        v->warned_full = true;
        return false;
    }
    struct synic_pending *p = &v->queue[(v->head + v->count) % SYNIC_QUEUE_DEPTH];
    p->sint = (uint8_t)sint;
    p->message = m;
    v->count++;
    return true;
}

bool synic_signal_event(struct synic *s, unsigned vp, unsigned sint, unsigned flag)
{
    if (vp >= s->nvps || sint >= HV_SYNIC_SINT_COUNT || flag >= HV_EVENT_FLAGS_COUNT)
        return false;
    struct synic_vp *v = &s->vp[vp];
    if (!page_on(v->siefp) || !(v->scontrol & HV_X64_MSR_SCONTROL_ENABLE))
        return false;
    uint64_t gpa = page_gpa(v->siefp) + (uint64_t)sint * HV_EVENT_FLAGS_BYTE_COUNT + flag / 8;
    uint8_t *byte = guest_memory_ptr(s->memory, gpa, 1);
    if (byte == NULL)
        return false;
    __atomic_or_fetch(byte, (uint8_t)(1u << (flag % 8)), __ATOMIC_SEQ_CST);
    raise_sint(s, vp, sint);
    return true;
}

static bool is_synic_msr(uint32_t index)
{
    return (index >= HV_X64_MSR_SCONTROL && index <= HV_X64_MSR_EOM) ||
           (index >= HV_X64_MSR_SINT0 && index <= HV_X64_MSR_SINT15);
}

bool synic_msr_read(struct synic *s, unsigned vp, uint32_t index, uint64_t *value, bool *gp)
{
    if (!is_synic_msr(index))
        return false;
    if (vp >= s->nvps) {
        *gp = true;
        return true;
    }
    struct synic_vp *v = &s->vp[vp];
    switch (index) {
    case HV_X64_MSR_SCONTROL: *value = v->scontrol; break;
    case HV_X64_MSR_SVERSION: *value = SYNIC_VERSION; break;
    case HV_X64_MSR_SIEFP: *value = v->siefp; break;
    case HV_X64_MSR_SIMP: *value = v->simp; break;
    case HV_X64_MSR_EOM: *value = 0; break;
    default: *value = v->sint[index - HV_X64_MSR_SINT0]; break;
    }
    return true;
}

/* An overlay page turned on: the hypervisor shows it zeroed (TLFS 11.9);
 * wisp zeroes the guest's own page instead of overlaying it. */
static bool overlay_on(struct synic *s, uint64_t old, uint64_t value)
{
    if (!page_on(value) || (page_on(old) && page_gpa(old) == page_gpa(value)))
        return true;
    return guest_memory_fill(s->memory, page_gpa(value), 0, HV_PAGE_SIZE);
}

bool synic_msr_write(struct synic *s, unsigned vp, uint32_t index, uint64_t value, bool *gp)
{
    if (!is_synic_msr(index))
        return false;
    if (vp >= s->nvps) {
        *gp = true;
        return true;
    }
    struct synic_vp *v = &s->vp[vp];
    switch (index) {
    case HV_X64_MSR_SCONTROL:
        v->scontrol = value & HV_X64_MSR_SCONTROL_ENABLE;
        break;
    case HV_X64_MSR_SVERSION:
        *gp = true; /* read-only */
        return true;
    case HV_X64_MSR_SIEFP:
    case HV_X64_MSR_SIMP: {
        uint64_t *reg = index == HV_X64_MSR_SIMP ? &v->simp : &v->siefp;
        uint64_t kept = value & (~(uint64_t)HV_PAGE_MASK | 1);
        if (!overlay_on(s, *reg, kept)) {
            *gp = true; /* not guest RAM */
            return true;
        }
        *reg = kept;
        break;
    }
    case HV_X64_MSR_EOM:
        break; /* the queue is tried below */
    default: {
        uint64_t vector = value & HV_X64_MSR_SINT_VECTOR_MASK;
        if (!(value & HV_X64_MSR_SINT_MASKED) && vector < 16) {
            *gp = true;
            return true;
        }
        v->sint[index - HV_X64_MSR_SINT0] = value & SINT_WRITABLE;
        break;
    }
    }
    flush_queue(s, vp);
    return true;
}

bool synic_in_use(const struct synic *s)
{
    for (unsigned i = 0; i < s->nvps && i < SYNIC_MAX_VPS; i++) {
        const struct synic_vp *v = &s->vp[i];
        if ((v->scontrol & HV_X64_MSR_SCONTROL_ENABLE) || page_on(v->simp) || page_on(v->siefp))
            return true;
    }
    return false;
}
