/*
 * hv_cpuid.h - hypervisor CPUID leaves (TLFS v6.0b chapter 2).
 *
 * Leaf numbers, the vendor and interface signatures, and the meaning of
 * every bit of leaves 0x40000000-0x4000000A, as bit masks
 * (HV_CPUID_<LEAF>_<REG>_<FLAG>) and as register layouts
 * (HV_CPUID_<LEAF>_<REG> unions with a Bits member).  Macro names are the
 * TLFS's flag names where it gives one (e.g. SintPollingModeAvailable ->
 * ..._SINT_POLLING_MODE_AVAILABLE), otherwise short forms of the TLFS's
 * description, which the comment beside each one quotes.
 */
#ifndef HYPERV_HV_CPUID_H
#define HYPERV_HV_CPUID_H

#include "hv_types.h"

/* ---- 2.2 Hypervisor discovery ------------------------------------------- */

#define HV_CPUID_PROCESSOR_INFO_LEAF 0x00000001 /* standard leaf 1 */
#define HV_CPUID_HYPERVISOR_PRESENT_ECX_BIT 31  /* CPUID.01h.ECX:31 */
#define HV_CPUID_HYPERVISOR_PRESENT HV_BIT32(31)

/* ---- 2.3, 2.4 Leaf numbers ---------------------------------------------- */

#define HV_CPUID_LEAF_RANGE 0x40000000                  /* 2.4.1 */
#define HV_CPUID_INTERFACE_IDENTIFICATION 0x40000001    /* 2.4.2 */
#define HV_CPUID_SYSTEM_IDENTITY 0x40000002             /* 2.4.3 */
#define HV_CPUID_FEATURE_IDENTIFICATION 0x40000003      /* 2.4.4 */
#define HV_CPUID_IMPLEMENTATION_RECOMMENDATIONS 0x40000004 /* 2.4.5 */
#define HV_CPUID_IMPLEMENTATION_LIMITS 0x40000005       /* 2.4.6 */
#define HV_CPUID_HARDWARE_FEATURES 0x40000006           /* 2.4.7 */
#define HV_CPUID_CPU_MANAGEMENT_FEATURES 0x40000007     /* 2.4.8 */
#define HV_CPUID_SVM_FEATURES 0x40000008                /* 2.4.9 */
#define HV_CPUID_NESTED_HYPERVISOR_FEATURES 0x40000009  /* 2.4.10 */
#define HV_CPUID_NESTED_VIRTUALIZATION_FEATURES 0x4000000A /* 2.4.11 */

#define HV_CPUID_LEAF_FIRST 0x40000000
#define HV_CPUID_LEAF_LAST 0x400000FF /* range governed by the interface */
/* On Microsoft hypervisors leaf 0x40000000 EAX is at least this. */
#define HV_CPUID_MIN_MAX_LEAF 0x40000005

/* One CPUID result. */
typedef struct HV_CPUID_RESULT {
    uint32_t Eax;
    uint32_t Ebx;
    uint32_t Ecx;
    uint32_t Edx;
} HV_CPUID_RESULT;
HV_ASSERT_SIZE(HV_CPUID_RESULT, 16);

/* ---- 0x40000000 Hypervisor CPUID leaf range (2.4.1) --------------------- */
/* EAX: maximum hypervisor leaf.  EBX:ECX:EDX: vendor ID "Microsoft Hv". */
#define HV_CPUID_VENDOR_MICROSOFT_EBX 0x7263694Du /* "Micr" */
#define HV_CPUID_VENDOR_MICROSOFT_ECX 0x666F736Fu /* "osof" */
#define HV_CPUID_VENDOR_MICROSOFT_EDX 0x76482074u /* "t Hv" */
#define HV_CPUID_VENDOR_MICROSOFT "Microsoft Hv"
#define HV_CPUID_VENDOR_LENGTH 12

