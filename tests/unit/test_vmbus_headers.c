/*
 * test_vmbus_headers.c - unit tests for the VMBus headers of include/hyperv/
 * and src/hv/vmbus_ids.c.
 *
 * Layouts are asserted at compile time by the headers; these tests check
 * behaviour and bytes: GUID text and wire forms, the ring index
 * arithmetic (empty, full, wrap-around, hostile indices, pending send
 * size), packet descriptor checks, message sizes, GPA range page counts,
 * SynIC event flags, a few messages built field by field and compared
 * byte for byte with their wire form, and that data/hyperv/vmbus.csv
 * agrees with the table built from the headers.
 *
 * The CSV is found as argv[1] (a file, or the source tree's root), else
 * $WISP_SOURCE_DIR/data/hyperv/vmbus.csv, else ./data/hyperv/vmbus.csv.
 * "--print-csv" writes the table (to regenerate the file).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <hyperv/hyperv.h>
#include <hyperv/vmbus.h>

#include "hv/vmbus_ids.h"

#define CSV_RELATIVE_PATH "data/hyperv/vmbus.csv"

static char csv_path[4096];

/* ---- GUIDs ----------------------------------------------------------------- */

static void test_guid_text_and_bytes(void **state)
{
    static const HV_GUID heartbeat = VMBUS_CLASS_HEARTBEAT;
    /* The 16 bytes an offer carries for the heartbeat class. */
    static const uint8_t wire[16] = { 0x39, 0x4f, 0x16, 0x57, 0x15, 0x91,
                                      0x78, 0x4e, 0xab, 0x55, 0x38, 0x2f,
                                      0x3b, 0xd5, 0x42, 0x2d };
    char text[HV_GUID_STRING_LENGTH + 1];
    uint8_t bytes[16];
    HV_GUID g;

    (void)state;
    hv_guid_to_string(&heartbeat, text);
    assert_string_equal(text, "57164f39-9115-4e78-ab55-382f3bd5422d");
    hv_guid_to_bytes(&heartbeat, bytes);
    assert_memory_equal(bytes, wire, 16);
    /* On a little-endian host the structure is the wire form. */
    assert_memory_equal(&heartbeat, wire, 16);

    hv_guid_from_bytes(&g, wire);
    assert_true(hv_guid_equal(&g, &heartbeat));

    memset(&g, 0, sizeof(g));
    assert_true(hv_guid_is_null(&g));
    assert_int_equal(hv_guid_from_string(&g, "{57164F39-9115-4E78-AB55-382F3BD5422D}",
                                         38),
                     0);
    assert_true(hv_guid_equal(&g, &heartbeat));
    assert_false(hv_guid_is_null(&g));
    assert_int_equal(hv_guid_from_string(&g, text, strlen(text)), 0);
    assert_true(hv_guid_equal(&g, &heartbeat));

    /* Malformed text is refused without reading past the length. */
    assert_int_equal(hv_guid_from_string(&g, text, 35), -1);
    assert_int_equal(hv_guid_from_string(&g, "57164f39x9115-4e78-ab55-382f3bd5422d",
                                         36),
                     -1);
    assert_int_equal(hv_guid_from_string(&g, "57164f39-9115-4e78-ab55-382f3bd5422g",
                                         36),
                     -1);
    assert_int_equal(hv_guid_from_string(&g, "{57164f39-9115-4e78-ab55-382f3bd5422d",
                                         37),
                     -1);
    assert_int_equal(hv_guid_from_string(&g, "{57164f39-9115-4e78-ab55-382f3bd5422d)",
                                         38),
                     -1);
    assert_int_equal(hv_guid_from_string(&g, "", 0), -1);
}

static void test_le_helpers(void **state)
{
    uint8_t b[12];

    (void)state;
    memset(b, 0xEE, sizeof(b));
    hv_store_le64(b + 1, 0x0102030405060708ULL);
    assert_int_equal(b[0], 0xEE);
    assert_int_equal(b[1], 0x08);
    assert_int_equal(b[8], 0x01);
    assert_int_equal(b[9], 0xEE);
    assert_int_equal(hv_load_le64(b + 1), 0x0102030405060708ULL);
    assert_int_equal(hv_load_le32(b + 1), 0x05060708u);
    assert_int_equal(hv_load_le16(b + 3), 0x0506u);
    hv_store_le16(b + 10, 0xBEEF);
    assert_int_equal(b[10], 0xEF);
    assert_int_equal(b[11], 0xBE);
}

