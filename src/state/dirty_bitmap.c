/* Live migration's page bookkeeping (dirty_bitmap.h). */
#include "dirty_bitmap.h"

#include <string.h>

static uint64_t tail_mask(uint64_t pages)
{
    return pages % 64 ? (1ull << (pages % 64)) - 1 : ~0ull;
}

void dirty_bitmap_fill(uint64_t *bits, uint64_t pages)
{
    size_t words = dirty_bitmap_words(pages);
    if (words == 0)
        return;
    memset(bits, 0xFF, words * sizeof *bits);
    bits[words - 1] = tail_mask(pages);
}

uint64_t dirty_bitmap_count(const uint64_t *bits, uint64_t pages)
{
    size_t words = dirty_bitmap_words(pages);
    uint64_t n = 0;
    for (size_t w = 0; w < words; w++) {
        uint64_t x = bits[w];
        if (w + 1 == words)
            x &= tail_mask(pages);
        n += (uint64_t)__builtin_popcountll(x);
    }
    return n;
}

void dirty_bitmap_merge(uint64_t *dst, uint64_t *src, uint64_t pages, bool take)
{
    size_t words = dirty_bitmap_words(pages);
    for (size_t w = 0; w < words; w++) {
        uint64_t x = take ? __atomic_exchange_n(&src[w], 0, __ATOMIC_ACQ_REL) : src[w];
        if (w + 1 == words)
            x &= tail_mask(pages);
        dst[w] |= x;
    }
}

bool dirty_bitmap_next_run(const uint64_t *bits, uint64_t pages, uint64_t *from,
                           uint64_t max, uint64_t *start, uint64_t *count)
{
    uint64_t p = *from;
    while (p < pages) {
        uint64_t word = bits[p / 64] >> (p % 64);
        if (word == 0) {
            p = (p / 64 + 1) * 64; /* the rest of this word is clear */
            continue;
        }
        p += (uint64_t)__builtin_ctzll(word);
        break;
    }
    if (p >= pages) {
        *from = pages;
        return false;
    }
    uint64_t n = 0;
    while (p + n < pages && n < max && dirty_bitmap_test(bits, p + n))
        n++;
    *start = p;
    *count = n;
    *from = p + n;
    return true;
}
