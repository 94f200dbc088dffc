/*
 * hv_synth_keyboard.h - the synthetic keyboard protocol
 * (VMBUS_CLASS_KEYBOARD).
 *
 * Messages travel as the whole payload of in-band packets (no pipe
 * header).  The guest asks for a protocol version, the host accepts it,
 * and from then on the host sends one keystroke message per PC/XT scan
 * code (set 1) make or break, or per Unicode character; the guest may
 * send the state of its lock LEDs.
 */
#ifndef HYPERV_HV_SYNTH_KEYBOARD_H
#define HYPERV_HV_SYNTH_KEYBOARD_H

#include "hv_types.h"

/* A version is major << 16 | minor. */
#define HK_MAKE_VERSION(major, minor)                                         \
    ((HV_CAST(uint32_t, major) << 16) | HV_CAST(uint32_t, minor))
#define HK_VERSION_WIN8 HK_MAKE_VERSION(1, 0)

/* X(name, value, sender) */
#define HK_MESSAGE_TYPE_LIST(X)                                               \
    X(HkMessageProtocolRequest, 1, "guest")                                   \
    X(HkMessageProtocolResponse, 2, "host")                                   \
    X(HkMessageEvent, 3, "host")                                              \
    X(HkMessageSetLedIndicators, 4, "guest")

#define HK_ENUM_ENTRY_(name, value, sender) name = value,
enum HK_MESSAGE_TYPE_ENUM { HK_MESSAGE_TYPE_LIST(HK_ENUM_ENTRY_) };
#undef HK_ENUM_ENTRY_

/* The largest message either side sends. */
#define HK_MAXIMUM_MESSAGE_SIZE 256

typedef struct HK_MESSAGE_HEADER {
    uint32_t MessageType; /* HkMessage... */
} HK_MESSAGE_HEADER;
HV_ASSERT_SIZE(HK_MESSAGE_HEADER, 4);

typedef struct HK_MESSAGE_PROTOCOL_REQUEST {
    HK_MESSAGE_HEADER Header;
    uint32_t Version; /* HK_VERSION_... */
} HK_MESSAGE_PROTOCOL_REQUEST;
HV_ASSERT_SIZE(HK_MESSAGE_PROTOCOL_REQUEST, 8);

typedef union HK_PROTOCOL_STATUS {
    uint32_t AsUINT32;
    struct {
        uint32_t Accepted : 1;
        uint32_t Reserved : 31;
    } Bits;
} HK_PROTOCOL_STATUS;
HV_ASSERT_SIZE(HK_PROTOCOL_STATUS, 4);

#define HK_PROTOCOL_ACCEPTED 0x00000001u

typedef struct HK_MESSAGE_PROTOCOL_RESPONSE {
    HK_MESSAGE_HEADER Header;
    HK_PROTOCOL_STATUS Status;
} HK_MESSAGE_PROTOCOL_RESPONSE;
HV_ASSERT_SIZE(HK_MESSAGE_PROTOCOL_RESPONSE, 8);

/* Keystroke.Info */
typedef union HK_KEYSTROKE_INFO {
    uint32_t AsUINT32;
    struct {
        uint32_t IsUnicode : 1; /* MakeCode is a UTF-16 code unit */
        uint32_t IsBreak : 1;   /* key released */
        uint32_t IsE0 : 1;      /* the scan code has the 0xE0 prefix */
        uint32_t IsE1 : 1;      /* ... or the 0xE1 prefix */
        uint32_t Reserved : 28;
    } Bits;
} HK_KEYSTROKE_INFO;
HV_ASSERT_SIZE(HK_KEYSTROKE_INFO, 4);

#define HK_KEYSTROKE_IS_UNICODE 0x00000001u
#define HK_KEYSTROKE_IS_BREAK 0x00000002u
#define HK_KEYSTROKE_IS_E0 0x00000004u
#define HK_KEYSTROKE_IS_E1 0x00000008u

typedef struct HK_MESSAGE_KEYSTROKE {
    HK_MESSAGE_HEADER Header;
    uint16_t MakeCode; /* scan code set 1 make code, without prefix */
    uint16_t Reserved0;
    HK_KEYSTROKE_INFO Info;
} HK_MESSAGE_KEYSTROKE;
HV_ASSERT_SIZE(HK_MESSAGE_KEYSTROKE, 12);
HV_ASSERT_OFFSET(HK_MESSAGE_KEYSTROKE, MakeCode, 4);
HV_ASSERT_OFFSET(HK_MESSAGE_KEYSTROKE, Info, 8);

/* LedFlags: the Windows keyboard indicator bits. */
#define HK_LED_SCROLL_LOCK 0x0001u
#define HK_LED_NUM_LOCK 0x0002u
#define HK_LED_CAPS_LOCK 0x0004u

typedef struct HK_MESSAGE_LED_INDICATORS_STATE {
    HK_MESSAGE_HEADER Header;
    uint16_t LedFlags; /* HK_LED_... */
    uint16_t Reserved;
} HK_MESSAGE_LED_INDICATORS_STATE;
HV_ASSERT_SIZE(HK_MESSAGE_LED_INDICATORS_STATE, 8);
HV_ASSERT_OFFSET(HK_MESSAGE_LED_INDICATORS_STATE, LedFlags, 4);

#endif /* HYPERV_HV_SYNTH_KEYBOARD_H */
