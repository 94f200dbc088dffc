#include "kb_lib.h"

unsigned kb_failures;

void *memset(void *d, int c, size_t n)
{
    unsigned char *p = d;
    while (n--)
        *p++ = (unsigned char)c;
    return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
    unsigned char *p = d;
    const unsigned char *q = s;
    while (n--)
        *p++ = *q++;
    return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *p = a, *q = b;
    for (; n; n--, p++, q++)
        if (*p != *q)
            return *p - *q;
    return 0;
}

size_t kb_strlen(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

int kb_strncmp(const char *a, const char *b, size_t n)
{
    for (; n; n--, a++, b++) {
        if (*a != *b)
            return (unsigned char)*a - (unsigned char)*b;
        if (!*a)
            return 0;
    }
    return 0;
}

static void put(char c)
{
    kb_outb(KB_DEBUGCON_PORT, (uint8_t)c);
}

static void put_unsigned(uint64_t v, unsigned base, int width)
{
    char buf[24];
    int n = 0;
    do {
        buf[n++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v);
    while (n < width)
        buf[n++] = '0';
    while (n)
        put(buf[--n]);
}

static void vprint(const char *fmt, va_list ap)
{
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            put(*fmt);
            continue;
        }
        fmt++;
        int width = 0, longs = 0;
        while (*fmt >= '0' && *fmt <= '9')
            width = width * 10 + (*fmt++ - '0');
        while (*fmt == 'l') {
            longs++;
            fmt++;
        }
        uint64_t v;
        switch (*fmt) {
        case 's': {
            const char *s = va_arg(ap, const char *);
            while (s && *s)
                put(*s++);
            break;
        }
        case 'c':
            put((char)va_arg(ap, int));
            break;
        case 'u':
        case 'x':
            if (longs >= 2)
                v = va_arg(ap, unsigned long long);
            else if (longs == 1)
                v = va_arg(ap, unsigned long);
            else
                v = va_arg(ap, unsigned);
            put_unsigned(v, *fmt == 'x' ? 16 : 10, width);
            break;
        case '%':
            put('%');
            break;
        default:
            put('?');
        }
    }
}

void kb_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprint(fmt, ap);
    va_end(ap);
}

void kb_check(int ok, const char *what, const char *fmt, ...)
{
    if (ok)
        return;
    kb_failures++;
    kb_printf("check failed: %s: ", what);
    va_list ap;
    va_start(ap, fmt);
    vprint(fmt, ap);
    va_end(ap);
    put('\n');
}

void kb_finish(const char *name)
{
    if (kb_failures)
        kb_printf("FAIL: %s: %u checks failed\n", name, kb_failures);
    else
        kb_printf("PASS: %s\n", name);
    kb_outl(KB_DEBUG_EXIT_PORT, kb_failures ? KB_EXIT_FAIL : KB_EXIT_PASS);
    for (;;)
        __asm__ __volatile__("cli; hlt");
}

uint64_t kb_cmdline_number(const char *cmdline, const char *key, uint64_t def)
{
    size_t klen = kb_strlen(key);
    for (const char *p = cmdline; p && *p; p++) {
        if ((p == cmdline || p[-1] == ' ') && kb_strncmp(p, key, klen) == 0 && p[klen] == '=') {
            const char *q = p + klen + 1;
            unsigned base = 10;
            uint64_t v = 0;
            if (q[0] == '0' && q[1] == 'x') {
                base = 16;
                q += 2;
            }
            for (;; q++) {
                unsigned d;
                if (*q >= '0' && *q <= '9')
                    d = (unsigned)(*q - '0');
                else if (base == 16 && *q >= 'a' && *q <= 'f')
                    d = (unsigned)(*q - 'a' + 10);
                else
                    break;
                v = v * base + d;
            }
            return v;
        }
    }
    return def;
}

uint32_t kb_fnv1a(const void *bytes, uint64_t len)
{
    const unsigned char *p = bytes;
    uint32_t h = 2166136261u;
    for (uint64_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 16777619u;
    }
    return h;
}

static uint8_t sum(const void *bytes, uint32_t len)
{
    const uint8_t *p = bytes;
    uint8_t s = 0;
    while (len--)
        s = (uint8_t)(s + *p++);
    return s;
}

static void check_rsdp(const void *rsdp_ptr, void *(*phys_to_ptr)(uint64_t), int v1_only)
{
    const uint8_t *rsdp = rsdp_ptr;
    KB_CHECK(memcmp(rsdp, "RSD PTR ", 8) == 0, "RSDP signature");
    KB_CHECK(sum(rsdp, 20) == 0, "RSDP checksum over 20 bytes: 0x%x", sum(rsdp, 20));
    uint8_t revision = rsdp[15];
    uint32_t rsdt;
    memcpy(&rsdt, rsdp + 16, 4);
    if (revision >= 2 && !v1_only) {
        uint32_t length;
        memcpy(&length, rsdp + 20, 4);
        KB_CHECK(length == 36, "RSDP length %u", length);
        KB_CHECK(sum(rsdp, 36) == 0, "RSDP extended checksum: 0x%x", sum(rsdp, 36));
    }
    const uint8_t *table = phys_to_ptr(rsdt);
    uint32_t tlen;
    memcpy(&tlen, table + 4, 4);
    KB_CHECK(memcmp(table, "RSDT", 4) == 0, "RSDT signature at 0x%x", rsdt);
    KB_CHECK(tlen >= 36 && tlen < 4096 && sum(table, tlen) == 0, "RSDT checksum (length %u)",
             tlen);
    kb_printf("acpi: RSDP revision %u, RSDT at 0x%x, %u bytes\n", revision, rsdt, tlen);
}

void kb_check_rsdp(const void *rsdp, void *(*phys_to_ptr)(uint64_t))
{
    check_rsdp(rsdp, phys_to_ptr, 0);
}

void kb_check_rsdp_v1(const void *rsdp, void *(*phys_to_ptr)(uint64_t))
{
    check_rsdp(rsdp, phys_to_ptr, 1);
}

void kb_draw_quadrants(void *fb, uint32_t width, uint32_t height, uint32_t pitch,
                       unsigned red_pos, unsigned green_pos, unsigned blue_pos)
{
    uint32_t red = 0xFFu << red_pos, green = 0xFFu << green_pos, blue = 0xFFu << blue_pos;
    for (uint32_t y = 0; y < height; y++) {
        uint32_t *row = (uint32_t *)((uint8_t *)fb + (uint64_t)y * pitch);
        for (uint32_t x = 0; x < width; x++) {
            int right = x >= width / 2, bottom = y >= height / 2;
            row[x] = !bottom ? (right ? green : red) : (right ? red | green | blue : blue);
        }
    }
}
