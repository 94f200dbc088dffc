/*
 * How the VMM's answer to an emulated access gets back into the WHP
 * instruction emulator (struct winhv_replay in winhv_translate.c).
 *
 * A fake emulator runs an instruction as a script of accesses, the way
 * WHvEmulatorTryMmioEmulation calls its memory callback: it stops at the
 * first callback that fails (committing nothing) and commits only when
 * every access succeeded. A fake VMM answers each exit the way vm_run does.
 * The device behind them must see every access exactly once, in program
 * order, and the instruction must see the device's answers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "accel/winhv_translate.h"

struct step {
    uint64_t addr;
    uint8_t size;
    bool is_write;
    uint32_t value; /* written value */
};

/* ---- the device: reads return 0x100, 0x101, ...; writes are logged ---- */

struct device {
    uint32_t next_read;
    struct { uint64_t addr; bool is_write; uint32_t value; } seen[64];
    unsigned nseen;
};

static uint32_t device_access(struct device *d, uint64_t addr, bool is_write, uint32_t value)
{
    assert_true(d->nseen < 64);
    if (!is_write)
        value = 0x100 + d->next_read++;
    d->seen[d->nseen].addr = addr;
    d->seen[d->nseen].is_write = is_write;
    d->seen[d->nseen].value = value;
    d->nseen++;
    return value;
}

/* ---- the fake emulator ---- */

struct emulator {
    uint32_t got[16]; /* what the instruction read, in order */
    unsigned ngot;
    unsigned attempts;
};

/* Returns true when the instruction completed. */
static bool attempt(struct winhv_replay *r, struct emulator *em, const struct step *script,
                    unsigned n, enum winhv_replay_verdict *failure)
{
    uint32_t got[16];
    unsigned ngot = 0;
    em->attempts++;
    winhv_replay_begin(r);
    for (unsigned i = 0; i < n; i++) {
        uint8_t data[8] = { 0 };
        memcpy(data, &script[i].value, 4);
        enum winhv_replay_verdict v =
            winhv_replay_access(r, script[i].addr, script[i].size, script[i].is_write, data);
        if (v != WINHV_REPLAY_ANSWERED && v != WINHV_REPLAY_TAKEN) {
            *failure = v;
            return false;
        }
        if (!script[i].is_write) {
            uint32_t value = 0;
            memcpy(&value, data, script[i].size);
            got[ngot++] = value;
        }
    }
    memcpy(em->got, got, sizeof got); /* committed */
    em->ngot = ngot;
    return true;
}

/* The VMM's side of one exit: hands every outstanding access to the
 * device, stores the answers to reads. Returns how many there were. */
static size_t vmm_answers(struct winhv_replay *r, struct device *d)
{
    struct winhv_access *first;
    size_t n = winhv_replay_outstanding(r, &first);
    for (size_t i = 0; i < n; i++) {
        uint32_t value = 0;
        memcpy(&value, first[i].data, first[i].size > 4 ? 4 : first[i].size);
        value = device_access(d, first[i].addr, first[i].is_write, value);
        if (!first[i].is_write)
            memcpy(first[i].data, &value, first[i].size > 4 ? 4 : first[i].size);
    }
    winhv_replay_handed(r);
    return n;
}

/* Runs the instruction to completion as whp.c does; returns the number of
 * exits the VMM saw. */
static unsigned run_instruction(struct winhv_replay *r, struct emulator *em, struct device *d,
                                const struct step *script, unsigned n, bool batch_writes,
                                uint64_t expected_reads)
{
    unsigned exits = 0;
    enum winhv_replay_verdict failure = WINHV_REPLAY_ANSWERED;
    winhv_replay_reset(r, batch_writes, expected_reads);
    for (;;) {
        bool done = attempt(r, em, script, n, &failure);
        assert_true(done || failure == WINHV_REPLAY_STOP);
        struct winhv_access *first;
        if (winhv_replay_outstanding(r, &first) > 0) {
            exits++;
            vmm_answers(r, d);
        } else {
            assert_true(done); /* a stop always leaves something for the VMM */
        }
        if (done)
            return exits;
        assert_true(em->attempts < 100);
    }
}

static struct winhv_replay replay;