static void test_device_classes(void **state)
{
#define CLASS_ROW(macro, short_name, what) { short_name, macro },
    static const struct {
        const char *name;
        HV_GUID guid;
    } classes[] = { VMBUS_DEVICE_CLASS_LIST(CLASS_ROW) };
#undef CLASS_ROW
    size_t n = sizeof(classes) / sizeof(classes[0]), i, j;
    static const HV_GUID shutdown = VMBUS_CLASS_SHUTDOWN;
    static const HV_GUID network = VMBUS_CLASS_NETWORK;
    HV_GUID unknown;

    (void)state;
    assert_int_equal(n, 20);
    for (i = 0; i < n; i++) {
        assert_false(hv_guid_is_null(&classes[i].guid));
        for (j = i + 1; j < n; j++) {
            assert_false(hv_guid_equal(&classes[i].guid, &classes[j].guid));
            assert_true(strcmp(classes[i].name, classes[j].name) != 0);
        }
        assert_non_null(vmbus_device_class_name(&classes[i].guid));
    }
    assert_string_equal(vmbus_device_class_name(&shutdown),
                        "VMBUS_CLASS_SHUTDOWN");
    assert_string_equal(vmbus_device_class_name(&network),
                        "VMBUS_CLASS_NETWORK");
    unknown = network;
    unknown.Data4[7] ^= 1;
    assert_null(vmbus_device_class_name(&unknown));
}

/* ---- rings ----------------------------------------------------------------- */

static void test_ring_arithmetic(void **state)
{
    const uint32_t size = 4 * 4096;

    (void)state;
    /* Empty. */
    assert_int_equal(vmbus_ring_bytes_to_read(0, 0, size), 0);
    assert_int_equal(vmbus_ring_bytes_to_write(0, 0, size), size);
    assert_int_equal(vmbus_ring_bytes_to_read(4096, 4096, size), 0);
    /* Writer ahead of reader. */
    assert_int_equal(vmbus_ring_bytes_to_read(128, 64, size), 64);
    assert_int_equal(vmbus_ring_bytes_to_write(128, 64, size), size - 64);
    /* Writer wrapped around, reader not yet. */
    assert_int_equal(vmbus_ring_bytes_to_read(64, size - 64, size), 128);
    assert_int_equal(vmbus_ring_bytes_to_write(64, size - 64, size),
                     size - 128);
    /* As full as the protocol allows: one slot of 8 bytes left. */
    assert_int_equal(vmbus_ring_bytes_to_read(size - 8, 0, size), size - 8);
    assert_int_equal(vmbus_ring_bytes_to_write(size - 8, 0, size), 8);
    assert_int_equal(vmbus_ring_bytes_to_write(56, 64, size), 8);

    /* Advancing wraps at the end of the data area. */
    assert_int_equal(vmbus_ring_advance(0, 64, size), 64);
    assert_int_equal(vmbus_ring_advance(size - 64, 64, size), 0);
    assert_int_equal(vmbus_ring_advance(size - 64, 72, size), 8);
    assert_int_equal(vmbus_ring_advance(size - 8, size, size), size - 8);

    /* Indices a guest might write. */
    assert_true(vmbus_ring_indices_valid(0, 0, size));
    assert_true(vmbus_ring_indices_valid(size - 8, 8, size));
    assert_false(vmbus_ring_indices_valid(size, 0, size));
    assert_false(vmbus_ring_indices_valid(0, size, size));
    assert_false(vmbus_ring_indices_valid(0xFFFFFFF8u, 0, size));
    assert_false(vmbus_ring_indices_valid(4, 0, size));
    assert_false(vmbus_ring_indices_valid(0, 12, size));
    assert_false(vmbus_ring_indices_valid(0, 0, 0));
    assert_false(vmbus_ring_indices_valid(0, 0, 4100));
}

static void test_ring_pending_send_size(void **state)
{
    (void)state;
    /* Nobody waiting. */
    assert_false(vmbus_ring_pending_send_satisfied(0, 100, 4000));
    /* The read crosses the threshold: a 512-byte write needs 513 free. */
    assert_true(vmbus_ring_pending_send_satisfied(512, 100, 600));
    assert_true(vmbus_ring_pending_send_satisfied(512, 512, 513));
    /* Not enough yet. */
    assert_false(vmbus_ring_pending_send_satisfied(512, 100, 512));
    assert_false(vmbus_ring_pending_send_satisfied(512, 511, 512));
    /* Already had enough before: the writer was told, or did not wait. */
    assert_false(vmbus_ring_pending_send_satisfied(512, 513, 4096));
}

