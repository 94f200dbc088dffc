/* wisp's VMBus host without a hypervisor: the SynIC's message slots and
 * event flags, the ring buffers (empty, full, wrap-around, interrupt mask,
 * pending send size, hostile indices) and the control channel's messages
 * (version negotiation, offers, GPADLs good and absurd, open, close,
 * unload), over 1 MiB of fake guest memory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <hyperv/hyperv.h>
#include <hyperv/vmbus.h>

#include "hv/synic.h"
#include "hv/vmbus_host.h"
#include "hv/vmbus_ring.h"

#define RAM (1u << 20)
#define SIMP_GPA 0x10000u
#define SIEFP_GPA 0x11000u
#define VECTOR 0xF3
#define RING_PFN 0x20u /* 8 pages: 4 to the host, 4 to the guest */

static struct guest_memory memory;
static struct synic synic;
static struct vmbus_host host;
static unsigned interrupts;

static void count_interrupt(void *opaque, unsigned apic_id, uint8_t vector)
{
    (void)opaque;
    assert_int_equal(apic_id, 0);
    assert_int_equal(vector, VECTOR);
    interrupts++;
}

static void msr(uint32_t index, uint64_t value)
{
    bool gp = false;
    assert_true(synic_msr_write(&synic, 0, index, value, &gp));
    assert_false(gp);
}

static int setup(void **state)
{
    (void)state;
    memset(&memory, 0, sizeof memory);
    assert_int_equal(guest_memory_add_bank(&memory, "RAM", MEM_BANK_RAM, 0, RAM, NULL), 0);
    synic_init(&synic, &memory, 1, count_interrupt, NULL);
    vmbus_host_init(&host, &synic, &memory);
    host.quiet = true;
    interrupts = 0;
    msr(HV_X64_MSR_SCONTROL, 1);
    msr(HV_X64_MSR_SIMP, SIMP_GPA | 1);
    msr(HV_X64_MSR_SIEFP, SIEFP_GPA | 1);
    msr(HV_X64_MSR_SINT(VMBUS_MESSAGE_SINT), VECTOR);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    vmbus_host_reset(&host);
    guest_memory_release(&memory);
    return 0;
}

static HV_MESSAGE *slot(unsigned sint)
{
    return guest_memory_ptr(&memory, SIMP_GPA + sint * HV_MESSAGE_SIZE, HV_MESSAGE_SIZE);
}

/* What a guest does with its message slot: take the message, free the
 * slot, and write EOM when the host said another is pending. Returns the
 * channel message type, 0 if the slot was empty. */
static uint32_t take(void *payload)
{
    HV_MESSAGE *m = slot(VMBUS_MESSAGE_SINT);
    if (m->Header.MessageType == HvMessageTypeNone)
        return 0;
    assert_int_equal(m->Header.MessageType, VMBUS_SYNIC_MESSAGE_TYPE);
    if (payload)
        memcpy(payload, m->Payload, m->Header.PayloadSize);
    uint32_t type;
    memcpy(&type, m->Payload, 4);
    m->Header.MessageType = HvMessageTypeNone;
    if (m->Header.MessageFlags.AsUINT8 & HV_MESSAGE_FLAG_MESSAGE_PENDING)
        msr(HV_X64_MSR_EOM, 0);
    return type;
}

static HV_STATUS post(const void *msg, uint32_t size)
{
    return vmbus_host_post_message(&host, VMBUS_MESSAGE_CONNECTION_ID_V5,
                                   VMBUS_SYNIC_MESSAGE_TYPE, msg, size);
}

static void contact(uint32_t version, bool accepted)
{
    VMBUS_CHANNEL_INITIATE_CONTACT m;
    memset(&m, 0, sizeof m);
    m.Header.MessageType = ChannelMessageInitiateContact;
    m.VMBusVersionRequested = version;
    m.Target.TargetInfo.TargetSint = VMBUS_MESSAGE_SINT;
    assert_int_equal(post(&m, sizeof m), HV_STATUS_SUCCESS);
    VMBUS_CHANNEL_VERSION_RESPONSE r;
    memset(&r, 0, sizeof r);
    assert_int_equal(take(&r), ChannelMessageVersionResponse);
    assert_int_equal(r.VersionSupported, accepted);
    if (accepted && version >= VMBUS_VERSION_WIN10RS3_1)
        assert_int_equal(r.MessageConnectionId, VMBUS_MESSAGE_CONNECTION_ID_V5);
}

/* ---- the SynIC ---- */

