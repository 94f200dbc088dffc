/* --gdb's address (gdb_address.h). */
#include "gdb_address.h"

#include <stdbool.h>
#include <string.h>

bool gdb_parse_address(const char *text, char *host, size_t host_cap, uint16_t *port)
{
    if (strncmp(text, "tcp:", 4) == 0)
        text += 4;
    const char *colon = strrchr(text, ':');
    const char *port_text = colon ? colon + 1 : text;
    size_t host_len = colon ? (size_t)(colon - text) : 0;
    if (host_len + 1 > host_cap)
        return false;
    if (host_len)
        memcpy(host, text, host_len);
    host[host_len] = '\0';
    if (!host_len) {
        if (host_cap < sizeof "127.0.0.1")
            return false;
        strcpy(host, "127.0.0.1");
    }
    unsigned long value = 0;
    if (!*port_text)
        return false;
    for (const char *p = port_text; *p; p++) {
        if (*p < '0' || *p > '9' || value > 65535)
            return false;
        value = value * 10 + (unsigned long)(*p - '0');
    }
    if (value == 0 || value > 65535)
        return false;
    *port = (uint16_t)value;
    return true;
}
