/*
 * One virtual CPU: its accelerator handle, its host thread, how other
 * threads wake it, and the state its thread publishes for idle detection.
 * Its loop ("what one vCPU does on an exit") is vcpu_run.c; how an AP
 * leaves its wait for start-up, vcpu_start.c.
 */
#ifndef WISP_VCPU_H
#define WISP_VCPU_H

#include <stdbool.h>
#include <stdint.h>

#include "accel/accel.h"
#include "debug/step_history.h"
#include "host/thread.h"
#include "host/ticker.h"
#include "vm.h"

/* What idle detection sees (published under vm->run_lock). */
enum vcpu_activity {
    VCPU_RUNNING,
    VCPU_HALTED, /* HLT with interrupts on: an interrupt wakes it */
    VCPU_PARKED, /* HLT with interrupts off, or waiting for start-up: only an
                  * NMI, INIT, start-up or its mailbox wakes it */
};

struct vcpu {
    struct vm *vm;
    unsigned index;             /* also its APIC ID */
    struct accel_vcpu *accel;
    struct ticker_vcpu *ticker;
    struct host_thread thread;
    bool thread_started;        /* main thread's bookkeeping */

    /* Kicks (vcpu_kick) set wake under wait_lock and signal wait_cond. */
    struct host_mutex wait_lock;
    struct host_cond wait_cond;
    bool wake;

    /* Owned by the vCPU's thread. */
    bool waiting_for_start;     /* parked in wisp (vcpu_start.c) */
    bool watch_mailbox;         /* ... and its native-boot mailbox may start it */
    bool halted_in_wisp;        /* --irqchip user: in HLT, waiting in wisp (snapshots keep it) */
    uint64_t armed_deadline;    /* --irqchip user: when the ticker kicks it */
    struct accel_regs reset_regs;   /* --irqchip user: the state INIT restores */
    struct accel_sregs reset_sregs;
    /* Where the guest was at its last exit before this one (crash reports:
     * KVM resets a vCPU on triple fault, losing its state). */
    uint64_t last_rip, last_cr2, last_cr3;
    enum accel_exit_reason last_reason;
    bool last_seen, last_cr_known;
    /* --exit-profile (debug/exit_profile.h), or NULL; and when this vCPU
     * first entered the guest. */
    struct exit_profile *profile;
    uint64_t first_entry_ns;
    /* KVM's count of interrupts delivered to it, at the last sample of a
     * halted vCPU (idle detection with the in-kernel irqchip). */
    uint64_t interrupts_seen;
    bool interrupts_known;
    /* --step-history (debug/step_history.h): empty when off. */
    struct step_history steps;

    /* Published under vm->run_lock. */
    enum vcpu_activity activity;
    uint64_t halt_rip;
    unsigned halt_count;        /* halts seen in a row at halt_rip */
    bool timer_armed;           /* at the last halt: a timer can wake it */
};

/* Creates the accelerator's vCPU and the thread's kick machinery. */
int vcpu_init(struct vcpu *cpu, struct vm *vm, unsigned index, struct wisp_error *err);
void vcpu_destroy(struct vcpu *cpu);

/* The vCPU whose thread is calling, or NULL (the main thread, a worker). */
struct vcpu *vcpu_current(void);
void vcpu_set_current(struct vcpu *cpu);

/* From any thread (device_lock may be held): makes cpu's thread leave the
 * guest, or its wait, soon and look at what changed. */
void vcpu_kick(struct vcpu *cpu);

/* On cpu's thread: forget earlier kicks, then check the condition, then
 * wait: a kick after vcpu_clear_wake() ends vcpu_wait() at once. */
void vcpu_clear_wake(struct vcpu *cpu);
void vcpu_wait(struct vcpu *cpu, uint64_t deadline_ns);

/* On cpu's thread: publish what it is doing. A halt at the same RIP as the
 * last one counts one more in a row. */
void vcpu_publish_running(struct vcpu *cpu);
void vcpu_publish_halt(struct vcpu *cpu, uint64_t rip, bool interrupts_on);
void vcpu_publish_parked(struct vcpu *cpu);
/* An interrupt reached the CPU since its last halt was seen (with KVM's
 * irqchip, where halts are sampled): its run of halts starts again. */
void vcpu_publish_woken(struct vcpu *cpu);
/* Whether a timer can wake the halted CPU (idle detection waits while one
 * can: a kernel waiting for ticks is not done). */
void vcpu_publish_timer_armed(struct vcpu *cpu, bool armed);

/* The vCPU thread's body (vcpu_run.c). */
void *vcpu_thread_main(void *opaque);

/* On cpu's thread, at every point where it may stop or park: parks while
 * the world is paused; false when the VM is stopping. */
bool vcpu_safe_point(struct vcpu *cpu);

/* vcpu_start.c. Set up before the threads run: whether an AP waits in
 * wisp, and what it may be started by. */
void vcpu_start_prepare(struct vcpu *cpu);
/* On the thread, while waiting_for_start: returns once started, or when
 * the VM stops (false) or the thread must look at something else. */
bool vcpu_wait_for_start(struct vcpu *cpu);
/* --irqchip user, on the thread, device_lock held: act on an INIT or a
 * start-up the LAPIC latched for a running vCPU. */
void vcpu_take_start_events(struct vcpu *cpu);

#endif
