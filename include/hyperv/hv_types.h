/*
 * hv_types.h - basic Hyper-V data types (TLFS v6.0b).
 *
 * Scalar types and address-space types (TLFS 1.6, 1.8), partition IDs
 * (4.2.1), virtual processor indices (7.8.1), virtual trust levels
 * (15.2, 15.15.1) and virtual processor sets (7.8.7.3 - 7.8.7.5).
 *
 * The TLFS's UINT8..UINT64 are the <stdint.h> types; UINT128 is
 * HV_UINT128 below.  Enumerations in the TLFS are 32-bit values (1.9), so
 * every enumerated type here is a uint32_t typedef plus an enum of its
 * constants; fields stay exactly 32 bits wide whatever the compiler's enum
 * size is.
 */
#ifndef HYPERV_HV_TYPES_H
#define HYPERV_HV_TYPES_H

#include "hv_compiler.h"

/* ---- 1.6 Simple scalar types -------------------------------------------- */

/* 128-bit value, low half first (little-endian, 1.10). */
typedef struct HV_UINT128 {
    uint64_t Low64;
    uint64_t High64;
} HV_UINT128;
HV_ASSERT_SIZE(HV_UINT128, 16);
HV_ASSERT_OFFSET(HV_UINT128, High64, 8);

/* ---- 1.8 Memory address space types ------------------------------------- */

typedef uint64_t HV_SPA; /* system physical address */
typedef uint64_t HV_GPA; /* guest physical address */
typedef uint64_t HV_GVA; /* guest virtual address */

#ifndef X64_PAGE_SIZE
#define X64_PAGE_SIZE 0x1000
#endif
#ifndef X64_LARGE_PAGE_SIZE
/* The TLFS uses X64_LARGE_PAGE_SIZE without a value; an x64 large page
 * (a 2 MB page, 9.1.2) is 0x200000 bytes. */
#define X64_LARGE_PAGE_SIZE 0x200000
#endif
#define HV_X64_MAX_PAGE_NUMBER (~HV_UINT64_C(0) / X64_PAGE_SIZE)
#define HV_PAGE_SIZE X64_PAGE_SIZE
#define HV_LARGE_PAGE_SIZE X64_LARGE_PAGE_SIZE
#define HV_PAGE_MASK (HV_PAGE_SIZE - 1)
#define HV_PAGE_SHIFT 12 /* log2(HV_PAGE_SIZE) */

typedef uint64_t HV_SPA_PAGE_NUMBER;
typedef uint64_t HV_GPA_PAGE_NUMBER;
typedef uint64_t HV_GVA_PAGE_NUMBER;
typedef uint32_t HV_SPA_PAGE_OFFSET;

/* ---- 4.2.1 Partition IDs ------------------------------------------------ */

typedef uint64_t HV_PARTITION_ID;
#define HV_PARTITION_ID_INVALID (HV_CAST(HV_PARTITION_ID, 0x0))
#define HV_PARTITION_ID_SELF (HV_CAST(HV_PARTITION_ID, -1))

/* ---- 7.8.1 Virtual processor index -------------------------------------- */

typedef uint32_t HV_VP_INDEX;
#define HV_ANY_VP (HV_CAST(HV_VP_INDEX, -1))
#define HV_VP_INDEX_SELF (HV_CAST(HV_VP_INDEX, -2))

/* APIC ID as used by HvCallGetVpIndexFromApicId (7.10.4). */
typedef uint32_t HV_APIC_ID;

/* ---- 15.2 / 15.15.1 Virtual trust levels -------------------------------- */

typedef uint8_t HV_VTL;
#define HV_NUM_VTLS 2             /* VTLs implemented today */
#define HV_MAX_VTL_COUNT 16       /* architectural limit (15.2) */
#define HV_INVALID_VTL (HV_CAST(HV_VTL, -1))
#define HV_VTL_ALL 0xF

/* Input for targeting a specific VTL (15.15.1). */
typedef union HV_INPUT_VTL {
    uint8_t AsUINT8;
    struct {
        uint8_t TargetVtl : 4;
        uint8_t UseTargetVtl : 1;
        uint8_t ReservedZ : 3;
    } Bits;
} HV_INPUT_VTL;
HV_ASSERT_SIZE(HV_INPUT_VTL, 1);

#define HV_INPUT_VTL_TARGET_VTL_MASK 0x0F
#define HV_INPUT_VTL_USE_TARGET_VTL 0x10

/* Encode an HV_INPUT_VTL byte that targets "vtl" explicitly. */
static HV_INLINE uint8_t hv_input_vtl_target(HV_VTL vtl)
{
    return HV_CAST(uint8_t, HV_INPUT_VTL_USE_TARGET_VTL |
                     (vtl & HV_INPUT_VTL_TARGET_VTL_MASK));
}

