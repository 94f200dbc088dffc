/*
 * hv_registers.h - virtual processor register names and values
 * (TLFS v6.0b 7.7 - 7.9, 8.12, 15.13.4).
 *
 * HV_REGISTER_NAME values for HvCallGetVpRegisters / HvCallSetVpRegisters
 * (every name of 7.8.2 plus the secure register intercept registers of
 * 15.13.4), the 128-bit HV_REGISTER_VALUE, and the register formats of 7.9:
 * interrupt state, pending interruption, floating-point and vector,
 * segment and table registers, and synthetic machine checks (7.7, 7.8.4 -
 * 7.8.6).  The VSM register layouts are in hv_vsm.h.
 *
 * 7.8.3 also lists HV_EXPLICIT_SUSPEND_REGISTER,
 * HV_INTERCEPT_SUSPEND_REGISTER and HV_X64_PENDING_EXCEPTION_EVENT as
 * members of HV_REGISTER_VALUE without defining them; they are left out.
 */
#ifndef HYPERV_HV_REGISTERS_H
#define HYPERV_HV_REGISTERS_H

#include "hv_types.h"
#include "hv_msr.h"

/* ---- 7.8.2 Virtual processor register names ----------------------------- */

typedef uint32_t HV_REGISTER_NAME;

enum HV_REGISTER_NAME_ENUM {
    /* Suspend Registers */
    HvRegisterExplicitSuspend                = 0x00000000,
    HvRegisterInterceptSuspend               = 0x00000001,
    /* Version */
    /* 128-bit result same as CPUID 0x40000002 */
    HvRegisterHypervisorVersion              = 0x00000100,
    /* Feature Access (registers are 128 bits) */
    /* 128-bit result same as CPUID 0x40000003 */
    HvRegisterPrivilegesAndFeaturesInfo      = 0x00000200,
    /* 128-bit result same as CPUID 0x40000004 */
    HvRegisterFeaturesInfo                   = 0x00000201,
    /* 128-bit result same as CPUID 0x40000005 */
    HvRegisterImplementationLimitsInfo       = 0x00000202,
    /* 128-bit result same as CPUID 0x40000006 */
    HvRegisterHardwareFeaturesInfo           = 0x00000203,
    /* Guest Crash Registers */
    HvRegisterGuestCrashP0                   = 0x00000210,
    HvRegisterGuestCrashP1                   = 0x00000211,
    HvRegisterGuestCrashP2                   = 0x00000212,
    HvRegisterGuestCrashP3                   = 0x00000213,
    HvRegisterGuestCrashP4                   = 0x00000214,
    HvRegisterGuestCrashCtl                  = 0x00000215,
    /* Power State Configuration */
    HvRegisterPowerStateConfigC1             = 0x00000220,
    HvRegisterPowerStateTriggerC1            = 0x00000221,
    HvRegisterPowerStateConfigC2             = 0x00000222,
    HvRegisterPowerStateTriggerC2            = 0x00000223,
    HvRegisterPowerStateConfigC3             = 0x00000224,
    HvRegisterPowerStateTriggerC3            = 0x00000225,
    /* Frequency Registers */
    HvRegisterProcessorClockFrequency        = 0x00000240,
    HvRegisterInterruptClockFrequency        = 0x00000241,
    /* Idle Register */
    HvRegisterGuestIdle                      = 0x00000250,
    /* Guest Debug */
    HvRegisterDebugDeviceOptions             = 0x00000260,
    /* Pending Interruption Register */
    HvRegisterPendingInterruption            = 0x00010002,
    /* Interrupt State register */
    HvRegisterInterruptState                 = 0x00010003,
    /* Pending Event Register */
    HvRegisterPendingEvent0                  = 0x00010004,
    HvRegisterPendingEvent1                  = 0x00010005,
    /* User-Mode Registers */
    HvX64RegisterRax                         = 0x00020000,
    HvX64RegisterRcx                         = 0x00020001,
    HvX64RegisterRdx                         = 0x00020002,
    HvX64RegisterRbx                         = 0x00020003,
    HvX64RegisterRsp                         = 0x00020004,
    HvX64RegisterRbp                         = 0x00020005,
    HvX64RegisterRsi                         = 0x00020006,
    HvX64RegisterRdi                         = 0x00020007,
    HvX64RegisterR8                          = 0x00020008,
    HvX64RegisterR9                          = 0x00020009,
    HvX64RegisterR10                         = 0x0002000A,
    HvX64RegisterR11                         = 0x0002000B,
    HvX64RegisterR12                         = 0x0002000C,
    HvX64RegisterR13                         = 0x0002000D,
    HvX64RegisterR14                         = 0x0002000E,
    HvX64RegisterR15                         = 0x0002000F,
    HvX64RegisterRip                         = 0x00020010,
    HvX64RegisterRflags                      = 0x00020011,
    /* Floating Point and Vector Registers */
    HvX64RegisterXmm0                        = 0x00030000,
    HvX64RegisterXmm1                        = 0x00030001,
    HvX64RegisterXmm2                        = 0x00030002,
    HvX64RegisterXmm3                        = 0x00030003,
    HvX64RegisterXmm4                        = 0x00030004,
    HvX64RegisterXmm5                        = 0x00030005,
    HvX64RegisterXmm6                        = 0x00030006,
    HvX64RegisterXmm7                        = 0x00030007,
    HvX64RegisterXmm8                        = 0x00030008,
    HvX64RegisterXmm9                        = 0x00030009,
    HvX64RegisterXmm10                       = 0x0003000A,
    HvX64RegisterXmm11                       = 0x0003000B,
    HvX64RegisterXmm12                       = 0x0003000C,
    HvX64RegisterXmm13                       = 0x0003000D,
    HvX64RegisterXmm14                       = 0x0003000E,
    HvX64RegisterXmm15                       = 0x0003000F,
    HvX64RegisterFpMmx0                      = 0x00030010,
    HvX64RegisterFpMmx1                      = 0x00030011,
    HvX64RegisterFpMmx2                      = 0x00030012,
    HvX64RegisterFpMmx3                      = 0x00030013,
    HvX64RegisterFpMmx4                      = 0x00030014,
    HvX64RegisterFpMmx5                      = 0x00030015,
    HvX64RegisterFpMmx6                      = 0x00030016,
    HvX64RegisterFpMmx7                      = 0x00030017,
    HvX64RegisterFpControlStatus             = 0x00030018,
    HvX64RegisterXmmControlStatus            = 0x00030019,
    /* Control Registers */
    HvX64RegisterCr0                         = 0x00040000,
    HvX64RegisterCr2                         = 0x00040001,
    HvX64RegisterCr3                         = 0x00040002,
    HvX64RegisterCr4                         = 0x00040003,
    HvX64RegisterCr8                         = 0x00040004,
    HvX64RegisterXfem                        = 0x00040005,
    /* X64 Intermediate Control Registers */
    HvX64RegisterIntermediateCr0             = 0x00041000,
    HvX64RegisterIntermediateCr4             = 0x00041003,
    HvX64RegisterIntermediateCr8             = 0x00041004,
    /* Debug Registers */
    HvX64RegisterDr0                         = 0x00050000,
    HvX64RegisterDr1                         = 0x00050001,
    HvX64RegisterDr2                         = 0x00050002,
    HvX64RegisterDr3                         = 0x00050003,
    HvX64RegisterDr6                         = 0x00050004,
    HvX64RegisterDr7                         = 0x00050005,
    /* Segment Registers */
    HvX64RegisterEs                          = 0x00060000,
    HvX64RegisterCs                          = 0x00060001,
    HvX64RegisterSs                          = 0x00060002,
    HvX64RegisterDs                          = 0x00060003,
    HvX64RegisterFs                          = 0x00060004,
    HvX64RegisterGs                          = 0x00060005,
    HvX64RegisterLdtr                        = 0x00060006,
    HvX64RegisterTr                          = 0x00060007,
    /* Table Registers */
    HvX64RegisterIdtr                        = 0x00070000,
    HvX64RegisterGdtr                        = 0x00070001,
    /* Virtualized MSRs */
    HvX64RegisterTsc                         = 0x00080000,
    HvX64RegisterEfer                        = 0x00080001,
    HvX64RegisterKernelGsBase                = 0x00080002,
    HvX64RegisterApicBase                    = 0x00080003,
    HvX64RegisterPat                         = 0x00080004,
    HvX64RegisterSysenterCs                  = 0x00080005,
    HvX64RegisterSysenterRip                 = 0x00080006,
    HvX64RegisterSysenterRsp                 = 0x00080007,
    HvX64RegisterStar                        = 0x00080008,
    HvX64RegisterLstar                       = 0x00080009,
    HvX64RegisterCstar                       = 0x0008000A,
    HvX64RegisterSfmask                      = 0x0008000B,
    HvX64RegisterInitialApicId               = 0x0008000C,
    /* Cache control MSRs */
    HvX64RegisterMtrrCap                     = 0x0008000D,
    HvX64RegisterMtrrDefType                 = 0x0008000E,
    HvX64RegisterMtrrPhysBase0               = 0x00080010,
    HvX64RegisterMtrrPhysBase1               = 0x00080011,
    HvX64RegisterMtrrPhysBase2               = 0x00080012,
    HvX64RegisterMtrrPhysBase3               = 0x00080013,
    HvX64RegisterMtrrPhysBase4               = 0x00080014,
    HvX64RegisterMtrrPhysBase5               = 0x00080015,
    HvX64RegisterMtrrPhysBase6               = 0x00080016,
    HvX64RegisterMtrrPhysBase7               = 0x00080017,
    HvX64RegisterMtrrPhysBase8               = 0x00080018,
    HvX64RegisterMtrrPhysBase9               = 0x00080019,
    HvX64RegisterMtrrPhysBaseA               = 0x0008001A,
    HvX64RegisterMtrrPhysBaseB               = 0x0008001B,
    HvX64RegisterMtrrPhysBaseC               = 0x0008001C,
    HvX64RegisterMtrrPhysBaseD               = 0x0008001D,
    HvX64RegisterMtrrPhysBaseE               = 0x0008001E,
    HvX64RegisterMtrrPhysBaseF               = 0x0008001F,
    HvX64RegisterMtrrPhysMask0               = 0x00080040,
    HvX64RegisterMtrrPhysMask1               = 0x00080041,
    HvX64RegisterMtrrPhysMask2               = 0x00080042,
    HvX64RegisterMtrrPhysMask3               = 0x00080043,
    HvX64RegisterMtrrPhysMask4               = 0x00080044,
    HvX64RegisterMtrrPhysMask5               = 0x00080045,
    HvX64RegisterMtrrPhysMask6               = 0x00080046,
    HvX64RegisterMtrrPhysMask7               = 0x00080047,
    HvX64RegisterMtrrPhysMask8               = 0x00080048,
    HvX64RegisterMtrrPhysMask9               = 0x00080049,
    HvX64RegisterMtrrPhysMaskA               = 0x0008004A,
    HvX64RegisterMtrrPhysMaskB               = 0x0008004B,
    HvX64RegisterMtrrPhysMaskC               = 0x0008004C,
    HvX64RegisterMtrrPhysMaskD               = 0x0008004D,
    HvX64RegisterMtrrPhysMaskE               = 0x0008004E,
    HvX64RegisterMtrrPhysMaskF               = 0x0008004F,
    HvX64RegisterMtrrFix64k00000             = 0x00080070,
    HvX64RegisterMtrrFix16k80000             = 0x00080071,
    HvX64RegisterMtrrFix16kA0000             = 0x00080072,
    HvX64RegisterMtrrFix4kC0000              = 0x00080073,
    HvX64RegisterMtrrFix4kC8000              = 0x00080074,
    HvX64RegisterMtrrFix4kD0000              = 0x00080075,
    HvX64RegisterMtrrFix4kD8000              = 0x00080076,
    HvX64RegisterMtrrFix4kE0000              = 0x00080077,
    HvX64RegisterMtrrFix4kE8000              = 0x00080078,
    HvX64RegisterMtrrFix4kF0000              = 0x00080079,
    HvX64RegisterMtrrFix4kF8000              = 0x0008007A,
    HvX64RegisterBndcfgs                     = 0x0008007C,
    HvX64RegisterDebugCtl                    = 0x0008007D,
    HvX64RegisterSgxLaunchControl0           = 0x00080080,
    HvX64RegisterSgxLaunchControl1           = 0x00080081,
    HvX64RegisterSgxLaunchControl2           = 0x00080082,
    HvX64RegisterSgxLaunchControl3           = 0x00080083,
    /* Other MSRs */
    HvX64RegisterMsrIa32MiscEnable           = 0x000800A0,
    HvX64RegisterIa32FeatureControl          = 0x000800A1,
    /* Performance monitoring MSRs */
    HvX64RegisterPerfGlobalCtrl              = 0x00081000,
    HvX64RegisterPerfGlobalStatus            = 0x00081001,
    HvX64RegisterPerfGlobalInUse             = 0x00081002,
    HvX64RegisterFixedCtrCtrl                = 0x00081003,
    HvX64RegisterDsArea                      = 0x00081004,
    HvX64RegisterPebsEnable                  = 0x00081005,
    HvX64RegisterPebsLdLat                   = 0x00081006,
    HvX64RegisterPebsFrontend                = 0x00081007,
    HvX64RegisterPerfEvtSel0                 = 0x00081100,
    HvX64RegisterPmc0                        = 0x00081200,
    HvX64RegisterFixedCtr0                   = 0x00081300,
    HvX64RegisterLbrTos                      = 0x00082000,
    HvX64RegisterLbrSelect                   = 0x00082001,
    HvX64RegisterLerFromLip                  = 0x00082002,
    HvX64RegisterLerToLip                    = 0x00082003,
    HvX64RegisterLbrFrom0                    = 0x00082100,
    HvX64RegisterLbrTo0                      = 0x00082200,
    HvX64RegisterLbrInfo0                    = 0x00083300,
    /* Hypervisor-defined MSRs (Misc) */
    HvX64RegisterVpRuntime                   = 0x00090000,
    HvX64RegisterHypercall                   = 0x00090001,
    HvRegisterGuestOsId                      = 0x00090002,
    HvRegisterVpIndex                        = 0x00090003,
    HvRegisterTimeRefCount                   = 0x00090004,
    HvRegisterCpuManagementVersion           = 0x00090007,
    /* Virtual APIC registers MSRs */
    HvX64RegisterEoi                         = 0x00090010,
    HvX64RegisterIcr                         = 0x00090011,
    HvX64RegisterTpr                         = 0x00090012,
    HvRegisterVpAssistPage                   = 0x00090013,
    HvRegisterReferenceTsc                   = 0x00090017,
    /* Performance statistics MSRs */
    HvRegisterStatsPartitionRetail           = 0x00090020,
    HvRegisterStatsPartitionInternal         = 0x00090021,
    HvRegisterStatsVpRetail                  = 0x00090022,
    HvRegisterStatsVpInternal                = 0x00090023,
    /* Partition Timer Assist Registers */
    HvX64RegisterEmulatedTimerPeriod         = 0x00090030,
    HvX64RegisterEmulatedTimerControl        = 0x00090031,
    HvX64RegisterPmTimerAssist               = 0x00090032,
    /* Hypervisor-defined MSRs (Synic) */
    HvRegisterSint0                          = 0x000A0000,
    HvRegisterSint1                          = 0x000A0001,
    HvRegisterSint2                          = 0x000A0002,
    HvRegisterSint3                          = 0x000A0003,
    HvRegisterSint4                          = 0x000A0004,
    HvRegisterSint5                          = 0x000A0005,
    HvRegisterSint6                          = 0x000A0006,
    HvRegisterSint7                          = 0x000A0007,
    HvRegisterSint8                          = 0x000A0008,
    HvRegisterSint9                          = 0x000A0009,
    HvRegisterSint10                         = 0x000A000A,
    HvRegisterSint11                         = 0x000A000B,
    HvRegisterSint12                         = 0x000A000C,
    HvRegisterSint13                         = 0x000A000D,
    HvRegisterSint14                         = 0x000A000E,
    HvRegisterSint15                         = 0x000A000F,
    HvRegisterScontrol                       = 0x000A0010,
    HvRegisterSversion                       = 0x000A0011,
    HvRegisterSifp                           = 0x000A0012,
    HvRegisterSipp                           = 0x000A0013,
    HvRegisterEom                            = 0x000A0014,
    HvRegisterSirbp                          = 0x000A0015,
    /* Hypervisor-defined MSRs (Synthetic Timers) */
    HvRegisterStimer0Config                  = 0x000B0000,
    HvRegisterStimer0Count                   = 0x000B0001,
    HvRegisterStimer1Config                  = 0x000B0002,
    HvRegisterStimer1Count                   = 0x000B0003,
    HvRegisterStimer2Config                  = 0x000B0004,
    HvRegisterStimer2Count                   = 0x000B0005,
    HvRegisterStimer3Config                  = 0x000B0006,
    HvRegisterStimer3Count                   = 0x000B0007,
    HvRegisterStimeUnhaltedTimerConfig       = 0x000B0100,
    HvRegisterStimeUnhaltedTimerCount        = 0x000B0101,
    /* XSAVE/XRSTOR register names. */
    /* XSAVE AFX extended state registers. */
    HvX64RegisterYmm0Low                     = 0x000C0000,
    HvX64RegisterYmm1Low                     = 0x000C0001,
    HvX64RegisterYmm2Low                     = 0x000C0002,
    HvX64RegisterYmm3Low                     = 0x000C0003,
    HvX64RegisterYmm4Low                     = 0x000C0004,
    HvX64RegisterYmm5Low                     = 0x000C0005,
    HvX64RegisterYmm6Low                     = 0x000C0006,
    HvX64RegisterYmm7Low                     = 0x000C0007,
    HvX64RegisterYmm8Low                     = 0x000C0008,
    HvX64RegisterYmm9Low                     = 0x000C0009,
    HvX64RegisterYmm10Low                    = 0x000C000A,
    HvX64RegisterYmm11Low                    = 0x000C000B,
    HvX64RegisterYmm12Low                    = 0x000C000C,
    HvX64RegisterYmm13Low                    = 0x000C000D,
    HvX64RegisterYmm14Low                    = 0x000C000E,
    HvX64RegisterYmm15Low                    = 0x000C000F,
    HvX64RegisterYmm0High                    = 0x000C0010,
    HvX64RegisterYmm1High                    = 0x000C0011,
    HvX64RegisterYmm2High                    = 0x000C0012,
    HvX64RegisterYmm3High                    = 0x000C0013,
    HvX64RegisterYmm4High                    = 0x000C0014,
    HvX64RegisterYmm5High                    = 0x000C0015,
    HvX64RegisterYmm6High                    = 0x000C0016,
    HvX64RegisterYmm7High                    = 0x000C0017,
    HvX64RegisterYmm8High                    = 0x000C0018,
    HvX64RegisterYmm9High                    = 0x000C0019,
    HvX64RegisterYmm10High                   = 0x000C001A,
    HvX64RegisterYmm11High                   = 0x000C001B,
    HvX64RegisterYmm12High                   = 0x000C001C,
    HvX64RegisterYmm13High                   = 0x000C001D,
    HvX64RegisterYmm14High                   = 0x000C001E,
    HvX64RegisterYmm15High                   = 0x000C001F,
    /* Synthetic VSM registers */
    HvRegisterVsmCodePageOffsets             = 0x000D0002,
    HvRegisterVsmVpStatus                    = 0x000D0003,
    HvRegisterVsmPartitionStatus             = 0x000D0004,
    HvRegisterVsmVina                        = 0x000D0005,
    HvRegisterVsmCapabilities                = 0x000D0006,
    HvRegisterVsmPartitionConfig             = 0x000D0007,
    HvRegisterVsmVpSecureConfigVtl0          = 0x000D0010,
    HvRegisterVsmVpSecureConfigVtl1          = 0x000D0011,
    HvRegisterVsmVpSecureConfigVtl2          = 0x000D0012,
    HvRegisterVsmVpSecureConfigVtl3          = 0x000D0013,
    HvRegisterVsmVpSecureConfigVtl4          = 0x000D0014,
    HvRegisterVsmVpSecureConfigVtl5          = 0x000D0015,
    HvRegisterVsmVpSecureConfigVtl6          = 0x000D0016,
    HvRegisterVsmVpSecureConfigVtl7          = 0x000D0017,
    HvRegisterVsmVpSecureConfigVtl8          = 0x000D0018,
    HvRegisterVsmVpSecureConfigVtl9          = 0x000D0019,
    HvRegisterVsmVpSecureConfigVtl10         = 0x000D001A,
    HvRegisterVsmVpSecureConfigVtl11         = 0x000D001B,
    HvRegisterVsmVpSecureConfigVtl12         = 0x000D001C,
    HvRegisterVsmVpSecureConfigVtl13         = 0x000D001D,
    HvRegisterVsmVpSecureConfigVtl14         = 0x000D001E,
    HvRegisterVsmVpWaitForTlbLock            = 0x000D0020,
    /* Secure register intercepts (15.13.4) */
    HvX64RegisterCrInterceptControl          = 0x000E0000,
    HvX64RegisterCrInterceptCr0Mask          = 0x000E0001,
    HvX64RegisterCrInterceptCr4Mask          = 0x000E0002,
    HvX64RegisterCrInterceptIa32MiscEnableMask = 0x000E0003
};

