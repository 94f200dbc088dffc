/*
 * The accelerator seam: one backend per host API (kvm.c, whp.c) implements
 * these functions. Nothing above src/accel/ includes <linux/kvm.h> or
 * <WinHvPlatform.h>.
 *
 * A VM exit is described by struct accel_exit, a portable record modelled on
 * WHP's WHV_RUN_VP_EXIT_CONTEXT: the reason uses the same names and values as
 * WHV_RUN_VP_EXIT_REASON, followed by the execution state, the instruction
 * that exited and a reason-specific union. KVM's kvm_run is translated into
 * it; WHP's exit context nearly is it already.
 */
#ifndef WISP_ACCEL_H
#define WISP_ACCEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* Values of WHV_RUN_VP_EXIT_REASON. */
enum accel_exit_reason {
    ACCEL_EXIT_NONE = 0x0000,
    ACCEL_EXIT_MEMORY_ACCESS = 0x0001,
    ACCEL_EXIT_IO_PORT_ACCESS = 0x0002,
    ACCEL_EXIT_UNRECOVERABLE_EXCEPTION = 0x0004, /* triple fault / shutdown */
    ACCEL_EXIT_INVALID_VP_REGISTER_VALUE = 0x0005, /* entry failed */
    ACCEL_EXIT_UNSUPPORTED_FEATURE = 0x0006,     /* incl. KVM emulation failure */
    ACCEL_EXIT_INTERRUPT_WINDOW = 0x0007,
    ACCEL_EXIT_HALT = 0x0008,
    ACCEL_EXIT_APIC_EOI = 0x0009,
    ACCEL_EXIT_MSR_ACCESS = 0x1000,
    ACCEL_EXIT_CPUID = 0x1001, /* answered inside the WHP backend; never returned */
    ACCEL_EXIT_EXCEPTION = 0x1002,
    ACCEL_EXIT_RDTSC = 0x1003,
    ACCEL_EXIT_HYPERCALL = 0x1005,
    ACCEL_EXIT_CANCELED = 0x2001, /* accel_vcpu_kick() or a signal */
};

const char *accel_exit_reason_name(enum accel_exit_reason reason);

/* WHV_X64_SEGMENT_REGISTER: attributes = type:4 s:1 dpl:2 p:1 rsvd:4 avl:1
 * l:1 db:1 g:1. */
struct accel_segment {
    uint64_t base;
    uint32_t limit;
    uint16_t selector;
    uint16_t attributes;
};

#define ACCEL_SEG_TYPE(a)   ((a) & 0xF)
#define ACCEL_SEG_S         (1u << 4)
#define ACCEL_SEG_DPL(d)    ((uint16_t)((d) << 5))
#define ACCEL_SEG_PRESENT   (1u << 7)
#define ACCEL_SEG_AVL       (1u << 12)
#define ACCEL_SEG_LONG      (1u << 13)
#define ACCEL_SEG_DB        (1u << 14)
#define ACCEL_SEG_GRANULAR  (1u << 15)

struct accel_table {
    uint64_t base;
    uint16_t limit;
};

struct accel_regs {
    uint64_t rax, rbx, rcx, rdx, rsi, rdi, rsp, rbp;
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
    uint64_t rip, rflags;
};

struct accel_sregs {
    struct accel_segment cs, ds, es, fs, gs, ss, tr, ldt;
    struct accel_table gdt, idt;
    uint64_t cr0, cr2, cr3, cr4, cr8, efer, apic_base;
};

/* WHV_X64_VP_EXECUTION_STATE, the fields wisp uses. */
struct accel_exec_state {
    uint8_t cpl;
    bool cr0_pe;
    bool efer_lma;
    bool interrupt_shadow;
    bool interruption_pending;
};

enum accel_access { ACCEL_ACCESS_READ = 0, ACCEL_ACCESS_WRITE = 1, ACCEL_ACCESS_EXECUTE = 2 };

struct accel_memory_access {
    uint64_t gpa;
    uint64_t gva;          /* 0 if the backend does not know it */
    enum accel_access access;
    uint8_t size;          /* decoded access width, 1..8 */
    uint8_t data[8];       /* written value, or filled by the VMM for reads */
};

struct accel_io_access {
    uint16_t port;
    uint8_t size;          /* 1, 2 or 4 */
    bool is_write;
    uint32_t count;        /* > 1 for rep string instructions */
    uint8_t *data;         /* size * count bytes, owned by the backend */
};

