/*
 * hv_msr.h - hypervisor synthetic MSRs (TLFS v6.0b Appendix C and the
 * sections each MSR refers to).
 *
 * MSR numbers, and for every MSR whose contents the TLFS lays out, a union
 * of the raw uint64_t (AsUINT64) and a bit-field struct (Bits), plus mask
 * macros for code that prefers shifts to bit-fields.
 *
 * Not defined, because v6.0b names them without a number:
 * HV_X64_MSR_SIRBP, HV_X64_MSR_DEBUG_DEVICE_OPTIONS,
 * HV_X64_MSR_BELOW_1MB_PAGE, HV_X64_MSR_STATS_PARTITION_RETAIL_PAGE and
 * HV_X64_MSR_STATS_VP_RETAIL_PAGE (15.11).
 */
#ifndef HYPERV_HV_MSR_H
#define HYPERV_HV_MSR_H

#include "hv_types.h"

/* ---- MSR numbers -------------------------------------------------------- */

#define HV_X64_MSR_GUEST_OS_ID 0x40000000   /* 2.6 */
#define HV_X64_MSR_HYPERCALL 0x40000001     /* 3.13 */
#define HV_X64_MSR_VP_INDEX 0x40000002      /* 7.8.1 */
#define HV_X64_MSR_RESET 0x40000003         /* Appendix C */
#define HV_X64_MSR_VP_RUNTIME 0x40000010    /* 7.9.1, 100 ns units */
#define HV_X64_MSR_TIME_REF_COUNT 0x40000020 /* 12.4, 100 ns units */
/* 12.7.1: read/write, needs AccessPartitionReferenceTsc (Appendix C says
 * read-only and AccessPartitionReferenceCounter). */
#define HV_X64_MSR_REFERENCE_TSC 0x40000021
#define HV_X64_MSR_TSC_FREQUENCY 0x40000022 /* Hz */
#define HV_X64_MSR_APIC_FREQUENCY 0x40000023 /* Hz */
#define HV_X64_MSR_NPIEP_CONFIG 0x40000040  /* 8.12 */
#define HV_X64_MSR_EOI 0x40000070           /* 10.2.3.1 */
#define HV_X64_MSR_ICR 0x40000071           /* 10.2.3.2 */
#define HV_X64_MSR_TPR 0x40000072           /* 10.2.3.3 */
#define HV_X64_MSR_VP_ASSIST_PAGE 0x40000073 /* 7.8.7.1 */

/* Other names the TLFS uses for the same MSRs: the EOI sample code of
 * 10.3.5 writes HV_X64_APIC_EOI, and 15.11.1.1 lists the VP assist page
 * MSR as HV_X64_MSR_APIC_ASSIST_PAGE. */
#define HV_X64_APIC_EOI HV_X64_MSR_EOI
#define HV_X64_MSR_APIC_ASSIST_PAGE HV_X64_MSR_VP_ASSIST_PAGE

/* SynIC (11.8) */
#define HV_X64_MSR_SCONTROL 0x40000080
#define HV_X64_MSR_SVERSION 0x40000081
#define HV_X64_MSR_SIEFP 0x40000082
#define HV_X64_MSR_SIMP 0x40000083
#define HV_X64_MSR_EOM 0x40000084
#define HV_X64_MSR_SINT0 0x40000090
#define HV_X64_MSR_SINT1 0x40000091
#define HV_X64_MSR_SINT2 0x40000092
#define HV_X64_MSR_SINT3 0x40000093
#define HV_X64_MSR_SINT4 0x40000094
#define HV_X64_MSR_SINT5 0x40000095
#define HV_X64_MSR_SINT6 0x40000096
#define HV_X64_MSR_SINT7 0x40000097
#define HV_X64_MSR_SINT8 0x40000098
#define HV_X64_MSR_SINT9 0x40000099
#define HV_X64_MSR_SINT10 0x4000009A
#define HV_X64_MSR_SINT11 0x4000009B
#define HV_X64_MSR_SINT12 0x4000009C
#define HV_X64_MSR_SINT13 0x4000009D
#define HV_X64_MSR_SINT14 0x4000009E
#define HV_X64_MSR_SINT15 0x4000009F
#define HV_X64_MSR_SINT(n) (HV_X64_MSR_SINT0 + (n))

