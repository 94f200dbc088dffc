/*
 * The ACPI fixed-feature hardware that wisp's FADT (boot/acpi_tables.h)
 * describes: the PM1a event block (PM1_STS, PM1_EN), the PM1a control
 * block (PM1_CNT) and the 32-bit power-management timer, as one 12-port
 * window at ACPI_PM_BASE:
 *
 *   offset 0  PM1_STS   16 bits  (PM1a_EVT_BLK = 0x600, PM1_EVT_LEN 4)
 *   offset 2  PM1_EN    16 bits
 *   offset 4  PM1_CNT   16 bits  (PM1a_CNT_BLK = 0x604, PM1_CNT_LEN 2)
 *   offset 6  -         reads 0xFF, writes ignored
 *   offset 8  PM_TMR    32 bits  (PM_TMR_BLK = 0x608, PM_TMR_LEN 4)
 *
 * Device only: power-off, the SCI line and time go through callbacks; it
 * knows nothing about the bus, the interrupt controller or the
 * accelerator. The SCI is ISA IRQ ACPI_PM_SCI_IRQ, level-triggered, active
 * high (the MADT's override says so).
 *
 * Model:
 * - There is no SMI_CMD port: the machine is always in ACPI mode, so
 *   PM1_CNT.SCI_EN reads 1 and cannot be cleared.
 * - Writing PM1_CNT with SLP_EN set and SLP_TYP = ACPI_PM_SLP_TYP_S5 (the
 *   value of the DSDT's \_S5 package) calls power_off. Any other SLP_TYP
 *   (the DSDT offers no other sleep state, so only a confused guest does
 *   that) is a sleep from which the machine wakes at once: WAK_STS is set
 *   so that a guest polling for it goes on. SLP_EN and GBL_RLS read 0.
 * - PM1_STS bits are write-1-to-clear. TMR_STS is set each time bit 31 of
 *   the timer changes (every 2^31 ticks, about 10 minutes); PWRBTN_STS by
 *   acpi_pm_power_button(). The SCI is high while SCI_EN and any
 *   (PM1_STS & PM1_EN) status bit with an enable (TMR, GBL, PWRBTN,
 *   SLPBTN, RTC) is set; set_sci is called only when the level changes.
 * - PM_TMR counts at ACPI_PM_TIMER_HZ (3.579545 MHz) from 0 at
 *   acpi_pm_init(), 32 bits wide (the FADT sets TMR_VAL_EXT), derived from
 *   the clock callback (monotonic ns) at each read, so reads are exact;
 *   writes are ignored.
 * - Accesses of any width: a read sees all its bytes at one instant; a
 *   write updates each 16-bit register it touches once, with the bytes it
 *   wrote (so a 16-bit PM1_CNT write sets SLP_TYP and SLP_EN together, as
 *   does a byte write of the high half). Bytes past offset 11 read 0xFF.
 *
 * Not thread-safe: serialize acpi_pm_io(), acpi_pm_update() and
 * acpi_pm_power_button() with one lock. Callbacks run inside them.
 */
#ifndef WISP_DEV_ACPI_PM_H
#define WISP_DEV_ACPI_PM_H

#include <stdbool.h>
#include <stdint.h>

#define ACPI_PM_BASE 0x600
#define ACPI_PM_NR_PORTS 12
#define ACPI_PM1_STS_OFFSET 0
#define ACPI_PM1_EN_OFFSET 2
#define ACPI_PM1_CNT_OFFSET 4
#define ACPI_PM_TMR_OFFSET 8
#define ACPI_PM1_EVT_LEN 4
#define ACPI_PM1_CNT_LEN 2
#define ACPI_PM_TMR_LEN 4

#define ACPI_PM_SCI_IRQ 9
#define ACPI_PM_TIMER_HZ 3579545u
#define ACPI_PM_TIMER_BITS 32
/* SLP_TYP for S5 (soft off): the first two elements of the DSDT's \_S5. */
#define ACPI_PM_SLP_TYP_S5 5

