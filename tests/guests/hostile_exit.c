/*
 * hostile_exit: exits with the code it reads from COM1 as one line of hex
 * ("1ff\n", "ffffffffffffffff\n"), so one guest tries every width of exit
 * code: wisp exits with the low 8 bits and warns when the code does not
 * fit a process status. A line it cannot parse ends it with exit code 77.
 * The UART is read as it comes out of reset: initialising it would flush
 * bytes that may already have arrived.
 */
#include "wisp_lib.h"

int kmain(struct wisp_boot_info *bi)
{
    (void)bi;
    wisp_puts("hostile_exit: send the exit code in hex\n");
    uint64_t code = 0;
    int digits = 0;
    for (;;) {
        char c = wisp_serial_getc();
        if (c == '\n' || c == '\r')
            break;
        int d = c >= '0' && c <= '9' ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0 || ++digits > 16)
            wisp_exit(77);
        code = code << 4 | (uint64_t)d;
    }
    wisp_printf("hostile_exit: exiting with 0x%lx\n", code);
    wisp_exit(code);
}
