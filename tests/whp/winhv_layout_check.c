/*
 * Compiled (never run) by scripts/build-windows.sh with mingw-w64: checks
 * that the mirrored WHP types in src/accel/winhv_types.h, which the Linux
 * build and unit tests use, have exactly the sizes, alignments, member
 * offsets, bit-field positions and constant values of Microsoft's
 * <WinHvPlatformDefs.h>.
 *
 * The real header comes first and its layout is recorded in enum
 * constants; then every name the mirror declares is renamed (mirror_X) and
 * the mirror is included, and each recorded value is compared with the
 * mirror's. Bit positions are compared by setting one field in a zeroed
 * real and mirror object: at -O2 GCC folds the comparison, and a call to a
 * function marked with the error attribute that is not folded away fails
 * the build.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <windows.h>
#include <winhvplatformdefs.h>

#define TYPES(X) \
    X(WHV_UINT128) X(WHV_X64_SEGMENT_REGISTER) X(WHV_X64_TABLE_REGISTER) \
    X(WHV_X64_VP_EXECUTION_STATE) X(WHV_VP_EXIT_CONTEXT) X(WHV_MEMORY_ACCESS_INFO) \
    X(WHV_MEMORY_ACCESS_CONTEXT) X(WHV_X64_IO_PORT_ACCESS_INFO) \
    X(WHV_X64_IO_PORT_ACCESS_CONTEXT) X(WHV_X64_MSR_ACCESS_INFO) \
    X(WHV_X64_MSR_ACCESS_CONTEXT) X(WHV_X64_CPUID_ACCESS_CONTEXT) X(WHV_VP_EXCEPTION_INFO) \
    X(WHV_VP_EXCEPTION_CONTEXT) X(WHV_X64_INTERRUPTION_DELIVERABLE_CONTEXT) \
    X(WHV_X64_UNSUPPORTED_FEATURE_CONTEXT) X(WHV_X64_APIC_EOI_CONTEXT) \
    X(WHV_HYPERCALL_CONTEXT) X(WHV_RUN_VP_EXIT_CONTEXT) X(WHV_X64_INTERRUPT_STATE_REGISTER) \
    X(WHV_X64_PENDING_INTERRUPTION_REGISTER) \
    X(WHV_X64_DELIVERABILITY_NOTIFICATIONS_REGISTER) X(WHV_INTERNAL_ACTIVITY_REGISTER) \
    X(WHV_REGISTER_VALUE) X(WHV_RUN_VP_EXIT_REASON) X(WHV_REGISTER_NAME) \
    X(WHV_MEMORY_ACCESS_TYPE) X(WHV_X64_PENDING_INTERRUPTION_TYPE) \
    X(WHV_X64_UNSUPPORTED_FEATURE_CODE)

#define FIELDS(X) \
    X(WHV_UINT128, Low64) X(WHV_UINT128, High64) X(WHV_UINT128, Dword) \
    X(WHV_X64_SEGMENT_REGISTER, Base) X(WHV_X64_SEGMENT_REGISTER, Limit) \
    X(WHV_X64_SEGMENT_REGISTER, Selector) X(WHV_X64_SEGMENT_REGISTER, Attributes) \
    X(WHV_X64_TABLE_REGISTER, Pad) X(WHV_X64_TABLE_REGISTER, Limit) \
    X(WHV_X64_TABLE_REGISTER, Base) \
    X(WHV_X64_VP_EXECUTION_STATE, AsUINT16) \
    X(WHV_VP_EXIT_CONTEXT, ExecutionState) X(WHV_VP_EXIT_CONTEXT, Reserved) \
    X(WHV_VP_EXIT_CONTEXT, Reserved2) X(WHV_VP_EXIT_CONTEXT, Cs) X(WHV_VP_EXIT_CONTEXT, Rip) \
    X(WHV_VP_EXIT_CONTEXT, Rflags) \
    X(WHV_MEMORY_ACCESS_INFO, AsUINT32) \
    X(WHV_MEMORY_ACCESS_CONTEXT, InstructionByteCount) X(WHV_MEMORY_ACCESS_CONTEXT, Reserved) \
    X(WHV_MEMORY_ACCESS_CONTEXT, InstructionBytes) X(WHV_MEMORY_ACCESS_CONTEXT, AccessInfo) \
    X(WHV_MEMORY_ACCESS_CONTEXT, Gpa) X(WHV_MEMORY_ACCESS_CONTEXT, Gva) \
    X(WHV_X64_IO_PORT_ACCESS_INFO, AsUINT32) \
    X(WHV_X64_IO_PORT_ACCESS_CONTEXT, InstructionByteCount) \
    X(WHV_X64_IO_PORT_ACCESS_CONTEXT, InstructionBytes) \
    X(WHV_X64_IO_PORT_ACCESS_CONTEXT, AccessInfo) X(WHV_X64_IO_PORT_ACCESS_CONTEXT, PortNumber) \
    X(WHV_X64_IO_PORT_ACCESS_CONTEXT, Reserved2) X(WHV_X64_IO_PORT_ACCESS_CONTEXT, Rax) \
    X(WHV_X64_IO_PORT_ACCESS_CONTEXT, Rcx) X(WHV_X64_IO_PORT_ACCESS_CONTEXT, Rsi) \
    X(WHV_X64_IO_PORT_ACCESS_CONTEXT, Rdi) X(WHV_X64_IO_PORT_ACCESS_CONTEXT, Ds) \
    X(WHV_X64_IO_PORT_ACCESS_CONTEXT, Es) \
    X(WHV_X64_MSR_ACCESS_INFO, AsUINT32) \
    X(WHV_X64_MSR_ACCESS_CONTEXT, AccessInfo) X(WHV_X64_MSR_ACCESS_CONTEXT, MsrNumber) \
    X(WHV_X64_MSR_ACCESS_CONTEXT, Rax) X(WHV_X64_MSR_ACCESS_CONTEXT, Rdx) \
    X(WHV_X64_CPUID_ACCESS_CONTEXT, Rax) X(WHV_X64_CPUID_ACCESS_CONTEXT, Rcx) \
    X(WHV_X64_CPUID_ACCESS_CONTEXT, Rdx) X(WHV_X64_CPUID_ACCESS_CONTEXT, Rbx) \
    X(WHV_X64_CPUID_ACCESS_CONTEXT, DefaultResultRax) \
    X(WHV_X64_CPUID_ACCESS_CONTEXT, DefaultResultRcx) \
    X(WHV_X64_CPUID_ACCESS_CONTEXT, DefaultResultRdx) \
    X(WHV_X64_CPUID_ACCESS_CONTEXT, DefaultResultRbx) \
    X(WHV_VP_EXCEPTION_INFO, AsUINT32) \
    X(WHV_VP_EXCEPTION_CONTEXT, InstructionByteCount) \
    X(WHV_VP_EXCEPTION_CONTEXT, InstructionBytes) X(WHV_VP_EXCEPTION_CONTEXT, ExceptionInfo) \
    X(WHV_VP_EXCEPTION_CONTEXT, ExceptionType) X(WHV_VP_EXCEPTION_CONTEXT, ErrorCode) \
    X(WHV_VP_EXCEPTION_CONTEXT, ExceptionParameter) \
    X(WHV_X64_INTERRUPTION_DELIVERABLE_CONTEXT, DeliverableType) \
    X(WHV_X64_UNSUPPORTED_FEATURE_CONTEXT, FeatureCode) \
    X(WHV_X64_UNSUPPORTED_FEATURE_CONTEXT, FeatureParameter) \
    X(WHV_X64_APIC_EOI_CONTEXT, InterruptVector) \
    X(WHV_HYPERCALL_CONTEXT, Rax) X(WHV_HYPERCALL_CONTEXT, Rbx) X(WHV_HYPERCALL_CONTEXT, Rcx) \
    X(WHV_HYPERCALL_CONTEXT, Rdx) X(WHV_HYPERCALL_CONTEXT, R8) X(WHV_HYPERCALL_CONTEXT, Rsi) \
    X(WHV_HYPERCALL_CONTEXT, Rdi) X(WHV_HYPERCALL_CONTEXT, XmmRegisters) \
    X(WHV_RUN_VP_EXIT_CONTEXT, ExitReason) X(WHV_RUN_VP_EXIT_CONTEXT, VpContext) \
    X(WHV_RUN_VP_EXIT_CONTEXT, MemoryAccess) X(WHV_RUN_VP_EXIT_CONTEXT, IoPortAccess) \
    X(WHV_RUN_VP_EXIT_CONTEXT, MsrAccess) X(WHV_RUN_VP_EXIT_CONTEXT, CpuidAccess) \
    X(WHV_RUN_VP_EXIT_CONTEXT, VpException) X(WHV_RUN_VP_EXIT_CONTEXT, InterruptWindow) \
    X(WHV_RUN_VP_EXIT_CONTEXT, UnsupportedFeature) X(WHV_RUN_VP_EXIT_CONTEXT, ApicEoi) \
    X(WHV_RUN_VP_EXIT_CONTEXT, Hypercall) \
    X(WHV_X64_INTERRUPT_STATE_REGISTER, AsUINT64) \
    X(WHV_X64_PENDING_INTERRUPTION_REGISTER, ErrorCode) \
    X(WHV_X64_PENDING_INTERRUPTION_REGISTER, AsUINT64) \
    X(WHV_X64_DELIVERABILITY_NOTIFICATIONS_REGISTER, AsUINT64) \
    X(WHV_INTERNAL_ACTIVITY_REGISTER, AsUINT64) \
    X(WHV_REGISTER_VALUE, Reg128) X(WHV_REGISTER_VALUE, Reg64) X(WHV_REGISTER_VALUE, Reg32) \
    X(WHV_REGISTER_VALUE, Reg16) X(WHV_REGISTER_VALUE, Reg8) X(WHV_REGISTER_VALUE, Segment) \
    X(WHV_REGISTER_VALUE, Table) X(WHV_REGISTER_VALUE, InterruptState) \
    X(WHV_REGISTER_VALUE, PendingInterruption) \
    X(WHV_REGISTER_VALUE, DeliverabilityNotifications) X(WHV_REGISTER_VALUE, InternalActivity)

#define BITS(X) \
    X(WHV_X64_VP_EXECUTION_STATE, Cpl) X(WHV_X64_VP_EXECUTION_STATE, Cr0Pe) \
    X(WHV_X64_VP_EXECUTION_STATE, Cr0Am) X(WHV_X64_VP_EXECUTION_STATE, EferLma) \
    X(WHV_X64_VP_EXECUTION_STATE, DebugActive) \
    X(WHV_X64_VP_EXECUTION_STATE, InterruptionPending) \
    X(WHV_X64_VP_EXECUTION_STATE, InterruptShadow) \
    X(WHV_VP_EXIT_CONTEXT, InstructionLength) X(WHV_VP_EXIT_CONTEXT, Cr8) \
    X(WHV_X64_SEGMENT_REGISTER, SegmentType) X(WHV_X64_SEGMENT_REGISTER, NonSystemSegment) \
    X(WHV_X64_SEGMENT_REGISTER, DescriptorPrivilegeLevel) X(WHV_X64_SEGMENT_REGISTER, Present) \
    X(WHV_X64_SEGMENT_REGISTER, Available) X(WHV_X64_SEGMENT_REGISTER, Long) \
    X(WHV_X64_SEGMENT_REGISTER, Default) X(WHV_X64_SEGMENT_REGISTER, Granularity) \
    X(WHV_MEMORY_ACCESS_INFO, AccessType) X(WHV_MEMORY_ACCESS_INFO, GpaUnmapped) \
    X(WHV_MEMORY_ACCESS_INFO, GvaValid) \
    X(WHV_X64_IO_PORT_ACCESS_INFO, IsWrite) X(WHV_X64_IO_PORT_ACCESS_INFO, AccessSize) \
    X(WHV_X64_IO_PORT_ACCESS_INFO, StringOp) X(WHV_X64_IO_PORT_ACCESS_INFO, RepPrefix) \
    X(WHV_X64_MSR_ACCESS_INFO, IsWrite) \
    X(WHV_VP_EXCEPTION_INFO, ErrorCodeValid) X(WHV_VP_EXCEPTION_INFO, SoftwareException) \
    X(WHV_X64_INTERRUPT_STATE_REGISTER, InterruptShadow) \
    X(WHV_X64_INTERRUPT_STATE_REGISTER, NmiMasked) \
    X(WHV_X64_PENDING_INTERRUPTION_REGISTER, InterruptionPending) \
    X(WHV_X64_PENDING_INTERRUPTION_REGISTER, InterruptionType) \
    X(WHV_X64_PENDING_INTERRUPTION_REGISTER, DeliverErrorCode) \
    X(WHV_X64_PENDING_INTERRUPTION_REGISTER, InstructionLength) \
    X(WHV_X64_PENDING_INTERRUPTION_REGISTER, NestedEvent) \
    X(WHV_X64_PENDING_INTERRUPTION_REGISTER, InterruptionVector) \
    X(WHV_X64_DELIVERABILITY_NOTIFICATIONS_REGISTER, NmiNotification) \
    X(WHV_X64_DELIVERABILITY_NOTIFICATIONS_REGISTER, InterruptNotification) \
    X(WHV_X64_DELIVERABILITY_NOTIFICATIONS_REGISTER, InterruptPriority) \
    X(WHV_INTERNAL_ACTIVITY_REGISTER, StartupSuspend) \
    X(WHV_INTERNAL_ACTIVITY_REGISTER, HaltSuspend) X(WHV_INTERNAL_ACTIVITY_REGISTER, IdleSuspend)

#define CONSTANTS(X) \
    X(WHvRunVpExitReasonNone) X(WHvRunVpExitReasonMemoryAccess) \
    X(WHvRunVpExitReasonX64IoPortAccess) X(WHvRunVpExitReasonUnrecoverableException) \
    X(WHvRunVpExitReasonInvalidVpRegisterValue) X(WHvRunVpExitReasonUnsupportedFeature) \
    X(WHvRunVpExitReasonX64InterruptWindow) X(WHvRunVpExitReasonX64Halt) \
    X(WHvRunVpExitReasonX64ApicEoi) X(WHvRunVpExitReasonSynicSintDeliverable) \
    X(WHvRunVpExitReasonX64MsrAccess) X(WHvRunVpExitReasonX64Cpuid) \
    X(WHvRunVpExitReasonException) X(WHvRunVpExitReasonX64Rdtsc) \
    X(WHvRunVpExitReasonX64ApicSmiTrap) X(WHvRunVpExitReasonHypercall) \
    X(WHvRunVpExitReasonX64ApicInitSipiTrap) X(WHvRunVpExitReasonX64ApicWriteTrap) \
    X(WHvRunVpExitReasonCanceled) \
    X(WHvMemoryAccessRead) X(WHvMemoryAccessWrite) X(WHvMemoryAccessExecute) \
    X(WHvX64PendingInterrupt) X(WHvX64PendingNmi) X(WHvX64PendingException) \
    X(WHvUnsupportedFeatureIntercept) X(WHvUnsupportedFeatureTaskSwitchTss) \
    X(WHvX64RegisterRax) X(WHvX64RegisterRcx) X(WHvX64RegisterRdx) X(WHvX64RegisterRbx) \
    X(WHvX64RegisterRsp) X(WHvX64RegisterRbp) X(WHvX64RegisterRsi) X(WHvX64RegisterRdi) \
    X(WHvX64RegisterR8) X(WHvX64RegisterR9) X(WHvX64RegisterR10) X(WHvX64RegisterR11) \
    X(WHvX64RegisterR12) X(WHvX64RegisterR13) X(WHvX64RegisterR14) X(WHvX64RegisterR15) \
    X(WHvX64RegisterRip) X(WHvX64RegisterRflags) X(WHvX64RegisterEs) X(WHvX64RegisterCs) \
    X(WHvX64RegisterSs) X(WHvX64RegisterDs) X(WHvX64RegisterFs) X(WHvX64RegisterGs) \
    X(WHvX64RegisterLdtr) X(WHvX64RegisterTr) X(WHvX64RegisterIdtr) X(WHvX64RegisterGdtr) \
    X(WHvX64RegisterCr0) X(WHvX64RegisterCr2) X(WHvX64RegisterCr3) X(WHvX64RegisterCr4) \
    X(WHvX64RegisterCr8) X(WHvX64RegisterEfer) X(WHvX64RegisterApicBase) \
    X(WHvRegisterPendingInterruption) X(WHvRegisterInterruptState) \
    X(WHvX64RegisterDeliverabilityNotifications) X(WHvRegisterInternalActivityState)

/* ---- 1: the real layout ---- */

