/*
 * The Windows Hypervisor Platform types wisp's WHP backend translates, under
 * Microsoft's names.
 *
 * On Windows this is <WinHvPlatformDefs.h> itself. Elsewhere (Linux, where
 * winhv_translate.c is built and unit-tested) it declares layout-identical
 * mirrors of the few types used, written from Microsoft's documented
 * layouts (learn.microsoft.com/virtualization/api/hypervisor-platform:
 * "Exit Context Data Types", "Registers", "Partition Property Data Types").
 * Only the members wisp reads or writes are named; the rest are padding of
 * the documented size. The sizes and offsets below are Microsoft's own
 * C_ASSERTs; scripts/build-windows.sh also compiles
 * tests/whp/winhv_layout_check.c with mingw-w64, which checks every size,
 * offset and bit position here against the real header.
 *
 * Define WINHV_MIRROR to get the mirror on Windows too (the layout check).
 */
#ifndef WISP_WINHV_TYPES_H
#define WISP_WINHV_TYPES_H

#if defined(_WIN32) && !defined(WINHV_MIRROR)

#include <windows.h>
#include <winhvplatformdefs.h>

#else

#include <stddef.h>
#include <stdint.h>

typedef enum WHV_RUN_VP_EXIT_REASON {
    WHvRunVpExitReasonNone = 0x00000000,
    WHvRunVpExitReasonMemoryAccess = 0x00000001,
    WHvRunVpExitReasonX64IoPortAccess = 0x00000002,
    WHvRunVpExitReasonUnrecoverableException = 0x00000004,
    WHvRunVpExitReasonInvalidVpRegisterValue = 0x00000005,
    WHvRunVpExitReasonUnsupportedFeature = 0x00000006,
    WHvRunVpExitReasonX64InterruptWindow = 0x00000007,
    WHvRunVpExitReasonX64Halt = 0x00000008,
    WHvRunVpExitReasonX64ApicEoi = 0x00000009,
    WHvRunVpExitReasonSynicSintDeliverable = 0x0000000A,
    WHvRunVpExitReasonX64MsrAccess = 0x00001000,
    WHvRunVpExitReasonX64Cpuid = 0x00001001,
    WHvRunVpExitReasonException = 0x00001002,
    WHvRunVpExitReasonX64Rdtsc = 0x00001003,
    WHvRunVpExitReasonX64ApicSmiTrap = 0x00001004,
    WHvRunVpExitReasonHypercall = 0x00001005,
    WHvRunVpExitReasonX64ApicInitSipiTrap = 0x00001006,
    WHvRunVpExitReasonX64ApicWriteTrap = 0x00001007,
    WHvRunVpExitReasonCanceled = 0x00002001,
} WHV_RUN_VP_EXIT_REASON;

typedef union WHV_UINT128 {
    struct {
        uint64_t Low64;
        uint64_t High64;
    };
    uint32_t Dword[4];
} __attribute__((aligned(16))) WHV_UINT128;

typedef struct WHV_X64_SEGMENT_REGISTER {
    uint64_t Base;
    uint32_t Limit;
    uint16_t Selector;
    union {
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
        };
        uint16_t Attributes;
    };
} WHV_X64_SEGMENT_REGISTER;

typedef struct WHV_X64_TABLE_REGISTER {
    uint16_t Pad[3];
    uint16_t Limit;
    uint64_t Base;
} WHV_X64_TABLE_REGISTER;

typedef union WHV_X64_VP_EXECUTION_STATE {
    struct {
        uint16_t Cpl : 2;
        uint16_t Cr0Pe : 1;
        uint16_t Cr0Am : 1;
        uint16_t EferLma : 1;
        uint16_t DebugActive : 1;
        uint16_t InterruptionPending : 1;
        uint16_t Reserved0 : 5;
        uint16_t InterruptShadow : 1;
        uint16_t Reserved1 : 3;
    };
    uint16_t AsUINT16;
} WHV_X64_VP_EXECUTION_STATE;

