/*
 * Guest-physical memory as a list of banks. Every access to guest memory
 * goes through guest_memory_ptr() or the read/write helpers below, which
 * refuse ranges that leave a bank or overflow: the main security boundary
 * between a guest (or a hostile kernel file) and the host.
 */
#ifndef WISP_GUEST_MEMORY_H
#define WISP_GUEST_MEMORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

enum mem_bank_kind {
    MEM_BANK_RAM,
    MEM_BANK_FRAMEBUFFER,
};

struct mem_bank {
    const char *name;
    enum mem_bank_kind kind;
    uint64_t gpa;
    uint64_t size;
    uint8_t *host; /* anonymous mapping, zero-filled */
    /* Live migration: while set (an atomic pointer), guest_memory_write and
     * _fill mark the pages they write here, one bit a 4 KiB page: the
     * accelerator's dirty log sees only the guest's own writes. */
    uint64_t *host_dirty;
};

#define GUEST_MEMORY_MAX_BANKS 8

struct guest_memory {
    struct mem_bank banks[GUEST_MEMORY_MAX_BANKS];
    int count;
};

/* Maps size bytes (page-aligned gpa and size) of fresh zeroed host memory at
 * gpa. Fails on overlap with an existing bank or when the host cannot give
 * the memory. */
int guest_memory_add_bank(struct guest_memory *gm, const char *name,
                          enum mem_bank_kind kind, uint64_t gpa, uint64_t size,
                          struct wisp_error *err);

void guest_memory_release(struct guest_memory *gm);

/* Host pointer for [gpa, gpa+len) if the whole range lies inside one bank,
 * else NULL. len == 0 is allowed (a valid position inside a bank). */
void *guest_memory_ptr(const struct guest_memory *gm, uint64_t gpa, uint64_t len);

/* The bank holding [gpa, gpa+len), or NULL. */
const struct mem_bank *guest_memory_bank_at(const struct guest_memory *gm,
                                            uint64_t gpa, uint64_t len);

/* Marks [gpa, gpa+len) in its bank's host_dirty bitmap, if it has one. */
void guest_memory_mark_host_dirty(const struct guest_memory *gm, uint64_t gpa, uint64_t len);

/* Checked copies; return false if the range is not entirely guest memory. */
bool guest_memory_write(struct guest_memory *gm, uint64_t gpa, const void *src, uint64_t len);
bool guest_memory_read(const struct guest_memory *gm, uint64_t gpa, void *dst, uint64_t len);
bool guest_memory_fill(struct guest_memory *gm, uint64_t gpa, uint8_t byte, uint64_t len);

/* Bytes of RAM (framebuffer banks excluded). */
uint64_t guest_memory_ram_size(const struct guest_memory *gm);

/* Checks a requested RAM size against what a boot protocol allows (MiB
 * granular); the message names the boot and why the limit exists. */
int guest_memory_check_size(uint64_t size, uint64_t min, uint64_t max, const char *boot,
                            const char *why_max, struct wisp_error *err);

#endif
