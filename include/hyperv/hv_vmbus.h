/*
 * hv_vmbus.h - the VMBus channel management protocol.
 *
 * VMBus is how a Hyper-V guest finds and talks to its synthetic devices.
 * The guest (the client) and the host (the server) exchange channel
 * management messages over the SynIC: the guest posts them with
 * HvPostMessage (message type VMBUS_SYNIC_MESSAGE_TYPE) to the message
 * connection; the host delivers its own to the guest's SINT
 * VMBUS_MESSAGE_SINT.  Each message is at most 240 bytes (one SynIC
 * payload) and starts with a VMBUS_CHANNEL_MESSAGE_HEADER.
 *
 * A connection goes:
 *   guest InitiateContact(version) -> host VersionResponse (repeat with
 *     lower versions until one is accepted)
 *   guest RequestOffers -> host OfferChannel per device, AllOffersDelivered
 *   guest GpadlHeader [+ GpadlBody...] -> host GpadlCreated   (ring pages)
 *   guest OpenChannel -> host OpenChannelResult
 *   ... packets flow through the channel's rings (hv_vmbus_ring.h) ...
 *   guest CloseChannel, GpadlTeardown -> host GpadlTorndown
 *   guest Unload -> host UnloadComplete
 *
 * Names follow Microsoft's own (VMBUS_CHANNEL_..., ChannelMessage...,
 * VMBUS_VERSION_...), as used in Microsoft's published VMBus client and
 * server code; there is no VMBus specification document.  Every layout
 * here is asserted; all of them are naturally aligned and identical on
 * x86-64, i386 and Win64.  Variable-length messages are given as their
 * fixed part plus the constants needed to place the rest.
 */
#ifndef HYPERV_HV_VMBUS_H
#define HYPERV_HV_VMBUS_H

#include "hv_types.h"
#include "hv_synic.h"
#include "hv_guid.h"

/* ---- protocol versions --------------------------------------------------- */

/* A version is major << 16 | minor; later versions compare greater. */
#define VMBUS_MAKE_VERSION(major, minor)                                      \
    ((HV_CAST(uint32_t, major) << 16) | HV_CAST(uint32_t, minor))
#define VMBUS_VERSION_MAJOR(version) (HV_CAST(uint32_t, version) >> 16)
#define VMBUS_VERSION_MINOR(version) (HV_CAST(uint32_t, version) & 0xFFFFu)

/*
 * X(name, major, minor, first Windows host release).  The host answers an
 * InitiateContact for any version it knows; guests try from their newest
 * down.  Features tied to a version are noted where they are defined.
 */
#define VMBUS_VERSION_LIST(X)                                                 \
    X(VMBUS_VERSION_V1, 0, 13, "Windows Server 2008")                         \
    X(VMBUS_VERSION_WIN7, 1, 1, "Windows 7 / Windows Server 2008 R2")         \
    X(VMBUS_VERSION_WIN8, 2, 4, "Windows 8 / Windows Server 2012")            \
    X(VMBUS_VERSION_WIN8_1, 3, 0, "Windows 8.1 / Windows Server 2012 R2")     \
    X(VMBUS_VERSION_WIN10, 4, 0, "Windows 10 / Windows Server 2016")          \
    X(VMBUS_VERSION_WIN10RS3_0, 4, 1, "Windows 10 version 1709 (RS3)")        \
    X(VMBUS_VERSION_WIN10RS3_1, 5, 0, "Windows 10 version 1709 (RS3) later builds") \
    X(VMBUS_VERSION_WIN10RS4, 5, 1, "Windows 10 version 1803 (RS4)")          \
    X(VMBUS_VERSION_WIN10RS5, 5, 2, "Windows 10 version 1809 / Windows Server 2019 (RS5)") \
    X(VMBUS_VERSION_IRON, 5, 3, "Windows Server 2022 / Windows 11 (Iron)")    \
    X(VMBUS_VERSION_COPPER, 6, 0, "Windows hosts after Windows Server 2022 (Copper)")

#define VMBUS_VERSION_V1 VMBUS_MAKE_VERSION(0, 13)
#define VMBUS_VERSION_WIN7 VMBUS_MAKE_VERSION(1, 1)
#define VMBUS_VERSION_WIN8 VMBUS_MAKE_VERSION(2, 4)
#define VMBUS_VERSION_WIN8_1 VMBUS_MAKE_VERSION(3, 0)
#define VMBUS_VERSION_WIN10 VMBUS_MAKE_VERSION(4, 0)
#define VMBUS_VERSION_WIN10RS3_0 VMBUS_MAKE_VERSION(4, 1)
#define VMBUS_VERSION_WIN10RS3_1 VMBUS_MAKE_VERSION(5, 0)
#define VMBUS_VERSION_WIN10RS4 VMBUS_MAKE_VERSION(5, 1)
#define VMBUS_VERSION_WIN10RS5 VMBUS_MAKE_VERSION(5, 2)
#define VMBUS_VERSION_IRON VMBUS_MAKE_VERSION(5, 3)
#define VMBUS_VERSION_COPPER VMBUS_MAKE_VERSION(6, 0)

