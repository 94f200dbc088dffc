/*
 * The snapshot file on POSIX hosts (snapshot_file.h): the parser, reading
 * the head, mapping page runs, and the writer. CRC-32 is zlib's.
 */
#include "snapshot_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "core/little_endian.h"
#include "core/os.h"

const char *snapshot_section_name(uint32_t type)
{
    switch (type) {
    case SNAPSHOT_SECTION_CONFIG: return "machine configuration";
    case SNAPSHOT_SECTION_CPUID: return "CPUID";
    case SNAPSHOT_SECTION_ACCEL_VM: return "accelerator state";
    case SNAPSHOT_SECTION_VCPU: return "vCPU";
    case SNAPSHOT_SECTION_DEVICES: return "devices";
    case SNAPSHOT_SECTION_MEMORY: return "memory index";
    case SNAPSHOT_SECTION_HYPERV: return "Hyper-V enlightenments";
    default: return "unknown";
    }
}

static uint32_t crc_more(uLong c, const uint8_t *p, size_t n)
{
    while (n > 0) { /* zlib's length is a uInt */
        uInt chunk = n > (1u << 30) ? (1u << 30) : (uInt)n;
        c = crc32(c, p, chunk);
        p += chunk;
        n -= chunk;
    }
    return (uint32_t)c;
}

static uint32_t crc(const uint8_t *p, size_t n)
{
    return crc_more(crc32(0L, Z_NULL, 0), p, n);
}

/* A section's checksum: its type and length (the header without the
 * checksum field), then its payload. */
static uint32_t section_crc(const uint8_t *header, const uint8_t *payload, size_t n)
{
    uint8_t typelen[12];
    memcpy(typelen, header, 4);
    memcpy(typelen + 4, header + 8, 8);
    return crc_more(crc(typelen, sizeof typelen), payload, n);
}

static uint64_t page_align(uint64_t x)
{
    return (x + SNAPSHOT_PAGE_SIZE - 1) & ~(uint64_t)(SNAPSHOT_PAGE_SIZE - 1);
}

#define BAD(...) wisp_fail(err, WISP_EXIT_BAD_KERNEL, __VA_ARGS__)

static int parse_header(const uint8_t *head, size_t head_len, uint64_t file_size,
                        struct snapshot_contents *out, uint64_t *head_size, uint32_t *sections,
                        struct wisp_error *err)
{
    if (file_size < SNAPSHOT_HEADER_SIZE || head_len < SNAPSHOT_HEADER_SIZE)
        return BAD("truncated: %llu bytes, not even a snapshot header",
                   (unsigned long long)file_size);
    if (memcmp(head, SNAPSHOT_MAGIC, 8) != 0)
        return BAD("not a wisp snapshot (no WISPSNAP magic)");
    out->version = get32(head + 8);
    if (out->version > SNAPSHOT_VERSION)
        return BAD("snapshot format version %u is newer than this wisp's (%u)", out->version,
                   SNAPSHOT_VERSION);
    if (out->version == 0)
        return BAD("snapshot format version 0 does not exist");
    uint8_t copy[SNAPSHOT_HEADER_SIZE];
    memcpy(copy, head, sizeof copy);
    put32(copy + 40, 0);
    if (crc(copy, sizeof copy) != get32(head + 40))
        return BAD("corrupted: the header's checksum does not match");
    if (get32(head + 12) != SNAPSHOT_HEADER_SIZE || get32(head + 36) != 0)
        return BAD("a header of another layout (size %u, flags 0x%x)", get32(head + 12),
                   get32(head + 36));
    *head_size = get64(head + 16);
    uint64_t expected = get64(head + 24);
    *sections = get32(head + 32);
    if (file_size < expected)
        return BAD("truncated: %llu bytes, the header says %llu", (unsigned long long)file_size,
                   (unsigned long long)expected);
    if (file_size > expected)
        return BAD("%llu bytes, but the header says %llu: the sizes don't add up",
                   (unsigned long long)file_size, (unsigned long long)expected);
    if (*head_size < SNAPSHOT_HEADER_SIZE || *head_size > SNAPSHOT_MAX_HEAD ||
        *head_size > file_size)
        return BAD("the header's head size %llu does not fit the file",
                   (unsigned long long)*head_size);
    if (*sections == 0 || *sections > SNAPSHOT_MAX_SECTIONS)
        return BAD("%u sections (1..%u allowed)", *sections, SNAPSHOT_MAX_SECTIONS);
    return 0;
}

