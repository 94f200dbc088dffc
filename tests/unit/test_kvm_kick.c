/*
 * The KVM backend's kick (immediate_exit) against a scripted fake KVM:
 * ioctl, mmap and munmap are wrapped at link time (-Wl,--wrap, see the
 * Makefile's LDFLAGS_test_kvm_kick), so src/accel/kvm.c runs unchanged
 * while the test decides what each KVM_RUN does.
 *
 * Regression: a kick that lands after KVM_RUN has returned with an exit,
 * but before the backend looked at immediate_exit, used to be wiped by an
 * unconditional "immediate_exit = 0" and so was lost; the guest then ran
 * on until the next tick. It must cancel the next run instead.
 */
#include <errno.h>
#include <linux/kvm.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "accel/accel.h"

#define FAKE_RUN_SIZE 8192
#define FAKE_VM_FD    1000
#define FAKE_VCPU_FD  1001

int __real_ioctl(int fd, unsigned long request, ...);
void *__real_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);
int __real_munmap(void *addr, size_t len);

static int kvm_fd = -1;             /* the /dev/null the backend opened */
static struct kvm_run *fake_run;    /* what the vCPU's mmap returns */
static struct accel_vcpu *the_vcpu; /* for kicks from inside KVM_RUN */

/* What the next KVM_RUN does. */
enum run_script {
    RUN_EXIT_IO,                 /* an I/O exit, nothing else */
    RUN_EXIT_IO_KICK_AFTER,      /* an I/O exit, then a kick lands on the way out */
    RUN_INTERRUPTED_BY_SIGNAL,   /* a signal arrives while the guest runs */
};
static enum run_script script;
static int runs, runs_entered_with_kick;

static int fake_kvm_run(void)
{
    runs++;
    if (fake_run->immediate_exit) {
        runs_entered_with_kick++;
        errno = EINTR;
        return -1;
    }
    switch (script) {
    case RUN_INTERRUPTED_BY_SIGNAL:
        accel_vcpu_kick(the_vcpu); /* the signal handler's work */
        fake_run->exit_reason = KVM_EXIT_INTR;
        errno = EINTR;
        return -1;
    case RUN_EXIT_IO_KICK_AFTER:
    case RUN_EXIT_IO:
        fake_run->exit_reason = KVM_EXIT_IO;
        fake_run->io.direction = KVM_EXIT_IO_OUT;
        fake_run->io.size = 1;
        fake_run->io.port = 0x80;
        fake_run->io.count = 1;
        fake_run->io.data_offset = 4096;
        /* The kernel has left KVM_RUN; the kick's signal comes now, before
         * user space has read anything. */
        if (script == RUN_EXIT_IO_KICK_AFTER)
            accel_vcpu_kick(the_vcpu);
        return 0;
    }
    return 0;
}

int __wrap_ioctl(int fd, unsigned long request, ...)
{
    va_list ap;
    va_start(ap, request);
    void *arg = va_arg(ap, void *);
    va_end(ap);
    if (fd != kvm_fd && fd != FAKE_VM_FD && fd != FAKE_VCPU_FD)
        return __real_ioctl(fd, request, arg);
    switch (request) {
    case KVM_GET_API_VERSION: return KVM_API_VERSION;
    case KVM_CHECK_EXTENSION: return (uintptr_t)arg == KVM_CAP_SYNC_REGS ? 0 : 1;
    case KVM_CREATE_VM: return FAKE_VM_FD;
    case KVM_GET_VCPU_MMAP_SIZE: return FAKE_RUN_SIZE;
    case KVM_CREATE_VCPU: return FAKE_VCPU_FD;
    case KVM_GET_REGS: memset(arg, 0, sizeof(struct kvm_regs)); return 0;
    case KVM_GET_SREGS: memset(arg, 0, sizeof(struct kvm_sregs)); return 0;
    case KVM_RUN: return fake_kvm_run();
    case KVM_GET_STATS_FD: errno = ENOTTY; return -1; /* as before Linux 5.14 */
    default: return 0; /* KVM_SET_TSS_ADDR and friends */
    }
}

void *__wrap_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
    if (fd != FAKE_VCPU_FD)
        return __real_mmap(addr, len, prot, flags, fd, off);
    fake_run = __real_mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return fake_run;
}

int __wrap_munmap(void *addr, size_t len)
{
    if (addr == fake_run)
        fake_run = NULL;
    return __real_munmap(addr, len);
}

/* The backend closes its fds at the end; the fake ones were never open. */
static struct accel_vm *vm;

static int setup(void **state)
{
    (void)state;
    struct wisp_error err = { 0 };
    struct accel_vm_config cfg = { .irqchip = ACCEL_IRQCHIP_USER, .device_path = "/dev/null" };
    /* The fd open() will hand out next is the one the backend gets. */
    kvm_fd = dup(0);
    close(kvm_fd);
    if (accel_vm_create(&vm, &cfg, &err) < 0 || accel_vcpu_create(vm, 0, &the_vcpu, &err) < 0) {
        fprintf(stderr, "fake KVM: %s\n", err.message);
        return -1;
    }
    runs = runs_entered_with_kick = 0;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    accel_vcpu_destroy(the_vcpu);
    accel_vm_destroy(vm);
    the_vcpu = NULL;
    vm = NULL;
    return 0;
}

static enum accel_exit_reason run_once(void)
{
    struct accel_exit e;
    struct wisp_error err = { 0 };
    assert_int_equal(accel_vcpu_run(the_vcpu, &e, &err), 0);
    return e.reason;
}

static void test_kick_after_an_exit_cancels_the_next_run(void **state)
{
    (void)state;
    script = RUN_EXIT_IO_KICK_AFTER;
    assert_int_equal(run_once(), ACCEL_EXIT_IO_PORT_ACCESS);
    script = RUN_EXIT_IO;
    assert_int_equal(run_once(), ACCEL_EXIT_CANCELED);
    assert_int_equal(runs_entered_with_kick, 1);
    /* Consumed: the run after that goes into the guest again. */
    assert_int_equal(run_once(), ACCEL_EXIT_IO_PORT_ACCESS);
    assert_int_equal(runs_entered_with_kick, 1);
}

static void test_kick_before_a_run_cancels_it_once(void **state)
{
    (void)state;
    script = RUN_EXIT_IO;
    accel_vcpu_kick(the_vcpu);
    assert_int_equal(run_once(), ACCEL_EXIT_CANCELED);
    assert_int_equal(run_once(), ACCEL_EXIT_IO_PORT_ACCESS);
    assert_int_equal(runs_entered_with_kick, 1);
}

static void test_signal_during_a_run_is_consumed_by_it(void **state)
{
    (void)state;
    script = RUN_INTERRUPTED_BY_SIGNAL;
    assert_int_equal(run_once(), ACCEL_EXIT_CANCELED);
    script = RUN_EXIT_IO;
    assert_int_equal(run_once(), ACCEL_EXIT_IO_PORT_ACCESS);
    assert_int_equal(runs_entered_with_kick, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_kick_after_an_exit_cancels_the_next_run, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_kick_before_a_run_cancels_it_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_signal_during_a_run_is_consumed_by_it, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
