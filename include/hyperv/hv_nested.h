/*
 * hv_nested.h - nested virtualization (TLFS v6.0b chapter 16).
 *
 * The enlightened VMCS (16.5, 16.11.2), its clean field bits (16.11.3),
 * the map from Intel physical VMCS encodings to enlightened VMCS fields
 * (16.11.4), the partition assist page and synthetic VM-exit reason of
 * direct virtual flush (16.8).  The nested-related MSRs
 * (HV_X64_MSR_REENLIGHTENMENT_CONTROL, HV_X64_MSR_TSC_EMULATION_*,
 * HV_X64_MSR_NESTED_*) are in hv_msr.h, the GPA range of the nested flush
 * hypercalls in hv_mmu.h, the nested enlightenments control in
 * hv_vp_assist.h, and the CPUID leaves 0x40000009/0x4000000A in hv_cpuid.h.
 */
#ifndef HYPERV_HV_NESTED_H
#define HYPERV_HV_NESTED_H

#include "hv_types.h"

/* ---- 16.5.1 Enlightened VMCS versioning --------------------------------- */
#define HV_VMX_ENLIGHTENED_VMCS_VERSION 1

/* ---- 16.11.2 Enlightened VMCS ------------------------------------------- */
/*
 * One 4 KB page, initially zeroed; the fields below take its first 1024
 * bytes.  The TLFS listing relies on natural alignment in two places
 * (after HostTrSelector and after VpId); the padding is spelled out.
 */
