/*
 * hv_guid.h - GUIDs as VMBus carries them, and little-endian field access.
 *
 * VMBus names every device class and device instance with a GUID (the
 * InterfaceType and InterfaceInstance of a channel offer) and moves
 * GUIDs in messages as 16 bytes: the first three fields little-endian,
 * the last eight bytes in order, which is the Windows GUID structure
 * stored on a little-endian machine.  HV_GUID is that structure; its
 * text form is the usual {xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}.
 *
 * The byte helpers read and write little-endian integers at any address.
 * Several synthetic device protocols (synthetic video, KVP, the GPADL
 * header message) put 16-, 32- and 64-bit fields at offsets that are not
 * multiples of their size, so a reader that works on a byte buffer needs
 * them; they compile to single loads and stores on x86.
 */
#ifndef HYPERV_HV_GUID_H
#define HYPERV_HV_GUID_H

#include "hv_compiler.h"

typedef struct HV_GUID {
    uint32_t Data1;
    uint16_t Data2;
    uint16_t Data3;
    uint8_t Data4[8];
} HV_GUID;
HV_ASSERT_SIZE(HV_GUID, 16);
HV_ASSERT_OFFSET(HV_GUID, Data2, 4);
HV_ASSERT_OFFSET(HV_GUID, Data3, 6);
HV_ASSERT_OFFSET(HV_GUID, Data4, 8);

/*
 * An initializer for HV_GUID in the order the text form is written:
 * {d1-d2-d3-b0b1-b2b3b4b5b6b7}.
 */
#define HV_GUID_INIT(d1, d2, d3, b0, b1, b2, b3, b4, b5, b6, b7)              \
    { (d1), (d2), (d3), { (b0), (b1), (b2), (b3), (b4), (b5), (b6), (b7) } }

/* Length of the text form without braces and without a terminating NUL. */
#define HV_GUID_STRING_LENGTH 36

static HV_INLINE int hv_guid_equal(const HV_GUID *a, const HV_GUID *b)
{
    int i;

    if (a->Data1 != b->Data1 || a->Data2 != b->Data2 || a->Data3 != b->Data3)
        return 0;
    for (i = 0; i < 8; i++)
        if (a->Data4[i] != b->Data4[i])
            return 0;
    return 1;
}

static HV_INLINE int hv_guid_is_null(const HV_GUID *g)
{
    int i;

    if (g->Data1 != 0 || g->Data2 != 0 || g->Data3 != 0)
        return 0;
    for (i = 0; i < 8; i++)
        if (g->Data4[i] != 0)
            return 0;
    return 1;
}

/* ---- little-endian loads and stores at any address ---------------------- */

static HV_INLINE uint16_t hv_load_le16(const void *p)
{
    const uint8_t *b = HV_CAST(const uint8_t *, p);
    return HV_CAST(uint16_t, b[0] | (b[1] << 8));
}

static HV_INLINE uint32_t hv_load_le32(const void *p)
{
    const uint8_t *b = HV_CAST(const uint8_t *, p);
    return HV_CAST(uint32_t, b[0]) | (HV_CAST(uint32_t, b[1]) << 8) |
           (HV_CAST(uint32_t, b[2]) << 16) | (HV_CAST(uint32_t, b[3]) << 24);
}

static HV_INLINE uint64_t hv_load_le64(const void *p)
{
    const uint8_t *b = HV_CAST(const uint8_t *, p);
    return HV_CAST(uint64_t, hv_load_le32(b)) |
           (HV_CAST(uint64_t, hv_load_le32(b + 4)) << 32);
}

static HV_INLINE void hv_store_le16(void *p, uint16_t v)
{
    uint8_t *b = HV_CAST(uint8_t *, p);
    b[0] = HV_CAST(uint8_t, v);
    b[1] = HV_CAST(uint8_t, v >> 8);
}

