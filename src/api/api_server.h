/*
 * The control socket (--api-socket PATH): a Unix stream socket, mode 0600,
 * served by the main thread's host loop (no thread of its own): the loop
 * waits in api_server_wait (the socket beside the console's input) and
 * calls api_server_service, which never blocks.
 *
 * One client at a time: another connection while one is open gets a Busy
 * error line and is closed. Requests on a connection are answered in order;
 * a client that stops reading its answers is not read from until it does.
 * A line longer than API_LINE_MAX gets a LineTooLong error and the
 * connection is closed; a client that leaves in the middle of a line
 * leaves nothing behind (the partial line is dropped unanswered).
 *
 * POSIX only: api_server_windows.c refuses to open one.
 */
#ifndef WISP_API_SERVER_H
#define WISP_API_SERVER_H

#include "api_commands.h"
#include "core/error.h"

struct api_server;

/* Set-up, before privileges are dropped: binds path with mode 0600 and
 * listens. A path that exists is replaced only when it is a socket nobody
 * listens on (left by a wisp that was killed); anything else, or a socket
 * in use, fails with WISP_EXIT_USAGE and one line naming path. */
int api_server_open(const char *path, const struct api_machine_ops *ops, void *ctx,
                    struct api_server **out, struct wisp_error *err);

/* Accepts, reads and answers what is there; never blocks. */
void api_server_service(struct api_server *s);

/* Sleeps up to timeout_ms, less when the socket has something to do or
 * other_fd (-1: none) has input. */
void api_server_wait(struct api_server *s, int other_fd, int timeout_ms);

/* Sends what answers it still can without waiting, closes, and removes
 * the socket file if it is still the one it made. NULL is fine. */
void api_server_close(struct api_server *s);

#endif
