/*
 * hv_ic.h - Hyper-V integration services ("ICs") over VMBus: the common
 * message header and version negotiation, heartbeat, shutdown, time
 * synchronization and key-value pair exchange.
 *
 * Each service is its own channel (class GUIDs in hv_vmbus_devices.h),
 * offered in named pipe message mode.  The host drives every exchange:
 * it sends a request in an in-band packet, and the guest answers with
 * the same buffer, the header turned into a response (ICMSGHDRFLAG
 * RESPONSE set, Status filled in) in an in-band packet of its own.
 * A packet's payload is
 *
 *   VMPIPE_PROTOCOL_HEADER    8 bytes (hv_vmbus_ring.h)
 *   HV_IC_MSG_HEADER         20 bytes
 *   the message body         IcMessageSize bytes
 *
 * The first exchange on every channel is a negotiation: the host lists
 * the framework versions and the service's message versions it speaks,
 * the guest answers with the one of each it picked (or counts of zero
 * and a failure status if none suits).
 *
 * Times in this header are Windows times: 100 ns units since 1601-01-01
 * UTC.  Strings on the wire are UTF-16LE.
 */
#ifndef HYPERV_HV_IC_H
#define HYPERV_HV_IC_H

#include "hv_types.h"
#include "hv_vmbus_ring.h"

/* ---- the common header ---------------------------------------------------- */

/* An IC version as major.minor; IC_MAKE_VERSION gives its 32-bit form
 * (major << 16 | minor), which orders versions. */
typedef struct HV_IC_VERSION {
    uint16_t Major;
    uint16_t Minor;
} HV_IC_VERSION;
HV_ASSERT_SIZE(HV_IC_VERSION, 4);

#define HV_IC_MAKE_VERSION(major, minor)                                      \
    ((HV_CAST(uint32_t, major) << 16) | HV_CAST(uint32_t, minor))

/* X(name, value): the message type field of the header. */
#define HV_IC_MESSAGE_TYPE_LIST(X)                                            \
    X(HV_ICMSGTYPE_NEGOTIATE, 0)                                              \
    X(HV_ICMSGTYPE_HEARTBEAT, 1)                                              \
    X(HV_ICMSGTYPE_KVPEXCHANGE, 2)                                            \
    X(HV_ICMSGTYPE_SHUTDOWN, 3)                                               \
    X(HV_ICMSGTYPE_TIMESYNC, 4)                                               \
    X(HV_ICMSGTYPE_VSS, 5)                                                    \
    X(HV_ICMSGTYPE_RDV, 6)                                                    \
    X(HV_ICMSGTYPE_FCOPY, 7)                                                  \
    X(HV_ICMSGTYPE_VM_SESSION, 8)

#define HV_IC_ENUM_ENTRY_(name, value) name = value,
enum HV_IC_MESSAGE_TYPE_ENUM { HV_IC_MESSAGE_TYPE_LIST(HV_IC_ENUM_ENTRY_) };
#undef HV_IC_ENUM_ENTRY_

/* IcFlags */
#define HV_ICMSGHDRFLAG_TRANSACTION 0x01u /* an answer is expected */
#define HV_ICMSGHDRFLAG_REQUEST 0x02u
#define HV_ICMSGHDRFLAG_RESPONSE 0x04u

typedef struct HV_IC_MSG_HEADER {
    HV_IC_VERSION IcVersionFramework; /* the negotiated framework version */
    uint16_t IcMessageType;           /* HV_ICMSGTYPE_... */
    HV_IC_VERSION IcVersionMessage;   /* the negotiated message version */
    uint16_t IcMessageSize;           /* bytes of body after this header */
    uint32_t Status;                  /* HV_IC_S_... / HV_IC_E_..., set in
                                         responses */
    uint8_t IcTransactionId;          /* echoed in the response */
    uint8_t IcFlags;                  /* HV_ICMSGHDRFLAG_... */
    uint8_t Reserved[2];
} HV_IC_MSG_HEADER;
HV_ASSERT_SIZE(HV_IC_MSG_HEADER, 20);
HV_ASSERT_OFFSET(HV_IC_MSG_HEADER, IcMessageType, 4);
HV_ASSERT_OFFSET(HV_IC_MSG_HEADER, IcVersionMessage, 6);
HV_ASSERT_OFFSET(HV_IC_MSG_HEADER, IcMessageSize, 10);
HV_ASSERT_OFFSET(HV_IC_MSG_HEADER, Status, 12);
HV_ASSERT_OFFSET(HV_IC_MSG_HEADER, IcTransactionId, 16);
HV_ASSERT_OFFSET(HV_IC_MSG_HEADER, IcFlags, 17);

