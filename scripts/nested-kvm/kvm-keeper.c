/*
 * Keeps the nested test VM's kernel from patching its own code while tests
 * run (scripts/nested-kvm.sh builds this and starts it before the command).
 *
 *     kvm-keeper READY-FILE
 *
 * KVM counts some things in static keys, and Linux turns a key's first
 * increment and last decrement into a live rewrite of every place the key
 * is tested, with INT3 breakpoints while the other CPUs keep running: one
 * VM existing (preempt_notifier_key, tested in __schedule and
 * finish_task_switch), an in-kernel LAPIC disabled by software or by
 * hardware (apic_sw_disabled, apic_hw_disabled), a vCPU without an
 * in-kernel LAPIC (kvm_has_noapic_vcpu). Every wisp run creates and
 * destroys such things, so without a keeper each run rewrites the
 * scheduler twice. Under QEMU's multi-threaded TCG such a rewrite now and
 * then leaves both vCPUs of the test VM looping through the INT3 handler
 * for good. This process holds one of each for the VM's whole life, so the
 * counts never fall back to zero and nothing is patched after it starts.
 * It creates READY-FILE once everything is held, then sleeps.
 */
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define MSR_IA32_APICBASE 0x1B
#define APIC_DEFAULT_BASE 0xFEE00000u
#define APICBASE_BSP (1u << 8)

static int check(int rc, const char *what)
{
    if (rc < 0) {
        perror(what);
        exit(1);
    }
    return rc;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: kvm-keeper READY-FILE\n");
        return 2;
    }
    int kvm = check(open("/dev/kvm", O_RDWR | O_CLOEXEC), "/dev/kvm");

    /* A VM with KVM's irqchip and one vCPU whose LAPIC stays disabled by
     * software (it never runs, so no guest enables it) and by hardware
     * (the APIC base MSR without its enable bit). */
    int with_lapic = check(ioctl(kvm, KVM_CREATE_VM, 0), "KVM_CREATE_VM");
    check(ioctl(with_lapic, KVM_CREATE_IRQCHIP, 0), "KVM_CREATE_IRQCHIP");
    int vcpu = check(ioctl(with_lapic, KVM_CREATE_VCPU, 0), "KVM_CREATE_VCPU");
    struct {
        struct kvm_msrs header;
        struct kvm_msr_entry entry;
    } msrs = {
        .header.nmsrs = 1,
        .entry = { .index = MSR_IA32_APICBASE, .data = APIC_DEFAULT_BASE | APICBASE_BSP },
    };
    if (check(ioctl(vcpu, KVM_SET_MSRS, &msrs), "KVM_SET_MSRS") != 1) {
        fprintf(stderr, "KVM_SET_MSRS: the APIC base was not accepted\n");
        return 1;
    }

    /* A VM without it, whose vCPU has no in-kernel LAPIC (--irqchip user). */
    int without_lapic = check(ioctl(kvm, KVM_CREATE_VM, 0), "KVM_CREATE_VM");
    check(ioctl(without_lapic, KVM_CREATE_VCPU, 0), "KVM_CREATE_VCPU");

    close(check(open(argv[1], O_WRONLY | O_CREAT | O_CLOEXEC, 0644), argv[1]));
    for (;;)
        pause();
}
