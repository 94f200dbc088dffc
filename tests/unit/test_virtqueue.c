/*
 * The split virtqueue walker against a driver that follows the rules and
 * one that does not: every malformed chain (loops, indices out of range,
 * buffers outside guest memory, overflowing addresses and lengths, readable
 * after writable, indirect inside indirect, indirect with NEXT, bad
 * indirect tables, an available index that jumps) is refused with a reason,
 * breaks the queue, and touches nothing outside the used ring.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "virtq_fixture.h"

static struct vq_fixture fx;
static struct vq_chain chain;
static char reason[VQ_REASON_MAX];

static int setup(void **state)
{
    (void)state;
    return fx_init(&fx, 16, false);
}

static int teardown(void **state)
{
    (void)state;
    fx_release(&fx);
    return 0;
}

static enum vq_result pop(void)
{
    reason[0] = '\0';
    return vq_pop(&fx.vq, &chain, reason, sizeof reason);
}

/* The queue refuses with a reason containing `why`, and stays broken. */
static void refused(const char *why)
{
    assert_int_equal(pop(), VQ_ERROR);
    if (!strstr(reason, why))
        fail_msg("reason '%s' lacks '%s'", reason, why);
    assert_true(fx.vq.broken);
    assert_int_equal(pop(), VQ_EMPTY);
    assert_int_equal(fx_used_idx(&fx), 0);
}

/* ---- well-formed ---- */

static void test_empty_queue(void **state)
{
    (void)state;
    assert_int_equal(pop(), VQ_EMPTY);
    assert_false(vq_has_available(&fx.vq));
}

static void test_readable_then_writable_chain(void **state)
{
    (void)state;
    fx_desc(&fx, 3, FX_DATA, 16, VIRTQ_DESC_F_NEXT, 7);
    fx_desc(&fx, 7, FX_DATA + 0x1000, 512, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 1);
    fx_desc(&fx, 1, FX_DATA + 0x2000, 1, VIRTQ_DESC_F_WRITE, 0);
    fx_avail(&fx, 3);
    assert_true(vq_has_available(&fx.vq));
    assert_int_equal(pop(), VQ_OK);
    assert_int_equal(chain.head, 3);
    assert_int_equal(chain.readable, 1);
    assert_int_equal(chain.writable, 2);
    assert_int_equal(chain.readable_bytes, 16);
    assert_int_equal(chain.writable_bytes, 513);
    assert_ptr_equal(chain.buf[0].host, fx_ptr(&fx, FX_DATA, 16));
    assert_ptr_equal(chain.buf[2].host, fx_ptr(&fx, FX_DATA + 0x2000, 1));
    assert_int_equal(pop(), VQ_EMPTY);

    vq_push(&fx.vq, chain.head, 513);
    assert_int_equal(fx_used_idx(&fx), 1);
    struct virtq_used_elem e = fx_used(&fx, 0);
    assert_int_equal(e.id, 3);
    assert_int_equal(e.len, 513);
}

static void test_zero_length_buffers_are_skipped(void **state)
{
    (void)state;
    fx_desc(&fx, 0, FX_DATA, 0, VIRTQ_DESC_F_NEXT, 1);
    fx_desc(&fx, 1, 0xFFFFFFFFFFull, 0, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 2);
    fx_desc(&fx, 2, FX_DATA, 4, VIRTQ_DESC_F_WRITE, 0);
    fx_avail(&fx, 0);
    assert_int_equal(pop(), VQ_OK);
    assert_int_equal(chain.readable, 0);
    assert_int_equal(chain.writable, 1);
}

static void test_indirect_table(void **state)
{
    (void)state;
    const uint64_t table = FX_DATA + 0x10000;
    fx_desc_at(&fx, table, 0, FX_DATA, 100, VIRTQ_DESC_F_NEXT, 2);
    fx_desc_at(&fx, table, 2, FX_DATA + 100, 200, VIRTQ_DESC_F_NEXT, 1);
    fx_desc_at(&fx, table, 1, FX_DATA + 300, 1, VIRTQ_DESC_F_WRITE, 0);
    fx_desc(&fx, 5, table, 3 * 16, VIRTQ_DESC_F_INDIRECT, 0);
    fx_avail(&fx, 5);
    assert_int_equal(pop(), VQ_OK);
    assert_int_equal(chain.head, 5);
    assert_int_equal(chain.readable, 2);
    assert_int_equal(chain.writable, 1);
    assert_int_equal(chain.readable_bytes, 300);
}

