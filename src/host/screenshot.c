#include "screenshot.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#if WISP_HAVE_LIBPNG
#include <png.h>
#include <setjmp.h>
#endif

#include "core/os.h"

enum image_format { FORMAT_NONE, FORMAT_PNG, FORMAT_BMP };

static enum image_format format_for(const char *path)
{
    const char *base = strrchr(path, '/');
#ifdef _WIN32
    const char *backslash = strrchr(path, '\\');
    if (backslash && (!base || backslash > base))
        base = backslash;
#endif
    base = base ? base + 1 : path;
    const char *dot = strrchr(base, '.');
    if (!dot || dot == base)
        return FORMAT_NONE;
    if (strcasecmp(dot, ".png") == 0)
        return FORMAT_PNG;
    if (strcasecmp(dot, ".bmp") == 0)
        return FORMAT_BMP;
    return FORMAT_NONE;
}

/* what is "screenshot <path>" or, without a path, "framebuffer". */
static int check_geometry(const struct framebuffer_view *fb, const char *path,
                          struct wisp_error *err)
{
    const char *what = path ? path : "framebuffer";
    const char *sep = path ? ": framebuffer" : "";
    if (!fb || !fb->pixels)
        return wisp_fail(err, WISP_EXIT_HOST_ERROR, "%s%s has no pixels", what, sep);
    if (fb->width == 0 || fb->height == 0)
        return wisp_fail(err, WISP_EXIT_HOST_ERROR, "%s%s is empty (%" PRIu32 "x%" PRIu32 ")",
                         what, sep, fb->width, fb->height);
    if (fb->width > SCREENSHOT_MAX_DIMENSION || fb->height > SCREENSHOT_MAX_DIMENSION)
        return wisp_fail(err, WISP_EXIT_HOST_ERROR,
                         "%s%s of %" PRIu32 "x%" PRIu32 " exceeds the %u-pixel limit", what, sep,
                         fb->width, fb->height, SCREENSHOT_MAX_DIMENSION);
    uint64_t row_bytes = (uint64_t)fb->width * 4;
    if (fb->stride < row_bytes)
        return wisp_fail(err, WISP_EXIT_HOST_ERROR,
                         "%s%s stride of %" PRIu32 " bytes is shorter than a row of %" PRIu32
                         " pixels (%" PRIu64 " bytes)",
                         what, sep, fb->stride, fb->width, row_bytes);
    /* Fits in 64 bits: at most 1e6 * 2^32 + 4e6. */
    uint64_t span = (uint64_t)(fb->height - 1) * fb->stride + row_bytes;
#if SIZE_MAX < UINT64_MAX
    if (span > SIZE_MAX)
        return wisp_fail(err, WISP_EXIT_HOST_ERROR,
                         "%s%s of %" PRIu64 " bytes does not fit in the address space", what,
                         sep, span);
#else
    (void)span;
#endif
    return 0;
}

int screenshot_check_geometry(const struct framebuffer_view *fb, struct wisp_error *err)
{
    return check_geometry(fb, NULL, err);
}

static const uint8_t *row_at(const struct framebuffer_view *fb, uint32_t y)
{
    return fb->pixels + (size_t)y * fb->stride;
}

/* ---- PNG ---- */

#if WISP_HAVE_LIBPNG

struct png_context {
    FILE *file;
    int saved_errno; /* of a failed write or flush, else 0 */
    char message[200];
};

static void png_error_cb(png_structp png, png_const_charp msg)
{
    struct png_context *ctx = png_get_error_ptr(png);
    snprintf(ctx->message, sizeof ctx->message, "%s", msg);
    png_longjmp(png, 1);
}

static void png_warning_cb(png_structp png, png_const_charp msg)
{
    (void)png;
    (void)msg;
}

static void png_write_cb(png_structp png, png_bytep data, size_t len)
{
    struct png_context *ctx = png_get_io_ptr(png);
    if (fwrite(data, 1, len, ctx->file) != len) {
        ctx->saved_errno = errno ? errno : EIO;
        png_error(png, "write failed");
    }
}

