/*
 * Saved state of a virtio PCI function (state/virtio_state.h): a device a
 * driver has set up (features with event indices, two queues, MSI-X on
 * with a programmed vector, its BAR moved, requests taken and used) is
 * saved and loaded into a fresh device on another bus; the copy has the
 * same registers, decodes its BAR at the same address with the queue's
 * ioeventfd there, and takes the next request where the first stopped.
 * Crafted files are refused field by field: configuration bytes the guest
 * cannot write, pending bits, features not offered, vectors outside the
 * table, queue sizes, rings misaligned or outside guest RAM, another queue
 * count, a truncated section.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dev/pci/pci_host.h"
#include "dev/virtio/virtio_pci.h"
#include "state/virtio_state.h"
#include "virtq_fixture.h"

struct machine {
    struct bus ports, mmio;
    struct pci_host host;
    struct virtio_pci vp;
    struct virtio_platform platform;
    unsigned ioeventfds;
    uint64_t ioeventfd_gpa;
};

static struct vq_fixture fx;
static struct machine a, b;

static void cfg_read(void *dev, uint32_t offset, uint8_t *data, unsigned size)
{
    (void)dev, (void)offset;
    memset(data, 0, size);
}
static int eventfd_of(void *dev, unsigned q) { (void)dev; return q == 0 ? 7 : -1; }

static const struct virtio_device_ops ops = {
    .name = "virtio-test", .device_id = 9, .class_code = 0xFF0000, .num_queues = 2,
    .queue_max_size = 16, .config_size = 8, .config_read = cfg_read,
    .queue_eventfd = eventfd_of,
};

static void on_msi(void *opaque, uint64_t address, uint32_t data)
{
    (void)opaque, (void)address, (void)data;
}
static void on_gsi(void *opaque, unsigned gsi, bool level) { (void)opaque, (void)gsi, (void)level; }
static const struct pci_host_ops host_ops = { on_msi, on_gsi };

static int attach(void *opaque, uint64_t gpa, int fd, bool assign)
{
    struct machine *m = opaque;
    assert_int_equal(fd, 7);
    if (assign) {
        m->ioeventfds++;
        m->ioeventfd_gpa = gpa;
    } else {
        m->ioeventfds--;
    }
    return 0;
}

static int build(struct machine *m)
{
    memset(m, 0, sizeof *m);
    m->ports.name = "port", m->mmio.name = "mmio";
    m->platform = (struct virtio_platform){ &fx.gm, attach, m };
    struct wisp_error err = { 0 };
    if (pci_host_init(&m->host, &m->ports, &m->mmio, &host_ops, m, &err) < 0)
        return -1;
    virtio_pci_init(&m->vp, &ops, NULL, 1ull << 5, &m->platform);
    return pci_host_add_device(&m->host, &m->vp.pci, &err);
}

static int setup(void **state)
{
    (void)state;
    if (fx_memory(&fx, 16) < 0)
        return -1;
    return build(&a) < 0 || build(&b) < 0 ? -1 : 0;
}

static int teardown(void **state)
{
    (void)state;
    fx_release(&fx);
    return 0;
}

static uint64_t bar_of(struct machine *m)
{
    return pci_bar_address(&m->vp.pci, 0);
}

static uint32_t rd(struct machine *m, uint64_t off, unsigned size)
{
    uint8_t d[8] = { 0 };
    assert_true(bus_dispatch(&m->mmio, bar_of(m) + off, d, size, false));
    uint32_t v;
    memcpy(&v, d, 4);
    return size == 4 ? v : v & ((1u << (8 * size)) - 1);
}

static void wr(struct machine *m, uint64_t off, uint32_t v, unsigned size)
{
    uint8_t d[8] = { 0 };
    memcpy(d, &v, 4);
    assert_true(bus_dispatch(&m->mmio, bar_of(m) + off, d, size, true));
}

/* The driver's set-up on machine a, then two requests taken and used. */
static void drive_a(void)
{
    struct machine *m = &a;
    pci_config_write(&m->vp.pci, PCI_COMMAND, 0, 2);
    pci_config_write(&m->vp.pci, PCI_BAR0, 0xD4000000, 4);
    pci_config_write(&m->vp.pci, PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER, 2);
    wr(m, VIRTIO_PCI_COMMON_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER, 1);
    wr(m, VIRTIO_PCI_COMMON_GFSELECT, 0, 4);
    wr(m, VIRTIO_PCI_COMMON_GF, (1u << 5) | (1u << VIRTIO_F_RING_EVENT_IDX), 4);
    wr(m, VIRTIO_PCI_COMMON_GFSELECT, 1, 4);
    wr(m, VIRTIO_PCI_COMMON_GF, 1, 4);
    wr(m, VIRTIO_PCI_COMMON_STATUS, 0xB, 1);
    pci_config_write(&m->vp.pci, m->vp.pci.msix.cap + 2, PCI_MSIX_FLAGS_ENABLE, 2);
    wr(m, VIRTIO_PCI_MSIX_TABLE_OFFSET + 16, 0xFEE00000u, 4);
    wr(m, VIRTIO_PCI_MSIX_TABLE_OFFSET + 24, 0x41, 4);
    wr(m, VIRTIO_PCI_MSIX_TABLE_OFFSET + 28, 0, 4);
    wr(m, VIRTIO_PCI_COMMON_MSIX, 0, 2);
    for (uint16_t q = 0; q < 2; q++) {
        wr(m, VIRTIO_PCI_COMMON_Q_SELECT, q, 2);
        wr(m, VIRTIO_PCI_COMMON_Q_SIZE, 16, 2);
        wr(m, VIRTIO_PCI_COMMON_Q_MSIX, 1, 2);
        wr(m, VIRTIO_PCI_COMMON_Q_DESCLO, FX_DESC + 0x2000u * q, 4);
        wr(m, VIRTIO_PCI_COMMON_Q_AVAILLO, FX_AVAIL + 0x2000u * q, 4);
        wr(m, VIRTIO_PCI_COMMON_Q_USEDLO, FX_USED + 0x2000u * q, 4);
        wr(m, VIRTIO_PCI_COMMON_Q_ENABLE, 1, 2);
    }
    wr(m, VIRTIO_PCI_COMMON_STATUS, 0xF, 1);
    assert_true(virtio_pci_running(&m->vp));
    struct vq_chain chain;
    char reason[VQ_REASON_MAX];
    for (uint16_t i = 0; i < 3; i++) {
        fx_desc(&fx, i, FX_DATA + 0x1000u * i, 64, VIRTQ_DESC_F_WRITE, 0);
        fx_avail(&fx, i);
    }
    for (int i = 0; i < 2; i++) {
        assert_int_equal(vq_pop(&m->vp.vq[0], &chain, reason, sizeof reason), VQ_OK);
        vq_push(&m->vp.vq[0], chain.head, 64);
    }
    assert_true(vq_should_interrupt(&m->vp.vq[0]));
    wr(m, VIRTIO_PCI_COMMON_Q_SELECT, 1, 2);
}

