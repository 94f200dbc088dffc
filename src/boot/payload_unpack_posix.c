/*
 * Host-side unpacking of a bzImage payload with Debian's compression
 * libraries: zlib, libbz2, liblzma, libzstd and liblz4. One table maps the
 * magic bytes to a decoder; every decoder writes into one buffer of the
 * trailer's size plus one spare byte, so output longer than the trailer
 * says is caught without writing past the buffer.
 *
 * The build appends the size to every stream but gzip's: a gzip member
 * already ends with it (ISIZE), so there the trailer is the stream's own
 * last field. Bytes after the end of a gzip, bzip2, xz or lzma stream are
 * ignored (so a gzip payload with the size appended anyway unpacks too);
 * the size check catches what matters.
 */
#include "payload_unpack.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bzlib.h>
#include <lz4.h>
#include <lzma.h>
#include <zstd.h>
#include <zstd_errors.h>
#define ZLIB_CONST /* next_in is const: the payload stays read-only */
#include <zlib.h>

typedef unsigned long long ull;

#define BAD(...) wisp_fail(u->err, WISP_EXIT_BAD_KERNEL, __VA_ARGS__)

#define TRAILER_SIZE 4u /* the uncompressed size, little-endian */

/* No real kernel needs more: xz's and lzma's dictionaries are 32-64 MiB
 * (`lzma -9` needs 65 MiB). A limit keeps a hostile header from making
 * liblzma allocate up to 4 GiB; the fuzzer found 1 GiB still too easy to
 * ask for (seconds spent in the allocator for one kernel file). */
#define LZMA_MEMLIMIT (256ull << 20)

/* `lz4 -l`: blocks of at most 8 MiB of output, each a 4-byte length and
 * that much LZ4 block data; the magic may reappear where streams were
 * concatenated. */
#define LZ4_LEGACY_MAGIC     0x184C2102u
#define LZ4_LEGACY_BLOCK_MAX (8u << 20)

struct unpack {
    const char *path;     /* for messages */
    const char *method;
    const uint8_t *in;    /* the compressed stream */
    size_t in_size;
    uint8_t *out;         /* capacity bytes */
    size_t capacity;      /* expected + 1: the spare byte catches long output */
    size_t expected;      /* what the trailer says */
    size_t produced;
    struct wisp_error *err;
};

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* ---- the failures every decoder shares ---- */

static int fail_corrupt(struct unpack *u, const char *why)
{
    return BAD("%s: %s payload is corrupt: %s", u->path, u->method, why);
}

static int fail_truncated(struct unpack *u)
{
    return BAD("%s: %s payload is truncated: the stream stops after %llu of the %llu bytes "
               "its trailer says", u->path, u->method, (ull)u->produced, (ull)u->expected);
}

static int fail_too_long(struct unpack *u)
{
    return BAD("%s: %s payload unpacks to more than the %llu bytes its trailer says",
               u->path, u->method, (ull)u->expected);
}

static int fail_no_memory(struct unpack *u)
{
    return wisp_fail(u->err, WISP_EXIT_HOST_ERROR, "%s: no memory to unpack the %s payload",
                     u->path, u->method);
}

/* Whatever else went wrong, a full buffer means the output outgrew the
 * trailer, spare byte included. */
static bool overflowed(const struct unpack *u)
{
    return u->produced == u->capacity;
}

/* A decoder that stopped without reaching the end of its stream either ran
 * out of input or filled the buffer. */
static int fail_stalled(struct unpack *u)
{
    return overflowed(u) ? fail_too_long(u) : fail_truncated(u);
}

/* zlib and libbz2 count in unsigned int: they get the buffers in slices. */
static unsigned int slice(size_t left)
{
    return left > UINT_MAX ? UINT_MAX : (unsigned int)left;
}

/* ---- gzip (zlib) ---- */