typedef struct HV_VMX_ENLIGHTENED_VMCS {
    uint32_t VersionNumber;
    uint32_t AbortIndicator;
    uint16_t HostEsSelector;
    uint16_t HostCsSelector;
    uint16_t HostSsSelector;
    uint16_t HostDsSelector;
    uint16_t HostFsSelector;
    uint16_t HostGsSelector;
    uint16_t HostTrSelector;
    uint8_t ReservedPadding0[2]; /* natural-alignment padding, implicit in the TLFS listing */
    uint64_t HostPat;
    uint64_t HostEfer;
    uint64_t HostCr0;
    uint64_t HostCr3;
    uint64_t HostCr4;
    uint64_t HostSysenterEspMsr;
    uint64_t HostSysenterEipMsr;
    uint64_t HostRip;
    uint32_t HostSysenterCsMsr;
    uint32_t PinControls;
    uint32_t ExitControls;
    uint32_t SecondaryProcessorControls;
    HV_GPA IoBitmapA;
    HV_GPA IoBitmapB;
    HV_GPA MsrBitmap;
    uint16_t GuestEsSelector;
    uint16_t GuestCsSelector;
    uint16_t GuestSsSelector;
    uint16_t GuestDsSelector;
    uint16_t GuestFsSelector;
    uint16_t GuestGsSelector;
    uint16_t GuestLdtrSelector;
    uint16_t GuestTrSelector;
    uint32_t GuestEsLimit;
    uint32_t GuestCsLimit;
    uint32_t GuestSsLimit;
    uint32_t GuestDsLimit;
    uint32_t GuestFsLimit;
    uint32_t GuestGsLimit;
    uint32_t GuestLdtrLimit;
    uint32_t GuestTrLimit;
    uint32_t GuestGdtrLimit;
    uint32_t GuestIdtrLimit;
    uint32_t GuestEsAttributes;
    uint32_t GuestCsAttributes;
    uint32_t GuestSsAttributes;
    uint32_t GuestDsAttributes;
    uint32_t GuestFsAttributes;
    uint32_t GuestGsAttributes;
    uint32_t GuestLdtrAttributes;
    uint32_t GuestTrAttributes;
    uint64_t GuestEsBase;
    uint64_t GuestCsBase;
    uint64_t GuestSsBase;
    uint64_t GuestDsBase;
    uint64_t GuestFsBase;
    uint64_t GuestGsBase;
    uint64_t GuestLdtrBase;
    uint64_t GuestTrBase;
    uint64_t GuestGdtrBase;
    uint64_t GuestIdtrBase;
    uint64_t Rsvd1[3];
    HV_GPA ExitMsrStoreAddress;
    HV_GPA ExitMsrLoadAddress;
    HV_GPA EntryMsrLoadAddress;
    uint64_t Cr3Target0;
    uint64_t Cr3Target1;
    uint64_t Cr3Target2;
    uint64_t Cr3Target3;
    uint32_t PfecMask;
    uint32_t PfecMatch;
    uint32_t Cr3TargetCount;
    uint32_t ExitMsrStoreCount;
    uint32_t ExitMsrLoadCount;
    uint32_t EntryMsrLoadCount;
    uint64_t TscOffset;
    HV_GPA VirtualApicPage;
    HV_GPA GuestWorkingVmcsPtr;
    uint64_t GuestIa32DebugCtl;
    uint64_t GuestPat;
    uint64_t GuestEfer;
    uint64_t GuestPdpte0;
    uint64_t GuestPdpte1;
    uint64_t GuestPdpte2;
    uint64_t GuestPdpte3;
    uint64_t GuestPendingDebugExceptions;
    uint64_t GuestSysenterEspMsr;
    uint64_t GuestSysenterEipMsr;
    uint32_t GuestSleepState;
    uint32_t GuestSysenterCsMsr;
    uint64_t Cr0GuestHostMask;
    uint64_t Cr4GuestHostMask;
    uint64_t Cr0ReadShadow;
    uint64_t Cr4ReadShadow;
    uint64_t GuestCr0;
    uint64_t GuestCr3;
    uint64_t GuestCr4;
    uint64_t GuestDr7;
    uint64_t HostFsBase;
    uint64_t HostGsBase;
    uint64_t HostTrBase;
    uint64_t HostGdtrBase;
    uint64_t HostIdtrBase;
    uint64_t HostRsp;
    uint64_t EptRoot;
    uint16_t Vpid;
    uint16_t Rsvd2[3];
    uint64_t Rsvd3[5];
    uint64_t ExitEptFaultGpa;
    uint32_t ExitInstructionError;
    uint32_t ExitReason;
    uint32_t ExitInterruptionInfo;
    uint32_t ExitExceptionErrorCode;
    uint32_t ExitIdtVectoringInfo;
    uint32_t ExitIdtVectoringErrorCode;
    uint32_t ExitInstructionLength;
    uint32_t ExitInstructionInfo;
    uint64_t ExitQualification;
    uint64_t ExitIoInstructionEcx;
    uint64_t ExitIoInstructionEsi;
    uint64_t ExitIoInstructionEdi;
    uint64_t ExitIoInstructionEip;
    uint64_t GuestLinearAddress;
    uint64_t GuestRsp;
    uint64_t GuestRflags;
    uint32_t GuestInterruptibility;
    uint32_t ProcessorControls;
    uint32_t ExceptionBitmap;
    uint32_t EntryControls;
    uint32_t EntryInterruptInfo;
    uint32_t EntryExceptionErrorCode;
    uint32_t EntryInstructionLength;
    uint32_t TprThreshold;
    uint64_t GuestRip;
    uint32_t CleanFields;
    uint32_t Rsvd4;
    uint32_t SyntheticControls;
    union {
        uint32_t AsUINT32;
        struct {
            uint32_t NestedFlushVirtualHypercall : 1;
            uint32_t MsrBitmap : 1;
            uint32_t Reserved : 30;
        } Bits;
    } EnlightenmentsControl;
    uint32_t VpId;
    uint8_t ReservedPadding1[4]; /* natural-alignment padding, implicit in the TLFS listing */
    uint64_t VmId;
    uint64_t PartitionAssistPage;
    uint64_t Rsvd5[4];
    uint64_t GuestBndcfgs;
    uint64_t Rsvd6[7];
    uint64_t XssExitingBitmap;
    uint64_t EnclsExitingBitmap;
    uint64_t Rsvd7[6];
} HV_VMX_ENLIGHTENED_VMCS;
HV_ASSERT_SIZE(HV_VMX_ENLIGHTENED_VMCS, 1024);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, VersionNumber, 0);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, AbortIndicator, 4);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, HostEsSelector, 8);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, HostCsSelector, 10);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, HostSsSelector, 12);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, HostDsSelector, 14);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, HostFsSelector, 16);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, HostGsSelector, 18);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, HostTrSelector, 20);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, ReservedPadding0, 22);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, HostPat, 24);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, HostEfer, 32);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, HostCr0, 40);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, HostCr3, 48);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, HostCr4, 56);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, HostSysenterEspMsr, 64);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, HostSysenterEipMsr, 72);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, HostRip, 80);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, HostSysenterCsMsr, 88);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, PinControls, 92);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, ExitControls, 96);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, SecondaryProcessorControls, 100);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, IoBitmapA, 104);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, IoBitmapB, 112);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, MsrBitmap, 120);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, GuestEsSelector, 128);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, GuestCsSelector, 130);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, GuestSsSelector, 132);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, GuestDsSelector, 134);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, GuestFsSelector, 136);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, GuestGsSelector, 138);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, GuestLdtrSelector, 140);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, GuestTrSelector, 142);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, GuestEsLimit, 144);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, GuestCsLimit, 148);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, GuestSsLimit, 152);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, GuestDsLimit, 156);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, GuestFsLimit, 160);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, GuestGsLimit, 164);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, GuestLdtrLimit, 168);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, GuestTrLimit, 172);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, GuestGdtrLimit, 176);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, GuestIdtrLimit, 180);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, GuestEsAttributes, 184);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, GuestCsAttributes, 188);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, GuestSsAttributes, 192);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, GuestDsAttributes, 196);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, GuestFsAttributes, 200);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, GuestGsAttributes, 204);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, GuestLdtrAttributes, 208);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, GuestTrAttributes, 212);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, GuestEsBase, 216);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, GuestCsBase, 224);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, GuestSsBase, 232);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, GuestDsBase, 240);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, GuestFsBase, 248);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, GuestGsBase, 256);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, GuestLdtrBase, 264);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, GuestTrBase, 272);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, GuestGdtrBase, 280);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, GuestIdtrBase, 288);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, Rsvd1, 296);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, ExitMsrStoreAddress, 320);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, ExitMsrLoadAddress, 328);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, EntryMsrLoadAddress, 336);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, Cr3Target0, 344);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, Cr3Target1, 352);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, Cr3Target2, 360);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, Cr3Target3, 368);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, PfecMask, 376);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, PfecMatch, 380);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, Cr3TargetCount, 384);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, ExitMsrStoreCount, 388);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, ExitMsrLoadCount, 392);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, EntryMsrLoadCount, 396);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, TscOffset, 400);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, VirtualApicPage, 408);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, GuestWorkingVmcsPtr, 416);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, GuestIa32DebugCtl, 424);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, GuestPat, 432);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, GuestEfer, 440);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, GuestPdpte0, 448);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, GuestPdpte1, 456);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, GuestPdpte2, 464);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, GuestPdpte3, 472);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, GuestPendingDebugExceptions, 480);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, GuestSysenterEspMsr, 488);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, GuestSysenterEipMsr, 496);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, GuestSleepState, 504);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, GuestSysenterCsMsr, 508);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, Cr0GuestHostMask, 512);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, Cr4GuestHostMask, 520);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, Cr0ReadShadow, 528);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, Cr4ReadShadow, 536);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, GuestCr0, 544);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, GuestCr3, 552);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, GuestCr4, 560);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, GuestDr7, 568);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, HostFsBase, 576);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, HostGsBase, 584);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, HostTrBase, 592);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, HostGdtrBase, 600);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, HostIdtrBase, 608);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, HostRsp, 616);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, EptRoot, 624);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, Vpid, 632);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, Rsvd2, 634);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, Rsvd3, 640);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, ExitEptFaultGpa, 680);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, ExitInstructionError, 688);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, ExitReason, 692);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, ExitInterruptionInfo, 696);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, ExitExceptionErrorCode, 700);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, ExitIdtVectoringInfo, 704);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, ExitIdtVectoringErrorCode, 708);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, ExitInstructionLength, 712);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, ExitInstructionInfo, 716);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, ExitQualification, 720);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, ExitIoInstructionEcx, 728);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, ExitIoInstructionEsi, 736);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, ExitIoInstructionEdi, 744);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, ExitIoInstructionEip, 752);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, GuestLinearAddress, 760);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, GuestRsp, 768);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, GuestRflags, 776);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, GuestInterruptibility, 784);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, ProcessorControls, 788);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, ExceptionBitmap, 792);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, EntryControls, 796);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, EntryInterruptInfo, 800);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, EntryExceptionErrorCode, 804);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, EntryInstructionLength, 808);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, TprThreshold, 812);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, GuestRip, 816);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, CleanFields, 824);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, Rsvd4, 828);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, SyntheticControls, 832);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, EnlightenmentsControl, 836);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, VpId, 840);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, ReservedPadding1, 844);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, VmId, 848);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, PartitionAssistPage, 856);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, Rsvd5, 864);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, GuestBndcfgs, 896);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, Rsvd6, 904);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, XssExitingBitmap, 960);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, EnclsExitingBitmap, 968);
HV_ASSERT_OFFSET(HV_VMX_ENLIGHTENED_VMCS, Rsvd7, 976);

