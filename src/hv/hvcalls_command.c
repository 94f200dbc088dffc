/*
 * hvcalls_command.c - "wisp hvcalls [CODE|NAME|--csv]".
 */
#include "hvcalls_command.h"

#include <string.h>

#include "hvcall_table.h"

#define HVCALLS_MAX_MATCHES 8

static void print_usage(FILE *f)
{
    fprintf(f, "usage: wisp hvcalls [CODE|NAME|--csv]\n"
               "  (no argument)  list every Hyper-V hypercall (TLFS v6.0b "
               "Appendix A)\n"
               "  CODE           look a hypercall up by code: 0x005C or 92\n"
               "  NAME           look hypercalls up by name, e.g. "
               "HvCallPostMessage or postmessage\n"
               "  --csv          print the whole table as CSV\n");
}

static void print_row(FILE *out, const struct hvcall_info *row)
{
    fprintf(out, "0x%04X  %s  (%s, fast: %s, caller: %s, privilege: %s)\n",
            (unsigned)row->code, row->name, hvcall_kind_name(row->kind),
            hvcall_fast_name(row->fast), row->caller[0] ? row->caller : "-",
            row->privilege[0] ? row->privilege : "-");
}

static int lookup_code(uint16_t code, FILE *out, FILE *err)
{
    struct hvcall_info row;

    if (!hvcall_row_by_code(code, &row)) {
        fprintf(err, "wisp hvcalls: no hypercall has code 0x%04X\n",
                (unsigned)code);
        return 1;
    }
    if (row.status != HVCALL_DOCUMENTED) {
        fprintf(err,
                "wisp hvcalls: code 0x%04X is %s in TLFS Appendix A and "
                "names no hypercall\n",
                (unsigned)code, hvcall_status_name(row.status));
        return 1;
    }
    print_row(out, &row);
    return 0;
}

static int lookup_name(const char *arg, FILE *out, FILE *err)
{
    const struct hvcall_info *matches[HVCALLS_MAX_MATCHES];
    size_t count = hvcall_find_by_name(arg, matches, HVCALLS_MAX_MATCHES);
    size_t i;

    if (count == 0) {
        fprintf(err, "wisp hvcalls: no hypercall named '%s'\n", arg);
        return 1;
    }
    for (i = 0; i < count && i < HVCALLS_MAX_MATCHES; i++)
        print_row(out, matches[i]);
    return 0;
}

int hvcalls_run(int argc, char **argv, FILE *out, FILE *err)
{
    const char *arg;
    uint16_t code;
    size_t i;
    int parsed;

    if (argc <= 1) {
        for (i = 0; i < hvcall_table_count; i++)
            fprintf(out, "0x%04X  %s\n", (unsigned)hvcall_table[i].code,
                    hvcall_table[i].name);
        return 0;
    }
    if (argc > 2) {
        fprintf(err, "wisp hvcalls: expected at most one argument, got %d\n",
                argc - 1);
        print_usage(err);
        return 2;
    }

    arg = argv[1];
    if (strcmp(arg, "--csv") == 0)
        return hvcall_write_csv(out) == 0 ? 0 : 1;
    if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
        print_usage(out);
        return 0;
    }
    if (arg[0] == '-') {
        fprintf(err, "wisp hvcalls: unknown option '%s'\n", arg);
        print_usage(err);
        return 2;
    }
    if (arg[0] == '\0') {
        fprintf(err, "wisp hvcalls: empty hypercall code or name\n");
        return 1;
    }

    parsed = hvcall_parse_code(arg, &code);
    if (parsed > 0)
        return lookup_code(code, out, err);
    if (parsed < 0) {
        fprintf(err, "wisp hvcalls: '%s' is not a 16-bit hypercall code\n",
                arg);
        return 1;
    }
    return lookup_name(arg, out, err);
}

int hvcalls_command(int argc, char **argv)
{
    return hvcalls_run(argc, argv, stdout, stderr);
}
