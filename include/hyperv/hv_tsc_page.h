/*
 * hv_tsc_page.h - partition reference time enlightenment
 * (TLFS v6.0b 12.3, 12.7).
 *
 * The reference TSC page overlaid at the GPA given by
 * HV_X64_MSR_REFERENCE_TSC (hv_msr.h), and portable helpers for
 *
 *     ReferenceTime = ((VirtualTsc * TscScale) >> 64) + TscOffset
 *
 * where the product is the full 128-bit result of a 64 x 64 bit
 * multiplication (12.7.3).  The helpers need no 128-bit integer type; where
 * the compiler offers one (unsigned __int128 on 64-bit GCC and Clang, the
 * __umulh intrinsic on 64-bit MSVC) they use it.  Define HV_NO_INT128 to
 * force the portable code.
 *
 * Reference time counts 100 ns units since partition creation.
 */
#ifndef HYPERV_HV_TSC_PAGE_H
#define HYPERV_HV_TSC_PAGE_H

#include "hv_types.h"

/* ---- 12.7.2 Format of the reference TSC page ---------------------------- */
typedef struct HV_REFERENCE_TSC_PAGE {
    volatile uint32_t TscSequence; /* 0: not usable, read the MSR instead */
    uint32_t Reserved1;
    volatile uint64_t TscScale;
    volatile int64_t TscOffset;
    uint64_t Reserved2[509];
} HV_REFERENCE_TSC_PAGE;
HV_ASSERT_SIZE(HV_REFERENCE_TSC_PAGE, HV_PAGE_SIZE);
HV_ASSERT_OFFSET(HV_REFERENCE_TSC_PAGE, Reserved1, 4);
HV_ASSERT_OFFSET(HV_REFERENCE_TSC_PAGE, TscScale, 8);
HV_ASSERT_OFFSET(HV_REFERENCE_TSC_PAGE, TscOffset, 16);
HV_ASSERT_OFFSET(HV_REFERENCE_TSC_PAGE, Reserved2, 24);

/* TscSequence value meaning "fall back to HV_X64_MSR_TIME_REF_COUNT". */
#define HV_REFERENCE_TSC_SEQUENCE_INVALID 0u

/* Reference time runs at 10 MHz (100 ns units). */
#define HV_REFERENCE_TIME_FREQUENCY HV_UINT64_C(10000000)

/* ---- 64 x 64 -> 128 bit multiplication ---------------------------------- */

/* High 64 bits of a * b, using only 64-bit arithmetic. */
static HV_INLINE uint64_t hv_mul64_high_portable(uint64_t a, uint64_t b)
{
    uint64_t a_lo = a & 0xFFFFFFFFu, a_hi = a >> 32;
    uint64_t b_lo = b & 0xFFFFFFFFu, b_hi = b >> 32;
    uint64_t lo_lo = a_lo * b_lo;
    uint64_t lo_hi = a_lo * b_hi;
    uint64_t hi_lo = a_hi * b_lo;
    uint64_t hi_hi = a_hi * b_hi;
    /* Sum of the three terms that land in bits 95:32; < 3 * 2^32. */
    uint64_t middle = (lo_lo >> 32) + (lo_hi & 0xFFFFFFFFu) +
                      (hi_lo & 0xFFFFFFFFu);
    return hi_hi + (lo_hi >> 32) + (hi_lo >> 32) + (middle >> 32);
}

#if !defined(HV_NO_INT128) && defined(__SIZEOF_INT128__) &&                   \
    (defined(__GNUC__) || defined(__clang__))
#define HV_HAVE_INT128 1
__extension__ typedef unsigned __int128 hv_uint128_native_t;
#elif !defined(HV_NO_INT128) && defined(_MSC_VER) && !defined(__clang__) &&   \
    (defined(_M_X64) || defined(_M_ARM64))
#define HV_HAVE_UMULH 1
#ifdef __cplusplus
extern "C" {
#endif
unsigned __int64 __umulh(unsigned __int64 a, unsigned __int64 b);
#ifdef __cplusplus
}
#endif
#pragma intrinsic(__umulh)
#endif

/* High 64 bits of a * b, with the compiler's fast path when it has one. */
static HV_INLINE uint64_t hv_mul64_high(uint64_t a, uint64_t b)
{
#if defined(HV_HAVE_INT128)
    return HV_CAST(uint64_t, (HV_CAST(hv_uint128_native_t, a) * b) >> 64);
#elif defined(HV_HAVE_UMULH)
    return __umulh(a, b);
#else
    return hv_mul64_high_portable(a, b);
#endif
}

/*
 * (hi:lo) / divisor for hi < divisor (so the quotient fits in 64 bits),
 * by restoring binary long division; stores the remainder if asked.
 */
static HV_INLINE uint64_t hv_div128_64(uint64_t hi, uint64_t lo,
                                       uint64_t divisor, uint64_t *remainder)
{
    uint64_t quotient = 0;
    int i;

    for (i = 0; i < 64; i++) {
        uint64_t carry = hi >> 63;
        hi = (hi << 1) | (lo >> 63);
        lo <<= 1;
        quotient <<= 1;
        if (carry || hi >= divisor) {
            hi -= divisor;
            quotient |= 1;
        }
    }
    if (remainder)
        *remainder = hi;
    return quotient;
}

/* ---- 12.7.3 Partition reference TSC mechanism --------------------------- */

/* ReferenceTime = ((tsc * scale) >> 64) + offset, modulo 2^64. */
static HV_INLINE uint64_t hv_reference_time_from_tsc(uint64_t tsc,
                                                     uint64_t scale,
                                                     int64_t offset)
{
    return hv_mul64_high(tsc, scale) + HV_CAST(uint64_t, offset);
}

/*
 * The TscScale that turns a TSC running at tsc_hz into 100 ns units:
 * floor(2^64 * 10^7 / tsc_hz).  Returns 0 when tsc_hz <= 10 MHz, for which
 * no 64-bit scale exists.
 */
static HV_INLINE uint64_t hv_tsc_scale_from_frequency(uint64_t tsc_hz)
{
    if (tsc_hz <= HV_REFERENCE_TIME_FREQUENCY)
        return 0;
    return hv_div128_64(HV_REFERENCE_TIME_FREQUENCY, 0, tsc_hz, HV_NULL);
}

/*
 * Read the reference time through the page, as 12.7.3.3 recommends.
 * read_tsc(context) must return the (virtual) TSC.  Returns 1 and stores
 * the time, or returns 0 when TscSequence is 0: the page is not a reliable
 * time source at the moment and the caller must read
 * HV_X64_MSR_TIME_REF_COUNT instead.
 */
static HV_INLINE int hv_reference_tsc_page_read(
    const volatile HV_REFERENCE_TSC_PAGE *page,
    uint64_t (*read_tsc)(void *context), void *context, uint64_t *time)
{
    uint32_t start, end;
    uint64_t tsc, scale;
    int64_t offset;

    do {
        start = page->TscSequence;
        if (start == HV_REFERENCE_TSC_SEQUENCE_INVALID)
            return 0;
        tsc = read_tsc(context);
        scale = page->TscScale;
        offset = page->TscOffset;
        end = page->TscSequence;
    } while (end != start);
    *time = hv_reference_time_from_tsc(tsc, scale, offset);
    return 1;
}

#endif /* HYPERV_HV_TSC_PAGE_H */