static int parse_memory_index(const struct snapshot_section *s, uint64_t head_size,
                              uint64_t file_size, struct snapshot_contents *out,
                              struct wisp_error *err)
{
    if (s->size < 16)
        return BAD("the memory index is cut short");
    uint32_t count = get32(s->data);
    uint64_t data_offset = get64(s->data + 8);
    if (get32(s->data + 4) != 0 || count > SNAPSHOT_MAX_RUNS ||
        (uint64_t)count * SNAPSHOT_RUN_SIZE != s->size - 16)
        return BAD("the memory index's size does not match its %u runs", count);
    if (data_offset != page_align(head_size))
        return BAD("the pages start at %llu, not at the first page boundary after the "
                   "sections", (unsigned long long)data_offset);
    out->runs = count ? calloc(count, sizeof *out->runs) : NULL;
    if (count && !out->runs)
        return wisp_fail(err, WISP_EXIT_HOST_ERROR, "out of memory");
    out->run_count = count;
    uint64_t at = data_offset, next_gpa = 0;
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *r = s->data + 16 + (size_t)i * SNAPSHOT_RUN_SIZE;
        struct snapshot_run run = { get64(r), get64(r + 8), get64(r + 16) };
        if (run.pages == 0 || run.gpa % SNAPSHOT_PAGE_SIZE || run.gpa < next_gpa ||
            run.pages > (UINT64_MAX - run.gpa) / SNAPSHOT_PAGE_SIZE)
            return BAD("memory run %u (at 0x%llx, %llu pages) is out of order or malformed", i,
                       (unsigned long long)run.gpa, (unsigned long long)run.pages);
        if (run.file_offset != at || run.pages > (file_size - at) / SNAPSHOT_PAGE_SIZE)
            return BAD("memory run %u does not fit the file (at %llu, expected %llu, file "
                       "%llu bytes): the sizes don't add up", i,
                       (unsigned long long)run.file_offset, (unsigned long long)at,
                       (unsigned long long)file_size);
        at += run.pages * SNAPSHOT_PAGE_SIZE;
        next_gpa = run.gpa + run.pages * SNAPSHOT_PAGE_SIZE;
        out->runs[i] = run;
    }
    uint64_t end = count ? at : data_offset;
    if (end != file_size && !(count == 0 && file_size == head_size))
        return BAD("the pages end at %llu but the file has %llu bytes: the sizes don't add up",
                   (unsigned long long)end, (unsigned long long)file_size);
    return 0;
}

