/*
 * The control socket (src/api/): the request parser, the commands'
 * rules on a fake machine, and the server on a real Unix socket in a
 * temporary directory (framing, one client at a time, long lines, a
 * client leaving mid-line, the socket file's mode and its clean-up).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "api/api_commands.h"
#include "api/api_request.h"
#include "api/api_server.h"

/* ---- a fake machine ---- */

struct fake {
    enum api_run_state state;
    unsigned pauses, resumes, quits, screenshots, snapshots, powerdowns, migrations;
    bool guest_listens; /* the guest has opened its shutdown service */
    struct api_migrate_args last_migrate;
    char last_uri[64];
    bool last_resume;
    char last_path[256];
    bool screen;       /* has something to take a picture of */
};

static enum api_run_state fake_state(void *ctx)
{
    return ((struct fake *)ctx)->state;
}

static unsigned fake_cpus(void *ctx)
{
    (void)ctx;
    return 3;
}

static uint64_t fake_uptime(void *ctx)
{
    (void)ctx;
    return 1234;
}

static int fake_pause(void *ctx, struct api_failure *f)
{
    (void)f;
    struct fake *m = ctx;
    assert_int_equal(m->state, API_STATE_RUNNING);
    m->pauses++;
    m->state = API_STATE_PAUSED;
    return 0;
}

static int fake_resume(void *ctx, struct api_failure *f)
{
    (void)f;
    struct fake *m = ctx;
    assert_int_equal(m->state, API_STATE_PAUSED);
    m->resumes++;
    m->state = API_STATE_RUNNING;
    return 0;
}

static int fake_screenshot(void *ctx, const char *path, struct api_failure *f)
{
    struct fake *m = ctx;
    m->screenshots++;
    snprintf(m->last_path, sizeof m->last_path, "%s", path);
    if (!m->screen)
        return api_fail(f, API_ERROR_UNAVAILABLE, "no screen");
    return 0;
}

static void fake_quit(void *ctx)
{
    ((struct fake *)ctx)->quits++;
}

static int fake_snapshot(void *ctx, const char *path, bool resume,
                         struct api_snapshot_result *out, struct api_failure *f)
{
    struct fake *m = ctx;
    m->snapshots++;
    m->last_resume = resume;
    snprintf(m->last_path, sizeof m->last_path, "%s", path);
    if (!m->screen) /* stands for a machine with an unsaved device */
        return api_fail(f, API_ERROR_UNAVAILABLE, "snapshot: virtio-blk has no saved state yet");
    if (!resume)
        m->state = API_STATE_PAUSED;
    *out = (struct api_snapshot_result){ 8192, 1.5, m->state == API_STATE_PAUSED };
    return 0;
}

static int fake_powerdown(void *ctx, struct api_failure *f)
{
    struct fake *m = ctx;
    if (!m->guest_listens)
        return api_fail(f, API_ERROR_WRONG_STATE, "the guest has not opened the shutdown service");
    m->powerdowns++;
    return 0;
}

static int fake_migrate(void *ctx, const struct api_migrate_args *args, struct api_failure *f)
{
    struct fake *m = ctx;
    if (m->migrations)
        return api_fail(f, API_ERROR_WRONG_STATE, "a migration is already active (pass 1)");
    m->migrations++;
    m->last_migrate = *args;
    snprintf(m->last_uri, sizeof m->last_uri, "%s", args->uri); /* the request is freed */
    return 0;
}

static void fake_query_migrate(void *ctx, struct api_migrate_info *out)
{
    struct fake *m = ctx;
    if (!m->migrations)
        return;
    out->status = "failed";
    snprintf(out->reason, sizeof out->reason, "tcp:127.0.0.1:1: cannot connect");
    out->pass = 1;
}

static const struct api_machine_ops fake_ops = {
    fake_state, fake_cpus, fake_uptime, fake_pause, fake_resume, fake_screenshot, fake_quit,
    fake_snapshot, fake_powerdown, fake_migrate, fake_query_migrate,
};