static int unpack_gzip(struct unpack *u)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) /* 16: a gzip wrapper, not zlib's */
        return fail_no_memory(u);
    size_t in_given = 0, out_given = 0;
    int rc;
    do {
        if (zs.avail_in == 0) {
            zs.next_in = u->in + in_given;
            zs.avail_in = slice(u->in_size - in_given);
            in_given += zs.avail_in;
        }
        if (zs.avail_out == 0) {
            zs.next_out = u->out + out_given;
            zs.avail_out = slice(u->capacity - out_given);
            out_given += zs.avail_out;
        }
        rc = inflate(&zs, Z_NO_FLUSH);
    } while (rc == Z_OK);
    u->produced = out_given - zs.avail_out;

    int result;
    if (rc == Z_STREAM_END)
        result = 0;
    else if (rc == Z_BUF_ERROR || overflowed(u)) /* no progress possible */
        result = fail_stalled(u);
    else if (rc == Z_MEM_ERROR)
        result = fail_no_memory(u);
    else if (rc == Z_NEED_DICT)
        result = fail_corrupt(u, "the stream asks for a preset dictionary");
    else
        result = fail_corrupt(u, zs.msg ? zs.msg : "inflate failed");
    inflateEnd(&zs);
    return result;
}

/* ---- bzip2 (libbz2) ---- */

static int unpack_bzip2(struct unpack *u)
{
    bz_stream bs;
    memset(&bs, 0, sizeof bs);
    if (BZ2_bzDecompressInit(&bs, 0, 0) != BZ_OK)
        return fail_no_memory(u);
    size_t in_given = 0, out_given = 0;
    int rc;
    for (;;) {
        if (bs.avail_in == 0) {
            /* libbz2 only reads through next_in; its type lacks the const. */
            bs.next_in = (char *)(u->in + in_given);
            bs.avail_in = slice(u->in_size - in_given);
            in_given += bs.avail_in;
        }
        if (bs.avail_out == 0) {
            bs.next_out = (char *)(u->out + out_given);
            bs.avail_out = slice(u->capacity - out_given);
            out_given += bs.avail_out;
        }
        rc = BZ2_bzDecompress(&bs);
        u->produced = out_given - bs.avail_out;
        if (rc != BZ_OK)
            break;
        /* BZ_OK also means "stuck": libbz2 returns only once it has used up
         * its input or filled its output. */
        if ((bs.avail_in == 0 && in_given == u->in_size) || overflowed(u))
            break;
    }

    int result;
    if (rc == BZ_STREAM_END)
        result = 0;
    else if (rc == BZ_OK || overflowed(u))
        result = fail_stalled(u);
    else if (rc == BZ_MEM_ERROR)
        result = fail_no_memory(u);
    else if (rc == BZ_DATA_ERROR)
        result = fail_corrupt(u, "a block fails its CRC or is malformed");
    else if (rc == BZ_DATA_ERROR_MAGIC)
        result = fail_corrupt(u, "bad stream header");
    else
        result = fail_corrupt(u, "BZ2_bzDecompress failed");
    BZ2_bzDecompressEnd(&bs);
    return result;
}

/* ---- xz and lzma (liblzma) ---- */

static int run_lzma(struct unpack *u, lzma_stream *ls)
{
    ls->next_in = u->in;
    ls->avail_in = u->in_size;
    ls->next_out = u->out;
    ls->avail_out = u->capacity;
    lzma_ret rc;
    do
        rc = lzma_code(ls, LZMA_FINISH);
    while (rc == LZMA_OK);
    u->produced = u->capacity - ls->avail_out;

    int result = 0;
    switch (overflowed(u) ? LZMA_BUF_ERROR : rc) {
    case LZMA_STREAM_END:
        break;
    case LZMA_BUF_ERROR: /* no progress possible */
        result = fail_stalled(u);
        break;
    case LZMA_MEM_ERROR:
        result = fail_no_memory(u);
        break;
    case LZMA_MEMLIMIT_ERROR:
        result = BAD("%s: %s payload needs %llu MiB to unpack, more than the %llu MiB wisp "
                     "allows", u->path, u->method, (ull)(lzma_memusage(ls) >> 20),
                     (ull)(LZMA_MEMLIMIT >> 20));
        break;
    case LZMA_FORMAT_ERROR:
        result = fail_corrupt(u, "not a valid header");
        break;
    case LZMA_OPTIONS_ERROR:
        result = fail_corrupt(u, "unsupported options in the header");
        break;
    case LZMA_DATA_ERROR:
        result = fail_corrupt(u, "bad compressed data or check");
        break;
    default:
        result = fail_corrupt(u, "liblzma failed");
        break;
    }
    lzma_end(ls);
    return result;
}

static int unpack_xz(struct unpack *u)
{
    lzma_stream ls = LZMA_STREAM_INIT;
    /* No LZMA_CONCATENATED: the kernel writes one stream. */
    if (lzma_stream_decoder(&ls, LZMA_MEMLIMIT, 0) != LZMA_OK)
        return fail_no_memory(u);
    return run_lzma(u, &ls);
}

