/*
 * test_vmbus_linux.c - include/hyperv/'s VMBus numbers against Linux's.
 *
 * Linux's Hyper-V drivers talk to real Hyper-V every day, so the numbers
 * in their sources are a second, independent witness for ours: protocol
 * versions, message types, flags, device class GUIDs, and the sizes and
 * member offsets of the messages.  This test reads those sources at run
 * time (tests/unit/linux_numbers.h evaluates the constants and lays the
 * structures out as GCC does) and compares them with the headers.  Only
 * numbers are compared; nothing of Linux is stored in this repository.
 *
 * Where the sources come from: $WISP_LINUX_SOURCE (a Linux tree, or the
 * directory scripts/fetch-linux-hv-headers.sh prints), else that script's
 * cache (~/.cache/wisp/linux-hv-headers-*).  Without either the tests are
 * skipped with the reason, unless WISP_REQUIRE_LINUX_SOURCE=1 (as
 * scripts/test.sh sets), which makes a missing source a failure.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hyperv/hyperv.h>
#include <hyperv/vmbus.h>

#include "linux_numbers.h"

static const char *const linux_files[] = {
    "include/asm-generic/hyperv-tlfs.h",
    "include/uapi/linux/hyperv.h",
    "include/linux/hyperv.h",
    "drivers/hv/hyperv_vmbus.h",
    "drivers/hv/hv_util.c",
    "drivers/hv/hv_kvp.c",
    "drivers/video/fbdev/hyperv_fb.c",
    "drivers/gpu/drm/hyperv/hyperv_drm_proto.c",
    "drivers/input/serio/hyperv-keyboard.c",
    "include/linux/hid.h",
    "drivers/hid/hid-hyperv.c",
    "drivers/scsi/storvsc_drv.c",
    "drivers/net/hyperv/hyperv_net.h",
    "include/linux/rndis.h",
};
#define LINUX_FILE_COUNT (sizeof(linux_files) / sizeof(linux_files[0]))

static struct ln_source *linux_src;
static char linux_root[4096];
static char why_missing[4600];

/* ---- constants -------------------------------------------------------------- */

struct constant_check {
    const char *linux_name;
    uint64_t ours;
    const char *our_name;
    unsigned bits; /* compare the low bits only */
};

#define C(linux_name, ours) { linux_name, (uint64_t)(ours), #ours, 32 },
#define C8(linux_name, ours) { linux_name, (uint64_t)(ours), #ours, 8 },
#define C64(linux_name, ours) { linux_name, (uint64_t)(ours), #ours, 64 },