/* ---- 7.9.2 Interrupt state register ------------------------------------- */
typedef union HV_X64_INTERRUPT_STATE_REGISTER {
    uint64_t AsUINT64;
    struct {
        uint64_t InterruptShadow : 1;
        uint64_t NmiMasked : 1;
        uint64_t Reserved : 62;
    } Bits;
} HV_X64_INTERRUPT_STATE_REGISTER;
HV_ASSERT_SIZE(HV_X64_INTERRUPT_STATE_REGISTER, 8);

/* ---- 7.9.3 Pending interruption register -------------------------------- */
typedef uint32_t HV_X64_PENDING_INTERRUPTION_TYPE;
enum HV_X64_PENDING_INTERRUPTION_TYPE_ENUM {
    HvX64PendingInterrupt = 0,
    HvX64PendingNmi = 2,
    HvX64PendingException = 3,
    HvX64PendingSoftwareInterrupt = 4,
    HvX64PendingPrivilegedSoftwareException = 5,
    HvX64PendingSoftwareException = 6
};

typedef union HV_X64_PENDING_INTERRUPTION_REGISTER {
    uint64_t AsUINT64;
    struct {
        uint32_t InterruptionPending : 1;
        uint32_t InterruptionType : 3; /* HV_X64_PENDING_INTERRUPTION_TYPE */
        uint32_t DeliverErrorCode : 1;
        uint32_t InstructionLength : 4;
        uint32_t Reserved : 7;
        uint32_t InterruptionVector : 16;
        uint32_t ErrorCode;
    } Bits;
} HV_X64_PENDING_INTERRUPTION_REGISTER;
HV_ASSERT_SIZE(HV_X64_PENDING_INTERRUPTION_REGISTER, 8);

