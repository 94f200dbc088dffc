/*
 * exitcode: returns 42 from kmain; wisp must exit with status 42.
 */
#include "wisp_lib.h"

int kmain(struct wisp_boot_info *bi)
{
    (void)bi;
    wisp_puts("exitcode: exiting with code 42\n");
    return 42;
}