static void a_busy_slot_waits_for_eom(void **state)
{
    (void)state;
    uint32_t one = 1, two = 2;
    assert_true(synic_post_message(&synic, 0, VMBUS_MESSAGE_SINT, 1, &one, 4));
    assert_true(synic_post_message(&synic, 0, VMBUS_MESSAGE_SINT, 1, &two, 4));
    assert_int_equal(interrupts, 1);
    HV_MESSAGE *m = slot(VMBUS_MESSAGE_SINT);
    assert_true(m->Header.MessageFlags.AsUINT8 & HV_MESSAGE_FLAG_MESSAGE_PENDING);
    assert_int_equal(take(NULL), 1);  /* frees the slot, writes EOM */
    assert_int_equal(interrupts, 2);
    assert_int_equal(take(NULL), 2);
    assert_int_equal(take(NULL), 0);
}

static void a_masked_sint_gets_no_interrupt_and_bad_vectors_are_refused(void **state)
{
    (void)state;
    msr(HV_X64_MSR_SINT(VMBUS_MESSAGE_SINT), HV_X64_MSR_SINT_MASKED | VECTOR);
    uint32_t one = 1;
    assert_true(synic_post_message(&synic, 0, VMBUS_MESSAGE_SINT, 1, &one, 4));
    assert_int_equal(interrupts, 0);
    assert_int_equal(take(NULL), 0); /* queued until unmasked */
    msr(HV_X64_MSR_SINT(VMBUS_MESSAGE_SINT), VECTOR);
    assert_int_equal(interrupts, 1);
    assert_int_equal(take(NULL), 1);
    bool gp = false;
    synic_msr_write(&synic, 0, HV_X64_MSR_SINT(3), 5 /* vector < 16, unmasked */, &gp);
    assert_true(gp);
    gp = false;
    synic_msr_write(&synic, 0, HV_X64_MSR_SIMP, 0xFFFFF000ull | 1, &gp); /* outside RAM */
    assert_true(gp);
}

static void the_queue_is_bounded(void **state)
{
    (void)state;
    uint32_t n = 0;
    for (unsigned i = 0; i < 1 + SYNIC_QUEUE_DEPTH; i++)
        assert_true(synic_post_message(&synic, 0, VMBUS_MESSAGE_SINT, 1, &n, 4));
    assert_false(synic_post_message(&synic, 0, VMBUS_MESSAGE_SINT, 1, &n, 4));
}

static void event_flags_set_the_channel_bit(void **state)
{
    (void)state;
    assert_true(synic_signal_event(&synic, 0, VMBUS_MESSAGE_SINT, 3));
    uint8_t *flags = guest_memory_ptr(&memory, SIEFP_GPA + VMBUS_MESSAGE_SINT * 256, 256);
    assert_int_equal(flags[0], 1u << 3);
    assert_int_equal(interrupts, 1);
    assert_false(synic_signal_event(&synic, 0, VMBUS_MESSAGE_SINT, HV_EVENT_FLAGS_COUNT));
}

/* ---- rings ---- */

static uint64_t pfns[8];

static struct vmbus_ring ring_at(uint32_t first_pfn, uint32_t pages)
{
    for (uint32_t i = 0; i < pages; i++)
        pfns[i] = first_pfn + i;
    return (struct vmbus_ring){ &memory, pfns, pages };
}

static uint32_t *control(uint32_t pfn)
{
    return guest_memory_ptr(&memory, (uint64_t)pfn * HV_PAGE_SIZE, HV_PAGE_SIZE);
}

static uint32_t packet_of(uint8_t *buf, uint32_t payload_size, uint8_t fill)
{
    uint8_t payload[4096];
    memset(payload, fill, payload_size);
    return vmbus_ring_inband_packet(buf, payload, payload_size, 0, fill);
}

