#include "enlightenments.h"

#include <string.h>

#include <hyperv/hyperv.h>

#define SYNTHETIC_MSR_FIRST 0x40000000u
#define SYNTHETIC_MSR_COUNT 0x100u

/* What wisp implements, and so what CPUID may advertise. */
#define WISP_HV_PRIVILEGES                                                      \
    (HV_PARTITION_PRIVILEGE_ACCESS_PARTITION_REFERENCE_COUNTER |                \
     HV_PARTITION_PRIVILEGE_ACCESS_HYPERCALL_MSRS | HV_PARTITION_PRIVILEGE_ACCESS_VP_INDEX | \
     HV_PARTITION_PRIVILEGE_ACCESS_PARTITION_REFERENCE_TSC |                    \
     HV_PARTITION_PRIVILEGE_ACCESS_FREQUENCY_REGS |                             \
     HV_PARTITION_PRIVILEGE_ACCESS_SYNIC_REGS | HV_PARTITION_PRIVILEGE_POST_MESSAGES | \
     HV_PARTITION_PRIVILEGE_SIGNAL_EVENTS)

static void put_leaf(struct accel_cpuid *policy, uint32_t leaf, uint32_t eax, uint32_t ebx,
                     uint32_t ecx, uint32_t edx)
{
    if (policy->count >= ACCEL_CPUID_MAX_ENTRIES)
        return;
    policy->entries[policy->count++] = (struct accel_cpuid_entry){
        .function = leaf, .index = 0, .flags = 0, .eax = eax, .ebx = ebx, .ecx = ecx, .edx = edx,
    };
}

void hv_add_cpuid(struct accel_cpuid *policy)
{
    unsigned kept = 0;
    for (unsigned i = 0; i < policy->count; i++) {
        uint32_t f = policy->entries[i].function;
        if (f < HV_CPUID_LEAF_FIRST || f > HV_CPUID_LEAF_LAST)
            policy->entries[kept++] = policy->entries[i];
    }
    policy->count = kept;
    put_leaf(policy, HV_CPUID_LEAF_RANGE, HV_CPUID_HARDWARE_FEATURES,
             HV_CPUID_VENDOR_MICROSOFT_EBX, HV_CPUID_VENDOR_MICROSOFT_ECX,
             HV_CPUID_VENDOR_MICROSOFT_EDX);
    put_leaf(policy, HV_CPUID_INTERFACE_IDENTIFICATION, HV_CPUID_INTERFACE_HV1, 0, 0, 0);
    /* System identity: build 1, version 1.0 — wisp is not Windows' hypervisor. */
    put_leaf(policy, HV_CPUID_SYSTEM_IDENTITY, 1, 0x00010000u, 0, 0);
    put_leaf(policy, HV_CPUID_FEATURE_IDENTIFICATION, (uint32_t)WISP_HV_PRIVILEGES,
             (uint32_t)(WISP_HV_PRIVILEGES >> 32), 0,
             HV_CPUID_FEATURES_EDX_TIMER_FREQUENCIES_AVAILABLE);
    /* Relaxed timing: a guest on a slow or emulating host should not trust
     * its watchdogs. Never notify about long spin waits (0xFFFFFFFF). No
     * AutoEOI: SynIC interrupts arrive through a real (in-kernel or wisp's)
     * LAPIC, which wants the guest's own EOI. */
    put_leaf(policy, HV_CPUID_IMPLEMENTATION_RECOMMENDATIONS,
             HV_CPUID_RECOMMEND_EAX_USE_RELAXED_TIMING | HV_CPUID_RECOMMEND_EAX_DEPRECATE_AUTO_EOI,
             0xFFFFFFFFu, 0, 0);
    put_leaf(policy, HV_CPUID_IMPLEMENTATION_LIMITS, 1 /* virtual processors */,
             1 /* logical processors */, 0, 0);
    put_leaf(policy, HV_CPUID_HARDWARE_FEATURES, 0, 0, 0, 0);
}

int hv_enlightenments_init(struct hv_enlightenments *hv, struct accel_vm *vm,
                           struct accel_vcpu *vcpu, uint64_t apic_hz,
                           struct guest_memory *memory, unsigned nvps,
                           synic_interrupt_fn interrupt, void *opaque,
                           struct wisp_error *err)
{
    memset(hv, 0, sizeof *hv);
    hv_enlightenments_attach(hv, memory, nvps, interrupt, opaque);
    uint32_t khz;
    if (accel_vcpu_tsc_khz(vcpu, &khz) < 0)
        return wisp_fail(err, WISP_EXIT_NO_ACCEL, "--hyperv: cannot learn the guest TSC frequency");
    hv->tsc_hz = (uint64_t)khz * 1000u;
    hv->apic_hz = apic_hz;
    hv->tsc_scale = hv_tsc_scale_from_frequency(hv->tsc_hz);
    if (hv->tsc_scale == 0)
        return wisp_fail(err, WISP_EXIT_NO_ACCEL, "--hyperv: TSC of %u kHz is too slow for "
                                                  "the reference TSC page", khz);
    return accel_vm_trap_msrs(vm, SYNTHETIC_MSR_FIRST, SYNTHETIC_MSR_COUNT, err);
}

