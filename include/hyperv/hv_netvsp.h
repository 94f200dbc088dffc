/*
 * hv_netvsp.h - the synthetic network protocol (NVSP, netvsc/netvsp) of
 * VMBUS_CLASS_NETWORK channels.
 *
 * NVSP is a thin layer: it sets the channel up and carries RNDIS messages
 * (hv_rndis.h), which do the real work.  The guest
 *   sends Init (its protocol version range) -> InitComplete (status),
 *   sends its NDIS configuration (MTU, capabilities) from version 2 on,
 *   sends its NDIS version,
 *   shares a receive buffer (a GPADL) -> SendReceiveBufferComplete
 *     (the host's division of it into sections),
 *   shares a send buffer -> SendSendBufferComplete (section size),
 *   and then exchanges RNDIS messages with SendRNDISPacket, each answered
 *   by a SendRNDISPacketComplete.
 * The host sends received frames as transfer page packets
 * (VmbusPacketTypeDataUsingTransferPages) naming ranges of the receive
 * buffer, with the receive buffer's Id as TransferPageSetId; the guest
 * sends frames either copied into a send buffer section or as GPA-direct
 * ranges.  Every NVSP message is the payload of one VMBus packet:
 * NVSP_MESSAGE_HEADER and the message's body.
 *
 * Senders pad their messages (Linux guests send 40-byte messages), so a receiver
 * accepts any message at least as long as the body it expects.  The
 * bodies are byte-packed.  Names follow Microsoft's.
 */
#ifndef HYPERV_HV_NETVSP_H
#define HYPERV_HV_NETVSP_H

#include "hv_types.h"
#include "hv_rndis.h"

/* A version is major << 16 | minor. */
#define NVSP_PROTOCOL_VERSION(major, minor)                                   \
    ((HV_CAST(uint32_t, major) << 16) | HV_CAST(uint32_t, minor))

/* X(name, major, minor) */
#define NVSP_PROTOCOL_VERSION_LIST(X)                                         \
    X(NVSP_PROTOCOL_VERSION_1, 0, 2)                                          \
    X(NVSP_PROTOCOL_VERSION_2, 3, 2)                                          \
    X(NVSP_PROTOCOL_VERSION_4, 4, 0)                                          \
    X(NVSP_PROTOCOL_VERSION_5, 5, 0)                                          \
    X(NVSP_PROTOCOL_VERSION_6, 6, 0)                                          \
    X(NVSP_PROTOCOL_VERSION_61, 6, 1)

#define NVSP_PROTOCOL_VERSION_1 NVSP_PROTOCOL_VERSION(0, 2)
#define NVSP_PROTOCOL_VERSION_2 NVSP_PROTOCOL_VERSION(3, 2)
#define NVSP_PROTOCOL_VERSION_4 NVSP_PROTOCOL_VERSION(4, 0)
#define NVSP_PROTOCOL_VERSION_5 NVSP_PROTOCOL_VERSION(5, 0)
#define NVSP_PROTOCOL_VERSION_6 NVSP_PROTOCOL_VERSION(6, 0)
#define NVSP_PROTOCOL_VERSION_61 NVSP_PROTOCOL_VERSION(6, 1)

/* The NDIS versions guests announce (major << 16 | minor). */
#define NVSP_NDIS_VERSION_6_1 0x00060001u
#define NVSP_NDIS_VERSION_6_30 0x0006001Eu

/*
 * X(name, value, sender).  Version 1 messages start at 100; each protocol
 * version adds its messages after the previous one's.  The sender is
 * left empty for the chimney-offload, VMQ and version 6 messages, which
 * no current guest or host exchanges.
 */
