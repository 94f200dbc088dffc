/*
 * The MP table as Linux's MPPARSE code reads it: find "_MP_" on a 16-byte
 * boundary of 0xF0000-0xFFFFF with a good checksum, follow it to "PCMP",
 * check that table's checksum and walk its entries in the order the
 * specification requires.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "boot/acpi_tables.h"
#include <wisp/guest.h>

#include "boot/mptable.h"
#include "core/guest_memory.h"

#define RAM_SIZE 0x100000ull
#define FILL 0xCC

struct harness {
    struct guest_memory gm;
};

static int setup(void **state)
{
    struct harness *h = calloc(1, sizeof *h);
    struct wisp_error err = { 0 };
    if (!h || guest_memory_add_bank(&h->gm, "RAM", MEM_BANK_RAM, 0, RAM_SIZE, &err) < 0)
        return -1;
    *state = h;
    return 0;
}

static int teardown(void **state)
{
    struct harness *h = *state;
    guest_memory_release(&h->gm);
    free(h);
    return 0;
}

static const uint8_t *gpa(struct harness *h, uint64_t addr, uint64_t len)
{
    const uint8_t *p = guest_memory_ptr(&h->gm, addr, len);
    assert_non_null(p);
    return p;
}

static uint8_t sum(const uint8_t *p, size_t n)
{
    uint8_t s = 0;
    for (size_t i = 0; i < n; i++)
        s = (uint8_t)(s + p[i]);
    return s;
}

static void build(struct harness *h, unsigned cpus)
{
    struct wisp_error err = { 0 };
    if (mptable_build(&h->gm, MPTABLE_BIOS_BASE, MPTABLE_BIOS_SIZE, cpus, &err) != 0)
        fail_msg("mptable_build: %s", err.message);
}

/* Linux's scan of the BIOS area. */
static uint64_t scan(struct harness *h, uint64_t from, uint64_t len)
{
    for (uint64_t a = from; a < from + len; a += 16) {
        const uint8_t *p = gpa(h, a, 16);
        if (memcmp(p, "_MP_", 4) == 0 && p[8] == 1 && sum(p, 16) == 0 &&
            (p[9] == 1 || p[9] == 4))
            return a;
    }
    return 0;
}

struct parsed {
    struct mp_floating_pointer fp;
    struct mp_config_table cfg;
    unsigned cpus, buses, ioapics, io_ints, local_ints;
    struct mp_processor cpu[MPTABLE_MAX_CPUS];
    struct mp_bus bus[2];
    struct mp_ioapic ioapic;
    struct mp_interrupt io[160];
    struct mp_interrupt local[4];
};

static void parse(struct harness *h, struct parsed *p)
{
    memset(p, 0, sizeof *p);
    uint64_t at = scan(h, 0xF0000, 0x10000);
    assert_int_not_equal(at, 0);
    memcpy(&p->fp, gpa(h, at, 16), 16);
    assert_int_equal(p->fp.spec_rev, 4);
    assert_int_equal(p->fp.feature[0], 0); /* a configuration table follows */
    assert_int_equal(p->fp.feature[1] & MP_FEATURE2_IMCR, 0); /* virtual wire */
    assert_int_not_equal(p->fp.config_table, 0);

    memcpy(&p->cfg, gpa(h, p->fp.config_table, sizeof p->cfg), sizeof p->cfg);
    assert_memory_equal(p->cfg.signature, "PCMP", 4);
    assert_int_equal(p->cfg.spec_rev, 4);
    assert_int_equal(sum(gpa(h, p->fp.config_table, p->cfg.base_length), p->cfg.base_length), 0);
    assert_memory_equal(p->cfg.oem_id, "WISP    ", 8);
    assert_int_equal(p->cfg.lapic_address, 0xFEE00000u);
    assert_int_equal(p->cfg.ext_length, 0);
    assert_int_equal(p->cfg.oem_table, 0);

    uint64_t e = p->fp.config_table + sizeof p->cfg;
    uint64_t end = p->fp.config_table + p->cfg.base_length;
    unsigned last_type = 0, count = 0;
    while (e < end) {
        uint8_t type = *gpa(h, e, 1);
        assert_true(type >= last_type); /* entries sorted by type */
        last_type = type;
        size_t len = type == MP_ENTRY_PROCESSOR ? 20 : 8;
        assert_true(e + len <= end);
        switch (type) {
        case MP_ENTRY_PROCESSOR:
            memcpy(&p->cpu[p->cpus++], gpa(h, e, len), len);
            break;
        case MP_ENTRY_BUS:
            assert_true(p->buses < 2);
            memcpy(&p->bus[p->buses++], gpa(h, e, len), len);
            break;
        case MP_ENTRY_IOAPIC:
            memcpy(&p->ioapic, gpa(h, e, len), len);
            p->ioapics++;
            break;
        case MP_ENTRY_IO_INTERRUPT:
            assert_true(p->io_ints < 160);
            memcpy(&p->io[p->io_ints++], gpa(h, e, len), len);
            break;
        case MP_ENTRY_LOCAL_INTERRUPT:
            assert_true(p->local_ints < 4);
            memcpy(&p->local[p->local_ints++], gpa(h, e, len), len);
            break;
        default:
            fail_msg("unknown MP entry type %u", type);
        }
        e += len;
        count++;
    }
    assert_int_equal(e, end);
    assert_int_equal(count, p->cfg.entry_count);
}

