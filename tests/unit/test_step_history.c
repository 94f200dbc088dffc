/* --step-history's ring and what it prints (src/debug/step_history.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "debug/step_history.h"

static char *printed(const struct step_history *h)
{
    static char text[16384];
    FILE *f = fmemopen(text, sizeof text, "w");
    assert_non_null(f);
    step_history_print(f, h, "instructions");
    fclose(f);
    return text;
}

static void step(struct step_history *h, uint64_t rip, uint64_t cr2, uint64_t cr3)
{
    struct step_record r = { .rip = rip, .cr2 = cr2, .cr3 = cr3, .cr_known = true };
    step_history_record(h, &r);
}

static void test_refuses_empty_and_oversized_rings(void **state)
{
    (void)state;
    struct step_history h;
    assert_int_equal(step_history_init(&h, 0), -1);
    assert_int_equal(step_history_init(&h, STEP_HISTORY_MAX + 1), -1);
    assert_int_equal(step_history_init(&h, STEP_HISTORY_MAX), 0);
    step_history_free(&h);
}

static void test_nothing_stepped_says_so(void **state)
{
    (void)state;
    struct step_history h;
    assert_int_equal(step_history_init(&h, 4), 0);
    assert_null(step_history_last(&h));
    assert_non_null(strstr(printed(&h), "no instruction was stepped"));
    step_history_free(&h);
}

static void test_keeps_the_newest_oldest_first(void **state)
{
    (void)state;
    struct step_history h;
    assert_int_equal(step_history_init(&h, 3), 0);
    for (uint64_t rip = 0x1000; rip < 0x1005; rip++)
        step(&h, rip, 0, 0x1000);
    assert_int_equal(step_history_last(&h)->rip, 0x1004);
    char *text = printed(&h);
    assert_non_null(strstr(text, "the last 3 of 5 stepped"));
    assert_null(strstr(text, "0x0000000000001001"));
    char *a = strstr(text, "     0x0000000000001002\n");
    char *b = strstr(text, "     0x0000000000001003\n");
    char *c = strstr(text, "  last 0x0000000000001004\n");
    assert_true(a && b && c && a < b && b < c);
    step_history_free(&h);
}

static void test_cr2_change_marks_a_page_fault(void **state)
{
    (void)state;
    struct step_history h;
    assert_int_equal(step_history_init(&h, 8), 0);
    step(&h, 0x2000, 0, 0x1000);
    step(&h, 0x2003, 0, 0x1000);
    step(&h, 0x2008, 0xdead000, 0x1000);
    step(&h, 0x200a, 0xdead000, 0x5000);
    char *text = printed(&h);
    assert_non_null(strstr(text, "0x0000000000002008  <- CR2 became 0xdead000: a page fault "
                                 "at the instruction before\n"));
    assert_non_null(strstr(text, "0x000000000000200a  <- CR3 became 0x5000\n"));
    assert_non_null(strstr(text, "     0x0000000000002003\n"));
    step_history_free(&h);
}

static void test_unknown_control_registers_mark_nothing(void **state)
{
    (void)state;
    struct step_history h;
    assert_int_equal(step_history_init(&h, 4), 0);
    step(&h, 0x3000, 0, 0x1000);
    struct step_record r = { .rip = 0x3002, .cr2 = 0x77 };
    step_history_record(&h, &r);
    assert_null(strstr(printed(&h), "<-"));
    step_history_free(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refuses_empty_and_oversized_rings),
        cmocka_unit_test(test_nothing_stepped_says_so),
        cmocka_unit_test(test_keeps_the_newest_oldest_first),
        cmocka_unit_test(test_cr2_change_marks_a_page_fault),
        cmocka_unit_test(test_unknown_control_registers_mark_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
