/*
 * Snapshot restore cost against guest memory size, side by side in one run:
 * a snapshot of N MiB of guest RAM with every page non-zero (the worst
 * case: nothing skipped) is written with wisp's writer, then restored
 *   map   as wisp does: read and check the head, map the page runs from
 *         the file (private, copy-on-write) over fresh guest memory;
 *   read  as a reading restore would: pread every page into guest memory;
 * and, for honesty, what the guest pays later: touching every mapped page
 * once (page faults served from the page cache).
 *
 *   make bench-snapshot   (build/bench/snapshot_restore [DIR] [MiB...])
 *
 * The file is in the page cache (just written): disk reads are not in
 * these numbers; the map column does not read the pages at all.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "state/snapshot_file.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static uint8_t *guest_ram(size_t size)
{
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                   -1, 0);
    if (p == MAP_FAILED) {
        perror("mmap");
        exit(1);
    }
    return p;
}

static void die(const struct wisp_error *err)
{
    fprintf(stderr, "snapshot_restore: %s\n", err->message);
    exit(1);
}

static void one(const char *dir, unsigned mib)
{
    size_t size = (size_t)mib << 20;
    char path[512];
    snprintf(path, sizeof path, "%s/bench-%u.snap", dir, mib);
    uint8_t *ram = guest_ram(size);
    for (size_t i = 0; i < size; i += 4096)
        memset(ram + i, (int)(1 + (i >> 12) % 251), 64);
    struct wisp_error err = { 0 };
    struct snapshot_writer *w;
    const char config[] = "bench";
    uint64_t bytes = 0;
    double t0 = now_ms();
    if (snapshot_writer_create(path, &w, &err) < 0 ||
        snapshot_writer_add(w, SNAPSHOT_SECTION_CONFIG, config, sizeof config, &err) < 0)
        die(&err);
    struct snapshot_memory_bank bank = { 0, size, ram };
    if (snapshot_writer_finish(w, &bank, 1, &bytes, &err) < 0)
        die(&err);
    double save = now_ms() - t0;
    munmap(ram, size);

    /* map: wisp's restore */
    uint8_t *mapped = guest_ram(size);
    t0 = now_ms();
    int fd;
    struct snapshot_contents c;
    if (snapshot_read(path, &fd, &c, &err) < 0)
        die(&err);
    for (uint32_t i = 0; i < c.run_count; i++)
        if (snapshot_map_run(fd, &c.runs[i], mapped + c.runs[i].gpa, &err) < 0)
            die(&err);
    double map = now_ms() - t0;
    t0 = now_ms();
    unsigned sum = 0;
    for (size_t i = 0; i < size; i += 4096)
        sum += mapped[i];
    double touch = now_ms() - t0;

    /* read: every page copied in */
    uint8_t *read_in = guest_ram(size);
    t0 = now_ms();
    for (uint32_t i = 0; i < c.run_count; i++) {
        size_t len = (size_t)c.runs[i].pages * 4096, done = 0;
        while (done < len) {
            ssize_t got = pread(fd, read_in + c.runs[i].gpa + done, len - done,
                                (off_t)(c.runs[i].file_offset + done));
            if (got <= 0) {
                perror("pread");
                exit(1);
            }
            done += (size_t)got;
        }
    }
    double rd = now_ms() - t0;
    if (memcmp(mapped, read_in, size) != 0) {
        fprintf(stderr, "snapshot_restore: mapped and read memory differ\n");
        exit(1);
    }
    printf("%6u MiB  file %6.0f MiB  save %8.1f ms  restore: map %6.2f ms  read %8.1f ms"
           "  (touching every mapped page later: %7.1f ms)%s\n",
           mib, (double)bytes / 1048576.0, save, map, rd, touch, sum ? "" : " ");
    close(fd);
    free(c.head);
    snapshot_contents_free(&c);
    munmap(mapped, size);
    munmap(read_in, size);
    unlink(path);
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "/tmp";
    if (argc > 2) {
        for (int i = 2; i < argc; i++)
            one(dir, (unsigned)atoi(argv[i]));
    } else {
        one(dir, 64);
        one(dir, 1024);
    }
    return 0;
}
