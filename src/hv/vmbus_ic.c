/*
 * The integration services wisp offers on VMBus: heartbeat, shutdown and
 * time synchronization. Each opens with the host's version negotiation
 * (framework 3.0 and one message version); then the heartbeat service is
 * sent one heartbeat, time synchronization one sync of the host's clock,
 * and the shutdown service a power-off request when the user asks for one.
 * Every message is a VMPIPE_PROTOCOL_HEADER, an HV_IC_MSG_HEADER and a body
 * in an in-band packet; the guest answers in the same layout.
 */
#include <stddef.h>
#include <string.h>

#include "host/clock.h"
#include "vmbus_host.h"

#define IC_PREFIX (sizeof(VMPIPE_PROTOCOL_HEADER) + sizeof(HV_IC_MSG_HEADER))

static HV_IC_VERSION version(uint32_t v)
{
    return (HV_IC_VERSION){ (uint16_t)(v >> 16), (uint16_t)v };
}

/* The message version wisp offers each service: one it implements. */
static uint32_t message_version(enum vmbus_ic_kind kind)
{
    switch (kind) {
    case VMBUS_IC_HEARTBEAT: return HV_IC_HEARTBEAT_VERSION_3;
    case VMBUS_IC_SHUTDOWN: return HV_IC_SHUTDOWN_VERSION_3;
    default: return HV_IC_TIMESYNC_VERSION_3;
    }
}

static bool send_ic(struct vmbus_host *h, struct vmbus_channel *c, uint16_t type,
                    const void *body, uint16_t body_size)
{
    uint8_t msg[IC_PREFIX + sizeof(HV_IC_SHUTDOWN_MESSAGE)];
    if (body_size > sizeof msg - IC_PREFIX)
        return false;
    VMPIPE_PROTOCOL_HEADER pipe = { VmPipeMessageData,
                                    (uint32_t)(sizeof(HV_IC_MSG_HEADER) + body_size) };
    HV_IC_MSG_HEADER hdr;
    memset(&hdr, 0, sizeof hdr);
    bool negotiating = type == HV_ICMSGTYPE_NEGOTIATE;
    hdr.IcVersionFramework = negotiating ? version(HV_IC_FRAMEWORK_VERSION_3) : c->ic.framework;
    hdr.IcVersionMessage = negotiating ? version(message_version(c->ic.kind)) : c->ic.message;
    hdr.IcMessageType = type;
    hdr.IcMessageSize = body_size;
    hdr.IcTransactionId = c->ic.transaction++;
    hdr.IcFlags = HV_ICMSGHDRFLAG_TRANSACTION | HV_ICMSGHDRFLAG_REQUEST;
    memcpy(msg, &pipe, sizeof pipe);
    memcpy(msg + sizeof pipe, &hdr, sizeof hdr);
    memcpy(msg + IC_PREFIX, body, body_size);
    return vmbus_channel_send(h, c, msg, (uint32_t)(IC_PREFIX + body_size));
}

void vmbus_ic_opened(struct vmbus_host *h, struct vmbus_channel *c)
{
    /* One framework version and one message version: 3.0 of each. */
    uint8_t body[HV_IC_NEGOTIATE_SIZE(1, 1)];
    HV_IC_NEGOTIATE n = { 1, 1, 0 };
    HV_IC_VERSION v[2] = { version(HV_IC_FRAMEWORK_VERSION_3),
                           version(message_version(c->ic.kind)) };
    memcpy(body, &n, sizeof n);
    memcpy(body + sizeof n, v, sizeof v);
    send_ic(h, c, HV_ICMSGTYPE_NEGOTIATE, body, sizeof body);
}

static void send_shutdown(struct vmbus_host *h, struct vmbus_channel *c)
{
    static HV_IC_SHUTDOWN_MESSAGE m; /* 2 KiB of display text, all zero */
    m.ReasonCode = HV_IC_SHUTDOWN_REASON_FLAG_PLANNED;
    m.TimeoutSeconds = 0;
    m.Flags = 0; /* power off, not restart, not hibernate */
    if (send_ic(h, c, HV_ICMSGTYPE_SHUTDOWN, &m, sizeof m))
        c->ic.shutdown_sent = true;
}