#define NVSP_MESSAGE_TYPE_LIST(X)                                             \
    X(NvspMessageTypeNone, 0, "none")                                         \
    X(NvspMessageTypeInit, 1, "guest")                                        \
    X(NvspMessageTypeInitComplete, 2, "host")                                 \
    X(NvspMessage1TypeSendNdisVersion, 100, "guest")                          \
    X(NvspMessage1TypeSendReceiveBuffer, 101, "guest")                        \
    X(NvspMessage1TypeSendReceiveBufferComplete, 102, "host")                 \
    X(NvspMessage1TypeRevokeReceiveBuffer, 103, "guest")                      \
    X(NvspMessage1TypeSendSendBuffer, 104, "guest")                           \
    X(NvspMessage1TypeSendSendBufferComplete, 105, "host")                    \
    X(NvspMessage1TypeRevokeSendBuffer, 106, "guest")                         \
    X(NvspMessage1TypeSendRNDISPacket, 107, "both")                           \
    X(NvspMessage1TypeSendRNDISPacketComplete, 108, "both")                   \
    X(NvspMessage2TypeSendChimneyDelegatedBuffer, 109, "")                    \
    X(NvspMessage2TypeSendChimneyDelegatedBufferComplete, 110, "")            \
    X(NvspMessage2TypeRevokeChimneyDelegatedBuffer, 111, "")                  \
    X(NvspMessage2TypeResumeChimneyRXIndication, 112, "")                     \
    X(NvspMessage2TypeTerminateChimney, 113, "")                              \
    X(NvspMessage2TypeTerminateChimneyComplete, 114, "")                      \
    X(NvspMessage2TypeIndicateChimneyEvent, 115, "")                          \
    X(NvspMessage2TypeSendChimneyPacket, 116, "")                             \
    X(NvspMessage2TypeSendChimneyPacketComplete, 117, "")                     \
    X(NvspMessage2TypePostChimneyRecvRequest, 118, "")                        \
    X(NvspMessage2TypePostChimneyRecvRequestComplete, 119, "")                \
    X(NvspMessage2TypeAllocateReceiveBuffer, 120, "")                         \
    X(NvspMessage2TypeAllocateReceiveBufferComplete, 121, "")                 \
    X(NvspMessage2TypeFreeReceiveBuffer, 122, "")                             \
    X(NvspMessage2TypeSendVmqRndisPacket, 123, "")                            \
    X(NvspMessage2TypeSendVmqRndisPacketComplete, 124, "")                    \
    X(NvspMessage2TypeSendNdisConfig, 125, "guest")                           \
    X(NvspMessage2TypeAllocateChimneyHandle, 126, "")                         \
    X(NvspMessage2TypeAllocateChimneyHandleComplete, 127, "")                 \
    X(NvspMessage4TypeSendVFAssociation, 128, "host")                         \
    X(NvspMessage4TypeSwitchDataPath, 129, "guest")                           \
    X(NvspMessage4TypeUplinkConnectStateDeprecated, 130, "host")              \
    X(NvspMessage5TypeOidQueryEx, 131, "guest")                               \
    X(NvspMessage5TypeOidQueryExComplete, 132, "host")                        \
    X(NvspMessage5TypeSubChannel, 133, "guest")                               \
    X(NvspMessage5TypeSendIndirectionTable, 134, "host")                      \
    X(NvspMessage6TypePdApi, 135, "")                                         \
    X(NvspMessage6TypePdPostBatch, 136, "")

#define NVSP_ENUM_ENTRY_(name, value, sender) name = value,
enum NVSP_MESSAGE_TYPE_ENUM { NVSP_MESSAGE_TYPE_LIST(NVSP_ENUM_ENTRY_) };
#undef NVSP_ENUM_ENTRY_

/* The last message type of each protocol version. */
#define NvspMessage1Max NvspMessage1TypeSendRNDISPacketComplete
#define NvspMessage2Max NvspMessage2TypeAllocateChimneyHandleComplete
#define NvspMessage4Max NvspMessage4TypeUplinkConnectStateDeprecated
#define NvspMessage5Max NvspMessage5TypeSendIndirectionTable
#define NvspMessage6Max NvspMessage6TypePdPostBatch