static int teardown(void **state)
{
    (void)state;
    winhv_replay_free(&replay);
    return 0;
}

static void test_mmio_read(void **state)
{
    (void)state;
    static const struct step mov_load[] = { { 0xFEE00030, 4, false, 0 } };
    struct emulator em = { .attempts = 0 };
    struct device d = { .nseen = 0 };
    assert_int_equal(run_instruction(&replay, &em, &d, mov_load, 1, false, 1), 1);
    assert_int_equal(em.attempts, 2);
    assert_int_equal(em.ngot, 1);
    assert_int_equal(em.got[0], 0x100);
    assert_int_equal(d.nseen, 1);
    assert_false(d.seen[0].is_write);
}

static void test_mmio_write_completes_at_once(void **state)
{
    (void)state;
    static const struct step mov_store[] = { { 0xFEE000B0, 4, true, 0 } };
    struct emulator em = { .attempts = 0 };
    struct device d = { .nseen = 0 };
    assert_int_equal(run_instruction(&replay, &em, &d, mov_store, 1, false, 1), 1);
    assert_int_equal(em.attempts, 1); /* committed in the first attempt */
    assert_int_equal(d.nseen, 1);
    assert_true(d.seen[0].is_write);
    assert_int_equal(d.seen[0].addr, 0xFEE000B0);
}

static void test_read_then_write(void **state)
{
    (void)state;
    /* movs from one MMIO register to another */
    static const struct step movs[] = {
        { 0xFED00010, 4, false, 0 },
        { 0xFED00020, 4, true, 0x55 },
    };
    struct emulator em = { .attempts = 0 };
    struct device d = { .nseen = 0 };
    assert_int_equal(run_instruction(&replay, &em, &d, movs, 2, false, 1), 2);
    assert_int_equal(d.nseen, 2);
    assert_false(d.seen[0].is_write);
    assert_true(d.seen[1].is_write);
    assert_int_equal(d.seen[1].value, 0x55);
}

static void test_write_then_read_keeps_order(void **state)
{
    (void)state;
    /* The read may depend on the write: the device must see the write
     * first, and each exactly once. */
    static const struct step script[] = {
        { 0x1000, 1, true, 0xAA },
        { 0x1004, 1, false, 0 },
        { 0x1008, 2, true, 0xBB },
    };
    struct emulator em = { .attempts = 0 };
    struct device d = { .nseen = 0 };
    unsigned exits = run_instruction(&replay, &em, &d, script, 3, false, 1);
    assert_int_equal(exits, 3);
    assert_int_equal(d.nseen, 3);
    assert_int_equal(d.seen[0].addr, 0x1000);
    assert_true(d.seen[0].is_write);
    assert_int_equal(d.seen[1].addr, 0x1004);
    assert_false(d.seen[1].is_write);
    assert_int_equal(d.seen[2].addr, 0x1008);
    assert_int_equal(d.seen[2].value, 0xBB);
    assert_int_equal(em.got[0] & 0xFF, 0x00); /* one byte of 0x100 */
}

static void test_outs_batch(void **state)
{
    (void)state;
    struct step outs[5];
    for (unsigned i = 0; i < 5; i++)
        outs[i] = (struct step){ 0x3F8, 1, true, 'a' + i };
    struct emulator em = { .attempts = 0 };
    struct device d = { .nseen = 0 };
    assert_int_equal(run_instruction(&replay, &em, &d, outs, 5, true, 0), 1);
    assert_int_equal(em.attempts, 1);
    assert_int_equal(d.nseen, 5);
    for (unsigned i = 0; i < 5; i++)
        assert_int_equal(d.seen[i].value, 'a' + i);
}

static void test_ins_read_ahead(void **state)
{
    (void)state;
    struct step ins[6];
    for (unsigned i = 0; i < 6; i++)
        ins[i] = (struct step){ 0x1F0, 2, false, 0 };
    struct emulator em = { .attempts = 0 };
    struct device d = { .nseen = 0 };
    /* All six asked for in one exit. */
    assert_int_equal(run_instruction(&replay, &em, &d, ins, 6, false, 6), 1);
    assert_int_equal(em.attempts, 2);
    assert_int_equal(d.nseen, 6);
    assert_int_equal(em.ngot, 6);
    for (unsigned i = 0; i < 6; i++)
        assert_int_equal(em.got[i], 0x100 + i);
}

