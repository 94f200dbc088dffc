/* The snapshot file on Windows: not yet (snapshots need KVM today). */
#include "snapshot_file.h"

#include <string.h>

static int unsupported(struct wisp_error *err)
{
    return wisp_fail(err, WISP_EXIT_NO_ACCEL, "snapshots are not supported on Windows yet");
}

const char *snapshot_section_name(uint32_t type)
{
    (void)type;
    return "section";
}

int snapshot_parse(const uint8_t *head, size_t head_len, uint64_t file_size,
                   struct snapshot_contents *out, struct wisp_error *err)
{
    (void)head;
    (void)head_len;
    (void)file_size;
    memset(out, 0, sizeof *out);
    return unsupported(err);
}

int snapshot_read(const char *path, int *fd, struct snapshot_contents *out,
                  struct wisp_error *err)
{
    (void)path;
    (void)fd;
    memset(out, 0, sizeof *out);
    return unsupported(err);
}

void snapshot_contents_free(struct snapshot_contents *c)
{
    (void)c;
}

const struct snapshot_section *snapshot_find(const struct snapshot_contents *c, uint32_t type,
                                             unsigned *index)
{
    (void)c;
    (void)type;
    (void)index;
    return NULL;
}

int snapshot_map_run(int fd, const struct snapshot_run *run, void *host, struct wisp_error *err)
{
    (void)fd;
    (void)run;
    (void)host;
    return unsupported(err);
}

int snapshot_writer_create(const char *path, struct snapshot_writer **out,
                           struct wisp_error *err)
{
    (void)path;
    *out = NULL;
    return unsupported(err);
}

int snapshot_writer_add(struct snapshot_writer *w, uint32_t type, const void *data, size_t size,
                        struct wisp_error *err)
{
    (void)w;
    (void)type;
    (void)data;
    (void)size;
    return unsupported(err);
}

int snapshot_writer_finish(struct snapshot_writer *w, const struct snapshot_memory_bank *banks,
                           unsigned bank_count, uint64_t *bytes, struct wisp_error *err)
{
    (void)w;
    (void)banks;
    (void)bank_count;
    (void)bytes;
    return unsupported(err);
}

void snapshot_writer_abort(struct snapshot_writer *w)
{
    (void)w;
}

int snapshot_writer_create_memory(struct snapshot_writer **out, struct wisp_error *err)
{
    *out = NULL;
    return unsupported(err);
}

int snapshot_writer_finish_head(struct snapshot_writer *w, uint8_t **head, size_t *size,
                                struct wisp_error *err)
{
    (void)w;
    (void)head;
    (void)size;
    return unsupported(err);
}