int snapshot_parse(const uint8_t *head, size_t head_len, uint64_t file_size,
                   struct snapshot_contents *out, struct wisp_error *err)
{
    memset(out, 0, sizeof *out);
    uint64_t head_size;
    uint32_t sections;
    if (parse_header(head, head_len, file_size, out, &head_size, &sections, err) < 0)
        return -1;
    if (head_len < head_size)
        return BAD("truncated: the sections end at %llu, %zu bytes read",
                   (unsigned long long)head_size, head_len);
    out->head = (uint8_t *)head;
    out->head_size = (size_t)head_size;
    out->file_size = file_size;
    size_t at = SNAPSHOT_HEADER_SIZE;
    for (uint32_t i = 0; i < sections; i++) {
        if (head_size - at < SNAPSHOT_SECTION_HEADER_SIZE)
            return BAD("section %u of %u is cut short", i + 1, sections);
        uint32_t type = get32(head + at), sum = get32(head + at + 4);
        uint64_t len = get64(head + at + 8);
        at += SNAPSHOT_SECTION_HEADER_SIZE;
        if (len > head_size - at)
            return BAD("section %u (%s) is cut short: %llu bytes, %llu left", i + 1,
                       snapshot_section_name(type), (unsigned long long)len,
                       (unsigned long long)(head_size - at));
        if (type < SNAPSHOT_SECTION_CONFIG || type > SNAPSHOT_SECTION_LAST)
            return BAD("section %u has an unknown type %u", i + 1, type);
        if (section_crc(head + at - SNAPSHOT_SECTION_HEADER_SIZE, head + at, (size_t)len) != sum)
            return BAD("corrupted: section %u (%s) fails its checksum", i + 1,
                       snapshot_section_name(type));
        if ((type == SNAPSHOT_SECTION_MEMORY) != (i + 1 == sections))
            return BAD("the memory index must be the last section, and only that");
        out->sections[i] = (struct snapshot_section){ type, head + at, (size_t)len };
        at += (size_t)len;
    }
    out->section_count = sections;
    if (at != head_size)
        return BAD("the sections end at %zu, the header says %llu", at,
                   (unsigned long long)head_size);
    if (parse_memory_index(&out->sections[sections - 1], head_size, file_size, out, err) < 0) {
        free(out->runs);
        out->runs = NULL;
        return -1;
    }
    return 0;
}

const struct snapshot_section *snapshot_find(const struct snapshot_contents *c, uint32_t type,
                                             unsigned *index)
{
    for (unsigned i = index ? *index : 0; i < c->section_count; i++)
        if (c->sections[i].type == type) {
            if (index)
                *index = i + 1;
            return &c->sections[i];
        }
    return NULL;
}

void snapshot_contents_free(struct snapshot_contents *c)
{
    free(c->runs);
    c->runs = NULL;
}

static int read_all(int fd, uint8_t *buf, size_t n, uint64_t offset)
{
    size_t done = 0;
    while (done < n) {
        ssize_t got = pread(fd, buf + done, n - done, (off_t)(offset + done));
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return -1;
        done += (size_t)got;
    }
    return 0;
}

int snapshot_read(const char *path, int *fd_out, struct snapshot_contents *out,
                  struct wisp_error *err)
{
    memset(out, 0, sizeof *out);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return wisp_fail_errno(err, WISP_EXIT_BAD_KERNEL, "%s: cannot open the snapshot", path);
    struct stat st;
    uint8_t header[SNAPSHOT_HEADER_SIZE];
    uint64_t size = 0;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return wisp_fail(err, WISP_EXIT_BAD_KERNEL, "%s: not a regular file", path);
    }
    size = (uint64_t)st.st_size;
    size_t want = size < SNAPSHOT_HEADER_SIZE ? (size_t)size : SNAPSHOT_HEADER_SIZE;
    memset(header, 0, sizeof header);
    uint8_t *head = NULL;
    size_t head_len = want;
    struct wisp_error inner = { 0 };
    int rc = read_all(fd, header, want, 0);
    if (rc == 0) {
        /* The header first: it says how much more to read. */
        uint64_t head_size = SNAPSHOT_HEADER_SIZE;
        uint32_t sections;
        struct snapshot_contents probe = { 0 };
        rc = parse_header(header, want, size, &probe, &head_size, &sections, &inner);
        if (rc == 0) {
            head = malloc((size_t)head_size);
            head_len = (size_t)head_size;
            rc = head && read_all(fd, head, head_len, 0) == 0 ? 0 : -1;
            if (rc < 0)
                wisp_fail_errno(&inner, WISP_EXIT_BAD_KERNEL, "cannot read the sections");
            else
                rc = snapshot_parse(head, head_len, size, out, &inner);
        }
    } else {
        wisp_fail_errno(&inner, WISP_EXIT_BAD_KERNEL, "cannot read the header");
    }
    if (rc < 0) {
        free(head);
        close(fd);
        memset(out, 0, sizeof *out);
        return wisp_fail(err, inner.status ? inner.status : WISP_EXIT_BAD_KERNEL, "%s: %s", path,
                         inner.message);
    }
    out->head = head;
    *fd_out = fd;
    return 0;
}

