/* Issue 15: ports and pages nothing answers are reported once, with RIP,
 * and counted for the summary at exit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/unclaimed_log.h"

static unsigned count_lines(const char *s)
{
    unsigned n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

static void test_each_port_and_page_once(void **state)
{
    (void)state;
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    assert_non_null(out);
    struct unclaimed_log log;
    unclaimed_log_init(&log, out);
    unclaimed_log_port(&log, 0x80, true, 0x100c79);
    unclaimed_log_port(&log, 0x80, true, 0x100c80);
    unclaimed_log_port(&log, 0x2f8, false, 0x100d00);
    unclaimed_log_mmio(&log, 0xF0000010, false, 0x100e00);
    unclaimed_log_mmio(&log, 0xF0000FF0, true, 0x100e10); /* same page */
    unclaimed_log_summary(&log);
    fclose(out);
    assert_non_null(strstr(text, "write of port 0x80 at RIP 0x100c79: no device there"));
    assert_null(strstr(text, "0x100c80"));
    assert_non_null(strstr(text, "read of port 0x2f8 at RIP 0x100d00"));
    assert_non_null(strstr(text, "read of 0xf0000010 at RIP 0x100e00: neither RAM nor a device"));
    assert_null(strstr(text, "0x100e10"));
    assert_non_null(strstr(text, "unclaimed accesses: 3 to 2 ports, 2 to 1 unbacked page\n"));
    assert_int_equal(count_lines(text), 4);
    free(text);
}

static void test_reports_stop_after_the_limit(void **state)
{
    (void)state;
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    struct unclaimed_log log;
    unclaimed_log_init(&log, out);
    for (unsigned port = 0; port < 65536; port++)
        unclaimed_log_port(&log, (uint16_t)port, false, 0x1000);
    for (uint64_t page = 0; page < 1000; page++)
        unclaimed_log_mmio(&log, 0x100000000ull + page * 4096, true, 0x2000);
    unclaimed_log_summary(&log);
    fclose(out);
    /* 16 reports, one "more ... counted" line, the summary. */
    assert_int_equal(count_lines(text), UNCLAIMED_REPORT_MAX + 2);
    assert_non_null(strstr(text, "counted, not shown"));
    assert_non_null(strstr(text, "65536 to 65536 ports, 1000 to 1000 unbacked pages"));
    free(text);
}

static void test_silent_without_output(void **state)
{
    (void)state;
    struct unclaimed_log log;
    unclaimed_log_init(&log, NULL); /* Linux: counted only, -v shows accesses */
    unclaimed_log_port(&log, 0x80, true, 0);
    unclaimed_log_summary(&log);
    assert_int_equal(log.ports, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_each_port_and_page_once),
        cmocka_unit_test(test_reports_stop_after_the_limit),
        cmocka_unit_test(test_silent_without_output),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
