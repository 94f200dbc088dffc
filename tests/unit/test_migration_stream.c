/*
 * Live migration's bookkeeping and stream (src/state/dirty_bitmap.h,
 * migration_stream.h): page bitmaps (counting, runs, merging what other
 * threads mark), a stream built as the source builds it and read back into
 * guest memory, later copies of a page replacing earlier ones, and every
 * kind of damage refused with one message: bad magic or version, records
 * out of order, pages outside memory or unaligned, counts out of range,
 * a cut-short stream, a STATE head with a bad checksum; the answers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "state/dirty_bitmap.h"
#include "state/migration_stream.h"
#include "state/snapshot_file.h"

/* ---- dirty bitmaps ---- */

static void test_bitmap_count_fill_and_tail(void **state)
{
    (void)state;
    uint64_t bits[3];
    memset(bits, 0xFF, sizeof bits);
    assert_int_equal(dirty_bitmap_count(bits, 130), 130); /* bits past 130 ignored */
    memset(bits, 0, sizeof bits);
    dirty_bitmap_fill(bits, 130);
    assert_int_equal(dirty_bitmap_count(bits, 192), 130);
    assert_int_equal(bits[2], 3);
    assert_int_equal(dirty_bitmap_words(0), 0);
    assert_int_equal(dirty_bitmap_words(64), 1);
    assert_int_equal(dirty_bitmap_words(65), 2);
}

static void test_bitmap_runs_are_found_in_order_and_cut_at_max(void **state)
{
    (void)state;
    uint64_t bits[4] = { 0 };
    uint64_t pages = 256;
    for (uint64_t p = 3; p < 8; p++)
        dirty_bitmap_set(bits, p);
    for (uint64_t p = 60; p < 70; p++) /* across a word */
        dirty_bitmap_set(bits, p);
    dirty_bitmap_set(bits, 255);       /* the last page */
    uint64_t from = 0, start, count;
    assert_true(dirty_bitmap_next_run(bits, pages, &from, 256, &start, &count));
    assert_int_equal(start, 3);
    assert_int_equal(count, 5);
    assert_true(dirty_bitmap_next_run(bits, pages, &from, 4, &start, &count));
    assert_int_equal(start, 60);
    assert_int_equal(count, 4);        /* cut at max */
    assert_true(dirty_bitmap_next_run(bits, pages, &from, 256, &start, &count));
    assert_int_equal(start, 64);
    assert_int_equal(count, 6);
    assert_true(dirty_bitmap_next_run(bits, pages, &from, 256, &start, &count));
    assert_int_equal(start, 255);
    assert_int_equal(count, 1);
    assert_false(dirty_bitmap_next_run(bits, pages, &from, 256, &start, &count));
    assert_int_equal(from, pages);
    /* a page past the end is never reported */
    uint64_t tail[1] = { ~0ull };
    from = 0;
    assert_true(dirty_bitmap_next_run(tail, 10, &from, 256, &start, &count));
    assert_int_equal(count, 10);
    assert_false(dirty_bitmap_next_run(tail, 10, &from, 256, &start, &count));
}

static void test_bitmap_merge_takes_and_clears(void **state)
{
    (void)state;
    uint64_t dst[2] = { 1, 0 }, src[2] = { 6, ~0ull };
    dirty_bitmap_merge(dst, src, 70, false);
    assert_int_equal(dst[0], 7);
    assert_int_equal(dst[1], 0x3F); /* only pages 64..69 */
    assert_int_equal(src[0], 6);    /* not taken */
    dirty_bitmap_merge(dst, src, 70, true);
    assert_int_equal(src[0], 0);
    assert_int_equal(src[1], 0);
    assert_int_equal(dirty_bitmap_count(dst, 70), 3 + 6);
}

/* ---- the stream ---- */

#define RAM_PAGES 32
#define FB_GPA 0xC0000000ull

struct buf {
    uint8_t *data;
    size_t size, at;
};

static void put(struct buf *b, const void *p, size_t n)
{
    b->data = realloc(b->data, b->size + n);
    assert_non_null(b->data);
    memcpy(b->data + b->size, p, n);
    b->size += n;
}

static int buf_read(void *ctx, void *out, size_t len)
{
    struct buf *b = ctx;
    if (len > b->size - b->at)
        return -1;
    memcpy(out, b->data + b->at, len);
    b->at += len;
    return 0;
}

static void put_head(struct buf *b, uint32_t type, bool full)
{
    struct snapshot_writer *w = NULL;
    struct wisp_error err = { 0 };
    assert_int_equal(snapshot_writer_create_memory(&w, &err), 0);
    static const uint8_t config[] = "machine";
    assert_int_equal(snapshot_writer_add(w, SNAPSHOT_SECTION_CONFIG, config, sizeof config, &err), 0);
    if (full) {
        static const uint8_t dev[] = "devices";
        assert_int_equal(snapshot_writer_add(w, SNAPSHOT_SECTION_DEVICES, dev, sizeof dev, &err),
                         0);
    }
    uint8_t *head = NULL;
    size_t size = 0;
    assert_int_equal(snapshot_writer_finish_head(w, &head, &size, &err), 0);
    uint8_t rec[MIGRATION_RECORD_SIZE];
    migration_put_record(rec, type, size, 0);
    put(b, rec, sizeof rec);
    put(b, head, size);
    free(head);
}