/* Where the body starts in a packet's payload. */
#define HV_IC_MESSAGE_BODY_OFFSET                                             \
    (sizeof(VMPIPE_PROTOCOL_HEADER) + sizeof(HV_IC_MSG_HEADER))

/* Status values (HRESULTs). */
#define HV_IC_S_OK 0x00000000u
#define HV_IC_S_CONT 0x80070103u
#define HV_IC_E_FAIL 0x80004005u
#define HV_IC_E_NOT_SUPPORTED 0x80070032u
#define HV_IC_E_MACHINE_LOCKED 0x800704F7u
#define HV_IC_E_DEVICE_NOT_CONNECTED 0x8007048Fu
#define HV_IC_E_INVALIDARG 0x80070057u
#define HV_IC_E_GUID_NOTFOUND 0x80041002u
#define HV_IC_E_ALREADY_EXISTS 0x80070050u
#define HV_IC_E_DISK_FULL 0x80070070u

/* ---- version negotiation (HV_ICMSGTYPE_NEGOTIATE) ------------------------- */

/*
 * FrameworkVersionCount HV_IC_VERSIONs follow, then MessageVersionCount
 * more.  In the answer both counts are 1 and the two versions are the
 * guest's choice.
 */
typedef struct HV_IC_NEGOTIATE {
    uint16_t FrameworkVersionCount;
    uint16_t MessageVersionCount;
    uint32_t Reserved;
} HV_IC_NEGOTIATE;
HV_ASSERT_SIZE(HV_IC_NEGOTIATE, 8);
HV_ASSERT_OFFSET(HV_IC_NEGOTIATE, MessageVersionCount, 2);

/* Body bytes of a negotiation listing f + m versions. */
#define HV_IC_NEGOTIATE_SIZE(f, m)                                            \
    (sizeof(HV_IC_NEGOTIATE) + 4u * (HV_CAST(uint32_t, f) + HV_CAST(uint32_t, m)))

/* Framework versions: 1.0 (Windows Server 2008 hosts) and 3.0. */
#define HV_IC_FRAMEWORK_VERSION_1 HV_IC_MAKE_VERSION(1, 0)
#define HV_IC_FRAMEWORK_VERSION_3 HV_IC_MAKE_VERSION(3, 0)

/* ---- heartbeat (HV_ICMSGTYPE_HEARTBEAT) ----------------------------------- */

/* The host sends a sequence number; the guest answers with it plus one. */
#define HV_IC_HEARTBEAT_VERSION_1 HV_IC_MAKE_VERSION(1, 0)
#define HV_IC_HEARTBEAT_VERSION_3 HV_IC_MAKE_VERSION(3, 0)

#define HV_IC_HEARTBEAT_STATE_UNKNOWN 0
#define HV_IC_HEARTBEAT_STATE_HEALTHY 1
#define HV_IC_HEARTBEAT_STATE_CRITICAL 2
#define HV_IC_HEARTBEAT_STATE_STOPPED 3

typedef struct HV_IC_HEARTBEAT_MESSAGE {
    uint64_t SequenceNumber;
    uint32_t ApplicationState; /* HV_IC_HEARTBEAT_STATE_..., from guests
                                  that report it */
    uint32_t Reserved[7];
} HV_IC_HEARTBEAT_MESSAGE;
HV_ASSERT_SIZE(HV_IC_HEARTBEAT_MESSAGE, 40);
HV_ASSERT_OFFSET(HV_IC_HEARTBEAT_MESSAGE, ApplicationState, 8);

