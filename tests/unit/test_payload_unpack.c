/*
 * Host-side unpacking of bzImage payloads: kernel-like data is packed here
 * with the same libraries the way the kernel build packs vmlinux (gzip -9,
 * bzip2 -9, lzma-alone, xz with the x86 BCJ filter and a CRC32 check, zstd
 * with a 128 MiB window and no content size, `lz4 -l` legacy blocks), the
 * 4-byte size appended (gzip's stream ends with it already), and every
 * method must come back byte for byte. Short, unknown, LZO, truncated, corrupt payloads and trailers that
 * lie are refused with one line naming the file and the method. Real
 * kernels are unpacked too when this machine has them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <bzlib.h>
#include <glob.h>
#include <lz4.h>
#include <lzma.h>
#include <zstd.h>
#define ZLIB_CONST
#include <zlib.h>

#include "boot/bzimage.h"
#include "boot/elf_loader.h"
#include "boot/payload_unpack.h"
#include "linux_boot_fixture.h"

#define SAMPLE_SIZE   (1536 * 1024u)
#define LZ4_MAGIC     0x184C2102u
#define LZ4_BLOCK_MAX (8u << 20)

/* ---- kernel-like input ---- */

/* 4 KiB stretches of noise, repeated "code" and a slow pattern: every
 * compressor has work to do, and the result is a few times smaller. */
static uint8_t *make_sample(size_t size)
{
    static const char code[] = "mov rdi, rax; call printk; test eax, eax; jne 1f; ";
    uint8_t *p = malloc(size);
    assert_non_null(p);
    uint32_t x = 0x2545F491u;
    for (size_t i = 0; i < size; i++) {
        x = x * 1103515245u + 12345u;
        size_t stretch = i / 4096;
        if (stretch % 4 == 0)
            p[i] = (uint8_t)(x >> 24);
        else if (stretch % 4 == 1)
            p[i] = (uint8_t)code[i % (sizeof code - 1)];
        else
            p[i] = (uint8_t)(i / 64 ^ stretch);
    }
    return p;
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* ---- the compressors, as the kernel build uses them ---- */

static uint8_t *compress_gzip(const uint8_t *in, size_t n, size_t *out_n)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    assert_int_equal(deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY),
                     Z_OK);
    size_t cap = deflateBound(&zs, (uLong)n);
    uint8_t *out = malloc(cap);
    assert_non_null(out);
    zs.next_in = in;
    zs.avail_in = (uInt)n;
    zs.next_out = out;
    zs.avail_out = (uInt)cap;
    assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
    *out_n = zs.total_out;
    deflateEnd(&zs);
    return out;
}

static uint8_t *compress_bzip2(const uint8_t *in, size_t n, size_t *out_n)
{
    unsigned int cap = (unsigned int)(n + n / 100 + 600);
    uint8_t *out = malloc(cap);
    assert_non_null(out);
    assert_int_equal(BZ2_bzBuffToBuffCompress((char *)out, &cap, (char *)in, (unsigned int)n,
                                              9, 0, 0), BZ_OK);
    *out_n = cap;
    return out;
}

/* `xz --check=crc32 --x86 --lzma2=...`: BCJ, then LZMA2 (a small preset:
 * the kernel's 32 MiB dictionary would make the encoder slow). */
static uint8_t *compress_xz(const uint8_t *in, size_t n, size_t *out_n)
{
    lzma_options_lzma opt;
    assert_false(lzma_lzma_preset(&opt, 1));
    lzma_filter filters[] = {
        { .id = LZMA_FILTER_X86, .options = NULL },
        { .id = LZMA_FILTER_LZMA2, .options = &opt },
        { .id = LZMA_VLI_UNKNOWN, .options = NULL },
    };
    size_t cap = lzma_stream_buffer_bound(n), pos = 0;
    uint8_t *out = malloc(cap);
    assert_non_null(out);
    assert_int_equal(lzma_stream_buffer_encode(filters, LZMA_CHECK_CRC32, NULL, in, n, out,
                                               &pos, cap), LZMA_OK);
    assert_int_equal(out[7], LZMA_CHECK_CRC32); /* stream flags: the check type */
    *out_n = pos;
    return out;
}

