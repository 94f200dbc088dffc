/*
 * libFuzzer target: wisp's hypercall dispatcher (print, exit, get_time,
 * unknown numbers) against a fake vCPU whose registers and page table the
 * input chooses, over 16 MiB of guest RAM. Checks every answer: print
 * returns an error or at most min(length, 4096) bytes and hands exactly
 * those bytes, as they are in guest memory, to the console; exit stops
 * with the code; unknown numbers return -1; registers other than RAX stay.
 */
#include <wisp/guest.h>

#include "core/guest_memory.h"
#include "fake_vcpu.h"
#include "fuzz_input.h"
#include "vmm/hypercall.h"

#define RAM (16ull << 20)

static struct guest_memory gm;
static uint8_t *ram;
static struct accel_vcpu vcpu;
static size_t printed_len;
static uint8_t printed[WISP_HC_PRINT_MAX];
static int prints;

static void print(void *opaque, const uint8_t *bytes, size_t len)
{
    (void)opaque;
    fuzz_check(len <= WISP_HC_PRINT_MAX, "print at most 4096 bytes");
    memcpy(printed, bytes, len);
    printed_len = len;
    prints++;
}

static uint64_t interesting(struct fuzz_input *in)
{
    static const uint64_t values[] = {
        0, 1, 0xFFF, 0x1000, 4095, 4096, 4097, 0x7FFFFFFFFFFFull, 0x800000000000ull,
        0xFFFF800000000000ull, 0xFFFFFFFFFFFFF000ull, ~0ull, 0x8000000000000000ull, RAM - 1,
    };
    uint8_t how = fi_u8(in);
    if (how < 128)
        return values[how % (sizeof values / sizeof values[0])] + (fi_u8(in) & 0x1F);
    return fi_u64(in);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!ram) {
        struct wisp_error err = { 0 };
        fuzz_check(guest_memory_add_bank(&gm, "RAM", MEM_BANK_RAM, 0, RAM, &err) == 0, "RAM");
        ram = guest_memory_ptr(&gm, 0, RAM);
        for (uint64_t i = 0; i < 64 * 4096; i++)
            ram[i] = (uint8_t)(i * 7 + (i >> 12));
    }
    struct fuzz_input in = { data, size };
    memset(&vcpu, 0, sizeof vcpu);
    vcpu.mapped = fi_u8(&in) % (FAKE_PAGES + 1);
    for (unsigned i = 0; i < vcpu.mapped; i++) {
        vcpu.vpage[i] = interesting(&in) >> 12;
        /* mostly the first 64 pages of RAM, sometimes anywhere */
        vcpu.ppage[i] = fi_u8(&in) < 200 ? fi_u8(&in) % 64 : fi_u64(&in) >> 12;
    }
    struct hypercall_context ctx = { .vcpu = &vcpu, .memory = &gm, .print = print };
    while (fi_more(&in)) {
        uint8_t nr = fi_u8(&in);
        vcpu.regs.rax = nr < 200 ? nr % 4 : fi_u64(&in);
        vcpu.regs.rdi = interesting(&in);
        vcpu.regs.rsi = interesting(&in);
        vcpu.regs.rdx = fi_u64(&in);
        vcpu.fail_regs = fi_u8(&in) == 0xEE;
        struct accel_regs before = vcpu.regs;
        struct hypercall_outcome out;
        prints = 0;
        if (hypercall_dispatch(&ctx, &out) < 0) {
            fuzz_check(vcpu.fail_regs, "fails only when the registers do");
            continue;
        }
        if (before.rax == WISP_HC_EXIT) {
            fuzz_check(out.exit_requested && out.exit_code == before.rdi && prints == 0, "exit");
            continue;
        }
        fuzz_check(!out.exit_requested, "only exit exits");
        fuzz_check(vcpu.regs.rdi == before.rdi && vcpu.regs.rsi == before.rsi &&
                   vcpu.regs.rdx == before.rdx && vcpu.regs.rip == before.rip,
                   "only RAX changes");
        uint64_t r = vcpu.regs.rax;
        if (before.rax == WISP_HC_PRINT) {
            if (r == WISP_HC_ERROR_FAULT) {
                fuzz_check(prints == 0, "nothing printed on a fault");
                continue;
            }
            uint64_t want = before.rsi < WISP_HC_PRINT_MAX ? before.rsi : WISP_HC_PRINT_MAX;
            fuzz_check(r == want && prints == 1 && printed_len == r, "print its length");
            for (uint64_t i = 0; i < r; i++) {
                uint64_t gpa;
                fuzz_check(accel_vcpu_translate(&vcpu, before.rdi + i, &gpa) == 0 && gpa < RAM,
                           "printed only mapped RAM");
                fuzz_check(printed[i] == ram[gpa], "printed the guest's bytes");
            }
        } else if (before.rax != WISP_HC_GET_TIME) {
            fuzz_check(r == WISP_HC_ERROR_UNKNOWN && prints == 0, "unknown numbers get -1");
        }
    }
    return 0;
}
