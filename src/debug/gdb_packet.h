/*
 * The GDB remote serial protocol's framing: "$payload#cs" with a two-digit
 * hex checksum (the payload's bytes summed modulo 256), acknowledged with
 * '+' or refused with '-'; a lone 0x03 byte is an interrupt (Ctrl-C).
 * Pure code, no I/O: bytes in, events out (tests/unit/test_gdb_packet.c,
 * tests/fuzz/fuzz_gdb_packet.c). What arrives here comes from a socket and
 * may be anything.
 */
#ifndef WISP_DEBUG_GDB_PACKET_H
#define WISP_DEBUG_GDB_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The largest payload accepted (announced as PacketSize). */
#define GDB_PACKET_MAX 4096

enum gdb_rx_event {
    GDB_RX_NONE,         /* need more bytes */
    GDB_RX_PACKET,       /* a packet with a good checksum: rx->buf, rx->len */
    GDB_RX_BAD_CHECKSUM, /* answer '-': GDB sends it again */
    GDB_RX_OVERSIZED,    /* longer than GDB_PACKET_MAX: answer '+' and an error */
    GDB_RX_INTERRUPT,    /* 0x03 outside a packet */
    GDB_RX_ACK,          /* '+' */
    GDB_RX_NACK,         /* '-': resend the last reply */
};

struct gdb_rx {
    int state;
    char buf[GDB_PACKET_MAX + 1]; /* NUL-terminated payload */
    size_t len;
    bool overflow;
    uint8_t sum;
    uint8_t check;
};

void gdb_rx_init(struct gdb_rx *rx);
enum gdb_rx_event gdb_rx_byte(struct gdb_rx *rx, uint8_t byte);

/* Frames payload as "$...#cs" into out, escaping '#', '$', '}' and '*'
 * ('}' then the byte xor 0x20). Returns the framed length, or 0 if it
 * does not fit in cap. */
size_t gdb_frame(const char *payload, size_t len, char *out, size_t cap);

/* Hex helpers. */
int gdb_hex_digit(char c); /* -1 if c is not one */
void gdb_hex_encode(const uint8_t *bytes, size_t n, char *out); /* 2n chars, NUL */
/* Exactly 2n hex characters to n bytes; false on anything else. */
bool gdb_hex_decode(const char *hex, size_t hex_len, uint8_t *out, size_t n);
/* Parses at least one and at most 16 hex digits at *p, advancing it. */
bool gdb_parse_hex(const char **p, uint64_t *out);

#endif