/* `lzma -9` on a pipe: the .lzma header's size is "unknown", an end marker
 * closes the stream. */
static uint8_t *compress_lzma(const uint8_t *in, size_t n, size_t *out_n)
{
    lzma_options_lzma opt;
    assert_false(lzma_lzma_preset(&opt, 1));
    lzma_stream ls = LZMA_STREAM_INIT;
    assert_int_equal(lzma_alone_encoder(&ls, &opt), LZMA_OK);
    size_t cap = lzma_stream_buffer_bound(n);
    uint8_t *out = malloc(cap);
    assert_non_null(out);
    ls.next_in = in;
    ls.avail_in = n;
    ls.next_out = out;
    ls.avail_out = cap;
    lzma_ret rc;
    do
        rc = lzma_code(&ls, LZMA_FINISH);
    while (rc == LZMA_OK);
    assert_int_equal(rc, LZMA_STREAM_END);
    *out_n = cap - ls.avail_out;
    lzma_end(&ls);
    return out;
}

/* `zstd -22 --ultra` on a pipe: a 2^27-byte window, a checksum and no
 * content size in the frame header (input fed in two steps, so the encoder
 * cannot learn its size). A fast level keeps the test quick. */
static uint8_t *compress_zstd(const uint8_t *in, size_t n, size_t *out_n)
{
    ZSTD_CCtx *c = ZSTD_createCCtx();
    assert_non_null(c);
    assert_false(ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, 3)));
    assert_false(ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_windowLog, 27)));
    assert_false(ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1)));
    size_t cap = ZSTD_compressBound(n);
    uint8_t *out = malloc(cap);
    assert_non_null(out);
    ZSTD_outBuffer ob = { out, cap, 0 };
    size_t first = n < 4096 ? n / 2 : 4096;
    ZSTD_inBuffer ib = { in, first, 0 };
    assert_false(ZSTD_isError(ZSTD_compressStream2(c, &ob, &ib, ZSTD_e_continue)));
    assert_int_equal(ib.pos, first);
    ib = (ZSTD_inBuffer){ in + first, n - first, 0 };
    size_t left;
    do {
        left = ZSTD_compressStream2(c, &ob, &ib, ZSTD_e_end);
        assert_false(ZSTD_isError(left));
    } while (left != 0);
    ZSTD_freeCCtx(c);
    assert_true(ZSTD_getFrameContentSize(out, ob.pos) == ZSTD_CONTENTSIZE_UNKNOWN);
    *out_n = ob.pos;
    return out;
}

/* `lz4 -l`: the legacy magic, then (length, block) pairs of block_size
 * bytes of input each. */
static uint8_t *lz4_legacy(const uint8_t *in, size_t n, size_t block_size, size_t *out_n)
{
    size_t blocks = n / block_size + 1;
    size_t bound = (size_t)LZ4_compressBound((int)block_size);
    uint8_t *out = malloc(4 + blocks * (4 + bound));
    assert_non_null(out);
    put32(out, LZ4_MAGIC);
    size_t pos = 4;
    for (size_t off = 0; off < n; off += block_size) {
        size_t len = n - off < block_size ? n - off : block_size;
        int c = LZ4_compress_default((const char *)in + off, (char *)out + pos + 4, (int)len,
                                     (int)bound);
        assert_true(c > 0);
        put32(out + pos, (uint32_t)c);
        pos += 4 + (size_t)c;
    }
    *out_n = pos;
    return out;
}

static uint8_t *compress_lz4(const uint8_t *in, size_t n, size_t *out_n)
{
    return lz4_legacy(in, n, LZ4_BLOCK_MAX, out_n);
}

struct codec {
    const char *name;
    uint8_t *(*compress)(const uint8_t *in, size_t n, size_t *out_n);
    bool has_check;    /* a checksum catches any corrupted byte */
    bool appends_size; /* all but gzip, whose stream ends with the size (ISIZE) */
};

