/*
 * hostile_msr (run with --hyperv): reads and random writes across the
 * Hyper-V synthetic MSR range 0x40000000-0x400001FF (wisp traps the first
 * 0x100), with page-enabling values pointing beyond RAM, at non-canonical
 * and huge addresses, and at a scratch page; then calls through whatever
 * hypercall page it got and through port 0xE6 with random input values.
 * Refused accesses raise #GP, which the guest counts and steps over.
 *
 * Values that enable a page inside RAM are steered to the scratch page
 * (wisp writes the hypercall code, the TSC page or zeros there, as asked);
 * anywhere else in RAM they would overwrite this guest's own code.
 */
#include "hostile.h"

#define MSR_FIRST      0x40000000u
#define MSR_COUNT      0x200u
#define WRITES_PER_MSR 6
#define HYPERCALLS     500
#define GP_VECTOR      13
#define NMI_VECTOR     2

static uint8_t scratch[4096] __attribute__((aligned(4096)));
static uint64_t reads, writes;

static int rdmsr_safe(uint32_t msr, uint64_t *value)
{
    uint64_t before = hostile_gp_count;
    *value = rdmsr(msr);
    return hostile_gp_count == before;
}

static void wrmsr_try(uint32_t msr, uint64_t value)
{
    writes++;
    wrmsr(msr, value);
}

/* A random value whose page bits, if they name guest RAM, name scratch. */
static uint64_t crafted(uint64_t ram_end)
{
    uint64_t r = hostile_random();
    switch (r & 7) {
    case 0: r = (r & 0xFFF) | (uint64_t)(uintptr_t)scratch; break;  /* the scratch page */
    case 1: r |= 0x8000000000000000ull; break;                        /* non-canonical */
    case 2: r = (r & 0xFFF) | (ram_end + ((r >> 12) & 0xFFFFF000)); break; /* past RAM */
    case 3: r = (r & 0xFFF) | 0xFFFFFFFFFFFFF000ull; break;           /* the top page */
    case 4: r = r & 0xFFF; break;                                     /* page 0 */
    default: break;
    }
    uint64_t gpa = r & ~0xFFFull;
    if (gpa < ram_end || (gpa >= WISP_FRAMEBUFFER_ADDR &&
                          gpa < WISP_FRAMEBUFFER_ADDR + WISP_FRAMEBUFFER_WINDOW))
        r = (r & 0xFFF) | (uint64_t)(uintptr_t)scratch;
    return r;
}

static uint64_t call_port(uint64_t input, uint64_t in_gpa, uint64_t out_gpa)
{
    uint64_t rax;
    __asm__ __volatile__("outb %%al, $0xE6"
                         : "=a"(rax) : "a"(0), "c"(input), "d"(in_gpa), "r"(out_gpa)
                         : "memory");
    return rax;
}

int kmain(struct wisp_boot_info *bi)
{
    wisp_idt_init();
    wisp_set_interrupt_handler(GP_VECTOR, hostile_skip_faulting_msr);
    wisp_set_interrupt_handler(NMI_VECTOR, hostile_count_nmi);
    uint64_t ram_end = bi->total_memory;

    uint64_t v;
    if (!rdmsr_safe(0x40000001, &v) || hostile_gp_count) { /* HV_X64_MSR_HYPERCALL */
        wisp_puts("FAIL: hostile_msr: no Hyper-V MSRs (run with --hyperv)\n");
        return 1;
    }
    /* First the hypercall page, in scratch, and random calls through it
     * (before random writes lock the MSR or put other pages there). */
    wrmsr_try(0x40000000, 0x8100000000000000ull); /* an OS ID */
    wrmsr_try(0x40000001, (uint64_t)(uintptr_t)scratch | 1);
    unsigned through_page = 0;
    if (scratch[0] == 0xE6 && scratch[1] == 0xE6 && scratch[2] == 0xC3) {
        for (int i = 0; i < HYPERCALLS / 2; i++, through_page++) {
            uint64_t rax;
            __asm__ __volatile__("call *%[page]"
                                 : "=a"(rax)
                                 : [page] "r"(scratch), "c"(hostile_random()),
                                   "d"(hostile_random())
                                 : "memory", "r8", "r9", "r10", "r11", "rsi", "rdi");
            (void)rax;
        }
    }
    for (uint32_t msr = MSR_FIRST; msr < MSR_FIRST + MSR_COUNT; msr++) {
        reads++;
        rdmsr_safe(msr, &v);
        for (int i = 0; i < WRITES_PER_MSR; i++)
            wrmsr_try(msr, crafted(ram_end));
        /* an OS ID, so the hypercall page can be enabled at all */
        if (msr == 0x40000000u)
            wrmsr_try(msr, hostile_random() | 1);
    }
    for (int i = 0; i < HYPERCALLS; i++)
        call_port(hostile_random(), hostile_random(), hostile_random());
    wisp_printf("hostile_msr: %lu reads, %lu writes, %lu refused (#GP), %u calls through the "
                "page, %d through port 0xE6, %lu NMIs\n", reads, writes, hostile_gp_count,
                through_page, HYPERCALLS, hostile_nmi_count);
    if (through_page == 0) {
        wisp_puts("FAIL: hostile_msr: the hypercall page could not be enabled\n");
        return 1;
    }
    wisp_puts("PASS: hostile_msr\n");
    return 0;
}
