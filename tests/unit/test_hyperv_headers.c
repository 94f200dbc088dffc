/*
 * test_hyperv_headers.c - unit tests for include/hyperv/ and
 * src/hv/hvcall_table.c.
 *
 * Layouts are checked at compile time by the headers themselves; these
 * tests check behaviour: the hypercall input/result encoders, bit-field
 * layouts against the TLFS bit positions, the reference time formula
 * against golden values computed independently (Python integers), VP sets,
 * status and call code tables, and that data/hyperv/hypercalls.csv agrees
 * with the table built from the header constants.
 *
 * The CSV is found as argv[1] (a file, or the source tree's root), else
 * $WISP_SOURCE_DIR/data/hyperv/hypercalls.csv, else
 * ./data/hyperv/hypercalls.csv.
 *
 * Build: cc -Iinclude -Isrc tests/unit/test_hyperv_headers.c
 *           src/hv/hvcall_table.c -lcmocka
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <hyperv/hyperv.h>

#include "hv/hvcall_table.h"

#define CSV_RELATIVE_PATH "data/hyperv/hypercalls.csv"

static char csv_path[4096];

/* ---- hypercall input and result values (TLFS 3.7, 3.8) ------------------- */

static void test_hypercall_input_encode(void **state)
{
    HV_HYPERCALL_INPUT in;
    uint64_t v;

    (void)state;
    /* The 3.2 example: rep count 25, resumed at rep start index 20. */
    v = hv_hypercall_input(HvCallFlushVirtualAddressList, 0, 0, 0, 25, 20);
    assert_int_equal(v, 0x0014001900000003ULL);
    assert_int_equal(hv_hypercall_input_rep(HvCallFlushVirtualAddressList,
                                            25, 20),
                     v);

    in.AsUINT64 = v;
    assert_int_equal(in.Bits.CallCode, 0x0003);
    assert_int_equal(in.Bits.RepCount, 25);
    assert_int_equal(in.Bits.RepStartIndex, 20);
    assert_int_equal(in.Bits.Fast, 0);

    /* Every field at its TLFS bit position. */
    assert_int_equal(hv_hypercall_input_fast(0x0001), 0x0000000000010001ULL);
    assert_int_equal(hv_hypercall_input(0, 0, 0x1FF, 0, 0, 0),
                     0x0000000003FE0000ULL);
    assert_int_equal(hv_hypercall_input(0, 0, 0, 1, 0, 0),
                     0x0000000004000000ULL);
    assert_int_equal(hv_hypercall_input(0, 0, 0, 0, 0xFFF, 0),
                     0x00000FFF00000000ULL);
    assert_int_equal(hv_hypercall_input(0, 0, 0, 0, 0, 0xFFF),
                     0x0FFF000000000000ULL);
    assert_int_equal(hv_hypercall_input(0xFFFF, 1, 0x1FF, 1, 0xFFF, 0xFFF) |
                         HV_HYPERCALL_INPUT_RSVDZ_MASK,
                     0xFFFFFFFFFFFFFFFFULL);
    assert_int_equal(hv_hypercall_input(0xFFFF, 1, 0x1FF, 1, 0xFFF, 0xFFF) &
                         HV_HYPERCALL_INPUT_RSVDZ_MASK,
                     0);

    /* Out-of-range values are truncated to their field. */
    assert_int_equal(hv_hypercall_input(0, 0, 0x200, 0, 0x1000, 0x1001),
                     0x0001000000000000ULL);

    /* The bit-field view agrees with the shifts. */
    memset(&in, 0, sizeof(in));
    in.Bits.CallCode = HvCallPostMessage;
    in.Bits.Fast = 1;
    in.Bits.VariableHeaderSize = 3;
    in.Bits.IsNested = 1;
    in.Bits.RepCount = 7;
    in.Bits.RepStartIndex = 2;
    assert_int_equal(in.AsUINT64,
                     hv_hypercall_input(HvCallPostMessage, 1, 3, 1, 7, 2));
}

static void test_hypercall_input_decode(void **state)
{
    uint64_t v = hv_hypercall_input(HvCallGetVpRegisters, 1, 5, 1, 300, 299);

    (void)state;
    assert_int_equal(hv_hypercall_input_call_code(v), HvCallGetVpRegisters);
    assert_true(hv_hypercall_input_is_fast(v));
    assert_int_equal(hv_hypercall_input_variable_header_size(v), 5);
    assert_true(hv_hypercall_input_is_nested(v));
    assert_int_equal(hv_hypercall_input_rep_count(v), 300);
    assert_int_equal(hv_hypercall_input_rep_start_index(v), 299);
    assert_int_equal(hv_hypercall_input_reserved_bits(v), 0);

    v = hv_hypercall_input_with_rep_start_index(v, 17);
    assert_int_equal(hv_hypercall_input_rep_start_index(v), 17);
    assert_int_equal(hv_hypercall_input_rep_count(v), 300);
    assert_int_equal(hv_hypercall_input_call_code(v), HvCallGetVpRegisters);

    /* Each reserved range is detected. */
    assert_int_not_equal(hv_hypercall_input_reserved_bits(v | (1ULL << 27)), 0);
    assert_int_not_equal(hv_hypercall_input_reserved_bits(v | (1ULL << 31)), 0);
    assert_int_not_equal(hv_hypercall_input_reserved_bits(v | (1ULL << 44)), 0);
    assert_int_not_equal(hv_hypercall_input_reserved_bits(v | (1ULL << 60)), 0);
    assert_int_not_equal(hv_hypercall_input_reserved_bits(v | (1ULL << 63)), 0);
}

static void test_hypercall_input_check(void **state)
{
    (void)state;
    assert_int_equal(hv_hypercall_input_check(
                         hv_hypercall_input_simple(HvCallPostMessage), 0),
                     HV_STATUS_SUCCESS);
    /* Non-zero rep count on a simple call. */
    assert_int_equal(
        hv_hypercall_input_check(hv_hypercall_input_rep(HvCallPostMessage, 1, 0),
                                 0),
        HV_STATUS_INVALID_HYPERCALL_INPUT);
    /* Zero rep count on a rep call. */
    assert_int_equal(hv_hypercall_input_check(
                         hv_hypercall_input_simple(HvCallGetVpRegisters), 1),
                     HV_STATUS_INVALID_HYPERCALL_INPUT);
    /* Start index not below the count. */
    assert_int_equal(hv_hypercall_input_check(
                         hv_hypercall_input_rep(HvCallGetVpRegisters, 4, 4), 1),
                     HV_STATUS_INVALID_HYPERCALL_INPUT);
    assert_int_equal(hv_hypercall_input_check(
                         hv_hypercall_input_rep(HvCallGetVpRegisters, 4, 3), 1),
                     HV_STATUS_SUCCESS);
    /* Reserved bit set. */
    assert_int_equal(hv_hypercall_input_check(
                         hv_hypercall_input_simple(HvCallPostMessage) |
                             (1ULL << 30),
                         0),
                     HV_STATUS_INVALID_HYPERCALL_INPUT);
}