struct accel_msr_access {
    uint32_t index;
    bool is_write;
    uint64_t value;        /* written value, or filled for reads */
    bool inject_gp;        /* set by the VMM to refuse the access */
};

struct accel_cpuid_access {
    uint32_t leaf, subleaf;
    uint32_t eax, ebx, ecx, edx; /* default result; the VMM may change it */
};

/* KVM reports instructions its emulator cannot run; WHP has no equivalent
 * because it never emulates for the VMM. */
struct accel_unsupported {
    uint32_t code;         /* backend-specific (KVM internal-error suberror) */
    uint8_t insn_bytes[16];
    uint8_t insn_length;   /* how many of insn_bytes are valid, 0 if unknown */
};

/* raw_code of an ACCEL_EXIT_UNRECOVERABLE_EXCEPTION that is not a triple
 * fault but the guest's own request (KVM's system events): to power off,
 * to reset, or a crash it reports itself (Hyper-V's crash MSRs). */
#define ACCEL_SHUTDOWN_POWER_OFF 1
#define ACCEL_SHUTDOWN_RESET     2
#define ACCEL_SHUTDOWN_CRASH     3

struct accel_exit {
    enum accel_exit_reason reason;
    struct accel_exec_state state;
    uint8_t instruction_length; /* 0 if the backend does not report it */
    struct accel_segment cs;
    uint64_t rip;
    uint64_t rflags;
    /* ACCEL_EXIT_EXCEPTION from guest debug (accel_vcpu_set_guest_debug):
     * raw_code is the vector (1 = #DB: a step, a debug register hit;
     * 3 = #BP: an INT3), rip is the INT3 itself for #BP, and dr6 tells a
     * #DB's cause (B0-B3: which debug register, BS: a single step). */
    uint64_t dr6;
    union {
        struct accel_memory_access memory;
        struct accel_io_access io;
        struct accel_msr_access msr;
        struct accel_cpuid_access cpuid;
        struct accel_unsupported unsupported;
        uint64_t raw_code; /* other backend exit code, for messages */
    } u;
};

/* One CPUID result (the policy's and KVM's format). */
struct accel_cpuid_entry {
    uint32_t function, index;
    uint32_t flags; /* ACCEL_CPUID_FLAG_* */
    uint32_t eax, ebx, ecx, edx;
};
#define ACCEL_CPUID_FLAG_SIGNIFICANT_INDEX 1u

#define ACCEL_CPUID_MAX_ENTRIES 256

struct accel_cpuid {
    unsigned count;
    struct accel_cpuid_entry entries[ACCEL_CPUID_MAX_ENTRIES];
};

enum accel_irqchip { ACCEL_IRQCHIP_KERNEL, ACCEL_IRQCHIP_USER };

struct accel_vm_config {
    enum accel_irqchip irqchip;
    const char *device_path; /* KVM: default "/dev/kvm" */
    unsigned cpus;           /* vCPUs the VM will create (0 means 1) */
};

struct accel_vm;
struct accel_vcpu;

const char *accel_name(void);

int accel_vm_create(struct accel_vm **out, const struct accel_vm_config *cfg,
                    struct wisp_error *err);
void accel_vm_destroy(struct accel_vm *vm);

/* Makes [gpa, gpa+size) guest memory backed by host. */
int accel_vm_map_memory(struct accel_vm *vm, uint64_t gpa, uint64_t size, void *host,
                        struct wisp_error *err);

/* The CPUID the host can offer a guest of this VM (KVM_GET_SUPPORTED_CPUID,
 * plus the TSC-deadline timer when the in-kernel LAPIC has one; on WHP the
 * host's own CPUID). */
int accel_vm_supported_cpuid(struct accel_vm *vm, struct accel_cpuid *out,
                             struct wisp_error *err);

/* Raises or lowers a legacy interrupt line (in-kernel PIC/IOAPIC). */
int accel_vm_set_irq_line(struct accel_vm *vm, unsigned irq, bool level);

/* ---- device interrupts and notifications ---- */

/* Delivers a message-signalled interrupt (a PCI device's MSI-X write of
 * data to address) through the in-kernel irqchip. KVM: each distinct
 * (address, data) gets a GSI route (KVM_SET_GSI_ROUTING, the default
 * I/O APIC and PIC pins kept) with an irqfd behind it, and the interrupt
 * is a write to that eventfd; KVM_SIGNAL_MSI when routes run out. Callers
 * serialize (the VM's device lock); the delivery itself is thread-safe.
 * Returns -1 when the accelerator cannot (no in-kernel irqchip, WHP). */
