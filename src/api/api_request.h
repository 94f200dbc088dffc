/*
 * The control socket's wire format (--api-socket, README "Control
 * socket"): one JSON object per line, parsed and written with json-c.
 *
 *   request   {"id": ID, "command": "NAME", "arguments": {...}}
 *   answer    {"id": ID, "return": {...}}
 *   error     {"id": ID, "error": {"class": "CLASS", "desc": "one line"}}
 *
 * "id" is any JSON value and comes back as it was sent (null when the
 * request had none or could not be read); "arguments" may be left out.
 * Nothing else may be in a request. This file knows no command: that is
 * api_commands.c.
 */
#ifndef WISP_API_REQUEST_H
#define WISP_API_REQUEST_H

#include <stdbool.h>
#include <stddef.h>

/* The longest request line (without its newline). A longer one is an
 * error and ends the connection (api_server). */
#define API_LINE_MAX (64u * 1024u)

/* Room for an error's description. */
#define API_DESC_MAX 256

enum api_error_class {
    API_ERROR_INVALID_JSON,      /* the line is not one JSON value */
    API_ERROR_INVALID_REQUEST,   /* JSON, but not a request object */
    API_ERROR_COMMAND_NOT_FOUND,
    API_ERROR_INVALID_ARGUMENTS, /* missing, unknown or mistyped arguments */
    API_ERROR_WRONG_STATE,       /* e.g. resume while running */
    API_ERROR_UNAVAILABLE,       /* this guest cannot (a screenshot without a screen) */
    API_ERROR_FAILED,            /* the host could not do it (a file not written) */
    API_ERROR_LINE_TOO_LONG,     /* the connection is closed after this one */
    API_ERROR_BUSY,              /* another client is connected */
};

/* "InvalidJSON", "CommandNotFound", ... as they appear on the wire. */
const char *api_error_class_name(enum api_error_class cls);

struct json_object;

/* One request. root owns the rest; id, command and arguments are NULL
 * when absent (or when the request is malformed before them). */
struct api_request {
    struct json_object *root;
    struct json_object *id;
    const char *command;
    struct json_object *arguments;
};

/* An error: what goes into "error". */
struct api_failure {
    enum api_error_class cls;
    char desc[API_DESC_MAX];
};

/* Records cls and a one-line description; returns -1. */
int api_fail(struct api_failure *f, enum api_error_class cls, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Reads one line (len bytes, no newline; a trailing CR is allowed). 0 with
 * *req filled, or -1 with f set; either way api_request_free(req) after
 * (a malformed request may still have its id, for the error answer). */
int api_request_parse(const char *line, size_t len, struct api_request *req,
                      struct api_failure *f);
void api_request_free(struct api_request *req);

/* Answer lines, newline-terminated and malloc'ed (NULL when out of
 * memory); *len gets their length. api_response_return takes ret (NULL
 * means {}); neither takes id. */
char *api_response_return(struct json_object *id, struct json_object *ret, size_t *len);
char *api_response_error(struct json_object *id, const struct api_failure *f, size_t *len);

/* How wisp writes JSON: compact, "/" not escaped. */
const char *api_json_text(struct json_object *obj);

#endif