#define HV_VMX_ENLIGHTENED_VMCS_PAGE_SIZE HV_PAGE_SIZE

/* ---- 16.11.3 Clean fields ----------------------------------------------- */
#define HV_VMX_ENLIGHTENED_CLEAN_FIELD_NONE (0)
#define HV_VMX_ENLIGHTENED_CLEAN_FIELD_IO_BITMAP (1 << 0)
#define HV_VMX_ENLIGHTENED_CLEAN_FIELD_MSR_BITMAP (1 << 1)
#define HV_VMX_ENLIGHTENED_CLEAN_FIELD_CONTROL_GRP2 (1 << 2)
#define HV_VMX_ENLIGHTENED_CLEAN_FIELD_CONTROL_GRP1 (1 << 3)
#define HV_VMX_ENLIGHTENED_CLEAN_FIELD_CONTROL_PROC (1 << 4)
#define HV_VMX_ENLIGHTENED_CLEAN_FIELD_CONTROL_EVENT (1 << 5)
#define HV_VMX_ENLIGHTENED_CLEAN_FIELD_CONTROL_ENTRY (1 << 6)
#define HV_VMX_ENLIGHTENED_CLEAN_FIELD_CONTROL_EXCPN (1 << 7)
#define HV_VMX_ENLIGHTENED_CLEAN_FIELD_CRDR (1 << 8)
#define HV_VMX_ENLIGHTENED_CLEAN_FIELD_CONTROL_XLAT (1 << 9)
#define HV_VMX_ENLIGHTENED_CLEAN_FIELD_GUEST_BASIC (1 << 10)
#define HV_VMX_ENLIGHTENED_CLEAN_FIELD_GUEST_GRP1 (1 << 11)
#define HV_VMX_ENLIGHTENED_CLEAN_FIELD_GUEST_GRP2 (1 << 12)
#define HV_VMX_ENLIGHTENED_CLEAN_FIELD_HOST_POINTER (1 << 13)
#define HV_VMX_ENLIGHTENED_CLEAN_FIELD_HOST_GRP1 (1 << 14)
#define HV_VMX_ENLIGHTENED_CLEAN_FIELD_ENLIGHTENMENTSCONTROL (1 << 15)
/* Every clean field bit (CleanFields is all ones by default, 16.5.2). */
#define HV_VMX_ENLIGHTENED_CLEAN_FIELD_ALL 0xFFFF