static const struct codec codecs[] = {
    { "gzip", compress_gzip, true, false }, { "bzip2", compress_bzip2, true, true },
    { "lzma", compress_lzma, false, true }, { "xz", compress_xz, true, true },
    { "lz4", compress_lz4, false, true },   { "zstd", compress_zstd, true, true },
};
#define NCODECS (sizeof codecs / sizeof codecs[0])

/* The sample and each codec's stream (no trailer), made once. */
static uint8_t *sample;
static struct {
    uint8_t *data;
    size_t size;
} streams[NCODECS];

static int group_setup(void **state)
{
    (void)state;
    sample = make_sample(SAMPLE_SIZE);
    for (size_t i = 0; i < NCODECS; i++)
        streams[i].data = codecs[i].compress(sample, SAMPLE_SIZE, &streams[i].size);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    for (size_t i = 0; i < NCODECS; i++)
        free(streams[i].data);
    free(sample);
    return 0;
}

/* stream_size bytes of a stream, then a trailer; malloc'd. */
static uint8_t *with_trailer(const uint8_t *stream, size_t stream_size, uint32_t trailer)
{
    uint8_t *p = malloc(stream_size + 4);
    assert_non_null(p);
    memcpy(p, stream, stream_size);
    put32(p + stream_size, trailer);
    return p;
}

/* The payload the kernel build writes for codec i: the stream, then the
 * size, here `size`. gzip's stream already ends with the size: `size`
 * replaces it. Its length goes to *n. */
static uint8_t *payload_of(size_t i, uint32_t size, size_t *n)
{
    if (codecs[i].appends_size) {
        *n = streams[i].size + 4;
        return with_trailer(streams[i].data, streams[i].size, size);
    }
    *n = streams[i].size;
    uint8_t *p = with_trailer(streams[i].data, streams[i].size - 4, size);
    return p;
}

/* ---- calling the unpacker ---- */

struct result {
    int rc;
    uint8_t *out;
    size_t out_size;
    const char *method;
    struct wisp_error err;
};

static struct result unpack(const uint8_t *payload, size_t size, uint64_t max_size)
{
    struct result r;
    memset(&r, 0, sizeof r);
    uint8_t poison;
    r.out = &poison;
    r.out_size = 12345;
    r.method = "poison";
    r.rc = linux_payload_unpack("k", payload, size, max_size, &r.out, &r.out_size, &r.method,
                                &r.err);
    if (r.rc != 0) {
        assert_int_equal(r.rc, -1);
        assert_null(r.out);
        assert_int_equal(r.out_size, 0);
    }
    return r;
}

/* Refused as a bad kernel with one line "k: ..." holding every needle. */
#define expect_refused(r, ...)                                    \
    do {                                                          \
        assert_int_equal((r).rc, -1);                             \
        assert_int_equal((r).err.status, WISP_EXIT_BAD_KERNEL);   \
        fx_assert_message(&(r).err, "k", __VA_ARGS__);            \
    } while (0)

static void expect_unpacks(const char *name, const uint8_t *payload, size_t size,
                           const uint8_t *want, size_t want_size, uint64_t max_size)
{
    struct result r = unpack(payload, size, max_size);
    if (r.rc != 0)
        fail_msg("%s: %s", name, r.err.message);
    assert_string_equal(r.method, name);
    assert_int_equal(r.out_size, want_size);
    assert_memory_equal(r.out, want, want_size);
    free(r.out);
}

/* ---- round trips ---- */

static void test_every_method_round_trips(void **state)
{
    (void)state;
    for (size_t i = 0; i < NCODECS; i++) {
        size_t n;
        uint8_t *p = payload_of(i, SAMPLE_SIZE, &n);
        print_message("%-5s %7zu -> %zu bytes\n", codecs[i].name, n, (size_t)SAMPLE_SIZE);
        assert_memory_equal(p, streams[i].data, streams[i].size); /* gzip: its ISIZE */
        /* The limit is inclusive: exactly guest RAM's worth is fine. */
        expect_unpacks(codecs[i].name, p, n, sample, SAMPLE_SIZE, SAMPLE_SIZE);
        free(p);
    }
}