static void test_floating_pointer_found_and_checksummed(void **state)
{
    struct harness *h = *state;
    build(h, 1);
    uint64_t at = scan(h, 0xF0000, 0x10000);
    assert_int_equal(at, MPTABLE_BIOS_BASE);
    struct parsed p;
    parse(h, &p);
    /* The configuration table follows in the same area. */
    assert_true(p.fp.config_table >= MPTABLE_BIOS_BASE &&
                p.fp.config_table + p.cfg.base_length <= MPTABLE_BIOS_BASE + MPTABLE_BIOS_SIZE);
}

static void test_one_cpu_entries(void **state)
{
    struct harness *h = *state;
    build(h, 1);
    struct parsed p;
    parse(h, &p);
    assert_int_equal(p.cpus, 1);
    assert_int_equal(p.cpu[0].lapic_id, 0);
    assert_int_equal(p.cpu[0].lapic_version, 0x14);
    assert_int_equal(p.cpu[0].cpu_flags, MP_CPU_ENABLED | MP_CPU_BOOTSTRAP);

    assert_int_equal(p.buses, 2);
    assert_int_equal(p.bus[0].bus_id, 0); /* PCI bus 0 must be MP bus 0 */
    assert_memory_equal(p.bus[0].bus_type, "PCI   ", 6);
    assert_int_equal(p.bus[1].bus_id, MPTABLE_ISA_BUS);
    assert_memory_equal(p.bus[1].bus_type, "ISA   ", 6);

    assert_int_equal(p.ioapics, 1);
    assert_int_equal(p.ioapic.ioapic_id, 1); /* = cpus, as in the MADT */
    assert_int_equal(p.ioapic.flags, MP_IOAPIC_ENABLED);
    assert_int_equal(p.ioapic.address, 0xFEC00000u);
    assert_int_equal(p.ioapic.ioapic_version, 0x11);
}

static void test_isa_irqs_identity_mapped_except_cascade(void **state)
{
    struct harness *h = *state;
    build(h, 1);
    struct parsed p;
    parse(h, &p);
    assert_int_equal(p.io_ints, 15 + 31 * 4);
    bool seen[16] = { false };
    for (unsigned i = 0; i < p.io_ints; i++) {
        const struct mp_interrupt *e = &p.io[i];
        if (e->source_bus != MPTABLE_ISA_BUS)
            continue;
        assert_int_equal(e->interrupt_type, MP_INT);
        assert_int_equal(e->flags, 0); /* conforms to ISA: edge, high */
        assert_int_equal(e->dest_id, p.ioapic.ioapic_id);
        assert_int_equal(e->dest_pin, e->source_irq); /* IRQ 0 on pin 0 */
        assert_true(e->source_irq < 16);
        assert_false(seen[e->source_irq]);
        seen[e->source_irq] = true;
    }
    for (unsigned irq = 0; irq < 16; irq++)
        assert_int_equal(seen[irq], irq != 2);
}

/* INTA-INTD of slots 1-31 on PCI bus 0, where the ACPI _PRT puts them. */
static void test_pci_intx_routed_like_the_prt(void **state)
{
    struct harness *h = *state;
    build(h, 1);
    struct parsed p;
    parse(h, &p);
    unsigned pci = 0;
    for (unsigned i = 0; i < p.io_ints; i++) {
        const struct mp_interrupt *e = &p.io[i];
        if (e->source_bus != MPTABLE_PCI_BUS)
            continue;
        pci++;
        unsigned slot = e->source_irq >> 2, pin = e->source_irq & 3;
        assert_true(slot >= 1 && slot < 32);
        assert_int_equal(e->interrupt_type, MP_INT);
        assert_int_equal(e->flags, MP_IRQ_ACTIVE_LOW | MP_IRQ_LEVEL);
        assert_int_equal(e->dest_id, p.ioapic.ioapic_id);
        assert_int_equal(e->dest_pin, WISP_PCI_INTX_GSI(slot, pin));
        assert_true(e->dest_pin >= 16 && e->dest_pin < 24);
    }
    assert_int_equal(pci, 31 * 4);
}

