#include "ticker.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "console.h"

#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id _sigev_un._tid
#endif

/* Set by handlers, swapped out atomically by ticker_take_events(). */
static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t screenshot_requested;
static volatile sig_atomic_t stop_signal_seen;

struct ticker_vcpu {
    struct accel_vcpu *vcpu;
    pthread_mutex_t lock; /* attached and thread, for kicks from other threads */
    bool attached;
    pthread_t thread;
    timer_t periodic, deadline;
    bool have_periodic, have_deadline;
};

/* The kick: sent with the vCPU as its value, by pthread_sigqueue and by
 * the thread's own timers. */
static void on_kick(int sig, siginfo_t *info, void *context)
{
    (void)sig;
    (void)context;
    if (info && (info->si_code == SI_QUEUE || info->si_code == SI_TIMER) &&
        info->si_value.sival_ptr)
        accel_vcpu_kick(info->si_value.sival_ptr);
}

static void on_stop(int sig)
{
    stop_signal_seen = sig;
    stop_requested = 1;
}

static void on_screenshot(int sig)
{
    (void)sig;
    screenshot_requested = 1;
}

static int install(int sig, void (*handler)(int))
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sigemptyset(&sa.sa_mask);
    /* No SA_RESTART: the main thread's waits must end on a signal. */
    return sigaction(sig, &sa, NULL);
}

int ticker_start(struct wisp_error *err)
{
    struct sigaction kick;
    memset(&kick, 0, sizeof kick);
    kick.sa_sigaction = on_kick;
    kick.sa_flags = SA_SIGINFO; /* no SA_RESTART: the kick must interrupt KVM_RUN */
    sigemptyset(&kick.sa_mask);
    if (sigaction(TICKER_KICK_SIGNAL, &kick, NULL) < 0 || install(SIGINT, on_stop) < 0 ||
        install(SIGTERM, on_stop) < 0 || install(SIGHUP, on_stop) < 0 ||
        install(SIGUSR1, on_screenshot) < 0)
        return wisp_fail_errno(err, WISP_EXIT_HOST_ERROR, "cannot install signal handlers");
    return 0;
}

/* After the run has stopped reading the flags, a stop signal still stops
 * wisp (during the final screenshot, the teardown). The terminal was
 * restored when the run ended; only async-signal-safe calls here. */
static void on_stop_after_run(int sig)
{
    char msg[] = "wisp: stopped by signal NN while finishing\n";
    char *nn = strchr(msg, 'N');
    nn[0] = (char)('0' + sig / 10 % 10);
    nn[1] = (char)('0' + sig % 10);
    if (sig < 10)
        memmove(nn, nn + 1, sizeof msg - (size_t)(nn + 1 - msg));
    ssize_t ignored = write(STDERR_FILENO, msg, strlen(msg));
    (void)ignored;
    console_restore();
    _exit(128 + sig);
}

void ticker_stop(void)
{
    install(SIGINT, on_stop_after_run);
    install(SIGTERM, on_stop_after_run);
    install(SIGHUP, on_stop_after_run);
    /* One that came in between is not lost either. */
    if (stop_requested)
        on_stop_after_run(stop_signal_seen);
}

bool ticker_stop_pending(void)
{
    return stop_requested != 0;
}

unsigned ticker_take_events(int *stop_signal)
{
    unsigned events = TICKER_NONE;
    if (__atomic_exchange_n(&stop_requested, 0, __ATOMIC_SEQ_CST))
        events |= TICKER_STOP;
    if (__atomic_exchange_n(&screenshot_requested, 0, __ATOMIC_SEQ_CST))
        events |= TICKER_SCREENSHOT;
    if (stop_signal)
        *stop_signal = stop_signal_seen;
    return events;
}

int ticker_vcpu_create(struct ticker_vcpu **out, struct accel_vcpu *vcpu, struct wisp_error *err)
{
    struct ticker_vcpu *t = calloc(1, sizeof *t);
    if (!t)
        return wisp_fail(err, WISP_EXIT_HOST_ERROR, "out of memory");
    t->vcpu = vcpu;
    pthread_mutex_init(&t->lock, NULL);
    *out = t;
    return 0;
}

void ticker_vcpu_destroy(struct ticker_vcpu *t)
{
    if (!t)
        return;
    pthread_mutex_destroy(&t->lock);
    free(t);
}

/* A timer that sends the kick signal to the calling thread alone. */
static int thread_timer(struct ticker_vcpu *t, timer_t *timer)
{
    struct sigevent ev;
    memset(&ev, 0, sizeof ev);
    ev.sigev_notify = SIGEV_THREAD_ID;
    ev.sigev_signo = TICKER_KICK_SIGNAL;
    ev.sigev_value.sival_ptr = t->vcpu;
    ev.sigev_notify_thread_id = (pid_t)syscall(SYS_gettid);
    return timer_create(CLOCK_MONOTONIC, &ev, timer);
}

int ticker_vcpu_attach(struct ticker_vcpu *t, unsigned period_ms, struct wisp_error *err)
{
    /* The process signals go to the main thread; the kick comes here. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGALRM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    sigemptyset(&set);
    sigaddset(&set, TICKER_KICK_SIGNAL);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);

    if (thread_timer(t, &t->deadline) < 0)
        return wisp_fail_errno(err, WISP_EXIT_HOST_ERROR, "cannot create a vCPU deadline timer");
    t->have_deadline = true;
    if (period_ms) {
        if (thread_timer(t, &t->periodic) < 0)
            return wisp_fail_errno(err, WISP_EXIT_HOST_ERROR, "cannot create a vCPU tick timer");
        t->have_periodic = true;
        struct timespec every = { (time_t)(period_ms / 1000), (long)(period_ms % 1000) * 1000000L };
        struct itimerspec period = { .it_interval = every, .it_value = every };
        if (timer_settime(t->periodic, 0, &period, NULL) < 0)
            return wisp_fail_errno(err, WISP_EXIT_HOST_ERROR, "cannot start a vCPU tick timer");
    }
    pthread_mutex_lock(&t->lock);
    t->thread = pthread_self();
    t->attached = true;
    pthread_mutex_unlock(&t->lock);
    return 0;
}

void ticker_vcpu_detach(struct ticker_vcpu *t)
{
    pthread_mutex_lock(&t->lock);
    t->attached = false;
    pthread_mutex_unlock(&t->lock);
    /* Kicks still queued for this thread die with it. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, TICKER_KICK_SIGNAL);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    if (t->have_periodic)
        timer_delete(t->periodic);
    if (t->have_deadline)
        timer_delete(t->deadline);
    t->have_periodic = t->have_deadline = false;
}

void ticker_vcpu_kick_at(struct ticker_vcpu *t, uint64_t monotonic_ns)
{
    if (!t->have_deadline)
        return;
    struct itimerspec when = {
        .it_value = { (time_t)(monotonic_ns / 1000000000u), (long)(monotonic_ns % 1000000000u) },
    };
    /* A zero it_value disarms; a moment already past fires at once. */
    timer_settime(t->deadline, TIMER_ABSTIME, &when, NULL);
}

void ticker_vcpu_kick(struct ticker_vcpu *t)
{
    accel_vcpu_kick(t->vcpu);
    pthread_mutex_lock(&t->lock);
    if (t->attached) {
        union sigval value = { .sival_ptr = t->vcpu };
        pthread_sigqueue(t->thread, TICKER_KICK_SIGNAL, value);
    }
    pthread_mutex_unlock(&t->lock);
}
