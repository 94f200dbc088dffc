/*
 * hello: the smallest useful guest. Prints one line through the print
 * hypercall and one through COM1, then returns 0 (start.S turns that into
 * the exit hypercall).
 */
#include "wisp_lib.h"

int kmain(struct wisp_boot_info *bi)
{
    static const char msg[] = "Hello from wisp guest\n";
    uint64_t written;

    (void)bi;
    written = wisp_hc_print(msg, sizeof msg - 1);

    wisp_serial_init();
    wisp_serial_puts("hello over serial\n");

    if (written != sizeof msg - 1) {
        wisp_printf("FAIL: hello: print returned 0x%lx, expected %lu\n", written,
                    sizeof msg - 1);
        return 1;
    }
    wisp_puts("PASS: hello\n");
    return 0;
}