void hv_enlightenments_attach(struct hv_enlightenments *hv, struct guest_memory *memory,
                              unsigned nvps, synic_interrupt_fn interrupt, void *opaque)
{
    hv->memory = memory;
    synic_init(&hv->synic, memory, nvps, interrupt, opaque);
    vmbus_host_init(&hv->vmbus, &hv->synic, memory);
}

uint64_t hv_reference_time(const struct hv_enlightenments *hv, uint64_t guest_tsc)
{
    /* Partition reference time starts with the guest's TSC, at creation. */
    return hv_reference_time_from_tsc(guest_tsc, hv->tsc_scale, 0);
}

static uint64_t page_gpa(uint64_t msr_value)
{
    return msr_value & ~(uint64_t)HV_PAGE_MASK;
}

static bool install_hypercall_page(struct guest_memory *memory, uint64_t gpa)
{
    uint8_t page[HV_PAGE_SIZE];
    memset(page, 0, sizeof page);
    page[0] = 0xE6; /* out imm8, al */
    page[1] = HV_WISP_HYPERCALL_PORT;
    page[2] = 0xC3; /* ret */
    return guest_memory_write(memory, gpa, page, sizeof page);
}

static bool install_reference_tsc_page(const struct hv_enlightenments *hv,
                                       struct guest_memory *memory, uint64_t gpa)
{
    HV_REFERENCE_TSC_PAGE page;
    memset(&page, 0, sizeof page);
    page.TscSequence = 1;
    page.TscScale = hv->tsc_scale;
    page.TscOffset = 0;
    return guest_memory_write(memory, gpa, &page, sizeof page);
}

/* The assist page is an overlay the hypervisor shows zeroed; wisp writes the
 * zeros into the guest's page instead of overlaying it (as for the others). */
static bool clear_vp_assist_page(struct guest_memory *memory, uint64_t gpa)
{
    static const uint8_t zeros[HV_PAGE_SIZE];
    return guest_memory_write(memory, gpa, zeros, sizeof zeros);
}

static void write_msr(struct hv_enlightenments *hv, unsigned vp, struct guest_memory *memory,
                      struct accel_msr_access *msr)
{
    uint64_t v = msr->value;
    switch (msr->index) {
    case HV_X64_MSR_GUEST_OS_ID:
        hv->guest_os_id = v;
        if (v == 0) /* without an OS ID the hypercall page goes away */
            hv->hypercall_msr &= ~(uint64_t)HV_X64_MSR_HYPERCALL_ENABLE;
        return;
    case HV_X64_MSR_HYPERCALL:
        if (hv->hypercall_msr & HV_X64_MSR_HYPERCALL_LOCKED)
            return; /* locked until reset */
        /* Enabling needs a guest OS ID first (TLFS 3.13). */
        if ((v & HV_X64_MSR_HYPERCALL_ENABLE) && hv->guest_os_id == 0)
            v &= ~(uint64_t)HV_X64_MSR_HYPERCALL_ENABLE;
        if ((v & HV_X64_MSR_HYPERCALL_ENABLE) && !install_hypercall_page(memory, page_gpa(v))) {
            msr->inject_gp = true;
            return;
        }
        hv->hypercall_msr = v & ~(uint64_t)HV_X64_MSR_HYPERCALL_RSVDP_MASK;
        return;
    case HV_X64_MSR_REFERENCE_TSC:
        if ((v & 1) && !install_reference_tsc_page(hv, memory, page_gpa(v))) {
            msr->inject_gp = true;
            return;
        }
        hv->reference_tsc_msr = v & (~(uint64_t)HV_PAGE_MASK | 1);
        return;
    case HV_X64_MSR_VP_ASSIST_PAGE:
        /* Linux enables it on every Hyper-V, whatever CPUID recommends. */
        if ((v & 1) && !(hv->vp_assist_msr[vp] & 1) &&
            !clear_vp_assist_page(memory, page_gpa(v))) {
            msr->inject_gp = true;
            return;
        }
        hv->vp_assist_msr[vp] = v & (~(uint64_t)HV_PAGE_MASK | 1);
        return;
    default:
        if (!synic_msr_write(&hv->synic, vp, msr->index, v, &msr->inject_gp))
            msr->inject_gp = true; /* read-only or not implemented */
        return;
    }
}

static void read_msr(struct hv_enlightenments *hv, struct accel_vcpu *vcpu, unsigned vp,
                     struct accel_msr_access *msr)
{
    uint64_t tsc;
    switch (msr->index) {
    case HV_X64_MSR_GUEST_OS_ID: msr->value = hv->guest_os_id; return;
    case HV_X64_MSR_HYPERCALL: msr->value = hv->hypercall_msr; return;
    case HV_X64_MSR_VP_INDEX: msr->value = vp; return;
    case HV_X64_MSR_REFERENCE_TSC: msr->value = hv->reference_tsc_msr; return;
    case HV_X64_MSR_VP_ASSIST_PAGE: msr->value = hv->vp_assist_msr[vp]; return;
    case HV_X64_MSR_TSC_FREQUENCY: msr->value = hv->tsc_hz; return;
    case HV_X64_MSR_APIC_FREQUENCY: msr->value = hv->apic_hz; return;
    case HV_X64_MSR_TIME_REF_COUNT:
        if (accel_vcpu_read_tsc(vcpu, &tsc) < 0) {
            msr->inject_gp = true;
            return;
        }
        msr->value = hv_reference_time(hv, tsc);
        return;
    default:
        if (!synic_msr_read(&hv->synic, vp, msr->index, &msr->value, &msr->inject_gp))
            msr->inject_gp = true;
        return;
    }
}

