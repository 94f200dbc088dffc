/*
 * The Ctrl-A escape keys, the same on every host. The terminal itself (raw
 * mode, input) is in console_posix.c and console_windows.c.
 */
#include "console.h"

/* ---- escape keys ---- */

void console_escape_init(struct console_escape *esc)
{
    esc->pending = false;
}

size_t console_escape_feed(struct console_escape *esc, const uint8_t *in, size_t n,
                           uint8_t *out, size_t *out_len, enum console_command *cmd)
{
    size_t used = 0, produced = 0;
    *cmd = CONSOLE_CMD_NONE;
    while (used < n && *cmd == CONSOLE_CMD_NONE) {
        uint8_t c = in[used++];
        if (!esc->pending) {
            if (c == CONSOLE_ESCAPE_KEY)
                esc->pending = true;
            else
                out[produced++] = c;
            continue;
        }
        esc->pending = false;
        switch (c) {
        case 'x':
            *cmd = CONSOLE_CMD_QUIT;
            break;
        case 's':
            *cmd = CONSOLE_CMD_SCREENSHOT;
            break;
        case 'h':
        case '?':
            *cmd = CONSOLE_CMD_HELP;
            break;
        case CONSOLE_ESCAPE_KEY:
            out[produced++] = CONSOLE_ESCAPE_KEY;
            break;
        default:
            out[produced++] = CONSOLE_ESCAPE_KEY;
            out[produced++] = c;
            break;
        }
    }
    *out_len = produced;
    return used;
}

bool console_escape_pending(const struct console_escape *esc)
{
    return esc->pending;
}

const char *console_help_text(void)
{
    return "wisp console keys:\n"
           "  Ctrl-A x       quit wisp\n"
           "  Ctrl-A s       save a screenshot\n"
           "  Ctrl-A h       print this help\n"
           "  Ctrl-A Ctrl-A  send Ctrl-A to the guest\n";
}
