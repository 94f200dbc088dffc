/*
 * virtio-blk's requests on a real image file, as a driver (the fixture)
 * sends them: read, write, flush, get ID, discard, write zeroes; headers
 * split across buffers; every malformed request gets its status (IOERR
 * past the end, for odd lengths, for writes to a read-only image; UNSUPP
 * for unknown types), a request with no status byte breaks the device;
 * and the image checks disk_image_open makes for the user.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "dev/virtio/virtio_blk.h"
#include "virtq_fixture.h"

#define SECTORS 64

static struct vq_fixture fx;
static struct virtio_blk blk;
static struct virtio_platform platform;
static struct host_mutex lock;
static char path[64];

static void make_image(const char *name, size_t size)
{
    FILE *f = fopen(name, "wb");
    assert_non_null(f);
    for (size_t i = 0; i < size; i++)
        fputc((int)((i / 512) & 0xFF), f); /* sector n is all n */
    fclose(f);
}

static int open_blk(bool read_only)
{
    struct wisp_error err = { 0 };
    if (virtio_blk_open(&blk, path, read_only, "test-serial-0123", &err) < 0 ||
        virtio_blk_init(&blk, &platform, &lock, &err) < 0)
        return -1;
    /* The queue as the transport would start it for the driver. */
    struct virtqueue *vq = &blk.vp.vq[0];
    vq->size = 16;
    vq->desc_addr = FX_DESC, vq->avail_addr = FX_AVAIL, vq->used_addr = FX_USED;
    char why[VQ_REASON_MAX];
    return vq_start(vq, 16, false, why, sizeof why) ? 0 : -1;
}

static int setup_image(bool read_only)
{
    snprintf(path, sizeof path, "/tmp/wisp-blk-test-%d.img", (int)getpid());
    make_image(path, SECTORS * 512);
    if (fx_memory(&fx, 16) < 0)
        return -1;
    platform = (struct virtio_platform){ &fx.gm, NULL, NULL };
    host_mutex_init(&lock);
    return open_blk(read_only);
}

static int setup(void **state)
{
    (void)state;
    return setup_image(false);
}

static int setup_ro(void **state)
{
    (void)state;
    return setup_image(true);
}

static int teardown(void **state)
{
    (void)state;
    virtio_blk_destroy(&blk);
    host_mutex_destroy(&lock);
    fx_release(&fx);
    unlink(path);
    return 0;
}

/* ---- requests ---- */

#define HDR 0x100000u
#define DATA 0x110000u
#define STATUS 0x1F0000u

static void header(uint32_t type, uint64_t sector)
{
    uint8_t h[16] = { 0 };
    memcpy(h, &type, 4);
    memcpy(h + 8, &sector, 8);
    memcpy(fx_ptr(&fx, HDR, 16), h, 16);
}

/* Runs what is available the way the device does without a worker; returns
 * the status byte of the last request. */
static uint8_t run(void)
{
    *fx_ptr(&fx, STATUS, 1) = 0xEE;
    unsigned n;
    while ((n = virtio_blk_take(&blk, blk.requests, VIRTIO_BLK_BATCH)) > 0) {
        for (unsigned i = 0; i < n; i++)
            virtio_blk_execute(&blk, &blk.requests[i]);
        virtio_blk_complete(&blk, blk.requests, n);
    }
    return *fx_ptr(&fx, STATUS, 1);
}

/* header | data (device-writable for IN) | status */
static uint8_t request(uint32_t type, uint64_t sector, uint32_t len, bool device_writes)
{
    header(type, sector);
    fx_desc(&fx, 0, HDR, 16, VIRTQ_DESC_F_NEXT, 1);
    if (len) {
        fx_desc(&fx, 1, DATA, len, VIRTQ_DESC_F_NEXT | (device_writes ? VIRTQ_DESC_F_WRITE : 0), 2);
        fx_desc(&fx, 2, STATUS, 1, VIRTQ_DESC_F_WRITE, 0);
    } else {
        fx_desc(&fx, 1, STATUS, 1, VIRTQ_DESC_F_WRITE, 0);
    }
    fx_avail(&fx, 0);
    return run();
}

static uint8_t file_byte(off_t at)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseeko(f, at, SEEK_SET);
    int c = fgetc(f);
    fclose(f);
    return (uint8_t)c;
}

