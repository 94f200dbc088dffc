/* The control socket on POSIX hosts (api_server.h). */
#include "api_server.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* Answers waiting for a slow reader beyond this drop the client. */
#define OUT_MAX (4u * API_LINE_MAX)

struct api_server {
    const struct api_machine_ops *ops;
    void *ctx;
    char *path;
    dev_t dev;            /* the socket file we made, to remove only that one */
    ino_t ino;
    int listen_fd;
    int conn_fd;          /* the client, or -1 */
    bool conn_eof;        /* it sent its last byte: answer, then close */
    bool conn_closing;    /* close once the answers are out (a line too long) */
    char *in;             /* API_LINE_MAX + 1: a line and its newline */
    size_t in_len;
    char *out;
    size_t out_len, out_cap;
};

/* Reads and drops what a client sent that will not be answered: closing a
 * Unix socket with unread input resets the connection, and the client
 * could then miss the error line it was sent. */
static void discard_input(int fd)
{
    char sink[4096];
    for (size_t dropped = 0; dropped < 4 * API_LINE_MAX;) {
        ssize_t n = recv(fd, sink, sizeof sink, MSG_DONTWAIT);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        dropped += (size_t)n;
    }
}

static void close_connection(struct api_server *s)
{
    if (s->conn_fd >= 0) {
        discard_input(s->conn_fd);
        close(s->conn_fd);
    }
    s->conn_fd = -1;
    s->conn_eof = s->conn_closing = false;
    s->in_len = s->out_len = 0;
}

/* Queues an answer (freeing it); false when the client must go. */
static bool queue(struct api_server *s, char *line, size_t len)
{
    if (!line)
        return false;
    if (s->out_len + len > OUT_MAX) {
        free(line);
        return false;
    }
    if (s->out_len + len > s->out_cap) {
        size_t cap = s->out_cap ? s->out_cap : 4096;
        while (cap < s->out_len + len)
            cap *= 2;
        char *grown = realloc(s->out, cap);
        if (!grown) {
            free(line);
            return false;
        }
        s->out = grown;
        s->out_cap = cap;
    }
    memcpy(s->out + s->out_len, line, len);
    s->out_len += len;
    free(line);
    return true;
}