static void test_hypercall_result(void **state)
{
    HV_HYPERCALL_OUTPUT out;
    uint64_t v = hv_hypercall_result(HV_STATUS_INVALID_PARAMETER, 10);

    (void)state;
    assert_int_equal(v, 0x0000000A00000005ULL);
    assert_int_equal(hv_hypercall_result_status(v), HV_STATUS_INVALID_PARAMETER);
    assert_int_equal(hv_hypercall_result_reps_completed(v), 10);
    out.AsUINT64 = v;
    assert_int_equal(out.Bits.Result, HV_STATUS_INVALID_PARAMETER);
    assert_int_equal(out.Bits.RepsCompleted, 10);
    /* Reserved bits are ignored when decoding. */
    v |= 0xFFFFF000FFFF0000ULL;
    assert_int_equal(hv_hypercall_result_status(v), HV_STATUS_INVALID_PARAMETER);
    assert_int_equal(hv_hypercall_result_reps_completed(v), 10);
    assert_int_equal(hv_hypercall_result(HV_STATUS_SUCCESS, 0xFFF),
                     0x00000FFF00000000ULL);
}

static void test_variable_header_size(void **state)
{
    (void)state;
    assert_int_equal(hv_hypercall_variable_header_size(24, 24), 0);
    assert_int_equal(hv_hypercall_variable_header_size(16, 24), 0);
    assert_int_equal(hv_hypercall_variable_header_size(48, 24), 3);
    assert_int_equal(hv_hypercall_variable_header_size(50, 24), 4);
    /* An Ex flush header with two banks: 16 + 16 + 2 * 8 bytes. */
    assert_int_equal(HV_INPUT_FLUSH_VIRTUAL_ADDRESS_EX_SIZE(2), 48);
    assert_int_equal(HV_VP_SET_SIZE(0), 16);
}

/* ---- reference time (TLFS 12.7) -------------------------------------------- */

/* Golden values from Python: ((tsc * scale) >> 64) + offset mod 2^64. */
static const struct {
    uint64_t tsc;
    uint64_t scale;
    int64_t offset;
    uint64_t time;
} reference_time_golden[] = {
    { 0x0000000000000000ULL, 0x0000000000000000ULL, INT64_C(0),
      0x0000000000000000ULL },
    { 0x0000000000000001ULL, 0xFFFFFFFFFFFFFFFFULL, INT64_C(0),
      0x0000000000000000ULL },
    { 0xFFFFFFFFFFFFFFFFULL, 0xFFFFFFFFFFFFFFFFULL, INT64_C(0),
      0xFFFFFFFFFFFFFFFEULL },
    { 0x123456789ABCDEF0ULL, 0x0FEDCBA987654321ULL, INT64_C(0),
      0x0121FA00AD77D742ULL },
    /* 60 s of a 3 GHz TSC: 599999999 x 100 ns (the scale rounds down). */
    { 0x00000029E8D60800ULL, 0x00DA740DA740DA74ULL, INT64_C(0),
      0x0000000023C345FFULL },
    { 0xFFFFFFFF00000000ULL, 0x00000001FFFFFFFFULL, INT64_C(-5),
      0x00000001FFFFFFF8ULL },
    /* One hour of a 2.5 GHz TSC, minus 12.3456789 s. */
    { 0x0000082F79CD9000ULL, 0x010624DD2F1A9FBEULL, INT64_C(-123456789),
      0x000000085A689AEAULL },
    { 0x8000000000000000ULL, 0x8000000000000000ULL, INT64_C(1),
      0x4000000000000001ULL },
    { 0x0000011F71FB04CBULL, 0x1999999999999999ULL, INT64_MIN,
      0x8000001CBE991A14ULL },
};

static void test_reference_time_golden(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(reference_time_golden) /
                        sizeof(reference_time_golden[0]);
         i++) {
        uint64_t tsc = reference_time_golden[i].tsc;
        uint64_t scale = reference_time_golden[i].scale;
        int64_t offset = reference_time_golden[i].offset;
        uint64_t want = reference_time_golden[i].time;

        assert_int_equal(hv_reference_time_from_tsc(tsc, scale, offset), want);
        assert_int_equal(hv_mul64_high_portable(tsc, scale) + (uint64_t)offset,
                         want);
    }
}

