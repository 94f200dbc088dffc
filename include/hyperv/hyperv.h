/*
 * hyperv.h - all of wisp's Hyper-V TLFS definition headers.
 *
 * A freestanding set of C99/C11/C++ headers written from the Microsoft
 * Hypervisor Top Level Functional Specification (TLFS) v6.0b.  Names are
 * the specification's (HV_..., HvCall..., HvRegister...) so that each can
 * be looked up in the TLFS.  The headers use only <stdint.h> and
 * <stddef.h>; every ABI structure has its size and field offsets checked
 * at compile time.
 *
 *   hv_compiler.h          portability macros (inline, static assertions)
 *   hv_types.h             scalar, address, partition, VP, VTL, VP set types
 *   hv_status.h            HV_STATUS codes (Appendix B)
 *   hv_hypercall.h         hypercall input/result values and helpers (3)
 *   hv_hypercall_codes.h   call codes (Appendix A, 3.14)
 *   hv_hypercall_blocks.h  hypercall input/output blocks
 *   hv_cpuid.h             CPUID leaves 0x40000000-0x4000000A (2)
 *   hv_msr.h               synthetic MSRs and their layouts (Appendix C)
 *   hv_partition.h         partition privilege mask, scheduler settings (4, 14)
 *   hv_registers.h         register names and values (7)
 *   hv_mmu.h               TLB flush, cache types, GVA translation (9)
 *   hv_interrupt.h         virtual interrupt types (10)
 *   hv_synic.h             SynIC messages, pages, ports, monitor page (11)
 *   hv_tsc_page.h          reference TSC page and reference time (12)
 *   hv_intercept.h         intercept message headers (13)
 *   hv_vsm.h               Virtual Secure Mode registers (15)
 *   hv_vp_assist.h         VP assist page (7.8.7)
 *   hv_nested.h            enlightened VMCS and nested virtualization (16)
 *
 * VMBus and the synthetic devices, which the TLFS does not cover, have
 * headers of their own, collected by vmbus.h.
 */
#ifndef HYPERV_HYPERV_H
#define HYPERV_HYPERV_H

/* The TLFS revision these headers follow: 6.0b (February 2020). */
#define HV_TLFS_VERSION_MAJOR 6
#define HV_TLFS_VERSION_MINOR 0
#define HV_TLFS_VERSION_STRING "6.0b"

#include "hv_compiler.h"
#include "hv_types.h"
#include "hv_status.h"
#include "hv_hypercall.h"
#include "hv_hypercall_codes.h"
#include "hv_cpuid.h"
#include "hv_msr.h"
#include "hv_partition.h"
#include "hv_registers.h"
#include "hv_mmu.h"
#include "hv_interrupt.h"
#include "hv_synic.h"
#include "hv_tsc_page.h"
#include "hv_intercept.h"
#include "hv_vsm.h"
#include "hv_vp_assist.h"
#include "hv_nested.h"
#include "hv_hypercall_blocks.h"

#endif /* HYPERV_HYPERV_H */