static void test_packet_sizes(void **state)
{
    VMPACKET_DESCRIPTOR d;
    uint8_t bytes[16];

    (void)state;
    assert_int_equal(VMBUS_PACKET_ALIGN(0), 0);
    assert_int_equal(VMBUS_PACKET_ALIGN(1), 8);
    assert_int_equal(VMBUS_PACKET_ALIGN(8), 8);
    assert_int_equal(VMBUS_PACKET_ALIGN(4093), 4096);
    /* An in-band packet with a 28-byte IC message body. */
    assert_int_equal(vmbus_packet_ring_size(16, 8 + 20 + 28), 72 + 8);
    assert_int_equal(vmbus_packet_ring_size(16, 0), 24);
    assert_int_equal(VMBUS_TRANSFER_PAGE_HEADER_SIZE(1), 32);
    assert_int_equal(vmbus_packet_trailer(0x2000), 0x0000200000000000ULL);

    memset(&d, 0, sizeof(d));
    d.Type = VmbusPacketTypeDataInBand;
    d.DataOffset8 = 2;
    d.Length8 = 9;
    d.Flags = VMBUS_DATA_PACKET_FLAG_COMPLETION_REQUESTED;
    d.TransactionId = 0x1122334455667788ULL;
    memcpy(bytes, &d, sizeof(bytes));
    assert_int_equal(bytes[0], 6);
    assert_int_equal(bytes[2], 2);
    assert_int_equal(bytes[4], 9);
    assert_int_equal(bytes[6], 1);
    assert_int_equal(bytes[8], 0x88);
    assert_true(vmbus_packet_descriptor_valid(&d, 72));
    assert_int_equal(vmbus_packet_payload_offset(&d), 16);
    assert_int_equal(vmbus_packet_payload_size(&d), 56);
    /* Longer than what is in the ring. */
    assert_false(vmbus_packet_descriptor_valid(&d, 64));
    /* Payload before the end of the descriptor, or past the packet. */
    d.DataOffset8 = 1;
    assert_false(vmbus_packet_descriptor_valid(&d, 72));
    d.DataOffset8 = 10;
    assert_false(vmbus_packet_descriptor_valid(&d, 72));
    d.DataOffset8 = 9; /* empty payload */
    assert_true(vmbus_packet_descriptor_valid(&d, 72));
    assert_int_equal(vmbus_packet_payload_size(&d), 0);
    d.DataOffset8 = 0xFFFF;
    d.Length8 = 0xFFFF;
    assert_false(vmbus_packet_descriptor_valid(&d, 4096));
    assert_true(vmbus_packet_descriptor_valid(&d, VMBUS_PACKET_MAX_LENGTH));
}

static void test_ring_control_page(void **state)
{
    VMRCB *rcb = calloc(1, sizeof(*rcb));
    const uint8_t *b = (const uint8_t *)rcb;

    (void)state;
    assert_non_null(rcb);
    rcb->In = 0x100;
    rcb->Out = 0x40;
    rcb->InterruptMask = 1;
    rcb->PendingSendSize = 0x200;
    rcb->FeatureBits.Bits.SupportsPendingSendSize = 1;
    assert_int_equal(b[0], 0x00);
    assert_int_equal(b[1], 0x01);
    assert_int_equal(b[4], 0x40);
    assert_int_equal(b[8], 1);
    assert_int_equal(b[13], 0x02);
    assert_int_equal(b[64], 1);
    free(rcb);
}

/* ---- channel messages -------------------------------------------------------- */

