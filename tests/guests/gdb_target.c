/*
 * gdb_target: a kernel for the GDB stub's tests (tests/integration/
 * test_gdb.py) with names to break on and variables to look at:
 *
 *   gdb_break_here(x)  called once with x = 5; returns 3 * x + gdb_answer
 *   gdb_answer         7 at start, the kernel's exit code: GDB writing 42
 *                      there makes wisp exit with 42
 *   gdb_watched        written once, with gdb_break_here's result, after
 *                      the call (a watchpoint's target)
 *
 * Prints "gdb_target: result R, answer A" and exits with the answer. With
 * nobody attached: result 22, exit code 7.
 */
#include "wisp_lib.h"

volatile uint64_t gdb_answer = 7;
volatile uint64_t gdb_watched;

__attribute__((noinline, used)) uint64_t gdb_break_here(uint64_t x)
{
    __asm__ __volatile__("" : : : "memory");
    return 3 * x + gdb_answer;
}

int kmain(struct wisp_boot_info *bi)
{
    (void)bi;
    wisp_puts("gdb_target: start\n");
    uint64_t r = gdb_break_here(5);
    gdb_watched = r;
    wisp_printf("gdb_target: result %lu, answer %lu\n", (unsigned long)r,
                (unsigned long)gdb_answer);
    return (int)gdb_answer;
}
