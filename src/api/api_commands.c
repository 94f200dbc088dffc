/* The control socket's commands (api_commands.h). */
#include "api_commands.h"

#include <string.h>

#include <json-c/json.h>

struct call {
    const struct api_machine_ops *ops;
    void *ctx;
    struct json_object *args;   /* never NULL: {} when the request had none */
    struct json_object *ret;    /* the handler's answer, NULL for {} */
    struct api_failure *f;
};

struct command {
    const char *name;
    const char *const *arguments; /* accepted names, NULL-terminated */
    int (*run)(struct call *c);
};

static const char *const no_arguments[] = { NULL };

/* A required string argument without NUL characters. */
static int string_argument(struct call *c, const char *name, const char **out)
{
    struct json_object *v = NULL;
    if (!json_object_object_get_ex(c->args, name, &v))
        return api_fail(c->f, API_ERROR_INVALID_ARGUMENTS, "missing argument \"%s\"", name);
    if (!json_object_is_type(v, json_type_string))
        return api_fail(c->f, API_ERROR_INVALID_ARGUMENTS, "argument \"%s\" is not a string",
                        name);
    const char *s = json_object_get_string(v);
    if ((size_t)json_object_get_string_len(v) != strlen(s))
        return api_fail(c->f, API_ERROR_INVALID_ARGUMENTS, "a NUL character in \"%s\"", name);
    if (!*s)
        return api_fail(c->f, API_ERROR_INVALID_ARGUMENTS, "argument \"%s\" is empty", name);
    *out = s;
    return 0;
}

static const char *state_name(enum api_run_state s)
{
    switch (s) {
    case API_STATE_PAUSED: return "paused";
    case API_STATE_SHUTDOWN: return "shutdown";
    default: return "running";
    }
}

static int add(struct json_object *obj, const char *key, struct json_object *value)
{
    return value && json_object_object_add(obj, key, value) == 0 ? 0 : -1;
}

static int query_status(struct call *c)
{
    enum api_run_state s = c->ops->state(c->ctx);
    struct json_object *ret = json_object_new_object();
    if (!ret || add(ret, "status", json_object_new_string(state_name(s))) < 0 ||
        add(ret, "running", json_object_new_boolean(s == API_STATE_RUNNING)) < 0 ||
        add(ret, "cpus", json_object_new_int64(c->ops->cpu_count(c->ctx))) < 0 ||
        add(ret, "uptime_ms", json_object_new_int64((int64_t)c->ops->uptime_ms(c->ctx))) < 0) {
        json_object_put(ret);
        return api_fail(c->f, API_ERROR_FAILED, "out of memory");
    }
    c->ret = ret;
    return 0;
}

static int pause_command(struct call *c)
{
    switch (c->ops->state(c->ctx)) {
    case API_STATE_PAUSED:
        return api_fail(c->f, API_ERROR_WRONG_STATE, "the guest is already paused");
    case API_STATE_SHUTDOWN:
        return api_fail(c->f, API_ERROR_WRONG_STATE, "the guest has shut down");
    default:
        return c->ops->pause(c->ctx, c->f);
    }
}

static int resume_command(struct call *c)
{
    switch (c->ops->state(c->ctx)) {
    case API_STATE_RUNNING:
        return api_fail(c->f, API_ERROR_WRONG_STATE, "the guest is running (not paused)");
    case API_STATE_SHUTDOWN:
        return api_fail(c->f, API_ERROR_WRONG_STATE, "the guest has shut down");
    default:
        return c->ops->resume(c->ctx, c->f);
    }
}

static const char *const screenshot_arguments[] = { "path", NULL };

static int screenshot_command(struct call *c)
{
    const char *path = NULL;
    if (string_argument(c, "path", &path) < 0)
        return -1;
    return c->ops->screenshot(c->ctx, path, c->f);
}

static const char *const snapshot_arguments[] = { "path", "resume", NULL };

static int snapshot_command(struct call *c)
{
    const char *path = NULL;
    bool resume = true;
    struct json_object *v = NULL;
    if (string_argument(c, "path", &path) < 0)
        return -1;
    if (json_object_object_get_ex(c->args, "resume", &v)) {
        if (!json_object_is_type(v, json_type_boolean))
            return api_fail(c->f, API_ERROR_INVALID_ARGUMENTS,
                            "argument \"resume\" is not true or false");
        resume = json_object_get_boolean(v);
    }
    if (c->ops->state(c->ctx) == API_STATE_SHUTDOWN)
        return api_fail(c->f, API_ERROR_WRONG_STATE, "the guest has shut down");
    if (!c->ops->snapshot)
        return api_fail(c->f, API_ERROR_UNAVAILABLE, "this machine cannot take snapshots");
    struct api_snapshot_result r = { 0 };
    if (c->ops->snapshot(c->ctx, path, resume, &r, c->f) < 0)
        return -1;
    struct json_object *ret = json_object_new_object();
    if (!ret || add(ret, "path", json_object_new_string(path)) < 0 ||
        add(ret, "bytes", json_object_new_int64((int64_t)r.bytes)) < 0 ||
        add(ret, "paused_ms", json_object_new_double(r.paused_ms)) < 0 ||
        add(ret, "status", json_object_new_string(r.paused ? "paused" : "running")) < 0) {
        json_object_put(ret);
        return api_fail(c->f, API_ERROR_FAILED, "out of memory");
    }
    c->ret = ret;
    return 0;
}

