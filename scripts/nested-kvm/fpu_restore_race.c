/*
 * Do FPU-state restores on one CPU disturb KVM on another?
 *
 *   fpu_restore_race [SECONDS]   exit 0 and "right: ...", or exit 1 and
 *                                "wrong: ..." (default 10 seconds); exit 2
 *                                when it cannot set up
 *
 * CPU 1 runs FXRSTOR in a loop while CPU 0 runs a tiny KVM guest that
 * does nothing but port writes, so KVM enters and leaves it as fast as it
 * can (VMRUN, #VMEXIT, STGI, CLGI on an SVM CPU).  A real CPU does not
 * care.  QEMU's TCG clears a bit in CPU 0's hflags2 on every FXRSTOR of
 * any CPU, with a plain read-modify-write from that CPU's thread, so CPU
 * 0's own SVM state changes get lost now and then: the guest comes back
 * at the host's RIP or KVM_RUN fails ("wrong"), or the kernel of the VM
 * this runs in crashes or hangs (in Debian's QEMU 7.2 it crashed within
 * seconds every time).  scripts/nested-kvm/build-qemu.sh's QEMU has the
 * fix.  Needs /dev/kvm and two CPUs.  No watchdog of its own: one timed on
 * CPU 1 saw gaps of seconds that were not there (the guest's exit count
 * kept growing) in the VM under this load.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

enum { GUEST_PORT = 0x10 };

/* out %al,$0x10; jmp back to it: one exit per loop. */
static const uint8_t guest_code[] = {0xe6, GUEST_PORT, 0xeb, 0xfc};

static atomic_int stop;

static void pin_to_cpu(int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0) {
        printf("fpu_restore_race: cannot run on CPU %d: %s\n", cpu, strerror(errno));
        exit(2);
    }
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* CPU 1: FXRSTOR as fast as it goes until told to stop. */
static void *restore_fpu_state(void *count)
{
    static uint8_t area[512] __attribute__((aligned(16)));
    unsigned long restores = 0;

    pin_to_cpu(1);
    __asm__ volatile("fxsave %0" : "=m"(area));
    while (!atomic_load(&stop)) {
        for (int i = 0; i < 10000; i++)
            __asm__ volatile("fxrstor %0" : : "m"(area));
        restores += 10000;
    }
    *(unsigned long *)count = restores;
    return NULL;
}

static int kvm_or_die(int fd, unsigned long request, void *arg, const char *what)
{
    int r = ioctl(fd, request, arg);
    if (r < 0) {
        printf("fpu_restore_race: %s: %s\n", what, strerror(errno));
        exit(2);
    }
    return r;
}

int main(int argc, char **argv)
{
    double seconds = argc > 1 ? atof(argv[1]) : 10;
    int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (kvm < 0) {
        printf("fpu_restore_race: /dev/kvm: %s\n", strerror(errno));
        return 2;
    }
    int vm = kvm_or_die(kvm, KVM_CREATE_VM, 0, "KVM_CREATE_VM");
    uint8_t *mem = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED) {
        printf("fpu_restore_race: mmap: %s\n", strerror(errno));
        return 2;
    }
    memcpy(mem, guest_code, sizeof guest_code);
    struct kvm_userspace_memory_region region = {
        .slot = 0, .guest_phys_addr = 0, .memory_size = 4096, .userspace_addr = (uintptr_t)mem};
    kvm_or_die(vm, KVM_SET_USER_MEMORY_REGION, &region, "KVM_SET_USER_MEMORY_REGION");
    int vcpu = kvm_or_die(vm, KVM_CREATE_VCPU, 0, "KVM_CREATE_VCPU");
    int run_size = kvm_or_die(kvm, KVM_GET_VCPU_MMAP_SIZE, 0, "KVM_GET_VCPU_MMAP_SIZE");
    struct kvm_run *run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
    if (run == MAP_FAILED) {
        printf("fpu_restore_race: mmap kvm_run: %s\n", strerror(errno));
        return 2;
    }
    struct kvm_sregs sregs;
    kvm_or_die(vcpu, KVM_GET_SREGS, &sregs, "KVM_GET_SREGS");
    sregs.cs.base = 0;
    sregs.cs.selector = 0;
    kvm_or_die(vcpu, KVM_SET_SREGS, &sregs, "KVM_SET_SREGS");
    struct kvm_regs regs = {.rip = 0, .rflags = 2};
    kvm_or_die(vcpu, KVM_SET_REGS, &regs, "KVM_SET_REGS");

    pin_to_cpu(0);
    unsigned long restores = 0;
    pthread_t restorer;
    if (pthread_create(&restorer, NULL, restore_fpu_state, &restores) != 0) {
        printf("fpu_restore_race: pthread_create failed\n");
        return 2;
    }
    double end = now() + seconds;
    unsigned long exits = 0;
    int wrong = 0;
    while (!wrong && now() < end) {
        for (int i = 0; i < 1000; i++) {
            if (ioctl(vcpu, KVM_RUN, 0) < 0) {
                printf("wrong: KVM_RUN failed after %lu exits: %s\n", exits, strerror(errno));
                wrong = 1;
                break;
            }
            if (run->exit_reason != KVM_EXIT_IO || run->io.port != GUEST_PORT) {
                printf("wrong: exit reason %u (port %#x) after %lu exits\n", run->exit_reason,
                       run->exit_reason == KVM_EXIT_IO ? run->io.port : 0, exits);
                wrong = 1;
                break;
            }
            exits++;
        }
        /* The guest's RIP must be one of its own two instructions. */
        kvm_or_die(vcpu, KVM_GET_REGS, &regs, "KVM_GET_REGS");
        if (!wrong && regs.rip != 2 && regs.rip != 0) {
            printf("wrong: the guest's RIP is %#llx after %lu exits\n", regs.rip, exits);
            wrong = 1;
        }
    }
    atomic_store(&stop, 1);
    pthread_join(restorer, NULL);
    if (wrong)
        return 1;
    printf("right: %lu guest exits on CPU 0 while CPU 1 ran %lu FXRSTORs\n", exits, restores);
    return 0;
}