static void ring_empty_full_and_wrap_around(void **state)
{
    (void)state;
    struct vmbus_ring r = ring_at(RING_PFN, 2); /* 4096 bytes of data */
    uint8_t buf[4096], got[4096];
    bool signal;
    const char *why = NULL;
    assert_int_equal(vmbus_ring_read(&r, got, sizeof got, &signal, &why), 0); /* empty */
    /* 1000 bytes of payload: 1016 + 8 = 1024 a packet; 3 fit, a 4th would
     * leave no free byte. */
    uint32_t len = packet_of(buf, 1000, 0xA1);
    for (int i = 0; i < 3; i++)
        assert_int_equal(vmbus_ring_write(&r, buf, len, &signal, &why), 1);
    assert_int_equal(vmbus_ring_write(&r, buf, len, &signal, &why), 0); /* full */
    assert_int_equal(vmbus_ring_read(&r, got, sizeof got, &signal, &why), (int)len);
    assert_int_equal(vmbus_ring_read(&r, got, sizeof got, &signal, &why), (int)len);
    /* Now one wraps past the end of the data area. */
    len = packet_of(buf, 1500, 0xB2);
    assert_int_equal(vmbus_ring_write(&r, buf, len, &signal, &why), 1);
    assert_int_equal(control(RING_PFN)[0], (3 * 1024 + len + 8) - 4096);
    assert_int_equal(vmbus_ring_read(&r, got, sizeof got, &signal, &why), 1016);
    assert_int_equal(vmbus_ring_read(&r, got, sizeof got, &signal, &why), (int)len);
    assert_memory_equal(got, buf, len);
    assert_int_equal(vmbus_ring_read(&r, got, sizeof got, &signal, &why), 0);
}

static void ring_interrupt_mask_and_pending_send_size(void **state)
{
    (void)state;
    struct vmbus_ring r = ring_at(RING_PFN, 2);
    uint8_t buf[4096];
    bool signal;
    const char *why = NULL;
    uint32_t len = packet_of(buf, 1000, 1);
    assert_int_equal(vmbus_ring_write(&r, buf, len, &signal, &why), 1);
    assert_true(signal); /* mask clear: the reader wants an interrupt */
    control(RING_PFN)[2] = 1; /* InterruptMask */
    assert_int_equal(vmbus_ring_write(&r, buf, len, &signal, &why), 1);
    assert_false(signal);
    assert_int_equal(vmbus_ring_write(&r, buf, len, &signal, &why), 1);
    /* A writer waiting for 2000 bytes: free is 1024 now; after one read
     * 2048 > 2000, so it gets its interrupt, and not again after the next. */
    control(RING_PFN)[3] = 2000;
    assert_true(vmbus_ring_read(&r, buf, sizeof buf, &signal, &why) > 0);
    assert_true(signal);
    assert_true(vmbus_ring_read(&r, buf, sizeof buf, &signal, &why) > 0);
    assert_false(signal);
}

static void ring_hostile_indices_and_packets(void **state)
{
    (void)state;
    struct vmbus_ring r = ring_at(RING_PFN, 2);
    uint8_t buf[4096];
    bool signal;
    const char *why = NULL;
    control(RING_PFN)[0] = 4096; /* In past the ring */
    assert_int_equal(vmbus_ring_read(&r, buf, sizeof buf, &signal, &why), -1);
    assert_non_null(why);
    control(RING_PFN)[0] = 12; /* unaligned */
    assert_int_equal(vmbus_ring_read(&r, buf, sizeof buf, &signal, &why), -1);
    /* A descriptor longer than what was written */
    control(RING_PFN)[0] = 64;
    VMPACKET_DESCRIPTOR d = { VmbusPacketTypeDataInBand, 2, 200, 0, 0 };
    memcpy((uint8_t *)control(RING_PFN + 1), &d, sizeof d);
    assert_int_equal(vmbus_ring_read(&r, buf, sizeof buf, &signal, &why), -1);
    /* A payload offset inside the descriptor */
    d.Length8 = 4;
    d.DataOffset8 = 1;
    memcpy((uint8_t *)control(RING_PFN + 1), &d, sizeof d);
    assert_int_equal(vmbus_ring_read(&r, buf, sizeof buf, &signal, &why), -1);
    /* Longer than the reader takes */
    d.DataOffset8 = 2;
    d.Length8 = 7;
    memcpy((uint8_t *)control(RING_PFN + 1), &d, sizeof d);
    assert_int_equal(vmbus_ring_read(&r, buf, 32, &signal, &why), -1);
    assert_int_equal(vmbus_ring_read(&r, buf, sizeof buf, &signal, &why), 56);
    /* Pages outside RAM */
    pfns[1] = RAM / HV_PAGE_SIZE;
    control(RING_PFN)[0] = 64;
    control(RING_PFN)[1] = 0;
    assert_int_equal(vmbus_ring_read(&r, buf, sizeof buf, &signal, &why), -1);
}

/* ---- the control channel ---- */

static void versions_before_windows_8_are_refused(void **state)
{
    (void)state;
    contact(VMBUS_VERSION_WIN7, false);
    contact(VMBUS_MAKE_VERSION(9, 9), false);
    contact(VMBUS_VERSION_IRON, true);
    assert_int_equal(host.version, VMBUS_VERSION_IRON);
}