/* Runs one line; returns the parsed answer (json_object_put it). */
static struct json_object *ask(struct fake *m, const char *line)
{
    size_t len = 0;
    char *answer = api_handle_line(&fake_ops, m, line, strlen(line), &len);
    assert_non_null(answer);
    assert_true(len > 0);
    assert_int_equal(answer[len - 1], '\n');
    assert_null(memchr(answer, '\n', len - 1)); /* one line */
    struct json_object *obj = json_tokener_parse(answer);
    assert_non_null(obj);
    free(answer);
    return obj;
}

/* The error class of an answer, or NULL for a "return". */
static const char *error_class(struct json_object *answer)
{
    struct json_object *error, *cls;
    if (!json_object_object_get_ex(answer, "error", &error))
        return NULL;
    assert_true(json_object_object_get_ex(error, "class", &cls));
    struct json_object *desc;
    assert_true(json_object_object_get_ex(error, "desc", &desc));
    assert_true(strlen(json_object_get_string(desc)) > 0);
    return json_object_get_string(cls);
}

static void expect_error(struct fake *m, const char *line, const char *cls)
{
    struct json_object *a = ask(m, line);
    const char *got = error_class(a);
    if (!got || strcmp(got, cls) != 0)
        fail_msg("%s: expected %s, got %s", line, cls, api_json_text(a));
    json_object_put(a);
}

static struct json_object *expect_return(struct fake *m, const char *line)
{
    struct json_object *a = ask(m, line);
    struct json_object *ret;
    if (!json_object_object_get_ex(a, "return", &ret))
        fail_msg("%s: expected a return, got %s", line, api_json_text(a));
    return a;
}

/* ---- the parser ---- */

static void test_malformed_requests(void **state)
{
    (void)state;
    struct fake m = { .state = API_STATE_RUNNING };
    expect_error(&m, "{", "InvalidJSON");
    expect_error(&m, "{\"command\": \"quit\"", "InvalidJSON");
    expect_error(&m, "not json", "InvalidJSON");
    expect_error(&m, "{'command': 'quit'}", "InvalidJSON");        /* strict JSON */
    expect_error(&m, "{\"command\": \"quit\"} {}", "InvalidJSON"); /* two values */
    expect_error(&m, "[\"quit\"]", "InvalidRequest");
    expect_error(&m, "null", "InvalidRequest");
    expect_error(&m, "\"quit\"", "InvalidRequest");
    expect_error(&m, "{}", "InvalidRequest");
    expect_error(&m, "{\"command\": 7}", "InvalidRequest");
    expect_error(&m, "{\"command\": \"quit\", \"arguments\": []}", "InvalidRequest");
    expect_error(&m, "{\"command\": \"quit\", \"extra\": 1}", "InvalidRequest");
    expect_error(&m, "{\"command\": \"qu\\u0000it\"}", "InvalidRequest");
    /* nothing ran */
    assert_int_equal(m.quits, 0);

    /* A NUL byte inside the line itself. */
    struct api_request req;
    struct api_failure f;
    const char nul[] = "{\"command\": \"quit\"}\0x";
    assert_int_equal(api_request_parse(nul, sizeof nul - 1, &req, &f), -1);
    assert_int_equal(f.cls, API_ERROR_INVALID_JSON);
    api_request_free(&req);
}

static void test_ids_come_back(void **state)
{
    (void)state;
    struct fake m = { .state = API_STATE_RUNNING };
    struct json_object *a = expect_return(&m, "{\"id\": 42, \"command\": \"query-status\"}");
    struct json_object *id;
    assert_true(json_object_object_get_ex(a, "id", &id));
    assert_int_equal(json_object_get_int(id), 42);
    json_object_put(a);

    a = ask(&m, "{\"id\": {\"tag\": [1, \"x\"]}, \"command\": \"nope\"}");
    assert_string_equal(error_class(a), "CommandNotFound");
    assert_true(json_object_object_get_ex(a, "id", &id));
    assert_string_equal(api_json_text(id), "{\"tag\":[1,\"x\"]}");
    json_object_put(a);

    /* No id, or a line that is not a request: "id" is there, null. */
    a = ask(&m, "{\"command\": \"query-status\"}");
    assert_true(json_object_object_get_ex(a, "id", &id));
    assert_null(id);
    json_object_put(a);
    a = ask(&m, "garbage");
    assert_true(json_object_object_get_ex(a, "id", &id));
    assert_null(id);
    json_object_put(a);
    /* A request with an id but no command still gets its id back. */
    a = ask(&m, "{\"id\": \"abc\"}");
    assert_true(json_object_object_get_ex(a, "id", &id));
    assert_string_equal(json_object_get_string(id), "abc");
    json_object_put(a);
}