static void test_message_sizes(void **state)
{
#define MSG_ROW(name, value, sender) { name, #name },
    static const struct {
        uint32_t type;
        const char *name;
    } messages[] = { VMBUS_CHANNEL_MESSAGE_LIST(MSG_ROW) };
#undef MSG_ROW
    size_t i, n = sizeof(messages) / sizeof(messages[0]);

    (void)state;
    assert_int_equal(n, ChannelMessageCount);
    for (i = 0; i < n; i++) {
        uint32_t size = vmbus_channel_message_min_size(messages[i].type);
        assert_int_equal(messages[i].type, i);
        if (messages[i].type == ChannelMessageInvalid) {
            assert_int_equal(size, 0);
            continue;
        }
        if (size < sizeof(VMBUS_CHANNEL_MESSAGE_HEADER) ||
            size > VMBUS_MESSAGE_MAX_SIZE)
            fail_msg("%s: minimum size %u", messages[i].name, size);
    }
    assert_int_equal(vmbus_channel_message_min_size(ChannelMessageCount), 0);
    assert_int_equal(vmbus_channel_message_min_size(0xFFFFFFFFu), 0);

    /* Every full structure fits in one SynIC message. */
    assert_true(sizeof(VMBUS_CHANNEL_OFFER_CHANNEL) <= VMBUS_MESSAGE_MAX_SIZE);
    assert_true(sizeof(VMBUS_CHANNEL_OPEN_CHANNEL) <= VMBUS_MESSAGE_MAX_SIZE);
    assert_int_equal(sizeof(VMBUS_CHANNEL_GPADL_BODY), VMBUS_MESSAGE_MAX_SIZE);
    /* The minimums are the structures without their newer tails. */
    assert_int_equal(vmbus_channel_message_min_size(ChannelMessageOfferChannel),
                     offsetof(VMBUS_CHANNEL_OFFER_CHANNEL, InterruptFlags));
    assert_int_equal(vmbus_channel_message_min_size(ChannelMessageOpenChannel),
                     offsetof(VMBUS_CHANNEL_OPEN_CHANNEL, ConnectionId));
    assert_int_equal(
        vmbus_channel_message_min_size(ChannelMessageInitiateContact),
        offsetof(VMBUS_CHANNEL_INITIATE_CONTACT, ClientId));
    assert_int_equal(
        vmbus_channel_message_min_size(ChannelMessageVersionResponse),
        offsetof(VMBUS_CHANNEL_VERSION_RESPONSE, SupportedFeatures));
    assert_int_equal(
        vmbus_channel_message_min_size(ChannelMessageTlConnectRequest),
        offsetof(VMBUS_CHANNEL_TL_CONNECT_REQUEST, SiloId));
    assert_int_equal(vmbus_channel_message_min_size(ChannelMessageGpadlHeader),
                     sizeof(VMBUS_CHANNEL_GPADL_HEADER));
    assert_int_equal(vmbus_channel_message_min_size(ChannelMessageGpadlBody),
                     offsetof(VMBUS_CHANNEL_GPADL_BODY, Pfn));
}

static void test_gpadl_counts(void **state)
{
    (void)state;
    assert_int_equal(VMBUS_GPADL_HEADER_MAX_PFNS, 26);
    assert_int_equal(VMBUS_GPADL_BODY_MAX_PFNS, 28);
    assert_int_equal(VMBUS_GPADL_BODY_SIZE(28), 240);
    assert_int_equal(GPA_RANGE_SIZE(26) + VMBUS_GPADL_HEADER_RANGES_OFFSET, 236);

    assert_int_equal(hv_gpa_range_pfn_count(0, 0), 0);
    assert_int_equal(hv_gpa_range_pfn_count(0, 1), 1);
    assert_int_equal(hv_gpa_range_pfn_count(0, 4096), 1);
    assert_int_equal(hv_gpa_range_pfn_count(0, 4097), 2);
    assert_int_equal(hv_gpa_range_pfn_count(4095, 2), 2);
    assert_int_equal(hv_gpa_range_pfn_count(100, 8192), 3);
    /* The offset counts within its page only. */
    assert_int_equal(hv_gpa_range_pfn_count(4096 + 100, 8192), 3);
    /* No overflow at the largest sizes. */
    assert_int_equal(hv_gpa_range_pfn_count(4095, 0xFFFFFFFFu), 0x100001ULL);
}

static void test_initiate_contact_bytes(void **state)
{
    VMBUS_CHANNEL_INITIATE_CONTACT m;
    uint8_t b[sizeof(m)];

    (void)state;
    memset(&m, 0, sizeof(m));
    m.Header.MessageType = ChannelMessageInitiateContact;
    m.VMBusVersionRequested = VMBUS_VERSION_WIN10RS5;
    m.TargetMessageVp = 3;
    m.Target.TargetInfo.TargetSint = VMBUS_MESSAGE_SINT;
    m.ParentToChildMonitorPageGpa = 0x12345000ULL;
    m.ChildToParentMonitorPageGpa = 0x12346000ULL;
    memcpy(b, &m, sizeof(b));
    assert_int_equal(b[0], 14);
    assert_int_equal(hv_load_le32(b + 8), 0x00050002u);
    assert_int_equal(b[12], 3);
    assert_int_equal(b[16], 2);
    assert_int_equal(hv_load_le64(b + 16), 2);
    assert_int_equal(hv_load_le64(b + 24), 0x12345000ULL);
    assert_int_equal(hv_load_le64(b + 32), 0x12346000ULL);
    assert_int_equal(VMBUS_VERSION_MAJOR(VMBUS_VERSION_WIN10RS5), 5);
    assert_int_equal(VMBUS_VERSION_MINOR(VMBUS_VERSION_WIN10RS5), 2);
    assert_int_equal(VMBUS_VERSION_V1, 13);
    assert_true(VMBUS_VERSION_COPPER > VMBUS_VERSION_IRON);
}

