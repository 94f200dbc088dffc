#include "mptable.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <wisp/guest.h>

#define ISA_IRQS 16
#define ISA_CASCADE_IRQ 2
#define PCI_SLOTS 32
#define PCI_PINS 4
#define PCI_INTERRUPTS ((PCI_SLOTS - 1) * PCI_PINS) /* slots 1-31, INTA-INTD */
#define IO_INTERRUPTS (ISA_IRQS - 1 + PCI_INTERRUPTS) /* ISA: all but the cascade */
#define LOCAL_INTERRUPTS 2
#define BUSES 2

/* A generic family-6 processor with an on-chip FPU and APIC; Linux takes
 * only the APIC ID, version and flags from the entry. */
#define CPU_SIGNATURE (6u << 8)
#define CPU_FEATURES ((1u << 0) | (1u << 9)) /* FPU, APIC */

static uint8_t sum_bytes(const uint8_t *p, size_t len)
{
    uint8_t sum = 0;
    for (size_t i = 0; i < len; i++)
        sum = (uint8_t)(sum + p[i]);
    return sum;
}

static size_t config_length(unsigned cpus)
{
    return sizeof(struct mp_config_table) + cpus * sizeof(struct mp_processor) +
           BUSES * sizeof(struct mp_bus) + sizeof(struct mp_ioapic) +
           (IO_INTERRUPTS + LOCAL_INTERRUPTS) * sizeof(struct mp_interrupt);
}

/* Writes the configuration table's entries after its header; returns the
 * number of entries. */
static unsigned write_entries(uint8_t *p, unsigned cpus)
{
    unsigned count = 0;
    for (unsigned i = 0; i < cpus; i++) {
        struct mp_processor cpu = {
            .type = MP_ENTRY_PROCESSOR,
            .lapic_id = (uint8_t)i,
            .lapic_version = MPTABLE_LAPIC_VERSION,
            .cpu_flags = (uint8_t)(MP_CPU_ENABLED | (i == 0 ? MP_CPU_BOOTSTRAP : 0)),
            .cpu_signature = CPU_SIGNATURE,
            .feature_flags = CPU_FEATURES,
        };
        memcpy(p, &cpu, sizeof cpu);
        p += sizeof cpu;
        count++;
    }

    /* A PCI bus's ID is its bus number, so PCI bus 0 is bus 0. */
    struct mp_bus pci = { .type = MP_ENTRY_BUS, .bus_id = MPTABLE_PCI_BUS };
    memcpy(pci.bus_type, "PCI   ", 6);
    memcpy(p, &pci, sizeof pci);
    p += sizeof pci;
    count++;
    struct mp_bus isa = { .type = MP_ENTRY_BUS, .bus_id = MPTABLE_ISA_BUS };
    memcpy(isa.bus_type, "ISA   ", 6);
    memcpy(p, &isa, sizeof isa);
    p += sizeof isa;
    count++;

    const uint8_t ioapic_id = (uint8_t)cpus;
    struct mp_ioapic ioapic = {
        .type = MP_ENTRY_IOAPIC,
        .ioapic_id = ioapic_id,
        .ioapic_version = MPTABLE_IOAPIC_VERSION,
        .flags = MP_IOAPIC_ENABLED,
        .address = MPTABLE_IOAPIC_ADDR,
    };
    memcpy(p, &ioapic, sizeof ioapic);
    p += sizeof ioapic;
    count++;

    for (unsigned irq = 0; irq < ISA_IRQS; irq++) {
        if (irq == ISA_CASCADE_IRQ)
            continue;
        struct mp_interrupt e = {
            .type = MP_ENTRY_IO_INTERRUPT, .interrupt_type = MP_INT, .flags = 0,
            .source_bus = MPTABLE_ISA_BUS, .source_irq = (uint8_t)irq,
            .dest_id = ioapic_id, .dest_pin = (uint8_t)irq,
        };
        memcpy(p, &e, sizeof e);
        p += sizeof e;
        count++;
    }
    /* PCI INTx: the source is slot << 2 | pin (INTA = 0). */
    for (unsigned slot = 1; slot < PCI_SLOTS; slot++) {
        for (unsigned pin = 0; pin < PCI_PINS; pin++) {
            struct mp_interrupt e = {
                .type = MP_ENTRY_IO_INTERRUPT, .interrupt_type = MP_INT,
                .flags = MP_IRQ_ACTIVE_LOW | MP_IRQ_LEVEL,
                .source_bus = MPTABLE_PCI_BUS, .source_irq = (uint8_t)(slot << 2 | pin),
                .dest_id = ioapic_id, .dest_pin = (uint8_t)WISP_PCI_INTX_GSI(slot, pin),
            };
            memcpy(p, &e, sizeof e);
            p += sizeof e;
            count++;
        }
    }

    static const struct mp_interrupt local[LOCAL_INTERRUPTS] = {
        { .type = MP_ENTRY_LOCAL_INTERRUPT, .interrupt_type = MP_EXTINT,
          .dest_id = MP_ALL_LAPICS, .dest_pin = 0 },
        { .type = MP_ENTRY_LOCAL_INTERRUPT, .interrupt_type = MP_NMI,
          .dest_id = MP_ALL_LAPICS, .dest_pin = 1 },
    };
    memcpy(p, local, sizeof local);
    count += LOCAL_INTERRUPTS;
    return count;
}