/* X(name, value): Status of InitComplete and of the *Complete messages. */
#define NVSP_STATUS_LIST(X)                                                   \
    X(NvspStatusNone, 0)                                                      \
    X(NvspStatusSuccess, 1)                                                   \
    X(NvspStatusFailure, 2)                                                   \
    X(NvspStatusProtocolVersionRangeTooNew, 3)                                \
    X(NvspStatusProtocolVersionRangeTooOld, 4)                                \
    X(NvspStatusInvalidRndisPacket, 5)                                        \
    X(NvspStatusBusy, 6)                                                      \
    X(NvspStatusProtocolVersionUnsupported, 7)

#define NVSP_ENUM_ENTRY_(name, value) name = value,
enum NVSP_STATUS_ENUM { NVSP_STATUS_LIST(NVSP_ENUM_ENTRY_) };
#undef NVSP_ENUM_ENTRY_

/* SendRNDISPacket.ChannelType */
#define NVSP_RNDIS_CHANNEL_TYPE_DATA 0
#define NVSP_RNDIS_CHANNEL_TYPE_CONTROL 1

/* SendRNDISPacket.SendBufferSectionIndex when no send buffer is used. */
#define NVSP_INVALID_SECTION_INDEX 0xFFFFFFFFu

/* SwitchDataPath.ActiveDataPath */
#define NVSP_DATA_PATH_SYNTHETIC 0
#define NVSP_DATA_PATH_VF 1

/* SubChannel.Operation */
#define NVSP_SUBCHANNEL_NONE 0
#define NVSP_SUBCHANNEL_ALLOCATE 1

/* Entries in the send indirection table (SendIndirectionTable). */
#define NVSP_SEND_INDIRECTION_TABLE_SIZE 16

typedef struct NVSP_MESSAGE_HEADER {
    uint32_t MessageType; /* NvspMessage... */
} NVSP_MESSAGE_HEADER;
HV_ASSERT_SIZE(NVSP_MESSAGE_HEADER, 4);

/* NVSP version 2 capabilities of the guest (SendNdisConfig). */
typedef union NVSP_2_NETVSC_CAPABILITIES {
    uint64_t AsUINT64;
    struct {
        uint64_t Vmq : 1;
        uint64_t Chimney : 1;
        uint64_t Sriov : 1;
        uint64_t Ieee8021q : 1;
        uint64_t CorrelationId : 1;
        uint64_t Teaming : 1;
        uint64_t VirtualSubnetId : 1;
        uint64_t Rsc : 1;
        uint64_t Reserved : 56;
    } Bits;
} NVSP_2_NETVSC_CAPABILITIES;
HV_ASSERT_SIZE(NVSP_2_NETVSC_CAPABILITIES, 8);

HV_PACK_PUSH_1
/* ---- initialization ---- */
typedef struct NVSP_MESSAGE_INIT {
    uint32_t MinProtocolVersion;
    uint32_t MaxProtocolVersion;
} NVSP_MESSAGE_INIT;

typedef struct NVSP_MESSAGE_INIT_COMPLETE {
    uint32_t NegotiatedProtocolVersion; /* meaningful on early hosts only */
    uint32_t MaximumMdlChainLength;
    uint32_t Status; /* NvspStatus... */
} NVSP_MESSAGE_INIT_COMPLETE;

/* ---- version 1 ---- */
typedef struct NVSP_1_MESSAGE_SEND_NDIS_VERSION {
    uint32_t NdisMajorVersion;
    uint32_t NdisMinorVersion;
} NVSP_1_MESSAGE_SEND_NDIS_VERSION;

typedef struct NVSP_1_MESSAGE_SEND_RECEIVE_BUFFER {
    uint32_t GpadlHandle;
    uint16_t Id; /* becomes the TransferPageSetId of received frames */
} NVSP_1_MESSAGE_SEND_RECEIVE_BUFFER;

typedef struct NVSP_1_RECEIVE_BUFFER_SECTION {
    uint32_t Offset;
    uint32_t SubAllocationSize;
    uint32_t NumSubAllocations;
    uint32_t EndOffset;
} NVSP_1_RECEIVE_BUFFER_SECTION;

