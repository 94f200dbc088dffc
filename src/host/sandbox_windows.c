/* sandbox.h on Windows: no seccomp; --user and --chroot are Linux's. */
#include "sandbox.h"

#include <string.h>

int sandbox_parse_seccomp(const char *text, enum sandbox_seccomp *out)
{
    if (strcmp(text, "on") == 0)
        *out = SANDBOX_SECCOMP_ON;
    else if (strcmp(text, "log") == 0)
        *out = SANDBOX_SECCOMP_LOG;
    else if (strcmp(text, "off") == 0)
        *out = SANDBOX_SECCOMP_OFF;
    else
        return -1;
    return 0;
}

int sandbox_prepare(const struct sandbox_options *opts, struct wisp_error *err)
{
    if (opts->user)
        return wisp_fail(err, WISP_EXIT_USAGE, "--user is not available on Windows");
    if (opts->chroot_dir)
        return wisp_fail(err, WISP_EXIT_USAGE, "--chroot is not available on Windows");
    return 0;
}

int sandbox_drop_privileges(const struct sandbox_options *opts, struct wisp_error *err)
{
    (void)opts;
    (void)err;
    return 0;
}

int sandbox_enter(unsigned kinds, const struct sandbox_options *opts, struct wisp_error *err)
{
    (void)kinds;
    (void)opts;
    (void)err;
    return 0; /* seccomp is Linux's; Windows has no equivalent wisp uses yet */
}

void sandbox_thread_begin(unsigned kinds)
{
    (void)kinds;
}

void sandbox_release_threads(const struct sandbox_options *opts)
{
    (void)opts;
}
