/*
 * hostile_ports: random reads and writes of every width to every I/O port
 * and into the LAPIC, I/O APIC and HPET windows and unbacked addresses
 * below 4 GiB, with interrupts off. wisp must survive all of it: unclaimed
 * reads float high, device models keep their state sane, nothing crashes.
 *
 * Left out, because they would end or derail this guest rather than test
 * wisp: the hypercall ports (0xE4, 0xE6: a random write is a random
 * hypercall, such as exit), and the delivery modes that reset or
 * redirect the vCPU itself (INIT, SMI, SIPI in an IPI, LVT or I/O APIC
 * entry are forced to "fixed"; NMIs the writes send are counted).
 *
 * Prints how many accesses it made, "PASS: hostile_ports" and exits 0.
 */
#include "hostile.h"

#define PORT_ACCESSES 6000
#define MMIO_ACCESSES 6000

#define IOAPIC_ADDR 0xFEC00000ull
#define HPET_ADDR   0xFED00000ull
#define NMI_VECTOR  2

static uint64_t port_reads, port_writes, mmio_reads, mmio_writes;
static volatile uint32_t sink;

static int port_is_a_hypercall(uint16_t port)
{
    return port == WISP_HYPERCALL_PORT || port == 0xE6;
}

static void port_access(void)
{
    uint64_t r = hostile_random();
    /* Half the time a port someone answers: the legacy range. */
    uint16_t port = (r & 1) ? (uint16_t)(r >> 8) : (uint16_t)((r >> 8) & 0x3FF);
    unsigned width = 1u << ((r >> 32) % 3);
    uint32_t value = (uint32_t)(r >> 24);
    if (port_is_a_hypercall(port))
        return;
    if (r & 2) {
        port_writes++;
        if (width == 1)
            outb(port, (uint8_t)value);
        else if (width == 2)
            outw(port, (uint16_t)value);
        else
            outl(port, value);
    } else {
        port_reads++;
        sink += width == 1 ? inb(port) : width == 2 ? inw(port) : inl(port);
    }
}

/* Delivery mode (bits 8-10) of an ICR, LVT or redirection entry: fixed. */
static uint32_t fixed_delivery(uint32_t v)
{
    return v & ~0x700u;
}

static void mmio_write(uint64_t addr, uint32_t value, unsigned width)
{
    mmio_writes++;
    if (width == 1)
        *(volatile uint8_t *)(uintptr_t)addr = (uint8_t)value;
    else if (width == 2)
        *(volatile uint16_t *)(uintptr_t)addr = (uint16_t)value;
    else
        *(volatile uint32_t *)(uintptr_t)addr = value;
}

static void mmio_read(uint64_t addr, unsigned width)
{
    mmio_reads++;
    if (width == 1)
        sink += *(volatile uint8_t *)(uintptr_t)addr;
    else if (width == 2)
        sink += *(volatile uint16_t *)(uintptr_t)addr;
    else
        sink += *(volatile uint32_t *)(uintptr_t)addr;
}

static void lapic_access(uint64_t r)
{
    uint32_t reg = (uint32_t)(r >> 8) & 0xFF0;
    uint32_t value = (uint32_t)(r >> 32);
    if ((r & 6) == 0) { /* now and then an odd offset or width */
        mmio_read(WISP_LAPIC_ADDR + ((r >> 8) & 0xFFF), 1u << ((r >> 20) % 3));
        return;
    }
    if (!(r & 1)) {
        mmio_read(WISP_LAPIC_ADDR + reg, 4);
        return;
    }
    if (reg == 0x300 || (reg >= 0x320 && reg <= 0x370))
        value = fixed_delivery(value); /* ICR low, LVTs */
    if (reg == 0x0F0)
        value |= 0x100; /* keep the LAPIC software-enabled */
    mmio_write(WISP_LAPIC_ADDR + reg, value, 4);
}

static void ioapic_access(uint64_t r)
{
    uint32_t index = (uint32_t)(r >> 8) & 0xFF;
    uint32_t value = (uint32_t)(r >> 32);
    if ((r & 6) == 0) { /* outside the two registers */
        if (r & 1)
            mmio_write(IOAPIC_ADDR + ((r >> 16) & 0xFFF), value, 1u << ((r >> 28) % 3));
        else
            mmio_read(IOAPIC_ADDR + ((r >> 16) & 0xFFF), 1u << ((r >> 28) % 3));
        return;
    }
    mmio_write(IOAPIC_ADDR, index, 4); /* IOREGSEL */
    if (r & 1) {
        if (index >= 0x10 && index < 0x40 && !(index & 1))
            value = fixed_delivery(value);
        mmio_write(IOAPIC_ADDR + 0x10, value, 4);
    } else {
        mmio_read(IOAPIC_ADDR + 0x10, 4);
    }
}

static void other_mmio(uint64_t r, uint64_t ram_end)
{
    uint64_t addr;
    if (r & 8) {
        addr = HPET_ADDR + ((r >> 16) & 0x3FF);
    } else {
        /* Anywhere from the end of RAM to 4 GiB but the framebuffer
         * (RAM-backed) and the two APIC pages handled above. */
        uint64_t span = 0x100000000ull - ram_end;
        addr = ram_end + ((r >> 16) % span);
        if (addr >= WISP_FRAMEBUFFER_ADDR && addr < WISP_FRAMEBUFFER_ADDR + WISP_FRAMEBUFFER_WINDOW)
            return;
        if ((addr >> 12) == (WISP_LAPIC_ADDR >> 12) || (addr >> 12) == (IOAPIC_ADDR >> 12))
            return;
    }
    unsigned width = 1u << ((r >> 4) % 3);
    addr &= ~(uint64_t)(width - 1);
    if (r & 1)
        mmio_write(addr, (uint32_t)(r >> 32), width);
    else
        mmio_read(addr, width);
}

static uint64_t ram_end_of(const struct wisp_boot_info *bi)
{
    const struct wisp_memory_descriptor *d =
        (const struct wisp_memory_descriptor *)(uintptr_t)bi->memory_map_base;
    uint64_t end = 0;
    for (uint64_t i = 0; i < bi->memory_map_count && i < WISP_MEMORY_MAP_MAX; i++)
        if (d[i].base < WISP_FRAMEBUFFER_ADDR && d[i].base + d[i].length > end)
            end = d[i].base + d[i].length;
    return (end + 0xFFF) & ~0xFFFull;
}

int kmain(struct wisp_boot_info *bi)
{
    wisp_idt_init();
    wisp_set_interrupt_handler(NMI_VECTOR, hostile_count_nmi);
    uint64_t ram_end = ram_end_of(bi);
    wisp_printf("hostile_ports: %d port accesses, %d MMIO accesses (RAM ends at 0x%lx)\n",
                PORT_ACCESSES, MMIO_ACCESSES, ram_end);
    for (int i = 0; i < PORT_ACCESSES; i++)
        port_access();
    for (int i = 0; i < MMIO_ACCESSES; i++) {
        uint64_t r = hostile_random();
        switch ((r >> 60) & 3) {
        case 0: lapic_access(r); break;
        case 1: ioapic_access(r); break;
        default: other_mmio(r, ram_end); break;
        }
    }
    wisp_printf("hostile_ports: %lu port reads, %lu port writes, %lu MMIO reads, %lu MMIO "
                "writes, %lu NMIs\n", port_reads, port_writes, mmio_reads, mmio_writes,
                hostile_nmi_count);
    wisp_puts("PASS: hostile_ports\n");
    return 0;
}
