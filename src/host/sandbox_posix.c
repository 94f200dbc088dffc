/*
 * sandbox.h on Linux: chroot, setresuid/setresgid, no_new_privs, and a
 * seccomp-bpf filter per thread kind built with libseccomp.
 *
 * The lists below are what wisp calls once the VM runs, found by reading
 * the code and by strace on every integration test (native guests,
 * screenshots, the console on a terminal, Linux on both irqchips,
 * --hyperv, -v). A call missing here stops wisp with its name, which is
 * what the tests would show.
 */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <seccomp.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "accel/accel.h"
#include "console.h"

int sandbox_parse_seccomp(const char *text, enum sandbox_seccomp *out)
{
    if (strcmp(text, "on") == 0)
        *out = SANDBOX_SECCOMP_ON;
    else if (strcmp(text, "log") == 0)
        *out = SANDBOX_SECCOMP_LOG;
    else if (strcmp(text, "off") == 0)
        *out = SANDBOX_SECCOMP_OFF;
    else
        return -1;
    return 0;
}

/* ---- privileges ---- */

static bool have_user;
static uid_t user_uid;
static gid_t user_gid;

int sandbox_prepare(const struct sandbox_options *opts, struct wisp_error *err)
{
    have_user = false;
    if (opts->user) {
        errno = 0;
        struct passwd *pw = getpwnam(opts->user);
        if (!pw)
            return wisp_fail(err, WISP_EXIT_USAGE, "--user %s: %s", opts->user,
                             errno ? strerror(errno) : "no such user");
        user_uid = pw->pw_uid;
        user_gid = pw->pw_gid;
        have_user = true;
        if (geteuid() != 0)
            return wisp_fail(err, WISP_EXIT_USAGE,
                             "--user %s: wisp must start as root to change to another user",
                             opts->user);
    }
    if (opts->chroot_dir) {
        struct stat st;
        if (stat(opts->chroot_dir, &st) < 0)
            return wisp_fail_errno(err, WISP_EXIT_USAGE, "--chroot %s", opts->chroot_dir);
        if (!S_ISDIR(st.st_mode))
            return wisp_fail(err, WISP_EXIT_USAGE, "--chroot %s: not a directory",
                             opts->chroot_dir);
    }
    return 0;
}

int sandbox_drop_privileges(const struct sandbox_options *opts, struct wisp_error *err)
{
    if (opts->chroot_dir && (chroot(opts->chroot_dir) < 0 || chdir("/") < 0))
        return wisp_fail_errno(err, WISP_EXIT_HOST_ERROR, "--chroot %s", opts->chroot_dir);
    if (have_user) {
        /* Groups first: once the uid is gone, so is the right to change them. */
        if (setgroups(1, &user_gid) < 0 || setresgid(user_gid, user_gid, user_gid) < 0 ||
            setresuid(user_uid, user_uid, user_uid) < 0)
            return wisp_fail_errno(err, WISP_EXIT_HOST_ERROR, "--user %s: cannot change to "
                                   "uid %u gid %u", opts->user, (unsigned)user_uid,
                                   (unsigned)user_gid);
        if (user_uid != 0 && (setuid(0) == 0 || seteuid(0) == 0))
            return wisp_fail(err, WISP_EXIT_HOST_ERROR, "--user %s: root could be regained",
                             opts->user);
    }
    /* No exec can grant more rights from here on (setuid binaries, file
     * capabilities); seccomp needs it without CAP_SYS_ADMIN anyway. */
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return wisp_fail_errno(err, WISP_EXIT_HOST_ERROR, "cannot set no_new_privs");
    return 0;
}

/* ---- reporting a forbidden call ---- */

#define NAMED_SYSCALLS 512

static const char *syscall_names[NAMED_SYSCALLS];
static __thread unsigned thread_kinds;