static HV_INLINE void hv_store_le32(void *p, uint32_t v)
{
    uint8_t *b = HV_CAST(uint8_t *, p);
    b[0] = HV_CAST(uint8_t, v);
    b[1] = HV_CAST(uint8_t, v >> 8);
    b[2] = HV_CAST(uint8_t, v >> 16);
    b[3] = HV_CAST(uint8_t, v >> 24);
}

static HV_INLINE void hv_store_le64(void *p, uint64_t v)
{
    uint8_t *b = HV_CAST(uint8_t *, p);
    hv_store_le32(b, HV_CAST(uint32_t, v));
    hv_store_le32(b + 4, HV_CAST(uint32_t, v >> 32));
}

/* The 16 bytes of a GUID as VMBus messages carry them. */
static HV_INLINE void hv_guid_to_bytes(const HV_GUID *g, uint8_t bytes[16])
{
    int i;

    hv_store_le32(bytes, g->Data1);
    hv_store_le16(bytes + 4, g->Data2);
    hv_store_le16(bytes + 6, g->Data3);
    for (i = 0; i < 8; i++)
        bytes[8 + i] = g->Data4[i];
}

static HV_INLINE void hv_guid_from_bytes(HV_GUID *g, const uint8_t bytes[16])
{
    int i;

    g->Data1 = hv_load_le32(bytes);
    g->Data2 = hv_load_le16(bytes + 4);
    g->Data3 = hv_load_le16(bytes + 6);
    for (i = 0; i < 8; i++)
        g->Data4[i] = bytes[8 + i];
}

/*
 * Write the text form "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" (lower-case,
 * no braces) and a terminating NUL into text[0..36].
 */
static HV_INLINE void hv_guid_to_string(const HV_GUID *g,
                                        char text[HV_GUID_STRING_LENGTH + 1])
{
    static const char digits[] = "0123456789abcdef";
    uint8_t bytes[16];
    /* Text position of each byte's two digits, in text order. */
    static const uint8_t order[16] = { 3, 2, 1, 0, 5, 4, 7, 6,
                                       8, 9, 10, 11, 12, 13, 14, 15 };
    int i, pos = 0;

    hv_guid_to_bytes(g, bytes);
    for (i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            text[pos++] = '-';
        text[pos++] = digits[bytes[order[i]] >> 4];
        text[pos++] = digits[bytes[order[i]] & 0xF];
    }
    text[pos] = '\0';
}

/* Value of one hex digit, or -1. */
static HV_INLINE int hv_hex_digit_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/*
 * Parse the text form, with or without braces, in either case.  "length"
 * is the number of characters available at "text" (the parser never reads
 * past it and ignores anything after the GUID).  Returns 0, or -1 if the
 * text is not a GUID.
 */
static HV_INLINE int hv_guid_from_string(HV_GUID *g, const char *text,
                                         size_t length)
{
    static const uint8_t order[16] = { 3, 2, 1, 0, 5, 4, 7, 6,
                                       8, 9, 10, 11, 12, 13, 14, 15 };
    uint8_t bytes[16];
    size_t pos = 0;
    int i, braced = 0;

    if (length > 0 && text[0] == '{') {
        braced = 1;
        pos = 1;
    }
    if (length < pos + HV_GUID_STRING_LENGTH + HV_CAST(size_t, braced))
        return -1;
    for (i = 0; i < 16; i++) {
        int hi, lo;

        if (i == 4 || i == 6 || i == 8 || i == 10) {
            if (text[pos] != '-')
                return -1;
            pos++;
        }
        hi = hv_hex_digit_value(text[pos]);
        lo = hv_hex_digit_value(text[pos + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        bytes[order[i]] = HV_CAST(uint8_t, (hi << 4) | lo);
        pos += 2;
    }
    if (braced && text[pos] != '}')
        return -1;
    hv_guid_from_bytes(g, bytes);
    return 0;
}

#endif /* HYPERV_HV_GUID_H */
