/*
 * Reading the KVM backend's record lists (kvm_records.h): every tag and
 * length of a snapshot's vCPU and VM state checked, no KVM call made.
 */
#include "kvm_records.h"

#include <string.h>

#include "kvm_internal.h"

const char *kvm_record_name(unsigned tag)
{
    static const char *const names[TAG_LIMIT] = {
        [TAG_TSC_KHZ] = "TSC frequency", [TAG_REGS] = "registers",
        [TAG_SREGS] = "segment and control registers", [TAG_XCRS] = "XCRs",
        [TAG_XSAVE] = "XSAVE area", [TAG_MSRS] = "MSRs", [TAG_MP_STATE] = "MP state",
        [TAG_LAPIC] = "LAPIC", [TAG_EVENTS] = "pending events",
        [TAG_DEBUGREGS] = "debug registers", [TAG_PIC_MASTER] = "master PIC",
        [TAG_PIC_SLAVE] = "slave PIC", [TAG_IOAPIC] = "I/O APIC", [TAG_PIT] = "PIT",
        [TAG_CLOCK] = "KVM clock",
    };
    return tag < TAG_LIMIT && names[tag] ? names[tag] : "record";
}

static int split(const uint8_t *data, size_t size, struct kvm_record rec[TAG_LIMIT],
                 struct wisp_error *err)
{
    memset(rec, 0, sizeof(struct kvm_record) * TAG_LIMIT);
    size_t at = 0;
    while (at < size) {
        if (size - at < 8)
            return wisp_fail(err, WISP_EXIT_BAD_KERNEL, "a KVM record is cut short");
        uint32_t tag = 0, len = 0;
        for (int i = 0; i < 4; i++) {
            tag |= (uint32_t)data[at + i] << (8 * i);
            len |= (uint32_t)data[at + 4 + i] << (8 * i);
        }
        at += 8;
        if (len > size - at)
            return wisp_fail(err, WISP_EXIT_BAD_KERNEL, "KVM's %s record is cut short",
                             kvm_record_name(tag));
        if (tag == 0 || tag >= TAG_LIMIT)
            return wisp_fail(err, WISP_EXIT_BAD_KERNEL, "unknown KVM record %u", tag);
        if (rec[tag].found)
            return wisp_fail(err, WISP_EXIT_BAD_KERNEL, "the %s saved twice",
                             kvm_record_name(tag));
        rec[tag] = (struct kvm_record){ data + at, len, true };
        at += len;
    }
    return 0;
}

/* The record must be there with exactly len bytes. */
static int need(const struct kvm_record *rec, unsigned tag, size_t len, struct wisp_error *err)
{
    if (!rec[tag].found)
        return wisp_fail(err, WISP_EXIT_BAD_KERNEL, "no saved %s (KVM record %u)",
                         kvm_record_name(tag), tag);
    if (rec[tag].len != len)
        return wisp_fail(err, WISP_EXIT_BAD_KERNEL,
                         "the saved %s: %zu bytes, where this host's KVM uses %zu",
                         kvm_record_name(tag), rec[tag].len, len);
    return 0;
}

