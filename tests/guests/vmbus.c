/*
 * vmbus: a minimal polled VMBus client over `wisp run --hyperv`, written
 * with the project's headers (include/hyperv/) only:
 *
 *  - CPUID offers the SynIC, HvPostMessage and HvSignalEvent;
 *  - the SynIC on (message page, event page, SINT 2 in polling mode: no
 *    interrupts, the guest looks at its message slot);
 *  - InitiateContact for version 5.3, answered with VersionResponse;
 *  - RequestOffers: the heartbeat, shutdown and time-sync offers, then
 *    AllOffersDelivered;
 *  - a GPADL for a 4-page ring buffer (2 pages each way), GpadlCreated;
 *  - OpenChannel of the heartbeat channel, OpenChannelResult 0;
 *  - the host's IC version negotiation read from the ring and answered
 *    (framework 3.0, heartbeat 3.0) with HvSignalEvent; then a heartbeat
 *    arrives and is answered with its sequence number plus one;
 *  - CloseChannel, GpadlTeardown / GpadlTorndown, Unload / UnloadComplete.
 */
#include <hyperv/hyperv.h>
#include <hyperv/vmbus.h>

#include "wisp_lib.h"

#define PAGE 4096
#define RING_PAGES 4 /* 2 to the host (control + data), 2 to the guest */

static uint8_t hypercall_page[PAGE] __attribute__((aligned(PAGE)));
static HV_SYNIC_MESSAGE_PAGE message_page __attribute__((aligned(PAGE)));
static HV_SYNIC_EVENT_FLAGS_PAGE event_page __attribute__((aligned(PAGE)));
static HV_INPUT_POST_MESSAGE post_input __attribute__((aligned(PAGE)));
static uint8_t ring[RING_PAGES][PAGE] __attribute__((aligned(PAGE)));

static uint64_t hv_call(uint64_t input, uint64_t in_gpa, uint64_t out_gpa)
{
    uint64_t status;
    register uint64_t r8 __asm__("r8") = out_gpa;
    __asm__ __volatile__("call *%[page]"
                         : "=a"(status), "+c"(input), "+d"(in_gpa), "+r"(r8)
                         : [page] "r"(hypercall_page)
                         : "cc", "memory", "r9", "r10", "r11");
    return status;
}

static int fail(const char *what)
{
    wisp_printf("FAIL: vmbus: %s\n", what);
    return 1;
}

static int post(const void *msg, uint32_t size)
{
    memset(&post_input, 0, sizeof post_input);
    post_input.ConnectionId.AsUint32 = VMBUS_MESSAGE_CONNECTION_ID_V5;
    post_input.MessageType = VMBUS_SYNIC_MESSAGE_TYPE;
    post_input.PayloadSize = size;
    memcpy(post_input.Message, msg, size);
    uint64_t r = hv_call(hv_hypercall_input_simple(HvCallPostMessage),
                         (uint64_t)(uintptr_t)&post_input, 0);
    return hv_hypercall_result_status(r) == HV_STATUS_SUCCESS ? 0 : -1;
}

/* The next channel message in SINT 2's slot (waits up to a second). */
static uint32_t receive(void *out, uint32_t cap)
{
    volatile HV_MESSAGE *m = &message_page.SintMessage[VMBUS_MESSAGE_SINT];
    uint64_t start = wisp_time_ns();
    while (m->Header.MessageType == HvMessageTypeNone)
        if (wisp_time_ns() - start > 1000000000ull)
            return 0;
    uint32_t size = m->Header.PayloadSize < cap ? m->Header.PayloadSize : cap;
    memcpy(out, (const void *)m->Payload, size);
    uint32_t type;
    memcpy(&type, out, 4);
    m->Header.MessageType = HvMessageTypeNone;
    __asm__ __volatile__("mfence" ::: "memory");
    if (m->Header.MessageFlags.AsUINT8 & HV_MESSAGE_FLAG_MESSAGE_PENDING)
        wrmsr(HV_X64_MSR_EOM, 0);
    return type;
}

static volatile uint32_t *control(unsigned page)
{
    return (volatile uint32_t *)ring[page];
}

/* Reads a packet from the ring to the guest (pages 2-3) into buf. */
static uint32_t ring_read(uint8_t *buf, uint32_t cap)
{
    volatile uint32_t *c = control(2);
    uint64_t start = wisp_time_ns();
    while (c[0] == c[1])
        if (wisp_time_ns() - start > 1000000000ull)
            return 0;
    uint32_t out = c[1];
    VMPACKET_DESCRIPTOR d;
    memcpy(&d, ring[3] + out, sizeof d); /* one data page: packets do not wrap here */
    uint32_t len = d.Length8 * 8u;
    if (len > cap || out + len + 8 > PAGE)
        return 0;
    memcpy(buf, ring[3] + out, len);
    c[1] = (out + len + 8) % PAGE;
    return len;
}