static void test_direct_descriptors_then_an_indirect_table(void **state)
{
    (void)state;
    const uint64_t table = FX_DATA + 0x10000;
    fx_desc_at(&fx, table, 0, FX_DATA, 8, VIRTQ_DESC_F_WRITE, 0);
    fx_desc(&fx, 0, FX_DATA + 64, 16, VIRTQ_DESC_F_NEXT, 1);
    fx_desc(&fx, 1, table, 16, VIRTQ_DESC_F_INDIRECT, 0);
    fx_avail(&fx, 0);
    assert_int_equal(pop(), VQ_OK);
    assert_int_equal(chain.readable, 1);
    assert_int_equal(chain.writable, 1);
}

static void test_chain_read_and_write_span_buffers(void **state)
{
    (void)state;
    memcpy(fx_ptr(&fx, FX_DATA, 3), "abc", 3);
    memcpy(fx_ptr(&fx, FX_DATA + 0x100, 4), "defg", 4);
    fx_desc(&fx, 0, FX_DATA, 3, VIRTQ_DESC_F_NEXT, 1);
    fx_desc(&fx, 1, FX_DATA + 0x100, 4, VIRTQ_DESC_F_NEXT, 2);
    fx_desc(&fx, 2, FX_DATA + 0x200, 2, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 3);
    fx_desc(&fx, 3, FX_DATA + 0x300, 3, VIRTQ_DESC_F_WRITE, 0);
    fx_avail(&fx, 0);
    assert_int_equal(pop(), VQ_OK);
    char got[8] = { 0 };
    assert_int_equal(vq_chain_read(&chain, 2, got, sizeof got), 5);
    assert_string_equal(got, "cdefg");
    assert_int_equal(vq_chain_write(&chain, 1, "WXYZ", 4), 4);
    assert_memory_equal(fx_ptr(&fx, FX_DATA + 0x201, 1), "W", 1);
    assert_memory_equal(fx_ptr(&fx, FX_DATA + 0x300, 3), "XYZ", 3);
    /* Past the end of the writable part nothing more goes. */
    assert_int_equal(vq_chain_write(&chain, 4, "12", 2), 1);
}

static void test_wraparound_of_the_indices(void **state)
{
    (void)state;
    /* Driver and device both start at 65530 and cross 65535 -> 0. */
    fx.vq.last_avail = 65530;
    fx.vq.used_idx = 65530;
    fx_set_avail_idx(&fx, 65530);
    for (int i = 0; i < 12; i++) {
        fx_desc(&fx, (uint16_t)i, FX_DATA, 1, VIRTQ_DESC_F_WRITE, 0);
        fx_avail(&fx, (uint16_t)i);
        assert_int_equal(pop(), VQ_OK);
        assert_int_equal(chain.head, i);
        vq_push(&fx.vq, chain.head, 1);
    }
    assert_int_equal(fx_used_idx(&fx), (uint16_t)(65530 + 12));
}

/* ---- hostile ---- */

static void test_loop_is_refused(void **state)
{
    (void)state;
    fx_desc(&fx, 0, FX_DATA, 1, VIRTQ_DESC_F_NEXT, 1);
    fx_desc(&fx, 1, FX_DATA, 1, VIRTQ_DESC_F_NEXT, 2);
    fx_desc(&fx, 2, FX_DATA, 1, VIRTQ_DESC_F_NEXT, 0);
    fx_avail(&fx, 0);
    refused("loops");
}

static void test_self_loop_is_refused(void **state)
{
    (void)state;
    fx_desc(&fx, 4, FX_DATA, 1, VIRTQ_DESC_F_NEXT, 4);
    fx_avail(&fx, 4);
    refused("loops");
}

