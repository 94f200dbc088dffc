/*
 * libFuzzer target: wisp's VMBus host (src/hv/vmbus_host.c, vmbus_ic.c,
 * synic.c) driven by a guest that posts any channel message, signals any
 * connection, scribbles on guest memory (its rings) and takes or leaves
 * the messages wisp delivers.
 *
 * Input: a stream of ops over 1 MiB of guest RAM whose SynIC is set up
 * (message page 0x1000, event page 0x2000, SINT 2 on vector 0xF3):
 *   0-99    HvPostMessage: a message type (mostly a known one) and up to
 *           240 bytes of message after it
 *   100-149 HvSignalEvent of a channel (connection 0x1001-0x1003) or any
 *   150-199 write 1-64 bytes of input at an address in the first 256 KiB
 *   200-229 the guest takes its message (clears the slot, EOM if pending)
 *   230-254 a SynIC MSR write
 *   255     a shutdown request from the host
 * Checked besides "no crash, no sanitizer report": the GPADL pages wisp
 * holds stay within its bound and add up; an open channel's rings lie on a
 * complete GPADL.
 */
#include <string.h>

#include <hyperv/hyperv.h>
#include <hyperv/vmbus.h>

#include "core/guest_memory.h"
#include "fuzz_input.h"
#include "hv/enlightenments.h"

#define RAM (1u << 20)

static struct guest_memory gm;
static struct hv_enlightenments hv;

static void no_interrupt(void *opaque, unsigned apic_id, uint8_t vector)
{
    (void)opaque, (void)apic_id, (void)vector;
}

static void wrmsr(uint32_t index, uint64_t value)
{
    struct accel_msr_access m = { .index = index, .is_write = true, .value = value };
    hv_handle_msr(&hv, NULL, 0, &gm, &m);
}

static void check_invariants(void)
{
    const struct vmbus_host *h = &hv.vmbus;
    uint32_t pages = 0;
    for (unsigned i = 0; i < VMBUS_MAX_GPADLS; i++)
        if (h->gpadls[i].used)
            pages += h->gpadls[i].count;
    fuzz_check(pages == h->gpadl_pages, "GPADL pages add up");
    fuzz_check(pages <= VMBUS_GPADL_TOTAL_PAGES, "GPADL pages within the bound");
    for (unsigned i = 0; i < h->nchannels; i++) {
        const struct vmbus_channel *c = &h->channels[i];
        if (!c->open)
            continue;
        bool found = false;
        for (unsigned g = 0; g < VMBUS_MAX_GPADLS; g++)
            found |= h->gpadls[g].used && h->gpadls[g].complete &&
                     h->gpadls[g].handle == c->gpadl && c->to_host.pfns == h->gpadls[g].pfns;
        fuzz_check(found, "an open channel's rings are on a complete GPADL");
        fuzz_check(c->to_host.pages >= 2 && c->to_guest.pages >= 2, "rings of two pages");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!gm.count) {
        struct wisp_error err = { 0 };
        fuzz_check(guest_memory_add_bank(&gm, "RAM", MEM_BANK_RAM, 0, RAM, &err) == 0, "RAM");
    }
    guest_memory_fill(&gm, 0, 0, 256u << 10);
    vmbus_host_reset(&hv.vmbus);
    memset(&hv, 0, sizeof hv);
    hv_enlightenments_attach(&hv, &gm, 1, no_interrupt, NULL);
    hv.vmbus.quiet = true;
    wrmsr(HV_X64_MSR_SCONTROL, 1);
    wrmsr(HV_X64_MSR_SIMP, 0x1000 | 1);
    wrmsr(HV_X64_MSR_SIEFP, 0x2000 | 1);
    wrmsr(HV_X64_MSR_SINT(VMBUS_MESSAGE_SINT), 0xF3);
    struct fuzz_input in = { data, size };
    while (fi_more(&in)) {
        uint8_t op = fi_u8(&in);
        if (op < 100) {
            HV_INPUT_POST_MESSAGE m;
            memset(&m, 0, sizeof m);
            m.ConnectionId.AsUint32 = op < 90 ? VMBUS_MESSAGE_CONNECTION_ID_V5 : fi_u32(&in);
            m.MessageType = op < 95 ? VMBUS_SYNIC_MESSAGE_TYPE : fi_u32(&in);
            m.PayloadSize = fi_u8(&in);
            uint8_t *p = (uint8_t *)m.Message;
            uint32_t type = op < 80 ? op % 30 : fi_u32(&in);
            memcpy(p, &type, 4);
            for (unsigned i = 4; i < m.PayloadSize && i < sizeof m.Message; i++)
                p[i] = fi_u8(&in);
            guest_memory_write(&gm, 0x3000, &m, sizeof m);
            hv_hypercall(&hv, HvCallPostMessage, 0x3000);
        } else if (op < 150) {
            uint64_t block = op < 140 ? 0x1001u + op % 3 : fi_u64(&in);
            hv_hypercall(&hv, HvCallSignalEvent | HV_HYPERCALL_FAST_BIT, block);
        } else if (op < 200) {
            uint32_t gpa = fi_u32(&in) % (256u << 10);
            uint8_t bytes[64];
            unsigned n = 1 + fi_u8(&in) % 64;
            for (unsigned i = 0; i < n; i++)
                bytes[i] = fi_u8(&in);
            guest_memory_write(&gm, gpa, bytes, n);
        } else if (op < 230) {
            HV_MESSAGE *slot = guest_memory_ptr(&gm, 0x1000 + VMBUS_MESSAGE_SINT * 256, 256);
            slot->Header.MessageType = 0;
            if (slot->Header.MessageFlags.AsUINT8 & HV_MESSAGE_FLAG_MESSAGE_PENDING)
                wrmsr(HV_X64_MSR_EOM, 0);
        } else if (op < 255) {
            uint32_t index = HV_X64_MSR_SCONTROL + fi_u8(&in) % 0x20;
            wrmsr(index, fi_u64(&in));
        } else {
            vmbus_host_request_shutdown(&hv.vmbus);
        }
        check_invariants();
    }
    return 0;
}
