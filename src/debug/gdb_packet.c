/* GDB packet framing and hex (gdb_packet.h). */
#include "gdb_packet.h"

#include <string.h>

enum { RX_IDLE, RX_PAYLOAD, RX_CHECK_HI, RX_CHECK_LO };

void gdb_rx_init(struct gdb_rx *rx)
{
    memset(rx, 0, sizeof *rx);
    rx->state = RX_IDLE;
}

int gdb_hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

enum gdb_rx_event gdb_rx_byte(struct gdb_rx *rx, uint8_t byte)
{
    switch (rx->state) {
    case RX_IDLE:
        if (byte == '$') {
            rx->state = RX_PAYLOAD;
            rx->len = 0;
            rx->sum = 0;
            rx->overflow = false;
            return GDB_RX_NONE;
        }
        if (byte == 0x03)
            return GDB_RX_INTERRUPT;
        if (byte == '+')
            return GDB_RX_ACK;
        if (byte == '-')
            return GDB_RX_NACK;
        return GDB_RX_NONE; /* noise between packets */
    case RX_PAYLOAD:
        if (byte == '#') {
            rx->state = RX_CHECK_HI;
            return GDB_RX_NONE;
        }
        if (byte == '$') { /* a new packet: the old one was cut short */
            rx->len = 0;
            rx->sum = 0;
            rx->overflow = false;
            return GDB_RX_NONE;
        }
        rx->sum = (uint8_t)(rx->sum + byte);
        if (rx->len < GDB_PACKET_MAX)
            rx->buf[rx->len++] = (char)byte;
        else
            rx->overflow = true;
        return GDB_RX_NONE;
    case RX_CHECK_HI: {
        int d = gdb_hex_digit((char)byte);
        rx->check = (uint8_t)((d < 0 ? 0 : d) << 4);
        rx->state = d < 0 ? RX_IDLE : RX_CHECK_LO;
        return d < 0 ? GDB_RX_BAD_CHECKSUM : GDB_RX_NONE;
    }
    case RX_CHECK_LO: {
        int d = gdb_hex_digit((char)byte);
        rx->state = RX_IDLE;
        if (d < 0 || (uint8_t)(rx->check | d) != rx->sum)
            return GDB_RX_BAD_CHECKSUM;
        if (rx->overflow)
            return GDB_RX_OVERSIZED;
        rx->buf[rx->len] = '\0';
        return GDB_RX_PACKET;
    }
    default:
        rx->state = RX_IDLE;
        return GDB_RX_NONE;
    }
}

size_t gdb_frame(const char *payload, size_t len, char *out, size_t cap)
{
    static const char hex[] = "0123456789abcdef";
    size_t n = 0;
    uint8_t sum = 0;
    if (cap < 4)
        return 0;
    out[n++] = '$';
    for (size_t i = 0; i < len; i++) {
        uint8_t c = (uint8_t)payload[i];
        bool escape = c == '#' || c == '$' || c == '}' || c == '*';
        if (n + (escape ? 2 : 1) + 3 > cap)
            return 0;
        if (escape) {
            out[n++] = '}';
            sum = (uint8_t)(sum + '}');
            c ^= 0x20;
        }
        out[n++] = (char)c;
        sum = (uint8_t)(sum + c);
    }
    out[n++] = '#';
    out[n++] = hex[sum >> 4];
    out[n++] = hex[sum & 15];
    return n;
}

void gdb_hex_encode(const uint8_t *bytes, size_t n, char *out)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hex[bytes[i] >> 4];
        out[2 * i + 1] = hex[bytes[i] & 15];
    }
    out[2 * n] = '\0';
}

bool gdb_hex_decode(const char *hex, size_t hex_len, uint8_t *out, size_t n)
{
    if (hex_len != 2 * n)
        return false;
    for (size_t i = 0; i < n; i++) {
        int hi = gdb_hex_digit(hex[2 * i]), lo = gdb_hex_digit(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

bool gdb_parse_hex(const char **p, uint64_t *out)
{
    const char *s = *p;
    uint64_t v = 0;
    int digits = 0;
    int d;
    while ((d = gdb_hex_digit(*s)) >= 0) {
        if (++digits > 16)
            return false;
        v = v << 4 | (uint64_t)d;
        s++;
    }
    if (!digits)
        return false;
    *p = s;
    *out = v;
    return true;
}
