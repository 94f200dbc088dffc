/* The live migration stream (migration_stream.h): portable, no sockets. */
#include "migration_stream.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/little_endian.h"

#define BAD(...) wisp_fail(err, WISP_EXIT_BAD_KERNEL, __VA_ARGS__)

static int get(struct migration_reader *r, void *buf, size_t len, const char *what,
               struct wisp_error *err)
{
    if (r->read(r->ctx, buf, len) < 0)
        return BAD("the stream ended early (cut short, or the source went away) in %s, "
                   "after %llu bytes", what, (unsigned long long)r->bytes);
    r->bytes += len;
    return 0;
}

static const char *record_name(uint32_t type)
{
    switch (type) {
    case MIGRATION_RECORD_MACHINE: return "MACHINE";
    case MIGRATION_RECORD_PAGES: return "PAGES";
    case MIGRATION_RECORD_STATE: return "STATE";
    default: return "unknown";
    }
}

struct record {
    uint32_t type;
    uint64_t a, b;
};

static int get_record(struct migration_reader *r, struct record *rec, struct wisp_error *err)
{
    uint8_t h[MIGRATION_RECORD_SIZE];
    if (get(r, h, sizeof h, "a record header", err) < 0)
        return -1;
    rec->type = get32(h);
    rec->a = get64(h + 8);
    rec->b = get64(h + 16);
    if (rec->type < MIGRATION_RECORD_MACHINE || rec->type > MIGRATION_RECORD_STATE ||
        get32(h + 4) != 0)
        return BAD("corrupted: a record of unknown type %u at byte %llu", rec->type,
                   (unsigned long long)(r->bytes - sizeof h));
    return 0;
}

/* A snapshot head of rec->a bytes, parsed as a whole file without pages. */
static int get_head(struct migration_reader *r, const struct record *rec,
                    struct snapshot_contents *out, struct wisp_error *err)
{
    memset(out, 0, sizeof *out);
    if (rec->b != 0 || rec->a < SNAPSHOT_HEADER_SIZE || rec->a > SNAPSHOT_MAX_HEAD)
        return BAD("corrupted: a %s record of %llu bytes", record_name(rec->type),
                   (unsigned long long)rec->a);
    uint8_t *head = malloc((size_t)rec->a);
    if (!head)
        return wisp_fail(err, WISP_EXIT_HOST_ERROR, "out of memory");
    if (get(r, head, (size_t)rec->a, record_name(rec->type), err) < 0) {
        free(head);
        return -1;
    }
    struct wisp_error inner = { 0 };
    if (snapshot_parse(head, (size_t)rec->a, rec->a, out, &inner) < 0) {
        free(head);
        memset(out, 0, sizeof *out);
        return wisp_fail(err, inner.status, "%s record: %s", record_name(rec->type),
                         inner.message);
    }
    if (out->run_count != 0) { /* pages travel as PAGES records only */
        snapshot_contents_free(out);
        free(head);
        memset(out, 0, sizeof *out);
        return BAD("corrupted: the %s record's memory index lists pages",
                   record_name(rec->type));
    }
    out->head = head;
    return 0;
}

int migration_read_machine(struct migration_reader *r, struct snapshot_contents *out,
                           struct wisp_error *err)
{
    memset(out, 0, sizeof *out);
    uint8_t h[MIGRATION_HEADER_SIZE];
    if (get(r, h, sizeof h, "the stream header", err) < 0)
        return -1;
    if (memcmp(h, MIGRATION_MAGIC, 8) != 0)
        return BAD("not a wisp migration stream (no WISPMIGR magic)");
    uint32_t version = get32(h + 8);
    if (version != MIGRATION_VERSION || get32(h + 12) != 0)
        return BAD("migration stream version %u, this wisp speaks %u", version,
                   MIGRATION_VERSION);
    struct record rec;
    if (get_record(r, &rec, err) < 0)
        return -1;
    if (rec.type != MIGRATION_RECORD_MACHINE)
        return BAD("corrupted: a %s record where the MACHINE record belongs",
                   record_name(rec.type));
    return get_head(r, &rec, out, err);
}

