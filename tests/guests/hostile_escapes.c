/*
 * hostile_escapes: tries to take over the user's terminal through its
 * output, over COM1 and the print hypercall: retitle the window (OSC 0),
 * write the clipboard (OSC 52), clear the screen and draw a fake wisp line,
 * ask for a cursor-position report (whose answer would come back as
 * input), and the same as 8-bit and UTF-8 C1 controls. On a terminal wisp
 * must show all of it as text (^[ ...); into a pipe it passes it unchanged.
 * Prints "PASS: hostile_escapes" and exits 0: what counts is what the
 * terminal received.
 */
#include "wisp_lib.h"

static const char attack[] =
    "esc-title:\x1b]0;wisp-owned\x07|"
    "esc-clip:\x1b]52;c;aGFja2Vk\x1b\\|"
    "esc-clear:\x1b[2J\x1b[H\x1b[1A\x1b[2Kwisp: fake message|"
    "esc-query:\x1b[6n\x1b[c|"
    "esc-c1:\x9b" "31m\xc2\x9b" "32m\xc2\x9d" "0;t\xc2\x9c|"
    "esc-bell:\x07\x7f\x01x|"
    "esc-utf8:\xc3\xa9\xe2\x9c\x93|end\n";

int kmain(struct wisp_boot_info *bi)
{
    (void)bi;
    wisp_write(attack, sizeof attack - 1);
    wisp_serial_init();
    wisp_serial_write(attack, sizeof attack - 1);
    wisp_puts("PASS: hostile_escapes\n");
    return 0;
}
