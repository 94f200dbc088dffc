/*
 * The GDB stub's pure part (src/debug/): packet framing and checksums,
 * hex, --gdb addresses, and the commands on a fake two-vCPU machine with
 * 4 KiB of memory at 0x1000.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "debug/gdb_address.h"
#include "debug/gdb_packet.h"
#include "debug/gdb_session.h"

#define MEM_BASE 0x1000u
#define MEM_SIZE 0x1000u

static uint8_t memory[MEM_SIZE];
static struct gdb_x86_regs regs[2];

static unsigned cpu_count(void *ctx)
{
    (void)ctx;
    return 2;
}

static int get_regs(void *ctx, unsigned cpu, struct gdb_x86_regs *r)
{
    (void)ctx;
    *r = regs[cpu];
    return 0;
}

static int set_regs(void *ctx, unsigned cpu, const struct gdb_x86_regs *r)
{
    (void)ctx;
    regs[cpu] = *r;
    return 0;
}

static size_t span(uint64_t addr, size_t len)
{
    if (addr < MEM_BASE || addr - MEM_BASE >= MEM_SIZE)
        return 0;
    size_t room = MEM_SIZE - (size_t)(addr - MEM_BASE);
    return len < room ? len : room;
}

static size_t read_memory(void *ctx, unsigned cpu, uint64_t addr, uint8_t *buf, size_t len)
{
    (void)ctx;
    (void)cpu;
    size_t n = span(addr, len);
    if (n)
        memcpy(buf, memory + (addr - MEM_BASE), n);
    return n;
}

static size_t write_memory(void *ctx, unsigned cpu, uint64_t addr, const uint8_t *buf,
                           size_t len)
{
    (void)ctx;
    (void)cpu;
    size_t n = span(addr, len);
    if (n)
        memcpy(memory + (addr - MEM_BASE), buf, n);
    return n;
}

static const struct gdb_target_ops ops = { cpu_count, get_regs, set_regs, read_memory,
                                           write_memory };
static struct gdb_session session;
static char reply[GDB_REPLY_MAX];
static struct gdb_resume resume;

static int setup(void **state)
{
    (void)state;
    memset(memory, 0x90, sizeof memory);
    memset(regs, 0, sizeof regs);
    gdb_session_init(&session, &ops, NULL);
    return 0;
}

static enum gdb_command_result cmd(const char *packet)
{
    return gdb_session_handle(&session, packet, strlen(packet), reply, &resume);
}

/* ---- framing ---- */

static enum gdb_rx_event feed(struct gdb_rx *rx, const char *bytes)
{
    enum gdb_rx_event last = GDB_RX_NONE;
    for (const char *p = bytes; *p; p++) {
        enum gdb_rx_event ev = gdb_rx_byte(rx, (uint8_t)*p);
        if (ev != GDB_RX_NONE)
            last = ev;
    }
    return last;
}

static void test_framing(void **state)
{
    (void)state;
    struct gdb_rx rx;
    gdb_rx_init(&rx);
    /* "g" sums to 0x67 */
    assert_int_equal(feed(&rx, "$g#67"), GDB_RX_PACKET);
    assert_string_equal(rx.buf, "g");
    assert_int_equal(feed(&rx, "$g#68"), GDB_RX_BAD_CHECKSUM);
    assert_int_equal(feed(&rx, "$g#x7"), GDB_RX_BAD_CHECKSUM);
    assert_int_equal(gdb_rx_byte(&rx, 0x03), GDB_RX_INTERRUPT);
    assert_int_equal(gdb_rx_byte(&rx, '+'), GDB_RX_ACK);
    assert_int_equal(gdb_rx_byte(&rx, '-'), GDB_RX_NACK);
    /* a '$' inside a packet starts over */
    assert_int_equal(feed(&rx, "$xx$g#67"), GDB_RX_PACKET);
    assert_string_equal(rx.buf, "g");
    /* longer than GDB_PACKET_MAX: reported once it ends, nothing kept */
    static char big[GDB_PACKET_MAX + 64];
    memset(big, 'a', sizeof big - 1);
    big[0] = '$';
    big[sizeof big - 1] = '\0';
    unsigned sum = 0;
    for (size_t i = 1; i < sizeof big - 1; i++)
        sum += 'a';
    char tail[8];
    snprintf(tail, sizeof tail, "#%02x", sum & 0xFF);
    assert_int_equal(feed(&rx, big), GDB_RX_NONE);
    assert_int_equal(feed(&rx, tail), GDB_RX_OVERSIZED);
}