static void put_pages(struct buf *b, uint64_t gpa, uint64_t count, uint8_t fill)
{
    uint8_t rec[MIGRATION_RECORD_SIZE];
    migration_put_record(rec, MIGRATION_RECORD_PAGES, gpa, count);
    put(b, rec, sizeof rec);
    uint8_t page[4096];
    memset(page, fill, sizeof page);
    for (uint64_t i = 0; i < count; i++)
        put(b, page, sizeof page);
}

static struct buf good_stream(void)
{
    struct buf b = { 0 };
    uint8_t h[MIGRATION_HEADER_SIZE];
    migration_put_header(h);
    put(&b, h, sizeof h);
    put_head(&b, MIGRATION_RECORD_MACHINE, false);
    put_pages(&b, 0, 4, 0x11);
    put_pages(&b, 2 * 4096, 1, 0x22); /* sent again: replaces */
    put_pages(&b, FB_GPA, 1, 0x33);
    put_head(&b, MIGRATION_RECORD_STATE, true);
    return b;
}

struct machine {
    struct guest_memory gm;
};

static void machine_init(struct machine *m)
{
    struct wisp_error err = { 0 };
    memset(m, 0, sizeof *m);
    assert_int_equal(guest_memory_add_bank(&m->gm, "RAM", MEM_BANK_RAM, 0, RAM_PAGES * 4096, &err), 0);
    assert_int_equal(guest_memory_add_bank(&m->gm, "fb", MEM_BANK_FRAMEBUFFER, FB_GPA, 4096, &err),
                     0);
}

/* Reads a whole stream: 0, or -1 with err. */
static int read_stream(struct buf *b, struct machine *m, struct wisp_error *err)
{
    struct migration_reader r = { .read = buf_read, .ctx = b };
    struct snapshot_contents machine, state;
    b->at = 0;
    if (migration_read_machine(&r, &machine, err) < 0)
        return -1;
    assert_non_null(snapshot_find(&machine, SNAPSHOT_SECTION_CONFIG, NULL));
    snapshot_contents_free(&machine);
    free(machine.head);
    if (migration_read_memory(&r, &m->gm, &state, err) < 0)
        return -1;
    assert_non_null(snapshot_find(&state, SNAPSHOT_SECTION_DEVICES, NULL));
    assert_int_equal(r.bytes, b->size);
    snapshot_contents_free(&state);
    free(state.head);
    return 0;
}

static void test_a_stream_lands_in_guest_memory(void **state)
{
    (void)state;
    struct machine m;
    machine_init(&m);
    struct buf b = good_stream();
    struct wisp_error err = { 0 };
    assert_int_equal(read_stream(&b, &m, &err), 0);
    const uint8_t *ram = guest_memory_ptr(&m.gm, 0, RAM_PAGES * 4096);
    assert_int_equal(ram[0], 0x11);
    assert_int_equal(ram[4096 + 4095], 0x11);
    assert_int_equal(ram[2 * 4096], 0x22); /* the later copy */
    assert_int_equal(ram[3 * 4096], 0x11);
    assert_int_equal(ram[4 * 4096], 0);    /* never sent: zero */
    assert_int_equal(*(const uint8_t *)guest_memory_ptr(&m.gm, FB_GPA, 1), 0x33);
    free(b.data);
    guest_memory_release(&m.gm);
}

/* The stream with bytes [at, at+n) replaced by p (or cut at `at` when p is NULL). */
static void expect_refused(struct buf *good, size_t at, const void *p, size_t n,
                           const char *message)
{
    struct buf b = { 0 };
    put(&b, good->data, p ? good->size : at);
    if (p)
        memcpy(b.data + at, p, n);
    struct machine m;
    machine_init(&m);
    struct wisp_error err = { 0 };
    assert_int_equal(read_stream(&b, &m, &err), -1);
    assert_int_equal(err.status, WISP_EXIT_BAD_KERNEL);
    if (!strstr(err.message, message))
        fail_msg("expected \"%s\" in \"%s\"", message, err.message);
    assert_null(strchr(err.message, '\n'));
    free(b.data);
    guest_memory_release(&m.gm);
}

static size_t offset_of_record(const struct buf *b, unsigned nth)
{
    size_t at = MIGRATION_HEADER_SIZE;
    for (unsigned i = 0; i < nth; i++) {
        uint32_t type;
        uint64_t a, c;
        memcpy(&type, b->data + at, 4);
        memcpy(&a, b->data + at + 8, 8);
        memcpy(&c, b->data + at + 16, 8);
        at += MIGRATION_RECORD_SIZE + (type == MIGRATION_RECORD_PAGES ? c * 4096 : a);
    }
    return at;
}