/* Synthetic timers (12.5) */
#define HV_X64_MSR_STIMER0_CONFIG 0x400000B0
#define HV_X64_MSR_STIMER0_COUNT 0x400000B1
#define HV_X64_MSR_STIMER1_CONFIG 0x400000B2
#define HV_X64_MSR_STIMER1_COUNT 0x400000B3
#define HV_X64_MSR_STIMER2_CONFIG 0x400000B4
#define HV_X64_MSR_STIMER2_COUNT 0x400000B5
#define HV_X64_MSR_STIMER3_CONFIG 0x400000B6
#define HV_X64_MSR_STIMER3_COUNT 0x400000B7
#define HV_X64_MSR_STIMER_CONFIG(n) (HV_X64_MSR_STIMER0_CONFIG + 2 * (n))
#define HV_X64_MSR_STIMER_COUNT(n) (HV_X64_MSR_STIMER0_COUNT + 2 * (n))
#define HV_SYNTHETIC_TIMER_COUNT 4

#define HV_X64_MSR_GUEST_IDLE 0x400000F0 /* 7.5; a read enters idle */

/* Guest crash enlightenment (4.3) */
#define HV_X64_MSR_CRASH_P0 0x40000100
#define HV_X64_MSR_CRASH_P1 0x40000101
#define HV_X64_MSR_CRASH_P2 0x40000102
#define HV_X64_MSR_CRASH_P3 0x40000103
#define HV_X64_MSR_CRASH_P4 0x40000104
#define HV_X64_MSR_CRASH_CTL 0x40000105
#define HV_X64_MSR_CRASH_P(n) (HV_X64_MSR_CRASH_P0 + (n))
#define HV_CRASH_PARAMETER_COUNT 5

/* Nested virtualization (16.6) */
#define HV_X64_MSR_REENLIGHTENMENT_CONTROL 0x40000106
#define HV_X64_MSR_TSC_EMULATION_CONTROL 0x40000107
#define HV_X64_MSR_TSC_EMULATION_STATUS 0x40000108

/* Synthetic time-unhalted timer (12.6) */
#define HV_X64_MSR_STIME_UNHALTED_TIMER_CONFIG 0x40000114
#define HV_X64_MSR_STIME_UNHALTED_TIMER_COUNT 0x40000115

/* Nested root partition (16.14) */
#define HV_X64_MSR_NESTED_VP_INDEX 0x40001002
#define HV_X64_MSR_NESTED_SCONTROL 0x40001080
#define HV_X64_MSR_NESTED_SVERSION 0x40001081
#define HV_X64_MSR_NESTED_SIEFP 0x40001082
#define HV_X64_MSR_NESTED_SIMP 0x40001083
#define HV_X64_MSR_NESTED_EOM 0x40001084
#define HV_X64_MSR_NESTED_SINT0 0x40001090
#define HV_X64_MSR_NESTED_SINT1 0x40001091
#define HV_X64_MSR_NESTED_SINT2 0x40001092
#define HV_X64_MSR_NESTED_SINT3 0x40001093
#define HV_X64_MSR_NESTED_SINT4 0x40001094
#define HV_X64_MSR_NESTED_SINT5 0x40001095
#define HV_X64_MSR_NESTED_SINT6 0x40001096
#define HV_X64_MSR_NESTED_SINT7 0x40001097
#define HV_X64_MSR_NESTED_SINT8 0x40001098
#define HV_X64_MSR_NESTED_SINT9 0x40001099
#define HV_X64_MSR_NESTED_SINT10 0x4000109A
#define HV_X64_MSR_NESTED_SINT11 0x4000109B
#define HV_X64_MSR_NESTED_SINT12 0x4000109C
#define HV_X64_MSR_NESTED_SINT13 0x4000109D
#define HV_X64_MSR_NESTED_SINT14 0x4000109E
#define HV_X64_MSR_NESTED_SINT15 0x4000109F
#define HV_X64_MSR_NESTED_SINT(n) (HV_X64_MSR_NESTED_SINT0 + (n))

/* ---- 2.6 HV_X64_MSR_GUEST_OS_ID ----------------------------------------- */
/*
 * Two encodings.  Proprietary (bit 63 = 0):
 *   63 OS type | 62:48 vendor ID | 47:40 OS ID | 39:32 major |
 *   31:24 minor | 23:16 service version | 15:0 build number
 * Open source (bit 63 = 1, 2.6.2):
 *   63 open source | 62:56 OS type | 55:48 OS ID | 47:16 version |
 *   15:0 build number
 */
