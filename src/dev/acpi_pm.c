#include "acpi_pm.h"

#include <string.h>

#define NS_PER_SEC 1000000000ull

/* Status bits the guest may clear, enable bits it may set, and the status
 * bits that raise the SCI when enabled. */
#define STS_CLEARABLE                                                                   \
    (ACPI_PM1_TMR_STS | ACPI_PM1_BM_STS | ACPI_PM1_GBL_STS | ACPI_PM1_PWRBTN_STS |        \
     ACPI_PM1_SLPBTN_STS | ACPI_PM1_RTC_STS | ACPI_PM1_PCIEXP_WAKE_STS | ACPI_PM1_WAK_STS)
#define EN_WRITABLE                                                                     \
    (ACPI_PM1_TMR_EN | ACPI_PM1_GBL_EN | ACPI_PM1_PWRBTN_EN | ACPI_PM1_SLPBTN_EN |        \
     ACPI_PM1_RTC_EN | ACPI_PM1_PCIEXP_WAKE_DIS)
#define SCI_SOURCES                                                                     \
    (ACPI_PM1_TMR_STS | ACPI_PM1_GBL_STS | ACPI_PM1_PWRBTN_STS | ACPI_PM1_SLPBTN_STS |     \
     ACPI_PM1_RTC_STS)
#define CNT_STORED (ACPI_PM1_BM_RLD | ACPI_PM1_SLP_TYP_MASK)

#define TMR_MSB_SHIFT (ACPI_PM_TIMER_BITS - 1)

/* floor(ns * HZ / 1e9) without overflow for any 64-bit ns. */
static uint64_t ns_to_ticks(uint64_t ns)
{
    return (ns / NS_PER_SEC) * ACPI_PM_TIMER_HZ + (ns % NS_PER_SEC) * ACPI_PM_TIMER_HZ / NS_PER_SEC;
}

/* The first ns at which ns_to_ticks() reaches ticks (saturating). */
static uint64_t ticks_to_ns_ceil(uint64_t ticks)
{
    uint64_t whole = ticks / ACPI_PM_TIMER_HZ;
    uint64_t rest = ticks % ACPI_PM_TIMER_HZ;
    if (whole > (UINT64_MAX - NS_PER_SEC) / NS_PER_SEC)
        return UINT64_MAX;
    return whole * NS_PER_SEC + (rest * NS_PER_SEC + ACPI_PM_TIMER_HZ - 1) / ACPI_PM_TIMER_HZ;
}

static uint64_t elapsed_ticks(const struct acpi_pm *pm, uint64_t now_ns)
{
    return pm->base_ticks + (now_ns > pm->start_ns ? ns_to_ticks(now_ns - pm->start_ns) : 0);
}

uint64_t acpi_pm_ticks(const struct acpi_pm *pm, uint64_t now_ns)
{
    return elapsed_ticks(pm, now_ns);
}

void acpi_pm_set_ticks(struct acpi_pm *pm, uint64_t ticks, uint64_t now_ns)
{
    pm->base_ticks = ticks;
    pm->start_ns = now_ns;
}

static void update_sci(struct acpi_pm *pm)
{
    bool level = (pm->cnt & ACPI_PM1_SCI_EN) && (pm->sts & pm->en & SCI_SOURCES);
    if (level == pm->sci_level)
        return;
    pm->sci_level = level;
    if (pm->ops.set_sci)
        pm->ops.set_sci(pm->opaque, level);
}

void acpi_pm_init(struct acpi_pm *pm, const struct acpi_pm_ops *ops, void *opaque)
{
    memset(pm, 0, sizeof *pm);
    pm->ops = *ops;
    pm->opaque = opaque;
    pm->start_ns = pm->ops.clock(opaque);
    pm->cnt = ACPI_PM1_SCI_EN;
}

uint32_t acpi_pm_timer(const struct acpi_pm *pm, uint64_t now_ns)
{
    uint64_t ticks = elapsed_ticks(pm, now_ns);
#if ACPI_PM_TIMER_BITS == 32
    return (uint32_t)ticks;
#else
    return (uint32_t)(ticks & ((1u << ACPI_PM_TIMER_BITS) - 1));
#endif
}

