/*
 * Reading a fuzzer's input as a stream of small fields: past the end every
 * field reads as zero, so any input is a valid program.
 */
#ifndef WISP_FUZZ_INPUT_H
#define WISP_FUZZ_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

struct fuzz_input {
    const uint8_t *p;
    size_t left;
};

static inline bool fi_more(const struct fuzz_input *in)
{
    return in->left > 0;
}

static inline uint8_t fi_u8(struct fuzz_input *in)
{
    if (!in->left)
        return 0;
    in->left--;
    return *in->p++;
}

static inline uint16_t fi_u16(struct fuzz_input *in)
{
    uint16_t lo = fi_u8(in);
    return (uint16_t)(lo | fi_u8(in) << 8);
}

static inline uint32_t fi_u32(struct fuzz_input *in)
{
    uint32_t lo = fi_u16(in);
    return lo | (uint32_t)fi_u16(in) << 16;
}

static inline uint64_t fi_u64(struct fuzz_input *in)
{
    uint64_t lo = fi_u32(in);
    return lo | (uint64_t)fi_u32(in) << 32;
}

/* Aborts with a message: libFuzzer then keeps the input as a finding. */
static inline void fuzz_check(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz: invariant broken: %s\n", what);
        abort();
    }
}

#endif
