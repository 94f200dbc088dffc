/*
 * Saved state of the Hyper-V enlightenments (src/state/hv_state.h): the
 * MSRs and the TSC rate round-trip; MSR bits wisp never keeps, a scale
 * that does not match the rate and another number of virtual processors
 * are refused with their message.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <hyperv/hyperv.h>

#include "state/hv_state.h"

static const char *save_load(struct hv_enlightenments *from, unsigned vps_saved,
                             struct hv_enlightenments *to, unsigned vps_loaded)
{
    struct state_io io;
    state_io_save_begin(&io, 0);
    state_hyperv(&io, from, vps_saved);
    assert_false(state_io_failed(&io));
    struct state_io in;
    state_io_load_begin(&in, io.data, io.size, 0);
    state_hyperv(&in, to, vps_loaded);
    const char *why = state_io_failed(&in) ? (in.why ? in.why : "failed") : NULL;
    free(io.data);
    return why;
}

static void fill(struct hv_enlightenments *hv)
{
    memset(hv, 0, sizeof *hv);
    hv->guest_os_id = 0x8100000000000000ull;
    hv->hypercall_msr = 0x7000ull | HV_X64_MSR_HYPERCALL_ENABLE | HV_X64_MSR_HYPERCALL_LOCKED;
    hv->reference_tsc_msr = 0x8000ull | 1;
    hv->vp_assist_msr[0] = 0x9000ull | 1;
    hv->vp_assist_msr[1] = 0xA000ull | 1;
    hv->tsc_hz = 2500000000ull;
    hv->tsc_scale = hv_tsc_scale_from_frequency(hv->tsc_hz);
    hv->apic_hz = 1000000000ull;
}

static void hyperv_state_round_trips(void **state)
{
    (void)state;
    struct hv_enlightenments a, b;
    fill(&a);
    memset(&b, 0, sizeof b);
    b.apic_hz = a.apic_hz; /* set up by hv_enlightenments_init, not saved */
    assert_null(save_load(&a, 2, &b, 2));
    assert_memory_equal(&a, &b, sizeof a);
}

static void hyperv_bad_fields_are_refused(void **state)
{
    (void)state;
    struct hv_enlightenments a, b;
    fill(&a);
    assert_string_equal(save_load(&a, 2, &b, 1),
                        "Hyper-V state saved for another number of virtual processors");
    a.hypercall_msr |= 0x10;
    assert_string_equal(save_load(&a, 2, &b, 2), "Hyper-V hypercall MSR holds bits wisp never keeps");
    fill(&a);
    a.guest_os_id = 0; /* enabled without an OS ID: never */
    assert_string_equal(save_load(&a, 2, &b, 2), "Hyper-V hypercall MSR holds bits wisp never keeps");
    fill(&a);
    a.reference_tsc_msr |= 2;
    assert_string_equal(save_load(&a, 2, &b, 2),
                        "Hyper-V reference TSC MSR holds bits wisp never keeps");
    fill(&a);
    a.vp_assist_msr[1] |= 0x800;
    assert_string_equal(save_load(&a, 2, &b, 2),
                        "Hyper-V VP assist page MSR holds bits wisp never keeps");
    fill(&a);
    a.tsc_scale++;
    assert_string_equal(save_load(&a, 2, &b, 2), "Hyper-V TSC scale does not match its TSC rate");
    a.tsc_hz = 0;
    a.tsc_scale = 0;
    assert_string_equal(save_load(&a, 2, &b, 2), "Hyper-V TSC scale does not match its TSC rate");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hyperv_state_round_trips),
        cmocka_unit_test(hyperv_bad_fields_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