static int powerdown_command(struct call *c)
{
    switch (c->ops->state(c->ctx)) {
    case API_STATE_PAUSED:
        return api_fail(c->f, API_ERROR_WRONG_STATE, "the guest is paused: resume it first");
    case API_STATE_SHUTDOWN:
        return api_fail(c->f, API_ERROR_WRONG_STATE, "the guest has shut down");
    default:
        break;
    }
    if (!c->ops->powerdown)
        return api_fail(c->f, API_ERROR_UNAVAILABLE, "this machine cannot ask its guest to "
                                                     "power off");
    return c->ops->powerdown(c->ctx, c->f);
}

/* An optional whole-number argument in [1, max]. */
static int count_argument(struct call *c, const char *name, unsigned max, unsigned *out)
{
    struct json_object *v = NULL;
    if (!json_object_object_get_ex(c->args, name, &v))
        return 0;
    if (!json_object_is_type(v, json_type_int))
        return api_fail(c->f, API_ERROR_INVALID_ARGUMENTS, "argument \"%s\" is not a whole number",
                        name);
    int64_t n = json_object_get_int64(v);
    if (n < 1 || n > (int64_t)max)
        return api_fail(c->f, API_ERROR_INVALID_ARGUMENTS, "argument \"%s\" must be 1 to %u",
                        name, max);
    *out = (unsigned)n;
    return 0;
}

static const char *const migrate_arguments[] = { "uri", "max_downtime_ms", "max_passes", NULL };

static int migrate_command(struct call *c)
{
    struct api_migrate_args a = { .max_downtime_ms = 300, .max_passes = 30 };
    if (string_argument(c, "uri", &a.uri) < 0 ||
        count_argument(c, "max_downtime_ms", 3600000, &a.max_downtime_ms) < 0 ||
        count_argument(c, "max_passes", 1000, &a.max_passes) < 0)
        return -1;
    if (c->ops->state(c->ctx) == API_STATE_SHUTDOWN)
        return api_fail(c->f, API_ERROR_WRONG_STATE, "the guest has shut down");
    if (!c->ops->migrate)
        return api_fail(c->f, API_ERROR_UNAVAILABLE, "this machine cannot migrate");
    if (c->ops->migrate(c->ctx, &a, c->f) < 0)
        return -1;
    struct json_object *ret = json_object_new_object();
    if (!ret || add(ret, "uri", json_object_new_string(a.uri)) < 0 ||
        add(ret, "status", json_object_new_string("active")) < 0) {
        json_object_put(ret);
        return api_fail(c->f, API_ERROR_FAILED, "out of memory");
    }
    c->ret = ret;
    return 0;
}

static int query_migrate_command(struct call *c)
{
    struct api_migrate_info i;
    memset(&i, 0, sizeof i);
    i.status = "none";
    if (c->ops->query_migrate)
        c->ops->query_migrate(c->ctx, &i);
    struct json_object *ret = json_object_new_object();
    bool done = strcmp(i.status, "completed") == 0 || strcmp(i.status, "failed") == 0;
    if (!ret || add(ret, "status", json_object_new_string(i.status)) < 0 ||
        (strcmp(i.status, "failed") == 0 &&
         add(ret, "reason", json_object_new_string(i.reason)) < 0) ||
        add(ret, "pass", json_object_new_int64(i.pass)) < 0 ||
        add(ret, "bytes", json_object_new_int64((int64_t)i.bytes)) < 0 ||
        add(ret, "dirty_pages", json_object_new_int64((int64_t)i.dirty_pages)) < 0 ||
        add(ret, "dirty_pages_per_s", json_object_new_double(i.dirty_pages_per_s)) < 0 ||
        add(ret, "bandwidth_mib_s", json_object_new_double(i.bandwidth_mib_s)) < 0 ||
        add(ret, "expected_downtime_ms", json_object_new_double(i.expected_downtime_ms)) < 0 ||
        (done && add(ret, "pages", json_object_new_int64((int64_t)i.pages)) < 0) ||
        (done && add(ret, "total_ms", json_object_new_double(i.total_ms)) < 0) ||
        (done && add(ret, "downtime_ms", json_object_new_double(i.downtime_ms)) < 0)) {
        json_object_put(ret);
        return api_fail(c->f, API_ERROR_FAILED, "out of memory");
    }
    c->ret = ret;
    return 0;
}

