/*
 * The snapshot file (src/state/): written from fake memory banks, read back,
 * its pages mapped; every kind of damage refused with one message; the
 * two-way state walker (times rebased, range checks) and a device's state
 * through it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#include <cmocka.h>

#include "state/device_state.h"
#include "state/snapshot_file.h"
#include "state/state_io.h"

#define PAGE SNAPSHOT_PAGE_SIZE
#define BANK_PAGES 64

struct fixture {
    char dir[64];
    char path[128];
    uint8_t *ram;      /* BANK_PAGES pages at 0 */
    uint8_t *fb;       /* 4 pages at 0xC0000000 */
};

static int setup(void **state)
{
    static struct fixture f;
    memset(&f, 0, sizeof f);
    strcpy(f.dir, "/tmp/wisp-snap-unit-XXXXXX");
    assert_non_null(mkdtemp(f.dir));
    snprintf(f.path, sizeof f.path, "%s/test.snap", f.dir);
    f.ram = aligned_alloc(PAGE, BANK_PAGES * PAGE);
    f.fb = aligned_alloc(PAGE, 4 * PAGE);
    memset(f.ram, 0, BANK_PAGES * PAGE);
    memset(f.fb, 0, 4 * PAGE);
    /* Non-zero pages: 0, 1, 5 (a short gap: stored), 40 (a long gap: a new
     * run), 63 (the last); the framebuffer's page 2. */
    const int used[] = { 0, 1, 5, 40, 63 };
    for (size_t i = 0; i < sizeof used / sizeof used[0]; i++)
        memset(f.ram + used[i] * PAGE + 100, 0xA0 + (int)i, 50);
    f.fb[2 * PAGE + 4095] = 0x77;
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    free(f->ram);
    free(f->fb);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    assert_int_equal(system(cmd), 0);
    return 0;
}

static void write_snapshot(struct fixture *f, uint64_t *bytes)
{
    struct wisp_error err = { 0 };
    struct snapshot_writer *w = NULL;
    assert_int_equal(snapshot_writer_create(f->path, &w, &err), 0);
    const char config[] = "machine";
    const char vcpu0[] = "cpu zero", vcpu1[] = "cpu one";
    assert_int_equal(snapshot_writer_add(w, SNAPSHOT_SECTION_CONFIG, config, sizeof config, &err), 0);
    assert_int_equal(snapshot_writer_add(w, SNAPSHOT_SECTION_VCPU, vcpu0, sizeof vcpu0, &err), 0);
    assert_int_equal(snapshot_writer_add(w, SNAPSHOT_SECTION_VCPU, vcpu1, sizeof vcpu1, &err), 0);
    struct snapshot_memory_bank banks[] = {
        { 0xC0000000ull, 4 * PAGE, f->fb }, /* out of order on purpose */
        { 0, BANK_PAGES * PAGE, f->ram },
    };
    assert_int_equal(snapshot_writer_finish(w, banks, 2, bytes, &err), 0);
}

static uint8_t *slurp(const char *path, size_t *size)
{
    FILE *in = fopen(path, "rb");
    assert_non_null(in);
    fseek(in, 0, SEEK_END);
    *size = (size_t)ftell(in);
    fseek(in, 0, SEEK_SET);
    uint8_t *data = malloc(*size);
    assert_int_equal(fread(data, 1, *size, in), *size);
    fclose(in);
    return data;
}

static void spit(const char *path, const uint8_t *data, size_t size)
{
    FILE *out = fopen(path, "wb");
    assert_non_null(out);
    assert_int_equal(fwrite(data, 1, size, out), size);
    fclose(out);
}