typedef struct WHV_VP_EXIT_CONTEXT {
    WHV_X64_VP_EXECUTION_STATE ExecutionState;
    uint8_t InstructionLength : 4;
    uint8_t Cr8 : 4;
    uint8_t Reserved;
    uint32_t Reserved2;
    WHV_X64_SEGMENT_REGISTER Cs;
    uint64_t Rip;
    uint64_t Rflags;
} WHV_VP_EXIT_CONTEXT;

typedef enum WHV_MEMORY_ACCESS_TYPE {
    WHvMemoryAccessRead = 0,
    WHvMemoryAccessWrite = 1,
    WHvMemoryAccessExecute = 2,
} WHV_MEMORY_ACCESS_TYPE;

typedef union WHV_MEMORY_ACCESS_INFO {
    struct {
        uint32_t AccessType : 2;
        uint32_t GpaUnmapped : 1;
        uint32_t GvaValid : 1;
        uint32_t Reserved : 28;
    };
    uint32_t AsUINT32;
} WHV_MEMORY_ACCESS_INFO;

typedef struct WHV_MEMORY_ACCESS_CONTEXT {
    uint8_t InstructionByteCount;
    uint8_t Reserved[3];
    uint8_t InstructionBytes[16];
    WHV_MEMORY_ACCESS_INFO AccessInfo;
    uint64_t Gpa;
    uint64_t Gva;
} WHV_MEMORY_ACCESS_CONTEXT;

typedef union WHV_X64_IO_PORT_ACCESS_INFO {
    struct {
        uint32_t IsWrite : 1;
        uint32_t AccessSize : 3;
        uint32_t StringOp : 1;
        uint32_t RepPrefix : 1;
        uint32_t Reserved : 26;
    };
    uint32_t AsUINT32;
} WHV_X64_IO_PORT_ACCESS_INFO;

typedef struct WHV_X64_IO_PORT_ACCESS_CONTEXT {
    uint8_t InstructionByteCount;
    uint8_t Reserved[3];
    uint8_t InstructionBytes[16];
    WHV_X64_IO_PORT_ACCESS_INFO AccessInfo;
    uint16_t PortNumber;
    uint16_t Reserved2[3];
    uint64_t Rax;
    uint64_t Rcx;
    uint64_t Rsi;
    uint64_t Rdi;
    WHV_X64_SEGMENT_REGISTER Ds;
    WHV_X64_SEGMENT_REGISTER Es;
} WHV_X64_IO_PORT_ACCESS_CONTEXT;

typedef union WHV_X64_MSR_ACCESS_INFO {
    struct {
        uint32_t IsWrite : 1;
        uint32_t Reserved : 31;
    };
    uint32_t AsUINT32;
} WHV_X64_MSR_ACCESS_INFO;

typedef struct WHV_X64_MSR_ACCESS_CONTEXT {
    WHV_X64_MSR_ACCESS_INFO AccessInfo;
    uint32_t MsrNumber;
    uint64_t Rax;
    uint64_t Rdx;
} WHV_X64_MSR_ACCESS_CONTEXT;

typedef struct WHV_X64_CPUID_ACCESS_CONTEXT {
    uint64_t Rax;
    uint64_t Rcx;
    uint64_t Rdx;
    uint64_t Rbx;
    uint64_t DefaultResultRax;
    uint64_t DefaultResultRcx;
    uint64_t DefaultResultRdx;
    uint64_t DefaultResultRbx;
} WHV_X64_CPUID_ACCESS_CONTEXT;

typedef union WHV_VP_EXCEPTION_INFO {
    struct {
        uint32_t ErrorCodeValid : 1;
        uint32_t SoftwareException : 1;
        uint32_t Reserved : 30;
    };
    uint32_t AsUINT32;
} WHV_VP_EXCEPTION_INFO;

typedef struct WHV_VP_EXCEPTION_CONTEXT {
    uint8_t InstructionByteCount;
    uint8_t Reserved[3];
    uint8_t InstructionBytes[16];
    WHV_VP_EXCEPTION_INFO ExceptionInfo;
    uint8_t ExceptionType;
    uint8_t Reserved2[3];
    uint32_t ErrorCode;
    uint64_t ExceptionParameter;
} WHV_VP_EXCEPTION_CONTEXT;

