/*
 * libFuzzer target: the console's Ctrl-A escape-key parser, fed the input
 * in pieces of any size (as reads from a terminal arrive). Checks it
 * against a byte-at-a-time model of the keys: the same bytes reach the
 * guest, the same commands in the same order, the output never exceeds
 * its documented room, every call makes progress.
 */
#include <string.h>

#include "fuzz_input.h"
#include "host/console.h"

#define CAP 4096

static uint8_t want_out[2 * CAP], got_out[2 * CAP];
static enum console_command want_cmd[CAP], got_cmd[CAP];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t step = data[0];
    data++;
    size--;
    if (size > CAP)
        size = CAP;

    /* The model. */
    size_t want_len = 0, want_cmds = 0;
    bool pending = false;
    for (size_t i = 0; i < size; i++) {
        uint8_t c = data[i];
        if (!pending) {
            if (c == CONSOLE_ESCAPE_KEY)
                pending = true;
            else
                want_out[want_len++] = c;
            continue;
        }
        pending = false;
        if (c == 'x')
            want_cmd[want_cmds++] = CONSOLE_CMD_QUIT;
        else if (c == 's')
            want_cmd[want_cmds++] = CONSOLE_CMD_SCREENSHOT;
        else if (c == 'h' || c == '?')
            want_cmd[want_cmds++] = CONSOLE_CMD_HELP;
        else if (c == CONSOLE_ESCAPE_KEY)
            want_out[want_len++] = c;
        else {
            want_out[want_len++] = CONSOLE_ESCAPE_KEY;
            want_out[want_len++] = c;
        }
    }

    /* The parser, in pieces of 1 + (step % 17) bytes. */
    struct console_escape esc;
    console_escape_init(&esc);
    size_t got_len = 0, got_cmds = 0, pos = 0;
    size_t piece = 1 + step % 17;
    while (pos < size) {
        size_t n = size - pos < piece ? size - pos : piece;
        size_t done = 0;
        while (done < n) {
            uint8_t out[17 + 1];
            size_t out_len = 99;
            enum console_command cmd;
            size_t used = console_escape_feed(&esc, data + pos + done, n - done, out, &out_len,
                                              &cmd);
            fuzz_check(used >= 1 && used <= n - done, "progress within the input");
            fuzz_check(out_len <= n - done + 1, "output within its room");
            memcpy(got_out + got_len, out, out_len);
            got_len += out_len;
            if (cmd != CONSOLE_CMD_NONE)
                got_cmd[got_cmds++] = cmd;
            done += used;
        }
        pos += n;
    }
    fuzz_check(console_escape_pending(&esc) == pending, "same pending state");
    fuzz_check(got_len == want_len && memcmp(got_out, want_out, want_len) == 0, "same bytes");
    fuzz_check(got_cmds == want_cmds &&
               memcmp(got_cmd, want_cmd, want_cmds * sizeof want_cmd[0]) == 0, "same commands");
    return 0;
}
