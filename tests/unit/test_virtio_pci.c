/*
 * The virtio PCI transport as a driver sees it through BAR 0 and the
 * configuration space: the capabilities, feature negotiation (VERSION_1
 * required, nothing not offered), queue set-up, notifications reaching the
 * device (or its ioeventfd), interrupts by MSI-X vector or ISR + INTx, a
 * bad ring or chain turning into DEVICE_NEEDS_RESET with a configuration
 * interrupt, reset clearing it, and the PCI configuration access window.
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
#include "virtq_fixture.h"

static struct vq_fixture fx;
static struct bus ports, mmio;
static struct pci_host host;
static struct virtio_pci vp;
static struct virtio_platform platform;

static struct {
    unsigned notified[4];
    unsigned resets, driver_ok;
    unsigned msi;
    uint32_t msi_data;
    bool intx;
    unsigned ioeventfds_attached;
    uint64_t ioeventfd_gpa;
} seen;

static void cfg_read(void *dev, uint32_t offset, uint8_t *data, unsigned size)
{
    (void)dev;
    for (unsigned i = 0; i < size; i++)
        data[i] = (uint8_t)(0xC0 + offset + i);
}
static void notify(void *dev, unsigned q) { (void)dev; seen.notified[q]++; }
static int eventfd_of(void *dev, unsigned q) { (void)dev; return q == 1 ? 42 : -1; }
static void on_driver_ok(void *dev) { (void)dev; seen.driver_ok++; }
static void on_reset(void *dev) { (void)dev; seen.resets++; }

static const struct virtio_device_ops ops = {
    .name = "virtio-test", .device_id = 9, .class_code = 0xFF0000, .num_queues = 2,
    .queue_max_size = 16, .config_size = 8, .config_read = cfg_read, .queue_notify = notify,
    .queue_eventfd = eventfd_of, .driver_ok = on_driver_ok, .reset = on_reset,
};

static void on_msi(void *opaque, uint64_t address, uint32_t data)
{
    (void)opaque, (void)address;
    seen.msi++;
    seen.msi_data = data;
}
static void on_gsi(void *opaque, unsigned gsi, bool level) { (void)opaque, (void)gsi; seen.intx = level; }
static const struct pci_host_ops host_ops = { on_msi, on_gsi };

static int attach(void *opaque, uint64_t gpa, int fd, bool assign)
{
    (void)opaque;
    assert_int_equal(fd, 42);
    if (assign) {
        seen.ioeventfds_attached++;
        seen.ioeventfd_gpa = gpa;
    } else {
        seen.ioeventfds_attached--;
    }
    return 0;
}

static uint64_t bar;

static int setup(void **state)
{
    (void)state;
    memset(&seen, 0, sizeof seen);
    memset(&ports, 0, sizeof ports);
    memset(&mmio, 0, sizeof mmio);
    ports.name = "port", mmio.name = "mmio";
    if (fx_memory(&fx, 16) < 0)
        return -1;
    platform = (struct virtio_platform){ &fx.gm, attach, NULL };
    struct wisp_error err = { 0 };
    if (pci_host_init(&host, &ports, &mmio, &host_ops, NULL, &err) < 0)
        return -1;
    virtio_pci_init(&vp, &ops, NULL, 1ull << 5, &platform);
    if (pci_host_add_device(&host, &vp.pci, &err) < 0)
        return -1;
    bar = pci_bar_address(&vp.pci, 0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    fx_release(&fx);
    return 0;
}

static uint32_t rd(uint64_t off, unsigned size)
{
    uint8_t d[8] = { 0 };
    assert_true(bus_dispatch(&mmio, bar + off, d, size, false));
    uint32_t v;
    memcpy(&v, d, 4);
    return size == 4 ? v : v & ((1u << (8 * size)) - 1);
}

static void wr(uint64_t off, uint32_t v, unsigned size)
{
    uint8_t d[8] = { 0 };
    memcpy(d, &v, 4);
    assert_true(bus_dispatch(&mmio, bar + off, d, size, true));
}

/* The driver's usual sequence up to FEATURES_OK. */
static void negotiate(uint32_t low, uint32_t high)
{
    wr(VIRTIO_PCI_COMMON_STATUS, 0, 1);
    wr(VIRTIO_PCI_COMMON_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER, 1);
    wr(VIRTIO_PCI_COMMON_GFSELECT, 0, 4);
    wr(VIRTIO_PCI_COMMON_GF, low, 4);
    wr(VIRTIO_PCI_COMMON_GFSELECT, 1, 4);
    wr(VIRTIO_PCI_COMMON_GF, high, 4);
    wr(VIRTIO_PCI_COMMON_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
                                     VIRTIO_CONFIG_S_FEATURES_OK, 1);
}

