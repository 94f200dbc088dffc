/*
 * hv_rndis.h - Remote NDIS messages as the Hyper-V network adapter uses
 * them (carried by NVSP SendRNDISPacket, hv_netvsp.h).
 *
 * RNDIS is Microsoft's published Remote NDIS protocol: every message
 * starts with its type and total length; requests carry a RequestId that
 * the completion echoes.  Over VMBus the guest sends control messages
 * (initialize, query, set, reset, keep-alive, halt) and data messages
 * (REMOTE_NDIS_PACKET_MSG, one Ethernet frame each, with per-packet
 * information for checksum offload, LSO, VLAN tags and RSS hashes); the
 * host answers control messages with completions and sends received
 * frames and status indications (media connect/disconnect, link speed).
 *
 * Offsets inside a message (InformationBufferOffset, DataOffset, ...) are
 * counted from the start of the message body, i.e. from byte 8, just
 * after RNDIS_MESSAGE_HEADER; a per-packet information record's
 * PerPacketInformationOffset from the start of that record.
 *
 * Numbers that NDIS also defines (OIDs, status codes) carry an RNDIS_
 * prefix so this header can be used beside the Windows NDIS headers.
 */
#ifndef HYPERV_HV_RNDIS_H
#define HYPERV_HV_RNDIS_H

#include "hv_types.h"

#define RNDIS_MAJOR_VERSION 1
#define RNDIS_MINOR_VERSION 0

/* X(name, value, sender) */
#define RNDIS_MESSAGE_TYPE_LIST(X)                                            \
    X(REMOTE_NDIS_PACKET_MSG, 0x00000001u, "both")                            \
    X(REMOTE_NDIS_INITIALIZE_MSG, 0x00000002u, "guest")                       \
    X(REMOTE_NDIS_HALT_MSG, 0x00000003u, "guest")                             \
    X(REMOTE_NDIS_QUERY_MSG, 0x00000004u, "guest")                            \
    X(REMOTE_NDIS_SET_MSG, 0x00000005u, "guest")                              \
    X(REMOTE_NDIS_RESET_MSG, 0x00000006u, "guest")                            \
    X(REMOTE_NDIS_INDICATE_STATUS_MSG, 0x00000007u, "host")                   \
    X(REMOTE_NDIS_KEEPALIVE_MSG, 0x00000008u, "both")                         \
    X(REMOTE_NDIS_INITIALIZE_CMPLT, 0x80000002u, "host")                      \
    X(REMOTE_NDIS_QUERY_CMPLT, 0x80000004u, "host")                           \
    X(REMOTE_NDIS_SET_CMPLT, 0x80000005u, "host")                             \
    X(REMOTE_NDIS_RESET_CMPLT, 0x80000006u, "host")                           \
    X(REMOTE_NDIS_KEEPALIVE_CMPLT, 0x80000008u, "both")

#define REMOTE_NDIS_PACKET_MSG 0x00000001u
#define REMOTE_NDIS_INITIALIZE_MSG 0x00000002u
#define REMOTE_NDIS_HALT_MSG 0x00000003u
#define REMOTE_NDIS_QUERY_MSG 0x00000004u
#define REMOTE_NDIS_SET_MSG 0x00000005u
#define REMOTE_NDIS_RESET_MSG 0x00000006u
#define REMOTE_NDIS_INDICATE_STATUS_MSG 0x00000007u
#define REMOTE_NDIS_KEEPALIVE_MSG 0x00000008u
/* A completion is its request's type with this bit set. */
#define REMOTE_NDIS_COMPLETION 0x80000000u
#define REMOTE_NDIS_INITIALIZE_CMPLT 0x80000002u
#define REMOTE_NDIS_QUERY_CMPLT 0x80000004u
#define REMOTE_NDIS_SET_CMPLT 0x80000005u
#define REMOTE_NDIS_RESET_CMPLT 0x80000006u
#define REMOTE_NDIS_KEEPALIVE_CMPLT 0x80000008u

