/*
 * hv_vsm.h - Virtual Secure Mode (TLFS v6.0b chapter 15).
 *
 * The VSM virtual registers (capabilities, partition and VP status,
 * partition configuration, lower-VTL configuration, hypercall-page code
 * offsets, VINA, secure register intercept control), the VTL entry
 * reason, VTL protection mask bits and HV_ENABLE_PARTITION_VTL_FLAGS.
 * HV_VTL and HV_INPUT_VTL are in hv_types.h; the per-VTL control area of
 * the VP assist page is in hv_vp_assist.h; the VTL call/return control
 * inputs are in hv_hypercall.h.
 */
#ifndef HYPERV_HV_VSM_H
#define HYPERV_HV_VSM_H

#include "hv_types.h"

/* ---- 15.3.2 HvRegisterVsmCapabilities (0x000D0006) ---------------------- */
/* 15.3.2 calls it HV_X64_REGISTER_VSM_CAPABILITIES and lists its number
 * 0x000D0006 as an "MSR address"; it is the virtual register
 * HvRegisterVsmCapabilities, read with HvCallGetVpRegisters. */
typedef union HV_REGISTER_VSM_CAPABILITIES {
    uint64_t AsUINT64;
    struct {
        uint64_t ReservedZ : 46;
        uint64_t DenyLowerVtlStartup : 1;
        uint64_t MbecVtlMask : 16;
        uint64_t Dr6Shared : 1;
    } Bits;
} HV_REGISTER_VSM_CAPABILITIES;
HV_ASSERT_SIZE(HV_REGISTER_VSM_CAPABILITIES, 8);

/* ---- 15.3.3 VSM status registers ---------------------------------------- */
typedef union HV_REGISTER_VSM_PARTITION_STATUS {
    uint64_t AsUINT64;
    struct {
        uint64_t EnabledVtlSet : 16;
        uint64_t MaximumVtl : 4;
        uint64_t MbecEnabledVtlSet : 16;
        uint64_t ReservedZ : 28;
    } Bits;
} HV_REGISTER_VSM_PARTITION_STATUS;
HV_ASSERT_SIZE(HV_REGISTER_VSM_PARTITION_STATUS, 8);

typedef union HV_REGISTER_VSM_VP_STATUS {
    uint64_t AsUINT64;
    struct {
        uint64_t ActiveVtl : 4;
        uint64_t ActiveMbecEnabled : 1;
        uint64_t ReservedZ0 : 11;
        uint64_t EnabledVtlSet : 16;
        uint64_t ReservedZ1 : 32;
    } Bits;
} HV_REGISTER_VSM_VP_STATUS;
HV_ASSERT_SIZE(HV_REGISTER_VSM_VP_STATUS, 8);

/* ---- 15.5.1 HvRegisterVsmPartitionConfig -------------------------------- */
typedef union HV_REGISTER_VSM_PARTITION_CONFIG {
    uint64_t AsUINT64;
    struct {
        uint64_t EnableVtlProtection : 1; /* write-once */
        uint64_t DefaultVtlProtectionMask : 4;
        uint64_t ZeroMemoryOnReset : 1;
        uint64_t DenyLowerVtlStartup : 1;
        uint64_t ReservedZ0 : 2;
        uint64_t InterceptVpStartup : 1;
        uint64_t ReservedZ1 : 54;
    } Bits;
} HV_REGISTER_VSM_PARTITION_CONFIG;
HV_ASSERT_SIZE(HV_REGISTER_VSM_PARTITION_CONFIG, 8);

/* VTL protection bits: the four bits of DefaultVtlProtectionMask
 * (15.5.1.2), i.e. the read / write / UMX / KMX protections of 15.9 and
 * 15.10. */
#define HV_VTL_PROTECTION_READ 0x1u
#define HV_VTL_PROTECTION_WRITE 0x2u
#define HV_VTL_PROTECTION_USER_MODE_EXECUTE 0x4u   /* UMX (MBEC) */
#define HV_VTL_PROTECTION_KERNEL_MODE_EXECUTE 0x8u /* KMX; without MBEC,
                                                      plain "execute" */
#define HV_VTL_PROTECTION_NONE 0x0u
#define HV_VTL_PROTECTION_ALL 0xFu

/* Map flags of HvCallModifyVtlProtectionMask (15.15.2): 4 bytes wide; the
 * TLFS uses the type without listing its bits. */
typedef uint32_t HV_MAP_GPA_FLAGS;

/* ---- 15.5.2 HvRegisterVsmVpSecureConfigVtlN ----------------------------- */
typedef union HV_REGISTER_VSM_VP_SECURE_VTL_CONFIG {
    uint64_t AsUINT64;
    struct {
        uint64_t MbecEnabled : 1;
        uint64_t TlbLocked : 1;
        uint64_t ReservedZ : 62;
    } Bits;
} HV_REGISTER_VSM_VP_SECURE_VTL_CONFIG;
HV_ASSERT_SIZE(HV_REGISTER_VSM_VP_SECURE_VTL_CONFIG, 8);

/* ---- 15.6.1.2 VTL entry reason ------------------------------------------ */
typedef uint32_t HV_VTL_ENTRY_REASON;
enum HV_VTL_ENTRY_REASON_ENUM {
    HvVtlEntryReserved = 0,  /* reserved, not used */
    HvVtlEntryVtlCall = 1,   /* VTL call from a lower VTL */
    HvVtlEntryInterrupt = 2  /* interrupt targeted at the VTL */
};

