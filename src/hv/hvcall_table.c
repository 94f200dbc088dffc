/*
 * hvcall_table.c - the Hyper-V hypercall table, generated at compile time
 * from the header constants so that codes and names cannot drift apart.
 */
#include "hvcall_table.h"

#include <ctype.h>
#include <string.h>

#include <hyperv/hv_hypercall_codes.h>

#define HVCALL_ROW(name, kind, fast, caller, privilege)                       \
    { name, #name, HV_HYPERCALL_KIND_##kind, HV_HYPERCALL_FAST_##fast,        \
      caller, privilege, HVCALL_DOCUMENTED },

const struct hvcall_info hvcall_table[] = {
    HV_HYPERCALL_LIST(HVCALL_ROW)
};
#undef HVCALL_ROW

const size_t hvcall_table_count = sizeof(hvcall_table) / sizeof(hvcall_table[0]);

struct hvcall_range {
    uint16_t first;
    uint16_t last;
    enum hvcall_status status;
    const char *caller;
    const char *privilege;
};

#define HVCALL_RANGE(first, last, status, caller, privilege)                  \
    { first, last, HVCALL_##status, caller, privilege },

static const struct hvcall_range hvcall_ranges[] = {
    HV_HYPERCALL_RESERVED_LIST(HVCALL_RANGE)
};
#undef HVCALL_RANGE

#define HVCALL_RANGE_COUNT (sizeof(hvcall_ranges) / sizeof(hvcall_ranges[0]))

const struct hvcall_info *hvcall_by_code(uint16_t code)
{
    size_t i;

    for (i = 0; i < hvcall_table_count; i++)
        if (hvcall_table[i].code == code)
            return &hvcall_table[i];
    return NULL;
}

static void hvcall_range_row(const struct hvcall_range *range, uint16_t code,
                             struct hvcall_info *row)
{
    row->code = code;
    row->name = range->status == HVCALL_DEPRECATED ? "Deprecated" : "Reserved";
    row->kind = HV_HYPERCALL_KIND_SIMPLE;
    row->fast = HV_HYPERCALL_FAST_NO;
    row->caller = range->caller;
    row->privilege = range->privilege;
    row->status = range->status;
}

int hvcall_row_by_code(uint16_t code, struct hvcall_info *row)
{
    const struct hvcall_info *info = hvcall_by_code(code);
    size_t i;

    if (info) {
        *row = *info;
        return 1;
    }
    for (i = 0; i < HVCALL_RANGE_COUNT; i++) {
        if (code >= hvcall_ranges[i].first && code <= hvcall_ranges[i].last) {
            hvcall_range_row(&hvcall_ranges[i], code, row);
            return 1;
        }
    }
    return 0;
}

static int prefix_equal_nocase(const char *text, const char *prefix)
{
    for (; *prefix; text++, prefix++)
        if (tolower((unsigned char)*text) != tolower((unsigned char)*prefix))
            return 0;
    return 1;
}

static int equal_nocase(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
            return 0;
    return *a == *b;
}

const char *hvcall_base_name(const char *name)
{
    static const char *const prefixes[] = { "HvExtCall", "HvCall", "ExtCall",
                                            "Hv" };
    size_t i;

    for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
        size_t len = strlen(prefixes[i]);
        if (prefix_equal_nocase(name, prefixes[i]) && name[len] != '\0')
            return name + len;
    }
    return name;
}

size_t hvcall_find_by_name(const char *query,
                           const struct hvcall_info **matches, size_t max)
{
    const char *base;
    size_t i, found = 0;

    for (i = 0; i < hvcall_table_count; i++) {
        if (equal_nocase(query, hvcall_table[i].name)) {
            if (found < max)
                matches[found] = &hvcall_table[i];
            found++;
        }
    }
    if (found)
        return found;

    base = hvcall_base_name(query);
    for (i = 0; i < hvcall_table_count; i++) {
        if (equal_nocase(base, hvcall_base_name(hvcall_table[i].name))) {
            if (found < max)
                matches[found] = &hvcall_table[i];
            found++;
        }
    }
    return found;
}

int hvcall_parse_code(const char *text, uint16_t *code)
{
    unsigned long value = 0;
    const char *p = text;
    int base = 10;

    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        base = 16;
        p += 2;
    }
    if (*p == '\0')
        return 0;
    for (; *p; p++) {
        int digit;
        if (isdigit((unsigned char)*p))
            digit = *p - '0';
        else if (base == 16 && isxdigit((unsigned char)*p))
            digit = tolower((unsigned char)*p) - 'a' + 10;
        else
            return 0;
        if (value <= 0xFFFFul)
            value = value * (unsigned long)base + (unsigned long)digit;
    }
    if (value > 0xFFFFul)
        return -1;
    *code = (uint16_t)value;
    return 1;
}

const char *hvcall_kind_name(int kind)
{
    return kind == HV_HYPERCALL_KIND_REP ? "rep" : "simple";
}

const char *hvcall_fast_name(int fast)
{
    return fast == HV_HYPERCALL_FAST_BOTH ? "both" : "no";
}

const char *hvcall_status_name(enum hvcall_status status)
{
    switch (status) {
    case HVCALL_RESERVED:
        return "reserved";
    case HVCALL_DEPRECATED:
        return "deprecated";
    case HVCALL_DOCUMENTED:
        break;
    }
    return "documented";
}

int hvcall_for_each_row(int (*fn)(const struct hvcall_info *row, void *ctx),
                        void *ctx)
{
    size_t named = 0, range = 0;
    uint32_t next_reserved = hvcall_ranges[0].first;

    /* Merge the two code-ordered lists. */
    while (named < hvcall_table_count || range < HVCALL_RANGE_COUNT) {
        struct hvcall_info row;
        int rc;

        if (range < HVCALL_RANGE_COUNT &&
            (named >= hvcall_table_count ||
             next_reserved < hvcall_table[named].code)) {
            hvcall_range_row(&hvcall_ranges[range], (uint16_t)next_reserved,
                             &row);
            if (next_reserved >= hvcall_ranges[range].last) {
                range++;
                if (range < HVCALL_RANGE_COUNT)
                    next_reserved = hvcall_ranges[range].first;
            } else {
                next_reserved++;
            }
        } else {
            row = hvcall_table[named++];
        }
        rc = fn(&row, ctx);
        if (rc)
            return rc;
    }
    return 0;
}

static int write_csv_row(const struct hvcall_info *row, void *ctx)
{
    FILE *out = ctx;

    if (fprintf(out, "0x%04X,%s,%s,%s,%s,%s,%s\n", (unsigned)row->code,
                row->name, hvcall_kind_name(row->kind),
                hvcall_fast_name(row->fast), row->caller, row->privilege,
                hvcall_status_name(row->status)) < 0)
        return -1;
    return 0;
}

int hvcall_write_csv(FILE *out)
{
    if (fprintf(out, "%s\n", HVCALL_CSV_HEADER) < 0)
        return -1;
    if (hvcall_for_each_row(write_csv_row, out))
        return -1;
    return fflush(out) == 0 ? 0 : -1;
}
