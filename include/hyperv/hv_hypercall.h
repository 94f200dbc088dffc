/*
 * hv_hypercall.h - hypercall calling convention (TLFS v6.0b chapter 3).
 *
 * The 64-bit hypercall input value (3.7), the 64-bit hypercall result
 * value (3.8), variable-sized input headers (3.7.1), the XMM fast
 * hypercall limits (3.7.2, 3.8.1), the VTL call/return control inputs
 * (15.6.1, 15.7.1), and static inline helpers to encode and decode them.
 *
 * Register mapping (3.7, 3.8), for reference:
 *   input value  RCX (x64) / EDX:EAX (x86)
 *   memory call: input GPA in RDX / EBX:ECX, output GPA in R8 / EDI:ESI
 *   fast call:   input parameters in RDX, R8 / EBX:ECX, EDI:ESI
 *                (XMM fast input adds XMM0-XMM5, up to 112 bytes)
 *   result value RAX / EDX:EAX
 */
#ifndef HYPERV_HV_HYPERCALL_H
#define HYPERV_HV_HYPERCALL_H

#include "hv_compiler.h"
#include "hv_status.h"

/* ---- 3.7 Hypercall input value ------------------------------------------ */
/*
 *  63:60 RsvdZ | 59:48 Rep start index | 47:44 RsvdZ | 43:32 Rep count |
 *  31:27 RsvdZ | 26 Is Nested | 25:17 Variable header size | 16 Fast |
 *  15:0 Call code
 */
typedef union HV_HYPERCALL_INPUT {
    uint64_t AsUINT64;
    struct {
        uint64_t CallCode : 16;
        uint64_t Fast : 1;
        uint64_t VariableHeaderSize : 9; /* in 8-byte units (3.7.1) */
        uint64_t IsNested : 1;
        uint64_t RsvdZ0 : 5;
        uint64_t RepCount : 12;
        uint64_t RsvdZ1 : 4;
        uint64_t RepStartIndex : 12;
        uint64_t RsvdZ2 : 4;
    } Bits;
} HV_HYPERCALL_INPUT;
HV_ASSERT_SIZE(HV_HYPERCALL_INPUT, 8);

#define HV_HYPERCALL_CALL_CODE_MASK HV_UINT64_C(0xFFFF)
#define HV_HYPERCALL_FAST_BIT HV_BIT64(16)
#define HV_HYPERCALL_VARHEAD_SHIFT 17
#define HV_HYPERCALL_VARHEAD_MASK HV_UINT64_C(0x1FF) /* after shifting */
#define HV_HYPERCALL_NESTED_BIT HV_BIT64(26)
#define HV_HYPERCALL_REP_COUNT_SHIFT 32
#define HV_HYPERCALL_REP_COUNT_MASK HV_UINT64_C(0xFFF) /* after shifting */
#define HV_HYPERCALL_REP_START_SHIFT 48
#define HV_HYPERCALL_REP_START_MASK HV_UINT64_C(0xFFF) /* after shifting */
/* Bits 31:27, 47:44 and 63:60 must be zero. */
#define HV_HYPERCALL_INPUT_RSVDZ_MASK HV_UINT64_C(0xF000F000F8000000)

#define HV_HYPERCALL_MAX_REP_COUNT 0xFFF
#define HV_HYPERCALL_MAX_VARHEAD_SIZE 0x1FF /* 8-byte units */

/* Encode a hypercall input value; each field is truncated to its width. */
static HV_INLINE uint64_t hv_hypercall_input(uint16_t call_code, int fast,
                                             uint32_t variable_header_size,
                                             int is_nested, uint32_t rep_count,
                                             uint32_t rep_start_index)
{
    return HV_CAST(uint64_t, call_code) | (fast ? HV_HYPERCALL_FAST_BIT : 0) |
           ((HV_CAST(uint64_t, variable_header_size) &
             HV_HYPERCALL_VARHEAD_MASK)
            << HV_HYPERCALL_VARHEAD_SHIFT) |
           (is_nested ? HV_HYPERCALL_NESTED_BIT : 0) |
           ((HV_CAST(uint64_t, rep_count) & HV_HYPERCALL_REP_COUNT_MASK)
            << HV_HYPERCALL_REP_COUNT_SHIFT) |
           ((HV_CAST(uint64_t, rep_start_index) & HV_HYPERCALL_REP_START_MASK)
            << HV_HYPERCALL_REP_START_SHIFT);
}