static void test_damaged_streams_are_refused(void **state)
{
    (void)state;
    struct buf good = good_stream();
    expect_refused(&good, 0, "WISPMIGX", 8, "no WISPMIGR magic");
    uint32_t v = 2;
    expect_refused(&good, 8, &v, 4, "stream version 2");
    expect_refused(&good, 0, NULL, 0, "ended early");
    expect_refused(&good, good.size - 1, NULL, 0, "ended early");
    expect_refused(&good, offset_of_record(&good, 2) + 100, NULL, 0, "ended early");
    size_t pages = offset_of_record(&good, 1);
    uint32_t t = MIGRATION_RECORD_STATE;
    expect_refused(&good, MIGRATION_HEADER_SIZE, &t, 4, "where the MACHINE record belongs");
    t = 9;
    expect_refused(&good, pages, &t, 4, "unknown type 9");
    t = MIGRATION_RECORD_MACHINE;
    expect_refused(&good, pages, &t, 4, "a second MACHINE");
    uint64_t gpa = RAM_PAGES * 4096ull; /* one past RAM */
    expect_refused(&good, pages + 8, &gpa, 8, "outside the machine's memory");
    gpa = UINT64_MAX & ~4095ull;        /* wraps */
    expect_refused(&good, pages + 8, &gpa, 8, "outside the machine's memory");
    gpa = 100;
    expect_refused(&good, pages + 8, &gpa, 8, "a PAGES record at 0x64");
    uint64_t count = 0;
    expect_refused(&good, pages + 16, &count, 8, "of 0 pages");
    count = MIGRATION_MAX_CHUNK_PAGES + 1;
    expect_refused(&good, pages + 16, &count, 8, "of 257 pages");
    uint64_t len = SNAPSHOT_MAX_HEAD + 1;
    expect_refused(&good, MIGRATION_HEADER_SIZE + 8, &len, 8, "a MACHINE record of");
    size_t state_rec = offset_of_record(&good, 4);
    uint8_t flip = good.data[state_rec + MIGRATION_RECORD_SIZE + 70] ^ 1;
    expect_refused(&good, state_rec + MIGRATION_RECORD_SIZE + 70, &flip, 1, "checksum");
    free(good.data);
}

static void test_answers_go_both_ways(void **state)
{
    (void)state;
    uint8_t out[MIGRATION_ANSWER_SIZE + MIGRATION_MAX_MESSAGE];
    char why[600];
    struct buf b = { 0 };
    put(&b, out, migration_put_answer(out, NULL));
    struct migration_reader r = { .read = buf_read, .ctx = &b };
    assert_int_equal(migration_read_answer(&r, why, sizeof why), 1);
    free(b.data);
    b = (struct buf){ 0 };
    put(&b, out, migration_put_answer(out, "bad \x1b state"));
    r.ctx = &b;
    assert_int_equal(migration_read_answer(&r, why, sizeof why), 0);
    assert_string_equal(why, "bad ? state");
    free(b.data);
    b = (struct buf){ 0 };
    put(&b, "HTTP/1.1", 8);
    r.ctx = &b;
    assert_int_equal(migration_read_answer(&r, why, sizeof why), -1);
    free(b.data);
    b = (struct buf){ 0 };
    r.ctx = &b;
    assert_int_equal(migration_read_answer(&r, why, sizeof why), -1);
    assert_non_null(strstr(why, "went away"));
}

/* Pages wisp writes from user space are marked while a bitmap hangs on
 * the bank. */
static void test_host_writes_are_marked(void **state)
{
    (void)state;
    struct machine m;
    machine_init(&m);
    uint64_t bits[1] = { 0 };
    m.gm.banks[0].host_dirty = bits;
    uint8_t x[5000] = { 1 };
    assert_true(guest_memory_write(&m.gm, 4095, x, 2));       /* pages 0 and 1 */
    assert_true(guest_memory_fill(&m.gm, 10 * 4096, 7, 4096)); /* page 10 */
    assert_true(guest_memory_write(&m.gm, 20 * 4096 + 1, x, sizeof x)); /* 20, 21 */
    assert_int_equal(bits[0], (1ull << 0) | (1ull << 1) | (1ull << 10) | (1ull << 20) | (1ull << 21));
    m.gm.banks[0].host_dirty = NULL;
    assert_true(guest_memory_write(&m.gm, 30 * 4096, x, 1));
    assert_int_equal(dirty_bitmap_count(bits, RAM_PAGES), 5);
    guest_memory_release(&m.gm);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bitmap_count_fill_and_tail),
        cmocka_unit_test(test_bitmap_runs_are_found_in_order_and_cut_at_max),
        cmocka_unit_test(test_bitmap_merge_takes_and_clears),
        cmocka_unit_test(test_a_stream_lands_in_guest_memory),
        cmocka_unit_test(test_damaged_streams_are_refused),
        cmocka_unit_test(test_answers_go_both_ways),
        cmocka_unit_test(test_host_writes_are_marked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
