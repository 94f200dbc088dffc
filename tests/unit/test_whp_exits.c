/*
 * WHP exit contexts in, wisp exit records out (winhv_translate.c).
 *
 * Each context is built as the 224 bytes WHvRunVirtualProcessor writes,
 * byte by byte at the offsets and bit positions of Microsoft's documented
 * layouts ("Exit Context Data Types", "Memory Access", "I/O Port Access",
 * "MSR Access", "CPUID Access", "Exception", ...), not through the structs,
 * so a wrong offset or bit in the mirrored types fails here as well as in
 * the mingw-w64 layout check.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "accel/winhv_translate.h"

/* Offsets in WHV_RUN_VP_EXIT_CONTEXT. */
#define OFF_REASON 0
#define OFF_VP 8
#define OFF_VP_STATE (OFF_VP + 0)
#define OFF_VP_ILEN (OFF_VP + 2)
#define OFF_VP_CS (OFF_VP + 8)
#define OFF_VP_RIP (OFF_VP + 24)
#define OFF_VP_RFLAGS (OFF_VP + 32)
#define OFF_U 48

/* WHV_X64_VP_EXECUTION_STATE bits. */
#define ST_CPL(n) ((uint16_t)(n))
#define ST_CR0PE (1u << 2)
#define ST_EFERLMA (1u << 4)
#define ST_INTR_PENDING (1u << 6)
#define ST_SHADOW (1u << 12)

struct image {
    uint8_t b[224];
};

static void put(struct image *im, size_t off, uint64_t v, unsigned bytes)
{
    assert_true(off + bytes <= sizeof im->b);
    for (unsigned i = 0; i < bytes; i++)
        im->b[off + i] = (uint8_t)(v >> (8 * i));
}

/* A 64-bit code segment, RIP and RFLAGS common to every exit below. */
static void common(struct image *im, uint32_t reason, uint16_t state, unsigned ilen)
{
    memset(im, 0, sizeof *im);
    put(im, OFF_REASON, reason, 4);
    put(im, OFF_VP_STATE, state, 2);
    put(im, OFF_VP_ILEN, ilen | (0x3u << 4) /* Cr8 = 3 */, 1);
    put(im, OFF_VP_CS + 0, 0, 8);            /* base */
    put(im, OFF_VP_CS + 8, 0xFFFFFFFF, 4);   /* limit */
    put(im, OFF_VP_CS + 12, 0x0008, 2);      /* selector */
    put(im, OFF_VP_CS + 14, 0xA09B, 2);      /* G, L, P, S, type 0xB */
    put(im, OFF_VP_RIP, 0xFFFFFFFF80101234ull, 8);
    put(im, OFF_VP_RFLAGS, 0x246, 8);
}

static struct accel_exit translate(const struct image *im, uint8_t *io_buffer)
{
    WHV_RUN_VP_EXIT_CONTEXT ctx;
    memcpy(&ctx, im->b, sizeof ctx);
    struct accel_exit exit;
    memset(&exit, 0xA5, sizeof exit); /* everything must be written */
    winhv_exit_from_context(&ctx, &exit, io_buffer);
    return exit;
}

static void check_common(const struct accel_exit *e)
{
    assert_int_equal(e->cs.selector, 0x0008);
    assert_int_equal(e->cs.attributes, 0xA09B);
    assert_int_equal(e->cs.limit, 0xFFFFFFFF);
    assert_true(e->cs.attributes & ACCEL_SEG_LONG);
    assert_true(e->cs.attributes & ACCEL_SEG_PRESENT);
    assert_int_equal(e->rip, 0xFFFFFFFF80101234ull);
    assert_int_equal(e->rflags, 0x246);
}

static void test_sizes(void **state)
{
    (void)state;
    assert_int_equal(sizeof(WHV_RUN_VP_EXIT_CONTEXT), 224);
    assert_int_equal(offsetof(WHV_RUN_VP_EXIT_CONTEXT, VpContext), OFF_VP);
    assert_int_equal(offsetof(WHV_RUN_VP_EXIT_CONTEXT, MemoryAccess), OFF_U);
}

