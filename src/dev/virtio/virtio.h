/*
 * Numbers and layouts from the virtio 1.2 specification (OASIS, "Virtual
 * I/O Device Version 1.2"), with its names, for the transport and the
 * devices. Everything is little-endian in guest memory and registers.
 */
#ifndef WISP_DEV_VIRTIO_H
#define WISP_DEV_VIRTIO_H

#include <stddef.h>
#include <stdint.h>

/* 2.1 Device status field */
#define VIRTIO_CONFIG_S_ACKNOWLEDGE 1u
#define VIRTIO_CONFIG_S_DRIVER 2u
#define VIRTIO_CONFIG_S_DRIVER_OK 4u
#define VIRTIO_CONFIG_S_FEATURES_OK 8u
#define VIRTIO_CONFIG_S_NEEDS_RESET 0x40u
#define VIRTIO_CONFIG_S_FAILED 0x80u

/* 6 Reserved feature bits */
#define VIRTIO_F_INDIRECT_DESC 28
#define VIRTIO_F_RING_EVENT_IDX 29
#define VIRTIO_F_VERSION_1 32

/* 5 Device IDs */
#define VIRTIO_ID_NET 1
#define VIRTIO_ID_BLOCK 2
#define VIRTIO_ID_CONSOLE 3
#define VIRTIO_ID_RNG 4

/* 4.1.2 PCI device discovery */
#define VIRTIO_PCI_VENDOR 0x1AF4
#define VIRTIO_PCI_DEVICE_MODERN_BASE 0x1040

/* 4.1.4 Virtio structure PCI capabilities */
#define VIRTIO_PCI_CAP_COMMON_CFG 1
#define VIRTIO_PCI_CAP_NOTIFY_CFG 2
#define VIRTIO_PCI_CAP_ISR_CFG 3
#define VIRTIO_PCI_CAP_DEVICE_CFG 4
#define VIRTIO_PCI_CAP_PCI_CFG 5

/* struct virtio_pci_cap field offsets (from the capability's start) */
#define VIRTIO_PCI_CAP_CFG_TYPE 3
#define VIRTIO_PCI_CAP_BAR 4
#define VIRTIO_PCI_CAP_ID 5
#define VIRTIO_PCI_CAP_OFFSET 8
#define VIRTIO_PCI_CAP_LENGTH 12
#define VIRTIO_PCI_CAP_LEN 16u
#define VIRTIO_PCI_NOTIFY_CAP_MULT 16 /* virtio_pci_notify_cap.notify_off_multiplier */
#define VIRTIO_PCI_NOTIFY_CAP_LEN 20u
#define VIRTIO_PCI_CFG_CAP_DATA 16    /* virtio_pci_cfg_cap.pci_cfg_data */
#define VIRTIO_PCI_CFG_CAP_LEN 20u

/* 4.1.4.3 struct virtio_pci_common_cfg */
enum {
    VIRTIO_PCI_COMMON_DFSELECT = 0x00,  /* le32 device_feature_select */
    VIRTIO_PCI_COMMON_DF = 0x04,        /* le32 device_feature (RO) */
    VIRTIO_PCI_COMMON_GFSELECT = 0x08,  /* le32 driver_feature_select */
    VIRTIO_PCI_COMMON_GF = 0x0C,        /* le32 driver_feature */
    VIRTIO_PCI_COMMON_MSIX = 0x10,      /* le16 config_msix_vector */
    VIRTIO_PCI_COMMON_NUMQ = 0x12,      /* le16 num_queues (RO) */
    VIRTIO_PCI_COMMON_STATUS = 0x14,    /* u8 device_status */
    VIRTIO_PCI_COMMON_CFGGENERATION = 0x15, /* u8 config_generation (RO) */
    VIRTIO_PCI_COMMON_Q_SELECT = 0x16,  /* le16 queue_select */
    VIRTIO_PCI_COMMON_Q_SIZE = 0x18,    /* le16 queue_size */
    VIRTIO_PCI_COMMON_Q_MSIX = 0x1A,    /* le16 queue_msix_vector */
    VIRTIO_PCI_COMMON_Q_ENABLE = 0x1C,  /* le16 queue_enable */
    VIRTIO_PCI_COMMON_Q_NOFF = 0x1E,    /* le16 queue_notify_off (RO) */
    VIRTIO_PCI_COMMON_Q_DESCLO = 0x20,  /* le64 queue_desc */
    VIRTIO_PCI_COMMON_Q_DESCHI = 0x24,
    VIRTIO_PCI_COMMON_Q_AVAILLO = 0x28, /* le64 queue_driver */
    VIRTIO_PCI_COMMON_Q_AVAILHI = 0x2C,
    VIRTIO_PCI_COMMON_Q_USEDLO = 0x30,  /* le64 queue_device */
    VIRTIO_PCI_COMMON_Q_USEDHI = 0x34,
    VIRTIO_PCI_COMMON_SIZE = 0x38,
};

#define VIRTIO_MSI_NO_VECTOR 0xFFFFu

/* 4.1.4.5 ISR status */
#define VIRTIO_PCI_ISR_QUEUE 1u
#define VIRTIO_PCI_ISR_CONFIG 2u

/* 2.7 Split virtqueues */
#define VIRTQ_DESC_F_NEXT 1u
#define VIRTQ_DESC_F_WRITE 2u
#define VIRTQ_DESC_F_INDIRECT 4u
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1u
#define VIRTQ_USED_F_NO_NOTIFY 1u
#define VIRTQ_MAX_SIZE 32768u

struct virtq_desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
};
_Static_assert(sizeof(struct virtq_desc) == 16, "virtq_desc is 16 bytes");

struct virtq_used_elem {
    uint32_t id;
    uint32_t len;
};
_Static_assert(sizeof(struct virtq_used_elem) == 8, "virtq_used_elem is 8 bytes");

/* avail: le16 flags, le16 idx, le16 ring[size], le16 used_event
 * used:  le16 flags, le16 idx, virtq_used_elem ring[size], le16 avail_event */
#define VIRTQ_AVAIL_SIZE(n) (4u + 2u * (n) + 2u)
#define VIRTQ_USED_SIZE(n) (4u + 8u * (n) + 2u)
#define VIRTQ_DESC_SIZE(n) (16u * (n))

/* 2.7.10 vring_need_event: should the other side be told, given that it
 * asked to be told once the index passes event_idx, now that it moved
 * from old_idx to new_idx? */
static inline int virtq_need_event(uint16_t event_idx, uint16_t new_idx, uint16_t old_idx)
{
    return (uint16_t)(new_idx - event_idx - 1) < (uint16_t)(new_idx - old_idx);
}

#endif