/* The host's answer: NumSections sections (one is usual). */
typedef struct NVSP_1_MESSAGE_SEND_RECEIVE_BUFFER_COMPLETE {
    uint32_t Status;
    uint32_t NumSections;
    NVSP_1_RECEIVE_BUFFER_SECTION Sections[1];
} NVSP_1_MESSAGE_SEND_RECEIVE_BUFFER_COMPLETE;

typedef struct NVSP_1_MESSAGE_REVOKE_RECEIVE_BUFFER {
    uint16_t Id;
} NVSP_1_MESSAGE_REVOKE_RECEIVE_BUFFER;

typedef struct NVSP_1_MESSAGE_SEND_SEND_BUFFER {
    uint32_t GpadlHandle;
    uint16_t Id;
} NVSP_1_MESSAGE_SEND_SEND_BUFFER;

typedef struct NVSP_1_MESSAGE_SEND_SEND_BUFFER_COMPLETE {
    uint32_t Status;
    uint32_t SectionSize; /* the host divides the send buffer */
} NVSP_1_MESSAGE_SEND_SEND_BUFFER_COMPLETE;

typedef struct NVSP_1_MESSAGE_REVOKE_SEND_BUFFER {
    uint16_t Id;
} NVSP_1_MESSAGE_REVOKE_SEND_BUFFER;

typedef struct NVSP_1_MESSAGE_SEND_RNDIS_PACKET {
    uint32_t ChannelType;            /* NVSP_RNDIS_CHANNEL_TYPE_... */
    uint32_t SendBufferSectionIndex; /* or NVSP_INVALID_SECTION_INDEX */
    uint32_t SendBufferSectionSize;
} NVSP_1_MESSAGE_SEND_RNDIS_PACKET;

typedef struct NVSP_1_MESSAGE_SEND_RNDIS_PACKET_COMPLETE {
    uint32_t Status;
} NVSP_1_MESSAGE_SEND_RNDIS_PACKET_COMPLETE;

/* ---- version 2 ---- */
typedef struct NVSP_2_MESSAGE_SEND_NDIS_CONFIG {
    uint32_t Mtu;
    uint32_t Reserved;
    NVSP_2_NETVSC_CAPABILITIES Capabilities;
} NVSP_2_MESSAGE_SEND_NDIS_CONFIG;

typedef struct NVSP_2_MESSAGE_ALLOCATE_RECEIVE_BUFFER {
    uint32_t AllocationId;
    uint32_t Length;
} NVSP_2_MESSAGE_ALLOCATE_RECEIVE_BUFFER;

typedef struct NVSP_2_MESSAGE_ALLOCATE_RECEIVE_BUFFER_COMPLETE {
    uint32_t Status;
    uint32_t AllocationId;
    uint32_t GpadlHandle;
    uint64_t ReceiveBufferId;
} NVSP_2_MESSAGE_ALLOCATE_RECEIVE_BUFFER_COMPLETE;

typedef struct NVSP_2_MESSAGE_FREE_RECEIVE_BUFFER {
    uint64_t ReceiveBufferId;
} NVSP_2_MESSAGE_FREE_RECEIVE_BUFFER;

/* ---- version 4 ---- */
typedef struct NVSP_4_MESSAGE_SEND_VF_ASSOCIATION {
    uint32_t VfAllocated;  /* 1: SerialNumber names the virtual function */
    uint32_t SerialNumber;
} NVSP_4_MESSAGE_SEND_VF_ASSOCIATION;

typedef struct NVSP_4_MESSAGE_SWITCH_DATA_PATH {
    uint32_t ActiveDataPath; /* NVSP_DATA_PATH_... */
} NVSP_4_MESSAGE_SWITCH_DATA_PATH;

/* ---- version 5 ---- */
typedef struct NVSP_5_MESSAGE_OID_QUERY_EX {
    RNDIS_OBJECT_HEADER Header;
    uint32_t Oid; /* RNDIS_OID_... */
} NVSP_5_MESSAGE_OID_QUERY_EX;

