/*
 * console.h's terminal part on Windows: the console's raw mode through
 * SetConsoleMode, and input read without blocking from a console (its key
 * events), a pipe (PeekNamedPipe) or a file.
 */
#include "console.h"

#include <io.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>

#ifndef ENABLE_VIRTUAL_TERMINAL_INPUT
#define ENABLE_VIRTUAL_TERMINAL_INPUT 0x0200
#endif
#ifndef ENABLE_VIRTUAL_TERMINAL_PROCESSING
#define ENABLE_VIRTUAL_TERMINAL_PROCESSING 0x0004
#endif

/* ---- terminal mode ---- */

/* Written before raw_fd is published; console_restore() may run on the
 * console control thread (ticker_windows.c) as well as at exit. */
static HANDLE saved_in = INVALID_HANDLE_VALUE, saved_out = INVALID_HANDLE_VALUE;
static DWORD saved_in_mode, saved_out_mode;
static UINT saved_in_cp, saved_out_cp;
static volatile LONG raw_fd = -1;
static bool vt_input; /* the console turns keys into VT sequences itself */
static bool atexit_registered;

static HANDLE handle_of(int fd)
{
    intptr_t h = _get_osfhandle(fd);
    return h == -1 ? INVALID_HANDLE_VALUE : (HANDLE)h;
}

static bool is_console(HANDLE h, DWORD *mode)
{
    DWORD m;
    if (h == INVALID_HANDLE_VALUE || h == NULL || !GetConsoleMode(h, &m))
        return false;
    if (mode)
        *mode = m;
    return true;
}

int console_enter_raw(int fd, struct wisp_error *err)
{
    if (raw_fd >= 0) {
        if (raw_fd == fd)
            return 1;
        return wisp_fail(err, WISP_EXIT_HOST_ERROR,
                         "console: fd %d is already in raw mode, cannot also take fd %d",
                         (int)raw_fd, fd);
    }
    HANDLE in = handle_of(fd);
    DWORD in_mode;
    if (!is_console(in, &in_mode))
        return 0; /* a pipe or a file: nothing to do */
    HANDLE out = GetStdHandle(STD_OUTPUT_HANDLE);
    DWORD out_mode = 0;
    bool have_out = is_console(out, &out_mode);

    saved_in = in;
    saved_in_mode = in_mode;
    saved_out = have_out ? out : INVALID_HANDLE_VALUE;
    saved_out_mode = out_mode;
    saved_in_cp = GetConsoleCP();
    saved_out_cp = GetConsoleOutputCP();
    raw_fd = fd;
    if (!atexit_registered) {
        if (atexit(console_restore) != 0) {
            raw_fd = -1;
            return wisp_fail(err, WISP_EXIT_HOST_ERROR,
                             "console: cannot register the console restore at exit");
        }
        atexit_registered = true;
    }

    /* No line input, echo or processed input: every key, Ctrl-C included,
     * goes to the guest. Virtual-terminal input gives arrows and function
     * keys as the escape sequences a serial terminal sends; consoles older
     * than Windows 10 1511 lack it and get the raw keys. */
    DWORD raw = in_mode & ~(DWORD)(ENABLE_LINE_INPUT | ENABLE_ECHO_INPUT | ENABLE_PROCESSED_INPUT);
    vt_input = SetConsoleMode(in, raw | ENABLE_VIRTUAL_TERMINAL_INPUT) != 0;
    if (!vt_input && !SetConsoleMode(in, raw)) {
        raw_fd = -1;
        return wisp_fail(err, WISP_EXIT_HOST_ERROR,
                         "console: cannot put the console in raw mode (error %lu)",
                         (unsigned long)GetLastError());
    }
    /* Guest output carries VT sequences (colours, cursor moves); "\n" still
     * starts a new line because DISABLE_NEWLINE_AUTO_RETURN stays off. */
    if (have_out)
        SetConsoleMode(out, out_mode | ENABLE_PROCESSED_OUTPUT | ENABLE_VIRTUAL_TERMINAL_PROCESSING);
    SetConsoleCP(CP_UTF8);
    SetConsoleOutputCP(CP_UTF8);
    return 1;
}

void console_restore(void)
{
    if (InterlockedExchange(&raw_fd, -1) < 0)
        return;
    DWORD saved_error = GetLastError();
    SetConsoleMode(saved_in, saved_in_mode);
    if (saved_out != INVALID_HANDLE_VALUE)
        SetConsoleMode(saved_out, saved_out_mode);
    SetConsoleCP(saved_in_cp);
    SetConsoleOutputCP(saved_out_cp);
    SetLastError(saved_error);
}

bool console_is_raw(void)
{
    return raw_fd >= 0;
}

/* ---- input ---- */

