/*
 * console.h's terminal part on POSIX hosts: termios raw mode, and input read
 * with poll() so that it never blocks.
 */
#include "console.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <termios.h>
#include <unistd.h>

/* ---- terminal mode ---- */

/* saved_termios is written before raw_fd is published, and raw_fd is the
 * only thing a signal handler tests, so console_restore() never sees a
 * half-written state. */
static struct termios saved_termios;
static volatile sig_atomic_t raw_fd = -1;
static bool atexit_registered;

/* Runs tcsetattr with SIGTTOU blocked, so a process that has been moved to
 * the background still gets its terminal back instead of stopping. */
static int set_attr_quietly(int fd, const struct termios *t)
{
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGTTOU);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    int rc = tcsetattr(fd, TCSANOW, t);
    int saved_errno = errno;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    errno = saved_errno;
    return rc;
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
    struct termios old;
    if (tcgetattr(fd, &old) != 0) {
        if (errno == ENOTTY || errno == EINVAL)
            return 0; /* not a terminal: nothing to do */
        return wisp_fail_errno(err, WISP_EXIT_HOST_ERROR,
                               "console: cannot read terminal settings of fd %d", fd);
    }
    /* A background job leaves the terminal alone (it could not read it
     * anyway). tcgetpgrp fails when fd is not our controlling terminal,
     * which is fine. */
    pid_t fg = tcgetpgrp(fd);
    if (fg > 0 && fg != getpgrp())
        return 0;

    struct termios raw = old;
    raw.c_iflag &= (tcflag_t) ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
    raw.c_lflag &= (tcflag_t) ~(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
    raw.c_cflag &= (tcflag_t) ~(CSIZE | PARENB);
    raw.c_cflag |= CS8;
    /* c_oflag untouched: OPOST/ONLCR keep turning "\n" into "\r\n". */
    raw.c_cc[VMIN] = 1;
    raw.c_cc[VTIME] = 0;

    saved_termios = old;
    raw_fd = fd;
    if (!atexit_registered) {
        if (atexit(console_restore) != 0) {
            raw_fd = -1;
            return wisp_fail(err, WISP_EXIT_HOST_ERROR,
                             "console: cannot register the terminal restore at exit");
        }
        atexit_registered = true;
    }
    if (set_attr_quietly(fd, &raw) != 0) {
        raw_fd = -1;
        return wisp_fail_errno(err, WISP_EXIT_HOST_ERROR,
                               "console: cannot put fd %d in raw mode", fd);
    }
    return 1;
}

void console_restore(void)
{
    int fd = raw_fd;
    if (fd < 0)
        return;
    int saved_errno = errno;
    set_attr_quietly(fd, &saved_termios);
    raw_fd = -1;
    errno = saved_errno;
}

bool console_is_raw(void)
{
    return raw_fd >= 0;
}


/* ---- input ---- */

bool console_read_available(int fd, uint8_t *buf, size_t cap, size_t *len)
{
    struct pollfd p = { .fd = fd, .events = POLLIN };
    *len = 0;
    if (poll(&p, 1, 0) <= 0)
        return true;
    ssize_t n = read(fd, buf, cap);
    if (n > 0) {
        *len = (size_t)n;
        return true;
    }
    return n < 0 && (errno == EINTR || errno == EAGAIN);
}

void console_wait_input(int fd, int timeout_ms)
{
    /* A negative fd is ignored by poll(): then this is a plain sleep. */
    struct pollfd p = { .fd = fd, .events = POLLIN };
    poll(&p, 1, timeout_ms);
}