int migration_read_memory(struct migration_reader *r, struct guest_memory *gm,
                          struct snapshot_contents *out, struct wisp_error *err)
{
    memset(out, 0, sizeof *out);
    for (;;) {
        struct record rec;
        if (get_record(r, &rec, err) < 0)
            return -1;
        if (rec.type == MIGRATION_RECORD_STATE)
            return get_head(r, &rec, out, err);
        if (rec.type != MIGRATION_RECORD_PAGES)
            return BAD("corrupted: a second %s record", record_name(rec.type));
        if (rec.b == 0 || rec.b > MIGRATION_MAX_CHUNK_PAGES || rec.a % SNAPSHOT_PAGE_SIZE)
            return BAD("corrupted: a PAGES record at 0x%llx of %llu pages",
                       (unsigned long long)rec.a, (unsigned long long)rec.b);
        uint64_t len = rec.b * SNAPSHOT_PAGE_SIZE;
        void *host = guest_memory_ptr(gm, rec.a, len);
        if (!host)
            return BAD("pages at 0x%llx (%llu of them) are outside the machine's memory",
                       (unsigned long long)rec.a, (unsigned long long)rec.b);
        if (get(r, host, (size_t)len, "a PAGES record", err) < 0)
            return -1;
        r->page_records++;
        r->pages += rec.b;
    }
}

void migration_put_header(uint8_t out[MIGRATION_HEADER_SIZE])
{
    memcpy(out, MIGRATION_MAGIC, 8);
    put32(out + 8, MIGRATION_VERSION);
    put32(out + 12, 0);
}

void migration_put_record(uint8_t out[MIGRATION_RECORD_SIZE], uint32_t type, uint64_t a,
                          uint64_t b)
{
    put32(out, type);
    put32(out + 4, 0);
    put64(out + 8, a);
    put64(out + 16, b);
}

size_t migration_put_answer(uint8_t *out, const char *refusal)
{
    if (!refusal) {
        memcpy(out, "WACK", 4);
        put32(out + 4, 0);
        return MIGRATION_ANSWER_SIZE;
    }
    size_t n = strlen(refusal);
    if (n > MIGRATION_MAX_MESSAGE)
        n = MIGRATION_MAX_MESSAGE;
    memcpy(out, "WNAK", 4);
    put32(out + 4, (uint32_t)n);
    memcpy(out + MIGRATION_ANSWER_SIZE, refusal, n);
    return MIGRATION_ANSWER_SIZE + n;
}

int migration_read_answer(struct migration_reader *r, char *why, size_t cap)
{
    uint8_t h[MIGRATION_ANSWER_SIZE];
    if (cap)
        why[0] = '\0';
    if (r->read(r->ctx, h, sizeof h) < 0) {
        snprintf(why, cap, "the destination went away before it answered");
        return -1;
    }
    uint32_t n = get32(h + 4);
    if (memcmp(h, "WACK", 4) == 0 && n == 0)
        return 1;
    if (memcmp(h, "WNAK", 4) != 0 || n > MIGRATION_MAX_MESSAGE) {
        snprintf(why, cap, "the destination answered something that is not an answer");
        return -1;
    }
    char msg[MIGRATION_MAX_MESSAGE + 1];
    if (r->read(r->ctx, msg, n) < 0) {
        snprintf(why, cap, "the destination's refusal was cut short");
        return -1;
    }
    for (uint32_t i = 0; i < n; i++)
        if ((unsigned char)msg[i] < 0x20 || (unsigned char)msg[i] >= 0x7F)
            msg[i] = '?';
    msg[n] = '\0';
    snprintf(why, cap, "%s", msg);
    return 0;
}