typedef enum WHV_X64_PENDING_INTERRUPTION_TYPE {
    WHvX64PendingInterrupt = 0,
    WHvX64PendingNmi = 2,
    WHvX64PendingException = 3,
} WHV_X64_PENDING_INTERRUPTION_TYPE;

typedef struct WHV_X64_INTERRUPTION_DELIVERABLE_CONTEXT {
    WHV_X64_PENDING_INTERRUPTION_TYPE DeliverableType;
} WHV_X64_INTERRUPTION_DELIVERABLE_CONTEXT;

typedef enum WHV_X64_UNSUPPORTED_FEATURE_CODE {
    WHvUnsupportedFeatureIntercept = 1,
    WHvUnsupportedFeatureTaskSwitchTss = 2,
} WHV_X64_UNSUPPORTED_FEATURE_CODE;

typedef struct WHV_X64_UNSUPPORTED_FEATURE_CONTEXT {
    WHV_X64_UNSUPPORTED_FEATURE_CODE FeatureCode;
    uint32_t Reserved;
    uint64_t FeatureParameter;
} WHV_X64_UNSUPPORTED_FEATURE_CONTEXT;

typedef struct WHV_X64_APIC_EOI_CONTEXT {
    uint32_t InterruptVector;
} WHV_X64_APIC_EOI_CONTEXT;

typedef struct WHV_HYPERCALL_CONTEXT {
    uint64_t Rax;
    uint64_t Rbx;
    uint64_t Rcx;
    uint64_t Rdx;
    uint64_t R8;
    uint64_t Rsi;
    uint64_t Rdi;
    uint64_t Reserved0;
    WHV_UINT128 XmmRegisters[6];
    uint64_t Reserved1[2];
} WHV_HYPERCALL_CONTEXT;

typedef struct WHV_RUN_VP_EXIT_CONTEXT {
    WHV_RUN_VP_EXIT_REASON ExitReason;
    uint32_t Reserved;
    WHV_VP_EXIT_CONTEXT VpContext;
    union {
        WHV_MEMORY_ACCESS_CONTEXT MemoryAccess;
        WHV_X64_IO_PORT_ACCESS_CONTEXT IoPortAccess;
        WHV_X64_MSR_ACCESS_CONTEXT MsrAccess;
        WHV_X64_CPUID_ACCESS_CONTEXT CpuidAccess;
        WHV_VP_EXCEPTION_CONTEXT VpException;
        WHV_X64_INTERRUPTION_DELIVERABLE_CONTEXT InterruptWindow;
        WHV_X64_UNSUPPORTED_FEATURE_CONTEXT UnsupportedFeature;
        WHV_X64_APIC_EOI_CONTEXT ApicEoi;
        WHV_HYPERCALL_CONTEXT Hypercall;
    };
} WHV_RUN_VP_EXIT_CONTEXT;

/* ---- registers ---- */

typedef enum WHV_REGISTER_NAME {
    WHvX64RegisterRax = 0x00000000,
    WHvX64RegisterRcx = 0x00000001,
    WHvX64RegisterRdx = 0x00000002,
    WHvX64RegisterRbx = 0x00000003,
    WHvX64RegisterRsp = 0x00000004,
    WHvX64RegisterRbp = 0x00000005,
    WHvX64RegisterRsi = 0x00000006,
    WHvX64RegisterRdi = 0x00000007,
    WHvX64RegisterR8 = 0x00000008,
    WHvX64RegisterR9 = 0x00000009,
    WHvX64RegisterR10 = 0x0000000A,
    WHvX64RegisterR11 = 0x0000000B,
    WHvX64RegisterR12 = 0x0000000C,
    WHvX64RegisterR13 = 0x0000000D,
    WHvX64RegisterR14 = 0x0000000E,
    WHvX64RegisterR15 = 0x0000000F,
    WHvX64RegisterRip = 0x00000010,
    WHvX64RegisterRflags = 0x00000011,
    WHvX64RegisterEs = 0x00000012,
    WHvX64RegisterCs = 0x00000013,
    WHvX64RegisterSs = 0x00000014,
    WHvX64RegisterDs = 0x00000015,
    WHvX64RegisterFs = 0x00000016,
    WHvX64RegisterGs = 0x00000017,
    WHvX64RegisterLdtr = 0x00000018,
    WHvX64RegisterTr = 0x00000019,
    WHvX64RegisterIdtr = 0x0000001A,
    WHvX64RegisterGdtr = 0x0000001B,
    WHvX64RegisterCr0 = 0x0000001C,
    WHvX64RegisterCr2 = 0x0000001D,
    WHvX64RegisterCr3 = 0x0000001E,
    WHvX64RegisterCr4 = 0x0000001F,
    WHvX64RegisterCr8 = 0x00000020,
    WHvX64RegisterEfer = 0x00002001,
    WHvX64RegisterApicBase = 0x00002003,
    WHvRegisterPendingInterruption = 0x80000000,
    WHvRegisterInterruptState = 0x80000001,
    WHvX64RegisterDeliverabilityNotifications = 0x80000004,
    WHvRegisterInternalActivityState = 0x80000005,
} WHV_REGISTER_NAME;