static void test_ins_more_than_expected(void **state)
{
    (void)state;
    struct step ins[3];
    for (unsigned i = 0; i < 3; i++)
        ins[i] = (struct step){ 0x60, 2, false, 0 };
    struct emulator em = { .attempts = 0 };
    struct device d = { .nseen = 0 };
    /* Two expected, three done: the third is asked for on its own. */
    assert_int_equal(run_instruction(&replay, &em, &d, ins, 3, false, 2), 2);
    assert_int_equal(d.nseen, 3);
    assert_int_equal(em.got[2], 0x102);
}

static void test_mismatch(void **state)
{
    (void)state;
    uint8_t data[8] = { 0 };
    winhv_replay_reset(&replay, false, 1);
    winhv_replay_begin(&replay);
    assert_int_equal(winhv_replay_access(&replay, 0xA000, 4, false, data), WINHV_REPLAY_STOP);
    struct device d = { .nseen = 0 };
    vmm_answers(&replay, &d);
    winhv_replay_begin(&replay);
    assert_int_equal(winhv_replay_access(&replay, 0xB000, 4, false, data), WINHV_REPLAY_MISMATCH);
    winhv_replay_begin(&replay);
    assert_int_equal(winhv_replay_access(&replay, 0xA000, 2, false, data), WINHV_REPLAY_MISMATCH);
    winhv_replay_begin(&replay);
    assert_int_equal(winhv_replay_access(&replay, 0xA000, 4, true, data), WINHV_REPLAY_MISMATCH);
    winhv_replay_begin(&replay);
    assert_int_equal(winhv_replay_access(&replay, 0xA000, 4, false, data), WINHV_REPLAY_ANSWERED);
    assert_int_equal(data[0], 0x00);
    assert_int_equal(data[1], 0x01);
    /* zero or oversized accesses are refused */
    assert_int_equal(winhv_replay_access(&replay, 0xA004, 0, false, data), WINHV_REPLAY_MISMATCH);
    assert_int_equal(winhv_replay_access(&replay, 0xA004, 9, false, data), WINHV_REPLAY_MISMATCH);
}

static void test_unanswered_read_is_not_replayed(void **state)
{
    (void)state;
    uint8_t data[8] = { 0 };
    winhv_replay_reset(&replay, false, 1);
    winhv_replay_begin(&replay);
    assert_int_equal(winhv_replay_access(&replay, 0xA000, 4, false, data), WINHV_REPLAY_STOP);
    /* Another attempt before the VMM answered must not invent data. */
    winhv_replay_begin(&replay);
    assert_int_equal(winhv_replay_access(&replay, 0xA000, 4, false, data), WINHV_REPLAY_STOP);
    struct winhv_access *first;
    assert_int_equal(winhv_replay_outstanding(&replay, &first), 1);
}

static void test_reset_forgets(void **state)
{
    (void)state;
    static const struct step mov_load[] = { { 0xFEE00030, 4, false, 0 } };
    struct emulator em = { .attempts = 0 };
    struct device d = { .nseen = 0 };
    run_instruction(&replay, &em, &d, mov_load, 1, false, 1);
    run_instruction(&replay, &em, &d, mov_load, 1, false, 1);
    assert_int_equal(d.nseen, 2); /* the second instruction reads again */
    assert_int_equal(em.got[0], 0x101);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_mmio_read, teardown),
        cmocka_unit_test_teardown(test_mmio_write_completes_at_once, teardown),
        cmocka_unit_test_teardown(test_read_then_write, teardown),
        cmocka_unit_test_teardown(test_write_then_read_keeps_order, teardown),
        cmocka_unit_test_teardown(test_outs_batch, teardown),
        cmocka_unit_test_teardown(test_ins_read_ahead, teardown),
        cmocka_unit_test_teardown(test_ins_more_than_expected, teardown),
        cmocka_unit_test_teardown(test_mismatch, teardown),
        cmocka_unit_test_teardown(test_unanswered_read_is_not_replayed, teardown),
        cmocka_unit_test_teardown(test_reset_forgets, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