static void test_frame_escapes(void **state)
{
    (void)state;
    char out[32];
    size_t n = gdb_frame("a#b}", 4, out, sizeof out);
    out[n] = '\0';
    /* '#' and '}' go as '}' and the byte xor 0x20; the checksum covers
     * what is sent */
    unsigned sum = 'a' + '}' + ('#' ^ 0x20) + 'b' + '}' + ('}' ^ 0x20);
    char want[32];
    snprintf(want, sizeof want, "$a}%cb}%c#%02x", '#' ^ 0x20, '}' ^ 0x20, sum & 0xFF);
    assert_string_equal(out, want);
    assert_int_equal(gdb_frame("abcdef", 6, out, 8), 0); /* does not fit */
}

static void test_hex(void **state)
{
    (void)state;
    const char *p = "1f,";
    uint64_t v;
    assert_true(gdb_parse_hex(&p, &v));
    assert_int_equal(v, 0x1f);
    assert_string_equal(p, ",");
    p = "ffffffffffffffff";
    assert_true(gdb_parse_hex(&p, &v));
    assert_true(v == UINT64_MAX);
    p = "10000000000000000"; /* 17 digits */
    assert_false(gdb_parse_hex(&p, &v));
    p = "";
    assert_false(gdb_parse_hex(&p, &v));
    uint8_t b[2];
    assert_true(gdb_hex_decode("a5F0", 4, b, 2));
    assert_int_equal(b[0], 0xa5);
    assert_int_equal(b[1], 0xf0);
    assert_false(gdb_hex_decode("a5F", 3, b, 2));
    assert_false(gdb_hex_decode("a5Fg", 4, b, 2));
}

static void test_address(void **state)
{
    (void)state;
    char host[64];
    uint16_t port;
    assert_true(gdb_parse_address("tcp::1234", host, sizeof host, &port));
    assert_string_equal(host, "127.0.0.1");
    assert_int_equal(port, 1234);
    assert_true(gdb_parse_address("tcp:0.0.0.0:9", host, sizeof host, &port));
    assert_string_equal(host, "0.0.0.0");
    assert_int_equal(port, 9);
    assert_true(gdb_parse_address("4321", host, sizeof host, &port));
    assert_int_equal(port, 4321);
    assert_false(gdb_parse_address("tcp::", host, sizeof host, &port));
    assert_false(gdb_parse_address("tcp::0", host, sizeof host, &port));
    assert_false(gdb_parse_address("tcp::65536", host, sizeof host, &port));
    assert_false(gdb_parse_address("tcp::12a", host, sizeof host, &port));
    assert_false(gdb_parse_address("tcp:a-very-long-host-name:1", host, 8, &port));
}

/* ---- commands ---- */

static void test_registers(void **state)
{
    (void)state;
    regs[0].gpr[0] = 0x1122334455667788ull; /* rax */
    regs[0].rip = 0x100000;
    regs[1].rip = 0xfff0;
    assert_int_equal(cmd("g"), GDB_CMD_REPLY);
    assert_int_equal(strlen(reply), 2 * gdb_x86_regs_size());
    assert_memory_equal(reply, "8877665544332211", 16);
    assert_int_equal(cmd("p10"), GDB_CMD_REPLY); /* rip */
    assert_string_equal(reply, "0000100000000000");
    assert_int_equal(cmd("P10=0010100000000000"), GDB_CMD_REPLY);
    assert_string_equal(reply, "OK");
    assert_true(regs[0].rip == 0x101000);
    /* Hg2 selects vCPU 1 */
    cmd("Hg2");
    assert_string_equal(reply, "OK");
    cmd("p10");
    assert_string_equal(reply, "f0ff000000000000");
    /* cr3 is register 61 (0x3d) */
    regs[1].cr3 = 0x1000;
    cmd("p3d");
    assert_string_equal(reply, "0010000000000000");
    /* bad numbers and lengths */
    cmd("p41");
    assert_string_equal(reply, "E16");
    cmd("P10=00");
    assert_string_equal(reply, "E16");
    cmd("Hg3");
    assert_string_equal(reply, "E16");
    cmd("gx");
    assert_string_equal(reply, "E16");
}

