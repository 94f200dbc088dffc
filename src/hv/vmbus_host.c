#include "vmbus_host.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Connection IDs of the devices' channels: relid + this. */
#define CHANNEL_CONNECTION_BASE 0x1000u

/* Instance GUIDs of wisp's devices (the shutdown service's is Hyper-V's). */
#define WISP_INSTANCE_HEARTBEAT                                               \
    HV_GUID_INIT(0x77697370u, 0x0001, 0x4b00, 0x8a, 0x01, 0x77, 0x69, 0x73,   \
                 0x70, 0x00, 0x01)
#define WISP_INSTANCE_TIMESYNC                                                \
    HV_GUID_INIT(0x77697370u, 0x0003, 0x4b00, 0x8a, 0x01, 0x77, 0x69, 0x73,   \
                 0x70, 0x00, 0x03)

void vmbus_host_warn(struct vmbus_host *h, const char *fmt, ...)
{
    h->warnings++;
    if (h->quiet)
        return;
    va_list ap;
    va_start(ap, fmt);
    fputs("wisp: vmbus: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static void add_channel(struct vmbus_host *h, enum vmbus_ic_kind kind, HV_GUID class_id,
                        HV_GUID instance_id)
{
    struct vmbus_channel *c = &h->channels[h->nchannels++];
    memset(c, 0, sizeof *c);
    c->relid = h->nchannels; /* 1, 2, 3: relid 0 is never used */
    c->connection_id = CHANNEL_CONNECTION_BASE + c->relid;
    c->class_id = class_id;
    c->instance_id = instance_id;
    c->ic.kind = kind;
}

void vmbus_host_init(struct vmbus_host *h, struct synic *synic, struct guest_memory *memory)
{
    memset(h, 0, sizeof *h);
    h->synic = synic;
    h->memory = memory;
    add_channel(h, VMBUS_IC_HEARTBEAT, (HV_GUID)VMBUS_CLASS_HEARTBEAT,
                (HV_GUID)WISP_INSTANCE_HEARTBEAT);
    add_channel(h, VMBUS_IC_SHUTDOWN, (HV_GUID)VMBUS_CLASS_SHUTDOWN,
                (HV_GUID)VMBUS_INSTANCE_SHUTDOWN);
    add_channel(h, VMBUS_IC_TIMESYNC, (HV_GUID)VMBUS_CLASS_TIMESYNC,
                (HV_GUID)WISP_INSTANCE_TIMESYNC);
}

static void close_channel(struct vmbus_channel *c)
{
    enum vmbus_ic_kind kind = c->ic.kind;
    c->open = false;
    c->next_transaction = 0;
    memset(&c->to_host, 0, sizeof c->to_host);
    memset(&c->to_guest, 0, sizeof c->to_guest);
    memset(&c->ic, 0, sizeof c->ic);
    c->ic.kind = kind;
}

static void drop_gpadl(struct vmbus_host *h, struct vmbus_gpadl *g)
{
    h->gpadl_pages -= g->count;
    free(g->pfns);
    memset(g, 0, sizeof *g);
}

void vmbus_host_reset(struct vmbus_host *h)
{
    for (unsigned i = 0; i < h->nchannels; i++)
        close_channel(&h->channels[i]);
    for (unsigned i = 0; i < VMBUS_MAX_GPADLS; i++)
        if (h->gpadls[i].used)
            drop_gpadl(h, &h->gpadls[i]);
    h->connected = false;
    h->version = 0;
}

static void send_message(struct vmbus_host *h, const void *msg, uint32_t size)
{
    if (!synic_post_message(h->synic, h->message_vp, h->message_sint, VMBUS_SYNIC_MESSAGE_TYPE,
                            msg, size))
        vmbus_host_warn(h, "a message to the guest was lost (its SynIC is not set up)");
}

static struct vmbus_channel *channel_by_relid(struct vmbus_host *h, uint32_t relid)
{
    for (unsigned i = 0; i < h->nchannels; i++)
        if (h->channels[i].relid == relid)
            return &h->channels[i];
    return NULL;
}

static struct vmbus_gpadl *gpadl_by_handle(struct vmbus_host *h, uint32_t handle)
{
    for (unsigned i = 0; i < VMBUS_MAX_GPADLS; i++)
        if (h->gpadls[i].used && h->gpadls[i].handle == handle)
            return &h->gpadls[i];
    return NULL;
}

/* ---- the messages ---- */

static bool version_accepted(uint32_t v)
{
    return v == VMBUS_VERSION_WIN8 || v == VMBUS_VERSION_WIN8_1 || v == VMBUS_VERSION_WIN10 ||
           v == VMBUS_VERSION_WIN10RS3_0 || v == VMBUS_VERSION_WIN10RS3_1 ||
           v == VMBUS_VERSION_WIN10RS4 || v == VMBUS_VERSION_WIN10RS5 ||
           v == VMBUS_VERSION_IRON;
}

static void initiate_contact(struct vmbus_host *h, const VMBUS_CHANNEL_INITIATE_CONTACT *m)
{
    VMBUS_CHANNEL_VERSION_RESPONSE r;
    memset(&r, 0, sizeof r);
    r.Header.MessageType = ChannelMessageVersionResponse;
    uint32_t v = m->VMBusVersionRequested;
    /* The answer goes where the guest asked for it, if it can. */
    if (m->TargetMessageVp < h->synic->nvps)
        h->message_vp = m->TargetMessageVp;
    h->message_sint = VMBUS_MESSAGE_SINT;
    if (v >= VMBUS_VERSION_WIN10RS3_1 && m->Target.TargetInfo.TargetSint < HV_SYNIC_SINT_COUNT)
        h->message_sint = m->Target.TargetInfo.TargetSint;
    if (h->connected) {
        /* A new driver (kexec) without an Unload: start over. */
        vmbus_host_reset(h);
    }
    if (version_accepted(v) && m->TargetMessageVp < h->synic->nvps) {
        h->connected = true;
        h->version = v;
        r.VersionSupported = 1;
        r.ConnectionState = VMBUS_CHANNEL_CONNECTION_SUCCESSFUL;
        r.MessageConnectionId =
            v >= VMBUS_VERSION_WIN10RS3_1 ? VMBUS_MESSAGE_CONNECTION_ID_V5 : 0;
    }
    send_message(h, &r, VMBUS_CHANNEL_VERSION_RESPONSE_MIN_SIZE);
}

static void request_offers(struct vmbus_host *h)
{
    for (unsigned i = 0; i < h->nchannels; i++) {
        const struct vmbus_channel *c = &h->channels[i];
        VMBUS_CHANNEL_OFFER_CHANNEL o;
        memset(&o, 0, sizeof o);
        o.Header.MessageType = ChannelMessageOfferChannel;
        o.InterfaceType = c->class_id;
        o.InterfaceInstance = c->instance_id;
        o.ChildRelId = c->relid;
        o.InterruptFlags.AsUINT16 = 1; /* dedicated: HvSignalEvent only */
        o.ConnectionId = c->connection_id;
        send_message(h, &o, sizeof o);
    }
    VMBUS_CHANNEL_ALL_OFFERS_DELIVERED done = { .MessageType = ChannelMessageAllOffersDelivered };
    send_message(h, &done, sizeof done);
}

static void gpadl_created(struct vmbus_host *h, uint32_t relid, uint32_t handle, uint32_t status)
{
    VMBUS_CHANNEL_GPADL_CREATED r;
    memset(&r, 0, sizeof r);
    r.Header.MessageType = ChannelMessageGpadlCreated;
    r.ChildRelId = relid;
    r.Gpadl = handle;
    r.CreationStatus = status;
    send_message(h, &r, sizeof r);
}

/* Every page of a complete GPADL must be guest RAM. */
static void gpadl_finish(struct vmbus_host *h, struct vmbus_gpadl *g)
{
    for (uint32_t i = 0; i < g->count; i++) {
        if (g->pfns[i] >= (UINT64_MAX >> 12) ||
            guest_memory_ptr(h->memory, g->pfns[i] * HV_PAGE_SIZE, HV_PAGE_SIZE) == NULL) {
            vmbus_host_warn(h, "GPADL %u names page 0x%llx outside guest RAM; refused",
                            g->handle, (unsigned long long)g->pfns[i]);
            uint32_t relid = g->relid, handle = g->handle;
            drop_gpadl(h, g);
            gpadl_created(h, relid, handle, VMBUS_STATUS_UNSUCCESSFUL);
            return;
        }
    }
    g->complete = true;
    gpadl_created(h, g->relid, g->handle, 0);
}

static void gpadl_add_pfns(struct vmbus_host *h, struct vmbus_gpadl *g, const uint8_t *bytes,
                           uint32_t n)
{
    if (n > g->count - g->filled) {
        vmbus_host_warn(h, "GPADL %u gets more pages than its header announced; refused",
                        g->handle);
        uint32_t relid = g->relid, handle = g->handle;
        drop_gpadl(h, g);
        gpadl_created(h, relid, handle, VMBUS_STATUS_UNSUCCESSFUL);
        return;
    }
    for (uint32_t i = 0; i < n; i++)
        memcpy(&g->pfns[g->filled++], bytes + 8 * i, 8);
    if (g->filled == g->count)
        gpadl_finish(h, g);
}

static void gpadl_header(struct vmbus_host *h, const uint8_t *msg, uint32_t size)
{
    VMBUS_CHANNEL_GPADL_HEADER m;
    memcpy(&m, msg, sizeof m);
    GPA_RANGE range = { 0, 0 };
    if (size >= VMBUS_GPADL_HEADER_RANGES_OFFSET + sizeof range)
        memcpy(&range, msg + VMBUS_GPADL_HEADER_RANGES_OFFSET, sizeof range);
    const char *why = NULL;
    uint32_t count = 0;
    struct vmbus_gpadl *slot = NULL;
    if (channel_by_relid(h, m.ChildRelId) == NULL)
        why = "names no channel";
    else if (m.Gpadl == 0 || gpadl_by_handle(h, m.Gpadl) != NULL)
        why = "has a handle that is 0 or in use";
    else if (m.RangeCount != 1 || m.RangeBufferLength < sizeof range)
        why = "has other than one page range";
    else {
        count = (m.RangeBufferLength - (uint32_t)sizeof range) / 8;
        if (count == 0 || count > VMBUS_GPADL_MAX_PAGES ||
            count != hv_gpa_range_pfn_count(range.ByteOffset, range.ByteCount) ||
            (m.RangeBufferLength - sizeof range) % 8 != 0)
            why = "has an absurd page count";
        else if (h->gpadl_pages + count > VMBUS_GPADL_TOTAL_PAGES)
            why = "would pass wisp's bound on GPADL pages";
        for (unsigned i = 0; why == NULL && i < VMBUS_MAX_GPADLS && slot == NULL; i++)
            if (!h->gpadls[i].used)
                slot = &h->gpadls[i];
        if (why == NULL && slot == NULL)
            why = "is one GPADL too many";
    }
    uint64_t *pfns = why == NULL ? calloc(count, sizeof *pfns) : NULL;
    if (why == NULL && pfns == NULL)
        why = "cannot be held (out of memory)";
    if (why != NULL) {
        vmbus_host_warn(h, "GPADL header %u for channel %u %s; refused", m.Gpadl, m.ChildRelId,
                        why);
        gpadl_created(h, m.ChildRelId, m.Gpadl, VMBUS_STATUS_UNSUCCESSFUL);
        return;
    }
    *slot = (struct vmbus_gpadl){ .used = true, .handle = m.Gpadl, .relid = m.ChildRelId,
                                  .count = count, .pfns = pfns };
    h->gpadl_pages += count;
    uint32_t first = VMBUS_GPADL_HEADER_RANGES_OFFSET + (uint32_t)sizeof range;
    uint32_t here = size > first ? (size - first) / 8 : 0;
    gpadl_add_pfns(h, slot, msg + first, here < count ? here : count);
}

static void gpadl_body(struct vmbus_host *h, const uint8_t *msg, uint32_t size)
{
    VMBUS_CHANNEL_GPADL_BODY m;
    memcpy(&m, msg, offsetof(VMBUS_CHANNEL_GPADL_BODY, Pfn));
    struct vmbus_gpadl *g = gpadl_by_handle(h, m.Gpadl);
    if (g == NULL || g->complete) {
        vmbus_host_warn(h, "GPADL body for unknown or complete GPADL %u; ignored", m.Gpadl);
        return;
    }
    uint32_t first = offsetof(VMBUS_CHANNEL_GPADL_BODY, Pfn);
    gpadl_add_pfns(h, g, msg + first, (size - first) / 8);
}

static void gpadl_teardown(struct vmbus_host *h, const VMBUS_CHANNEL_GPADL_TEARDOWN *m)
{
    struct vmbus_gpadl *g = gpadl_by_handle(h, m->Gpadl);
    if (g == NULL) {
        vmbus_host_warn(h, "teardown of unknown GPADL %u; ignored", m->Gpadl);
        return;
    }
    for (unsigned i = 0; i < h->nchannels; i++)
        if (h->channels[i].open && h->channels[i].gpadl == m->Gpadl)
            vmbus_channel_fail(h, &h->channels[i], "its ring's GPADL was torn down");
    drop_gpadl(h, g);
    VMBUS_CHANNEL_GPADL_TORNDOWN r;
    memset(&r, 0, sizeof r);
    r.Header.MessageType = ChannelMessageGpadlTorndown;
    r.Gpadl = m->Gpadl;
    send_message(h, &r, sizeof r);
}

static void open_channel(struct vmbus_host *h, const VMBUS_CHANNEL_OPEN_CHANNEL *m)
{
    VMBUS_CHANNEL_OPEN_RESULT r;
    memset(&r, 0, sizeof r);
    r.Header.MessageType = ChannelMessageOpenChannelResult;
    r.ChildRelId = m->ChildRelId;
    r.OpenId = m->OpenId;
    struct vmbus_channel *c = channel_by_relid(h, m->ChildRelId);
    struct vmbus_gpadl *g = gpadl_by_handle(h, m->RingBufferGpadlHandle);
    const char *why = NULL;
    if (c == NULL)
        why = "names no channel";
    else if (c->open)
        why = "is already open";
    else if (g == NULL || !g->complete)
        why = "names no complete GPADL";
    else if (m->DownstreamRingBufferPageOffset < 2 ||
             m->DownstreamRingBufferPageOffset > g->count - 2)
        why = "splits its GPADL into a ring of fewer than two pages";
    else if (m->TargetVp >= h->synic->nvps)
        why = "targets a processor that does not exist";
    if (why != NULL) {
        vmbus_host_warn(h, "open of channel %u %s; refused", m->ChildRelId, why);
        r.Status = VMBUS_STATUS_UNSUCCESSFUL;
        send_message(h, &r, sizeof r);
        return;
    }
    uint32_t split = m->DownstreamRingBufferPageOffset;
    c->open = true;
    c->gpadl = g->handle;
    c->target_vp = m->TargetVp;
    c->to_host = (struct vmbus_ring){ h->memory, g->pfns, split };
    c->to_guest = (struct vmbus_ring){ h->memory, g->pfns + split, g->count - split };
    send_message(h, &r, sizeof r);
    vmbus_ic_opened(h, c);
}

static void unload(struct vmbus_host *h)
{
    vmbus_host_reset(h);
    VMBUS_CHANNEL_UNLOAD_COMPLETE r = { .MessageType = ChannelMessageUnloadComplete };
    send_message(h, &r, sizeof r);
}

HV_STATUS vmbus_host_post_message(struct vmbus_host *h, uint32_t connection_id, uint32_t type,
                                  const void *payload, uint32_t size)
{
    if (connection_id != VMBUS_MESSAGE_CONNECTION_ID &&
        connection_id != VMBUS_MESSAGE_CONNECTION_ID_V5)
        return HV_STATUS_INVALID_CONNECTION_ID;
    if (type == 0 || (type & HV_MESSAGE_TYPE_HYPERVISOR_MASK) ||
        size > HV_MESSAGE_MAX_PAYLOAD_BYTE_COUNT)
        return HV_STATUS_INVALID_PARAMETER;
    /* A copy padded with zeros: fields past `size` read as 0 in the
     * structures below, and `size` is checked against each type's. */
    uint8_t msg[HV_MESSAGE_MAX_PAYLOAD_BYTE_COUNT] = { 0 };
    memcpy(msg, payload, size);
    VMBUS_CHANNEL_MESSAGE_HEADER hdr;
    memcpy(&hdr, msg, sizeof hdr);
    uint32_t min = vmbus_channel_message_min_size(hdr.MessageType);
    if (size < sizeof hdr || min == 0 || size < min) {
        vmbus_host_warn(h, "malformed channel message (type %u, %u bytes); ignored",
                        size >= sizeof hdr ? hdr.MessageType : 0, size);
        return HV_STATUS_SUCCESS;
    }
    if (hdr.MessageType == ChannelMessageInitiateContact) {
        VMBUS_CHANNEL_INITIATE_CONTACT m;
        memcpy(&m, msg, sizeof m);
        initiate_contact(h, &m);
        return HV_STATUS_SUCCESS;
    }
    if (!h->connected) {
        vmbus_host_warn(h, "channel message %u before InitiateContact; ignored",
                        hdr.MessageType);
        return HV_STATUS_SUCCESS;
    }
    switch (hdr.MessageType) {
    case ChannelMessageRequestOffers:
        request_offers(h);
        break;
    case ChannelMessageGpadlHeader:
        gpadl_header(h, msg, size);
        break;
    case ChannelMessageGpadlBody:
        gpadl_body(h, msg, size);
        break;
    case ChannelMessageGpadlTeardown: {
        VMBUS_CHANNEL_GPADL_TEARDOWN m;
        memcpy(&m, msg, sizeof m);
        gpadl_teardown(h, &m);
        break;
    }
    case ChannelMessageOpenChannel: {
        VMBUS_CHANNEL_OPEN_CHANNEL m;
        memcpy(&m, msg, sizeof m);
        open_channel(h, &m);
        break;
    }
    case ChannelMessageCloseChannel: {
        VMBUS_CHANNEL_CLOSE_CHANNEL m;
        memcpy(&m, msg, sizeof m);
        struct vmbus_channel *c = channel_by_relid(h, m.ChildRelId);
        if (c != NULL)
            close_channel(c);
        break;
    }
    case ChannelMessageRelIdReleased:
        break; /* wisp's relids are fixed: nothing to free */
    case ChannelMessageUnload:
        unload(h);
        break;
    default:
        vmbus_host_warn(h, "channel message %u is not supported; ignored", hdr.MessageType);
        break;
    }
    return HV_STATUS_SUCCESS;
}

/* ---- channels ---- */

void vmbus_channel_fail(struct vmbus_host *h, struct vmbus_channel *c, const char *why)
{
    vmbus_host_warn(h, "channel %u closed: %s", c->relid, why);
    close_channel(c);
}

static void signal_guest(struct vmbus_host *h, struct vmbus_channel *c)
{
    synic_signal_event(h->synic, c->target_vp, h->message_sint, c->relid);
}

bool vmbus_channel_send(struct vmbus_host *h, struct vmbus_channel *c, const void *payload,
                        uint32_t size)
{
    uint8_t packet[VMBUS_RING_INBAND_SIZE(VMBUS_PACKET_MAX)];
    if (!c->open || size > VMBUS_PACKET_MAX)
        return false;
    uint32_t len = vmbus_ring_inband_packet(packet, payload, size,
                                            VMBUS_DATA_PACKET_FLAG_COMPLETION_REQUESTED,
                                            ++c->next_transaction);
    bool signal;
    const char *why = NULL;
    int r = vmbus_ring_write(&c->to_guest, packet, len, &signal, &why);
    if (r < 0) {
        vmbus_channel_fail(h, c, why);
        return false;
    }
    if (r == 0) {
        vmbus_channel_fail(h, c, "the guest does not read its ring (full)");
        return false;
    }
    if (signal)
        signal_guest(h, c);
    return true;
}

/* At most this many packets per signal: a guest writing as fast as wisp
 * reads does not keep the vCPU in the hypercall for good. */
#define PACKETS_PER_SIGNAL 64

HV_STATUS vmbus_host_signal_event(struct vmbus_host *h, uint32_t connection_id, uint16_t flag)
{
    (void)flag;
    struct vmbus_channel *c = NULL;
    for (unsigned i = 0; i < h->nchannels; i++)
        if (h->channels[i].connection_id == connection_id)
            c = &h->channels[i];
    if (c == NULL)
        return HV_STATUS_INVALID_CONNECTION_ID;
    for (unsigned n = 0; c->open && n < PACKETS_PER_SIGNAL; n++) {
        bool signal;
        const char *why = NULL;
        int len = vmbus_ring_read(&c->to_host, h->rx, sizeof h->rx, &signal, &why);
        if (len < 0) {
            vmbus_channel_fail(h, c, why);
            break;
        }
        if (signal)
            signal_guest(h, c);
        if (len == 0)
            break;
        vmbus_ic_packet(h, c, h->rx, (uint32_t)len);
    }
    return HV_STATUS_SUCCESS;
}

int vmbus_host_request_shutdown(struct vmbus_host *h)
{
    for (unsigned i = 0; i < h->nchannels; i++) {
        struct vmbus_channel *c = &h->channels[i];
        if (c->ic.kind == VMBUS_IC_SHUTDOWN && c->open) {
            vmbus_ic_request_shutdown(h, c);
            return 0;
        }
    }
    return -1;
}
