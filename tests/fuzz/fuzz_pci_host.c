/*
 * libFuzzer target: the PCI host bridge (src/dev/pci/pci_host.c) and the
 * generic function behind it (pci_device.c, msix.c) with nine model
 * functions on slots 1-9 (32- and 64-bit BARs of 4 KiB to 1 MiB, MSI-X
 * tables in a BAR, one function without MSI-X; slot 9 shares slot 1's
 * GSI), driven by a program of 8 kinds of steps (first byte % 10):
 *   0    port write 0xCF8-0xCFF: port, size 1/2/4, value
 *   1    port read  0xCF8-0xCFF
 *   2/3  configuration write/read through 0xCF8 + 0xCFC: bus (0 mostly),
 *        slot, function, register, size, value (a full mechanism #1 cycle)
 *   4/5  ECAM write/read: slot, function, register (0-0xFFF), size 1-8, value
 *   6/7  BAR write/read: function, BAR, offset, size 1-8, value: through the
 *        MMIO bus at the address the BAR is programmed with
 *   8    the function drives INTA: function, level
 *   9    the function signals an MSI-X vector: function, vector
 *
 * Checked after every step besides the sanitizers: identity registers are
 * read-only; the capability list is a well-formed chain; every decoding BAR
 * is registered on the bus exactly where its register says, naturally
 * aligned, with memory decode on, and a BAR that should decode and does not
 * overlaps another range; BAR sizing reads back the size mask; absent
 * functions and misaligned accesses read all ones; the config address
 * register reads back what was written (bits that exist); each GSI is
 * asserted exactly while one of its functions asserts INTA without INTx
 * disabled, and the status register's interrupt bit follows the line; an
 * MSI goes out only for an enabled, unmasked vector, with its table
 * entry's address and data, and an unmasked pending vector never waits.
 */
#include <string.h>

#include "dev/pci/pci_host.h"
#include "fuzz_input.h"

#define NFUNC 9

struct model {
    struct pci_device pci;
    uint8_t regs[64]; /* what a BAR offers outside the MSI-X structures */
};

static const struct {
    uint64_t size[PCI_NUM_BARS];
    bool is_64[PCI_NUM_BARS];
    uint16_t vectors;
    uint8_t msix_bar;
    uint32_t table, pba;
} layout[NFUNC] = {
    { { 0x1000, 0, 0x4000 }, { false, false, true }, 4, 0, 0x0, 0x800 },
    { { 0x100000 }, { true }, 8, 0, 0x1000, 0x2000 },
    { { 0, 0x2000 }, { false, false }, 0, 0, 0, 0 },
    { { 0x8000 }, { false }, 3, 0, 0x4000, 0x5000 },
    { { 0x1000, 0x1000, 0x1000, 0x1000, 0x1000, 0x1000 }, { 0 }, 64, 5, 0, 0x400 },
    { { 0, 0, 0, 0, 0x10000 }, { false, false, false, false, true }, 1, 4, 0x8000, 0x9000 },
    { { 0x1000 }, { false }, 2, 0, 0x0, 0x100 },
    { { 0x2000, 0x2000 }, { false, false }, 16, 1, 0x0, 0x1000 },
    { { 0x1000 }, { false }, 0, 0, 0, 0 },
};

static struct bus ports, mmio;
static struct pci_host host;
static struct model fn[NFUNC];
static bool gsi_level[256];
static uint64_t msis;

static void model_bar(void *opaque, uint64_t offset, uint8_t *data, unsigned size, bool is_write,
                      int bar)
{
    struct model *m = opaque;
    const struct pci_msix *x = &m->pci.msix;
    if (x->vectors && bar == x->bar && offset >= x->table_offset &&
        offset < x->table_offset + 16ull * x->vectors) {
        pci_msix_table_access(&m->pci, offset - x->table_offset, data, size, is_write);
        return;
    }
    if (x->vectors && bar == x->bar && offset >= x->pba_offset && offset < x->pba_offset + 8) {
        pci_msix_pba_access(&m->pci, offset - x->pba_offset, data, size, is_write);
        return;
    }
    for (unsigned i = 0; i < size; i++) {
        uint64_t at = (offset + i) % sizeof m->regs;
        if (is_write)
            m->regs[at] = data[i];
        else
            data[i] = m->regs[at];
    }
}

/* One handler per BAR number (the bus gives only the offset). */
#define BAR_FN(n)                                                                          \
    static void bar##n(void *opaque, uint64_t offset, uint8_t *data, unsigned size,        \
                       bool is_write)                                                      \
    {                                                                                      \
        model_bar(*(struct model **)opaque, offset, data, size, is_write, n);              \
    }