static void test_memory(void **state)
{
    (void)state;
    assert_int_equal(cmd("M1000,4:deadbeef"), GDB_CMD_REPLY);
    assert_string_equal(reply, "OK");
    cmd("m1000,4");
    assert_string_equal(reply, "deadbeef");
    /* partly outside: what there is; wholly outside: an error */
    cmd("m1ffe,4");
    assert_string_equal(reply, "9090");
    cmd("m0,4");
    assert_string_equal(reply, "E0e");
    cmd("M1000,4:dead");
    assert_string_equal(reply, "E16");
    cmd("M1000,2:zzzz");
    assert_string_equal(reply, "E16");
    cmd("m1000");
    assert_string_equal(reply, "E16");
    /* X (binary) is not offered: an empty reply makes GDB use M */
    cmd("X1000,0:");
    assert_string_equal(reply, "");
}

static void test_software_breakpoints(void **state)
{
    (void)state;
    memory[0x10] = 0x55;
    assert_int_equal(cmd("Z0,1010,1"), GDB_CMD_REPLY);
    assert_string_equal(reply, "OK");
    assert_int_equal(memory[0x10], 0xCC);
    assert_true(gdb_session_owns_breakpoint(&session, 0x1010));
    assert_false(gdb_session_owns_breakpoint(&session, 0x1011));
    /* reads see the byte underneath */
    cmd("m100f,3");
    assert_string_equal(reply, "905590");
    /* a write over it changes the byte underneath, the INT3 stays */
    cmd("M1010,1:56");
    assert_int_equal(memory[0x10], 0xCC);
    assert_int_equal(cmd("z0,1010,1"), GDB_CMD_REPLY);
    assert_string_equal(reply, "OK");
    assert_int_equal(memory[0x10], 0x56);
    /* outside memory */
    cmd("Z0,9000,1");
    assert_string_equal(reply, "E0e");
    /* all taken out at detach */
    cmd("Z0,1020,1");
    assert_int_equal(cmd("D"), GDB_CMD_DETACH);
    gdb_session_remove_all(&session);
    assert_int_equal(memory[0x20], 0x90);
}

static void test_hardware_breakpoints(void **state)
{
    (void)state;
    uint64_t dr[4], dr7;
    assert_false(gdb_session_debug_registers(&session, dr, &dr7));
    cmd("Z1,1234,1");
    assert_string_equal(reply, "OK");
    cmd("Z2,2000,8");
    cmd("Z4,3004,4");
    cmd("Z3,4002,2");
    cmd("Z2,5000,4"); /* a fifth: no room */
    assert_string_equal(reply, "E1c");
    cmd("Z2,5001,4"); /* misaligned */
    assert_string_equal(reply, "E16");
    assert_true(gdb_session_debug_registers(&session, dr, &dr7));
    assert_true(dr[0] == 0x1234 && dr[1] == 0x2000 && dr[2] == 0x3004 && dr[3] == 0x4002);
    /* G0..G3, then R/W and LEN per slot: exec/1, write/8 (01,10),
     * access/4 (11,11), read->access/2 (11,01) */
    uint64_t want = 0xAA | (0x0ull << 16) | (0x9ull << 20) | (0xFull << 24) | (0x7ull << 28);
    assert_true(dr7 == want);
    /* a stop on DR1 is a write watchpoint */
    const char *r = gdb_session_stopped(&session, 0, GDB_STOP_DEBUG, 1, 0x2);
    assert_string_equal(r, "T05thread:1;watch:2000;");
    r = gdb_session_stopped(&session, 1, GDB_STOP_DEBUG, 1, 0x4);
    assert_string_equal(r, "T05thread:2;awatch:3004;");
    cmd("z2,2000,8");
    assert_true(gdb_session_debug_registers(&session, dr, &dr7));
    assert_true((dr7 & 0xC) == 0);
}