static const char *kinds_name(unsigned kinds)
{
    switch (kinds) {
    case SANDBOX_THREAD_MAIN: return "main";
    case SANDBOX_THREAD_VCPU: return "vCPU";
    case SANDBOX_THREAD_MAIN | SANDBOX_THREAD_VCPU: return "main (and vCPU)";
    case SANDBOX_THREAD_WORKER: return "device worker";
    case SANDBOX_THREAD_WORKER | SANDBOX_THREAD_NETWORK: return "network worker";
    case SANDBOX_THREAD_VCPU | SANDBOX_THREAD_GDB: return "GDB stub";
    case SANDBOX_THREAD_MAIN | SANDBOX_THREAD_VCPU | SANDBOX_THREAD_API:
        return "main (and vCPU, control socket)";
    case SANDBOX_THREAD_MIGRATION: return "migration";
    default: return "sandboxed";
    }
}

/* Async-signal-safe appending for the message below. */
static size_t put(char *buf, size_t at, size_t cap, const char *s)
{
    while (*s && at + 1 < cap)
        buf[at++] = *s++;
    return at;
}

static size_t put_number(char *buf, size_t at, size_t cap, unsigned long v)
{
    char digits[24];
    int n = 0;
    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n > 0 && at + 1 < cap)
        buf[at++] = digits[--n];
    return at;
}

/* SECCOMP_RET_TRAP lands here, in the thread that made the call: name it,
 * give the terminal back, stop. Only async-signal-safe calls, all of them
 * allowed in every thread's filter. */
static void on_forbidden_syscall(int sig, siginfo_t *info, void *context)
{
    (void)sig;
    (void)context;
    int nr = info->si_syscall;
    char msg[200];
    size_t n = put(msg, 0, sizeof msg, "wisp: seccomp: the ");
    n = put(msg, n, sizeof msg, kinds_name(thread_kinds));
    n = put(msg, n, sizeof msg, " thread made a forbidden system call: ");
    if (nr >= 0 && nr < NAMED_SYSCALLS && syscall_names[nr])
        n = put(msg, n, sizeof msg, syscall_names[nr]);
    else
        n = put(msg, n, sizeof msg, "unknown");
    n = put(msg, n, sizeof msg, " (");
    n = put_number(msg, n, sizeof msg, (unsigned long)nr);
    n = put(msg, n, sizeof msg, "); stopping\n");
    ssize_t ignored = write(STDERR_FILENO, msg, n);
    (void)ignored;
    console_restore();
    _exit(128 + SIGSYS);
}

static int install_reporter_once(struct wisp_error *err)
{
    /* Names now: the handler may not allocate. */
    for (int nr = 0; nr < NAMED_SYSCALLS; nr++)
        syscall_names[nr] = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_forbidden_syscall;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGSYS, &sa, NULL) < 0)
        return wisp_fail_errno(err, WISP_EXIT_HOST_ERROR, "cannot install the SIGSYS handler");
    return 0;
}

static int install_reporter(struct wisp_error *err)
{
    /* Once, whichever thread enters first (vCPU threads enter together). */
    static pthread_mutex_t once = PTHREAD_MUTEX_INITIALIZER;
    static bool installed;
    pthread_mutex_lock(&once);
    int rc = 0;
    if (!installed) {
        rc = install_reporter_once(err);
        installed = rc == 0;
    }
    pthread_mutex_unlock(&once);
    return rc;
}

/* ---- the filters ---- */

struct builder {
    scmp_filter_ctx ctx;
    int failed_nr; /* the first rule libseccomp refused, or -1 */
    int rc;
};

static void allow(struct builder *b, int nr)
{
    int rc = seccomp_rule_add(b->ctx, SCMP_ACT_ALLOW, nr, 0);
    if (rc < 0 && b->rc == 0) {
        b->rc = rc;
        b->failed_nr = nr;
    }
}

