/*
 * hv_hypercall_blocks.h - hypercall input and output blocks
 * (TLFS v6.0b "Native Interface" layouts).
 *
 * One structure per input parameter header and output block that v6.0b
 * draws, named HV_INPUT_<CALL> / HV_OUTPUT_<CALL> (the TLFS's own
 * HV_INPUT_START_VIRTUAL_PROCESSOR and HV_INPUT_NOTIFY_LONG_SPINWAIT set
 * the pattern), with the rep list element type of each rep hypercall.
 * Offsets are asserted against the TLFS drawings.  Hypercalls whose
 * layouts v6.0b does not give (partition management, ports, event logs,
 * debugging, statistics, devices, ...) have no structure here.
 *
 * Blocks must be 8-byte aligned, a multiple of 8 bytes long and must not
 * cross a page boundary (3.1, 3.6).  For rep hypercalls the list elements
 * follow the fixed (and variable) header; the first element is 8-byte
 * aligned.
 */
#ifndef HYPERV_HV_HYPERCALL_BLOCKS_H
#define HYPERV_HV_HYPERCALL_BLOCKS_H

#include "hv_types.h"
#include "hv_registers.h"
#include "hv_mmu.h"
#include "hv_interrupt.h"
#include "hv_synic.h"
#include "hv_vsm.h"

/* ---- Initial VP context (7.10.3, 15.15.4) ------------------------------- */
typedef struct HV_INITIAL_VP_CONTEXT {
    uint64_t Rip;
    uint64_t Rsp;
    uint64_t Rflags;
    /* Segment selector registers together with their hidden state. */
    HV_X64_SEGMENT_REGISTER Cs;
    HV_X64_SEGMENT_REGISTER Ds;
    HV_X64_SEGMENT_REGISTER Es;
    HV_X64_SEGMENT_REGISTER Fs;
    HV_X64_SEGMENT_REGISTER Gs;
    HV_X64_SEGMENT_REGISTER Ss;
    HV_X64_SEGMENT_REGISTER Tr;
    HV_X64_SEGMENT_REGISTER Ldtr;
    /* Global and interrupt descriptor tables. */
    HV_X64_TABLE_REGISTER Idtr;
    HV_X64_TABLE_REGISTER Gdtr;
    /* Control registers and MSRs. */
    uint64_t Efer;
    uint64_t Cr0;
    uint64_t Cr3;
    uint64_t Cr4;
    uint64_t MsrCrPat;
} HV_INITIAL_VP_CONTEXT;
HV_ASSERT_SIZE(HV_INITIAL_VP_CONTEXT, 224);
HV_ASSERT_OFFSET(HV_INITIAL_VP_CONTEXT, Cs, 24);
HV_ASSERT_OFFSET(HV_INITIAL_VP_CONTEXT, Ds, 40);
HV_ASSERT_OFFSET(HV_INITIAL_VP_CONTEXT, Es, 56);
HV_ASSERT_OFFSET(HV_INITIAL_VP_CONTEXT, Fs, 72);
HV_ASSERT_OFFSET(HV_INITIAL_VP_CONTEXT, Gs, 88);
HV_ASSERT_OFFSET(HV_INITIAL_VP_CONTEXT, Ss, 104);
HV_ASSERT_OFFSET(HV_INITIAL_VP_CONTEXT, Tr, 120);
HV_ASSERT_OFFSET(HV_INITIAL_VP_CONTEXT, Ldtr, 136);
HV_ASSERT_OFFSET(HV_INITIAL_VP_CONTEXT, Idtr, 152);
HV_ASSERT_OFFSET(HV_INITIAL_VP_CONTEXT, Gdtr, 168);
HV_ASSERT_OFFSET(HV_INITIAL_VP_CONTEXT, Efer, 184);
HV_ASSERT_OFFSET(HV_INITIAL_VP_CONTEXT, Cr0, 192);
HV_ASSERT_OFFSET(HV_INITIAL_VP_CONTEXT, Cr3, 200);
HV_ASSERT_OFFSET(HV_INITIAL_VP_CONTEXT, Cr4, 208);
HV_ASSERT_OFFSET(HV_INITIAL_VP_CONTEXT, MsrCrPat, 216);