/* ---- the commands ---- */

static void test_query_status(void **state)
{
    (void)state;
    struct fake m = { .state = API_STATE_RUNNING };
    struct json_object *a = expect_return(&m, "{\"id\": 1, \"command\": \"query-status\"}");
    struct json_object *ret;
    json_object_object_get_ex(a, "return", &ret);
    assert_string_equal(api_json_text(ret),
                        "{\"status\":\"running\",\"running\":true,\"cpus\":3,\"uptime_ms\":1234}");
    json_object_put(a);
    m.state = API_STATE_SHUTDOWN;
    a = expect_return(&m, "{\"command\": \"query-status\", \"arguments\": {}}");
    json_object_object_get_ex(a, "return", &ret);
    struct json_object *status;
    json_object_object_get_ex(ret, "status", &status);
    assert_string_equal(json_object_get_string(status), "shutdown");
    json_object_put(a);
    expect_error(&m, "{\"command\": \"query-status\", \"arguments\": {\"x\": 1}}",
                 "InvalidArguments");
}

static void test_pause_and_resume_follow_the_state(void **state)
{
    (void)state;
    struct fake m = { .state = API_STATE_RUNNING };
    expect_error(&m, "{\"command\": \"resume\"}", "WrongState");
    json_object_put(expect_return(&m, "{\"command\": \"pause\"}"));
    assert_int_equal(m.state, API_STATE_PAUSED);
    expect_error(&m, "{\"command\": \"pause\"}", "WrongState");
    struct json_object *a = expect_return(&m, "{\"command\": \"query-status\"}");
    struct json_object *ret, *status, *running;
    json_object_object_get_ex(a, "return", &ret);
    json_object_object_get_ex(ret, "status", &status);
    json_object_object_get_ex(ret, "running", &running);
    assert_string_equal(json_object_get_string(status), "paused");
    assert_false(json_object_get_boolean(running));
    json_object_put(a);
    json_object_put(expect_return(&m, "{\"command\": \"resume\"}"));
    expect_error(&m, "{\"command\": \"resume\"}", "WrongState");
    assert_int_equal(m.pauses, 1);
    assert_int_equal(m.resumes, 1);
    m.state = API_STATE_SHUTDOWN;
    expect_error(&m, "{\"command\": \"pause\"}", "WrongState");
    expect_error(&m, "{\"command\": \"resume\"}", "WrongState");
    expect_error(&m, "{\"command\": \"pause\", \"arguments\": {\"now\": true}}", "InvalidArguments");
    assert_int_equal(m.pauses, 1);
}

static void test_system_powerdown_only_while_running(void **state)
{
    (void)state;
    struct fake m = { .state = API_STATE_RUNNING };
    expect_error(&m, "{\"command\": \"system-powerdown\"}", "WrongState"); /* not listening */
    m.guest_listens = true;
    json_object_put(expect_return(&m, "{\"command\": \"system-powerdown\"}"));
    assert_int_equal(m.powerdowns, 1);
    m.state = API_STATE_PAUSED;
    expect_error(&m, "{\"command\": \"system-powerdown\"}", "WrongState");
    m.state = API_STATE_SHUTDOWN;
    expect_error(&m, "{\"command\": \"system-powerdown\"}", "WrongState");
    m.state = API_STATE_RUNNING;
    expect_error(&m, "{\"command\": \"system-powerdown\", \"arguments\": {\"force\": 1}}",
                 "InvalidArguments");
    assert_int_equal(m.powerdowns, 1);
}