static struct state_io saved(void)
{
    struct state_io io;
    state_io_save_begin(&io, 0);
    state_virtio_pci(&io, &a.vp);
    assert_false(io.failed);
    return io;
}

static const char *load(const uint8_t *data, size_t size)
{
    assert_int_equal(build(&b), 0);
    struct state_io io;
    state_io_load_begin(&io, data, size, 0);
    state_virtio_pci(&io, &b.vp);
    return state_io_failed(&io) ? io.why : NULL;
}

static void test_round_trip_continues_where_the_device_stopped(void **state)
{
    (void)state;
    drive_a();
    struct state_io io = saved();
    const char *why = load(io.data, io.size);
    assert_null(why);
    free(io.data);
    /* The registers a driver reads. */
    assert_int_equal(bar_of(&b), 0xD4000000u);
    assert_int_equal(rd(&b, VIRTIO_PCI_COMMON_STATUS, 1), 0xF);
    assert_int_equal(rd(&b, VIRTIO_PCI_COMMON_Q_SELECT, 2), 1);
    assert_int_equal(rd(&b, VIRTIO_PCI_COMMON_Q_MSIX, 2), 1);
    assert_int_equal(rd(&b, VIRTIO_PCI_COMMON_Q_DESCLO, 4), FX_DESC + 0x2000u);
    assert_int_equal(rd(&b, VIRTIO_PCI_MSIX_TABLE_OFFSET + 24, 4), 0x41);
    assert_true(pci_msix_enabled(&b.vp.pci));
    assert_memory_equal(b.vp.pci.config, a.vp.pci.config, PCI_CONFIG_SIZE);
    assert_true(virtio_pci_has_feature(&b.vp, VIRTIO_F_RING_EVENT_IDX));
    /* The queue's ioeventfd follows the loaded BAR. */
    assert_int_equal(b.ioeventfds, 1);
    assert_int_equal(b.ioeventfd_gpa, 0xD4000000u + VIRTIO_PCI_NOTIFY_OFFSET);
    /* The device's side: indices and event-index bookkeeping. */
    struct virtqueue *qa = &a.vp.vq[0], *qb = &b.vp.vq[0];
    assert_int_equal(qb->last_avail, 2);
    assert_int_equal(qb->used_idx, 2);
    assert_int_equal(qb->signalled_used, qa->signalled_used);
    assert_true(qb->signalled_used_valid);
    assert_ptr_equal(qb->desc, qa->desc);
    /* The copy takes the third request, not the first again. */
    struct vq_chain chain;
    char reason[VQ_REASON_MAX];
    assert_int_equal(vq_pop(qb, &chain, reason, sizeof reason), VQ_OK);
    assert_int_equal(chain.head, 2);
    vq_push(qb, chain.head, 64);
    assert_int_equal(fx_used_idx(&fx), 3);
    assert_int_equal(vq_pop(qb, &chain, reason, sizeof reason), VQ_EMPTY);
}

