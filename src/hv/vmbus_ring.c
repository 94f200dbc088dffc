#include "vmbus_ring.h"

#include <stddef.h>
#include <string.h>

/* Control page fields, by offset (VMRCB). */
#define CTL_IN 0
#define CTL_OUT 4
#define CTL_INTERRUPT_MASK 8
#define CTL_PENDING_SEND_SIZE 12

static uint32_t *control_word(struct vmbus_ring *r, unsigned offset)
{
    return guest_memory_ptr(r->memory, r->pfns[0] * HV_PAGE_SIZE + offset, 4);
}

static bool load(struct vmbus_ring *r, unsigned offset, uint32_t *v)
{
    uint32_t *p = control_word(r, offset);
    if (p == NULL)
        return false;
    *v = __atomic_load_n(p, __ATOMIC_ACQUIRE);
    return true;
}

static bool store(struct vmbus_ring *r, unsigned offset, uint32_t v)
{
    uint32_t *p = control_word(r, offset);
    if (p == NULL)
        return false;
    __atomic_store_n(p, v, __ATOMIC_RELEASE);
    return true;
}

/* Copies len bytes of the data area starting at index (wrapping at its
 * end) to or from buf, one page at a time. */
static bool copy_data(struct vmbus_ring *r, uint32_t index, void *buf, uint32_t len, bool to_ring)
{
    uint32_t size = vmbus_ring_data_size(r);
    uint8_t *b = buf;
    while (len > 0) {
        index %= size;
        uint32_t page = index / HV_PAGE_SIZE, in_page = index % HV_PAGE_SIZE;
        uint32_t chunk = HV_PAGE_SIZE - in_page;
        if (chunk > len)
            chunk = len;
        uint64_t gpa = r->pfns[1 + page] * HV_PAGE_SIZE + in_page;
        bool ok = to_ring ? guest_memory_write(r->memory, gpa, b, chunk)
                          : guest_memory_read(r->memory, gpa, b, chunk);
        if (!ok)
            return false;
        index += chunk;
        b += chunk;
        len -= chunk;
    }
    return true;
}

static bool indices(struct vmbus_ring *r, uint32_t *in, uint32_t *out, const char **why)
{
    if (r->pages < 2 || r->pages - 1 > UINT32_MAX / HV_PAGE_SIZE) {
        *why = "a ring of fewer than two pages";
        return false;
    }
    if (!load(r, CTL_IN, in) || !load(r, CTL_OUT, out)) {
        *why = "a ring control page outside guest RAM";
        return false;
    }
    if (!vmbus_ring_indices_valid(*in, *out, vmbus_ring_data_size(r))) {
        *why = "ring indices past the ring or unaligned";
        return false;
    }
    return true;
}

int vmbus_ring_read(struct vmbus_ring *r, void *buf, uint32_t cap, bool *signal,
                    const char **why)
{
    *signal = false;
    uint32_t in, out;
    if (!indices(r, &in, &out, why))
        return -1;
    uint32_t size = vmbus_ring_data_size(r);
    uint32_t avail = vmbus_ring_bytes_to_read(in, out, size);
    if (avail == 0)
        return 0;
    VMPACKET_DESCRIPTOR d;
    if (avail < sizeof d + VMBUS_PACKET_TRAILER_SIZE) {
        *why = "a ring holding less than a packet";
        return -1;
    }
    if (!copy_data(r, out, &d, sizeof d, false)) {
        *why = "ring pages outside guest RAM";
        return -1;
    }
    if (!vmbus_packet_descriptor_valid(&d, avail - VMBUS_PACKET_TRAILER_SIZE)) {
        *why = "a packet whose lengths do not fit the ring";
        return -1;
    }
    uint32_t len = (uint32_t)d.Length8 * 8u;
    if (len > cap) {
        *why = "a packet longer than the device accepts";
        return -1;
    }
    if (!copy_data(r, out, buf, len, false)) {
        *why = "ring pages outside guest RAM";
        return -1;
    }
    uint32_t free_before = vmbus_ring_bytes_to_write(in, out, size);
    uint32_t new_out = vmbus_ring_advance(out, len + VMBUS_PACKET_TRAILER_SIZE, size);
    if (!store(r, CTL_OUT, new_out)) {
        *why = "a ring control page outside guest RAM";
        return -1;
    }
    uint32_t pending = 0;
    load(r, CTL_PENDING_SEND_SIZE, &pending);
    *signal = vmbus_ring_pending_send_satisfied(pending, free_before,
                                                vmbus_ring_bytes_to_write(in, new_out, size));
    return (int)len;
}

int vmbus_ring_write(struct vmbus_ring *r, const void *packet, uint32_t len, bool *signal,
                     const char **why)
{
    *signal = false;
    uint32_t in, out;
    if (!indices(r, &in, &out, why))
        return -1;
    uint32_t size = vmbus_ring_data_size(r);
    if (len % VMBUS_PACKET_ALIGNMENT != 0 || len < sizeof(VMPACKET_DESCRIPTOR)) {
        *why = "a malformed packet from a device";
        return -1;
    }
    uint32_t need = len + VMBUS_PACKET_TRAILER_SIZE;
    /* One byte always stays free: In == Out means empty. */
    if (need >= vmbus_ring_bytes_to_write(in, out, size))
        return 0;
    uint64_t trailer = vmbus_packet_trailer(in);
    if (!copy_data(r, in, (void *)packet, len, true) ||
        !copy_data(r, in + len, &trailer, sizeof trailer, true)) {
        *why = "ring pages outside guest RAM";
        return -1;
    }
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (!store(r, CTL_IN, vmbus_ring_advance(in, need, size))) {
        *why = "a ring control page outside guest RAM";
        return -1;
    }
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    uint32_t mask = 1;
    load(r, CTL_INTERRUPT_MASK, &mask);
    *signal = mask == 0;
    return 1;
}

uint32_t vmbus_ring_inband_packet(void *out, const void *payload, uint32_t size,
                                  uint16_t flags, uint64_t transaction_id)
{
    uint32_t len = VMBUS_RING_INBAND_SIZE(size);
    VMPACKET_DESCRIPTOR d = {
        .Type = VmbusPacketTypeDataInBand,
        .DataOffset8 = sizeof d / 8,
        .Length8 = (uint16_t)(len / 8),
        .Flags = flags,
        .TransactionId = transaction_id,
    };
    uint8_t *o = out;
    memcpy(o, &d, sizeof d);
    memcpy(o + sizeof d, payload, size);
    memset(o + sizeof d + size, 0, len - sizeof d - size);
    return len;
}