#define RECORD_TYPE(T) \
    typedef T real_##T; \
    enum { real_size_##T = sizeof(T), real_align_##T = _Alignof(T) };
TYPES(RECORD_TYPE)

#define RECORD_FIELD(T, F) enum { real_off_##T##_##F = offsetof(T, F) };
FIELDS(RECORD_FIELD)

#define RECORD_CONSTANT(C) enum { real_const_##C = (int)(unsigned)C };
CONSTANTS(RECORD_CONSTANT)

/* ---- 2: the mirror, under other names ---- */

/* #define X mirror_X for every WHV_ and WHv name in the mirror, generated
 * from winhv_types.h by scripts/build-windows.sh (the preprocessor cannot
 * define macros from a list). */
#include "winhv_layout_renames.h"

#define WINHV_MIRROR
#include "accel/winhv_types.h"

/* ---- 3: compare ---- */

#define CHECK_TYPE(T) \
    _Static_assert(!__builtin_types_compatible_p(T, real_##T), #T " is not mirrored"); \
    _Static_assert(sizeof(T) == real_size_##T, "size of " #T); \
    _Static_assert(_Alignof(T) == real_align_##T, "alignment of " #T);
TYPES(CHECK_TYPE)

#define CHECK_FIELD(T, F) \
    _Static_assert(offsetof(T, F) == real_off_##T##_##F, "offset of " #T "." #F);
FIELDS(CHECK_FIELD)

#define CHECK_CONSTANT(C) _Static_assert((int)(unsigned)C == real_const_##C, "value of " #C);
CONSTANTS(CHECK_CONSTANT)

extern void winhv_bit_field_differs(void)
    __attribute__((error("a bit field of winhv_types.h differs from WinHvPlatformDefs.h")));

/* The objects are compared byte by byte: GCC folds a byte load from
 * earlier constant stores (the zeroing, the bit field's update). */
#define CHECK_BITS(T, F) \
    { \
        union { real_##T v; unsigned char b[sizeof(real_##T)]; } real; \
        union { T v; unsigned char b[sizeof(T)]; } mirror; \
        memset(&real, 0, sizeof real); \
        memset(&mirror, 0, sizeof mirror); \
        real.v.F--; \
        mirror.v.F--; \
        _Pragma("GCC unroll 64") \
        for (size_t i = 0; i < sizeof(T); i++) \
            if (real.b[i] != mirror.b[i]) \
                winhv_bit_field_differs(); \
    }

void winhv_layout_check(void);
void winhv_layout_check(void)
{
    BITS(CHECK_BITS)
}