/* ---- 7.9.4 Floating-point and vector registers -------------------------- */
/* An 80-bit x87 value. */
typedef struct HV_X64_FP_REGISTER {
    uint64_t Mantissa;
    uint64_t BiasedExponent : 15;
    uint64_t Sign : 1;
    uint64_t Reserved : 48;
} HV_X64_FP_REGISTER;
HV_ASSERT_SIZE(HV_X64_FP_REGISTER, 16);
HV_ASSERT_OFFSET(HV_X64_FP_REGISTER, Mantissa, 0);

typedef struct HV_X64_FP_CONTROL_STATUS_REGISTER {
    uint16_t FpControl;
    uint16_t FpStatus;
    uint8_t FpTag;
    uint8_t Reserved;
    uint16_t LastFpOp;
    union {
        uint64_t LastFpRip;
        struct {
            uint32_t LastFpEip;
            uint16_t LastFpCs;
            uint16_t Reserved; /* padding in the TLFS listing */
        } Legacy;
    } LastFpInstruction;
} HV_X64_FP_CONTROL_STATUS_REGISTER;
HV_ASSERT_SIZE(HV_X64_FP_CONTROL_STATUS_REGISTER, 16);
HV_ASSERT_OFFSET(HV_X64_FP_CONTROL_STATUS_REGISTER, FpTag, 4);
HV_ASSERT_OFFSET(HV_X64_FP_CONTROL_STATUS_REGISTER, LastFpOp, 6);
HV_ASSERT_OFFSET(HV_X64_FP_CONTROL_STATUS_REGISTER, LastFpInstruction, 8);

