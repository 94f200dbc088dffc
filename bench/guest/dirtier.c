/*
 * dirtier: the guest side of bench/migrate.py's Linux cases, a static Linux
 * program in the benchmark's initramfs. It keeps MIB MiB of its own memory
 * and rewrites it at RATE MiB/s, page by page, forever: every 10 ms of
 * CLOCK_MONOTONIC it writes the next RATE/100 MiB worth of pages (one word
 * each, a generation number, so no page is ever all zeros and no VMM can
 * send it as a zero page), then sleeps to the next tick.
 *
 *   dirtier MIB RATE        prints "dirtier: MIB MiB at RATE MiB/s" once
 *                           all of it is written the first time, then
 *                           "dirtier: pass N" after each pass over it
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

#define PAGE 4096u
#define TICK_NS 10000000ll

static long long now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000ll + t.tv_nsec;
}

int main(int argc, char **argv)
{
    long mib = argc == 3 ? strtol(argv[1], NULL, 10) : 0;
    long rate = argc == 3 ? strtol(argv[2], NULL, 10) : 0;
    if (mib <= 0 || mib > 4096 || rate <= 0 || rate > 100000) {
        fprintf(stderr, "usage: dirtier MIB RATE (MiB, MiB/s)\n");
        return 2;
    }
    size_t pages = (size_t)mib * (1024 * 1024 / PAGE);
    volatile uint64_t *area = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE,
                                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    if (area == MAP_FAILED) {
        perror("dirtier: mmap");
        return 1;
    }
    uint64_t gen = 1;
    for (size_t p = 0; p < pages; p++)
        area[p * (PAGE / 8)] = gen;
    printf("dirtier: %ld MiB at %ld MiB/s\n", mib, rate);
    fflush(stdout);

    /* Pages per tick, at least one. */
    size_t per_tick = (size_t)rate * (1024 * 1024 / PAGE) / (1000000000ll / TICK_NS);
    if (per_tick == 0)
        per_tick = 1;
    size_t next = 0;
    long long due = now_ns();
    for (;;) {
        for (size_t k = 0; k < per_tick; k++) {
            area[next * (PAGE / 8)] = gen;
            if (++next == pages) {
                next = 0;
                printf("dirtier: pass %llu\n", (unsigned long long)++gen);
                fflush(stdout);
            }
        }
        due += TICK_NS;
        long long wait = due - now_ns();
        if (wait > 0) {
            struct timespec t = { wait / 1000000000ll, wait % 1000000000ll };
            nanosleep(&t, NULL);
        } else {
            due = now_ns(); /* behind: no burst to catch up */
        }
    }
}