typedef union HV_X64_MSR_GUEST_OS_ID_CONTENTS {
    uint64_t AsUINT64;
    struct {
        uint64_t BuildNumber : 16;
        uint64_t ServiceVersion : 8;
        uint64_t MinorVersion : 8;
        uint64_t MajorVersion : 8;
        uint64_t OsId : 8;
        uint64_t VendorId : 15;
        uint64_t OsType : 1; /* 0: proprietary */
    } Proprietary;
    struct {
        uint64_t BuildNumber : 16;
        uint64_t Version : 32;
        uint64_t OsId : 8;
        uint64_t OsType : 7;
        uint64_t OpenSource : 1; /* 1: open source */
    } OpenSource;
} HV_X64_MSR_GUEST_OS_ID_CONTENTS;
HV_ASSERT_SIZE(HV_X64_MSR_GUEST_OS_ID_CONTENTS, 8);

#define HV_GUEST_OS_ID_OPEN_SOURCE HV_BIT64(63)

/* Known vendors (2.6.1.1). */
#define HV_GUEST_OS_VENDOR_MICROSOFT 0x0001
#define HV_GUEST_OS_VENDOR_HPE 0x0002
#define HV_GUEST_OS_VENDOR_LANCOM 0x0200

/* Microsoft OS IDs (2.6.1). */
#define HV_GUEST_OS_MICROSOFT_UNDEFINED 0
#define HV_GUEST_OS_MICROSOFT_MSDOS 1
#define HV_GUEST_OS_MICROSOFT_WINDOWS3X 2
#define HV_GUEST_OS_MICROSOFT_WINDOWS9X 3
#define HV_GUEST_OS_MICROSOFT_WINDOWSNT 4
#define HV_GUEST_OS_MICROSOFT_WINDOWSCE 5

/* Known open-source OS types (2.6.2.1). */
#define HV_GUEST_OS_TYPE_LINUX 0x1
#define HV_GUEST_OS_TYPE_FREEBSD 0x2
#define HV_GUEST_OS_TYPE_XEN 0x3
#define HV_GUEST_OS_TYPE_ILLUMOS 0x4

/* Encode a proprietary-OS identity (2.6.1). */
static HV_INLINE uint64_t hv_guest_os_id_proprietary(uint32_t vendor_id,
                                                     uint32_t os_id,
                                                     uint32_t major,
                                                     uint32_t minor,
                                                     uint32_t service_version,
                                                     uint32_t build_number)
{
    return (HV_CAST(uint64_t, vendor_id & 0x7FFFu) << 48) |
           (HV_CAST(uint64_t, os_id & 0xFFu) << 40) |
           (HV_CAST(uint64_t, major & 0xFFu) << 32) |
           (HV_CAST(uint64_t, minor & 0xFFu) << 24) |
           (HV_CAST(uint64_t, service_version & 0xFFu) << 16) |
           HV_CAST(uint64_t, build_number & 0xFFFFu);
}

/* Encode an open-source-OS identity (2.6.2); version is the upstream
 * kernel version as the OS chooses to pack it into 32 bits. */
static HV_INLINE uint64_t hv_guest_os_id_open_source(uint32_t os_type,
                                                     uint32_t os_id,
                                                     uint32_t version,
                                                     uint32_t build_number)
{
    return HV_GUEST_OS_ID_OPEN_SOURCE |
           (HV_CAST(uint64_t, os_type & 0x7Fu) << 56) |
           (HV_CAST(uint64_t, os_id & 0xFFu) << 48) |
           (HV_CAST(uint64_t, version) << 16) |
           HV_CAST(uint64_t, build_number & 0xFFFFu);
}

static HV_INLINE int hv_guest_os_id_is_open_source(uint64_t guest_os_id)
{
    return (guest_os_id & HV_GUEST_OS_ID_OPEN_SOURCE) != 0;
}

