/* The control socket's wire format (api_request.h), on json-c. */
#include "api_request.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

static bool only_space(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
            return false;
    return true;
}

/* Member names are shown in errors: quote at most a few printable bytes. */
static void shown_name(const char *name, char *out, size_t cap)
{
    size_t n = 0;
    for (const char *c = name; *c && n + 4 < cap; c++)
        out[n++] = (*c >= 0x20 && *c < 0x7F) ? *c : '?';
    if (*name && strlen(name) > n)
        snprintf(out + n, cap - n, "...");
    else
        out[n] = '\0';
}

int api_request_parse(const char *line, size_t len, struct api_request *req,
                      struct api_failure *f)
{
    memset(req, 0, sizeof *req);
    if (len > API_LINE_MAX)
        return api_fail(f, API_ERROR_LINE_TOO_LONG, "request longer than %u bytes", API_LINE_MAX);
    if (memchr(line, '\0', len))
        return api_fail(f, API_ERROR_INVALID_JSON, "a NUL byte in the request");

    struct json_tokener *tok = json_tokener_new();
    if (!tok)
        return api_fail(f, API_ERROR_FAILED, "out of memory");
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
    struct json_object *root = json_tokener_parse_ex(tok, line, (int)len);
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    size_t end = json_tokener_get_parse_end(tok);
    if (!root && jerr == json_tokener_continue) {
        /* A bare literal or number ends only at the next byte: the line's
         * end is one. An unclosed object or string stays incomplete. */
        root = json_tokener_parse_ex(tok, " ", 1);
        jerr = json_tokener_get_error(tok);
        end = len;
    }
    json_tokener_free(tok);
    if (!root) {
        if (jerr == json_tokener_success) /* the value null */
            return api_fail(f, API_ERROR_INVALID_REQUEST, "a request is a JSON object");
        return api_fail(f, API_ERROR_INVALID_JSON, "%s",
                        jerr == json_tokener_continue ? "incomplete JSON"
                                                      : json_tokener_error_desc(jerr));
    }
    req->root = root;
    if (end > len || !only_space(line + end, len - end))
        return api_fail(f, API_ERROR_INVALID_JSON, "more than one JSON value on the line");
    if (!json_object_is_type(root, json_type_object))
        return api_fail(f, API_ERROR_INVALID_REQUEST, "a request is a JSON object");

    json_object_object_get_ex(root, "id", &req->id);
    struct json_object *command = NULL;
    json_object_object_foreach(root, key, value) {
        (void)value;
        if (strcmp(key, "id") != 0 && strcmp(key, "command") != 0 &&
            strcmp(key, "arguments") != 0) {
            char name[40];
            shown_name(key, name, sizeof name);
            return api_fail(f, API_ERROR_INVALID_REQUEST,
                            "unknown member \"%s\" (a request has id, command, arguments)", name);
        }
    }
    if (!json_object_object_get_ex(root, "command", &command))
        return api_fail(f, API_ERROR_INVALID_REQUEST, "no \"command\" in the request");
    if (!json_object_is_type(command, json_type_string))
        return api_fail(f, API_ERROR_INVALID_REQUEST, "\"command\" is not a string");
    const char *name = json_object_get_string(command);
    if ((size_t)json_object_get_string_len(command) != strlen(name))
        return api_fail(f, API_ERROR_INVALID_REQUEST, "a NUL character in \"command\"");
    struct json_object *arguments = NULL;
    if (json_object_object_get_ex(root, "arguments", &arguments) &&
        !json_object_is_type(arguments, json_type_object))
        return api_fail(f, API_ERROR_INVALID_REQUEST, "\"arguments\" is not an object");
    req->command = name;
    req->arguments = arguments;
    return 0;
}

void api_request_free(struct api_request *req)
{
    json_object_put(req->root);
    memset(req, 0, sizeof *req);
}

const char *api_json_text(struct json_object *obj)
{
    return json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN |
                                                   JSON_C_TO_STRING_NOSLASHESCAPE);
}

/* Writes obj as one line; takes obj. */
static char *line_of(struct json_object *obj, size_t *len)
{
    char *out = NULL;
    const char *text = obj ? api_json_text(obj) : NULL;
    if (text) {
        size_t n = strlen(text);
        out = malloc(n + 2);
        if (out) {
            memcpy(out, text, n);
            out[n] = '\n';
            out[n + 1] = '\0';
            *len = n + 1;
        }
    }
    json_object_put(obj);
    return out;
}

/* {"id": id} with a reference of our own to id. */
static struct json_object *answer_with_id(struct json_object *id)
{
    struct json_object *answer = json_object_new_object();
    if (answer && json_object_object_add(answer, "id", json_object_get(id)) < 0) {
        json_object_put(id);
        json_object_put(answer);
        return NULL;
    }
    return answer;
}

char *api_response_return(struct json_object *id, struct json_object *ret, size_t *len)
{
    struct json_object *answer = answer_with_id(id);
    if (!ret)
        ret = json_object_new_object();
    if (!answer || !ret || json_object_object_add(answer, "return", ret) < 0) {
        json_object_put(ret);
        json_object_put(answer);
        return NULL;
    }
    return line_of(answer, len);
}

char *api_response_error(struct json_object *id, const struct api_failure *f, size_t *len)
{
    struct json_object *answer = answer_with_id(id);
    struct json_object *error = json_object_new_object();
    if (!answer || !error ||
        json_object_object_add(error, "class",
                               json_object_new_string(api_error_class_name(f->cls))) < 0 ||
        json_object_object_add(error, "desc", json_object_new_string(f->desc)) < 0 ||
        json_object_object_add(answer, "error", error) < 0) {
        json_object_put(error);
        json_object_put(answer);
        return NULL;
    }
    return line_of(answer, len);
}