BAR_FN(0)
BAR_FN(1)
BAR_FN(2)
BAR_FN(3)
BAR_FN(4)
BAR_FN(5)
static const bus_access_fn bar_fns[PCI_NUM_BARS] = { bar0, bar1, bar2, bar3, bar4, bar5 };
static struct model *bar_owner[NFUNC][PCI_NUM_BARS]; /* distinct opaques per BAR */

static void msi(void *opaque, uint64_t address, uint32_t data)
{
    (void)opaque;
    bool found = false;
    for (int f = 0; f < NFUNC && !found; f++) {
        const struct pci_device *d = &fn[f].pci;
        if (!pci_msix_enabled(d) ||
            (pci_get_word(d->config + d->msix.cap + PCI_MSIX_FLAGS) & PCI_MSIX_FLAGS_MASKALL))
            continue;
        for (unsigned v = 0; v < d->msix.vectors && !found; v++) {
            const uint32_t *e = d->msix.table[v];
            found = !(e[3] & 1) && e[2] == data && ((uint64_t)e[1] << 32 | e[0]) == address;
        }
    }
    fuzz_check(found, "an MSI no enabled, unmasked vector describes");
    msis++;
}

static void set_gsi(void *opaque, unsigned gsi, bool level)
{
    (void)opaque;
    fuzz_check(gsi >= WISP_PCI_INTX_GSI_BASE && gsi < WISP_PCI_INTX_GSI_BASE + PCI_HOST_INTX_LINES,
               "a GSI outside the PCI lines");
    fuzz_check(gsi_level[gsi] != level, "a GSI set to the level it had");
    gsi_level[gsi] = level;
}

static uint64_t access(const struct bus *bus, uint64_t addr, unsigned size, uint64_t value,
                       bool is_write, bool *claimed)
{
    struct {
        uint8_t data[8];
        uint8_t canary[8];
    } buf;
    memcpy(buf.data, &value, sizeof buf.data);
    memset(buf.canary, 0xC5, sizeof buf.canary);
    *claimed = bus_dispatch(bus, addr, buf.data, size, is_write);
    if (!*claimed && !is_write)
        memset(buf.data, 0xFF, size);
    for (size_t i = 0; i < sizeof buf.canary; i++)
        fuzz_check(buf.canary[i] == 0xC5, "a device wrote past its access size");
    uint64_t v = 0;
    memcpy(&v, buf.data, size);
    return v;
}

static uint64_t ones(unsigned size)
{
    return size >= 8 ? UINT64_MAX : (1ull << (8 * size)) - 1;
}

static struct model *function_at(unsigned bus, unsigned slot, unsigned function)
{
    if (bus != 0 || function != 0 || slot < 1 || slot > NFUNC)
        return NULL;
    return &fn[slot - 1];
}

/* A configuration read's result, checked against what the rules say. */
static void check_config_read(unsigned bus, unsigned slot, unsigned function, unsigned reg,
                              unsigned size, uint64_t v)
{
    bool exists = (bus == 0 && function == 0 && slot == 0) || function_at(bus, slot, function);
    if (!exists || reg % size) {
        fuzz_check(v == ones(size), "an absent function or a misaligned access reads all ones");
        return;
    }
    if (reg >= PCI_CONFIG_SIZE && size <= 4)
        fuzz_check(v == 0, "extended configuration space reads 0");
}

static void check_sizing(struct model *m, unsigned reg, unsigned size, uint32_t value)
{
    if (size != 4 || reg % 4 || reg < PCI_BAR0 || reg >= PCI_BAR0 + 24 || value != 0xFFFFFFFFu)
        return;
    int bar = (int)(reg - PCI_BAR0) / 4;
    const struct pci_bar *b = &m->pci.bars[bar];
    uint32_t got = pci_get_long(m->pci.config + reg);
    if (b->size) {
        uint32_t want = ((uint32_t)~(b->size - 1) & ~0xFu) | (b->is_64 ? PCI_BAR_MEM_TYPE_64 : 0);
        fuzz_check(got == want, "BAR sizing reads back the size mask");
    } else if (bar > 0 && m->pci.bars[bar - 1].is_64 && m->pci.bars[bar - 1].size) {
        fuzz_check(got == (uint32_t)(~(m->pci.bars[bar - 1].size - 1) >> 32),
                   "the upper half of a 64-bit BAR sizes too");
    } else {
        fuzz_check(got == 0, "an unused BAR reads 0 after sizing");
    }
}

