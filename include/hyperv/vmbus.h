/*
 * vmbus.h - all of wisp's VMBus definition headers.
 *
 * The TLFS (hyperv.h) defines the SynIC that VMBus runs on, but not VMBus
 * itself nor the synthetic devices a Hyper-V guest talks to over it.
 * These headers define them, from Microsoft's published documentation
 * and VMBus code, with the same rules as the TLFS headers: only
 * <stdint.h> and <stddef.h>, C99/C11/C++, every layout asserted.
 *
 *   hv_guid.h             GUIDs as VMBus carries them; little-endian access
 *   hv_vmbus.h            channel management: versions, connection IDs,
 *                         SINT, message types and layouts, offers, GPADLs,
 *                         feature flags, monitor and interrupt pages
 *   hv_vmbus_ring.h       ring buffers (control page, indices, interrupt
 *                         mask, pending send size), packet descriptors and
 *                         types, transfer pages, GPA-direct ranges, pipes
 *   hv_vmbus_devices.h    device class GUIDs
 *   hv_ic.h               integration services: IC header, version
 *                         negotiation, heartbeat, shutdown, time sync, KVP
 *   hv_synthvid.h         synthetic video
 *   hv_synth_keyboard.h   synthetic keyboard
 *   hv_synth_hid.h        synthetic mouse (HID)
 *   hv_vmstor.h           synthetic SCSI/IDE storage (VMSTOR)
 *   hv_netvsp.h           synthetic network (NVSP)
 *   hv_rndis.h            Remote NDIS messages carried by NVSP
 */
#ifndef HYPERV_VMBUS_H
#define HYPERV_VMBUS_H

#include "hv_guid.h"
#include "hv_vmbus.h"
#include "hv_vmbus_ring.h"
#include "hv_vmbus_devices.h"
#include "hv_ic.h"
#include "hv_synthvid.h"
#include "hv_synth_keyboard.h"
#include "hv_synth_hid.h"
#include "hv_vmstor.h"
#include "hv_rndis.h"
#include "hv_netvsp.h"

#endif /* HYPERV_VMBUS_H */