int mptable_build(struct guest_memory *gm, uint64_t base, uint64_t size, unsigned cpus,
                  struct wisp_error *err)
{
    if (cpus == 0)
        cpus = 1;
    if (cpus > MPTABLE_MAX_CPUS)
        return wisp_fail(err, WISP_EXIT_USAGE, "MP table: %u CPUs requested, at most %u",
                         cpus, MPTABLE_MAX_CPUS);
    if (size > UINT64_MAX - base || base > UINT64_MAX - 15)
        return wisp_fail(err, WISP_EXIT_HOST_ERROR,
                         "MP table: area 0x%" PRIx64 "+0x%" PRIx64 " wraps around", base, size);
    uint64_t start = (base + 15) & ~15ull;
    size_t cfg_len = config_length(cpus);
    size_t total = sizeof(struct mp_floating_pointer) + cfg_len;
    if (start - base > size || size - (start - base) < total)
        return wisp_fail(err, WISP_EXIT_HOST_ERROR,
                         "MP table needs 0x%zx bytes at 0x%" PRIx64 ", the area has 0x%" PRIx64,
                         total + (size_t)(start - base), base, size);
    if (start + total > 0x100000000ull)
        return wisp_fail(err, WISP_EXIT_HOST_ERROR, "MP table at 0x%" PRIx64
                         " must lie below 4 GiB", base);

    uint8_t *blob = calloc(1, total);
    if (!blob)
        return wisp_fail(err, WISP_EXIT_HOST_ERROR, "MP table: out of memory");
    uint8_t *cfg_bytes = blob + sizeof(struct mp_floating_pointer);
    uint64_t cfg_gpa = start + sizeof(struct mp_floating_pointer);

    struct mp_config_table cfg;
    memset(&cfg, 0, sizeof cfg);
    memcpy(cfg.signature, "PCMP", 4);
    cfg.base_length = (uint16_t)cfg_len;
    cfg.spec_rev = MP_SPEC_REV_1_4;
    memcpy(cfg.oem_id, MPTABLE_OEM_ID, 8);
    memcpy(cfg.product_id, MPTABLE_PRODUCT_ID, 12);
    cfg.entry_count = (uint16_t)write_entries(cfg_bytes + sizeof cfg, cpus);
    cfg.lapic_address = MPTABLE_LAPIC_ADDR;
    memcpy(cfg_bytes, &cfg, sizeof cfg);
    cfg_bytes[offsetof(struct mp_config_table, checksum)] =
        (uint8_t)(0x100 - sum_bytes(cfg_bytes, cfg_len));

    struct mp_floating_pointer fp;
    memset(&fp, 0, sizeof fp);
    memcpy(fp.signature, "_MP_", 4);
    fp.config_table = (uint32_t)cfg_gpa;
    fp.length = 1;
    fp.spec_rev = MP_SPEC_REV_1_4;
    /* feature[0] = 0: the configuration table is present;
     * feature[1] = 0: no IMCR, virtual wire mode. */
    fp.checksum = (uint8_t)(0x100 - sum_bytes((const uint8_t *)&fp, sizeof fp));
    memcpy(blob, &fp, sizeof fp);

    bool ok = guest_memory_write(gm, start, blob, total);
    free(blob);
    if (!ok)
        return wisp_fail(err, WISP_EXIT_HOST_ERROR,
                         "MP table: 0x%" PRIx64 "-0x%" PRIx64 " is not guest RAM", start,
                         start + total - 1);
    return 0;
}