static void test_screenshot_arguments(void **state)
{
    (void)state;
    struct fake m = { .state = API_STATE_RUNNING, .screen = true };
    expect_error(&m, "{\"command\": \"screenshot\"}", "InvalidArguments");
    expect_error(&m, "{\"command\": \"screenshot\", \"arguments\": {\"path\": 5}}",
                 "InvalidArguments");
    expect_error(&m, "{\"command\": \"screenshot\", \"arguments\": {\"path\": \"\"}}",
                 "InvalidArguments");
    expect_error(&m, "{\"command\": \"screenshot\", \"arguments\": {\"path\": \"a\\u0000b.png\"}}",
                 "InvalidArguments");
    expect_error(&m, "{\"command\": \"screenshot\", \"arguments\": {\"path\": \"a.png\", \"w\": 1}}",
                 "InvalidArguments");
    assert_int_equal(m.screenshots, 0);
    json_object_put(expect_return(&m, "{\"command\": \"screenshot\", \"arguments\": "
                                      "{\"path\": \"/tmp/x/shot.png\"}}"));
    assert_string_equal(m.last_path, "/tmp/x/shot.png"); /* "/" not mangled */
    m.screen = false;
    expect_error(&m, "{\"command\": \"screenshot\", \"arguments\": {\"path\": \"s.png\"}}",
                 "Unavailable");
}

static void test_snapshot_arguments_and_answers(void **state)
{
    (void)state;
    struct fake m = { .state = API_STATE_RUNNING, .screen = true };
    expect_error(&m, "{\"command\": \"snapshot\"}", "InvalidArguments");
    expect_error(&m, "{\"command\": \"snapshot\", \"arguments\": {\"path\": \"\"}}",
                 "InvalidArguments");
    expect_error(&m, "{\"command\": \"snapshot\", \"arguments\": {\"path\": \"s\", "
                     "\"resume\": 1}}", "InvalidArguments");
    expect_error(&m, "{\"command\": \"snapshot\", \"arguments\": {\"path\": \"s\", \"x\": 1}}",
                 "InvalidArguments");
    assert_int_equal(m.snapshots, 0);
    struct json_object *a = expect_return(&m, "{\"command\": \"snapshot\", \"arguments\": "
                                              "{\"path\": \"/tmp/g.snap\"}}");
    struct json_object *ret;
    json_object_object_get_ex(a, "return", &ret);
    assert_string_equal(api_json_text(ret), "{\"path\":\"/tmp/g.snap\",\"bytes\":8192,"
                                             "\"paused_ms\":1.5,\"status\":\"running\"}");
    json_object_put(a);
    assert_true(m.last_resume);
    json_object_put(expect_return(&m, "{\"command\": \"snapshot\", \"arguments\": "
                                      "{\"path\": \"g.snap\", \"resume\": false}}"));
    assert_false(m.last_resume);
    assert_int_equal(m.state, API_STATE_PAUSED);
    m.screen = false;
    expect_error(&m, "{\"command\": \"snapshot\", \"arguments\": {\"path\": \"g.snap\"}}",
                 "Unavailable");
    m.state = API_STATE_SHUTDOWN;
    unsigned before = m.snapshots;
    expect_error(&m, "{\"command\": \"snapshot\", \"arguments\": {\"path\": \"g.snap\"}}",
                 "WrongState");
    assert_int_equal(m.snapshots, before);
}

