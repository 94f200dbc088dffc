/*
 * hv_vmstor.h - the synthetic storage protocol ("VMSTOR", storvsc/storvsp)
 * of VMBUS_CLASS_SCSI and VMBUS_CLASS_IDE channels.
 *
 * Every message is one VSTOR_PACKET, the whole payload of a VMBus packet.
 * The guest initializes the channel with
 *   BeginInitialization, QueryProtocolVersion (repeated with older
 *   versions until the host's Status is 0), QueryProperties,
 *   [CreateSubChannels,] EndInitialization
 * each sent in-band with completion requested and answered by the host
 * in a completion packet carrying the packet back (Operation
 * CompleteIo, Status filled in).  Then SCSI commands: ExecuteSrb with a
 * VMSCSI_REQUEST (CDB, target, LUN, direction, length); the data buffer
 * travels as GPA-direct ranges of the same packet
 * (VmbusPacketTypeDataUsingGpaDirect), and the host completes it with
 * SrbStatus, ScsiStatus, sense data and the bytes moved.  The host may
 * also send EnumerateBus (rescan) and RemoveDevice.
 *
 * Windows 8 (protocol 5.1) grew VMSCSI_REQUEST by 16 bytes; a guest that
 * negotiated an older version sends and expects the shorter packet
 * (VSTOR_PACKET_SIZE_REVISION_1).  Names follow Microsoft's; the
 * Windows SCSI request block numbers carry a VMSCSI_ prefix so that this
 * header can be used beside the Windows storage headers.
 */
#ifndef HYPERV_HV_VMSTOR_H
#define HYPERV_HV_VMSTOR_H

#include "hv_types.h"

/* A version is major << 8 | minor (16 bits). */
#define VMSTOR_PROTOCOL_VERSION(major, minor)                                 \
    ((HV_CAST(uint32_t, (major) & 0xFF) << 8) | HV_CAST(uint32_t, (minor) & 0xFF))
#define VMSTOR_PROTOCOL_MAJOR(version) ((HV_CAST(uint32_t, version) >> 8) & 0xFFu)
#define VMSTOR_PROTOCOL_MINOR(version) (HV_CAST(uint32_t, version) & 0xFFu)

#define VMSTOR_PROTOCOL_VERSION_WIN6 VMSTOR_PROTOCOL_VERSION(2, 0)
#define VMSTOR_PROTOCOL_VERSION_WIN7 VMSTOR_PROTOCOL_VERSION(4, 2)
#define VMSTOR_PROTOCOL_VERSION_WIN8 VMSTOR_PROTOCOL_VERSION(5, 1)
#define VMSTOR_PROTOCOL_VERSION_WIN8_1 VMSTOR_PROTOCOL_VERSION(6, 0)
#define VMSTOR_PROTOCOL_VERSION_WIN10 VMSTOR_PROTOCOL_VERSION(6, 2)

/* X(name, value, sender) */
#define VSTOR_OPERATION_LIST(X)                                               \
    X(VStorOperationCompleteIo, 1, "host")                                    \
    X(VStorOperationRemoveDevice, 2, "host")                                  \
    X(VStorOperationExecuteSrb, 3, "guest")                                   \
    X(VStorOperationResetLun, 4, "guest")                                     \
    X(VStorOperationResetAdapter, 5, "guest")                                 \
    X(VStorOperationResetBus, 6, "guest")                                     \
    X(VStorOperationBeginInitialization, 7, "guest")                          \
    X(VStorOperationEndInitialization, 8, "guest")                            \
    X(VStorOperationQueryProtocolVersion, 9, "guest")                         \
    X(VStorOperationQueryProperties, 10, "guest")                             \
    X(VStorOperationEnumerateBus, 11, "host")                                 \
    X(VStorOperationFcHbaData, 12, "host")                                    \
    X(VStorOperationCreateSubChannels, 13, "guest")                           \
    X(VStorOperationEventNotification, 14, "host")

