/* Host time for the VM: monotonic for timers and timeouts, wall clock for
 * what the guest is told. */
#ifndef WISP_CLOCK_H
#define WISP_CLOCK_H

#include <stdint.h>

uint64_t clock_monotonic_ns(void);
uint64_t clock_wall_ns(void); /* since the Unix epoch */

#endif