/* ---- 3.13 HV_X64_MSR_HYPERCALL ------------------------------------------ */
/* 63:12 hypercall GPFN | 11:2 RsvdP | 1 Locked | 0 Enable hypercall page */
typedef union HV_X64_MSR_HYPERCALL_CONTENTS {
    uint64_t AsUINT64;
    struct {
        uint64_t Enable : 1;
        uint64_t Locked : 1;
        uint64_t ReservedP : 10;
        uint64_t GuestPhysicalAddress : 52; /* page number */
    } Bits;
} HV_X64_MSR_HYPERCALL_CONTENTS;
HV_ASSERT_SIZE(HV_X64_MSR_HYPERCALL_CONTENTS, 8);

#define HV_X64_MSR_HYPERCALL_ENABLE HV_BIT64(0)
#define HV_X64_MSR_HYPERCALL_LOCKED HV_BIT64(1)
#define HV_X64_MSR_HYPERCALL_RSVDP_MASK HV_UINT64_C(0x0000000000000FFC)

/* ---- Overlay page MSRs: 63:12 page number | 11:1 RsvdP | 0 Enable ------- */
/* HV_X64_MSR_REFERENCE_TSC (12.7.1), HV_X64_MSR_VP_ASSIST_PAGE (7.8.7.1),
 * HV_X64_MSR_SIEFP (11.8.3) and HV_X64_MSR_SIMP (11.8.4) share one layout. */
typedef union HV_X64_MSR_OVERLAY_PAGE_CONTENTS {
    uint64_t AsUINT64;
    struct {
        uint64_t Enable : 1;
        uint64_t ReservedP : 11;
        uint64_t PageNumber : 52; /* GPA >> 12 */
    } Bits;
} HV_X64_MSR_OVERLAY_PAGE_CONTENTS;
HV_ASSERT_SIZE(HV_X64_MSR_OVERLAY_PAGE_CONTENTS, 8);

typedef HV_X64_MSR_OVERLAY_PAGE_CONTENTS HV_X64_MSR_REFERENCE_TSC_CONTENTS;
typedef HV_X64_MSR_OVERLAY_PAGE_CONTENTS HV_X64_MSR_VP_ASSIST_PAGE_CONTENTS;
typedef HV_X64_MSR_OVERLAY_PAGE_CONTENTS HV_X64_MSR_SIEFP_CONTENTS;
typedef HV_X64_MSR_OVERLAY_PAGE_CONTENTS HV_X64_MSR_SIMP_CONTENTS;

#define HV_X64_MSR_OVERLAY_PAGE_ENABLE HV_BIT64(0)
#define HV_X64_MSR_OVERLAY_PAGE_RSVDP_MASK HV_UINT64_C(0x0000000000000FFE)
#define HV_X64_MSR_OVERLAY_PAGE_ADDRESS_MASK HV_UINT64_C(0xFFFFFFFFFFFFF000)

/* ---- 8.12 HV_X64_MSR_NPIEP_CONFIG --------------------------------------- */
typedef union HV_X64_MSR_NPIEP_CONFIG_CONTENTS {
    uint64_t AsUINT64;
    struct {
        uint64_t PreventSgdt : 1;
        uint64_t PreventSidt : 1;
        uint64_t PreventSldt : 1;
        uint64_t PreventStr : 1;
        uint64_t Reserved : 60;
    } Bits;
} HV_X64_MSR_NPIEP_CONFIG_CONTENTS;
HV_ASSERT_SIZE(HV_X64_MSR_NPIEP_CONFIG_CONTENTS, 8);

/* ---- 10.2.3 APIC access MSRs -------------------------------------------- */
/* EOI: 63:32 RsvdZ | 31:0 EOI value; write-only (reads #GP). */
typedef union HV_X64_MSR_EOI_CONTENTS {
    uint64_t AsUINT64;
    struct {
        uint64_t EoiValue : 32;
        uint64_t ReservedZ : 32;
    } Bits;
} HV_X64_MSR_EOI_CONTENTS;
HV_ASSERT_SIZE(HV_X64_MSR_EOI_CONTENTS, 8);

/* ICR: 63:32 ICR high | 31:0 ICR low. */
typedef union HV_X64_MSR_ICR_CONTENTS {
    uint64_t AsUINT64;
    struct {
        uint64_t IcrLow : 32;
        uint64_t IcrHigh : 32;
    } Bits;
} HV_X64_MSR_ICR_CONTENTS;
HV_ASSERT_SIZE(HV_X64_MSR_ICR_CONTENTS, 8);