/* A gzip payload written like the others, the size appended after ISIZE,
 * unpacks too. */
static void test_gzip_with_appended_size(void **state)
{
    (void)state;
    uint8_t *p = with_trailer(streams[0].data, streams[0].size, SAMPLE_SIZE);
    expect_unpacks("gzip", p, streams[0].size + 4, sample, SAMPLE_SIZE, SAMPLE_SIZE);
    free(p);
}

/* More than one 8 MiB block, the last one short: the last block is decoded
 * where less than 8 MiB of room is left. */
static void test_lz4_several_blocks(void **state)
{
    (void)state;
    size_t n = LZ4_BLOCK_MAX + 1234567;
    uint8_t *big = make_sample(n);
    size_t s;
    uint8_t *stream = compress_lz4(big, n, &s);
    uint8_t *p = with_trailer(stream, s, (uint32_t)n);
    expect_unpacks("lz4", p, s + 4, big, n, 64 * MiB);
    free(p);
    free(stream);
    free(big);
}

/* `cat a.lz4 b.lz4`: the second stream's magic sits where a block length
 * would, and is skipped. */
static void test_lz4_concatenated_streams(void **state)
{
    (void)state;
    size_t half = SAMPLE_SIZE / 2, a_size, b_size;
    uint8_t *a = lz4_legacy(sample, half, 256 * 1024, &a_size);
    uint8_t *b = lz4_legacy(sample + half, SAMPLE_SIZE - half, 256 * 1024, &b_size);
    uint8_t *p = malloc(a_size + b_size + 4);
    assert_non_null(p);
    memcpy(p, a, a_size);
    memcpy(p + a_size, b, b_size);
    put32(p + a_size + b_size, SAMPLE_SIZE);
    expect_unpacks("lz4", p, a_size + b_size + 4, sample, SAMPLE_SIZE, SAMPLE_SIZE);
    free(p);
    free(b);
    free(a);
}

/* ---- payloads refused before unpacking ---- */

/* bzimage_unpack_payload finds the payload through the setup header. */
static void test_bzimage_payload_is_found_through_the_setup_header(void **state)
{
    (void)state;
    static struct fx_bzimage k;
    fx_make_bzimage(&k);
    uint8_t *out = (uint8_t *)1;
    size_t out_size = 1;
    struct wisp_error err = { 0 };
    /* The synthetic kernel's payload is a byte pattern: no known magic. */
    assert_int_equal(bzimage_unpack_payload("bz", k.bytes, k.size, 64 * MiB, &out, &out_size,
                                            NULL, &err), -1);
    fx_assert_message(&err, "bz", "unknown format", "starts with 07 14 21");
    assert_null(out);
    fx_put32(&k, 0x24C, 0); /* payload_length: nothing to unpack */
    err = (struct wisp_error){ 0 };
    assert_int_equal(bzimage_unpack_payload("bz", k.bytes, k.size, 64 * MiB, &out, &out_size,
                                            NULL, &err), -1);
    fx_assert_message(&err, "bz", "no payload fields", "2.08");
    fx_put16(&k, 0x1FE, 0); /* not a bzImage at all: the parser's error */
    err = (struct wisp_error){ 0 };
    assert_int_equal(bzimage_unpack_payload("bz", k.bytes, k.size, 64 * MiB, &out, &out_size,
                                            NULL, &err), -1);
    fx_assert_message(&err, "bz", "0xAA55");
}