static void test_migrate_arguments_and_query(void **state)
{
    (void)state;
    struct fake m = { .state = API_STATE_RUNNING };
    struct json_object *a = expect_return(&m, "{\"command\": \"query-migrate\"}");
    struct json_object *ret;
    json_object_object_get_ex(a, "return", &ret);
    assert_string_equal(api_json_text(ret),
                        "{\"status\":\"none\",\"pass\":0,\"bytes\":0,\"dirty_pages\":0,"
                        "\"dirty_pages_per_s\":0.0,\"bandwidth_mib_s\":0.0,"
                        "\"expected_downtime_ms\":0.0}");
    json_object_put(a);
    expect_error(&m, "{\"command\": \"migrate\"}", "InvalidArguments");
    expect_error(&m, "{\"command\": \"migrate\", \"arguments\": {\"uri\": 5}}",
                 "InvalidArguments");
    expect_error(&m, "{\"command\": \"migrate\", \"arguments\": {\"uri\": \"unix:/s\", "
                     "\"max_downtime_ms\": 0}}", "InvalidArguments");
    expect_error(&m, "{\"command\": \"migrate\", \"arguments\": {\"uri\": \"unix:/s\", "
                     "\"max_passes\": \"3\"}}", "InvalidArguments");
    expect_error(&m, "{\"command\": \"migrate\", \"arguments\": {\"uri\": \"unix:/s\", "
                     "\"speed\": 3}}", "InvalidArguments");
    assert_int_equal(m.migrations, 0);
    json_object_put(expect_return(&m, "{\"command\": \"migrate\", \"arguments\": "
                                      "{\"uri\": \"unix:/s\"}}"));
    assert_string_equal(m.last_uri, "unix:/s");
    assert_int_equal(m.last_migrate.max_downtime_ms, 300);
    assert_int_equal(m.last_migrate.max_passes, 30);
    expect_error(&m, "{\"command\": \"migrate\", \"arguments\": {\"uri\": \"unix:/s\"}}",
                 "WrongState");
    a = expect_return(&m, "{\"command\": \"query-migrate\"}");
    json_object_object_get_ex(a, "return", &ret);
    struct json_object *v;
    assert_true(json_object_object_get_ex(ret, "status", &v));
    assert_string_equal(json_object_get_string(v), "failed");
    assert_true(json_object_object_get_ex(ret, "reason", &v));
    assert_string_equal(json_object_get_string(v), "tcp:127.0.0.1:1: cannot connect");
    assert_true(json_object_object_get_ex(ret, "total_ms", &v));
    json_object_put(a);
    m.migrations = 0;
    m.state = API_STATE_SHUTDOWN;
    expect_error(&m, "{\"command\": \"migrate\", \"arguments\": {\"uri\": \"unix:/s\", "
                     "\"max_downtime_ms\": 50, \"max_passes\": 3}}", "WrongState");
}

static void test_quit_and_unknown_commands(void **state)
{
    (void)state;
    struct fake m = { .state = API_STATE_RUNNING };
    expect_error(&m, "{\"command\": \"migrate!\"}", "CommandNotFound");
    expect_error(&m, "{\"command\": \"QUIT\"}", "CommandNotFound");
    expect_error(&m, "{\"command\": \"\"}", "CommandNotFound");
    assert_int_equal(m.quits, 0);
    json_object_put(expect_return(&m, "{\"command\": \"quit\"}"));
    assert_int_equal(m.quits, 1);

    struct json_object *a = expect_return(&m, "{\"command\": \"query-commands\"}");
    struct json_object *ret;
    json_object_object_get_ex(a, "return", &ret);
    assert_string_equal(api_json_text(ret), "{\"commands\":[\"query-status\",\"query-commands\","
                                             "\"pause\",\"resume\",\"screenshot\",\"snapshot\","
                                             "\"system-powerdown\",\"migrate\",\"query-migrate\",\"quit\"]}");
    json_object_put(a);
}

/* ---- the server on a real socket ---- */

struct server_fixture {
    char dir[64];
    char path[128];
    struct fake m;
    struct api_server *s;
};

static int server_setup(void **state)
{
    struct server_fixture *fx = calloc(1, sizeof *fx);
    strcpy(fx->dir, "/tmp/wisp-api-test-XXXXXX");
    assert_non_null(mkdtemp(fx->dir));
    snprintf(fx->path, sizeof fx->path, "%s/api.sock", fx->dir);
    fx->m.state = API_STATE_RUNNING;
    *state = fx;
    return 0;
}

static int server_teardown(void **state)
{
    struct server_fixture *fx = *state;
    api_server_close(fx->s);
    unlink(fx->path);
    rmdir(fx->dir);
    free(fx);
    return 0;
}

static void open_server(struct server_fixture *fx)
{
    struct wisp_error err = { 0 };
    if (api_server_open(fx->path, &fake_ops, &fx->m, &fx->s, &err) < 0)
        fail_msg("api_server_open: %s", err.message);
}

static int client(const char *path)
{
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path);
    assert_int_equal(connect(fd, (struct sockaddr *)&addr, sizeof addr), 0);
    return fd;
}

static void send_text(int fd, const char *text, size_t len)
{
    while (len) {
        ssize_t n = send(fd, text, len, MSG_NOSIGNAL);
        assert_true(n > 0);
        text += n;
        len -= (size_t)n;
    }
}

/* Serves until the client has a line (or the server closed): the line
 * without its newline, "" at the end of the connection. */
