/*
 * Errors travel up as a struct, not as exit() calls: the core is a library,
 * and only main.c decides how the process ends.
 */
#ifndef WISP_ERROR_H
#define WISP_ERROR_H

/* wisp's own exit statuses. Guest exit codes pass through unchanged; these
 * sit high in the range so they rarely collide with a guest's own codes, and
 * the one-line message on stderr always tells the two apart. */
enum wisp_exit_status {
    WISP_EXIT_OK = 0,
    WISP_EXIT_GUEST_HALTED = 119, /* a kernel (not Linux) halted for good: cli; hlt */
    WISP_EXIT_USAGE = 120,        /* bad command line */
    WISP_EXIT_BAD_KERNEL = 121,   /* unreadable or malformed kernel/boot input */
    WISP_EXIT_NO_ACCEL = 122,     /* /dev/kvm (or WHP) missing or unusable */
    WISP_EXIT_GUEST_CRASH = 123,  /* triple fault / shutdown: register dump printed */
    WISP_EXIT_TIMEOUT = 124,      /* --timeout expired (as timeout(1)) */
    WISP_EXIT_UNHANDLED = 125,    /* exit wisp cannot handle (emulation failure...) */
    WISP_EXIT_HOST_ERROR = 126,   /* host resources: memory, files, signals */
};

struct wisp_error {
    int status;        /* one of enum wisp_exit_status */
    char message[512]; /* one line, no trailing newline */
};

/* Records the first failure (later calls keep the original) and returns -1,
 * so callers can write `return wisp_fail(err, ...)`. */
/* mingw's printf attribute means Microsoft's printf; wisp's messages use
 * the C99 one (mingw builds define __USE_MINGW_ANSI_STDIO=1). */
#if defined(__MINGW32__)
#define WISP_PRINTF_FORMAT(f, a) __attribute__((format(gnu_printf, f, a)))
#else
#define WISP_PRINTF_FORMAT(f, a) __attribute__((format(printf, f, a)))
#endif

int wisp_fail(struct wisp_error *err, int status, const char *fmt, ...)
    WISP_PRINTF_FORMAT(3, 4);

/* Like wisp_fail but appends ": strerror(errno)". */
int wisp_fail_errno(struct wisp_error *err, int status, const char *fmt, ...)
    WISP_PRINTF_FORMAT(3, 4);

/* An error already recorded, said again with context in front: "CONTEXT:
 * MESSAGE", with status (0: the recorded one). Returns -1. */
int wisp_fail_prefixed(struct wisp_error *err, int status, const char *fmt, ...)
    WISP_PRINTF_FORMAT(3, 4);

#endif