static void test_too_short(void **state)
{
    (void)state;
    static const uint8_t bytes[] = { 0x1F, 0x8B, 0x08, 0x00, 0x00 };
    struct result r = unpack(NULL, 0, 64 * MiB);
    expect_refused(r, "0 bytes", "too short", "trailer");
    assert_null(r.method);
    r = unpack(bytes, 4, 64 * MiB);
    expect_refused(r, "4 bytes", "too short");
    /* One byte of stream is not enough for gzip's two-byte magic. */
    r = unpack(bytes, 5, 64 * MiB);
    expect_refused(r, "unknown format", "starts with 1f");
}

static void test_unknown_magic(void **state)
{
    (void)state;
    static const uint8_t elf[] = { 0x7F, 'E', 'L', 'F', 2, 1, 1, 0, 0x10, 0, 0, 0 };
    struct result r = unpack(elf, sizeof elf, 64 * MiB);
    expect_refused(r, "unknown format", "starts with 7f 45 4c 46 02 01 (", "gzip", "zstd");
    assert_null(r.method);
}

static void test_lzo_refused(void **state)
{
    (void)state;
    static const uint8_t lzo[] = { 0x89, 'L', 'Z', 'O', 0, 0x0D, 0x0A, 0x1A, 0x0A, 0x10, 0, 0, 0 };
    struct result r = unpack(lzo, sizeof lzo, 64 * MiB);
    expect_refused(r, "lzo payloads are not supported",
                   "rebuild with another CONFIG_KERNEL_*");
    assert_string_equal(r.method, "lzo");
}

static void test_trailer_zero(void **state)
{
    (void)state;
    for (size_t i = 0; i < NCODECS; i++) {
        size_t n;
        uint8_t *p = payload_of(i, 0, &n);
        struct result r = unpack(p, n, 64 * MiB);
        expect_refused(r, codecs[i].name, "payload's size trailer", "unpacks to 0 bytes");
        assert_string_equal(r.method, codecs[i].name);
        free(p);
    }
}

static void test_trailer_over_max_size(void **state)
{
    (void)state;
    for (size_t i = 0; i < NCODECS; i++) {
        size_t n;
        uint8_t *p = payload_of(i, 0xFFFFFFFFu, &n);
        struct result r = unpack(p, n, 64 * MiB);
        expect_refused(r, codecs[i].name, "4294967295 bytes",
                       "more than the 67108864 bytes of guest memory");
        free(p);
    }
    size_t n;
    uint8_t *p = payload_of(1, SAMPLE_SIZE, &n);
    struct result r = unpack(p, n, SAMPLE_SIZE - 1);
    expect_refused(r, "1572864 bytes", "more than the 1572863");
    free(p);
}

/* ---- trailers that disagree with the stream ---- */

static void test_trailer_smaller_than_output(void **state)
{
    (void)state;
    static const uint32_t lies[] = { SAMPLE_SIZE - 1, SAMPLE_SIZE / 3, 1 };
    for (size_t i = 0; i < NCODECS; i++) {
        for (size_t l = 0; l < sizeof lies / sizeof lies[0]; l++) {
            char want[64];
            snprintf(want, sizeof want, "more than the %u bytes its trailer says", lies[l]);
            size_t n;
            uint8_t *p = payload_of(i, lies[l], &n);
            struct result r = unpack(p, n, 64 * MiB);
            expect_refused(r, codecs[i].name, want);
            free(p);
        }
    }
}

/* gzip checks its own ISIZE field, the trailer, at the end of the stream. */
static void test_trailer_larger_than_output(void **state)
{
    (void)state;
    for (size_t i = 0; i < NCODECS; i++) {
        size_t n;
        uint8_t *p = payload_of(i, SAMPLE_SIZE + 1, &n);
        struct result r = unpack(p, n, 64 * MiB);
        if (codecs[i].appends_size)
            expect_refused(r, codecs[i].name,
                           "unpacks to 1572864 bytes but its trailer says 1572865");
        else
            expect_refused(r, "gzip payload is corrupt: incorrect length check");
        free(p);
    }
}

/* ---- broken streams ---- */