static void test_port_out(void **state)
{
    (void)state;
    struct image im;
    common(&im, 2, ST_CR0PE | ST_EFERLMA | ST_SHADOW, 2);
    put(&im, OFF_U + 0, 2, 1);           /* InstructionByteCount */
    put(&im, OFF_U + 4, 0xE4E6, 2);      /* out 0xE4, al */
    put(&im, OFF_U + 20, 1u | 1u << 1, 4); /* IsWrite, AccessSize 1 */
    put(&im, OFF_U + 24, 0xE4, 2);
    put(&im, OFF_U + 32, 0x1122334455667702ull, 8); /* RAX */
    uint8_t buf[8];
    struct accel_exit e = translate(&im, buf);
    assert_int_equal(e.reason, ACCEL_EXIT_IO_PORT_ACCESS);
    check_common(&e);
    assert_int_equal(e.instruction_length, 2);
    assert_int_equal(e.state.cpl, 0);
    assert_true(e.state.cr0_pe);
    assert_true(e.state.efer_lma);
    assert_true(e.state.interrupt_shadow);
    assert_false(e.state.interruption_pending);
    assert_int_equal(e.u.io.port, 0xE4);
    assert_int_equal(e.u.io.size, 1);
    assert_true(e.u.io.is_write);
    assert_int_equal(e.u.io.count, 1);
    assert_ptr_equal(e.u.io.data, buf);
    assert_int_equal(buf[0], 0x02); /* AL only */
    assert_int_equal(buf[1], 0);
}

static void test_port_out_dword(void **state)
{
    (void)state;
    struct image im;
    common(&im, 2, ST_CR0PE | ST_EFERLMA, 1);
    put(&im, OFF_U + 20, 1u | 4u << 1, 4); /* out dx, eax */
    put(&im, OFF_U + 24, 0xCFC, 2);
    put(&im, OFF_U + 32, 0xAABBCCDD80001234ull, 8);
    uint8_t buf[8];
    struct accel_exit e = translate(&im, buf);
    assert_int_equal(e.u.io.port, 0xCFC);
    assert_int_equal(e.u.io.size, 4);
    assert_memory_equal(buf, "\x34\x12\x00\x80", 4);
}

static void test_port_in(void **state)
{
    (void)state;
    struct image im;
    common(&im, 2, ST_CPL(3) | ST_CR0PE | ST_EFERLMA, 1);
    put(&im, OFF_U + 20, 2u << 1, 4); /* in ax, dx */
    put(&im, OFF_U + 24, 0x3FD, 2);
    put(&im, OFF_U + 32, 0xFFFF, 8);
    uint8_t buf[8];
    struct accel_exit e = translate(&im, buf);
    assert_int_equal(e.reason, ACCEL_EXIT_IO_PORT_ACCESS);
    assert_int_equal(e.state.cpl, 3);
    assert_false(e.u.io.is_write);
    assert_int_equal(e.u.io.size, 2);
    assert_int_equal(e.u.io.count, 1);
    assert_memory_equal(buf, "\0\0\0\0", 4); /* the VMM fills it */
}

static void test_port_string(void **state)
{
    (void)state;
    struct image im;
    common(&im, 2, ST_CR0PE | ST_EFERLMA, 2);
    put(&im, OFF_U + 20, 1u | 1u << 1 | 1u << 4 | 1u << 5, 4); /* rep outsb */
    put(&im, OFF_U + 24, 0x3F8, 2);
    put(&im, OFF_U + 40, 5, 8); /* RCX */
    uint8_t buf[8];
    struct accel_exit e = translate(&im, buf);
    assert_int_equal(e.reason, ACCEL_EXIT_IO_PORT_ACCESS);
    assert_int_equal(e.u.io.count, 0); /* the emulator decides */
    assert_true(e.u.io.is_write);
}

