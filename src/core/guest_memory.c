#include "guest_memory.h"

#include <string.h>

#include "os.h"

#define PAGE_MASK 0xFFFull

static bool ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
    return a < b + blen && b < a + alen;
}

int guest_memory_add_bank(struct guest_memory *gm, const char *name,
                          enum mem_bank_kind kind, uint64_t gpa, uint64_t size,
                          struct wisp_error *err)
{
    if (gm->count >= GUEST_MEMORY_MAX_BANKS)
        return wisp_fail(err, WISP_EXIT_HOST_ERROR, "too many guest memory banks");
    if (size == 0 || (gpa & PAGE_MASK) || (size & PAGE_MASK) || gpa + size < gpa)
        return wisp_fail(err, WISP_EXIT_USAGE,
                         "guest memory bank %s: bad range 0x%llx+0x%llx", name,
                         (unsigned long long)gpa, (unsigned long long)size);
    for (int i = 0; i < gm->count; i++)
        if (ranges_overlap(gpa, size, gm->banks[i].gpa, gm->banks[i].size))
            return wisp_fail(err, WISP_EXIT_USAGE,
                             "guest memory bank %s overlaps %s", name, gm->banks[i].name);
    /* A large guest costs only the pages it touches. */
    void *host = os_alloc_guest_pages(size);
    if (!host)
        return wisp_fail_errno(err, WISP_EXIT_HOST_ERROR,
                               "cannot allocate %llu MiB of guest memory for %s",
                               (unsigned long long)(size >> 20), name);
    gm->banks[gm->count++] = (struct mem_bank){
        .name = name, .kind = kind, .gpa = gpa, .size = size, .host = host,
    };
    return 0;
}

void guest_memory_release(struct guest_memory *gm)
{
    for (int i = 0; i < gm->count; i++)
        os_free_guest_pages(gm->banks[i].host, gm->banks[i].size);
    gm->count = 0;
}

const struct mem_bank *guest_memory_bank_at(const struct guest_memory *gm,
                                            uint64_t gpa, uint64_t len)
{
    for (int i = 0; i < gm->count; i++) {
        const struct mem_bank *b = &gm->banks[i];
        /* Written so that no expression can overflow. */
        if (gpa >= b->gpa && gpa - b->gpa <= b->size && len <= b->size - (gpa - b->gpa)) {
            if (len == 0 && gpa - b->gpa == b->size)
                continue; /* one past the end is not inside */
            return b;
        }
    }
    return NULL;
}

void *guest_memory_ptr(const struct guest_memory *gm, uint64_t gpa, uint64_t len)
{
    const struct mem_bank *b = guest_memory_bank_at(gm, gpa, len);
    return b ? b->host + (gpa - b->gpa) : NULL;
}

/* Pages of bank b that wisp wrote, for a running migration's next pass
 * (host_dirty is set only while one runs). */
static void mark_bank_dirty(const struct mem_bank *b, uint64_t gpa, uint64_t len)
{
    uint64_t *bits = __atomic_load_n(&b->host_dirty, __ATOMIC_ACQUIRE);
    if (!bits || len == 0)
        return;
    uint64_t first = (gpa - b->gpa) / 4096, last = (gpa - b->gpa + len - 1) / 4096;
    for (uint64_t p = first; p <= last; p++)
        __atomic_fetch_or(&bits[p / 64], 1ull << (p % 64), __ATOMIC_RELEASE);
}

void guest_memory_mark_host_dirty(const struct guest_memory *gm, uint64_t gpa, uint64_t len)
{
    const struct mem_bank *b = guest_memory_bank_at(gm, gpa, len);
    if (b)
        mark_bank_dirty(b, gpa, len);
}

bool guest_memory_write(struct guest_memory *gm, uint64_t gpa, const void *src, uint64_t len)
{
    const struct mem_bank *b = guest_memory_bank_at(gm, gpa, len);
    if (!b)
        return false;
    memcpy(b->host + (gpa - b->gpa), src, len);
    mark_bank_dirty(b, gpa, len);
    return true;
}

bool guest_memory_read(const struct guest_memory *gm, uint64_t gpa, void *dst, uint64_t len)
{
    const void *src = guest_memory_ptr(gm, gpa, len);
    if (!src)
        return false;
    memcpy(dst, src, len);
    return true;
}

bool guest_memory_fill(struct guest_memory *gm, uint64_t gpa, uint8_t byte, uint64_t len)
{
    const struct mem_bank *b = guest_memory_bank_at(gm, gpa, len);
    if (!b)
        return false;
    memset(b->host + (gpa - b->gpa), byte, len);
    mark_bank_dirty(b, gpa, len);
    return true;
}

uint64_t guest_memory_ram_size(const struct guest_memory *gm)
{
    uint64_t total = 0;
    for (int i = 0; i < gm->count; i++)
        if (gm->banks[i].kind == MEM_BANK_RAM)
            total += gm->banks[i].size;
    return total;
}

int guest_memory_check_size(uint64_t size, uint64_t min, uint64_t max, const char *boot,
                            const char *why_max, struct wisp_error *err)
{
    if (size < min || size > max)
        return wisp_fail(err, WISP_EXIT_USAGE,
                         "memory size %llu MiB is out of range: the %s boot needs "
                         "%llu MiB to %llu MiB%s",
                         (unsigned long long)(size >> 20), boot, (unsigned long long)(min >> 20),
                         (unsigned long long)(max >> 20), why_max);
    if (size & 0xFFFFF)
        return wisp_fail(err, WISP_EXIT_USAGE, "memory size must be a whole number of MiB");
    return 0;
}
