/*
 * wisp's VMBus host (--hyperv): the control channel a guest's VMBus driver
 * talks to through HvPostMessage (connection 1, or 4 from protocol 5.0 on)
 * and the SynIC's message slot of SINT 2, plus the channels of its devices
 * (the integration services of vmbus_ic.c: heartbeat, shutdown, time
 * synchronization), signalled with HvSignalEvent one way and the channel's
 * event flag (its relid) in SINT 2's event flags the other.
 *
 * Protocol versions 2.4 (Windows 8) to 5.3 are accepted: from 2.4 on the
 * guest finds a channel's interrupt in the SynIC event page, so wisp needs
 * neither the interrupt page nor monitor pages (offers say so).
 *
 * A guest's messages are parsed as hostile: every size against the
 * message's type, GPADLs bounded (VMBUS_GPADL_MAX_PAGES each,
 * VMBUS_GPADL_TOTAL_PAGES in all, VMBUS_MAX_GPADLS of them) and each of
 * their pages checked to be guest RAM. Malformed input gets a one-line
 * warning on stderr and is refused or closes the channel.
 *
 * Not thread-safe: the caller holds the VM's device lock.
 */
#ifndef WISP_HV_VMBUS_HOST_H
#define WISP_HV_VMBUS_HOST_H

#include <stdbool.h>
#include <stdint.h>

#include <hyperv/hyperv.h>
#include <hyperv/vmbus.h>

#include "core/guest_memory.h"
#include "synic.h"
#include "vmbus_ring.h"

#define VMBUS_MAX_GPADLS 32
#define VMBUS_GPADL_MAX_PAGES 1024u   /* 4 MiB of guest memory each */
#define VMBUS_GPADL_TOTAL_PAGES 4096u /* 16 MiB in all */
#define VMBUS_PACKET_MAX 4096u        /* the largest packet a device reads */

/* The NTSTATUS wisp answers a refused GPADL or open with. */
#define VMBUS_STATUS_UNSUCCESSFUL 0xC0000001u

enum vmbus_ic_kind { VMBUS_IC_HEARTBEAT, VMBUS_IC_SHUTDOWN, VMBUS_IC_TIMESYNC, VMBUS_IC_COUNT };

struct vmbus_gpadl {
    bool used, complete;
    uint32_t handle, relid;
    uint32_t count, filled; /* PFNs expected, PFNs received */
    uint64_t *pfns;
};

/* An integration service's side of its channel (vmbus_ic.c). */
struct vmbus_ic {
    enum vmbus_ic_kind kind;
    bool negotiated;
    HV_IC_VERSION framework, message;
    uint8_t transaction;
    uint64_t heartbeat_sequence;  /* last one the guest answered */
    uint64_t heartbeats_answered;
    bool shutdown_wanted;         /* asked for before the guest negotiated */
    bool shutdown_sent;
};

struct vmbus_channel {
    uint32_t relid;
    uint32_t connection_id;       /* the guest signals it with HvSignalEvent */
    HV_GUID class_id, instance_id;
    bool open;
    uint32_t gpadl;               /* handle of the ring buffer's GPADL */
    uint32_t target_vp;
    struct vmbus_ring to_host;    /* the guest writes, wisp reads */
    struct vmbus_ring to_guest;   /* wisp writes, the guest reads */
    uint64_t next_transaction;
    struct vmbus_ic ic;
};

struct vmbus_host {
    struct synic *synic;
    struct guest_memory *memory;
    bool connected;
    uint32_t version;
    uint32_t message_vp, message_sint;
    uint32_t gpadl_pages;         /* pages held by all GPADLs */
    struct vmbus_gpadl gpadls[VMBUS_MAX_GPADLS];
    struct vmbus_channel channels[VMBUS_IC_COUNT];
    unsigned nchannels;
    uint8_t rx[VMBUS_PACKET_MAX]; /* the packet being read */
    uint64_t warnings;            /* one-line warnings printed (tests, fuzzing) */
    bool quiet;                   /* count warnings without printing (fuzzing) */
};

void vmbus_host_init(struct vmbus_host *h, struct synic *synic, struct guest_memory *memory);

/* Back to before InitiateContact: channels closed, GPADLs dropped. */
void vmbus_host_reset(struct vmbus_host *h);

/* HvPostMessage to a VMBus connection; the hypercall's status. */
HV_STATUS vmbus_host_post_message(struct vmbus_host *h, uint32_t connection_id, uint32_t type,
                                  const void *payload, uint32_t size);

/* HvSignalEvent of a channel's connection: wisp reads its ring. */
HV_STATUS vmbus_host_signal_event(struct vmbus_host *h, uint32_t connection_id, uint16_t flag);

/* Asks the guest's shutdown service to power off. 0 when asked (or to be
 * asked as soon as its service has negotiated), -1 when the guest has not
 * opened the shutdown channel. */
int vmbus_host_request_shutdown(struct vmbus_host *h);

/* ---- used by the devices (vmbus_ic.c) ---- */

/* Writes an in-band packet to the guest and signals it; on a full ring or
 * a broken one the channel is closed with a warning. */
bool vmbus_channel_send(struct vmbus_host *h, struct vmbus_channel *c, const void *payload,
                        uint32_t size);
void vmbus_channel_fail(struct vmbus_host *h, struct vmbus_channel *c, const char *why);
void vmbus_host_warn(struct vmbus_host *h, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* vmbus_ic.c */
void vmbus_ic_opened(struct vmbus_host *h, struct vmbus_channel *c);
void vmbus_ic_packet(struct vmbus_host *h, struct vmbus_channel *c, const uint8_t *packet,
                     uint32_t len);
void vmbus_ic_request_shutdown(struct vmbus_host *h, struct vmbus_channel *c);

#endif