/* ---- 0x0001 HvCallSwitchVirtualAddressSpace [fast] (9.4.1) -------------- */
typedef struct HV_INPUT_SWITCH_VIRTUAL_ADDRESS_SPACE {
    HV_ADDRESS_SPACE_ID AddressSpace; /* new CR3 */
} HV_INPUT_SWITCH_VIRTUAL_ADDRESS_SPACE;
HV_ASSERT_SIZE(HV_INPUT_SWITCH_VIRTUAL_ADDRESS_SPACE, 8);

/* ---- 0x0002 HvCallFlushVirtualAddressSpace (9.4.2) ---------------------- */
typedef struct HV_INPUT_FLUSH_VIRTUAL_ADDRESS_SPACE {
    HV_ADDRESS_SPACE_ID AddressSpace;
    uint64_t Flags; /* HV_FLUSH_FLAGS, 8 bytes in the block */
    uint64_t ProcessorMask;
} HV_INPUT_FLUSH_VIRTUAL_ADDRESS_SPACE;
HV_ASSERT_SIZE(HV_INPUT_FLUSH_VIRTUAL_ADDRESS_SPACE, 24);
HV_ASSERT_OFFSET(HV_INPUT_FLUSH_VIRTUAL_ADDRESS_SPACE, Flags, 8);
HV_ASSERT_OFFSET(HV_INPUT_FLUSH_VIRTUAL_ADDRESS_SPACE, ProcessorMask, 16);

/* ---- 0x0003 HvCallFlushVirtualAddressList [rep] (9.4.4) ----------------- */
/* List element: a GVA range (8 bytes), see hv_gva_range() in hv_mmu.h. */
typedef struct HV_INPUT_FLUSH_VIRTUAL_ADDRESS_LIST {
    HV_ADDRESS_SPACE_ID AddressSpace;
    uint64_t Flags; /* HV_FLUSH_FLAGS */
    uint64_t ProcessorMask;
} HV_INPUT_FLUSH_VIRTUAL_ADDRESS_LIST;
HV_ASSERT_SIZE(HV_INPUT_FLUSH_VIRTUAL_ADDRESS_LIST, 24);
HV_ASSERT_OFFSET(HV_INPUT_FLUSH_VIRTUAL_ADDRESS_LIST, ProcessorMask, 16);

typedef uint64_t HV_GVA_RANGE; /* list element of 0x0003 and 0x0014 */

/* ---- 0x0013 HvCallFlushVirtualAddressSpaceEx (9.4.3) -------------------- */
/* ---- 0x0014 HvCallFlushVirtualAddressListEx [rep] (9.4.5) --------------- */
/*
 * ProcessorSet is variably sized: HV_VP_SET_SIZE(bank count) bytes.  The
 * block is 16 + that many bytes; for 0x0014 the HV_GVA_RANGE list follows
 * it, and the variable header size field of the input value covers the
 * part of the header beyond its fixed size (3.7.1).
 */
typedef struct HV_INPUT_FLUSH_VIRTUAL_ADDRESS_SPACE_EX {
    HV_ADDRESS_SPACE_ID AddressSpace;
    uint64_t Flags; /* HV_FLUSH_FLAGS */
    HV_VP_SET ProcessorSet;
} HV_INPUT_FLUSH_VIRTUAL_ADDRESS_SPACE_EX;
HV_ASSERT_OFFSET(HV_INPUT_FLUSH_VIRTUAL_ADDRESS_SPACE_EX, Flags, 8);
HV_ASSERT_OFFSET(HV_INPUT_FLUSH_VIRTUAL_ADDRESS_SPACE_EX, ProcessorSet, 16);

