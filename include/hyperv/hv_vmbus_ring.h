/*
 * hv_vmbus_ring.h - VMBus ring buffers and the packets they carry.
 *
 * An open channel has two rings in guest memory, described to the host by
 * one GPADL (hv_vmbus.h): the guest-to-host ring starts at page 0, the
 * host-to-guest ring at OpenChannel's DownstreamRingBufferPageOffset.
 * Each ring is one control page (VMRCB) followed by a data area of whole
 * pages, used circularly.  The writer owns In, the reader owns Out; both
 * are byte offsets into the data area, always multiples of 8.
 *
 *   empty:  In == Out
 *   used:   (In - Out) mod DataSize;  free: DataSize - used
 *   a writer never fills the ring completely: a packet of N bytes
 *   (trailer included) is written only if N < free, so In never catches
 *   up with Out from behind.
 *
 * Every packet is a VMPACKET_DESCRIPTOR, type-specific header fields,
 * the payload, padding to 8 bytes, and an 8-byte trailer holding the
 * packet's own start offset in its upper half.  Packets may wrap around
 * the end of the data area.
 *
 * Signalling: the writer interrupts the reader after a write only if the
 * ring was empty before it and the reader's InterruptMask is 0.  A
 * writer that finds too little room may set PendingSendSize (in the
 * ring it writes to) to the size of the write it waits to make; a reader
 * that sees FeatureBits.SupportsPendingSendSize in that ring then
 * interrupts the writer once a read takes the free space from
 * PendingSendSize or less to more than it (a write of N bytes needs more
 * than N free).
 *
 * Names follow Microsoft's (VMRCB, VMPACKET_DESCRIPTOR, VmbusPacketType
 * ...); all layouts are naturally aligned and asserted.
 */
#ifndef HYPERV_HV_VMBUS_RING_H
#define HYPERV_HV_VMBUS_RING_H

#include "hv_types.h"
#include "hv_vmbus.h"

/* ---- the ring control page ------------------------------------------------ */

typedef union VMRCB_FEATURE_BITS {
    uint32_t AsUINT32;
    struct {
        /* The writer of this ring honours PendingSendSize. */
        uint32_t SupportsPendingSendSize : 1;
        uint32_t Reserved : 31;
    } Bits;
} VMRCB_FEATURE_BITS;
HV_ASSERT_SIZE(VMRCB_FEATURE_BITS, 4);

#define VMRCB_FEATURE_PENDING_SEND_SIZE 0x00000001u

typedef struct VMRCB {
    uint32_t In;  /* write index: where the writer puts the next packet */
    uint32_t Out; /* read index: where the reader takes the next one */
    /* Set by the reader: do not interrupt me, I am reading. */
    uint32_t InterruptMask;
    /* Set by a blocked writer: interrupt me when this many bytes are free. */
    uint32_t PendingSendSize;
    uint32_t Reserved[12];
    VMRCB_FEATURE_BITS FeatureBits;
    uint8_t Reserved2[HV_PAGE_SIZE - 68];
    /* the data area starts on the next page */
} VMRCB;
HV_ASSERT_SIZE(VMRCB, HV_PAGE_SIZE);
HV_ASSERT_OFFSET(VMRCB, Out, 4);
HV_ASSERT_OFFSET(VMRCB, InterruptMask, 8);
HV_ASSERT_OFFSET(VMRCB, PendingSendSize, 12);
HV_ASSERT_OFFSET(VMRCB, Reserved, 16);
HV_ASSERT_OFFSET(VMRCB, FeatureBits, 64);
HV_ASSERT_OFFSET(VMRCB, Reserved2, 68);

#define VMBUS_RING_CONTROL_SIZE HV_PAGE_SIZE
/* Packets, their lengths and the ring indices are multiples of this. */
#define VMBUS_PACKET_ALIGNMENT 8
#define VMBUS_PACKET_ALIGN(n)                                                 \
    ((HV_CAST(uint32_t, n) + (VMBUS_PACKET_ALIGNMENT - 1)) &                  \
     ~HV_CAST(uint32_t, VMBUS_PACKET_ALIGNMENT - 1))
/* The trailer after each packet. */
#define VMBUS_PACKET_TRAILER_SIZE 8

/* Bytes the reader may read, given In, Out and the data area size. */
static HV_INLINE uint32_t vmbus_ring_bytes_to_read(uint32_t in, uint32_t out,
                                                   uint32_t data_size)
{
    return in >= out ? in - out : data_size - out + in;
}