static void test_memory_access(void **state)
{
    (void)state;
    struct image im;
    common(&im, 1, ST_CR0PE | ST_EFERLMA | ST_INTR_PENDING, 6);
    put(&im, OFF_U + 0, 6, 1);
    put(&im, OFF_U + 20, 1u | 1u << 3, 4); /* write, GvaValid */
    put(&im, OFF_U + 24, 0xFEE000B0ull, 8);
    put(&im, OFF_U + 32, 0xFFFF8000FEE000B0ull, 8);
    struct accel_exit e = translate(&im, NULL);
    assert_int_equal(e.reason, ACCEL_EXIT_MEMORY_ACCESS);
    check_common(&e);
    assert_true(e.state.interruption_pending);
    assert_int_equal(e.instruction_length, 6);
    assert_int_equal(e.u.memory.gpa, 0xFEE000B0ull);
    assert_int_equal(e.u.memory.gva, 0xFFFF8000FEE000B0ull);
    assert_int_equal(e.u.memory.access, ACCEL_ACCESS_WRITE);
    assert_int_equal(e.u.memory.size, 0); /* not decoded by WHP */

    put(&im, OFF_U + 20, 0, 4); /* read, GVA not valid */
    e = translate(&im, NULL);
    assert_int_equal(e.u.memory.access, ACCEL_ACCESS_READ);
    assert_int_equal(e.u.memory.gva, 0);
    put(&im, OFF_U + 20, 2, 4);
    e = translate(&im, NULL);
    assert_int_equal(e.u.memory.access, ACCEL_ACCESS_EXECUTE);
}

static void test_msr(void **state)
{
    (void)state;
    struct image im;
    common(&im, 0x1000, ST_CR0PE | ST_EFERLMA, 2);
    put(&im, OFF_U + 0, 1, 4); /* write */
    put(&im, OFF_U + 4, 0x40000000, 4);
    put(&im, OFF_U + 8, 0xFFFFFFFF89ABCDEFull, 8);  /* RAX: upper half ignored */
    put(&im, OFF_U + 16, 0x0000000001234567ull, 8); /* RDX */
    struct accel_exit e = translate(&im, NULL);
    assert_int_equal(e.reason, ACCEL_EXIT_MSR_ACCESS);
    assert_int_equal(e.u.msr.index, 0x40000000);
    assert_true(e.u.msr.is_write);
    assert_int_equal(e.u.msr.value, 0x0123456789ABCDEFull);
    assert_false(e.u.msr.inject_gp);

    put(&im, OFF_U + 0, 0, 4); /* read */
    e = translate(&im, NULL);
    assert_false(e.u.msr.is_write);
    assert_int_equal(e.u.msr.value, 0);
}

static void test_cpuid(void **state)
{
    (void)state;
    struct image im;
    common(&im, 0x1001, ST_CR0PE | ST_EFERLMA, 2);
    put(&im, OFF_U + 0, 0x7, 8);  /* RAX */
    put(&im, OFF_U + 8, 0x1, 8);  /* RCX */
    put(&im, OFF_U + 32, 0xA, 8); /* default RAX */
    put(&im, OFF_U + 40, 0xC, 8); /* default RCX */
    put(&im, OFF_U + 48, 0xD, 8); /* default RDX */
    put(&im, OFF_U + 56, 0xB, 8); /* default RBX */
    struct accel_exit e = translate(&im, NULL);
    assert_int_equal(e.reason, ACCEL_EXIT_CPUID);
    assert_int_equal(e.u.cpuid.leaf, 7);
    assert_int_equal(e.u.cpuid.subleaf, 1);
    assert_int_equal(e.u.cpuid.eax, 0xA);
    assert_int_equal(e.u.cpuid.ebx, 0xB);
    assert_int_equal(e.u.cpuid.ecx, 0xC);
    assert_int_equal(e.u.cpuid.edx, 0xD);
}

static void test_simple_reasons(void **state)
{
    (void)state;
    static const struct { uint32_t whp; enum accel_exit_reason want; } cases[] = {
        { 0x0004, ACCEL_EXIT_UNRECOVERABLE_EXCEPTION },
        { 0x0005, ACCEL_EXIT_INVALID_VP_REGISTER_VALUE },
        { 0x0007, ACCEL_EXIT_INTERRUPT_WINDOW },
        { 0x0008, ACCEL_EXIT_HALT },
        { 0x1003, ACCEL_EXIT_RDTSC },
        { 0x1005, ACCEL_EXIT_HYPERCALL },
        { 0x2001, ACCEL_EXIT_CANCELED },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct image im;
        common(&im, cases[i].whp, ST_CR0PE | ST_EFERLMA, 1);
        struct accel_exit e = translate(&im, NULL);
        assert_int_equal(e.reason, cases[i].want);
        check_common(&e);
        assert_int_equal(e.u.raw_code, 0);
    }
}