static void png_flush_cb(png_structp png)
{
    struct png_context *ctx = png_get_io_ptr(png);
    if (fflush(ctx->file) != 0) {
        ctx->saved_errno = errno ? errno : EIO;
        png_error(png, "write failed");
    }
}

static int write_png(FILE *file, const struct framebuffer_view *fb, const char *path,
                     struct wisp_error *err)
{
    struct png_context ctx = { .file = file };
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &ctx, png_error_cb,
                                              png_warning_cb);
    if (!png)
        return wisp_fail(err, WISP_EXIT_HOST_ERROR, "%s: cannot set up the PNG writer", path);
    png_infop info = png_create_info_struct(png);
    if (!info) {
        png_destroy_write_struct(&png, NULL);
        return wisp_fail(err, WISP_EXIT_HOST_ERROR, "%s: cannot set up the PNG writer", path);
    }
    /* Nothing that the error path reads is changed after setjmp. */
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        if (ctx.saved_errno) {
            errno = ctx.saved_errno;
            return wisp_fail_errno(err, WISP_EXIT_HOST_ERROR, "%s: cannot write screenshot",
                                   path);
        }
        return wisp_fail(err, WISP_EXIT_HOST_ERROR, "%s: cannot encode PNG: %s", path,
                         ctx.message);
    }
    png_set_write_fn(png, &ctx, png_write_cb, png_flush_cb);
    png_set_IHDR(png, info, fb->width, fb->height, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    /* Rows go in as they are: B,G,R,X -> R,G,B. */
    png_set_bgr(png);
    png_set_filler(png, 0, PNG_FILLER_AFTER);
    for (uint32_t y = 0; y < fb->height; y++)
        png_write_row(png, row_at(fb, y));
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    return 0;
}

#else

static int write_png(FILE *file, const struct framebuffer_view *fb, const char *path,
                     struct wisp_error *err)
{
    (void)file;
    (void)fb;
    return wisp_fail(err, WISP_EXIT_USAGE,
                     "%s: PNG screenshots need libpng; this build has BMP only", path);
}

#endif

/* ---- BMP ---- */

static void put_le16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

#define BMP_FILE_HEADER 14
#define BMP_INFO_HEADER 40

static int write_bmp(FILE *file, const struct framebuffer_view *fb, const char *path,
                     struct wisp_error *err)
{
    uint64_t row_size = ((uint64_t)fb->width * 3 + 3) & ~(uint64_t)3;
    uint64_t image_size = row_size * fb->height;
    uint64_t file_size = BMP_FILE_HEADER + BMP_INFO_HEADER + image_size;
    if (file_size > UINT32_MAX)
        return wisp_fail(err, WISP_EXIT_HOST_ERROR,
                         "%s: a %" PRIu32 "x%" PRIu32 " image is too large for a BMP file",
                         path, fb->width, fb->height);

    uint8_t header[BMP_FILE_HEADER + BMP_INFO_HEADER] = { 'B', 'M' };
    put_le32(header + 2, (uint32_t)file_size);
    put_le32(header + 10, BMP_FILE_HEADER + BMP_INFO_HEADER); /* pixel data offset */
    uint8_t *bih = header + BMP_FILE_HEADER;
    put_le32(bih + 0, BMP_INFO_HEADER);
    put_le32(bih + 4, fb->width);
    put_le32(bih + 8, fb->height); /* positive: rows stored bottom-up */
    put_le16(bih + 12, 1);         /* planes */
    put_le16(bih + 14, 24);        /* bits per pixel */
    put_le32(bih + 16, 0);         /* BI_RGB */
    put_le32(bih + 20, (uint32_t)image_size);
    put_le32(bih + 24, 2835); /* 72 dpi */
    put_le32(bih + 28, 2835);
    if (fwrite(header, 1, sizeof header, file) != sizeof header)
        return wisp_fail_errno(err, WISP_EXIT_HOST_ERROR, "%s: cannot write screenshot", path);

