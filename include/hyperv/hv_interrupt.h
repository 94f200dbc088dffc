/*
 * hv_interrupt.h - virtual interrupt data types (TLFS v6.0b 10.3, 10.4).
 *
 * Interrupt types, interrupt control, vectors, MSI entries, interrupt
 * entries and device interrupt targets, as used by
 * HvCallAssertVirtualInterrupt, HvCallSendSyntheticClusterIpi(Ex) and
 * HvCallRetargetDeviceInterrupt.  The APIC access MSRs are in hv_msr.h and
 * the EOI assist field in hv_vp_assist.h.
 */
#ifndef HYPERV_HV_INTERRUPT_H
#define HYPERV_HV_INTERRUPT_H

#include "hv_types.h"

/* ---- 10.4.1 Interrupt types --------------------------------------------- */
/* 10.3.2 also describes HvX64InterruptTypeSmi, for which 10.4.1 gives no
 * value; it is not defined here. */
typedef uint32_t HV_INTERRUPT_TYPE;
enum HV_INTERRUPT_TYPE_ENUM {
    HvX64InterruptTypeFixed = 0x0000,
    HvX64InterruptTypeLowestPriority = 0x0001,
    HvX64InterruptTypeNmi = 0x0004,
    HvX64InterruptTypeInit = 0x0005,
    HvX64InterruptTypeSipi = 0x0006,
    HvX64InterruptTypeExtInt = 0x0007
};

/* ---- 10.4.2 Interrupt control ------------------------------------------- */
typedef union HV_INTERRUPT_CONTROL {
    uint64_t AsUINT64;
    struct {
        uint32_t InterruptType; /* HV_INTERRUPT_TYPE */
        uint32_t LevelTriggered : 1;
        uint32_t LogicalDestinationMode : 1;
        uint32_t Reserved : 30;
    } Bits;
} HV_INTERRUPT_CONTROL;
HV_ASSERT_SIZE(HV_INTERRUPT_CONTROL, 8);

/* ---- 10.4.3 Interrupt vectors ------------------------------------------- */
typedef uint32_t HV_INTERRUPT_VECTOR;
#define HV_INTERRUPT_VECTOR_NONE 0xFFFFFFFFu

/* Vectors accepted by HvCallSendSyntheticClusterIpi(Ex) (10.5.2). */
#define HV_SYNTHETIC_CLUSTER_IPI_MIN_VECTOR 0x10
#define HV_SYNTHETIC_CLUSTER_IPI_MAX_VECTOR 0xFF

/* ---- 10.4.4 MSI entry --------------------------------------------------- */
typedef union HV_MSI_ENTRY {
    uint64_t AsUINT64;
    struct {
        uint32_t Address;
        uint32_t Data;
    } Fields;
} HV_MSI_ENTRY;
HV_ASSERT_SIZE(HV_MSI_ENTRY, 8);

/* ---- 10.4.5 Interrupt source -------------------------------------------- */
typedef uint32_t HV_INTERRUPT_SOURCE;
enum HV_INTERRUPT_SOURCE_ENUM {
    HvInterruptSourceMsi = 1
};

/* ---- 10.4.6 Interrupt entry --------------------------------------------- */
typedef struct HV_INTERRUPT_ENTRY {
    uint32_t InterruptSource; /* HV_INTERRUPT_SOURCE */
    uint32_t Reserved;
    union {
        HV_MSI_ENTRY MsiEntry;
        uint64_t Data;
    } Source;
} HV_INTERRUPT_ENTRY;
HV_ASSERT_SIZE(HV_INTERRUPT_ENTRY, 16);
HV_ASSERT_OFFSET(HV_INTERRUPT_ENTRY, Source, 8);

/* ---- 10.4.7 Device interrupt target ------------------------------------- */
#define HV_DEVICE_INTERRUPT_TARGET_MULTICAST 1
#define HV_DEVICE_INTERRUPT_TARGET_PROCESSOR_SET 2

/*
 * With HV_DEVICE_INTERRUPT_TARGET_PROCESSOR_SET in Flags, the TLFS's
 * "UINT64 ProcessorSet[]" alternative applies: a variable-size HV_VP_SET
 * (hv_types.h) starts at offset 8 in place of ProcessorMask.
 */
typedef struct HV_DEVICE_INTERRUPT_TARGET {
    HV_INTERRUPT_VECTOR Vector;
    uint32_t Flags;
    uint64_t ProcessorMask;
} HV_DEVICE_INTERRUPT_TARGET;
HV_ASSERT_SIZE(HV_DEVICE_INTERRUPT_TARGET, 16);
HV_ASSERT_OFFSET(HV_DEVICE_INTERRUPT_TARGET, Flags, 4);
HV_ASSERT_OFFSET(HV_DEVICE_INTERRUPT_TARGET, ProcessorMask, 8);

#endif /* HYPERV_HV_INTERRUPT_H */
