/*
 * Saved state of the Hyper-V enlightenments (--hyperv, src/hv/): the guest
 * OS ID, the hypercall, reference TSC and per-VP assist page MSRs, and the
 * TSC rate the reference counter and page are scaled by (the guest's rate,
 * which the restored vCPUs keep). The pages themselves are in guest memory.
 * One walk both ways (state_io.h); loading checks that every MSR holds only
 * bits wisp itself would have kept and that the scale matches the rate.
 */
#ifndef WISP_STATE_HV_STATE_H
#define WISP_STATE_HV_STATE_H

#include "hv/enlightenments.h"
#include "state_io.h"

/* vps: the machine's virtual processors (one assist page MSR each). */
void state_hyperv(struct state_io *io, struct hv_enlightenments *hv, unsigned vps);

#endif
