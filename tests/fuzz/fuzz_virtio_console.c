/*
 * libFuzzer target: virtio-console (src/dev/virtio/virtio_console.c)
 * behind the transport and the host bridge, driven by the program of
 * fuzz_virtio.h; the device's own event (op 12/15) is host input of up to
 * 255 bytes (virtio_console_receive, as the console poll offers it) or,
 * while the driver runs, a transmit pass (virtio_console_transmit).
 *
 * Checked besides fuzz_virtio.h's invariants: output reaches the host only
 * from guest memory, in non-empty pieces that add up to the readable bytes
 * of the chains taken; input is taken only while the driver runs and after
 * the guest has sent output, never more than offered, and lands in the
 * receive chains in order.
 */
#include "dev/virtio/virtio_console.h"
#include "fuzz_virtio.h"

static struct virtio_console con;
static uint64_t output_bytes;

static void output(void *opaque, const uint8_t *bytes, size_t len)
{
    (void)opaque;
    fuzz_check(len > 0 && fv_inside_guest(bytes, len), "output from outside guest memory");
    output_bytes += len;
}

static void event(struct fuzz_input *in)
{
    uint8_t what = fi_u8(in);
    if (what & 1) {
        if (virtio_pci_running(&con.vp))
            virtio_console_transmit(&con);
        return;
    }
    uint8_t bytes[255];
    size_t n = what >> 1;
    for (size_t i = 0; i < n; i++)
        bytes[i] = fi_u8(in);
    bool may = virtio_pci_running(&con.vp) && con.guest_spoke;
    size_t taken = virtio_console_receive(&con, bytes, n);
    fuzz_check(taken <= n, "took more input than offered");
    fuzz_check(may || taken == 0, "took input before the driver runs or the guest spoke");
}

static struct virtio_pci *init(const struct virtio_platform *platform)
{
    virtio_console_init(&con, platform, output, NULL);
    return &con.vp;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    output_bytes = 0;
    fv_begin(init);
    fv.event = event;
    fv.check = NULL;
    fv_run(data, size);
    return 0;
}