static void test_local_interrupts_virtual_wire(void **state)
{
    struct harness *h = *state;
    build(h, 1);
    struct parsed p;
    parse(h, &p);
    assert_int_equal(p.local_ints, 2);
    assert_int_equal(p.local[0].interrupt_type, MP_EXTINT);
    assert_int_equal(p.local[0].dest_id, MP_ALL_LAPICS);
    assert_int_equal(p.local[0].dest_pin, 0); /* LINT0 */
    assert_int_equal(p.local[1].interrupt_type, MP_NMI);
    assert_int_equal(p.local[1].dest_id, MP_ALL_LAPICS);
    assert_int_equal(p.local[1].dest_pin, 1); /* LINT1 */
}

static void test_several_cpus_one_bootstrap(void **state)
{
    struct harness *h = *state;
    build(h, 4);
    struct parsed p;
    parse(h, &p);
    assert_int_equal(p.cpus, 4);
    for (unsigned i = 0; i < 4; i++) {
        assert_int_equal(p.cpu[i].lapic_id, i);
        assert_true(p.cpu[i].cpu_flags & MP_CPU_ENABLED);
        assert_int_equal(!!(p.cpu[i].cpu_flags & MP_CPU_BOOTSTRAP), i == 0);
    }
    assert_int_equal(p.ioapic.ioapic_id, 4);
    for (unsigned i = 0; i < p.io_ints; i++)
        assert_int_equal(p.io[i].dest_id, 4);
}

static void test_zero_cpus_means_one_and_max_fits(void **state)
{
    struct harness *h = *state;
    struct parsed *p = malloc(sizeof *p);
    assert_non_null(p);
    build(h, 0);
    parse(h, p);
    assert_int_equal(p->cpus, 1);
    build(h, MPTABLE_MAX_CPUS);
    parse(h, p);
    assert_int_equal(p->cpus, MPTABLE_MAX_CPUS);
    free(p);
}

static void test_matches_the_madt_platform(void **state)
{
    (void)state;
    assert_int_equal(MPTABLE_LAPIC_ADDR, ACPI_LAPIC_ADDR);
    assert_int_equal(MPTABLE_IOAPIC_ADDR, ACPI_IOAPIC_ADDR);
    assert_int_equal(MPTABLE_MAX_CPUS, ACPI_MAX_CPUS);
}

static void test_unaligned_base_and_bounds(void **state)
{
    struct harness *h = *state;
    assert_true(guest_memory_fill(&h->gm, 0, FILL, RAM_SIZE));
    struct wisp_error err = { 0 };
    const uint64_t base = 0xF0005, size = 0x600; /* room for the 124 PCI INTx entries */
    assert_int_equal(mptable_build(&h->gm, base, size, 1, &err), 0);
    assert_int_equal(scan(h, 0xF0000, 0x10000), 0xF0010);
    const uint8_t *ram = gpa(h, 0, RAM_SIZE);
    for (uint64_t a = 0; a < RAM_SIZE; a++)
        if (a < base || a >= base + size)
            assert_int_equal(ram[a], FILL);
}

static void test_too_small_or_outside_fails_cleanly(void **state)
{
    struct harness *h = *state;
    assert_true(guest_memory_fill(&h->gm, 0, FILL, RAM_SIZE));
    struct wisp_error err = { 0 };
    assert_int_equal(mptable_build(&h->gm, MPTABLE_BIOS_BASE, 64, 1, &err), -1);
    assert_non_null(strstr(err.message, "MP table needs"));
    const uint8_t *ram = gpa(h, 0, RAM_SIZE);
    for (uint64_t a = 0; a < RAM_SIZE; a++)
        assert_int_equal(ram[a], FILL);

    struct wisp_error err2 = { 0 };
    assert_int_equal(mptable_build(&h->gm, RAM_SIZE - 0x40, 0x1000, 1, &err2), -1);
    assert_non_null(strstr(err2.message, "not guest RAM"));

    struct wisp_error err3 = { 0 };
    assert_int_equal(mptable_build(&h->gm, UINT64_MAX - 4, 0x100, 1, &err3), -1);
    assert_int_not_equal(err3.status, 0);

    struct wisp_error err4 = { 0 };
    assert_int_equal(mptable_build(&h->gm, MPTABLE_BIOS_BASE, MPTABLE_BIOS_SIZE,
                                   MPTABLE_MAX_CPUS + 1, &err4), -1);
    assert_non_null(strstr(err4.message, "CPUs"));
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_floating_pointer_found_and_checksummed),
        T(test_one_cpu_entries),
        T(test_isa_irqs_identity_mapped_except_cascade),
        T(test_pci_intx_routed_like_the_prt),
        T(test_local_interrupts_virtual_wire),
        T(test_several_cpus_one_bootstrap),
        T(test_zero_cpus_means_one_and_max_fits),
        T(test_matches_the_madt_platform),
        T(test_unaligned_base_and_bounds),
        T(test_too_small_or_outside_fails_cleanly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
