/* `wisp ctl` (api_ctl.h) on POSIX hosts. */
#include "api_ctl.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <json-c/json.h>

#include "api_request.h"
#include "core/error.h"
#include "host/tcp_socket.h"

/* How long an answer may take (a screenshot of a large screen, a pause
 * waiting for every vCPU to leave the guest) before the client gives up. */
#define ANSWER_TIMEOUT_MS 60000
/* The longest answer read. */
#define ANSWER_MAX (1u << 20)

static void usage(FILE *out)
{
    fprintf(out,
"usage: wisp ctl SOCKET COMMAND [JSON-ARGUMENTS]\n"
"\n"
"Sends COMMAND to the wisp listening on SOCKET (wisp run --api-socket SOCKET)\n"
"and prints its answer as JSON. Commands: query-status, query-commands, pause,\n"
"resume, screenshot '{\"path\": \"FILE.png\"}', snapshot '{\"path\": \"FILE\"}',\n"
"migrate '{\"uri\": \"tcp:HOST:PORT\"}', query-migrate, quit.\n"
"\n"
"exit status: 0 done, 1 the command failed (the error on stderr), 120 bad\n"
"arguments, 126 the socket could not be reached or gave no answer.\n");
}

static struct json_object *parse_object(const char *text)
{
    struct json_tokener *tok = json_tokener_new();
    if (!tok)
        return NULL;
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
    size_t len = strlen(text);
    struct json_object *obj = json_tokener_parse_ex(tok, text, (int)len);
    size_t end = json_tokener_get_parse_end(tok);
    json_tokener_free(tok);
    for (; obj && end < len; end++)
        if (!strchr(" \t\r\n", text[end])) {
            json_object_put(obj);
            return NULL;
        }
    if (obj && !json_object_is_type(obj, json_type_object)) {
        json_object_put(obj);
        return NULL;
    }
    return obj;
}

static int connect_to(const char *path)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    if (strlen(path) >= sizeof addr.sun_path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(addr.sun_path, path, strlen(path) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

/* Reads up to the first newline: a malloc'ed NUL-terminated line, or NULL
 * with why set. */
static char *read_line(int fd, const char **why)
{
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    if (!buf) {
        *why = "out of memory";
        return NULL;
    }
    for (;;) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        int rc = poll(&p, 1, ANSWER_TIMEOUT_MS);
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc == 0) {
            *why = "no answer within 60 s";
            break;
        }
        if (len + 1 >= cap) {
            if (cap >= ANSWER_MAX) {
                *why = "answer too long";
                break;
            }
            char *grown = realloc(buf, cap * 2);
            if (!grown) {
                *why = "out of memory";
                break;
            }
            buf = grown;
            cap *= 2;
        }
        ssize_t n = recv(fd, buf + len, cap - 1 - len, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            *why = strerror(errno);
            break;
        }
        if (n == 0) {
            *why = "the connection closed without an answer";
            break;
        }
        char *nl = memchr(buf + len, '\n', (size_t)n);
        len += (size_t)n;
        if (nl) {
            *nl = '\0';
            return buf;
        }
    }
    free(buf);
    return NULL;
}

/* Prints the answer; returns the exit status. */
static int report(const char *path, const char *command, const char *line)
{
    struct json_object *answer = json_tokener_parse(line);
    struct json_object *ret = NULL, *error = NULL, *desc = NULL;
    int status = WISP_EXIT_HOST_ERROR;
    if (answer && json_object_is_type(answer, json_type_object) &&
        json_object_object_get_ex(answer, "return", &ret)) {
        printf("%s\n", api_json_text(ret));
        status = fflush(stdout) == 0 ? 0 : WISP_EXIT_HOST_ERROR;
    } else if (answer && json_object_is_type(answer, json_type_object) &&
               json_object_object_get_ex(answer, "error", &error) &&
               json_object_object_get_ex(error, "desc", &desc)) {
        fprintf(stderr, "wisp: %s: %s\n", command, json_object_get_string(desc));
        status = API_CTL_EXIT_ERROR;
    } else {
        fprintf(stderr, "wisp: ctl: %s: not an answer: %.200s\n", path, line);
    }
    json_object_put(answer);
    return status;
}

int api_ctl_main(int argc, char **argv)
{
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        usage(stdout);
        return 0;
    }
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "wisp: ctl: expected SOCKET COMMAND [JSON-ARGUMENTS] (see wisp ctl --help)\n");
        return WISP_EXIT_USAGE;
    }
    const char *path = argv[1], *command = argv[2];
    struct json_object *request = json_object_new_object();
    struct json_object *arguments = NULL;
    if (argc == 4) {
        arguments = parse_object(argv[3]);
        if (!arguments) {
            fprintf(stderr, "wisp: ctl: %s: the arguments are not a JSON object: %s\n", command,
                    argv[3]);
            json_object_put(request);
            return WISP_EXIT_USAGE;
        }
    }
    if (!request || json_object_object_add(request, "id", json_object_new_int(1)) < 0 ||
        json_object_object_add(request, "command", json_object_new_string(command)) < 0 ||
        (arguments && json_object_object_add(request, "arguments", arguments) < 0)) {
        fprintf(stderr, "wisp: ctl: out of memory\n");
        json_object_put(request);
        return WISP_EXIT_HOST_ERROR;
    }
    const char *text = api_json_text(request);
    size_t len = strlen(text);
    char *line = malloc(len + 2);
    if (!line) {
        json_object_put(request);
        fprintf(stderr, "wisp: ctl: out of memory\n");
        return WISP_EXIT_HOST_ERROR;
    }
    memcpy(line, text, len);
    line[len] = '\n';
    json_object_put(request);

    int fd = connect_to(path);
    if (fd < 0) {
        fprintf(stderr, "wisp: ctl: cannot connect to %s: %s\n", path, strerror(errno));
        free(line);
        return WISP_EXIT_HOST_ERROR;
    }
    int status = WISP_EXIT_HOST_ERROR;
    const char *why = NULL;
    char *answer = NULL;
    /* wisp may answer before it has read everything (Busy, a line too
     * long) and close: what it said is still there to read. */
    bool sent = host_fd_write_all(fd, line, len + 1);
    int send_errno = errno;
    if ((answer = read_line(fd, &why)))
        status = report(path, command, answer);
    else if (!sent)
        fprintf(stderr, "wisp: ctl: %s: cannot send: %s\n", path, strerror(send_errno));
    else
        fprintf(stderr, "wisp: ctl: %s: %s\n", path, why);
    free(answer);
    free(line);
    close(fd);
    return status;
}