static void test_resume(void **state)
{
    (void)state;
    assert_int_equal(cmd("c"), GDB_CMD_RESUME);
    assert_int_equal(resume.step_cpu, -1);
    assert_int_equal(cmd("s"), GDB_CMD_RESUME);
    assert_int_equal(resume.step_cpu, 0);
    assert_int_equal(cmd("vCont;s:2;c"), GDB_CMD_RESUME);
    assert_int_equal(resume.step_cpu, 1);
    assert_int_equal(cmd("vCont;c"), GDB_CMD_RESUME);
    assert_int_equal(resume.step_cpu, -1);
    assert_int_equal(cmd("vCont;S05:1"), GDB_CMD_RESUME);
    assert_int_equal(resume.step_cpu, 0);
    /* continue at an address sets RIP first */
    assert_int_equal(cmd("c1234"), GDB_CMD_RESUME);
    assert_true(regs[0].rip == 0x1234);
    assert_int_equal(cmd("vCont;x"), GDB_CMD_REPLY);
    assert_string_equal(reply, "E16");
    assert_int_equal(cmd("vCont;s:3"), GDB_CMD_REPLY);
    assert_string_equal(reply, "E16");
    assert_int_equal(cmd("vCont;"), GDB_CMD_REPLY);
    assert_int_equal(cmd("k"), GDB_CMD_KILL);
    cmd("vCont?");
    assert_string_equal(reply, "vCont;c;C;s;S");
}

static void test_queries(void **state)
{
    (void)state;
    cmd("qSupported:multiprocess+;swbreak+;hwbreak+");
    assert_non_null(strstr(reply, "qXfer:features:read+"));
    assert_non_null(strstr(reply, "swbreak+"));
    cmd("qfThreadInfo");
    assert_string_equal(reply, "m1,2");
    cmd("qsThreadInfo");
    assert_string_equal(reply, "l");
    cmd("T2");
    assert_string_equal(reply, "OK");
    cmd("T3");
    assert_string_equal(reply, "E16");
    cmd("qThreadExtraInfo,2");
    assert_string_equal(reply, "764350552031"); /* "vCPU 1" in hex */
    /* the target description, in pieces */
    cmd("qXfer:features:read:target.xml:0,20");
    assert_int_equal(reply[0], 'm');
    assert_int_equal(strlen(reply), 1 + 0x20);
    const char *xml = gdb_x86_target_xml();
    char offset[64];
    snprintf(offset, sizeof offset, "qXfer:features:read:target.xml:%zx,1000", strlen(xml) - 5);
    cmd(offset);
    assert_int_equal(reply[0], 'l');
    assert_string_equal(reply + 1, xml + strlen(xml) - 5);
    cmd("qXfer:features:read:other.xml:0,10");
    assert_string_equal(reply, "E00");
    assert_non_null(strstr(xml, "<reg name=\"cr3\""));
    assert_non_null(strstr(xml, "org.gnu.gdb.i386.core"));
    /* swbreak only when GDB said it takes it */
    assert_string_equal(gdb_session_stopped(&session, 0, GDB_STOP_DEBUG, 3, 0),
                        "T05thread:1;swbreak:;");
    assert_string_equal(gdb_session_stopped(&session, 0, GDB_STOP_INTERRUPT, 0, 0),
                        "T02thread:1;");
    cmd("?");
    assert_string_equal(reply, "T02thread:1;");
    cmd("qUnknown");
    assert_string_equal(reply, "");
    /* a NUL inside the packet */
    assert_int_equal(gdb_session_handle(&session, "g\0x", 3, reply, &resume), GDB_CMD_REPLY);
    assert_string_equal(reply, "E16");
}

static void test_register_layout(void **state)
{
    (void)state;
    /* 16 GPRs, rip, eflags, 6 selectors, 8 x87, 8 x87 control, 16 xmm,
     * mxcsr, fs_base, gs_base, 6 system registers */
    assert_int_equal(gdb_x86_regs_size(),
                     16 * 8 + 8 + 4 + 6 * 4 + 8 * 10 + 8 * 4 + 16 * 16 + 4 + 2 * 8 + 6 * 8);
    assert_int_equal(gdb_x86_reg_size(GDB_X86_REG_COUNT), 0);
    unsigned n = 0;
    for (const char *p = gdb_x86_target_xml(); (p = strstr(p, "<reg ")); p++)
        n++;
    assert_int_equal(n, GDB_X86_REG_COUNT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_framing),
        cmocka_unit_test(test_frame_escapes),
        cmocka_unit_test(test_hex),
        cmocka_unit_test(test_address),
        cmocka_unit_test_setup(test_registers, setup),
        cmocka_unit_test_setup(test_memory, setup),
        cmocka_unit_test_setup(test_software_breakpoints, setup),
        cmocka_unit_test_setup(test_hardware_breakpoints, setup),
        cmocka_unit_test_setup(test_resume, setup),
        cmocka_unit_test_setup(test_queries, setup),
        cmocka_unit_test(test_register_layout),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
