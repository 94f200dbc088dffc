#include "error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void record(struct wisp_error *err, int status, const char *suffix,
                   const char *fmt, va_list ap)
{
    if (!err || err->status != 0)
        return;
    err->status = status;
    int n = vsnprintf(err->message, sizeof err->message, fmt, ap);
    if (suffix && n >= 0 && (size_t)n < sizeof err->message)
        snprintf(err->message + n, sizeof err->message - (size_t)n, ": %s", suffix);
    /* One line, and nothing a terminal would obey: a file name or an
     * argument quoted in the message may hold a newline or an escape. */
    for (char *p = err->message; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7F)
            *p = '?';
}

int wisp_fail(struct wisp_error *err, int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    record(err, status, NULL, fmt, ap);
    va_end(ap);
    return -1;
}

int wisp_fail_errno(struct wisp_error *err, int status, const char *fmt, ...)
{
    const char *why = strerror(errno);
    va_list ap;
    va_start(ap, fmt);
    record(err, status, why, fmt, ap);
    va_end(ap);
    return -1;
}

int wisp_fail_prefixed(struct wisp_error *err, int status, const char *fmt, ...)
{
    if (!err)
        return -1;
    char context[sizeof err->message], inner[sizeof err->message];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(context, sizeof context, fmt, ap);
    va_end(ap);
    memcpy(inner, err->message, sizeof inner);
    if (status == 0)
        status = err->status;
    err->status = 0; /* wisp_fail keeps the first failure: this replaces it */
    return wisp_fail(err, status, "%s: %s", context, inner);
}
