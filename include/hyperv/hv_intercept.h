/*
 * hv_intercept.h - intercept message data types (TLFS v6.0b 13.2).
 *
 * The common header of x64 memory-access and processor intercept message
 * payloads, the VP execution state, and the I/O port, exception and
 * memory access information bytes.  v6.0b does not lay out the complete
 * payloads of the individual intercept messages (I/O port, MSR, CPUID,
 * exception, memory), nor number the intercept access type mask bits, so
 * neither is defined here.
 */
#ifndef HYPERV_HV_INTERCEPT_H
#define HYPERV_HV_INTERCEPT_H

#include "hv_types.h"
#include "hv_registers.h"

/* The access (read, write or execute) that triggered the intercept. */
typedef uint8_t HV_INTERCEPT_ACCESS_TYPE_MASK;

/* ---- 13.2.3 VP execution state ------------------------------------------ */
typedef union HV_X64_VP_EXECUTION_STATE {
    uint16_t AsUINT16;
    struct {
        uint16_t Cpl : 2;
        uint16_t Cr0Pe : 1;
        uint16_t Cr0Am : 1;
        uint16_t EferLma : 1;
        uint16_t DebugActive : 1;
        uint16_t InterruptionPending : 1;
        uint16_t Reserved0 : 4;
        uint16_t Reserved1 : 5;
    } Bits;
} HV_X64_VP_EXECUTION_STATE;
HV_ASSERT_SIZE(HV_X64_VP_EXECUTION_STATE, 2);

/* ---- 13.2.2 Intercept message header ------------------------------------ */
typedef struct HV_X64_INTERCEPT_MESSAGE_HEADER {
    HV_VP_INDEX VpIndex;
    uint8_t InstructionLength; /* 0 if unknown */
    HV_INTERCEPT_ACCESS_TYPE_MASK InterceptAccessType;
    HV_X64_VP_EXECUTION_STATE ExecutionState;
    HV_X64_SEGMENT_REGISTER CsSegment;
    uint64_t Rip;
    uint64_t Rflags;
} HV_X64_INTERCEPT_MESSAGE_HEADER;
HV_ASSERT_SIZE(HV_X64_INTERCEPT_MESSAGE_HEADER, 40);
HV_ASSERT_OFFSET(HV_X64_INTERCEPT_MESSAGE_HEADER, InstructionLength, 4);
HV_ASSERT_OFFSET(HV_X64_INTERCEPT_MESSAGE_HEADER, InterceptAccessType, 5);
HV_ASSERT_OFFSET(HV_X64_INTERCEPT_MESSAGE_HEADER, ExecutionState, 6);
HV_ASSERT_OFFSET(HV_X64_INTERCEPT_MESSAGE_HEADER, CsSegment, 8);
HV_ASSERT_OFFSET(HV_X64_INTERCEPT_MESSAGE_HEADER, Rip, 24);
HV_ASSERT_OFFSET(HV_X64_INTERCEPT_MESSAGE_HEADER, Rflags, 32);

/* ---- 13.2.4 I/O port access information --------------------------------- */
typedef union HV_X64_IO_PORT_ACCESS_INFO {
    uint8_t AsUINT8;
    struct {
        uint8_t AccessSize : 3; /* 001b: 8 bits, 010b: 16, 100b: 32 */
        uint8_t StringOp : 1;
        uint8_t RepPrefix : 1;
        uint8_t Reserved : 3;
    } Bits;
} HV_X64_IO_PORT_ACCESS_INFO;
HV_ASSERT_SIZE(HV_X64_IO_PORT_ACCESS_INFO, 1);

#define HV_X64_IO_PORT_ACCESS_SIZE_8 0x1
#define HV_X64_IO_PORT_ACCESS_SIZE_16 0x2
#define HV_X64_IO_PORT_ACCESS_SIZE_32 0x4

/* ---- 13.2.5 Exception information --------------------------------------- */
typedef union HV_X64_EXCEPTION_INFO {
    uint8_t AsUINT8;
    struct {
        uint8_t ErrorCodeValid : 1;
        uint8_t Reserved : 7;
    } Bits;
} HV_X64_EXCEPTION_INFO;
HV_ASSERT_SIZE(HV_X64_EXCEPTION_INFO, 1);

/* ---- 13.2.6 Memory access flags ----------------------------------------- */
typedef union HV_X64_MEMORY_ACCESS_INFO {
    uint8_t AsUINT8;
    struct {
        uint8_t GvaValid : 1;
        uint8_t Reserved : 7;
    } Bits;
} HV_X64_MEMORY_ACCESS_INFO;
HV_ASSERT_SIZE(HV_X64_MEMORY_ACCESS_INFO, 1);

#endif /* HYPERV_HV_INTERCEPT_H */