int kvm_vcpu_records_check(const uint8_t *data, size_t size, size_t xsave_size,
                           bool kernel_irqchip, struct kvm_record rec[TAG_LIMIT],
                           struct wisp_error *err)
{
    if (split(data, size, rec, err) < 0 || need(rec, TAG_TSC_KHZ, sizeof(uint32_t), err) < 0 ||
        need(rec, TAG_REGS, sizeof(struct kvm_regs), err) < 0 ||
        need(rec, TAG_SREGS, sizeof(struct kvm_sregs), err) < 0 ||
        need(rec, TAG_XCRS, sizeof(struct kvm_xcrs), err) < 0 ||
        need(rec, TAG_XSAVE, xsave_size, err) < 0 ||
        need(rec, TAG_EVENTS, sizeof(struct kvm_vcpu_events), err) < 0 ||
        need(rec, TAG_DEBUGREGS, sizeof(struct kvm_debugregs), err) < 0)
        return -1;
    if (!rec[TAG_MSRS].found || rec[TAG_MSRS].len % sizeof(struct kvm_msr_entry) ||
        rec[TAG_MSRS].len / sizeof(struct kvm_msr_entry) > KVM_MAX_SAVED_MSRS)
        return wisp_fail(err, WISP_EXIT_BAD_KERNEL, "KVM's MSRs are missing or malformed");
    if (kernel_irqchip &&
        (need(rec, TAG_MP_STATE, sizeof(struct kvm_mp_state), err) < 0 ||
         need(rec, TAG_LAPIC, sizeof(struct kvm_lapic_state), err) < 0))
        return -1;
    if (!kernel_irqchip && (rec[TAG_MP_STATE].found || rec[TAG_LAPIC].found))
        return wisp_fail(err, WISP_EXIT_BAD_KERNEL,
                         "the vCPU has a saved in-kernel LAPIC but this machine has none");
    if (rec[TAG_PIC_MASTER].found || rec[TAG_PIC_SLAVE].found || rec[TAG_IOAPIC].found ||
        rec[TAG_PIT].found || rec[TAG_CLOCK].found)
        return wisp_fail(err, WISP_EXIT_BAD_KERNEL, "a vCPU's state holds the VM's");
    struct kvm_regs regs;
    struct kvm_sregs sregs;
    memcpy(&regs, rec[TAG_REGS].payload, sizeof regs);
    memcpy(&sregs, rec[TAG_SREGS].payload, sizeof sregs);
    char why[200];
    if (kvm_sregs_problem(&sregs, why, sizeof why))
        return wisp_fail(err, WISP_EXIT_BAD_KERNEL, "the saved registers are not a state a CPU "
                         "can be in: %s (RIP 0x%llx)", why, (unsigned long long)regs.rip);
    return 0;
}

static const struct {
    unsigned chip, tag;
} kernel_chips[] = {
    { KVM_IRQCHIP_PIC_MASTER, TAG_PIC_MASTER },
    { KVM_IRQCHIP_PIC_SLAVE, TAG_PIC_SLAVE },
    { KVM_IRQCHIP_IOAPIC, TAG_IOAPIC },
};

int kvm_vm_records_check(const uint8_t *data, size_t size, bool kernel_irqchip,
                         struct kvm_record rec[TAG_LIMIT], struct wisp_error *err)
{
    if (split(data, size, rec, err) < 0 ||
        need(rec, TAG_CLOCK, sizeof(struct kvm_clock_data), err) < 0)
        return -1;
    for (unsigned tag = TAG_TSC_KHZ; tag <= TAG_DEBUGREGS; tag++)
        if (rec[tag].found)
            return wisp_fail(err, WISP_EXIT_BAD_KERNEL, "the VM's state holds a vCPU's");
    if (!kernel_irqchip) {
        if (rec[TAG_PIC_MASTER].found || rec[TAG_PIC_SLAVE].found || rec[TAG_IOAPIC].found ||
            rec[TAG_PIT].found)
            return wisp_fail(err, WISP_EXIT_BAD_KERNEL, "the file has in-kernel interrupt "
                             "controllers, this machine has none");
        return 0;
    }
    for (size_t i = 0; i < sizeof kernel_chips / sizeof kernel_chips[0]; i++) {
        unsigned tag = kernel_chips[i].tag;
        if (need(rec, tag, sizeof(struct kvm_irqchip), err) < 0)
            return -1;
        struct kvm_irqchip chip;
        memcpy(&chip, rec[tag].payload, sizeof chip);
        if (chip.chip_id != kernel_chips[i].chip)
            return wisp_fail(err, WISP_EXIT_BAD_KERNEL, "KVM's %s is another chip",
                             kvm_record_name(tag));
    }
    return need(rec, TAG_PIT, sizeof(struct kvm_pit_state2), err);
}
