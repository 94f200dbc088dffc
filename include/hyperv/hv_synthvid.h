/*
 * hv_synthvid.h - the synthetic video protocol (VMBUS_CLASS_SYNTHVID).
 *
 * The guest's framebuffer ("VRAM") lives in guest physical memory: in MMIO
 * space the guest picks inside the range the offer's MmioMegabytes asks
 * for (from protocol 3.5 on the VRAM size is that many MiB; 3.2 hosts
 * give 8 MiB), and tells the host where with a VRAM location message.
 * The guest then describes its mode in a situation update and reports
 * the rectangles it changed in dirt messages; the host reads the pixels
 * from the VRAM.
 *
 * Guest (VSC)                               Host (VSP)
 *   VersionRequest            ->
 *                             <-  VersionResponse (accepted?)
 *   SupportedResolutionsRequest (3.5+) ->
 *                             <-  SupportedResolutionsResponse
 *   VramLocation              ->
 *                             <-  VramLocationAck
 *   SituationUpdate           ->
 *                             <-  SituationUpdateAck
 *                             <-  FeatureChange (what to send from now on)
 *   Dirt, PointerPosition, PointerShape ->
 *
 * The channel is offered in named pipe mode: each message is a
 * VMPIPE_PROTOCOL_HEADER (VmPipeMessageData, DataSize = the synthetic
 * video message's Header.Size), then the message below.  Header.Size
 * counts the 8-byte SYNTHVID_MESSAGE_HEADER as well as the body.
 *
 * The messages are byte-packed: several have 32- and 64-bit fields at odd
 * offsets, so they are declared within HV_PACK_PUSH_1 (read their fields
 * through the structure, not through pointers to them).
 */
#ifndef HYPERV_HV_SYNTHVID_H
#define HYPERV_HV_SYNTHVID_H

#include "hv_types.h"
#include "hv_vmbus_ring.h"

/* A version is minor << 16 | major: major in the low half. */
#define SYNTHVID_MAKE_VERSION(major, minor)                                   \
    ((HV_CAST(uint32_t, minor) << 16) | HV_CAST(uint32_t, major))
#define SYNTHVID_VERSION_MAJOR(version) (HV_CAST(uint32_t, version) & 0xFFFFu)
#define SYNTHVID_VERSION_MINOR(version) (HV_CAST(uint32_t, version) >> 16)

#define SYNTHVID_VERSION_WIN7 SYNTHVID_MAKE_VERSION(3, 0)
#define SYNTHVID_VERSION_WIN8 SYNTHVID_MAKE_VERSION(3, 2)
#define SYNTHVID_VERSION_WIN10 SYNTHVID_MAKE_VERSION(3, 5)

/* Windows 8 hosts: 32 bits per pixel, an 8 MiB VRAM, up to 1600x1200. */
#define SYNTHVID_DEPTH_WIN8 32
#define SYNTHVID_FB_SIZE_WIN8 (8u * 1024u * 1024u)
#define SYNTHVID_WIDTH_MAX_WIN8 1600
#define SYNTHVID_HEIGHT_MAX_WIN8 1200

/* X(name, value, sender) */
#define SYNTHVID_MESSAGE_TYPE_LIST(X)                                         \
    X(SynthvidError, 0, "host")                                               \
    X(SynthvidVersionRequest, 1, "guest")                                     \
    X(SynthvidVersionResponse, 2, "host")                                     \
    X(SynthvidVramLocation, 3, "guest")                                       \
    X(SynthvidVramLocationAck, 4, "host")                                     \
    X(SynthvidSituationUpdate, 5, "guest")                                    \
    X(SynthvidSituationUpdateAck, 6, "host")                                  \
    X(SynthvidPointerPosition, 7, "guest")                                    \
    X(SynthvidPointerShape, 8, "guest")                                       \
    X(SynthvidFeatureChange, 9, "host")                                       \
    X(SynthvidDirt, 10, "guest")                                              \
    X(SynthvidBiosInfoRequest, 11, "guest")                                   \
    X(SynthvidBiosInfoResponse, 12, "host")                                   \
    X(SynthvidSupportedResolutionsRequest, 13, "guest")                       \
    X(SynthvidSupportedResolutionsResponse, 14, "host")

#define SYNTHVID_ENUM_ENTRY_(name, value, sender) name = value,
enum SYNTHVID_MESSAGE_TYPE_ENUM {
    SYNTHVID_MESSAGE_TYPE_LIST(SYNTHVID_ENUM_ENTRY_)
    SynthvidMax
};
#undef SYNTHVID_ENUM_ENTRY_

#define SYNTHVID_EDID_BLOCK_SIZE 128
#define SYNTHVID_MAX_RESOLUTION_COUNT 64
#define SYNTHVID_CURSOR_MAX_X 96
#define SYNTHVID_CURSOR_MAX_Y 96
#define SYNTHVID_CURSOR_ARGB_PIXEL_SIZE 4
#define SYNTHVID_CURSOR_MAX_SIZE                                              \
    (SYNTHVID_CURSOR_MAX_X * SYNTHVID_CURSOR_MAX_Y *                          \
     SYNTHVID_CURSOR_ARGB_PIXEL_SIZE)
