/*
 * Stop the world (src/vmm/vcpu_pause.h) with fake vCPU threads: each loops
 * through its safe point, "runs the guest" (counts, with a flag up while
 * it does) and, every other one, waits like a halted vCPU. vm_pause() must
 * return with every flag down and no counter moving until vm_resume();
 * pauses nest; a vCPU thread may pause the others; a stop ends paused
 * threads. Runs under ThreadSanitizer too (make tsan).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "host/clock.h"
#include "vmm/vcpu_pause.h"
#include "vmm/vm_internal.h"

#define CPUS 4

static struct vm *vm;
static int in_guest[CPUS];
static uint64_t progress[CPUS];
static int cpu0_should_pause;   /* test 3: CPU 0 pauses the others */
static int cpu0_saw_others_still;

static void sleep_ms(unsigned ms)
{
    struct timespec ts = { 0, (long)ms * 1000000L };
    nanosleep(&ts, NULL);
}

static uint64_t get(uint64_t *p) { return __atomic_load_n(p, __ATOMIC_SEQ_CST); }

static void cpu0_pauses_the_others(void)
{
    vm_pause(vm);
    uint64_t before[CPUS];
    for (int i = 1; i < CPUS; i++)
        before[i] = get(&progress[i]);
    sleep_ms(20);
    int still = 1;
    for (int i = 1; i < CPUS; i++)
        still &= get(&progress[i]) == before[i] && !__atomic_load_n(&in_guest[i], __ATOMIC_SEQ_CST);
    __atomic_store_n(&cpu0_saw_others_still, still ? 1 : -1, __ATOMIC_SEQ_CST);
    vm_resume(vm);
}

static void *fake_vcpu(void *opaque)
{
    struct vcpu *cpu = opaque;
    vcpu_set_current(cpu);
    unsigned i = cpu->index;
    while (vcpu_safe_point(cpu)) {
        if (i == 0 && __atomic_exchange_n(&cpu0_should_pause, 0, __ATOMIC_SEQ_CST))
            cpu0_pauses_the_others();
        __atomic_store_n(&in_guest[i], 1, __ATOMIC_SEQ_CST);
        for (int n = 0; n < 1000; n++)
            __atomic_add_fetch(&progress[i], 1, __ATOMIC_SEQ_CST);
        __atomic_store_n(&in_guest[i], 0, __ATOMIC_SEQ_CST);
        if (i % 2) { /* like a halted vCPU: wait for a kick or 1 ms */
            vcpu_clear_wake(cpu);
            vcpu_wait(cpu, clock_monotonic_ns() + 1000000);
        }
    }
    vm_vcpu_thread_ended(vm);
    return NULL;
}

static int start(void **state)
{
    (void)state;
    vm = calloc(1, sizeof *vm);
    assert_non_null(vm);
    host_mutex_init(&vm->device_lock);
    host_mutex_init(&vm->run_lock);
    host_cond_init(&vm->run_cond);
    vm->ncpus = CPUS;
    memset(in_guest, 0, sizeof in_guest);
    memset(progress, 0, sizeof progress);
    for (unsigned i = 0; i < CPUS; i++) {
        struct vcpu *cpu = &vm->cpus[i];
        cpu->vm = vm;
        cpu->index = i;
        host_mutex_init(&cpu->wait_lock);
        host_cond_init(&cpu->wait_cond);
    }
    for (unsigned i = 0; i < CPUS; i++) {
        struct wisp_error err = { 0 };
        host_mutex_lock(&vm->run_lock);
        vm->threads_live++;
        host_mutex_unlock(&vm->run_lock);
        assert_int_equal(host_thread_start(&vm->cpus[i].thread, "fake-vcpu", fake_vcpu,
                                           &vm->cpus[i], &err), 0);
    }
    sleep_ms(10);
    return 0;
}

static int stop(void **state)
{
    (void)state;
    vm_request_stop(vm, VM_STOP_USER_QUIT, 0);
    for (unsigned i = 0; i < CPUS; i++)
        host_thread_join(&vm->cpus[i].thread);
    assert_int_equal(vm->threads_live, 0);
    for (unsigned i = 0; i < CPUS; i++) {
        host_cond_destroy(&vm->cpus[i].wait_cond);
        host_mutex_destroy(&vm->cpus[i].wait_lock);
    }
    host_cond_destroy(&vm->run_cond);
    host_mutex_destroy(&vm->run_lock);
    host_mutex_destroy(&vm->device_lock);
    free(vm);
    vm = NULL;
    return 0;
}

