/*
 * Snapshots on KVM: what KVM holds for a vCPU and for the VM, as one
 * opaque record list each (accel.h, "snapshots"; the format and its
 * checks are in kvm_records.c). Restoring checks every tag and length
 * before the first KVM_SET_* call, so a malformed list changes nothing.
 *
 * Restore order (KVM's rules): CPUID first (the caller, before this),
 * then sregs, regs, XCRs, XSAVE, the MSRs with the TSC first, the MP state,
 * the LAPIC, then the TSC deadline (KVM ignores it unless the LAPIC timer
 * is already in TSC-deadline mode), the events (they refer to the LAPIC)
 * and the debug registers last.
 */
#include "accel.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kvm_internal.h"
#include "kvm_records.h"

#define MSR_IA32_TSC 0x10u
#define MSR_IA32_TSC_DEADLINE 0x6E0u
#define XSAVE_LEGACY_SIZE 4096u /* struct kvm_xsave */

/* ---- writing a record list ---- */

struct out {
    uint8_t *data;
    size_t size, cap;
    bool failed;
};

static void put(struct out *o, unsigned tag, const void *payload, size_t len)
{
    if (o->failed)
        return;
    if (len > UINT32_MAX || o->size + 8 + len > o->cap) {
        size_t cap = (o->cap ? o->cap * 2 : 16384) + len + 8;
        uint8_t *grown = len > UINT32_MAX ? NULL : realloc(o->data, cap);
        if (!grown) {
            o->failed = true;
            return;
        }
        o->data = grown;
        o->cap = cap;
    }
    uint8_t *p = o->data + o->size;
    for (int i = 0; i < 4; i++) {
        p[i] = (uint8_t)(tag >> (8 * i));
        p[4 + i] = (uint8_t)(len >> (8 * i));
    }
    memcpy(p + 8, payload, len);
    o->size += 8 + len;
}

static int finish(struct out *o, uint8_t **data, size_t *size, struct wisp_error *err)
{
    if (o->failed) {
        free(o->data);
        return wisp_fail(err, WISP_EXIT_HOST_ERROR, "out of memory");
    }
    *data = o->data;
    *size = o->size;
    return 0;
}

/* ---- the vCPU ---- */

static size_t xsave_size(struct accel_vm *vm)
{
    int size = ioctl(vm->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_XSAVE2);
    return size > (int)XSAVE_LEGACY_SIZE ? (size_t)size : XSAVE_LEGACY_SIZE;
}

/* The MSR list KVM reports (KVM_GET_MSR_INDEX_LIST), malloc'd. */
static uint32_t *msr_index_list(struct accel_vm *vm, unsigned *count)
{
    struct kvm_msr_list probe = { .nmsrs = 0 };
    ioctl(vm->kvm_fd, KVM_GET_MSR_INDEX_LIST, &probe); /* E2BIG, with the count */
    unsigned n = probe.nmsrs;
    if (n == 0 || n > KVM_MAX_SAVED_MSRS)
        return NULL;
    struct kvm_msr_list *list = calloc(1, sizeof *list + n * sizeof(uint32_t));
    if (!list)
        return NULL;
    list->nmsrs = n;
    if (ioctl(vm->kvm_fd, KVM_GET_MSR_INDEX_LIST, list) < 0) {
        free(list);
        return NULL;
    }
    uint32_t *out = malloc(list->nmsrs * sizeof(uint32_t));
    if (out)
        memcpy(out, list->indices, list->nmsrs * sizeof(uint32_t));
    *count = list->nmsrs;
    free(list);
    return out;
}

/* Every MSR on the list that KVM reads for this vCPU. KVM_GET_MSRS stops
 * at the first it refuses (one this CPU's CPUID lacks): that one is
 * skipped and the rest read on. */
static struct kvm_msr_entry *read_msrs(struct accel_vcpu *vcpu, unsigned *count)
{
    unsigned n = 0;
    uint32_t *indices = msr_index_list(vcpu->vm, &n);
    if (!indices)
        return NULL;
    struct kvm_msrs *msrs = calloc(1, sizeof *msrs + n * sizeof(struct kvm_msr_entry));
    struct kvm_msr_entry *kept = calloc(n, sizeof *kept);
    unsigned nkept = 0;
    for (unsigned i = 0; msrs && kept && i < n;) {
        msrs->nmsrs = n - i;
        for (unsigned j = i; j < n; j++)
            msrs->entries[j - i] = (struct kvm_msr_entry){ .index = indices[j] };
        int got = ioctl(vcpu->fd, KVM_GET_MSRS, msrs);
        if (got < 0)
            break;
        for (int j = 0; j < got; j++)
            kept[nkept++] = msrs->entries[j];
        i += (unsigned)got + 1; /* the one refused, if any */
    }
    free(indices);
    free(msrs);
    *count = nkept;
    return kept;
}