/* ---- 0x40000001 Vendor-neutral interface identification (2.4.2) --------- */
#define HV_CPUID_INTERFACE_HV1 0x31237648u /* EAX = "Hv#1" */
#define HV_CPUID_INTERFACE_HV1_STRING "Hv#1"

/* ---- 0x40000002 Hypervisor system identity (2.4.3) ---------------------- */
/* Zero until the guest OS identity MSR is written (2.6). */
typedef union HV_CPUID_SYSTEM_IDENTITY_EBX {
    uint32_t AsUINT32;
    struct {
        uint32_t MinorVersion : 16;
        uint32_t MajorVersion : 16;
    } Bits;
} HV_CPUID_SYSTEM_IDENTITY_EBX;
HV_ASSERT_SIZE(HV_CPUID_SYSTEM_IDENTITY_EBX, 4);

typedef union HV_CPUID_SYSTEM_IDENTITY_EDX {
    uint32_t AsUINT32;
    struct {
        uint32_t ServiceNumber : 24;
        uint32_t ServiceBranch : 8;
    } Bits;
} HV_CPUID_SYSTEM_IDENTITY_EDX;
HV_ASSERT_SIZE(HV_CPUID_SYSTEM_IDENTITY_EDX, 4);

/* EAX = build number, EBX = major.minor, ECX = service pack,
 * EDX = service branch (31:24) and service number (23:0). */
typedef struct HV_CPUID_SYSTEM_IDENTITY_RESULT {
    uint32_t BuildNumber;
    HV_CPUID_SYSTEM_IDENTITY_EBX Version;
    uint32_t ServicePack;
    HV_CPUID_SYSTEM_IDENTITY_EDX Service;
} HV_CPUID_SYSTEM_IDENTITY_RESULT;
HV_ASSERT_SIZE(HV_CPUID_SYSTEM_IDENTITY_RESULT, 16);

/* ---- 0x40000003 Hypervisor feature identification (2.4.4) --------------- */
/* EAX = HV_PARTITION_PRIVILEGE_MASK bits 31:0, EBX = bits 63:32 (see
 * hv_partition.h); ECX reserved; EDX: */
#define HV_CPUID_FEATURES_EDX_MWAIT_AVAILABLE_DEPRECATED HV_BIT32(0)
#define HV_CPUID_FEATURES_EDX_GUEST_DEBUGGING_AVAILABLE HV_BIT32(1)
#define HV_CPUID_FEATURES_EDX_PERFORMANCE_MONITOR_AVAILABLE HV_BIT32(2)
/* "physical CPU dynamic partitioning events" */
#define HV_CPUID_FEATURES_EDX_CPU_DYNAMIC_PARTITIONING_AVAILABLE HV_BIT32(3)
/* "passing hypercall input parameter block via XMM registers" */
#define HV_CPUID_FEATURES_EDX_XMM_REGISTERS_FOR_FAST_HYPERCALL_AVAILABLE       \
    HV_BIT32(4)
#define HV_CPUID_FEATURES_EDX_GUEST_IDLE_AVAILABLE HV_BIT32(5)
#define HV_CPUID_FEATURES_EDX_HYPERVISOR_SLEEP_STATE_AVAILABLE HV_BIT32(6)
#define HV_CPUID_FEATURES_EDX_NUMA_DISTANCE_QUERY_AVAILABLE HV_BIT32(7)
#define HV_CPUID_FEATURES_EDX_TIMER_FREQUENCIES_AVAILABLE HV_BIT32(8)
#define HV_CPUID_FEATURES_EDX_SYNTHETIC_MACHINE_CHECK_AVAILABLE HV_BIT32(9)
/* "guest crash MSRs" - called GuestCrashMsrsAvailable in 4.3 */
#define HV_CPUID_FEATURES_EDX_GUEST_CRASH_MSRS_AVAILABLE HV_BIT32(10)
#define HV_CPUID_FEATURES_EDX_DEBUG_MSRS_AVAILABLE HV_BIT32(11)
#define HV_CPUID_FEATURES_EDX_NPIEP_AVAILABLE HV_BIT32(12)
#define HV_CPUID_FEATURES_EDX_DISABLE_HYPERVISOR_AVAILABLE HV_BIT32(13)
#define HV_CPUID_FEATURES_EDX_EXTENDED_GVA_RANGES_FOR_FLUSH_VIRTUAL_ADDRESS_LIST_AVAILABLE \
    HV_BIT32(14)
