/*
 * libFuzzer target: the control socket's requests (src/api/). The input is
 * a client's byte stream, cut into lines as the server cuts it; each line
 * goes through the parser and the command dispatcher on a fake machine
 * whose state follows the commands. Checked: every line gets exactly one
 * answer line that is a JSON object with an "id" and exactly one of
 * "return" (an object) or "error" (a known class and a non-empty one-line
 * description); a request's id comes back unchanged; the machine is only
 * paused while running, resumed while paused, and handed screenshot paths
 * that are non-empty C strings; a migration gets a URI and counts inside
 * their documented ranges; a power-off is only asked of a running machine;
 * an error answer changes no state.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "api/api_commands.h"
#include "api/api_request.h"
#include "fuzz_input.h"

struct machine {
    enum api_run_state state;
    bool screen;
    unsigned quits, actions;
    bool migrating;
};

static enum api_run_state m_state(void *ctx)
{
    return ((struct machine *)ctx)->state;
}

static unsigned m_cpus(void *ctx)
{
    (void)ctx;
    return 2;
}

static uint64_t m_uptime(void *ctx)
{
    (void)ctx;
    return 5;
}

static int m_pause(void *ctx, struct api_failure *f)
{
    (void)f;
    struct machine *m = ctx;
    fuzz_check(m->state == API_STATE_RUNNING, "pause only while running");
    m->state = API_STATE_PAUSED;
    m->actions++;
    return 0;
}

static int m_resume(void *ctx, struct api_failure *f)
{
    (void)f;
    struct machine *m = ctx;
    fuzz_check(m->state == API_STATE_PAUSED, "resume only while paused");
    m->state = API_STATE_RUNNING;
    m->actions++;
    return 0;
}

static int m_screenshot(void *ctx, const char *path, struct api_failure *f)
{
    struct machine *m = ctx;
    fuzz_check(path && path[0] != '\0', "a screenshot path");
    m->actions++;
    if (!m->screen)
        return api_fail(f, API_ERROR_UNAVAILABLE, "no screen for %s", path);
    return 0;
}

static void m_quit(void *ctx)
{
    struct machine *m = ctx;
    m->quits++;
    m->actions++;
}

/* A snapshot: never when shut down; resume=false pauses a running machine. */
static int m_snapshot(void *ctx, const char *path, bool resume, struct api_snapshot_result *out,
                      struct api_failure *f)
{
    struct machine *m = ctx;
    fuzz_check(path && path[0] != '\0', "a snapshot path");
    fuzz_check(m->state != API_STATE_SHUTDOWN, "no snapshot after shutdown");
    m->actions++;
    if (!m->screen)
        return api_fail(f, API_ERROR_UNAVAILABLE, "snapshot: a device without saved state");
    if (!resume)
        m->state = API_STATE_PAUSED;
    *out = (struct api_snapshot_result){ 4096, 1.0, m->state == API_STATE_PAUSED };
    return 0;
}

/* A graceful power-off: only asked of a running machine. */
static int m_powerdown(void *ctx, struct api_failure *f)
{
    struct machine *m = ctx;
    fuzz_check(m->state == API_STATE_RUNNING, "power-off only asked while running");
    m->actions++;
    if (!m->screen)
        return api_fail(f, API_ERROR_WRONG_STATE, "the guest does not listen");
    return 0;
}

/* A migration: arguments inside their documented ranges, one at a time. */
static int m_migrate(void *ctx, const struct api_migrate_args *a, struct api_failure *f)
{
    struct machine *m = ctx;
    fuzz_check(a->uri && a->uri[0] != '\0', "a migration URI");
    fuzz_check(a->max_downtime_ms >= 1 && a->max_downtime_ms <= 3600000, "downtime in range");
    fuzz_check(a->max_passes >= 1 && a->max_passes <= 1000, "passes in range");
    fuzz_check(m->state != API_STATE_SHUTDOWN, "no migration after shutdown");
    m->actions++;
    if (m->migrating)
        return api_fail(f, API_ERROR_WRONG_STATE, "a migration is already active");
    m->migrating = true;
    return 0;
}