int accel_vm_send_msi(struct accel_vm *vm, uint64_t address, uint32_t data);

/* Makes a guest write of len bytes (any value) to MMIO address gpa signal
 * eventfd fd inside the accelerator, without an exit (KVM_IOEVENTFD), or
 * undoes it. Returns -1 when the accelerator has no such thing (WHP): the
 * write then exits as usual. */
int accel_vm_ioeventfd(struct accel_vm *vm, uint64_t gpa, unsigned len, int fd, bool assign);

/* Guest writes to ports [port, port + len) stop exiting: the accelerator
 * queues them (KVM_CAP_COALESCED_PIO) until accel_vm_take_port_writes
 * hands them back in order; on = false ends that. Reads still exit. Until
 * then a queued write has had no effect, so the caller must take the queue
 * before it handles any other access (every exit). Returns -1 when the
 * accelerator cannot (WHP, an old KVM): writes keep exiting. */
int accel_vm_queue_port_writes(struct accel_vm *vm, uint16_t port, unsigned len, bool on);

/* Something is queued (cheap: one load, no lock needed to ask). */
bool accel_vm_port_writes_queued(struct accel_vm *vm);

/* Hands each queued write to fn, oldest first, and returns how many. One
 * caller at a time (wisp holds the device lock). */
typedef void (*accel_port_write_fn)(void *opaque, uint16_t port, const uint8_t *data,
                                    unsigned size);
unsigned accel_vm_take_port_writes(struct accel_vm *vm, accel_port_write_fn fn, void *opaque);

int accel_vcpu_create(struct accel_vm *vm, unsigned index, struct accel_vcpu **out,
                      struct wisp_error *err);
void accel_vcpu_destroy(struct accel_vcpu *vcpu);

int accel_vcpu_set_cpuid(struct accel_vcpu *vcpu, const struct accel_cpuid *cpuid,
                         struct wisp_error *err);

int accel_vcpu_get_regs(struct accel_vcpu *vcpu, struct accel_regs *regs);
int accel_vcpu_set_regs(struct accel_vcpu *vcpu, const struct accel_regs *regs);
int accel_vcpu_get_sregs(struct accel_vcpu *vcpu, struct accel_sregs *sregs);
int accel_vcpu_set_sregs(struct accel_vcpu *vcpu, const struct accel_sregs *sregs);

/* Runs until the next exit wisp must see. Data the VMM places in a read's
 * exit record (memory.data, io.data, msr.value, cpuid.e?x) is handed back
 * to the guest when the vCPU next runs. Returns -1 only when the backend
 * itself fails. */
int accel_vcpu_run(struct accel_vcpu *vcpu, struct accel_exit *exit, struct wisp_error *err);

/* Makes a running (or about to run) accel_vcpu_run return
 * ACCEL_EXIT_CANCELED soon. Async-signal-safe and callable from any
 * thread. On KVM it only sets a flag the next KVM_RUN honours: a thread
 * already inside KVM_RUN must also get a signal (host/ticker.h does both). */
void accel_vcpu_kick(struct accel_vcpu *vcpu);

/* True when the vCPU sits in HLT waiting for an interrupt. */
bool accel_vcpu_is_halted(struct accel_vcpu *vcpu);

/* What the vCPU is doing, as the in-kernel irqchip sees it (user-space
 * irqchips track wait-for-SIPI themselves: there it is always RUNNING or
 * HALTED). Call on the vCPU's own thread, between runs. */
enum accel_activity {
    ACCEL_ACTIVITY_RUNNING,
    ACCEL_ACTIVITY_HALTED,        /* in HLT, waiting for an interrupt */
    ACCEL_ACTIVITY_WAIT_FOR_SIPI, /* an AP not started yet, or after INIT */
};
int accel_vcpu_get_activity(struct accel_vcpu *vcpu, enum accel_activity *out);

/* What the in-kernel irqchip holds for the vCPU and it has not taken yet:
 * *interrupt, a vector in its LAPIC's IRR above the processor priority;
 * *nmi, an NMI. Both false without an in-kernel irqchip. Call between
 * runs: on the vCPU's thread, or on another while the vCPU is paused
 * (vmm/vcpu_pause.h). */
int accel_vcpu_pending_events(struct accel_vcpu *vcpu, bool *interrupt, bool *nmi);

/* The in-kernel LAPIC's state in brief, for reports of a guest that
 * stopped making progress: the highest vector in service and the highest
 * requested (-1 for none), its task priority, and whether its timer is
 * armed. -1 without an in-kernel irqchip. Call between runs, like
 * accel_vcpu_pending_events. */
