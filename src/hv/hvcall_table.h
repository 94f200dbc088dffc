/*
 * hvcall_table.h - the Hyper-V hypercall table (TLFS Appendix A) as data.
 *
 * Built from include/hyperv/hv_hypercall_codes.h: every named hypercall
 * comes from HV_HYPERCALL_LIST, so its code is the header's constant and
 * its name the constant's spelling; the reserved and deprecated rows come
 * from HV_HYPERCALL_RESERVED_LIST.  data/hyperv/hypercalls.csv holds the
 * same table; the unit tests check that the two agree.
 */
#ifndef WISP_HV_HVCALL_TABLE_H
#define WISP_HV_HVCALL_TABLE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum hvcall_status {
    HVCALL_DOCUMENTED, /* Appendix A names it */
    HVCALL_RESERVED,   /* Appendix A: "Reserved" */
    HVCALL_DEPRECATED  /* Appendix A: "Deprecated" */
};

struct hvcall_info {
    uint16_t code;
    const char *name;      /* e.g. "HvCallPostMessage"; "Reserved" or
                              "Deprecated" for rows that name no call */
    int kind;              /* HV_HYPERCALL_KIND_SIMPLE or _REP */
    int fast;              /* HV_HYPERCALL_FAST_NO or _BOTH */
    const char *caller;    /* "any", "parent", "root", "parent/root", "" */
    const char *privilege; /* privilege flag required, or "" */
    enum hvcall_status status;
};

/* The named hypercalls, in code order. */
extern const struct hvcall_info hvcall_table[];
extern const size_t hvcall_table_count;

/* The CSV header line of data/hyperv/hypercalls.csv (without newline). */
#define HVCALL_CSV_HEADER "code,name,kind,fast,caller,privilege,status"

/* The named hypercall with this code, or NULL. */
const struct hvcall_info *hvcall_by_code(uint16_t code);

/*
 * The Appendix A row of any code it lists: named, reserved or deprecated.
 * Returns 1 and fills *row, or 0 if Appendix A does not list the code.
 */
int hvcall_row_by_code(uint16_t code, struct hvcall_info *row);

/*
 * Named hypercalls matching "query", case-insensitively: the exact name
 * first ("HvCallPostMessage"); failing that, the name without its
 * HvCall / HvExtCall / Hv prefix, with the same prefixes removed from the
 * query ("PostMessage", "HvPostMessage", "postmessage").  Stores up to
 * "max" matches in code order and returns how many there are in all.
 */
size_t hvcall_find_by_name(const char *query,
                           const struct hvcall_info **matches, size_t max);

/* The part of a hypercall name after its HvCall / HvExtCall / Hv prefix. */
const char *hvcall_base_name(const char *name);

/*
 * Parse a call code written as hex with a 0x prefix ("0x0002") or as
 * decimal ("2").  Returns 1 and stores it, 0 if "text" is not a number, or
 * -1 if it is a number that does not fit in 16 bits.
 */
int hvcall_parse_code(const char *text, uint16_t *code);

/* Column spellings used by the CSV: "simple"/"rep", "no"/"both",
 * "documented"/"reserved"/"deprecated". */
const char *hvcall_kind_name(int kind);
const char *hvcall_fast_name(int fast);
const char *hvcall_status_name(enum hvcall_status status);

/* Visit every Appendix A row (named, reserved, deprecated) in code order;
 * stops early and returns the callback's value if it is non-zero. */
int hvcall_for_each_row(int (*fn)(const struct hvcall_info *row, void *ctx),
                        void *ctx);

/* Write the whole table, header line included, exactly as
 * data/hyperv/hypercalls.csv.  Returns 0, or -1 on an output error. */
int hvcall_write_csv(FILE *out);

#endif /* WISP_HV_HVCALL_TABLE_H */
