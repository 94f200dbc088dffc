/*
 * hv_vmbus_devices.h - VMBus device classes.
 *
 * A channel offer's InterfaceType says what kind of device the channel
 * is; guest drivers bind by it.  (InterfaceInstance tells devices of one
 * class apart; the host picks it, and guests do not look for particular
 * values, except where noted.)  Each class below is an HV_GUID
 * initializer, and VMBUS_DEVICE_CLASS_LIST has them all as data.
 *
 * The protocol each one speaks on its channel: integration services
 * (heartbeat, shutdown, time synchronization, KVP) in hv_ic.h; synthetic
 * video in hv_synthvid.h; keyboard in hv_synth_keyboard.h; mouse in
 * hv_synth_hid.h; SCSI and IDE storage in hv_vmstor.h; network in
 * hv_netvsp.h and hv_rndis.h.  The others are listed so that a host or a
 * tool can name what it sees; their protocols are not defined here.
 */
#ifndef HYPERV_HV_VMBUS_DEVICES_H
#define HYPERV_HV_VMBUS_DEVICES_H

#include "hv_guid.h"

/* Integration services (hv_ic.h). */
#define VMBUS_CLASS_HEARTBEAT                                                 \
    HV_GUID_INIT(0x57164f39u, 0x9115, 0x4e78, 0xab, 0x55, 0x38, 0x2f, 0x3b,   \
                 0xd5, 0x42, 0x2d)
#define VMBUS_CLASS_SHUTDOWN                                                  \
    HV_GUID_INIT(0x0e0b6031u, 0x5213, 0x4934, 0x81, 0x8b, 0x38, 0xd9, 0x0c,   \
                 0xed, 0x39, 0xdb)
#define VMBUS_CLASS_TIMESYNC                                                  \
    HV_GUID_INIT(0x9527e630u, 0xd0ae, 0x497b, 0xad, 0xce, 0xe8, 0x0a, 0xb0,   \
                 0x17, 0x5c, 0xaf)
#define VMBUS_CLASS_KVP                                                       \
    HV_GUID_INIT(0xa9a0f4e7u, 0x5a45, 0x4d96, 0xb8, 0x27, 0x8a, 0x84, 0x1e,   \
                 0x8c, 0x03, 0xe6)
#define VMBUS_CLASS_VSS                                                       \
    HV_GUID_INIT(0x35fa2e29u, 0xea23, 0x4236, 0x96, 0xae, 0x3a, 0x6e, 0xba,   \
                 0xcb, 0xa4, 0x40)
#define VMBUS_CLASS_FCOPY                                                     \
    HV_GUID_INIT(0x34d14be3u, 0xdee4, 0x41c8, 0x9a, 0xe7, 0x6b, 0x17, 0x49,   \
                 0x77, 0xc1, 0x92)
#define VMBUS_CLASS_RDV                                                       \
    HV_GUID_INIT(0x276aacf4u, 0xac15, 0x426c, 0x98, 0xdd, 0x75, 0x21, 0xad,   \
                 0x3f, 0x01, 0xfe)

/* Synthetic human interface and display devices. */
#define VMBUS_CLASS_SYNTHVID                                                  \
    HV_GUID_INIT(0xda0a7802u, 0xe377, 0x4aac, 0x8e, 0x77, 0x05, 0x58, 0xeb,   \
                 0x10, 0x73, 0xf8)
#define VMBUS_CLASS_KEYBOARD                                                  \
    HV_GUID_INIT(0xf912ad6du, 0x2b17, 0x48ea, 0xbd, 0x65, 0xf9, 0x27, 0xa6,   \
                 0x1c, 0x76, 0x84)
#define VMBUS_CLASS_MOUSE                                                     \
    HV_GUID_INIT(0xcfa8b69eu, 0x5b4a, 0x4cc0, 0xb9, 0x8b, 0x8b, 0xa1, 0xa1,   \
                 0xf3, 0xf9, 0x5a)

/* Storage (hv_vmstor.h) and network (hv_netvsp.h). */
#define VMBUS_CLASS_SCSI                                                      \
    HV_GUID_INIT(0xba6163d9u, 0x04a1, 0x4d29, 0xb6, 0x05, 0x72, 0xe2, 0xff,   \
                 0xb1, 0xdc, 0x7f)
#define VMBUS_CLASS_IDE                                                       \
    HV_GUID_INIT(0x32412632u, 0x86cb, 0x44a2, 0x9b, 0x5c, 0x50, 0xd1, 0x41,   \
                 0x73, 0x54, 0xf5)
#define VMBUS_CLASS_SYNTHFC                                                   \
    HV_GUID_INIT(0x2f9bcc4au, 0x0069, 0x4af3, 0xb7, 0x6b, 0x6f, 0xd0, 0xbe,   \
                 0x52, 0x8c, 0xda)