static char *serve_and_read(struct server_fixture *fx, int fd)
{
    /* What came after the last line returned (one client at a time). */
    static char buf[4096], line[4096];
    static size_t len;
    static int buf_fd = -1;
    if (fd != buf_fd)
        len = 0;
    buf_fd = fd;
    for (int round = 0; round < 500; round++) {
        char *nl = memchr(buf, '\n', len);
        if (nl) {
            size_t n = (size_t)(nl - buf);
            memcpy(line, buf, n);
            line[n] = '\0';
            memmove(buf, nl + 1, len - n - 1);
            len -= n + 1;
            return line;
        }
        api_server_service(fx->s);
        ssize_t n = recv(fd, buf + len, sizeof buf - 1 - len, MSG_DONTWAIT);
        if (n == 0) {
            memcpy(line, buf, len);
            line[len] = '\0';
            len = 0;
            return line;
        }
        if (n > 0) {
            len += (size_t)n;
            continue;
        }
        api_server_wait(fx->s, -1, 10);
    }
    fail_msg("no answer from the server");
    return NULL;
}

static void test_server_socket_is_0600_and_answers(void **state)
{
    struct server_fixture *fx = *state;
    mode_t old = umask(0); /* the caller's umask must not matter */
    open_server(fx);
    umask(old);
    struct stat st;
    assert_int_equal(lstat(fx->path, &st), 0);
    assert_true(S_ISSOCK(st.st_mode));
    assert_int_equal(st.st_mode & 0777, 0600);

    int fd = client(fx->path);
    /* Two requests in one write, CR LF, a blank line between. */
    const char *two = "{\"id\":1,\"command\":\"pause\"}\r\n\n{\"id\":2,\"command\":\"pause\"}\n";
    send_text(fd, two, strlen(two));
    assert_string_equal(serve_and_read(fx, fd), "{\"id\":1,\"return\":{}}");
    char *second = serve_and_read(fx, fd);
    assert_non_null(strstr(second, "\"id\":2,\"error\":{\"class\":\"WrongState\""));
    /* A request split over writes. */
    send_text(fd, "{\"id\":3,\"comm", 13);
    api_server_service(fx->s);
    send_text(fd, "and\":\"resume\"}\n", 15);
    assert_string_equal(serve_and_read(fx, fd), "{\"id\":3,\"return\":{}}");
    close(fd);
    api_server_close(fx->s);
    fx->s = NULL;
    assert_int_equal(lstat(fx->path, &st), -1); /* removed */
    assert_int_equal(fx->m.pauses, 1);
    assert_int_equal(fx->m.resumes, 1);
}

static void test_server_one_client_at_a_time(void **state)
{
    struct server_fixture *fx = *state;
    open_server(fx);
    int first = client(fx->path);
    send_text(first, "{\"command\":\"query-status\"}\n", 27);
    assert_non_null(strstr(serve_and_read(fx, first), "\"running\""));
    int second = client(fx->path);
    char *busy = serve_and_read(fx, second);
    assert_non_null(strstr(busy, "\"class\":\"Busy\""));
    assert_string_equal(serve_and_read(fx, second), ""); /* and closed */
    close(second);
    /* The first one still works; after it leaves, the next one is served. */
    send_text(first, "{\"command\":\"pause\"}\n", 20);
    assert_string_equal(serve_and_read(fx, first), "{\"id\":null,\"return\":{}}");
    close(first);
    api_server_service(fx->s);
    int third = client(fx->path);
    send_text(third, "{\"command\":\"resume\"}\n", 21);
    assert_string_equal(serve_and_read(fx, third), "{\"id\":null,\"return\":{}}");
    close(third);
}

