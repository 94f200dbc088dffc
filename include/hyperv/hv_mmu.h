/*
 * hv_mmu.h - virtual MMU data types (TLFS v6.0b 9.3, 16.11.1).
 *
 * Address space IDs, TLB flush flags and GVA range encoding (9.3.1, 9.3.2,
 * 9.4.4), cache types (9.3.3), HvCallTranslateVirtualAddress control flags
 * and results (9.3.4), and the L2 GPA range of the nested flush hypercalls
 * (16.11.1).
 *
 * HV_TRANSLATE_GVA_RESULT_EX is not defined: its EventInfo member has the
 * type HV_X64_PENDING_EVENT, which v6.0b does not define.
 */
#ifndef HYPERV_HV_MMU_H
#define HYPERV_HV_MMU_H

#include "hv_types.h"

/* ---- 9.3.1 Virtual address spaces --------------------------------------- */
/* On x64 the address space ID is the CR3 value. */
typedef uint64_t HV_ADDRESS_SPACE_ID;

/* ---- 9.3.2 Virtual address flush flags ---------------------------------- */
typedef uint32_t HV_FLUSH_FLAGS;
#define HV_FLUSH_ALL_PROCESSORS 0x00000001u
#define HV_FLUSH_ALL_VIRTUAL_ADDRESS_SPACES 0x00000002u
#define HV_FLUSH_NON_GLOBAL_MAPPINGS_ONLY 0x00000004u
#define HV_FLUSH_USE_EXTENDED_RANGE_FORMAT 0x00000008u

/*
 * GVA range list elements of HvCallFlushVirtualAddressList(Ex) (9.4.4):
 * the page-aligned base GVA, with bits 11:0 holding the number of
 * additional pages (0-4095), so one entry covers 1 to 4096 pages.
 */
#define HV_GVA_RANGE_ADDITIONAL_PAGES_MASK HV_UINT64_C(0xFFF)
#define HV_GVA_RANGE_MAX_PAGES 4096

static HV_INLINE uint64_t hv_gva_range(HV_GVA base, uint32_t page_count)
{
    uint64_t additional = page_count ? HV_CAST(uint64_t, page_count) - 1 : 0;
    if (additional > HV_GVA_RANGE_ADDITIONAL_PAGES_MASK)
        additional = HV_GVA_RANGE_ADDITIONAL_PAGES_MASK;
    return (base & ~HV_CAST(uint64_t, HV_PAGE_MASK)) | additional;
}

static HV_INLINE HV_GVA hv_gva_range_base(uint64_t range)
{
    return range & ~HV_CAST(uint64_t, HV_PAGE_MASK);
}

static HV_INLINE uint32_t hv_gva_range_page_count(uint64_t range)
{
    return HV_CAST(uint32_t, range & HV_GVA_RANGE_ADDITIONAL_PAGES_MASK) + 1;
}

/* ---- 9.3.3 Cache types -------------------------------------------------- */
typedef uint32_t HV_CACHE_TYPE;
enum HV_CACHE_TYPE_ENUM {
    HvCacheTypeX64Uncached = 0,
    HvCacheTypeX64WriteCombining = 1,
    HvCacheTypeX64WriteThrough = 4,
    HvCacheTypeX64WriteProtected = 5,
    HvCacheTypeX64WriteBack = 6
};

/* ---- 9.3.4 Virtual address translation types ---------------------------- */
typedef uint64_t HV_TRANSLATE_GVA_CONTROL_FLAGS;
#define HV_TRANSLATE_GVA_VALIDATE_READ 0x0001
#define HV_TRANSLATE_GVA_VALIDATE_WRITE 0x0002
#define HV_TRANSLATE_GVA_VALIDATE_EXECUTE 0x0004
#define HV_TRANSLATE_GVA_PRIVILEGE_EXEMPT 0x0008
#define HV_TRANSLATE_GVA_SET_PAGE_TABLE_BITS 0x0010
#define HV_TRANSLATE_GVA_TLB_FLUSH_INHIBIT 0x0020
#define HV_TRANSLATE_GVA_CONTROL_MASK (0x003F)
#define HV_TRANSLATE_GVA_INPUT_VTL_MASK HV_UINT64_C(0xFF00000000000000)
#define HV_TRANSLATE_GVA_INPUT_VTL_SHIFT 56

typedef uint32_t HV_TRANSLATE_GVA_RESULT_CODE;
enum HV_TRANSLATE_GVA_RESULT_CODE_ENUM {
    HvTranslateGvaSuccess = 0,
    /* Translation failures */
    HvTranslateGvaPageNotPresent = 1,
    HvTranslateGvaPrivilegeViolation = 2,
    HvTranslateGvaInvalidPageTableFlags = 3,
    /* GPA access failures */
    HvTranslateGvaGpaUnmapped = 4,
    HvTranslateGvaGpaNoReadAccess = 5,
    HvTranslateGvaGpaNoWriteAccess = 6,
    HvTranslateGvaGpaIllegalOverlayAccess = 7,
    /* Intercept of the memory access by a higher VTL or a nested
     * hypervisor (violation of the nested page table) */
    HvTranslateGvaIntercept = 8
};

typedef union HV_TRANSLATE_GVA_RESULT {
    uint64_t AsUINT64;
    struct {
        uint32_t ResultCode; /* HV_TRANSLATE_GVA_RESULT_CODE */
        uint32_t CacheType : 8; /* HV_CACHE_TYPE */
        uint32_t OverlayPage : 1;
        uint32_t Reserved3 : 23;
    } Bits;
} HV_TRANSLATE_GVA_RESULT;
HV_ASSERT_SIZE(HV_TRANSLATE_GVA_RESULT, 8);

/* ---- 16.11.1 GPA range (HvCallFlushGuestPhysicalAddressList elements) --- */
/*
 * Two views of one 64-bit element: 4 KB pages (bits 10:0 additional pages,
 * bit 11 LargePage = 0, bits 63:12 base PFN) or large pages (bit 12
 * PageSize, bits 20:13 reserved, bits 63:21 base large-page PFN).
 */
typedef union HV_GPA_PAGE_RANGE {
    uint64_t AsUINT64;
    struct {
        uint64_t AdditionalPages : 11;
        uint64_t LargePage : 1;
        uint64_t BasePfn : 52;
    } Page;
    struct {
        uint64_t Unused : 12;
        uint64_t PageSize : 1;
        uint64_t Reserved : 8;
        uint64_t BaseLargePfn : 43;
    } LargePage;
} HV_GPA_PAGE_RANGE;
HV_ASSERT_SIZE(HV_GPA_PAGE_RANGE, 8);

#endif /* HYPERV_HV_MMU_H */