bool hv_handle_msr(struct hv_enlightenments *hv, struct accel_vcpu *vcpu, unsigned vp_index,
                   struct guest_memory *memory, struct accel_msr_access *msr)
{
    if (msr->index - SYNTHETIC_MSR_FIRST >= SYNTHETIC_MSR_COUNT)
        return false;
    if (vp_index >= HV_MAX_VPS) {
        msr->inject_gp = true;
        return true;
    }
    if (msr->is_write)
        write_msr(hv, vp_index, memory, msr);
    else
        read_msr(hv, vcpu, vp_index, msr);
    return true;
}

uint16_t hv_hypercall_status(uint64_t input)
{
    uint16_t code = hv_hypercall_input_call_code(input);
    bool rep = hv_hypercall_input_rep_count(input) != 0;
    if (code == HvCallNotifyLongSpinWait) {
        HV_STATUS status = hv_hypercall_input_check(input, 0);
        return rep ? HV_STATUS_INVALID_HYPERCALL_INPUT : status;
    }
    return HV_STATUS_INVALID_HYPERCALL_CODE;
}

/* HvPostMessage: a 256-byte input block at a GPA (8-byte aligned, so
 * inside one page). */
static HV_STATUS post_message(struct hv_enlightenments *hv, uint64_t input, uint64_t gpa)
{
    HV_STATUS status = hv_hypercall_input_check(input, 0);
    if (status != HV_STATUS_SUCCESS || hv_hypercall_input_rep_count(input) != 0)
        return HV_STATUS_INVALID_HYPERCALL_INPUT;
    if (input & HV_HYPERCALL_FAST_BIT)
        return HV_STATUS_INVALID_HYPERCALL_INPUT; /* slow only */
    if (gpa % 8 != 0)
        return HV_STATUS_INVALID_ALIGNMENT;
    HV_INPUT_POST_MESSAGE m;
    if (!guest_memory_read(hv->memory, gpa, &m, sizeof m))
        return HV_STATUS_INVALID_PARAMETER;
    return vmbus_host_post_message(&hv->vmbus, m.ConnectionId.AsUint32 & HV_CONNECTION_ID_MASK,
                                   m.MessageType, m.Message, m.PayloadSize);
}

/* HvSignalEvent: fast (RDX holds the block) or slow (RDX its GPA). */
static HV_STATUS signal_event(struct hv_enlightenments *hv, uint64_t input, uint64_t rdx)
{
    HV_STATUS status = hv_hypercall_input_check(input, 0);
    if (status != HV_STATUS_SUCCESS || hv_hypercall_input_rep_count(input) != 0)
        return HV_STATUS_INVALID_HYPERCALL_INPUT;
    uint64_t block = rdx;
    if (!(input & HV_HYPERCALL_FAST_BIT)) {
        if (rdx % 8 != 0)
            return HV_STATUS_INVALID_ALIGNMENT;
        if (!guest_memory_read(hv->memory, rdx, &block, sizeof block))
            return HV_STATUS_INVALID_PARAMETER;
    }
    if ((block >> 48) != 0)
        return HV_STATUS_INVALID_HYPERCALL_INPUT; /* RsvdZ */
    return vmbus_host_signal_event(&hv->vmbus, (uint32_t)block & HV_CONNECTION_ID_MASK,
                                   (uint16_t)(block >> 32));
}

uint64_t hv_hypercall(struct hv_enlightenments *hv, uint64_t input, uint64_t rdx)
{
    if (hv->memory == NULL) /* no SynIC attached: nothing but the hints */
        return hv_hypercall_result(hv_hypercall_status(input), 0);
    switch (hv_hypercall_input_call_code(input)) {
    case HvCallPostMessage:
        return hv_hypercall_result(post_message(hv, input, rdx), 0);
    case HvCallSignalEvent:
        return hv_hypercall_result(signal_event(hv, input, rdx), 0);
    default:
        /* HvCallNotifyLongSpinWait is a hint: succeeding is doing it. */
        return hv_hypercall_result(hv_hypercall_status(input), 0);
    }
}

int hv_handle_hypercall(struct hv_enlightenments *hv, struct accel_vcpu *vcpu)
{
    struct accel_regs regs;
    if (accel_vcpu_get_regs(vcpu, &regs) < 0)
        return -1;
    regs.rax = hv_hypercall(hv, regs.rcx, regs.rdx);
    return accel_vcpu_set_regs(vcpu, &regs);
}

int hv_request_shutdown(struct hv_enlightenments *hv)
{
    return vmbus_host_request_shutdown(&hv->vmbus);
}