static void check_function(int f)
{
    struct model *m = &fn[f];
    const struct pci_device *d = &m->pci;
    fuzz_check(pci_get_word(d->config + PCI_VENDOR_ID) == 0x1234 &&
               pci_get_word(d->config + PCI_DEVICE_ID) == 0x1000 + f &&
               d->config[PCI_HEADER_TYPE] == 0 && d->config[PCI_INTERRUPT_PIN] == 1,
               "identity registers changed");
    /* The capability list: inside the device-specific area, dword aligned, ends. */
    unsigned at = d->config[PCI_CAPABILITY_LIST], steps = 0;
    while (at) {
        fuzz_check(at >= PCI_STD_HEADER_END && at % 4 == 0 && at < PCI_CONFIG_SIZE && steps++ < 48,
                   "capability list broken");
        at = d->config[at + 1];
    }
    bool decode = pci_get_word(d->config + PCI_COMMAND) & PCI_COMMAND_MEMORY;
    for (int i = 0; i < PCI_NUM_BARS; i++) {
        const struct pci_bar *b = &d->bars[i];
        if (!b->size)
            continue;
        uint64_t addr = pci_bar_address(d, i);
        if (b->decoding_at) {
            fuzz_check(decode && b->decoding_at == addr, "a BAR decodes where it is not programmed");
            fuzz_check(addr % b->size == 0, "a BAR decodes misaligned");
            const struct bus_range *r = bus_find(&mmio, addr);
            fuzz_check(r && r->base == addr && r->length == b->size && r->opaque == b->opaque,
                       "a decoding BAR is not on the bus");
        } else if (decode && addr && addr + b->size > addr) {
            bool blocked = false;
            for (int k = 0; k < mmio.count && !blocked; k++) {
                const struct bus_range *r = &mmio.ranges[k];
                blocked = r->base < addr + b->size && addr < r->base + r->length;
            }
            fuzz_check(blocked, "a BAR that can decode does not");
        }
    }
    /* INTA: status follows the line; what reaches the bridge is the line
     * unless INTx is disabled. */
    bool disabled = pci_get_word(d->config + PCI_COMMAND) & PCI_COMMAND_INTX_DISABLE;
    fuzz_check(d->intx_out == (d->intx_level && !disabled), "INTA out of step with the command");
    fuzz_check(!!(pci_get_word(d->config + PCI_STATUS) & PCI_STATUS_INTERRUPT) == d->intx_level,
               "the status interrupt bit does not follow INTA");
    /* MSI-X: a pending vector waits only while masked. */
    if (d->msix.vectors) {
        fuzz_check(d->msix.vectors >= 64 || d->msix.pending >> d->msix.vectors == 0,
                   "pending bits past the table");
        uint16_t control = pci_get_word(d->config + d->msix.cap + PCI_MSIX_FLAGS);
        if (pci_msix_enabled(d) && !(control & PCI_MSIX_FLAGS_MASKALL))
            for (unsigned v = 0; v < d->msix.vectors; v++)
                fuzz_check(!(d->msix.pending >> v & 1) || (d->msix.table[v][3] & 1),
                           "an unmasked vector left pending");
    }
}

static void check_gsis(void)
{
    for (unsigned line = 0; line < PCI_HOST_INTX_LINES; line++) {
        unsigned gsi = WISP_PCI_INTX_GSI_BASE + line;
        bool any = false;
        for (int f = 0; f < NFUNC; f++)
            any |= fn[f].pci.gsi == gsi && fn[f].pci.intx_out;
        fuzz_check(gsi_level[gsi] == any, "a GSI disagrees with its functions' INTA");
    }
}