static void allow_if(struct builder *b, int nr, struct scmp_arg_cmp cmp)
{
    int rc = seccomp_rule_add(b->ctx, SCMP_ACT_ALLOW, nr, 1, cmp);
    if (rc < 0 && b->rc == 0) {
        b->rc = rc;
        b->failed_nr = nr;
    }
}

/* Every thread: memory without PROT_EXEC, locks, signals, time, plain
 * reads and writes on descriptors it already has, leaving, and what the
 * SIGSYS and fatal-signal handlers call (write, the terminal's ioctls,
 * exit_group). */
static void allow_common(struct builder *b)
{
    static const int calls[] = {
        SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(readv), SCMP_SYS(writev),
        SCMP_SYS(pread64), SCMP_SYS(pwrite64), SCMP_SYS(close), SCMP_SYS(fstat),
        SCMP_SYS(newfstatat), SCMP_SYS(lseek), SCMP_SYS(munmap), SCMP_SYS(mremap),
        SCMP_SYS(brk), SCMP_SYS(madvise), SCMP_SYS(futex), SCMP_SYS(rt_sigreturn),
        SCMP_SYS(rt_sigprocmask), SCMP_SYS(rt_sigaction), SCMP_SYS(sigaltstack),
        SCMP_SYS(restart_syscall), SCMP_SYS(clock_gettime), SCMP_SYS(clock_nanosleep),
        SCMP_SYS(nanosleep), SCMP_SYS(gettimeofday), SCMP_SYS(poll), SCMP_SYS(ppoll),
        SCMP_SYS(getpid), SCMP_SYS(gettid), SCMP_SYS(tgkill), SCMP_SYS(exit),
        SCMP_SYS(exit_group), SCMP_SYS(sched_yield), SCMP_SYS(getrandom),
        /* kicking a vCPU thread (pthread_sigqueue, which reads the uid
         * for the signal's sender), from any thread */
        SCMP_SYS(rt_tgsigqueueinfo), SCMP_SYS(getuid),
    };
    for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++)
        allow(b, calls[i]);
    /* W^X for the whole process: nothing new becomes executable. */
    allow_if(b, SCMP_SYS(mmap), SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
    allow_if(b, SCMP_SYS(mprotect), SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
    /* fdopen and friends look at a descriptor's flags; nothing sets them. */
    allow_if(b, SCMP_SYS(fcntl), SCMP_A1(SCMP_CMP_EQ, F_GETFL));
    allow_if(b, SCMP_SYS(fcntl), SCMP_A1(SCMP_CMP_EQ, F_GETFD));
    /* The terminal: isatty, raw mode and its restoration. */
    static const unsigned long tty[] = { TCGETS, TCSETS, TCSETSW, TCSETSF, TIOCGPGRP };
    for (size_t i = 0; i < sizeof tty / sizeof tty[0]; i++)
        allow_if(b, SCMP_SYS(ioctl), SCMP_A1(SCMP_CMP_EQ, tty[i]));
}

/* The vCPU: the accelerator's ioctls and nothing else of its own. */
static void allow_vcpu(struct builder *b)
{
    /* The thread's own kick timers (host/ticker.h). */
    allow(b, SCMP_SYS(timer_settime));
    allow(b, SCMP_SYS(timer_gettime));
    allow(b, SCMP_SYS(timer_delete));
    size_t n = 0;
    const unsigned long *requests = accel_sandbox_ioctls(&n);
    for (size_t i = 0; i < n; i++)
        allow_if(b, SCMP_SYS(ioctl), SCMP_A1(SCMP_CMP_EQ, requests[i]));
}

/* Raising a device's interrupt from any thread: the accelerator's
 * interrupt ioctls (an MSI's route and irqfd are made on first use, a
 * queue's ioeventfd when the driver enables it) and a new eventfd. */
static void allow_interrupts(struct builder *b)
{
    size_t n = 0;
    const unsigned long *requests = accel_sandbox_interrupt_ioctls(&n);
    for (size_t i = 0; i < n; i++)
        allow_if(b, SCMP_SYS(ioctl), SCMP_A1(SCMP_CMP_EQ, requests[i]));
    allow(b, SCMP_SYS(eventfd2));
}

/* The main thread: the ticker's timers, kicks, and screenshots and snapshots (a fresh
 * temporary file, then renamed over the target). Files can only be
 * created new (O_EXCL), never opened for reading or truncated. */
static void allow_main(struct builder *b, bool files)
{
    static const int calls[] = {
        SCMP_SYS(setitimer), SCMP_SYS(getitimer), SCMP_SYS(timer_settime),
        SCMP_SYS(timer_gettime), SCMP_SYS(kill),
    };
    for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++)
        allow(b, calls[i]);
    if (!files)
        return;
    allow_if(b, SCMP_SYS(openat),
             SCMP_A2(SCMP_CMP_EQ, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC));
    allow(b, SCMP_SYS(rename));
    allow(b, SCMP_SYS(renameat));
    allow(b, SCMP_SYS(renameat2));
    allow(b, SCMP_SYS(unlink));
    allow(b, SCMP_SYS(unlinkat));
    allow(b, SCMP_SYS(fsync));
    allow(b, SCMP_SYS(fdatasync));
}

