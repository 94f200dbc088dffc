#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host/screenshot.h"

struct fixture {
    char dir[64];
    char path[128];
    uint8_t *pixels;
    struct framebuffer_view fb;
};

/* A w x h test image with padding at the end of each row and a distinct
 * colour per pixel; the padding and X bytes hold junk that must not leak. */
static void make_image(struct fixture *f, uint32_t w, uint32_t h, uint32_t pad)
{
    uint32_t stride = w * 4 + pad;
    free(f->pixels);
    f->pixels = malloc((size_t)stride * h);
    assert_non_null(f->pixels);
    memset(f->pixels, 0xEE, (size_t)stride * h);
    for (uint32_t y = 0; y < h; y++) {
        for (uint32_t x = 0; x < w; x++) {
            uint8_t *p = f->pixels + (size_t)y * stride + 4 * x;
            p[0] = (uint8_t)(x * 31 + 1);       /* blue */
            p[1] = (uint8_t)(y * 47 + 2);       /* green */
            p[2] = (uint8_t)(x * 13 + y * 7);   /* red */
            p[3] = 0x77;                        /* ignored */
        }
    }
    f->fb = (struct framebuffer_view){ f->pixels, w, h, stride };
}

static const uint8_t *pixel(const struct fixture *f, uint32_t x, uint32_t y)
{
    return f->fb.pixels + (size_t)y * f->fb.stride + 4 * x;
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/wisp-test-screenshot-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    DIR *d = opendir(f->dir);
    if (d) {
        struct dirent *e;
        char p[512];
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            snprintf(p, sizeof p, "%s/%s", f->dir, e->d_name);
            chmod(p, 0700);
            rmdir(p);
            unlink(p);
        }
        closedir(d);
    }
    rmdir(f->dir);
    free(f->pixels);
    free(f);
    return 0;
}

static const char *in_dir(struct fixture *f, const char *name)
{
    snprintf(f->path, sizeof f->path, "%s/%s", f->dir, name);
    return f->path;
}

/* Number of directory entries other than . and .. */
static int dir_entries(const struct fixture *f)
{
    DIR *d = opendir(f->dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    closedir(d);
    return n;
}

static uint8_t *read_whole(const char *path, size_t *len)
{
    FILE *file = fopen(path, "rb");
    assert_non_null(file);
    assert_int_equal(fseek(file, 0, SEEK_END), 0);
    long size = ftell(file);
    assert_true(size >= 0);
    rewind(file);
    uint8_t *buf = malloc((size_t)size + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)size, file), (size_t)size);
    fclose(file);
    *len = (size_t)size;
    return buf;
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static void check_png(struct fixture *f, const char *path)
{
    png_image image;
    memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    assert_true(png_image_begin_read_from_file(&image, path));
    assert_int_equal(image.width, f->fb.width);
    assert_int_equal(image.height, f->fb.height);
    assert_int_equal(image.format, PNG_FORMAT_RGB); /* 8-bit RGB, no alpha */
    image.format = PNG_FORMAT_RGB;
    uint8_t *rgb = malloc(PNG_IMAGE_SIZE(image));
    assert_non_null(rgb);
    assert_true(png_image_finish_read(&image, NULL, rgb, 0, NULL));
    for (uint32_t y = 0; y < f->fb.height; y++) {
        for (uint32_t x = 0; x < f->fb.width; x++) {
            const uint8_t *want = pixel(f, x, y);
            const uint8_t *got = rgb + 3 * ((size_t)y * f->fb.width + x);
            assert_int_equal(got[0], want[2]);
            assert_int_equal(got[1], want[1]);
            assert_int_equal(got[2], want[0]);
        }
    }
    free(rgb);
    png_image_free(&image);
}