    uint8_t *row = calloc(1, (size_t)row_size);
    if (!row)
        return wisp_fail(err, WISP_EXIT_HOST_ERROR, "%s: out of memory for a BMP row", path);
    for (uint32_t i = 0; i < fb->height; i++) {
        const uint8_t *src = row_at(fb, fb->height - 1 - i);
        for (uint32_t x = 0; x < fb->width; x++) {
            row[3 * (size_t)x + 0] = src[4 * (size_t)x + 0];
            row[3 * (size_t)x + 1] = src[4 * (size_t)x + 1];
            row[3 * (size_t)x + 2] = src[4 * (size_t)x + 2];
        }
        if (fwrite(row, 1, (size_t)row_size, file) != row_size) {
            free(row);
            return wisp_fail_errno(err, WISP_EXIT_HOST_ERROR, "%s: cannot write screenshot",
                                   path);
        }
    }
    free(row);
    return 0;
}

/* ---- atomic file replacement ---- */

/* Creates a fresh file next to path; *tmp_out receives its malloc'd name. */
static FILE *create_temp(const char *path, char **tmp_out, struct wisp_error *err)
{
    static unsigned counter;
    size_t cap = strlen(path) + 48;
    char *tmp = malloc(cap);
    if (!tmp) {
        wisp_fail(err, WISP_EXIT_HOST_ERROR, "%s: out of memory", path);
        return NULL;
    }
    for (int attempt = 0; attempt < 100; attempt++) {
        unsigned n = counter++; /* the pid and O_EXCL make the name unique */
        snprintf(tmp, cap, "%s.tmp-%ld-%u", path, os_process_id(), n);
        int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_BINARY, 0666);
        if (fd < 0) {
            if (errno == EEXIST)
                continue;
            wisp_fail_errno(err, WISP_EXIT_HOST_ERROR,
                            "%s: cannot create screenshot file in its directory", path);
            free(tmp);
            return NULL;
        }
        FILE *file = fdopen(fd, "wb");
        if (!file) {
            wisp_fail_errno(err, WISP_EXIT_HOST_ERROR, "%s: cannot create screenshot", path);
            close(fd);
            unlink(tmp);
            free(tmp);
            return NULL;
        }
        *tmp_out = tmp;
        return file;
    }
    wisp_fail(err, WISP_EXIT_HOST_ERROR, "%s: cannot find a free temporary file name", path);
    free(tmp);
    return NULL;
}

int screenshot_check_path(const char *path, bool check_directory, struct wisp_error *err)
{
    enum image_format format = format_for(path);
    if (format == FORMAT_NONE)
        return wisp_fail(err, WISP_EXIT_USAGE,
                         "--screenshot %s: unsupported screenshot format (use a %s file name)",
                         path, WISP_HAVE_LIBPNG ? ".png or .bmp" : ".bmp");
    if (format == FORMAT_PNG && !WISP_HAVE_LIBPNG)
        return wisp_fail(err, WISP_EXIT_USAGE,
                         "--screenshot %s: this build has no PNG support; use a .bmp file name",
                         path);
    if (!check_directory)
        return 0;
    /* The directory part, "." for a bare name. */
    size_t len = strlen(path), dir_len = len;
    while (dir_len > 0 && path[dir_len - 1] != '/'
#ifdef _WIN32
           && path[dir_len - 1] != '\\' && path[dir_len - 1] != ':'
#endif
    )
        dir_len--;
    char *dir = malloc(dir_len + 2);
    if (!dir)
        return wisp_fail(err, WISP_EXIT_HOST_ERROR, "out of memory");
    if (dir_len == 0)
        strcpy(dir, ".");
    else {
        memcpy(dir, path, dir_len);
        dir[dir_len] = '\0';
    }
    struct stat st;
    int rc = 0;
    if (stat(dir, &st) != 0)
        rc = wisp_fail_errno(err, WISP_EXIT_USAGE,
                             "--screenshot %s: cannot use the directory %s", path, dir);
    else if (!S_ISDIR(st.st_mode))
        rc = wisp_fail(err, WISP_EXIT_USAGE, "--screenshot %s: %s is not a directory", path,
                       dir);
    else if (access(dir, W_OK) != 0)
        rc = wisp_fail_errno(err, WISP_EXIT_USAGE,
                             "--screenshot %s: cannot write in the directory %s", path, dir);
    free(dir);
    return rc;
}

