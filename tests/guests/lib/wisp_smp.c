/*
 * Several CPUs under wisp: the boot info extension, the two ways to start
 * an AP (include/wisp/guest.h, "Several CPUs"), IPIs.
 */
#include "wisp_lib.h"

extern const char wisp_sipi_trampoline[], wisp_sipi_trampoline_end[];
extern const uint32_t wisp_sipi_far_offset, wisp_sipi_long_offset, wisp_sipi_stack_offset;
extern const uint32_t wisp_sipi_cpu_offset, wisp_sipi_entry_offset, wisp_sipi_arrived_offset;
extern const char wisp_ap_entry64[];

void wisp_ap_start(struct wisp_cpu *cpu);

const struct wisp_boot_ext *wisp_boot_ext(const struct wisp_boot_info *bi)
{
    if (!(bi->flags & WISP_BOOT_FLAG_EXTENSION) || !bi->extension_phys)
        return 0;
    const struct wisp_boot_ext *ext = (const struct wisp_boot_ext *)(uintptr_t)bi->extension_phys;
    if (ext->magic != WISP_BOOT_EXT_MAGIC || ext->version < 1)
        return 0;
    return ext;
}

unsigned wisp_cpu_count(const struct wisp_boot_info *bi)
{
    const struct wisp_boot_ext *ext = wisp_boot_ext(bi);
    return ext ? ext->cpu_count : 1;
}

struct wisp_cpu *wisp_cpu_entry(const struct wisp_boot_info *bi, unsigned index)
{
    const struct wisp_boot_ext *ext = wisp_boot_ext(bi);
    if (!ext || index >= ext->cpu_count)
        return 0;
    return (struct wisp_cpu *)(uintptr_t)(ext->cpus_phys + (uint64_t)index * ext->cpu_desc_size);
}

void wisp_lapic_send_ipi(uint32_t apic_id, uint32_t icr_low)
{
    wisp_lapic_write(WISP_LAPIC_ICR_HIGH, apic_id << 24);
    wisp_lapic_write(WISP_LAPIC_ICR_LOW, icr_low);
    while (wisp_lapic_read(WISP_LAPIC_ICR_LOW) & WISP_ICR_BUSY)
        wisp_cpu_relax();
}

void wisp_delay_us(uint64_t us)
{
    uint64_t end = wisp_time_ns() + us * 1000;
    while (wisp_time_ns() < end)
        wisp_cpu_relax();
}

/* Where both start methods arrive (smp_trampoline.S). */
void wisp_ap_start(struct wisp_cpu *cpu)
{
    wisp_idt_load();
    wisp_ap_main main = (wisp_ap_main)(uintptr_t)cpu->extra_argument;
    if (main)
        main(cpu);
}

void wisp_smp_start_mailbox(struct wisp_cpu *cpu, wisp_ap_main main)
{
    cpu->extra_argument = (uint64_t)(uintptr_t)main;
    /* One aligned store, after extra_argument: wisp may start the AP the
     * moment it sees it. */
    __atomic_store_n(&cpu->goto_address, (uint64_t)(uintptr_t)wisp_ap_entry64, __ATOMIC_RELEASE);
}

int wisp_smp_start_sipi(struct wisp_cpu *cpu, wisp_ap_main main, uint32_t page)
{
    char *tr = (char *)(uintptr_t)page;
    size_t size = (size_t)(wisp_sipi_trampoline_end - wisp_sipi_trampoline);
    memcpy(tr, wisp_sipi_trampoline, size);
    *(volatile uint32_t *)(tr + wisp_sipi_far_offset) = page + wisp_sipi_long_offset;
    *(volatile uint64_t *)(tr + wisp_sipi_stack_offset) = cpu->stack_top - 8;
    *(volatile uint64_t *)(tr + wisp_sipi_cpu_offset) = (uint64_t)(uintptr_t)cpu;
    *(volatile uint64_t *)(tr + wisp_sipi_entry_offset) = (uint64_t)(uintptr_t)wisp_ap_entry64;
    volatile uint32_t *arrived = (volatile uint32_t *)(tr + wisp_sipi_arrived_offset);
    *arrived = 0;
    cpu->extra_argument = (uint64_t)(uintptr_t)main;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);

    /* The MP specification's universal start-up algorithm. */
    wisp_lapic_send_ipi(cpu->lapic_id, WISP_ICR_INIT | WISP_ICR_LEVEL | WISP_ICR_ASSERT);
    wisp_lapic_send_ipi(cpu->lapic_id, WISP_ICR_INIT | WISP_ICR_LEVEL);
    wisp_delay_us(10000);
    for (int i = 0; i < 2 && !*arrived; i++) {
        wisp_lapic_send_ipi(cpu->lapic_id, WISP_ICR_STARTUP | (page >> 12));
        wisp_delay_us(200);
    }
    uint64_t deadline = wisp_time_ns() + 1000000000ull;
    while (!*arrived) {
        if (wisp_time_ns() > deadline)
            return -1;
        wisp_cpu_relax();
    }
    return 0;
}
