/*
 * Reading and writing the snapshot file (snapshot_format.h). The reader
 * checks everything it can without touching the page data: magic, version,
 * checksums, that every size adds up to the file's; the caller then maps
 * the pages (snapshot_map_pages). The writer takes sections, then the
 * pages, into a fresh file that replaces the target only when complete.
 */
#ifndef WISP_STATE_SNAPSHOT_FILE_H
#define WISP_STATE_SNAPSHOT_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "snapshot_format.h"

struct snapshot_section {
    uint32_t type;
    const uint8_t *data;
    size_t size;
};

struct snapshot_run {
    uint64_t gpa, pages, file_offset;
};

/* A parsed file: sections point into head. */
struct snapshot_contents {
    uint32_t version;
    uint8_t *head;             /* owned (snapshot_read) or the caller's (snapshot_parse) */
    size_t head_size;
    uint64_t file_size;
    struct snapshot_section sections[SNAPSHOT_MAX_SECTIONS];
    unsigned section_count;    /* the memory section included, last */
    struct snapshot_run *runs; /* malloc'd */
    uint32_t run_count;
};

/* Parses the first head_len bytes of a file of file_size bytes. Errors are
 * WISP_EXIT_BAD_KERNEL, messages without the file name. */
int snapshot_parse(const uint8_t *head, size_t head_len, uint64_t file_size,
                   struct snapshot_contents *out, struct wisp_error *err);
/* Opens and parses path (messages start with "path: "); *fd stays open for
 * the pages. */
int snapshot_read(const char *path, int *fd, struct snapshot_contents *out,
                  struct wisp_error *err);
void snapshot_contents_free(struct snapshot_contents *c);

/* The first section of that type at or after *index (which it advances). */
const struct snapshot_section *snapshot_find(const struct snapshot_contents *c, uint32_t type,
                                             unsigned *index);

/* Puts the run's pages at host (private, copy-on-write: the file is never
 * written). */
int snapshot_map_run(int fd, const struct snapshot_run *run, void *host, struct wisp_error *err);

/* ---- writing ---- */
struct snapshot_writer;

struct snapshot_memory_bank {
    uint64_t gpa, size;        /* page multiples */
    const uint8_t *host;
};

int snapshot_writer_create(const char *path, struct snapshot_writer **out,
                           struct wisp_error *err);
int snapshot_writer_add(struct snapshot_writer *w, uint32_t type, const void *data, size_t size,
                        struct wisp_error *err);
/* The memory section from the banks, the pages, then the file in place.
 * Frees w, also on failure (the temporary file removed). *bytes: the file's size. */
int snapshot_writer_finish(struct snapshot_writer *w, const struct snapshot_memory_bank *banks,
                           unsigned bank_count, uint64_t *bytes, struct wisp_error *err);
void snapshot_writer_abort(struct snapshot_writer *w);

/* A writer whose result stays in memory: the migration stream's heads
 * (migration_stream.h). No file, no pages. */
int snapshot_writer_create_memory(struct snapshot_writer **out, struct wisp_error *err);
/* An empty memory index, then the head (header and sections, malloc'd)
 * into *head. Frees w, also on failure. */
int snapshot_writer_finish_head(struct snapshot_writer *w, uint8_t **head, size_t *size,
                                struct wisp_error *err);

#endif
