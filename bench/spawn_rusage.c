/*
 * spawn_rusage: run one command and report its wall time and peak RSS.
 *
 *   spawn_rusage TIMEOUT_SECONDS COMMAND [ARGS...]
 *
 * Writes one line to file descriptor 3:
 *   "<wait status> <wall ns> <ru_maxrss KiB> <timed out 0|1>\n"
 * and exits 0, or exits 2 with a message on stderr if it could not run
 * COMMAND at all. stdin, stdout and stderr are passed to COMMAND unchanged.
 *
 * Why not spawn from Python directly: Linux keeps a process's peak RSS
 * across exec (exec folds the old address space's high-water mark into it),
 * and a child made by fork or posix_spawn starts out in its parent's address
 * space. A command started from Python would therefore report at least
 * Python's own peak RSS (~10 MiB, and more as the harness grows). Started
 * from this small static program, the floor is this program's few hundred
 * KiB, below any VMM's own footprint.
 *
 * Wall time runs from just before posix_spawn to just after wait4 returns
 * (CLOCK_MONOTONIC), so the harness's own start-up is not in it.
 */
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static volatile sig_atomic_t timed_out;
static volatile pid_t child;

static void on_alarm(int sig)
{
    (void)sig;
    timed_out = 1;
    if (child > 0)
        kill(child, SIGKILL);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: spawn_rusage TIMEOUT_SECONDS COMMAND [ARGS...]\n");
        return 2;
    }
    char *end;
    double timeout = strtod(argv[1], &end);
    if (*end || !(timeout > 0 && timeout < 1e6)) {
        fprintf(stderr, "spawn_rusage: bad timeout %s\n", argv[1]);
        return 2;
    }

    struct sigaction sa = { .sa_handler = on_alarm };
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = {
        .it_value = { .tv_sec = (time_t)timeout,
                      .tv_usec = (suseconds_t)((timeout - (double)(time_t)timeout) * 1e6) },
    };
    if (it.it_value.tv_sec == 0 && it.it_value.tv_usec == 0)
        it.it_value.tv_usec = 1;

    struct timespec t0, t1;
    pid_t pid;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rc = posix_spawnp(&pid, argv[2], NULL, NULL, argv + 2, environ);
    if (rc != 0) {
        fprintf(stderr, "spawn_rusage: cannot start %s: %s\n", argv[2], strerror(rc));
        return 2;
    }
    child = pid;
    setitimer(ITIMER_REAL, &it, NULL);

    int status;
    struct rusage ru;
    while (wait4(pid, &status, 0, &ru) < 0) {
        if (errno != EINTR) {
            perror("spawn_rusage: wait4");
            return 2;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);

    long long ns = (long long)(t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec);
    if (dprintf(3, "%d %lld %ld %d\n", status, ns, ru.ru_maxrss, (int)timed_out) < 0) {
        perror("spawn_rusage: fd 3");
        return 2;
    }
    return 0;
}