/* ---- 16.11.4 Physical VMCS encoding ------------------------------------- */
/*
 * HV_VMX_ENLIGHTENED_VMCS_FIELD_LIST(X): the table of 16.11.4 as
 *   X(vmcs_encoding, field, size_in_bytes, clean_field, read_only)
 * where read_only is 1 for the exit-information fields that have no clean
 * field (their clean_field is HV_VMX_ENLIGHTENED_CLEAN_FIELD_NONE).
 * Fields of HV_VMX_ENLIGHTENED_VMCS that are missing from the table are
 * synthetic (VersionNumber, CleanFields, VpId, VmId, ...) or not mapped.
 */
#define HV_VMX_ENLIGHTENED_VMCS_FIELD_LIST(X) \
    X(0x0000681e, GuestRip, 8, HV_VMX_ENLIGHTENED_CLEAN_FIELD_NONE, 0)                            \
    X(0x0000401c, TprThreshold, 4, HV_VMX_ENLIGHTENED_CLEAN_FIELD_NONE, 0)                        \
    X(0x0000681c, GuestRsp, 8, HV_VMX_ENLIGHTENED_CLEAN_FIELD_GUEST_BASIC, 0)                     \
    X(0x00006820, GuestRflags, 8, HV_VMX_ENLIGHTENED_CLEAN_FIELD_GUEST_BASIC, 0)                  \
    X(0x00004824, GuestInterruptibility, 4, HV_VMX_ENLIGHTENED_CLEAN_FIELD_GUEST_BASIC, 0)        \
    X(0x00004002, ProcessorControls, 4, HV_VMX_ENLIGHTENED_CLEAN_FIELD_CONTROL_PROC, 0)           \
    X(0x00004004, ExceptionBitmap, 4, HV_VMX_ENLIGHTENED_CLEAN_FIELD_CONTROL_EXCPN, 0)            \
    X(0x00004012, EntryControls, 4, HV_VMX_ENLIGHTENED_CLEAN_FIELD_CONTROL_ENTRY, 0)              \
    X(0x00004016, EntryInterruptInfo, 4, HV_VMX_ENLIGHTENED_CLEAN_FIELD_CONTROL_EVENT, 0)         \
    X(0x00004018, EntryExceptionErrorCode, 4, HV_VMX_ENLIGHTENED_CLEAN_FIELD_CONTROL_EVENT, 0)    \
    X(0x0000401a, EntryInstructionLength, 4, HV_VMX_ENLIGHTENED_CLEAN_FIELD_CONTROL_EVENT, 0)     \
    X(0x00000c00, HostEsSelector, 2, HV_VMX_ENLIGHTENED_CLEAN_FIELD_HOST_GRP1, 0)                 \
    X(0x00000c02, HostCsSelector, 2, HV_VMX_ENLIGHTENED_CLEAN_FIELD_HOST_GRP1, 0)                 \
    X(0x00000c04, HostSsSelector, 2, HV_VMX_ENLIGHTENED_CLEAN_FIELD_HOST_GRP1, 0)                 \
    X(0x00000c06, HostDsSelector, 2, HV_VMX_ENLIGHTENED_CLEAN_FIELD_HOST_GRP1, 0)                 \
    X(0x00000c08, HostFsSelector, 2, HV_VMX_ENLIGHTENED_CLEAN_FIELD_HOST_GRP1, 0)                 \
    X(0x00000c0a, HostGsSelector, 2, HV_VMX_ENLIGHTENED_CLEAN_FIELD_HOST_GRP1, 0)                 \
    X(0x00000c0c, HostTrSelector, 2, HV_VMX_ENLIGHTENED_CLEAN_FIELD_HOST_GRP1, 0)                 \
    X(0x00002c00, HostPat, 8, HV_VMX_ENLIGHTENED_CLEAN_FIELD_HOST_GRP1, 0)                        \
    X(0x00002c02, HostEfer, 8, HV_VMX_ENLIGHTENED_CLEAN_FIELD_HOST_GRP1, 0)                       \
    X(0x00006c00, HostCr0, 8, HV_VMX_ENLIGHTENED_CLEAN_FIELD_HOST_GRP1, 0)                        \
    X(0x00006c02, HostCr3, 8, HV_VMX_ENLIGHTENED_CLEAN_FIELD_HOST_GRP1, 0)                        \
    X(0x00006c04, HostCr4, 8, HV_VMX_ENLIGHTENED_CLEAN_FIELD_HOST_GRP1, 0)                        \
    X(0x00006c10, HostSysenterEspMsr, 8, HV_VMX_ENLIGHTENED_CLEAN_FIELD_HOST_GRP1, 0)             \
    X(0x00006c12, HostSysenterEipMsr, 8, HV_VMX_ENLIGHTENED_CLEAN_FIELD_HOST_GRP1, 0)             \
    X(0x00006c16, HostRip, 8, HV_VMX_ENLIGHTENED_CLEAN_FIELD_HOST_GRP1, 0)                        \
    X(0x00004c00, HostSysenterCsMsr, 4, HV_VMX_ENLIGHTENED_CLEAN_FIELD_HOST_GRP1, 0)              \
    X(0x00004000, PinControls, 4, HV_VMX_ENLIGHTENED_CLEAN_FIELD_CONTROL_GRP1, 0)                 \
    X(0x0000400c, ExitControls, 4, HV_VMX_ENLIGHTENED_CLEAN_FIELD_CONTROL_GRP1, 0)                \
    X(0x0000401e, SecondaryProcessorControls, 4, HV_VMX_ENLIGHTENED_CLEAN_FIELD_CONTROL_GRP1, 0)  \
    X(0x00002000, IoBitmapA, 8, HV_VMX_ENLIGHTENED_CLEAN_FIELD_IO_BITMAP, 0)                      \
    X(0x00002002, IoBitmapB, 8, HV_VMX_ENLIGHTENED_CLEAN_FIELD_IO_BITMAP, 0)                      \
    X(0x00002004, MsrBitmap, 8, HV_VMX_ENLIGHTENED_CLEAN_FIELD_MSR_BITMAP, 0)                     \
    X(0x00000800, GuestEsSelector, 2, HV_VMX_ENLIGHTENED_CLEAN_FIELD_GUEST_GRP2, 0)               \
    X(0x00000802, GuestCsSelector, 2, HV_VMX_ENLIGHTENED_CLEAN_FIELD_GUEST_GRP2, 0)               \
    X(0x00000804, GuestSsSelector, 2, HV_VMX_ENLIGHTENED_CLEAN_FIELD_GUEST_GRP2, 0)               \
    X(0x00000806, GuestDsSelector, 2, HV_VMX_ENLIGHTENED_CLEAN_FIELD_GUEST_GRP2, 0)               \
    X(0x00000808, GuestFsSelector, 2, HV_VMX_ENLIGHTENED_CLEAN_FIELD_GUEST_GRP2, 0)               \
    X(0x0000080a, GuestGsSelector, 2, HV_VMX_ENLIGHTENED_CLEAN_FIELD_GUEST_GRP2, 0)               \
    X(0x0000080c, GuestLdtrSelector, 2, HV_VMX_ENLIGHTENED_CLEAN_FIELD_GUEST_GRP2, 0)             \
    X(0x0000080e, GuestTrSelector, 2, HV_VMX_ENLIGHTENED_CLEAN_FIELD_GUEST_GRP2, 0)               \
    X(0x00004800, GuestEsLimit, 4, HV_VMX_ENLIGHTENED_CLEAN_FIELD_GUEST_GRP2, 0)                  \
    X(0x00004802, GuestCsLimit, 4, HV_VMX_ENLIGHTENED_CLEAN_FIELD_GUEST_GRP2, 0)                  \
    X(0x00004804, GuestSsLimit, 4, HV_VMX_ENLIGHTENED_CLEAN_FIELD_GUEST_GRP2, 0)                  \
    X(0x00004806, GuestDsLimit, 4, HV_VMX_ENLIGHTENED_CLEAN_FIELD_GUEST_GRP2, 0)                  \
    X(0x00004808, GuestFsLimit, 4, HV_VMX_ENLIGHTENED_CLEAN_FIELD_GUEST_GRP2, 0)                  \
    X(0x0000480a, GuestGsLimit, 4, HV_VMX_ENLIGHTENED_CLEAN_FIELD_GUEST_GRP2, 0)                  \
    X(0x0000480c, GuestLdtrLimit, 4, HV_VMX_ENLIGHTENED_CLEAN_FIELD_GUEST_GRP2, 0)                \
    X(0x0000480e, GuestTrLimit, 4, HV_VMX_ENLIGHTENED_CLEAN_FIELD_GUEST_GRP2, 0)                  \
    X(0x00004810, GuestGdtrLimit, 4, HV_VMX_ENLIGHTENED_CLEAN_FIELD_GUEST_GRP2, 0)                \
    X(0x00004812, GuestIdtrLimit, 4, HV_VMX_ENLIGHTENED_CLEAN_FIELD_GUEST_GRP2, 0)                \
    X(0x00004814, GuestEsAttributes, 4, HV_VMX_ENLIGHTENED_CLEAN_FIELD_GUEST_GRP2, 0)             \
    X(0x00004816, GuestCsAttributes, 4, HV_VMX_ENLIGHTENED_CLEAN_FIELD_GUEST_GRP2, 0)             \
    X(0x00004818, GuestSsAttributes, 4, HV_VMX_ENLIGHTENED_CLEAN_FIELD_GUEST_GRP2, 0)             \
    X(0x0000481a, GuestDsAttributes, 4, HV_VMX_ENLIGHTENED_CLEAN_FIELD_GUEST_GRP2, 0)             \
    X(0x0000481c, GuestFsAttributes, 4, HV_VMX_ENLIGHTENED_CLEAN_FIELD_GUEST_GRP2, 0)             \
    X(0x0000481e, GuestGsAttributes, 4, HV_VMX_ENLIGHTENED_CLEAN_FIELD_GUEST_GRP2, 0)             \
    X(0x00004820, GuestLdtrAttributes, 4, HV_VMX_ENLIGHTENED_CLEAN_FIELD_GUEST_GRP2, 0)           \
    X(0x00004822, GuestTrAttributes, 4, HV_VMX_ENLIGHTENED_CLEAN_FIELD_GUEST_GRP2, 0)             \
    X(0x00006806, GuestEsBase, 8, HV_VMX_ENLIGHTENED_CLEAN_FIELD_GUEST_GRP2, 0)                   \
    X(0x00006808, GuestCsBase, 8, HV_VMX_ENLIGHTENED_CLEAN_FIELD_GUEST_GRP2, 0)                   \
    X(0x0000680a, GuestSsBase, 8, HV_VMX_ENLIGHTENED_CLEAN_FIELD_GUEST_GRP2, 0)                   \
    X(0x0000680c, GuestDsBase, 8, HV_VMX_ENLIGHTENED_CLEAN_FIELD_GUEST_GRP2, 0)                   \
    X(0x0000680e, GuestFsBase, 8, HV_VMX_ENLIGHTENED_CLEAN_FIELD_GUEST_GRP2, 0)                   \
    X(0x00006810, GuestGsBase, 8, HV_VMX_ENLIGHTENED_CLEAN_FIELD_GUEST_GRP2, 0)                   \
    X(0x00006812, GuestLdtrBase, 8, HV_VMX_ENLIGHTENED_CLEAN_FIELD_GUEST_GRP2, 0)                 \
    X(0x00006814, GuestTrBase, 8, HV_VMX_ENLIGHTENED_CLEAN_FIELD_GUEST_GRP2, 0)                   \
    X(0x00006816, GuestGdtrBase, 8, HV_VMX_ENLIGHTENED_CLEAN_FIELD_GUEST_GRP2, 0)                 \
    X(0x00006818, GuestIdtrBase, 8, HV_VMX_ENLIGHTENED_CLEAN_FIELD_GUEST_GRP2, 0)                 \
    X(0x00002010, TscOffset, 8, HV_VMX_ENLIGHTENED_CLEAN_FIELD_CONTROL_GRP2, 0)                   \
    X(0x00002012, VirtualApicPage, 8, HV_VMX_ENLIGHTENED_CLEAN_FIELD_CONTROL_GRP2, 0)             \
    X(0x00002800, GuestWorkingVmcsPtr, 8, HV_VMX_ENLIGHTENED_CLEAN_FIELD_GUEST_GRP1, 0)           \
    X(0x00002802, GuestIa32DebugCtl, 8, HV_VMX_ENLIGHTENED_CLEAN_FIELD_GUEST_GRP1, 0)             \
    X(0x00002804, GuestPat, 8, HV_VMX_ENLIGHTENED_CLEAN_FIELD_GUEST_GRP1, 0)                      \
    X(0x00002806, GuestEfer, 8, HV_VMX_ENLIGHTENED_CLEAN_FIELD_GUEST_GRP1, 0)                     \
    X(0x0000280a, GuestPdpte0, 8, HV_VMX_ENLIGHTENED_CLEAN_FIELD_GUEST_GRP1, 0)                   \
    X(0x0000280c, GuestPdpte1, 8, HV_VMX_ENLIGHTENED_CLEAN_FIELD_GUEST_GRP1, 0)                   \
    X(0x0000280e, GuestPdpte2, 8, HV_VMX_ENLIGHTENED_CLEAN_FIELD_GUEST_GRP1, 0)                   \
    X(0x00002810, GuestPdpte3, 8, HV_VMX_ENLIGHTENED_CLEAN_FIELD_GUEST_GRP1, 0)                   \
    X(0x00006822, GuestPendingDebugExceptions, 8, HV_VMX_ENLIGHTENED_CLEAN_FIELD_GUEST_GRP1, 0)   \
    X(0x00006824, GuestSysenterEspMsr, 8, HV_VMX_ENLIGHTENED_CLEAN_FIELD_GUEST_GRP1, 0)           \
    X(0x00006826, GuestSysenterEipMsr, 8, HV_VMX_ENLIGHTENED_CLEAN_FIELD_GUEST_GRP1, 0)           \
    X(0x00004826, GuestSleepState, 4, HV_VMX_ENLIGHTENED_CLEAN_FIELD_GUEST_GRP1, 0)               \
    X(0x0000482a, GuestSysenterCsMsr, 4, HV_VMX_ENLIGHTENED_CLEAN_FIELD_GUEST_GRP1, 0)            \
    X(0x00006000, Cr0GuestHostMask, 8, HV_VMX_ENLIGHTENED_CLEAN_FIELD_CRDR, 0)                    \
    X(0x00006002, Cr4GuestHostMask, 8, HV_VMX_ENLIGHTENED_CLEAN_FIELD_CRDR, 0)                    \
    X(0x00006004, Cr0ReadShadow, 8, HV_VMX_ENLIGHTENED_CLEAN_FIELD_CRDR, 0)                       \
    X(0x00006006, Cr4ReadShadow, 8, HV_VMX_ENLIGHTENED_CLEAN_FIELD_CRDR, 0)                       \
    X(0x00006800, GuestCr0, 8, HV_VMX_ENLIGHTENED_CLEAN_FIELD_CRDR, 0)                            \
    X(0x00006802, GuestCr3, 8, HV_VMX_ENLIGHTENED_CLEAN_FIELD_CRDR, 0)                            \
    X(0x00006804, GuestCr4, 8, HV_VMX_ENLIGHTENED_CLEAN_FIELD_CRDR, 0)                            \
    X(0x0000681a, GuestDr7, 8, HV_VMX_ENLIGHTENED_CLEAN_FIELD_CRDR, 0)                            \
    X(0x00006c06, HostFsBase, 8, HV_VMX_ENLIGHTENED_CLEAN_FIELD_HOST_POINTER, 0)                  \
    X(0x00006c08, HostGsBase, 8, HV_VMX_ENLIGHTENED_CLEAN_FIELD_HOST_POINTER, 0)                  \
    X(0x00006c0a, HostTrBase, 8, HV_VMX_ENLIGHTENED_CLEAN_FIELD_HOST_POINTER, 0)                  \
    X(0x00006c0c, HostGdtrBase, 8, HV_VMX_ENLIGHTENED_CLEAN_FIELD_HOST_POINTER, 0)                \
    X(0x00006c0e, HostIdtrBase, 8, HV_VMX_ENLIGHTENED_CLEAN_FIELD_HOST_POINTER, 0)                \
    X(0x00006c14, HostRsp, 8, HV_VMX_ENLIGHTENED_CLEAN_FIELD_HOST_POINTER, 0)                     \
    X(0x00000000, Vpid, 2, HV_VMX_ENLIGHTENED_CLEAN_FIELD_CONTROL_XLAT, 0)                        \
    X(0x0000201a, EptRoot, 8, HV_VMX_ENLIGHTENED_CLEAN_FIELD_CONTROL_XLAT, 0)                     \
    X(0x00002812, GuestBndcfgs, 8, HV_VMX_ENLIGHTENED_CLEAN_FIELD_GUEST_GRP1, 0)                  \
    X(0x0000202c, XssExitingBitmap, 8, HV_VMX_ENLIGHTENED_CLEAN_FIELD_CONTROL_GRP2, 0)            \
    X(0x0000202e, EnclsExitingBitmap, 8, HV_VMX_ENLIGHTENED_CLEAN_FIELD_CONTROL_GRP2, 0)          \
    X(0x00002400, ExitEptFaultGpa, 8, HV_VMX_ENLIGHTENED_CLEAN_FIELD_NONE, 1)                     \
    X(0x00004400, ExitInstructionError, 4, HV_VMX_ENLIGHTENED_CLEAN_FIELD_NONE, 1)                \
    X(0x00004402, ExitReason, 4, HV_VMX_ENLIGHTENED_CLEAN_FIELD_NONE, 1)                          \
    X(0x00004404, ExitInterruptionInfo, 4, HV_VMX_ENLIGHTENED_CLEAN_FIELD_NONE, 1)                \
    X(0x00004406, ExitExceptionErrorCode, 4, HV_VMX_ENLIGHTENED_CLEAN_FIELD_NONE, 1)              \
    X(0x00004408, ExitIdtVectoringInfo, 4, HV_VMX_ENLIGHTENED_CLEAN_FIELD_NONE, 1)                \
    X(0x0000440a, ExitIdtVectoringErrorCode, 4, HV_VMX_ENLIGHTENED_CLEAN_FIELD_NONE, 1)           \
    X(0x0000440c, ExitInstructionLength, 4, HV_VMX_ENLIGHTENED_CLEAN_FIELD_NONE, 1)               \
    X(0x0000440e, ExitInstructionInfo, 4, HV_VMX_ENLIGHTENED_CLEAN_FIELD_NONE, 1)                 \
    X(0x00006400, ExitQualification, 8, HV_VMX_ENLIGHTENED_CLEAN_FIELD_NONE, 1)                   \
    X(0x00006402, ExitIoInstructionEcx, 8, HV_VMX_ENLIGHTENED_CLEAN_FIELD_NONE, 1)                \
    X(0x00006404, ExitIoInstructionEsi, 8, HV_VMX_ENLIGHTENED_CLEAN_FIELD_NONE, 1)                \
    X(0x00006406, ExitIoInstructionEdi, 8, HV_VMX_ENLIGHTENED_CLEAN_FIELD_NONE, 1)                \
    X(0x00006408, ExitIoInstructionEip, 8, HV_VMX_ENLIGHTENED_CLEAN_FIELD_NONE, 1)                \
    X(0x0000640a, GuestLinearAddress, 8, HV_VMX_ENLIGHTENED_CLEAN_FIELD_NONE, 1)