typedef HV_INPUT_FLUSH_VIRTUAL_ADDRESS_SPACE_EX
    HV_INPUT_FLUSH_VIRTUAL_ADDRESS_LIST_EX;

/* Size of an Ex flush header whose processor set uses bank_count banks. */
#define HV_INPUT_FLUSH_VIRTUAL_ADDRESS_EX_SIZE(bank_count)                    \
    (16 + HV_VP_SET_SIZE(bank_count))

/* ---- 0x0008 HvCallNotifyLongSpinWait [fast] (14.4, 14.5.1) -------------- */
typedef struct HV_INPUT_NOTIFY_LONG_SPINWAIT {
    uint32_t InitialLongSpinWait; /* accumulated spin count */
    uint32_t RsvdZ;
} HV_INPUT_NOTIFY_LONG_SPINWAIT;
HV_ASSERT_SIZE(HV_INPUT_NOTIFY_LONG_SPINWAIT, 8);

/* ---- 0x000B HvCallSendSyntheticClusterIpi (10.5.2) ---------------------- */
typedef struct HV_INPUT_SEND_SYNTHETIC_CLUSTER_IPI {
    uint32_t Vector; /* 0x10-0xFF */
    HV_INPUT_VTL TargetVtl;
    uint8_t ReservedZ[3];
    uint64_t ProcessorMask; /* bit n = VP index n */
} HV_INPUT_SEND_SYNTHETIC_CLUSTER_IPI;
HV_ASSERT_SIZE(HV_INPUT_SEND_SYNTHETIC_CLUSTER_IPI, 16);
HV_ASSERT_OFFSET(HV_INPUT_SEND_SYNTHETIC_CLUSTER_IPI, TargetVtl, 4);
HV_ASSERT_OFFSET(HV_INPUT_SEND_SYNTHETIC_CLUSTER_IPI, ProcessorMask, 8);

/* ---- 0x0015 HvCallSendSyntheticClusterIpiEx (10.5.3) -------------------- */
typedef struct HV_INPUT_SEND_SYNTHETIC_CLUSTER_IPI_EX {
    uint32_t Vector;
    HV_INPUT_VTL TargetVtl;
    uint8_t ReservedZ[3];
    HV_VP_SET ProcessorSet; /* variably sized */
} HV_INPUT_SEND_SYNTHETIC_CLUSTER_IPI_EX;
HV_ASSERT_OFFSET(HV_INPUT_SEND_SYNTHETIC_CLUSTER_IPI_EX, TargetVtl, 4);
HV_ASSERT_OFFSET(HV_INPUT_SEND_SYNTHETIC_CLUSTER_IPI_EX, ProcessorSet, 8);

#define HV_INPUT_SEND_SYNTHETIC_CLUSTER_IPI_EX_SIZE(bank_count)               \
    (8 + HV_VP_SET_SIZE(bank_count))

/* ---- 0x000C HvCallModifyVtlProtectionMask [rep] (15.15.2) --------------- */
/* List element: HV_GPA_PAGE_NUMBER (8 bytes). */
typedef struct HV_INPUT_MODIFY_VTL_PROTECTION_MASK {
    HV_PARTITION_ID TargetPartitionId;
    HV_MAP_GPA_FLAGS MapFlags;
    HV_INPUT_VTL TargetVtl;
    uint8_t ReservedZ[3];
} HV_INPUT_MODIFY_VTL_PROTECTION_MASK;
HV_ASSERT_SIZE(HV_INPUT_MODIFY_VTL_PROTECTION_MASK, 16);
HV_ASSERT_OFFSET(HV_INPUT_MODIFY_VTL_PROTECTION_MASK, MapFlags, 8);
HV_ASSERT_OFFSET(HV_INPUT_MODIFY_VTL_PROTECTION_MASK, TargetVtl, 12);