static uint64_t xorshift64(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

/* The portable multiply agrees with the compiler's fast path (where there
 * is one) and with a multiply-by-parts identity everywhere. */
static void test_mul64_high_paths(void **state)
{
    uint64_t seed = 0x9E3779B97F4A7C15ULL;
    int i;

    (void)state;
    for (i = 0; i < 100000; i++) {
        uint64_t a = xorshift64(&seed);
        uint64_t b = xorshift64(&seed);
        uint64_t hi = hv_mul64_high_portable(a, b);

        assert_int_equal(hv_mul64_high(a, b), hi);
        /* hi:lo is the full product, so dividing it by b gives back a. */
        if (b != 0) {
            uint64_t lo = a * b, rem = 0;
            assert_int_equal(hv_div128_64(hi, lo, b, &rem), a);
            assert_int_equal(rem, 0);
        }
    }
#if defined(HV_HAVE_INT128)
    print_message("hv_mul64_high uses unsigned __int128\n");
#else
    print_message("hv_mul64_high uses the portable path\n");
#endif
}

static void test_tsc_scale_from_frequency(void **state)
{
    (void)state;
    /* floor(2^64 * 10^7 / f), from Python. */
    assert_int_equal(hv_tsc_scale_from_frequency(10000001ULL),
                     0xFFFFFE5280D924C8ULL);
    assert_int_equal(hv_tsc_scale_from_frequency(1000000000ULL),
                     0x028F5C28F5C28F5CULL);
    assert_int_equal(hv_tsc_scale_from_frequency(2000000000ULL),
                     0x0147AE147AE147AEULL);
    assert_int_equal(hv_tsc_scale_from_frequency(2400000000ULL),
                     0x0111111111111111ULL);
    assert_int_equal(hv_tsc_scale_from_frequency(3000000000ULL),
                     0x00DA740DA740DA74ULL);
    assert_int_equal(hv_tsc_scale_from_frequency(3579545000ULL),
                     0x00B715B0519DA0E1ULL);
    assert_int_equal(hv_tsc_scale_from_frequency(0xFFFFFFFFFFFFFFFFULL),
                     0x0000000000989680ULL);
    /* No 64-bit scale exists at or below 10 MHz. */
    assert_int_equal(hv_tsc_scale_from_frequency(10000000ULL), 0);
    assert_int_equal(hv_tsc_scale_from_frequency(0), 0);

    /* One second of TSC is 10^7 units, give or take the rounding. */
    {
        uint64_t f = 2893300000ULL;
        uint64_t t = hv_reference_time_from_tsc(
            f, hv_tsc_scale_from_frequency(f), 0);
        assert_in_range(t, 9999999, 10000000);
    }
}

struct fake_tsc {
    HV_REFERENCE_TSC_PAGE *page;
    uint64_t tsc;
    int calls;
    int bump_on_first_call;
};

static uint64_t fake_read_tsc(void *context)
{
    struct fake_tsc *f = context;

    f->calls++;
    if (f->bump_on_first_call && f->calls == 1) {
        /* The hypervisor updates the page while the guest is reading it. */
        f->page->TscScale = 0x0147AE147AE147AEULL; /* 2 GHz */
        f->page->TscSequence = f->page->TscSequence + 1;
    }
    return f->tsc;
}

static void test_tsc_page_read(void **state)
{
    static HV_REFERENCE_TSC_PAGE page;
    struct fake_tsc f;
    uint64_t t = 0;

    (void)state;
    memset(&f, 0, sizeof(f));
    f.page = &page;
    f.tsc = 2000000000ULL;

    page.TscSequence = HV_REFERENCE_TSC_SEQUENCE_INVALID;
    assert_int_equal(hv_reference_tsc_page_read(&page, fake_read_tsc, &f, &t),
                     0);
    assert_int_equal(f.calls, 0);

    page.TscSequence = 7;
    page.TscScale = 0x028F5C28F5C28F5CULL; /* 1 GHz */
    page.TscOffset = 1000;
    assert_int_equal(hv_reference_tsc_page_read(&page, fake_read_tsc, &f, &t),
                     1);
    assert_int_equal(t, 19999999 + 1000);

    /* A sequence change during the read forces a retry with the new scale. */
    f.calls = 0;
    f.bump_on_first_call = 1;
    assert_int_equal(hv_reference_tsc_page_read(&page, fake_read_tsc, &f, &t),
                     1);
    assert_int_equal(f.calls, 2);
    assert_int_equal(t, 9999999 + 1000);
}

/* ---- MSR, register and CPUID layouts -------------------------------------- */

static void test_guest_os_id(void **state)
{
    HV_X64_MSR_GUEST_OS_ID_CONTENTS id;
    uint64_t v;

    (void)state;
    /* Windows NT 10.0 build 19041 in the proprietary encoding (2.6.1). */
    v = hv_guest_os_id_proprietary(HV_GUEST_OS_VENDOR_MICROSOFT,
                                   HV_GUEST_OS_MICROSOFT_WINDOWSNT, 10, 0, 0,
                                   19041);
    assert_int_equal(v, 0x0001040A00004A61ULL);
    assert_false(hv_guest_os_id_is_open_source(v));
    id.AsUINT64 = v;
    assert_int_equal(id.Proprietary.VendorId, HV_GUEST_OS_VENDOR_MICROSOFT);
    assert_int_equal(id.Proprietary.OsId, HV_GUEST_OS_MICROSOFT_WINDOWSNT);
    assert_int_equal(id.Proprietary.MajorVersion, 10);
    assert_int_equal(id.Proprietary.BuildNumber, 19041);
    assert_int_equal(id.Proprietary.OsType, 0);

    /* An open-source encoding (2.6.2): Linux, OS ID 0x12, version
     * 0x00060100, build 0x0042. */
    v = hv_guest_os_id_open_source(HV_GUEST_OS_TYPE_LINUX, 0x12, 0x00060100,
                                   0x0042);
    assert_int_equal(v, 0x8112000601000042ULL);
    assert_true(hv_guest_os_id_is_open_source(v));
    id.AsUINT64 = v;
    assert_int_equal(id.OpenSource.OpenSource, 1);
    assert_int_equal(id.OpenSource.OsType, HV_GUEST_OS_TYPE_LINUX);
    assert_int_equal(id.OpenSource.OsId, 0x12);
    assert_int_equal(id.OpenSource.Version, 0x00060100);
    assert_int_equal(id.OpenSource.BuildNumber, 0x0042);
}

static void test_msr_layouts(void **state)
{
    HV_X64_MSR_HYPERCALL_CONTENTS hc;
    HV_X64_MSR_OVERLAY_PAGE_CONTENTS page;
    HV_X64_MSR_SINT_CONTENTS sint;
    HV_X64_MSR_STIMER_CONFIG_CONTENTS timer;
    HV_X64_MSR_STIME_UNHALTED_TIMER_CONFIG_CONTENTS unhalted;
    HV_CRASH_CTL_REG_CONTENTS crash;
    HV_REENLIGHTENMENT_CONTROL reenl;
    HV_X64_MSR_ICR_CONTENTS icr;

    (void)state;
    memset(&hc, 0, sizeof(hc));
    hc.Bits.Enable = 1;
    hc.Bits.Locked = 1;
    hc.Bits.GuestPhysicalAddress = 0x12345;
    assert_int_equal(hc.AsUINT64, 0x12345003ULL);
    assert_int_equal(hc.AsUINT64 & HV_X64_MSR_HYPERCALL_RSVDP_MASK, 0);

    memset(&page, 0, sizeof(page));
    page.Bits.Enable = 1;
    page.Bits.PageNumber = 0xFEDCBA987ULL;
    assert_int_equal(page.AsUINT64, 0xFEDCBA987001ULL);
    assert_int_equal(page.AsUINT64 & HV_X64_MSR_OVERLAY_PAGE_ADDRESS_MASK,
                     0xFEDCBA987000ULL);

    sint.AsUINT64 = HV_X64_MSR_SINT_DEFAULT;
    assert_int_equal(sint.Bits.Masked, 1);
    assert_int_equal(sint.Bits.Vector, 0);
    memset(&sint, 0, sizeof(sint));
    sint.Bits.Vector = 0x40;
    sint.Bits.Masked = 1;
    sint.Bits.AutoEoi = 1;
    sint.Bits.Polling = 1;
    assert_int_equal(sint.AsUINT64, 0x70040ULL);
    assert_int_equal(sint.AsUINT64, 0x40 | HV_X64_MSR_SINT_MASKED |
                                        HV_X64_MSR_SINT_AUTO_EOI |
                                        HV_X64_MSR_SINT_POLLING);
    assert_int_equal(sint.AsUINT64 & HV_X64_MSR_SINT_RSVDP_MASK, 0);

    memset(&timer, 0, sizeof(timer));
    timer.Bits.Enable = 1;
    timer.Bits.Periodic = 1;
    timer.Bits.Lazy = 1;
    timer.Bits.AutoEnable = 1;
    timer.Bits.ApicVector = 0xEF;
    timer.Bits.DirectMode = 1;
    timer.Bits.SINTx = 3;
    assert_int_equal(timer.AsUINT64, 0x31EFFULL);
    assert_int_equal(timer.AsUINT64 & HV_X64_MSR_STIMER_CONFIG_RSVDZ_MASK, 0);
    assert_int_equal((timer.AsUINT64 & HV_X64_MSR_STIMER_CONFIG_SINTX_MASK) >>
                         HV_X64_MSR_STIMER_CONFIG_SINTX_SHIFT,
                     3);
    assert_int_equal(
        (timer.AsUINT64 & HV_X64_MSR_STIMER_CONFIG_APIC_VECTOR_MASK) >>
            HV_X64_MSR_STIMER_CONFIG_APIC_VECTOR_SHIFT,
        0xEF);

    memset(&unhalted, 0, sizeof(unhalted));
    unhalted.Bits.Enabled = 1;
    unhalted.Bits.Vector = HV_STIME_UNHALTED_TIMER_NMI_VECTOR;
    assert_int_equal(unhalted.AsUINT64, 0x102ULL);

    memset(&crash, 0, sizeof(crash));
    crash.Bits.CrashNotify = 1;
    assert_int_equal(crash.AsUINT64, HV_CRASH_CTL_CRASH_NOTIFY);
    crash.Bits.CrashMessage = 1;
    assert_int_equal(crash.AsUINT64, 0xC000000000000000ULL);

    memset(&reenl, 0, sizeof(reenl));
    reenl.Bits.Vector = 0x90;
    reenl.Bits.Enabled = 1;
    reenl.Bits.TargetVp = 5;
    assert_int_equal(reenl.AsUINT64, 0x0000000500010090ULL);

    icr.AsUINT64 = 0x0300000000004041ULL;
    assert_int_equal(icr.Bits.IcrLow, 0x4041);
    assert_int_equal(icr.Bits.IcrHigh, 0x03000000);

    assert_int_equal(HV_X64_MSR_SINT(15), HV_X64_MSR_SINT15);
    assert_int_equal(HV_X64_MSR_STIMER_CONFIG(3), HV_X64_MSR_STIMER3_CONFIG);
    assert_int_equal(HV_X64_MSR_STIMER_COUNT(2), HV_X64_MSR_STIMER2_COUNT);
    assert_int_equal(HV_X64_MSR_CRASH_P(4), HV_X64_MSR_CRASH_P4);
    assert_int_equal(HV_X64_MSR_NESTED_SINT(10), HV_X64_MSR_NESTED_SINT10);
}

static void test_register_layouts(void **state)
{
    HV_X64_SEGMENT_REGISTER seg;
    HV_X64_PENDING_INTERRUPTION_REGISTER pend;
    HV_X64_INTERRUPT_STATE_REGISTER ist;
    HV_X64_MSR_SYNMC_STATUS_CONTENTS mc;
    HV_INPUT_VTL vtl;
    HV_X64_VP_EXECUTION_STATE es;
    HV_X64_FP_REGISTER fp;
    HV_REGISTER_VALUE value;

    (void)state;
    memset(&seg, 0, sizeof(seg));
    seg.Attributes.Bits.SegmentType = 0xB;
    seg.Attributes.Bits.NonSystemSegment = 1;
    seg.Attributes.Bits.Present = 1;
    seg.Attributes.Bits.Long = 1;
    seg.Attributes.Bits.Granularity = 1;
    assert_int_equal(seg.Attributes.AsUINT16, 0xA09B);
    assert_int_equal(seg.Attributes.AsUINT16,
                     0xB | HV_X64_SEGMENT_ATTRIBUTE_NON_SYSTEM |
                         HV_X64_SEGMENT_ATTRIBUTE_PRESENT |
                         HV_X64_SEGMENT_ATTRIBUTE_LONG |
                         HV_X64_SEGMENT_ATTRIBUTE_GRANULARITY);
    seg.Attributes.AsUINT16 = 0;
    seg.Attributes.Bits.DescriptorPrivilegeLevel = 3;
    assert_int_equal(seg.Attributes.AsUINT16, HV_X64_SEGMENT_ATTRIBUTE_DPL_MASK);

    memset(&pend, 0, sizeof(pend));
    pend.Bits.InterruptionPending = 1;
    pend.Bits.InterruptionType = HvX64PendingException;
    pend.Bits.DeliverErrorCode = 1;
    pend.Bits.InterruptionVector = 13;
    pend.Bits.ErrorCode = 0x1234;
    assert_int_equal(pend.AsUINT64, 0x00001234000D0017ULL);

    memset(&ist, 0, sizeof(ist));
    ist.Bits.NmiMasked = 1;
    assert_int_equal(ist.AsUINT64, 2);

    memset(&mc, 0, sizeof(mc));
    mc.Fields.McaErrorCode = HV_SYNMC_MCA_ERROR_CODE;
    mc.Fields.ModelSpecific.Bits.HypervisorError = 1;
    mc.Fields.Flags.Valid = 1;
    mc.Fields.Flags.Uncorrected = 1;
    mc.Fields.Flags.ActionRequired = 1;
    assert_int_equal(mc.AsUINT64, 0xA080000040000001ULL);

    vtl.AsUINT8 = 0;
    vtl.Bits.TargetVtl = 1;
    vtl.Bits.UseTargetVtl = 1;
    assert_int_equal(vtl.AsUINT8, 0x11);
    assert_int_equal(hv_input_vtl_target(1), 0x11);

    es.AsUINT16 = 0;
    es.Bits.Cpl = 3;
    es.Bits.EferLma = 1;
    es.Bits.InterruptionPending = 1;
    assert_int_equal(es.AsUINT16, 0x53);

    memset(&fp, 0, sizeof(fp));
    fp.BiasedExponent = 0x3FFF;
    fp.Sign = 1;
    memcpy(&value, &fp, sizeof(fp));
    assert_int_equal(value.Reg128.High64, 0xBFFF);

    assert_int_equal(HvX64RegisterRax, 0x00020000);
    assert_int_equal(HvX64RegisterCr3, 0x00040002);
    assert_int_equal(HvRegisterVpAssistPage, 0x00090013);
    assert_int_equal(HvRegisterSint15, 0x000A000F);
    assert_int_equal(HvRegisterStimeUnhaltedTimerCount, 0x000B0101);
    assert_int_equal(HvX64RegisterYmm15High, 0x000C001F);
    assert_int_equal(HvRegisterVsmVpWaitForTlbLock, 0x000D0020);
    assert_int_equal(HvX64RegisterCrInterceptIa32MiscEnableMask, 0x000E0003);
}

static void test_privilege_and_cpuid_bits(void **state)
{
    HV_PARTITION_PRIVILEGE_MASK p;
    HV_CPUID_FEATURES_EDX edx;
    HV_CPUID_RECOMMENDATIONS_EAX rec;
    HV_CPUID_NESTED_VIRTUALIZATION_EAX nv;
    uint64_t all;

    (void)state;
    memset(&p, 0, sizeof(p));
    p.Bits.AccessPartitionId = 1;
    assert_int_equal(p.AsUINT64, HV_PARTITION_PRIVILEGE_ACCESS_PARTITION_ID);
    assert_int_equal(p.AsUINT64, 1ULL << 33);
    p.AsUINT64 = 0;
    p.Bits.StartVirtualProcessor = 1;
    assert_int_equal(p.AsUINT64, 1ULL << 53);
    p.AsUINT64 = 0;
    p.Bits.AccessVSM = 1;
    assert_int_equal(p.AsUINT64, HV_PARTITION_PRIVILEGE_ACCESS_VSM);

    /* Every named bit-field, set through the struct, gives the mask. */
    p.AsUINT64 = 0;
    p.Bits.AccessVpRunTimeReg = 1;
    p.Bits.AccessPartitionReferenceCounter = 1;
    p.Bits.AccessSynicRegs = 1;
    p.Bits.AccessSyntheticTimerRegs = 1;
    p.Bits.AccessIntrCtrlRegs = 1;
    p.Bits.AccessHypercallMsrs = 1;
    p.Bits.AccessVpIndex = 1;
    p.Bits.AccessResetReg = 1;
    p.Bits.AccessStatsReg = 1;
    p.Bits.AccessPartitionReferenceTsc = 1;
    p.Bits.AccessGuestIdleReg = 1;
    p.Bits.AccessFrequencyRegs = 1;
    p.Bits.AccessDebugRegs = 1;
    p.Bits.AccessReenlightenmentControls = 1;
    p.Bits.CreatePartitions = 1;
    p.Bits.AccessPartitionId = 1;
    p.Bits.AccessMemoryPool = 1;
    p.Bits.PostMessages = 1;
    p.Bits.SignalEvents = 1;
    p.Bits.CreatePort = 1;
    p.Bits.ConnectPort = 1;
    p.Bits.AccessStats = 1;
    p.Bits.Debugging = 1;
    p.Bits.CpuManagement = 1;
    p.Bits.AccessVSM = 1;
    p.Bits.AccessVpRegisters = 1;
    p.Bits.EnableExtendedHypercalls = 1;
    p.Bits.StartVirtualProcessor = 1;
    assert_int_equal(p.AsUINT64, HV_PARTITION_PRIVILEGE_DEFINED_MASK);

    all = HV_PARTITION_PRIVILEGE_ACCESS_VP_RUN_TIME_REG |
          HV_PARTITION_PRIVILEGE_ACCESS_PARTITION_REFERENCE_COUNTER |
          HV_PARTITION_PRIVILEGE_ACCESS_SYNIC_REGS |
          HV_PARTITION_PRIVILEGE_ACCESS_SYNTHETIC_TIMER_REGS |
          HV_PARTITION_PRIVILEGE_ACCESS_INTR_CTRL_REGS |
          HV_PARTITION_PRIVILEGE_ACCESS_HYPERCALL_MSRS |
          HV_PARTITION_PRIVILEGE_ACCESS_VP_INDEX |
          HV_PARTITION_PRIVILEGE_ACCESS_RESET_REG |
          HV_PARTITION_PRIVILEGE_ACCESS_STATS_REG |
          HV_PARTITION_PRIVILEGE_ACCESS_PARTITION_REFERENCE_TSC |
          HV_PARTITION_PRIVILEGE_ACCESS_GUEST_IDLE_REG |
          HV_PARTITION_PRIVILEGE_ACCESS_FREQUENCY_REGS |
          HV_PARTITION_PRIVILEGE_ACCESS_DEBUG_REGS |
          HV_PARTITION_PRIVILEGE_ACCESS_REENLIGHTENMENT_CONTROLS |
          HV_PARTITION_PRIVILEGE_CREATE_PARTITIONS |
          HV_PARTITION_PRIVILEGE_ACCESS_PARTITION_ID |
          HV_PARTITION_PRIVILEGE_ACCESS_MEMORY_POOL |
          HV_PARTITION_PRIVILEGE_POST_MESSAGES |
          HV_PARTITION_PRIVILEGE_SIGNAL_EVENTS |
          HV_PARTITION_PRIVILEGE_CREATE_PORT |
          HV_PARTITION_PRIVILEGE_CONNECT_PORT |
          HV_PARTITION_PRIVILEGE_ACCESS_STATS |
          HV_PARTITION_PRIVILEGE_DEBUGGING |
          HV_PARTITION_PRIVILEGE_CPU_MANAGEMENT |
          HV_PARTITION_PRIVILEGE_ACCESS_VSM |
          HV_PARTITION_PRIVILEGE_ACCESS_VP_REGISTERS |
          HV_PARTITION_PRIVILEGE_ENABLE_EXTENDED_HYPERCALLS |
          HV_PARTITION_PRIVILEGE_START_VIRTUAL_PROCESSOR;
    assert_int_equal(all, HV_PARTITION_PRIVILEGE_DEFINED_MASK);
    assert_int_equal(hv_partition_privileges_from_cpuid(0x00003FFFu,
                                                        0x003319F7u),
                     HV_PARTITION_PRIVILEGE_DEFINED_MASK);

    edx.AsUINT32 = 0;
    edx.Bits.SintPollingModeAvailable = 1;
    assert_int_equal(edx.AsUINT32,
                     HV_CPUID_FEATURES_EDX_SINT_POLLING_MODE_AVAILABLE);
    edx.AsUINT32 = 0;
    edx.Bits.LbrAvailable = 1;
    assert_int_equal(edx.AsUINT32, HV_CPUID_FEATURES_EDX_LBR_AVAILABLE);
    edx.AsUINT32 = 0;
    edx.Bits.GuestCrashMsrsAvailable = 1;
    assert_int_equal(edx.AsUINT32, 1u << 10);

    rec.AsUINT32 = 0;
    rec.Bits.NoNonArchitecturalCoreSharing = 1;
    assert_int_equal(rec.AsUINT32,
                     HV_CPUID_RECOMMEND_EAX_NO_NON_ARCHITECTURAL_CORE_SHARING);
    rec.AsUINT32 = 0;
    rec.Bits.UseExProcessorMasks = 1;
    assert_int_equal(rec.AsUINT32, HV_CPUID_RECOMMEND_EAX_USE_EX_PROCESSOR_MASKS);

    nv.AsUINT32 = 0;
    nv.Bits.EnlightenedVmcsVersionLow = 1;
    nv.Bits.EnlightenedMsrBitmap = 1;
    assert_int_equal(nv.AsUINT32, 1u | HV_CPUID_NESTED_VIRT_EAX_ENLIGHTENED_MSR_BITMAP);

    /* "Microsoft Hv" and "Hv#1" as the registers spell them. */
    {
        uint32_t regs[3] = { HV_CPUID_VENDOR_MICROSOFT_EBX,
                             HV_CPUID_VENDOR_MICROSOFT_ECX,
                             HV_CPUID_VENDOR_MICROSOFT_EDX };
        uint32_t iface = HV_CPUID_INTERFACE_HV1;
        unsigned char bytes[12];
        int i;

        for (i = 0; i < 12; i++)
            bytes[i] = (unsigned char)(regs[i / 4] >> (8 * (i % 4)));
        assert_memory_equal(bytes, HV_CPUID_VENDOR_MICROSOFT,
                            HV_CPUID_VENDOR_LENGTH);
        for (i = 0; i < 4; i++)
            bytes[i] = (unsigned char)(iface >> (8 * i));
        assert_memory_equal(bytes, HV_CPUID_INTERFACE_HV1_STRING, 4);
    }
}

static void test_misc_layouts(void **state)
{
    HV_GPA_PAGE_RANGE r;
    HV_TRANSLATE_GVA_RESULT tr;
    HV_REGISTER_VSM_PARTITION_CONFIG cfg;
    HV_REGISTER_VSM_CAPABILITIES caps;
    HV_REGISTER_CR_INTERCEPT_CONTROL cr;
    HV_INTERRUPT_CONTROL ic;
    HV_MESSAGE msg;
    HV_VP_ASSIST_PAGE *assist;
    uint64_t gva;

    (void)state;
    r.AsUINT64 = 0;
    r.Page.AdditionalPages = 5;
    r.Page.BasePfn = 0x100;
    assert_int_equal(r.AsUINT64, 0x100005ULL);
    r.AsUINT64 = 0;
    r.LargePage.PageSize = 1;
    r.LargePage.BaseLargePfn = 3;
    assert_int_equal(r.AsUINT64, (3ULL << 21) | (1ULL << 12));

    tr.AsUINT64 = 0;
    tr.Bits.ResultCode = HvTranslateGvaGpaUnmapped;
    tr.Bits.CacheType = HvCacheTypeX64WriteBack;
    tr.Bits.OverlayPage = 1;
    assert_int_equal(tr.AsUINT64, 0x0000010600000004ULL);

    cfg.AsUINT64 = 0;
    cfg.Bits.DefaultVtlProtectionMask = HV_VTL_PROTECTION_ALL;
    cfg.Bits.InterceptVpStartup = 1;
    assert_int_equal(cfg.AsUINT64, 0x21EULL);

    caps.AsUINT64 = 0;
    caps.Bits.Dr6Shared = 1;
    caps.Bits.DenyLowerVtlStartup = 1;
    caps.Bits.MbecVtlMask = 0x2;
    assert_int_equal(caps.AsUINT64, 0x8001400000000000ULL);

    cr.AsUINT64 = 0;
    cr.Bits.MsrSgxLaunchControlWrite = 1;
    assert_int_equal(cr.AsUINT64, HV_CR_INTERCEPT_MSR_SGX_LAUNCH_CONTROL_WRITE);
    assert_int_equal(cr.AsUINT64, 0x0000000001000000ULL);

    ic.AsUINT64 = 0;
    ic.Bits.InterruptType = HvX64InterruptTypeExtInt;
    ic.Bits.LevelTriggered = 1;
    assert_int_equal(ic.AsUINT64, 0x0000000100000007ULL);

    gva = hv_gva_range(0x7FFF12345678ULL, 4096);
    assert_int_equal(gva, 0x7FFF12345FFFULL);
    assert_int_equal(hv_gva_range_base(gva), 0x7FFF12345000ULL);
    assert_int_equal(hv_gva_range_page_count(gva), 4096);
    assert_int_equal(hv_gva_range_page_count(hv_gva_range(0x1000, 1)), 1);

    memset(&msg, 0, sizeof(msg));
    msg.Header.MessageType = HvMessageTimerExpired;
    msg.Header.PayloadSize = sizeof(HV_TIMER_MESSAGE_PAYLOAD);
    assert_int_equal(offsetof(HV_MESSAGE, Payload) +
                         offsetof(HV_TIMER_MESSAGE_PAYLOAD, DeliveryTime),
                     HV_TIMER_MESSAGE_DELIVERY_TIME_OFFSET);
    assert_true((msg.Header.MessageType & HV_MESSAGE_TYPE_HYPERVISOR_MASK) != 0);

    assist = calloc(1, sizeof(*assist));
    assert_non_null(assist);
    assist->ApicAssist.Bits.NoEoiRequired = 1;
    assert_int_equal(((const uint8_t *)assist)[0], 1);
    assist->VtlControl.VtlReturn.X64.VtlReturnX64Rcx = 0x1122334455667788ULL;
    assert_int_equal(((const uint8_t *)assist)[24], 0x88);
    free(assist);

    /* The enlightened VMCS is the first 1 KB of a page; a few anchors. */
    assert_int_equal(offsetof(HV_VMX_ENLIGHTENED_VMCS, HostPat), 24);
    assert_int_equal(offsetof(HV_VMX_ENLIGHTENED_VMCS, GuestRip), 816);
    assert_int_equal(offsetof(HV_VMX_ENLIGHTENED_VMCS, VmId), 848);
    assert_int_equal(sizeof(HV_VMX_ENLIGHTENED_VMCS), 1024);
}

static void test_vp_set(void **state)
{
    static HV_VP_SET set;

    (void)state;
    /* The example of 7.8.7.5: { 0, 5, 130 }. */
    hv_vp_set_init_sparse(&set);
    assert_int_equal(hv_vp_set_add(&set, 130), 0);
    assert_int_equal(hv_vp_set_add(&set, 5), 0);
    assert_int_equal(hv_vp_set_add(&set, 0), 0);
    assert_int_equal(set.Format, HvGenericSetSparse4k);
    assert_int_equal(set.ValidBanksMask, 0x05);
    assert_int_equal(hv_vp_set_bank_count(set.ValidBanksMask), 2);
    assert_int_equal(set.BankContents[0], 0x21);
    assert_int_equal(set.BankContents[1], 0x04);
    assert_int_equal(set.BankContents[2], 0);
    assert_true(hv_vp_set_contains(&set, 0));
    assert_true(hv_vp_set_contains(&set, 5));
    assert_true(hv_vp_set_contains(&set, 130));
    assert_false(hv_vp_set_contains(&set, 1));
    assert_false(hv_vp_set_contains(&set, 64));
    assert_false(hv_vp_set_contains(&set, 129));

    /* A bank between two existing ones is inserted in order. */
    assert_int_equal(hv_vp_set_add(&set, 64), 0);
    assert_int_equal(set.ValidBanksMask, 0x07);
    assert_int_equal(set.BankContents[0], 0x21);
    assert_int_equal(set.BankContents[1], 0x01);
    assert_int_equal(set.BankContents[2], 0x04);

    assert_int_equal(hv_vp_set_add(&set, HV_VP_SET_MAX_VP_COUNT - 1), 0);
    assert_true(hv_vp_set_contains(&set, HV_VP_SET_MAX_VP_COUNT - 1));
    assert_int_equal(hv_vp_set_add(&set, HV_VP_SET_MAX_VP_COUNT), -1);
    assert_false(hv_vp_set_contains(&set, HV_ANY_VP));

    set.Format = HvGenericSetAll;
    assert_true(hv_vp_set_contains(&set, 4000));
}

/* ---- status codes and call codes ------------------------------------------ */

static void test_status_codes(void **state)
{
#define STATUS_ROW(name) { name, #name },
    static const struct {
        unsigned code;
        const char *name;
    } rows[] = { HV_STATUS_LIST(STATUS_ROW) };
#undef STATUS_ROW
    size_t n = sizeof(rows) / sizeof(rows[0]);
    size_t i;

    (void)state;
    assert_int_equal(n, 47);
    for (i = 0; i < n; i++) {
        assert_string_equal(hv_status_name((HV_STATUS)rows[i].code),
                            rows[i].name);
        if (i > 0)
            assert_true(rows[i - 1].code < rows[i].code); /* sorted, unique */
    }
    assert_int_equal(HV_STATUS_INVALID_PARAMETER, 0x0005);
    assert_int_equal(HV_STATUS_INVALID_VP_STATE, 0x0015);
    assert_int_equal(HV_STATUS_INSUFFICIENT_BUFFERS, 0x0013);
    assert_int_equal(HV_STATUS_INSUFFICIENT_BUFFER, 0x0033);
    assert_int_equal(HV_STATUS_NOT_ALLOWED_WITH_NESTED_VIRT_ACTIVE, 0x0072);
    assert_null(hv_status_name(0x0001));
    assert_null(hv_status_name(0xFFFF));
}

static void test_call_codes_unique(void **state)
{
    size_t i, j, collisions = 0;

    (void)state;
    assert_int_equal(hvcall_table_count, 106);
    for (i = 0; i < hvcall_table_count; i++) {
        const struct hvcall_info *a = &hvcall_table[i];
        if (i > 0)
            assert_true(hvcall_table[i - 1].code < a->code);
        assert_true(strncmp(a->name, "Hv", 2) == 0);
        assert_int_equal(a->status, HVCALL_DOCUMENTED);
        assert_true(HV_IS_EXTENDED_HYPERCALL(a->code) ==
                    (strncmp(a->name, "HvExtCall", 9) == 0));
        for (j = i + 1; j < hvcall_table_count; j++) {
            const struct hvcall_info *b = &hvcall_table[j];
            assert_int_not_equal(a->code, b->code);
            assert_true(strcmp(a->name, b->name) != 0);
            if (strcmp(hvcall_base_name(a->name), hvcall_base_name(b->name)) ==
                0) {
                /* The one pair Appendix A names alike (see the header). */
                assert_int_equal(a->code, HvConnectPort);
                assert_int_equal(b->code, HvCallConnectPort);
                collisions++;
            }
        }
    }
    assert_int_equal(collisions, 1);

    /* Spot checks against Appendix A and 3.14. */
    assert_int_equal(HvCallSwitchVirtualAddressSpace, 0x0001);
    assert_int_equal(HvCallParkedVirtualProcessors, 0x0009);
    assert_int_equal(HvCallSendSyntheticClusterIpi, 0x000B);
    assert_int_equal(HvCallSendSyntheticClusterIpiEx, 0x0015);
    assert_int_equal(HvCallCreatePartition, 0x0040);
    assert_int_equal(HvCallGetVpRegisters, 0x0050);
    assert_int_equal(HvCallSetVpRegisters, 0x0051);
    assert_int_equal(HvCallPostMessage, 0x005C);
    assert_int_equal(HvCallSignalEvent, 0x005D);
    assert_int_equal(HvCallRetargetDeviceInterrupt, 0x007E);
    assert_int_equal(HvCallUnregisterInterceptResult, 0x0092);
    assert_int_equal(HvCallAssertVirtualInterrupt, 0x0094);
    assert_int_equal(HvCallStartVirtualProcessor, 0x0099);
    assert_int_equal(HvCallGetVpIndexFromApicId, 0x009A);
    assert_int_equal(HvCallFlushGuestPhysicalAddressSpace, 0x00AF);
    assert_int_equal(HvCallFlushGuestPhysicalAddressList, 0x00B0);
    assert_int_equal(HvExtCallQueryCapabilities, 0x8001);
    assert_int_equal(HvExtCallMemoryHeatHintAsync, 0x8006);
    assert_int_equal(HV_EXT_CAPABILITY_FOR_CALL(HvExtCallMemoryHeatHintAsync),
                     HV_EXT_CAPABILITY_MEMORY_HEAT_HINT_ASYNC);

    /* Kinds and fast flags as Appendix A marks them. */
    assert_int_equal(hvcall_by_code(HvCallSwitchVirtualAddressSpace)->fast,
                     HV_HYPERCALL_FAST_BOTH);
    assert_int_equal(hvcall_by_code(HvCallFlushVirtualAddressList)->kind,
                     HV_HYPERCALL_KIND_REP);
    assert_int_equal(hvcall_by_code(HvCallFlushVirtualAddressListEx)->kind,
                     HV_HYPERCALL_KIND_REP);
    assert_int_equal(hvcall_by_code(HvCallSignalEvent)->fast,
                     HV_HYPERCALL_FAST_BOTH);
    assert_int_equal(hvcall_by_code(HvCallPostMessage)->fast,
                     HV_HYPERCALL_FAST_NO);
}

static void test_row_lookup(void **state)
{
    struct hvcall_info row;
    unsigned code;
    int documented = 0, reserved = 0, deprecated = 0;

    (void)state;
    for (code = 0; code <= 0xFFFF; code++) {
        if (!hvcall_row_by_code((uint16_t)code, &row)) {
            assert_null(hvcall_by_code((uint16_t)code));
            continue;
        }
        assert_int_equal(row.code, code);
        switch (row.status) {
        case HVCALL_DOCUMENTED:
            documented++;
            break;
        case HVCALL_RESERVED:
            reserved++;
            assert_string_equal(row.name, "Reserved");
            break;
        case HVCALL_DEPRECATED:
            deprecated++;
            assert_string_equal(row.name, "Deprecated");
            break;
        }
    }
    assert_int_equal(documented, 106);
    assert_int_equal(reserved, 72);
    assert_int_equal(deprecated, 2);
    assert_false(hvcall_row_by_code(0x0000, &row));
    assert_false(hvcall_row_by_code(0x000A, &row)); /* absent from v6.0b */
    assert_false(hvcall_row_by_code(0x0093, &row)); /* absent from v6.0b */
    assert_true(hvcall_row_by_code(0x009B, &row));
    assert_int_equal(row.status, HVCALL_RESERVED);
    assert_true(hvcall_row_by_code(0x0057, &row));
    assert_int_equal(row.status, HVCALL_DEPRECATED);
    assert_string_equal(row.privilege, "CreatePort");
}

static void test_name_lookup(void **state)
{
    const struct hvcall_info *m[4];
    uint16_t code = 0;

    (void)state;
    assert_int_equal(hvcall_find_by_name("HvCallPostMessage", m, 4), 1);
    assert_int_equal(m[0]->code, 0x005C);
    assert_int_equal(hvcall_find_by_name("hvcallpostmessage", m, 4), 1);
    assert_int_equal(hvcall_find_by_name("PostMessage", m, 4), 1);
    assert_int_equal(hvcall_find_by_name("HvPostMessage", m, 4), 1);
    assert_int_equal(m[0]->code, 0x005C);
    /* Appendix A's own spelling of 0x0001. */
    assert_int_equal(hvcall_find_by_name("HvSwitchVirtualAddressSpace", m, 4),
                     1);
    assert_int_equal(m[0]->code, 0x0001);
    assert_int_equal(hvcall_find_by_name("querycapabilities", m, 4), 1);
    assert_int_equal(m[0]->code, 0x8001);
    /* An exact name wins; the bare name matches both ConnectPort calls. */
    assert_int_equal(hvcall_find_by_name("HvConnectPort", m, 4), 1);
    assert_int_equal(m[0]->code, 0x0059);
    assert_int_equal(hvcall_find_by_name("HvCallConnectPort", m, 4), 1);
    assert_int_equal(m[0]->code, 0x0096);
    assert_int_equal(hvcall_find_by_name("connectport", m, 4), 2);
    assert_int_equal(m[0]->code, 0x0059);
    assert_int_equal(m[1]->code, 0x0096);
    assert_int_equal(hvcall_find_by_name("NoSuchCall", m, 4), 0);
    assert_int_equal(hvcall_find_by_name("Hv", m, 4), 0);
    assert_int_equal(hvcall_find_by_name("Reserved", m, 4), 0);

    assert_int_equal(hvcall_parse_code("0x0002", &code), 1);
    assert_int_equal(code, 2);
    assert_int_equal(hvcall_parse_code("2", &code), 1);
    assert_int_equal(code, 2);
    assert_int_equal(hvcall_parse_code("0X5c", &code), 1);
    assert_int_equal(code, 0x5C);
    assert_int_equal(hvcall_parse_code("32769", &code), 1);
    assert_int_equal(code, 0x8001);
    assert_int_equal(hvcall_parse_code("0xFFFF", &code), 1);
    assert_int_equal(hvcall_parse_code("0x10000", &code), -1);
    assert_int_equal(hvcall_parse_code("99999999999999999999", &code), -1);
    assert_int_equal(hvcall_parse_code("0x", &code), 0);
    assert_int_equal(hvcall_parse_code("", &code), 0);
    assert_int_equal(hvcall_parse_code("5C", &code), 0);
    assert_int_equal(hvcall_parse_code("PostMessage", &code), 0);
    assert_int_equal(hvcall_parse_code("-1", &code), 0);
}

/* ---- the CSV against the table ------------------------------------------- */

static char *read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long len;

    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 ||
        fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        return NULL;
    }
    buf = malloc((size_t)len + 1);
    if (buf && fread(buf, 1, (size_t)len, f) != (size_t)len) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf) {
        buf[len] = '\0';
        *size = (size_t)len;
    }
    return buf;
}