/* X(name, value) */
#define RNDIS_STATUS_LIST(X)                                                  \
    X(RNDIS_STATUS_SUCCESS, 0x00000000u)                                      \
    X(RNDIS_STATUS_PENDING, 0x00000103u)                                      \
    X(RNDIS_STATUS_NOT_RECOGNIZED, 0x00010001u)                               \
    X(RNDIS_STATUS_NOT_ACCEPTED, 0x00010003u)                                 \
    X(RNDIS_STATUS_RESET_START, 0x40010004u)                                  \
    X(RNDIS_STATUS_RESET_END, 0x40010005u)                                    \
    X(RNDIS_STATUS_MEDIA_CONNECT, 0x4001000Bu)                                \
    X(RNDIS_STATUS_MEDIA_DISCONNECT, 0x4001000Cu)                             \
    X(RNDIS_STATUS_LINK_SPEED_CHANGE, 0x40010013u)                            \
    X(RNDIS_STATUS_NETWORK_CHANGE, 0x40010018u)                               \
    X(RNDIS_STATUS_BUFFER_OVERFLOW, 0x80000005u)                              \
    X(RNDIS_STATUS_FAILURE, 0xC0000001u)                                      \
    X(RNDIS_STATUS_RESOURCES, 0xC000009Au)                                    \
    X(RNDIS_STATUS_NOT_SUPPORTED, 0xC00000BBu)                                \
    X(RNDIS_STATUS_BAD_VERSION, 0xC0010004u)                                  \
    X(RNDIS_STATUS_INVALID_PACKET, 0xC001000Fu)                               \
    X(RNDIS_STATUS_ADAPTER_NOT_READY, 0xC0010011u)                            \
    X(RNDIS_STATUS_INVALID_LENGTH, 0xC0010014u)                               \
    X(RNDIS_STATUS_INVALID_DATA, 0xC0010015u)                                 \
    X(RNDIS_STATUS_BUFFER_TOO_SHORT, 0xC0010016u)                             \
    X(RNDIS_STATUS_INVALID_OID, 0xC0010017u)

#define RNDIS_STATUS_SUCCESS 0x00000000u
#define RNDIS_STATUS_PENDING 0x00000103u
#define RNDIS_STATUS_NOT_RECOGNIZED 0x00010001u
#define RNDIS_STATUS_NOT_ACCEPTED 0x00010003u
#define RNDIS_STATUS_RESET_START 0x40010004u
#define RNDIS_STATUS_RESET_END 0x40010005u
#define RNDIS_STATUS_MEDIA_CONNECT 0x4001000Bu
#define RNDIS_STATUS_MEDIA_DISCONNECT 0x4001000Cu
#define RNDIS_STATUS_LINK_SPEED_CHANGE 0x40010013u
#define RNDIS_STATUS_NETWORK_CHANGE 0x40010018u
#define RNDIS_STATUS_BUFFER_OVERFLOW 0x80000005u
#define RNDIS_STATUS_FAILURE 0xC0000001u
#define RNDIS_STATUS_RESOURCES 0xC000009Au
#define RNDIS_STATUS_NOT_SUPPORTED 0xC00000BBu
#define RNDIS_STATUS_BAD_VERSION 0xC0010004u
#define RNDIS_STATUS_INVALID_PACKET 0xC001000Fu
#define RNDIS_STATUS_ADAPTER_NOT_READY 0xC0010011u
#define RNDIS_STATUS_INVALID_LENGTH 0xC0010014u
#define RNDIS_STATUS_INVALID_DATA 0xC0010015u
#define RNDIS_STATUS_BUFFER_TOO_SHORT 0xC0010016u
#define RNDIS_STATUS_INVALID_OID 0xC0010017u