struct accel_apic_summary {
    int in_service, requested;
    uint32_t task_priority;
    bool timer_armed;
};
int accel_vcpu_apic_summary(struct accel_vcpu *vcpu, struct accel_apic_summary *out);

/* Whether the in-kernel irqchip has a timer armed that can wake this vCPU
 * from HLT: its LAPIC timer unmasked and counting (one-shot with a current
 * count left, periodic with an initial count, or TSC-deadline with a
 * deadline set) in a software-enabled LAPIC; for index 0 also PIT channel 0
 * in a periodic mode (2 or 3) with IRQ 0 reaching the CPU (PIC input
 * unmasked and LINT0 unmasked, or I/O APIC input 2 unmasked), or a request
 * already waiting in the PIC. KVM does not say whether a PIT one-shot is
 * still counting: see accel_vcpu_interrupts_injected. False without
 * an in-kernel irqchip (wisp's own knows its timers). Call between runs,
 * like accel_vcpu_pending_events. */
int accel_vcpu_timer_armed(struct accel_vcpu *vcpu, unsigned index, bool *armed);

/* How many interrupts the accelerator has delivered to this vCPU so far
 * (KVM's irq_injections statistic): a count that moved between two looks
 * at a halted vCPU means something woke it, a PIT one-shot for instance.
 * -1 when the accelerator does not say (KVM before 5.14, WHP). */
int accel_vcpu_interrupts_injected(struct accel_vcpu *vcpu, uint64_t *count);

/* CR2 and CR3 as of the last exit, when the backend has them without a
 * system call (KVM's synced registers); -1 otherwise. For crash reports:
 * recorded at every exit, they say where the guest last was. */
int accel_vcpu_peek_control_regs(struct accel_vcpu *vcpu, uint64_t *cr2, uint64_t *cr3);

/* Takes an AP out of wait-for-SIPI so that it runs from the registers the
 * VMM sets (wisp's mailbox start). A no-op without an in-kernel irqchip. */
int accel_vcpu_set_running(struct accel_vcpu *vcpu);

/* ---- interrupts when the VMM owns the interrupt controllers ----
 * (ACCEL_IRQCHIP_USER: KVM without in-kernel irqchip, or WHP without its
 * APIC emulation). */

/* True when an external interrupt can be injected right now: RFLAGS.IF set,
 * no interrupt shadow, no event already pending. */
bool accel_vcpu_interrupt_window_open(struct accel_vcpu *vcpu);

/* Injects external interrupt `vector` before the next guest instruction;
 * only valid when the window is open. */
int accel_vcpu_inject_interrupt(struct accel_vcpu *vcpu, uint8_t vector);

/* Asks for an ACCEL_EXIT_INTERRUPT_WINDOW exit as soon as the guest can take
 * an interrupt (or stops asking). */
void accel_vcpu_request_interrupt_window(struct accel_vcpu *vcpu, bool wanted);

/* Queues a non-maskable interrupt; the backend delivers it when the guest
 * can take one (after the current NMI handler's IRET). */
int accel_vcpu_inject_nmi(struct accel_vcpu *vcpu);

/* ---- model-specific registers handled by the VMM ---- */

/* Makes guest RDMSR/WRMSR of [first, first+count) exit as
 * ACCEL_EXIT_MSR_ACCESS (Hyper-V's synthetic MSRs, for --hyperv). */
int accel_vm_trap_msrs(struct accel_vm *vm, uint32_t first, uint32_t count,
                       struct wisp_error *err);

/* The guest's TSC: its frequency and its current value. */
int accel_vcpu_tsc_khz(struct accel_vcpu *vcpu, uint32_t *khz);
int accel_vcpu_read_tsc(struct accel_vcpu *vcpu, uint64_t *tsc);

/* Guest-virtual to guest-physical through the guest's current page tables. */
int accel_vcpu_translate(struct accel_vcpu *vcpu, uint64_t gva, uint64_t *gpa);

/* Queues an exception for delivery on the next run. */
int accel_vcpu_inject_exception(struct accel_vcpu *vcpu, uint8_t vector,
                                bool has_error_code, uint32_t error_code);

/* ---- debugging (the GDB stub, src/vmm/gdb_stub.c) ---- */