static void test_truncated_streams(void **state)
{
    (void)state;
    for (size_t i = 0; i < NCODECS; i++) {
        /* Half the stream, then the right trailer, as if the file had been
         * cut and the size appended again. */
        uint8_t *p = with_trailer(streams[i].data, streams[i].size / 2, SAMPLE_SIZE);
        struct result r = unpack(p, streams[i].size / 2 + 4, 64 * MiB);
        char want[32];
        snprintf(want, sizeof want, "%s payload is truncated", codecs[i].name);
        expect_refused(r, want);
        free(p);
        /* Only the first 7 bytes: little more than the magic. */
        p = with_trailer(streams[i].data, 7, SAMPLE_SIZE);
        r = unpack(p, 7 + 4, 64 * MiB);
        snprintf(want, sizeof want, "%s payload is", codecs[i].name);
        expect_refused(r, want);
        free(p);
    }
}

/* A flipped byte in the middle: formats with a checksum must notice; lzma
 * and lz4 have none, so they may unpack garbage of the right length. */
static void test_corrupted_byte(void **state)
{
    (void)state;
    for (size_t i = 0; i < NCODECS; i++) {
        size_t n;
        uint8_t *p = payload_of(i, SAMPLE_SIZE, &n);
        p[n / 2] ^= 0x55;
        struct result r = unpack(p, n, 64 * MiB);
        print_message("%-5s with a flipped byte: %s\n", codecs[i].name,
                      r.rc ? r.err.message : "unpacks (no checksum)");
        if (r.rc == 0 && !codecs[i].has_check) {
            assert_int_equal(r.out_size, SAMPLE_SIZE);
            assert_true(memcmp(r.out, sample, SAMPLE_SIZE) != 0);
            free(r.out);
        } else {
            expect_refused(r, codecs[i].name);
        }
        free(p);
    }
}

/* ---- the lz4 legacy frame ---- */

static void test_lz4_block_past_the_end(void **state)
{
    (void)state;
    size_t s;
    uint8_t *stream = lz4_legacy(sample, SAMPLE_SIZE, SAMPLE_SIZE, &s); /* one block */
    put32(stream + 4, (uint32_t)(s - 8 + 100));
    uint8_t *p = with_trailer(stream, s, SAMPLE_SIZE);
    struct result r = unpack(p, s + 4, 64 * MiB);
    expect_refused(r, "lz4 payload is truncated", "block at offset 4 claims", "remain");
    free(p);
    free(stream);
}

static void test_lz4_absurd_block_length(void **state)
{
    (void)state;
    uint8_t *p = with_trailer(streams[4].data, streams[4].size, SAMPLE_SIZE);
    assert_string_equal(codecs[4].name, "lz4");
    put32(p + 4, 0x7FFFFFFFu);
    struct result r = unpack(p, streams[4].size + 4, 64 * MiB);
    expect_refused(r, "lz4 payload is corrupt", "2147483647 compressed bytes");
    put32(p + 4, 0);
    r = unpack(p, streams[4].size + 4, 64 * MiB);
    expect_refused(r, "lz4 payload is corrupt", "claims 0 compressed bytes");
    free(p);
}

static void test_lz4_block_over_8_mib(void **state)
{
    (void)state;
    size_t n = LZ4_BLOCK_MAX + 4096, s;
    uint8_t *big = make_sample(n);
    uint8_t *stream = lz4_legacy(big, n, n, &s); /* one block: too big for the format */
    uint8_t *p = with_trailer(stream, s, (uint32_t)n);
    struct result r = unpack(p, s + 4, 64 * MiB);
    expect_refused(r, "lz4 payload is corrupt", "offset 4", "more than 8 MiB");
    free(p);
    free(stream);
    free(big);
}

static void test_lz4_stray_bytes(void **state)
{
    (void)state;
    size_t s = streams[4].size;
    uint8_t *p = malloc(s + 2 + 4);
    assert_non_null(p);
    memcpy(p, streams[4].data, s);
    p[s] = 1;
    p[s + 1] = 0;
    put32(p + s + 2, SAMPLE_SIZE);
    struct result r = unpack(p, s + 2 + 4, 64 * MiB);
    expect_refused(r, "lz4 payload is truncated", "2 stray bytes");
    free(p);
}