static void test_loop_inside_an_indirect_table_is_refused(void **state)
{
    (void)state;
    const uint64_t table = FX_DATA + 0x10000;
    fx_desc_at(&fx, table, 0, FX_DATA, 1, VIRTQ_DESC_F_NEXT, 1);
    fx_desc_at(&fx, table, 1, FX_DATA, 1, VIRTQ_DESC_F_NEXT, 0);
    fx_desc(&fx, 0, table, 2 * 16, VIRTQ_DESC_F_INDIRECT, 0);
    fx_avail(&fx, 0);
    refused("loops");
}

static void test_head_past_the_queue_is_refused(void **state)
{
    (void)state;
    fx_avail(&fx, 16);
    refused("descriptor 16 of 16");
}

static void test_next_past_the_queue_is_refused(void **state)
{
    (void)state;
    fx_desc(&fx, 0, FX_DATA, 1, VIRTQ_DESC_F_NEXT, 99);
    fx_avail(&fx, 0);
    refused("next index 99");
}

static void test_next_past_an_indirect_table_is_refused(void **state)
{
    (void)state;
    const uint64_t table = FX_DATA + 0x10000;
    fx_desc_at(&fx, table, 0, FX_DATA, 1, VIRTQ_DESC_F_NEXT, 2);
    fx_desc(&fx, 0, table, 2 * 16, VIRTQ_DESC_F_INDIRECT, 0);
    fx_avail(&fx, 0);
    refused("indirect table");
}

static void test_buffer_outside_guest_memory_is_refused(void **state)
{
    (void)state;
    fx_desc(&fx, 0, FX_RAM - 8, 16, 0, 0); /* straddles the end of RAM */
    fx_avail(&fx, 0);
    refused("outside guest memory");
}

static void test_buffer_far_outside_is_refused(void **state)
{
    (void)state;
    fx_desc(&fx, 0, 0xFEE00000, 4, VIRTQ_DESC_F_WRITE, 0); /* the LAPIC, not RAM */
    fx_avail(&fx, 0);
    refused("outside guest memory");
}

static void test_overflowing_address_is_refused(void **state)
{
    (void)state;
    fx_desc(&fx, 0, UINT64_MAX - 10, 100, VIRTQ_DESC_F_WRITE, 0);
    fx_avail(&fx, 0);
    refused("outside guest memory");
}

static void test_lengths_adding_past_4_gib_are_refused(void **state)
{
    (void)state;
    /* 500 readable buffers of 9 MiB (all the same RAM): over 4 GiB. */
    const uint64_t table = FX_DATA;
    for (uint16_t i = 0; i < 500; i++)
        fx_desc_at(&fx, table, i, 0x200000, 9u << 20, VIRTQ_DESC_F_NEXT, (uint16_t)(i + 1));
    fx_desc_at(&fx, table, 499, 0x200000, 9u << 20, 0, 0);
    fx_desc(&fx, 0, table, 500 * 16, VIRTQ_DESC_F_INDIRECT, 0);
    fx_avail(&fx, 0);
    refused("past 4 GiB");
}

static void test_readable_after_writable_is_refused(void **state)
{
    (void)state;
    fx_desc(&fx, 0, FX_DATA, 4, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 1);
    fx_desc(&fx, 1, FX_DATA, 4, 0, 0);
    fx_avail(&fx, 0);
    refused("device-readable descriptor follows");
}

static void test_indirect_inside_indirect_is_refused(void **state)
{
    (void)state;
    const uint64_t outer = FX_DATA + 0x10000, inner = FX_DATA + 0x20000;
    fx_desc_at(&fx, inner, 0, FX_DATA, 4, 0, 0);
    fx_desc_at(&fx, outer, 0, inner, 16, VIRTQ_DESC_F_INDIRECT, 0);
    fx_desc(&fx, 0, outer, 16, VIRTQ_DESC_F_INDIRECT, 0);
    fx_avail(&fx, 0);
    refused("indirect descriptor inside an indirect table");
}