typedef struct NVSP_5_MESSAGE_OID_QUERY_EX_COMPLETE {
    uint32_t Status;
    uint32_t BytesWritten; /* or bytes needed, if the buffer was short */
} NVSP_5_MESSAGE_OID_QUERY_EX_COMPLETE;

typedef struct NVSP_5_MESSAGE_SUBCHANNEL_REQUEST {
    uint32_t Operation; /* NVSP_SUBCHANNEL_... */
    uint32_t NumSubChannels;
} NVSP_5_MESSAGE_SUBCHANNEL_REQUEST;

typedef struct NVSP_5_MESSAGE_SUBCHANNEL_COMPLETE {
    uint32_t Status;
    uint32_t NumSubChannels; /* how many the host allocated */
} NVSP_5_MESSAGE_SUBCHANNEL_COMPLETE;

/* TableEntryCount 32-bit channel numbers follow at TableOffset bytes from
 * the start of the NVSP message. */
typedef struct NVSP_5_MESSAGE_SEND_INDIRECTION_TABLE {
    uint32_t TableEntryCount;
    uint32_t TableOffset;
} NVSP_5_MESSAGE_SEND_INDIRECTION_TABLE;

/* ---- a whole message ---- */
#define NVSP_MESSAGE_BODY_SIZE 36

typedef struct NVSP_MESSAGE {
    NVSP_MESSAGE_HEADER Header;
    union {
        NVSP_MESSAGE_INIT Init;
        NVSP_MESSAGE_INIT_COMPLETE InitComplete;
        NVSP_1_MESSAGE_SEND_NDIS_VERSION SendNdisVersion;
        NVSP_1_MESSAGE_SEND_RECEIVE_BUFFER SendReceiveBuffer;
        NVSP_1_MESSAGE_SEND_RECEIVE_BUFFER_COMPLETE SendReceiveBufferComplete;
        NVSP_1_MESSAGE_REVOKE_RECEIVE_BUFFER RevokeReceiveBuffer;
        NVSP_1_MESSAGE_SEND_SEND_BUFFER SendSendBuffer;
        NVSP_1_MESSAGE_SEND_SEND_BUFFER_COMPLETE SendSendBufferComplete;
        NVSP_1_MESSAGE_REVOKE_SEND_BUFFER RevokeSendBuffer;
        NVSP_1_MESSAGE_SEND_RNDIS_PACKET SendRndisPacket;
        NVSP_1_MESSAGE_SEND_RNDIS_PACKET_COMPLETE SendRndisPacketComplete;
        NVSP_2_MESSAGE_SEND_NDIS_CONFIG SendNdisConfig;
        NVSP_2_MESSAGE_ALLOCATE_RECEIVE_BUFFER AllocateReceiveBuffer;
        NVSP_2_MESSAGE_ALLOCATE_RECEIVE_BUFFER_COMPLETE
            AllocateReceiveBufferComplete;
        NVSP_2_MESSAGE_FREE_RECEIVE_BUFFER FreeReceiveBuffer;
        NVSP_4_MESSAGE_SEND_VF_ASSOCIATION SendVfAssociation;
        NVSP_4_MESSAGE_SWITCH_DATA_PATH SwitchDataPath;
        NVSP_5_MESSAGE_OID_QUERY_EX OidQueryEx;
        NVSP_5_MESSAGE_OID_QUERY_EX_COMPLETE OidQueryExComplete;
        NVSP_5_MESSAGE_SUBCHANNEL_REQUEST SubChannelRequest;
        NVSP_5_MESSAGE_SUBCHANNEL_COMPLETE SubChannelComplete;
        NVSP_5_MESSAGE_SEND_INDIRECTION_TABLE SendIndirectionTable;
        uint8_t Raw[NVSP_MESSAGE_BODY_SIZE];
    } Body;
} NVSP_MESSAGE;
HV_PACK_POP

