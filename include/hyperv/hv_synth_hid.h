/*
 * hv_synth_hid.h - the synthetic HID protocol of the Hyper-V mouse
 * (VMBUS_CLASS_MOUSE).
 *
 * The host presents a USB-style HID device: after the guest's protocol
 * request and the host's response, the host sends the device's
 * information with its HID class descriptor and report descriptor, the
 * guest acknowledges, and input reports follow, each one HID report as
 * the report descriptor defines it (an absolute pointer).
 *
 * The channel is offered in named pipe mode: each message is a
 * VMPIPE_PROTOCOL_HEADER (VmPipeMessageData, DataSize = the bytes that
 * follow it), then a SYNTHHID_MESSAGE_HEADER whose Size counts only the
 * body after it.  The messages are byte-packed.
 */
#ifndef HYPERV_HV_SYNTH_HID_H
#define HYPERV_HV_SYNTH_HID_H

#include "hv_types.h"
#include "hv_vmbus_ring.h"

/* A version is major << 16 | minor. */
#define SYNTHHID_MAKE_VERSION(major, minor)                                   \
    ((HV_CAST(uint32_t, major) << 16) | HV_CAST(uint32_t, minor))
#define SYNTHHID_INPUT_VERSION SYNTHHID_MAKE_VERSION(2, 0)

/* X(name, value, sender) */
#define SYNTHHID_MESSAGE_TYPE_LIST(X)                                         \
    X(SynthHidProtocolRequest, 0, "guest")                                    \
    X(SynthHidProtocolResponse, 1, "host")                                    \
    X(SynthHidInitialDeviceInfo, 2, "host")                                   \
    X(SynthHidInitialDeviceInfoAck, 3, "guest")                               \
    X(SynthHidInputReport, 4, "host")

#define SYNTHHID_ENUM_ENTRY_(name, value, sender) name = value,
enum SYNTHHID_MESSAGE_TYPE_ENUM {
    SYNTHHID_MESSAGE_TYPE_LIST(SYNTHHID_ENUM_ENTRY_)
    SynthHidMax
};
#undef SYNTHHID_ENUM_ENTRY_

/* The largest input report the host sends. */
#define SYNTHHID_MAX_INPUT_REPORT_SIZE 16

/* HID class descriptor types (USB HID 1.11). */
#define SYNTHHID_HID_DESCRIPTOR_TYPE 0x21
#define SYNTHHID_REPORT_DESCRIPTOR_TYPE 0x22

typedef struct SYNTHHID_MESSAGE_HEADER {
    uint32_t Type; /* SynthHid... */
    uint32_t Size; /* bytes of body after this header */
} SYNTHHID_MESSAGE_HEADER;
HV_ASSERT_SIZE(SYNTHHID_MESSAGE_HEADER, 8);

typedef struct SYNTHHID_PROTOCOL_REQUEST {
    SYNTHHID_MESSAGE_HEADER Header;
    uint32_t VersionRequested; /* SYNTHHID_INPUT_VERSION */
} SYNTHHID_PROTOCOL_REQUEST;
HV_ASSERT_SIZE(SYNTHHID_PROTOCOL_REQUEST, 12);

/* Identity of the device, like a USB device's. */
typedef struct HV_INPUT_DEV_INFO {
    uint32_t Size;
    uint16_t Vendor;
    uint16_t Product;
    uint16_t Version;
    uint16_t Reserved[11];
} HV_INPUT_DEV_INFO;
HV_ASSERT_SIZE(HV_INPUT_DEV_INFO, 32);
HV_ASSERT_OFFSET(HV_INPUT_DEV_INFO, Version, 8);

HV_PACK_PUSH_1
typedef struct SYNTHHID_PROTOCOL_RESPONSE {
    SYNTHHID_MESSAGE_HEADER Header;
    uint32_t VersionRequested;
    uint8_t Approved;
} SYNTHHID_PROTOCOL_RESPONSE;

/* The USB HID class descriptor with one subordinate descriptor (the
 * report descriptor). */
typedef struct SYNTHHID_HID_DESCRIPTOR {
    uint8_t bLength;
    uint8_t bDescriptorType;  /* SYNTHHID_HID_DESCRIPTOR_TYPE */
    uint16_t bcdHID;
    uint8_t bCountryCode;
    uint8_t bNumDescriptors;  /* 1 */
    uint8_t bReportDescriptorType; /* SYNTHHID_REPORT_DESCRIPTOR_TYPE */
    uint16_t wReportDescriptorLength;
} SYNTHHID_HID_DESCRIPTOR;

/* The fixed part; the report descriptor (wReportDescriptorLength bytes)
 * follows. */
typedef struct SYNTHHID_DEVICE_INFO {
    SYNTHHID_MESSAGE_HEADER Header;
    HV_INPUT_DEV_INFO HidDeviceInfo;
    SYNTHHID_HID_DESCRIPTOR HidDescriptor;
} SYNTHHID_DEVICE_INFO;

typedef struct SYNTHHID_DEVICE_INFO_ACK {
    SYNTHHID_MESSAGE_HEADER Header;
    uint8_t Reserved;
} SYNTHHID_DEVICE_INFO_ACK;
HV_PACK_POP

HV_ASSERT_SIZE(SYNTHHID_PROTOCOL_RESPONSE, 13);
HV_ASSERT_OFFSET(SYNTHHID_PROTOCOL_RESPONSE, Approved, 12);
HV_ASSERT_SIZE(SYNTHHID_HID_DESCRIPTOR, 9);
HV_ASSERT_OFFSET(SYNTHHID_HID_DESCRIPTOR, bcdHID, 2);
HV_ASSERT_OFFSET(SYNTHHID_HID_DESCRIPTOR, wReportDescriptorLength, 7);
HV_ASSERT_SIZE(SYNTHHID_DEVICE_INFO, 49);
HV_ASSERT_OFFSET(SYNTHHID_DEVICE_INFO, HidDeviceInfo, 8);
HV_ASSERT_OFFSET(SYNTHHID_DEVICE_INFO, HidDescriptor, 40);
HV_ASSERT_SIZE(SYNTHHID_DEVICE_INFO_ACK, 9);

/* An input report: Header.Size bytes of report follow the header. */
typedef SYNTHHID_MESSAGE_HEADER SYNTHHID_INPUT_REPORT;

#endif /* HYPERV_HV_SYNTH_HID_H */