static void test_offer_bytes(void **state)
{
    static const HV_GUID heartbeat = VMBUS_CLASS_HEARTBEAT;
    VMBUS_CHANNEL_OFFER_CHANNEL o;
    uint8_t b[sizeof(o)];
    HV_GUID g;

    (void)state;
    memset(&o, 0, sizeof(o));
    o.Header.MessageType = ChannelMessageOfferChannel;
    o.InterfaceType = heartbeat;
    o.ChannelFlags = VMBUS_OFFER_FLAG_NAMED_PIPE_MODE;
    hv_store_le32(o.UserDefined, VMBUS_PIPE_TYPE_MESSAGE);
    o.ChildRelId = 7;
    o.MonitorId = 0xFF;
    o.InterruptFlags.Bits.IsDedicatedInterrupt = 1;
    o.ConnectionId = 0x2007;
    memcpy(b, &o, sizeof(b));
    assert_int_equal(b[0], 1);
    hv_guid_from_bytes(&g, b + 8);
    assert_true(hv_guid_equal(&g, &heartbeat));
    assert_int_equal(b[56], 0x10);
    assert_int_equal(b[60], 4);
    assert_int_equal(b[184], 7);
    assert_int_equal(b[188], 0xFF);
    assert_int_equal(b[189], 0);
    assert_int_equal(b[190], 1);
    assert_int_equal(hv_load_le32(b + 192), 0x2007);
    assert_int_equal(VMBUS_CHANNEL_OFFER_CHANNEL_SIZE_V1, 190);
}

static void test_ic_messages(void **state)
{
    uint8_t buf[8 + 20 + 8 + 4 * 4];
    VMPIPE_PROTOCOL_HEADER pipe;
    HV_IC_MSG_HEADER ic;
    HV_IC_NEGOTIATE neg;
    HV_IC_TIMESYNC_REF_MESSAGE ts;
    uint8_t tsb[sizeof(ts)];

    (void)state;
    /* A negotiation as a host sends it: framework 1.0/3.0, heartbeat 3.0. */
    memset(buf, 0, sizeof(buf));
    pipe.PacketType = VmPipeMessageData;
    pipe.DataSize = sizeof(buf) - sizeof(pipe);
    memset(&ic, 0, sizeof(ic));
    ic.IcMessageType = HV_ICMSGTYPE_NEGOTIATE;
    ic.IcMessageSize = (uint16_t)HV_IC_NEGOTIATE_SIZE(2, 1);
    ic.IcTransactionId = 9;
    ic.IcFlags = HV_ICMSGHDRFLAG_TRANSACTION | HV_ICMSGHDRFLAG_REQUEST;
    memset(&neg, 0, sizeof(neg));
    neg.FrameworkVersionCount = 2;
    neg.MessageVersionCount = 1;
    memcpy(buf, &pipe, sizeof(pipe));
    memcpy(buf + 8, &ic, sizeof(ic));
    memcpy(buf + HV_IC_MESSAGE_BODY_OFFSET, &neg, sizeof(neg));
    assert_int_equal(HV_IC_MESSAGE_BODY_OFFSET, 28);
    assert_int_equal(HV_IC_NEGOTIATE_SIZE(2, 1), 20);
    assert_int_equal(buf[0], 1);
    assert_int_equal(buf[8 + 4], 0);
    assert_int_equal(buf[8 + 10], 20);
    assert_int_equal(buf[8 + 16], 9);
    assert_int_equal(buf[8 + 17], 3);
    assert_int_equal(buf[28], 2);
    assert_int_equal(buf[30], 1);

    assert_int_equal(HV_IC_SHUTDOWN_VERSION_3_2, 0x00030002u);
    assert_int_equal(HV_IC_FRAMEWORK_VERSION_3, 0x00030000u);

    /* The Unix epoch in Windows time, and the packed reference message. */
    assert_int_equal(HV_IC_WINDOWS_TIME_UNIX_EPOCH / 10000000ULL,
                     11644473600ULL);
    memset(&ts, 0, sizeof(ts));
    ts.ParentTime = HV_IC_WINDOWS_TIME_UNIX_EPOCH;
    ts.VmReferenceTime = 0x0102030405060708ULL;
    ts.Flags = HV_IC_TIMESYNC_FLAG_SYNC;
    ts.Stratum = 2;
    memcpy(tsb, &ts, sizeof(tsb));
    assert_int_equal(hv_load_le64(tsb), HV_IC_WINDOWS_TIME_UNIX_EPOCH);
    assert_int_equal(hv_load_le64(tsb + 8), 0x0102030405060708ULL);
    assert_int_equal(tsb[16], 1);
    assert_int_equal(tsb[18], 2);
}