/* ---- 15.8 HvRegisterVsmCodePageOffsets ---------------------------------- */
/* Offsets of the VTL call and VTL return sequences in the hypercall page. */
typedef union HV_REGISTER_VSM_CODE_PAGE_OFFSETS {
    uint64_t AsUINT64;
    struct {
        uint64_t VtlCallOffset : 12;
        uint64_t VtlReturnOffset : 12;
        uint64_t ReservedZ : 40;
    } Bits;
} HV_REGISTER_VSM_CODE_PAGE_OFFSETS;
HV_ASSERT_SIZE(HV_REGISTER_VSM_CODE_PAGE_OFFSETS, 8);

/* ---- 15.12.4 HvRegisterVsmVina (virtual interrupt notification assist) -- */
typedef union HV_REGISTER_VSM_VINA {
    uint64_t AsUINT64;
    struct {
        uint64_t Vector : 8;
        uint64_t Enabled : 1;
        uint64_t AutoReset : 1;
        uint64_t AutoEoi : 1;
        uint64_t ReservedP : 53;
    } Bits;
} HV_REGISTER_VSM_VINA;
HV_ASSERT_SIZE(HV_REGISTER_VSM_VINA, 8);

/* ---- 15.13.4 HvX64RegisterCrInterceptControl ---------------------------- */
typedef union HV_REGISTER_CR_INTERCEPT_CONTROL {
    uint64_t AsUINT64;
    struct {
        uint64_t Cr0Write : 1;
        uint64_t Cr4Write : 1;
        uint64_t XCr0Write : 1;
        uint64_t IA32MiscEnableRead : 1;
        uint64_t IA32MiscEnableWrite : 1;
        uint64_t MsrLstarRead : 1;
        uint64_t MsrLstarWrite : 1;
        uint64_t MsrStarRead : 1;
        uint64_t MsrStarWrite : 1;
        uint64_t MsrCstarRead : 1;
        uint64_t MsrCstarWrite : 1;
        uint64_t ApicBaseMsrRead : 1;
        uint64_t ApicBaseMsrWrite : 1;
        uint64_t MsrEferRead : 1;
        uint64_t MsrEferWrite : 1;
        uint64_t GdtrWrite : 1;
        uint64_t IdtrWrite : 1;
        uint64_t LdtrWrite : 1;
        uint64_t TrWrite : 1;
        uint64_t MsrSysenterCsWrite : 1;
        uint64_t MsrSysenterEipWrite : 1;
        uint64_t MsrSysenterEspWrite : 1;
        uint64_t MsrSfmaskWrite : 1;
        uint64_t MsrTscAuxWrite : 1;
        uint64_t MsrSgxLaunchControlWrite : 1;
        uint64_t RsvdZ : 39;
    } Bits;
} HV_REGISTER_CR_INTERCEPT_CONTROL;
HV_ASSERT_SIZE(HV_REGISTER_CR_INTERCEPT_CONTROL, 8);

#define HV_CR_INTERCEPT_CR0_WRITE HV_BIT64(0)
#define HV_CR_INTERCEPT_CR4_WRITE HV_BIT64(1)
#define HV_CR_INTERCEPT_XCR0_WRITE HV_BIT64(2)
#define HV_CR_INTERCEPT_IA32_MISC_ENABLE_READ HV_BIT64(3)
#define HV_CR_INTERCEPT_IA32_MISC_ENABLE_WRITE HV_BIT64(4)
#define HV_CR_INTERCEPT_MSR_LSTAR_READ HV_BIT64(5)
#define HV_CR_INTERCEPT_MSR_LSTAR_WRITE HV_BIT64(6)
#define HV_CR_INTERCEPT_MSR_STAR_READ HV_BIT64(7)
#define HV_CR_INTERCEPT_MSR_STAR_WRITE HV_BIT64(8)
#define HV_CR_INTERCEPT_MSR_CSTAR_READ HV_BIT64(9)
#define HV_CR_INTERCEPT_MSR_CSTAR_WRITE HV_BIT64(10)
#define HV_CR_INTERCEPT_APIC_BASE_MSR_READ HV_BIT64(11)
#define HV_CR_INTERCEPT_APIC_BASE_MSR_WRITE HV_BIT64(12)
#define HV_CR_INTERCEPT_MSR_EFER_READ HV_BIT64(13)
#define HV_CR_INTERCEPT_MSR_EFER_WRITE HV_BIT64(14)
#define HV_CR_INTERCEPT_GDTR_WRITE HV_BIT64(15)
#define HV_CR_INTERCEPT_IDTR_WRITE HV_BIT64(16)
#define HV_CR_INTERCEPT_LDTR_WRITE HV_BIT64(17)
#define HV_CR_INTERCEPT_TR_WRITE HV_BIT64(18)
#define HV_CR_INTERCEPT_MSR_SYSENTER_CS_WRITE HV_BIT64(19)
#define HV_CR_INTERCEPT_MSR_SYSENTER_EIP_WRITE HV_BIT64(20)
#define HV_CR_INTERCEPT_MSR_SYSENTER_ESP_WRITE HV_BIT64(21)
#define HV_CR_INTERCEPT_MSR_SFMASK_WRITE HV_BIT64(22)
#define HV_CR_INTERCEPT_MSR_TSC_AUX_WRITE HV_BIT64(23)
#define HV_CR_INTERCEPT_MSR_SGX_LAUNCH_CONTROL_WRITE HV_BIT64(24)

/* ---- 15.15.3 HvCallEnablePartitionVtl flags ----------------------------- */
typedef union HV_ENABLE_PARTITION_VTL_FLAGS {
    uint8_t AsUINT8;
    struct {
        uint8_t EnableMbec : 1;
        uint8_t Reserved : 7;
    } Bits;
} HV_ENABLE_PARTITION_VTL_FLAGS;
HV_ASSERT_SIZE(HV_ENABLE_PARTITION_VTL_FLAGS, 1);

#endif /* HYPERV_HV_VSM_H */