typedef struct HV_X64_XMM_CONTROL_STATUS_REGISTER {
    union {
        uint64_t LastFpRdp;
        struct {
            uint32_t LastFpDp;
            uint16_t LastFpDs;
            uint16_t Reserved; /* padding in the TLFS listing */
        } Legacy;
    } LastFpData;
    uint32_t XmmStatusControl;
    uint32_t XmmStatusControlMask;
} HV_X64_XMM_CONTROL_STATUS_REGISTER;
HV_ASSERT_SIZE(HV_X64_XMM_CONTROL_STATUS_REGISTER, 16);
HV_ASSERT_OFFSET(HV_X64_XMM_CONTROL_STATUS_REGISTER, XmmStatusControl, 8);
HV_ASSERT_OFFSET(HV_X64_XMM_CONTROL_STATUS_REGISTER, XmmStatusControlMask, 12);

/* ---- 7.9.5 Segment registers -------------------------------------------- */
typedef struct HV_X64_SEGMENT_REGISTER {
    uint64_t Base;
    uint32_t Limit;
    uint16_t Selector;
    union {
        uint16_t AsUINT16; /* the TLFS's "Attributes" */
        struct {
            uint16_t SegmentType : 4;
            uint16_t NonSystemSegment : 1;
            uint16_t DescriptorPrivilegeLevel : 2;
            uint16_t Present : 1;
            uint16_t Reserved : 4;
            uint16_t Available : 1;
            uint16_t Long : 1;
            uint16_t Default : 1;
            uint16_t Granularity : 1;
        } Bits;
    } Attributes;
} HV_X64_SEGMENT_REGISTER;
HV_ASSERT_SIZE(HV_X64_SEGMENT_REGISTER, 16);
HV_ASSERT_OFFSET(HV_X64_SEGMENT_REGISTER, Limit, 8);
HV_ASSERT_OFFSET(HV_X64_SEGMENT_REGISTER, Selector, 12);
HV_ASSERT_OFFSET(HV_X64_SEGMENT_REGISTER, Attributes, 14);

