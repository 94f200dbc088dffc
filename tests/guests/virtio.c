/*
 * The native boot's PCI and virtio devices through the polled driver of
 * lib/virtio.c: lists bus 0 through ECAM, then
 *   - with a virtio disk (--disk, its first sector starting "WISPDISK"):
 *     reads sector 0, writes a pattern to sector 1, flushes, reads it back,
 *     and reads the serial (GET_ID);
 *   - with a virtio NIC (--net user): sends an ARP request for the user
 *     network's gateway 10.0.2.2 and waits for the reply.
 * Prints "PASS: virtio ..." per part and "PASS: virtio" at the end (exit
 * 0), or "FAIL: ..." (exit 1). A part whose device is missing is skipped
 * with a line saying so; the test harness decides which parts it wants.
 */
#include <stdbool.h>

#include "wisp_lib.h"

#include "virtio.h"

#define ARENA ((uint8_t *)(uintptr_t)WISP_ARENA_ADDR)
#define TIMEOUT_NS 10000000000ull

static int fail(const char *what)
{
    wisp_printf("FAIL: virtio: %s\n", what);
    return 1;
}

static void list_bus(void)
{
    for (unsigned slot = 0; slot < 32; slot++) {
        uint64_t fn = wisp_pci_function(slot);
        uint32_t id = wisp_pci_read32(fn, 0);
        if ((id & 0xFFFF) == 0xFFFF)
            continue;
        uint32_t class_rev = wisp_pci_read32(fn, 8);
        wisp_printf("pci 00:%02x.0 %04x:%04x class %06x bar0 %08x\n", slot, id & 0xFFFF,
                    id >> 16, class_rev >> 8, wisp_pci_read32(fn, 0x10));
    }
}

/* ---- block ---- */

struct blk_header {
    uint32_t type, reserved;
    uint64_t sector;
};

static int blk_request(struct wisp_virtq *vq, uint32_t type, uint64_t sector, void *data,
                       uint32_t len, bool device_writes, uint8_t *status)
{
    struct blk_header *h = (struct blk_header *)(ARENA + 0x100000);
    *h = (struct blk_header){ type, 0, sector };
    *status = 0xFF;
    struct wisp_virtq_buf bufs[3] = {
        { h, sizeof *h, 0 },
        { data, len, device_writes ? WISP_VIRTQ_WRITE : 0 },
        { status, 1, WISP_VIRTQ_WRITE },
    };
    if (len) {
        wisp_virtq_submit(vq, bufs, 3);
    } else {
        bufs[1] = bufs[2];
        wisp_virtq_submit(vq, bufs, 2);
    }
    uint16_t head;
    uint32_t used;
    if (wisp_virtq_wait(vq, &head, &used, TIMEOUT_NS) < 0)
        return -1;
    return *status;
}

static int test_block(void)
{
    uint64_t fn;
    if (wisp_pci_find(WISP_VIRTIO_VENDOR, WISP_VIRTIO_DEVICE_BLOCK, &fn) < 0) {
        wisp_printf("virtio: no disk, block part skipped\n");
        return 0;
    }
    struct wisp_virtio_dev dev;
    struct wisp_virtq vq;
    if (wisp_virtio_init(&dev, fn, 1u << 9 /* FLUSH */) < 0 ||
        wisp_virtq_init(&dev, &vq, 0, 16, ARENA) < 0)
        return fail("cannot set the disk up");
    wisp_virtio_driver_ok(&dev);
    uint64_t capacity = 0;
    for (int i = 0; i < 8; i++)
        capacity |= (uint64_t)wisp_virtio_config8(&dev, (unsigned)i) << (8 * i);
    wisp_printf("virtio-blk: %u sectors\n", (unsigned)capacity);

    uint8_t *sector = ARENA + 0x200000;
    uint8_t *status = ARENA + 0x300000;
    if (blk_request(&vq, 0 /* IN */, 0, sector, 512, true, status) != 0)
        return fail("reading sector 0");
    if (memcmp(sector, "WISPDISK", 8) != 0)
        return fail("sector 0 does not start with WISPDISK");
    wisp_printf("PASS: virtio block read\n");

    static const char pattern[] = "native-guest-wrote-this";
    memset(sector, 0, 512);
    memcpy(sector, pattern, sizeof pattern);
    for (int i = 64; i < 512; i++)
        sector[i] = (uint8_t)i;
    if (blk_request(&vq, 1 /* OUT */, 1, sector, 512, false, status) != 0)
        return fail("writing sector 1");
    if (blk_request(&vq, 4 /* FLUSH */, 0, NULL, 0, false, status) != 0)
        return fail("flushing");
    memset(sector, 0, 512);
    if (blk_request(&vq, 0, 1, sector, 512, true, status) != 0 ||
        memcmp(sector, pattern, sizeof pattern) != 0 || sector[511] != (uint8_t)511)
        return fail("sector 1 does not read back what was written");
    wisp_printf("PASS: virtio block write\n");

    /* Past the end: the device must say IOERR (1). */
    int past = blk_request(&vq, 0, capacity, sector, 512, true, status);
    if (past != 1)
        return fail("a read past the end did not get VIRTIO_BLK_S_IOERR");
    char *id = (char *)ARENA + 0x400000;
    memset(id, 0, 21);
    if (blk_request(&vq, 8 /* GET_ID */, 0, id, 20, true, status) != 0)
        return fail("GET_ID");
    wisp_printf("virtio-blk: serial '%s'\n", id);
    wisp_printf("PASS: virtio block\n");
    return 0;
}