static void test_indirect_with_next_is_refused(void **state)
{
    (void)state;
    fx_desc_at(&fx, FX_DATA + 0x10000, 0, FX_DATA, 4, 0, 0);
    fx_desc(&fx, 0, FX_DATA + 0x10000, 16, VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_NEXT, 1);
    fx_desc(&fx, 1, FX_DATA, 4, 0, 0);
    fx_avail(&fx, 0);
    refused("NEXT set");
}

static void test_indirect_table_lengths_are_checked(void **state)
{
    (void)state;
    static const uint32_t bad[] = { 0, 15, 17, 16 * (VQ_INDIRECT_MAX + 1) };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (i > 0) { /* a broken queue per length: start afresh */
            fx_release(&fx);
            assert_int_equal(fx_init(&fx, 16, false), 0);
        }
        fx_desc(&fx, 0, FX_DATA, bad[i], VIRTQ_DESC_F_INDIRECT, 0);
        fx_avail(&fx, 0);
        refused("indirect table of");
    }
}

static void test_indirect_table_outside_memory_is_refused(void **state)
{
    (void)state;
    fx_desc(&fx, 0, FX_RAM - 16, 32, VIRTQ_DESC_F_INDIRECT, 0);
    fx_avail(&fx, 0);
    refused("indirect table");
}

static void test_too_many_buffers_are_refused(void **state)
{
    (void)state;
    /* One direct buffer, then an indirect table of VQ_INDIRECT_MAX: one too many. */
    const uint64_t table = FX_DATA + 0x10000;
    for (uint16_t i = 0; i < VQ_INDIRECT_MAX; i++)
        fx_desc_at(&fx, table, i, FX_DATA, 1, i + 1 < VQ_INDIRECT_MAX ? VIRTQ_DESC_F_NEXT : 0,
                   (uint16_t)(i + 1));
    fx_desc(&fx, 0, FX_DATA, 1, VIRTQ_DESC_F_NEXT, 1);
    fx_desc(&fx, 1, table, 16 * VQ_INDIRECT_MAX, VIRTQ_DESC_F_INDIRECT, 0);
    fx_avail(&fx, 0);
    refused("more than 512 buffers");
}

static void test_available_index_jumping_is_refused(void **state)
{
    (void)state;
    fx_set_avail_idx(&fx, 17); /* 17 chains in a queue of 16 */
    refused("available index moved by 17");
}

static void test_broken_queue_recovers_after_reset(void **state)
{
    (void)state;
    fx_desc(&fx, 0, FX_DATA, 1, VIRTQ_DESC_F_NEXT, 0);
    fx_avail(&fx, 0);
    refused("loops");
    vq_reset(&fx.vq, &fx.gm, 16);
    fx.vq.desc_addr = FX_DESC;
    fx.vq.avail_addr = FX_AVAIL;
    fx.vq.used_addr = FX_USED;
    memset(fx_ptr(&fx, FX_AVAIL, 4), 0, 4);
    fx.avail_idx = 0;
    assert_true(fx_start(&fx, false));
    fx_desc(&fx, 0, FX_DATA, 1, 0, 0);
    fx_avail(&fx, 0);
    assert_int_equal(pop(), VQ_OK);
}

/* ---- starting a queue ---- */

static void test_start_checks_size_alignment_and_memory(void **state)
{
    (void)state;
    char why[VQ_REASON_MAX];
    struct virtqueue *vq = &fx.vq;
    vq_reset(vq, &fx.gm, 16);
    vq->desc_addr = FX_DESC, vq->avail_addr = FX_AVAIL, vq->used_addr = FX_USED;
    vq->size = 12;
    assert_false(vq_start(vq, 16, false, why, sizeof why));
    assert_non_null(strstr(why, "power of two"));
    vq->size = 32;
    assert_false(vq_start(vq, 16, false, why, sizeof why));
    vq->size = 16;
    vq->desc_addr = FX_DESC + 8;
    assert_false(vq_start(vq, 16, false, why, sizeof why));
    assert_non_null(strstr(why, "16-byte aligned"));
    vq->desc_addr = FX_DESC;
    vq->used_addr = FX_RAM - 8;
    assert_false(vq_start(vq, 16, false, why, sizeof why));
    assert_non_null(strstr(why, "used ring"));
    vq->used_addr = FX_USED + 2;
    assert_false(vq_start(vq, 16, false, why, sizeof why));
    vq->used_addr = FX_USED;
    assert_true(vq_start(vq, 16, false, why, sizeof why));
}