/* ---- shutdown (HV_ICMSGTYPE_SHUTDOWN) ------------------------------------- */

/* 3.1 adds restart, 3.2 hibernation. */
#define HV_IC_SHUTDOWN_VERSION_1 HV_IC_MAKE_VERSION(1, 0)
#define HV_IC_SHUTDOWN_VERSION_3 HV_IC_MAKE_VERSION(3, 0)
#define HV_IC_SHUTDOWN_VERSION_3_1 HV_IC_MAKE_VERSION(3, 1)
#define HV_IC_SHUTDOWN_VERSION_3_2 HV_IC_MAKE_VERSION(3, 2)

/* Flags: none set means power off. */
#define HV_IC_SHUTDOWN_FLAG_FORCE 0x00000001u
#define HV_IC_SHUTDOWN_FLAG_RESTART 0x00000002u
#define HV_IC_SHUTDOWN_FLAG_HIBERNATE 0x00000004u

/* ReasonCode: a Windows SHTDN_REASON value; this bit marks it planned. */
#define HV_IC_SHUTDOWN_REASON_FLAG_PLANNED 0x80000000u

#define HV_IC_SHUTDOWN_MESSAGE_TEXT_SIZE 2048

typedef struct HV_IC_SHUTDOWN_MESSAGE {
    uint32_t ReasonCode;
    uint32_t TimeoutSeconds; /* how long the guest may take */
    uint32_t Flags;          /* HV_IC_SHUTDOWN_FLAG_... */
    uint8_t DisplayMessage[HV_IC_SHUTDOWN_MESSAGE_TEXT_SIZE]; /* UTF-16LE */
} HV_IC_SHUTDOWN_MESSAGE;
HV_ASSERT_SIZE(HV_IC_SHUTDOWN_MESSAGE, 2060);
HV_ASSERT_OFFSET(HV_IC_SHUTDOWN_MESSAGE, Flags, 8);
HV_ASSERT_OFFSET(HV_IC_SHUTDOWN_MESSAGE, DisplayMessage, 12);

/* ---- time synchronization (HV_ICMSGTYPE_TIMESYNC) ------------------------- */

/* 4.0 adds the reference-time message below. */
#define HV_IC_TIMESYNC_VERSION_1 HV_IC_MAKE_VERSION(1, 0)
#define HV_IC_TIMESYNC_VERSION_3 HV_IC_MAKE_VERSION(3, 0)
#define HV_IC_TIMESYNC_VERSION_4 HV_IC_MAKE_VERSION(4, 0)

/* Flags: a sample to measure against, or "set your clock to this". */
#define HV_IC_TIMESYNC_FLAG_PROBE 0x00u
#define HV_IC_TIMESYNC_FLAG_SYNC 0x01u
#define HV_IC_TIMESYNC_FLAG_SAMPLE 0x02u

/* Windows time (100 ns since 1601) at the Unix epoch. */
#define HV_IC_WINDOWS_TIME_UNIX_EPOCH HV_UINT64_C(116444736000000000)

/* Byte-packed on the wire: 25 and 22 bytes. */
HV_PACK_PUSH_1
/* Versions before 4.0. */
typedef struct HV_IC_TIMESYNC_MESSAGE {
    uint64_t ParentTime;    /* host UTC time, Windows time */
    uint64_t ChildTime;
    uint64_t RoundTripTime;
    uint8_t Flags;          /* HV_IC_TIMESYNC_FLAG_... */
} HV_IC_TIMESYNC_MESSAGE;

/* Version 4.0: the host time together with the guest's reference time
 * (TLFS 12) at which it was taken, so the guest can correct for delay. */
