/*
 * vmbus_ids.c - the VMBus number table, generated at compile time from
 * the lists and constants of include/hyperv/'s VMBus headers.
 */
#include "vmbus_ids.h"

#include <string.h>

#include <hyperv/vmbus.h>

/* Rows from a list entry: X(name, value[, extra...]).  Names are
 * stringified where they first arrive, before they can be expanded. */
#define ID_DEC(group, name, value, description)                               \
    { group, name, VMBUS_ID_DEC, (uint32_t)(value), { 0, 0, 0, { 0 } },       \
      description },
#define ID_HEX(group, name, value, description)                               \
    { group, name, VMBUS_ID_HEX, (uint32_t)(value), { 0, 0, 0, { 0 } },       \
      description },

#define ROW_VERSION(name, major, minor, release)                              \
    ID_HEX("vmbus-version", #name, name, release)
#define ROW_CHANNEL_MESSAGE(name, value, sender)                              \
    ID_DEC("vmbus-message", #name, value, sender)
#define ROW_PACKET(name, value) ID_DEC("vmbus-packet-type", #name, value, "")
#define ROW_PIPE(name, value) ID_DEC("vmbus-pipe-message", #name, value, "")
#define ROW_CLASS(macro, short_name, what)                                    \
    { "device-class", #macro, VMBUS_ID_GUID, 0, macro, what },
#define ROW_IC_MESSAGE(name, value) ID_DEC("ic-message", #name, value, "")
#define ROW_KVP_OP(name, value) ID_DEC("kvp-operation", #name, value, "")
#define ROW_SYNTHVID(name, value, sender)                                     \
    ID_DEC("synthvid-message", #name, value, sender)
#define ROW_KEYBOARD(name, value, sender)                                     \
    ID_DEC("keyboard-message", #name, value, sender)
#define ROW_HID(name, value, sender) ID_DEC("hid-message", #name, value, sender)
#define ROW_VSTOR(name, value, sender)                                        \
    ID_DEC("vmstor-operation", #name, value, sender)
#define ROW_NVSP_VERSION(name, major, minor)                                  \
    ID_HEX("nvsp-version", #name, name, "")
#define ROW_NVSP(name, value, sender) ID_DEC("nvsp-message", #name, value, sender)
#define ROW_NVSP_STATUS(name, value) ID_DEC("nvsp-status", #name, value, "")
#define ROW_RNDIS(name, value, sender)                                        \
    ID_HEX("rndis-message", #name, value, sender)
#define ROW_RNDIS_STATUS(name, value) ID_HEX("rndis-status", #name, value, "")
#define ROW_RNDIS_OID(name, value) ID_HEX("rndis-oid", #name, value, "")
#define ROW_RNDIS_PPI(name, value) ID_DEC("rndis-ppi", #name, value, "")

/* Single constants: the macro's own name and value. */
#define ONE_DEC(group, name, description) ID_DEC(group, #name, name, description)
#define ONE_HEX(group, name, description) ID_HEX(group, #name, name, description)

const struct vmbus_id vmbus_id_table[] = {
    /* VMBus channel management (hv_vmbus.h) */
    VMBUS_VERSION_LIST(ROW_VERSION)
    ONE_DEC("vmbus-synic", VMBUS_MESSAGE_SINT, "SINT of channel messages")
    ONE_DEC("vmbus-synic", VMBUS_SYNIC_MESSAGE_TYPE,
            "SynIC message type of channel messages")
    ONE_DEC("vmbus-connection", VMBUS_MESSAGE_CONNECTION_ID,
            "message connection before version 5.0")
    ONE_DEC("vmbus-connection", VMBUS_MESSAGE_CONNECTION_ID_V5,
            "InitiateContact from version 5.0 on")
    ONE_DEC("vmbus-connection", VMBUS_EVENT_CONNECTION_ID,
            "channel interrupts before Windows 8")
    ONE_DEC("vmbus-connection", VMBUS_MONITOR_CONNECTION_ID,
            "monitored notification")
    VMBUS_CHANNEL_MESSAGE_LIST(ROW_CHANNEL_MESSAGE)
    ONE_HEX("vmbus-offer-flag", VMBUS_OFFER_FLAG_ENUMERATE_DEVICE_INTERFACE, "")
    ONE_HEX("vmbus-offer-flag", VMBUS_OFFER_FLAG_SERVER_SUPPORTS_TRANSFER_PAGES,
            "early hosts")
    ONE_HEX("vmbus-offer-flag", VMBUS_OFFER_FLAG_SERVER_SUPPORTS_GPADLS,
            "early hosts")
    ONE_HEX("vmbus-offer-flag", VMBUS_OFFER_FLAG_CONFIDENTIAL_RING_BUFFER,
            "with confidential channels")
    ONE_HEX("vmbus-offer-flag", VMBUS_OFFER_FLAG_CONFIDENTIAL_EXTERNAL_MEMORY,
            "with confidential channels")
    ONE_HEX("vmbus-offer-flag", VMBUS_OFFER_FLAG_NAMED_PIPE_MODE, "")
    ONE_HEX("vmbus-offer-flag", VMBUS_OFFER_FLAG_LOOPBACK, "")
    ONE_HEX("vmbus-offer-flag", VMBUS_OFFER_FLAG_PARENT, "")
    ONE_HEX("vmbus-offer-flag", VMBUS_OFFER_FLAG_REQUEST_MONITORED_NOTIFICATION,
            "")
    ONE_HEX("vmbus-offer-flag", VMBUS_OFFER_FLAG_TLNPI_PROVIDER, "")
    ONE_HEX("vmbus-feature-flag",
            VMBUS_FEATURE_FLAG_GUEST_SPECIFIED_SIGNAL_PARAMETERS, "")
    ONE_HEX("vmbus-feature-flag",
            VMBUS_FEATURE_FLAG_CHANNEL_INTERRUPT_REDIRECTION, "")
    ONE_HEX("vmbus-feature-flag", VMBUS_FEATURE_FLAG_MODIFY_CONNECTION, "")
    ONE_HEX("vmbus-feature-flag", VMBUS_FEATURE_FLAG_CLIENT_ID, "")
    ONE_HEX("vmbus-feature-flag", VMBUS_FEATURE_FLAG_CONFIDENTIAL_CHANNELS, "")
    ONE_HEX("vmbus-feature-flag", VMBUS_FEATURE_FLAG_PAUSE_RESUME, "")

    /* Rings and packets (hv_vmbus_ring.h) */
    VMBUS_PACKET_TYPE_LIST(ROW_PACKET)
    ONE_HEX("vmbus-packet-flag", VMBUS_DATA_PACKET_FLAG_COMPLETION_REQUESTED,
            "")
    ONE_HEX("vmbus-ring-feature", VMRCB_FEATURE_PENDING_SEND_SIZE, "")
    VMPIPE_MESSAGE_TYPE_LIST(ROW_PIPE)

    /* Device classes (hv_vmbus_devices.h) */
    VMBUS_DEVICE_CLASS_LIST(ROW_CLASS)
    { "device-instance", "VMBUS_INSTANCE_SHUTDOWN", VMBUS_ID_GUID, 0,
      VMBUS_INSTANCE_SHUTDOWN, "Hyper-V's shutdown service instance" },

    /* Integration services (hv_ic.h) */
    HV_IC_MESSAGE_TYPE_LIST(ROW_IC_MESSAGE)
    ONE_HEX("ic-flag", HV_ICMSGHDRFLAG_TRANSACTION, "")
    ONE_HEX("ic-flag", HV_ICMSGHDRFLAG_REQUEST, "")
    ONE_HEX("ic-flag", HV_ICMSGHDRFLAG_RESPONSE, "")
    ONE_HEX("ic-framework-version", HV_IC_FRAMEWORK_VERSION_1, "1.0")
    ONE_HEX("ic-framework-version", HV_IC_FRAMEWORK_VERSION_3, "3.0")
    ONE_HEX("ic-heartbeat-version", HV_IC_HEARTBEAT_VERSION_1, "1.0")
    ONE_HEX("ic-heartbeat-version", HV_IC_HEARTBEAT_VERSION_3, "3.0")
    ONE_HEX("ic-shutdown-version", HV_IC_SHUTDOWN_VERSION_1, "1.0")
    ONE_HEX("ic-shutdown-version", HV_IC_SHUTDOWN_VERSION_3, "3.0")
    ONE_HEX("ic-shutdown-version", HV_IC_SHUTDOWN_VERSION_3_1, "3.1: restart")
    ONE_HEX("ic-shutdown-version", HV_IC_SHUTDOWN_VERSION_3_2, "3.2: hibernate")
    ONE_HEX("ic-timesync-version", HV_IC_TIMESYNC_VERSION_1, "1.0")
    ONE_HEX("ic-timesync-version", HV_IC_TIMESYNC_VERSION_3, "3.0")
    ONE_HEX("ic-timesync-version", HV_IC_TIMESYNC_VERSION_4, "4.0: reference time")
    ONE_HEX("ic-kvp-version", HV_KVP_VERSION_WS2008, "1.0")
    ONE_HEX("ic-kvp-version", HV_KVP_VERSION_WIN7, "3.0")
    ONE_HEX("ic-kvp-version", HV_KVP_VERSION_WIN8, "4.0")
    ONE_HEX("ic-status", HV_IC_S_OK, "")
    ONE_HEX("ic-status", HV_IC_S_CONT, "")
    ONE_HEX("ic-status", HV_IC_E_FAIL, "")
    ONE_HEX("ic-status", HV_IC_E_NOT_SUPPORTED, "")
    ONE_HEX("ic-status", HV_IC_E_MACHINE_LOCKED, "")
    ONE_HEX("ic-status", HV_IC_E_DEVICE_NOT_CONNECTED, "")
    ONE_HEX("ic-status", HV_IC_E_INVALIDARG, "")
    ONE_HEX("ic-status", HV_IC_E_GUID_NOTFOUND, "")
    ONE_HEX("ic-status", HV_IC_E_ALREADY_EXISTS, "")
    ONE_HEX("ic-status", HV_IC_E_DISK_FULL, "")
    ONE_HEX("ic-shutdown-flag", HV_IC_SHUTDOWN_FLAG_FORCE, "")
    ONE_HEX("ic-shutdown-flag", HV_IC_SHUTDOWN_FLAG_RESTART, "")
    ONE_HEX("ic-shutdown-flag", HV_IC_SHUTDOWN_FLAG_HIBERNATE, "")
    ONE_DEC("ic-timesync-flag", HV_IC_TIMESYNC_FLAG_PROBE, "")
    ONE_DEC("ic-timesync-flag", HV_IC_TIMESYNC_FLAG_SYNC, "")
    ONE_DEC("ic-timesync-flag", HV_IC_TIMESYNC_FLAG_SAMPLE, "")
    HV_KVP_OP_LIST(ROW_KVP_OP)
    ONE_DEC("kvp-pool", HV_KVP_POOL_EXTERNAL, "")
    ONE_DEC("kvp-pool", HV_KVP_POOL_GUEST, "")
    ONE_DEC("kvp-pool", HV_KVP_POOL_AUTO, "")
    ONE_DEC("kvp-pool", HV_KVP_POOL_AUTO_EXTERNAL, "")
    ONE_DEC("kvp-pool", HV_KVP_POOL_AUTO_INTERNAL, "")

    /* Synthetic video, keyboard, mouse */
    ONE_HEX("synthvid-version", SYNTHVID_VERSION_WIN7, "3.0")
    ONE_HEX("synthvid-version", SYNTHVID_VERSION_WIN8, "3.2")
    ONE_HEX("synthvid-version", SYNTHVID_VERSION_WIN10, "3.5")
    SYNTHVID_MESSAGE_TYPE_LIST(ROW_SYNTHVID)
    ONE_HEX("keyboard-version", HK_VERSION_WIN8, "1.0")
    HK_MESSAGE_TYPE_LIST(ROW_KEYBOARD)
    ONE_HEX("hid-version", SYNTHHID_INPUT_VERSION, "2.0")
    SYNTHHID_MESSAGE_TYPE_LIST(ROW_HID)

    /* Storage */
    ONE_HEX("vmstor-version", VMSTOR_PROTOCOL_VERSION_WIN6, "2.0")
    ONE_HEX("vmstor-version", VMSTOR_PROTOCOL_VERSION_WIN7, "4.2")
    ONE_HEX("vmstor-version", VMSTOR_PROTOCOL_VERSION_WIN8, "5.1")
    ONE_HEX("vmstor-version", VMSTOR_PROTOCOL_VERSION_WIN8_1, "6.0")
    ONE_HEX("vmstor-version", VMSTOR_PROTOCOL_VERSION_WIN10, "6.2")
    VSTOR_OPERATION_LIST(ROW_VSTOR)

    /* Network */
    NVSP_PROTOCOL_VERSION_LIST(ROW_NVSP_VERSION)
    NVSP_MESSAGE_TYPE_LIST(ROW_NVSP)
    NVSP_STATUS_LIST(ROW_NVSP_STATUS)
    RNDIS_MESSAGE_TYPE_LIST(ROW_RNDIS)
    RNDIS_STATUS_LIST(ROW_RNDIS_STATUS)
    RNDIS_OID_LIST(ROW_RNDIS_OID)
    RNDIS_PPI_TYPE_LIST(ROW_RNDIS_PPI)
};

const size_t vmbus_id_table_count =
    sizeof(vmbus_id_table) / sizeof(vmbus_id_table[0]);

const char *vmbus_id_name(const char *group, uint32_t value)
{
    size_t i;

    for (i = 0; i < vmbus_id_table_count; i++) {
        const struct vmbus_id *id = &vmbus_id_table[i];
        if (id->format != VMBUS_ID_GUID && id->value == value &&
            strcmp(id->group, group) == 0)
            return id->name;
    }
    return NULL;
}

const char *vmbus_device_class_name(const HV_GUID *class_id)
{
    size_t i;

    for (i = 0; i < vmbus_id_table_count; i++) {
        const struct vmbus_id *id = &vmbus_id_table[i];
        if (id->format == VMBUS_ID_GUID &&
            strcmp(id->group, "device-class") == 0 &&
            hv_guid_equal(&id->guid, class_id))
            return id->name;
    }
    return NULL;
}

void vmbus_id_format_value(const struct vmbus_id *id, char *buf, size_t size)
{
    char text[HV_GUID_STRING_LENGTH + 1];

    switch (id->format) {
    case VMBUS_ID_GUID:
        hv_guid_to_string(&id->guid, text);
        snprintf(buf, size, "%s", text);
        break;
    case VMBUS_ID_HEX:
        snprintf(buf, size, "0x%08X", (unsigned)id->value);
        break;
    case VMBUS_ID_DEC:
    default:
        snprintf(buf, size, "%u", (unsigned)id->value);
        break;
    }
}

int vmbus_ids_write_csv(FILE *out)
{
    char value[48];
    size_t i;

    if (fprintf(out, "%s\n", VMBUS_IDS_CSV_HEADER) < 0)
        return -1;
    for (i = 0; i < vmbus_id_table_count; i++) {
        const struct vmbus_id *id = &vmbus_id_table[i];
        vmbus_id_format_value(id, value, sizeof(value));
        if (fprintf(out, "%s,%s,%s,%s\n", id->group, id->name, value,
                    id->description) < 0)
            return -1;
    }
    return fflush(out) == 0 ? 0 : -1;
}
