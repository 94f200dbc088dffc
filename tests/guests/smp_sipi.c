/* smp_sipi: smp_count with every AP started by INIT-SIPI-SIPI through a
 * real-mode trampoline at 0x70000 (lib/smp_trampoline.S). */
#define START_WITH_SIPI 1
#define NAME "smp_sipi"
#include "smp_count.c"