static void test_config_space(void **state)
{
    (void)state;
    uint8_t c[VIRTIO_BLK_CONFIG_SIZE];
    blk.vp.ops->config_read(&blk, 0, c, sizeof c);
    uint64_t capacity;
    memcpy(&capacity, c, 8);
    assert_int_equal(capacity, SECTORS);
    uint32_t v;
    memcpy(&v, c + VIRTIO_BLK_CFG_SEG_MAX, 4);
    assert_int_equal(v, VIRTIO_BLK_SEG_MAX);
    memcpy(&v, c + VIRTIO_BLK_CFG_BLK_SIZE, 4);
    assert_int_equal(v, 512);
    uint64_t f = blk.vp.device_features;
    assert_true(f & (1ull << VIRTIO_BLK_F_FLUSH));
    assert_true(f & (1ull << VIRTIO_BLK_F_DISCARD));
    assert_true(f & (1ull << VIRTIO_BLK_F_WRITE_ZEROES));
    assert_false(f & (1ull << VIRTIO_BLK_F_RO));
    assert_true(f & (1ull << VIRTIO_F_VERSION_1));
}

static void test_read(void **state)
{
    (void)state;
    assert_int_equal(request(VIRTIO_BLK_T_IN, 5, 1024, true), VIRTIO_BLK_S_OK);
    const uint8_t *d = fx_ptr(&fx, DATA, 1024);
    assert_int_equal(d[0], 5);
    assert_int_equal(d[511], 5);
    assert_int_equal(d[512], 6);
    assert_int_equal(fx_used(&fx, 0).len, 1025);
    assert_int_equal(fx_used(&fx, 0).id, 0);
}

static void test_write_then_flush(void **state)
{
    (void)state;
    memset(fx_ptr(&fx, DATA, 512), 0xA5, 512);
    assert_int_equal(request(VIRTIO_BLK_T_OUT, 9, 512, false), VIRTIO_BLK_S_OK);
    assert_int_equal(file_byte(9 * 512), 0xA5);
    assert_int_equal(file_byte(9 * 512 + 511), 0xA5);
    assert_int_equal(file_byte(10 * 512), 10);
    assert_int_equal(fx_used(&fx, 0).len, 1);
    assert_int_equal(request(VIRTIO_BLK_T_FLUSH, 0, 0, false), VIRTIO_BLK_S_OK);
}

static void test_header_and_data_split_across_buffers(void **state)
{
    (void)state;
    header(VIRTIO_BLK_T_IN, 3);
    fx_desc(&fx, 0, HDR, 5, VIRTQ_DESC_F_NEXT, 1);
    fx_desc(&fx, 1, HDR + 5, 11, VIRTQ_DESC_F_NEXT, 2);
    fx_desc(&fx, 2, DATA, 300, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 3);
    fx_desc(&fx, 3, DATA + 0x1000, 213, VIRTQ_DESC_F_WRITE, 0); /* 212 data + status */
    fx_avail(&fx, 0);
    run();
    assert_int_equal(*fx_ptr(&fx, DATA + 0x1000 + 212, 1), VIRTIO_BLK_S_OK);
    assert_int_equal(*fx_ptr(&fx, DATA + 299, 1), 3);
    assert_int_equal(*fx_ptr(&fx, DATA + 0x1000 + 211, 1), 3);
}

static void test_past_the_end_is_ioerr(void **state)
{
    (void)state;
    assert_int_equal(request(VIRTIO_BLK_T_IN, SECTORS, 512, true), VIRTIO_BLK_S_IOERR);
    assert_int_equal(request(VIRTIO_BLK_T_IN, SECTORS - 1, 1024, true), VIRTIO_BLK_S_IOERR);
    assert_int_equal(request(VIRTIO_BLK_T_OUT, SECTORS - 1, 1024, false), VIRTIO_BLK_S_IOERR);
    assert_int_equal(request(VIRTIO_BLK_T_IN, UINT64_MAX, 512, true), VIRTIO_BLK_S_IOERR);
    assert_int_equal(request(VIRTIO_BLK_T_IN, UINT64_MAX / 512 + 1, 512, true), VIRTIO_BLK_S_IOERR);
    /* The last sector itself is fine. */
    assert_int_equal(request(VIRTIO_BLK_T_IN, SECTORS - 1, 512, true), VIRTIO_BLK_S_OK);
    assert_int_equal(file_byte(SECTORS * 512 - 1), SECTORS - 1);
}

static void test_odd_lengths_are_ioerr(void **state)
{
    (void)state;
    assert_int_equal(request(VIRTIO_BLK_T_IN, 0, 100, true), VIRTIO_BLK_S_IOERR);
    assert_int_equal(request(VIRTIO_BLK_T_OUT, 0, 513, false), VIRTIO_BLK_S_IOERR);
    assert_int_equal(request(VIRTIO_BLK_T_IN, 0, 0, false), VIRTIO_BLK_S_IOERR);
    assert_int_equal(file_byte(0), 0);
}

static void test_short_header_is_ioerr(void **state)
{
    (void)state;
    header(VIRTIO_BLK_T_OUT, 0);
    fx_desc(&fx, 0, HDR, 8, VIRTQ_DESC_F_NEXT, 1);
    fx_desc(&fx, 1, STATUS, 1, VIRTQ_DESC_F_WRITE, 0);
    fx_avail(&fx, 0);
    assert_int_equal(run(), VIRTIO_BLK_S_IOERR);
}