/* TPR: 63:8 RsvdZ | 7:0 TPR value. */
typedef union HV_X64_MSR_TPR_CONTENTS {
    uint64_t AsUINT64;
    struct {
        uint64_t TprValue : 8;
        uint64_t ReservedZ : 56;
    } Bits;
} HV_X64_MSR_TPR_CONTENTS;
HV_ASSERT_SIZE(HV_X64_MSR_TPR_CONTENTS, 8);

/* ---- 11.8 SynIC MSRs ---------------------------------------------------- */
/* SCONTROL: 63:1 RsvdP | 0 Enable.  0 at VP creation and reset. */
typedef union HV_X64_MSR_SCONTROL_CONTENTS {
    uint64_t AsUINT64;
    struct {
        uint64_t Enable : 1;
        uint64_t ReservedP : 63;
    } Bits;
} HV_X64_MSR_SCONTROL_CONTENTS;
HV_ASSERT_SIZE(HV_X64_MSR_SCONTROL_CONTENTS, 8);

#define HV_X64_MSR_SCONTROL_ENABLE HV_BIT64(0)

/* SVERSION: 63:32 Rsvd | 31:0 SynIC version; read-only. */
typedef union HV_X64_MSR_SVERSION_CONTENTS {
    uint64_t AsUINT64;
    struct {
        uint64_t Version : 32;
        uint64_t Reserved : 32;
    } Bits;
} HV_X64_MSR_SVERSION_CONTENTS;
HV_ASSERT_SIZE(HV_X64_MSR_SVERSION_CONTENTS, 8);

#define HV_SYNIC_VERSION_1 0x00000001

/* EOM: 63:0 RsvdZ, write-only trigger; reads return 0. */

/* SINTx: 63:19 RsvdP | 18 Polling | 17 AutoEOI | 16 Masked | 15:8 RsvdP |
 * 7:0 Vector.  Default 0x10000 (masked); valid vectors are 16-255. */
typedef union HV_X64_MSR_SINT_CONTENTS {
    uint64_t AsUINT64;
    struct {
        uint64_t Vector : 8;
        uint64_t ReservedP1 : 8;
        uint64_t Masked : 1;
        uint64_t AutoEoi : 1;
        uint64_t Polling : 1;
        uint64_t ReservedP2 : 45;
    } Bits;
} HV_X64_MSR_SINT_CONTENTS;
HV_ASSERT_SIZE(HV_X64_MSR_SINT_CONTENTS, 8);

#define HV_X64_MSR_SINT_VECTOR_MASK HV_UINT64_C(0xFF)
#define HV_X64_MSR_SINT_MASKED HV_BIT64(16)
#define HV_X64_MSR_SINT_AUTO_EOI HV_BIT64(17)
#define HV_X64_MSR_SINT_POLLING HV_BIT64(18)
#define HV_X64_MSR_SINT_RSVDP_MASK HV_UINT64_C(0xFFFFFFFFFFF8FF00)
#define HV_X64_MSR_SINT_DEFAULT HV_UINT64_C(0x0000000000010000)
#define HV_SYNIC_MIN_SINT_VECTOR 16
#define HV_SYNIC_MAX_SINT_VECTOR 255

/* ---- 12.5.1 Synthetic timer configuration ------------------------------- */
/* 63:20 RsvdZ | 19:16 SINTx | 15:13 RsvdZ | 12 DirectMode |
 * 11:4 ApicVector | 3 AutoEnable | 2 Lazy | 1 Periodic | 0 Enable */
typedef union HV_X64_MSR_STIMER_CONFIG_CONTENTS {
    uint64_t AsUINT64;
    struct {
        uint64_t Enable : 1;
        uint64_t Periodic : 1;
        uint64_t Lazy : 1;
        uint64_t AutoEnable : 1;
        uint64_t ApicVector : 8;
        uint64_t DirectMode : 1;
        uint64_t ReservedZ1 : 3;
        uint64_t SINTx : 4;
        uint64_t ReservedZ2 : 44;
    } Bits;
} HV_X64_MSR_STIMER_CONFIG_CONTENTS;
HV_ASSERT_SIZE(HV_X64_MSR_STIMER_CONFIG_CONTENTS, 8);