static const struct constant_check constants[] = {
    /* SynIC (asm-generic/hyperv-tlfs.h, drivers/hv/hyperv_vmbus.h) */
    C("HV_SYNIC_SINT_COUNT", HV_SYNIC_SINT_COUNT)
    C("HV_MESSAGE_SIZE", HV_MESSAGE_SIZE)
    C("HV_MESSAGE_PAYLOAD_BYTE_COUNT", HV_MESSAGE_MAX_PAYLOAD_BYTE_COUNT)
    C("HV_MESSAGE_PAYLOAD_QWORD_COUNT", HV_MESSAGE_MAX_PAYLOAD_QWORD_COUNT)
    C("HV_EVENT_FLAGS_COUNT", HV_EVENT_FLAGS_COUNT)
    C("HV_HYP_PAGE_SIZE", HV_PAGE_SIZE)
    C("HVCALL_POST_MESSAGE", HvCallPostMessage)
    C("HVCALL_SIGNAL_EVENT", HvCallSignalEvent)
    C("HVMSG_NONE", HvMessageTypeNone)
    C("HVMSG_UNMAPPED_GPA", HvMessageTypeUnmappedGpa)
    C("HVMSG_GPA_INTERCEPT", HvMessageTypeGpaIntercept)
    C("HVMSG_TIMER_EXPIRED", HvMessageTimerExpired)
    C("HVMSG_INVALID_VP_REGISTER_VALUE", HvMessageTypeInvalidVpRegisterValue)
    C("HVMSG_UNRECOVERABLE_EXCEPTION", HvMessageTypeUnrecoverableException)
    C("HVMSG_UNSUPPORTED_FEATURE", HvMessageTypeUnsupportedFeature)
    C("HVMSG_EVENTLOG_BUFFERCOMPLETE", HvMessageTypeEventLogBuffersComplete)
    C("HVMSG_X64_IOPORT_INTERCEPT", HvMessageTypeX64IoPortIntercept)
    C("HVMSG_X64_MSR_INTERCEPT", HvMessageTypeMsrIntercept)
    C("HVMSG_X64_CPUID_INTERCEPT", HvMessageTypeX64CpuidIntercept)
    C("HVMSG_X64_EXCEPTION_INTERCEPT", HvMessageTypeExceptionIntercept)
    C("HVMSG_X64_APIC_EOI", HvMessageTypeX64ApicEoi)
    C("HVMSG_X64_LEGACY_FP_ERROR", HvMessageTypeX64LegacyFpError)
    C("VMBUS_MESSAGE_SINT", VMBUS_MESSAGE_SINT)
    C("VMBUS_MESSAGE_CONNECTION_ID", VMBUS_MESSAGE_CONNECTION_ID)
    C("VMBUS_MESSAGE_CONNECTION_ID_4", VMBUS_MESSAGE_CONNECTION_ID_V5)
    C("VMBUS_MESSAGE_PORT_ID", VMBUS_MESSAGE_PORT_ID)
    C("VMBUS_EVENT_CONNECTION_ID", VMBUS_EVENT_CONNECTION_ID)
    C("VMBUS_EVENT_PORT_ID", VMBUS_EVENT_PORT_ID)
    C("VMBUS_MONITOR_CONNECTION_ID", VMBUS_MONITOR_CONNECTION_ID)
    C("VMBUS_MONITOR_PORT_ID", VMBUS_MONITOR_PORT_ID)
    C("MAX_NUM_CHANNELS", VMBUS_INTERRUPT_PAGE_HALF_SIZE * 8)

    /* VMBus protocol (include/linux/hyperv.h) */
    C("VERSION_WS2008", VMBUS_VERSION_V1)
    C("VERSION_WIN7", VMBUS_VERSION_WIN7)
    C("VERSION_WIN8", VMBUS_VERSION_WIN8)
    C("VERSION_WIN8_1", VMBUS_VERSION_WIN8_1)
    C("VERSION_WIN10", VMBUS_VERSION_WIN10)
    C("VERSION_WIN10_V4_1", VMBUS_VERSION_WIN10RS3_0)
    C("VERSION_WIN10_V5", VMBUS_VERSION_WIN10RS3_1)
    C("VERSION_WIN10_V5_1", VMBUS_VERSION_WIN10RS4)
    C("VERSION_WIN10_V5_2", VMBUS_VERSION_WIN10RS5)
    C("VERSION_WIN10_V5_3", VMBUS_VERSION_IRON)
    C("VMBUS_PIPE_TYPE_BYTE", VMBUS_PIPE_TYPE_BYTE)
    C("VMBUS_PIPE_TYPE_MESSAGE", VMBUS_PIPE_TYPE_MESSAGE)
    C("MAX_USER_DEFINED_BYTES", VMBUS_MAX_USER_DEFINED_BYTES)
    C("MAX_PIPE_USER_DEFINED_BYTES", VMBUS_MAX_PIPE_USER_DEFINED_BYTES)
    C("VMBUS_CHANNEL_ENUMERATE_DEVICE_INTERFACE",
      VMBUS_OFFER_FLAG_ENUMERATE_DEVICE_INTERFACE)
    C("VMBUS_CHANNEL_SERVER_SUPPORTS_TRANSFER_PAGES",
      VMBUS_OFFER_FLAG_SERVER_SUPPORTS_TRANSFER_PAGES)
    C("VMBUS_CHANNEL_SERVER_SUPPORTS_GPADLS",
      VMBUS_OFFER_FLAG_SERVER_SUPPORTS_GPADLS)
    C("VMBUS_CHANNEL_NAMED_PIPE_MODE", VMBUS_OFFER_FLAG_NAMED_PIPE_MODE)
    C("VMBUS_CHANNEL_LOOPBACK_OFFER", VMBUS_OFFER_FLAG_LOOPBACK)
    C("VMBUS_CHANNEL_PARENT_OFFER", VMBUS_OFFER_FLAG_PARENT)
    C("VMBUS_CHANNEL_REQUEST_MONITORED_NOTIFICATION",
      VMBUS_OFFER_FLAG_REQUEST_MONITORED_NOTIFICATION)
    C("VMBUS_CHANNEL_TLNPI_PROVIDER_OFFER", VMBUS_OFFER_FLAG_TLNPI_PROVIDER)
    C("INVALID_RELID", VMBUS_CHANNEL_INVALID_RELID)
    C("CHANNELMSG_INVALID", ChannelMessageInvalid)
    C("CHANNELMSG_OFFERCHANNEL", ChannelMessageOfferChannel)
    C("CHANNELMSG_RESCIND_CHANNELOFFER", ChannelMessageRescindChannelOffer)
    C("CHANNELMSG_REQUESTOFFERS", ChannelMessageRequestOffers)
    C("CHANNELMSG_ALLOFFERS_DELIVERED", ChannelMessageAllOffersDelivered)
    C("CHANNELMSG_OPENCHANNEL", ChannelMessageOpenChannel)
    C("CHANNELMSG_OPENCHANNEL_RESULT", ChannelMessageOpenChannelResult)
    C("CHANNELMSG_CLOSECHANNEL", ChannelMessageCloseChannel)
    C("CHANNELMSG_GPADL_HEADER", ChannelMessageGpadlHeader)
    C("CHANNELMSG_GPADL_BODY", ChannelMessageGpadlBody)
    C("CHANNELMSG_GPADL_CREATED", ChannelMessageGpadlCreated)
    C("CHANNELMSG_GPADL_TEARDOWN", ChannelMessageGpadlTeardown)
    C("CHANNELMSG_GPADL_TORNDOWN", ChannelMessageGpadlTorndown)
    C("CHANNELMSG_RELID_RELEASED", ChannelMessageRelIdReleased)
    C("CHANNELMSG_INITIATE_CONTACT", ChannelMessageInitiateContact)
    C("CHANNELMSG_VERSION_RESPONSE", ChannelMessageVersionResponse)
    C("CHANNELMSG_UNLOAD", ChannelMessageUnload)
    C("CHANNELMSG_UNLOAD_RESPONSE", ChannelMessageUnloadComplete)
    C("CHANNELMSG_18", ChannelMessageOpenReservedChannel)
    C("CHANNELMSG_19", ChannelMessageCloseReservedChannel)
    C("CHANNELMSG_20", ChannelMessageCloseReservedResponse)
    C("CHANNELMSG_TL_CONNECT_REQUEST", ChannelMessageTlConnectRequest)
    C("CHANNELMSG_MODIFYCHANNEL", ChannelMessageModifyChannel)
    C("CHANNELMSG_TL_CONNECT_RESULT", ChannelMessageTlConnectRequestResult)
    C("CHANNELMSG_MODIFYCHANNEL_RESPONSE", ChannelMessageModifyChannelResponse)
    C("VM_PKT_INVALID", VmbusPacketTypeInvalid)
    C("VM_PKT_SYNCH", VmbusPacketTypeSynch)
    C("VM_PKT_ADD_XFER_PAGESET", VmbusPacketTypeAddTransferPageSet)
    C("VM_PKT_RM_XFER_PAGESET", VmbusPacketTypeRemoveTransferPageSet)
    C("VM_PKT_ESTABLISH_GPADL", VmbusPacketTypeEstablishGpadl)
    C("VM_PKT_TEARDOWN_GPADL", VmbusPacketTypeTeardownGpadl)
    C("VM_PKT_DATA_INBAND", VmbusPacketTypeDataInBand)
    C("VM_PKT_DATA_USING_XFER_PAGES", VmbusPacketTypeDataUsingTransferPages)
    C("VM_PKT_DATA_USING_GPADL", VmbusPacketTypeDataUsingGpadl)
    C("VM_PKT_DATA_USING_GPA_DIRECT", VmbusPacketTypeDataUsingGpaDirect)
    C("VM_PKT_CANCEL_REQUEST", VmbusPacketTypeCancelRequest)
    C("VM_PKT_COMP", VmbusPacketTypeCompletion)
    C("VM_PKT_DATA_USING_ADDITIONAL_PKT", VmbusPacketTypeDataUsingAdditionalPacket)
    C("VM_PKT_ADDITIONAL_DATA", VmbusPacketTypeAdditionalData)
    C("VMBUS_DATA_PACKET_FLAG_COMPLETION_REQUESTED",
      VMBUS_DATA_PACKET_FLAG_COMPLETION_REQUESTED)

    /* Integration services (include/linux/hyperv.h, uapi, hv_util.c, hv_kvp.c) */
    C("ICMSGTYPE_NEGOTIATE", HV_ICMSGTYPE_NEGOTIATE)
    C("ICMSGTYPE_HEARTBEAT", HV_ICMSGTYPE_HEARTBEAT)
    C("ICMSGTYPE_KVPEXCHANGE", HV_ICMSGTYPE_KVPEXCHANGE)
    C("ICMSGTYPE_SHUTDOWN", HV_ICMSGTYPE_SHUTDOWN)
    C("ICMSGTYPE_TIMESYNC", HV_ICMSGTYPE_TIMESYNC)
    C("ICMSGTYPE_VSS", HV_ICMSGTYPE_VSS)
    C("ICMSGTYPE_FCOPY", HV_ICMSGTYPE_FCOPY)
    C("ICMSGHDRFLAG_TRANSACTION", HV_ICMSGHDRFLAG_TRANSACTION)
    C("ICMSGHDRFLAG_REQUEST", HV_ICMSGHDRFLAG_REQUEST)
    C("ICMSGHDRFLAG_RESPONSE", HV_ICMSGHDRFLAG_RESPONSE)
    C("ICTIMESYNCFLAG_PROBE", HV_IC_TIMESYNC_FLAG_PROBE)
    C("ICTIMESYNCFLAG_SYNC", HV_IC_TIMESYNC_FLAG_SYNC)
    C("ICTIMESYNCFLAG_SAMPLE", HV_IC_TIMESYNC_FLAG_SAMPLE)
    C64("WLTIMEDELTA", HV_IC_WINDOWS_TIME_UNIX_EPOCH)
    C("UTIL_FW_VERSION", HV_IC_FRAMEWORK_VERSION_3)
    C("UTIL_WS2K8_FW_VERSION", HV_IC_FRAMEWORK_VERSION_1)
    C("SD_VERSION_1", HV_IC_SHUTDOWN_VERSION_1)
    C("SD_VERSION", HV_IC_SHUTDOWN_VERSION_3)
    C("SD_VERSION_3_1", HV_IC_SHUTDOWN_VERSION_3_1)
    C("SD_VERSION_3_2", HV_IC_SHUTDOWN_VERSION_3_2)
    C("TS_VERSION_1", HV_IC_TIMESYNC_VERSION_1)
    C("TS_VERSION_3", HV_IC_TIMESYNC_VERSION_3)
    C("TS_VERSION", HV_IC_TIMESYNC_VERSION_4)
    C("HB_VERSION_1", HV_IC_HEARTBEAT_VERSION_1)
    C("HB_VERSION", HV_IC_HEARTBEAT_VERSION_3)
    C("WS2008_SRV_VERSION", HV_KVP_VERSION_WS2008)
    C("WIN7_SRV_VERSION", HV_KVP_VERSION_WIN7)
    C("WIN8_SRV_VERSION", HV_KVP_VERSION_WIN8)
    C("HV_KVP_EXCHANGE_MAX_VALUE_SIZE", HV_KVP_EXCHANGE_MAX_VALUE_SIZE)
    C("HV_KVP_EXCHANGE_MAX_KEY_SIZE", HV_KVP_EXCHANGE_MAX_KEY_SIZE)
    C("REG_SZ", HV_KVP_REG_SZ)
    C("REG_U32", HV_KVP_REG_U32)
    C("REG_U64", HV_KVP_REG_U64)
    C("KVP_OP_GET", HV_KVP_OP_GET)
    C("KVP_OP_SET", HV_KVP_OP_SET)
    C("KVP_OP_DELETE", HV_KVP_OP_DELETE)
    C("KVP_OP_ENUMERATE", HV_KVP_OP_ENUMERATE)
    C("KVP_OP_GET_IP_INFO", HV_KVP_OP_GET_IP_INFO)
    C("KVP_OP_SET_IP_INFO", HV_KVP_OP_SET_IP_INFO)
    C("KVP_POOL_EXTERNAL", HV_KVP_POOL_EXTERNAL)
    C("KVP_POOL_GUEST", HV_KVP_POOL_GUEST)
    C("KVP_POOL_AUTO", HV_KVP_POOL_AUTO)
    C("KVP_POOL_AUTO_EXTERNAL", HV_KVP_POOL_AUTO_EXTERNAL)
    C("KVP_POOL_AUTO_INTERNAL", HV_KVP_POOL_AUTO_INTERNAL)
    C("KVP_POOL_COUNT", HV_KVP_POOL_COUNT)
    C("HV_S_OK", HV_IC_S_OK)
    C("HV_E_FAIL", HV_IC_E_FAIL)
    C("HV_S_CONT", HV_IC_S_CONT)
    C("HV_ERROR_NOT_SUPPORTED", HV_IC_E_NOT_SUPPORTED)
    C("HV_ERROR_MACHINE_LOCKED", HV_IC_E_MACHINE_LOCKED)
    C("HV_ERROR_DEVICE_NOT_CONNECTED", HV_IC_E_DEVICE_NOT_CONNECTED)
    C("HV_INVALIDARG", HV_IC_E_INVALIDARG)
    C("HV_GUID_NOTFOUND", HV_IC_E_GUID_NOTFOUND)
    C("HV_ERROR_ALREADY_EXISTS", HV_IC_E_ALREADY_EXISTS)
    C("HV_ERROR_DISK_FULL", HV_IC_E_DISK_FULL)
    C("ADDR_FAMILY_NONE", HV_KVP_ADDR_FAMILY_NONE)
    C("ADDR_FAMILY_IPV4", HV_KVP_ADDR_FAMILY_IPV4)
    C("ADDR_FAMILY_IPV6", HV_KVP_ADDR_FAMILY_IPV6)
    C("MAX_ADAPTER_ID_SIZE", HV_KVP_MAX_ADAPTER_ID_SIZE)
    C("MAX_IP_ADDR_SIZE", HV_KVP_MAX_IP_ADDR_SIZE)
    C("MAX_GATEWAY_SIZE", HV_KVP_MAX_GATEWAY_SIZE)

    /* Synthetic video (hyperv_fb.c, hyperv_drm_proto.c) */
    C("SYNTHVID_VERSION_WIN7", SYNTHVID_VERSION_WIN7)
    C("SYNTHVID_VERSION_WIN8", SYNTHVID_VERSION_WIN8)
    C("SYNTHVID_VERSION_WIN10", SYNTHVID_VERSION_WIN10)
    C("SYNTHVID_DEPTH_WIN8", SYNTHVID_DEPTH_WIN8)
    C("SYNTHVID_FB_SIZE_WIN8", SYNTHVID_FB_SIZE_WIN8)
    C("SYNTHVID_WIDTH_WIN8", SYNTHVID_WIDTH_MAX_WIN8)
    C("SYNTHVID_HEIGHT_WIN8", SYNTHVID_HEIGHT_MAX_WIN8)
    C("SYNTHVID_ERROR", SynthvidError)
    C("SYNTHVID_VERSION_REQUEST", SynthvidVersionRequest)
    C("SYNTHVID_VERSION_RESPONSE", SynthvidVersionResponse)
    C("SYNTHVID_VRAM_LOCATION", SynthvidVramLocation)
    C("SYNTHVID_VRAM_LOCATION_ACK", SynthvidVramLocationAck)
    C("SYNTHVID_SITUATION_UPDATE", SynthvidSituationUpdate)
    C("SYNTHVID_SITUATION_UPDATE_ACK", SynthvidSituationUpdateAck)
    C("SYNTHVID_POINTER_POSITION", SynthvidPointerPosition)
    C("SYNTHVID_POINTER_SHAPE", SynthvidPointerShape)
    C("SYNTHVID_FEATURE_CHANGE", SynthvidFeatureChange)
    C("SYNTHVID_DIRT", SynthvidDirt)
    C("SYNTHVID_RESOLUTION_REQUEST", SynthvidSupportedResolutionsRequest)
    C("SYNTHVID_RESOLUTION_RESPONSE", SynthvidSupportedResolutionsResponse)
    C("SYNTHVID_MAX", SynthvidMax)
    C("SYNTHVID_EDID_BLOCK_SIZE", SYNTHVID_EDID_BLOCK_SIZE)
    C("SYNTHVID_MAX_RESOLUTION_COUNT", SYNTHVID_MAX_RESOLUTION_COUNT)
    C("CURSOR_MAX_X", SYNTHVID_CURSOR_MAX_X)
    C("CURSOR_MAX_Y", SYNTHVID_CURSOR_MAX_Y)
    C("CURSOR_ARGB_PIXEL_SIZE", SYNTHVID_CURSOR_ARGB_PIXEL_SIZE)
    C("CURSOR_MAX_SIZE", SYNTHVID_CURSOR_MAX_SIZE)
    C8("CURSOR_COMPLETE", SYNTHVID_CURSOR_COMPLETE)
    C("PIPE_MSG_INVALID", VmPipeMessageInvalid)
    C("PIPE_MSG_DATA", VmPipeMessageData)

    /* Synthetic keyboard and mouse (hyperv-keyboard.c, hid-hyperv.c) */
    C("SYNTH_KBD_VERSION", HK_VERSION_WIN8)
    C("SYNTH_KBD_PROTOCOL_REQUEST", HkMessageProtocolRequest)
    C("SYNTH_KBD_PROTOCOL_RESPONSE", HkMessageProtocolResponse)
    C("SYNTH_KBD_EVENT", HkMessageEvent)
    C("SYNTH_KBD_LED_INDICATORS", HkMessageSetLedIndicators)
    C("PROTOCOL_ACCEPTED", HK_PROTOCOL_ACCEPTED)
    C("IS_UNICODE", HK_KEYSTROKE_IS_UNICODE)
    C("IS_BREAK", HK_KEYSTROKE_IS_BREAK)
    C("IS_E0", HK_KEYSTROKE_IS_E0)
    C("IS_E1", HK_KEYSTROKE_IS_E1)
    C("HK_MAXIMUM_MESSAGE_SIZE", HK_MAXIMUM_MESSAGE_SIZE)
    C("SYNTHHID_INPUT_VERSION", SYNTHHID_INPUT_VERSION)
    C("SYNTHHID_MAX_INPUT_REPORT_SIZE", SYNTHHID_MAX_INPUT_REPORT_SIZE)
    C("SYNTH_HID_PROTOCOL_REQUEST", SynthHidProtocolRequest)
    C("SYNTH_HID_PROTOCOL_RESPONSE", SynthHidProtocolResponse)
    C("SYNTH_HID_INITIAL_DEVICE_INFO", SynthHidInitialDeviceInfo)
    C("SYNTH_HID_INITIAL_DEVICE_INFO_ACK", SynthHidInitialDeviceInfoAck)
    C("SYNTH_HID_INPUT_REPORT", SynthHidInputReport)
    C("SYNTH_HID_MAX", SynthHidMax)
    C("PIPE_MESSAGE_DATA", VmPipeMessageData)

    /* Storage (storvsc_drv.c) */
    C("VMSTOR_PROTO_VERSION_WIN6", VMSTOR_PROTOCOL_VERSION_WIN6)
    C("VMSTOR_PROTO_VERSION_WIN7", VMSTOR_PROTOCOL_VERSION_WIN7)
    C("VMSTOR_PROTO_VERSION_WIN8", VMSTOR_PROTOCOL_VERSION_WIN8)
    C("VMSTOR_PROTO_VERSION_WIN8_1", VMSTOR_PROTOCOL_VERSION_WIN8_1)
    C("VMSTOR_PROTO_VERSION_WIN10", VMSTOR_PROTOCOL_VERSION_WIN10)
    C("VSTOR_OPERATION_COMPLETE_IO", VStorOperationCompleteIo)
    C("VSTOR_OPERATION_REMOVE_DEVICE", VStorOperationRemoveDevice)
    C("VSTOR_OPERATION_EXECUTE_SRB", VStorOperationExecuteSrb)
    C("VSTOR_OPERATION_RESET_LUN", VStorOperationResetLun)
    C("VSTOR_OPERATION_RESET_ADAPTER", VStorOperationResetAdapter)
    C("VSTOR_OPERATION_RESET_BUS", VStorOperationResetBus)
    C("VSTOR_OPERATION_BEGIN_INITIALIZATION", VStorOperationBeginInitialization)
    C("VSTOR_OPERATION_END_INITIALIZATION", VStorOperationEndInitialization)
    C("VSTOR_OPERATION_QUERY_PROTOCOL_VERSION",
      VStorOperationQueryProtocolVersion)
    C("VSTOR_OPERATION_QUERY_PROPERTIES", VStorOperationQueryProperties)
    C("VSTOR_OPERATION_ENUMERATE_BUS", VStorOperationEnumerateBus)
    C("VSTOR_OPERATION_FCHBA_DATA", VStorOperationFcHbaData)
    C("VSTOR_OPERATION_CREATE_SUB_CHANNELS", VStorOperationCreateSubChannels)
    C("REQUEST_COMPLETION_FLAG", VSTOR_FLAG_REQUEST_COMPLETION)
    C("STORAGE_CHANNEL_SUPPORTS_MULTI_CHANNEL",
      STORAGE_CHANNEL_SUPPORTS_MULTI_CHANNEL)
    C("STORAGE_CHANNEL_REMOVABLE_FLAG", STORAGE_CHANNEL_REMOVABLE_FLAG)
    C("STORAGE_CHANNEL_EMULATED_IDE_FLAG", STORAGE_CHANNEL_EMULATED_IDE_FLAG)
    C("STORVSC_MAX_CMD_LEN", VMSCSI_CDB_MAX_LENGTH)
    C("STORVSC_SENSE_BUFFER_SIZE", VMSCSI_SENSE_BUFFER_SIZE)
    C("STORVSC_MAX_BUF_LEN_WITH_PADDING",
      VMSCSI_MAX_DATA_BUFFER_LENGTH_WITH_PADDING)
    C("WRITE_TYPE", VMSCSI_DATA_OUT)
    C("READ_TYPE", VMSCSI_DATA_IN)
    C("UNKNOWN_TYPE", VMSCSI_DATA_UNKNOWN)
    C("SRB_STATUS_AUTOSENSE_VALID", VMSCSI_SRB_STATUS_AUTOSENSE_VALID)
    C("SRB_STATUS_QUEUE_FROZEN", VMSCSI_SRB_STATUS_QUEUE_FROZEN)
    C("SRB_STATUS_SUCCESS", VMSCSI_SRB_STATUS_SUCCESS)
    C("SRB_STATUS_ABORTED", VMSCSI_SRB_STATUS_ABORTED)
    C("SRB_STATUS_ERROR", VMSCSI_SRB_STATUS_ERROR)
    C("SRB_STATUS_INVALID_REQUEST", VMSCSI_SRB_STATUS_INVALID_REQUEST)
    C("SRB_STATUS_DATA_OVERRUN", VMSCSI_SRB_STATUS_DATA_OVERRUN)
    C("SRB_STATUS_INVALID_LUN", VMSCSI_SRB_STATUS_INVALID_LUN)
    C("SRB_FLAGS_QUEUE_ACTION_ENABLE", VMSCSI_SRB_FLAGS_QUEUE_ACTION_ENABLE)
    C("SRB_FLAGS_DISABLE_DISCONNECT", VMSCSI_SRB_FLAGS_DISABLE_DISCONNECT)
    C("SRB_FLAGS_DISABLE_SYNCH_TRANSFER",
      VMSCSI_SRB_FLAGS_DISABLE_SYNCH_TRANSFER)
    C("SRB_FLAGS_BYPASS_FROZEN_QUEUE", VMSCSI_SRB_FLAGS_BYPASS_FROZEN_QUEUE)
    C("SRB_FLAGS_DISABLE_AUTOSENSE", VMSCSI_SRB_FLAGS_DISABLE_AUTOSENSE)
    C("SRB_FLAGS_DATA_IN", VMSCSI_SRB_FLAGS_DATA_IN)
    C("SRB_FLAGS_DATA_OUT", VMSCSI_SRB_FLAGS_DATA_OUT)
    C("SRB_FLAGS_NO_DATA_TRANSFER", VMSCSI_SRB_FLAGS_NO_DATA_TRANSFER)
    C("SRB_FLAGS_UNSPECIFIED_DIRECTION", VMSCSI_SRB_FLAGS_UNSPECIFIED_DIRECTION)
    C("SRB_FLAGS_NO_QUEUE_FREEZE", VMSCSI_SRB_FLAGS_NO_QUEUE_FREEZE)
    C("SRB_FLAGS_ADAPTER_CACHE_ENABLE", VMSCSI_SRB_FLAGS_ADAPTER_CACHE_ENABLE)
    C("SRB_FLAGS_FREE_SENSE_BUFFER", VMSCSI_SRB_FLAGS_FREE_SENSE_BUFFER)
    C("SRB_FLAGS_D3_PROCESSING", VMSCSI_SRB_FLAGS_D3_PROCESSING)
    C("SRB_FLAGS_IS_ACTIVE", VMSCSI_SRB_FLAGS_IS_ACTIVE)
    C("SRB_FLAGS_ALLOCATED_FROM_ZONE", VMSCSI_SRB_FLAGS_ALLOCATED_FROM_ZONE)
    C("SRB_FLAGS_SGLIST_FROM_POOL", VMSCSI_SRB_FLAGS_SGLIST_FROM_POOL)
    C("SRB_FLAGS_BYPASS_LOCKED_QUEUE", VMSCSI_SRB_FLAGS_BYPASS_LOCKED_QUEUE)
    C("SRB_FLAGS_NO_KEEP_AWAKE", VMSCSI_SRB_FLAGS_NO_KEEP_AWAKE)
    C("SRB_FLAGS_PORT_DRIVER_ALLOCSENSE",
      VMSCSI_SRB_FLAGS_PORT_DRIVER_ALLOCSENSE)
    C("SRB_FLAGS_PORT_DRIVER_SENSEHASPORT",
      VMSCSI_SRB_FLAGS_PORT_DRIVER_SENSEHASPORT)
    C("SRB_FLAGS_DONT_START_NEXT_PACKET",
      VMSCSI_SRB_FLAGS_DONT_START_NEXT_PACKET)
    C("SRB_FLAGS_PORT_DRIVER_RESERVED", VMSCSI_SRB_FLAGS_PORT_DRIVER_RESERVED)
    C("SRB_FLAGS_CLASS_DRIVER_RESERVED", VMSCSI_SRB_FLAGS_CLASS_DRIVER_RESERVED)
    C8("SP_UNTAGGED", VMSCSI_SRB_SP_UNTAGGED)
    C("SRB_SIMPLE_TAG_REQUEST", VMSCSI_SRB_SIMPLE_TAG_REQUEST)

    /* Network (hyperv_net.h, rndis.h) */
    C("NVSP_PROTOCOL_VERSION_1", NVSP_PROTOCOL_VERSION_1)
    C("NVSP_PROTOCOL_VERSION_2", NVSP_PROTOCOL_VERSION_2)
    C("NVSP_PROTOCOL_VERSION_4", NVSP_PROTOCOL_VERSION_4)
    C("NVSP_PROTOCOL_VERSION_5", NVSP_PROTOCOL_VERSION_5)
    C("NVSP_PROTOCOL_VERSION_6", NVSP_PROTOCOL_VERSION_6)
    C("NVSP_PROTOCOL_VERSION_61", NVSP_PROTOCOL_VERSION_61)
    C("NVSP_MSG_TYPE_NONE", NvspMessageTypeNone)
    C("NVSP_MSG_TYPE_INIT", NvspMessageTypeInit)
    C("NVSP_MSG_TYPE_INIT_COMPLETE", NvspMessageTypeInitComplete)
    C("NVSP_VERSION_MSG_START", NvspMessage1TypeSendNdisVersion)
    C("NVSP_MSG1_TYPE_SEND_NDIS_VER", NvspMessage1TypeSendNdisVersion)
    C("NVSP_MSG1_TYPE_SEND_RECV_BUF", NvspMessage1TypeSendReceiveBuffer)
    C("NVSP_MSG1_TYPE_SEND_RECV_BUF_COMPLETE",
      NvspMessage1TypeSendReceiveBufferComplete)
    C("NVSP_MSG1_TYPE_REVOKE_RECV_BUF", NvspMessage1TypeRevokeReceiveBuffer)
    C("NVSP_MSG1_TYPE_SEND_SEND_BUF", NvspMessage1TypeSendSendBuffer)
    C("NVSP_MSG1_TYPE_SEND_SEND_BUF_COMPLETE",
      NvspMessage1TypeSendSendBufferComplete)
    C("NVSP_MSG1_TYPE_REVOKE_SEND_BUF", NvspMessage1TypeRevokeSendBuffer)
    C("NVSP_MSG1_TYPE_SEND_RNDIS_PKT", NvspMessage1TypeSendRNDISPacket)
    C("NVSP_MSG1_TYPE_SEND_RNDIS_PKT_COMPLETE",
      NvspMessage1TypeSendRNDISPacketComplete)
    C("NVSP_MSG2_TYPE_SEND_CHIMNEY_DELEGATED_BUF",
      NvspMessage2TypeSendChimneyDelegatedBuffer)
    C("NVSP_MSG2_TYPE_SEND_CHIMNEY_DELEGATED_BUF_COMP",
      NvspMessage2TypeSendChimneyDelegatedBufferComplete)
    C("NVSP_MSG2_TYPE_REVOKE_CHIMNEY_DELEGATED_BUF",
      NvspMessage2TypeRevokeChimneyDelegatedBuffer)
    C("NVSP_MSG2_TYPE_RESUME_CHIMNEY_RX_INDICATION",
      NvspMessage2TypeResumeChimneyRXIndication)
    C("NVSP_MSG2_TYPE_TERMINATE_CHIMNEY", NvspMessage2TypeTerminateChimney)
    C("NVSP_MSG2_TYPE_TERMINATE_CHIMNEY_COMP",
      NvspMessage2TypeTerminateChimneyComplete)
    C("NVSP_MSG2_TYPE_INDICATE_CHIMNEY_EVENT",
      NvspMessage2TypeIndicateChimneyEvent)
    C("NVSP_MSG2_TYPE_SEND_CHIMNEY_PKT", NvspMessage2TypeSendChimneyPacket)
    C("NVSP_MSG2_TYPE_SEND_CHIMNEY_PKT_COMP",
      NvspMessage2TypeSendChimneyPacketComplete)
    C("NVSP_MSG2_TYPE_POST_CHIMNEY_RECV_REQ",
      NvspMessage2TypePostChimneyRecvRequest)
    C("NVSP_MSG2_TYPE_POST_CHIMNEY_RECV_REQ_COMP",
      NvspMessage2TypePostChimneyRecvRequestComplete)
    C("NVSP_MSG2_TYPE_ALLOC_RXBUF", NvspMessage2TypeAllocateReceiveBuffer)
    C("NVSP_MSG2_TYPE_ALLOC_RXBUF_COMP",
      NvspMessage2TypeAllocateReceiveBufferComplete)
    C("NVSP_MSG2_TYPE_FREE_RXBUF", NvspMessage2TypeFreeReceiveBuffer)
    C("NVSP_MSG2_TYPE_SEND_VMQ_RNDIS_PKT", NvspMessage2TypeSendVmqRndisPacket)
    C("NVSP_MSG2_TYPE_SEND_VMQ_RNDIS_PKT_COMP",
      NvspMessage2TypeSendVmqRndisPacketComplete)
    C("NVSP_MSG2_TYPE_SEND_NDIS_CONFIG", NvspMessage2TypeSendNdisConfig)
    C("NVSP_MSG2_TYPE_ALLOC_CHIMNEY_HANDLE",
      NvspMessage2TypeAllocateChimneyHandle)
    C("NVSP_MSG2_TYPE_ALLOC_CHIMNEY_HANDLE_COMP",
      NvspMessage2TypeAllocateChimneyHandleComplete)
    C("NVSP_MSG2_MAX", NvspMessage2Max)
    C("NVSP_MSG4_TYPE_SEND_VF_ASSOCIATION", NvspMessage4TypeSendVFAssociation)
    C("NVSP_MSG4_TYPE_SWITCH_DATA_PATH", NvspMessage4TypeSwitchDataPath)
    C("NVSP_MSG4_TYPE_UPLINK_CONNECT_STATE_DEPRECATED",
      NvspMessage4TypeUplinkConnectStateDeprecated)
    C("NVSP_MSG4_MAX", NvspMessage4Max)
    C("NVSP_MSG5_TYPE_OID_QUERY_EX", NvspMessage5TypeOidQueryEx)
    C("NVSP_MSG5_TYPE_OID_QUERY_EX_COMP", NvspMessage5TypeOidQueryExComplete)
    C("NVSP_MSG5_TYPE_SUBCHANNEL", NvspMessage5TypeSubChannel)
    C("NVSP_MSG5_TYPE_SEND_INDIRECTION_TABLE",
      NvspMessage5TypeSendIndirectionTable)
    C("NVSP_MSG5_MAX", NvspMessage5Max)
    C("NVSP_MSG6_TYPE_PD_API", NvspMessage6TypePdApi)
    C("NVSP_MSG6_TYPE_PD_POST_BATCH", NvspMessage6TypePdPostBatch)
    C("NVSP_MSG6_MAX", NvspMessage6Max)
    C("NVSP_STAT_NONE", NvspStatusNone)
    C("NVSP_STAT_SUCCESS", NvspStatusSuccess)
    C("NVSP_STAT_FAIL", NvspStatusFailure)
    C("NVSP_STAT_PROTOCOL_TOO_NEW", NvspStatusProtocolVersionRangeTooNew)
    C("NVSP_STAT_PROTOCOL_TOO_OLD", NvspStatusProtocolVersionRangeTooOld)
    C("NVSP_STAT_INVALID_RNDIS_PKT", NvspStatusInvalidRndisPacket)
    C("NVSP_STAT_BUSY", NvspStatusBusy)
    C("NVSP_STAT_PROTOCOL_UNSUPPORTED", NvspStatusProtocolVersionUnsupported)
    C("NVSP_DATAPATH_SYNTHETIC", NVSP_DATA_PATH_SYNTHETIC)
    C("NVSP_DATAPATH_VF", NVSP_DATA_PATH_VF)
    C("NVSP_SUBCHANNEL_NONE", NVSP_SUBCHANNEL_NONE)
    C("NVSP_SUBCHANNEL_ALLOCATE", NVSP_SUBCHANNEL_ALLOCATE)
    C("VRSS_SEND_TAB_SIZE", NVSP_SEND_INDIRECTION_TABLE_SIZE)
    C("NDIS_OBJECT_TYPE_DEFAULT", RNDIS_OBJECT_TYPE_DEFAULT)
    C("NDIS_OBJECT_TYPE_RSS_CAPABILITIES", RNDIS_OBJECT_TYPE_RSS_CAPABILITIES)
    C("NDIS_OBJECT_TYPE_RSS_PARAMETERS", RNDIS_OBJECT_TYPE_RSS_PARAMETERS)
    C("NDIS_OBJECT_TYPE_OFFLOAD", RNDIS_OBJECT_TYPE_OFFLOAD)
    C("OID_GEN_RECEIVE_SCALE_CAPABILITIES",
      RNDIS_OID_GEN_RECEIVE_SCALE_CAPABILITIES)
    C("OID_GEN_RECEIVE_SCALE_PARAMETERS", RNDIS_OID_GEN_RECEIVE_SCALE_PARAMETERS)
    C("OID_TCP_OFFLOAD_CURRENT_CONFIG", RNDIS_OID_TCP_OFFLOAD_CURRENT_CONFIG)
    C("OID_TCP_OFFLOAD_PARAMETERS", RNDIS_OID_TCP_OFFLOAD_PARAMETERS)
    C("OID_TCP_OFFLOAD_HARDWARE_CAPABILITIES",
      RNDIS_OID_TCP_OFFLOAD_HARDWARE_CAPABILITIES)
    C("OID_TCP_CONNECTION_OFFLOAD_CURRENT_CONFIG",
      RNDIS_OID_TCP_CONNECTION_OFFLOAD_CURRENT_CONFIG)
    C("OID_TCP_CONNECTION_OFFLOAD_HARDWARE_CAPABILITIES",
      RNDIS_OID_TCP_CONNECTION_OFFLOAD_HARDWARE_CAPABILITIES)
    C("OID_OFFLOAD_ENCAPSULATION", RNDIS_OID_OFFLOAD_ENCAPSULATION)
    C("TCPIP_CHKSUM_PKTINFO", RNDIS_PPI_TCPIP_CHECKSUM)
    C("IPSEC_PKTINFO", RNDIS_PPI_IPSEC)
    C("TCP_LARGESEND_PKTINFO", RNDIS_PPI_TCP_LARGESEND)
    C("CLASSIFICATION_HANDLE_PKTINFO", RNDIS_PPI_CLASSIFICATION_HANDLE)
    C("NDIS_RESERVED", RNDIS_PPI_NDIS_RESERVED)
    C("SG_LIST_PKTINFO", RNDIS_PPI_SG_LIST)
    C("IEEE_8021Q_INFO", RNDIS_PPI_IEEE_8021Q)
    C("ORIGINAL_PKTINFO", RNDIS_PPI_ORIGINAL_PACKET)
    C("PACKET_CANCEL_ID", RNDIS_PPI_PACKET_CANCEL_ID)
    C("NBL_HASH_VALUE", RNDIS_PPI_HASH_VALUE)
    C("ORIGINAL_NET_BUFLIST", RNDIS_PPI_ORIGINAL_NET_BUFFER_LIST)
    C("CACHED_NET_BUFLIST", RNDIS_PPI_CACHED_NET_BUFFER_LIST)
    C("SHORT_PKT_PADINFO", RNDIS_PPI_SHORT_PACKET_PADDING)
    C("RNDIS_PKTINFO_ID", RNDIS_PPI_INTERNAL_PKTINFO_ID)
    C("RNDIS_PKTINFO_SUBALLOC", RNDIS_PKTINFO_SUBALLOC)
    C("RNDIS_PKTINFO_1ST_FRAG", RNDIS_PKTINFO_1ST_FRAG)
    C("RNDIS_PKTINFO_LAST_FRAG", RNDIS_PKTINFO_LAST_FRAG)
    C("RNDIS_PKTINFO_ID_V1", RNDIS_PKTINFO_ID_V1)
    C("RNDIS_CONFIG_PARAM_TYPE_INTEGER", RNDIS_CONFIG_PARAM_TYPE_INTEGER)
    C("RNDIS_CONFIG_PARAM_TYPE_STRING", RNDIS_CONFIG_PARAM_TYPE_STRING)
    C("NDIS_PACKET_TYPE_DIRECTED", RNDIS_PACKET_TYPE_DIRECTED)
    C("NDIS_PACKET_TYPE_MULTICAST", RNDIS_PACKET_TYPE_MULTICAST)
    C("NDIS_PACKET_TYPE_ALL_MULTICAST", RNDIS_PACKET_TYPE_ALL_MULTICAST)
    C("NDIS_PACKET_TYPE_BROADCAST", RNDIS_PACKET_TYPE_BROADCAST)
    C("NDIS_PACKET_TYPE_PROMISCUOUS", RNDIS_PACKET_TYPE_PROMISCUOUS)
    C("RNDIS_MAJOR_VERSION", RNDIS_MAJOR_VERSION)
    C("RNDIS_MINOR_VERSION", RNDIS_MINOR_VERSION)
    C("RNDIS_DF_CONNECTIONLESS", RNDIS_DF_CONNECTIONLESS)
    C("RNDIS_DF_CONNECTION_ORIENTED", RNDIS_DF_CONNECTION_ORIENTED)
    C("RNDIS_DF_RAW_DATA", RNDIS_DF_RAW_DATA)
    C("RNDIS_MSG_COMPLETION", REMOTE_NDIS_COMPLETION)
    C("RNDIS_MSG_PACKET", REMOTE_NDIS_PACKET_MSG)
    C("RNDIS_MSG_INIT", REMOTE_NDIS_INITIALIZE_MSG)
    C("RNDIS_MSG_INIT_C", REMOTE_NDIS_INITIALIZE_CMPLT)
    C("RNDIS_MSG_HALT", REMOTE_NDIS_HALT_MSG)
    C("RNDIS_MSG_QUERY", REMOTE_NDIS_QUERY_MSG)
    C("RNDIS_MSG_QUERY_C", REMOTE_NDIS_QUERY_CMPLT)
    C("RNDIS_MSG_SET", REMOTE_NDIS_SET_MSG)
    C("RNDIS_MSG_SET_C", REMOTE_NDIS_SET_CMPLT)
    C("RNDIS_MSG_RESET", REMOTE_NDIS_RESET_MSG)
    C("RNDIS_MSG_RESET_C", REMOTE_NDIS_RESET_CMPLT)
    C("RNDIS_MSG_INDICATE", REMOTE_NDIS_INDICATE_STATUS_MSG)
    C("RNDIS_MSG_KEEPALIVE", REMOTE_NDIS_KEEPALIVE_MSG)
    C("RNDIS_MSG_KEEPALIVE_C", REMOTE_NDIS_KEEPALIVE_CMPLT)
    C("RNDIS_MEDIUM_802_3", RNDIS_MEDIUM_802_3)
    C("RNDIS_MEDIA_STATE_CONNECTED", RNDIS_MEDIA_STATE_CONNECTED)
    C("RNDIS_MEDIA_STATE_DISCONNECTED", RNDIS_MEDIA_STATE_DISCONNECTED)
    C("RNDIS_PACKET_TYPE_DIRECTED", RNDIS_PACKET_TYPE_DIRECTED)
    C("RNDIS_PACKET_TYPE_MULTICAST", RNDIS_PACKET_TYPE_MULTICAST)
    C("RNDIS_PACKET_TYPE_ALL_MULTICAST", RNDIS_PACKET_TYPE_ALL_MULTICAST)
    C("RNDIS_PACKET_TYPE_BROADCAST", RNDIS_PACKET_TYPE_BROADCAST)
    C("RNDIS_PACKET_TYPE_SOURCE_ROUTING", RNDIS_PACKET_TYPE_SOURCE_ROUTING)
    C("RNDIS_PACKET_TYPE_PROMISCUOUS", RNDIS_PACKET_TYPE_PROMISCUOUS)
    C("RNDIS_PACKET_TYPE_SMT", RNDIS_PACKET_TYPE_SMT)
    C("RNDIS_PACKET_TYPE_ALL_LOCAL", RNDIS_PACKET_TYPE_ALL_LOCAL)
    C("RNDIS_PACKET_TYPE_GROUP", RNDIS_PACKET_TYPE_GROUP)
    C("RNDIS_PACKET_TYPE_ALL_FUNCTIONAL", RNDIS_PACKET_TYPE_ALL_FUNCTIONAL)
    C("RNDIS_PACKET_TYPE_FUNCTIONAL", RNDIS_PACKET_TYPE_FUNCTIONAL)
    C("RNDIS_PACKET_TYPE_MAC_FRAME", RNDIS_PACKET_TYPE_MAC_FRAME)
};

