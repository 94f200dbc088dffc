/* --net parsing (net_config.h). */
#include "net_config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

WISP_PRINTF_FORMAT(3, 4)
static int bad(char *message, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, len, fmt, ap);
    va_end(ap);
    return -1;
}

/* A dotted quad; an empty string is def. */
static bool parse_addr(const char *s, size_t len, uint32_t def, uint32_t *out)
{
    if (len == 0) {
        *out = def;
        return true;
    }
    uint32_t addr = 0;
    const char *p = s, *end = s + len;
    for (int part = 0; part < 4; part++) {
        if (p >= end || *p < '0' || *p > '9')
            return false;
        unsigned v = 0;
        int digits = 0;
        while (p < end && *p >= '0' && *p <= '9' && digits < 4) {
            v = v * 10 + (unsigned)(*p++ - '0');
            digits++;
        }
        if (v > 255 || digits > 3)
            return false;
        addr = addr << 8 | v;
        if (part < 3) {
            if (p >= end || *p != '.')
                return false;
            p++;
        }
    }
    if (p != end)
        return false;
    *out = addr;
    return true;
}

static bool parse_port(const char *s, size_t len, uint16_t *out)
{
    if (len == 0 || len > 5)
        return false;
    unsigned v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    if (v == 0 || v > 65535)
        return false;
    *out = (uint16_t)v;
    return true;
}

/* [tcp|udp]:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT */
static int parse_hostfwd(const char *rule, size_t len, struct net_hostfwd *f, char *message,
                         size_t message_len)
{
    memset(f, 0, sizeof *f);
    snprintf(f->text, sizeof f->text, "%.*s", (int)(len < 63 ? len : 63), rule);
    const char *end = rule + len;
    const char *colon = memchr(rule, ':', len);
    if (!colon)
        return bad(message, message_len, "hostfwd=%s: expected [tcp|udp]:[hostaddr]:hostport-"
                   "[guestaddr]:guestport", f->text);
    size_t proto_len = (size_t)(colon - rule);
    if (proto_len == 3 && memcmp(rule, "udp", 3) == 0)
        f->udp = true;
    else if (!(proto_len == 0 || (proto_len == 3 && memcmp(rule, "tcp", 3) == 0)))
        return bad(message, message_len, "hostfwd=%s: protocol '%.*s' is not tcp or udp",
                   f->text, (int)proto_len, rule);
    const char *host = colon + 1;
    const char *dash = memchr(host, '-', (size_t)(end - host));
    if (!dash)
        return bad(message, message_len, "hostfwd=%s: no '-' between the host and the guest "
                   "side", f->text);
    const char *host_colon = memchr(host, ':', (size_t)(dash - host));
    if (!host_colon)
        return bad(message, message_len, "hostfwd=%s: the host side needs "
                   "[address]:port", f->text);
    if (!parse_addr(host, (size_t)(host_colon - host), 0, &f->host_addr))
        return bad(message, message_len, "hostfwd=%s: bad host address '%.*s'", f->text,
                   (int)(host_colon - host), host);
    if (!parse_port(host_colon + 1, (size_t)(dash - host_colon - 1), &f->host_port))
        return bad(message, message_len, "hostfwd=%s: bad host port '%.*s' (1-65535)", f->text,
                   (int)(dash - host_colon - 1), host_colon + 1);
    const char *guest = dash + 1;
    const char *guest_colon = memchr(guest, ':', (size_t)(end - guest));
    if (!guest_colon)
        return bad(message, message_len, "hostfwd=%s: the guest side needs "
                   "[address]:port", f->text);
    if (!parse_addr(guest, (size_t)(guest_colon - guest), NET_USER_GUEST_ADDR, &f->guest_addr))
        return bad(message, message_len, "hostfwd=%s: bad guest address '%.*s'", f->text,
                   (int)(guest_colon - guest), guest);
    if (!parse_port(guest_colon + 1, (size_t)(end - guest_colon - 1), &f->guest_port))
        return bad(message, message_len, "hostfwd=%s: bad guest port '%.*s' (1-65535)", f->text,
                   (int)(end - guest_colon - 1), guest_colon + 1);
    return 0;
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int parse_mac(const char *s, size_t len, uint8_t mac[6], char *message, size_t message_len)
{
    if (len != 17)
        return bad(message, message_len, "mac=%.*s: expected six hex bytes like "
                   "52:54:00:12:34:56", (int)len, s);
    for (int i = 0; i < 6; i++) {
        int hi = hex_digit(s[3 * i]), lo = hex_digit(s[3 * i + 1]);
        if (hi < 0 || lo < 0 || (i < 5 && s[3 * i + 2] != ':'))
            return bad(message, message_len, "mac=%.*s: expected six hex bytes like "
                       "52:54:00:12:34:56", (int)len, s);
        mac[i] = (uint8_t)(hi << 4 | lo);
    }
    if (mac[0] & 1)
        return bad(message, message_len, "mac=%.*s: a multicast address (lowest bit of the "
                   "first byte set)", (int)len, s);
    return 0;
}

int net_config_parse(const char *text, unsigned index, struct net_config *cfg, char *message,
                     size_t message_len)
{
    memset(cfg, 0, sizeof *cfg);
    static const uint8_t default_mac[6] = NET_DEFAULT_MAC;
    memcpy(cfg->mac, default_mac, 6);
    cfg->mac[5] = (uint8_t)(cfg->mac[5] + index);

    const char *p = text;
    size_t first = strcspn(p, ",");
    if (first == 4 && memcmp(p, "user", 4) == 0) {
        cfg->backend = NET_BACKEND_USER;
    } else if (first > 4 && memcmp(p, "tap=", 4) == 0) {
        cfg->backend = NET_BACKEND_TAP;
        if (first - 4 > NET_TAP_NAME_MAX)
            return bad(message, message_len, "tap=%.*s: interface names have at most %d "
                       "characters", (int)(first - 4), p + 4, NET_TAP_NAME_MAX);
        memcpy(cfg->tap_name, p + 4, first - 4);
    } else {
        return bad(message, message_len, "unknown network backend '%.*s' (expected user or "
                   "tap=NAME)", (int)first, p);
    }
    p += first;
    while (*p == ',') {
        p++;
        size_t len = strcspn(p, ",");
        if (len > 8 && memcmp(p, "hostfwd=", 8) == 0) {
            if (cfg->backend != NET_BACKEND_USER)
                return bad(message, message_len, "hostfwd is for the user backend; a TAP "
                           "device is reached directly");
            if (cfg->hostfwd_count == NET_MAX_HOSTFWD)
                return bad(message, message_len, "more than %d hostfwd rules", NET_MAX_HOSTFWD);
            if (parse_hostfwd(p + 8, len - 8, &cfg->hostfwd[cfg->hostfwd_count], message,
                              message_len) < 0)
                return -1;
            cfg->hostfwd_count++;
        } else if (len > 4 && memcmp(p, "mac=", 4) == 0) {
            if (parse_mac(p + 4, len - 4, cfg->mac, message, message_len) < 0)
                return -1;
        } else {
            return bad(message, message_len, "unknown option '%.*s' (expected hostfwd=RULE or "
                       "mac=MAC)", (int)len, p);
        }
        p += len;
    }
    return 0;
}

const char *net_format_mac(const uint8_t mac[6], char *buf)
{
    snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
             mac[5]);
    return buf;
}