/* Free bytes; a write of N bytes fits only if N < this. */
static HV_INLINE uint32_t vmbus_ring_bytes_to_write(uint32_t in, uint32_t out,
                                                    uint32_t data_size)
{
    return data_size - vmbus_ring_bytes_to_read(in, out, data_size);
}

/*
 * Non-zero if the indices are possible for a data area of data_size
 * bytes: both inside it and 8-byte aligned.  A guest can write anything
 * into a control page; check before using them.
 */
static HV_INLINE int vmbus_ring_indices_valid(uint32_t in, uint32_t out,
                                              uint32_t data_size)
{
    return data_size != 0 && data_size % VMBUS_PACKET_ALIGNMENT == 0 &&
           in < data_size && out < data_size &&
           in % VMBUS_PACKET_ALIGNMENT == 0 &&
           out % VMBUS_PACKET_ALIGNMENT == 0;
}

/* Advance a ring index by n bytes (n at most data_size). */
static HV_INLINE uint32_t vmbus_ring_advance(uint32_t index, uint32_t n,
                                             uint32_t data_size)
{
    uint32_t room = data_size - index;
    return n < room ? index + n : n - room;
}

/*
 * After a read moved the free space from free_before to free_after: does
 * the writer, waiting to write pending_send_size bytes, need an interrupt
 * now?  (Zero pending_send_size means nobody is waiting.)
 */
static HV_INLINE int vmbus_ring_pending_send_satisfied(
    uint32_t pending_send_size, uint32_t free_before, uint32_t free_after)
{
    return pending_send_size != 0 && free_before <= pending_send_size &&
           free_after > pending_send_size;
}

/* ---- packets -------------------------------------------------------------- */

/*
 * X(name, value).  The devices in these headers use in-band data, data
 * with transfer pages (netvsc receive), data with GPA-direct ranges
 * (storvsc, netvsc send) and completions; the other types are part of
 * the packet format but not used by them.
 */
#define VMBUS_PACKET_TYPE_LIST(X)                                             \
    X(VmbusPacketTypeInvalid, 0x0)                                            \
    X(VmbusPacketTypeSynch, 0x1)                                              \
    X(VmbusPacketTypeAddTransferPageSet, 0x2)                                 \
    X(VmbusPacketTypeRemoveTransferPageSet, 0x3)                              \
    X(VmbusPacketTypeEstablishGpadl, 0x4)                                     \
    X(VmbusPacketTypeTeardownGpadl, 0x5)                                      \
    X(VmbusPacketTypeDataInBand, 0x6)                                         \
    X(VmbusPacketTypeDataUsingTransferPages, 0x7)                             \
    X(VmbusPacketTypeDataUsingGpadl, 0x8)                                     \
    X(VmbusPacketTypeDataUsingGpaDirect, 0x9)                                 \
    X(VmbusPacketTypeCancelRequest, 0xA)                                      \
    X(VmbusPacketTypeCompletion, 0xB)                                         \
    X(VmbusPacketTypeDataUsingAdditionalPacket, 0xC)                          \
    X(VmbusPacketTypeAdditionalData, 0xD)

typedef uint16_t VMBUS_PACKET_TYPE;
#define VMBUS_ENUM_ENTRY_(name, value) name = value,
enum VMBUS_PACKET_TYPE_ENUM { VMBUS_PACKET_TYPE_LIST(VMBUS_ENUM_ENTRY_) };
#undef VMBUS_ENUM_ENTRY_

/* VMPACKET_DESCRIPTOR.Flags: the sender wants a completion packet back
 * carrying the same TransactionId. */
#define VMBUS_DATA_PACKET_FLAG_COMPLETION_REQUESTED 0x0001u

typedef struct VMPACKET_DESCRIPTOR {
    uint16_t Type;        /* VMBUS_PACKET_TYPE */
    uint16_t DataOffset8; /* start of the payload, in 8-byte units */
    uint16_t Length8;     /* whole packet without trailer, 8-byte units */
    uint16_t Flags;       /* VMBUS_DATA_PACKET_FLAG_... */
    uint64_t TransactionId;
} VMPACKET_DESCRIPTOR;
HV_ASSERT_SIZE(VMPACKET_DESCRIPTOR, 16);
HV_ASSERT_OFFSET(VMPACKET_DESCRIPTOR, DataOffset8, 2);
HV_ASSERT_OFFSET(VMPACKET_DESCRIPTOR, Length8, 4);
HV_ASSERT_OFFSET(VMPACKET_DESCRIPTOR, Flags, 6);
HV_ASSERT_OFFSET(VMPACKET_DESCRIPTOR, TransactionId, 8);

