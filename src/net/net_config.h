/*
 * What --net says: a backend and its options.
 *
 *   user[,hostfwd=RULE]...[,mac=MAC]   libslirp user networking (net_slirp_posix.c)
 *   tap=NAME[,mac=MAC]                 an existing TAP device (net_tap_posix.c)
 *
 * A hostfwd RULE is [tcp|udp]:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT, as
 * QEMU spells it: connections to HOSTADDR:HOSTPORT on the host (default
 * address 0.0.0.0, all of them) are forwarded to GUESTADDR:GUESTPORT in the
 * guest (default address NET_USER_GUEST_ADDR, the address its DHCP hands
 * out). MAC is six hex bytes separated by ':'; a multicast address is
 * refused. The default MAC is NET_DEFAULT_MAC with its last byte plus the
 * card's index (52:54:00:12:34:56, :57, ...), the same on every run.
 *
 * The user network, as libslirp lays it out: 10.0.2.0/24, gateway and host
 * 10.0.2.2 (the host's own loopback answers there), DNS 10.0.2.3, DHCP
 * from 10.0.2.15.
 */
#ifndef WISP_NET_CONFIG_H
#define WISP_NET_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NET_MAX_HOSTFWD 16
#define NET_TAP_NAME_MAX 15 /* IFNAMSIZ - 1 */

#define NET_USER_NETWORK 0x0A000200u   /* 10.0.2.0, host byte order */
#define NET_USER_NETMASK 0xFFFFFF00u
#define NET_USER_HOST 0x0A000202u      /* 10.0.2.2 */
#define NET_USER_DNS 0x0A000203u       /* 10.0.2.3 */
#define NET_USER_GUEST_ADDR 0x0A00020Fu /* 10.0.2.15 */

#define NET_DEFAULT_MAC { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 }

enum net_backend_kind { NET_BACKEND_USER, NET_BACKEND_TAP };

struct net_hostfwd {
    bool udp;
    uint32_t host_addr;   /* host byte order */
    uint16_t host_port;
    uint32_t guest_addr;  /* host byte order */
    uint16_t guest_port;
    char text[64];        /* the rule as given, for messages */
};

struct net_config {
    enum net_backend_kind backend;
    char tap_name[NET_TAP_NAME_MAX + 1];
    uint8_t mac[6];
    struct net_hostfwd hostfwd[NET_MAX_HOSTFWD];
    unsigned hostfwd_count;
};

/* Parses one --net argument for card index (0, 1, ...). Returns 0, or -1
 * with a one-line reason in message (without the "--net TEXT: " prefix). */
int net_config_parse(const char *text, unsigned index, struct net_config *cfg, char *message,
                     size_t message_len);

/* "52:54:00:12:34:56" into buf (at least 18 bytes). */
const char *net_format_mac(const uint8_t mac[6], char *buf);

#endif
