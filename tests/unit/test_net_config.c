/*
 * --net parsing: the two backends, hostfwd rules in QEMU's spelling with
 * their defaults, MAC addresses and the stable default, and a one-line
 * reason for each malformed argument.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "net/net_config.h"

static struct net_config cfg;
static char msg[256];

static void test_user_with_defaults(void **state)
{
    (void)state;
    assert_int_equal(net_config_parse("user", 0, &cfg, msg, sizeof msg), 0);
    assert_int_equal(cfg.backend, NET_BACKEND_USER);
    assert_int_equal(cfg.hostfwd_count, 0);
    char mac[18];
    assert_string_equal(net_format_mac(cfg.mac, mac), "52:54:00:12:34:56");
    /* The second card's default differs, the same on every run. */
    assert_int_equal(net_config_parse("user", 1, &cfg, msg, sizeof msg), 0);
    assert_string_equal(net_format_mac(cfg.mac, mac), "52:54:00:12:34:57");
}

static void test_hostfwd_rules(void **state)
{
    (void)state;
    assert_int_equal(net_config_parse("user,hostfwd=tcp:127.0.0.1:8080-:80,"
                                      "hostfwd=udp::5353-10.0.2.20:53,hostfwd=::2222-:22",
                                      0, &cfg, msg, sizeof msg), 0);
    assert_int_equal(cfg.hostfwd_count, 3);
    const struct net_hostfwd *f = cfg.hostfwd;
    assert_false(f[0].udp);
    assert_int_equal(f[0].host_addr, 0x7F000001u);
    assert_int_equal(f[0].host_port, 8080);
    assert_int_equal(f[0].guest_addr, NET_USER_GUEST_ADDR);
    assert_int_equal(f[0].guest_port, 80);
    assert_true(f[1].udp);
    assert_int_equal(f[1].host_addr, 0); /* all the host's addresses */
    assert_int_equal(f[1].guest_addr, 0x0A000214u);
    assert_int_equal(f[1].guest_port, 53);
    assert_false(f[2].udp);
    assert_int_equal(f[2].host_port, 2222);
    assert_string_equal(f[0].text, "tcp:127.0.0.1:8080-:80");
}

static void test_tap_and_mac(void **state)
{
    (void)state;
    assert_int_equal(net_config_parse("tap=tap0,mac=02:AB:cd:00:00:01", 0, &cfg, msg, sizeof msg), 0);
    assert_int_equal(cfg.backend, NET_BACKEND_TAP);
    assert_string_equal(cfg.tap_name, "tap0");
    static const uint8_t want[6] = { 0x02, 0xAB, 0xCD, 0, 0, 1 };
    assert_memory_equal(cfg.mac, want, 6);
}

static void bad(const char *text, const char *fragment)
{
    assert_int_equal(net_config_parse(text, 0, &cfg, msg, sizeof msg), -1);
    if (!strstr(msg, fragment))
        fail_msg("'%s': message '%s' lacks '%s'", text, msg, fragment);
    assert_null(strchr(msg, '\n'));
}

static void test_malformed(void **state)
{
    (void)state;
    bad("slirp", "unknown network backend 'slirp'");
    bad("", "unknown network backend ''");
    bad("tap=", "unknown network backend");
    bad("tap=averyveryverylongname", "at most 15");
    bad("user,hostfwd=tcp:127.0.0.1:8080", "no '-'");
    bad("user,hostfwd=sctp::80-:80", "protocol 'sctp'");
    bad("user,hostfwd=tcp:1.2.3:80-:80", "bad host address '1.2.3'");
    bad("user,hostfwd=tcp:256.0.0.1:80-:80", "bad host address");
    bad("user,hostfwd=tcp::0-:80", "bad host port '0'");
    bad("user,hostfwd=tcp::65536-:80", "bad host port '65536'");
    bad("user,hostfwd=tcp::80-:", "bad guest port ''");
    bad("user,hostfwd=tcp::80-80", "guest side needs");
    bad("user,hostfwd=tcp:80-:80", "host side needs");
    bad("user,hostfwd=tcp::8x-:80", "bad host port '8x'");
    bad("user,hostfwd=tcp::80-10.0.2.x:80", "bad guest address");
    bad("user,mac=01:00:5e:00:00:01", "multicast");
    bad("user,mac=52:54:00:12:34", "six hex bytes");
    bad("user,mac=52-54-00-12-34-56", "six hex bytes");
    bad("user,speed=fast", "unknown option 'speed=fast'");
    bad("user,", "unknown option ''");
    bad("tap=tap0,hostfwd=tcp::80-:80", "for the user backend");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_user_with_defaults),
        cmocka_unit_test(test_hostfwd_rules),
        cmocka_unit_test(test_tap_and_mac),
        cmocka_unit_test(test_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