static void snapshot(uint64_t *out)
{
    for (int i = 0; i < CPUS; i++)
        out[i] = get(&progress[i]);
}

static void assert_held(void)
{
    uint64_t a[CPUS], b[CPUS];
    for (int i = 0; i < CPUS; i++)
        assert_int_equal(__atomic_load_n(&in_guest[i], __ATOMIC_SEQ_CST), 0);
    snapshot(a);
    sleep_ms(20);
    snapshot(b);
    assert_memory_equal(a, b, sizeof a);
}

/* Every counter moves again (within 5 s: the host may be busy). */
static void assert_running(void)
{
    uint64_t a[CPUS], b[CPUS];
    snapshot(a);
    for (int tries = 0; tries < 500; tries++) {
        sleep_ms(10);
        snapshot(b);
        int moved = 0;
        for (int i = 0; i < CPUS; i++)
            moved += b[i] > a[i];
        if (moved == CPUS)
            return;
    }
    fail_msg("a vCPU did not run again after vm_resume");
}

static void test_pause_holds_every_vcpu_outside_the_guest(void **state)
{
    (void)state;
    assert_running();
    for (int round = 0; round < 5; round++) {
        vm_pause(vm);
        assert_held();
        vm_resume(vm);
        assert_running();
    }
}

static void test_pauses_nest(void **state)
{
    (void)state;
    vm_pause(vm);
    vm_pause(vm);
    vm_resume(vm);
    assert_held();
    vm_resume(vm);
    assert_running();
}

static void test_a_vcpu_thread_can_pause_the_others(void **state)
{
    (void)state;
    __atomic_store_n(&cpu0_saw_others_still, 0, __ATOMIC_SEQ_CST);
    __atomic_store_n(&cpu0_should_pause, 1, __ATOMIC_SEQ_CST);
    for (int i = 0; i < 200 && !__atomic_load_n(&cpu0_saw_others_still, __ATOMIC_SEQ_CST); i++)
        sleep_ms(5);
    assert_int_equal(__atomic_load_n(&cpu0_saw_others_still, __ATOMIC_SEQ_CST), 1);
    assert_running();
}

static void test_a_stop_ends_paused_threads(void **state)
{
    (void)state;
    vm_pause(vm);
    assert_held();
    vm_request_stop(vm, VM_STOP_USER_QUIT, 0);
    for (unsigned i = 0; i < CPUS; i++)
        host_thread_join(&vm->cpus[i].thread);
    assert_int_equal(vm->threads_live, 0);
    vm_resume(vm);
    /* Restart fresh threads for the teardown to stop. */
    vm->stopping = 0;
    vm->stop.requested = false;
    for (unsigned i = 0; i < CPUS; i++) {
        struct wisp_error err = { 0 };
        host_mutex_lock(&vm->run_lock);
        vm->threads_live++;
        host_mutex_unlock(&vm->run_lock);
        assert_int_equal(host_thread_start(&vm->cpus[i].thread, "fake-vcpu", fake_vcpu,
                                           &vm->cpus[i], &err), 0);
    }
}

static void test_pause_without_threads_returns_at_once(void **state)
{
    (void)state;
    struct vm *none = calloc(1, sizeof *none);
    assert_non_null(none);
    host_mutex_init(&none->run_lock);
    host_cond_init(&none->run_cond);
    vm_pause(none);
    vm_pause(none);
    vm_resume(none);
    vm_resume(none);
    assert_int_equal(none->pause_requested, 0);
    host_cond_destroy(&none->run_cond);
    host_mutex_destroy(&none->run_lock);
    free(none);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_pause_holds_every_vcpu_outside_the_guest, start, stop),
        cmocka_unit_test_setup_teardown(test_pauses_nest, start, stop),
        cmocka_unit_test_setup_teardown(test_a_vcpu_thread_can_pause_the_others, start, stop),
        cmocka_unit_test_setup_teardown(test_a_stop_ends_paused_threads, start, stop),
        cmocka_unit_test(test_pause_without_threads_returns_at_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