/* "returning hypercall output via XMM registers" */
#define HV_CPUID_FEATURES_EDX_FAST_HYPERCALL_OUTPUT_AVAILABLE HV_BIT32(15)
#define HV_CPUID_FEATURES_EDX_SINT_POLLING_MODE_AVAILABLE HV_BIT32(17)
#define HV_CPUID_FEATURES_EDX_HYPERCALL_MSR_LOCK_AVAILABLE HV_BIT32(18)
/* "Use direct synthetic timers" */
#define HV_CPUID_FEATURES_EDX_DIRECT_SYNTHETIC_TIMERS HV_BIT32(19)
/* "PAT register available for VSM" */
#define HV_CPUID_FEATURES_EDX_VSM_PAT_AVAILABLE HV_BIT32(20)
/* "bndcfgs register available for VSM" */
#define HV_CPUID_FEATURES_EDX_VSM_BNDCFGS_AVAILABLE HV_BIT32(21)
/* "synthetic time unhalted timer" */
#define HV_CPUID_FEATURES_EDX_SYNTHETIC_TIME_UNHALTED_TIMER_AVAILABLE         \
    HV_BIT32(23)
/* "Intel's Last Branch Record (LBR) feature" */
#define HV_CPUID_FEATURES_EDX_LBR_AVAILABLE HV_BIT32(26)

typedef union HV_CPUID_FEATURES_EDX {
    uint32_t AsUINT32;
    struct {
        uint32_t MwaitAvailableDeprecated : 1;
        uint32_t GuestDebuggingAvailable : 1;
        uint32_t PerformanceMonitorAvailable : 1;
        uint32_t CpuDynamicPartitioningAvailable : 1;
        uint32_t XmmRegistersForFastHypercallAvailable : 1;
        uint32_t GuestIdleAvailable : 1;
        uint32_t HypervisorSleepStateAvailable : 1;
        uint32_t NumaDistanceQueryAvailable : 1;
        uint32_t TimerFrequenciesAvailable : 1;
        uint32_t SyntheticMachineCheckAvailable : 1;
        uint32_t GuestCrashMsrsAvailable : 1;
        uint32_t DebugMsrsAvailable : 1;
        uint32_t NpiepAvailable : 1;
        uint32_t DisableHypervisorAvailable : 1;
        uint32_t ExtendedGvaRangesForFlushVirtualAddressListAvailable : 1;
        uint32_t FastHypercallOutputAvailable : 1;
        uint32_t Reserved16 : 1;
        uint32_t SintPollingModeAvailable : 1;
        uint32_t HypercallMsrLockAvailable : 1;
        uint32_t DirectSyntheticTimers : 1;
        uint32_t VsmPatAvailable : 1;
        uint32_t VsmBndcfgsAvailable : 1;
        uint32_t Reserved22 : 1;
        uint32_t SyntheticTimeUnhaltedTimerAvailable : 1;
        uint32_t Reserved24 : 2;
        uint32_t LbrAvailable : 1;
        uint32_t Reserved27 : 5;
    } Bits;
} HV_CPUID_FEATURES_EDX;
HV_ASSERT_SIZE(HV_CPUID_FEATURES_EDX, 4);

