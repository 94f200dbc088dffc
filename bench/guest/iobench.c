/*
 * iobench: the guest side of bench/virtio_bench.py, a static Linux program
 * in the benchmark's root image. Prints one "RESULT <name> <value> <unit>"
 * line per measurement, timed with CLOCK_MONOTONIC inside the guest.
 *
 *   iobench seqread DEVICE MIB      O_DIRECT reads of 1 MiB from the start
 *   iobench seqwrite DEVICE MIB     O_DIRECT writes of 1 MiB, then fdatasync
 *   iobench randread DEVICE SECONDS O_DIRECT 4 KiB reads at random 4 KiB
 *                                   offsets, one at a time (queue depth 1)
 *   iobench tcpsend ADDR PORT MIB   one TCP connection, MIB MiB sent, then
 *                                   waits for the other side to close
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MIB (1024 * 1024)

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *aligned(size_t size)
{
    void *p;
    if (posix_memalign(&p, 4096, size) != 0) {
        perror("iobench: memory");
        exit(1);
    }
    memset(p, 0x5A, size);
    return p;
}

static int open_device(const char *path, int flags)
{
    int fd = open(path, flags | O_DIRECT);
    if (fd < 0) {
        perror(path);
        exit(1);
    }
    return fd;
}

static int sequential(const char *dev, long mib, int write)
{
    int fd = open_device(dev, write ? O_WRONLY : O_RDONLY);
    char *buf = aligned(MIB);
    double start = now();
    for (long i = 0; i < mib; i++) {
        ssize_t n = write ? pwrite(fd, buf, MIB, (off_t)i * MIB) : pread(fd, buf, MIB, (off_t)i * MIB);
        if (n != MIB) {
            perror(write ? "iobench: write" : "iobench: read");
            return 1;
        }
    }
    if (write && fdatasync(fd) < 0) {
        perror("iobench: fdatasync");
        return 1;
    }
    double t = now() - start;
    printf("RESULT %s %.1f MB/s\n", write ? "seqwrite" : "seqread", (double)mib * MIB / 1e6 / t);
    return 0;
}

static int random_reads(const char *dev, double seconds)
{
    int fd = open_device(dev, O_RDONLY);
    uint64_t size;
    if (ioctl(fd, BLKGETSIZE64, &size) < 0 || size < 4096) {
        perror("iobench: size");
        return 1;
    }
    char *buf = aligned(4096);
    uint64_t blocks = size / 4096, x = 88172645463325252ull;
    long ops = 0;
    double start = now(), t;
    do {
        for (int i = 0; i < 64; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift */
            if (pread(fd, buf, 4096, (off_t)((x % blocks) * 4096)) != 4096) {
                perror("iobench: read");
                return 1;
            }
        }
        ops += 64;
        t = now() - start;
    } while (t < seconds);
    printf("RESULT randread4k %.0f IOPS\n", (double)ops / t);
    return 0;
}

static int tcp_send(const char *addr, int port, long mib)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    inet_pton(AF_INET, addr, &sa.sin_addr);
    if (connect(s, (struct sockaddr *)&sa, sizeof sa) < 0) {
        perror("iobench: connect");
        return 1;
    }
    char *buf = aligned(64 * 1024);
    long total = mib * MIB, sent = 0;
    double start = now();
    while (sent < total) {
        ssize_t n = write(s, buf, total - sent < 65536 ? (size_t)(total - sent) : 65536);
        if (n <= 0) {
            perror("iobench: send");
            return 1;
        }
        sent += n;
    }
    shutdown(s, SHUT_WR);
    char c;
    while (read(s, &c, 1) > 0) /* the sink closes after counting it all */
        ;
    double t = now() - start;
    printf("RESULT tcpsend %.1f MB/s\n", (double)total / 1e6 / t);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "seqread") == 0)
        return sequential(argv[2], atol(argv[3]), 0);
    if (argc == 4 && strcmp(argv[1], "seqwrite") == 0)
        return sequential(argv[2], atol(argv[3]), 1);
    if (argc == 4 && strcmp(argv[1], "randread") == 0)
        return random_reads(argv[2], atof(argv[3]));
    if (argc == 5 && strcmp(argv[1], "tcpsend") == 0)
        return tcp_send(argv[2], atoi(argv[3]), atol(argv[4]));
    fprintf(stderr, "usage: iobench seqread|seqwrite DEV MIB | randread DEV SECONDS | "
                    "tcpsend ADDR PORT MIB\n");
    return 2;
}
