/* --exit-profile's counts and tables (src/debug/exit_profile.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "debug/exit_profile.h"

static struct accel_exit port_exit(uint16_t port, bool write)
{
    struct accel_exit e = { .reason = ACCEL_EXIT_IO_PORT_ACCESS };
    e.u.io.port = port;
    e.u.io.is_write = write;
    e.u.io.size = 1;
    return e;
}

/* The profile printed into a string. */
static char *printed(const struct exit_profile *p)
{
    static char text[8192];
    FILE *f = fmemopen(text, sizeof text, "w");
    assert_non_null(f);
    struct exit_profile_times t = { .run_ns = 2000000000, .first_entry_ns = 5000000, .cpus = 1 };
    exit_profile_print(f, p, &t);
    fclose(f);
    return text;
}

static void test_counts_by_reason_and_site(void **state)
{
    (void)state;
    struct exit_profile *p = malloc(sizeof *p);
    exit_profile_init(p);
    for (int i = 0; i < 5; i++) {
        struct accel_exit e = port_exit(0x3fd, false);
        exit_profile_record(p, &e, 1000);
    }
    for (int i = 0; i < 3; i++) {
        struct accel_exit e = port_exit(0x3f8, true);
        exit_profile_record(p, &e, 2000);
    }
    struct accel_exit mmio = { .reason = ACCEL_EXIT_MEMORY_ACCESS };
    mmio.u.memory.gpa = 0xfebf0000;
    mmio.u.memory.access = ACCEL_ACCESS_WRITE;
    exit_profile_record(p, &mmio, 500);
    struct accel_exit halt = { .reason = ACCEL_EXIT_HALT };
    exit_profile_record(p, &halt, 100);

    char *text = printed(p);
    assert_non_null(strstr(text, "10 exits on 1 vCPU;"));
    assert_non_null(strstr(text, "5.0 ms from wisp's start"));
    /* port access: 8 exits, 11 us in all */
    assert_non_null(strstr(text, "port access                       8        0.0"));
    assert_non_null(strstr(text, "halt                              1"));
    /* sites by count: LSR reads first, then THR writes, then the MMIO write */
    char *lsr = strstr(text, "port in 0x3fd                     5");
    char *thr = strstr(text, "port out 0x3f8                    3");
    char *mw = strstr(text, "mmio write 0xfebf0000             1");
    assert_non_null(lsr);
    assert_non_null(thr);
    assert_non_null(mw);
    assert_true(lsr < thr && thr < mw);
    free(p);
}

static void test_merge_adds_other_vcpus(void **state)
{
    (void)state;
    struct exit_profile *a = malloc(sizeof *a), *b = malloc(sizeof *b);
    exit_profile_init(a);
    exit_profile_init(b);
    struct accel_exit e = port_exit(0x80, true);
    exit_profile_record(a, &e, 10);
    exit_profile_record(b, &e, 10);
    exit_profile_record(b, &e, 10);
    exit_profile_merge(a, b);
    assert_int_equal(a->sites_used, 1);
    assert_non_null(strstr(printed(a), "port out 0x80                     3"));
    free(a);
    free(b);
}

/* A guest that touches every port: the table stays its size and the rest
 * is counted, not lost. */
static void test_table_full_counts_the_rest(void **state)
{
    (void)state;
    struct exit_profile *p = malloc(sizeof *p);
    exit_profile_init(p);
    uint64_t total = 0;
    for (unsigned port = 0; port < 0x10000; port++) {
        struct accel_exit e = port_exit((uint16_t)port, port & 1);
        exit_profile_record(p, &e, 1);
        total++;
    }
    assert_true(p->sites_used < EXIT_PROFILE_SITES);
    uint64_t in_sites = 0;
    for (unsigned i = 0; i < EXIT_PROFILE_SITES; i++)
        in_sites += p->sites[i].tally.count;
    assert_int_equal(in_sites + p->other_sites.count, total);
    assert_non_null(strstr(printed(p), "(sites beyond the table)"));
    free(p);
}

/* Twenty sites with different counts: the ten busiest, busiest first. */
static void test_top_ten_in_order(void **state)
{
    (void)state;
    struct exit_profile *p = malloc(sizeof *p);
    exit_profile_init(p);
    for (unsigned port = 0x100; port < 0x114; port++)
        for (unsigned n = 0; n <= port - 0x100; n++) {
            struct accel_exit e = port_exit((uint16_t)port, true);
            exit_profile_record(p, &e, 1);
        }
    char *text = printed(p);
    char *prev = strstr(text, "top sites");
    assert_non_null(prev);
    for (unsigned port = 0x113; port >= 0x10a; port--) {
        char want[64];
        snprintf(want, sizeof want, "port out 0x%x %*u", port, 33 - 13, port - 0x100 + 1);
        char *at = strstr(text, want);
        assert_non_null(at);
        assert_true(at > prev);
        prev = at;
    }
    assert_null(strstr(text, "port out 0x109 "));
    free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counts_by_reason_and_site),
        cmocka_unit_test(test_merge_adds_other_vcpus),
        cmocka_unit_test(test_table_full_counts_the_rest),
        cmocka_unit_test(test_top_ten_in_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