#define VMBUS_VERSION_CHECK_(name, major, minor, release)                     \
    HV_STATIC_ASSERT((name) == VMBUS_MAKE_VERSION(major, minor),              \
                     name##_matches_list);
VMBUS_VERSION_LIST(VMBUS_VERSION_CHECK_)
#undef VMBUS_VERSION_CHECK_

/* The release names these versions are also known by. */
#define VMBUS_VERSION_WS2008 VMBUS_VERSION_V1
#define VMBUS_VERSION_WS2019 VMBUS_VERSION_WIN10RS5
#define VMBUS_VERSION_WS2022 VMBUS_VERSION_IRON

/* ---- SynIC resources VMBus uses ------------------------------------------ */

/* The SINT the host delivers channel messages (and, from Windows 8 on,
 * channel interrupts) to. From VMBUS_VERSION_WIN10RS3_1 on the guest
 * names it in InitiateContact; every guest uses this one. */
#define VMBUS_MESSAGE_SINT 2

/* The SynIC message type of every channel management message, in both
 * directions (HvPostMessage's MessageType, and the SIM slot's). */
#define VMBUS_SYNIC_MESSAGE_TYPE 1

/*
 * Connection IDs the guest posts and signals to, and the matching port
 * IDs on the host side.  InitiateContact goes to
 * VMBUS_MESSAGE_CONNECTION_ID, or from VMBUS_VERSION_WIN10RS3_1 on to
 * VMBUS_MESSAGE_CONNECTION_ID_V5; after that the guest uses the ID the
 * VersionResponse names.  VMBUS_EVENT_CONNECTION_ID is the shared
 * channel-interrupt connection of hosts before Windows 8 (newer offers
 * name a connection per channel); VMBUS_MONITOR_CONNECTION_ID is the
 * monitored-notification connection.
 */
#define VMBUS_MESSAGE_CONNECTION_ID 1
#define VMBUS_MESSAGE_CONNECTION_ID_V5 4
#define VMBUS_EVENT_CONNECTION_ID 2
#define VMBUS_MONITOR_CONNECTION_ID 3
#define VMBUS_MESSAGE_PORT_ID 1
#define VMBUS_EVENT_PORT_ID 2
#define VMBUS_MONITOR_PORT_ID 3

/* The largest channel message: one SynIC message payload. */
#define VMBUS_MESSAGE_MAX_SIZE HV_MESSAGE_MAX_PAYLOAD_BYTE_COUNT

/*
 * Channel (relid) numbering.  Relids start at 1.  From Windows 8 on the
 * host signals channel "relid" by setting SIEF flag "relid" of
 * VMBUS_MESSAGE_SINT, so relids stay below HV_EVENT_FLAGS_COUNT (2048).
 */
#define VMBUS_CHANNEL_MAX_RELID_COUNT HV_EVENT_FLAGS_COUNT
#define VMBUS_CHANNEL_INVALID_RELID 0xFFFFFFFFu

/*
 * Before Windows 8 channel interrupts go through one guest page named in
 * InitiateContact (InterruptPage): its first half holds one bit per relid
 * that the host sets to interrupt the guest (which it then signals with
 * SIEF flag 0 of VMBUS_MESSAGE_SINT), its second half one bit per relid
 * that the guest sets before HvSignalEvent(VMBUS_EVENT_CONNECTION_ID).
 */
#define VMBUS_INTERRUPT_PAGE_HALF_SIZE (HV_PAGE_SIZE / 2)
#define VMBUS_INTERRUPT_PAGE_GUEST_RECEIVE_OFFSET 0
#define VMBUS_INTERRUPT_PAGE_GUEST_SEND_OFFSET VMBUS_INTERRUPT_PAGE_HALF_SIZE

/*
 * Monitored notification: the guest names two HV_MONITOR_PAGEs in
 * InitiateContact, ParentToChildMonitorPageGpa (the host triggers) and
 * ChildToParentMonitorPageGpa (the guest triggers).  An offer with
 * MonitorAllocated set gives the channel a monitor ID; the guest then
 * signals the host by setting Pending bit hv_monitor_trigger_bit(id) of
 * trigger group hv_monitor_trigger_group(id) in the child-to-parent
 * page, which the host scans (Latency says how often), instead of a
 * hypercall.  Offers without it are signalled with HvSignalEvent.
 */
#define VMBUS_MONITOR_PAGE_COUNT 2
#define VMBUS_MONITOR_ID_COUNT HV_MONITOR_TRIGGER_COUNT

/* A target VP index that turns off the channel's host-to-guest interrupt
 * (OpenChannel.TargetVp, ModifyChannel.TargetVp). */
#define VMBUS_VP_INDEX_DISABLE_INTERRUPT 0xFFFFFFFFu

/* ---- channel message types ----------------------------------------------- */

/*
 * X(name, value, sender).  The sender is the side that sends the message;
 * the other side never does.  Messages 18-20 are the reserved-channel
 * messages of Windows 10 hosts; 21 and 23 open Hyper-V sockets; 24 comes
 * with VMBUS_VERSION_IRON; 25-29 with VMBUS_VERSION_COPPER and its
 * feature flags.
 */
#define VMBUS_CHANNEL_MESSAGE_LIST(X)                                         \
    X(ChannelMessageInvalid, 0, "none")                                       \
    X(ChannelMessageOfferChannel, 1, "host")                                  \
    X(ChannelMessageRescindChannelOffer, 2, "host")                           \
    X(ChannelMessageRequestOffers, 3, "guest")                                \
    X(ChannelMessageAllOffersDelivered, 4, "host")                            \
    X(ChannelMessageOpenChannel, 5, "guest")                                  \
    X(ChannelMessageOpenChannelResult, 6, "host")                             \
    X(ChannelMessageCloseChannel, 7, "guest")                                 \
    X(ChannelMessageGpadlHeader, 8, "guest")                                  \
    X(ChannelMessageGpadlBody, 9, "guest")                                    \
    X(ChannelMessageGpadlCreated, 10, "host")                                 \
    X(ChannelMessageGpadlTeardown, 11, "guest")                               \
    X(ChannelMessageGpadlTorndown, 12, "host")                                \
    X(ChannelMessageRelIdReleased, 13, "guest")                               \
    X(ChannelMessageInitiateContact, 14, "guest")                             \
    X(ChannelMessageVersionResponse, 15, "host")                              \
    X(ChannelMessageUnload, 16, "guest")                                      \
    X(ChannelMessageUnloadComplete, 17, "host")                               \
    X(ChannelMessageOpenReservedChannel, 18, "guest")                         \
    X(ChannelMessageCloseReservedChannel, 19, "guest")                        \
    X(ChannelMessageCloseReservedResponse, 20, "host")                        \
    X(ChannelMessageTlConnectRequest, 21, "guest")                            \
    X(ChannelMessageModifyChannel, 22, "guest")                               \
    X(ChannelMessageTlConnectRequestResult, 23, "host")                       \
    X(ChannelMessageModifyChannelResponse, 24, "host")                        \
    X(ChannelMessageModifyConnection, 25, "guest")                            \
    X(ChannelMessageModifyConnectionResponse, 26, "host")                     \
    X(ChannelMessagePause, 27, "guest")                                       \
    X(ChannelMessagePauseResponse, 28, "host")                                \
    X(ChannelMessageResume, 29, "guest")

typedef uint32_t VMBUS_CHANNEL_MESSAGE_TYPE;
#define VMBUS_ENUM_ENTRY_(name, value, sender) name = value,
enum VMBUS_CHANNEL_MESSAGE_TYPE_ENUM {
    VMBUS_CHANNEL_MESSAGE_LIST(VMBUS_ENUM_ENTRY_)
    ChannelMessageCount
};
#undef VMBUS_ENUM_ENTRY_

typedef struct VMBUS_CHANNEL_MESSAGE_HEADER {
    uint32_t MessageType; /* VMBUS_CHANNEL_MESSAGE_TYPE */
    uint32_t Padding;
} VMBUS_CHANNEL_MESSAGE_HEADER;
HV_ASSERT_SIZE(VMBUS_CHANNEL_MESSAGE_HEADER, 8);

/* Messages that are only a header. */
typedef VMBUS_CHANNEL_MESSAGE_HEADER VMBUS_CHANNEL_REQUEST_OFFERS;
typedef VMBUS_CHANNEL_MESSAGE_HEADER VMBUS_CHANNEL_ALL_OFFERS_DELIVERED;
typedef VMBUS_CHANNEL_MESSAGE_HEADER VMBUS_CHANNEL_UNLOAD;
typedef VMBUS_CHANNEL_MESSAGE_HEADER VMBUS_CHANNEL_UNLOAD_COMPLETE;
typedef VMBUS_CHANNEL_MESSAGE_HEADER VMBUS_CHANNEL_PAUSE;
typedef VMBUS_CHANNEL_MESSAGE_HEADER VMBUS_CHANNEL_PAUSE_RESPONSE;
typedef VMBUS_CHANNEL_MESSAGE_HEADER VMBUS_CHANNEL_RESUME;

/* ---- 1 OfferChannel ------------------------------------------------------ */

/* Offer flags (VMBUS_CHANNEL_OFFER_CHANNEL.ChannelFlags). */
#define VMBUS_OFFER_FLAG_ENUMERATE_DEVICE_INTERFACE 0x0001u
/* Early hosts used 0x2 and 0x4 to say the server supports transfer pages
 * and GPADLs; Copper hosts that offer VMBUS_FEATURE_FLAG_CONFIDENTIAL_
 * CHANNELS use them to say the ring buffer, and the other memory the
 * channel uses, must be encrypted (hardware-isolated guests). */
#define VMBUS_OFFER_FLAG_SERVER_SUPPORTS_TRANSFER_PAGES 0x0002u
#define VMBUS_OFFER_FLAG_SERVER_SUPPORTS_GPADLS 0x0004u
#define VMBUS_OFFER_FLAG_CONFIDENTIAL_RING_BUFFER 0x0002u
#define VMBUS_OFFER_FLAG_CONFIDENTIAL_EXTERNAL_MEMORY 0x0004u
/* The channel is a named pipe: UserDefined starts with a pipe type. */
#define VMBUS_OFFER_FLAG_NAMED_PIPE_MODE 0x0010u
#define VMBUS_OFFER_FLAG_LOOPBACK 0x0100u
#define VMBUS_OFFER_FLAG_PARENT 0x0200u
#define VMBUS_OFFER_FLAG_REQUEST_MONITORED_NOTIFICATION 0x0400u
/* A Hyper-V socket (transport-layer named pipe interface) endpoint. */
#define VMBUS_OFFER_FLAG_TLNPI_PROVIDER 0x2000u

/* Pipe types, the first 4 bytes of UserDefined in named pipe mode. */
#define VMBUS_PIPE_TYPE_BYTE 0x00000000u
#define VMBUS_PIPE_TYPE_MESSAGE 0x00000004u

#define VMBUS_MAX_USER_DEFINED_BYTES 120
#define VMBUS_MAX_PIPE_USER_DEFINED_BYTES 116

/* MonitorAllocated byte of an offer. */
typedef union VMBUS_OFFER_MONITOR_FLAGS {
    uint8_t AsUINT8;
    struct {
        uint8_t MonitorAllocated : 1;
        uint8_t Reserved : 7;
    } Bits;
} VMBUS_OFFER_MONITOR_FLAGS;
HV_ASSERT_SIZE(VMBUS_OFFER_MONITOR_FLAGS, 1);

/* Interrupt flags of an offer (Windows 7 and later). */
typedef union VMBUS_OFFER_INTERRUPT_FLAGS {
    uint16_t AsUINT16;
    struct {
        /* Signal the host with HvSignalEvent only, without also setting
         * the relid's bit in the interrupt page's send half. */
        uint16_t IsDedicatedInterrupt : 1;
        uint16_t Reserved : 15;
    } Bits;
} VMBUS_OFFER_INTERRUPT_FLAGS;
HV_ASSERT_SIZE(VMBUS_OFFER_INTERRUPT_FLAGS, 2);

typedef struct VMBUS_CHANNEL_OFFER_CHANNEL {
    VMBUS_CHANNEL_MESSAGE_HEADER Header;
    HV_GUID InterfaceType;     /* the device class (hv_vmbus_devices.h) */
    HV_GUID InterfaceInstance; /* this device */
    uint32_t Reserved[4];      /* may be non-zero before Windows 8 */
    uint16_t ChannelFlags;     /* VMBUS_OFFER_FLAG_... */
    uint16_t MmioMegabytes;    /* MMIO space the device needs, in MiB */
    uint8_t UserDefined[VMBUS_MAX_USER_DEFINED_BYTES]; /* device-specific */
    uint16_t SubChannelIndex;  /* Windows 8+: 0 primary, else sub-channel */
    uint16_t MmioMegabytesOptional; /* MMIO space it can use on top */
    uint32_t ChildRelId;       /* the channel's relid */
    uint8_t MonitorId;         /* valid if MonitorAllocated */
    VMBUS_OFFER_MONITOR_FLAGS MonitorFlags;
    /* Windows 7 and later: */
    VMBUS_OFFER_INTERRUPT_FLAGS InterruptFlags;
    uint32_t ConnectionId;     /* HvSignalEvent connection for this channel */
} VMBUS_CHANNEL_OFFER_CHANNEL;
HV_ASSERT_SIZE(VMBUS_CHANNEL_OFFER_CHANNEL, 196);
HV_ASSERT_OFFSET(VMBUS_CHANNEL_OFFER_CHANNEL, InterfaceType, 8);
HV_ASSERT_OFFSET(VMBUS_CHANNEL_OFFER_CHANNEL, InterfaceInstance, 24);
HV_ASSERT_OFFSET(VMBUS_CHANNEL_OFFER_CHANNEL, Reserved, 40);
HV_ASSERT_OFFSET(VMBUS_CHANNEL_OFFER_CHANNEL, ChannelFlags, 56);
HV_ASSERT_OFFSET(VMBUS_CHANNEL_OFFER_CHANNEL, MmioMegabytes, 58);
HV_ASSERT_OFFSET(VMBUS_CHANNEL_OFFER_CHANNEL, UserDefined, 60);
HV_ASSERT_OFFSET(VMBUS_CHANNEL_OFFER_CHANNEL, SubChannelIndex, 180);
HV_ASSERT_OFFSET(VMBUS_CHANNEL_OFFER_CHANNEL, MmioMegabytesOptional, 182);
HV_ASSERT_OFFSET(VMBUS_CHANNEL_OFFER_CHANNEL, ChildRelId, 184);
HV_ASSERT_OFFSET(VMBUS_CHANNEL_OFFER_CHANNEL, MonitorId, 188);
HV_ASSERT_OFFSET(VMBUS_CHANNEL_OFFER_CHANNEL, MonitorFlags, 189);
HV_ASSERT_OFFSET(VMBUS_CHANNEL_OFFER_CHANNEL, InterruptFlags, 190);
HV_ASSERT_OFFSET(VMBUS_CHANNEL_OFFER_CHANNEL, ConnectionId, 192);

/* Size of an offer to a guest that negotiated VMBUS_VERSION_V1. */
#define VMBUS_CHANNEL_OFFER_CHANNEL_SIZE_V1 190

/*
 * The UserDefined bytes of a Hyper-V socket offer (TLNPI_PROVIDER, pipe
 * type byte).  Version and SiloId are at unaligned offsets; read them
 * with hv_load_le32 / hv_guid_from_bytes.
 */
#define VMBUS_HVSOCK_IS_FOR_GUEST_ACCEPT_OFFSET 4
#define VMBUS_HVSOCK_IS_FOR_GUEST_CONTAINER_OFFSET 5
#define VMBUS_HVSOCK_VERSION_OFFSET 6
#define VMBUS_HVSOCK_SILO_ID_OFFSET 10
#define VMBUS_HVSOCK_PARAMETERS_SIZE 28
#define VMBUS_HVSOCK_PARAMETERS_VERSION_PRE_RS5 0
#define VMBUS_HVSOCK_PARAMETERS_VERSION_RS5 1

/* ---- 2 RescindChannelOffer, 7 CloseChannel, 13 RelIdReleased ------------- */

typedef struct VMBUS_CHANNEL_RESCIND_OFFER {
    VMBUS_CHANNEL_MESSAGE_HEADER Header;
    uint32_t ChildRelId;
} VMBUS_CHANNEL_RESCIND_OFFER;
HV_ASSERT_SIZE(VMBUS_CHANNEL_RESCIND_OFFER, 12);
HV_ASSERT_OFFSET(VMBUS_CHANNEL_RESCIND_OFFER, ChildRelId, 8);

typedef struct VMBUS_CHANNEL_CLOSE_CHANNEL {
    VMBUS_CHANNEL_MESSAGE_HEADER Header;
    uint32_t ChildRelId;
} VMBUS_CHANNEL_CLOSE_CHANNEL;
HV_ASSERT_SIZE(VMBUS_CHANNEL_CLOSE_CHANNEL, 12);
HV_ASSERT_OFFSET(VMBUS_CHANNEL_CLOSE_CHANNEL, ChildRelId, 8);

/* The guest's answer to a rescind: the relid may be reused. */
typedef struct VMBUS_CHANNEL_RELID_RELEASED {
    VMBUS_CHANNEL_MESSAGE_HEADER Header;
    uint32_t ChildRelId;
} VMBUS_CHANNEL_RELID_RELEASED;
HV_ASSERT_SIZE(VMBUS_CHANNEL_RELID_RELEASED, 12);
HV_ASSERT_OFFSET(VMBUS_CHANNEL_RELID_RELEASED, ChildRelId, 8);

/* ---- 5 OpenChannel, 6 OpenChannelResult ---------------------------------- */

/* OpenChannel.Flags (VMBUS_FEATURE_FLAG_CHANNEL_INTERRUPT_REDIRECTION). */
#define VMBUS_OPEN_FLAG_REDIRECT_INTERRUPT 0x0001u

typedef struct VMBUS_CHANNEL_OPEN_CHANNEL {
    VMBUS_CHANNEL_MESSAGE_HEADER Header;
    uint32_t ChildRelId;
    uint32_t OpenId;                /* echoed in the result */
    uint32_t RingBufferGpadlHandle; /* both rings, guest-to-host first */
    uint32_t TargetVp;              /* Windows 8+: VP for host interrupts */
    /* Page offset of the host-to-guest ring in the GPADL; the
     * guest-to-host ring is at page 0. */
    uint32_t DownstreamRingBufferPageOffset;
    uint8_t UserData[VMBUS_MAX_USER_DEFINED_BYTES];
    /* VMBUS_VERSION_COPPER, with VMBUS_FEATURE_FLAG_GUEST_SPECIFIED_
     * SIGNAL_PARAMETERS: how the guest wants to be signalled... */
    uint32_t ConnectionId;
    uint16_t EventFlag;
    /* ...and with VMBUS_FEATURE_FLAG_CHANNEL_INTERRUPT_REDIRECTION. */
    uint16_t Flags; /* VMBUS_OPEN_FLAG_... */
} VMBUS_CHANNEL_OPEN_CHANNEL;
HV_ASSERT_SIZE(VMBUS_CHANNEL_OPEN_CHANNEL, 156);
HV_ASSERT_OFFSET(VMBUS_CHANNEL_OPEN_CHANNEL, ChildRelId, 8);
HV_ASSERT_OFFSET(VMBUS_CHANNEL_OPEN_CHANNEL, OpenId, 12);
HV_ASSERT_OFFSET(VMBUS_CHANNEL_OPEN_CHANNEL, RingBufferGpadlHandle, 16);
HV_ASSERT_OFFSET(VMBUS_CHANNEL_OPEN_CHANNEL, TargetVp, 20);
HV_ASSERT_OFFSET(VMBUS_CHANNEL_OPEN_CHANNEL, DownstreamRingBufferPageOffset,
                 24);
HV_ASSERT_OFFSET(VMBUS_CHANNEL_OPEN_CHANNEL, UserData, 28);
HV_ASSERT_OFFSET(VMBUS_CHANNEL_OPEN_CHANNEL, ConnectionId, 148);
HV_ASSERT_OFFSET(VMBUS_CHANNEL_OPEN_CHANNEL, EventFlag, 152);
HV_ASSERT_OFFSET(VMBUS_CHANNEL_OPEN_CHANNEL, Flags, 154);

/* An OpenChannel without the Copper fields. */
#define VMBUS_CHANNEL_OPEN_CHANNEL_MIN_SIZE 148

typedef struct VMBUS_CHANNEL_OPEN_RESULT {
    VMBUS_CHANNEL_MESSAGE_HEADER Header;
    uint32_t ChildRelId;
    uint32_t OpenId;
    uint32_t Status; /* 0 on success, else an NTSTATUS failure code */
} VMBUS_CHANNEL_OPEN_RESULT;
HV_ASSERT_SIZE(VMBUS_CHANNEL_OPEN_RESULT, 20);
HV_ASSERT_OFFSET(VMBUS_CHANNEL_OPEN_RESULT, OpenId, 12);
HV_ASSERT_OFFSET(VMBUS_CHANNEL_OPEN_RESULT, Status, 16);

/* ---- 8-12 GPADLs ---------------------------------------------------------- */

/*
 * A GPADL (guest physical address descriptor list) makes guest pages
 * known to the host under a guest-chosen 32-bit handle: ring buffers,
 * receive and send buffers.  The guest sends a GpadlHeader with the
 * first PFNs and as many GpadlBody messages as the remaining PFNs need;
 * the host answers GpadlCreated once it has them all.
 *
 * The PFN list is a sequence of GPA ranges: each is a GPA_RANGE
 * header followed by hv_gpa_range_pfn_count(ByteOffset, ByteCount)
 * 64-bit PFNs.  Guests send one range covering the whole buffer.
 */
typedef struct GPA_RANGE {
    uint32_t ByteCount;  /* bytes described */
    uint32_t ByteOffset; /* offset of the first byte in the first page */
    /* followed by the PFNs */
} GPA_RANGE;
HV_ASSERT_SIZE(GPA_RANGE, 8);
HV_ASSERT_OFFSET(GPA_RANGE, ByteOffset, 4);

/* The most PFNs one range may have (a limit of Windows hosts). */
#define GPA_RANGE_MAX_PFN_COUNT 0xFFFFFu

/* Pages spanned by byte_count bytes starting byte_offset into a page
 * (byte_offset is taken modulo the page size). */
static HV_INLINE uint64_t hv_gpa_range_pfn_count(uint32_t byte_offset,
                                                 uint32_t byte_count)
{
    return (HV_CAST(uint64_t, byte_offset % HV_PAGE_SIZE) + byte_count +
            HV_PAGE_SIZE - 1) /
           HV_PAGE_SIZE;
}

/* Size of a GPA range with "pfn_count" PFNs. */
#define GPA_RANGE_SIZE(pfn_count) (8u + 8u * HV_CAST(uint32_t, pfn_count))

/*
 * GpadlHeader: the fixed part.  Its RangeBufferLength bytes of ranges
 * follow at offset 20, so the PFNs are 4 bytes off 8-byte alignment
 * (read them with hv_load_le64).  RangeBufferLength covers all ranges,
 * including PFNs that follow in GpadlBody messages.
 */
typedef struct VMBUS_CHANNEL_GPADL_HEADER {
    VMBUS_CHANNEL_MESSAGE_HEADER Header;
    uint32_t ChildRelId;
    uint32_t Gpadl;             /* handle chosen by the guest */
    uint16_t RangeBufferLength; /* bytes of GPA_RANGEs and PFNs in all */
    uint16_t RangeCount;
} VMBUS_CHANNEL_GPADL_HEADER;
HV_ASSERT_SIZE(VMBUS_CHANNEL_GPADL_HEADER, 20);
HV_ASSERT_OFFSET(VMBUS_CHANNEL_GPADL_HEADER, ChildRelId, 8);
HV_ASSERT_OFFSET(VMBUS_CHANNEL_GPADL_HEADER, Gpadl, 12);
HV_ASSERT_OFFSET(VMBUS_CHANNEL_GPADL_HEADER, RangeBufferLength, 16);
HV_ASSERT_OFFSET(VMBUS_CHANNEL_GPADL_HEADER, RangeCount, 18);

#define VMBUS_GPADL_HEADER_RANGES_OFFSET 20
/* PFNs a GpadlHeader with one range holds; more go in GpadlBody. */
#define VMBUS_GPADL_HEADER_MAX_PFNS                                           \
    ((VMBUS_MESSAGE_MAX_SIZE - VMBUS_GPADL_HEADER_RANGES_OFFSET - 8) / 8)

/* PFNs one GpadlBody holds. */
#define VMBUS_GPADL_BODY_MAX_PFNS ((VMBUS_MESSAGE_MAX_SIZE - 16) / 8)

typedef struct VMBUS_CHANNEL_GPADL_BODY {
    VMBUS_CHANNEL_MESSAGE_HEADER Header;
    uint32_t MessageNumber; /* informational; hosts do not rely on it */
    uint32_t Gpadl;
    /* The next PFNs of the list; as many as the message size says. */
    uint64_t Pfn[VMBUS_GPADL_BODY_MAX_PFNS];
} VMBUS_CHANNEL_GPADL_BODY;
HV_ASSERT_SIZE(VMBUS_CHANNEL_GPADL_BODY, VMBUS_MESSAGE_MAX_SIZE);
HV_ASSERT_OFFSET(VMBUS_CHANNEL_GPADL_BODY, Gpadl, 12);
HV_ASSERT_OFFSET(VMBUS_CHANNEL_GPADL_BODY, Pfn, 16);

#define VMBUS_GPADL_BODY_SIZE(pfn_count) (16u + 8u * HV_CAST(uint32_t, pfn_count))

typedef struct VMBUS_CHANNEL_GPADL_CREATED {
    VMBUS_CHANNEL_MESSAGE_HEADER Header;
    uint32_t ChildRelId;
    uint32_t Gpadl;
    uint32_t CreationStatus; /* 0 on success, else an NTSTATUS */
} VMBUS_CHANNEL_GPADL_CREATED;
HV_ASSERT_SIZE(VMBUS_CHANNEL_GPADL_CREATED, 20);
HV_ASSERT_OFFSET(VMBUS_CHANNEL_GPADL_CREATED, Gpadl, 12);
HV_ASSERT_OFFSET(VMBUS_CHANNEL_GPADL_CREATED, CreationStatus, 16);

typedef struct VMBUS_CHANNEL_GPADL_TEARDOWN {
    VMBUS_CHANNEL_MESSAGE_HEADER Header;
    uint32_t ChildRelId;
    uint32_t Gpadl;
} VMBUS_CHANNEL_GPADL_TEARDOWN;
HV_ASSERT_SIZE(VMBUS_CHANNEL_GPADL_TEARDOWN, 16);
HV_ASSERT_OFFSET(VMBUS_CHANNEL_GPADL_TEARDOWN, Gpadl, 12);

typedef struct VMBUS_CHANNEL_GPADL_TORNDOWN {
    VMBUS_CHANNEL_MESSAGE_HEADER Header;
    uint32_t Gpadl;
} VMBUS_CHANNEL_GPADL_TORNDOWN;
HV_ASSERT_SIZE(VMBUS_CHANNEL_GPADL_TORNDOWN, 12);
HV_ASSERT_OFFSET(VMBUS_CHANNEL_GPADL_TORNDOWN, Gpadl, 8);

/* ---- 14 InitiateContact, 15 VersionResponse ------------------------------ */

/*
 * Feature flags, offered by the guest in InitiateContact and granted by
 * the host in VersionResponse; both only with VMBUS_VERSION_COPPER.
 */
#define VMBUS_FEATURE_FLAG_GUEST_SPECIFIED_SIGNAL_PARAMETERS 0x00000001u
#define VMBUS_FEATURE_FLAG_CHANNEL_INTERRUPT_REDIRECTION 0x00000002u
#define VMBUS_FEATURE_FLAG_MODIFY_CONNECTION 0x00000004u
#define VMBUS_FEATURE_FLAG_CLIENT_ID 0x00000008u
#define VMBUS_FEATURE_FLAG_CONFIDENTIAL_CHANNELS 0x00000010u
#define VMBUS_FEATURE_FLAG_PAUSE_RESUME 0x00000020u

/*
 * The third field of InitiateContact: before VMBUS_VERSION_WIN10RS3_1 the
 * GPA of the interrupt page (see VMBUS_INTERRUPT_PAGE_...); from then on
 * the SINT (and from VMBUS_VERSION_WIN10RS4 the VTL) the host should
 * deliver messages to, and from VMBUS_VERSION_COPPER the feature flags.
 */
typedef union VMBUS_INITIATE_CONTACT_TARGET {
    uint64_t InterruptPage;
    struct {
        uint8_t TargetSint;
        uint8_t TargetVtl;
        uint8_t Reserved[2];
        uint32_t FeatureFlags; /* VMBUS_FEATURE_FLAG_... */
    } TargetInfo;
} VMBUS_INITIATE_CONTACT_TARGET;
HV_ASSERT_SIZE(VMBUS_INITIATE_CONTACT_TARGET, 8);

typedef struct VMBUS_CHANNEL_INITIATE_CONTACT {
    VMBUS_CHANNEL_MESSAGE_HEADER Header;
    uint32_t VMBusVersionRequested;
    uint32_t TargetMessageVp; /* VP index the host sends messages to */
    VMBUS_INITIATE_CONTACT_TARGET Target;
    uint64_t ParentToChildMonitorPageGpa;
    uint64_t ChildToParentMonitorPageGpa;
    /* With VMBUS_FEATURE_FLAG_CLIENT_ID: which kind of guest is calling. */
    HV_GUID ClientId;
} VMBUS_CHANNEL_INITIATE_CONTACT;
HV_ASSERT_SIZE(VMBUS_CHANNEL_INITIATE_CONTACT, 56);
HV_ASSERT_OFFSET(VMBUS_CHANNEL_INITIATE_CONTACT, VMBusVersionRequested, 8);
HV_ASSERT_OFFSET(VMBUS_CHANNEL_INITIATE_CONTACT, TargetMessageVp, 12);
HV_ASSERT_OFFSET(VMBUS_CHANNEL_INITIATE_CONTACT, Target, 16);
HV_ASSERT_OFFSET(VMBUS_CHANNEL_INITIATE_CONTACT, ParentToChildMonitorPageGpa,
                 24);
HV_ASSERT_OFFSET(VMBUS_CHANNEL_INITIATE_CONTACT, ChildToParentMonitorPageGpa,
                 32);
HV_ASSERT_OFFSET(VMBUS_CHANNEL_INITIATE_CONTACT, ClientId, 40);

/* An InitiateContact without ClientId (what every version before Copper
 * sends, and Copper guests without the client ID feature). */
#define VMBUS_CHANNEL_INITIATE_CONTACT_MIN_SIZE 40

/* VersionResponse.ConnectionState: zero is success, the rest say why
 * not.  Not meaningful when VersionSupported is 0, nor for versions
 * before VMBUS_VERSION_WIN8. */
#define VMBUS_CHANNEL_CONNECTION_SUCCESSFUL 0
#define VMBUS_CHANNEL_CONNECTION_FAILED_LOW_RESOURCES 1
#define VMBUS_CHANNEL_CONNECTION_FAILED_UNKNOWN_FAILURE 2

typedef struct VMBUS_CHANNEL_VERSION_RESPONSE {
    VMBUS_CHANNEL_MESSAGE_HEADER Header;
    uint8_t VersionSupported; /* non-zero: the requested version is used */
    uint8_t ConnectionState;  /* VMBUS_CHANNEL_CONNECTION_... */
    uint8_t Padding[2];
    /* From VMBUS_VERSION_WIN10RS3_1 on: the connection ID the guest posts
     * all further channel messages to. */
    uint32_t MessageConnectionId;
    /* VMBUS_VERSION_COPPER: the feature flags the host granted. */
    uint32_t SupportedFeatures;
} VMBUS_CHANNEL_VERSION_RESPONSE;
HV_ASSERT_SIZE(VMBUS_CHANNEL_VERSION_RESPONSE, 20);
HV_ASSERT_OFFSET(VMBUS_CHANNEL_VERSION_RESPONSE, VersionSupported, 8);
HV_ASSERT_OFFSET(VMBUS_CHANNEL_VERSION_RESPONSE, ConnectionState, 9);
HV_ASSERT_OFFSET(VMBUS_CHANNEL_VERSION_RESPONSE, MessageConnectionId, 12);
HV_ASSERT_OFFSET(VMBUS_CHANNEL_VERSION_RESPONSE, SupportedFeatures, 16);

/* A VersionResponse without SupportedFeatures (versions before Copper,
 * and every refusal). */
#define VMBUS_CHANNEL_VERSION_RESPONSE_MIN_SIZE 16

/* ---- 18-20 reserved channels (Windows 10) -------------------------------- */

typedef struct VMBUS_CHANNEL_OPEN_RESERVED_CHANNEL {
    VMBUS_CHANNEL_MESSAGE_HEADER Header;
    uint32_t ChannelId;
    uint32_t TargetVp;
    uint32_t TargetSint;
    uint32_t RingBufferGpadl;
    uint32_t DownstreamPageOffset;
} VMBUS_CHANNEL_OPEN_RESERVED_CHANNEL;
HV_ASSERT_SIZE(VMBUS_CHANNEL_OPEN_RESERVED_CHANNEL, 28);
HV_ASSERT_OFFSET(VMBUS_CHANNEL_OPEN_RESERVED_CHANNEL, DownstreamPageOffset, 24);

typedef struct VMBUS_CHANNEL_CLOSE_RESERVED_CHANNEL {
    VMBUS_CHANNEL_MESSAGE_HEADER Header;
    uint32_t ChannelId;
    uint32_t TargetVp;
    uint32_t TargetSint;
} VMBUS_CHANNEL_CLOSE_RESERVED_CHANNEL;
HV_ASSERT_SIZE(VMBUS_CHANNEL_CLOSE_RESERVED_CHANNEL, 20);
HV_ASSERT_OFFSET(VMBUS_CHANNEL_CLOSE_RESERVED_CHANNEL, TargetSint, 16);

typedef struct VMBUS_CHANNEL_CLOSE_RESERVED_RESPONSE {
    VMBUS_CHANNEL_MESSAGE_HEADER Header;
    uint32_t ChannelId;
} VMBUS_CHANNEL_CLOSE_RESERVED_RESPONSE;
HV_ASSERT_SIZE(VMBUS_CHANNEL_CLOSE_RESERVED_RESPONSE, 12);

/* ---- 21, 23 Hyper-V socket connection ------------------------------------ */

/* A guest's connect() to a host service; the host answers by offering a
 * TLNPI_PROVIDER channel (and, from VMBUS_VERSION_WIN10RS3_0, a
 * TlConnectRequestResult on failure). */
typedef struct VMBUS_CHANNEL_TL_CONNECT_REQUEST {
    VMBUS_CHANNEL_MESSAGE_HEADER Header;
    HV_GUID EndpointId; /* the guest's end */
    HV_GUID ServiceId;  /* the host service */
    HV_GUID SiloId;     /* VMBUS_VERSION_WIN10RS5 and later */
} VMBUS_CHANNEL_TL_CONNECT_REQUEST;
HV_ASSERT_SIZE(VMBUS_CHANNEL_TL_CONNECT_REQUEST, 56);
HV_ASSERT_OFFSET(VMBUS_CHANNEL_TL_CONNECT_REQUEST, EndpointId, 8);
HV_ASSERT_OFFSET(VMBUS_CHANNEL_TL_CONNECT_REQUEST, ServiceId, 24);
HV_ASSERT_OFFSET(VMBUS_CHANNEL_TL_CONNECT_REQUEST, SiloId, 40);

/* A TlConnectRequest without SiloId. */
#define VMBUS_CHANNEL_TL_CONNECT_REQUEST_MIN_SIZE 40

typedef struct VMBUS_CHANNEL_TL_CONNECT_RESULT {
    VMBUS_CHANNEL_MESSAGE_HEADER Header;
    HV_GUID EndpointId;
    HV_GUID ServiceId;
    uint32_t Status; /* NTSTATUS */
} VMBUS_CHANNEL_TL_CONNECT_RESULT;
HV_ASSERT_SIZE(VMBUS_CHANNEL_TL_CONNECT_RESULT, 44);
HV_ASSERT_OFFSET(VMBUS_CHANNEL_TL_CONNECT_RESULT, Status, 40);

/* ---- 22, 24 ModifyChannel ------------------------------------------------- */

/* Move a channel's host-to-guest interrupt to another VP
 * (VMBUS_VERSION_WIN10RS3_0; acknowledged from VMBUS_VERSION_IRON on). */
typedef struct VMBUS_CHANNEL_MODIFY_CHANNEL {
    VMBUS_CHANNEL_MESSAGE_HEADER Header;
    uint32_t ChildRelId;
    uint32_t TargetVp;
} VMBUS_CHANNEL_MODIFY_CHANNEL;
HV_ASSERT_SIZE(VMBUS_CHANNEL_MODIFY_CHANNEL, 16);
HV_ASSERT_OFFSET(VMBUS_CHANNEL_MODIFY_CHANNEL, TargetVp, 12);

typedef struct VMBUS_CHANNEL_MODIFY_CHANNEL_RESPONSE {
    VMBUS_CHANNEL_MESSAGE_HEADER Header;
    uint32_t ChildRelId;
    uint32_t Status; /* NTSTATUS */
} VMBUS_CHANNEL_MODIFY_CHANNEL_RESPONSE;
HV_ASSERT_SIZE(VMBUS_CHANNEL_MODIFY_CHANNEL_RESPONSE, 16);
HV_ASSERT_OFFSET(VMBUS_CHANNEL_MODIFY_CHANNEL_RESPONSE, Status, 12);

/* ---- 25, 26 ModifyConnection (Copper) ------------------------------------ */

typedef struct VMBUS_CHANNEL_MODIFY_CONNECTION {
    VMBUS_CHANNEL_MESSAGE_HEADER Header;
    uint64_t ParentToChildMonitorPageGpa;
    uint64_t ChildToParentMonitorPageGpa;
} VMBUS_CHANNEL_MODIFY_CONNECTION;
HV_ASSERT_SIZE(VMBUS_CHANNEL_MODIFY_CONNECTION, 24);
HV_ASSERT_OFFSET(VMBUS_CHANNEL_MODIFY_CONNECTION, ChildToParentMonitorPageGpa,
                 16);

/* The message is 9 bytes long on the wire; the structure pads it out. */
typedef struct VMBUS_CHANNEL_MODIFY_CONNECTION_RESPONSE {
    VMBUS_CHANNEL_MESSAGE_HEADER Header;
    uint8_t ConnectionState; /* VMBUS_CHANNEL_CONNECTION_... */
    uint8_t Reserved[3];
} VMBUS_CHANNEL_MODIFY_CONNECTION_RESPONSE;
HV_ASSERT_SIZE(VMBUS_CHANNEL_MODIFY_CONNECTION_RESPONSE, 12);
HV_ASSERT_OFFSET(VMBUS_CHANNEL_MODIFY_CONNECTION_RESPONSE, ConnectionState,
                 8);
#define VMBUS_CHANNEL_MODIFY_CONNECTION_RESPONSE_MIN_SIZE 9

/* ---- sizes by message type ------------------------------------------------ */

/*
 * The smallest size a message of this type may have to be well formed
 * (its fixed part, without the optional fields of later versions), or 0
 * for an unknown type.  A receiver still checks variable parts (GPADL
 * ranges and PFNs) against the actual size.
 */
static HV_INLINE uint32_t vmbus_channel_message_min_size(uint32_t type)
{
    switch (type) {
    case ChannelMessageOfferChannel:
        return VMBUS_CHANNEL_OFFER_CHANNEL_SIZE_V1;
    case ChannelMessageRescindChannelOffer:
    case ChannelMessageCloseChannel:
    case ChannelMessageRelIdReleased:
    case ChannelMessageGpadlTorndown:
    case ChannelMessageCloseReservedResponse:
        return 12;
    case ChannelMessageRequestOffers:
    case ChannelMessageAllOffersDelivered:
    case ChannelMessageUnload:
    case ChannelMessageUnloadComplete:
    case ChannelMessagePause:
    case ChannelMessagePauseResponse:
    case ChannelMessageResume:
        return 8;
    case ChannelMessageOpenChannel:
        return VMBUS_CHANNEL_OPEN_CHANNEL_MIN_SIZE;
    case ChannelMessageOpenChannelResult:
    case ChannelMessageGpadlCreated:
    case ChannelMessageCloseReservedChannel:
    case ChannelMessageGpadlHeader:
        return 20;
    case ChannelMessageGpadlBody:
    case ChannelMessageGpadlTeardown:
    case ChannelMessageModifyChannel:
    case ChannelMessageModifyChannelResponse:
    case ChannelMessageVersionResponse:
        return 16;
    case ChannelMessageInitiateContact:
        return VMBUS_CHANNEL_INITIATE_CONTACT_MIN_SIZE;
    case ChannelMessageOpenReservedChannel:
        return 28;
    case ChannelMessageTlConnectRequest:
        return VMBUS_CHANNEL_TL_CONNECT_REQUEST_MIN_SIZE;
    case ChannelMessageTlConnectRequestResult:
        return 44;
    case ChannelMessageModifyConnection:
        return 24;
    case ChannelMessageModifyConnectionResponse:
        return VMBUS_CHANNEL_MODIFY_CONNECTION_RESPONSE_MIN_SIZE;
    default:
        return 0;
    }
}

#endif /* HYPERV_HV_VMBUS_H */