/* Shorthands: a simple memory-based call, a fast call, a rep call. */
static HV_INLINE uint64_t hv_hypercall_input_simple(uint16_t call_code)
{
    return hv_hypercall_input(call_code, 0, 0, 0, 0, 0);
}

static HV_INLINE uint64_t hv_hypercall_input_fast(uint16_t call_code)
{
    return hv_hypercall_input(call_code, 1, 0, 0, 0, 0);
}

static HV_INLINE uint64_t hv_hypercall_input_rep(uint16_t call_code,
                                                 uint32_t rep_count,
                                                 uint32_t rep_start_index)
{
    return hv_hypercall_input(call_code, 0, 0, 0, rep_count, rep_start_index);
}

static HV_INLINE uint16_t hv_hypercall_input_call_code(uint64_t input)
{
    return HV_CAST(uint16_t, input & HV_HYPERCALL_CALL_CODE_MASK);
}

static HV_INLINE int hv_hypercall_input_is_fast(uint64_t input)
{
    return (input & HV_HYPERCALL_FAST_BIT) != 0;
}

static HV_INLINE uint32_t
hv_hypercall_input_variable_header_size(uint64_t input)
{
    return HV_CAST(uint32_t, (input >> HV_HYPERCALL_VARHEAD_SHIFT) &
                      HV_HYPERCALL_VARHEAD_MASK);
}

static HV_INLINE int hv_hypercall_input_is_nested(uint64_t input)
{
    return (input & HV_HYPERCALL_NESTED_BIT) != 0;
}

static HV_INLINE uint32_t hv_hypercall_input_rep_count(uint64_t input)
{
    return HV_CAST(uint32_t, (input >> HV_HYPERCALL_REP_COUNT_SHIFT) &
                      HV_HYPERCALL_REP_COUNT_MASK);
}

static HV_INLINE uint32_t hv_hypercall_input_rep_start_index(uint64_t input)
{
    return HV_CAST(uint32_t, (input >> HV_HYPERCALL_REP_START_SHIFT) &
                      HV_HYPERCALL_REP_START_MASK);
}

/* The RsvdZ bits of an input value (non-zero means
 * HV_STATUS_INVALID_HYPERCALL_INPUT). */
static HV_INLINE uint64_t hv_hypercall_input_reserved_bits(uint64_t input)
{
    return input & HV_HYPERCALL_INPUT_RSVDZ_MASK;
}

/* Replace the rep start index (used when a rep hypercall is continued,
 * 3.2 / 3.3: the hypervisor writes the new index back to RCX). */
static HV_INLINE uint64_t hv_hypercall_input_with_rep_start_index(
    uint64_t input, uint32_t rep_start_index)
{
    return (input & ~(HV_HYPERCALL_REP_START_MASK
                      << HV_HYPERCALL_REP_START_SHIFT)) |
           ((HV_CAST(uint64_t, rep_start_index) & HV_HYPERCALL_REP_START_MASK)
            << HV_HYPERCALL_REP_START_SHIFT);
}

/*
 * Check the parts of an input value that 3.12.3 makes common to every
 * hypercall: reserved bits clear, and a rep count that suits the call
 * (zero for a simple call, non-zero and above the start index for a rep
 * call).  Returns HV_STATUS_SUCCESS or HV_STATUS_INVALID_HYPERCALL_INPUT.
 */
static HV_INLINE HV_STATUS hv_hypercall_input_check(uint64_t input, int is_rep)
{
    uint32_t count = hv_hypercall_input_rep_count(input);
    uint32_t start = hv_hypercall_input_rep_start_index(input);

    if (hv_hypercall_input_reserved_bits(input) != 0)
        return HV_STATUS_INVALID_HYPERCALL_INPUT;
    if (is_rep) {
        if (count == 0 || start >= count)
            return HV_STATUS_INVALID_HYPERCALL_INPUT;
    } else if (count != 0 || start != 0) {
        return HV_STATUS_INVALID_HYPERCALL_INPUT;
    }
    return HV_STATUS_SUCCESS;
}