static void m_query_migrate(void *ctx, struct api_migrate_info *out)
{
    struct machine *m = ctx;
    if (!m->migrating)
        return;
    out->status = "failed";
    strcpy(out->reason, "unix:x: cannot connect");
    out->pass = 1;
}

static const struct api_machine_ops ops = {
    m_state, m_cpus, m_uptime, m_pause, m_resume, m_screenshot, m_quit, m_snapshot,
    m_powerdown, m_migrate, m_query_migrate,
};

static bool known_class(const char *name)
{
    for (int c = API_ERROR_INVALID_JSON; c <= API_ERROR_BUSY; c++)
        if (strcmp(api_error_class_name((enum api_error_class)c), name) == 0)
            return true;
    return false;
}

static void check_line(struct machine *m, const char *line, size_t len)
{
    struct machine before = *m;
    size_t out_len = 0;
    char *answer = api_handle_line(&ops, m, line, len, &out_len);
    fuzz_check(answer != NULL, "an answer");
    fuzz_check(out_len == strlen(answer), "the answer's length");
    fuzz_check(out_len > 0 && answer[out_len - 1] == '\n', "a newline at the end");
    fuzz_check(memchr(answer, '\n', out_len - 1) == NULL, "one line");

    struct json_object *a = json_tokener_parse(answer);
    fuzz_check(a && json_object_is_type(a, json_type_object), "the answer is an object");
    struct json_object *id = NULL, *ret = NULL, *error = NULL;
    fuzz_check(json_object_object_get_ex(a, "id", &id), "the answer has an id");
    bool has_ret = json_object_object_get_ex(a, "return", &ret);
    bool has_error = json_object_object_get_ex(a, "error", &error);
    fuzz_check(has_ret != has_error, "return or error");
    fuzz_check(json_object_object_length(a) == 2, "nothing else in the answer");
    if (has_ret) {
        fuzz_check(json_object_is_type(ret, json_type_object), "return is an object");
    } else {
        struct json_object *cls = NULL, *desc = NULL;
        fuzz_check(json_object_object_get_ex(error, "class", &cls) &&
                   json_object_is_type(cls, json_type_string) &&
                   known_class(json_object_get_string(cls)), "a known error class");
        fuzz_check(json_object_object_get_ex(error, "desc", &desc) &&
                   json_object_is_type(desc, json_type_string) &&
                   json_object_get_string_len(desc) > 0, "a description");
        const char *d = json_object_get_string(desc);
        fuzz_check(!strchr(d, '\n') && !strchr(d, '\r'), "a one-line description");
        fuzz_check(m->state == before.state && m->quits == before.quits,
                   "an error changes nothing");
    }

    /* The id as sent. */
    struct api_request req;
    struct api_failure f;
    int rc = api_request_parse(line, len, &req, &f);
    if (rc == 0)
        fuzz_check(json_object_equal(req.id, id) == 1 || (!req.id && !id), "the id comes back");
    else
        fuzz_check(has_error, "a bad request is an error");
    api_request_free(&req);
    json_object_put(a);
    free(answer);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    struct machine m = { .state = (data[0] & 1) ? API_STATE_SHUTDOWN : API_STATE_RUNNING,
                         .screen = (data[0] & 2) != 0 };
    const char *text = (const char *)data + 1;
    size_t left = size - 1;
    /* Lines as the server cuts them: at '\n', a CR before it dropped,
     * blank ones skipped. */
    while (left) {
        const char *nl = memchr(text, '\n', left);
        size_t len = nl ? (size_t)(nl - text) : left;
        size_t line_len = len;
        if (line_len && text[line_len - 1] == '\r')
            line_len--;
        bool blank = true;
        for (size_t i = 0; i < line_len && blank; i++)
            blank = text[i] == ' ' || text[i] == '\t';
        if (!blank)
            check_line(&m, text, line_len);
        text += len + (nl ? 1 : 0);
        left -= len + (nl ? 1 : 0);
    }
    return 0;
}