/* ---- 0x000D HvCallEnablePartitionVtl (15.15.3) -------------------------- */
typedef struct HV_INPUT_ENABLE_PARTITION_VTL {
    HV_PARTITION_ID TargetPartitionId;
    HV_VTL TargetVtl;
    HV_ENABLE_PARTITION_VTL_FLAGS Flags;
    uint8_t ReservedZ[6];
} HV_INPUT_ENABLE_PARTITION_VTL;
HV_ASSERT_SIZE(HV_INPUT_ENABLE_PARTITION_VTL, 16);
HV_ASSERT_OFFSET(HV_INPUT_ENABLE_PARTITION_VTL, TargetVtl, 8);
HV_ASSERT_OFFSET(HV_INPUT_ENABLE_PARTITION_VTL, Flags, 9);

/* ---- 0x000F HvCallEnableVpVtl (15.15.4) --------------------------------- */
typedef struct HV_INPUT_ENABLE_VP_VTL {
    HV_PARTITION_ID TargetPartitionId;
    HV_VP_INDEX VpIndex;
    HV_VTL TargetVtl;
    uint8_t ReservedZ[3];
    HV_INITIAL_VP_CONTEXT VpVtlContext;
} HV_INPUT_ENABLE_VP_VTL;
HV_ASSERT_SIZE(HV_INPUT_ENABLE_VP_VTL, 240);
HV_ASSERT_OFFSET(HV_INPUT_ENABLE_VP_VTL, VpIndex, 8);
HV_ASSERT_OFFSET(HV_INPUT_ENABLE_VP_VTL, TargetVtl, 12);
HV_ASSERT_OFFSET(HV_INPUT_ENABLE_VP_VTL, VpVtlContext, 16);

/* 0x0011 HvCallVtlCall and 0x0012 HvCallVtlReturn have no blocks; their
 * control inputs are in hv_hypercall.h. */

/* ---- 0x0050 HvCallGetVpRegisters [rep] (7.10.2) ------------------------- */
/* Input list element: HV_REGISTER_NAME (4 bytes; the list is padded to a
 * multiple of 8).  Output list element: HV_REGISTER_VALUE (16 bytes). */
typedef struct HV_INPUT_GET_VP_REGISTERS {
    HV_PARTITION_ID PartitionId;
    HV_VP_INDEX VpIndex;
    HV_INPUT_VTL InputVtl;
    uint8_t Padding[3];
} HV_INPUT_GET_VP_REGISTERS;
HV_ASSERT_SIZE(HV_INPUT_GET_VP_REGISTERS, 16);
HV_ASSERT_OFFSET(HV_INPUT_GET_VP_REGISTERS, VpIndex, 8);
HV_ASSERT_OFFSET(HV_INPUT_GET_VP_REGISTERS, InputVtl, 12);

/* ---- 0x0051 HvCallSetVpRegisters [rep] (7.10.1) ------------------------- */
typedef struct HV_INPUT_SET_VP_REGISTERS {
    HV_PARTITION_ID PartitionId;
    HV_VP_INDEX VpIndex;
    HV_INPUT_VTL TargetVtl;
    uint8_t RsvdZ[3];
} HV_INPUT_SET_VP_REGISTERS;
HV_ASSERT_SIZE(HV_INPUT_SET_VP_REGISTERS, 16);
HV_ASSERT_OFFSET(HV_INPUT_SET_VP_REGISTERS, VpIndex, 8);
HV_ASSERT_OFFSET(HV_INPUT_SET_VP_REGISTERS, TargetVtl, 12);

/* Input list element: the register name, then its value at offset 16. */
typedef struct HV_INPUT_SET_VP_REGISTERS_ELEMENT {
    HV_REGISTER_NAME RegisterName;
    uint32_t Padding0;
    uint64_t Padding1;
    HV_REGISTER_VALUE RegisterValue;
} HV_INPUT_SET_VP_REGISTERS_ELEMENT;
HV_ASSERT_SIZE(HV_INPUT_SET_VP_REGISTERS_ELEMENT, 32);
HV_ASSERT_OFFSET(HV_INPUT_SET_VP_REGISTERS_ELEMENT, RegisterValue, 16);

