/*
 * hv_synic.h - synthetic interrupt controller memory structures
 * (TLFS v6.0b chapter 11, 12.5, 13.3).
 *
 * Synthetic interrupt sources, SynIC message types and flags, the 256-byte
 * HV_MESSAGE, the SIM (message) and SIEF (event flags) pages, ports,
 * connections, the monitored notification page, and the synthetic timer
 * expiration message.  The SynIC and synthetic timer MSRs (SCONTROL,
 * SVERSION, SIEFP, SIMP, EOM, SINTx, STIMERx_CONFIG/COUNT) and their
 * layouts are in hv_msr.h, included here.
 */
#ifndef HYPERV_HV_SYNIC_H
#define HYPERV_HV_SYNIC_H

#include "hv_types.h"
#include "hv_msr.h"

/* ---- 11.10.1 Synthetic interrupt sources -------------------------------- */
#define HV_SYNIC_SINT_COUNT 16
typedef uint32_t HV_SYNIC_SINT_INDEX;

/* ---- 11.10.2 SynIC message types ---------------------------------------- */
/*
 * 32-bit values.  The hypervisor's own types have bit 31 set, which is
 * outside the range of an int, so they are macros rather than enumeration
 * constants.  HvPostMessage callers may use any non-zero type with bit 31
 * clear.
 */
typedef uint32_t HV_MESSAGE_TYPE;

#define HvMessageTypeNone 0x00000000u
/* Memory access messages */
#define HvMessageTypeUnmappedGpa 0x80000000u
#define HvMessageTypeGpaIntercept 0x80000001u
/* Timer notifications (the TLFS spells this one without "Type") */
#define HvMessageTimerExpired 0x80000010u
#define HvMessageTypeTimerExpired HvMessageTimerExpired
/* Error messages */
#define HvMessageTypeInvalidVpRegisterValue 0x80000020u
#define HvMessageTypeUnrecoverableException 0x80000021u
#define HvMessageTypeUnsupportedFeature 0x80000022u
#define HvMessageTypeTlbPageSizeMismatch 0x80000023u
/* Trace buffer messages */
#define HvMessageTypeEventLogBuffersComplete 0x80000040u
/* Hypercall intercept */
#define HvMessageTypeHypercallIntercept 0x80000050u
/* Platform-specific processor intercept messages */
#define HvMessageTypeX64IoPortIntercept 0x80010000u
#define HvMessageTypeMsrIntercept 0x80010001u
#define HvMessageTypeX64CpuidIntercept 0x80010002u
#define HvMessageTypeExceptionIntercept 0x80010003u
#define HvMessageTypeX64ApicEoi 0x80010004u
#define HvMessageTypeX64LegacyFpError 0x80010005u
#define HvMessageTypeRegisterIntercept 0x80010006u

#define HV_MESSAGE_TYPE_HYPERVISOR_MASK 0x80000000u

/* ---- 11.10.3 SynIC message flags ---------------------------------------- */
typedef union HV_MESSAGE_FLAGS {
    uint8_t AsUINT8;
    struct {
        uint8_t MessagePending : 1;
        uint8_t Reserved : 7;
    } Bits;
} HV_MESSAGE_FLAGS;
HV_ASSERT_SIZE(HV_MESSAGE_FLAGS, 1);

#define HV_MESSAGE_FLAG_MESSAGE_PENDING 0x01

/* ---- 11.10.6 Ports ------------------------------------------------------ */
/* 32-bit IDs whose high 8 bits are reserved (zero). */
typedef union HV_PORT_ID {
    uint32_t AsUint32;
    struct {
        uint32_t Id : 24;
        uint32_t Reserved : 8;
    } Bits;
} HV_PORT_ID;
HV_ASSERT_SIZE(HV_PORT_ID, 4);

#define HV_PORT_ID_MASK 0x00FFFFFFu

typedef uint32_t HV_PORT_TYPE;
enum HV_PORT_TYPE_ENUM {
    HvPortTypeMessage = 1,
    HvPortTypeEvent = 2,
    HvPortTypeMonitor = 3
};