typedef struct HV_IC_TIMESYNC_REF_MESSAGE {
    uint64_t ParentTime;       /* host UTC time, Windows time */
    uint64_t VmReferenceTime;  /* partition reference time, 100 ns */
    uint8_t Flags;             /* HV_IC_TIMESYNC_FLAG_... */
    uint8_t LeapFlags;
    uint8_t Stratum;
    uint8_t Reserved[3];
} HV_IC_TIMESYNC_REF_MESSAGE;
HV_PACK_POP
HV_ASSERT_SIZE(HV_IC_TIMESYNC_MESSAGE, 25);
HV_ASSERT_OFFSET(HV_IC_TIMESYNC_MESSAGE, ChildTime, 8);
HV_ASSERT_OFFSET(HV_IC_TIMESYNC_MESSAGE, RoundTripTime, 16);
HV_ASSERT_OFFSET(HV_IC_TIMESYNC_MESSAGE, Flags, 24);
HV_ASSERT_SIZE(HV_IC_TIMESYNC_REF_MESSAGE, 22);
HV_ASSERT_OFFSET(HV_IC_TIMESYNC_REF_MESSAGE, VmReferenceTime, 8);
HV_ASSERT_OFFSET(HV_IC_TIMESYNC_REF_MESSAGE, Flags, 16);
HV_ASSERT_OFFSET(HV_IC_TIMESYNC_REF_MESSAGE, Stratum, 18);

/* ---- key-value pair exchange (HV_ICMSGTYPE_KVPEXCHANGE) ------------------- */

/*
 * The host reads, writes and enumerates string (or integer) values in
 * pools of guest data.  Keys and REG_SZ values are UTF-16LE, their sizes
 * in bytes including the terminating NUL.
 */
#define HV_KVP_VERSION_WS2008 HV_IC_MAKE_VERSION(1, 0)
#define HV_KVP_VERSION_WIN7 HV_IC_MAKE_VERSION(3, 0)
#define HV_KVP_VERSION_WIN8 HV_IC_MAKE_VERSION(4, 0)

#define HV_KVP_OP_LIST(X)                                                     \
    X(HV_KVP_OP_GET, 0)                                                       \
    X(HV_KVP_OP_SET, 1)                                                       \
    X(HV_KVP_OP_DELETE, 2)                                                    \
    X(HV_KVP_OP_ENUMERATE, 3)                                                 \
    X(HV_KVP_OP_GET_IP_INFO, 4)                                               \
    X(HV_KVP_OP_SET_IP_INFO, 5)

#define HV_IC_ENUM_ENTRY_(name, value) name = value,
enum HV_KVP_OPERATION_ENUM { HV_KVP_OP_LIST(HV_IC_ENUM_ENTRY_) };
#undef HV_IC_ENUM_ENTRY_

/* Pools: the host's data given to the guest (EXTERNAL), the guest's own
 * (GUEST), and the values the guest publishes automatically. */
#define HV_KVP_POOL_EXTERNAL 0
#define HV_KVP_POOL_GUEST 1
#define HV_KVP_POOL_AUTO 2
#define HV_KVP_POOL_AUTO_EXTERNAL 3
#define HV_KVP_POOL_AUTO_INTERNAL 4
#define HV_KVP_POOL_COUNT 5

/* Value types (the Windows registry's). */
#define HV_KVP_REG_SZ 1
#define HV_KVP_REG_U32 4
#define HV_KVP_REG_U64 8

#define HV_KVP_EXCHANGE_MAX_KEY_SIZE 512
#define HV_KVP_EXCHANGE_MAX_VALUE_SIZE 2048

typedef struct HV_KVP_HEADER {
    uint8_t Operation; /* HV_KVP_OP_... */
    uint8_t Pool;      /* HV_KVP_POOL_... */
    uint16_t Pad;
} HV_KVP_HEADER;
HV_ASSERT_SIZE(HV_KVP_HEADER, 4);

/* A value; REG_U32 / REG_U64 values are the first bytes of Value (read
 * them with hv_load_le32 / hv_load_le64: they are not aligned). */
typedef struct HV_KVP_EXCHANGE_MSG_VALUE {
    uint32_t ValueType; /* HV_KVP_REG_... */
    uint32_t KeySize;
    uint32_t ValueSize;
    uint8_t Key[HV_KVP_EXCHANGE_MAX_KEY_SIZE];
    uint8_t Value[HV_KVP_EXCHANGE_MAX_VALUE_SIZE];
} HV_KVP_EXCHANGE_MSG_VALUE;
HV_ASSERT_SIZE(HV_KVP_EXCHANGE_MSG_VALUE, 2572);
HV_ASSERT_OFFSET(HV_KVP_EXCHANGE_MSG_VALUE, Key, 12);
HV_ASSERT_OFFSET(HV_KVP_EXCHANGE_MSG_VALUE, Value, 524);