/* X(name, value): the object identifiers a Hyper-V adapter is asked. */
#define RNDIS_OID_LIST(X)                                                     \
    X(RNDIS_OID_GEN_SUPPORTED_LIST, 0x00010101u)                              \
    X(RNDIS_OID_GEN_HARDWARE_STATUS, 0x00010102u)                             \
    X(RNDIS_OID_GEN_MEDIA_SUPPORTED, 0x00010103u)                             \
    X(RNDIS_OID_GEN_MEDIA_IN_USE, 0x00010104u)                                \
    X(RNDIS_OID_GEN_MAXIMUM_LOOKAHEAD, 0x00010105u)                           \
    X(RNDIS_OID_GEN_MAXIMUM_FRAME_SIZE, 0x00010106u)                          \
    X(RNDIS_OID_GEN_LINK_SPEED, 0x00010107u)                                  \
    X(RNDIS_OID_GEN_TRANSMIT_BUFFER_SPACE, 0x00010108u)                       \
    X(RNDIS_OID_GEN_RECEIVE_BUFFER_SPACE, 0x00010109u)                        \
    X(RNDIS_OID_GEN_TRANSMIT_BLOCK_SIZE, 0x0001010Au)                         \
    X(RNDIS_OID_GEN_RECEIVE_BLOCK_SIZE, 0x0001010Bu)                          \
    X(RNDIS_OID_GEN_VENDOR_ID, 0x0001010Cu)                                   \
    X(RNDIS_OID_GEN_VENDOR_DESCRIPTION, 0x0001010Du)                          \
    X(RNDIS_OID_GEN_CURRENT_PACKET_FILTER, 0x0001010Eu)                       \
    X(RNDIS_OID_GEN_CURRENT_LOOKAHEAD, 0x0001010Fu)                           \
    X(RNDIS_OID_GEN_DRIVER_VERSION, 0x00010110u)                              \
    X(RNDIS_OID_GEN_MAXIMUM_TOTAL_SIZE, 0x00010111u)                          \
    X(RNDIS_OID_GEN_PROTOCOL_OPTIONS, 0x00010112u)                            \
    X(RNDIS_OID_GEN_MAC_OPTIONS, 0x00010113u)                                 \
    X(RNDIS_OID_GEN_MEDIA_CONNECT_STATUS, 0x00010114u)                        \
    X(RNDIS_OID_GEN_MAXIMUM_SEND_PACKETS, 0x00010115u)                        \
    X(RNDIS_OID_GEN_VENDOR_DRIVER_VERSION, 0x00010116u)                       \
    X(RNDIS_OID_GEN_PHYSICAL_MEDIUM, 0x00010202u)                             \
    X(RNDIS_OID_GEN_RECEIVE_SCALE_CAPABILITIES, 0x00010203u)                  \
    X(RNDIS_OID_GEN_RECEIVE_SCALE_PARAMETERS, 0x00010204u)                    \
    X(RNDIS_OID_GEN_RNDIS_CONFIG_PARAMETER, 0x0001021Bu)                      \
    X(RNDIS_OID_GEN_XMIT_OK, 0x00020101u)                                     \
    X(RNDIS_OID_GEN_RCV_OK, 0x00020102u)                                      \
    X(RNDIS_OID_GEN_XMIT_ERROR, 0x00020103u)                                  \
    X(RNDIS_OID_GEN_RCV_ERROR, 0x00020104u)                                   \
    X(RNDIS_OID_GEN_RCV_NO_BUFFER, 0x00020105u)                               \
    X(RNDIS_OID_GEN_FRIENDLY_NAME, 0x00020216u)                               \
    X(RNDIS_OID_802_3_PERMANENT_ADDRESS, 0x01010101u)                         \
    X(RNDIS_OID_802_3_CURRENT_ADDRESS, 0x01010102u)                           \
    X(RNDIS_OID_802_3_MULTICAST_LIST, 0x01010103u)                            \
    X(RNDIS_OID_802_3_MAXIMUM_LIST_SIZE, 0x01010104u)                         \
    X(RNDIS_OID_802_3_MAC_OPTIONS, 0x01010105u)                               \
    X(RNDIS_OID_OFFLOAD_ENCAPSULATION, 0x0101010Au)                           \
    X(RNDIS_OID_TCP_OFFLOAD_CURRENT_CONFIG, 0xFC01020Bu)                      \
    X(RNDIS_OID_TCP_OFFLOAD_PARAMETERS, 0xFC01020Cu)                          \
    X(RNDIS_OID_TCP_OFFLOAD_HARDWARE_CAPABILITIES, 0xFC01020Du)               \
    X(RNDIS_OID_TCP_CONNECTION_OFFLOAD_CURRENT_CONFIG, 0xFC01020Eu)           \
    X(RNDIS_OID_TCP_CONNECTION_OFFLOAD_HARDWARE_CAPABILITIES, 0xFC01020Fu)    \
    X(RNDIS_OID_PNP_CAPABILITIES, 0xFD010100u)                                \
    X(RNDIS_OID_PNP_SET_POWER, 0xFD010101u)                                   \
    X(RNDIS_OID_PNP_QUERY_POWER, 0xFD010102u)