/* ---- network ---- */

#define NET_HDR 12
#define FRAME_MAX 1514

static int test_net(void)
{
    uint64_t fn;
    if (wisp_pci_find(WISP_VIRTIO_VENDOR, WISP_VIRTIO_DEVICE_NET, &fn) < 0) {
        wisp_printf("virtio: no network card, network part skipped\n");
        return 0;
    }
    struct wisp_virtio_dev dev;
    struct wisp_virtq rx, tx;
    uint8_t *rings = ARENA + 0x500000;
    if (wisp_virtio_init(&dev, fn, 1u << 5 /* MAC */) < 0 ||
        wisp_virtq_init(&dev, &rx, 0, 16, rings) < 0 ||
        wisp_virtq_init(&dev, &tx, 1, 16, rings + 0x10000) < 0)
        return fail("cannot set the network card up");
    wisp_virtio_driver_ok(&dev);
    uint8_t mac[6];
    for (int i = 0; i < 6; i++)
        mac[i] = wisp_virtio_config8(&dev, (unsigned)i);
    wisp_printf("virtio-net: mac %02x:%02x:%02x:%02x:%02x:%02x\n", mac[0], mac[1], mac[2],
                mac[3], mac[4], mac[5]);

    uint8_t *rxbuf = ARENA + 0x600000;
    for (int i = 0; i < 4; i++) {
        struct wisp_virtq_buf b = { rxbuf + 0x1000 * i, NET_HDR + FRAME_MAX, WISP_VIRTQ_WRITE };
        wisp_virtq_submit(&rx, &b, 1);
    }

    /* ARP: who has 10.0.2.2? tell 10.0.2.15 */
    uint8_t *pkt = ARENA + 0x700000;
    memset(pkt, 0, NET_HDR + 60);
    uint8_t *f = pkt + NET_HDR;
    memset(f, 0xFF, 6);
    memcpy(f + 6, mac, 6);
    f[12] = 0x08, f[13] = 0x06;                 /* ARP */
    f[14] = 0, f[15] = 1;                       /* Ethernet */
    f[16] = 0x08, f[17] = 0x00;                 /* IPv4 */
    f[18] = 6, f[19] = 4, f[20] = 0, f[21] = 1; /* request */
    memcpy(f + 22, mac, 6);
    f[28] = 10, f[29] = 0, f[30] = 2, f[31] = 15;
    f[38] = 10, f[39] = 0, f[40] = 2, f[41] = 2;
    struct wisp_virtq_buf out = { pkt, NET_HDR + 60, 0 };
    wisp_virtq_submit(&tx, &out, 1);
    uint16_t head;
    uint32_t len;
    if (wisp_virtq_wait(&tx, &head, &len, TIMEOUT_NS) < 0)
        return fail("the frame was not sent");
    wisp_printf("PASS: virtio net send\n");

    for (int tries = 0; tries < 4; tries++) {
        if (wisp_virtq_wait(&rx, &head, &len, TIMEOUT_NS) < 0)
            return fail("no frame came back");
        const uint8_t *r = rxbuf + 0x1000 * head + NET_HDR;
        if (len >= NET_HDR + 42 && r[12] == 0x08 && r[13] == 0x06 && r[21] == 2 &&
            r[28] == 10 && r[29] == 0 && r[30] == 2 && r[31] == 2) {
            wisp_printf("virtio-net: 10.0.2.2 is at %02x:%02x:%02x:%02x:%02x:%02x\n", r[22],
                        r[23], r[24], r[25], r[26], r[27]);
            wisp_printf("PASS: virtio net receive\n");
            return 0;
        }
        struct wisp_virtq_buf b = { rxbuf + 0x1000 * head, NET_HDR + FRAME_MAX, WISP_VIRTQ_WRITE };
        wisp_virtq_submit(&rx, &b, 1); /* not the reply: give the buffer back */
    }
    return fail("no ARP reply from 10.0.2.2");
}

int kmain(struct wisp_boot_info *bi)
{
    (void)bi;
    list_bus();
    if (test_block() || test_net())
        return 1;
    wisp_printf("PASS: virtio\n");
    return 0;
}