static void test_png_round_trip(void **state)
{
    struct fixture *f = *state;
    struct wisp_error err = { 0 };
    make_image(f, 7, 5, 12);
    const char *path = in_dir(f, "shot.png");
    assert_int_equal(screenshot_save(path, &f->fb, &err), 0);
    assert_int_equal(err.status, 0);
    check_png(f, path);
    assert_int_equal(dir_entries(f), 1); /* no temporary left behind */

    /* Case-insensitive extension, and replacing an existing file. */
    make_image(f, 3, 9, 0);
    path = in_dir(f, "SHOT.PnG");
    assert_int_equal(screenshot_save(path, &f->fb, &err), 0);
    make_image(f, 4, 2, 4);
    assert_int_equal(screenshot_save(path, &f->fb, &err), 0);
    check_png(f, path);
    assert_int_equal(dir_entries(f), 2);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_true(st.st_mode & S_IRUSR);
}

static void test_bmp_round_trip(void **state)
{
    struct fixture *f = *state;
    struct wisp_error err = { 0 };
    make_image(f, 5, 3, 8); /* 15-byte rows padded to 16 */
    const char *path = in_dir(f, "shot.BMP");
    assert_int_equal(screenshot_save(path, &f->fb, &err), 0);
    assert_int_equal(dir_entries(f), 1);

    size_t len;
    uint8_t *b = read_whole(path, &len);
    const uint32_t row = 16;
    assert_int_equal(len, 54 + row * 3);
    assert_memory_equal(b, "BM", 2);
    assert_int_equal(le32(b + 2), len);
    assert_int_equal(le32(b + 10), 54);
    assert_int_equal(le32(b + 14), 40);     /* BITMAPINFOHEADER */
    assert_int_equal(le32(b + 18), 5);      /* width */
    assert_int_equal(le32(b + 22), 3);      /* height > 0: bottom-up */
    assert_int_equal(le16(b + 26), 1);      /* planes */
    assert_int_equal(le16(b + 28), 24);     /* bits per pixel */
    assert_int_equal(le32(b + 30), 0);      /* BI_RGB */
    assert_int_equal(le32(b + 34), row * 3);
    for (uint32_t y = 0; y < 3; y++) {
        const uint8_t *r = b + 54 + (size_t)(2 - y) * row;
        for (uint32_t x = 0; x < 5; x++) {
            const uint8_t *want = pixel(f, x, y);
            assert_int_equal(r[3 * x + 0], want[0]);
            assert_int_equal(r[3 * x + 1], want[1]);
            assert_int_equal(r[3 * x + 2], want[2]);
        }
        assert_int_equal(r[15], 0); /* padding */
    }
    free(b);
}

static void test_bad_extension(void **state)
{
    struct fixture *f = *state;
    make_image(f, 2, 2, 0);
    const char *names[] = { "shot.jpg", "shot", "shot.png.txt", ".png", "dir.png/shot" };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        struct wisp_error err = { 0 };
        const char *path = in_dir(f, names[i]);
        assert_int_equal(screenshot_save(path, &f->fb, &err), -1);
        assert_int_equal(err.status, WISP_EXIT_USAGE);
        assert_non_null(strstr(err.message, path));
        assert_non_null(strstr(err.message, ".png"));
        assert_non_null(strstr(err.message, ".bmp"));
        assert_null(strchr(err.message, '\n'));
    }
    assert_int_equal(dir_entries(f), 0);
}

static void test_unwritable_directory(void **state)
{
    struct fixture *f = *state;
    make_image(f, 2, 2, 0);
    struct wisp_error err = { 0 };
    const char *path = in_dir(f, "missing/shot.png");
    assert_int_equal(screenshot_save(path, &f->fb, &err), -1);
    assert_int_equal(err.status, WISP_EXIT_HOST_ERROR);
    assert_non_null(strstr(err.message, path));
    assert_non_null(strstr(err.message, "No such file or directory"));

    /* A directory without write permission (root ignores the mode). */
    if (geteuid() != 0) {
        const char *ro = in_dir(f, "ro");
        assert_int_equal(mkdir(ro, 0500), 0);
        memset(&err, 0, sizeof err);
        path = in_dir(f, "ro/shot.bmp");
        assert_int_equal(screenshot_save(path, &f->fb, &err), -1);
        assert_int_equal(err.status, WISP_EXIT_HOST_ERROR);
        assert_non_null(strstr(err.message, path));
        assert_non_null(strstr(err.message, "Permission denied"));
    }

    /* The target is a directory: the rename fails, the temporary goes. */
    memset(&err, 0, sizeof err);
    path = in_dir(f, "isdir.png");
    assert_int_equal(mkdir(path, 0700), 0);
    int before = dir_entries(f);
    assert_int_equal(screenshot_save(path, &f->fb, &err), -1);
    assert_int_equal(err.status, WISP_EXIT_HOST_ERROR);
    assert_non_null(strstr(err.message, path));
    assert_int_equal(dir_entries(f), before);
}

