/*
 * hvcalls_command.h - "wisp hvcalls": list and look up Hyper-V hypercalls.
 *
 *   wisp hvcalls            every named hypercall: code and name
 *   wisp hvcalls CODE       the hypercall with that code (0x005C or 92)
 *   wisp hvcalls NAME       hypercalls by name, case-insensitive, with or
 *                           without the HvCall / HvExtCall / Hv prefix
 *   wisp hvcalls --csv      the whole TLFS Appendix A table as CSV, exactly
 *                           as data/hyperv/hypercalls.csv
 *
 * Exit status: 0 when something was listed or found; 1 with a one-line
 * error on stderr when a code or name matches no hypercall (a reserved or
 * deprecated code says so); 2 for a usage error.
 */
#ifndef WISP_HV_HVCALLS_COMMAND_H
#define WISP_HV_HVCALLS_COMMAND_H

#include <stdio.h>

/*
 * argv[0] is the subcommand's own name ("hvcalls"); its arguments start at
 * argv[1].  Writes to stdout and stderr.
 */
int hvcalls_command(int argc, char **argv);

/* The same, writing to the given streams (for tests and embedding). */
int hvcalls_run(int argc, char **argv, FILE *out, FILE *err);

#endif /* WISP_HV_HVCALLS_COMMAND_H */