#define VMBUS_CLASS_NETWORK                                                   \
    HV_GUID_INIT(0xf8615163u, 0xdf3e, 0x46c5, 0x91, 0x3f, 0xf2, 0xd2, 0xf9,   \
                 0x65, 0xed, 0x0e)
#define VMBUS_CLASS_ND                                                        \
    HV_GUID_INIT(0x8c2eaf3du, 0x32a7, 0x4b09, 0xab, 0x99, 0xbd, 0x1f, 0x1c,   \
                 0x86, 0xb5, 0x01)

/* Platform services. */
#define VMBUS_CLASS_PCIE                                                      \
    HV_GUID_INIT(0x44c4f61du, 0x4444, 0x4400, 0x9d, 0x52, 0x80, 0x2e, 0x27,   \
                 0xed, 0xe1, 0x9f)
#define VMBUS_CLASS_DYNAMIC_MEMORY                                            \
    HV_GUID_INIT(0x525074dcu, 0x8985, 0x46e2, 0x80, 0x57, 0xa3, 0x07, 0xdc,   \
                 0x18, 0xa5, 0x02)
#define VMBUS_CLASS_AVMA1                                                     \
    HV_GUID_INIT(0xf8e65716u, 0x3cb3, 0x4a06, 0x9a, 0x60, 0x18, 0x89, 0xc5,   \
                 0xcc, 0xca, 0xb5)
#define VMBUS_CLASS_AVMA2                                                     \
    HV_GUID_INIT(0x3375baf4u, 0x9e15, 0x4b30, 0xb7, 0x65, 0x67, 0xac, 0xb1,   \
                 0x0d, 0x60, 0x7b)
#define VMBUS_CLASS_IMC                                                       \
    HV_GUID_INIT(0xc376c1c3u, 0xd276, 0x48d2, 0x90, 0xa9, 0xc0, 0x47, 0x48,   \
                 0x07, 0x2c, 0x60)

/* The instance ID Hyper-V gives its shutdown service (guests that look
 * for the service by instance expect this one). */
#define VMBUS_INSTANCE_SHUTDOWN                                               \
    HV_GUID_INIT(0xb6650ff7u, 0x33bc, 0x4840, 0x80, 0x48, 0xe0, 0x67, 0x67,   \
                 0x86, 0xf3, 0x93)

/*
 * X(macro, short name, what it is).  Use as
 *   #define ROW(macro, name, what) { name, macro },
 *   static const struct { const char *name; HV_GUID guid; } classes[] =
 *       { VMBUS_DEVICE_CLASS_LIST(ROW) };
 */
#define VMBUS_DEVICE_CLASS_LIST(X)                                            \
    X(VMBUS_CLASS_HEARTBEAT, "heartbeat", "Heartbeat integration service")    \
    X(VMBUS_CLASS_SHUTDOWN, "shutdown", "Guest shutdown integration service") \
    X(VMBUS_CLASS_TIMESYNC, "timesync", "Time synchronization integration service") \
    X(VMBUS_CLASS_KVP, "kvp", "Key-value pair exchange integration service")  \
    X(VMBUS_CLASS_VSS, "vss", "Volume shadow copy (backup) integration service") \
    X(VMBUS_CLASS_FCOPY, "fcopy", "Guest services (file copy) integration service") \
    X(VMBUS_CLASS_RDV, "rdv", "Remote desktop virtualization integration service") \
    X(VMBUS_CLASS_SYNTHVID, "synthvid", "Synthetic video")                    \
    X(VMBUS_CLASS_KEYBOARD, "keyboard", "Synthetic keyboard")                 \
    X(VMBUS_CLASS_MOUSE, "mouse", "Synthetic mouse (HID)")                    \
    X(VMBUS_CLASS_SCSI, "scsi", "Synthetic SCSI controller")                  \
    X(VMBUS_CLASS_IDE, "ide", "Synthetic IDE accelerator")                    \
    X(VMBUS_CLASS_SYNTHFC, "synthfc", "Synthetic Fibre Channel adapter")      \
    X(VMBUS_CLASS_NETWORK, "network", "Synthetic network adapter")            \
    X(VMBUS_CLASS_ND, "nd", "NetworkDirect (RDMA) adapter")                   \
    X(VMBUS_CLASS_PCIE, "pcie", "PCI Express pass-through")                   \
    X(VMBUS_CLASS_DYNAMIC_MEMORY, "dynamic-memory", "Dynamic memory (balloon)") \
    X(VMBUS_CLASS_AVMA1, "avma1", "Automatic virtual machine activation")     \
    X(VMBUS_CLASS_AVMA2, "avma2", "Automatic virtual machine activation (inherited activation)") \
    X(VMBUS_CLASS_IMC, "imc", "Initial machine configuration")

#endif /* HYPERV_HV_VMBUS_DEVICES_H */