/* ---- 0x40000004 Implementation recommendations (2.4.5) ------------------ */
/* EAX */
#define HV_CPUID_RECOMMEND_EAX_USE_HYPERCALL_FOR_ADDRESS_SPACE_SWITCH HV_BIT32(0)
#define HV_CPUID_RECOMMEND_EAX_USE_HYPERCALL_FOR_LOCAL_FLUSH HV_BIT32(1)
/* 9.1.3 calls it UseHypercallForRemoteFlushAndLocalFlushEntire */
#define HV_CPUID_RECOMMEND_EAX_USE_HYPERCALL_FOR_REMOTE_FLUSH HV_BIT32(2)
/* "using MSRs for accessing APIC registers EOI, ICR and TPR" */
#define HV_CPUID_RECOMMEND_EAX_USE_APIC_MSRS HV_BIT32(3)
/* "using the hypervisor-provided MSR to initiate a system RESET" */
#define HV_CPUID_RECOMMEND_EAX_USE_RESET_MSR HV_BIT32(4)
#define HV_CPUID_RECOMMEND_EAX_USE_RELAXED_TIMING HV_BIT32(5)
#define HV_CPUID_RECOMMEND_EAX_USE_DMA_REMAPPING HV_BIT32(6)
#define HV_CPUID_RECOMMEND_EAX_USE_INTERRUPT_REMAPPING HV_BIT32(7)
#define HV_CPUID_RECOMMEND_EAX_DEPRECATE_AUTO_EOI HV_BIT32(9)
#define HV_CPUID_RECOMMEND_EAX_USE_SYNTHETIC_CLUSTER_IPI HV_BIT32(10)
/* "using the newer ExProcessorMasks interface" */
#define HV_CPUID_RECOMMEND_EAX_USE_EX_PROCESSOR_MASKS HV_BIT32(11)
/* "the hypervisor is nested within a Hyper-V partition" */
#define HV_CPUID_RECOMMEND_EAX_NESTED HV_BIT32(12)
#define HV_CPUID_RECOMMEND_EAX_USE_INT_FOR_MBEC_SYSTEM_CALLS HV_BIT32(13)
/* "a nested hypervisor using the enlightened VMCS interface" */
#define HV_CPUID_RECOMMEND_EAX_USE_VMCS_ENLIGHTENMENTS HV_BIT32(14)
#define HV_CPUID_RECOMMEND_EAX_USE_SYNCED_TIMELINE HV_BIT32(15)
#define HV_CPUID_RECOMMEND_EAX_USE_DIRECT_LOCAL_FLUSH_ENTIRE HV_BIT32(17)
#define HV_CPUID_RECOMMEND_EAX_NO_NON_ARCHITECTURAL_CORE_SHARING HV_BIT32(18)

typedef union HV_CPUID_RECOMMENDATIONS_EAX {
    uint32_t AsUINT32;
    struct {
        uint32_t UseHypercallForAddressSpaceSwitch : 1;
        uint32_t UseHypercallForLocalFlush : 1;
        uint32_t UseHypercallForRemoteFlush : 1;
        uint32_t UseApicMsrs : 1;
        uint32_t UseResetMsr : 1;
        uint32_t UseRelaxedTiming : 1;
        uint32_t UseDmaRemapping : 1;
        uint32_t UseInterruptRemapping : 1;
        uint32_t Reserved8 : 1;
        uint32_t DeprecateAutoEoi : 1;
        uint32_t UseSyntheticClusterIpi : 1;
        uint32_t UseExProcessorMasks : 1;
        uint32_t Nested : 1;
        uint32_t UseIntForMbecSystemCalls : 1;
        uint32_t UseVmcsEnlightenments : 1;
        uint32_t UseSyncedTimeline : 1;
        uint32_t Reserved16 : 1;
        uint32_t UseDirectLocalFlushEntire : 1;
        uint32_t NoNonArchitecturalCoreSharing : 1;
        uint32_t Reserved19 : 13;
    } Bits;
} HV_CPUID_RECOMMENDATIONS_EAX;
HV_ASSERT_SIZE(HV_CPUID_RECOMMENDATIONS_EAX, 4);

