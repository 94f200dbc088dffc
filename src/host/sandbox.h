/*
 * The sandbox wisp puts itself in once the VM is set up: what a guest that
 * breaks out of a device model (or a bad kernel file that breaks a loader)
 * could then do with wisp's own rights is cut down to what wisp needs.
 *
 *  - privileges, once for the process (sandbox_drop_privileges), after
 *    everything is opened (/dev/kvm, the kernel, images, sockets) and
 *    before any other thread starts: --chroot DIR, --user NAME (uid, gid
 *    and supplementary groups), and PR_SET_NO_NEW_PRIVS, always;
 *  - a seccomp-bpf filter per thread (sandbox_enter), installed by each
 *    thread before it touches guest code or guest data: only the system
 *    calls its kind of thread needs, ioctls only with the requests the
 *    accelerator names (accel_sandbox_ioctls), no executable mappings, and
 *    files only created fresh (screenshots). Any other system call stops
 *    wisp at once: "wisp: seccomp: the vCPU thread made a forbidden system
 *    call: openat (257); stopping", status 128+SIGSYS (159), the terminal
 *    restored. --seccomp log lets such calls through and has the kernel
 *    log them (audit, dmesg) instead; --seccomp off installs nothing.
 *
 * Filters stack: a thread started after its creator entered the sandbox
 * inherits the creator's filter and can only narrow it. So start threads
 * first (vCPUs, device workers), then have each call sandbox_enter with
 * its own kind; the main thread enters last or needs every kind's calls.
 * A thread that does several jobs passes them together (the run loop's
 * thread: SANDBOX_THREAD_MAIN | SANDBOX_THREAD_VCPU).
 *
 * Linux only (sandbox_posix.c, libseccomp); on Windows (sandbox_windows.c)
 * entering does nothing and --user/--chroot are refused.
 */
#ifndef WISP_HOST_SANDBOX_H
#define WISP_HOST_SANDBOX_H

#include <stdbool.h>

#include "core/error.h"

enum sandbox_thread_kind {
    SANDBOX_THREAD_MAIN = 1 << 0,   /* signals, console input and output, timeout,
                                     * screenshots, the teardown */
    SANDBOX_THREAD_VCPU = 1 << 1,   /* runs a vCPU, dispatches its exits to devices */
    SANDBOX_THREAD_WORKER = 1 << 2, /* a device's I/O worker (disk, network) */
    SANDBOX_THREAD_NETWORK = 1 << 3, /* user networking: libslirp's sockets */
    SANDBOX_THREAD_GDB = 1 << 4,     /* the GDB stub (--gdb): its connection's socket */
    SANDBOX_THREAD_API = 1 << 5,     /* the control socket (--api-socket), on the main thread */
    SANDBOX_THREAD_MIGRATION = 1 << 6, /* live migration's source thread: connects at run
                                        * time, reads the dirty log, saves vCPU state */
};

enum sandbox_seccomp {
    SANDBOX_SECCOMP_ON,  /* the default */
    SANDBOX_SECCOMP_LOG, /* forbidden calls are allowed and logged by the kernel */
    SANDBOX_SECCOMP_OFF,
};

struct sandbox_options {
    enum sandbox_seccomp seccomp;
    const char *user;        /* --user NAME, or NULL */
    const char *chroot_dir;  /* --chroot DIR, or NULL */
    bool files;              /* the main thread may create files (screenshots) */
};

/* Parses "on", "log" or "off"; -1 for anything else. */
int sandbox_parse_seccomp(const char *text, enum sandbox_seccomp *out);

/* Looks up --user before anything else happens (the user database may be
 * unreadable after --chroot). Fails with WISP_EXIT_USAGE for an unknown
 * user or when wisp lacks the rights --user/--chroot need. */
int sandbox_prepare(const struct sandbox_options *opts, struct wisp_error *err);

/* --chroot, --user and no_new_privs; once, in the main thread, before
 * other threads exist. Afterwards wisp cannot regain root. */
int sandbox_drop_privileges(const struct sandbox_options *opts, struct wisp_error *err);

/* The seccomp filter for the calling thread, of the given kinds
 * (SANDBOX_THREAD_* or'ed). Once per thread. */
int sandbox_enter(unsigned kinds, const struct sandbox_options *opts, struct wisp_error *err);

/* Device threads start during set-up, before privileges are dropped (a
 * thread already under seccomp could not take part in the process-wide
 * setuid). Each begins with sandbox_thread_begin: it waits until the main
 * thread calls sandbox_release_threads, then enters the sandbox with its
 * kinds. A thread that cannot enter stops wisp with one message.
 * Releasing with NULL (set-up failed, the guest never ran) lets waiting
 * threads go on unfiltered, only to be stopped. The first release counts. */
void sandbox_thread_begin(unsigned kinds);
void sandbox_release_threads(const struct sandbox_options *opts);

#endif