static void test_device_protocol_numbers(void **state)
{
    VSTOR_PACKET p;
    uint8_t b[sizeof(p)];

    (void)state;
    /* Each protocol's own version encoding. */
    assert_int_equal(SYNTHVID_VERSION_WIN10, 0x00050003u);
    assert_int_equal(SYNTHVID_VERSION_MAJOR(SYNTHVID_VERSION_WIN10), 3);
    assert_int_equal(SYNTHVID_VERSION_MINOR(SYNTHVID_VERSION_WIN10), 5);
    assert_int_equal(VMSTOR_PROTOCOL_VERSION_WIN10, 0x0602);
    assert_int_equal(VMSTOR_PROTOCOL_MAJOR(0x0602), 6);
    assert_int_equal(NVSP_PROTOCOL_VERSION_1, 2);
    assert_int_equal(NVSP_PROTOCOL_VERSION_61, 0x00060001u);
    assert_int_equal(HK_VERSION_WIN8, 0x00010000u);
    assert_int_equal(SYNTHHID_INPUT_VERSION, 0x00020000u);

    /* A SCSI READ(10) request as storvsc sends it. */
    memset(&p, 0, sizeof(p));
    p.Operation = VStorOperationExecuteSrb;
    p.Flags = VSTOR_FLAG_REQUEST_COMPLETION;
    p.Payload.VmSrb.Length = VMSCSI_REQUEST_SIZE_REVISION_2;
    p.Payload.VmSrb.TargetId = 1;
    p.Payload.VmSrb.Lun = 2;
    p.Payload.VmSrb.CdbLength = 10;
    p.Payload.VmSrb.SenseInfoExLength = VMSCSI_SENSE_BUFFER_SIZE;
    p.Payload.VmSrb.DataIn = VMSCSI_DATA_IN;
    p.Payload.VmSrb.DataTransferLength = 4096;
    p.Payload.VmSrb.Buffer.Cdb[0] = 0x28;
    p.Payload.VmSrb.SrbFlags = VMSCSI_SRB_FLAGS_DATA_IN;
    memcpy(b, &p, sizeof(b));
    assert_int_equal(b[0], 3);
    assert_int_equal(b[4], 1);
    assert_int_equal(b[12], 0x34);
    assert_int_equal(b[12 + 6], 1);
    assert_int_equal(b[12 + 7], 2);
    assert_int_equal(b[12 + 8], 10);
    assert_int_equal(b[12 + 9], 0x14);
    assert_int_equal(b[12 + 10], 1);
    assert_int_equal(hv_load_le32(b + 12 + 12), 4096);
    assert_int_equal(b[12 + 16], 0x28);
    assert_int_equal(hv_load_le32(b + 12 + 40), 0x40);
    assert_int_equal(VSTOR_PACKET_SIZE_REVISION_1,
                     offsetof(VSTOR_PACKET, Payload) +
                         VMSCSI_REQUEST_SIZE_REVISION_1);
    assert_int_equal(VMSCSI_SRB_STATUS(VMSCSI_SRB_STATUS_SUCCESS | VMSCSI_SRB_STATUS_AUTOSENSE_VALID),
                     VMSCSI_SRB_STATUS_SUCCESS);

    /* RNDIS completions are their requests with the high bit set. */
    assert_int_equal(REMOTE_NDIS_QUERY_MSG | REMOTE_NDIS_COMPLETION,
                     REMOTE_NDIS_QUERY_CMPLT);
    assert_int_equal(REMOTE_NDIS_INITIALIZE_MSG | REMOTE_NDIS_COMPLETION,
                     REMOTE_NDIS_INITIALIZE_CMPLT);
    assert_int_equal(sizeof(NVSP_MESSAGE), 40);
}

/* ---- SynIC pieces VMBus uses --------------------------------------------- */