/* Issue 15: what --screenshot names is checked before the guest runs. */
static void test_check_path_before_the_run(void **state)
{
    struct fixture *f = *state;
    struct wisp_error err = { 0 };
    assert_int_equal(screenshot_check_path(in_dir(f, "shot.png"), true, &err), 0);
    assert_int_equal(screenshot_check_path(in_dir(f, "shot.BMP"), true, &err), 0);
    assert_int_equal(screenshot_check_path("bare.png", true, &err), 0); /* "." */

    const char *bad[] = { "shot.jpg", "missing/shot.png", "file.txt/shot.png" };
    FILE *plain = fopen(in_dir(f, "file.txt"), "w");
    assert_non_null(plain);
    fclose(plain);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(&err, 0, sizeof err);
        const char *path = in_dir(f, bad[i]);
        assert_int_equal(screenshot_check_path(path, true, &err), -1);
        assert_int_equal(err.status, WISP_EXIT_USAGE);
        assert_non_null(strstr(err.message, "--screenshot"));
        assert_non_null(strstr(err.message, path));
        assert_null(strchr(err.message, '\n'));
    }
    /* Without the directory check (--chroot) only the format counts. */
    memset(&err, 0, sizeof err);
    assert_int_equal(screenshot_check_path(in_dir(f, "missing/shot.png"), false, &err), 0);
    assert_int_equal(screenshot_check_path("shot.jpg", false, &err), -1);
    assert_int_equal(err.status, WISP_EXIT_USAGE);
    unlink(in_dir(f, "file.txt"));
    assert_int_equal(dir_entries(f), 0);
}

/* A write that fails halfway (file size limit) reports errno and leaves
 * neither the target nor the temporary behind. */
static void test_write_failure(void **state)
{
    struct fixture *f = *state;
    make_image(f, 64, 64, 0);
    uint32_t seed = 1;
    for (size_t i = 0; i < (size_t)f->fb.stride * f->fb.height; i++) {
        seed = seed * 1103515245u + 12345u;
        f->pixels[i] = (uint8_t)(seed >> 16); /* noise: does not compress */
    }
    struct rlimit old;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    struct rlimit small = { 1000, old.rlim_max };
    void (*old_handler)(int) = signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
    const char *names[] = { "big.png", "big.bmp" };
    struct wisp_error err[2] = { { 0 }, { 0 } };
    int rc[2];
    for (int i = 0; i < 2; i++)
        rc[i] = screenshot_save(in_dir(f, names[i]), &f->fb, &err[i]);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, old_handler);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(rc[i], -1);
        assert_int_equal(err[i].status, WISP_EXIT_HOST_ERROR);
        assert_non_null(strstr(err[i].message, names[i]));
        assert_non_null(strstr(err[i].message, "File too large"));
    }
    assert_int_equal(dir_entries(f), 0);
}