static void test_unknown_type_is_unsupp(void **state)
{
    (void)state;
    assert_int_equal(request(99, 0, 512, true), VIRTIO_BLK_S_UNSUPP);
    assert_int_equal(request(VIRTIO_BLK_T_GET_ID + 100, 0, 0, false), VIRTIO_BLK_S_UNSUPP);
}

static void test_get_id(void **state)
{
    (void)state;
    memset(fx_ptr(&fx, DATA, 20), 'x', 20);
    assert_int_equal(request(VIRTIO_BLK_T_GET_ID, 0, 20, true), VIRTIO_BLK_S_OK);
    assert_memory_equal(fx_ptr(&fx, DATA, 16), "test-serial-0123", 16);
    assert_int_equal(*fx_ptr(&fx, DATA + 16, 1), 0); /* NUL-padded */
    assert_int_equal(fx_used(&fx, 0).len, 21);
    /* A shorter buffer gets what fits. */
    memset(fx_ptr(&fx, DATA, 20), 'x', 20);
    assert_int_equal(request(VIRTIO_BLK_T_GET_ID, 0, 4, true), VIRTIO_BLK_S_OK);
    assert_memory_equal(fx_ptr(&fx, DATA, 5), "testx", 5);
}

static void put_range(uint64_t at, uint64_t sector, uint32_t count, uint32_t flags)
{
    memcpy(fx_ptr(&fx, at, 8), &sector, 8);
    memcpy(fx_ptr(&fx, at + 8, 4), &count, 4);
    memcpy(fx_ptr(&fx, at + 12, 4), &flags, 4);
}

static void test_discard_and_write_zeroes(void **state)
{
    (void)state;
    put_range(DATA, 8, 8, 0); /* 4 KiB at sector 8, aligned for hole punching */
    assert_int_equal(request(VIRTIO_BLK_T_DISCARD, 0, 16, false), VIRTIO_BLK_S_OK);
    assert_int_equal(file_byte(8 * 512), 0);
    assert_int_equal(file_byte(16 * 512 - 1), 0);
    assert_int_equal(file_byte(16 * 512), 16);
    put_range(DATA, 20, 1, 0);
    put_range(DATA + 16, 30, 2, VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP);
    assert_int_equal(request(VIRTIO_BLK_T_WRITE_ZEROES, 0, 32, false), VIRTIO_BLK_S_OK);
    assert_int_equal(file_byte(20 * 512), 0);
    assert_int_equal(file_byte(21 * 512), 21);
    assert_int_equal(file_byte(31 * 512 + 511), 0);
    assert_int_equal(file_byte(32 * 512), 32);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_size, SECTORS * 512); /* the size never changes */
}

static void test_bad_ranges_are_ioerr(void **state)
{
    (void)state;
    put_range(DATA, SECTORS - 1, 2, 0);
    assert_int_equal(request(VIRTIO_BLK_T_DISCARD, 0, 16, false), VIRTIO_BLK_S_IOERR);
    put_range(DATA, 0, 1, 1); /* DISCARD takes no flags */
    assert_int_equal(request(VIRTIO_BLK_T_DISCARD, 0, 16, false), VIRTIO_BLK_S_IOERR);
    put_range(DATA, 0, 1, 2); /* unknown flag */
    assert_int_equal(request(VIRTIO_BLK_T_WRITE_ZEROES, 0, 16, false), VIRTIO_BLK_S_IOERR);
    assert_int_equal(request(VIRTIO_BLK_T_DISCARD, 0, 24, false), VIRTIO_BLK_S_IOERR);
    assert_int_equal(request(VIRTIO_BLK_T_DISCARD, 0, 16 * (VIRTIO_BLK_MAX_SEGMENTS + 1), false),
                     VIRTIO_BLK_S_IOERR);
    assert_int_equal(file_byte(0), 0);
    assert_int_equal(file_byte(SECTORS * 512 - 1), SECTORS - 1);
}

static void test_request_without_status_byte_breaks_the_device(void **state)
{
    (void)state;
    header(VIRTIO_BLK_T_FLUSH, 0);
    fx_desc(&fx, 0, HDR, 16, 0, 0);
    fx_avail(&fx, 0);
    run();
    assert_true(blk.vp.status & VIRTIO_CONFIG_S_NEEDS_RESET);
    assert_int_equal(fx_used_idx(&fx), 0);
}

/* The requests after it wait for the reset, though the queue itself is
 * not broken (fuzz_virtio_blk's "a queue moved while the device needs a
 * reset"). */