#define HV_X64_MSR_STIMER_CONFIG_ENABLE HV_BIT64(0)
#define HV_X64_MSR_STIMER_CONFIG_PERIODIC HV_BIT64(1)
#define HV_X64_MSR_STIMER_CONFIG_LAZY HV_BIT64(2)
#define HV_X64_MSR_STIMER_CONFIG_AUTO_ENABLE HV_BIT64(3)
#define HV_X64_MSR_STIMER_CONFIG_APIC_VECTOR_SHIFT 4
#define HV_X64_MSR_STIMER_CONFIG_APIC_VECTOR_MASK HV_UINT64_C(0xFF0)
#define HV_X64_MSR_STIMER_CONFIG_DIRECT_MODE HV_BIT64(12)
#define HV_X64_MSR_STIMER_CONFIG_SINTX_SHIFT 16
#define HV_X64_MSR_STIMER_CONFIG_SINTX_MASK HV_UINT64_C(0xF0000)
#define HV_X64_MSR_STIMER_CONFIG_RSVDZ_MASK HV_UINT64_C(0xFFFFFFFFFFF0E000)

/* The count register (12.5.2) is a plain 64-bit time in 100 ns units: the
 * absolute expiration time of a one-shot timer, the period of a periodic
 * one; writing 0 stops the timer. */

/* ---- 12.6 Synthetic time-unhalted timer --------------------------------- */
/* CONFIG: 63:9 Reserved (MBZ) | 8 Enabled | 7:0 Vector (2 sends an NMI). */
typedef union HV_X64_MSR_STIME_UNHALTED_TIMER_CONFIG_CONTENTS {
    uint64_t AsUINT64;
    struct {
        uint64_t Vector : 8;
        uint64_t Enabled : 1;
        uint64_t Reserved : 55;
    } Bits;
} HV_X64_MSR_STIME_UNHALTED_TIMER_CONFIG_CONTENTS;
HV_ASSERT_SIZE(HV_X64_MSR_STIME_UNHALTED_TIMER_CONFIG_CONTENTS, 8);

#define HV_X64_MSR_STIME_UNHALTED_TIMER_ENABLED HV_BIT64(8)
#define HV_STIME_UNHALTED_TIMER_NMI_VECTOR 2

/* ---- 4.3.2 Guest crash control ------------------------------------------ */
typedef union HV_CRASH_CTL_REG_CONTENTS {
    uint64_t AsUINT64;
    struct {
        uint64_t Reserved : 62;
        uint64_t CrashMessage : 1; /* P3 = message GPA, P4 = length */
        uint64_t CrashNotify : 1;  /* log the crash parameter MSRs */
    } Bits;
} HV_CRASH_CTL_REG_CONTENTS;
HV_ASSERT_SIZE(HV_CRASH_CTL_REG_CONTENTS, 8);

#define HV_CRASH_CTL_CRASH_MESSAGE HV_BIT64(62)
#define HV_CRASH_CTL_CRASH_NOTIFY HV_BIT64(63)
#define HV_CRASH_MAX_MESSAGE_SIZE 4096 /* bytes, in P4 */

/* ---- 16.6.1 Reenlightenment control ------------------------------------- */
typedef union HV_REENLIGHTENMENT_CONTROL {
    uint64_t AsUINT64;
    struct {
        uint64_t Vector : 8;
        uint64_t RsvdZ1 : 8;
        uint64_t Enabled : 1;
        uint64_t RsvdZ2 : 15;
        uint64_t TargetVp : 32;
    } Bits;
} HV_REENLIGHTENMENT_CONTROL;
HV_ASSERT_SIZE(HV_REENLIGHTENMENT_CONTROL, 8);

/* ---- 16.6.2 TSC emulation ----------------------------------------------- */
typedef union HV_TSC_EMULATION_CONTROL {
    uint64_t AsUINT64;
    struct {
        uint64_t Enabled : 1;
        uint64_t RsvdZ : 63;
    } Bits;
} HV_TSC_EMULATION_CONTROL;
HV_ASSERT_SIZE(HV_TSC_EMULATION_CONTROL, 8);

typedef union HV_TSC_EMULATION_STATUS {
    uint64_t AsUINT64;
    struct {
        uint64_t InProgress : 1;
        uint64_t RsvdP1 : 63;
    } Bits;
} HV_TSC_EMULATION_STATUS;
HV_ASSERT_SIZE(HV_TSC_EMULATION_STATUS, 8);

#endif /* HYPERV_HV_MSR_H */