typedef struct HV_PORT_INFO {
    uint32_t PortType; /* HV_PORT_TYPE */
    uint32_t ReservedZ;
    union {
        struct {
            HV_SYNIC_SINT_INDEX TargetSint;
            HV_VP_INDEX TargetVp;
            uint64_t ReservedZ;
        } MessagePortInfo;
        struct {
            HV_SYNIC_SINT_INDEX TargetSint;
            HV_VP_INDEX TargetVp;
            uint16_t BaseFlagNumber;
            uint16_t FlagCount;
            uint32_t ReservedZ;
        } EventPortInfo;
        struct {
            HV_GPA MonitorAddress;
            uint64_t ReservedZ;
        } MonitorPortInfo;
    } Info;
} HV_PORT_INFO;
HV_ASSERT_SIZE(HV_PORT_INFO, 24);
HV_ASSERT_OFFSET(HV_PORT_INFO, Info, 8);

/* ---- 11.10.7 Connections ------------------------------------------------ */
typedef union HV_CONNECTION_ID {
    uint32_t AsUint32;
    struct {
        uint32_t Id : 24;
        uint32_t Reserved : 8;
    } Bits;
} HV_CONNECTION_ID;
HV_ASSERT_SIZE(HV_CONNECTION_ID, 4);

#define HV_CONNECTION_ID_MASK 0x00FFFFFFu

/* ---- 11.10.8 Connection information ------------------------------------- */
typedef struct HV_CONNECTION_INFO {
    uint32_t PortType; /* HV_PORT_TYPE */
    uint32_t ReservedZ;
    union {
        struct {
            uint64_t ReservedZ;
        } MessageConnectionInfo;
        struct {
            uint64_t ReservedZ;
        } EventConnectionInfo;
        struct {
            HV_GPA MonitorAddress;
        } MonitorConnectionInfo;
    } Info;
} HV_CONNECTION_INFO;
HV_ASSERT_SIZE(HV_CONNECTION_INFO, 16);
HV_ASSERT_OFFSET(HV_CONNECTION_INFO, Info, 8);

/* ---- 11.10.4 SynIC message format --------------------------------------- */
#define HV_MESSAGE_SIZE 256
#define HV_MESSAGE_MAX_PAYLOAD_BYTE_COUNT 240
#define HV_MESSAGE_MAX_PAYLOAD_QWORD_COUNT 30

/*
 * The v6.0b listing orders the first eight bytes MessageType, Reserved
 * (16 bits), MessageFlags, PayloadSize.  Hyper-V itself, and every guest
 * and hypervisor that exchanges SynIC messages with it (Windows' own
 * headers, Linux, KVM's SynIC, QEMU), put PayloadSize at byte 4 and
 * MessageFlags at byte 5, with the two reserved bytes last; a VMBus
 * message delivered in the listing's order is read with the wrong
 * length.  This header follows what Hyper-V does.  (Earlier TLFS
 * revisions list that order too.)
 */
typedef struct HV_MESSAGE_HEADER {
    HV_MESSAGE_TYPE MessageType;
    uint8_t PayloadSize; /* bytes of payload, header not included */
    HV_MESSAGE_FLAGS MessageFlags;
    uint8_t Reserved[2];
    union {
        uint64_t OriginationId;
        HV_PARTITION_ID Sender;
        HV_PORT_ID Port;
    } Origin;
} HV_MESSAGE_HEADER;
HV_ASSERT_SIZE(HV_MESSAGE_HEADER, 16);
HV_ASSERT_OFFSET(HV_MESSAGE_HEADER, PayloadSize, 4);
HV_ASSERT_OFFSET(HV_MESSAGE_HEADER, MessageFlags, 5);
HV_ASSERT_OFFSET(HV_MESSAGE_HEADER, Reserved, 6);
HV_ASSERT_OFFSET(HV_MESSAGE_HEADER, Origin, 8);

typedef struct HV_MESSAGE {
    HV_MESSAGE_HEADER Header;
    uint64_t Payload[HV_MESSAGE_MAX_PAYLOAD_QWORD_COUNT];
} HV_MESSAGE;
HV_ASSERT_SIZE(HV_MESSAGE, HV_MESSAGE_SIZE);
HV_ASSERT_OFFSET(HV_MESSAGE, Payload, 16);

