/* The VM's PCI host bridge and virtio devices (vm_devices.h). */
#include "vm_devices.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dev/pci/pci_host.h"
#include "dev/virtio/virtio_blk.h"
#include "dev/virtio/virtio_console.h"
#include "dev/virtio/virtio_net.h"
#include "dev/virtio/virtio_rng.h"
#include "host/ticker.h"
#include "irq_routing.h"
#include "vm_internal.h"

struct vm_devices {
    struct pci_host pci;
    struct virtio_platform platform;
    struct virtio_blk *disks[VM_MAX_DISKS];
    unsigned disk_count;
    char disk_serials[VM_MAX_DISKS][VIRTIO_BLK_ID_BYTES + 1];
    struct virtio_net *nets[VM_MAX_NETS];
    unsigned net_count;
    struct virtio_console *console;
    struct virtio_rng *rng;
};

/* ---- interrupts and notifications, for the devices ---- */

static void pci_msi(void *opaque, uint64_t address, uint32_t data)
{
    vm_send_msi(opaque, address, data);
}

static void pci_set_gsi(void *opaque, unsigned gsi, bool level)
{
    struct vm *vm = opaque;
    vm_set_irq(vm, gsi, level); /* wisp's irqchip kicks the vCPU it delivers to */
}

static int attach_ioeventfd(void *opaque, uint64_t gpa, int fd, bool assign)
{
    struct vm *vm = opaque;
    return accel_vm_ioeventfd(vm->accel, gpa, 2, fd, assign);
}

static void console_output(void *opaque, const uint8_t *bytes, size_t len)
{
    struct vm *vm = opaque;
    serial_console_write(&vm->console, bytes, len);
}

/* serial_console_poll() calls this with the device lock held (vm_run.c). */
size_t vm_devices_console_input(void *opaque, const uint8_t *bytes, size_t len)
{
    struct vm *vm = opaque;
    if (!vm->devices || !vm->devices->console)
        return 0;
    return virtio_console_receive(vm->devices->console, bytes, len);
}

/* ---- set-up ---- */

int vm_devices_open(struct vm *vm, struct wisp_error *err)
{
    const struct vm_config *cfg = &vm->cfg;
    struct vm_devices *d = calloc(1, sizeof *d);
    if (!d)
        return wisp_fail(err, WISP_EXIT_HOST_ERROR, "out of memory");
    vm->devices = d;
    for (unsigned i = 0; i < cfg->disk_count; i++) {
        const struct vm_disk_config *disk = &cfg->disks[i];
        struct virtio_blk *blk = calloc(1, sizeof *blk);
        if (!blk)
            return wisp_fail(err, WISP_EXIT_HOST_ERROR, "out of memory");
        d->disks[d->disk_count++] = blk;
        const char *serial = disk->serial;
        if (!serial) {
            snprintf(d->disk_serials[i], sizeof d->disk_serials[i], "wisp-disk%u", i);
            serial = d->disk_serials[i];
        }
        if (virtio_blk_open(blk, disk->path, disk->read_only, serial, err) < 0)
            return -1;
    }
    for (unsigned i = 0; i < cfg->net_count; i++) {
        struct virtio_net *net = calloc(1, sizeof *net);
        if (!net)
            return wisp_fail(err, WISP_EXIT_HOST_ERROR, "out of memory");
        d->nets[d->net_count++] = net;
        if (virtio_net_open(net, &cfg->nets[i], cfg->debug, err) < 0)
            return -1;
    }
    return 0;
}

static int add(struct vm_devices *d, struct pci_device *pci, struct wisp_error *err)
{
    return pci_host_add_device(&d->pci, pci, err);
}

int vm_devices_setup(struct vm *vm, struct wisp_error *err)
{
    struct vm_devices *d = vm->devices;
    static const struct pci_host_ops host_ops = { pci_msi, pci_set_gsi };
    if (pci_host_init(&d->pci, &vm->ports, &vm->mmio, &host_ops, vm, err) < 0)
        return -1;
    d->platform = (struct virtio_platform){ &vm->memory, attach_ioeventfd, vm };
    for (unsigned i = 0; i < d->disk_count; i++) {
        struct virtio_blk *blk = d->disks[i];
        if (virtio_blk_init(blk, &d->platform, &vm->device_lock, err) < 0 ||
            virtio_blk_worker_start(blk, err) < 0 || add(d, &blk->vp.pci, err) < 0)
            return -1;
    }
    for (unsigned i = 0; i < d->net_count; i++) {
        struct virtio_net *net = d->nets[i];
        virtio_net_init(net, &d->platform, &vm->device_lock);
        if (virtio_net_worker_start(net, err) < 0 || add(d, &net->vp.pci, err) < 0)
            return -1;
    }
    if (vm->cfg.console == VM_CONSOLE_VIRTIO) {
        if (!(d->console = calloc(1, sizeof *d->console)))
            return wisp_fail(err, WISP_EXIT_HOST_ERROR, "out of memory");
        virtio_console_init(d->console, &d->platform, console_output, vm);
        if (add(d, &d->console->vp.pci, err) < 0)
            return -1;
        serial_console_set_sink(&vm->console, vm_devices_console_input, vm);
    }
    if (vm->cfg.rng) {
        if (!(d->rng = calloc(1, sizeof *d->rng)))
            return wisp_fail(err, WISP_EXIT_HOST_ERROR, "out of memory");
        virtio_rng_init(d->rng, &d->platform);
        if (add(d, &d->rng->vp.pci, err) < 0)
            return -1;
    }
    return 0;
}

void vm_devices_destroy(struct vm *vm)
{
    struct vm_devices *d = vm->devices;
    if (!d)
        return;
    for (unsigned i = 0; i < d->disk_count; i++) {
        virtio_blk_destroy(d->disks[i]);
        free(d->disks[i]);
    }
    for (unsigned i = 0; i < d->net_count; i++) {
        virtio_net_destroy(d->nets[i]);
        free(d->nets[i]);
    }
    free(d->console);
    free(d->rng);
    free(d);
    vm->devices = NULL;
}

struct pci_host *vm_devices_pci_host(struct vm *vm)
{
    return &vm->devices->pci;
}