static void test_synic_helpers(void **state)
{
    HV_SYNIC_EVENT_FLAGS flags;
    HV_MESSAGE msg;
    uint8_t b[16];

    (void)state;
    memset(&flags, 0, sizeof(flags));
    hv_event_flag_set(&flags, 0);
    hv_event_flag_set(&flags, 9);
    hv_event_flag_set(&flags, 2047);
    assert_int_equal(flags.Flags[0], 0x01);
    assert_int_equal(flags.Flags[1], 0x02);
    assert_int_equal(flags.Flags[255], 0x80);
    assert_true(hv_event_flag_test(&flags, 9));
    hv_event_flag_clear(&flags, 9);
    assert_false(hv_event_flag_test(&flags, 9));
    assert_true(hv_event_flag_test(&flags, 2047));

    assert_int_equal(hv_signal_event_fast_input(0x2007, 0),
                     0x0000000000002007ULL);
    assert_int_equal(hv_signal_event_fast_input(0xFF000002u, 5),
                     0x0000000500000002ULL);
    assert_int_equal(hv_monitor_trigger_group(0x45), 2);
    assert_int_equal(hv_monitor_trigger_bit(0x45), 5);
    assert_int_equal(VMBUS_MONITOR_ID_COUNT, 128);

    /* A channel message in a SIM slot, in Hyper-V's byte order. */
    memset(&msg, 0, sizeof(msg));
    msg.Header.MessageType = VMBUS_SYNIC_MESSAGE_TYPE;
    msg.Header.PayloadSize = sizeof(VMBUS_CHANNEL_VERSION_RESPONSE);
    msg.Header.MessageFlags.Bits.MessagePending = 1;
    memcpy(b, &msg.Header, sizeof(b));
    assert_int_equal(b[0], 1);
    assert_int_equal(b[4], 20);
    assert_int_equal(b[5], 1);
    assert_int_equal(b[6], 0);
    assert_int_equal(b[7], 0);
}

/* ---- the CSV against the table --------------------------------------------- */

static char *read_text(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long len;

    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 ||
        fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        return NULL;
    }
    buf = malloc((size_t)len + 1);
    if (buf && fread(buf, 1, (size_t)len, f) != (size_t)len) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf) {
        buf[len] = '\0';
        *size = (size_t)len;
    }
    return buf;
}

static void test_table_sane(void **state)
{
    size_t i, j;

    (void)state;
    assert_true(vmbus_id_table_count > 300);
    for (i = 0; i < vmbus_id_table_count; i++) {
        const struct vmbus_id *a = &vmbus_id_table[i];

        /* Nothing that would need CSV quoting. */
        assert_null(strpbrk(a->group, ",\"\n"));
        assert_null(strpbrk(a->name, ",\"\n"));
        assert_null(strpbrk(a->description, ",\"\n"));
        for (j = i + 1; j < vmbus_id_table_count; j++) {
            const struct vmbus_id *b = &vmbus_id_table[j];
            if (strcmp(a->name, b->name) == 0)
                fail_msg("%s is in the table twice", a->name);
            /* Within a group a number has one name, except the offer
             * flags whose meaning changed. */
            if (strcmp(a->group, b->group) == 0 && a->format != VMBUS_ID_GUID &&
                a->value == b->value &&
                strcmp(a->group, "vmbus-offer-flag") != 0)
                fail_msg("%s and %s share %s value %u", a->name, b->name,
                         a->group, a->value);
        }
    }
    assert_string_equal(vmbus_id_name("vmbus-message", 1),
                        "ChannelMessageOfferChannel");
    assert_string_equal(vmbus_id_name("vmbus-message", 29),
                        "ChannelMessageResume");
    assert_null(vmbus_id_name("vmbus-message", 30));
    assert_string_equal(vmbus_id_name("vmbus-version", 0x00050002),
                        "VMBUS_VERSION_WIN10RS5");
    assert_string_equal(vmbus_id_name("rndis-message", 0x80000002u),
                        "REMOTE_NDIS_INITIALIZE_CMPLT");
    assert_string_equal(vmbus_id_name("nvsp-message", 107),
                        "NvspMessage1TypeSendRNDISPacket");
    assert_null(vmbus_id_name("no-such-group", 1));
}