/* ---- 0x0052 HvCallTranslateVirtualAddress (9.4.6) ----------------------- */
typedef struct HV_INPUT_TRANSLATE_VIRTUAL_ADDRESS {
    HV_PARTITION_ID PartitionId;
    HV_VP_INDEX VpIndex;
    uint32_t Padding;
    HV_TRANSLATE_GVA_CONTROL_FLAGS ControlFlags;
    HV_GVA_PAGE_NUMBER GvaPage;
} HV_INPUT_TRANSLATE_VIRTUAL_ADDRESS;
HV_ASSERT_SIZE(HV_INPUT_TRANSLATE_VIRTUAL_ADDRESS, 32);
HV_ASSERT_OFFSET(HV_INPUT_TRANSLATE_VIRTUAL_ADDRESS, VpIndex, 8);
HV_ASSERT_OFFSET(HV_INPUT_TRANSLATE_VIRTUAL_ADDRESS, ControlFlags, 16);
HV_ASSERT_OFFSET(HV_INPUT_TRANSLATE_VIRTUAL_ADDRESS, GvaPage, 24);

typedef struct HV_OUTPUT_TRANSLATE_VIRTUAL_ADDRESS {
    HV_TRANSLATE_GVA_RESULT TranslationResult;
    HV_GPA_PAGE_NUMBER GpaPage;
} HV_OUTPUT_TRANSLATE_VIRTUAL_ADDRESS;
HV_ASSERT_SIZE(HV_OUTPUT_TRANSLATE_VIRTUAL_ADDRESS, 16);
HV_ASSERT_OFFSET(HV_OUTPUT_TRANSLATE_VIRTUAL_ADDRESS, GpaPage, 8);

/* ---- 0x005C HvCallPostMessage (11.11.1) --------------------------------- */
typedef struct HV_INPUT_POST_MESSAGE {
    HV_CONNECTION_ID ConnectionId;
    uint32_t Padding;
    HV_MESSAGE_TYPE MessageType; /* non-zero, bit 31 clear */
    uint32_t PayloadSize;        /* at most 240 */
    uint64_t Message[HV_MESSAGE_MAX_PAYLOAD_QWORD_COUNT];
} HV_INPUT_POST_MESSAGE;
HV_ASSERT_SIZE(HV_INPUT_POST_MESSAGE, 256);
HV_ASSERT_OFFSET(HV_INPUT_POST_MESSAGE, MessageType, 8);
HV_ASSERT_OFFSET(HV_INPUT_POST_MESSAGE, PayloadSize, 12);
HV_ASSERT_OFFSET(HV_INPUT_POST_MESSAGE, Message, 16);

/* ---- 0x005D HvCallSignalEvent [fast] (11.11.2) -------------------------- */
typedef struct HV_INPUT_SIGNAL_EVENT {
    HV_CONNECTION_ID ConnectionId;
    uint16_t FlagNumber; /* relative to the port's base flag number */
    uint16_t RsvdZ;
} HV_INPUT_SIGNAL_EVENT;
HV_ASSERT_SIZE(HV_INPUT_SIGNAL_EVENT, 8);
HV_ASSERT_OFFSET(HV_INPUT_SIGNAL_EVENT, FlagNumber, 4);

/*
 * The fast form passes the whole 8-byte block as its one input parameter
 * (RDX on x64, EBX:ECX on x86): the connection ID in bits 31:0 and the
 * flag number in bits 47:32.
 */
static HV_INLINE uint64_t hv_signal_event_fast_input(uint32_t connection_id,
                                                     uint16_t flag_number)
{
    return HV_CAST(uint64_t, connection_id & HV_CONNECTION_ID_MASK) |
           (HV_CAST(uint64_t, flag_number) << 32);
}