/* EBX: spinlock retries before notifying the hypervisor (14.3.1);
 * 0xFFFFFFFF means never notify. */
#define HV_CPUID_RECOMMEND_EBX_NEVER_NOTIFY_LONG_SPIN_WAIT 0xFFFFFFFFu

/* ECX bits 6:0: ImplementedPhysicalAddressBits (MAXPHYADDR, the number of
 * bits; 0 if not supported). */
#define HV_CPUID_RECOMMEND_ECX_IMPLEMENTED_PHYSICAL_ADDRESS_BITS_MASK 0x7Fu

typedef union HV_CPUID_RECOMMENDATIONS_ECX {
    uint32_t AsUINT32;
    struct {
        uint32_t ImplementedPhysicalAddressBits : 7;
        uint32_t Reserved : 25;
    } Bits;
} HV_CPUID_RECOMMENDATIONS_ECX;
HV_ASSERT_SIZE(HV_CPUID_RECOMMENDATIONS_ECX, 4);

/* ---- 0x40000005 Implementation limits (2.4.6) --------------------------- */
/* Zero means "not exposed". */
typedef struct HV_CPUID_IMPLEMENTATION_LIMITS_RESULT {
    uint32_t MaxVirtualProcessorCount;        /* EAX */
    uint32_t MaxLogicalProcessorCount;        /* EBX */
    uint32_t MaxInterruptRemappingVectorCount; /* ECX: physical interrupt
                                                  vectors for remapping */
    uint32_t Reserved;                        /* EDX */
} HV_CPUID_IMPLEMENTATION_LIMITS_RESULT;
HV_ASSERT_SIZE(HV_CPUID_IMPLEMENTATION_LIMITS_RESULT, 16);

/* ---- 0x40000006 Implementation hardware features (2.4.7) ---------------- */
/* EAX: features detected and in use. */
#define HV_CPUID_HARDWARE_EAX_APIC_OVERLAY_ASSIST_IN_USE HV_BIT32(0)
#define HV_CPUID_HARDWARE_EAX_MSR_BITMAPS_IN_USE HV_BIT32(1)
#define HV_CPUID_HARDWARE_EAX_ARCHITECTURAL_PERFORMANCE_COUNTERS_IN_USE HV_BIT32(2)
#define HV_CPUID_HARDWARE_EAX_SECOND_LEVEL_ADDRESS_TRANSLATION_IN_USE HV_BIT32(3)
#define HV_CPUID_HARDWARE_EAX_DMA_REMAPPING_IN_USE HV_BIT32(4)
#define HV_CPUID_HARDWARE_EAX_INTERRUPT_REMAPPING_IN_USE HV_BIT32(5)
#define HV_CPUID_HARDWARE_EAX_MEMORY_PATROL_SCRUBBER_PRESENT HV_BIT32(6)
#define HV_CPUID_HARDWARE_EAX_DMA_PROTECTION_IN_USE HV_BIT32(7)
#define HV_CPUID_HARDWARE_EAX_HPET_REQUESTED HV_BIT32(8)
#define HV_CPUID_HARDWARE_EAX_SYNTHETIC_TIMERS_VOLATILE HV_BIT32(9)

typedef union HV_CPUID_HARDWARE_FEATURES_EAX {
    uint32_t AsUINT32;
    struct {
        uint32_t ApicOverlayAssistInUse : 1;
        uint32_t MsrBitmapsInUse : 1;
        uint32_t ArchitecturalPerformanceCountersInUse : 1;
        uint32_t SecondLevelAddressTranslationInUse : 1;
        uint32_t DmaRemappingInUse : 1;
        uint32_t InterruptRemappingInUse : 1;
        uint32_t MemoryPatrolScrubberPresent : 1;
        uint32_t DmaProtectionInUse : 1;
        uint32_t HpetRequested : 1;
        uint32_t SyntheticTimersVolatile : 1;
        uint32_t Reserved : 22;
    } Bits;
} HV_CPUID_HARDWARE_FEATURES_EAX;
HV_ASSERT_SIZE(HV_CPUID_HARDWARE_FEATURES_EAX, 4);