static int unpack_lzma(struct unpack *u)
{
    lzma_stream ls = LZMA_STREAM_INIT;
    if (lzma_alone_decoder(&ls, LZMA_MEMLIMIT) != LZMA_OK)
        return fail_no_memory(u);
    return run_lzma(u, &ls);
}

/* ---- zstd (libzstd) ---- */

/* One call into the whole buffer, as the kernel's own decompressor does: it
 * needs no window buffer, so the 128 MiB window of `zstd -22 --ultra` costs
 * nothing and no window limit applies. */
static int unpack_zstd(struct unpack *u)
{
    ZSTD_DCtx *dctx = ZSTD_createDCtx();
    if (!dctx)
        return fail_no_memory(u);
    size_t n = ZSTD_decompressDCtx(dctx, u->out, u->capacity, u->in, u->in_size);
    ZSTD_freeDCtx(dctx);
    if (!ZSTD_isError(n)) {
        u->produced = n;
        return 0;
    }
    switch (ZSTD_getErrorCode(n)) {
    case ZSTD_error_dstSize_tooSmall:
        u->produced = u->capacity;
        return fail_too_long(u);
    case ZSTD_error_srcSize_wrong:
        return BAD("%s: zstd payload is truncated: the stream stops before its end", u->path);
    case ZSTD_error_memory_allocation:
        return fail_no_memory(u);
    default:
        return fail_corrupt(u, ZSTD_getErrorName(n));
    }
}

/* ---- lz4, legacy frame (liblz4) ---- */

/* A block that did not fit the room the trailer left: is it corrupt, or
 * just longer? Unpacking it again with the format's full 8 MiB tells.
 * Returns 1 if it unpacks, 0 if not, -1 without memory to try. */
static int lz4_block_unpacks(const uint8_t *src, size_t len)
{
    char *scratch = malloc(LZ4_LEGACY_BLOCK_MAX);
    if (!scratch)
        return -1;
    int n = LZ4_decompress_safe((const char *)src, scratch, (int)len, (int)LZ4_LEGACY_BLOCK_MAX);
    free(scratch);
    return n >= 0;
}

static int unpack_lz4(struct unpack *u)
{
    const size_t block_in_max = (size_t)LZ4_compressBound((int)LZ4_LEGACY_BLOCK_MAX);
    size_t pos = 4; /* past the magic */

    while (pos < u->in_size) {
        if (u->in_size - pos < 4)
            return BAD("%s: lz4 payload is truncated: %llu stray bytes at offset %llu where a "
                       "block length should be", u->path, (ull)(u->in_size - pos), (ull)pos);
        size_t len = get32(u->in + pos);
        size_t block = pos;
        pos += 4;
        if (len == LZ4_LEGACY_MAGIC)
            continue; /* another stream follows */
        if (len == 0 || len > block_in_max)
            return BAD("%s: lz4 payload is corrupt: the block at offset %llu claims %llu "
                       "compressed bytes (1 to %llu possible)", u->path, (ull)block, (ull)len,
                       (ull)block_in_max);
        if (len > u->in_size - pos)
            return BAD("%s: lz4 payload is truncated: the block at offset %llu claims %llu "
                       "bytes but %llu remain", u->path, (ull)block, (ull)len,
                       (ull)(u->in_size - pos));
        size_t room = u->capacity - u->produced;
        int limit = (int)(room < LZ4_LEGACY_BLOCK_MAX ? room : LZ4_LEGACY_BLOCK_MAX);
        int n = LZ4_decompress_safe((const char *)(u->in + pos), (char *)(u->out + u->produced),
                                    (int)len, limit);
        if (n < 0 && limit < (int)LZ4_LEGACY_BLOCK_MAX) {
            int unpacks = lz4_block_unpacks(u->in + pos, len);
            if (unpacks < 0)
                return fail_no_memory(u);
            if (unpacks) {
                u->produced = u->capacity;
                return fail_too_long(u);
            }
        }
        if (n < 0)
            return BAD("%s: lz4 payload is corrupt: the block at offset %llu is malformed or "
                       "unpacks to more than 8 MiB", u->path, (ull)block);
        u->produced += (size_t)n;
        pos += len;
    }
    return 0;
}

/* ---- the formats, by magic ---- */