/* PointerShape.PartIndex of a shape sent whole, in one message. */
#define SYNTHVID_CURSOR_COMPLETE 0xFF

typedef struct SYNTHVID_MESSAGE_HEADER {
    uint32_t Type; /* Synthvid... */
    uint32_t Size; /* this header plus the body */
} SYNTHVID_MESSAGE_HEADER;
HV_ASSERT_SIZE(SYNTHVID_MESSAGE_HEADER, 8);

typedef struct SYNTHVID_VERSION_REQUEST_MESSAGE {
    SYNTHVID_MESSAGE_HEADER Header;
    uint32_t Version; /* SYNTHVID_VERSION_... */
} SYNTHVID_VERSION_REQUEST_MESSAGE;
HV_ASSERT_SIZE(SYNTHVID_VERSION_REQUEST_MESSAGE, 12);

typedef struct SYNTHVID_VRAM_LOCATION_ACK_MESSAGE {
    SYNTHVID_MESSAGE_HEADER Header;
    uint64_t UserContext; /* echoed from the VramLocation message */
} SYNTHVID_VRAM_LOCATION_ACK_MESSAGE;
HV_ASSERT_SIZE(SYNTHVID_VRAM_LOCATION_ACK_MESSAGE, 16);

typedef struct SYNTHVID_SITUATION_UPDATE_ACK_MESSAGE {
    SYNTHVID_MESSAGE_HEADER Header;
    uint64_t UserContext;
} SYNTHVID_SITUATION_UPDATE_ACK_MESSAGE;
HV_ASSERT_SIZE(SYNTHVID_SITUATION_UPDATE_ACK_MESSAGE, 16);

/* The host says which updates it wants; the guest sends only those. */
typedef struct SYNTHVID_FEATURE_CHANGE_MESSAGE {
    SYNTHVID_MESSAGE_HEADER Header;
    uint8_t IsDirtNeeded;
    uint8_t IsPointerPositionNeeded;
    uint8_t IsPointerShapeNeeded;
    uint8_t IsSituationNeeded;
} SYNTHVID_FEATURE_CHANGE_MESSAGE;
HV_ASSERT_SIZE(SYNTHVID_FEATURE_CHANGE_MESSAGE, 12);
HV_ASSERT_OFFSET(SYNTHVID_FEATURE_CHANGE_MESSAGE, IsSituationNeeded, 11);

/* A dirty rectangle: x2, y2 exclusive. */
typedef struct SYNTHVID_RECT {
    int32_t X1;
    int32_t Y1;
    int32_t X2;
    int32_t Y2;
} SYNTHVID_RECT;
HV_ASSERT_SIZE(SYNTHVID_RECT, 16);

HV_PACK_PUSH_1
typedef struct SYNTHVID_VERSION_RESPONSE_MESSAGE {
    SYNTHVID_MESSAGE_HEADER Header;
    uint32_t Version;        /* the version asked for */
    uint8_t IsAccepted;
    uint8_t MaxVideoOutputs; /* 1 */
} SYNTHVID_VERSION_RESPONSE_MESSAGE;

typedef struct SYNTHVID_VRAM_LOCATION_MESSAGE {
    SYNTHVID_MESSAGE_HEADER Header;
    uint64_t UserContext;
    uint8_t IsVramGpaSpecified;
    uint64_t VramGpa; /* where the guest put the VRAM */
} SYNTHVID_VRAM_LOCATION_MESSAGE;

typedef struct VIDEO_OUTPUT_SITUATION {
    uint8_t Active;
    uint32_t VramOffset; /* of the primary surface in the VRAM */
    uint8_t DepthBits;
    uint32_t WidthPixels;
    uint32_t HeightPixels;
    uint32_t PitchBytes;
} VIDEO_OUTPUT_SITUATION;

typedef struct SYNTHVID_SITUATION_UPDATE_MESSAGE {
    SYNTHVID_MESSAGE_HEADER Header;
    uint64_t UserContext;
    uint8_t VideoOutputCount; /* 1 */
    VIDEO_OUTPUT_SITUATION VideoOutput[1];
} SYNTHVID_SITUATION_UPDATE_MESSAGE;

typedef struct SYNTHVID_POINTER_POSITION_MESSAGE {
    SYNTHVID_MESSAGE_HEADER Header;
    uint8_t IsVisible;
    uint8_t VideoOutput;
    int32_t ImageX;
    int32_t ImageY;
} SYNTHVID_POINTER_POSITION_MESSAGE;

/* The fixed part; the shape follows (ARGB: Width * Height * 4 bytes). */
typedef struct SYNTHVID_POINTER_SHAPE_MESSAGE {
    SYNTHVID_MESSAGE_HEADER Header;
    uint8_t PartIndex; /* SYNTHVID_CURSOR_COMPLETE */
    uint8_t IsArgb;
    uint32_t Width;    /* at most SYNTHVID_CURSOR_MAX_X */
    uint32_t Height;   /* at most SYNTHVID_CURSOR_MAX_Y */
    uint32_t HotX;     /* hot spot, from the top left corner */
    uint32_t HotY;
} SYNTHVID_POINTER_SHAPE_MESSAGE;