/* ---- real kernels ---- */

/* What a bzImage file's payload unpacks to. */
static void unpack_bzimage(const char *path, uint8_t **out, size_t *out_size,
                           const char **method)
{
    size_t size;
    uint8_t *file = fx_read_real_file(path, &size);
    struct wisp_error err = { 0 };
    if (bzimage_unpack_payload(path, file, size, 3 * GiB, out, out_size, method, &err) != 0)
        fail_msg("%s", err.message);
    assert_memory_equal(*out, "\177ELF", 4);
    print_message("%s: %s, %zu -> %zu bytes\n", path, *method, size, *out_size);
    free(file);
}

static void test_real_debian_kernel(void **state)
{
    (void)state;
    const char *path = fx_debian_bzimage();
    if (!path) {
        print_message("no real bzImage (set WISP_TEST_BZIMAGE, or run "
                      "scripts/fetch-debian-kernels.sh): skipped\n");
        skip();
    }
    uint8_t *out;
    size_t out_size;
    const char *method;
    unpack_bzimage(path, &out, &out_size, &method);
    free(out);
}

/* scripts/build-small-linux.sh leaves one kernel compressed every way. Each
 * build re-links vmlinux with a new build number and time in its version
 * string, so they are not byte-identical: each must just unpack to an
 * x86-64 ELF. */
static void test_small_linux_every_method(void **state)
{
    (void)state;
    const char *home = getenv("HOME");
    const char *named = getenv("WISP_SMALL_LINUX"); /* scripts/test.sh sets it */
    char pattern[4096];
    if (named && *named)
        snprintf(pattern, sizeof pattern, "%s/bzImage*", named);
    else
        snprintf(pattern, sizeof pattern, "%s/.cache/wisp/small-linux-*/bzImage*",
                 home ? home : "/root");
    glob_t g;
    if (glob(pattern, 0, NULL, &g) != 0) {
        /* Named by the test run: a missing kernel is a failure, not a skip. */
        if (named && *named)
            fail_msg("WISP_SMALL_LINUX=%s has no bzImage*", named);
        print_message("no small-linux kernels (scripts/build-small-linux.sh): skipped\n");
        globfree(&g);
        skip();
    }
    for (size_t i = 0; i < g.gl_pathc; i++) {
        uint8_t *out;
        size_t out_size;
        const char *method;
        unpack_bzimage(g.gl_pathv[i], &out, &out_size, &method);
        assert_true(out_size > 0x40);
        assert_int_equal(out[4], 2);               /* ELFCLASS64 */
        assert_int_equal(out[18] | out[19] << 8, 62); /* EM_X86_64 */
        free(out);
    }
    globfree(&g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_method_round_trips),
        cmocka_unit_test(test_gzip_with_appended_size),
        cmocka_unit_test(test_lz4_several_blocks),
        cmocka_unit_test(test_lz4_concatenated_streams),
        cmocka_unit_test(test_bzimage_payload_is_found_through_the_setup_header),
        cmocka_unit_test(test_too_short),
        cmocka_unit_test(test_unknown_magic),
        cmocka_unit_test(test_lzo_refused),
        cmocka_unit_test(test_trailer_zero),
        cmocka_unit_test(test_trailer_over_max_size),
        cmocka_unit_test(test_trailer_smaller_than_output),
        cmocka_unit_test(test_trailer_larger_than_output),
        cmocka_unit_test(test_truncated_streams),
        cmocka_unit_test(test_corrupted_byte),
        cmocka_unit_test(test_lz4_block_past_the_end),
        cmocka_unit_test(test_lz4_absurd_block_length),
        cmocka_unit_test(test_lz4_block_over_8_mib),
        cmocka_unit_test(test_lz4_stray_bytes),
        cmocka_unit_test(test_real_debian_kernel),
        cmocka_unit_test(test_small_linux_every_method),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