static void round_trip_keeps_sections_and_only_non_zero_pages(void **state)
{
    struct fixture *f = *state;
    uint64_t bytes = 0;
    write_snapshot(f, &bytes);
    struct snapshot_contents c;
    struct wisp_error err = { 0 };
    int fd = -1;
    assert_int_equal(snapshot_read(f->path, &fd, &c, &err), 0);
    assert_int_equal(c.file_size, bytes);
    assert_int_equal(c.section_count, 4);
    unsigned at = 0;
    const struct snapshot_section *s = snapshot_find(&c, SNAPSHOT_SECTION_VCPU, &at);
    assert_non_null(s);
    assert_string_equal((const char *)s->data, "cpu zero");
    s = snapshot_find(&c, SNAPSHOT_SECTION_VCPU, &at);
    assert_string_equal((const char *)s->data, "cpu one");
    assert_null(snapshot_find(&c, SNAPSHOT_SECTION_VCPU, &at));
    assert_int_equal(c.sections[3].type, SNAPSHOT_SECTION_MEMORY);
    /* RAM pages 0-5 (the zero gap 2-4 is short), 40, 63; the framebuffer's 2. */
    assert_int_equal(c.run_count, 4);
    assert_int_equal(c.runs[0].gpa, 0);
    assert_int_equal(c.runs[0].pages, 6);
    assert_int_equal(c.runs[1].gpa, 40 * PAGE);
    assert_int_equal(c.runs[1].pages, 1);
    assert_int_equal(c.runs[2].gpa, 63 * PAGE);
    assert_int_equal(c.runs[3].gpa, 0xC0000000ull + 2 * PAGE);
    for (uint32_t i = 0; i < c.run_count; i++)
        assert_int_equal(c.runs[i].file_offset % PAGE, 0);
    /* 9 pages of data after the page-aligned head. */
    assert_int_equal(bytes, c.runs[0].file_offset + 9 * PAGE);

    /* Mapped into fresh zero memory: the same bytes as the banks. */
    uint8_t *ram = mmap(NULL, BANK_PAGES * PAGE, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(ram != MAP_FAILED);
    for (uint32_t i = 0; i < 3; i++)
        assert_int_equal(snapshot_map_run(fd, &c.runs[i], ram + c.runs[i].gpa, &err), 0);
    assert_memory_equal(ram, f->ram, BANK_PAGES * PAGE);
    /* Copy-on-write: writing the guest's page leaves the file alone. */
    ram[100] = 0x01;
    munmap(ram, BANK_PAGES * PAGE);
    close(fd);
    size_t size;
    uint8_t *data = slurp(f->path, &size);
    assert_int_equal(data[c.runs[0].file_offset + 100], 0xA0);
    free(data);
    free(c.head);
    snapshot_contents_free(&c);
}

/* Restores path from data after change, expects a refusal containing why. */
static void expect_refused(struct fixture *f, const uint8_t *data, size_t size, const char *why)
{
    char bad[160];
    snprintf(bad, sizeof bad, "%s/bad.snap", f->dir);
    spit(bad, data, size);
    struct snapshot_contents c;
    struct wisp_error err = { 0 };
    int fd = -1;
    assert_int_equal(snapshot_read(bad, &fd, &c, &err), -1);
    assert_int_equal(err.status, WISP_EXIT_BAD_KERNEL);
    assert_true(strncmp(err.message, bad, strlen(bad)) == 0);
    if (!strstr(err.message, why))
        fail_msg("expected \"%s\" in \"%s\"", why, err.message);
    assert_null(strchr(err.message, '\n'));
}

static void fix_header_crc(uint8_t *d)
{
    memset(d + 40, 0, 4);
    uint32_t sum = (uint32_t)crc32(0, d, SNAPSHOT_HEADER_SIZE);
    for (int i = 0; i < 4; i++)
        d[40 + i] = (uint8_t)(sum >> (8 * i));
}

static void damaged_files_are_refused_naming_the_problem(void **state)
{
    struct fixture *f = *state;
    uint64_t bytes;
    write_snapshot(f, &bytes);
    size_t size;
    uint8_t *good = slurp(f->path, &size);
    uint8_t *d = malloc(size + PAGE);

    expect_refused(f, good, 0, "truncated");
    expect_refused(f, good, 63, "truncated");
    expect_refused(f, good, size - 1, "truncated");
    expect_refused(f, good, size / 2, "truncated");

    memcpy(d, good, size);
    d[0] = 'X';
    expect_refused(f, d, size, "not a wisp snapshot");

    memcpy(d, good, size);
    d[8] = 2; /* version 2 */
    fix_header_crc(d);
    expect_refused(f, d, size, "snapshot format version 2 is newer than this wisp's (1)");

    memcpy(d, good, size);
    d[20] ^= 1; /* head size, checksum not fixed */
    expect_refused(f, d, size, "header's checksum");

    memcpy(d, good, size);
    d[SNAPSHOT_HEADER_SIZE + SNAPSHOT_SECTION_HEADER_SIZE + 2] ^= 0x10;
    expect_refused(f, d, size, "section 1 (machine configuration) fails its checksum");

    memcpy(d, good, size);
    memset(d + size, 0, PAGE);
    expect_refused(f, d, size + PAGE, "sizes don't add up");

    /* Header and file agree on a shorter file, the memory index does not. */
    memcpy(d, good, size);
    uint64_t shorter = size - PAGE;
    for (int i = 0; i < 8; i++)
        d[24 + i] = (uint8_t)(shorter >> (8 * i));
    fix_header_crc(d);
    expect_refused(f, d, (size_t)shorter, "sizes don't add up");
    free(d);
    free(good);
}

static void parse_survives_every_prefix_and_byte_flip(void **state)
{
    struct fixture *f = *state;
    uint64_t bytes;
    write_snapshot(f, &bytes);
    size_t size;
    uint8_t *good = slurp(f->path, &size);
    struct snapshot_contents c;
    struct wisp_error err = { 0 };
    assert_int_equal(snapshot_parse(good, size, size, &c, &err), 0);
    size_t head = c.head_size;
    snapshot_contents_free(&c);
    for (size_t n = 0; n < head; n++)
        assert_int_equal(snapshot_parse(good, n, size, &c, &err), -1);
    for (size_t i = 0; i < head; i++) {
        good[i] ^= 0x01;
        if (snapshot_parse(good, size, size, &c, &err) == 0)
            fail_msg("a flip of byte %zu went unnoticed", i);
        good[i] ^= 0x01;
    }
    free(good);
}

static void state_io_rebases_times_and_checks_ranges(void **state)
{
    (void)state;
    struct state_io io;
    state_io_save_begin(&io, 1000000);
    uint64_t due = 1003000, never = UINT64_MAX, past = 900000;
    uint32_t x = 0xDEADBEEF;
    bool b = true;
    state_time(&io, &due);
    state_time(&io, &never);
    state_time(&io, &past);
    state_u32(&io, &x);
    state_bool(&io, &b);
    assert_false(state_io_failed(&io));
    /* Saving does not touch the instants: the saved guest runs on. */
    assert_int_equal(due, 1003000);
    assert_int_equal(never, UINT64_MAX);
    assert_int_equal(past, 900000);

    struct state_io in;
    state_io_load_begin(&in, io.data, io.size, 5000000000ull);
    uint64_t t1 = 0, t2 = 0, t3 = 0;
    uint32_t y = 0;
    bool c = false;
    state_time(&in, &t1);
    state_time(&in, &t2);
    state_time(&in, &t3);
    state_u32(&in, &y);
    state_bool(&in, &c);
    assert_false(state_io_failed(&in));
    assert_int_equal(t1, 5000000000ull + 3000); /* 3 us after the restore */
    assert_int_equal(t2, UINT64_MAX);
    assert_int_equal(t3, 5000000000ull - 100000);
    assert_int_equal(y, 0xDEADBEEF);
    assert_true(c);

    /* Cut short, left over, a flag that is not 0 or 1. */
    state_io_load_begin(&in, io.data, io.size - 1, 0);
    state_time(&in, &t1);
    state_time(&in, &t2);
    state_time(&in, &t3);
    state_u32(&in, &y);
    state_bool(&in, &c);
    assert_true(state_io_failed(&in));
    state_io_load_begin(&in, io.data, io.size, 0);
    state_time(&in, &t1);
    assert_true(state_io_failed(&in));
    assert_string_equal(in.why, "bytes left over");
    io.data[io.size - 1] = 2;
    state_io_load_begin(&in, io.data, io.size, 5000000000ull);
    state_time(&in, &t1);
    state_time(&in, &t2);
    state_time(&in, &t3);
    state_u32(&in, &y);
    state_bool(&in, &c);
    assert_true(state_io_failed(&in));
    free(io.data);
}

static void uart_state_round_trips_and_bad_queues_are_refused(void **state)
{
    (void)state;
    struct uart16550 a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    a.rx[3] = 'x';
    a.rx_head = 3;
    a.rx_count = 2;
    a.ier = 0x05;
    a.lcr = 0x83;
    a.dll = 12;
    a.thri_pending = true;
    struct state_io io;
    state_io_save_begin(&io, 0);
    state_uart16550(&io, &a);
    assert_false(state_io_failed(&io));
    struct state_io in;
    state_io_load_begin(&in, io.data, io.size, 0);
    state_uart16550(&in, &b);
    assert_false(state_io_failed(&in));
    assert_memory_equal(&a, &b, sizeof a);

    a.rx_head = UART16550_FIFO_SIZE; /* would index past the queue */
    free(io.data);
    state_io_save_begin(&io, 0);
    state_uart16550(&io, &a);
    state_io_load_begin(&in, io.data, io.size, 0);
    state_uart16550(&in, &b);
    assert_true(state_io_failed(&in));
    assert_string_equal(in.why, "UART receive queue out of range");
    free(io.data);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(round_trip_keeps_sections_and_only_non_zero_pages),
        T(damaged_files_are_refused_naming_the_problem),
        T(parse_survives_every_prefix_and_byte_flip),
        T(state_io_rebases_times_and_checks_ranges),
        T(uart_state_round_trips_and_bad_queues_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