/* Sends what the socket takes now; false when the client has gone. */
static bool flush(struct api_server *s)
{
    size_t done = 0;
    while (done < s->out_len) {
        ssize_t n = send(s->conn_fd, s->out + done, s->out_len - done, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            done += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        return false;
    }
    if (done) {
        memmove(s->out, s->out + done, s->out_len - done);
        s->out_len -= done;
    }
    return true;
}

/* Answers every complete line in the input buffer. */
static bool answer_lines(struct api_server *s)
{
    size_t start = 0;
    char *nl;
    while ((nl = memchr(s->in + start, '\n', s->in_len - start)) != NULL) {
        size_t len = (size_t)(nl - (s->in + start));
        const char *line = s->in + start;
        start += len + 1;
        if (len > 0 && line[len - 1] == '\r')
            len--;
        bool blank = true;
        for (size_t i = 0; i < len && blank; i++)
            blank = line[i] == ' ' || line[i] == '\t';
        if (blank)
            continue;
        size_t out_len = 0;
        char *answer = api_handle_line(s->ops, s->ctx, line, len, &out_len);
        if (!queue(s, answer, out_len))
            return false;
    }
    memmove(s->in, s->in + start, s->in_len - start);
    s->in_len -= start;
    if (s->in_len > API_LINE_MAX) {
        /* No newline within the bound: say so, then hang up. */
        struct api_failure f;
        api_fail(&f, API_ERROR_LINE_TOO_LONG, "request line longer than %u bytes; closing",
                 API_LINE_MAX);
        size_t out_len = 0;
        char *answer = api_response_error(NULL, &f, &out_len);
        s->in_len = 0;
        s->conn_closing = true;
        return queue(s, answer, out_len);
    }
    return true;
}

/* Reads what the client sent; false when the connection is over. */
static bool receive(struct api_server *s)
{
    while (!s->conn_eof && s->in_len < API_LINE_MAX + 1) {
        ssize_t n = recv(s->conn_fd, s->in + s->in_len, API_LINE_MAX + 1 - s->in_len,
                         MSG_DONTWAIT);
        if (n > 0) {
            s->in_len += (size_t)n;
            continue;
        }
        if (n == 0) {
            s->conn_eof = true;
            break;
        }
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            break;
        return false; /* reset: nothing more to answer */
    }
    return answer_lines(s);
}

static void serve_connection(struct api_server *s)
{
    if (!flush(s)) {
        close_connection(s);
        return;
    }
    /* A client that does not read its answers is not read from. */
    if (s->out_len == 0 && !s->conn_closing && !s->conn_eof) {
        if (!receive(s) || !flush(s)) {
            close_connection(s);
            return;
        }
    }
    /* A partial line left at the end of the input is dropped unanswered. */
    if (s->out_len == 0 && (s->conn_closing || s->conn_eof))
        close_connection(s);
}

/* Serves the client, then takes the next connections: the first while
 * there is none (one that has already left, such as another wisp's probe
 * for a stale socket, makes room at once), a Busy error for the others. */
static void serve_and_accept(struct api_server *s)
{
    for (;;) {
        if (s->conn_fd >= 0)
            serve_connection(s);
        int fd = accept4(s->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            return;
        if (s->conn_fd < 0) {
            s->conn_fd = fd;
            continue;
        }
        struct api_failure f;
        api_fail(&f, API_ERROR_BUSY, "another client is connected to the control socket");
        size_t len = 0;
        char *line = api_response_error(NULL, &f, &len);
        if (line) {
            ssize_t ignored = send(fd, line, len, MSG_NOSIGNAL | MSG_DONTWAIT);
            (void)ignored;
            free(line);
        }
        discard_input(fd);
        close(fd);
    }
}

void api_server_service(struct api_server *s)
{
    if (s)
        serve_and_accept(s);
}

void api_server_wait(struct api_server *s, int other_fd, int timeout_ms)
{
    struct pollfd p[3] = {
        { .fd = other_fd, .events = POLLIN },
        { .fd = s->listen_fd, .events = POLLIN },
        { .fd = s->conn_fd, .events = 0 },
    };
    if (s->conn_fd >= 0) {
        if (s->out_len)
            p[2].events = POLLOUT;
        else if (!s->conn_closing && !s->conn_eof)
            p[2].events = POLLIN;
    }
    /* Negative descriptors are skipped by poll(). */
    poll(p, 3, timeout_ms);
}

/* ---- set-up and teardown ---- */

/* A socket file at path that nobody listens on is left from a wisp that
 * did not end cleanly: it may go. Anything else stays. */
static int clear_stale(const char *path, struct wisp_error *err)
{
    struct stat st;
    if (lstat(path, &st) < 0) {
        if (errno == ENOENT)
            return 0;
        return wisp_fail_errno(err, WISP_EXIT_USAGE, "--api-socket %s", path);
    }
    if (!S_ISSOCK(st.st_mode))
        return wisp_fail(err, WISP_EXIT_USAGE,
                         "--api-socket %s: the file exists and is not a socket (not replacing it)",
                         path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return wisp_fail_errno(err, WISP_EXIT_HOST_ERROR, "--api-socket %s: socket", path);
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    memcpy(addr.sun_path, path, strlen(path) + 1);
    int rc = connect(fd, (struct sockaddr *)&addr, sizeof addr);
    int e = errno;
    close(fd);
    if (rc == 0)
        return wisp_fail(err, WISP_EXIT_USAGE,
                         "--api-socket %s: another process is listening on it", path);
    if (e != ECONNREFUSED) {
        errno = e;
        return wisp_fail_errno(err, WISP_EXIT_USAGE, "--api-socket %s", path);
    }
    if (unlink(path) < 0)
        return wisp_fail_errno(err, WISP_EXIT_USAGE,
                               "--api-socket %s: cannot remove the stale socket", path);
    return 0;
}

static int listen_on(struct api_server *s, struct wisp_error *err)
{
    const char *path = s->path;
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    if (strlen(path) >= sizeof addr.sun_path)
        return wisp_fail(err, WISP_EXIT_USAGE, "--api-socket %s: path longer than %zu bytes",
                         path, sizeof addr.sun_path - 1);
    if (clear_stale(path, err) < 0)
        return -1;
    memcpy(addr.sun_path, path, strlen(path) + 1);
    s->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s->listen_fd < 0)
        return wisp_fail_errno(err, WISP_EXIT_HOST_ERROR, "--api-socket %s: socket", path);
    /* Born 0600: only the owner may connect, with no moment when others
     * could (a chmod after bind would leave one). */
    mode_t old = umask(0177);
    int rc = bind(s->listen_fd, (struct sockaddr *)&addr, sizeof addr);
    int e = errno;
    umask(old);
    if (rc < 0) {
        errno = e;
        return wisp_fail_errno(err, WISP_EXIT_USAGE, "--api-socket %s", path);
    }
    struct stat st;
    if (lstat(path, &st) < 0) {
        e = errno;
        unlink(path);
        errno = e;
        return wisp_fail_errno(err, WISP_EXIT_HOST_ERROR, "--api-socket %s", path);
    }
    s->dev = st.st_dev;
    s->ino = st.st_ino;
    if (listen(s->listen_fd, 4) < 0) {
        e = errno;
        unlink(path);
        errno = e;
        return wisp_fail_errno(err, WISP_EXIT_HOST_ERROR, "--api-socket %s: listen", path);
    }
    return 0;
}

int api_server_open(const char *path, const struct api_machine_ops *ops, void *ctx,
                    struct api_server **out, struct wisp_error *err)
{
    *out = NULL;
    struct api_server *s = calloc(1, sizeof *s);
    if (!s)
        return wisp_fail(err, WISP_EXIT_HOST_ERROR, "out of memory");
    s->ops = ops;
    s->ctx = ctx;
    s->listen_fd = s->conn_fd = -1;
    s->path = strdup(path);
    s->in = malloc(API_LINE_MAX + 1);
    if (!s->path || !s->in) {
        free(s->path);
        free(s->in);
        free(s);
        return wisp_fail(err, WISP_EXIT_HOST_ERROR, "out of memory");
    }
    if (listen_on(s, err) < 0) {
        if (s->listen_fd >= 0)
            close(s->listen_fd);
        free(s->path);
        free(s->in);
        free(s);
        return -1;
    }
    *out = s;
    return 0;
}

void api_server_close(struct api_server *s)
{
    if (!s)
        return;
    if (s->conn_fd >= 0)
        flush(s); /* the answer to quit, most likely */
    close_connection(s);
    if (s->listen_fd >= 0)
        close(s->listen_fd);
    /* Only our own socket: under --chroot the same path names another file. */
    struct stat st;
    if (lstat(s->path, &st) == 0 && S_ISSOCK(st.st_mode) && st.st_dev == s->dev &&
        st.st_ino == s->ino)
        unlink(s->path);
    free(s->path);
    free(s->in);
    free(s->out);
    free(s);
}