#define RNDIS_OID_GEN_SUPPORTED_LIST 0x00010101u
#define RNDIS_OID_GEN_HARDWARE_STATUS 0x00010102u
#define RNDIS_OID_GEN_MEDIA_SUPPORTED 0x00010103u
#define RNDIS_OID_GEN_MEDIA_IN_USE 0x00010104u
#define RNDIS_OID_GEN_MAXIMUM_LOOKAHEAD 0x00010105u
#define RNDIS_OID_GEN_MAXIMUM_FRAME_SIZE 0x00010106u
#define RNDIS_OID_GEN_LINK_SPEED 0x00010107u
#define RNDIS_OID_GEN_TRANSMIT_BUFFER_SPACE 0x00010108u
#define RNDIS_OID_GEN_RECEIVE_BUFFER_SPACE 0x00010109u
#define RNDIS_OID_GEN_TRANSMIT_BLOCK_SIZE 0x0001010Au
#define RNDIS_OID_GEN_RECEIVE_BLOCK_SIZE 0x0001010Bu
#define RNDIS_OID_GEN_VENDOR_ID 0x0001010Cu
#define RNDIS_OID_GEN_VENDOR_DESCRIPTION 0x0001010Du
#define RNDIS_OID_GEN_CURRENT_PACKET_FILTER 0x0001010Eu
#define RNDIS_OID_GEN_CURRENT_LOOKAHEAD 0x0001010Fu
#define RNDIS_OID_GEN_DRIVER_VERSION 0x00010110u
#define RNDIS_OID_GEN_MAXIMUM_TOTAL_SIZE 0x00010111u
#define RNDIS_OID_GEN_PROTOCOL_OPTIONS 0x00010112u
#define RNDIS_OID_GEN_MAC_OPTIONS 0x00010113u
#define RNDIS_OID_GEN_MEDIA_CONNECT_STATUS 0x00010114u
#define RNDIS_OID_GEN_MAXIMUM_SEND_PACKETS 0x00010115u
#define RNDIS_OID_GEN_VENDOR_DRIVER_VERSION 0x00010116u
#define RNDIS_OID_GEN_PHYSICAL_MEDIUM 0x00010202u
#define RNDIS_OID_GEN_RECEIVE_SCALE_CAPABILITIES 0x00010203u
#define RNDIS_OID_GEN_RECEIVE_SCALE_PARAMETERS 0x00010204u
#define RNDIS_OID_GEN_RNDIS_CONFIG_PARAMETER 0x0001021Bu
#define RNDIS_OID_GEN_XMIT_OK 0x00020101u
#define RNDIS_OID_GEN_RCV_OK 0x00020102u
#define RNDIS_OID_GEN_XMIT_ERROR 0x00020103u
#define RNDIS_OID_GEN_RCV_ERROR 0x00020104u
#define RNDIS_OID_GEN_RCV_NO_BUFFER 0x00020105u
#define RNDIS_OID_GEN_FRIENDLY_NAME 0x00020216u
#define RNDIS_OID_802_3_PERMANENT_ADDRESS 0x01010101u
#define RNDIS_OID_802_3_CURRENT_ADDRESS 0x01010102u
#define RNDIS_OID_802_3_MULTICAST_LIST 0x01010103u
#define RNDIS_OID_802_3_MAXIMUM_LIST_SIZE 0x01010104u
#define RNDIS_OID_802_3_MAC_OPTIONS 0x01010105u
#define RNDIS_OID_OFFLOAD_ENCAPSULATION 0x0101010Au
#define RNDIS_OID_TCP_OFFLOAD_CURRENT_CONFIG 0xFC01020Bu
#define RNDIS_OID_TCP_OFFLOAD_PARAMETERS 0xFC01020Cu
#define RNDIS_OID_TCP_OFFLOAD_HARDWARE_CAPABILITIES 0xFC01020Du
#define RNDIS_OID_TCP_CONNECTION_OFFLOAD_CURRENT_CONFIG 0xFC01020Eu
#define RNDIS_OID_TCP_CONNECTION_OFFLOAD_HARDWARE_CAPABILITIES 0xFC01020Fu
#define RNDIS_OID_PNP_CAPABILITIES 0xFD010100u
#define RNDIS_OID_PNP_SET_POWER 0xFD010101u
#define RNDIS_OID_PNP_QUERY_POWER 0xFD010102u