static void offers_then_all_offers_delivered(void **state)
{
    (void)state;
    contact(VMBUS_VERSION_WIN10, true);
    VMBUS_CHANNEL_REQUEST_OFFERS m = { .MessageType = ChannelMessageRequestOffers };
    assert_int_equal(post(&m, sizeof m), HV_STATUS_SUCCESS);
    const HV_GUID classes[3] = { VMBUS_CLASS_HEARTBEAT, VMBUS_CLASS_SHUTDOWN,
                                 VMBUS_CLASS_TIMESYNC };
    for (unsigned i = 0; i < 3; i++) {
        VMBUS_CHANNEL_OFFER_CHANNEL o;
        assert_int_equal(take(&o), ChannelMessageOfferChannel);
        assert_true(hv_guid_equal(&o.InterfaceType, &classes[i]));
        assert_int_equal(o.ChildRelId, i + 1);
        assert_int_equal(o.MonitorFlags.AsUINT8, 0); /* no monitor pages */
    }
    assert_int_equal(take(NULL), ChannelMessageAllOffersDelivered);
}

static void malformed_messages_are_ignored(void **state)
{
    (void)state;
    uint32_t junk[2] = { ChannelMessageOpenChannel, 0 }; /* far too short */
    assert_int_equal(post(junk, sizeof junk), HV_STATUS_SUCCESS);
    junk[0] = 999;
    assert_int_equal(post(junk, sizeof junk), HV_STATUS_SUCCESS);
    assert_int_equal(post(junk, 3), HV_STATUS_SUCCESS);
    assert_int_equal(take(NULL), 0);
    assert_int_equal(host.warnings, 3);
    assert_int_equal(vmbus_host_post_message(&host, 77, 1, junk, 8),
                     HV_STATUS_INVALID_CONNECTION_ID);
    assert_int_equal(vmbus_host_post_message(&host, 1, 1, junk, 241),
                     HV_STATUS_INVALID_PARAMETER);
    /* Before InitiateContact nothing but InitiateContact is heard. */
    VMBUS_CHANNEL_REQUEST_OFFERS m = { .MessageType = ChannelMessageRequestOffers };
    post(&m, sizeof m);
    assert_int_equal(take(NULL), 0);
}

/* A GPADL header message with pfn_count PFNs (first at first_pfn), of
 * which `included` travel in the header. Returns its size. */
static uint32_t gpadl_header(uint8_t *msg, uint32_t handle, uint32_t pfn_count,
                             uint32_t included, uint64_t first_pfn)
{
    memset(msg, 0, 240);
    VMBUS_CHANNEL_GPADL_HEADER h;
    memset(&h, 0, sizeof h);
    h.Header.MessageType = ChannelMessageGpadlHeader;
    h.ChildRelId = 1;
    h.Gpadl = handle;
    h.RangeBufferLength = (uint16_t)(8 + 8 * pfn_count);
    h.RangeCount = 1;
    memcpy(msg, &h, sizeof h);
    GPA_RANGE range = { pfn_count * HV_PAGE_SIZE, 0 };
    memcpy(msg + 20, &range, sizeof range);
    for (uint32_t i = 0; i < included; i++) {
        uint64_t pfn = first_pfn + i;
        memcpy(msg + 28 + 8 * i, &pfn, 8);
    }
    return 28 + 8 * included;
}

static uint32_t gpadl_status(uint32_t handle)
{
    VMBUS_CHANNEL_GPADL_CREATED c;
    assert_int_equal(take(&c), ChannelMessageGpadlCreated);
    assert_int_equal(c.Gpadl, handle);
    return c.CreationStatus;
}