/* PM1_STS (write 1 to clear) and PM1_EN share bit positions. */
#define ACPI_PM1_TMR_STS (1u << 0)
#define ACPI_PM1_BM_STS (1u << 4)
#define ACPI_PM1_GBL_STS (1u << 5)
#define ACPI_PM1_PWRBTN_STS (1u << 8)
#define ACPI_PM1_SLPBTN_STS (1u << 9)
#define ACPI_PM1_RTC_STS (1u << 10)
#define ACPI_PM1_PCIEXP_WAKE_STS (1u << 14)
#define ACPI_PM1_WAK_STS (1u << 15)

#define ACPI_PM1_TMR_EN (1u << 0)
#define ACPI_PM1_GBL_EN (1u << 5)
#define ACPI_PM1_PWRBTN_EN (1u << 8)
#define ACPI_PM1_SLPBTN_EN (1u << 9)
#define ACPI_PM1_RTC_EN (1u << 10)
#define ACPI_PM1_PCIEXP_WAKE_DIS (1u << 14)

/* PM1_CNT */
#define ACPI_PM1_SCI_EN (1u << 0)
#define ACPI_PM1_BM_RLD (1u << 1)
#define ACPI_PM1_GBL_RLS (1u << 2)
#define ACPI_PM1_SLP_TYP_SHIFT 10
#define ACPI_PM1_SLP_TYP_MASK (7u << ACPI_PM1_SLP_TYP_SHIFT)
#define ACPI_PM1_SLP_EN (1u << 13)

struct acpi_pm_ops {
    /* The guest entered S5. Called for every such write; the VMM stops. */
    void (*power_off)(void *opaque);
    /* New level of the SCI line; called only on changes. May be NULL. */
    void (*set_sci)(void *opaque, bool level);
    /* Monotonic time in ns. Required. */
    uint64_t (*clock)(void *opaque);
};

struct acpi_pm {
    struct acpi_pm_ops ops;
    void *opaque;
    uint64_t start_ns;   /* the timer read base_ticks then */
    uint64_t base_ticks; /* 0 at power-on; a restored timer's count (snapshots) */
    uint64_t tmr_epoch;  /* timer ticks >> 31 when TMR_STS was last updated */
    uint16_t sts;
    uint16_t en;
    uint16_t cnt;        /* SCI_EN, BM_RLD, SLP_TYP as last written */
    bool sci_level;      /* last level given to set_sci */
};

/* Power-on state; reads the clock once. ops->clock may not be NULL. */
void acpi_pm_init(struct acpi_pm *pm, const struct acpi_pm_ops *ops, void *opaque);

/* Ports ACPI_PM_BASE.. (offsets 0..11); bus_access_fn, opaque = acpi_pm. */
void acpi_pm_io(void *opaque, uint64_t offset, uint8_t *data, unsigned size, bool is_write);

/* PM_TMR's value at now_ns. */
uint32_t acpi_pm_timer(const struct acpi_pm *pm, uint64_t now_ns);

/* The timer's whole count at now_ns (PM_TMR is its low 32 bits). */
uint64_t acpi_pm_ticks(const struct acpi_pm *pm, uint64_t now_ns);

/* A restored timer goes on from ticks at now_ns (snapshots): the guest
 * sees it continue from where it was saved, whatever this host's clock. */
void acpi_pm_set_ticks(struct acpi_pm *pm, uint64_t ticks, uint64_t now_ns);

/* Advances to now_ns (sets TMR_STS if bit 31 of the timer changed, which
 * may raise the SCI) and returns when it next changes, in absolute ns,
 * while TMR_EN is set; UINT64_MAX when nothing is due. */
uint64_t acpi_pm_update(struct acpi_pm *pm, uint64_t now_ns);

/* The fixed-feature power button was pressed: sets PWRBTN_STS (an SCI when
 * the guest enabled PWRBTN_EN; Linux then shuts down in an orderly way). */
void acpi_pm_power_button(struct acpi_pm *pm);

#endif
