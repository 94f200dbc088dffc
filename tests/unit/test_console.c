#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pty.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "host/console.h"

#define CA "\x01"

struct fed {
    uint8_t out[256];
    size_t out_len;
    enum console_command cmds[8];
    size_t ncmds;
};

/* Feeds one chunk the way a console loop does: call again after each
 * command with what is left, collecting guest bytes and commands. */
static void feed_chunk(struct console_escape *esc, const char *chunk, struct fed *r)
{
    const uint8_t *in = (const uint8_t *)chunk;
    size_t n = strlen(chunk), done = 0;
    while (done < n) {
        uint8_t out[64];
        size_t len = 99;
        enum console_command cmd;
        assert_true(n - done + 1 <= sizeof out);
        size_t used = console_escape_feed(esc, in + done, n - done, out, &len, &cmd);
        assert_true(used >= 1 && used <= n - done);
        assert_true(len <= n - done + 1);
        memcpy(r->out + r->out_len, out, len);
        r->out_len += len;
        done += used;
        if (cmd != CONSOLE_CMD_NONE)
            r->cmds[r->ncmds++] = cmd;
    }
}

/* The same input as one chunk and split at every possible point must give
 * the same guest bytes and commands. */
static void check_input(const char *input, const char *want_out, size_t want_len,
                        const enum console_command *want_cmds, size_t want_ncmds)
{
    size_t n = strlen(input);
    for (size_t split = 0; split <= n; split++) {
        char a[64], b[64];
        memcpy(a, input, split);
        a[split] = '\0';
        strcpy(b, input + split);
        struct console_escape esc;
        console_escape_init(&esc);
        struct fed r = { .out_len = 0 };
        feed_chunk(&esc, a, &r);
        feed_chunk(&esc, b, &r);
        assert_int_equal(r.out_len, want_len);
        assert_memory_equal(r.out, want_out, want_len);
        assert_int_equal(r.ncmds, want_ncmds);
        for (size_t i = 0; i < want_ncmds; i++)
            assert_int_equal(r.cmds[i], want_cmds[i]);
    }
}

static void test_plain_bytes_pass_through(void **state)
{
    (void)state;
    check_input("hello\r\x03\x1a", "hello\r\x03\x1a", 8, NULL, 0);
}

static void test_commands(void **state)
{
    (void)state;
    const enum console_command quit[] = { CONSOLE_CMD_QUIT };
    const enum console_command shot[] = { CONSOLE_CMD_SCREENSHOT };
    const enum console_command help[] = { CONSOLE_CMD_HELP, CONSOLE_CMD_HELP };
    check_input(CA "x", "", 0, quit, 1);
    check_input(CA "s", "", 0, shot, 1);
    check_input(CA "h" CA "?", "", 0, help, 2);
}

static void test_literal_and_unknown_escapes(void **state)
{
    (void)state;
    check_input(CA CA, CA, 1, NULL, 0);
    check_input(CA "q", CA "q", 2, NULL, 0);
    check_input(CA "X", CA "X", 2, NULL, 0); /* commands are lower case */
    check_input(CA CA CA "x", CA, 1, (const enum console_command[]){ CONSOLE_CMD_QUIT }, 1);
    check_input(CA CA "x", CA "x", 2, NULL, 0);
    check_input("a" CA "\r" "b", "a" CA "\rb", 4, NULL, 0);
}

static void test_command_mid_buffer(void **state)
{
    (void)state;
    struct console_escape esc;
    console_escape_init(&esc);
    const uint8_t in[] = "ab" CA "scd" CA "x";
    uint8_t out[sizeof in + 1];
    size_t len;
    enum console_command cmd;

    size_t used = console_escape_feed(&esc, in, 8, out, &len, &cmd);
    assert_int_equal(used, 4); /* stops right after the command key */
    assert_int_equal(cmd, CONSOLE_CMD_SCREENSHOT);
    assert_int_equal(len, 2);
    assert_memory_equal(out, "ab", 2);

    used = console_escape_feed(&esc, in + 4, 4, out, &len, &cmd);
    assert_int_equal(used, 4);
    assert_int_equal(cmd, CONSOLE_CMD_QUIT);
    assert_int_equal(len, 2);
    assert_memory_equal(out, "cd", 2);
    assert_false(console_escape_pending(&esc));

    /* A trailing Ctrl-A waits for its partner. */
    used = console_escape_feed(&esc, (const uint8_t *)"z" CA, 2, out, &len, &cmd);
    assert_int_equal(used, 2);
    assert_int_equal(cmd, CONSOLE_CMD_NONE);
    assert_int_equal(len, 1);
    assert_true(console_escape_pending(&esc));
    /* The held Ctrl-A comes out with the next key: n + 1 bytes. */
    used = console_escape_feed(&esc, (const uint8_t *)"k", 1, out, &len, &cmd);
    assert_int_equal(used, 1);
    assert_int_equal(len, 2);
    assert_memory_equal(out, CA "k", 2);

    /* Nothing in, nothing out. */
    used = console_escape_feed(&esc, in, 0, out, &len, &cmd);
    assert_int_equal(used, 0);
    assert_int_equal(len, 0);
    assert_int_equal(cmd, CONSOLE_CMD_NONE);
}