static int quit_command(struct call *c)
{
    c->ops->quit(c->ctx);
    return 0;
}

static int query_commands(struct call *c);

static const struct command commands[] = {
    { "query-status", no_arguments, query_status },
    { "query-commands", no_arguments, query_commands },
    { "pause", no_arguments, pause_command },
    { "resume", no_arguments, resume_command },
    { "screenshot", screenshot_arguments, screenshot_command },
    { "snapshot", snapshot_arguments, snapshot_command },
    { "system-powerdown", no_arguments, powerdown_command },
    { "migrate", migrate_arguments, migrate_command },
    { "query-migrate", no_arguments, query_migrate_command },
    { "quit", no_arguments, quit_command },
};
#define COMMAND_COUNT (sizeof commands / sizeof commands[0])

static int query_commands(struct call *c)
{
    struct json_object *ret = json_object_new_object();
    struct json_object *names = json_object_new_array();
    if (!ret || !names || json_object_object_add(ret, "commands", names) < 0) {
        json_object_put(names);
        json_object_put(ret);
        return api_fail(c->f, API_ERROR_FAILED, "out of memory");
    }
    for (size_t i = 0; i < COMMAND_COUNT; i++) {
        if (json_object_array_add(names, json_object_new_string(commands[i].name)) < 0) {
            json_object_put(ret);
            return api_fail(c->f, API_ERROR_FAILED, "out of memory");
        }
    }
    c->ret = ret;
    return 0;
}

const char *const *api_command_names(void)
{
    static const char *names[COMMAND_COUNT + 1];
    for (size_t i = 0; i < COMMAND_COUNT; i++)
        names[i] = commands[i].name;
    return names;
}

static const struct command *find(const char *name)
{
    for (size_t i = 0; i < COMMAND_COUNT; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

static int check_argument_names(const struct command *cmd, struct json_object *args,
                                struct api_failure *f)
{
    json_object_object_foreach(args, key, value) {
        (void)value;
        bool known = false;
        for (const char *const *a = cmd->arguments; *a && !known; a++)
            known = strcmp(*a, key) == 0;
        if (!known) {
            char shown[40];
            size_t n = 0;
            for (const char *k = key; *k && n + 1 < sizeof shown; k++)
                shown[n++] = (*k >= 0x20 && *k < 0x7F) ? *k : '?';
            shown[n] = '\0';
            return api_fail(f, API_ERROR_INVALID_ARGUMENTS, "%s takes no argument \"%s\"",
                            cmd->name, shown);
        }
    }
    return 0;
}

/* The command's name as shown in an error: printable, short. */
static void shown_command(const char *name, char *out, size_t cap)
{
    size_t n = 0;
    for (const char *c = name; *c && n + 1 < cap; c++)
        out[n++] = (*c >= 0x20 && *c < 0x7F) ? *c : '?';
    out[n] = '\0';
}

char *api_handle_line(const struct api_machine_ops *ops, void *ctx, const char *line,
                      size_t len, size_t *out_len)
{
    struct api_request req;
    struct api_failure f = { 0 };
    char *answer = NULL;
    if (api_request_parse(line, len, &req, &f) < 0) {
        answer = api_response_error(req.id, &f, out_len);
        api_request_free(&req);
        return answer;
    }
    const struct command *cmd = find(req.command);
    struct json_object *empty = NULL;
    struct call c = { ops, ctx, req.arguments, NULL, &f };
    int rc;
    if (!cmd) {
        char shown[64];
        shown_command(req.command, shown, sizeof shown);
        rc = api_fail(&f, API_ERROR_COMMAND_NOT_FOUND, "unknown command \"%s\"", shown);
    } else {
        if (!c.args)
            c.args = empty = json_object_new_object();
        if (!c.args)
            rc = api_fail(&f, API_ERROR_FAILED, "out of memory");
        else if ((rc = check_argument_names(cmd, c.args, &f)) == 0)
            rc = cmd->run(&c);
    }
    if (rc < 0) {
        json_object_put(c.ret);
        answer = api_response_error(req.id, &f, out_len);
    } else {
        answer = api_response_return(req.id, c.ret, out_len);
    }
    json_object_put(empty);
    api_request_free(&req);
    return answer;
}