static void gpadls_good_split_and_absurd(void **state)
{
    (void)state;
    contact(VMBUS_VERSION_IRON, true);
    uint8_t msg[240];
    /* 8 pages in the header */
    assert_int_equal(post(msg, gpadl_header(msg, 10, 8, 8, RING_PFN)), 0);
    assert_int_equal(gpadl_status(10), 0);
    assert_int_equal(host.gpadl_pages, 8);
    /* 30 pages: 26 in the header, 4 in a body */
    assert_int_equal(post(msg, gpadl_header(msg, 11, 30, 26, 0x40)), 0);
    assert_int_equal(take(NULL), 0); /* not complete yet */
    VMBUS_CHANNEL_GPADL_BODY b;
    memset(&b, 0, sizeof b);
    b.Header.MessageType = ChannelMessageGpadlBody;
    b.Gpadl = 11;
    for (int i = 0; i < 4; i++)
        b.Pfn[i] = 0x40 + 26 + i;
    assert_int_equal(post(&b, VMBUS_GPADL_BODY_SIZE(4)), 0);
    assert_int_equal(gpadl_status(11), 0);
    /* A page outside RAM */
    assert_int_equal(post(msg, gpadl_header(msg, 12, 2, 2, RAM / HV_PAGE_SIZE - 1)), 0);
    assert_int_equal(gpadl_status(12), VMBUS_STATUS_UNSUCCESSFUL);
    /* A page number that overflows an address */
    assert_int_equal(post(msg, gpadl_header(msg, 13, 1, 1, 1ull << 60)), 0);
    assert_int_equal(gpadl_status(13), VMBUS_STATUS_UNSUCCESSFUL);
    /* Absurd counts: more than wisp's bound, a count disagreeing with the range */
    assert_int_equal(post(msg, gpadl_header(msg, 14, VMBUS_GPADL_MAX_PAGES + 1, 0, 0)), 0);
    assert_int_equal(gpadl_status(14), VMBUS_STATUS_UNSUCCESSFUL);
    gpadl_header(msg, 15, 4, 4, 0x30);
    GPA_RANGE wrong = { 100 * HV_PAGE_SIZE, 0 };
    memcpy(msg + 20, &wrong, sizeof wrong);
    assert_int_equal(post(msg, 28 + 32), 0);
    assert_int_equal(gpadl_status(15), VMBUS_STATUS_UNSUCCESSFUL);
    /* A handle in use */
    assert_int_equal(post(msg, gpadl_header(msg, 10, 1, 1, 0x30)), 0);
    assert_int_equal(gpadl_status(10), VMBUS_STATUS_UNSUCCESSFUL);
    /* A body with more pages than announced */
    assert_int_equal(post(msg, gpadl_header(msg, 16, 2, 1, 0x30)), 0);
    b.Gpadl = 16;
    assert_int_equal(post(&b, VMBUS_GPADL_BODY_SIZE(4)), 0);
    assert_int_equal(gpadl_status(16), VMBUS_STATUS_UNSUCCESSFUL);
    assert_int_equal(host.gpadl_pages, 8 + 30);
    /* Teardown frees the pages */
    VMBUS_CHANNEL_GPADL_TEARDOWN t = { { ChannelMessageGpadlTeardown, 0 }, 1, 11 };
    assert_int_equal(post(&t, sizeof t), 0);
    assert_int_equal(take(NULL), ChannelMessageGpadlTorndown);
    assert_int_equal(host.gpadl_pages, 8);
}

static void the_gpadl_total_is_bounded(void **state)
{
    (void)state;
    contact(VMBUS_VERSION_IRON, true);
    uint8_t msg[240];
    uint32_t handle = 100;
    unsigned accepted = 0;
    /* Each GPADL of VMBUS_GPADL_MAX_PAGES pages, never completed. */
    for (unsigned i = 0; i < VMBUS_MAX_GPADLS + 2; i++) {
        post(msg, gpadl_header(msg, handle++, VMBUS_GPADL_MAX_PAGES, 0, 0));
        if (take(NULL) == 0)
            accepted++;
    }
    assert_int_equal(accepted, VMBUS_GPADL_TOTAL_PAGES / VMBUS_GPADL_MAX_PAGES);
    assert_true(host.gpadl_pages <= VMBUS_GPADL_TOTAL_PAGES);
}

static void open(uint32_t relid, uint32_t gpadl, uint32_t split, uint32_t expect_status)
{
    VMBUS_CHANNEL_OPEN_CHANNEL o;
    memset(&o, 0, sizeof o);
    o.Header.MessageType = ChannelMessageOpenChannel;
    o.ChildRelId = relid;
    o.OpenId = 7;
    o.RingBufferGpadlHandle = gpadl;
    o.DownstreamRingBufferPageOffset = split;
    assert_int_equal(post(&o, sizeof o), 0);
    VMBUS_CHANNEL_OPEN_RESULT r;
    assert_int_equal(take(&r), ChannelMessageOpenChannelResult);
    assert_int_equal(r.Status, expect_status);
    assert_int_equal(r.OpenId, 7);
}