typedef union WHV_X64_INTERRUPT_STATE_REGISTER {
    struct {
        uint64_t InterruptShadow : 1;
        uint64_t NmiMasked : 1;
        uint64_t Reserved : 62;
    };
    uint64_t AsUINT64;
} WHV_X64_INTERRUPT_STATE_REGISTER;

typedef union WHV_X64_PENDING_INTERRUPTION_REGISTER {
    struct {
        uint32_t InterruptionPending : 1;
        uint32_t InterruptionType : 3;
        uint32_t DeliverErrorCode : 1;
        uint32_t InstructionLength : 4;
        uint32_t NestedEvent : 1;
        uint32_t Reserved : 6;
        uint32_t InterruptionVector : 16;
        uint32_t ErrorCode;
    };
    uint64_t AsUINT64;
} WHV_X64_PENDING_INTERRUPTION_REGISTER;

typedef union WHV_X64_DELIVERABILITY_NOTIFICATIONS_REGISTER {
    struct {
        uint64_t NmiNotification : 1;
        uint64_t InterruptNotification : 1;
        uint64_t InterruptPriority : 4;
        uint64_t Reserved : 58;
    };
    uint64_t AsUINT64;
} WHV_X64_DELIVERABILITY_NOTIFICATIONS_REGISTER;

typedef union WHV_INTERNAL_ACTIVITY_REGISTER {
    struct {
        uint64_t StartupSuspend : 1;
        uint64_t HaltSuspend : 1;
        uint64_t IdleSuspend : 1;
        uint64_t Reserved : 61;
    };
    uint64_t AsUINT64;
} WHV_INTERNAL_ACTIVITY_REGISTER;

typedef union WHV_REGISTER_VALUE {
    WHV_UINT128 Reg128;
    uint64_t Reg64;
    uint32_t Reg32;
    uint16_t Reg16;
    uint8_t Reg8;
    WHV_X64_SEGMENT_REGISTER Segment;
    WHV_X64_TABLE_REGISTER Table;
    WHV_X64_INTERRUPT_STATE_REGISTER InterruptState;
    WHV_X64_PENDING_INTERRUPTION_REGISTER PendingInterruption;
    WHV_X64_DELIVERABILITY_NOTIFICATIONS_REGISTER DeliverabilityNotifications;
    WHV_INTERNAL_ACTIVITY_REGISTER InternalActivity;
} WHV_REGISTER_VALUE;

/* Microsoft's sizes (the C_ASSERTs of WinHvPlatformDefs.h) and the offsets
 * of the documented layouts. */