int snapshot_map_run(int fd, const struct snapshot_run *run, void *host, struct wisp_error *err)
{
    size_t len = (size_t)(run->pages * SNAPSHOT_PAGE_SIZE);
    void *at = mmap(host, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED | MAP_NORESERVE,
                    fd, (off_t)run->file_offset);
    if (at == MAP_FAILED)
        return wisp_fail_errno(err, WISP_EXIT_HOST_ERROR, "cannot map guest memory at 0x%llx "
                               "from the snapshot", (unsigned long long)run->gpa);
    return 0;
}

/* ---- writing ---- */

struct snapshot_writer {
    char *path, *tmp;
    int fd;
    uint8_t *head;        /* header + sections so far */
    size_t head_size, head_cap;
    uint32_t sections;
};

static int append(struct snapshot_writer *w, const void *p, size_t n)
{
    if (n > w->head_cap - w->head_size) {
        size_t cap = w->head_cap ? w->head_cap : 65536;
        while (cap - w->head_size < n)
            cap *= 2;
        uint8_t *grown = realloc(w->head, cap);
        if (!grown)
            return -1;
        w->head = grown;
        w->head_cap = cap;
    }
    memcpy(w->head + w->head_size, p, n);
    w->head_size += n;
    return 0;
}

void snapshot_writer_abort(struct snapshot_writer *w)
{
    if (!w)
        return;
    if (w->fd >= 0) {
        close(w->fd);
        if (w->tmp)
            unlink(w->tmp);
    }
    free(w->tmp);
    free(w->path);
    free(w->head);
    free(w);
}