static void test_server_long_line_and_leaving_mid_line(void **state)
{
    struct server_fixture *fx = *state;
    open_server(fx);
    /* A client that leaves in the middle of a request changes nothing. */
    int fd = client(fx->path);
    send_text(fd, "{\"command\":\"quit\"", 17);
    api_server_service(fx->s);
    close(fd);
    for (int i = 0; i < 5; i++)
        api_server_service(fx->s);
    assert_int_equal(fx->m.quits, 0);

    /* A line over the bound: an error, then the connection closes. */
    fd = client(fx->path);
    size_t big = API_LINE_MAX + 100;
    char *junk = malloc(big);
    memset(junk, 'x', big);
    send_text(fd, junk, big);
    free(junk);
    char *answer = serve_and_read(fx, fd);
    assert_non_null(strstr(answer, "\"class\":\"LineTooLong\""));
    assert_string_equal(serve_and_read(fx, fd), "");
    close(fd);

    /* A line of exactly the bound is read (and is not JSON). */
    fd = client(fx->path);
    junk = malloc(API_LINE_MAX + 1);
    memset(junk, ' ', API_LINE_MAX);
    memcpy(junk, "{\"command\":\"pause\"}", 19);
    junk[API_LINE_MAX] = '\n';
    send_text(fd, junk, API_LINE_MAX + 1);
    free(junk);
    assert_string_equal(serve_and_read(fx, fd), "{\"id\":null,\"return\":{}}");
    close(fd);
    assert_int_equal(fx->m.pauses, 1);
}

static void test_server_refuses_what_is_not_its_socket(void **state)
{
    struct server_fixture *fx = *state;
    struct wisp_error err = { 0 };
    /* A regular file stays. */
    FILE *f = fopen(fx->path, "w");
    fclose(f);
    assert_int_equal(api_server_open(fx->path, &fake_ops, &fx->m, &fx->s, &err), -1);
    assert_int_equal(err.status, WISP_EXIT_USAGE);
    assert_non_null(strstr(err.message, "not a socket"));
    assert_non_null(strstr(err.message, fx->path));
    unlink(fx->path);

    /* A socket nobody listens on is stale: replaced. */
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    assert_true(strlen(fx->path) < sizeof addr.sun_path);
    memcpy(addr.sun_path, fx->path, strlen(fx->path) + 1);
    assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof addr), 0);
    close(fd);
    open_server(fx);

    /* One in use is not. */
    struct api_server *other = NULL;
    memset(&err, 0, sizeof err);
    assert_int_equal(api_server_open(fx->path, &fake_ops, &fx->m, &other, &err), -1);
    assert_non_null(strstr(err.message, "another process is listening"));
    /* ... and still works. */
    fd = client(fx->path);
    send_text(fd, "{\"command\":\"query-status\"}\n", 27);
    assert_non_null(strstr(serve_and_read(fx, fd), "\"status\":\"running\""));
    close(fd);

    /* A path longer than sun_path. */
    char longpath[200];
    memset(longpath, 'a', sizeof longpath - 1);
    longpath[0] = '/';
    longpath[sizeof longpath - 1] = '\0';
    memset(&err, 0, sizeof err);
    assert_int_equal(api_server_open(longpath, &fake_ops, &fx->m, &other, &err), -1);
    assert_int_equal(err.status, WISP_EXIT_USAGE);
}

/* Removing the socket at the end only when it is still ours. */
static void test_server_leaves_a_replaced_file_alone(void **state)
{
    struct server_fixture *fx = *state;
    open_server(fx);
    unlink(fx->path);
    FILE *f = fopen(fx->path, "w");
    fclose(f);
    api_server_close(fx->s);
    fx->s = NULL;
    struct stat st;
    assert_int_equal(lstat(fx->path, &st), 0);
    assert_true(S_ISREG(st.st_mode));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_malformed_requests),
        cmocka_unit_test(test_ids_come_back),
        cmocka_unit_test(test_query_status),
        cmocka_unit_test(test_pause_and_resume_follow_the_state),
        cmocka_unit_test(test_system_powerdown_only_while_running),
        cmocka_unit_test(test_screenshot_arguments),
        cmocka_unit_test(test_snapshot_arguments_and_answers),
        cmocka_unit_test(test_migrate_arguments_and_query),
        cmocka_unit_test(test_quit_and_unknown_commands),
        cmocka_unit_test_setup_teardown(test_server_socket_is_0600_and_answers, server_setup,
                                        server_teardown),
        cmocka_unit_test_setup_teardown(test_server_one_client_at_a_time, server_setup,
                                        server_teardown),
        cmocka_unit_test_setup_teardown(test_server_long_line_and_leaving_mid_line, server_setup,
                                        server_teardown),
        cmocka_unit_test_setup_teardown(test_server_refuses_what_is_not_its_socket, server_setup,
                                        server_teardown),
        cmocka_unit_test_setup_teardown(test_server_leaves_a_replaced_file_alone, server_setup,
                                        server_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