/* The attribute bits above as masks of Attributes.AsUINT16. */
#define HV_X64_SEGMENT_ATTRIBUTE_TYPE_MASK 0x000F
#define HV_X64_SEGMENT_ATTRIBUTE_NON_SYSTEM 0x0010
#define HV_X64_SEGMENT_ATTRIBUTE_DPL_SHIFT 5
#define HV_X64_SEGMENT_ATTRIBUTE_DPL_MASK 0x0060
#define HV_X64_SEGMENT_ATTRIBUTE_PRESENT 0x0080
#define HV_X64_SEGMENT_ATTRIBUTE_AVAILABLE 0x1000
#define HV_X64_SEGMENT_ATTRIBUTE_LONG 0x2000
#define HV_X64_SEGMENT_ATTRIBUTE_DEFAULT 0x4000
#define HV_X64_SEGMENT_ATTRIBUTE_GRANULARITY 0x8000

/* ---- 7.9.6 Table registers (GDTR, IDTR) --------------------------------- */
typedef struct HV_X64_TABLE_REGISTER {
    uint16_t Pad[3];
    uint16_t Limit;
    uint64_t Base;
} HV_X64_TABLE_REGISTER;
HV_ASSERT_SIZE(HV_X64_TABLE_REGISTER, 16);
HV_ASSERT_OFFSET(HV_X64_TABLE_REGISTER, Limit, 6);
HV_ASSERT_OFFSET(HV_X64_TABLE_REGISTER, Base, 8);