/* InitializeComplete.DeviceFlags */
#define RNDIS_DF_CONNECTIONLESS 0x00000001u
#define RNDIS_DF_CONNECTION_ORIENTED 0x00000002u
#define RNDIS_DF_RAW_DATA 0x00000004u

/* InitializeComplete.Medium, OID_GEN_MEDIA_*: Ethernet is 0. */
#define RNDIS_MEDIUM_802_3 0x00000000u

/* OID_GEN_MEDIA_CONNECT_STATUS */
#define RNDIS_MEDIA_STATE_CONNECTED 0x00000000u
#define RNDIS_MEDIA_STATE_DISCONNECTED 0x00000001u

/* OID_GEN_CURRENT_PACKET_FILTER (the group and functional bits are the
 * NDIS values, 0x1000 and up). */
#define RNDIS_PACKET_TYPE_DIRECTED 0x00000001u
#define RNDIS_PACKET_TYPE_MULTICAST 0x00000002u
#define RNDIS_PACKET_TYPE_ALL_MULTICAST 0x00000004u
#define RNDIS_PACKET_TYPE_BROADCAST 0x00000008u
#define RNDIS_PACKET_TYPE_SOURCE_ROUTING 0x00000010u
#define RNDIS_PACKET_TYPE_PROMISCUOUS 0x00000020u
#define RNDIS_PACKET_TYPE_SMT 0x00000040u
#define RNDIS_PACKET_TYPE_ALL_LOCAL 0x00000080u
#define RNDIS_PACKET_TYPE_GROUP 0x00001000u
#define RNDIS_PACKET_TYPE_ALL_FUNCTIONAL 0x00002000u
#define RNDIS_PACKET_TYPE_FUNCTIONAL 0x00004000u
#define RNDIS_PACKET_TYPE_MAC_FRAME 0x00008000u

/* RNDIS_CONFIG_PARAMETER_INFO.ParameterType */
#define RNDIS_CONFIG_PARAM_TYPE_INTEGER 0
#define RNDIS_CONFIG_PARAM_TYPE_STRING 2

/* ---- messages ---------------------------------------------------------------- */

typedef struct RNDIS_MESSAGE_HEADER {
    uint32_t MessageType;   /* REMOTE_NDIS_... */
    uint32_t MessageLength; /* the whole message, this header included */
} RNDIS_MESSAGE_HEADER;
HV_ASSERT_SIZE(RNDIS_MESSAGE_HEADER, 8);

#define RNDIS_MESSAGE_BODY_OFFSET 8

typedef struct RNDIS_INITIALIZE_REQUEST {
    uint32_t RequestId;
    uint32_t MajorVersion;
    uint32_t MinorVersion;
    uint32_t MaxTransferSize;
} RNDIS_INITIALIZE_REQUEST;
HV_ASSERT_SIZE(RNDIS_INITIALIZE_REQUEST, 16);

typedef struct RNDIS_INITIALIZE_COMPLETE {
    uint32_t RequestId;
    uint32_t Status;
    uint32_t MajorVersion;
    uint32_t MinorVersion;
    uint32_t DeviceFlags; /* RNDIS_DF_... */
    uint32_t Medium;      /* RNDIS_MEDIUM_... */
    uint32_t MaxPacketsPerMessage;
    uint32_t MaxTransferSize;
    uint32_t PacketAlignmentFactor; /* log2 of the data alignment */
    uint32_t AfListOffset;
    uint32_t AfListSize;
} RNDIS_INITIALIZE_COMPLETE;
HV_ASSERT_SIZE(RNDIS_INITIALIZE_COMPLETE, 44);
HV_ASSERT_OFFSET(RNDIS_INITIALIZE_COMPLETE, PacketAlignmentFactor, 32);