#define VSTOR_ENUM_ENTRY_(name, value, sender) name = value,
enum VSTOR_PACKET_OPERATION_ENUM { VSTOR_OPERATION_LIST(VSTOR_ENUM_ENTRY_) };
#undef VSTOR_ENUM_ENTRY_

/* VSTOR_PACKET.Flags: the sender wants the packet completed. */
#define VSTOR_FLAG_REQUEST_COMPLETION 0x00000001u

/* ---- the SCSI request ---------------------------------------------------- */

#define VMSCSI_CDB_MAX_LENGTH 0x10
#define VMSCSI_SENSE_BUFFER_SIZE 0x14
#define VMSCSI_SENSE_BUFFER_SIZE_REVISION_1 0x12
#define VMSCSI_MAX_DATA_BUFFER_LENGTH_WITH_PADDING 0x14

/* VMSCSI_REQUEST.DataIn */
#define VMSCSI_DATA_OUT 0     /* write: data goes to the device */
#define VMSCSI_DATA_IN 1      /* read */
#define VMSCSI_DATA_UNKNOWN 2 /* no data, or direction not known */

typedef struct VMSCSI_REQUEST {
    uint16_t Length;     /* of this structure as the sender uses it */
    uint8_t SrbStatus;   /* VMSCSI_SRB_STATUS_..., set by the host */
    uint8_t ScsiStatus;  /* SCSI status byte, set by the host */
    uint8_t PortNumber;
    uint8_t PathId;
    uint8_t TargetId;
    uint8_t Lun;
    uint8_t CdbLength;
    uint8_t SenseInfoExLength; /* room for sense data the guest offers */
    uint8_t DataIn;            /* VMSCSI_DATA_... */
    uint8_t Properties;
    uint32_t DataTransferLength; /* bytes asked for; bytes moved on return */
    union {
        uint8_t Cdb[VMSCSI_CDB_MAX_LENGTH];           /* in the request */
        uint8_t SenseData[VMSCSI_SENSE_BUFFER_SIZE];  /* in the answer */
        uint8_t ReservedArray[VMSCSI_MAX_DATA_BUFFER_LENGTH_WITH_PADDING];
    } Buffer;
    /* Windows 8 (protocol 5.1) and later: */
    uint16_t Reserve;
    uint8_t QueueTag;
    uint8_t QueueAction;
    uint32_t SrbFlags; /* VMSCSI_SRB_FLAGS_... */
    uint32_t TimeOutValue;
    uint32_t QueueSortKey;
} VMSCSI_REQUEST;
HV_ASSERT_SIZE(VMSCSI_REQUEST, 0x34);
HV_ASSERT_OFFSET(VMSCSI_REQUEST, SrbStatus, 2);
HV_ASSERT_OFFSET(VMSCSI_REQUEST, ScsiStatus, 3);
HV_ASSERT_OFFSET(VMSCSI_REQUEST, PathId, 5);
HV_ASSERT_OFFSET(VMSCSI_REQUEST, TargetId, 6);
HV_ASSERT_OFFSET(VMSCSI_REQUEST, Lun, 7);
HV_ASSERT_OFFSET(VMSCSI_REQUEST, CdbLength, 8);
HV_ASSERT_OFFSET(VMSCSI_REQUEST, SenseInfoExLength, 9);
HV_ASSERT_OFFSET(VMSCSI_REQUEST, DataIn, 10);
HV_ASSERT_OFFSET(VMSCSI_REQUEST, DataTransferLength, 12);
HV_ASSERT_OFFSET(VMSCSI_REQUEST, Buffer, 16);
HV_ASSERT_OFFSET(VMSCSI_REQUEST, Reserve, 36);
HV_ASSERT_OFFSET(VMSCSI_REQUEST, QueueTag, 38);
HV_ASSERT_OFFSET(VMSCSI_REQUEST, SrbFlags, 40);
HV_ASSERT_OFFSET(VMSCSI_REQUEST, TimeOutValue, 44);
HV_ASSERT_OFFSET(VMSCSI_REQUEST, QueueSortKey, 48);

/* The request before Windows 8: everything up to Reserve. */
#define VMSCSI_REQUEST_SIZE_REVISION_1 0x24
#define VMSCSI_REQUEST_SIZE_REVISION_2 0x34

