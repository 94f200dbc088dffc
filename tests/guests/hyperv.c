/*
 * hyperv: checks what `wisp run --hyperv` presents, using the project's own
 * TLFS headers (include/hyperv/) in a freestanding kernel.
 *
 *  - CPUID 0x40000000 says "Microsoft Hv", 0x40000001 "Hv#1", and the
 *    feature leaf offers the hypercall MSRs, VP index, reference counter,
 *    reference TSC page and frequency MSRs;
 *  - the guest OS ID is kept, the hypercall page can be enabled after it,
 *    and a call through the page reaches wisp: HvCallNotifyLongSpinWait
 *    succeeds, an unknown code gets HV_STATUS_INVALID_HYPERCALL_CODE;
 *  - the reference counter MSR and the reference TSC page agree with each
 *    other and advance like get_time;
 *  - unknown synthetic MSRs raise #GP.
 *
 * Without --hyperv the first check fails: "FAIL: hyperv: not Hyper-V".
 */
#include <hyperv/hyperv.h>

#include "wisp_lib.h"

static uint8_t hypercall_page[4096] __attribute__((aligned(4096)));
static HV_REFERENCE_TSC_PAGE tsc_page __attribute__((aligned(4096)));
static volatile int gp_faults;
static unsigned failures;

static void cpuid(uint32_t leaf, uint32_t r[4])
{
    __asm__ __volatile__("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
                         : "a"(leaf), "c"(0));
}

static uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

static uint64_t read_tsc_for_page(void *unused)
{
    (void)unused;
    return rdtsc();
}

/* The Hyper-V x64 calling convention through the hypercall page. */
static uint64_t hv_call(uint64_t input, uint64_t in_gpa, uint64_t out_gpa)
{
    uint64_t status;
    register uint64_t r8 __asm__("r8") = out_gpa;
    __asm__ __volatile__("call *%[page]"
                         : "=a"(status), "+c"(input), "+d"(in_gpa), "+r"(r8)
                         : [page] "r"(hypercall_page)
                         : "cc", "memory", "r9", "r10", "r11");
    return status;
}

/* #GP from rdmsr/wrmsr: count it and skip the 2-byte instruction. */
static void on_gp(struct wisp_interrupt_frame *frame)
{
    gp_faults++;
    frame->rip += 2;
}

static void check(int ok, const char *what)
{
    wisp_printf("hyperv: %-58s %s\n", what, ok ? "ok" : "WRONG");
    if (!ok)
        failures++;
}