/* Split "line" in place at commas into exactly n fields. */
static int split_fields(char *line, char **fields, int n)
{
    int count = 0;
    char *p = line;

    fields[count++] = p;
    for (; *p; p++) {
        if (*p == ',') {
            *p = '\0';
            if (count == n)
                return -1;
            fields[count++] = p + 1;
        }
    }
    return count;
}

static int is_code_field(const char *s)
{
    int i;

    if (strlen(s) != 6 || s[0] != '0' || s[1] != 'x')
        return 0;
    for (i = 2; i < 6; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'A' && s[i] <= 'F')))
            return 0;
    return 1;
}

static void test_csv_matches_table(void **state)
{
    size_t size = 0, documented = 0, rows = 0;
    char *text = read_file(csv_path, &size);
    char *line, *next;
    static unsigned char seen[0x10000];

    (void)state;
    if (!text)
        fail_msg("cannot read %s (pass the CSV or the source tree as argv[1] "
                 "or set WISP_SOURCE_DIR)",
                 csv_path);
    assert_true(size > 0 && text[size - 1] == '\n');
    assert_null(strchr(text, '"'));  /* no quoting needed or used */
    assert_null(strchr(text, '\r'));
    memset(seen, 0, sizeof(seen));

    line = text;
    next = strchr(line, '\n');
    *next = '\0';
    assert_string_equal(line, HVCALL_CSV_HEADER);

    for (line = next + 1; *line; line = next + 1) {
        char *f[7];
        uint16_t code = 0;
        struct hvcall_info row;
        const struct hvcall_info *info;

        next = strchr(line, '\n');
        assert_non_null(next);
        *next = '\0';
        if (split_fields(line, f, 7) != 7)
            fail_msg("CSV line %zu does not have 7 fields", rows + 2);
        rows++;

        if (!is_code_field(f[0]))
            fail_msg("CSV line %zu: bad code '%s'", rows + 1, f[0]);
        assert_int_equal(hvcall_parse_code(f[0], &code), 1);
        if (seen[code])
            fail_msg("CSV: code %s appears twice", f[0]);
        seen[code] = 1;

        if (!hvcall_row_by_code(code, &row))
            fail_msg("CSV: code %s is not in the header's table", f[0]);
        assert_string_equal(f[1], row.name);
        assert_string_equal(f[2], hvcall_kind_name(row.kind));
        assert_string_equal(f[3], hvcall_fast_name(row.fast));
        assert_string_equal(f[4], row.caller);
        assert_string_equal(f[5], row.privilege);
        assert_string_equal(f[6], hvcall_status_name(row.status));

        info = hvcall_by_code(code);
        if (strcmp(f[6], "documented") == 0) {
            assert_non_null(info);
            assert_string_equal(info->name, f[1]);
            documented++;
        } else {
            assert_null(info);
            assert_true(strcmp(f[6], "reserved") == 0 ||
                        strcmp(f[6], "deprecated") == 0);
        }
    }
    /* Every entry of the header's table is in the CSV. */
    assert_int_equal(documented, hvcall_table_count);
    assert_int_equal(rows, 180);
    free(text);
}