/* ---- interrupts and notifications ---- */

static void push_one(void)
{
    fx_desc(&fx, 0, FX_DATA, 1, VIRTQ_DESC_F_WRITE, 0);
    fx_avail(&fx, 0);
    assert_int_equal(pop(), VQ_OK);
    vq_push(&fx.vq, 0, 1);
}

static void test_no_interrupt_flag(void **state)
{
    (void)state;
    push_one();
    assert_true(vq_should_interrupt(&fx.vq));
    uint16_t flags = VIRTQ_AVAIL_F_NO_INTERRUPT;
    memcpy(fx_ptr(&fx, FX_AVAIL, 2), &flags, 2);
    push_one();
    assert_false(vq_should_interrupt(&fx.vq));
}

static void test_event_index(void **state)
{
    (void)state;
    fx_release(&fx);
    assert_int_equal(fx_init(&fx, 16, true), 0);
    /* The driver wants an interrupt once used passes 2 (used_event = 2). */
    uint16_t used_event = 2;
    memcpy(fx_ptr(&fx, FX_AVAIL + 4 + 2 * 16, 2), &used_event, 2);
    push_one(); /* used 1: first interrupt always */
    assert_true(vq_should_interrupt(&fx.vq));
    push_one(); /* used 2: 1 -> 2 does not pass event 2 */
    assert_false(vq_should_interrupt(&fx.vq));
    push_one(); /* used 3: passes 2 */
    assert_true(vq_should_interrupt(&fx.vq));
    /* Each take asks to hear of the next buffer: avail_event = last_avail. */
    uint16_t avail_event;
    memcpy(&avail_event, fx_ptr(&fx, FX_USED + 4 + 8 * 16, 2), 2);
    assert_int_equal(avail_event, 3);
}

static void test_notification_suppression_without_event_index(void **state)
{
    (void)state;
    vq_set_notification(&fx.vq, false);
    uint16_t flags;
    memcpy(&flags, fx_ptr(&fx, FX_USED, 2), 2);
    assert_int_equal(flags, VIRTQ_USED_F_NO_NOTIFY);
    vq_set_notification(&fx.vq, true);
    memcpy(&flags, fx_ptr(&fx, FX_USED, 2), 2);
    assert_int_equal(flags, 0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_empty_queue),
        T(test_readable_then_writable_chain),
        T(test_zero_length_buffers_are_skipped),
        T(test_indirect_table),
        T(test_direct_descriptors_then_an_indirect_table),
        T(test_chain_read_and_write_span_buffers),
        T(test_wraparound_of_the_indices),
        T(test_loop_is_refused),
        T(test_self_loop_is_refused),
        T(test_loop_inside_an_indirect_table_is_refused),
        T(test_head_past_the_queue_is_refused),
        T(test_next_past_the_queue_is_refused),
        T(test_next_past_an_indirect_table_is_refused),
        T(test_buffer_outside_guest_memory_is_refused),
        T(test_buffer_far_outside_is_refused),
        T(test_overflowing_address_is_refused),
        T(test_lengths_adding_past_4_gib_are_refused),
        T(test_readable_after_writable_is_refused),
        T(test_indirect_inside_indirect_is_refused),
        T(test_indirect_with_next_is_refused),
        T(test_indirect_table_lengths_are_checked),
        T(test_indirect_table_outside_memory_is_refused),
        T(test_too_many_buffers_are_refused),
        T(test_available_index_jumping_is_refused),
        T(test_broken_queue_recovers_after_reset),
        T(test_start_checks_size_alignment_and_memory),
        T(test_no_interrupt_flag),
        T(test_event_index),
        T(test_notification_suppression_without_event_index),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