static void test_unsupported_feature(void **state)
{
    (void)state;
    struct image im;
    common(&im, 0x0006, ST_CR0PE, 0);
    put(&im, OFF_U + 0, 2, 4); /* WHvUnsupportedFeatureTaskSwitchTss */
    put(&im, OFF_U + 8, 0x1234, 8);
    struct accel_exit e = translate(&im, NULL);
    assert_int_equal(e.reason, ACCEL_EXIT_UNSUPPORTED_FEATURE);
    assert_false(e.state.efer_lma);
    assert_int_equal(e.u.unsupported.code, 2);
    assert_int_equal(e.u.unsupported.insn_length, 0);
}

static void test_exception_and_eoi(void **state)
{
    (void)state;
    struct image im;
    common(&im, 0x1002, ST_CR0PE | ST_EFERLMA, 0);
    put(&im, OFF_U + 20, 1, 4);  /* ErrorCodeValid */
    put(&im, OFF_U + 24, 14, 1); /* #PF */
    put(&im, OFF_U + 28, 2, 4);
    struct accel_exit e = translate(&im, NULL);
    assert_int_equal(e.reason, ACCEL_EXIT_EXCEPTION);
    assert_int_equal(e.u.raw_code, 14);

    common(&im, 0x0009, ST_CR0PE | ST_EFERLMA, 0);
    put(&im, OFF_U + 0, 0x31, 4);
    e = translate(&im, NULL);
    assert_int_equal(e.reason, ACCEL_EXIT_APIC_EOI);
    assert_int_equal(e.u.raw_code, 0x31);
}

static void test_unknown_reasons(void **state)
{
    (void)state;
    static const uint32_t unknown[] = { 0x000A, 0x1004, 0x1006, 0x1007, 0x3000 };
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        struct image im;
        common(&im, unknown[i], ST_CR0PE, 0);
        struct accel_exit e = translate(&im, NULL);
        assert_int_equal(e.reason, ACCEL_EXIT_NONE);
        assert_int_equal(e.u.raw_code, unknown[i]);
    }
}

static void test_reason_values_equal(void **state)
{
    (void)state;
    /* The seam's enum is WHP's by design. */
    assert_int_equal(ACCEL_EXIT_MEMORY_ACCESS, WHvRunVpExitReasonMemoryAccess);
    assert_int_equal(ACCEL_EXIT_IO_PORT_ACCESS, WHvRunVpExitReasonX64IoPortAccess);
    assert_int_equal(ACCEL_EXIT_UNRECOVERABLE_EXCEPTION, WHvRunVpExitReasonUnrecoverableException);
    assert_int_equal(ACCEL_EXIT_INVALID_VP_REGISTER_VALUE, WHvRunVpExitReasonInvalidVpRegisterValue);
    assert_int_equal(ACCEL_EXIT_UNSUPPORTED_FEATURE, WHvRunVpExitReasonUnsupportedFeature);
    assert_int_equal(ACCEL_EXIT_INTERRUPT_WINDOW, WHvRunVpExitReasonX64InterruptWindow);
    assert_int_equal(ACCEL_EXIT_HALT, WHvRunVpExitReasonX64Halt);
    assert_int_equal(ACCEL_EXIT_APIC_EOI, WHvRunVpExitReasonX64ApicEoi);
    assert_int_equal(ACCEL_EXIT_MSR_ACCESS, WHvRunVpExitReasonX64MsrAccess);
    assert_int_equal(ACCEL_EXIT_CPUID, WHvRunVpExitReasonX64Cpuid);
    assert_int_equal(ACCEL_EXIT_EXCEPTION, WHvRunVpExitReasonException);
    assert_int_equal(ACCEL_EXIT_RDTSC, WHvRunVpExitReasonX64Rdtsc);
    assert_int_equal(ACCEL_EXIT_HYPERCALL, WHvRunVpExitReasonHypercall);
    assert_int_equal(ACCEL_EXIT_CANCELED, WHvRunVpExitReasonCanceled);
}

/* ---- instruction completion helpers ---- */

static void test_in_result(void **state)
{
    (void)state;
    const uint8_t data[4] = { 0x11, 0x22, 0x33, 0x44 };
    uint64_t rax = 0xFFFFFFFFFFFFFFFFull;
    assert_int_equal(winhv_io_in_result(rax, 1, data), 0xFFFFFFFFFFFFFF11ull);
    assert_int_equal(winhv_io_in_result(rax, 2, data), 0xFFFFFFFFFFFF2211ull);
    assert_int_equal(winhv_io_in_result(rax, 4, data), 0x0000000044332211ull);
}