/* ---- 0x40000007 CPU management features (2.4.8, root partition only) ---- */
#define HV_CPUID_CPU_MANAGEMENT_EAX_START_LOGICAL_PROCESSOR HV_BIT32(0)
#define HV_CPUID_CPU_MANAGEMENT_EAX_CREATE_ROOT_VIRTUAL_PROCESSOR HV_BIT32(1)
#define HV_CPUID_CPU_MANAGEMENT_EAX_PERFORMANCE_COUNTER_SYNC HV_BIT32(2)
#define HV_CPUID_CPU_MANAGEMENT_EAX_RESERVED_IDENTITY_BIT HV_BIT32(31)
#define HV_CPUID_CPU_MANAGEMENT_EBX_PROCESSOR_POWER_MANAGEMENT HV_BIT32(0)
#define HV_CPUID_CPU_MANAGEMENT_EBX_MWAIT_IDLE_STATES HV_BIT32(1)
#define HV_CPUID_CPU_MANAGEMENT_EBX_LOGICAL_PROCESSOR_IDLING HV_BIT32(2)
#define HV_CPUID_CPU_MANAGEMENT_ECX_REMAP_GUEST_UNCACHED HV_BIT32(0)

typedef union HV_CPUID_CPU_MANAGEMENT_EAX {
    uint32_t AsUINT32;
    struct {
        uint32_t StartLogicalProcessor : 1;
        uint32_t CreateRootVirtualProcessor : 1;
        uint32_t PerformanceCounterSync : 1;
        uint32_t Reserved : 28;
        uint32_t ReservedIdentityBit : 1;
    } Bits;
} HV_CPUID_CPU_MANAGEMENT_EAX;
HV_ASSERT_SIZE(HV_CPUID_CPU_MANAGEMENT_EAX, 4);

typedef union HV_CPUID_CPU_MANAGEMENT_EBX {
    uint32_t AsUINT32;
    struct {
        uint32_t ProcessorPowerManagement : 1;
        uint32_t MwaitIdleStates : 1;
        uint32_t LogicalProcessorIdling : 1;
        uint32_t Reserved : 29;
    } Bits;
} HV_CPUID_CPU_MANAGEMENT_EBX;
HV_ASSERT_SIZE(HV_CPUID_CPU_MANAGEMENT_EBX, 4);

/* ---- 0x40000008 SVM (shared virtual memory) features (2.4.9) ------------ */
#define HV_CPUID_SVM_EAX_SVM_SUPPORTED HV_BIT32(0)
#define HV_CPUID_SVM_EAX_MAX_PASID_SPACE_PASID_COUNT_SHIFT 11

typedef union HV_CPUID_SVM_FEATURES_EAX {
    uint32_t AsUINT32;
    struct {
        uint32_t SvmSupported : 1;
        uint32_t Reserved0 : 10;
        uint32_t MaxPasidSpacePasidCount : 21;
    } Bits;
} HV_CPUID_SVM_FEATURES_EAX;
HV_ASSERT_SIZE(HV_CPUID_SVM_FEATURES_EAX, 4);

/* ---- 0x40000009 Nested hypervisor feature identification (2.4.10) ------- */
/* EAX: access to virtual MSRs (same positions as the privilege mask). */
#define HV_CPUID_NESTED_EAX_ACCESS_SYNIC_REGS HV_BIT32(2)
#define HV_CPUID_NESTED_EAX_ACCESS_INTR_CTRL_REGS HV_BIT32(4)
#define HV_CPUID_NESTED_EAX_ACCESS_HYPERCALL_MSRS HV_BIT32(5)
#define HV_CPUID_NESTED_EAX_ACCESS_VP_INDEX HV_BIT32(6)
#define HV_CPUID_NESTED_EAX_ACCESS_REENLIGHTENMENT_CONTROLS HV_BIT32(12)
/* EDX: access to hypercalls. */
#define HV_CPUID_NESTED_EDX_XMM_REGISTERS_FOR_FAST_HYPERCALL_AVAILABLE HV_BIT32(4)
#define HV_CPUID_NESTED_EDX_FAST_HYPERCALL_OUTPUT_AVAILABLE HV_BIT32(15)
#define HV_CPUID_NESTED_EDX_SINT_POLLING_MODE_AVAILABLE HV_BIT32(17)

