/*
 * Whether segment and control registers describe a state an x86 CPU can
 * be in, by the rules KVM_SET_SREGS enforces. A snapshot's registers are
 * checked before KVM sees them, so a damaged or crafted file gets a line
 * naming the rule instead of KVM's bare EINVAL. The registers KVM hands
 * out when a snapshot is taken are checked too: a file that could never
 * be restored is not written.
 */
#include <stdio.h>

#include "kvm_internal.h"

#define CR0_PE (1ull << 0)
#define CR0_PG (1ull << 31)
#define CR4_PAE (1ull << 5)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)
/* IA32_APIC_BASE: bits 0-7 and 9 are reserved; 10 is x2APIC mode, 11 the
 * global enable. (Bits above the host's physical address width are
 * reserved too; KVM checks those against the host.) */
#define APIC_BASE_RESERVED 0x2ffull
#define APIC_BASE_X2APIC (1ull << 10)
#define APIC_BASE_ENABLE (1ull << 11)

bool kvm_sregs_problem(const struct kvm_sregs *s, char *why, size_t size)
{
    unsigned long long cr0 = s->cr0, cr4 = s->cr4, efer = s->efer, apic = s->apic_base;
    bool long_mode_paging = (efer & EFER_LME) && (cr0 & CR0_PG);
    if ((cr0 & CR0_PG) && !(cr0 & CR0_PE))
        snprintf(why, size, "paging is on without protected mode (CR0 0x%llx)", cr0);
    else if (long_mode_paging && !(cr4 & CR4_PAE))
        snprintf(why, size, "long mode is on without PAE (CR4 0x%llx)", cr4);
    else if (long_mode_paging && !(efer & EFER_LMA))
        snprintf(why, size, "long mode is enabled with paging on but not active (EFER 0x%llx)",
                 efer);
    else if (!long_mode_paging && (efer & EFER_LMA))
        snprintf(why, size, "long mode is active but not enabled with paging on "
                 "(EFER 0x%llx, CR0 0x%llx)", efer, cr0);
    else if (!long_mode_paging && s->cs.l)
        snprintf(why, size, "CS (selector 0x%x) is a 64-bit code segment but long mode "
                 "is off (EFER 0x%llx, CR0 0x%llx)", s->cs.selector, efer, cr0);
    else if (apic & APIC_BASE_RESERVED)
        snprintf(why, size, "the APIC base 0x%llx has reserved bits set", apic);
    else if ((apic & APIC_BASE_X2APIC) && !(apic & APIC_BASE_ENABLE))
        snprintf(why, size, "the APIC base 0x%llx has x2APIC mode on with the APIC off", apic);
    else
        return false;
    return true;
}