int screenshot_save(const char *path, const struct framebuffer_view *fb, struct wisp_error *err)
{
    enum image_format format = format_for(path);
    if (format == FORMAT_NONE)
        return wisp_fail(err, WISP_EXIT_USAGE,
                         "%s: unsupported screenshot format (use a %s file name)", path,
                         WISP_HAVE_LIBPNG ? ".png or .bmp" : ".bmp");
    if (format == FORMAT_PNG && !WISP_HAVE_LIBPNG)
        return write_png(NULL, fb, path, err);
    if (check_geometry(fb, path, err) < 0)
        return -1;

    char *tmp = NULL;
    FILE *file = create_temp(path, &tmp, err);
    if (!file)
        return -1;
    int rc = format == FORMAT_PNG ? write_png(file, fb, path, err)
                                  : write_bmp(file, fb, path, err);
    if (rc == 0 && os_sync_file(file) != 0)
        rc = wisp_fail_errno(err, WISP_EXIT_HOST_ERROR, "%s: cannot write screenshot", path);
    if (fclose(file) != 0 && rc == 0)
        rc = wisp_fail_errno(err, WISP_EXIT_HOST_ERROR, "%s: cannot write screenshot", path);
    if (rc == 0 && os_replace_file(tmp, path) != 0)
        rc = wisp_fail_errno(err, WISP_EXIT_HOST_ERROR, "%s: cannot save screenshot", path);
    if (rc != 0)
        unlink(tmp);
    free(tmp);
    return rc;
}

/* ---- text preview ---- */

static const char ramp[] = " .:-=+*#%@";

void screenshot_ascii(FILE *out, const struct framebuffer_view *fb, unsigned columns)
{
    if (columns == 0 || check_geometry(fb, NULL, NULL) < 0)
        return;
    uint64_t w = fb->width, h = fb->height;
    if (columns > w)
        columns = (unsigned)w; /* at most one character per pixel */
    /* Cells are twice as tall as wide: rows = h * columns / (2 * w), rounded. */
    uint64_t rows = (h * columns + w) / (2 * w);
    if (rows == 0)
        rows = 1;

    char *line = malloc((size_t)columns + 2);
    if (!line)
        return;
    const unsigned levels = sizeof ramp - 1;
    for (uint64_t cy = 0; cy < rows; cy++) {
        uint64_t y0 = cy * h / rows, y1 = (cy + 1) * h / rows;
        for (uint64_t cx = 0; cx < columns; cx++) {
            uint64_t x0 = cx * w / columns, x1 = (cx + 1) * w / columns;
            uint64_t sum = 0;
            for (uint64_t y = y0; y < y1; y++) {
                const uint8_t *p = row_at(fb, (uint32_t)y) + 4 * x0;
                for (uint64_t x = x0; x < x1; x++, p += 4)
                    sum += (uint64_t)p[2] * 54 + (uint64_t)p[1] * 183 + (uint64_t)p[0] * 19;
            }
            uint64_t scale = (x1 - x0) * (y1 - y0) * 256;
            uint64_t luma = (sum + scale / 2) / scale; /* 0..255 */
            line[cx] = ramp[(luma * (levels - 1) + 127) / 255];
        }
        line[columns] = '\n';
        line[columns + 1] = '\0';
        fputs(line, out);
    }
    free(line);
}