/* Writes a packet to the ring to the host (pages 0-1) and signals it. */
static int ring_write(const uint8_t *packet, uint32_t len, uint32_t connection_id)
{
    volatile uint32_t *c = control(0);
    uint32_t in = c[0];
    if (in + len + 8 > PAGE)
        return -1;
    memcpy(ring[1] + in, packet, len);
    uint64_t trailer = vmbus_packet_trailer(in);
    memcpy(ring[1] + in + len, &trailer, 8);
    __asm__ __volatile__("mfence" ::: "memory");
    c[0] = in + len + 8;
    uint64_t r = hv_call(hv_hypercall_input_fast(HvCallSignalEvent),
                         hv_signal_event_fast_input(connection_id, 0), 0);
    return hv_hypercall_result_status(r) == HV_STATUS_SUCCESS ? 0 : -1;
}

/* The IC header of a packet read from the ring. */
static HV_IC_MSG_HEADER *ic_header(uint8_t *packet)
{
    VMPACKET_DESCRIPTOR d;
    memcpy(&d, packet, sizeof d);
    return (HV_IC_MSG_HEADER *)(packet + d.DataOffset8 * 8u + sizeof(VMPIPE_PROTOCOL_HEADER));
}

int kmain(struct wisp_boot_info *bi)
{
    (void)bi;
    uint32_t r[4];
    uint64_t need = HV_PARTITION_PRIVILEGE_ACCESS_SYNIC_REGS |
                    HV_PARTITION_PRIVILEGE_POST_MESSAGES | HV_PARTITION_PRIVILEGE_SIGNAL_EVENTS;
    __asm__ __volatile__("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
                         : "a"(HV_CPUID_LEAF_RANGE), "c"(0));
    if (r[1] != HV_CPUID_VENDOR_MICROSOFT_EBX)
        return fail("not Hyper-V (CPUID 0x40000000)");
    __asm__ __volatile__("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
                         : "a"(HV_CPUID_FEATURE_IDENTIFICATION), "c"(0));
    if (((((uint64_t)r[1] << 32) | r[0]) & need) != need)
        return fail("no SynIC, HvPostMessage and HvSignalEvent in CPUID");
    wrmsr(HV_X64_MSR_GUEST_OS_ID, 0x8100000000000000ull);
    wrmsr(HV_X64_MSR_HYPERCALL, (uint64_t)(uintptr_t)hypercall_page | 1);
    wrmsr(HV_X64_MSR_SIMP, (uint64_t)(uintptr_t)&message_page | 1);
    wrmsr(HV_X64_MSR_SIEFP, (uint64_t)(uintptr_t)&event_page | 1);
    wrmsr(HV_X64_MSR_SINT(VMBUS_MESSAGE_SINT), 0x50 | (1ull << 18) /* polling */);
    wrmsr(HV_X64_MSR_SCONTROL, HV_X64_MSR_SCONTROL_ENABLE);

    uint8_t msg[HV_MESSAGE_MAX_PAYLOAD_BYTE_COUNT];
    VMBUS_CHANNEL_INITIATE_CONTACT contact;
    memset(&contact, 0, sizeof contact);
    contact.Header.MessageType = ChannelMessageInitiateContact;
    contact.VMBusVersionRequested = VMBUS_VERSION_IRON;
    contact.Target.TargetInfo.TargetSint = VMBUS_MESSAGE_SINT;
    if (post(&contact, sizeof contact) < 0 ||
        receive(msg, sizeof msg) != ChannelMessageVersionResponse)
        return fail("no VersionResponse");
    VMBUS_CHANNEL_VERSION_RESPONSE *vr = (void *)msg;
    if (!vr->VersionSupported)
        return fail("version 5.3 refused");
    wisp_printf("vmbus: version 5.3 accepted, messages on connection %u\n",
                vr->MessageConnectionId);

    VMBUS_CHANNEL_REQUEST_OFFERS request = { .MessageType = ChannelMessageRequestOffers };
    post(&request, sizeof request);
    const HV_GUID heartbeat = VMBUS_CLASS_HEARTBEAT;
    uint32_t relid = 0, connection = 0, offers = 0, type;
    while ((type = receive(msg, sizeof msg)) == ChannelMessageOfferChannel) {
        VMBUS_CHANNEL_OFFER_CHANNEL *o = (void *)msg;
        offers++;
        if (hv_guid_equal(&o->InterfaceType, &heartbeat)) {
            relid = o->ChildRelId;
            connection = o->ConnectionId;
        }
    }
    if (type != ChannelMessageAllOffersDelivered || relid == 0)
        return fail("no heartbeat offer before AllOffersDelivered");
    wisp_printf("vmbus: %u offers, heartbeat on relid %u\n", offers, relid);

    memset(msg, 0, sizeof msg);
    VMBUS_CHANNEL_GPADL_HEADER g;
    memset(&g, 0, sizeof g);
    g.Header.MessageType = ChannelMessageGpadlHeader;
    g.ChildRelId = relid;
    g.Gpadl = 0xE1;
    g.RangeBufferLength = GPA_RANGE_SIZE(RING_PAGES);
    g.RangeCount = 1;
    memcpy(msg, &g, sizeof g);
    GPA_RANGE range = { RING_PAGES * PAGE, 0 };
    memcpy(msg + VMBUS_GPADL_HEADER_RANGES_OFFSET, &range, sizeof range);
    for (unsigned i = 0; i < RING_PAGES; i++) {
        uint64_t pfn = (uint64_t)(uintptr_t)ring[i] / PAGE;
        memcpy(msg + VMBUS_GPADL_HEADER_RANGES_OFFSET + 8 + 8 * i, &pfn, 8);
    }
    post(msg, VMBUS_GPADL_HEADER_RANGES_OFFSET + GPA_RANGE_SIZE(RING_PAGES));
    if (receive(msg, sizeof msg) != ChannelMessageGpadlCreated ||
        ((VMBUS_CHANNEL_GPADL_CREATED *)msg)->CreationStatus != 0)
        return fail("GPADL refused");

    VMBUS_CHANNEL_OPEN_CHANNEL open;
    memset(&open, 0, sizeof open);
    open.Header.MessageType = ChannelMessageOpenChannel;
    open.ChildRelId = relid;
    open.OpenId = 1;
    open.RingBufferGpadlHandle = 0xE1;
    open.DownstreamRingBufferPageOffset = 2;
    post(&open, sizeof open);
    if (receive(msg, sizeof msg) != ChannelMessageOpenChannelResult ||
        ((VMBUS_CHANNEL_OPEN_RESULT *)msg)->Status != 0)
        return fail("OpenChannel refused");
    wisp_puts("vmbus: heartbeat channel open\n");

    /* The host's negotiation: answer with the versions it offered. */
    static uint8_t packet[PAGE];
    uint32_t len = ring_read(packet, sizeof packet);
    HV_IC_MSG_HEADER *ic = ic_header(packet);
    if (len == 0 || ic->IcMessageType != HV_ICMSGTYPE_NEGOTIATE)
        return fail("no IC negotiation in the ring");
    HV_IC_NEGOTIATE *n = (HV_IC_NEGOTIATE *)(ic + 1);
    HV_IC_VERSION *versions = (HV_IC_VERSION *)(n + 1);
    wisp_printf("vmbus: host offers framework %u.%u, heartbeat %u.%u\n", versions[0].Major,
                versions[0].Minor, versions[n->FrameworkVersionCount].Major,
                versions[n->FrameworkVersionCount].Minor);
    versions[1] = versions[n->FrameworkVersionCount];
    n->FrameworkVersionCount = n->MessageVersionCount = 1;
    ic->IcFlags = HV_ICMSGHDRFLAG_TRANSACTION | HV_ICMSGHDRFLAG_RESPONSE;
    ((VMPACKET_DESCRIPTOR *)packet)->Flags = 0;
    if (ring_write(packet, len, connection) < 0)
        return fail("HvSignalEvent failed");

    len = ring_read(packet, sizeof packet);
    ic = ic_header(packet);
    if (len == 0 || ic->IcMessageType != HV_ICMSGTYPE_HEARTBEAT)
        return fail("no heartbeat after the negotiation");
    HV_IC_HEARTBEAT_MESSAGE *hb = (HV_IC_HEARTBEAT_MESSAGE *)(ic + 1);
    wisp_printf("vmbus: heartbeat %lu\n", (unsigned long)hb->SequenceNumber);
    hb->SequenceNumber++;
    ic->IcFlags = HV_ICMSGHDRFLAG_TRANSACTION | HV_ICMSGHDRFLAG_RESPONSE;
    ring_write(packet, len, connection);

    VMBUS_CHANNEL_CLOSE_CHANNEL close = { { ChannelMessageCloseChannel, 0 }, relid };
    post(&close, sizeof close);
    VMBUS_CHANNEL_GPADL_TEARDOWN teardown = { { ChannelMessageGpadlTeardown, 0 }, relid, 0xE1 };
    post(&teardown, sizeof teardown);
    if (receive(msg, sizeof msg) != ChannelMessageGpadlTorndown)
        return fail("no GpadlTorndown");
    VMBUS_CHANNEL_UNLOAD unload = { .MessageType = ChannelMessageUnload };
    post(&unload, sizeof unload);
    if (receive(msg, sizeof msg) != ChannelMessageUnloadComplete)
        return fail("no UnloadComplete");
    wisp_puts("PASS: vmbus\n");
    return 0;
}