/* Every field of the table has the size the table gives it. */
#define HV_VMX_EVMCS_ASSERT_FIELD_SIZE_(encoding, field, size, clean, ro)    \
    HV_STATIC_ASSERT(HV_MEMBER_SIZE(HV_VMX_ENLIGHTENED_VMCS, field) == (size), \
                     hv_evmcs_field_size_##field);
HV_VMX_ENLIGHTENED_VMCS_FIELD_LIST(HV_VMX_EVMCS_ASSERT_FIELD_SIZE_)
#undef HV_VMX_EVMCS_ASSERT_FIELD_SIZE_

/* ---- 16.8 Direct virtual flush ------------------------------------------ */
/* Partition assist page: a page-aligned, page-sized, zeroed region whose
 * GPA goes in the enlightened VMCS field PartitionAssistPage. */
typedef struct VM_PARTITION_ASSIST_PAGE {
    uint32_t TlbLockCount;
} VM_PARTITION_ASSIST_PAGE;
HV_ASSERT_SIZE(VM_PARTITION_ASSIST_PAGE, 4);
#define HV_PARTITION_ASSIST_PAGE_SIZE HV_PAGE_SIZE

/* Synthetic VM-exit delivered after a direct flush when TlbLockCount != 0. */
#define HV_VMX_SYNTHETIC_EXIT_REASON_TRAP_AFTER_FLUSH 0x10000031

#endif /* HYPERV_HV_NESTED_H */
