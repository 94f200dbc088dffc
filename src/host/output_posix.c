/* output.h's write loop on POSIX hosts. */
#include "output.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

/* How long one wait for a slow reader lasts before give_up is asked. */
#define WAIT_SLICE_MS 10

int host_output_write_fd(int fd, const uint8_t *bytes, size_t len,
                         bool (*give_up)(void *), void *opaque)
{
    while (len > 0) {
        /* Wait until the reader has made room, a slice at a time: the
         * write below then does not block (at most PIPE_BUF bytes into a
         * pipe that polls writable), so a stuck reader cannot keep wisp
         * from stopping. Regular files always poll writable. */
        struct pollfd p = { .fd = fd, .events = POLLOUT };
        int ready = poll(&p, 1, WAIT_SLICE_MS);
        if (ready <= 0) {
            if (ready < 0 && errno != EINTR && errno != EAGAIN)
                return -1;
            if (give_up && give_up(opaque))
                return 1;
            continue;
        }
        size_t chunk = len < PIPE_BUF ? len : PIPE_BUF;
        ssize_t n = write(fd, bytes, chunk);
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            return -1;
        }
        bytes += n;
        len -= (size_t)n;
    }
    return 0;
}

bool host_output_is_terminal(int fd)
{
    return fd >= 0 && isatty(fd);
}

void host_output_ignore_broken_pipes(void)
{
    signal(SIGPIPE, SIG_IGN);
}
