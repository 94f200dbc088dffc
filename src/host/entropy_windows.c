#define _CRT_RAND_S
#include "entropy.h"

#include <stdlib.h>
#include <string.h>

size_t host_entropy(void *buf, size_t len)
{
    unsigned char *out = buf;
    size_t done = 0;
    while (done < len) {
        unsigned int r;
        if (rand_s(&r) != 0)
            break;
        size_t n = len - done < sizeof r ? len - done : sizeof r;
        memcpy(out + done, &r, n);
        done += n;
    }
    return done;
}
