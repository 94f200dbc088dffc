/* Error answers' classes and descriptions (api_request.h); no JSON here,
 * so that the VM's side builds where json-c does not (Windows). */
#include "api_request.h"

#include <stdarg.h>
#include <stdio.h>

static const char *const class_names[] = {
    [API_ERROR_INVALID_JSON] = "InvalidJSON",
    [API_ERROR_INVALID_REQUEST] = "InvalidRequest",
    [API_ERROR_COMMAND_NOT_FOUND] = "CommandNotFound",
    [API_ERROR_INVALID_ARGUMENTS] = "InvalidArguments",
    [API_ERROR_WRONG_STATE] = "WrongState",
    [API_ERROR_UNAVAILABLE] = "Unavailable",
    [API_ERROR_FAILED] = "Failed",
    [API_ERROR_LINE_TOO_LONG] = "LineTooLong",
    [API_ERROR_BUSY] = "Busy",
};

const char *api_error_class_name(enum api_error_class cls)
{
    if ((unsigned)cls < sizeof class_names / sizeof class_names[0] && class_names[cls])
        return class_names[cls];
    return "Failed";
}

int api_fail(struct api_failure *f, enum api_error_class cls, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    f->cls = cls;
    vsnprintf(f->desc, sizeof f->desc, fmt, ap);
    va_end(ap);
    /* One line on the wire (json-c escapes it anyway; a reader of a log
     * should not get two). */
    for (char *c = f->desc; *c; c++)
        if (*c == '\n' || *c == '\r')
            *c = ' ';
    return -1;
}