/* A device worker: I/O on the descriptors it was given. */
static void allow_worker(struct builder *b)
{
    static const int calls[] = {
        SCMP_SYS(preadv), SCMP_SYS(pwritev), SCMP_SYS(fsync), SCMP_SYS(fdatasync),
    };
    for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++)
        allow(b, calls[i]);
    /* virtio-blk's discard and write zeroes (disk_image_posix.c): the two
     * modes that never change the file's size. */
    allow_if(b, SCMP_SYS(fallocate),
             SCMP_A1(SCMP_CMP_EQ, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE));
    allow_if(b, SCMP_SYS(fallocate),
             SCMP_A1(SCMP_CMP_EQ, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE));
}

/* User networking: libslirp opens a host socket for each connection or
 * datagram flow the guest starts, makes it non-blocking, and reads
 * /etc/resolv.conf once (read-only) to forward DNS. */
static void allow_network(struct builder *b)
{
    static const int calls[] = {
        SCMP_SYS(socket), SCMP_SYS(connect), SCMP_SYS(bind), SCMP_SYS(listen),
        SCMP_SYS(accept), SCMP_SYS(accept4), SCMP_SYS(sendto), SCMP_SYS(recvfrom),
        SCMP_SYS(sendmsg), SCMP_SYS(recvmsg), SCMP_SYS(shutdown), SCMP_SYS(setsockopt),
        SCMP_SYS(getsockopt), SCMP_SYS(getsockname), SCMP_SYS(getpeername),
    };
    for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++)
        allow(b, calls[i]);
    allow_if(b, SCMP_SYS(fcntl), SCMP_A1(SCMP_CMP_EQ, F_SETFL));
    allow_if(b, SCMP_SYS(ioctl), SCMP_A1(SCMP_CMP_EQ, FIONBIO));
    allow_if(b, SCMP_SYS(ioctl), SCMP_A1(SCMP_CMP_EQ, FIONREAD));
    allow_if(b, SCMP_SYS(openat), SCMP_A2(SCMP_CMP_MASKED_EQ, O_ACCMODE | O_CREAT | O_TRUNC, O_RDONLY));
}

/* The GDB stub (--gdb): accepts on the socket opened during set-up and
 * talks over the connection. Only a wisp started with --gdb has it. */
static void allow_gdb(struct builder *b)
{
    static const int calls[] = {
        SCMP_SYS(accept), SCMP_SYS(accept4), SCMP_SYS(sendto), SCMP_SYS(recvfrom),
        SCMP_SYS(setsockopt), SCMP_SYS(shutdown),
    };
    for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++)
        allow(b, calls[i]);
}