static size_t put_utf8(uint8_t *out, uint32_t cp)
{
    if (cp < 0x80) {
        out[0] = (uint8_t)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (uint8_t)(0xC0 | cp >> 6);
        out[1] = (uint8_t)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (uint8_t)(0xE0 | cp >> 12);
        out[1] = (uint8_t)(0x80 | (cp >> 6 & 0x3F));
        out[2] = (uint8_t)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (uint8_t)(0xF0 | cp >> 18);
    out[1] = (uint8_t)(0x80 | (cp >> 12 & 0x3F));
    out[2] = (uint8_t)(0x80 | (cp >> 6 & 0x3F));
    out[3] = (uint8_t)(0x80 | (cp & 0x3F));
    return 4;
}

/* What a VT terminal sends for the keys without a character, for consoles
 * that do not translate them themselves. */
static const char *vt_sequence(WORD key)
{
    switch (key) {
    case VK_UP: return "\x1b[A";
    case VK_DOWN: return "\x1b[B";
    case VK_RIGHT: return "\x1b[C";
    case VK_LEFT: return "\x1b[D";
    case VK_HOME: return "\x1b[H";
    case VK_END: return "\x1b[F";
    case VK_INSERT: return "\x1b[2~";
    case VK_DELETE: return "\x1b[3~";
    case VK_PRIOR: return "\x1b[5~";
    case VK_NEXT: return "\x1b[6~";
    default: return NULL;
    }
}

#define MAX_KEY_BYTES 4

/* UTF-8 for one key event into out (room for MAX_KEY_BYTES); 0 for none. */
static size_t key_bytes(const KEY_EVENT_RECORD *key, uint8_t *out)
{
    static WCHAR high_surrogate;
    WCHAR c = key->uChar.UnicodeChar;
    if (!key->bKeyDown)
        return 0;
    if (c == 0) {
        const char *seq = vt_input ? NULL : vt_sequence(key->wVirtualKeyCode);
        if (!seq)
            return 0;
        size_t n = strlen(seq);
        memcpy(out, seq, n);
        return n;
    }
    if (c >= 0xD800 && c <= 0xDBFF) {
        high_surrogate = c;
        return 0;
    }
    uint32_t cp = c;
    if (c >= 0xDC00 && c <= 0xDFFF) {
        cp = high_surrogate ? 0x10000 + (((uint32_t)high_surrogate - 0xD800) << 10) + (c - 0xDC00)
                            : 0xFFFD;
    }
    high_surrogate = 0;
    return put_utf8(out, cp);
}

static bool read_console(HANDLE h, uint8_t *buf, size_t cap, size_t *len)
{
    for (;;) {
        DWORD waiting = 0;
        if (!GetNumberOfConsoleInputEvents(h, &waiting))
            return false;
        size_t room = (cap - *len) / MAX_KEY_BYTES;
        if (waiting == 0 || room == 0)
            return true;
        INPUT_RECORD records[16];
        DWORD want = waiting < 16 ? waiting : 16, got = 0;
        if (want > room)
            want = (DWORD)room;
        if (!ReadConsoleInputW(h, records, want, &got))
            return false;
        for (DWORD i = 0; i < got; i++) {
            if (records[i].EventType != KEY_EVENT)
                continue; /* focus, mouse, resize: not input for the guest */
            const KEY_EVENT_RECORD *key = &records[i].Event.KeyEvent;
            unsigned repeat = key->wRepeatCount ? key->wRepeatCount : 1;
            for (unsigned r = 0; r < repeat && cap - *len >= MAX_KEY_BYTES; r++)
                *len += key_bytes(key, buf + *len);
        }
    }
}

bool console_read_available(int fd, uint8_t *buf, size_t cap, size_t *len)
{
    HANDLE h = handle_of(fd);
    *len = 0;
    if (h == INVALID_HANDLE_VALUE)
        return false;
    if (is_console(h, NULL))
        return read_console(h, buf, cap, len);
    DWORD got = 0, want = cap > 0xFFFF ? 0xFFFF : (DWORD)cap;
    if (GetFileType(h) == FILE_TYPE_PIPE) {
        DWORD avail = 0;
        if (!PeekNamedPipe(h, NULL, 0, NULL, &avail, NULL))
            return false; /* ERROR_BROKEN_PIPE: the writer is gone */
        if (avail == 0)
            return true;
        if (want > avail)
            want = avail;
    }
    /* A file, the NUL device, or a pipe with data: ReadFile returns now. */
    if (!ReadFile(h, buf, want, &got, NULL) || got == 0)
        return false;
    *len = got;
    return true;
}

void console_wait_input(int fd, int timeout_ms)
{
    HANDLE h = fd >= 0 ? handle_of(fd) : INVALID_HANDLE_VALUE;
    if (timeout_ms < 0)
        timeout_ms = 0;
    if (h != INVALID_HANDLE_VALUE && is_console(h, NULL)) {
        /* Signalled while input events wait; console_read_available takes
         * them all, keys or not, so this does not spin. */
        WaitForSingleObject(h, (DWORD)timeout_ms);
        return;
    }
    if (h != INVALID_HANDLE_VALUE && GetFileType(h) == FILE_TYPE_PIPE) {
        /* Pipes cannot be waited on: look every millisecond. */
        ULONGLONG end = GetTickCount64() + (ULONGLONG)timeout_ms;
        for (;;) {
            DWORD avail = 0;
            if (!PeekNamedPipe(h, NULL, 0, NULL, &avail, NULL) || avail > 0)
                return;
            if (GetTickCount64() >= end)
                return;
            Sleep(1);
        }
    }
    if (h != INVALID_HANDLE_VALUE && GetFileType(h) == FILE_TYPE_DISK)
        return; /* a file always has input, or its end, ready */
    Sleep((DWORD)timeout_ms);
}
