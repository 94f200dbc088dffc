/*
 * libFuzzer target: the live migration stream (src/state/migration_stream.h)
 * as an --incoming wisp reads it from the network. The input is the whole
 * stream, read into a small machine (64 KiB of RAM at 0, one framebuffer
 * page at 0xC0000000): the reader must refuse it with a one-line message
 * or accept it, never write outside that memory (ASan watches), and an
 * accepted stream keeps its promises: both heads parsed, the memory index
 * last and empty (pages travel as records), every section inside its head.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "state/migration_stream.h"

struct input {
    const uint8_t *data;
    size_t size, at;
};

static int input_read(void *ctx, void *buf, size_t len)
{
    struct input *in = ctx;
    if (len > in->size - in->at)
        return -1;
    memcpy(buf, in->data + in->at, len);
    in->at += len;
    return 0;
}

static void check_head(const struct snapshot_contents *c)
{
    if (c->section_count == 0 || c->run_count != 0 ||
        c->sections[c->section_count - 1].type != SNAPSHOT_SECTION_MEMORY)
        abort();
    for (unsigned i = 0; i < c->section_count; i++) {
        const struct snapshot_section *s = &c->sections[i];
        if (s->data < c->head || s->size > c->head_size ||
            (size_t)(s->data - c->head) > c->head_size - s->size)
            abort();
    }
}

static void check_message(const struct wisp_error *err)
{
    if (err->status != WISP_EXIT_BAD_KERNEL || !err->message[0] || strchr(err->message, '\n'))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct guest_memory gm;
    static bool ready;
    struct wisp_error err = { 0 };
    if (!ready) {
        if (guest_memory_add_bank(&gm, "RAM", MEM_BANK_RAM, 0, 64 * 1024, &err) < 0 ||
            guest_memory_add_bank(&gm, "fb", MEM_BANK_FRAMEBUFFER, 0xC0000000ull, 4096, &err) < 0)
            abort();
        ready = true;
    }
    struct input in = { data, size, 0 };
    struct migration_reader r = { .read = input_read, .ctx = &in };
    struct snapshot_contents machine, state;
    if (migration_read_machine(&r, &machine, &err) < 0) {
        check_message(&err);
        return 0;
    }
    check_head(&machine);
    if (migration_read_memory(&r, &gm, &state, &err) < 0) {
        check_message(&err);
    } else {
        check_head(&state);
        if (r.bytes != in.at)
            abort();
        snapshot_contents_free(&state);
        free(state.head);
    }
    snapshot_contents_free(&machine);
    free(machine.head);
    return 0;
}
