/* `wisp ctl` on Windows: no control socket in this build (api_server.h). */
#include "api_ctl.h"

#include <stdio.h>

#include "core/error.h"

int api_ctl_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "wisp: ctl: the control socket is not available on Windows\n");
    return WISP_EXIT_USAGE;
}