/* The x87 and SSE state, FXSAVE-like (KVM_GET_FPU's layout). */
struct accel_fpu {
    uint8_t fpr[8][16];    /* st0..st7: 10 bytes each, padded */
    uint16_t fcw, fsw;
    uint8_t ftwx;          /* abridged tag word: bit i set = st(i) in use */
    uint16_t last_opcode;
    uint64_t last_ip, last_dp;
    uint8_t xmm[16][16];
    uint32_t mxcsr;
};
int accel_vcpu_get_fpu(struct accel_vcpu *vcpu, struct accel_fpu *fpu);
int accel_vcpu_set_fpu(struct accel_vcpu *vcpu, const struct accel_fpu *fpu);

/* What the vCPU traps to the VMM for a debugger, as ACCEL_EXIT_EXCEPTION:
 * INT3 (sw_breakpoints: the guest's own INT3s exit too and must be
 * reinjected), each instruction (single_step; block_irq keeps interrupts
 * from being taken meanwhile, as QEMU's stub does), and the debug
 * registers dr[0..3] armed by dr7 (hw_breakpoints). enable = false turns
 * it all off. Call between runs (on another thread only while the vCPU is
 * paused). Fails on backends without guest debugging (WHP today). */
struct accel_guest_debug {
    bool enable;
    bool single_step;
    bool block_irq;
    bool sw_breakpoints;
    bool hw_breakpoints;
    uint64_t dr[4];
    uint64_t dr7;
};
int accel_vcpu_set_guest_debug(struct accel_vcpu *vcpu, const struct accel_guest_debug *dbg);

/* ---- snapshots (src/state/, vmm/vm_snapshot.c, vmm/vm_restore.c) ----
 * What the accelerator holds for a vCPU (general, segment and control
 * registers, XSAVE, XCRs, debug registers, the MSRs it lists, pending
 * events, MP state, an in-kernel LAPIC) and for the VM (in-kernel PIC,
 * I/O APIC and PIT, its clock) as one opaque, backend-specific byte string
 * each, malloc'd into *data. Save while the vCPU is paused (vcpu_pause.h):
 * it first finishes the I/O of the vCPU's last exit without running guest
 * code. Restore into a fresh VM of the same shape, after the vCPU's CPUID,
 * before it runs; a malformed or foreign string fails with
 * WISP_EXIT_BAD_KERNEL, checked before anything is changed where it can
 * be. WHP: not yet (fails with a clear error). */
int accel_vcpu_save_state(struct accel_vcpu *vcpu, uint8_t **data, size_t *size,
                          struct wisp_error *err);
int accel_vcpu_restore_state(struct accel_vcpu *vcpu, const uint8_t *data, size_t size,
                             struct wisp_error *err);
int accel_vm_save_state(struct accel_vm *vm, uint8_t **data, size_t *size,
                        struct wisp_error *err);
int accel_vm_restore_state(struct accel_vm *vm, const uint8_t *data, size_t size,
                           struct wisp_error *err);

/* ---- live migration's dirty log (vmm/vm_migrate.c) ----
 * Pages the guest (and the accelerator itself: its clock, its LAPIC pages)
 * writes while the log is on, per memory range mapped with
 * accel_vm_map_memory. KVM: KVM_MEM_LOG_DIRTY_PAGES on every slot and
 * KVM_GET_DIRTY_LOG; pages wisp writes from user space are not in it.
 * WHP: not yet (fails with a clear error). Call from one thread. */
int accel_vm_dirty_log_start(struct accel_vm *vm, struct wisp_error *err);
/* ORs into bitmap (bit i = page gpa + i*4096, 64 pages a word) the pages
 * of the range mapped at gpa written since the last call or since
 * start, and forgets them. */
int accel_vm_dirty_log_take(struct accel_vm *vm, uint64_t gpa, uint64_t *bitmap,
                            struct wisp_error *err);
/* Back to no log (the migration ended, or failed). */
void accel_vm_dirty_log_stop(struct accel_vm *vm);

/* ---- the sandbox (host/sandbox.h) ----
 * The ioctl requests the backend makes once the VM runs (on the vCPU and
 * VM file descriptors): the seccomp filter allows these and no others.
 * Count in *count; NULL and 0 where the backend makes none (WHP). A call
 * added to the run path must be added here too, or seccomp stops wisp
 * with its name. */
const unsigned long *accel_sandbox_ioctls(size_t *count);
/* Those a device thread makes to raise an interrupt or attach a queue's
 * notification (on the VM file descriptor). */
const unsigned long *accel_sandbox_interrupt_ioctls(size_t *count);
/* Those the migration thread makes (the dirty log's). */
const unsigned long *accel_sandbox_dirty_log_ioctls(size_t *count);

#endif