/* SRB status (Windows SRB_STATUS_...): the low 6 bits, plus two flags. */
#define VMSCSI_SRB_STATUS_PENDING 0x00
#define VMSCSI_SRB_STATUS_SUCCESS 0x01
#define VMSCSI_SRB_STATUS_ABORTED 0x02
#define VMSCSI_SRB_STATUS_ERROR 0x04
#define VMSCSI_SRB_STATUS_INVALID_REQUEST 0x06
#define VMSCSI_SRB_STATUS_DATA_OVERRUN 0x12
#define VMSCSI_SRB_STATUS_INVALID_LUN 0x20
#define VMSCSI_SRB_STATUS_QUEUE_FROZEN 0x40
#define VMSCSI_SRB_STATUS_AUTOSENSE_VALID 0x80
#define VMSCSI_SRB_STATUS(status) (HV_CAST(uint32_t, status) & 0x3Fu)

/* SrbFlags (Windows SRB_FLAGS_...). */
#define VMSCSI_SRB_FLAGS_QUEUE_ACTION_ENABLE 0x00000002u
#define VMSCSI_SRB_FLAGS_DISABLE_DISCONNECT 0x00000004u
#define VMSCSI_SRB_FLAGS_DISABLE_SYNCH_TRANSFER 0x00000008u
#define VMSCSI_SRB_FLAGS_BYPASS_FROZEN_QUEUE 0x00000010u
#define VMSCSI_SRB_FLAGS_DISABLE_AUTOSENSE 0x00000020u
#define VMSCSI_SRB_FLAGS_DATA_IN 0x00000040u
#define VMSCSI_SRB_FLAGS_DATA_OUT 0x00000080u
#define VMSCSI_SRB_FLAGS_NO_DATA_TRANSFER 0x00000000u
#define VMSCSI_SRB_FLAGS_UNSPECIFIED_DIRECTION (VMSCSI_SRB_FLAGS_DATA_IN | VMSCSI_SRB_FLAGS_DATA_OUT)
#define VMSCSI_SRB_FLAGS_NO_QUEUE_FREEZE 0x00000100u
#define VMSCSI_SRB_FLAGS_ADAPTER_CACHE_ENABLE 0x00000200u
#define VMSCSI_SRB_FLAGS_FREE_SENSE_BUFFER 0x00000400u
#define VMSCSI_SRB_FLAGS_D3_PROCESSING 0x00000800u
#define VMSCSI_SRB_FLAGS_IS_ACTIVE 0x00010000u
#define VMSCSI_SRB_FLAGS_ALLOCATED_FROM_ZONE 0x00020000u
#define VMSCSI_SRB_FLAGS_SGLIST_FROM_POOL 0x00040000u
#define VMSCSI_SRB_FLAGS_BYPASS_LOCKED_QUEUE 0x00080000u
#define VMSCSI_SRB_FLAGS_NO_KEEP_AWAKE 0x00100000u
#define VMSCSI_SRB_FLAGS_PORT_DRIVER_ALLOCSENSE 0x00200000u
#define VMSCSI_SRB_FLAGS_PORT_DRIVER_SENSEHASPORT 0x00400000u
#define VMSCSI_SRB_FLAGS_DONT_START_NEXT_PACKET 0x00800000u
#define VMSCSI_SRB_FLAGS_PORT_DRIVER_RESERVED 0x0F000000u
#define VMSCSI_SRB_FLAGS_CLASS_DRIVER_RESERVED 0xF0000000u

/* QueueTag for untagged requests, QueueAction of a simple tagged one. */
#define VMSCSI_SRB_SP_UNTAGGED 0xFF
#define VMSCSI_SRB_SIMPLE_TAG_REQUEST 0x20

/* ---- the other payloads ---------------------------------------------------- */