/* Windows time: 100 ns units since 1601. */
static uint64_t host_windows_time(void)
{
    return clock_wall_ns() / 100u + HV_IC_WINDOWS_TIME_UNIX_EPOCH;
}

static void send_time(struct vmbus_host *h, struct vmbus_channel *c)
{
    HV_IC_TIMESYNC_MESSAGE m;
    memset(&m, 0, sizeof m);
    m.ParentTime = host_windows_time();
    m.Flags = HV_IC_TIMESYNC_FLAG_SYNC;
    send_ic(h, c, HV_ICMSGTYPE_TIMESYNC, &m, sizeof m);
}

static void negotiated(struct vmbus_host *h, struct vmbus_channel *c, const uint8_t *body,
                       uint32_t size)
{
    HV_IC_NEGOTIATE n;
    HV_IC_VERSION v[2];
    if (size < sizeof n + sizeof v) {
        vmbus_channel_fail(h, c, "a short version negotiation answer");
        return;
    }
    memcpy(&n, body, sizeof n);
    memcpy(v, body + sizeof n, sizeof v);
    if (n.FrameworkVersionCount != 1 || n.MessageVersionCount != 1 ||
        v[0].Major != 3 || v[0].Minor != 0 ||
        ((uint32_t)v[1].Major << 16 | v[1].Minor) != message_version(c->ic.kind)) {
        vmbus_channel_fail(h, c, "the guest chose no version wisp offered");
        return;
    }
    c->ic.negotiated = true;
    c->ic.framework = v[0];
    c->ic.message = v[1];
    switch (c->ic.kind) {
    case VMBUS_IC_HEARTBEAT: {
        HV_IC_HEARTBEAT_MESSAGE hb;
        memset(&hb, 0, sizeof hb);
        hb.SequenceNumber = 1;
        send_ic(h, c, HV_ICMSGTYPE_HEARTBEAT, &hb, sizeof hb);
        break;
    }
    case VMBUS_IC_SHUTDOWN:
        if (c->ic.shutdown_wanted)
            send_shutdown(h, c);
        break;
    default:
        send_time(h, c);
        break;
    }
}

void vmbus_ic_packet(struct vmbus_host *h, struct vmbus_channel *c, const uint8_t *packet,
                     uint32_t len)
{
    VMPACKET_DESCRIPTOR d;
    memcpy(&d, packet, sizeof d);
    if (d.Type == VmbusPacketTypeCompletion)
        return; /* an acknowledgement: nothing to do */
    uint32_t offset = vmbus_packet_payload_offset(&d);
    uint32_t size = len - offset; /* the ring reader checked offset <= len */
    if (d.Type != VmbusPacketTypeDataInBand || size < IC_PREFIX) {
        vmbus_channel_fail(h, c, "a packet that is no integration-service message");
        return;
    }
    HV_IC_MSG_HEADER hdr;
    memcpy(&hdr, packet + offset + sizeof(VMPIPE_PROTOCOL_HEADER), sizeof hdr);
    const uint8_t *body = packet + offset + IC_PREFIX;
    uint32_t body_size = size - (uint32_t)IC_PREFIX;
    if (!(hdr.IcFlags & HV_ICMSGHDRFLAG_RESPONSE))
        return; /* wisp asks, the guest answers: a request from it is ignored */
    if (hdr.IcMessageType == HV_ICMSGTYPE_NEGOTIATE) {
        if (!c->ic.negotiated)
            negotiated(h, c, body, body_size);
        return;
    }
    if (!c->ic.negotiated)
        return;
    if (hdr.IcMessageType == HV_ICMSGTYPE_HEARTBEAT && c->ic.kind == VMBUS_IC_HEARTBEAT &&
        body_size >= sizeof(uint64_t) && hdr.Status == HV_IC_S_OK) {
        memcpy(&c->ic.heartbeat_sequence, body, sizeof(uint64_t));
        c->ic.heartbeats_answered++;
    }
}

void vmbus_ic_request_shutdown(struct vmbus_host *h, struct vmbus_channel *c)
{
    if (c->ic.negotiated)
        send_shutdown(h, c);
    else
        c->ic.shutdown_wanted = true;
}