static void test_csv_written_identically(void **state)
{
    size_t size = 0, written;
    char *text = read_file(csv_path, &size);
    char *buf;
    FILE *tmp = tmpfile();

    (void)state;
    assert_non_null(text);
    assert_non_null(tmp);
    assert_int_equal(hvcall_write_csv(tmp), 0);
    assert_int_equal(ftell(tmp), (long)size);
    rewind(tmp);
    buf = malloc(size + 1);
    assert_non_null(buf);
    written = fread(buf, 1, size, tmp);
    assert_int_equal(written, size);
    assert_memory_equal(buf, text, size);
    free(buf);
    free(text);
    fclose(tmp);
}

static void find_csv(int argc, char **argv)
{
    const char *dir = getenv("WISP_SOURCE_DIR");
    struct stat st;

    if (argc > 1 && argv[1][0] != '\0') {
        if (stat(argv[1], &st) == 0 && S_ISDIR(st.st_mode))
            snprintf(csv_path, sizeof(csv_path), "%s/%s", argv[1],
                     CSV_RELATIVE_PATH);
        else
            snprintf(csv_path, sizeof(csv_path), "%s", argv[1]);
        return;
    }
    if (!dir || dir[0] == '\0')
        dir = ".";
    snprintf(csv_path, sizeof(csv_path), "%s/%s", dir, CSV_RELATIVE_PATH);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hypercall_input_encode),
        cmocka_unit_test(test_hypercall_input_decode),
        cmocka_unit_test(test_hypercall_input_check),
        cmocka_unit_test(test_hypercall_result),
        cmocka_unit_test(test_variable_header_size),
        cmocka_unit_test(test_reference_time_golden),
        cmocka_unit_test(test_mul64_high_paths),
        cmocka_unit_test(test_tsc_scale_from_frequency),
        cmocka_unit_test(test_tsc_page_read),
        cmocka_unit_test(test_guest_os_id),
        cmocka_unit_test(test_msr_layouts),
        cmocka_unit_test(test_register_layouts),
        cmocka_unit_test(test_privilege_and_cpuid_bits),
        cmocka_unit_test(test_misc_layouts),
        cmocka_unit_test(test_vp_set),
        cmocka_unit_test(test_status_codes),
        cmocka_unit_test(test_call_codes_unique),
        cmocka_unit_test(test_row_lookup),
        cmocka_unit_test(test_name_lookup),
        cmocka_unit_test(test_csv_matches_table),
        cmocka_unit_test(test_csv_written_identically),
    };

    find_csv(argc, argv);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
