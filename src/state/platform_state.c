/* Visitors for the PC platform devices (platform_state.h). */
#include "platform_state.h"

#include <string.h>

/* The CMOS RTC raises no interrupts (cmos_rtc.h): its state is the RAM
 * with registers A-D, the index, the offset of the guest's clock and the
 * time held while B.SET stops it. */
void state_cmos_rtc(struct state_io *io, struct cmos_rtc *rtc)
{
    state_u8(io, &rtc->index);
    state_bytes(io, rtc->ram, sizeof rtc->ram);
    uint64_t offset = (uint64_t)rtc->offset;
    state_u64(io, &offset);
    rtc->offset = (int64_t)offset;
    /* Ten thousand years either way: the registers express 0000-9999. */
    state_check(io, rtc->offset > -(INT64_C(10000) * 366 * 86400) &&
                        rtc->offset < INT64_C(10000) * 366 * 86400,
                "CMOS RTC clock offset out of range");
    struct cmos_rtc_time *t = &rtc->frozen;
    uint64_t year = (uint64_t)t->year;
    state_u64(io, &year);
    t->year = (int64_t)year;
    state_unsigned(io, &t->month);
    state_unsigned(io, &t->day);
    state_unsigned(io, &t->hour);
    state_unsigned(io, &t->minute);
    state_unsigned(io, &t->second);
    /* Used only while B.SET stops the clock (zero until then). */
    bool used = rtc->ram[RTC_REG_B] & RTC_B_SET;
    state_check(io, !used || (t->year >= 0 && t->year <= 9999 && t->month >= 1 && t->month <= 12 &&
                        t->day >= 1 && t->day <= 31 && t->hour <= 23 && t->minute <= 59 &&
                        t->second <= 59),
                "CMOS RTC time out of range");
}

#define PM1_STS_KNOWN                                                                   \
    (ACPI_PM1_TMR_STS | ACPI_PM1_BM_STS | ACPI_PM1_GBL_STS | ACPI_PM1_PWRBTN_STS |        \
     ACPI_PM1_SLPBTN_STS | ACPI_PM1_RTC_STS | ACPI_PM1_PCIEXP_WAKE_STS | ACPI_PM1_WAK_STS)
#define PM1_EN_KNOWN                                                                    \
    (ACPI_PM1_TMR_EN | ACPI_PM1_GBL_EN | ACPI_PM1_PWRBTN_EN | ACPI_PM1_SLPBTN_EN |        \
     ACPI_PM1_RTC_EN | ACPI_PM1_PCIEXP_WAKE_DIS)
#define PM1_CNT_KNOWN (ACPI_PM1_SCI_EN | ACPI_PM1_BM_RLD | ACPI_PM1_SLP_TYP_MASK)
#define PM1_SCI_SOURCES                                                                 \
    (ACPI_PM1_TMR_STS | ACPI_PM1_GBL_STS | ACPI_PM1_PWRBTN_STS | ACPI_PM1_SLPBTN_STS |     \
     ACPI_PM1_RTC_STS)
#define PM_TICKS_LIMIT (1ull << 62) /* some 40,000 years at 3.58 MHz */

void state_acpi_pm(struct state_io *io, struct acpi_pm *pm)
{
    uint64_t ticks = io->loading ? 0 : acpi_pm_ticks(pm, io->now_ns);
    state_u64(io, &ticks);
    state_check(io, ticks < PM_TICKS_LIMIT, "ACPI PM timer count out of range");
    state_u64(io, &pm->tmr_epoch);
    state_check(io, pm->tmr_epoch <= ticks >> (ACPI_PM_TIMER_BITS - 1),
                "ACPI PM timer epoch ahead of its count");
    state_u16(io, &pm->sts);
    state_check(io, (pm->sts & ~PM1_STS_KNOWN) == 0, "unknown PM1 status bits");
    state_u16(io, &pm->en);
    state_check(io, (pm->en & ~PM1_EN_KNOWN) == 0, "unknown PM1 enable bits");
    state_u16(io, &pm->cnt);
    state_check(io, (pm->cnt & ~PM1_CNT_KNOWN) == 0 && (pm->cnt & ACPI_PM1_SCI_EN),
                "PM1 control bits the device never holds");
    state_bool(io, &pm->sci_level);
    /* The line follows the registers (acpi_pm.c's update_sci). */
    state_check(io, pm->sci_level == ((pm->cnt & ACPI_PM1_SCI_EN) &&
                                      (pm->sts & pm->en & PM1_SCI_SOURCES)),
                "ACPI SCI level disagrees with the PM1 registers");
    if (io->loading && !io->failed)
        acpi_pm_set_ticks(pm, ticks, io->now_ns);
}

/* The commands that wait for a data byte on port 0x60 (reset_port.c). */
static bool takes_data(uint8_t cmd)
{
    return cmd == 0 || (cmd >= I8042_CMD_WRITE_CTR && cmd <= 0x7F) ||
           cmd == I8042_CMD_WRITE_OUTPUT || cmd == I8042_CMD_KBD_LOOP ||
           cmd == I8042_CMD_AUX_LOOP || cmd == I8042_CMD_AUX_SEND;
}

void state_reset_port(struct state_io *io, struct reset_port *rp)
{
    state_u8(io, &rp->cf9);
    state_check(io, (rp->cf9 & ~(RESET_CF9_SYS_RST | RESET_CF9_FULL_RST)) == 0,
                "reset control register bits the device never holds");
    state_bytes(io, rp->ram, sizeof rp->ram);
    state_u8(io, &rp->output_port);
    state_check(io, rp->output_port & I8042_OUTPUT_RESET,
                "8042 output port holds the CPU in reset");
    state_u8(io, &rp->out);
    state_bool(io, &rp->out_full);
    state_bool(io, &rp->out_aux);
    state_bool(io, &rp->out_timeout);
    state_check(io, rp->out_full || (!rp->out_aux && !rp->out_timeout),
                "8042 output flags without a byte");
    state_bool(io, &rp->kbd_irq);
    state_bool(io, &rp->aux_irq);
    /* The lines follow the buffer and the CTR (reset_port.c's update_irqs). */
    bool kbd = rp->out_full && !rp->out_aux && (rp->ram[0] & I8042_CTR_KBDINT);
    bool aux = rp->out_full && rp->out_aux && (rp->ram[0] & I8042_CTR_AUXINT);
    state_check(io, rp->kbd_irq == kbd && rp->aux_irq == aux,
                "8042 interrupt lines disagree with its output buffer");
    state_bool(io, &rp->last_was_command);
    state_u8(io, &rp->pending);
    state_check(io, takes_data(rp->pending), "8042 waits for data after a command that takes none");
}