static WHV_RUN_VP_EXIT_CONTEXT string_exit(uint16_t state, uint16_t cs_attributes, bool rep,
                                          const uint8_t *bytes, unsigned nbytes, uint64_t rcx)
{
    struct image im;
    common(&im, 2, state, nbytes);
    put(&im, OFF_VP_CS + 14, cs_attributes, 2);
    put(&im, OFF_U + 0, nbytes, 1);
    for (unsigned i = 0; i < nbytes; i++)
        put(&im, OFF_U + 4 + i, bytes[i], 1);
    put(&im, OFF_U + 20, 1u << 1 | 1u << 4 | (rep ? 1u << 5 : 0), 4); /* insb */
    put(&im, OFF_U + 40, rcx, 8);
    WHV_RUN_VP_EXIT_CONTEXT ctx;
    memcpy(&ctx, im.b, sizeof ctx);
    return ctx;
}

static void test_string_io_count(void **state)
{
    (void)state;
    const uint8_t rep_insb[] = { 0xF3, 0x6C };
    const uint8_t rep_insb_a32[] = { 0x67, 0xF3, 0x6C };
    const uint8_t rex_insb[] = { 0xF3, 0x48, 0x6C };
    uint64_t rcx = 0x1234567890ABCDEFull;
    uint16_t lm = ST_CR0PE | ST_EFERLMA;
    WHV_RUN_VP_EXIT_CONTEXT c;

    c = string_exit(lm, 0xA09B, false, rep_insb + 1, 1, rcx);
    assert_int_equal(winhv_string_io_count(&c), 1);
    c = string_exit(lm, 0xA09B, true, rep_insb, 2, rcx);
    assert_int_equal(winhv_string_io_count(&c), rcx);
    c = string_exit(lm, 0xA09B, true, rep_insb_a32, 3, rcx);
    assert_int_equal(winhv_string_io_count(&c), 0x90ABCDEF);
    c = string_exit(lm, 0xA09B, true, rex_insb, 3, rcx);
    assert_int_equal(winhv_string_io_count(&c), rcx);
    /* 32-bit protected mode: D set, L clear */
    c = string_exit(ST_CR0PE, 0xC09B, true, rep_insb, 2, rcx);
    assert_int_equal(winhv_string_io_count(&c), 0x90ABCDEF);
    c = string_exit(ST_CR0PE, 0xC09B, true, rep_insb_a32, 3, rcx);
    assert_int_equal(winhv_string_io_count(&c), 0xCDEF);
    /* 16-bit */
    c = string_exit(0, 0x009B, true, rep_insb, 2, rcx);
    assert_int_equal(winhv_string_io_count(&c), 0xCDEF);
    c = string_exit(0, 0x009B, true, rep_insb_a32, 3, rcx);
    assert_int_equal(winhv_string_io_count(&c), 0x90ABCDEF);
}

static void test_hresult_names(void **state)
{
    (void)state;
    assert_string_equal(winhv_hresult_name(0x80370302u), "WHV_E_UNKNOWN_PROPERTY");
    assert_string_equal(winhv_hresult_name(0x80370309u), "WHV_E_INVALID_VP_REGISTER_NAME");
    assert_string_equal(winhv_hresult_name(0x80070057u), "E_INVALIDARG");
    assert_null(winhv_hresult_name(0x12345678u));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sizes),
        cmocka_unit_test(test_port_out),
        cmocka_unit_test(test_port_out_dword),
        cmocka_unit_test(test_port_in),
        cmocka_unit_test(test_port_string),
        cmocka_unit_test(test_memory_access),
        cmocka_unit_test(test_msr),
        cmocka_unit_test(test_cpuid),
        cmocka_unit_test(test_simple_reasons),
        cmocka_unit_test(test_unsupported_feature),
        cmocka_unit_test(test_exception_and_eoi),
        cmocka_unit_test(test_unknown_reasons),
        cmocka_unit_test(test_reason_values_equal),
        cmocka_unit_test(test_in_result),
        cmocka_unit_test(test_string_io_count),
        cmocka_unit_test(test_hresult_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