int snapshot_writer_create(const char *path, struct snapshot_writer **out,
                           struct wisp_error *err)
{
    struct snapshot_writer *w = calloc(1, sizeof *w);
    size_t cap = strlen(path) + 48;
    if (w) {
        w->fd = -1;
        w->path = strdup(path);
        w->tmp = malloc(cap);
    }
    uint8_t header[SNAPSHOT_HEADER_SIZE] = { 0 };
    if (!w || !w->path || !w->tmp || append(w, header, sizeof header) < 0) {
        snapshot_writer_abort(w);
        return wisp_fail(err, WISP_EXIT_HOST_ERROR, "out of memory");
    }
    /* A fresh file beside the target (the sandbox allows only O_EXCL
     * creation), renamed over it once complete. */
    static unsigned counter;
    for (int attempt = 0; attempt < 100 && w->fd < 0; attempt++) {
        snprintf(w->tmp, cap, "%s.tmp-%ld-%u", path, os_process_id(), counter++);
        w->fd = open(w->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (w->fd < 0 && errno != EEXIST)
            break;
    }
    if (w->fd < 0) {
        wisp_fail_errno(err, WISP_EXIT_HOST_ERROR, "%s: cannot create the snapshot file", path);
        snapshot_writer_abort(w);
        return -1;
    }
    *out = w;
    return 0;
}

int snapshot_writer_create_memory(struct snapshot_writer **out, struct wisp_error *err)
{
    struct snapshot_writer *w = calloc(1, sizeof *w);
    uint8_t header[SNAPSHOT_HEADER_SIZE] = { 0 };
    if (w)
        w->fd = -1;
    if (!w || append(w, header, sizeof header) < 0) {
        snapshot_writer_abort(w);
        return wisp_fail(err, WISP_EXIT_HOST_ERROR, "out of memory");
    }
    *out = w;
    return 0;
}

/* The header over the first 64 bytes of the head. */
static void put_header(struct snapshot_writer *w, uint64_t file_size)
{
    uint8_t *h = w->head;
    memcpy(h, SNAPSHOT_MAGIC, 8);
    put32(h + 8, SNAPSHOT_VERSION);
    put32(h + 12, SNAPSHOT_HEADER_SIZE);
    put64(h + 16, w->head_size);
    put64(h + 24, file_size);
    put32(h + 32, w->sections);
    put32(h + 36, 0);
    put32(h + 40, 0);
    put32(h + 40, crc(h, SNAPSHOT_HEADER_SIZE));
}

int snapshot_writer_finish_head(struct snapshot_writer *w, uint8_t **head, size_t *size,
                                struct wisp_error *err)
{
    uint8_t index[16];
    uint64_t head_size = w->head_size + SNAPSHOT_SECTION_HEADER_SIZE + sizeof index;
    put32(index, 0);
    put32(index + 4, 0);
    put64(index + 8, page_align(head_size));
    if (snapshot_writer_add(w, SNAPSHOT_SECTION_MEMORY, index, sizeof index, err) < 0) {
        snapshot_writer_abort(w);
        return -1;
    }
    put_header(w, w->head_size);
    *head = w->head;
    *size = w->head_size;
    w->head = NULL;
    snapshot_writer_abort(w);
    return 0;
}

int snapshot_writer_add(struct snapshot_writer *w, uint32_t type, const void *data, size_t size,
                        struct wisp_error *err)
{
    uint8_t sh[SNAPSHOT_SECTION_HEADER_SIZE];
    put32(sh, type);
    put64(sh + 8, size);
    put32(sh + 4, section_crc(sh, data, size));
    if (w->sections >= SNAPSHOT_MAX_SECTIONS - 1 || append(w, sh, sizeof sh) < 0 ||
        append(w, data, size) < 0)
        return wisp_fail(err, WISP_EXIT_HOST_ERROR, "out of memory");
    w->sections++;
    return 0;
}

static bool page_is_zero(const uint8_t *p)
{
    const uint64_t *q = (const uint64_t *)(const void *)p;
    for (size_t i = 0; i < SNAPSHOT_PAGE_SIZE / 8; i++)
        if (q[i])
            return false;
    return true;
}

/* Zero gaps this short are stored too: fewer runs, fewer mappings. */
#define SNAPSHOT_GAP_PAGES 8u

struct run_list {
    struct snapshot_run *runs;
    uint32_t count, cap;
};

static int add_run(struct run_list *l, uint64_t gpa, uint64_t pages)
{
    if (l->count && l->runs[l->count - 1].gpa + l->runs[l->count - 1].pages * SNAPSHOT_PAGE_SIZE
                        == gpa) {
        l->runs[l->count - 1].pages += pages;
        return 0;
    }
    if (l->count == SNAPSHOT_MAX_RUNS)
        return -1;
    if (l->count == l->cap) {
        uint32_t cap = l->cap ? l->cap * 2 : 256;
        struct snapshot_run *grown = realloc(l->runs, cap * sizeof *grown);
        if (!grown)
            return -1;
        l->runs = grown;
        l->cap = cap;
    }
    l->runs[l->count++] = (struct snapshot_run){ gpa, pages, 0 };
    return 0;
}

static int scan_bank(struct run_list *l, const struct snapshot_memory_bank *b)
{
    uint64_t pages = b->size / SNAPSHOT_PAGE_SIZE, start = 0, zeros = 0;
    bool in_run = false;
    for (uint64_t i = 0; i < pages; i++) {
        bool zero = page_is_zero(b->host + i * SNAPSHOT_PAGE_SIZE);
        if (!zero) {
            if (!in_run)
                start = i;
            in_run = true;
            zeros = 0;
        } else if (in_run && ++zeros > SNAPSHOT_GAP_PAGES) {
            if (add_run(l, b->gpa + start * SNAPSHOT_PAGE_SIZE, i - zeros + 1 - start) < 0)
                return -1;
            in_run = false;
            zeros = 0;
        }
    }
    if (in_run && add_run(l, b->gpa + start * SNAPSHOT_PAGE_SIZE, pages - zeros - start) < 0)
        return -1;
    return 0;
}

static int write_all(int fd, const uint8_t *p, size_t n, uint64_t offset)
{
    size_t done = 0;
    while (done < n) {
        ssize_t put = pwrite(fd, p + done, n - done, (off_t)(offset + done));
        if (put < 0 && errno == EINTR)
            continue;
        if (put <= 0)
            return -1;
        done += (size_t)put;
    }
    return 0;
}

static int bank_order(const void *a, const void *b)
{
    const struct snapshot_memory_bank *x = a, *y = b;
    return x->gpa < y->gpa ? -1 : x->gpa > y->gpa;
}

int snapshot_writer_finish(struct snapshot_writer *w, const struct snapshot_memory_bank *banks,
                           unsigned bank_count, uint64_t *bytes, struct wisp_error *err)
{
    struct run_list l = { 0 };
    struct snapshot_memory_bank sorted[16];
    int rc = -1;
    if (bank_count > 16) {
        wisp_fail(err, WISP_EXIT_HOST_ERROR, "too many memory banks");
        goto out;
    }
    memcpy(sorted, banks, bank_count * sizeof *banks);
    qsort(sorted, bank_count, sizeof *sorted, bank_order);
    for (unsigned i = 0; i < bank_count; i++)
        if (scan_bank(&l, &sorted[i]) < 0) {
            wisp_fail(err, WISP_EXIT_HOST_ERROR, "out of memory");
            goto out;
        }
    /* The index: its size fixes where the pages start. */
    size_t index_size = 16 + (size_t)l.count * SNAPSHOT_RUN_SIZE;
    uint64_t head_size = w->head_size + SNAPSHOT_SECTION_HEADER_SIZE + index_size;
    uint64_t at = page_align(head_size);
    uint8_t *index = malloc(index_size);
    if (!index) {
        wisp_fail(err, WISP_EXIT_HOST_ERROR, "out of memory");
        goto out;
    }
    put32(index, l.count);
    put32(index + 4, 0);
    put64(index + 8, at);
    for (uint32_t i = 0; i < l.count; i++) {
        l.runs[i].file_offset = at;
        uint8_t *r = index + 16 + (size_t)i * SNAPSHOT_RUN_SIZE;
        put64(r, l.runs[i].gpa);
        put64(r + 8, l.runs[i].pages);
        put64(r + 16, at);
        at += l.runs[i].pages * SNAPSHOT_PAGE_SIZE;
    }
    uint64_t file_size = l.count ? at : head_size;
    int added = snapshot_writer_add(w, SNAPSHOT_SECTION_MEMORY, index, index_size, err);
    free(index);
    if (added < 0)
        goto out;
    put_header(w, file_size);
    if (write_all(w->fd, w->head, w->head_size, 0) < 0)
        goto io_error;
    for (uint32_t i = 0; i < l.count; i++) {
        const struct snapshot_run *r = &l.runs[i];
        const uint8_t *src = NULL;
        for (unsigned b = 0; b < bank_count && !src; b++)
            if (r->gpa >= sorted[b].gpa && r->gpa - sorted[b].gpa < sorted[b].size)
                src = sorted[b].host + (r->gpa - sorted[b].gpa);
        if (!src || write_all(w->fd, src, (size_t)(r->pages * SNAPSHOT_PAGE_SIZE),
                              r->file_offset) < 0)
            goto io_error;
    }
    if (fsync(w->fd) < 0 || close(w->fd) < 0) {
        w->fd = -1;
        unlink(w->tmp);
        goto io_error_closed;
    }
    w->fd = -1;
    if (os_replace_file(w->tmp, w->path) < 0) {
        wisp_fail_errno(err, WISP_EXIT_HOST_ERROR, "%s: cannot put the snapshot in place",
                        w->path);
        unlink(w->tmp);
        goto out;
    }
    *bytes = file_size;
    rc = 0;
    goto out;
io_error:
io_error_closed:
    wisp_fail_errno(err, WISP_EXIT_HOST_ERROR, "%s: cannot write the snapshot", w->path);
out:
    free(l.runs);
    snapshot_writer_abort(w);
    return rc;
}
