/*
 * libFuzzer target: the VMBus ring reader and writer (src/hv/vmbus_ring.c)
 * against a guest that writes anything into its control page and packets.
 *
 * Input: [0] pages in the ring (2..9), [1] bit i set: page i is outside
 * guest RAM, then the ring's pages' first bytes (control page, data) in
 * order, 512 bytes each, then ops: read (with a capacity from the input)
 * or write (a packet of a size from the input).
 *
 * Checked besides "no crash, no sanitizer report": a packet read is no
 * longer than the capacity, a multiple of 8 and at least a descriptor;
 * after a successful read or write both indices are inside the ring and
 * aligned; a write that found no room changed nothing.
 */
#include <string.h>

#include "core/guest_memory.h"
#include "fuzz_input.h"
#include "hv/vmbus_ring.h"

#define RAM (64u << 10) /* 16 pages */

static struct guest_memory gm;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!gm.count) {
        struct wisp_error err = { 0 };
        fuzz_check(guest_memory_add_bank(&gm, "RAM", MEM_BANK_RAM, 0, RAM, &err) == 0, "RAM");
    }
    guest_memory_fill(&gm, 0, 0, RAM);
    struct fuzz_input in = { data, size };
    uint32_t pages = 2 + fi_u8(&in) % 8;
    uint8_t outside = fi_u8(&in);
    uint64_t pfns[9];
    for (uint32_t i = 0; i < pages; i++) {
        pfns[i] = (outside >> i) & 1 ? RAM / HV_PAGE_SIZE + i : 1 + i;
        uint8_t bytes[512];
        for (unsigned b = 0; b < sizeof bytes; b++)
            bytes[b] = fi_u8(&in);
        guest_memory_write(&gm, pfns[i] * HV_PAGE_SIZE, bytes, sizeof bytes);
    }
    struct vmbus_ring r = { &gm, pfns, pages };
    uint32_t data_size = vmbus_ring_data_size(&r);
    static uint8_t buf[1u << 16];
    for (int n = 0; n < 64 && fi_more(&in); n++) {
        bool signal;
        const char *why = NULL;
        uint8_t op = fi_u8(&in);
        uint32_t before[2] = { 0, 0 };
        guest_memory_read(&gm, pfns[0] * HV_PAGE_SIZE, before, sizeof before);
        int rc;
        if (op & 1) {
            uint32_t cap = fi_u16(&in);
            rc = vmbus_ring_read(&r, buf, cap, &signal, &why);
            if (rc > 0)
                fuzz_check((uint32_t)rc <= cap && rc % 8 == 0 && rc >= 16, "a packet's length");
        } else {
            uint32_t payload = fi_u16(&in) % 6000;
            memset(buf, op, payload);
            uint32_t len = vmbus_ring_inband_packet(buf + 8192, buf, payload, 0, op);
            rc = vmbus_ring_write(&r, buf + 8192, len, &signal, &why);
            if (rc == 0) {
                uint32_t after[2];
                guest_memory_read(&gm, pfns[0] * HV_PAGE_SIZE, after, sizeof after);
                fuzz_check(memcmp(before, after, sizeof after) == 0, "no room changes nothing");
            }
        }
        fuzz_check(rc >= 0 || why != NULL, "an error says why");
        if (rc > 0) {
            uint32_t idx[2];
            fuzz_check(guest_memory_read(&gm, pfns[0] * HV_PAGE_SIZE, idx, sizeof idx), "ctl");
            fuzz_check(vmbus_ring_indices_valid(idx[0], idx[1], data_size), "indices in the ring");
        }
        if (rc < 0)
            break;
    }
    return 0;
}
