/* output.h's write loop on Windows: _write either takes the bytes or fails
 * (no signals interrupt it), so the loop only handles partial writes. */
#include "output.h"

#include <errno.h>
#include <io.h>

int host_output_write_fd(int fd, const uint8_t *bytes, size_t len,
                         bool (*give_up)(void *), void *opaque)
{
    (void)give_up;
    (void)opaque;
    while (len > 0) {
        unsigned chunk = len > 65536 ? 65536u : (unsigned)len;
        int n = _write(fd, bytes, chunk);
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
    return fd >= 0 && _isatty(fd);
}

void host_output_ignore_broken_pipes(void)
{
}