static void open_negotiates_and_a_broken_ring_closes_the_channel(void **state)
{
    (void)state;
    contact(VMBUS_VERSION_IRON, true);
    uint8_t msg[240];
    post(msg, gpadl_header(msg, 20, 8, 8, RING_PFN));
    assert_int_equal(gpadl_status(20), 0);
    open(1, 20, 1, VMBUS_STATUS_UNSUCCESSFUL); /* a one-page ring */
    open(1, 20, 7, VMBUS_STATUS_UNSUCCESSFUL);
    open(1, 99, 4, VMBUS_STATUS_UNSUCCESSFUL); /* no such GPADL */
    open(9, 20, 4, VMBUS_STATUS_UNSUCCESSFUL); /* no such channel */
    interrupts = 0;
    open(1, 20, 4, 0);
    assert_true(host.channels[0].open);
    /* The heartbeat service's negotiation is in the guest's ring, and the
     * channel's event flag (relid 1) is set. */
    uint32_t *to_guest = control(RING_PFN + 4);
    assert_true(to_guest[0] > 0);
    VMPACKET_DESCRIPTOR d;
    memcpy(&d, control(RING_PFN + 5), sizeof d);
    assert_int_equal(d.Type, VmbusPacketTypeDataInBand);
    HV_IC_MSG_HEADER ic;
    memcpy(&ic, (uint8_t *)control(RING_PFN + 5) + 16 + 8, sizeof ic);
    assert_int_equal(ic.IcMessageType, HV_ICMSGTYPE_NEGOTIATE);
    uint8_t *flags = guest_memory_ptr(&memory, SIEFP_GPA + VMBUS_MESSAGE_SINT * 256, 1);
    assert_int_equal(flags[0] & 2, 2);
    assert_int_equal(interrupts, 2); /* the open result, then the channel */
    /* The guest corrupts its ring's write index and signals. */
    control(RING_PFN)[0] = 0xFFFFFFF8u;
    assert_int_equal(vmbus_host_signal_event(&host, host.channels[0].connection_id, 0), 0);
    assert_false(host.channels[0].open);
    assert_int_equal(vmbus_host_signal_event(&host, 0x999, 0), HV_STATUS_INVALID_CONNECTION_ID);
    /* Unload closes everything and answers. */
    VMBUS_CHANNEL_UNLOAD u = { .MessageType = ChannelMessageUnload };
    post(&u, sizeof u);
    assert_int_equal(take(NULL), ChannelMessageUnloadComplete);
    assert_int_equal(host.gpadl_pages, 0);
    assert_false(host.connected);
}

/* A guest that never reads its ring: the channel closes, wisp keeps nothing. */
static void a_guest_that_never_reads_loses_its_channel(void **state)
{
    (void)state;
    contact(VMBUS_VERSION_IRON, true);
    uint8_t msg[240];
    post(msg, gpadl_header(msg, 20, 4, 4, RING_PFN)); /* 1 data page each way */
    assert_int_equal(gpadl_status(20), 0);
    open(2, 20, 2, 0); /* the shutdown service */
    struct vmbus_channel *c = &host.channels[1];
    uint64_t warnings = host.warnings;
    for (int i = 0; i < 10 && c->open; i++)
        assert_int_equal(vmbus_host_request_shutdown(&host), 0);
    /* Not negotiated: the request waits, the ring holds one negotiation. */
    assert_true(c->open);
    /* Negotiated, but the guest reads nothing: 2 KiB shutdown requests
     * fill its one-page ring and the second closes the channel. */
    c->ic.negotiated = true;
    for (int i = 0; i < 10 && c->open; i++)
        vmbus_host_request_shutdown(&host);
    assert_false(c->open);
    assert_int_equal(host.warnings, warnings + 1);
    assert_int_equal(vmbus_host_request_shutdown(&host), -1);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(a_busy_slot_waits_for_eom),
        T(a_masked_sint_gets_no_interrupt_and_bad_vectors_are_refused),
        T(the_queue_is_bounded),
        T(event_flags_set_the_channel_bit),
        T(ring_empty_full_and_wrap_around),
        T(ring_interrupt_mask_and_pending_send_size),
        T(ring_hostile_indices_and_packets),
        T(versions_before_windows_8_are_refused),
        T(offers_then_all_offers_delivered),
        T(malformed_messages_are_ignored),
        T(gpadls_good_split_and_absurd),
        T(the_gpadl_total_is_bounded),
        T(open_negotiates_and_a_broken_ring_closes_the_channel),
        T(a_guest_that_never_reads_loses_its_channel),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