/* RNDIS status codes and OIDs carry the same names in Linux's rndis.h,
 * except the offload and RSS OIDs, which hyperv_net.h names without the
 * RNDIS_ prefix (checked above). */
#define C_SAME(name, value) C(#name, name)
static const struct constant_check rndis_constants[] = {
    RNDIS_STATUS_LIST(C_SAME)
    RNDIS_OID_LIST(C_SAME)
};
#undef C_SAME

static int named_elsewhere(const char *rndis_name)
{
    size_t i;

    if (strncmp(rndis_name, "RNDIS_", 6) != 0)
        return 0;
    for (i = 0; i < sizeof(constants) / sizeof(constants[0]); i++)
        if (strcmp(constants[i].linux_name, rndis_name + 6) == 0)
            return 1;
    return 0;
}

/* ---- GUIDs ------------------------------------------------------------------ */

struct guid_check {
    const char *linux_name;
    HV_GUID ours;
    const char *our_name;
};

#define G(linux_name, ours) { linux_name, ours, #ours },

static const struct guid_check guids[] = {
    G("HV_NIC_GUID", VMBUS_CLASS_NETWORK)
    G("HV_IDE_GUID", VMBUS_CLASS_IDE)
    G("HV_SCSI_GUID", VMBUS_CLASS_SCSI)
    G("HV_SHUTDOWN_GUID", VMBUS_CLASS_SHUTDOWN)
    G("HV_TS_GUID", VMBUS_CLASS_TIMESYNC)
    G("HV_HEART_BEAT_GUID", VMBUS_CLASS_HEARTBEAT)
    G("HV_KVP_GUID", VMBUS_CLASS_KVP)
    G("HV_DM_GUID", VMBUS_CLASS_DYNAMIC_MEMORY)
    G("HV_MOUSE_GUID", VMBUS_CLASS_MOUSE)
    G("HV_KBD_GUID", VMBUS_CLASS_KEYBOARD)
    G("HV_VSS_GUID", VMBUS_CLASS_VSS)
    G("HV_SYNTHVID_GUID", VMBUS_CLASS_SYNTHVID)
    G("HV_SYNTHFC_GUID", VMBUS_CLASS_SYNTHFC)
    G("HV_FCOPY_GUID", VMBUS_CLASS_FCOPY)
    G("HV_ND_GUID", VMBUS_CLASS_ND)
    G("HV_PCIE_GUID", VMBUS_CLASS_PCIE)
    G("HV_AVMA1_GUID", VMBUS_CLASS_AVMA1)
    G("HV_AVMA2_GUID", VMBUS_CLASS_AVMA2)
    G("HV_RDV_GUID", VMBUS_CLASS_RDV)
    G("HV_IMC_GUID", VMBUS_CLASS_IMC)
};