/* The control socket (--api-socket), served by the main thread: clients
 * accepted on the socket bound during set-up, their lines read and
 * answered, and at the end the socket file removed (only when it is still
 * the one wisp made: api_server_posix.c looks first). */
static void allow_api(struct builder *b)
{
    static const int calls[] = {
        SCMP_SYS(accept4), SCMP_SYS(recvfrom), SCMP_SYS(sendto), SCMP_SYS(unlink),
    };
    for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++)
        allow(b, calls[i]);
}

/* Live migration's source thread (vmm/vm_migrate.c), started during
 * set-up with --api-socket and idle until a migrate command: it connects
 * to the destination only then (the URI is not known before), so it may
 * create a socket and connect; it reads the dirty log (the accelerator's
 * slot flags and log), saves the paused vCPUs as a snapshot does (the
 * accelerator's vCPU requests) and writes COM1's queued bytes out. No
 * files, no listening, no accepting. */
static void allow_migration(struct builder *b)
{
    static const int calls[] = {
        SCMP_SYS(socket), SCMP_SYS(connect), SCMP_SYS(sendto), SCMP_SYS(recvfrom),
        SCMP_SYS(setsockopt), SCMP_SYS(shutdown),
    };
    for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++)
        allow(b, calls[i]);
    size_t n = 0;
    const unsigned long *requests = accel_sandbox_dirty_log_ioctls(&n);
    for (size_t i = 0; i < n; i++)
        allow_if(b, SCMP_SYS(ioctl), SCMP_A1(SCMP_CMP_EQ, requests[i]));
    requests = accel_sandbox_ioctls(&n);
    for (size_t i = 0; i < n; i++)
        allow_if(b, SCMP_SYS(ioctl), SCMP_A1(SCMP_CMP_EQ, requests[i]));
}

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_UNDEFINED__) || defined(__SANITIZE_THREAD__)
#define SANITIZED_BUILD 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(undefined_behavior_sanitizer) || \
    __has_feature(thread_sanitizer)
#define SANITIZED_BUILD 1
#endif
#endif

#ifdef SANITIZED_BUILD
/* Test builds only: what the sanitizers' runtimes do when they report
 * (read the memory map, symbolize) and at exit (LeakSanitizer stops the
 * world with a ptrace'ing helper thread). Never in a release build. */
static void allow_sanitizer_runtime(struct builder *b)
{
    static const int calls[] = {
        SCMP_SYS(open), SCMP_SYS(openat), SCMP_SYS(readlink), SCMP_SYS(readlinkat),
        SCMP_SYS(stat), SCMP_SYS(lstat), SCMP_SYS(getdents), SCMP_SYS(getdents64),
        SCMP_SYS(fcntl), SCMP_SYS(clone),
        SCMP_SYS(clone3), SCMP_SYS(ptrace), SCMP_SYS(wait4), SCMP_SYS(waitid),
        SCMP_SYS(prctl), SCMP_SYS(mmap), SCMP_SYS(mprotect), SCMP_SYS(getppid),
        SCMP_SYS(execve), SCMP_SYS(pipe), SCMP_SYS(pipe2), SCMP_SYS(dup2), SCMP_SYS(dup3),
        SCMP_SYS(kill), SCMP_SYS(getrlimit), SCMP_SYS(prlimit64), SCMP_SYS(uname),
        SCMP_SYS(getcwd), SCMP_SYS(process_vm_readv), SCMP_SYS(set_robust_list),
        SCMP_SYS(rseq), SCMP_SYS(ioctl), SCMP_SYS(setitimer), SCMP_SYS(sched_getaffinity),
        SCMP_SYS(access), SCMP_SYS(faccessat), SCMP_SYS(faccessat2), SCMP_SYS(getuid),
        SCMP_SYS(geteuid), SCMP_SYS(statx), SCMP_SYS(vfork), SCMP_SYS(fork),
    };
    for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++)
        allow(b, calls[i]);
}
#endif