/* ---- 7.8.3 Register values ---------------------------------------------- */
/* All register values are 128 bits, zero-extended. */
typedef union HV_REGISTER_VALUE {
    HV_UINT128 Reg128;
    uint64_t Reg64;
    uint32_t Reg32;
    uint16_t Reg16;
    uint8_t Reg8;
    HV_X64_FP_REGISTER Fp;
    HV_X64_FP_CONTROL_STATUS_REGISTER FpControlStatus;
    HV_X64_XMM_CONTROL_STATUS_REGISTER XmmControlStatus;
    HV_X64_SEGMENT_REGISTER Segment;
    HV_X64_TABLE_REGISTER Table;
    HV_X64_INTERRUPT_STATE_REGISTER InterruptState;
    HV_X64_PENDING_INTERRUPTION_REGISTER PendingInterruption;
    HV_X64_MSR_NPIEP_CONFIG_CONTENTS NpiepConfig;
} HV_REGISTER_VALUE;
HV_ASSERT_SIZE(HV_REGISTER_VALUE, 16);

/* ---- 7.7, 7.8.4 - 7.8.6, 7.9.7 Synthetic machine checks ----------------- */
/* Laid out like an IA32_MCi_STATUS value. */
typedef union HV_X64_MSR_SYNMC_STATUS_CONTENTS {
    uint64_t AsUINT64;
    struct {
        uint16_t McaErrorCode;
        union {
            uint16_t ModelSpecificErrorCode;
            struct {
                uint16_t ErrorDetail : 14;
                uint16_t HypervisorError : 1;
                uint16_t SoftwareError : 1;
            } Bits;
        } ModelSpecific;
        struct {
            uint32_t Reserved : 23;
            uint32_t ActionRequired : 1;
            uint32_t Signaling : 1;
            uint32_t ContextCorrupt : 1; /* hypervisor/virt stack context */
            uint32_t AddressValid : 1;
            uint32_t MiscValid : 1;
            uint32_t ErrorEnabled : 1;
            uint32_t Uncorrected : 1;
            uint32_t Overflow : 1;
            uint32_t Valid : 1;
        } Flags;
    } Fields;
} HV_X64_MSR_SYNMC_STATUS_CONTENTS;
HV_ASSERT_SIZE(HV_X64_MSR_SYNMC_STATUS_CONTENTS, 8);

