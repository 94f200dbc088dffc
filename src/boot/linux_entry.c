#include "linux_entry.h"

#include <string.h>

#include "linux_layout.h"

/* Segment descriptors: base 0, limit 0xFFFFF in 4 KiB units, present,
 * DPL 0, code or data (S = 1). */
#define DESC_CODE32 0x00CF9B000000FFFFull /* execute/read, accessed, D = 1 */
#define DESC_CODE64 0x00AF9B000000FFFFull /* execute/read, accessed, L = 1 */
#define DESC_DATA   0x00CF93000000FFFFull /* read/write, accessed, B = 1 */

#define CR0_PE (1ull << 0)
#define CR0_ET (1ull << 4)
#define CR0_PG (1ull << 31)
#define CR4_PAE (1ull << 5)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)

#define PTE_PRESENT  (1ull << 0)
#define PTE_WRITABLE (1ull << 1)
#define PTE_LARGE    (1ull << 7)
#define PAGE_2M      0x200000ull
#define TABLE_ENTRIES 512

int linux_write_gdt(struct guest_memory *gm, bool long_mode, struct wisp_error *err)
{
    const uint64_t gdt[LINUX_GDT_ENTRIES] = {
        0,
        0,
        long_mode ? DESC_CODE64 : DESC_CODE32, /* 0x10 */
        DESC_DATA,                             /* 0x18 */
    };
    if (!guest_memory_write(gm, LINUX_GDT_ADDR, gdt, sizeof gdt))
        return wisp_fail(err, WISP_EXIT_USAGE, "guest RAM does not reach the boot GDT at 0x%llx",
                         (unsigned long long)LINUX_GDT_ADDR);
    return 0;
}

int linux_write_page_tables(struct guest_memory *gm, struct wisp_error *err)
{
    const uint64_t dir = PTE_PRESENT | PTE_WRITABLE;
    uint64_t *pml4 = guest_memory_ptr(gm, LINUX_PML4_ADDR, LINUX_PAGE_TABLES_END - LINUX_PML4_ADDR);
    if (!pml4)
        return wisp_fail(err, WISP_EXIT_USAGE,
                         "guest RAM does not reach the boot page tables at 0x%llx",
                         (unsigned long long)LINUX_PML4_ADDR);
    /* One host range covers all six tables (checked above). */
    memset(pml4, 0, LINUX_PAGE_TABLES_END - LINUX_PML4_ADDR);
    uint64_t *pdpt = pml4 + (LINUX_PDPT_ADDR - LINUX_PML4_ADDR) / 8;
    uint64_t *pd = pml4 + (LINUX_PD_ADDR - LINUX_PML4_ADDR) / 8;

    pml4[0] = LINUX_PDPT_ADDR | dir;
    for (uint64_t g = 0; g < LINUX_IDENTITY_LIMIT / (TABLE_ENTRIES * PAGE_2M); g++)
        pdpt[g] = (LINUX_PD_ADDR + g * 0x1000) | dir;
    for (uint64_t i = 0; i < LINUX_IDENTITY_LIMIT / PAGE_2M; i++)
        pd[i] = (i * PAGE_2M) | dir | PTE_LARGE;
    return 0;
}

static struct accel_segment flat(uint16_t selector, uint16_t type, uint16_t size_bit)
{
    return (struct accel_segment){
        .base = 0, .limit = 0xFFFFFFFF, .selector = selector,
        .attributes = (uint16_t)(type | ACCEL_SEG_S | ACCEL_SEG_PRESENT | ACCEL_SEG_GRANULAR |
                                 size_bit),
    };
}

/* What both entries share: data segments, TR, LDT, GDT, IDT, registers. */
static void common_state(uint64_t ip, struct accel_regs *regs, struct accel_sregs *sregs)
{
    sregs->ds = flat(LINUX_BOOT_DS, 0x3 /* read/write, accessed */, ACCEL_SEG_DB);
    sregs->es = sregs->fs = sregs->gs = sregs->ss = sregs->ds;
    /* A busy TSS (type 0xB, 32-bit and 64-bit alike), base 0, limit 0x67:
     * what PVH asks for and what VM entry checks accept. */
    sregs->tr = (struct accel_segment){ .base = 0, .limit = 0x67, .selector = 0,
                                        .attributes = 0xB | ACCEL_SEG_PRESENT };
    sregs->ldt = (struct accel_segment){ .attributes = 0x2 };
    sregs->gdt = (struct accel_table){ LINUX_GDT_ADDR, LINUX_GDT_ENTRIES * 8 - 1 };
    sregs->idt = (struct accel_table){ 0, 0 };
    sregs->cr2 = 0;

    memset(regs, 0, sizeof *regs);
    regs->rip = ip;
    regs->rsp = LINUX_STACK_TOP;
    regs->rflags = 0x2; /* reserved bit only: IF, TF, VM clear */
}

void linux_protected_mode_state(uint32_t eip, struct accel_regs *regs,
                                struct accel_sregs *sregs)
{
    common_state(eip, regs, sregs);
    sregs->cs = flat(LINUX_BOOT_CS, 0xB /* execute/read, accessed */, ACCEL_SEG_DB);
    sregs->cr0 = CR0_PE | CR0_ET;
    sregs->cr3 = 0;
    sregs->cr4 = 0;
    sregs->efer = 0;
}

void linux_long_mode_state(uint64_t rip, struct accel_regs *regs, struct accel_sregs *sregs)
{
    common_state(rip, regs, sregs);
    sregs->cs = flat(LINUX_BOOT_CS, 0xB, ACCEL_SEG_LONG);
    sregs->cr0 = CR0_PE | CR0_ET | CR0_PG;
    sregs->cr3 = LINUX_PML4_ADDR;
    sregs->cr4 = CR4_PAE;
    sregs->efer = EFER_LME | EFER_LMA;
}

int linux_entry_prepare(struct guest_memory *gm, enum linux_entry_kind kind,
                        const struct linux_boot_result *boot, const char *path,
                        struct accel_regs *regs, struct accel_sregs *sregs,
                        struct wisp_error *err)
{
    const char *p = path ? path : "kernel";
    switch (kind) {
    case LINUX_ENTRY_32:
        if (boot->entry32 > UINT32_MAX)
            return wisp_fail(err, WISP_EXIT_BAD_KERNEL,
                             "%s: loaded at 0x%llx, above 4 GiB: the 32-bit entry cannot "
                             "reach it", p, (unsigned long long)boot->entry32);
        if (linux_write_gdt(gm, false, err) < 0)
            return -1;
        linux_protected_mode_state((uint32_t)boot->entry32, regs, sregs);
        break;
    case LINUX_ENTRY_64:
        if (!boot->entry64)
            return wisp_fail(err, WISP_EXIT_BAD_KERNEL,
                             "%s: the kernel has no 64-bit entry point (XLF_KERNEL_64 clear "
                             "in xloadflags); boot it through the 32-bit entry", p);
        if (boot->kernel_end > LINUX_IDENTITY_LIMIT)
            return wisp_fail(err, WISP_EXIT_BAD_KERNEL,
                             "%s: the kernel needs memory up to 0x%llx, beyond the 4 GiB the "
                             "boot page tables map", p, (unsigned long long)boot->kernel_end);
        if (linux_write_gdt(gm, true, err) < 0 || linux_write_page_tables(gm, err) < 0)
            return -1;
        linux_long_mode_state(boot->entry64, regs, sregs);
        break;
    default:
        return wisp_fail(err, WISP_EXIT_USAGE, "unknown Linux entry kind %d", (int)kind);
    }
    regs->rsi = boot->zero_page;
    return 0;
}