/* ---- layouts ---------------------------------------------------------------- */

struct layout_check {
    const char *linux_type;
    const char *linux_member; /* NULL: the size of the type */
    uint64_t ours;
    const char *our_expr;
};

/* Linux's synthetic video and HID bodies exclude their 8-byte headers. */
#define SV (sizeof(SYNTHVID_MESSAGE_HEADER))

#define S(type, ours) { type, NULL, (uint64_t)(ours), #ours },
#define O(type, member, ours) { type, member, (uint64_t)(ours), #ours },

static const struct layout_check layouts[] = {
    /* SynIC */
    S("struct hv_message_header", sizeof(HV_MESSAGE_HEADER))
    O("struct hv_message_header", "payload_size",
      offsetof(HV_MESSAGE_HEADER, PayloadSize))
    O("struct hv_message_header", "message_flags",
      offsetof(HV_MESSAGE_HEADER, MessageFlags))
    O("struct hv_message_header", "reserved",
      offsetof(HV_MESSAGE_HEADER, Reserved))
    O("struct hv_message_header", "sender", offsetof(HV_MESSAGE_HEADER, Origin))
    S("struct hv_message", sizeof(HV_MESSAGE))
    S("struct hv_timer_message_payload", sizeof(HV_TIMER_MESSAGE_PAYLOAD))
    O("struct hv_timer_message_payload", "delivery_time",
      offsetof(HV_TIMER_MESSAGE_PAYLOAD, DeliveryTime))
    S("struct hv_monitor_page", sizeof(HV_MONITOR_PAGE))
    O("struct hv_monitor_page", "trigger_group",
      offsetof(HV_MONITOR_PAGE, TriggerGroup))
    O("struct hv_monitor_page", "latency", offsetof(HV_MONITOR_PAGE, Latency))
    O("struct hv_monitor_page", "parameter",
      offsetof(HV_MONITOR_PAGE, Parameter))
    O("struct hv_monitor_page", "rsvdz4", offsetof(HV_MONITOR_PAGE, Reserved4))
    S("struct hv_monitor_parameter", sizeof(HV_MONITOR_PARAMETER))
    O("struct hv_monitor_parameter", "flagnumber",
      offsetof(HV_MONITOR_PARAMETER, FlagNumber))
    S("struct hv_input_post_message", sizeof(HV_INPUT_POST_MESSAGE))
    O("struct hv_input_post_message", "payload_size",
      offsetof(HV_INPUT_POST_MESSAGE, PayloadSize))
    O("struct hv_input_post_message", "payload",
      offsetof(HV_INPUT_POST_MESSAGE, Message))

    /* Rings and packets */
    S("struct hv_ring_buffer", sizeof(VMRCB))
    O("struct hv_ring_buffer", "read_index", offsetof(VMRCB, Out))
    O("struct hv_ring_buffer", "interrupt_mask", offsetof(VMRCB, InterruptMask))
    O("struct hv_ring_buffer", "pending_send_sz",
      offsetof(VMRCB, PendingSendSize))
    O("struct hv_ring_buffer", "feature_bits", offsetof(VMRCB, FeatureBits))
    O("struct hv_ring_buffer", "buffer", sizeof(VMRCB))
    S("struct vmpacket_descriptor", sizeof(VMPACKET_DESCRIPTOR))
    O("struct vmpacket_descriptor", "offset8",
      offsetof(VMPACKET_DESCRIPTOR, DataOffset8))
    O("struct vmpacket_descriptor", "len8", offsetof(VMPACKET_DESCRIPTOR, Length8))
    O("struct vmpacket_descriptor", "flags", offsetof(VMPACKET_DESCRIPTOR, Flags))
    O("struct vmpacket_descriptor", "trans_id",
      offsetof(VMPACKET_DESCRIPTOR, TransactionId))
    S("struct vmtransfer_page_range", sizeof(VMTRANSFER_PAGE_RANGE))
    O("struct vmtransfer_page_range", "byte_offset",
      offsetof(VMTRANSFER_PAGE_RANGE, ByteOffset))
    O("struct vmtransfer_page_packet_header", "xfer_pageset_id",
      offsetof(VMTRANSFER_PAGE_PACKET_HEADER, TransferPageSetId))
    O("struct vmtransfer_page_packet_header", "sender_owns_set",
      offsetof(VMTRANSFER_PAGE_PACKET_HEADER, SenderOwnsSet))
    O("struct vmtransfer_page_packet_header", "range_cnt",
      offsetof(VMTRANSFER_PAGE_PACKET_HEADER, RangeCount))
    O("struct vmtransfer_page_packet_header", "ranges",
      sizeof(VMTRANSFER_PAGE_PACKET_HEADER))
    S("struct vmgpadl_packet_header", sizeof(VMGPADL_PACKET_HEADER))
    S("struct vmadd_remove_transfer_page_set",
      sizeof(VMADD_REMOVE_TRANSFER_PAGE_SET))
    O("struct vmadd_remove_transfer_page_set", "xfer_pageset_id",
      offsetof(VMADD_REMOVE_TRANSFER_PAGE_SET, TransferPageSetId))
    O("struct gpa_range", "byte_offset", offsetof(GPA_RANGE, ByteOffset))
    O("struct gpa_range", "pfn_array", sizeof(GPA_RANGE))
    O("struct vmestablish_gpadl", "range_cnt",
      offsetof(VMESTABLISH_GPADL, RangeCount))
    O("struct vmestablish_gpadl", "range", sizeof(VMESTABLISH_GPADL))
    S("struct vmteardown_gpadl", sizeof(VMTEARDOWN_GPADL))
    O("struct vmdata_gpa_direct", "range_cnt",
      offsetof(VMDATA_GPA_DIRECT, RangeCount))
    O("struct vmdata_gpa_direct", "range", sizeof(VMDATA_GPA_DIRECT))
    O("struct vmadditional_data", "total_bytes",
      offsetof(VMADDITIONAL_DATA, TotalBytes))
    O("struct vmadditional_data", "offset", offsetof(VMADDITIONAL_DATA, ByteOffset))
    O("struct vmadditional_data", "byte_cnt",
      offsetof(VMADDITIONAL_DATA, ByteCount))
    O("struct vmadditional_data", "data", sizeof(VMADDITIONAL_DATA))

    /* Channel messages */
    S("struct vmbus_channel_message_header", sizeof(VMBUS_CHANNEL_MESSAGE_HEADER))
    S("struct vmbus_channel_offer_channel", sizeof(VMBUS_CHANNEL_OFFER_CHANNEL))
    O("struct vmbus_channel_offer_channel", "offer.if_type",
      offsetof(VMBUS_CHANNEL_OFFER_CHANNEL, InterfaceType))
    O("struct vmbus_channel_offer_channel", "offer.if_instance",
      offsetof(VMBUS_CHANNEL_OFFER_CHANNEL, InterfaceInstance))
    O("struct vmbus_channel_offer_channel", "offer.chn_flags",
      offsetof(VMBUS_CHANNEL_OFFER_CHANNEL, ChannelFlags))
    O("struct vmbus_channel_offer_channel", "offer.mmio_megabytes",
      offsetof(VMBUS_CHANNEL_OFFER_CHANNEL, MmioMegabytes))
    O("struct vmbus_channel_offer_channel", "offer.u",
      offsetof(VMBUS_CHANNEL_OFFER_CHANNEL, UserDefined))
    O("struct vmbus_channel_offer_channel", "offer.sub_channel_index",
      offsetof(VMBUS_CHANNEL_OFFER_CHANNEL, SubChannelIndex))
    O("struct vmbus_channel_offer_channel", "child_relid",
      offsetof(VMBUS_CHANNEL_OFFER_CHANNEL, ChildRelId))
    O("struct vmbus_channel_offer_channel", "monitorid",
      offsetof(VMBUS_CHANNEL_OFFER_CHANNEL, MonitorId))
    O("struct vmbus_channel_offer_channel", "monitor_allocated",
      offsetof(VMBUS_CHANNEL_OFFER_CHANNEL, MonitorFlags))
    O("struct vmbus_channel_offer_channel", "is_dedicated_interrupt",
      offsetof(VMBUS_CHANNEL_OFFER_CHANNEL, InterruptFlags))
    O("struct vmbus_channel_offer_channel", "connection_id",
      offsetof(VMBUS_CHANNEL_OFFER_CHANNEL, ConnectionId))
    S("struct vmbus_channel_rescind_offer", sizeof(VMBUS_CHANNEL_RESCIND_OFFER))
    S("struct vmbus_channel_open_channel", VMBUS_CHANNEL_OPEN_CHANNEL_MIN_SIZE)
    O("struct vmbus_channel_open_channel", "openid",
      offsetof(VMBUS_CHANNEL_OPEN_CHANNEL, OpenId))
    O("struct vmbus_channel_open_channel", "ringbuffer_gpadlhandle",
      offsetof(VMBUS_CHANNEL_OPEN_CHANNEL, RingBufferGpadlHandle))
    O("struct vmbus_channel_open_channel", "target_vp",
      offsetof(VMBUS_CHANNEL_OPEN_CHANNEL, TargetVp))
    O("struct vmbus_channel_open_channel", "downstream_ringbuffer_pageoffset",
      offsetof(VMBUS_CHANNEL_OPEN_CHANNEL, DownstreamRingBufferPageOffset))
    O("struct vmbus_channel_open_channel", "userdata",
      offsetof(VMBUS_CHANNEL_OPEN_CHANNEL, UserData))
    S("struct vmbus_channel_open_result", sizeof(VMBUS_CHANNEL_OPEN_RESULT))
    O("struct vmbus_channel_open_result", "status",
      offsetof(VMBUS_CHANNEL_OPEN_RESULT, Status))
    S("struct vmbus_channel_modifychannel_response",
      sizeof(VMBUS_CHANNEL_MODIFY_CHANNEL_RESPONSE))
    O("struct vmbus_channel_modifychannel_response", "status",
      offsetof(VMBUS_CHANNEL_MODIFY_CHANNEL_RESPONSE, Status))
    S("struct vmbus_channel_close_channel", sizeof(VMBUS_CHANNEL_CLOSE_CHANNEL))
    S("struct vmbus_channel_gpadl_header", sizeof(VMBUS_CHANNEL_GPADL_HEADER))
    O("struct vmbus_channel_gpadl_header", "gpadl",
      offsetof(VMBUS_CHANNEL_GPADL_HEADER, Gpadl))
    O("struct vmbus_channel_gpadl_header", "range_buflen",
      offsetof(VMBUS_CHANNEL_GPADL_HEADER, RangeBufferLength))
    O("struct vmbus_channel_gpadl_header", "rangecount",
      offsetof(VMBUS_CHANNEL_GPADL_HEADER, RangeCount))
    O("struct vmbus_channel_gpadl_header", "range",
      VMBUS_GPADL_HEADER_RANGES_OFFSET)
    O("struct vmbus_channel_gpadl_body", "msgnumber",
      offsetof(VMBUS_CHANNEL_GPADL_BODY, MessageNumber))
    O("struct vmbus_channel_gpadl_body", "gpadl",
      offsetof(VMBUS_CHANNEL_GPADL_BODY, Gpadl))
    O("struct vmbus_channel_gpadl_body", "pfn",
      offsetof(VMBUS_CHANNEL_GPADL_BODY, Pfn))
    S("struct vmbus_channel_gpadl_created", sizeof(VMBUS_CHANNEL_GPADL_CREATED))
    O("struct vmbus_channel_gpadl_created", "creation_status",
      offsetof(VMBUS_CHANNEL_GPADL_CREATED, CreationStatus))
    S("struct vmbus_channel_gpadl_teardown", sizeof(VMBUS_CHANNEL_GPADL_TEARDOWN))
    S("struct vmbus_channel_gpadl_torndown", sizeof(VMBUS_CHANNEL_GPADL_TORNDOWN))
    S("struct vmbus_channel_relid_released", sizeof(VMBUS_CHANNEL_RELID_RELEASED))
    S("struct vmbus_channel_initiate_contact",
      VMBUS_CHANNEL_INITIATE_CONTACT_MIN_SIZE)
    O("struct vmbus_channel_initiate_contact", "vmbus_version_requested",
      offsetof(VMBUS_CHANNEL_INITIATE_CONTACT, VMBusVersionRequested))
    O("struct vmbus_channel_initiate_contact", "target_vcpu",
      offsetof(VMBUS_CHANNEL_INITIATE_CONTACT, TargetMessageVp))
    O("struct vmbus_channel_initiate_contact", "interrupt_page",
      offsetof(VMBUS_CHANNEL_INITIATE_CONTACT, Target))
    O("struct vmbus_channel_initiate_contact", "msg_sint",
      offsetof(VMBUS_CHANNEL_INITIATE_CONTACT, Target.TargetInfo.TargetSint))
    O("struct vmbus_channel_initiate_contact", "monitor_page1",
      offsetof(VMBUS_CHANNEL_INITIATE_CONTACT, ParentToChildMonitorPageGpa))
    O("struct vmbus_channel_initiate_contact", "monitor_page2",
      offsetof(VMBUS_CHANNEL_INITIATE_CONTACT, ChildToParentMonitorPageGpa))
    S("struct vmbus_channel_tl_connect_request",
      VMBUS_CHANNEL_TL_CONNECT_REQUEST_MIN_SIZE)
    O("struct vmbus_channel_tl_connect_request", "host_service_id",
      offsetof(VMBUS_CHANNEL_TL_CONNECT_REQUEST, ServiceId))
    S("struct vmbus_channel_modifychannel", sizeof(VMBUS_CHANNEL_MODIFY_CHANNEL))
    O("struct vmbus_channel_modifychannel", "target_vp",
      offsetof(VMBUS_CHANNEL_MODIFY_CHANNEL, TargetVp))
    S("struct vmbus_channel_version_response",
      VMBUS_CHANNEL_VERSION_RESPONSE_MIN_SIZE)
    O("struct vmbus_channel_version_response", "connection_state",
      offsetof(VMBUS_CHANNEL_VERSION_RESPONSE, ConnectionState))
    O("struct vmbus_channel_version_response", "msg_conn_id",
      offsetof(VMBUS_CHANNEL_VERSION_RESPONSE, MessageConnectionId))

    /* Integration services */
    S("struct vmbuspipe_hdr", sizeof(VMPIPE_PROTOCOL_HEADER))
    S("struct ic_version", sizeof(HV_IC_VERSION))
    S("struct icmsg_hdr", sizeof(HV_IC_MSG_HEADER))
    O("struct icmsg_hdr", "icmsgtype", offsetof(HV_IC_MSG_HEADER, IcMessageType))
    O("struct icmsg_hdr", "icvermsg", offsetof(HV_IC_MSG_HEADER, IcVersionMessage))
    O("struct icmsg_hdr", "icmsgsize", offsetof(HV_IC_MSG_HEADER, IcMessageSize))
    O("struct icmsg_hdr", "status", offsetof(HV_IC_MSG_HEADER, Status))
    O("struct icmsg_hdr", "ictransaction_id",
      offsetof(HV_IC_MSG_HEADER, IcTransactionId))
    O("struct icmsg_hdr", "icflags", offsetof(HV_IC_MSG_HEADER, IcFlags))
    O("struct icmsg_negotiate", "icmsg_vercnt",
      offsetof(HV_IC_NEGOTIATE, MessageVersionCount))
    O("struct icmsg_negotiate", "icversion_data", sizeof(HV_IC_NEGOTIATE))
    S("struct shutdown_msg_data", sizeof(HV_IC_SHUTDOWN_MESSAGE))
    O("struct shutdown_msg_data", "timeout_seconds",
      offsetof(HV_IC_SHUTDOWN_MESSAGE, TimeoutSeconds))
    O("struct shutdown_msg_data", "flags", offsetof(HV_IC_SHUTDOWN_MESSAGE, Flags))
    O("struct shutdown_msg_data", "display_message",
      offsetof(HV_IC_SHUTDOWN_MESSAGE, DisplayMessage))
    S("struct heartbeat_msg_data", sizeof(HV_IC_HEARTBEAT_MESSAGE))
    S("struct ictimesync_data", sizeof(HV_IC_TIMESYNC_MESSAGE))
    O("struct ictimesync_data", "childtime",
      offsetof(HV_IC_TIMESYNC_MESSAGE, ChildTime))
    O("struct ictimesync_data", "roundtriptime",
      offsetof(HV_IC_TIMESYNC_MESSAGE, RoundTripTime))
    O("struct ictimesync_data", "flags", offsetof(HV_IC_TIMESYNC_MESSAGE, Flags))
    S("struct ictimesync_ref_data", sizeof(HV_IC_TIMESYNC_REF_MESSAGE))
    O("struct ictimesync_ref_data", "vmreferencetime",
      offsetof(HV_IC_TIMESYNC_REF_MESSAGE, VmReferenceTime))
    O("struct ictimesync_ref_data", "flags",
      offsetof(HV_IC_TIMESYNC_REF_MESSAGE, Flags))
    O("struct ictimesync_ref_data", "leapflags",
      offsetof(HV_IC_TIMESYNC_REF_MESSAGE, LeapFlags))
    O("struct ictimesync_ref_data", "stratum",
      offsetof(HV_IC_TIMESYNC_REF_MESSAGE, Stratum))
    S("struct hv_kvp_hdr", sizeof(HV_KVP_HEADER))
    S("struct hv_kvp_exchg_msg_value", sizeof(HV_KVP_EXCHANGE_MSG_VALUE))
    O("struct hv_kvp_exchg_msg_value", "key_size",
      offsetof(HV_KVP_EXCHANGE_MSG_VALUE, KeySize))
    O("struct hv_kvp_exchg_msg_value", "value_size",
      offsetof(HV_KVP_EXCHANGE_MSG_VALUE, ValueSize))
    O("struct hv_kvp_exchg_msg_value", "key",
      offsetof(HV_KVP_EXCHANGE_MSG_VALUE, Key))
    O("struct hv_kvp_exchg_msg_value", "value",
      offsetof(HV_KVP_EXCHANGE_MSG_VALUE, Value))
    S("struct hv_kvp_msg_enumerate", sizeof(HV_KVP_MSG_ENUMERATE))
    O("struct hv_kvp_msg_enumerate", "data", offsetof(HV_KVP_MSG_ENUMERATE, Data))
    S("struct hv_kvp_msg_delete", sizeof(HV_KVP_MSG_DELETE))
    O("struct hv_kvp_msg", "body", offsetof(HV_KVP_MESSAGE, Body))
    S("struct hv_kvp_ipaddr_value", sizeof(HV_KVP_IPADDR_VALUE))
    O("struct hv_kvp_ipaddr_value", "addr_family",
      offsetof(HV_KVP_IPADDR_VALUE, AddrFamily))
    O("struct hv_kvp_ipaddr_value", "dhcp_enabled",
      offsetof(HV_KVP_IPADDR_VALUE, DhcpEnabled))
    O("struct hv_kvp_ipaddr_value", "ip_addr", offsetof(HV_KVP_IPADDR_VALUE, IpAddr))
    O("struct hv_kvp_ipaddr_value", "sub_net", offsetof(HV_KVP_IPADDR_VALUE, SubNet))
    O("struct hv_kvp_ipaddr_value", "gate_way",
      offsetof(HV_KVP_IPADDR_VALUE, GateWay))
    O("struct hv_kvp_ipaddr_value", "dns_addr",
      offsetof(HV_KVP_IPADDR_VALUE, DnsAddr))
    S("struct hv_kvp_ip_msg", sizeof(HV_KVP_IP_MESSAGE))
    O("struct hv_kvp_ip_msg", "kvp_ip_val", offsetof(HV_KVP_IP_MESSAGE, IpValue))

    /* Synthetic video: Linux's message bodies follow the 8-byte header. */
    S("struct pipe_msg_hdr", sizeof(VMPIPE_PROTOCOL_HEADER))
    S("struct synthvid_msg_hdr", sizeof(SYNTHVID_MESSAGE_HEADER))
    S("struct synthvid_version_req",
      sizeof(SYNTHVID_VERSION_REQUEST_MESSAGE) - SV)
    S("struct synthvid_version_resp",
      sizeof(SYNTHVID_VERSION_RESPONSE_MESSAGE) - SV)
    O("struct synthvid_version_resp", "max_video_outputs",
      offsetof(SYNTHVID_VERSION_RESPONSE_MESSAGE, MaxVideoOutputs) - SV)
    S("struct synthvid_vram_location",
      sizeof(SYNTHVID_VRAM_LOCATION_MESSAGE) - SV)
    O("struct synthvid_vram_location", "is_vram_gpa_specified",
      offsetof(SYNTHVID_VRAM_LOCATION_MESSAGE, IsVramGpaSpecified) - SV)
    O("struct synthvid_vram_location", "vram_gpa",
      offsetof(SYNTHVID_VRAM_LOCATION_MESSAGE, VramGpa) - SV)
    S("struct synthvid_vram_location_ack",
      sizeof(SYNTHVID_VRAM_LOCATION_ACK_MESSAGE) - SV)
    S("struct video_output_situation", sizeof(VIDEO_OUTPUT_SITUATION))
    O("struct video_output_situation", "vram_offset",
      offsetof(VIDEO_OUTPUT_SITUATION, VramOffset))
    O("struct video_output_situation", "depth_bits",
      offsetof(VIDEO_OUTPUT_SITUATION, DepthBits))
    O("struct video_output_situation", "width_pixels",
      offsetof(VIDEO_OUTPUT_SITUATION, WidthPixels))
    O("struct video_output_situation", "height_pixels",
      offsetof(VIDEO_OUTPUT_SITUATION, HeightPixels))
    O("struct video_output_situation", "pitch_bytes",
      offsetof(VIDEO_OUTPUT_SITUATION, PitchBytes))
    S("struct synthvid_situation_update",
      sizeof(SYNTHVID_SITUATION_UPDATE_MESSAGE) - SV)
    O("struct synthvid_situation_update", "video_output",
      offsetof(SYNTHVID_SITUATION_UPDATE_MESSAGE, VideoOutput) - SV)
    S("struct synthvid_situation_update_ack",
      sizeof(SYNTHVID_SITUATION_UPDATE_ACK_MESSAGE) - SV)
    S("struct synthvid_pointer_position",
      sizeof(SYNTHVID_POINTER_POSITION_MESSAGE) - SV)
    O("struct synthvid_pointer_position", "image_x",
      offsetof(SYNTHVID_POINTER_POSITION_MESSAGE, ImageX) - SV)
    O("struct synthvid_pointer_position", "image_y",
      offsetof(SYNTHVID_POINTER_POSITION_MESSAGE, ImageY) - SV)
    O("struct synthvid_pointer_shape", "width",
      offsetof(SYNTHVID_POINTER_SHAPE_MESSAGE, Width) - SV)
    O("struct synthvid_pointer_shape", "hot_y",
      offsetof(SYNTHVID_POINTER_SHAPE_MESSAGE, HotY) - SV)
    O("struct synthvid_pointer_shape", "data",
      sizeof(SYNTHVID_POINTER_SHAPE_MESSAGE) - SV)
    S("struct synthvid_feature_change",
      sizeof(SYNTHVID_FEATURE_CHANGE_MESSAGE) - SV)
    O("struct synthvid_feature_change", "is_situ_needed",
      offsetof(SYNTHVID_FEATURE_CHANGE_MESSAGE, IsSituationNeeded) - SV)
    S("struct rect", sizeof(SYNTHVID_RECT))
    O("struct synthvid_dirt", "dirt_count",
      offsetof(SYNTHVID_DIRT_MESSAGE, DirtCount) - SV)
    O("struct synthvid_dirt", "rect", sizeof(SYNTHVID_DIRT_MESSAGE) - SV)
    S("struct synthvid_supported_resolution_req",
      sizeof(SYNTHVID_SUPPORTED_RESOLUTIONS_REQUEST_MESSAGE) - SV)
    S("struct synthvid_supported_resolution_resp",
      sizeof(SYNTHVID_SUPPORTED_RESOLUTIONS_RESPONSE_MESSAGE) - SV)
    O("struct synthvid_supported_resolution_resp", "resolution_count",
      offsetof(SYNTHVID_SUPPORTED_RESOLUTIONS_RESPONSE_MESSAGE, ResolutionCount) -
          SV)
    O("struct synthvid_supported_resolution_resp", "supported_resolution",
      offsetof(SYNTHVID_SUPPORTED_RESOLUTIONS_RESPONSE_MESSAGE,
               SupportedResolution) -
          SV)
    S("struct hvd_screen_info", sizeof(SYNTHVID_SCREEN_INFO))

    /* Keyboard and mouse */
    S("struct synth_kbd_msg_hdr", sizeof(HK_MESSAGE_HEADER))
    S("struct synth_kbd_protocol_request", sizeof(HK_MESSAGE_PROTOCOL_REQUEST))
    S("struct synth_kbd_protocol_response", sizeof(HK_MESSAGE_PROTOCOL_RESPONSE))
    S("struct synth_kbd_keystroke", sizeof(HK_MESSAGE_KEYSTROKE))
    O("struct synth_kbd_keystroke", "make_code",
      offsetof(HK_MESSAGE_KEYSTROKE, MakeCode))
    O("struct synth_kbd_keystroke", "info", offsetof(HK_MESSAGE_KEYSTROKE, Info))
    S("struct hv_input_dev_info", sizeof(HV_INPUT_DEV_INFO))
    O("struct hv_input_dev_info", "version", offsetof(HV_INPUT_DEV_INFO, Version))
    S("struct synthhid_msg_hdr", sizeof(SYNTHHID_MESSAGE_HEADER))
    S("struct synthhid_protocol_request", sizeof(SYNTHHID_PROTOCOL_REQUEST))
    S("struct synthhid_protocol_response", sizeof(SYNTHHID_PROTOCOL_RESPONSE))
    O("struct synthhid_protocol_response", "approved",
      offsetof(SYNTHHID_PROTOCOL_RESPONSE, Approved))
    S("struct hid_descriptor", sizeof(SYNTHHID_HID_DESCRIPTOR))
    S("struct synthhid_device_info", sizeof(SYNTHHID_DEVICE_INFO))
    O("struct synthhid_device_info", "hid_descriptor",
      offsetof(SYNTHHID_DEVICE_INFO, HidDescriptor))
    S("struct synthhid_device_info_ack", sizeof(SYNTHHID_DEVICE_INFO_ACK))

    /* Storage */
    S("struct vmscsi_request", sizeof(VMSCSI_REQUEST))
    O("struct vmscsi_request", "srb_status", offsetof(VMSCSI_REQUEST, SrbStatus))
    O("struct vmscsi_request", "scsi_status", offsetof(VMSCSI_REQUEST, ScsiStatus))
    O("struct vmscsi_request", "port_number", offsetof(VMSCSI_REQUEST, PortNumber))
    O("struct vmscsi_request", "path_id", offsetof(VMSCSI_REQUEST, PathId))
    O("struct vmscsi_request", "target_id", offsetof(VMSCSI_REQUEST, TargetId))
    O("struct vmscsi_request", "lun", offsetof(VMSCSI_REQUEST, Lun))
    O("struct vmscsi_request", "cdb_length", offsetof(VMSCSI_REQUEST, CdbLength))
    O("struct vmscsi_request", "sense_info_length",
      offsetof(VMSCSI_REQUEST, SenseInfoExLength))
    O("struct vmscsi_request", "data_in", offsetof(VMSCSI_REQUEST, DataIn))
    O("struct vmscsi_request", "data_transfer_length",
      offsetof(VMSCSI_REQUEST, DataTransferLength))
    O("struct vmscsi_request", "cdb", offsetof(VMSCSI_REQUEST, Buffer))
    O("struct vmscsi_request", "reserve", VMSCSI_REQUEST_SIZE_REVISION_1)
    O("struct vmscsi_request", "queue_tag", offsetof(VMSCSI_REQUEST, QueueTag))
    O("struct vmscsi_request", "srb_flags", offsetof(VMSCSI_REQUEST, SrbFlags))
    O("struct vmscsi_request", "time_out_value",
      offsetof(VMSCSI_REQUEST, TimeOutValue))
    O("struct vmscsi_request", "queue_sort_ey",
      offsetof(VMSCSI_REQUEST, QueueSortKey))
    S("struct vmstorage_channel_properties", sizeof(VMSTORAGE_CHANNEL_PROPERTIES))
    O("struct vmstorage_channel_properties", "max_channel_cnt",
      offsetof(VMSTORAGE_CHANNEL_PROPERTIES, MaximumSubChannelCount))
    O("struct vmstorage_channel_properties", "flags",
      offsetof(VMSTORAGE_CHANNEL_PROPERTIES, Flags))
    O("struct vmstorage_channel_properties", "max_transfer_bytes",
      offsetof(VMSTORAGE_CHANNEL_PROPERTIES, MaxTransferBytes))
    S("struct vmstorage_protocol_version", sizeof(VMSTORAGE_PROTOCOL_VERSION))
    S("struct hv_fc_wwn_packet", sizeof(VMFC_WWN_PACKET))
    O("struct hv_fc_wwn_packet", "secondary_node_wwn",
      offsetof(VMFC_WWN_PACKET, SecondaryNodeWwn))
    S("struct vstor_packet", sizeof(VSTOR_PACKET))
    O("struct vstor_packet", "status", offsetof(VSTOR_PACKET, Status))
    O("struct vstor_packet", "vm_srb", offsetof(VSTOR_PACKET, Payload))

    /* Network */
    S("struct nvsp_message_header", sizeof(NVSP_MESSAGE_HEADER))
    S("struct nvsp_message", sizeof(NVSP_MESSAGE))
    S("struct nvsp_message_init", sizeof(NVSP_MESSAGE_INIT))
    S("struct nvsp_message_init_complete", sizeof(NVSP_MESSAGE_INIT_COMPLETE))
    S("struct nvsp_1_message_send_ndis_version",
      sizeof(NVSP_1_MESSAGE_SEND_NDIS_VERSION))
    S("struct nvsp_1_message_send_receive_buffer",
      sizeof(NVSP_1_MESSAGE_SEND_RECEIVE_BUFFER))
    S("struct nvsp_1_receive_buffer_section",
      sizeof(NVSP_1_RECEIVE_BUFFER_SECTION))
    S("struct nvsp_1_message_send_receive_buffer_complete",
      sizeof(NVSP_1_MESSAGE_SEND_RECEIVE_BUFFER_COMPLETE))
    S("struct nvsp_1_message_revoke_receive_buffer",
      sizeof(NVSP_1_MESSAGE_REVOKE_RECEIVE_BUFFER))
    S("struct nvsp_1_message_send_send_buffer",
      sizeof(NVSP_1_MESSAGE_SEND_SEND_BUFFER))
    S("struct nvsp_1_message_send_send_buffer_complete",
      sizeof(NVSP_1_MESSAGE_SEND_SEND_BUFFER_COMPLETE))
    S("struct nvsp_1_message_send_rndis_packet",
      sizeof(NVSP_1_MESSAGE_SEND_RNDIS_PACKET))
    S("struct nvsp_1_message_send_rndis_packet_complete",
      sizeof(NVSP_1_MESSAGE_SEND_RNDIS_PACKET_COMPLETE))
    S("struct nvsp_2_vsc_capability", sizeof(NVSP_2_NETVSC_CAPABILITIES))
    S("struct nvsp_2_send_ndis_config", sizeof(NVSP_2_MESSAGE_SEND_NDIS_CONFIG))
    O("struct nvsp_2_send_ndis_config", "capability",
      offsetof(NVSP_2_MESSAGE_SEND_NDIS_CONFIG, Capabilities))
    S("struct nvsp_2_alloc_rxbuf", sizeof(NVSP_2_MESSAGE_ALLOCATE_RECEIVE_BUFFER))
    S("struct nvsp_2_alloc_rxbuf_comp",
      sizeof(NVSP_2_MESSAGE_ALLOCATE_RECEIVE_BUFFER_COMPLETE))
    O("struct nvsp_2_alloc_rxbuf_comp", "recv_buf_id",
      offsetof(NVSP_2_MESSAGE_ALLOCATE_RECEIVE_BUFFER_COMPLETE, ReceiveBufferId))
    S("struct nvsp_2_free_rxbuf", sizeof(NVSP_2_MESSAGE_FREE_RECEIVE_BUFFER))
    S("struct nvsp_4_send_vf_association",
      sizeof(NVSP_4_MESSAGE_SEND_VF_ASSOCIATION))
    S("struct nvsp_4_sw_datapath", sizeof(NVSP_4_MESSAGE_SWITCH_DATA_PATH))
    S("struct nvsp_5_subchannel_request",
      sizeof(NVSP_5_MESSAGE_SUBCHANNEL_REQUEST))
    S("struct nvsp_5_subchannel_complete",
      sizeof(NVSP_5_MESSAGE_SUBCHANNEL_COMPLETE))
    S("struct nvsp_5_send_indirect_table",
      sizeof(NVSP_5_MESSAGE_SEND_INDIRECTION_TABLE))
    S("struct ndis_object_header", sizeof(RNDIS_OBJECT_HEADER))
    O("struct rndis_message", "msg", RNDIS_MESSAGE_BODY_OFFSET)
    S("struct rndis_initialize_request", sizeof(RNDIS_INITIALIZE_REQUEST))
    S("struct rndis_initialize_complete", sizeof(RNDIS_INITIALIZE_COMPLETE))
    O("struct rndis_initialize_complete", "pkt_alignment_factor",
      offsetof(RNDIS_INITIALIZE_COMPLETE, PacketAlignmentFactor))
    S("struct rndis_halt_request", sizeof(RNDIS_HALT_REQUEST))
    S("struct rndis_query_request", sizeof(RNDIS_QUERY_REQUEST))
    O("struct rndis_query_request", "info_buf_offset",
      offsetof(RNDIS_QUERY_REQUEST, InformationBufferOffset))
    S("struct rndis_query_complete", sizeof(RNDIS_QUERY_COMPLETE))
    S("struct rndis_set_request", sizeof(RNDIS_SET_REQUEST))
    S("struct rndis_set_complete", sizeof(RNDIS_SET_COMPLETE))
    S("struct rndis_reset_request", sizeof(RNDIS_RESET_REQUEST))
    S("struct rndis_reset_complete", sizeof(RNDIS_RESET_COMPLETE))
    S("struct rndis_indicate_status", sizeof(RNDIS_INDICATE_STATUS))
    S("struct rndis_diagnostic_info", sizeof(RNDIS_DIAGNOSTIC_INFO))
    S("struct rndis_keepalive_request", sizeof(RNDIS_KEEPALIVE_REQUEST))
    S("struct rndis_keepalive_complete", sizeof(RNDIS_KEEPALIVE_COMPLETE))
    S("struct rndis_packet", sizeof(RNDIS_PACKET))
    O("struct rndis_packet", "per_pkt_info_offset",
      offsetof(RNDIS_PACKET, PerPacketInfoOffset))
    S("struct rndis_oobd", sizeof(RNDIS_OOBD))
    S("struct rndis_per_packet_info", sizeof(RNDIS_PER_PACKET_INFO))
    O("struct rndis_per_packet_info", "ppi_offset",
      offsetof(RNDIS_PER_PACKET_INFO, PerPacketInformationOffset))
    S("struct rndis_pktinfo_id", sizeof(RNDIS_PKTINFO_ID))
    O("struct rndis_pktinfo_id", "pkt_id", offsetof(RNDIS_PKTINFO_ID, PacketId))
    S("struct rndis_config_parameter_info", sizeof(RNDIS_CONFIG_PARAMETER_INFO))
    S("struct ndis_tcp_ip_checksum_info",
      sizeof(NDIS_TCP_IP_CHECKSUM_PACKET_INFO_HV))
    S("struct ndis_pkt_8021q_info", sizeof(NDIS_8021Q_INFO_HV))
    S("struct ndis_tcp_lso_info", sizeof(NDIS_TCP_LARGE_SEND_INFO_HV))
};