#define HV_SYNMC_MCA_ERROR_CODE 0x0001 /* unclassified error */

typedef uint64_t HV_X64_MSR_SYNMC_ADDR_CONTENTS;
typedef uint64_t HV_X64_MSR_SYNMC_MISC_CONTENTS;

/* BOOLEAN fields are one byte; the TLFS listing ends at byte 26 and the
 * structure is padded to its natural size of 32. */
typedef struct HV_SYNMC_X64_EVENT {
    HV_X64_MSR_SYNMC_STATUS_CONTENTS Status;
    HV_X64_MSR_SYNMC_ADDR_CONTENTS Addr;
    HV_X64_MSR_SYNMC_MISC_CONTENTS Misc;
    uint8_t RipValid;
    uint8_t EipValid;
    uint8_t Reserved[6];
} HV_SYNMC_X64_EVENT;
HV_ASSERT_SIZE(HV_SYNMC_X64_EVENT, 32);
HV_ASSERT_OFFSET(HV_SYNMC_X64_EVENT, Addr, 8);
HV_ASSERT_OFFSET(HV_SYNMC_X64_EVENT, Misc, 16);
HV_ASSERT_OFFSET(HV_SYNMC_X64_EVENT, RipValid, 24);
HV_ASSERT_OFFSET(HV_SYNMC_X64_EVENT, EipValid, 25);

/* 7.9.1: HV_X64_MSR_VP_RUNTIME counts 100 ns units; see hv_msr.h. */

#endif /* HYPERV_HV_REGISTERS_H */
