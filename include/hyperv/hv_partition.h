/*
 * hv_partition.h - partition properties (TLFS v6.0b chapter 4, 14.2).
 *
 * The partition privilege mask (4.2.2, the HvPartitionPropertyPrivilegeFlags
 * property, also reported in CPUID leaf 0x40000003 EAX:EBX) and the
 * scheduler's per-partition CPU reserve, cap and weight (14.2).
 *
 * Partition IDs are in hv_types.h.  The TLFS v6.0b gives no numeric values
 * for partition property codes (HvPartitionProperty...) nor any logical
 * processor property layouts, so none are defined here.
 */
#ifndef HYPERV_HV_PARTITION_H
#define HYPERV_HV_PARTITION_H

#include "hv_types.h"

/* ---- 4.2.2 Partition privilege flags ------------------------------------ */

typedef union HV_PARTITION_PRIVILEGE_MASK {
    uint64_t AsUINT64;
    struct {
        /* Access to virtual MSRs */
        uint64_t AccessVpRunTimeReg : 1;
        uint64_t AccessPartitionReferenceCounter : 1;
        uint64_t AccessSynicRegs : 1;
        uint64_t AccessSyntheticTimerRegs : 1;
        uint64_t AccessIntrCtrlRegs : 1;
        uint64_t AccessHypercallMsrs : 1;
        uint64_t AccessVpIndex : 1;
        uint64_t AccessResetReg : 1;
        uint64_t AccessStatsReg : 1;
        uint64_t AccessPartitionReferenceTsc : 1;
        uint64_t AccessGuestIdleReg : 1;
        uint64_t AccessFrequencyRegs : 1;
        uint64_t AccessDebugRegs : 1;
        uint64_t AccessReenlightenmentControls : 1;
        uint64_t Reserved1 : 18;
        /* Access to hypercalls */
        uint64_t CreatePartitions : 1;
        uint64_t AccessPartitionId : 1;
        uint64_t AccessMemoryPool : 1;
        uint64_t Reserved35 : 1;
        uint64_t PostMessages : 1;
        uint64_t SignalEvents : 1;
        uint64_t CreatePort : 1;
        uint64_t ConnectPort : 1;
        uint64_t AccessStats : 1;
        uint64_t Reserved2 : 2;
        uint64_t Debugging : 1;
        uint64_t CpuManagement : 1;
        uint64_t Reserved45 : 1;
        uint64_t Reserved46 : 1;
        uint64_t Reserved47 : 1;
        uint64_t AccessVSM : 1;
        uint64_t AccessVpRegisters : 1;
        uint64_t Reserved50 : 1;
        uint64_t Reserved51 : 1;
        uint64_t EnableExtendedHypercalls : 1;
        uint64_t StartVirtualProcessor : 1;
        uint64_t Reserved3 : 10;
    } Bits;
} HV_PARTITION_PRIVILEGE_MASK;
HV_ASSERT_SIZE(HV_PARTITION_PRIVILEGE_MASK, 8);

/* The same flags as bit masks of the 64-bit mask. */
#define HV_PARTITION_PRIVILEGE_ACCESS_VP_RUN_TIME_REG HV_BIT64(0)
#define HV_PARTITION_PRIVILEGE_ACCESS_PARTITION_REFERENCE_COUNTER HV_BIT64(1)
#define HV_PARTITION_PRIVILEGE_ACCESS_SYNIC_REGS HV_BIT64(2)
#define HV_PARTITION_PRIVILEGE_ACCESS_SYNTHETIC_TIMER_REGS HV_BIT64(3)
#define HV_PARTITION_PRIVILEGE_ACCESS_INTR_CTRL_REGS HV_BIT64(4)
#define HV_PARTITION_PRIVILEGE_ACCESS_HYPERCALL_MSRS HV_BIT64(5)
#define HV_PARTITION_PRIVILEGE_ACCESS_VP_INDEX HV_BIT64(6)
#define HV_PARTITION_PRIVILEGE_ACCESS_RESET_REG HV_BIT64(7)
#define HV_PARTITION_PRIVILEGE_ACCESS_STATS_REG HV_BIT64(8)
#define HV_PARTITION_PRIVILEGE_ACCESS_PARTITION_REFERENCE_TSC HV_BIT64(9)
#define HV_PARTITION_PRIVILEGE_ACCESS_GUEST_IDLE_REG HV_BIT64(10)
#define HV_PARTITION_PRIVILEGE_ACCESS_FREQUENCY_REGS HV_BIT64(11)
#define HV_PARTITION_PRIVILEGE_ACCESS_DEBUG_REGS HV_BIT64(12)
#define HV_PARTITION_PRIVILEGE_ACCESS_REENLIGHTENMENT_CONTROLS HV_BIT64(13)
#define HV_PARTITION_PRIVILEGE_CREATE_PARTITIONS HV_BIT64(32)
#define HV_PARTITION_PRIVILEGE_ACCESS_PARTITION_ID HV_BIT64(33)
#define HV_PARTITION_PRIVILEGE_ACCESS_MEMORY_POOL HV_BIT64(34)
#define HV_PARTITION_PRIVILEGE_POST_MESSAGES HV_BIT64(36)
#define HV_PARTITION_PRIVILEGE_SIGNAL_EVENTS HV_BIT64(37)
#define HV_PARTITION_PRIVILEGE_CREATE_PORT HV_BIT64(38)
#define HV_PARTITION_PRIVILEGE_CONNECT_PORT HV_BIT64(39)
#define HV_PARTITION_PRIVILEGE_ACCESS_STATS HV_BIT64(40)
#define HV_PARTITION_PRIVILEGE_DEBUGGING HV_BIT64(43)
#define HV_PARTITION_PRIVILEGE_CPU_MANAGEMENT HV_BIT64(44)
#define HV_PARTITION_PRIVILEGE_ACCESS_VSM HV_BIT64(48)
#define HV_PARTITION_PRIVILEGE_ACCESS_VP_REGISTERS HV_BIT64(49)
#define HV_PARTITION_PRIVILEGE_ENABLE_EXTENDED_HYPERCALLS HV_BIT64(52)
#define HV_PARTITION_PRIVILEGE_START_VIRTUAL_PROCESSOR HV_BIT64(53)

/* Every bit the TLFS v6.0b defines; the rest are reserved (set to 0). */
#define HV_PARTITION_PRIVILEGE_DEFINED_MASK HV_UINT64_C(0x003319F700003FFF)

/* CPUID 0x40000003 reports the mask: EAX = bits 31:0, EBX = bits 63:32. */
static HV_INLINE uint64_t hv_partition_privileges_from_cpuid(uint32_t eax,
                                                             uint32_t ebx)
{
    return (HV_CAST(uint64_t, ebx) << 32) | eax;
}

/* ---- 14.2 Scheduling policy settings ------------------------------------ */
/*
 * CPU reserve and cap are fractions of one logical processor expressed as
 * integers from 0x00000000 (0) to 0x00010000 (1); e.g. 0x0000C000 is 75%.
 * The default reserve is 0 (none) and the default cap 0x00010000 (no cap).
 * CPU weight is a relative weight from 1 to 10000, 100 by default.
 */
#define HV_CPU_FRACTION_ONE 0x00010000u
#define HV_CPU_RESERVE_DEFAULT 0x00000000u
#define HV_CPU_CAP_DEFAULT HV_CPU_FRACTION_ONE
#define HV_CPU_WEIGHT_MIN 1u
#define HV_CPU_WEIGHT_MAX 10000u
#define HV_CPU_WEIGHT_DEFAULT 100u

#endif /* HYPERV_HV_PARTITION_H */