/* ---- 3.7.1 Variable sized hypercall input headers ----------------------- */

/* Variable header size field for a header of total_bytes whose fixed part
 * is fixed_bytes: (total - fixed) rounded up to 8, in 8-byte units. */
static HV_INLINE uint32_t
hv_hypercall_variable_header_size(uint32_t total_bytes, uint32_t fixed_bytes)
{
    if (total_bytes <= fixed_bytes)
        return 0;
    return (total_bytes - fixed_bytes + 7) / 8;
}

/* ---- 3.8 Hypercall result value ----------------------------------------- */
/*
 *  63:44 Rsvd | 43:32 Reps completed | 31:16 Rsvd | 15:0 Result (HV_STATUS)
 */
typedef union HV_HYPERCALL_OUTPUT {
    uint64_t AsUINT64;
    struct {
        uint64_t Result : 16; /* HV_STATUS */
        uint64_t Rsvd0 : 16;
        uint64_t RepsCompleted : 12;
        uint64_t Rsvd1 : 20;
    } Bits;
} HV_HYPERCALL_OUTPUT;
HV_ASSERT_SIZE(HV_HYPERCALL_OUTPUT, 8);

#define HV_HYPERCALL_RESULT_MASK HV_UINT64_C(0xFFFF)
#define HV_HYPERCALL_REPS_COMPLETED_SHIFT 32
#define HV_HYPERCALL_REPS_COMPLETED_MASK HV_UINT64_C(0xFFF) /* after shifting */

/* Encode a result value.  For rep calls, reps_completed is the total number
 * of reps done, not relative to the rep start index (3.8). */
static HV_INLINE uint64_t hv_hypercall_result(HV_STATUS status,
                                              uint32_t reps_completed)
{
    return HV_CAST(uint64_t, status) |
           ((HV_CAST(uint64_t, reps_completed) &
             HV_HYPERCALL_REPS_COMPLETED_MASK)
            << HV_HYPERCALL_REPS_COMPLETED_SHIFT);
}

static HV_INLINE HV_STATUS hv_hypercall_result_status(uint64_t result)
{
    return HV_CAST(HV_STATUS, result & HV_HYPERCALL_RESULT_MASK);
}

static HV_INLINE uint32_t hv_hypercall_result_reps_completed(uint64_t result)
{
    return HV_CAST(uint32_t, (result >> HV_HYPERCALL_REPS_COMPLETED_SHIFT) &
                      HV_HYPERCALL_REPS_COMPLETED_MASK);
}

/* ---- 3.1, 3.6 Parameter blocks ------------------------------------------ */

#define HV_HYPERCALL_PARAMETER_ALIGNMENT 8 /* GPA and size of in/out blocks */

/* ---- 3.7.2, 3.8.1 XMM fast hypercalls ----------------------------------- */

#define HV_HYPERCALL_XMM_INPUT_MAX_BYTES 112 /* RDX, R8 and XMM0-XMM5 */
#define HV_HYPERCALL_XMM_REGISTER_COUNT 6    /* XMM0-XMM5 */

/* ---- 3.13 Hypercall page ------------------------------------------------ */
/* A CALL to the start of the hypercall page issues the hypercall; the page
 * returns with the equivalent of a near RET (0xC3). */
#define HV_HYPERCALL_PAGE_RET_OPCODE 0xC3

/* ---- 3.14 Extended hypercalls ------------------------------------------- */
/* Call codes above 0x8000 are extended hypercalls. */
#define HV_EXTENDED_HYPERCALL_CODE_BASE 0x8000
#define HV_IS_EXTENDED_HYPERCALL(code)                                        \
    ((code) > HV_EXTENDED_HYPERCALL_CODE_BASE)

/* ---- 15.6.1, 15.7.1 VTL call and return control inputs (RCX / EDX:EAX) -- */
/* A VTL call's control input is RsvdZ (all zero); a VTL return's has bit 0
 * "fast return": when set, the lower VTL's registers are not restored from
 * the VP assist page. */
#define HV_VTL_CALL_CONTROL_INPUT HV_UINT64_C(0)
#define HV_VTL_RETURN_FAST_RETURN HV_BIT64(0)

#endif /* HYPERV_HV_HYPERCALL_H */
