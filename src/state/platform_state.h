/*
 * Saved state of the PC platform devices Linux, Multiboot and Limine guests
 * get (vm_linux.c): the CMOS RTC, the ACPI PM1 registers and PM timer, the
 * 8042 and reset control port. Visitors as in device_state.h: one walk both
 * ways, callbacks and opaque pointers not saved, every field that selects
 * a mode or an array element checked on loading.
 *
 * Time: the RTC keeps its offset from the host's wall clock (the guest's
 * setting survives and the clock reads the real time after a restore, as
 * on a machine that was switched off); the PM timer goes on from the count
 * it had when saved, as the guest's TSC and KVM clock do.
 */
#ifndef WISP_STATE_PLATFORM_STATE_H
#define WISP_STATE_PLATFORM_STATE_H

#include "dev/acpi_pm.h"
#include "dev/cmos_rtc.h"
#include "dev/reset_port.h"
#include "state_io.h"

void state_cmos_rtc(struct state_io *io, struct cmos_rtc *rtc);
/* The timer's count is taken at io->now_ns. */
void state_acpi_pm(struct state_io *io, struct acpi_pm *pm);
void state_reset_port(struct state_io *io, struct reset_port *rp);

#endif