/* The fixed part; DirtCount SYNTHVID_RECTs follow. */
typedef struct SYNTHVID_DIRT_MESSAGE {
    SYNTHVID_MESSAGE_HEADER Header;
    uint8_t VideoOutput;
    uint8_t DirtCount;
} SYNTHVID_DIRT_MESSAGE;

typedef struct SYNTHVID_SUPPORTED_RESOLUTIONS_REQUEST_MESSAGE {
    SYNTHVID_MESSAGE_HEADER Header;
    uint8_t MaximumResolutionCount; /* SYNTHVID_MAX_RESOLUTION_COUNT */
} SYNTHVID_SUPPORTED_RESOLUTIONS_REQUEST_MESSAGE;

typedef struct SYNTHVID_SCREEN_INFO {
    uint16_t Width;
    uint16_t Height;
} SYNTHVID_SCREEN_INFO;

typedef struct SYNTHVID_SUPPORTED_RESOLUTIONS_RESPONSE_MESSAGE {
    SYNTHVID_MESSAGE_HEADER Header;
    uint8_t EdidBlock[SYNTHVID_EDID_BLOCK_SIZE];
    uint8_t ResolutionCount;
    uint8_t DefaultResolutionIndex;
    uint8_t IsStandard;
    SYNTHVID_SCREEN_INFO SupportedResolution[SYNTHVID_MAX_RESOLUTION_COUNT];
} SYNTHVID_SUPPORTED_RESOLUTIONS_RESPONSE_MESSAGE;
HV_PACK_POP

HV_ASSERT_SIZE(SYNTHVID_VERSION_RESPONSE_MESSAGE, 14);
HV_ASSERT_OFFSET(SYNTHVID_VERSION_RESPONSE_MESSAGE, IsAccepted, 12);
HV_ASSERT_SIZE(SYNTHVID_VRAM_LOCATION_MESSAGE, 25);
HV_ASSERT_OFFSET(SYNTHVID_VRAM_LOCATION_MESSAGE, IsVramGpaSpecified, 16);
HV_ASSERT_OFFSET(SYNTHVID_VRAM_LOCATION_MESSAGE, VramGpa, 17);
HV_ASSERT_SIZE(VIDEO_OUTPUT_SITUATION, 18);
HV_ASSERT_OFFSET(VIDEO_OUTPUT_SITUATION, VramOffset, 1);
HV_ASSERT_OFFSET(VIDEO_OUTPUT_SITUATION, DepthBits, 5);
HV_ASSERT_OFFSET(VIDEO_OUTPUT_SITUATION, WidthPixels, 6);
HV_ASSERT_OFFSET(VIDEO_OUTPUT_SITUATION, HeightPixels, 10);
HV_ASSERT_OFFSET(VIDEO_OUTPUT_SITUATION, PitchBytes, 14);
HV_ASSERT_SIZE(SYNTHVID_SITUATION_UPDATE_MESSAGE, 35);
HV_ASSERT_OFFSET(SYNTHVID_SITUATION_UPDATE_MESSAGE, VideoOutputCount, 16);
HV_ASSERT_OFFSET(SYNTHVID_SITUATION_UPDATE_MESSAGE, VideoOutput, 17);
HV_ASSERT_SIZE(SYNTHVID_POINTER_POSITION_MESSAGE, 18);
HV_ASSERT_OFFSET(SYNTHVID_POINTER_POSITION_MESSAGE, ImageX, 10);
HV_ASSERT_OFFSET(SYNTHVID_POINTER_POSITION_MESSAGE, ImageY, 14);
HV_ASSERT_SIZE(SYNTHVID_POINTER_SHAPE_MESSAGE, 26);
HV_ASSERT_OFFSET(SYNTHVID_POINTER_SHAPE_MESSAGE, Width, 10);
HV_ASSERT_OFFSET(SYNTHVID_POINTER_SHAPE_MESSAGE, HotY, 22);
HV_ASSERT_SIZE(SYNTHVID_DIRT_MESSAGE, 10);
HV_ASSERT_SIZE(SYNTHVID_SUPPORTED_RESOLUTIONS_REQUEST_MESSAGE, 9);
HV_ASSERT_SIZE(SYNTHVID_SCREEN_INFO, 4);
HV_ASSERT_SIZE(SYNTHVID_SUPPORTED_RESOLUTIONS_RESPONSE_MESSAGE, 395);
HV_ASSERT_OFFSET(SYNTHVID_SUPPORTED_RESOLUTIONS_RESPONSE_MESSAGE,
                 ResolutionCount, 136);
HV_ASSERT_OFFSET(SYNTHVID_SUPPORTED_RESOLUTIONS_RESPONSE_MESSAGE,
                 SupportedResolution, 139);

#endif /* HYPERV_HV_SYNTHVID_H */
