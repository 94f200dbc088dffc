/*
 * hv_vp_assist.h - the virtual processor assist page (TLFS v6.0b 7.8.7,
 * 10.3.5, 15.8, 16.5, 16.8, 16.12).
 *
 * One page per virtual processor, overlaid at the GPA programmed in
 * HV_X64_MSR_VP_ASSIST_PAGE (hv_msr.h).  It carries the EOI assist field,
 * the per-VTL control area used on VTL entry and return, the nested
 * enlightenments control, the enlightened VMCS selection and the
 * virtualization fault information.
 *
 * In the TLFS the page is a union of these fields with a page-sized byte
 * array; here it is one structure whose last member pads it to
 * HV_PAGE_SIZE, which has the same layout and needs no member name for the
 * field block.
 */
#ifndef HYPERV_HV_VP_ASSIST_H
#define HYPERV_HV_VP_ASSIST_H

#include "hv_types.h"
#include "hv_vsm.h"

/* ---- 10.3.5 EOI assist (offset 0 of the page) --------------------------- */
/* 31:1 reserved to zero | 0 No EOI required.  The guest clears bit 0
 * atomically (BTR); if it was clear, it must write HV_X64_MSR_EOI. */
typedef union HV_VIRTUAL_APIC_ASSIST {
    uint32_t AsUINT32;
    struct {
        uint32_t NoEoiRequired : 1;
        uint32_t ReservedZ : 31;
    } Bits;
} HV_VIRTUAL_APIC_ASSIST;
HV_ASSERT_SIZE(HV_VIRTUAL_APIC_ASSIST, 4);

#define HV_VIRTUAL_APIC_NO_EOI_REQUIRED 0x1u

/* ---- 15.8.2 VTL control (one per VTL above 0) --------------------------- */
typedef struct HV_VP_VTL_CONTROL {
    /* Why the VTL was entered on this VP (HV_VTL_ENTRY_REASON). */
    uint32_t EntryReason;
    /* Whether the VINA interrupt line is asserted. */
    union {
        uint8_t AsUINT8;
        struct {
            uint8_t VinaAsserted : 1;
            uint8_t VinaReservedZ : 7;
        } Bits;
    } VinaStatus;
    uint8_t ReservedZ00;
    uint16_t ReservedZ01;
    /* Register values restored on a (non-fast) VTL return. */
    union {
        struct {
            uint64_t VtlReturnX64Rax;
            uint64_t VtlReturnX64Rcx;
        } X64;
        struct {
            uint32_t VtlReturnX86Eax;
            uint32_t VtlReturnX86Ecx;
            uint32_t VtlReturnX86Edx;
            uint32_t ReservedZ1;
        } X86;
    } VtlReturn;
} HV_VP_VTL_CONTROL;
HV_ASSERT_SIZE(HV_VP_VTL_CONTROL, 24);
HV_ASSERT_OFFSET(HV_VP_VTL_CONTROL, VinaStatus, 4);
HV_ASSERT_OFFSET(HV_VP_VTL_CONTROL, ReservedZ00, 5);
HV_ASSERT_OFFSET(HV_VP_VTL_CONTROL, ReservedZ01, 6);
HV_ASSERT_OFFSET(HV_VP_VTL_CONTROL, VtlReturn, 8);

/* ---- 7.8.7.2 Nested enlightenments control ------------------------------ */
typedef struct HV_NESTED_ENLIGHTENMENTS_CONTROL {
    union {
        uint32_t AsUINT32;
        struct {
            uint32_t DirectHypercall : 1;
            uint32_t VirtualizationException : 1;
            uint32_t Reserved : 30;
        } Bits;
    } Features;
    union {
        uint32_t AsUINT32;
        struct {
            uint32_t InterPartitionCommunication : 1;
            uint32_t Reserved : 31;
        } Bits;
    } HypercallControls;
} HV_NESTED_ENLIGHTENMENTS_CONTROL;
HV_ASSERT_SIZE(HV_NESTED_ENLIGHTENMENTS_CONTROL, 8);
HV_ASSERT_OFFSET(HV_NESTED_ENLIGHTENMENTS_CONTROL, HypercallControls, 4);

/* ---- 7.8.7.2 Virtualization fault information (16-byte aligned) --------- */
typedef struct HV_VIRTUALIZATION_FAULT_INFORMATION {
    uint16_t Parameter0;
    uint16_t Reserved0;
    uint32_t Code;
    uint64_t Parameter1;
} HV_VIRTUALIZATION_FAULT_INFORMATION;
HV_ASSERT_SIZE(HV_VIRTUALIZATION_FAULT_INFORMATION, 16);
HV_ASSERT_OFFSET(HV_VIRTUALIZATION_FAULT_INFORMATION, Code, 4);
HV_ASSERT_OFFSET(HV_VIRTUALIZATION_FAULT_INFORMATION, Parameter1, 8);

/* ---- 7.8.7.2 VP assist page format -------------------------------------- */
#define HV_VP_ASSIST_PAGE_USED_SIZE 80

typedef struct HV_VP_ASSIST_PAGE {
    /* APIC assist for optimized EOI processing. */
    HV_VIRTUAL_APIC_ASSIST ApicAssist;
    uint32_t ReservedZ0;
    /* VP-VTL control information. */
    HV_VP_VTL_CONTROL VtlControl;
    HV_NESTED_ENLIGHTENMENTS_CONTROL NestedEnlightenmentsControl;
    uint8_t EnlightenVmEntry; /* BOOLEAN: use the enlightened VMCS (16.5) */
    uint8_t ReservedZ1[7];
    HV_GPA CurrentNestedVmcs;
    uint8_t SyntheticTimeUnhaltedTimerExpired; /* BOOLEAN (12.6) */
    uint8_t ReservedZ2[7];
    HV_VIRTUALIZATION_FAULT_INFORMATION VirtualizationFaultInformation;
    uint8_t ReservedZBytePadding[HV_PAGE_SIZE - HV_VP_ASSIST_PAGE_USED_SIZE];
} HV_VP_ASSIST_PAGE;
HV_ASSERT_SIZE(HV_VP_ASSIST_PAGE, HV_PAGE_SIZE);
HV_ASSERT_OFFSET(HV_VP_ASSIST_PAGE, ReservedZ0, 4);
HV_ASSERT_OFFSET(HV_VP_ASSIST_PAGE, VtlControl, 8);
HV_ASSERT_OFFSET(HV_VP_ASSIST_PAGE, NestedEnlightenmentsControl, 32);
HV_ASSERT_OFFSET(HV_VP_ASSIST_PAGE, EnlightenVmEntry, 40);
HV_ASSERT_OFFSET(HV_VP_ASSIST_PAGE, CurrentNestedVmcs, 48);
HV_ASSERT_OFFSET(HV_VP_ASSIST_PAGE, SyntheticTimeUnhaltedTimerExpired, 56);
HV_ASSERT_OFFSET(HV_VP_ASSIST_PAGE, VirtualizationFaultInformation, 64);
HV_ASSERT_OFFSET(HV_VP_ASSIST_PAGE, ReservedZBytePadding,
                 HV_VP_ASSIST_PAGE_USED_SIZE);

#endif /* HYPERV_HV_VP_ASSIST_H */
