#include "ticker.h"

#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "console.h"

static struct accel_vcpu *volatile kick_target;
static pthread_t vcpu_thread;
static volatile int vcpu_thread_known;
static timer_t deadline_timer;
static bool deadline_timer_created;
/* Set by handlers, swapped out atomically by ticker_take_events(). */
static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t screenshot_requested;
static volatile sig_atomic_t stop_signal_seen;

static void on_tick(int sig)
{
    (void)sig;
    if (kick_target)
        accel_vcpu_kick(kick_target);
}

static void on_stop(int sig)
{
    stop_signal_seen = sig;
    stop_requested = 1;
    on_tick(sig);
}

static void on_screenshot(int sig)
{
    screenshot_requested = 1;
    on_tick(sig);
}

static int install(int sig, void (*handler)(int))
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sigemptyset(&sa.sa_mask);
    /* SA_RESTART: a tick must not make a write fail half-way (glibc's
     * stdio then drops the rest of its buffer). KVM_RUN still returns
     * EINTR, as do poll() and sleeps: the kernel never restarts those. */
    sa.sa_flags = SA_RESTART;
    return sigaction(sig, &sa, NULL);
}

/* After the run loop has stopped reading the flags, a stop signal still
 * stops wisp (during the final screenshot, the teardown). The terminal was
 * restored when the loop ended; only async-signal-safe calls here. */
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

int ticker_start(struct accel_vcpu *vcpu, struct wisp_error *err)
{
    kick_target = vcpu;
    vcpu_thread = pthread_self();
    __atomic_store_n(&vcpu_thread_known, 1, __ATOMIC_RELEASE);
    if (install(SIGALRM, on_tick) < 0 || install(SIGINT, on_stop) < 0 ||
        install(SIGTERM, on_stop) < 0 || install(SIGHUP, on_stop) < 0 ||
        install(SIGUSR1, on_screenshot) < 0)
        return wisp_fail_errno(err, WISP_EXIT_HOST_ERROR, "cannot install signal handlers");
    struct itimerval period = {
        .it_interval = { 0, TICKER_PERIOD_MS * 1000 },
        .it_value = { 0, TICKER_PERIOD_MS * 1000 },
    };
    if (setitimer(ITIMER_REAL, &period, NULL) < 0)
        return wisp_fail_errno(err, WISP_EXIT_HOST_ERROR, "cannot start the run-loop timer");
    struct sigevent ev;
    memset(&ev, 0, sizeof ev);
    ev.sigev_notify = SIGEV_SIGNAL;
    ev.sigev_signo = SIGALRM;
    if (!deadline_timer_created) {
        if (timer_create(CLOCK_MONOTONIC, &ev, &deadline_timer) < 0)
            return wisp_fail_errno(err, WISP_EXIT_HOST_ERROR, "cannot create the deadline timer");
        deadline_timer_created = true;
    }
    return 0;
}

void ticker_kick_at(uint64_t monotonic_ns)
{
    if (!deadline_timer_created)
        return;
    struct itimerspec when = {
        .it_value = { (time_t)(monotonic_ns / 1000000000u), (long)(monotonic_ns % 1000000000u) },
    };
    /* A zero it_value disarms; a moment already past fires at once. */
    if (monotonic_ns == 0)
        when.it_value.tv_nsec = 0;
    timer_settime(deadline_timer, TIMER_ABSTIME, &when, NULL);
}

/* SIGALRM's handler sets immediate_exit; the signal also ends a KVM_RUN
 * in progress and the run loop's wait for input. */
void ticker_kick_now(void)
{
    if (__atomic_load_n(&vcpu_thread_known, __ATOMIC_ACQUIRE) &&
        !pthread_equal(pthread_self(), vcpu_thread))
        pthread_kill(vcpu_thread, SIGALRM);
}

void ticker_stop(void)
{
    __atomic_store_n(&vcpu_thread_known, 0, __ATOMIC_RELEASE);
    struct itimerval off = { { 0, 0 }, { 0, 0 } };
    setitimer(ITIMER_REAL, &off, NULL);
    ticker_kick_at(0);
    kick_target = NULL;
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