/* ---- 11.9 SIM page: one message slot per SINT --------------------------- */
/* A slot is empty when its MessageType is HvMessageTypeNone. */
typedef struct HV_SYNIC_MESSAGE_PAGE {
    HV_MESSAGE SintMessage[HV_SYNIC_SINT_COUNT];
} HV_SYNIC_MESSAGE_PAGE;
HV_ASSERT_SIZE(HV_SYNIC_MESSAGE_PAGE, HV_PAGE_SIZE);

/* ---- 11.10.5 SynIC event flags ------------------------------------------ */
/* Flag n is bit (n % 8) of byte (n / 8). */
#define HV_EVENT_FLAGS_COUNT (256 * 8)
#define HV_EVENT_FLAGS_BYTE_COUNT 256

typedef struct HV_SYNIC_EVENT_FLAGS {
    uint8_t Flags[HV_EVENT_FLAGS_BYTE_COUNT];
} HV_SYNIC_EVENT_FLAGS;
HV_ASSERT_SIZE(HV_SYNIC_EVENT_FLAGS, 256);

/* ---- 11.9 SIEF page: one event flags array per SINT --------------------- */
typedef struct HV_SYNIC_EVENT_FLAGS_PAGE {
    HV_SYNIC_EVENT_FLAGS SintEventFlags[HV_SYNIC_SINT_COUNT];
} HV_SYNIC_EVENT_FLAGS_PAGE;
HV_ASSERT_SIZE(HV_SYNIC_EVENT_FLAGS_PAGE, HV_PAGE_SIZE);

static HV_INLINE int hv_event_flag_test(const HV_SYNIC_EVENT_FLAGS *flags,
                                        uint32_t flag)
{
    return (flags->Flags[(flag / 8) % HV_EVENT_FLAGS_BYTE_COUNT] >>
            (flag % 8)) & 1;
}

/*
 * Set or clear flag "flag" (taken modulo HV_EVENT_FLAGS_COUNT).  These are
 * plain read-modify-write operations: a SIEF page shared with a running
 * virtual processor needs the equivalent atomic operation on the byte.
 */
static HV_INLINE void hv_event_flag_set(HV_SYNIC_EVENT_FLAGS *flags,
                                        uint32_t flag)
{
    uint8_t *byte = &flags->Flags[(flag / 8) % HV_EVENT_FLAGS_BYTE_COUNT];
    *byte = HV_CAST(uint8_t, *byte | (1u << (flag % 8)));
}

static HV_INLINE void hv_event_flag_clear(HV_SYNIC_EVENT_FLAGS *flags,
                                          uint32_t flag)
{
    uint8_t *byte = &flags->Flags[(flag / 8) % HV_EVENT_FLAGS_BYTE_COUNT];
    *byte = HV_CAST(uint8_t, *byte & ~(1u << (flag % 8)));
}

/* ---- 11.10.8.1 - 11.10.9 Monitored notifications ------------------------ */
typedef union HV_MONITOR_TRIGGER_GROUP {
    uint64_t AsUINT64;
    struct {
        uint32_t Pending;
        uint32_t Armed;
    } Fields;
} HV_MONITOR_TRIGGER_GROUP;
HV_ASSERT_SIZE(HV_MONITOR_TRIGGER_GROUP, 8);

typedef struct HV_MONITOR_PARAMETER {
    HV_CONNECTION_ID ConnectionId;
    uint16_t FlagNumber;
    uint16_t ReservedZ;
} HV_MONITOR_PARAMETER;
HV_ASSERT_SIZE(HV_MONITOR_PARAMETER, 8);
HV_ASSERT_OFFSET(HV_MONITOR_PARAMETER, FlagNumber, 4);

/* The TLFS listing gives ReservedZ 27 bits, one short of the 32-bit
 * union; it is 28 here. */