static void setup(void)
{
    static const struct pci_host_ops ops = { msi, set_gsi };
    memset(&ports, 0, sizeof ports);
    memset(&mmio, 0, sizeof mmio);
    ports.name = "port";
    mmio.name = "mmio";
    memset(gsi_level, 0, sizeof gsi_level);
    msis = 0;
    struct wisp_error err = { 0 };
    fuzz_check(pci_host_init(&host, &ports, &mmio, &ops, NULL, &err) == 0, "host");
    for (int f = 0; f < NFUNC; f++) {
        struct model *m = &fn[f];
        memset(m, 0, sizeof *m);
        pci_device_init(&m->pci, "model", 0x1234, (uint16_t)(0x1000 + f), 0xFF0000, 0, 0x1234, 1);
        for (int i = 0; i < PCI_NUM_BARS; i++) {
            bar_owner[f][i] = m;
            if (layout[f].size[i])
                pci_device_add_bar(&m->pci, i, layout[f].size[i], layout[f].is_64[i], bar_fns[i],
                                   &bar_owner[f][i]);
        }
        if (layout[f].vectors)
            fuzz_check(pci_device_add_msix(&m->pci, layout[f].vectors, layout[f].msix_bar,
                                           layout[f].table, layout[f].pba) == 0, "msix");
        fuzz_check(pci_host_add_device(&host, &m->pci, &err) == 0, "add");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setup();
    struct fuzz_input in = { data, size };
    while (fi_more(&in)) {
        unsigned op = fi_u8(&in) % 10;
        bool claimed;
        switch (op) {
        case 0:
        case 1: {
            unsigned port = fi_u8(&in) % 8, sz = 1u << (fi_u8(&in) % 3);
            uint32_t value = fi_u32(&in);
            uint32_t before = host.config_address;
            uint64_t v = access(&ports, WISP_PCI_CONFIG_ADDRESS + port, sz, value, op == 0, &claimed);
            if (port == 0 && sz == 4) {
                if (op == 0)
                    fuzz_check(host.config_address == (value & 0x80FFFFFCu),
                               "the config address keeps what exists");
                else
                    fuzz_check(v == before, "the config address reads back");
            } else if (port < 4) {
                fuzz_check(host.config_address == before, "a narrow 0xCF8 access moved the address");
            }
            break;
        }
        case 2:
        case 3: {
            uint8_t b = fi_u8(&in);
            unsigned bus = b & 0x80 ? b & 0x7F : 0, slot = fi_u8(&in) % 32, function = fi_u8(&in) % 8;
            unsigned reg = fi_u8(&in), sz = 1u << (fi_u8(&in) % 3);
            uint32_t value = fi_u32(&in);
            reg &= ~(sz - 1); /* mechanism #1 cannot issue misaligned cycles */
            uint32_t address = 0x80000000u | bus << 16 | slot << 11 | function << 8 | (reg & 0xFC);
            access(&ports, WISP_PCI_CONFIG_ADDRESS, 4, address, true, &claimed);
            uint64_t v = access(&ports, WISP_PCI_CONFIG_DATA + (reg & 3), sz, value, op == 2,
                                &claimed);
            struct model *m = function_at(bus, slot, function);
            if (op == 3)
                check_config_read(bus, slot, function, reg, sz, v);
            else if (m)
                check_sizing(m, reg, sz, value);
            break;
        }
        case 4:
        case 5: {
            unsigned slot = fi_u8(&in) % 32, function = fi_u8(&in) % 8;
            unsigned reg = fi_u16(&in) % 0x1000, sz = 1u << (fi_u8(&in) % 4);
            uint64_t value = fi_u64(&in);
            uint64_t addr = WISP_PCI_ECAM_BASE + ((uint64_t)slot << 15) + (function << 12) + reg;
            uint64_t v = access(&mmio, addr, sz, value, op == 4, &claimed);
            struct model *m = function_at(0, slot, function);
            if (op == 5 && sz <= 4)
                check_config_read(0, slot, function, reg, sz, v);
            else if (op == 4 && m)
                check_sizing(m, reg, sz, (uint32_t)value);
            break;
        }
        case 6:
        case 7: {
            struct model *m = &fn[fi_u8(&in) % NFUNC];
            int bar = fi_u8(&in) % PCI_NUM_BARS;
            uint64_t off = fi_u32(&in), value;
            unsigned sz = 1u << (fi_u8(&in) % 4);
            value = fi_u64(&in);
            if (!m->pci.bars[bar].size)
                break;
            off %= m->pci.bars[bar].size + 8;
            access(&mmio, pci_bar_address(&m->pci, bar) + off, sz, value, op == 6, &claimed);
            break;
        }
        case 8: {
            struct model *m = &fn[fi_u8(&in) % NFUNC];
            pci_set_irq(&m->pci, fi_u8(&in) & 1);
            break;
        }
        default: {
            struct model *m = &fn[fi_u8(&in) % NFUNC];
            uint16_t vector = fi_u8(&in) % 70;
            uint64_t before = msis, pending = m->pci.msix.pending;
            bool on = pci_msix_enabled(&m->pci);
            bool taken = pci_msix_notify(&m->pci, vector);
            fuzz_check(taken == (on && vector < m->pci.msix.vectors), "notify's answer");
            if (taken)
                fuzz_check(msis == before + 1 || (m->pci.msix.pending & ~pending) ||
                           (pending >> vector & 1), "a signalled vector neither sent nor pending");
            else
                fuzz_check(msis == before && m->pci.msix.pending == pending,
                           "a refused vector did something");
            break;
        }
        }
        for (int f = 0; f < NFUNC; f++)
            check_function(f);
        check_gsis();
    }
    return 0;
}
