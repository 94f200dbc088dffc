/*
 * The live migration stream: what a source wisp sends (vmm/vm_migrate.c)
 * and an `--incoming` wisp receives (vmm/vm_restore.c). It carries the
 * snapshot's sections (snapshot_format.h) in a snapshot head, parsed by
 * the same snapshot_parse; only the pages travel differently: as records
 * while the guest runs, sent again when the guest writes them. All
 * integers little endian.
 *
 *   stream header (16 bytes): "WISPMIGR", u32 version (MIGRATION_VERSION),
 *   u32 zero
 *   records, each a 24-byte header (u32 type, u32 zero, u64 a, u64 b), then:
 *     MACHINE  first, once. a = length (at most SNAPSHOT_MAX_HEAD), b = 0;
 *              a snapshot head with the machine configuration section and
 *              an empty memory index: what the destination builds.
 *     PAGES    a = guest-physical address (page aligned), b = page count
 *              (1..MIGRATION_MAX_CHUNK_PAGES), then those pages. A later
 *              record for the same page replaces it.
 *     STATE    last, once. a = length, b = 0: a snapshot head with every
 *              section a snapshot has (its configuration the same bytes as
 *              MACHINE's) and an empty memory index.
 *   then the destination answers: "WACK" u32 0 once the state is loaded
 *   (the guest runs there from then on), or "WNAK" u32 n and n bytes
 *   (n <= MIGRATION_MAX_MESSAGE) saying why it refused.
 *
 * Every byte comes from the network: the reader checks page addresses
 * against guest memory, every length and count, the order of records,
 * and the heads as snapshot_parse checks a file.
 */
#ifndef WISP_STATE_MIGRATION_STREAM_H
#define WISP_STATE_MIGRATION_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/guest_memory.h"
#include "snapshot_file.h"

#define MIGRATION_MAGIC "WISPMIGR"
#define MIGRATION_VERSION 1u
#define MIGRATION_HEADER_SIZE 16u
#define MIGRATION_RECORD_SIZE 24u
#define MIGRATION_MAX_CHUNK_PAGES 256u
#define MIGRATION_MAX_MESSAGE 512u
#define MIGRATION_ANSWER_SIZE 8u

enum migration_record_type {
    MIGRATION_RECORD_MACHINE = 1,
    MIGRATION_RECORD_PAGES = 2,
    MIGRATION_RECORD_STATE = 3,
};

/* ---- receiving ---- */
struct migration_reader {
    /* Reads exactly len bytes: 0, or -1 at the end of the stream or on an
     * error. */
    int (*read)(void *ctx, void *buf, size_t len);
    void *ctx;
    uint64_t bytes;        /* read so far */
    uint64_t page_records, pages;
};

/* The stream header and the MACHINE record: out holds its head (malloc'd,
 * out->head; free it with snapshot_contents_free and free(out->head)).
 * Errors: WISP_EXIT_BAD_KERNEL, one line without the source's name. */
int migration_read_machine(struct migration_reader *r, struct snapshot_contents *out,
                           struct wisp_error *err);
/* PAGES records into gm, up to and including the STATE record (out, as
 * above). */
int migration_read_memory(struct migration_reader *r, struct guest_memory *gm,
                          struct snapshot_contents *out, struct wisp_error *err);

/* ---- sending ---- */
void migration_put_header(uint8_t out[MIGRATION_HEADER_SIZE]);
void migration_put_record(uint8_t out[MIGRATION_RECORD_SIZE], uint32_t type, uint64_t a,
                          uint64_t b);

/* The destination's answer: NULL message for an acknowledgement. Returns
 * the bytes to send (at most MIGRATION_ANSWER_SIZE + MIGRATION_MAX_MESSAGE). */
size_t migration_put_answer(uint8_t *out, const char *refusal);
/* Reads an answer: 1 acknowledged, 0 refused (why holds the destination's
 * reason, printable), -1 no valid answer (why says what came). */
int migration_read_answer(struct migration_reader *r, char *why, size_t cap);

#endif