/* QueryProperties answer. */
typedef struct VMSTORAGE_CHANNEL_PROPERTIES {
    uint32_t Reserved;
    uint16_t MaximumSubChannelCount;
    uint16_t Reserved2;
    uint32_t Flags;            /* STORAGE_CHANNEL_SUPPORTS_MULTI_CHANNEL */
    uint32_t MaxTransferBytes; /* largest DataTransferLength */
    uint32_t Reserved3[2];
} VMSTORAGE_CHANNEL_PROPERTIES;
HV_ASSERT_SIZE(VMSTORAGE_CHANNEL_PROPERTIES, 24);
HV_ASSERT_OFFSET(VMSTORAGE_CHANNEL_PROPERTIES, MaximumSubChannelCount, 4);
HV_ASSERT_OFFSET(VMSTORAGE_CHANNEL_PROPERTIES, Flags, 8);
HV_ASSERT_OFFSET(VMSTORAGE_CHANNEL_PROPERTIES, MaxTransferBytes, 12);

#define STORAGE_CHANNEL_SUPPORTS_MULTI_CHANNEL 0x00000001u

/* The offer's UserDefined bytes on storage channels. */
typedef struct VMSTORAGE_OFFER_PROPERTIES {
    uint16_t Reserved;
    uint8_t PathId;
    uint8_t TargetId;
    uint32_t Reserved2;
    uint32_t Flags; /* STORAGE_CHANNEL_..._FLAG */
    uint32_t Reserved3[3];
} VMSTORAGE_OFFER_PROPERTIES;
HV_ASSERT_SIZE(VMSTORAGE_OFFER_PROPERTIES, 24);
HV_ASSERT_OFFSET(VMSTORAGE_OFFER_PROPERTIES, Flags, 8);

#define STORAGE_CHANNEL_REMOVABLE_FLAG 0x00000001u
#define STORAGE_CHANNEL_EMULATED_IDE_FLAG 0x00000002u

/* QueryProtocolVersion request. */
typedef struct VMSTORAGE_PROTOCOL_VERSION {
    uint16_t MajorMinor; /* VMSTOR_PROTOCOL_VERSION_... */
    uint16_t Revision;   /* informational; 0 */
} VMSTORAGE_PROTOCOL_VERSION;
HV_ASSERT_SIZE(VMSTORAGE_PROTOCOL_VERSION, 4);

/* FcHbaData: the Fibre Channel world-wide names. */
typedef struct VMFC_WWN_PACKET {
    uint8_t PrimaryWwnActive;
    uint8_t Reserved1;
    uint16_t Reserved2;
    uint8_t PrimaryPortWwn[8];
    uint8_t PrimaryNodeWwn[8];
    uint8_t SecondaryPortWwn[8];
    uint8_t SecondaryNodeWwn[8];
} VMFC_WWN_PACKET;
HV_ASSERT_SIZE(VMFC_WWN_PACKET, 36);

/* ---- the packet ------------------------------------------------------------ */

typedef struct VSTOR_PACKET {
    uint32_t Operation; /* VStorOperation... */
    uint32_t Flags;     /* VSTOR_FLAG_... */
    uint32_t Status;    /* set by the host: 0 or an NTSTATUS failure */
    union {
        VMSCSI_REQUEST VmSrb;
        VMSTORAGE_CHANNEL_PROPERTIES StorageChannelProperties;
        VMSTORAGE_PROTOCOL_VERSION Version;
        VMFC_WWN_PACKET FcWwnPacket;
        uint16_t SubChannelCount; /* CreateSubChannels */
        uint8_t Buffer[0x34];
    } Payload;
} VSTOR_PACKET;
HV_ASSERT_SIZE(VSTOR_PACKET, 0x40);
HV_ASSERT_OFFSET(VSTOR_PACKET, Flags, 4);
HV_ASSERT_OFFSET(VSTOR_PACKET, Status, 8);
HV_ASSERT_OFFSET(VSTOR_PACKET, Payload, 12);

/* The packet with a revision-1 VMSCSI_REQUEST (protocols before 5.1). */
#define VSTOR_PACKET_SIZE_REVISION_1 0x30
#define VSTOR_PACKET_SIZE_REVISION_2 0x40

#endif /* HYPERV_HV_VMSTOR_H */
