/*
 * hostile_string_io: `rep outs` and `rep ins` of bytes, words and dwords
 * with large counts to every port a wisp device answers (and the
 * hypercall port, with RAX = get_time), from and into the primordial arena.
 * KVM hands such instructions to wisp a page at a time (count > 1); every
 * element must reach the device, none past the data page. The guest checks
 * that each instruction ran to the end (RCX = 0, RSI/RDI advanced by the
 * whole length) and that ins filled its buffer from the port (nothing
 * beyond it was touched).
 */
#include "hostile.h"

#define CHUNK   4200u /* bytes of rep outsb/insb: more than the page KVM hands over */
#define SHORT   256u
#define WIDE    64u   /* elements of the word and dword forms */
#define SOURCE  ((uint8_t *)(uintptr_t)(WISP_ARENA_ADDR + 0x804)) /* crosses pages */
#define TARGET  ((uint8_t *)(uintptr_t)(WISP_ARENA_ADDR + (4u << 20) + 0x402))
#define GUARD   0xA5

/* Every port a device answers at, and some nobody does; the first few get
 * the long instructions (string I/O is slow where exits are emulated). */
static const struct { uint16_t port; uint32_t bytes; } ports[] = {
    { 0x3F8, CHUNK }, { 0x20, CHUNK }, { 0x40, CHUNK }, { 0x80, CHUNK },
    { WISP_HYPERCALL_PORT, CHUNK },
    { 0x3F9, SHORT }, { 0x3FA, SHORT }, { 0x3FB, SHORT }, { 0x3FC, SHORT },
    { 0x3FD, SHORT }, { 0x3FE, SHORT }, { 0x3FF, SHORT },              /* COM1 */
    { 0x21, SHORT }, { 0xA0, SHORT }, { 0xA1, SHORT }, { 0x4D0, SHORT },
    { 0x4D1, SHORT },                                                  /* PICs, ELCR */
    { 0x41, SHORT }, { 0x42, SHORT }, { 0x43, SHORT }, { 0x61, SHORT }, /* PIT */
    { 0x70, SHORT }, { 0x71, SHORT }, { 0x60, SHORT }, { 0x64, SHORT },
    { 0xCF9, SHORT }, { 0x600, SHORT }, { 0x604, SHORT }, { 0x608, SHORT }, /* Linux's */
    { 0x3F0, SHORT }, { 0xFFFF, SHORT },                               /* nobody */
};

static int failures;

static void outs(uint16_t port, unsigned width, const void *src, uint64_t count,
                 uint64_t *left, const void **end)
{
    uint64_t rax = WISP_HC_GET_TIME;
    const void *s = src;
    uint64_t c = count;
    if (width == 1)
        __asm__ __volatile__("rep outsb" : "+S"(s), "+c"(c), "+a"(rax) : "d"(port) : "memory");
    else if (width == 2)
        __asm__ __volatile__("rep outsw" : "+S"(s), "+c"(c), "+a"(rax) : "d"(port) : "memory");
    else
        __asm__ __volatile__("rep outsl" : "+S"(s), "+c"(c), "+a"(rax) : "d"(port) : "memory");
    *left = c;
    *end = s;
}

static void ins(uint16_t port, unsigned width, void *dst, uint64_t count, uint64_t *left,
                void **end)
{
    void *d = dst;
    uint64_t c = count;
    if (width == 1)
        __asm__ __volatile__("rep insb" : "+D"(d), "+c"(c) : "d"(port) : "memory");
    else if (width == 2)
        __asm__ __volatile__("rep insw" : "+D"(d), "+c"(c) : "d"(port) : "memory");
    else
        __asm__ __volatile__("rep insl" : "+D"(d), "+c"(c) : "d"(port) : "memory");
    *left = c;
    *end = d;
}

static void check(int ok, uint16_t port, const char *what, unsigned width)
{
    if (!ok) {
        wisp_printf("FAIL: hostile_string_io: port 0x%x, %u-byte %s\n", port, width, what);
        failures++;
    }
}

int kmain(struct wisp_boot_info *bi)
{
    (void)bi;
    for (uint64_t i = 0; i < CHUNK / 8; i++)
        ((uint64_t *)SOURCE)[i] = hostile_random();
    for (unsigned p = 0; p < sizeof ports / sizeof ports[0]; p++) {
        uint16_t port = ports[p].port;
        for (unsigned width = 1; width <= 4; width *= 2) {
            uint64_t count = width == 1 ? ports[p].bytes : WIDE, left;
            uint64_t bytes = count * width;
            const void *src_end;
            void *dst_end;
            outs(port, width, SOURCE, count, &left, &src_end);
            check(left == 0 && src_end == SOURCE + bytes, port, "rep outs", width);
            memset(TARGET, GUARD, CHUNK + 4096);
            ins(port, width, TARGET, count, &left, &dst_end);
            check(left == 0 && dst_end == TARGET + bytes, port, "rep ins", width);
            for (unsigned k = 0; k < 4096; k++)
                if (TARGET[bytes + k] != GUARD) {
                    check(0, port, "rep ins wrote past its buffer", width);
                    break;
                }
        }
    }
    wisp_printf("\nhostile_string_io: %u ports, up to %u bytes and %u words and dwords "
                "each way\n", (unsigned)(sizeof ports / sizeof ports[0]), CHUNK, WIDE);
    if (failures)
        return 1;
    wisp_puts("PASS: hostile_string_io\n");
    return 0;
}