typedef union HV_MONITOR_TRIGGER_STATE {
    uint32_t AsUINT32;
    struct {
        uint32_t GroupEnable : 4;
        uint32_t ReservedZ : 28;
    } Bits;
} HV_MONITOR_TRIGGER_STATE;
HV_ASSERT_SIZE(HV_MONITOR_TRIGGER_STATE, 4);

#define HV_MONITOR_TRIGGER_GROUP_COUNT 4
#define HV_MONITOR_TRIGGERS_PER_GROUP 32

typedef struct HV_MONITOR_PAGE {
    HV_MONITOR_TRIGGER_STATE TriggerState;
    uint32_t Reserved1;
    HV_MONITOR_TRIGGER_GROUP TriggerGroup[HV_MONITOR_TRIGGER_GROUP_COUNT];
    uint8_t Reserved2[536];
    uint16_t Latency[HV_MONITOR_TRIGGER_GROUP_COUNT]
                    [HV_MONITOR_TRIGGERS_PER_GROUP]; /* 100 ns units */
    uint8_t Reserved3[256];
    HV_MONITOR_PARAMETER Parameter[HV_MONITOR_TRIGGER_GROUP_COUNT]
                                  [HV_MONITOR_TRIGGERS_PER_GROUP];
    uint8_t Reserved4[1984];
} HV_MONITOR_PAGE;
HV_ASSERT_SIZE(HV_MONITOR_PAGE, HV_PAGE_SIZE);
HV_ASSERT_OFFSET(HV_MONITOR_PAGE, TriggerGroup, 8);
HV_ASSERT_OFFSET(HV_MONITOR_PAGE, Reserved2, 40);
HV_ASSERT_OFFSET(HV_MONITOR_PAGE, Latency, 576);
HV_ASSERT_OFFSET(HV_MONITOR_PAGE, Reserved3, 832);
HV_ASSERT_OFFSET(HV_MONITOR_PAGE, Parameter, 1088);
HV_ASSERT_OFFSET(HV_MONITOR_PAGE, Reserved4, 2112);

/*
 * A monitored notification is addressed by a trigger ID: group
 * id / 32, bit id % 32 of that group's Pending and Armed words, and the
 * Latency and Parameter entries at [group][bit].
 */
#define HV_MONITOR_TRIGGER_COUNT                                              \
    (HV_MONITOR_TRIGGER_GROUP_COUNT * HV_MONITOR_TRIGGERS_PER_GROUP)

static HV_INLINE uint32_t hv_monitor_trigger_group(uint32_t trigger_id)
{
    return trigger_id / HV_MONITOR_TRIGGERS_PER_GROUP;
}

static HV_INLINE uint32_t hv_monitor_trigger_bit(uint32_t trigger_id)
{
    return trigger_id % HV_MONITOR_TRIGGERS_PER_GROUP;
}

/* ---- 13.3.1 Timer expiration message payload ---------------------------- */
/* Sent with type HvMessageTimerExpired to the timer's SINTx; the origin ID
 * of the header is zero.  Times are in 100 ns units of the partition's
 * reference counter. */
typedef struct HV_TIMER_MESSAGE_PAYLOAD {
    uint32_t TimerIndex; /* 0-3 */
    uint32_t Reserved;
    uint64_t ExpirationTime;
    uint64_t DeliveryTime;
} HV_TIMER_MESSAGE_PAYLOAD;
HV_ASSERT_SIZE(HV_TIMER_MESSAGE_PAYLOAD, 24);
HV_ASSERT_OFFSET(HV_TIMER_MESSAGE_PAYLOAD, ExpirationTime, 8);
HV_ASSERT_OFFSET(HV_TIMER_MESSAGE_PAYLOAD, DeliveryTime, 16);

/* Offsets in the whole 256-byte message, as 13.3.1 draws them. */
#define HV_TIMER_MESSAGE_TIMER_INDEX_OFFSET 16
#define HV_TIMER_MESSAGE_EXPIRATION_TIME_OFFSET 24
#define HV_TIMER_MESSAGE_DELIVERY_TIME_OFFSET 32

#endif /* HYPERV_HV_SYNIC_H */