/* ---- 0x007E HvCallRetargetDeviceInterrupt (10.5.4) ---------------------- */
typedef struct HV_INPUT_RETARGET_DEVICE_INTERRUPT {
    HV_PARTITION_ID PartitionId; /* must be HV_PARTITION_ID_SELF */
    uint64_t DeviceId;
    HV_INTERRUPT_ENTRY InterruptEntry;
    uint64_t Reserved;
    HV_DEVICE_INTERRUPT_TARGET InterruptTarget;
} HV_INPUT_RETARGET_DEVICE_INTERRUPT;
HV_ASSERT_SIZE(HV_INPUT_RETARGET_DEVICE_INTERRUPT, 56);
HV_ASSERT_OFFSET(HV_INPUT_RETARGET_DEVICE_INTERRUPT, DeviceId, 8);
HV_ASSERT_OFFSET(HV_INPUT_RETARGET_DEVICE_INTERRUPT, InterruptEntry, 16);
HV_ASSERT_OFFSET(HV_INPUT_RETARGET_DEVICE_INTERRUPT, Reserved, 32);
HV_ASSERT_OFFSET(HV_INPUT_RETARGET_DEVICE_INTERRUPT, InterruptTarget, 40);

/* ---- 0x0094 HvCallAssertVirtualInterrupt (10.5.1) ----------------------- */
typedef struct HV_INPUT_ASSERT_VIRTUAL_INTERRUPT {
    HV_PARTITION_ID DestinationPartition;
    HV_INTERRUPT_CONTROL InterruptControl;
    uint64_t DestinationAddress; /* APIC ID (physical or logical) */
    HV_INTERRUPT_VECTOR RequestedVector;
    HV_VTL TargetVtl;
    uint8_t ReservedZ0;
    uint16_t ReservedZ1;
} HV_INPUT_ASSERT_VIRTUAL_INTERRUPT;
HV_ASSERT_SIZE(HV_INPUT_ASSERT_VIRTUAL_INTERRUPT, 32);
HV_ASSERT_OFFSET(HV_INPUT_ASSERT_VIRTUAL_INTERRUPT, InterruptControl, 8);
HV_ASSERT_OFFSET(HV_INPUT_ASSERT_VIRTUAL_INTERRUPT, DestinationAddress, 16);
HV_ASSERT_OFFSET(HV_INPUT_ASSERT_VIRTUAL_INTERRUPT, RequestedVector, 24);
HV_ASSERT_OFFSET(HV_INPUT_ASSERT_VIRTUAL_INTERRUPT, TargetVtl, 28);

/* ---- 0x0099 HvCallStartVirtualProcessor (7.10.3) ------------------------ */
typedef struct HV_INPUT_START_VIRTUAL_PROCESSOR {
    HV_PARTITION_ID PartitionId;
    HV_VP_INDEX VpIndex;
    HV_VTL TargetVtl;
    uint8_t Padding[3];
    HV_INITIAL_VP_CONTEXT VpContext;
} HV_INPUT_START_VIRTUAL_PROCESSOR;
HV_ASSERT_SIZE(HV_INPUT_START_VIRTUAL_PROCESSOR, 240);
HV_ASSERT_OFFSET(HV_INPUT_START_VIRTUAL_PROCESSOR, VpIndex, 8);
HV_ASSERT_OFFSET(HV_INPUT_START_VIRTUAL_PROCESSOR, TargetVtl, 12);
HV_ASSERT_OFFSET(HV_INPUT_START_VIRTUAL_PROCESSOR, VpContext, 16);

/* ---- 0x009A HvCallGetVpIndexFromApicId [rep] (7.10.4) ------------------- */
/* Input list element: HV_APIC_ID; output list element: HV_VP_INDEX (4
 * bytes each, as the wrapper interface's lists; the native drawing shows
 * each padded to 8 bytes, which is where a one-element list ends). */
