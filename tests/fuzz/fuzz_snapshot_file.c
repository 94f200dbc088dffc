/*
 * libFuzzer target: the snapshot file (src/state/). The input is a whole
 * file: snapshot_parse() must refuse it with a one-line message or accept
 * it, and an accepted file must keep its promises: sections inside the
 * head in file order, the memory index last, runs in rising order, page
 * aligned, back to back inside the file and ending exactly at its end.
 * Each device section is then loaded, as restore would, into fresh device
 * models (UART, PCI host latch, VGA, wisp's irqchip for 2 CPUs): a load
 * either fails with a reason or leaves every field that indexes an array
 * or picks a mode in range.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dev/irqchip_user.h"
#include "state/device_state.h"
#include "state/snapshot_file.h"

static uint64_t fake_clock(void *opaque)
{
    (void)opaque;
    return 1000000000ull;
}

static void check_devices(const uint8_t *data, size_t size)
{
    static struct irqchip_user chip;
    static struct uart16550 uart;
    static struct vga vga;
    static struct bus ports, mmio;
    memset(&ports, 0, sizeof ports);
    memset(&mmio, 0, sizeof mmio);
    struct wisp_error err = { 0 };
    memset(&chip, 0, sizeof chip);
    memset(&uart, 0, sizeof uart);
    if (irqchip_user_init(&chip, &ports, &mmio, 2, fake_clock, NULL, &err) < 0)
        abort();
    vga_init(&vga);
    struct state_io io;
    state_io_load_begin(&io, data, size, fake_clock(NULL));
    /* The device section's layout (vmm/vm_state.c, vm_state_devices). */
    bool started = false, has_vga = false, user = false;
    uint32_t pci_address;
    uint8_t pci_config[256];
    state_bool(&io, &started);
    state_uart16550(&io, &uart);
    state_u32(&io, &pci_address);
    state_bytes(&io, pci_config, sizeof pci_config);
    state_bool(&io, &has_vga);
    if (has_vga)
        state_vga(&io, &vga);
    state_bool(&io, &user);
    if (user)
        state_irqchip_user(&io, &chip);
    if (state_io_failed(&io)) {
        if (!io.why || !*io.why)
            abort();
        return;
    }
    if (uart.rx_head >= UART16550_FIFO_SIZE || uart.rx_count > UART16550_FIFO_SIZE ||
        vga.dac_component >= 3)
        abort();
    for (int i = 0; i < 2; i++)
        if (chip.pic.chip[i].priority_add >= 8)
            abort();
    for (int i = 0; i < 3; i++)
        if (chip.pit.ch[i].mode > 5 || chip.pit.ch[i].reload == 0 ||
            chip.pit.ch[i].reload > 65536)
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct snapshot_contents c;
    struct wisp_error err = { 0 };
    if (snapshot_parse(data, size, size, &c, &err) < 0) {
        if (err.status != WISP_EXIT_BAD_KERNEL || !err.message[0] || strchr(err.message, '\n'))
            abort();
        return 0;
    }
    if (c.section_count == 0 || c.head_size > size ||
        c.sections[c.section_count - 1].type != SNAPSHOT_SECTION_MEMORY)
        abort();
    const uint8_t *at = data + SNAPSHOT_HEADER_SIZE;
    for (unsigned i = 0; i < c.section_count; i++) {
        const struct snapshot_section *s = &c.sections[i];
        if (s->data != at + SNAPSHOT_SECTION_HEADER_SIZE || s->data + s->size > data + c.head_size)
            abort();
        at = s->data + s->size;
        if (s->type == SNAPSHOT_SECTION_DEVICES)
            check_devices(s->data, s->size);
    }
    uint64_t next = 0, end = 0;
    for (uint32_t i = 0; i < c.run_count; i++) {
        const struct snapshot_run *r = &c.runs[i];
        if (r->pages == 0 || r->gpa % SNAPSHOT_PAGE_SIZE || r->gpa < next ||
            r->file_offset % SNAPSHOT_PAGE_SIZE || r->file_offset < c.head_size ||
            (i && r->file_offset != end))
            abort();
        end = r->file_offset + r->pages * SNAPSHOT_PAGE_SIZE;
        next = r->gpa + r->pages * SNAPSHOT_PAGE_SIZE;
        if (end > size)
            abort();
    }
    if (c.run_count && end != size)
        abort();
    snapshot_contents_free(&c);
    return 0;
}