typedef union HV_CPUID_NESTED_FEATURES_EAX {
    uint32_t AsUINT32;
    struct {
        uint32_t Reserved0 : 2;
        uint32_t AccessSynicRegs : 1;
        uint32_t Reserved3 : 1;
        uint32_t AccessIntrCtrlRegs : 1;
        uint32_t AccessHypercallMsrs : 1;
        uint32_t AccessVpIndex : 1;
        uint32_t Reserved7 : 5;
        uint32_t AccessReenlightenmentControls : 1;
        uint32_t Reserved13 : 19;
    } Bits;
} HV_CPUID_NESTED_FEATURES_EAX;
HV_ASSERT_SIZE(HV_CPUID_NESTED_FEATURES_EAX, 4);

typedef union HV_CPUID_NESTED_FEATURES_EDX {
    uint32_t AsUINT32;
    struct {
        uint32_t Reserved0 : 4;
        uint32_t XmmRegistersForFastHypercallAvailable : 1;
        uint32_t Reserved5 : 10;
        uint32_t FastHypercallOutputAvailable : 1;
        uint32_t Reserved16 : 1;
        uint32_t SintPollingModeAvailable : 1;
        uint32_t Reserved18 : 14;
    } Bits;
} HV_CPUID_NESTED_FEATURES_EDX;
HV_ASSERT_SIZE(HV_CPUID_NESTED_FEATURES_EDX, 4);

/* ---- 0x4000000A Nested virtualization features (2.4.11) ----------------- */
#define HV_CPUID_NESTED_VIRT_EAX_ENLIGHTENED_VMCS_VERSION_LOW_MASK 0xFFu
#define HV_CPUID_NESTED_VIRT_EAX_ENLIGHTENED_VMCS_VERSION_HIGH_SHIFT 8
#define HV_CPUID_NESTED_VIRT_EAX_DIRECT_VIRTUAL_FLUSH HV_BIT32(17)
/* "HvFlushGuestPhysicalAddressSpace and HvFlushGuestPhysicalAddressList" */
#define HV_CPUID_NESTED_VIRT_EAX_FLUSH_GUEST_PHYSICAL_HYPERCALLS HV_BIT32(18)
#define HV_CPUID_NESTED_VIRT_EAX_ENLIGHTENED_MSR_BITMAP HV_BIT32(19)
/* "combining virtualization exceptions in the page fault exception class" */
#define HV_CPUID_NESTED_VIRT_EAX_VIRTUALIZATION_EXCEPTION_IN_PAGE_FAULT HV_BIT32(20)

typedef union HV_CPUID_NESTED_VIRTUALIZATION_EAX {
    uint32_t AsUINT32;
    struct {
        uint32_t EnlightenedVmcsVersionLow : 8;
        uint32_t EnlightenedVmcsVersionHigh : 8;
        uint32_t Reserved16 : 1;
        uint32_t DirectVirtualFlush : 1;
        uint32_t FlushGuestPhysicalHypercalls : 1;
        uint32_t EnlightenedMsrBitmap : 1;
        uint32_t VirtualizationExceptionInPageFault : 1;
        uint32_t Reserved21 : 11;
    } Bits;
} HV_CPUID_NESTED_VIRTUALIZATION_EAX;
HV_ASSERT_SIZE(HV_CPUID_NESTED_VIRTUALIZATION_EAX, 4);

#endif /* HYPERV_HV_CPUID_H */