typedef struct RNDIS_HALT_REQUEST {
    uint32_t RequestId;
} RNDIS_HALT_REQUEST;
HV_ASSERT_SIZE(RNDIS_HALT_REQUEST, 4);

/* Query and set requests; the information buffer (set: the new value)
 * is InformationBufferLength bytes at InformationBufferOffset. */
typedef struct RNDIS_QUERY_REQUEST {
    uint32_t RequestId;
    uint32_t Oid; /* RNDIS_OID_... */
    uint32_t InformationBufferLength;
    uint32_t InformationBufferOffset;
    uint32_t DeviceVcHandle;
} RNDIS_QUERY_REQUEST;
HV_ASSERT_SIZE(RNDIS_QUERY_REQUEST, 20);
HV_ASSERT_OFFSET(RNDIS_QUERY_REQUEST, InformationBufferOffset, 12);

typedef RNDIS_QUERY_REQUEST RNDIS_SET_REQUEST;

typedef struct RNDIS_QUERY_COMPLETE {
    uint32_t RequestId;
    uint32_t Status; /* RNDIS_STATUS_... */
    uint32_t InformationBufferLength;
    uint32_t InformationBufferOffset;
} RNDIS_QUERY_COMPLETE;
HV_ASSERT_SIZE(RNDIS_QUERY_COMPLETE, 16);

typedef struct RNDIS_SET_COMPLETE {
    uint32_t RequestId;
    uint32_t Status;
} RNDIS_SET_COMPLETE;
HV_ASSERT_SIZE(RNDIS_SET_COMPLETE, 8);

typedef struct RNDIS_RESET_REQUEST {
    uint32_t Reserved;
} RNDIS_RESET_REQUEST;
HV_ASSERT_SIZE(RNDIS_RESET_REQUEST, 4);

typedef struct RNDIS_RESET_COMPLETE {
    uint32_t Status;
    uint32_t AddressingReset;
} RNDIS_RESET_COMPLETE;
HV_ASSERT_SIZE(RNDIS_RESET_COMPLETE, 8);

typedef struct RNDIS_INDICATE_STATUS {
    uint32_t Status; /* RNDIS_STATUS_MEDIA_CONNECT, ... */
    uint32_t StatusBufferLength;
    uint32_t StatusBufferOffset;
} RNDIS_INDICATE_STATUS;
HV_ASSERT_SIZE(RNDIS_INDICATE_STATUS, 12);

typedef struct RNDIS_DIAGNOSTIC_INFO {
    uint32_t DiagStatus;
    uint32_t ErrorOffset;
} RNDIS_DIAGNOSTIC_INFO;
HV_ASSERT_SIZE(RNDIS_DIAGNOSTIC_INFO, 8);

typedef struct RNDIS_KEEPALIVE_REQUEST {
    uint32_t RequestId;
} RNDIS_KEEPALIVE_REQUEST;
HV_ASSERT_SIZE(RNDIS_KEEPALIVE_REQUEST, 4);

typedef struct RNDIS_KEEPALIVE_COMPLETE {
    uint32_t RequestId;
    uint32_t Status;
} RNDIS_KEEPALIVE_COMPLETE;
HV_ASSERT_SIZE(RNDIS_KEEPALIVE_COMPLETE, 8);

/* RNDIS_OID_GEN_RNDIS_CONFIG_PARAMETER's value: a named parameter, its
 * name and value UTF-16LE, offsets from the start of this record. */
typedef struct RNDIS_CONFIG_PARAMETER_INFO {
    uint32_t ParameterNameOffset;
    uint32_t ParameterNameLength;
    uint32_t ParameterType; /* RNDIS_CONFIG_PARAM_TYPE_... */
    uint32_t ParameterValueOffset;
    uint32_t ParameterValueLength;
} RNDIS_CONFIG_PARAMETER_INFO;
HV_ASSERT_SIZE(RNDIS_CONFIG_PARAMETER_INFO, 20);

/* ---- data packets ---------------------------------------------------------- */

/* The body of REMOTE_NDIS_PACKET_MSG: the frame is DataLength bytes at
 * DataOffset; per-packet information records (RNDIS_PER_PACKET_INFO)
 * fill PerPacketInfoLength bytes at PerPacketInfoOffset. */
