/*
 * vmbus_ids.h - the VMBus numbers of include/hyperv/ as data: protocol
 * versions, channel message types, packet types, device class GUIDs and
 * the message numbers of the synthetic device protocols.
 *
 * Built from the headers' constants and lists, so names and values cannot
 * drift apart.  data/hyperv/vmbus.csv holds the same table; the unit
 * tests check that the two agree (and tests/unit/test_vmbus_linux.c
 * checks the shared numbers against Linux's).
 */
#ifndef WISP_HV_VMBUS_IDS_H
#define WISP_HV_VMBUS_IDS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <hyperv/hv_guid.h>

enum vmbus_id_format {
    VMBUS_ID_DEC,  /* value written in decimal */
    VMBUS_ID_HEX,  /* value written as 0x%08X */
    VMBUS_ID_GUID  /* a GUID, written in its text form */
};

struct vmbus_id {
    const char *group;       /* "vmbus-message", "device-class", ... */
    const char *name;        /* the header's name for it */
    enum vmbus_id_format format;
    uint32_t value;          /* unless format is VMBUS_ID_GUID */
    HV_GUID guid;            /* if format is VMBUS_ID_GUID */
    const char *description; /* sender, Windows release, ...; may be "" */
};

extern const struct vmbus_id vmbus_id_table[];
extern const size_t vmbus_id_table_count;

/* The CSV header line of data/hyperv/vmbus.csv (without newline). */
#define VMBUS_IDS_CSV_HEADER "group,name,value,description"

/* The name of a number in a group ("vmbus-message", 1 ->
 * "ChannelMessageOfferChannel"), or NULL. */
const char *vmbus_id_name(const char *group, uint32_t value);

/* The name of a device class, or NULL if it is not a known class. */
const char *vmbus_device_class_name(const HV_GUID *class_id);

/* Write one row's value column into buf (at least 40 bytes). */
void vmbus_id_format_value(const struct vmbus_id *id, char *buf, size_t size);

/* Write the whole table, header line included, exactly as
 * data/hyperv/vmbus.csv.  Returns 0, or -1 on an output error. */
int vmbus_ids_write_csv(FILE *out);

#endif /* WISP_HV_VMBUS_IDS_H */