static void set_up_queue(uint16_t q)
{
    wr(VIRTIO_PCI_COMMON_Q_SELECT, q, 2);
    wr(VIRTIO_PCI_COMMON_Q_SIZE, 16, 2);
    wr(VIRTIO_PCI_COMMON_Q_DESCLO, FX_DESC, 4);
    wr(VIRTIO_PCI_COMMON_Q_AVAILLO, FX_AVAIL, 4);
    wr(VIRTIO_PCI_COMMON_Q_USEDLO, FX_USED, 4);
    wr(VIRTIO_PCI_COMMON_Q_ENABLE, 1, 2);
}

static void test_identity_and_capabilities(void **state)
{
    (void)state;
    assert_int_equal(pci_config_read(&vp.pci, 0, 4), 0x10491AF4u); /* 0x1040 + 9 */
    assert_int_equal(pci_config_read(&vp.pci, PCI_REVISION_ID, 1), 1);
    unsigned found[6] = { 0 };
    for (unsigned at = pci_config_read(&vp.pci, PCI_CAPABILITY_LIST, 1); at;
         at = pci_config_read(&vp.pci, at + 1, 1)) {
        if (pci_config_read(&vp.pci, at, 1) != PCI_CAP_ID_VENDOR)
            continue;
        unsigned type = pci_config_read(&vp.pci, at + 3, 1);
        assert_true(type >= 1 && type <= 5);
        found[type]++;
        assert_int_equal(pci_config_read(&vp.pci, at + 4, 1), 0); /* BAR 0 */
        if (type == VIRTIO_PCI_CAP_NOTIFY_CFG)
            assert_int_equal(pci_config_read(&vp.pci, at + 16, 4), VIRTIO_PCI_NOTIFY_MULTIPLIER);
    }
    for (unsigned t = 1; t <= 5; t++)
        assert_int_equal(found[t], 1);
    assert_int_equal(rd(VIRTIO_PCI_COMMON_NUMQ, 2), 2);
}

static void test_features(void **state)
{
    (void)state;
    wr(VIRTIO_PCI_COMMON_DFSELECT, 0, 4);
    uint32_t low = rd(VIRTIO_PCI_COMMON_DF, 4);
    wr(VIRTIO_PCI_COMMON_DFSELECT, 1, 4);
    uint32_t high = rd(VIRTIO_PCI_COMMON_DF, 4);
    assert_true(low & (1u << 5));                         /* the device's own */
    assert_true(low & (1u << VIRTIO_F_RING_EVENT_IDX));
    assert_true(low & (1u << VIRTIO_F_INDIRECT_DESC));
    assert_int_equal(high, 1);                            /* VERSION_1 */
    /* Without VERSION_1: no FEATURES_OK. */
    negotiate(1u << 5, 0);
    assert_false(rd(VIRTIO_PCI_COMMON_STATUS, 1) & VIRTIO_CONFIG_S_FEATURES_OK);
    /* A feature that was not offered: no FEATURES_OK. */
    negotiate(1u << 6, 1);
    assert_false(rd(VIRTIO_PCI_COMMON_STATUS, 1) & VIRTIO_CONFIG_S_FEATURES_OK);
    negotiate(1u << 5, 1);
    assert_true(rd(VIRTIO_PCI_COMMON_STATUS, 1) & VIRTIO_CONFIG_S_FEATURES_OK);
    assert_true(virtio_pci_has_feature(&vp, VIRTIO_F_VERSION_1));
    /* Features are frozen after FEATURES_OK. */
    wr(VIRTIO_PCI_COMMON_GFSELECT, 0, 4);
    wr(VIRTIO_PCI_COMMON_GF, 0, 4);
    assert_true(virtio_pci_has_feature(&vp, 5));
}