typedef struct HV_INPUT_GET_VP_INDEX_FROM_APIC_ID {
    HV_PARTITION_ID PartitionId;
    HV_VTL TargetVtl;
    uint8_t Padding[7];
} HV_INPUT_GET_VP_INDEX_FROM_APIC_ID;
HV_ASSERT_SIZE(HV_INPUT_GET_VP_INDEX_FROM_APIC_ID, 16);
HV_ASSERT_OFFSET(HV_INPUT_GET_VP_INDEX_FROM_APIC_ID, TargetVtl, 8);

/* ---- 0x00AF HvCallFlushGuestPhysicalAddressSpace (16.13.1) -------------- */
typedef struct HV_INPUT_FLUSH_GUEST_PHYSICAL_ADDRESS_SPACE {
    HV_SPA AddressSpace; /* EPT PML4 table pointer */
    uint64_t Flags;      /* reserved, zero */
} HV_INPUT_FLUSH_GUEST_PHYSICAL_ADDRESS_SPACE;
HV_ASSERT_SIZE(HV_INPUT_FLUSH_GUEST_PHYSICAL_ADDRESS_SPACE, 16);
HV_ASSERT_OFFSET(HV_INPUT_FLUSH_GUEST_PHYSICAL_ADDRESS_SPACE, Flags, 8);

/* ---- 0x00B0 HvCallFlushGuestPhysicalAddressList [rep] (16.13.2) --------- */
/* List element: HV_GPA_PAGE_RANGE (hv_mmu.h). */
typedef struct HV_INPUT_FLUSH_GUEST_PHYSICAL_ADDRESS_LIST {
    HV_SPA AddressSpace;
    uint64_t Flags; /* reserved, zero */
} HV_INPUT_FLUSH_GUEST_PHYSICAL_ADDRESS_LIST;
HV_ASSERT_SIZE(HV_INPUT_FLUSH_GUEST_PHYSICAL_ADDRESS_LIST, 16);
HV_ASSERT_OFFSET(HV_INPUT_FLUSH_GUEST_PHYSICAL_ADDRESS_LIST, Flags, 8);

/* ---- 0x8001 HvExtCallQueryCapabilities (3.14.1) ------------------------- */
typedef struct HV_OUTPUT_EXT_QUERY_CAPABILITIES {
    uint64_t Capabilities;
} HV_OUTPUT_EXT_QUERY_CAPABILITIES;
HV_ASSERT_SIZE(HV_OUTPUT_EXT_QUERY_CAPABILITIES, 8);

/* Capabilities bits: bit n reports extended hypercall 0x8002 + n. */
#define HV_EXT_CAPABILITY_GET_BOOT_ZEROED_MEMORY HV_BIT64(0)  /* 0x8002 */
#define HV_EXT_CAPABILITY_MEMORY_HEAT_HINT HV_BIT64(1)        /* 0x8003 */
#define HV_EXT_CAPABILITY_EPF_SETUP HV_BIT64(2)               /* 0x8004 */
#define HV_EXT_CAPABILITY_SCHEDULER_ASSIST_SETUP HV_BIT64(3)  /* 0x8005 */
#define HV_EXT_CAPABILITY_MEMORY_HEAT_HINT_ASYNC HV_BIT64(4)  /* 0x8006 */
#define HV_EXT_CAPABILITY_FOR_CALL(code) HV_BIT64((code) - 0x8002)

/* ---- 0x8002 HvExtCallGetBootZeroedMemory (9.4.7) ------------------------ */
typedef struct HV_OUTPUT_EXT_GET_BOOT_ZEROED_MEMORY {
    HV_GPA StartGpa;
    uint64_t PageCount;
} HV_OUTPUT_EXT_GET_BOOT_ZEROED_MEMORY;
HV_ASSERT_SIZE(HV_OUTPUT_EXT_GET_BOOT_ZEROED_MEMORY, 16);
HV_ASSERT_OFFSET(HV_OUTPUT_EXT_GET_BOOT_ZEROED_MEMORY, PageCount, 8);

#endif /* HYPERV_HV_HYPERCALL_BLOCKS_H */