static void test_csv_matches_table(void **state)
{
    size_t size = 0, rows = 0;
    char *text = read_text(csv_path, &size);
    char *line, *next;

    (void)state;
    if (!text)
        fail_msg("cannot read %s (pass the CSV or the source tree as argv[1] "
                 "or set WISP_SOURCE_DIR)",
                 csv_path);
    assert_true(size > 0 && text[size - 1] == '\n');
    assert_null(strchr(text, '"'));
    assert_null(strchr(text, '\r'));

    line = text;
    next = strchr(line, '\n');
    *next = '\0';
    assert_string_equal(line, VMBUS_IDS_CSV_HEADER);

    for (line = next + 1; *line; line = next + 1) {
        char *f[4], *p, value[48];
        const struct vmbus_id *id;
        int n = 0;

        next = strchr(line, '\n');
        assert_non_null(next);
        *next = '\0';
        f[n++] = line;
        for (p = line; *p; p++) {
            if (*p == ',') {
                *p = '\0';
                if (n == 4)
                    fail_msg("CSV line %zu has more than 4 fields", rows + 2);
                f[n++] = p + 1;
            }
        }
        if (n != 4)
            fail_msg("CSV line %zu has %d fields, not 4", rows + 2, n);
        if (rows >= vmbus_id_table_count)
            fail_msg("CSV line %zu (%s): not in the headers", rows + 2, f[1]);
        id = &vmbus_id_table[rows];
        if (strcmp(f[1], id->name) != 0)
            fail_msg("CSV line %zu names %s, the headers %s", rows + 2, f[1],
                     id->name);
        assert_string_equal(f[0], id->group);
        vmbus_id_format_value(id, value, sizeof(value));
        if (strcmp(f[2], value) != 0)
            fail_msg("CSV line %zu: %s is %s, the headers say %s", rows + 2,
                     f[1], f[2], value);
        assert_string_equal(f[3], id->description);
        if (id->format == VMBUS_ID_GUID) {
            HV_GUID g;
            assert_int_equal(hv_guid_from_string(&g, f[2], strlen(f[2])), 0);
            assert_true(hv_guid_equal(&g, &id->guid));
        } else {
            assert_int_equal(strtoul(f[2], NULL, 0), id->value);
        }
        rows++;
    }
    if (rows != vmbus_id_table_count)
        fail_msg("the CSV has %zu rows, the headers %zu", rows,
                 vmbus_id_table_count);
    free(text);
}

static void test_csv_written_identically(void **state)
{
    size_t size = 0;
    char *text = read_text(csv_path, &size);
    char *buf;
    FILE *tmp = tmpfile();

    (void)state;
    assert_non_null(text);
    assert_non_null(tmp);
    assert_int_equal(vmbus_ids_write_csv(tmp), 0);
    assert_int_equal(ftell(tmp), (long)size);
    rewind(tmp);
    buf = malloc(size + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, size, tmp), size);
    assert_memory_equal(buf, text, size);
    free(buf);
    free(text);
    fclose(tmp);
}

static void find_csv(int argc, char **argv)
{
    const char *dir = getenv("WISP_SOURCE_DIR");
    struct stat st;

    if (argc > 1 && argv[1][0] != '\0') {
        if (stat(argv[1], &st) == 0 && S_ISDIR(st.st_mode))
            snprintf(csv_path, sizeof(csv_path), "%s/%s", argv[1],
                     CSV_RELATIVE_PATH);
        else
            snprintf(csv_path, sizeof(csv_path), "%s", argv[1]);
        return;
    }
    if (!dir || dir[0] == '\0')
        dir = ".";
    snprintf(csv_path, sizeof(csv_path), "%s/%s", dir, CSV_RELATIVE_PATH);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_guid_text_and_bytes),
        cmocka_unit_test(test_le_helpers),
        cmocka_unit_test(test_device_classes),
        cmocka_unit_test(test_ring_arithmetic),
        cmocka_unit_test(test_ring_pending_send_size),
        cmocka_unit_test(test_packet_sizes),
        cmocka_unit_test(test_ring_control_page),
        cmocka_unit_test(test_message_sizes),
        cmocka_unit_test(test_gpadl_counts),
        cmocka_unit_test(test_initiate_contact_bytes),
        cmocka_unit_test(test_offer_bytes),
        cmocka_unit_test(test_ic_messages),
        cmocka_unit_test(test_device_protocol_numbers),
        cmocka_unit_test(test_synic_helpers),
        cmocka_unit_test(test_table_sane),
        cmocka_unit_test(test_csv_matches_table),
        cmocka_unit_test(test_csv_written_identically),
    };

    if (argc > 1 && strcmp(argv[1], "--print-csv") == 0)
        return vmbus_ids_write_csv(stdout) == 0 ? 0 : 1;
    find_csv(argc, argv);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
