/* Visitor for the Hyper-V enlightenments (hv_state.h). */
#include "hv_state.h"

#include <hyperv/hyperv.h>

/* A page MSR as enlightenments.c keeps it: a page address and bit 0. */
static bool page_msr_ok(uint64_t v)
{
    return (v & (uint64_t)HV_PAGE_MASK & ~(uint64_t)1) == 0;
}

void state_hyperv(struct state_io *io, struct hv_enlightenments *hv, unsigned vps)
{
    if (vps > HV_MAX_VPS) { /* not a machine --hyperv builds */
        state_io_fail(io, "more virtual processors than Hyper-V state holds");
        return;
    }
    uint32_t n = vps;
    state_u32(io, &n);
    state_check(io, n == vps, "Hyper-V state saved for another number of virtual processors");
    if (io->failed)
        return;
    state_u64(io, &hv->guest_os_id);
    state_u64(io, &hv->hypercall_msr);
    state_check(io, (hv->hypercall_msr & HV_X64_MSR_HYPERCALL_RSVDP_MASK) == 0 &&
                        (hv->guest_os_id != 0 ||
                         !(hv->hypercall_msr & HV_X64_MSR_HYPERCALL_ENABLE)),
                "Hyper-V hypercall MSR holds bits wisp never keeps");
    state_u64(io, &hv->reference_tsc_msr);
    state_check(io, page_msr_ok(hv->reference_tsc_msr),
                "Hyper-V reference TSC MSR holds bits wisp never keeps");
    for (unsigned i = 0; i < vps; i++) {
        state_u64(io, &hv->vp_assist_msr[i]);
        state_check(io, page_msr_ok(hv->vp_assist_msr[i]),
                    "Hyper-V VP assist page MSR holds bits wisp never keeps");
    }
    state_u64(io, &hv->tsc_hz);
    state_u64(io, &hv->tsc_scale);
    state_check(io, hv->tsc_scale != 0 && hv->tsc_scale == hv_tsc_scale_from_frequency(hv->tsc_hz),
                "Hyper-V TSC scale does not match its TSC rate");
}