/* The largest packet a descriptor can describe. */
#define VMBUS_PACKET_MAX_LENGTH (0xFFFFu * 8u)

/* The 8 bytes after each packet: its own start offset in the ring. */
typedef union VMBUS_PACKET_TRAILER {
    uint64_t AsUINT64;
    struct {
        uint32_t Reserved;
        uint32_t PreviousPacketOffset;
    } Fields;
} VMBUS_PACKET_TRAILER;
HV_ASSERT_SIZE(VMBUS_PACKET_TRAILER, 8);

static HV_INLINE uint64_t vmbus_packet_trailer(uint32_t packet_start)
{
    return HV_CAST(uint64_t, packet_start) << 32;
}

/*
 * Ring bytes a packet takes: its header (the descriptor and the type's
 * fields, header_size bytes, a multiple of 8), payload_size bytes of
 * payload padded to 8, and the trailer.  Length8 is (this - trailer) / 8
 * and DataOffset8 is header_size / 8.
 */
static HV_INLINE uint32_t vmbus_packet_ring_size(uint32_t header_size,
                                                 uint32_t payload_size)
{
    return VMBUS_PACKET_ALIGN(header_size + payload_size) +
           VMBUS_PACKET_TRAILER_SIZE;
}

/*
 * Check a received descriptor's lengths against what the reader has in
 * hand ("available" bytes of packet, trailer not included).  Returns
 * non-zero if the payload lies inside the packet and the packet inside
 * what is available.
 */
static HV_INLINE int vmbus_packet_descriptor_valid(const VMPACKET_DESCRIPTOR *d,
                                                   uint32_t available)
{
    uint32_t length = HV_CAST(uint32_t, d->Length8) * 8u;
    uint32_t offset = HV_CAST(uint32_t, d->DataOffset8) * 8u;

    return offset >= sizeof(VMPACKET_DESCRIPTOR) && offset <= length &&
           length <= available;
}

/* Payload of a packet: it starts DataOffset8 * 8 bytes in and runs to the
 * end of the packet (Length8 * 8), padding included. */
static HV_INLINE uint32_t vmbus_packet_payload_offset(const VMPACKET_DESCRIPTOR *d)
{
    return HV_CAST(uint32_t, d->DataOffset8) * 8u;
}

static HV_INLINE uint32_t vmbus_packet_payload_size(const VMPACKET_DESCRIPTOR *d)
{
    return (HV_CAST(uint32_t, d->Length8) - d->DataOffset8) * 8u;
}

/* ---- transfer pages (VmbusPacketTypeDataUsingTransferPages) -------------- */

/*
 * Data in a buffer the receiver shared earlier (a transfer page set, for
 * example netvsc's receive buffer): the packet names the set and byte
 * ranges in it.  The RangeCount VMTRANSFER_PAGE_RANGEs follow the header.
 */
typedef struct VMTRANSFER_PAGE_RANGE {
    uint32_t ByteCount;
    uint32_t ByteOffset; /* from the start of the transfer page set */
} VMTRANSFER_PAGE_RANGE;
HV_ASSERT_SIZE(VMTRANSFER_PAGE_RANGE, 8);

typedef struct VMTRANSFER_PAGE_PACKET_HEADER {
    VMPACKET_DESCRIPTOR Descriptor;
    uint16_t TransferPageSetId;
    uint8_t SenderOwnsSet;
    uint8_t Reserved;
    uint32_t RangeCount;
} VMTRANSFER_PAGE_PACKET_HEADER;
HV_ASSERT_SIZE(VMTRANSFER_PAGE_PACKET_HEADER, 24);
HV_ASSERT_OFFSET(VMTRANSFER_PAGE_PACKET_HEADER, TransferPageSetId, 16);
HV_ASSERT_OFFSET(VMTRANSFER_PAGE_PACKET_HEADER, SenderOwnsSet, 18);
HV_ASSERT_OFFSET(VMTRANSFER_PAGE_PACKET_HEADER, RangeCount, 20);

/* Header bytes of a transfer page packet with n ranges. */
#define VMBUS_TRANSFER_PAGE_HEADER_SIZE(n) (24u + 8u * HV_CAST(uint32_t, n))