static void test_help_text(void **state)
{
    (void)state;
    const char *help = console_help_text();
    assert_non_null(strstr(help, "Ctrl-A x"));
    assert_non_null(strstr(help, "Ctrl-A s"));
    assert_non_null(strstr(help, "Ctrl-A h"));
    assert_non_null(strstr(help, "Ctrl-A Ctrl-A"));
    assert_int_equal(help[strlen(help) - 1], '\n');
}

static void assert_same_termios(const struct termios *a, const struct termios *b)
{
    assert_int_equal(a->c_iflag, b->c_iflag);
    assert_int_equal(a->c_oflag, b->c_oflag);
    assert_int_equal(a->c_cflag, b->c_cflag);
    assert_int_equal(a->c_lflag, b->c_lflag);
    assert_memory_equal(a->c_cc, b->c_cc, sizeof a->c_cc);
}

static void test_raw_mode_on_pty(void **state)
{
    (void)state;
    int master, slave;
    assert_int_equal(openpty(&master, &slave, NULL, NULL, NULL), 0);
    struct termios before, during, after;
    assert_int_equal(tcgetattr(slave, &before), 0);
    /* A fresh pty is in cooked mode, so the test means something. */
    assert_true(before.c_lflag & ECHO);
    assert_true(before.c_lflag & ICANON);
    assert_true(before.c_lflag & ISIG);

    struct wisp_error err = { 0 };
    assert_false(console_is_raw());
    assert_int_equal(console_enter_raw(slave, &err), 1);
    assert_true(console_is_raw());
    assert_int_equal(tcgetattr(slave, &during), 0);
    assert_false(during.c_lflag & (ECHO | ICANON | ISIG | IEXTEN));
    assert_false(during.c_iflag & (ICRNL | IXON | ISTRIP));
    assert_int_equal(during.c_cflag & CSIZE, CS8);
    assert_int_equal(during.c_oflag, before.c_oflag); /* output processing kept */
    assert_true(during.c_oflag & OPOST);
    assert_int_equal(during.c_cc[VMIN], 1);
    assert_int_equal(during.c_cc[VTIME], 0);

    /* Entering again is harmless and does not overwrite the saved state;
     * a second terminal is refused. */
    assert_int_equal(console_enter_raw(slave, &err), 1);
    assert_int_equal(console_enter_raw(master, &err), -1);
    assert_int_equal(err.status, WISP_EXIT_HOST_ERROR);

    /* Bytes typed on the terminal arrive one by one, unechoed, with ^C
     * as data and CR left alone. */
    assert_int_equal(write(master, "\x03\r", 2), 2);
    char got[4] = { 0 };
    assert_int_equal(read(slave, got, sizeof got), 2);
    assert_memory_equal(got, "\x03\r", 2);

    console_restore();
    assert_false(console_is_raw());
    assert_int_equal(tcgetattr(slave, &after), 0);
    assert_same_termios(&before, &after);

    /* Restoring again changes nothing, even after someone else changed
     * the terminal. */
    struct termios other = after;
    other.c_lflag &= (tcflag_t)~ECHO;
    assert_int_equal(tcsetattr(slave, TCSANOW, &other), 0);
    console_restore();
    console_restore();
    assert_int_equal(tcgetattr(slave, &after), 0);
    assert_false(after.c_lflag & ECHO);

    /* And a second round trip works. */
    assert_int_equal(tcsetattr(slave, TCSANOW, &before), 0);
    assert_int_equal(console_enter_raw(slave, NULL), 1);
    console_restore();
    assert_int_equal(tcgetattr(slave, &after), 0);
    assert_same_termios(&before, &after);

    close(master);
    close(slave);
}

static void test_not_a_terminal(void **state)
{
    (void)state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    struct wisp_error err = { 0 };
    assert_int_equal(console_enter_raw(fds[0], &err), 0);
    assert_int_equal(err.status, 0);
    assert_false(console_is_raw());
    console_restore();
    close(fds[0]);
    close(fds[1]);

    assert_int_equal(console_enter_raw(-1, &err), -1);
    assert_int_equal(err.status, WISP_EXIT_HOST_ERROR);
    assert_non_null(strstr(err.message, "fd -1"));
    assert_false(console_is_raw());
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_bytes_pass_through),
        cmocka_unit_test(test_commands),
        cmocka_unit_test(test_literal_and_unknown_escapes),
        cmocka_unit_test(test_command_mid_buffer),
        cmocka_unit_test(test_help_text),
        cmocka_unit_test(test_raw_mode_on_pty),
        cmocka_unit_test(test_not_a_terminal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