typedef struct HV_KVP_MSG_ENUMERATE {
    uint32_t Index; /* the index-th pair of the pool */
    HV_KVP_EXCHANGE_MSG_VALUE Data;
} HV_KVP_MSG_ENUMERATE;
HV_ASSERT_SIZE(HV_KVP_MSG_ENUMERATE, 2576);

typedef struct HV_KVP_MSG_DELETE {
    uint32_t KeySize;
    uint8_t Key[HV_KVP_EXCHANGE_MAX_KEY_SIZE];
} HV_KVP_MSG_DELETE;
HV_ASSERT_SIZE(HV_KVP_MSG_DELETE, 516);

/* Get, set and delete carry one value; enumerate an index and a value. */
typedef struct HV_KVP_MESSAGE {
    HV_KVP_HEADER Header;
    union {
        HV_KVP_EXCHANGE_MSG_VALUE Get;
        HV_KVP_EXCHANGE_MSG_VALUE Set;
        HV_KVP_MSG_DELETE Delete;
        HV_KVP_MSG_ENUMERATE Enumerate;
    } Body;
} HV_KVP_MESSAGE;
HV_ASSERT_SIZE(HV_KVP_MESSAGE, 2580);
HV_ASSERT_OFFSET(HV_KVP_MESSAGE, Body, 4);

/* HV_KVP_OP_GET_IP_INFO / SET_IP_INFO: an adapter's IP configuration,
 * every field a UTF-16LE string (lists separated by ';'). */
#define HV_KVP_ADDR_FAMILY_NONE 0x00
#define HV_KVP_ADDR_FAMILY_IPV4 0x01
#define HV_KVP_ADDR_FAMILY_IPV6 0x02

#define HV_KVP_MAX_ADAPTER_ID_SIZE 128 /* UTF-16 units, as all below */
#define HV_KVP_MAX_IP_ADDR_SIZE 1024
#define HV_KVP_MAX_GATEWAY_SIZE 512

typedef struct HV_KVP_IPADDR_VALUE {
    uint16_t AdapterId[HV_KVP_MAX_ADAPTER_ID_SIZE];
    uint8_t AddrFamily; /* HV_KVP_ADDR_FAMILY_... */
    uint8_t DhcpEnabled;
    uint16_t IpAddr[HV_KVP_MAX_IP_ADDR_SIZE];
    uint16_t SubNet[HV_KVP_MAX_IP_ADDR_SIZE];
    uint16_t GateWay[HV_KVP_MAX_GATEWAY_SIZE];
    uint16_t DnsAddr[HV_KVP_MAX_IP_ADDR_SIZE];
} HV_KVP_IPADDR_VALUE;
HV_ASSERT_SIZE(HV_KVP_IPADDR_VALUE, 7426);
HV_ASSERT_OFFSET(HV_KVP_IPADDR_VALUE, AddrFamily, 256);
HV_ASSERT_OFFSET(HV_KVP_IPADDR_VALUE, IpAddr, 258);
HV_ASSERT_OFFSET(HV_KVP_IPADDR_VALUE, SubNet, 2306);
HV_ASSERT_OFFSET(HV_KVP_IPADDR_VALUE, GateWay, 4354);
HV_ASSERT_OFFSET(HV_KVP_IPADDR_VALUE, DnsAddr, 5378);

typedef struct HV_KVP_IP_MESSAGE {
    uint8_t Operation;
    uint8_t Pool;
    HV_KVP_IPADDR_VALUE IpValue;
} HV_KVP_IP_MESSAGE;
HV_ASSERT_SIZE(HV_KVP_IP_MESSAGE, 7428);
HV_ASSERT_OFFSET(HV_KVP_IP_MESSAGE, IpValue, 2);

#endif /* HYPERV_HV_IC_H */
