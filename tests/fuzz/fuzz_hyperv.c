/*
 * libFuzzer target: --hyperv's synthetic MSR handler (reads and writes of
 * any index and value, pages enabled anywhere in or out of 16 MiB of
 * guest RAM) and its hypercall handler (any input value), against a fake
 * vCPU. Checks that an MSR outside the synthetic range is left to the
 * caller, that a refused write changes nothing, and that pages wisp fills
 * lie in RAM.
 */
#include <hyperv/hyperv.h>

#include "core/guest_memory.h"
#include "fake_vcpu.h"
#include "fuzz_input.h"
#include "hv/enlightenments.h"

#define RAM (16ull << 20)

static struct guest_memory gm;
static struct accel_vcpu vcpu;
static struct hv_enlightenments hv;
static uint8_t before[offsetof(struct hv_enlightenments, memory)];

static void no_interrupt(void *opaque, unsigned apic_id, uint8_t vector)
{
    (void)opaque, (void)apic_id, (void)vector;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!gm.count) {
        struct wisp_error err = { 0 };
        fuzz_check(guest_memory_add_bank(&gm, "RAM", MEM_BANK_RAM, 0, RAM, &err) == 0, "RAM");
    }
    struct fuzz_input in = { data, size };
    memset(&hv, 0, sizeof hv);
    hv.tsc_hz = 2500000000ull;
    hv.apic_hz = 1000000000ull;
    hv.tsc_scale = hv_tsc_scale_from_frequency(2500000000ull);
    hv_enlightenments_attach(&hv, &gm, 1, no_interrupt, NULL);
    memset(&vcpu, 0, sizeof vcpu);
    while (fi_more(&in)) {
        uint8_t op = fi_u8(&in);
        if (op < 200) {
            struct accel_msr_access msr = {
                .index = op < 150 ? 0x40000000u + fi_u8(&in) : fi_u32(&in),
                .is_write = fi_u8(&in) & 1,
            };
            uint64_t v = fi_u64(&in);
            /* page-enabling values mostly inside RAM */
            msr.value = (fi_u8(&in) & 1) ? (v % RAM) | (v & 0xFFF) : v;
            memcpy(before, &hv, sizeof before);
            bool ours = hv_handle_msr(&hv, &vcpu, 0, &gm, &msr);
            fuzz_check(ours == (msr.index - 0x40000000u < 0x100), "the synthetic range only");
            if (ours && msr.is_write && msr.inject_gp)
                fuzz_check(memcmp(before, &hv, sizeof before) == 0,
                           "a refused write changes nothing");
        } else {
            vcpu.regs.rcx = fi_u64(&in);
            vcpu.regs.rdx = fi_u64(&in);
            vcpu.regs.r8 = fi_u64(&in);
            vcpu.fail_regs = op == 0xFF;
            int rc = hv_handle_hypercall(&hv, &vcpu);
            fuzz_check(rc == 0 || vcpu.fail_regs, "fails only when the registers do");
            if (rc == 0) {
                uint16_t status = (uint16_t)vcpu.regs.rax;
                uint16_t code = hv_hypercall_input_call_code(vcpu.regs.rcx);
                if (code != HvCallPostMessage && code != HvCallSignalEvent) /* VMBus's */
                    fuzz_check(status == hv_hypercall_status(vcpu.regs.rcx),
                               "the status it promises");
            }
        }
    }
    return 0;
}