/* VmbusPacketTypeAddTransferPageSet / RemoveTransferPageSet. */
typedef struct VMADD_REMOVE_TRANSFER_PAGE_SET {
    VMPACKET_DESCRIPTOR Descriptor;
    uint32_t Gpadl;
    uint16_t TransferPageSetId;
    uint16_t Reserved;
} VMADD_REMOVE_TRANSFER_PAGE_SET;
HV_ASSERT_SIZE(VMADD_REMOVE_TRANSFER_PAGE_SET, 24);
HV_ASSERT_OFFSET(VMADD_REMOVE_TRANSFER_PAGE_SET, TransferPageSetId, 20);

/* ---- GPA-direct data (VmbusPacketTypeDataUsingGpaDirect) ------------------ */

/*
 * Data in guest pages named in the packet itself (storvsc's I/O buffers,
 * netvsc's transmitted frames): RangeCount GPA ranges follow the header,
 * each a GPA_RANGE and its PFNs (hv_vmbus.h); here they are 8-byte
 * aligned.
 */
typedef struct VMDATA_GPA_DIRECT {
    VMPACKET_DESCRIPTOR Descriptor;
    uint32_t Reserved;
    uint32_t RangeCount;
} VMDATA_GPA_DIRECT;
HV_ASSERT_SIZE(VMDATA_GPA_DIRECT, 24);
HV_ASSERT_OFFSET(VMDATA_GPA_DIRECT, RangeCount, 20);

/* ---- GPADL packets --------------------------------------------------------- */

/* VmbusPacketTypeDataUsingGpadl: data in an established GPADL. */
typedef struct VMGPADL_PACKET_HEADER {
    VMPACKET_DESCRIPTOR Descriptor;
    uint32_t Gpadl;
    uint32_t Reserved;
} VMGPADL_PACKET_HEADER;
HV_ASSERT_SIZE(VMGPADL_PACKET_HEADER, 24);

/* VmbusPacketTypeEstablishGpadl: GPA ranges (as in VMDATA_GPA_DIRECT)
 * follow the header. */
typedef struct VMESTABLISH_GPADL {
    VMPACKET_DESCRIPTOR Descriptor;
    uint32_t Gpadl;
    uint32_t RangeCount;
} VMESTABLISH_GPADL;
HV_ASSERT_SIZE(VMESTABLISH_GPADL, 24);

typedef struct VMTEARDOWN_GPADL {
    VMPACKET_DESCRIPTOR Descriptor;
    uint32_t Gpadl;
    uint32_t Reserved;
} VMTEARDOWN_GPADL;
HV_ASSERT_SIZE(VMTEARDOWN_GPADL, 24);

/* VmbusPacketTypeAdditionalData: a continuation of a larger packet. */
typedef struct VMADDITIONAL_DATA {
    VMPACKET_DESCRIPTOR Descriptor;
    uint64_t TotalBytes;
    uint32_t ByteOffset;
    uint32_t ByteCount;
    /* ByteCount bytes of data follow */
} VMADDITIONAL_DATA;
HV_ASSERT_SIZE(VMADDITIONAL_DATA, 32);
HV_ASSERT_OFFSET(VMADDITIONAL_DATA, ByteOffset, 24);

/* ---- message pipes ------------------------------------------------------- */

/*
 * Channels offered in named pipe mode (the integration services, synthetic
 * video, the synthetic mouse) put a pipe header in front of each message
 * in the packet payload.
 */
#define VMPIPE_MESSAGE_TYPE_LIST(X)                                           \
    X(VmPipeMessageInvalid, 0)                                                \
    X(VmPipeMessageData, 1)                                                   \
    X(VmPipeMessagePartial, 2)                                                \
    X(VmPipeMessageSetupGpaDirect, 3)                                         \
    X(VmPipeMessageTeardownGpaDirect, 4)                                      \
    X(VmPipeMessageIndicationComplete, 5)

#define VMBUS_ENUM_ENTRY_(name, value) name = value,
enum VMPIPE_PROTOCOL_MESSAGE_TYPE_ENUM {
    VMPIPE_MESSAGE_TYPE_LIST(VMBUS_ENUM_ENTRY_)
};
#undef VMBUS_ENUM_ENTRY_

typedef struct VMPIPE_PROTOCOL_HEADER {
    uint32_t PacketType; /* VmPipeMessage... */
    uint32_t DataSize;   /* bytes of message after this header */
} VMPIPE_PROTOCOL_HEADER;
HV_ASSERT_SIZE(VMPIPE_PROTOCOL_HEADER, 8);
HV_ASSERT_OFFSET(VMPIPE_PROTOCOL_HEADER, DataSize, 4);

#endif /* HYPERV_HV_VMBUS_RING_H */