/* ---- finding the sources ----------------------------------------------------- */

static int has_linux_files(const char *dir)
{
    char path[8192];
    struct stat st;

    if (snprintf(path, sizeof(path), "%s/include/linux/hyperv.h", dir) >=
        (int)sizeof(path))
        return 0;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The newest linux-hv-headers-* directory of the fetch script's cache. */
static int find_cached(char *out, size_t size)
{
    const char *xdg = getenv("XDG_CACHE_HOME");
    const char *home = getenv("HOME");
    char cache[4096], best[256] = "";
    DIR *d;
    struct dirent *e;

    if (xdg && xdg[0])
        snprintf(cache, sizeof(cache), "%s/wisp", xdg);
    else if (home && home[0])
        snprintf(cache, sizeof(cache), "%s/.cache/wisp", home);
    else
        return 0;
    d = opendir(cache);
    if (!d)
        return 0;
    while ((e = readdir(d)) != NULL) {
        char dir[8192];
        if (strncmp(e->d_name, "linux-hv-headers-", 17) != 0 ||
            strlen(e->d_name) >= sizeof(best))
            continue;
        snprintf(dir, sizeof(dir), "%s/%s", cache, e->d_name);
        if (has_linux_files(dir) && strcmp(e->d_name, best) > 0)
            snprintf(best, sizeof(best), "%s", e->d_name);
    }
    closedir(d);
    if (!best[0])
        return 0;
    return snprintf(out, size, "%s/%s", cache, best) < (int)size;
}

static int setup(void **state)
{
    const char *env = getenv("WISP_LINUX_SOURCE");
    char err[512];

    (void)state;
    if (env && env[0]) {
        if (!has_linux_files(env)) {
            snprintf(why_missing, sizeof(why_missing),
                     "WISP_LINUX_SOURCE=%.4000s has no include/linux/hyperv.h",
                     env);
            return 0;
        }
        snprintf(linux_root, sizeof(linux_root), "%.4000s", env);
    } else if (!find_cached(linux_root, sizeof(linux_root))) {
        snprintf(why_missing, sizeof(why_missing),
                 "no Linux source: set WISP_LINUX_SOURCE to a Linux tree, or "
                 "run scripts/fetch-linux-hv-headers.sh (it caches Debian's "
                 "linux-source files under ~/.cache/wisp)");
        return 0;
    }
    linux_src = ln_open(linux_root, linux_files, LINUX_FILE_COUNT, err,
                        sizeof(err));
    if (!linux_src)
        snprintf(why_missing, sizeof(why_missing), "%s", err);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ln_close(linux_src);
    linux_src = NULL;
    return 0;
}

/* Skip, or fail when the source is required or was named but is bad. */
static void need_source(void)
{
    const char *req = getenv("WISP_REQUIRE_LINUX_SOURCE");
    const char *env = getenv("WISP_LINUX_SOURCE");

    if (linux_src)
        return;
    if ((req && strcmp(req, "1") == 0) || (env && env[0]))
        fail_msg("%s", why_missing);
    print_message("skipped: %s\n", why_missing);
    skip();
}

/* ---- the tests ---------------------------------------------------------------- */

static size_t check_constants(const struct constant_check *checks, size_t n,
                              size_t *compared)
{
    size_t i, bad = 0;

    for (i = 0; i < n; i++) {
        if (checks == rndis_constants && named_elsewhere(checks[i].linux_name))
            continue;
        (*compared)++;
        uint64_t v, mask = checks[i].bits >= 64 ? ~0ull
                                                : (1ull << checks[i].bits) - 1;
        char err[700];

        if (ln_value(linux_src, checks[i].linux_name, &v, err, sizeof(err))) {
            print_error("%s\n", err);
            bad++;
        } else if ((v & mask) != (checks[i].ours & mask)) {
            print_error("Linux %s = 0x%llx, ours %s = 0x%llx\n",
                        checks[i].linux_name, (unsigned long long)v,
                        checks[i].our_name,
                        (unsigned long long)checks[i].ours);
            bad++;
        }
    }
    return bad;
}

static void test_constants(void **state)
{
    size_t n = sizeof(constants) / sizeof(constants[0]);
    size_t m = sizeof(rndis_constants) / sizeof(rndis_constants[0]);
    size_t bad, compared = 0;

    (void)state;
    need_source();
    bad = check_constants(constants, n, &compared) +
          check_constants(rndis_constants, m, &compared);
    print_message("%zu constants compared with %s\n", compared, linux_root);
    if (bad)
        fail_msg("%zu of %zu constants differ from Linux's", bad, compared);
}

static void test_guids(void **state)
{
    size_t i, n = sizeof(guids) / sizeof(guids[0]), bad = 0;

    (void)state;
    need_source();
    for (i = 0; i < n; i++) {
        uint8_t theirs[16], ours[16];
        char err[700];

        if (ln_guid(linux_src, guids[i].linux_name, theirs, err, sizeof(err))) {
            print_error("%s\n", err);
            bad++;
            continue;
        }
        hv_guid_to_bytes(&guids[i].ours, ours);
        if (memcmp(theirs, ours, 16) != 0) {
            print_error("Linux %s differs from %s\n", guids[i].linux_name,
                        guids[i].our_name);
            bad++;
        }
    }
    print_message("%zu device class GUIDs compared\n", n);
    if (bad)
        fail_msg("%zu of %zu GUIDs differ from Linux's", bad, n);
}

static void test_layouts(void **state)
{
    size_t i, n = sizeof(layouts) / sizeof(layouts[0]), bad = 0;

    (void)state;
    need_source();
    for (i = 0; i < n; i++) {
        const struct layout_check *c = &layouts[i];
        uint64_t v;
        char err[700];
        int rc = c->linux_member
                     ? ln_offsetof(linux_src, c->linux_type, c->linux_member,
                                   &v, err, sizeof(err))
                     : ln_sizeof(linux_src, c->linux_type, &v, err,
                                 sizeof(err));
        if (rc) {
            print_error("%s\n", err);
            bad++;
        } else if (v != c->ours) {
            print_error("Linux %s(%s%s%s) = %llu, ours %s = %llu\n",
                        c->linux_member ? "offsetof" : "sizeof", c->linux_type,
                        c->linux_member ? ", " : "",
                        c->linux_member ? c->linux_member : "",
                        (unsigned long long)v, c->our_expr,
                        (unsigned long long)c->ours);
            bad++;
        }
    }
    print_message("%zu sizes and offsets compared\n", n);
    if (bad)
        fail_msg("%zu of %zu layouts differ from Linux's", bad, n);
}

/* The reader itself, on a small made-up source: a wrong reader could
 * agree with wrong headers, so it gets checked against known answers. */
static void test_reader(void **state)
{
    static const char text[] =
        "#define A 3\n"
        "#define B(x, y) ((x) << 16 | (y))\n"
        "#define C B(A, 0x10) /* comment */\n"
        "#define LONGER \\\n   (A + \\\n 4)\n"
        "#define NEG ((unsigned char) ~0)\n"
        "#define G .guid = GUID_INIT(0x01020304, 0x0506, 0x0708, 9, 10, 11,"
        " 12, 13, 14, 15, 16)\n"
        "enum e { E0, E1 = 7, E2, E3 = E1 + A, E4 };\n"
        "struct inner { u16 a; u32 b; };\n"
        "struct p { u8 x; struct inner in; u64 y; u8 z:1; u8 w:7; u16 q; }"
        " __packed;\n"
        "struct n { u8 x; struct inner in; union { u64 y; u8 c[3]; }; u8 t; "
        "u32 arr[A][2]; u8 flex[]; };\n"
        "#pragma pack(push, 1)\n"
        "struct pp { u8 a; u32 b; };\n"
        "#pragma pack(pop)\n"
        "struct bits { u32 a:3; u32 b:30; };\n";
    static const char *const files[] = { "reader.h" };
    char dir[] = "/tmp/wisp-linux-numbers-XXXXXX", path[64], err[256];
    struct ln_source *src;
    uint64_t v;
    uint8_t g[16];
    FILE *f;
    int i;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/reader.h", dir);
    f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, sizeof(text) - 1, f), sizeof(text) - 1);
    fclose(f);
    src = ln_open(dir, files, 1, err, sizeof(err));
    assert_non_null(src);

    assert_int_equal(ln_value(src, "C", &v, err, sizeof(err)), 0);
    assert_int_equal(v, 0x30010);
    assert_int_equal(ln_value(src, "LONGER", &v, err, sizeof(err)), 0);
    assert_int_equal(v, 7);
    assert_int_equal(ln_value(src, "NEG", &v, err, sizeof(err)), 0);
    assert_int_equal(v, 0xFF);
    assert_int_equal(ln_value(src, "E0", &v, err, sizeof(err)), 0);
    assert_int_equal(v, 0);
    assert_int_equal(ln_value(src, "E2", &v, err, sizeof(err)), 0);
    assert_int_equal(v, 8);
    assert_int_equal(ln_value(src, "E4", &v, err, sizeof(err)), 0);
    assert_int_equal(v, 11);
    assert_int_equal(ln_value(src, "NOPE", &v, err, sizeof(err)), -1);
    assert_int_equal(ln_guid(src, "G", g, err, sizeof(err)), 0);
    assert_int_equal(g[0], 4);
    assert_int_equal(g[3], 1);
    assert_int_equal(g[4], 6);
    assert_int_equal(g[6], 8);
    for (i = 8; i < 16; i++)
        assert_int_equal(g[i], i + 1);

    assert_int_equal(ln_sizeof(src, "struct inner", &v, err, sizeof(err)), 0);
    assert_int_equal(v, 8);
    assert_int_equal(ln_sizeof(src, "struct p", &v, err, sizeof(err)), 0);
    assert_int_equal(v, 1 + 8 + 8 + 1 + 2);
    assert_int_equal(ln_offsetof(src, "struct p", "in.b", &v, err, sizeof(err)),
                     0);
    assert_int_equal(v, 1 + 4);
    assert_int_equal(ln_offsetof(src, "struct p", "q", &v, err, sizeof(err)), 0);
    assert_int_equal(v, 18);
    assert_int_equal(ln_sizeof(src, "struct n", &v, err, sizeof(err)), 0);
    /* x@0, in@4, union@16 (8), t@24, arr@28 (24), flex@52; size 56. */
    assert_int_equal(v, 56);
    assert_int_equal(ln_offsetof(src, "struct n", "c", &v, err, sizeof(err)), 0);
    assert_int_equal(v, 16);
    assert_int_equal(ln_offsetof(src, "struct n", "flex", &v, err, sizeof(err)),
                     0);
    assert_int_equal(v, 52);
    assert_int_equal(ln_sizeof(src, "struct pp", &v, err, sizeof(err)), 0);
    assert_int_equal(v, 5);
    /* b does not fit in the first u32 beside a: it starts the next. */
    assert_int_equal(ln_sizeof(src, "struct bits", &v, err, sizeof(err)), 0);
    assert_int_equal(v, 8);
    assert_int_equal(ln_sizeof(src, "struct none", &v, err, sizeof(err)), -1);

    ln_close(src);
    remove(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reader),
        cmocka_unit_test(test_constants),
        cmocka_unit_test(test_guids),
        cmocka_unit_test(test_layouts),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