int kmain(struct wisp_boot_info *bi)
{
    uint32_t r[4];
    (void)bi;
    wisp_idt_init();
    wisp_set_interrupt_handler(13, on_gp);

    cpuid(HV_CPUID_LEAF_RANGE, r);
    if (r[1] != HV_CPUID_VENDOR_MICROSOFT_EBX || r[2] != HV_CPUID_VENDOR_MICROSOFT_ECX ||
        r[3] != HV_CPUID_VENDOR_MICROSOFT_EDX) {
        wisp_puts("FAIL: hyperv: not Hyper-V (CPUID 0x40000000)\n");
        return 1;
    }
    check(r[0] >= HV_CPUID_MIN_MAX_LEAF, "max leaf reaches the implementation limits");
    cpuid(HV_CPUID_INTERFACE_IDENTIFICATION, r);
    check(r[0] == HV_CPUID_INTERFACE_HV1, "interface is Hv#1");
    cpuid(HV_CPUID_FEATURE_IDENTIFICATION, r);
    uint64_t privileges = ((uint64_t)r[1] << 32) | r[0];
    uint64_t needed = HV_PARTITION_PRIVILEGE_ACCESS_HYPERCALL_MSRS |
                      HV_PARTITION_PRIVILEGE_ACCESS_VP_INDEX |
                      HV_PARTITION_PRIVILEGE_ACCESS_PARTITION_REFERENCE_COUNTER |
                      HV_PARTITION_PRIVILEGE_ACCESS_PARTITION_REFERENCE_TSC |
                      HV_PARTITION_PRIVILEGE_ACCESS_FREQUENCY_REGS;
    check((privileges & needed) == needed, "features: hypercall, VP index, time, frequencies");

    check(rdmsr(HV_X64_MSR_VP_INDEX) == 0, "VP index is 0");
    uint64_t tsc_hz = rdmsr(HV_X64_MSR_TSC_FREQUENCY);
    check(tsc_hz > 100000000ull, "TSC frequency is plausible (> 100 MHz)");
    wisp_printf("hyperv: TSC %lu kHz, APIC timer %lu kHz\n", tsc_hz / 1000,
                rdmsr(HV_X64_MSR_APIC_FREQUENCY) / 1000);

    /* The hypercall page stays off until a guest OS ID is set. */
    uint64_t page = (uint64_t)(uintptr_t)hypercall_page;
    wrmsr(HV_X64_MSR_HYPERCALL, page | HV_X64_MSR_HYPERCALL_ENABLE);
    check(!(rdmsr(HV_X64_MSR_HYPERCALL) & HV_X64_MSR_HYPERCALL_ENABLE),
          "hypercall page refused before the guest OS ID");
    uint64_t os_id = hv_guest_os_id_open_source(HV_GUEST_OS_TYPE_LINUX, 0, 0x060100, 0x1234);
    wrmsr(HV_X64_MSR_GUEST_OS_ID, os_id);
    check(rdmsr(HV_X64_MSR_GUEST_OS_ID) == os_id, "guest OS ID reads back");
    wrmsr(HV_X64_MSR_HYPERCALL, page | HV_X64_MSR_HYPERCALL_ENABLE);
    check(rdmsr(HV_X64_MSR_HYPERCALL) == (page | HV_X64_MSR_HYPERCALL_ENABLE),
          "hypercall page enabled");

    uint64_t result = hv_call(hv_hypercall_input_fast(HvCallNotifyLongSpinWait), 0, 0);
    check(hv_hypercall_result_status(result) == HV_STATUS_SUCCESS,
          "HvCallNotifyLongSpinWait succeeds");
    result = hv_call(hv_hypercall_input_simple(HvCallCreatePartition), 0, 0);
    check(hv_hypercall_result_status(result) == HV_STATUS_INVALID_HYPERCALL_CODE,
          "unimplemented hypercall: HV_STATUS_INVALID_HYPERCALL_CODE");

    /* Reference time: MSR and TSC page against get_time. */
    wrmsr(HV_X64_MSR_REFERENCE_TSC, (uint64_t)(uintptr_t)&tsc_page | 1);
    uint64_t ns0 = wisp_time_ns();
    uint64_t msr0 = rdmsr(HV_X64_MSR_TIME_REF_COUNT);
    uint64_t page0 = 0;
    int page_ok = hv_reference_tsc_page_read(&tsc_page, read_tsc_for_page, NULL, &page0);
    check(page_ok, "reference TSC page is valid");
    while (wisp_time_ns() - ns0 < 200000000ull) /* 0.2 s of host time */
        __asm__ __volatile__("pause");
    uint64_t ns1 = wisp_time_ns();
    uint64_t msr1 = rdmsr(HV_X64_MSR_TIME_REF_COUNT);
    uint64_t page1 = 0;
    hv_reference_tsc_page_read(&tsc_page, read_tsc_for_page, NULL, &page1);
    uint64_t host_100ns = (ns1 - ns0) / 100;
    wisp_printf("hyperv: host %lu, counter MSR %lu, TSC page %lu (100 ns units)\n",
                host_100ns, msr1 - msr0, page1 - page0);
    /* Generous: the host may deschedule us between the readings. */
    check(msr1 - msr0 > host_100ns / 2 && msr1 - msr0 < host_100ns * 2,
          "reference counter advances like get_time");
    check(page1 - page0 > host_100ns / 2 && page1 - page0 < host_100ns * 2,
          "TSC page time advances like get_time");
    check(page1 >= msr0 && msr1 + 10000000ull > page1, "TSC page and counter agree");

    gp_faults = 0;
    (void)rdmsr(HV_X64_MSR_STIMER0_CONFIG); /* synthetic timers: not offered */
    check(gp_faults == 1, "an unimplemented synthetic MSR raises #GP");

    if (failures) {
        wisp_printf("FAIL: hyperv: %u check(s) failed\n", failures);
        return 1;
    }
    wisp_puts("PASS: hyperv\n");
    return 0;
}