typedef struct RNDIS_PACKET {
    uint32_t DataOffset;
    uint32_t DataLength;
    uint32_t OOBDataOffset;
    uint32_t OOBDataLength;
    uint32_t NumOOBDataElements;
    uint32_t PerPacketInfoOffset;
    uint32_t PerPacketInfoLength;
    uint32_t VcHandle;
    uint32_t Reserved;
} RNDIS_PACKET;
HV_ASSERT_SIZE(RNDIS_PACKET, 36);
HV_ASSERT_OFFSET(RNDIS_PACKET, PerPacketInfoOffset, 20);

typedef struct RNDIS_OOBD {
    uint32_t Size;
    uint32_t Type;
    uint32_t ClassInformationOffset;
} RNDIS_OOBD;
HV_ASSERT_SIZE(RNDIS_OOBD, 12);

/* Per-packet information types (NDIS_PER_PACKET_INFO_TYPE). */
#define RNDIS_PPI_TYPE_LIST(X)                                                \
    X(RNDIS_PPI_TCPIP_CHECKSUM, 0)                                            \
    X(RNDIS_PPI_IPSEC, 1)                                                     \
    X(RNDIS_PPI_TCP_LARGESEND, 2)                                             \
    X(RNDIS_PPI_CLASSIFICATION_HANDLE, 3)                                     \
    X(RNDIS_PPI_NDIS_RESERVED, 4)                                             \
    X(RNDIS_PPI_SG_LIST, 5)                                                   \
    X(RNDIS_PPI_IEEE_8021Q, 6)                                                \
    X(RNDIS_PPI_ORIGINAL_PACKET, 7)                                           \
    X(RNDIS_PPI_PACKET_CANCEL_ID, 8)                                          \
    X(RNDIS_PPI_ORIGINAL_NET_BUFFER_LIST, 9)                                  \
    X(RNDIS_PPI_CACHED_NET_BUFFER_LIST, 10)                                   \
    X(RNDIS_PPI_SHORT_PACKET_PADDING, 11)

#define RNDIS_ENUM_ENTRY_(name, value) name = value,
enum RNDIS_PPI_TYPE_ENUM { RNDIS_PPI_TYPE_LIST(RNDIS_ENUM_ENTRY_) };
#undef RNDIS_ENUM_ENTRY_

/* Hyper-V sends the RSS hash value in the PACKET_CANCEL_ID slot. */
#define RNDIS_PPI_HASH_VALUE RNDIS_PPI_PACKET_CANCEL_ID

/* Internal (Internal bit set) per-packet information types. */
#define RNDIS_PPI_INTERNAL_PKTINFO_ID 1

typedef union RNDIS_PPI_TYPE_FIELD {
    uint32_t AsUINT32;
    struct {
        uint32_t Type : 31;
        uint32_t Internal : 1;
    } Bits;
} RNDIS_PPI_TYPE_FIELD;
HV_ASSERT_SIZE(RNDIS_PPI_TYPE_FIELD, 4);

typedef struct RNDIS_PER_PACKET_INFO {
    uint32_t Size; /* of this record, the information included */
    RNDIS_PPI_TYPE_FIELD Type;
    uint32_t PerPacketInformationOffset; /* from the start of the record */
} RNDIS_PER_PACKET_INFO;
HV_ASSERT_SIZE(RNDIS_PER_PACKET_INFO, 12);

/* RNDIS_PPI_TCPIP_CHECKSUM, sent and received. */
typedef union NDIS_TCP_IP_CHECKSUM_PACKET_INFO_HV {
    uint32_t AsUINT32;
    struct {
        uint32_t IsIPv4 : 1;
        uint32_t IsIPv6 : 1;
        uint32_t TcpChecksum : 1;
        uint32_t UdpChecksum : 1;
        uint32_t IpHeaderChecksum : 1;
        uint32_t Reserved : 11;
        uint32_t TcpHeaderOffset : 10;
        uint32_t Reserved2 : 6;
    } Transmit;
    struct {
        uint32_t TcpChecksumFailed : 1;
        uint32_t UdpChecksumFailed : 1;
        uint32_t IpChecksumFailed : 1;
        uint32_t TcpChecksumSucceeded : 1;
        uint32_t UdpChecksumSucceeded : 1;
        uint32_t IpChecksumSucceeded : 1;
        uint32_t Loopback : 1;
        uint32_t TcpChecksumValueInvalid : 1;
        uint32_t IpChecksumValueInvalid : 1;
        uint32_t Reserved : 23;
    } Receive;
} NDIS_TCP_IP_CHECKSUM_PACKET_INFO_HV;
HV_ASSERT_SIZE(NDIS_TCP_IP_CHECKSUM_PACKET_INFO_HV, 4);

