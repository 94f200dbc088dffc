/*
 * `wisp ctl PATH COMMAND [JSON-ARGUMENTS]`: the control socket's client.
 * Sends one request, prints the answer's "return" object as one line of
 * JSON on stdout (status 0), or the error as "wisp: COMMAND: desc" on
 * stderr (status API_CTL_EXIT_ERROR). A socket that cannot be reached or
 * gives no answer is WISP_EXIT_HOST_ERROR, bad arguments WISP_EXIT_USAGE.
 */
#ifndef WISP_API_CTL_H
#define WISP_API_CTL_H

/* The command ran and answered with an error. */
#define API_CTL_EXIT_ERROR 1

/* argv[0] is "ctl". Returns the process's exit status. */
int api_ctl_main(int argc, char **argv);

#endif