/* ---- 7.8.7.3 - 7.8.7.5 Virtual processor sets --------------------------- */

typedef uint32_t HV_GENERIC_SET_FORMAT;
enum HV_GENERIC_SET_FORMAT_ENUM {
    HvGenericSetSparse4k = 0, /* a sparse subset of VPs */
    HvGenericSetAll = 1       /* all VPs of the partition */
};

/* A bank holds 64 VP indices; ValidBanksMask has one bit per bank. */
#define HV_VP_SET_BANK_SIZE 64
#define HV_VP_SET_MAX_BANK_COUNT 64
#define HV_VP_SET_MAX_VP_COUNT (HV_VP_SET_BANK_SIZE * HV_VP_SET_MAX_BANK_COUNT)

/*
 * HV_VP_SET.  In the TLFS BankContents is a flexible array with one element
 * per bit set in ValidBanksMask, in increasing bank order.  Flexible array
 * members are not valid C++, so the array here has room for every bank;
 * only the first hv_vp_set_bank_count(ValidBanksMask) elements are part
 * of the set as passed to the hypervisor, whose size is
 * HV_VP_SET_SIZE(bank count).
 */
typedef struct HV_VP_SET {
    uint64_t Format; /* HV_GENERIC_SET_FORMAT */
    uint64_t ValidBanksMask;
    uint64_t BankContents[HV_VP_SET_MAX_BANK_COUNT];
} HV_VP_SET;
HV_ASSERT_SIZE(HV_VP_SET, 16 + 8 * HV_VP_SET_MAX_BANK_COUNT);
HV_ASSERT_OFFSET(HV_VP_SET, ValidBanksMask, 8);
HV_ASSERT_OFFSET(HV_VP_SET, BankContents, 16);

#define HV_VP_SET_HEADER_SIZE 16
#define HV_VP_SET_SIZE(bank_count) (HV_VP_SET_HEADER_SIZE + 8 * (bank_count))

/* Number of bits set in a 64-bit value (portable population count). */
static HV_INLINE uint32_t hv_popcount64(uint64_t value)
{
    uint32_t count = 0;
    while (value != 0) {
        value &= value - 1;
        count++;
    }
    return count;
}

/* Number of BankContents elements used by a sparse set. */
static HV_INLINE uint32_t hv_vp_set_bank_count(uint64_t valid_banks_mask)
{
    return hv_popcount64(valid_banks_mask);
}

/* Make "set" the empty sparse set. */
static HV_INLINE void hv_vp_set_init_sparse(HV_VP_SET *set)
{
    uint32_t i;
    set->Format = HvGenericSetSparse4k;
    set->ValidBanksMask = 0;
    for (i = 0; i < HV_VP_SET_MAX_BANK_COUNT; i++)
        set->BankContents[i] = 0;
}

/*
 * Add VP index "vp" to a sparse set, inserting its bank in order.
 * Returns 0, or -1 if vp is beyond what a VP set can describe.
 */
static HV_INLINE int hv_vp_set_add(HV_VP_SET *set, HV_VP_INDEX vp)
{
    uint32_t bank, index, count, i;
    uint64_t bank_bit;

    if (vp >= HV_VP_SET_MAX_VP_COUNT)
        return -1;
    bank = vp / HV_VP_SET_BANK_SIZE;
    bank_bit = HV_BIT64(bank);
    index = hv_popcount64(set->ValidBanksMask & (bank_bit - 1));
    if ((set->ValidBanksMask & bank_bit) == 0) {
        count = hv_popcount64(set->ValidBanksMask);
        for (i = count; i > index; i--)
            set->BankContents[i] = set->BankContents[i - 1];
        set->BankContents[index] = 0;
        set->ValidBanksMask |= bank_bit;
    }
    set->BankContents[index] |= HV_BIT64(vp % HV_VP_SET_BANK_SIZE);
    return 0;
}

/* Non-zero if "vp" is a member of "set" (sparse or "all" format). */
static HV_INLINE int hv_vp_set_contains(const HV_VP_SET *set, HV_VP_INDEX vp)
{
    uint32_t bank;
    uint64_t bank_bit;

    if (set->Format == HvGenericSetAll)
        return 1;
    if (set->Format != HvGenericSetSparse4k || vp >= HV_VP_SET_MAX_VP_COUNT)
        return 0;
    bank = vp / HV_VP_SET_BANK_SIZE;
    bank_bit = HV_BIT64(bank);
    if ((set->ValidBanksMask & bank_bit) == 0)
        return 0;
    return HV_CAST(int, (set->BankContents[hv_popcount64(set->ValidBanksMask &
                                                  (bank_bit - 1))] >>
                  (vp % HV_VP_SET_BANK_SIZE)) & 1);
}

#endif /* HYPERV_HV_TYPES_H */
