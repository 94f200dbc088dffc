/*
 * Screenshots in a build without libpng (Windows builds: Debian has no
 * libpng for mingw-w64). screenshot.c is compiled here with
 * WISP_HAVE_LIBPNG=0: .png must fail with a clear message and leave no
 * file behind, .bmp must work as usual.
 */
#define WISP_HAVE_LIBPNG 0
#include "host/screenshot.c"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <sys/stat.h>

static uint8_t pixels[4 * 4 * 4];
static const struct framebuffer_view fb = { pixels, 4, 4, 16 };

static char dir[] = "/tmp/wisp-bmp-only-XXXXXX";

static int make_dir(void **state)
{
    (void)state;
    return mkdtemp(dir) ? 0 : -1;
}

static int remove_dir(void **state)
{
    (void)state;
    return rmdir(dir);
}

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static bool dir_is_empty(void)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    int entries = 0;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            entries++;
    closedir(d);
    return entries == 0;
}

static void test_png_refused(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "%s/shot.PNG", dir);
    struct wisp_error err = { 0 };
    assert_int_equal(screenshot_save(path, &fb, &err), -1);
    assert_int_equal(err.status, WISP_EXIT_USAGE);
    assert_non_null(strstr(err.message, "PNG screenshots need libpng; this build has BMP only"));
    assert_non_null(strstr(err.message, path));
    assert_false(exists(path));
    assert_true(dir_is_empty()); /* no temporary file either */
}

static void test_bmp_written(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "%s/shot.bmp", dir);
    struct wisp_error err = { 0 };
    assert_int_equal(screenshot_save(path, &fb, &err), 0);
    assert_true(exists(path));
    /* and replaced in place */
    assert_int_equal(screenshot_save(path, &fb, &err), 0);
    assert_int_equal(unlink(path), 0);
}

static void test_other_names(void **state)
{
    (void)state;
    struct wisp_error err = { 0 };
    assert_int_equal(screenshot_save("shot.gif", &fb, &err), -1);
    assert_int_equal(err.status, WISP_EXIT_USAGE);
    assert_non_null(strstr(err.message, "use a .bmp file name"));
    size_t n = strlen(SCREENSHOT_DEFAULT_PATH);
    assert_true(n > 4);
    assert_string_equal(SCREENSHOT_DEFAULT_PATH + n - 4, ".bmp");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_png_refused),
        cmocka_unit_test(test_bmp_written),
        cmocka_unit_test(test_other_names),
    };
    return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