static void test_bad_geometry(void **state)
{
    struct fixture *f = *state;
    make_image(f, 4, 4, 0);
    const char *path = in_dir(f, "shot.png");
    struct {
        struct framebuffer_view fb;
        const char *needle;
    } cases[] = {
        { { NULL, 4, 4, 16 }, "no pixels" },
        { { f->pixels, 0, 4, 16 }, "empty" },
        { { f->pixels, 4, 0, 16 }, "empty" },
        { { f->pixels, 4, 4, 15 }, "stride" },
        { { f->pixels, 0x40000000, 1, 0 }, "limit" },
        { { f->pixels, 1, SCREENSHOT_MAX_DIMENSION + 1, 4 }, "limit" },
        { { f->pixels, UINT32_MAX, 1, UINT32_MAX }, "limit" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct wisp_error err = { 0 };
        assert_int_equal(screenshot_save(path, &cases[i].fb, &err), -1);
        assert_int_equal(err.status, WISP_EXIT_HOST_ERROR);
        assert_non_null(strstr(err.message, path));
        assert_non_null(strstr(err.message, cases[i].needle));
        memset(&err, 0, sizeof err);
        assert_int_equal(screenshot_check_geometry(&cases[i].fb, &err), -1);
        assert_non_null(strstr(err.message, cases[i].needle));
    }
    struct wisp_error err = { 0 };
    assert_int_equal(screenshot_save(path, NULL, &err), -1);
    assert_int_equal(dir_entries(f), 0);

    /* Valid geometry whose BMP would pass 4 GiB: refused before any pixel
     * is read (the pointer is never dereferenced). */
    struct framebuffer_view huge = { f->pixels, 1000000, 1000000, 4000000 };
    memset(&err, 0, sizeof err);
    assert_int_equal(screenshot_check_geometry(&huge, &err), 0);
    path = in_dir(f, "huge.bmp");
    assert_int_equal(screenshot_save(path, &huge, &err), -1);
    assert_non_null(strstr(err.message, "too large for a BMP"));
    assert_int_equal(dir_entries(f), 0);
}

static char *ascii_of(const struct framebuffer_view *fb, unsigned columns)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    assert_non_null(out);
    screenshot_ascii(out, fb, columns);
    fclose(out);
    return text;
}

static void fill(uint8_t *pixels, uint32_t w, uint32_t h, uint32_t stride,
                 uint8_t left, uint8_t right)
{
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++)
            memset(pixels + (size_t)y * stride + 4 * x, x < w / 2 ? left : right, 4);
}

static void test_ascii_half_and_half(void **state)
{
    struct fixture *f = *state;
    make_image(f, 40, 20, 8);
    fill(f->pixels, 40, 20, f->fb.stride, 0x00, 0xFF);
    char *text = ascii_of(&f->fb, 20);
    /* 40x20 pixels at 20 columns: 2 pixels per column, 4 per row. */
    const char *line = "          @@@@@@@@@@\n";
    char want[5 * 21 + 1] = "";
    for (int i = 0; i < 5; i++)
        strcat(want, line);
    assert_string_equal(text, want);
    free(text);

    /* White on the left now; more columns than pixels are clamped. */
    make_image(f, 4, 2, 0);
    fill(f->pixels, 4, 2, f->fb.stride, 0xFF, 0x00);
    text = ascii_of(&f->fb, 80);
    assert_string_equal(text, "@@  \n");
    free(text);

    /* Mid grey lands mid-ramp; zero columns print nothing. */
    memset(f->pixels, 0x80, (size_t)f->fb.stride * f->fb.height);
    text = ascii_of(&f->fb, 2);
    assert_int_equal(strlen(text), 3);
    assert_non_null(strchr("=+", text[0]));
    free(text);
    text = ascii_of(&f->fb, 0);
    assert_string_equal(text, "");
    free(text);
}

static void test_ascii_aspect(void **state)
{
    struct fixture *f = *state;
    make_image(f, 1024, 768, 0);
    char *text = ascii_of(&f->fb, 80);
    int lines = 0;
    for (char *p = text; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, 30); /* 768 / 1024 * 80 / 2 */
    assert_int_equal(strlen(text), 30 * 81);
    free(text);

    /* Invalid views print nothing. */
    struct framebuffer_view bad = { f->pixels, 1024, 768, 100 };
    text = ascii_of(&bad, 80);
    assert_string_equal(text, "");
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_png_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bmp_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_extension, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unwritable_directory, setup, teardown),
        cmocka_unit_test_setup_teardown(test_check_path_before_the_run, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_failure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_geometry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ascii_half_and_half, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ascii_aspect, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