int sandbox_enter(unsigned kinds, const struct sandbox_options *opts, struct wisp_error *err)
{
    if (opts->seccomp == SANDBOX_SECCOMP_OFF)
        return 0;
    if (install_reporter(err) < 0)
        return -1;
    uint32_t forbidden = opts->seccomp == SANDBOX_SECCOMP_LOG ? SCMP_ACT_LOG : SCMP_ACT_TRAP;
    struct builder b = { .ctx = seccomp_init(forbidden), .failed_nr = -1 };
    if (!b.ctx)
        return wisp_fail(err, WISP_EXIT_HOST_ERROR, "seccomp: cannot create a filter");
    /* Another architecture's system call numbers (int 0x80, x32): no. */
    seccomp_attr_set(b.ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
    allow_common(&b);
    if (kinds & SANDBOX_THREAD_VCPU)
        allow_vcpu(&b);
    if (kinds & (SANDBOX_THREAD_VCPU | SANDBOX_THREAD_WORKER))
        allow_interrupts(&b);
    if (kinds & SANDBOX_THREAD_NETWORK)
        allow_network(&b);
    if (kinds & SANDBOX_THREAD_MAIN)
        allow_main(&b, opts->files);
    if (kinds & SANDBOX_THREAD_WORKER)
        allow_worker(&b);
    if (kinds & SANDBOX_THREAD_GDB)
        allow_gdb(&b);
    if (kinds & SANDBOX_THREAD_API)
        allow_api(&b);
    if (kinds & SANDBOX_THREAD_MIGRATION)
        allow_migration(&b);
#ifdef SANITIZED_BUILD
    allow_sanitizer_runtime(&b);
#endif
    int rc = b.rc;
    if (rc < 0) {
        seccomp_release(b.ctx);
        char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, b.failed_nr);
        wisp_fail(err, WISP_EXIT_HOST_ERROR, "seccomp: cannot add a rule for %s: %s",
                  name ? name : "?", strerror(-rc));
        free(name);
        return -1;
    }
    rc = seccomp_load(b.ctx);
    seccomp_release(b.ctx);
    if (rc < 0)
        return wisp_fail(err, WISP_EXIT_HOST_ERROR,
                         "seccomp: the kernel refused the filter: %s (use --seccomp off on a "
                         "kernel without seccomp)", strerror(-rc));
    thread_kinds = kinds;
    /* A device thread blocks every signal; a blocked SIGSYS would kill
     * wisp without the message above. */
    sigset_t sys;
    sigemptyset(&sys);
    sigaddset(&sys, SIGSYS);
    pthread_sigmask(SIG_UNBLOCK, &sys, NULL);
    return 0;
}

/* ---- device threads started before the sandbox ---- */

static pthread_mutex_t release_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t released_cond = PTHREAD_COND_INITIALIZER;
static bool released;
static bool release_filters;
static struct sandbox_options released_opts;

void sandbox_release_threads(const struct sandbox_options *opts)
{
    pthread_mutex_lock(&release_lock);
    if (!released) {
        released = true;
        release_filters = opts != NULL;
        if (opts)
            released_opts = *opts;
        pthread_cond_broadcast(&released_cond);
    }
    pthread_mutex_unlock(&release_lock);
}

void sandbox_thread_begin(unsigned kinds)
{
    pthread_mutex_lock(&release_lock);
    while (!released)
        pthread_cond_wait(&released_cond, &release_lock);
    bool filter = release_filters;
    struct sandbox_options opts = released_opts;
    pthread_mutex_unlock(&release_lock);
    struct wisp_error err = { 0 };
    if (filter && sandbox_enter(kinds, &opts, &err) < 0) {
        fprintf(stderr, "wisp: %s\n", err.message);
        console_restore();
        _exit(err.status ? err.status : WISP_EXIT_HOST_ERROR);
    }
}
