/*
 * Live migration's page bookkeeping: one bit per 4 KiB guest page, 64 pages
 * a word, bit i of word w = page 64*w + i (the layout of KVM's dirty log).
 * The source keeps one bitmap per memory bank: the pages still to send.
 */
#ifndef WISP_STATE_DIRTY_BITMAP_H
#define WISP_STATE_DIRTY_BITMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

static inline size_t dirty_bitmap_words(uint64_t pages)
{
    return (size_t)((pages + 63) / 64);
}

static inline bool dirty_bitmap_test(const uint64_t *bits, uint64_t page)
{
    return (bits[page / 64] >> (page % 64)) & 1;
}

static inline void dirty_bitmap_set(uint64_t *bits, uint64_t page)
{
    bits[page / 64] |= 1ull << (page % 64);
}

/* Every page of [0, pages) marked (bits past the end stay clear). */
void dirty_bitmap_fill(uint64_t *bits, uint64_t pages);
/* Pages marked in [0, pages); bits past the end are not counted. */
uint64_t dirty_bitmap_count(const uint64_t *bits, uint64_t pages);
/* dst |= src; then src cleared when take (an atomic exchange per word:
 * src may be marked by other threads meanwhile). */
void dirty_bitmap_merge(uint64_t *dst, uint64_t *src, uint64_t pages, bool take);

/* The next run of marked pages at or after *from, at most max pages long
 * (max >= 1): true with *start and *count set, and *from moved past the
 * run; false when none is left. */
bool dirty_bitmap_next_run(const uint64_t *bits, uint64_t pages, uint64_t *from,
                           uint64_t max, uint64_t *start, uint64_t *count);

#endif