uint64_t acpi_pm_update(struct acpi_pm *pm, uint64_t now_ns)
{
    uint64_t epoch = elapsed_ticks(pm, now_ns) >> TMR_MSB_SHIFT;
    if (epoch != pm->tmr_epoch) {
        pm->tmr_epoch = epoch;
        pm->sts |= ACPI_PM1_TMR_STS;
    }
    update_sci(pm);
    if (!(pm->en & ACPI_PM1_TMR_EN))
        return UINT64_MAX;
    /* epoch counts from 0, the ticks since start_ns from base_ticks. */
    uint64_t next = ticks_to_ns_ceil(((epoch + 1) << TMR_MSB_SHIFT) - pm->base_ticks);
    return next > UINT64_MAX - pm->start_ns ? UINT64_MAX : pm->start_ns + next;
}

void acpi_pm_power_button(struct acpi_pm *pm)
{
    pm->sts |= ACPI_PM1_PWRBTN_STS;
    update_sci(pm);
}

static void write_cnt(struct acpi_pm *pm, uint16_t value, uint16_t mask)
{
    uint16_t merged = (uint16_t)((pm->cnt & ~mask) | (value & mask));
    pm->cnt = (uint16_t)((merged & CNT_STORED) | ACPI_PM1_SCI_EN);
    if (!(value & mask & ACPI_PM1_SLP_EN))
        return;
    unsigned slp_typ = (pm->cnt & ACPI_PM1_SLP_TYP_MASK) >> ACPI_PM1_SLP_TYP_SHIFT;
    if (slp_typ == ACPI_PM_SLP_TYP_S5) {
        if (pm->ops.power_off)
            pm->ops.power_off(pm->opaque);
    } else {
        /* No such sleep state: wake up at once. */
        pm->sts |= ACPI_PM1_WAK_STS;
    }
}

void acpi_pm_io(void *opaque, uint64_t offset, uint8_t *data, unsigned size, bool is_write)
{
    struct acpi_pm *pm = opaque;
    uint64_t now = pm->ops.clock(pm->opaque);
    acpi_pm_update(pm, now);

    if (!is_write) {
        uint32_t tmr = acpi_pm_timer(pm, now);
        uint16_t cnt = pm->cnt; /* SLP_EN and GBL_RLS are never stored */
        const uint8_t regs[ACPI_PM_NR_PORTS] = {
            (uint8_t)pm->sts, (uint8_t)(pm->sts >> 8),
            (uint8_t)pm->en, (uint8_t)(pm->en >> 8),
            (uint8_t)cnt, (uint8_t)(cnt >> 8),
            0xFF, 0xFF,
            (uint8_t)tmr, (uint8_t)(tmr >> 8), (uint8_t)(tmr >> 16), (uint8_t)(tmr >> 24),
        };
        for (unsigned i = 0; i < size; i++) {
            uint64_t at = offset + i;
            data[i] = (at < offset || at >= ACPI_PM_NR_PORTS) ? 0xFF : regs[at];
        }
        return;
    }

    /* Gather the bytes written into the three 16-bit registers, then apply
     * each register's write once. */
    uint16_t value[3] = { 0 }, mask[3] = { 0 };
    for (unsigned i = 0; i < size; i++) {
        uint64_t at = offset + i;
        if (at < offset || at >= ACPI_PM1_CNT_OFFSET + 2)
            continue; /* the gap and the read-only timer ignore writes */
        unsigned reg = (unsigned)at / 2, shift = ((unsigned)at % 2) * 8;
        value[reg] |= (uint16_t)(data[i] << shift);
        mask[reg] |= (uint16_t)(0xFF << shift);
    }
    if (mask[0])
        pm->sts &= (uint16_t)~(value[0] & mask[0] & STS_CLEARABLE);
    if (mask[1])
        pm->en = (uint16_t)(((pm->en & ~mask[1]) | (value[1] & mask[1])) & EN_WRITABLE);
    if (mask[2])
        write_cnt(pm, value[2], mask[2]);
    update_sci(pm);
}