/* RNDIS_PPI_TCP_LARGESEND */
typedef union NDIS_TCP_LARGE_SEND_INFO_HV {
    uint32_t AsUINT32;
    struct {
        uint32_t Mss : 20;
        uint32_t TcpHeaderOffset : 10;
        uint32_t Type : 1; /* 0: LSO v1, 1: LSO v2 */
        uint32_t IpVersion : 1; /* v2: 0 IPv4, 1 IPv6 */
    } Transmit;
    struct {
        uint32_t TcpPayload : 30;
        uint32_t Type : 1;
        uint32_t Reserved : 1;
    } TransmitComplete;
} NDIS_TCP_LARGE_SEND_INFO_HV;
HV_ASSERT_SIZE(NDIS_TCP_LARGE_SEND_INFO_HV, 4);

/* RNDIS_PPI_IEEE_8021Q */
typedef union NDIS_8021Q_INFO_HV {
    uint32_t AsUINT32;
    struct {
        uint32_t UserPriority : 3;
        uint32_t CanonicalFormatId : 1;
        uint32_t VlanId : 12;
        uint32_t Reserved : 16;
    } Bits;
} NDIS_8021Q_INFO_HV;
HV_ASSERT_SIZE(NDIS_8021Q_INFO_HV, 4);

/* RNDIS_PPI_INTERNAL_PKTINFO_ID: how a large received packet was split
 * over several RNDIS messages (receive segment coalescing). */
#define RNDIS_PKTINFO_ID_V1 1
#define RNDIS_PKTINFO_SUBALLOC 0x01u
#define RNDIS_PKTINFO_1ST_FRAG 0x02u
#define RNDIS_PKTINFO_LAST_FRAG 0x04u

typedef struct RNDIS_PKTINFO_ID {
    uint8_t Version; /* RNDIS_PKTINFO_ID_V1 */
    uint8_t Flags;   /* RNDIS_PKTINFO_... */
    uint16_t PacketId;
} RNDIS_PKTINFO_ID;
HV_ASSERT_SIZE(RNDIS_PKTINFO_ID, 4);

/* The NDIS object header that starts NDIS structures passed as OID
 * values (NDIS_OBJECT_HEADER; renamed so as not to clash with NDIS). */
typedef struct RNDIS_OBJECT_HEADER {
    uint8_t Type;
    uint8_t Revision;
    uint16_t Size;
} RNDIS_OBJECT_HEADER;
HV_ASSERT_SIZE(RNDIS_OBJECT_HEADER, 4);

#define RNDIS_OBJECT_TYPE_DEFAULT 0x80
#define RNDIS_OBJECT_TYPE_RSS_CAPABILITIES 0x88
#define RNDIS_OBJECT_TYPE_RSS_PARAMETERS 0x89
#define RNDIS_OBJECT_TYPE_OFFLOAD 0xA7

/* Each list above names the macro of the same value. */
#define RNDIS_CHECK_3_(name, value, sender)                                   \
    HV_STATIC_ASSERT((name) == (value), name##_matches_list);
#define RNDIS_CHECK_2_(name, value)                                           \
    HV_STATIC_ASSERT((name) == (value), name##_matches_list);
RNDIS_MESSAGE_TYPE_LIST(RNDIS_CHECK_3_)
RNDIS_STATUS_LIST(RNDIS_CHECK_2_)
RNDIS_OID_LIST(RNDIS_CHECK_2_)
#undef RNDIS_CHECK_3_
#undef RNDIS_CHECK_2_

#endif /* HYPERV_HV_RNDIS_H */