static void test_nothing_taken_after_a_request_without_status_byte(void **state)
{
    (void)state;
    header(VIRTIO_BLK_T_FLUSH, 0);
    fx_desc(&fx, 3, HDR, 16, VIRTQ_DESC_F_NEXT, 4);
    fx_desc(&fx, 4, STATUS, 1, VIRTQ_DESC_F_WRITE, 0);
    fx_desc(&fx, 0, HDR, 16, 0, 0);
    fx_avail(&fx, 3);
    fx_avail(&fx, 0);
    fx_avail(&fx, 3);
    run();
    assert_true(blk.vp.status & VIRTIO_CONFIG_S_NEEDS_RESET);
    assert_int_equal(fx_used_idx(&fx), 1); /* the one taken before */
    assert_int_equal(blk.vp.vq[0].last_avail, 2);
}

static void test_malformed_chain_breaks_the_device(void **state)
{
    (void)state;
    fx_desc(&fx, 0, HDR, 16, VIRTQ_DESC_F_NEXT, 0); /* loops */
    fx_avail(&fx, 0);
    run();
    assert_true(blk.vp.status & VIRTIO_CONFIG_S_NEEDS_RESET);
}

/* ---- read-only ---- */

static void test_read_only_refuses_writes(void **state)
{
    (void)state;
    assert_true(blk.vp.device_features & (1ull << VIRTIO_BLK_F_RO));
    assert_false(blk.vp.device_features & (1ull << VIRTIO_BLK_F_DISCARD));
    memset(fx_ptr(&fx, DATA, 512), 0xA5, 512);
    assert_int_equal(request(VIRTIO_BLK_T_OUT, 2, 512, false), VIRTIO_BLK_S_IOERR);
    put_range(DATA, 0, 8, 0);
    assert_int_equal(request(VIRTIO_BLK_T_DISCARD, 0, 16, false), VIRTIO_BLK_S_IOERR);
    assert_int_equal(request(VIRTIO_BLK_T_WRITE_ZEROES, 0, 16, false), VIRTIO_BLK_S_IOERR);
    assert_int_equal(file_byte(2 * 512), 2);
    assert_int_equal(file_byte(0), 0);
    /* Reads and flushes work. */
    assert_int_equal(request(VIRTIO_BLK_T_IN, 2, 512, true), VIRTIO_BLK_S_OK);
    assert_int_equal(request(VIRTIO_BLK_T_FLUSH, 0, 0, false), VIRTIO_BLK_S_OK);
}

/* ---- opening images ---- */

static void expect_open_error(const char *file, bool ro, const char *fragment)
{
    struct virtio_blk b;
    struct wisp_error err = { 0 };
    assert_int_equal(virtio_blk_open(&b, file, ro, NULL, &err), -1);
    assert_int_equal(err.status, WISP_EXIT_USAGE);
    if (!strstr(err.message, fragment))
        fail_msg("'%s' lacks '%s'", err.message, fragment);
    assert_non_null(strstr(err.message, file));
    disk_image_close(&b.image);
}

static void test_open_errors(void **state)
{
    (void)state;
    expect_open_error("/nonexistent/disk.img", false, "No such file");
    expect_open_error("/tmp", true, "not a regular file or block device");
    /* A read-only sysfs attribute: no one may open it for writing, root
     * included (kernfs checks the mode); /proc/version is empty to stat. */
    expect_open_error("/sys/kernel/notes", false, "not writable (add ,ro");
    expect_open_error("/proc/version", true, "not a positive multiple of 512");
    char odd[64];
    snprintf(odd, sizeof odd, "/tmp/wisp-blk-odd-%d.img", (int)getpid());
    make_image(odd, 1000);
    expect_open_error(odd, false, "size 1000 is not a positive multiple of 512");
    unlink(odd);
    /* The image the test holds open read-write: locked. */
    expect_open_error(path, false, "in use by another process");
    expect_open_error(path, true, "in use by another process");
    /* A serial too long for GET_ID. */
    struct virtio_blk b;
    struct wisp_error err = { 0 };
    assert_int_equal(virtio_blk_open(&b, path, true, "012345678901234567890", &err), -1);
    assert_non_null(strstr(err.message, "longer than 20"));
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_config_space),
        T(test_read),
        T(test_write_then_flush),
        T(test_header_and_data_split_across_buffers),
        T(test_past_the_end_is_ioerr),
        T(test_odd_lengths_are_ioerr),
        T(test_short_header_is_ioerr),
        T(test_unknown_type_is_unsupp),
        T(test_get_id),
        T(test_discard_and_write_zeroes),
        T(test_bad_ranges_are_ioerr),
        T(test_request_without_status_byte_breaks_the_device),
        T(test_nothing_taken_after_a_request_without_status_byte),
        T(test_malformed_chain_breaks_the_device),
        cmocka_unit_test_setup_teardown(test_read_only_refuses_writes, setup_ro, teardown),
        T(test_open_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