static const struct payload_format {
    const char *name;
    uint8_t magic[6];
    size_t magic_len;
    int (*unpack)(struct unpack *u); /* NULL: recognised, not supported */
    bool trailer_in_stream;          /* the stream's own last 4 bytes give the size */
} formats[] = {
    { "gzip", { 0x1F, 0x8B }, 2, unpack_gzip, true },
    { "bzip2", { 'B', 'Z', 'h' }, 3, unpack_bzip2, false },
    { "xz", { 0xFD, '7', 'z', 'X', 'Z', 0x00 }, 6, unpack_xz, false },
    /* lc=3 lp=0 pb=2 and a dictionary a multiple of 64 KiB, as `lzma -9` */
    { "lzma", { 0x5D, 0x00, 0x00 }, 3, unpack_lzma, false },
    { "zstd", { 0x28, 0xB5, 0x2F, 0xFD }, 4, unpack_zstd, false },
    { "lz4", { 0x02, 0x21, 0x4C, 0x18 }, 4, unpack_lz4, false },
    { "lzo", { 0x89, 'L', 'Z', 'O' }, 4, NULL, false },
};

static const struct payload_format *find_format(const uint8_t *stream, size_t size)
{
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
        if (size >= formats[i].magic_len &&
            memcmp(stream, formats[i].magic, formats[i].magic_len) == 0)
            return &formats[i];
    return NULL;
}

int linux_payload_unpack(const char *path, const uint8_t *payload, size_t payload_size,
                         uint64_t max_size, uint8_t **out, size_t *out_size,
                         const char **method, struct wisp_error *err)
{
    struct unpack job = { .path = path ? path : "kernel", .err = err };
    struct unpack *u = &job;

    *out = NULL;
    *out_size = 0;
    if (method)
        *method = NULL;
    if (!payload || payload_size <= TRAILER_SIZE)
        return BAD("%s: compressed kernel payload is %llu bytes, too short for a stream and "
                   "its 4-byte size trailer", u->path, (ull)payload_size);
    u->in = payload;
    u->in_size = payload_size - TRAILER_SIZE;

    const struct payload_format *f = find_format(u->in, u->in_size);
    if (!f) {
        char hex[6 * 3] = "";
        size_t shown = u->in_size < 6 ? u->in_size : 6;
        for (size_t i = 0; i < shown; i++)
            snprintf(hex + 3 * i, sizeof hex - 3 * i, i + 1 < shown ? "%02x " : "%02x", u->in[i]);
        return BAD("%s: compressed kernel payload has an unknown format: it starts with %s "
                   "(gzip, bzip2, lzma, xz, lz4 and zstd are known)", u->path, hex);
    }
    u->method = f->name;
    if (method)
        *method = f->name;
    if (!f->unpack)
        return BAD("%s: %s payloads are not supported; rebuild with another CONFIG_KERNEL_*",
                   u->path, f->name);

    uint32_t trailer = get32(payload + u->in_size);
    if (f->trailer_in_stream)
        u->in_size = payload_size;
    if (trailer == 0)
        return BAD("%s: %s payload's size trailer says it unpacks to 0 bytes", u->path,
                   f->name);
    if (trailer > max_size)
        return BAD("%s: %s payload's size trailer says it unpacks to %llu bytes, more than the "
                   "%llu bytes of guest memory", u->path, f->name, (ull)trailer, (ull)max_size);
#if SIZE_MAX <= UINT32_MAX /* a 32-bit host cannot add the spare byte to every size */
    if (trailer == SIZE_MAX)
        return BAD("%s: %s payload unpacks to %llu bytes, too many for this host", u->path,
                   f->name, (ull)trailer);
#endif

    u->expected = trailer;
    u->capacity = u->expected + 1;
    u->out = malloc(u->capacity);
    if (!u->out)
        return wisp_fail(err, WISP_EXIT_HOST_ERROR, "%s: no memory for the %llu-byte "
                         "uncompressed kernel", u->path, (ull)u->expected);
    int rc = f->unpack(u);
    if (rc == 0 && u->produced > u->expected)
        rc = fail_too_long(u);
    else if (rc == 0 && u->produced != u->expected)
        rc = BAD("%s: %s payload unpacks to %llu bytes but its trailer says %llu", u->path,
                 f->name, (ull)u->produced, (ull)u->expected);
    if (rc != 0) {
        free(u->out);
        return -1;
    }
    *out = u->out;
    *out_size = u->expected;
    return 0;
}