#define WINHV_ASSERT(cond) _Static_assert(cond, #cond)
WINHV_ASSERT(sizeof(WHV_UINT128) == 16);
WINHV_ASSERT(sizeof(WHV_X64_SEGMENT_REGISTER) == 16);
WINHV_ASSERT(offsetof(WHV_X64_SEGMENT_REGISTER, Selector) == 12);
WINHV_ASSERT(offsetof(WHV_X64_SEGMENT_REGISTER, Attributes) == 14);
WINHV_ASSERT(sizeof(WHV_X64_TABLE_REGISTER) == 16);
WINHV_ASSERT(offsetof(WHV_X64_TABLE_REGISTER, Limit) == 6);
WINHV_ASSERT(offsetof(WHV_X64_TABLE_REGISTER, Base) == 8);
WINHV_ASSERT(sizeof(WHV_X64_VP_EXECUTION_STATE) == 2);
WINHV_ASSERT(sizeof(WHV_VP_EXIT_CONTEXT) == 40);
WINHV_ASSERT(offsetof(WHV_VP_EXIT_CONTEXT, Cs) == 8);
WINHV_ASSERT(offsetof(WHV_VP_EXIT_CONTEXT, Rip) == 24);
WINHV_ASSERT(offsetof(WHV_VP_EXIT_CONTEXT, Rflags) == 32);
WINHV_ASSERT(sizeof(WHV_MEMORY_ACCESS_INFO) == 4);
WINHV_ASSERT(sizeof(WHV_MEMORY_ACCESS_CONTEXT) == 40);
WINHV_ASSERT(offsetof(WHV_MEMORY_ACCESS_CONTEXT, AccessInfo) == 20);
WINHV_ASSERT(offsetof(WHV_MEMORY_ACCESS_CONTEXT, Gpa) == 24);
WINHV_ASSERT(offsetof(WHV_MEMORY_ACCESS_CONTEXT, Gva) == 32);
WINHV_ASSERT(sizeof(WHV_X64_IO_PORT_ACCESS_INFO) == 4);
WINHV_ASSERT(sizeof(WHV_X64_IO_PORT_ACCESS_CONTEXT) == 96);
WINHV_ASSERT(offsetof(WHV_X64_IO_PORT_ACCESS_CONTEXT, PortNumber) == 24);
WINHV_ASSERT(offsetof(WHV_X64_IO_PORT_ACCESS_CONTEXT, Rax) == 32);
WINHV_ASSERT(offsetof(WHV_X64_IO_PORT_ACCESS_CONTEXT, Ds) == 64);
WINHV_ASSERT(offsetof(WHV_X64_IO_PORT_ACCESS_CONTEXT, Es) == 80);
WINHV_ASSERT(sizeof(WHV_X64_MSR_ACCESS_CONTEXT) == 24);
WINHV_ASSERT(sizeof(WHV_X64_CPUID_ACCESS_CONTEXT) == 64);
WINHV_ASSERT(sizeof(WHV_VP_EXCEPTION_CONTEXT) == 40);
WINHV_ASSERT(offsetof(WHV_VP_EXCEPTION_CONTEXT, ExceptionType) == 24);
WINHV_ASSERT(offsetof(WHV_VP_EXCEPTION_CONTEXT, ErrorCode) == 28);
WINHV_ASSERT(sizeof(WHV_X64_INTERRUPTION_DELIVERABLE_CONTEXT) == 4);
WINHV_ASSERT(sizeof(WHV_X64_UNSUPPORTED_FEATURE_CONTEXT) == 16);
WINHV_ASSERT(sizeof(WHV_HYPERCALL_CONTEXT) == 176);
WINHV_ASSERT(sizeof(WHV_RUN_VP_EXIT_CONTEXT) == 224);
WINHV_ASSERT(offsetof(WHV_RUN_VP_EXIT_CONTEXT, VpContext) == 8);
WINHV_ASSERT(offsetof(WHV_RUN_VP_EXIT_CONTEXT, MemoryAccess) == 48);
WINHV_ASSERT(sizeof(WHV_REGISTER_NAME) == 4);
WINHV_ASSERT(sizeof(WHV_X64_INTERRUPT_STATE_REGISTER) == 8);
WINHV_ASSERT(sizeof(WHV_X64_PENDING_INTERRUPTION_REGISTER) == 8);
WINHV_ASSERT(sizeof(WHV_X64_DELIVERABILITY_NOTIFICATIONS_REGISTER) == 8);
WINHV_ASSERT(sizeof(WHV_INTERNAL_ACTIVITY_REGISTER) == 8);
WINHV_ASSERT(sizeof(WHV_REGISTER_VALUE) == 16);
WINHV_ASSERT(_Alignof(WHV_REGISTER_VALUE) == 16);
#undef WINHV_ASSERT

#endif /* mirror */

#endif