HV_ASSERT_SIZE(NVSP_MESSAGE_INIT, 8);
HV_ASSERT_SIZE(NVSP_MESSAGE_INIT_COMPLETE, 12);
HV_ASSERT_OFFSET(NVSP_MESSAGE_INIT_COMPLETE, Status, 8);
HV_ASSERT_SIZE(NVSP_1_MESSAGE_SEND_NDIS_VERSION, 8);
HV_ASSERT_SIZE(NVSP_1_MESSAGE_SEND_RECEIVE_BUFFER, 6);
HV_ASSERT_OFFSET(NVSP_1_MESSAGE_SEND_RECEIVE_BUFFER, Id, 4);
HV_ASSERT_SIZE(NVSP_1_RECEIVE_BUFFER_SECTION, 16);
HV_ASSERT_SIZE(NVSP_1_MESSAGE_SEND_RECEIVE_BUFFER_COMPLETE, 24);
HV_ASSERT_OFFSET(NVSP_1_MESSAGE_SEND_RECEIVE_BUFFER_COMPLETE, Sections, 8);
HV_ASSERT_SIZE(NVSP_1_MESSAGE_REVOKE_RECEIVE_BUFFER, 2);
HV_ASSERT_SIZE(NVSP_1_MESSAGE_SEND_SEND_BUFFER, 6);
HV_ASSERT_SIZE(NVSP_1_MESSAGE_SEND_SEND_BUFFER_COMPLETE, 8);
HV_ASSERT_SIZE(NVSP_1_MESSAGE_REVOKE_SEND_BUFFER, 2);
HV_ASSERT_SIZE(NVSP_1_MESSAGE_SEND_RNDIS_PACKET, 12);
HV_ASSERT_OFFSET(NVSP_1_MESSAGE_SEND_RNDIS_PACKET, SendBufferSectionSize, 8);
HV_ASSERT_SIZE(NVSP_1_MESSAGE_SEND_RNDIS_PACKET_COMPLETE, 4);
HV_ASSERT_SIZE(NVSP_2_MESSAGE_SEND_NDIS_CONFIG, 16);
HV_ASSERT_OFFSET(NVSP_2_MESSAGE_SEND_NDIS_CONFIG, Capabilities, 8);
HV_ASSERT_SIZE(NVSP_2_MESSAGE_ALLOCATE_RECEIVE_BUFFER, 8);
HV_ASSERT_SIZE(NVSP_2_MESSAGE_ALLOCATE_RECEIVE_BUFFER_COMPLETE, 20);
HV_ASSERT_OFFSET(NVSP_2_MESSAGE_ALLOCATE_RECEIVE_BUFFER_COMPLETE,
                 ReceiveBufferId, 12);
HV_ASSERT_SIZE(NVSP_2_MESSAGE_FREE_RECEIVE_BUFFER, 8);
HV_ASSERT_SIZE(NVSP_4_MESSAGE_SEND_VF_ASSOCIATION, 8);
HV_ASSERT_SIZE(NVSP_4_MESSAGE_SWITCH_DATA_PATH, 4);
HV_ASSERT_SIZE(NVSP_5_MESSAGE_OID_QUERY_EX, 8);
HV_ASSERT_SIZE(NVSP_5_MESSAGE_OID_QUERY_EX_COMPLETE, 8);
HV_ASSERT_SIZE(NVSP_5_MESSAGE_SUBCHANNEL_REQUEST, 8);
HV_ASSERT_SIZE(NVSP_5_MESSAGE_SUBCHANNEL_COMPLETE, 8);
HV_ASSERT_SIZE(NVSP_5_MESSAGE_SEND_INDIRECTION_TABLE, 8);
HV_ASSERT_SIZE(NVSP_MESSAGE, 4 + NVSP_MESSAGE_BODY_SIZE);
HV_ASSERT_OFFSET(NVSP_MESSAGE, Body, 4);

#define NVSP_CHECK_(name, major, minor)                                       \
    HV_STATIC_ASSERT((name) == NVSP_PROTOCOL_VERSION(major, minor),           \
                     name##_matches_list);
NVSP_PROTOCOL_VERSION_LIST(NVSP_CHECK_)
#undef NVSP_CHECK_

#endif /* HYPERV_HV_NETVSP_H */
