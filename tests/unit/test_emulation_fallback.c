/*
 * The emulation-failure fallback's decision: the instruction bytes at RIP
 * in, what wisp does out. INT3 is stepped over and becomes a #BP, CLAC and
 * STAC are three bytes that toggle RFLAGS.AC, and everything else (other
 * 0F 01 instructions, prefixes, too few bytes) stays an error.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "vmm/emulation_fallback.h"

static void expect(const uint8_t *bytes, unsigned n, enum emulation_action action,
                   unsigned length)
{
    struct emulation_decision d = emulation_fallback_decide(bytes, n);
    assert_int_equal(d.action, action);
    assert_int_equal(d.length, length);
}

static void test_int3_is_a_one_byte_breakpoint(void **state)
{
    (void)state;
    static const uint8_t int3[] = { 0xCC, 0x90, 0x90 };
    expect(int3, 1, EMULATION_BREAKPOINT, 1);
    expect(int3, sizeof int3, EMULATION_BREAKPOINT, 1);
}

static void test_clac_and_stac_are_three_bytes(void **state)
{
    (void)state;
    static const uint8_t clac[] = { 0x0F, 0x01, 0xCA, 0xC3 };
    static const uint8_t stac[] = { 0x0F, 0x01, 0xCB };
    expect(clac, sizeof clac, EMULATION_CLAC, 3);
    expect(stac, sizeof stac, EMULATION_STAC, 3);
}

static void test_other_0f01_instructions_are_unsupported(void **state)
{
    (void)state;
    static const uint8_t vmcall[] = { 0x0F, 0x01, 0xC1 };
    static const uint8_t xgetbv[] = { 0x0F, 0x01, 0xD0 };
    static const uint8_t xsetbv[] = { 0x0F, 0x01, 0xD1 };
    expect(vmcall, 3, EMULATION_UNSUPPORTED, 0);
    expect(xgetbv, 3, EMULATION_UNSUPPORTED, 0);
    expect(xsetbv, 3, EMULATION_UNSUPPORTED, 0);
}

static void test_instructions_wisp_does_not_emulate_are_unsupported(void **state)
{
    (void)state;
    static const uint8_t popcnt[] = { 0xF3, 0x48, 0x0F, 0xB8, 0xC0 };
    static const uint8_t cmpxchg16b[] = { 0x48, 0x0F, 0xC7, 0x0E };
    static const uint8_t xrstor[] = { 0x48, 0x0F, 0xAE, 0x2F };
    static const uint8_t int_imm3[] = { 0xCD, 0x03 }; /* not the one-byte INT3 */
    expect(popcnt, sizeof popcnt, EMULATION_UNSUPPORTED, 0);
    expect(cmpxchg16b, sizeof cmpxchg16b, EMULATION_UNSUPPORTED, 0);
    expect(xrstor, sizeof xrstor, EMULATION_UNSUPPORTED, 0);
    expect(int_imm3, sizeof int_imm3, EMULATION_UNSUPPORTED, 0);
}

static void test_prefixed_int3_and_clac_are_not_guessed_at(void **state)
{
    (void)state;
    static const uint8_t rep_int3[] = { 0xF3, 0xCC };
    static const uint8_t seg_clac[] = { 0x2E, 0x0F, 0x01, 0xCA };
    expect(rep_int3, sizeof rep_int3, EMULATION_UNSUPPORTED, 0);
    expect(seg_clac, sizeof seg_clac, EMULATION_UNSUPPORTED, 0);
}

static void test_too_few_bytes_are_unsupported(void **state)
{
    (void)state;
    static const uint8_t clac[] = { 0x0F, 0x01, 0xCA };
    expect(clac, 0, EMULATION_UNSUPPORTED, 0);
    expect(clac, 2, EMULATION_UNSUPPORTED, 0);
    expect(NULL, 0, EMULATION_UNSUPPORTED, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_int3_is_a_one_byte_breakpoint),
        cmocka_unit_test(test_clac_and_stac_are_three_bytes),
        cmocka_unit_test(test_other_0f01_instructions_are_unsupported),
        cmocka_unit_test(test_instructions_wisp_does_not_emulate_are_unsupported),
        cmocka_unit_test(test_prefixed_int3_and_clac_are_not_guessed_at),
        cmocka_unit_test(test_too_few_bytes_are_unsupported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