/* Offsets in the section (state_virtio_pci's order). */
#define VECTORS 3u /* num_queues + 1 */
#define AT_CONFIG 0u
#define AT_PENDING (PCI_CONFIG_SIZE + 16u * VECTORS)
#define AT_OFFERED (AT_PENDING + 8u + 1u)
#define AT_ACCEPTED (AT_OFFERED + 8u)
#define AT_MSIX_CONFIG (AT_ACCEPTED + 8u + 4u + 4u)
#define AT_ISR (AT_MSIX_CONFIG + 2u + 2u + 1u + 1u)
#define AT_QUEUES (AT_ISR + 1u + 1u)
#define AT_Q0 (AT_QUEUES + 4u)
#define AT_Q0_SIZE (AT_Q0)
#define AT_Q0_VECTOR (AT_Q0 + 2u)
#define AT_Q0_DESC (AT_Q0 + 4u)
#define AT_Q0_EVENT_IDX (AT_Q0 + 4u + 24u + 1u + 2u + 2u + 2u + 1u)

static void put(uint8_t *p, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void test_crafted_fields_are_refused(void **state)
{
    (void)state;
    drive_a();
    struct state_io io = saved();
    static const struct {
        size_t at;
        uint64_t value;
        unsigned size;
        const char *why;
    } cases[] = {
        { AT_CONFIG + PCI_VENDOR_ID, 0x8086, 2, "PCI configuration saved for another device" },
        { AT_CONFIG + PCI_CLASS_DEVICE, 0x01, 1, "PCI configuration saved for another device" },
        { AT_PENDING, 1ull << VECTORS, 8, "MSI-X pending bit for a vector that does not exist" },
        { AT_OFFERED, 0xFF, 8, "virtio features saved for another device" },
        { AT_ACCEPTED, 1ull << 40, 8, "virtio driver accepted features not offered" },
        { AT_MSIX_CONFIG, VECTORS, 2, "virtio configuration vector out of range" },
        { AT_ISR, 0x80, 1, "virtio ISR bits out of range" },
        { AT_QUEUES, 3, 4, "virtio queue count saved for another device" },
        { AT_Q0_SIZE, 3, 2, "queue rings out of range (size, alignment or outside guest RAM)" },
        { AT_Q0_SIZE, 32, 2, "queue rings out of range (size, alignment or outside guest RAM)" },
        { AT_Q0_SIZE, 0, 2, "queue rings out of range (size, alignment or outside guest RAM)" },
        { AT_Q0_DESC, FX_DESC + 8, 8, "queue rings out of range (size, alignment or outside guest RAM)" },
        { AT_Q0_DESC, FX_RAM - 16, 8, "queue rings out of range (size, alignment or outside guest RAM)" },
        { AT_Q0_DESC, 0xFFFFFFFFFFFFFFF0ull, 8, "queue rings out of range (size, alignment or outside guest RAM)" },
        { AT_Q0_VECTOR, VECTORS, 2, "queue vector out of range" },
        { AT_Q0_EVENT_IDX, 0, 1, "queue event index does not match the features" },
    };
    uint8_t *copy = malloc(io.size);
    assert_non_null(copy);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        memcpy(copy, io.data, io.size);
        put(copy + cases[i].at, cases[i].value, cases[i].size);
        const char *why = load(copy, io.size);
        if (!why || strcmp(why, cases[i].why) != 0)
            fail_msg("case %zu: %s", i, why ? why : "accepted");
    }
    /* Truncated anywhere: refused. */
    for (size_t n = 0; n < io.size; n += 37)
        assert_non_null(load(io.data, n));
    /* Writable configuration bytes may hold anything the guest wrote. */
    memcpy(copy, io.data, io.size);
    copy[AT_CONFIG + PCI_INTERRUPT_LINE] = 0x0B;
    assert_null(load(copy, io.size));
    assert_int_equal(b.vp.pci.config[PCI_INTERRUPT_LINE], 0x0B);
    /* A disabled queue's addresses are not used, so not checked. */
    assert_int_equal(build(&a), 0);
    wr(&a, VIRTIO_PCI_COMMON_Q_DESCLO, 0xFFFFFFF8u, 4);
    free(io.data);
    io = saved();
    assert_null(load(io.data, io.size));
    assert_false(b.vp.vq[0].enabled);
    assert_null(b.vp.vq[0].desc);
    free(copy);
    free(io.data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_round_trip_continues_where_the_device_stopped,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_crafted_fields_are_refused, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