static void test_queue_setup_notify_and_ioeventfd(void **state)
{
    (void)state;
    negotiate(0, 1);
    assert_int_equal(rd(VIRTIO_PCI_COMMON_Q_SIZE, 2), 16); /* the maximum */
    set_up_queue(0);
    set_up_queue(1);
    assert_int_equal(rd(VIRTIO_PCI_COMMON_Q_ENABLE, 2), 1);
    assert_int_equal(rd(VIRTIO_PCI_COMMON_Q_NOFF, 2), 1);
    wr(VIRTIO_PCI_COMMON_STATUS, 0xF, 1);
    assert_int_equal(seen.driver_ok, 1);
    assert_true(virtio_pci_running(&vp));
    wr(VIRTIO_PCI_NOTIFY_OFFSET + 0, 0, 2);
    assert_int_equal(seen.notified[0], 1);
    /* Queue 1 has an eventfd: attached at its notification address. */
    assert_int_equal(seen.ioeventfds_attached, 1);
    assert_int_equal(seen.ioeventfd_gpa, bar + VIRTIO_PCI_NOTIFY_OFFSET + 4);
    /* Moving the BAR moves it; decode off detaches it. */
    pci_config_write(&vp.pci, PCI_COMMAND, 0, 2);
    assert_int_equal(seen.ioeventfds_attached, 0);
    pci_config_write(&vp.pci, PCI_BAR0, 0xD4000000, 4);
    pci_config_write(&vp.pci, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
    assert_int_equal(seen.ioeventfds_attached, 1);
    assert_int_equal(seen.ioeventfd_gpa, 0xD4000000u + VIRTIO_PCI_NOTIFY_OFFSET + 4);
    bar = 0xD4000000;
    /* Queue registers are frozen once enabled. */
    wr(VIRTIO_PCI_COMMON_Q_SELECT, 0, 2);
    wr(VIRTIO_PCI_COMMON_Q_DESCLO, 0x5000, 4);
    assert_int_equal(rd(VIRTIO_PCI_COMMON_Q_DESCLO, 4), FX_DESC);
    /* Queues past num_queues read 0 and take nothing. */
    wr(VIRTIO_PCI_COMMON_Q_SELECT, 5, 2);
    assert_int_equal(rd(VIRTIO_PCI_COMMON_Q_SIZE, 2), 0);
    wr(VIRTIO_PCI_NOTIFY_OFFSET + 4 * 5, 5, 2);
    /* The device configuration. */
    assert_int_equal(rd(VIRTIO_PCI_DEVICE_OFFSET + 2, 1), 0xC2);
    assert_int_equal(rd(VIRTIO_PCI_DEVICE_OFFSET + 0x100, 4), 0); /* past config_size */
}

static void test_interrupts_by_msix_and_by_intx(void **state)
{
    (void)state;
    negotiate(0, 1);
    set_up_queue(0);
    wr(VIRTIO_PCI_COMMON_STATUS, 0xF, 1);
    /* INTx: ISR bit 0 and the line, cleared by reading the ISR. */
    fx_desc(&fx, 0, FX_DATA, 4, VIRTQ_DESC_F_WRITE, 0);
    vq_push(&vp.vq[0], 0, 4);
    virtio_pci_interrupt_queue(&vp, 0);
    assert_true(seen.intx);
    assert_int_equal(rd(VIRTIO_PCI_ISR_OFFSET, 1), VIRTIO_PCI_ISR_QUEUE);
    assert_false(seen.intx);
    assert_int_equal(rd(VIRTIO_PCI_ISR_OFFSET, 1), 0);
    /* MSI-X: the queue's vector. */
    uint8_t cap = vp.pci.msix.cap;
    pci_config_write(&vp.pci, cap + 2, PCI_MSIX_FLAGS_ENABLE, 2);
    uint64_t entry = VIRTIO_PCI_MSIX_TABLE_OFFSET + 16 * 1;
    wr(entry, 0xFEE00000u, 4);
    wr(entry + 8, 0x31, 4);
    wr(entry + 12, 0, 4);
    wr(VIRTIO_PCI_COMMON_Q_MSIX, 1, 2);
    assert_int_equal(rd(VIRTIO_PCI_COMMON_Q_MSIX, 2), 1);
    wr(VIRTIO_PCI_COMMON_Q_MSIX, 77, 2); /* no such vector: reads NO_VECTOR */
    assert_int_equal(rd(VIRTIO_PCI_COMMON_Q_MSIX, 2), VIRTIO_MSI_NO_VECTOR);
    wr(VIRTIO_PCI_COMMON_Q_MSIX, 1, 2);
    vq_push(&vp.vq[0], 0, 4);
    virtio_pci_interrupt_queue(&vp, 0);
    assert_int_equal(seen.msi, 1);
    assert_int_equal(seen.msi_data, 0x31);
    assert_false(seen.intx);
}

static void test_bad_chain_needs_reset_and_reset_recovers(void **state)
{
    (void)state;
    negotiate(0, 1);
    set_up_queue(0);
    wr(VIRTIO_PCI_COMMON_STATUS, 0xF, 1);
    fx_desc(&fx, 0, FX_DATA, 4, VIRTQ_DESC_F_NEXT, 0); /* loops */
    fx_avail(&fx, 0);
    struct vq_chain *c = calloc(1, sizeof *c);
    char why[VQ_REASON_MAX];
    assert_int_equal(vq_pop(&vp.vq[0], c, why, sizeof why), VQ_ERROR);
    virtio_pci_fail(&vp, why);
    uint8_t status = (uint8_t)rd(VIRTIO_PCI_COMMON_STATUS, 1);
    assert_true(status & VIRTIO_CONFIG_S_NEEDS_RESET);
    assert_false(virtio_pci_running(&vp));
    assert_int_equal(rd(VIRTIO_PCI_ISR_OFFSET, 1), VIRTIO_PCI_ISR_CONFIG);
    /* Notifications are ignored; the driver cannot clear the bit itself. */
    wr(VIRTIO_PCI_NOTIFY_OFFSET, 0, 2);
    assert_int_equal(seen.notified[0], 0);
    wr(VIRTIO_PCI_COMMON_STATUS, status & ~VIRTIO_CONFIG_S_NEEDS_RESET, 1);
    assert_true(rd(VIRTIO_PCI_COMMON_STATUS, 1) & VIRTIO_CONFIG_S_NEEDS_RESET);
    /* Reset: the device's hook runs, queues are off, the bit is gone. */
    unsigned resets = seen.resets;
    wr(VIRTIO_PCI_COMMON_STATUS, 0, 1);
    assert_int_equal(seen.resets, resets + 1);
    assert_int_equal(rd(VIRTIO_PCI_COMMON_STATUS, 1), 0);
    assert_false(vp.vq[0].enabled);
    free(c);
}

static void test_bad_ring_address_needs_reset(void **state)
{
    (void)state;
    negotiate(0, 1);
    wr(VIRTIO_PCI_COMMON_Q_SELECT, 0, 2);
    wr(VIRTIO_PCI_COMMON_Q_DESCLO, 0, 4);
    wr(VIRTIO_PCI_COMMON_Q_DESCHI, 0x10, 4); /* 64 GiB: no RAM there */
    wr(VIRTIO_PCI_COMMON_Q_AVAILLO, FX_AVAIL, 4);
    wr(VIRTIO_PCI_COMMON_Q_USEDLO, FX_USED, 4);
    wr(VIRTIO_PCI_COMMON_Q_ENABLE, 1, 2);
    assert_int_equal(rd(VIRTIO_PCI_COMMON_Q_ENABLE, 2), 0);
    assert_true(rd(VIRTIO_PCI_COMMON_STATUS, 1) & VIRTIO_CONFIG_S_NEEDS_RESET);
}

static void test_pci_configuration_access_window(void **state)
{
    (void)state;
    unsigned cap = vp.cfg_cap;
    assert_int_not_equal(cap, 0);
    /* Read num_queues through the window: BAR 0, offset 0x12, 2 bytes. */
    pci_config_write(&vp.pci, cap + VIRTIO_PCI_CAP_BAR, 0, 1);
    pci_config_write(&vp.pci, cap + VIRTIO_PCI_CAP_OFFSET, VIRTIO_PCI_COMMON_NUMQ, 4);
    pci_config_write(&vp.pci, cap + VIRTIO_PCI_CAP_LENGTH, 2, 4);
    assert_int_equal(pci_config_read(&vp.pci, cap + VIRTIO_PCI_CFG_CAP_DATA, 4) & 0xFFFF, 2);
    /* Write the status through it. */
    pci_config_write(&vp.pci, cap + VIRTIO_PCI_CAP_OFFSET, VIRTIO_PCI_COMMON_STATUS, 4);
    pci_config_write(&vp.pci, cap + VIRTIO_PCI_CAP_LENGTH, 1, 4);
    pci_config_write(&vp.pci, cap + VIRTIO_PCI_CFG_CAP_DATA, VIRTIO_CONFIG_S_ACKNOWLEDGE, 1);
    assert_int_equal(rd(VIRTIO_PCI_COMMON_STATUS, 1), VIRTIO_CONFIG_S_ACKNOWLEDGE);
    /* A window on another BAR, or of a bad size, does nothing. */
    pci_config_write(&vp.pci, cap + VIRTIO_PCI_CAP_BAR, 3, 1);
    pci_config_write(&vp.pci, cap + VIRTIO_PCI_CFG_CAP_DATA, 0, 1);
    assert_int_equal(rd(VIRTIO_PCI_COMMON_STATUS, 1), VIRTIO_CONFIG_S_ACKNOWLEDGE);
}

/* virtio 1.2, 3.1.1: no buffers are consumed before DRIVER_OK, nor while
 * the device needs a reset (found by fuzz_virtio_pci,
 * regress_notify_before_driver_ok). */
static void test_notify_only_while_running(void **state)
{
    (void)state;
    negotiate(0, 1);
    set_up_queue(0);
    wr(VIRTIO_PCI_NOTIFY_OFFSET + 0, 0, 2);
    assert_int_equal(seen.notified[0], 0);
    wr(VIRTIO_PCI_COMMON_STATUS, 0xF, 1);
    assert_int_equal(seen.driver_ok, 1);
    wr(VIRTIO_PCI_NOTIFY_OFFSET + 0, 0, 2);
    assert_int_equal(seen.notified[0], 1);
    virtio_pci_fail(&vp, "test");
    wr(VIRTIO_PCI_NOTIFY_OFFSET + 0, 0, 2);
    assert_int_equal(seen.notified[0], 1);
    /* DRIVER_OK written again while failed: no driver_ok either. */
    wr(VIRTIO_PCI_COMMON_STATUS, 0, 1);
    negotiate(0, 1);
    virtio_pci_fail(&vp, "test");
    wr(VIRTIO_PCI_COMMON_STATUS, 0xF, 1);
    assert_int_equal(seen.driver_ok, 1);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_identity_and_capabilities),
        T(test_features),
        T(test_queue_setup_notify_and_ioeventfd),
        T(test_interrupts_by_msix_and_by_intx),
        T(test_bad_chain_needs_reset_and_reset_recovers),
        T(test_bad_ring_address_needs_reset),
        T(test_pci_configuration_access_window),
        T(test_notify_only_while_running),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