static void complete_pending_io(struct accel_vcpu *vcpu)
{
    /* An exit's I/O is only finished by the next KVM_RUN; with
     * immediate_exit set it finishes it and returns before any guest
     * instruction (api.rst, KVM_CAP_IMMEDIATE_EXIT). The vCPU's own next
     * run then returns at once as cancelled and looks around. */
    __atomic_store_n(&vcpu->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
    kvm_hand_back_answers(vcpu);
    ioctl(vcpu->fd, KVM_RUN, 0); /* -EINTR: finished, nothing ran */
    vcpu->synced = false;
    __atomic_store_n(&vcpu->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
}

int accel_vcpu_save_state(struct accel_vcpu *vcpu, uint8_t **data, size_t *size,
                          struct wisp_error *err)
{
    struct accel_vm *vm = vcpu->vm;
    complete_pending_io(vcpu);
    struct out o = { 0 };
    struct kvm_regs regs;
    struct kvm_sregs sregs;
    struct kvm_xcrs xcrs;
    struct kvm_debugregs dbg;
    struct kvm_vcpu_events events;
    size_t xsize = xsave_size(vm);
    struct kvm_xsave *xsave = calloc(1, xsize);
    if (!xsave)
        return wisp_fail(err, WISP_EXIT_HOST_ERROR, "out of memory");
    int khz = ioctl(vcpu->fd, KVM_GET_TSC_KHZ, 0);
    memset(&xcrs, 0, sizeof xcrs);
    if (khz <= 0 || ioctl(vcpu->fd, KVM_GET_REGS, &regs) < 0 ||
        ioctl(vcpu->fd, KVM_GET_SREGS, &sregs) < 0 ||
        ioctl(vcpu->fd, xsize > XSAVE_LEGACY_SIZE ? KVM_GET_XSAVE2 : KVM_GET_XSAVE, xsave) < 0 ||
        ioctl(vcpu->fd, KVM_GET_XCRS, &xcrs) < 0 ||
        ioctl(vcpu->fd, KVM_GET_DEBUGREGS, &dbg) < 0 ||
        ioctl(vcpu->fd, KVM_GET_VCPU_EVENTS, &events) < 0) {
        free(xsave);
        return wisp_fail_errno(err, WISP_EXIT_HOST_ERROR, "KVM would not give a vCPU's state");
    }
    char why[200];
    if (kvm_sregs_problem(&sregs, why, sizeof why)) {
        free(xsave);
        return wisp_fail(err, WISP_EXIT_HOST_ERROR, "KVM gave a vCPU state it would not take "
                         "back, so no snapshot was written: %s (RIP 0x%llx)", why,
                         (unsigned long long)regs.rip);
    }
    uint32_t tsc_khz = (uint32_t)khz;
    put(&o, TAG_TSC_KHZ, &tsc_khz, sizeof tsc_khz);
    put(&o, TAG_REGS, &regs, sizeof regs);
    put(&o, TAG_SREGS, &sregs, sizeof sregs);
    put(&o, TAG_XCRS, &xcrs, sizeof xcrs);
    put(&o, TAG_XSAVE, xsave, xsize);
    free(xsave);
    unsigned nmsrs = 0;
    struct kvm_msr_entry *msrs = read_msrs(vcpu, &nmsrs);
    if (!msrs) {
        free(o.data);
        return wisp_fail(err, WISP_EXIT_HOST_ERROR, "KVM would not list or read the MSRs");
    }
    put(&o, TAG_MSRS, msrs, nmsrs * sizeof *msrs);
    free(msrs);
    if (vm->kernel_irqchip) {
        struct kvm_mp_state mp;
        struct kvm_lapic_state lapic;
        if (ioctl(vcpu->fd, KVM_GET_MP_STATE, &mp) < 0 ||
            ioctl(vcpu->fd, KVM_GET_LAPIC, &lapic) < 0) {
            free(o.data);
            return wisp_fail_errno(err, WISP_EXIT_HOST_ERROR, "KVM would not give a LAPIC");
        }
        put(&o, TAG_MP_STATE, &mp, sizeof mp);
        put(&o, TAG_LAPIC, &lapic, sizeof lapic);
    }
    put(&o, TAG_EVENTS, &events, sizeof events);
    put(&o, TAG_DEBUGREGS, &dbg, sizeof dbg);
    return finish(&o, data, size, err);
}

static int refused(struct wisp_error *err, const char *what)
{
    return wisp_fail_errno(err, WISP_EXIT_BAD_KERNEL, "KVM refused the saved %s", what);
}

/* KVM_SET_MSRS of entries [0, n) but those `skip` says; sets the deadline
 * only when deadline is true. */
static int write_msrs(struct accel_vcpu *vcpu, const struct kvm_record *r, bool deadline,
                      struct wisp_error *err)
{
    size_t n = r->len / sizeof(struct kvm_msr_entry);
    struct kvm_msrs *msrs = calloc(1, sizeof *msrs + (n + 1) * sizeof(struct kvm_msr_entry));
    if (!msrs)
        return wisp_fail(err, WISP_EXIT_HOST_ERROR, "out of memory");
    const struct kvm_msr_entry *saved = (const struct kvm_msr_entry *)r->payload;
    unsigned count = 0;
    /* The TSC before the rest: MSRs such as TSC_ADJUST follow it. */
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < n; i++) {
            struct kvm_msr_entry e;
            memcpy(&e, &saved[i], sizeof e);
            bool is_deadline = e.index == MSR_IA32_TSC_DEADLINE;
            if (is_deadline != deadline || (pass == 0) != (e.index == MSR_IA32_TSC))
                continue;
            msrs->entries[count++] = e;
        }
    msrs->nmsrs = count;
    int done = count ? ioctl(vcpu->fd, KVM_SET_MSRS, msrs) : 0;
    int rc = 0;
    if (done < 0)
        rc = refused(err, "MSRs");
    else if ((unsigned)done < count)
        rc = wisp_fail(err, WISP_EXIT_BAD_KERNEL, "KVM refused the saved MSR 0x%x",
                       msrs->entries[done].index);
    free(msrs);
    return rc;
}

int accel_vcpu_restore_state(struct accel_vcpu *vcpu, const uint8_t *data, size_t size,
                             struct wisp_error *err)
{
    struct accel_vm *vm = vcpu->vm;
    struct kvm_record rec[TAG_LIMIT];
    size_t xsize = xsave_size(vm);
    if (kvm_vcpu_records_check(data, size, xsize, vm->kernel_irqchip, rec, err) < 0)
        return -1;

    /* The guest's TSC ticks at the rate it saw, or not at all. */
    uint32_t khz;
    memcpy(&khz, rec[TAG_TSC_KHZ].payload, sizeof khz);
    int here = ioctl(vcpu->fd, KVM_GET_TSC_KHZ, 0);
    if (here != (int)khz && ioctl(vcpu->fd, KVM_SET_TSC_KHZ, (unsigned long)khz) < 0)
        return wisp_fail(err, WISP_EXIT_BAD_KERNEL,
                         "the guest's TSC ran at %u kHz, this host's at %d kHz and KVM "
                         "cannot scale it", khz, here);

    struct kvm_regs regs;
    struct kvm_sregs sregs;
    struct kvm_xcrs xcrs;
    struct kvm_debugregs dbg;
    struct kvm_vcpu_events events;
    memcpy(&regs, rec[TAG_REGS].payload, sizeof regs);
    memcpy(&sregs, rec[TAG_SREGS].payload, sizeof sregs);
    memcpy(&xcrs, rec[TAG_XCRS].payload, sizeof xcrs);
    memcpy(&dbg, rec[TAG_DEBUGREGS].payload, sizeof dbg);
    memcpy(&events, rec[TAG_EVENTS].payload, sizeof events);
    struct kvm_xsave *xsave = calloc(1, xsize);
    if (!xsave)
        return wisp_fail(err, WISP_EXIT_HOST_ERROR, "out of memory");
    memcpy(xsave, rec[TAG_XSAVE].payload, xsize);
    vcpu->pending = NULL;
    vcpu->synced = false;
    int rc = 0;
    if (ioctl(vcpu->fd, KVM_SET_SREGS, &sregs) < 0)
        rc = wisp_fail_errno(err, WISP_EXIT_BAD_KERNEL, "KVM refused the saved segment and "
                             "control registers (CR0 0x%llx, CR3 0x%llx, CR4 0x%llx, "
                             "EFER 0x%llx, APIC base 0x%llx)", (unsigned long long)sregs.cr0,
                             (unsigned long long)sregs.cr3, (unsigned long long)sregs.cr4,
                             (unsigned long long)sregs.efer, (unsigned long long)sregs.apic_base);
    else if (ioctl(vcpu->fd, KVM_SET_REGS, &regs) < 0)
        rc = refused(err, "registers");
    else if (ioctl(vcpu->fd, KVM_SET_XCRS, &xcrs) < 0)
        rc = refused(err, "XCRs");
    else if (ioctl(vcpu->fd, KVM_SET_XSAVE, xsave) < 0)
        rc = refused(err, "XSAVE area");
    free(xsave);
    if (rc < 0 || write_msrs(vcpu, &rec[TAG_MSRS], false, err) < 0)
        return -1;
    if (vm->kernel_irqchip) {
        struct kvm_mp_state mp;
        struct kvm_lapic_state lapic;
        memcpy(&mp, rec[TAG_MP_STATE].payload, sizeof mp);
        memcpy(&lapic, rec[TAG_LAPIC].payload, sizeof lapic);
        if (ioctl(vcpu->fd, KVM_SET_MP_STATE, &mp) < 0)
            return refused(err, "MP state");
        if (ioctl(vcpu->fd, KVM_SET_LAPIC, &lapic) < 0)
            return refused(err, "LAPIC");
        if (write_msrs(vcpu, &rec[TAG_MSRS], true, err) < 0)
            return -1;
    }
    /* Which of the saved fields KVM is to take. */
    events.flags = KVM_VCPUEVENT_VALID_NMI_PENDING | KVM_VCPUEVENT_VALID_SIPI_VECTOR |
                   KVM_VCPUEVENT_VALID_SHADOW | (events.flags & KVM_VCPUEVENT_VALID_SMM);
    if (ioctl(vcpu->fd, KVM_SET_VCPU_EVENTS, &events) < 0)
        return refused(err, "pending events");
    dbg.flags = 0;
    if (ioctl(vcpu->fd, KVM_SET_DEBUGREGS, &dbg) < 0)
        return refused(err, "debug registers");
    return 0;
}

/* ---- the VM: in-kernel PIC, I/O APIC, PIT, and the KVM clock ---- */

int accel_vm_save_state(struct accel_vm *vm, uint8_t **data, size_t *size,
                        struct wisp_error *err)
{
    struct out o = { 0 };
    if (vm->kernel_irqchip) {
        static const struct { unsigned chip, tag; } chips[] = {
            { KVM_IRQCHIP_PIC_MASTER, TAG_PIC_MASTER },
            { KVM_IRQCHIP_PIC_SLAVE, TAG_PIC_SLAVE },
            { KVM_IRQCHIP_IOAPIC, TAG_IOAPIC },
        };
        for (size_t i = 0; i < sizeof chips / sizeof chips[0]; i++) {
            struct kvm_irqchip chip = { .chip_id = chips[i].chip };
            if (ioctl(vm->vm_fd, KVM_GET_IRQCHIP, &chip) < 0) {
                free(o.data);
                return wisp_fail_errno(err, WISP_EXIT_HOST_ERROR,
                                       "KVM would not give its interrupt controllers");
            }
            put(&o, chips[i].tag, &chip, sizeof chip);
        }
        struct kvm_pit_state2 pit;
        if (ioctl(vm->vm_fd, KVM_GET_PIT2, &pit) < 0) {
            free(o.data);
            return wisp_fail_errno(err, WISP_EXIT_HOST_ERROR, "KVM would not give its PIT");
        }
        put(&o, TAG_PIT, &pit, sizeof pit);
    }
    struct kvm_clock_data clock;
    memset(&clock, 0, sizeof clock);
    if (ioctl(vm->vm_fd, KVM_GET_CLOCK, &clock) < 0) {
        free(o.data);
        return wisp_fail_errno(err, WISP_EXIT_HOST_ERROR, "KVM would not give its clock");
    }
    put(&o, TAG_CLOCK, &clock, sizeof clock);
    return finish(&o, data, size, err);
}

int accel_vm_restore_state(struct accel_vm *vm, const uint8_t *data, size_t size,
                           struct wisp_error *err)
{
    struct kvm_record rec[TAG_LIMIT];
    if (kvm_vm_records_check(data, size, vm->kernel_irqchip, rec, err) < 0)
        return -1;
    if (vm->kernel_irqchip) {
        static const unsigned chips[] = { TAG_PIC_MASTER, TAG_PIC_SLAVE, TAG_IOAPIC };
        for (size_t i = 0; i < sizeof chips / sizeof chips[0]; i++) {
            struct kvm_irqchip chip;
            memcpy(&chip, rec[chips[i]].payload, sizeof chip);
            if (ioctl(vm->vm_fd, KVM_SET_IRQCHIP, &chip) < 0)
                return refused(err, kvm_record_name(chips[i]));
        }
        struct kvm_pit_state2 pit;
        memcpy(&pit, rec[TAG_PIT].payload, sizeof pit);
        if (ioctl(vm->vm_fd, KVM_SET_PIT2, &pit) < 0)
            return refused(err, "PIT");
    }
    struct kvm_clock_data clock;
    memcpy(&clock, rec[TAG_CLOCK].payload, sizeof clock);
    struct kvm_clock_data set = { .clock = clock.clock };
    if (ioctl(vm->vm_fd, KVM_SET_CLOCK, &set) < 0)
        return refused(err, "KVM clock");
    return 0;
}
