#include "entropy.h"

#include <errno.h>
#include <sys/random.h>

size_t host_entropy(void *buf, size_t len)
{
    for (;;) {
        ssize_t n = getrandom(buf, len, GRND_NONBLOCK);
        if (n >= 0)
            return (size_t)n;
        if (errno != EINTR)
            return 0; /* EAGAIN: the host pool is not ready yet */
    }
}
