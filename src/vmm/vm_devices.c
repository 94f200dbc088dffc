/* The VM's PCI host bridge and virtio devices (vm_devices.h). */
#include "vm_devices.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/os.h"
#include "dev/pci/pci_host.h"
#include "dev/virtio/virtio_blk.h"
#include "dev/virtio/virtio_console.h"
#include "dev/virtio/virtio_net.h"
#include "dev/virtio/virtio_rng.h"
#include "host/ticker.h"
#include "irq_routing.h"
#include "state/virtio_state.h"
#include "vm_internal.h"

struct vm_devices {
    struct pci_host pci;
    struct virtio_platform platform;
    struct virtio_blk *disks[VM_MAX_DISKS];
    unsigned disk_count;
    char disk_serials[VM_MAX_DISKS][VIRTIO_BLK_ID_BYTES + 1];
    char *disk_paths[VM_MAX_DISKS];  /* absolute, for snapshots (malloc'd) */
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

/* Opens disk i; for --restore and --incoming the snapshot's image, which
 * must be there and have the size it had (else the snapshot is for another
 * machine: WISP_EXIT_BAD_KERNEL, as other wrong-machine cases). The
 * migration's destination does not lock the image its source still holds. */
static int restoring_open(struct vm *vm, struct virtio_blk *blk,
                          const struct vm_disk_config *disk, const char *serial,
                          struct wisp_error *err)
{
    const struct vm_config *cfg = &vm->cfg;
    const char *from = cfg->restore_path ? cfg->restore_path : cfg->incoming_uri;
    int rc = cfg->incoming_uri
                 ? virtio_blk_open_shared(blk, disk->path, disk->read_only, serial, err)
                 : virtio_blk_open(blk, disk->path, disk->read_only, serial, err);
    if (!from)
        return rc;
    if (rc < 0)
        return wisp_fail_prefixed(err, err->status == WISP_EXIT_USAGE ? WISP_EXIT_BAD_KERNEL : 0,
                                  "%s: wrong machine", from);
    if (blk->image.size != disk->size)
        return wisp_fail(err, WISP_EXIT_BAD_KERNEL, "%s: wrong machine: the disk image %s is "
                         "%llu bytes, the guest's was %llu", from, disk->path,
                         (unsigned long long)blk->image.size, (unsigned long long)disk->size);
    return 0;
}

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
        if (restoring_open(vm, blk, disk, serial, err) < 0)
            return -1;
        d->disk_paths[i] = os_absolute_path(disk->path);
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
        free(d->disk_paths[i]);
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

/* ---- snapshots and migration ---- */

/* Strings a loaded configuration points to (vm_config holds pointers): a
 * process restores one machine. */
static char loaded_paths[VM_MAX_DISKS][4096];
static char loaded_serials[VM_MAX_DISKS][VIRTIO_BLK_ID_BYTES + 1];

/* A NUL-terminated string of at most cap - 1 bytes, as length + bytes. */
static void state_string(struct state_io *io, const char *s, char *out, size_t cap)
{
    uint32_t len = s ? (uint32_t)strnlen(s, cap) : 0;
    state_u32(io, &len);
    state_check(io, len < cap, "a name too long");
    if (io->failed)
        return;
    if (!io->loading) {
        state_bytes(io, (void *)(uintptr_t)s, len);
        return;
    }
    state_bytes(io, out, len);
    out[io->failed ? 0 : len] = '\0';
    state_check(io, strlen(out) == len, "a name with a NUL byte");
}

static void state_net_config(struct state_io *io, struct net_config *n)
{
    uint32_t backend = (uint32_t)n->backend;
    state_u32(io, &backend);
    state_check(io, backend <= NET_BACKEND_TAP, "unknown network backend");
    n->backend = backend == NET_BACKEND_TAP ? NET_BACKEND_TAP : NET_BACKEND_USER;
    state_bytes(io, n->tap_name, sizeof n->tap_name);
    state_check(io, memchr(n->tap_name, 0, sizeof n->tap_name) != NULL, "TAP name too long");
    state_bytes(io, n->mac, sizeof n->mac);
    state_check(io, !(n->mac[0] & 1), "multicast MAC address");
    state_unsigned(io, &n->hostfwd_count);
    state_check(io, n->hostfwd_count <= NET_MAX_HOSTFWD, "too many hostfwd rules");
    for (unsigned i = 0; i < n->hostfwd_count && !io->failed; i++) {
        struct net_hostfwd *f = &n->hostfwd[i];
        state_bool(io, &f->udp);
        state_u32(io, &f->host_addr);
        state_u16(io, &f->host_port);
        state_u32(io, &f->guest_addr);
        state_u16(io, &f->guest_port);
        state_bytes(io, f->text, sizeof f->text);
        state_check(io, memchr(f->text, 0, sizeof f->text) != NULL, "hostfwd rule too long");
    }
}

void vm_devices_state_config(struct state_io *io, struct vm *vm)
{
    struct vm_config *c = &vm->cfg;
    /* Files saved before virtio devices had state end here: none. */
    if (io->loading && io->at == io->size)
        return;
    const struct vm_devices *d = vm->devices;
    state_unsigned(io, &c->disk_count);
    state_check(io, c->disk_count <= VM_MAX_DISKS, "too many disks");
    for (unsigned i = 0; i < c->disk_count && !io->failed; i++) {
        struct vm_disk_config *disk = &c->disks[i];
        const char *path = disk->path;
        if (!io->loading && d && i < d->disk_count) {
            if (d->disk_paths[i])
                path = d->disk_paths[i];
            disk->size = d->disks[i]->image.size;
        }
        state_string(io, path, loaded_paths[i], sizeof loaded_paths[i]);
        state_check(io, !io->loading || loaded_paths[i][0], "a disk without a path");
        state_u64(io, &disk->size);
        state_check(io, disk->size && disk->size % 512 == 0, "a disk size not a multiple of 512");
        state_bool(io, &disk->read_only);
        bool serial = disk->serial != NULL;
        state_bool(io, &serial);
        if (serial)
            state_string(io, disk->serial, loaded_serials[i], sizeof loaded_serials[i]);
        if (io->loading && !io->failed) {
            disk->path = loaded_paths[i];
            disk->serial = serial ? loaded_serials[i] : NULL;
        }
    }
    state_unsigned(io, &c->net_count);
    state_check(io, c->net_count <= VM_MAX_NETS, "too many network cards");
    for (unsigned i = 0; i < c->net_count && !io->failed; i++)
        state_net_config(io, &c->nets[i]);
    bool console = c->console == VM_CONSOLE_VIRTIO;
    state_bool(io, &console);
    if (io->loading)
        c->console = console ? VM_CONSOLE_VIRTIO : VM_CONSOLE_SERIAL;
    state_bool(io, &c->rng);
    if (io->loading && io->failed) {
        c->disk_count = 0;
        c->net_count = 0;
    }
}

/* The disk and network workers take requests again (device_lock held, or
 * no vCPU running yet). */
static void thaw_workers(struct vm_devices *d)
{
    for (unsigned i = 0; i < d->disk_count; i++)
        virtio_blk_thaw(d->disks[i]);
    for (unsigned i = 0; i < d->net_count; i++) {
        d->nets[i]->frozen = false;
        virtio_net_worker_kick(d->nets[i], VIRTIO_NET_RX);
        virtio_net_worker_kick(d->nets[i], VIRTIO_NET_TX);
    }
}

void vm_devices_state(struct state_io *io, struct vm *vm)
{
    struct vm_devices *d = vm->devices;
    for (unsigned i = 0; i < d->disk_count && !io->failed; i++)
        state_virtio_pci(io, &d->disks[i]->vp);
    for (unsigned i = 0; i < d->net_count && !io->failed; i++)
        state_virtio_pci(io, &d->nets[i]->vp);
    if (d->console && !io->failed) {
        state_virtio_pci(io, &d->console->vp);
        state_bool(io, &d->console->guest_spoke);
    }
    if (d->rng && !io->failed)
        state_virtio_pci(io, &d->rng->vp);
    if (!io->loading || io->failed)
        return;
    /* A BAR loaded over another function's not yet loaded one decodes now. */
    for (unsigned s = 0; s < PCI_HOST_SLOTS; s++)
        if (d->pci.slots[s])
            pci_device_update_bars(d->pci.slots[s]);
    /* Requests the guest queued before the save are looked at now (their
     * notification went to the other process, or came while frozen). */
    thaw_workers(d);
    if (d->console && virtio_pci_running(&d->console->vp))
        virtio_console_transmit(d->console);
    if (d->rng && virtio_pci_running(&d->rng->vp))
        virtio_rng_process(d->rng);
}

void vm_devices_quiesce(struct vm *vm)
{
    struct vm_devices *d = vm->devices;
    if (!d)
        return;
    for (unsigned i = 0; i < d->disk_count; i++)
        virtio_blk_quiesce(d->disks[i]);
    for (unsigned i = 0; i < d->net_count; i++)
        d->nets[i]->frozen = true;
}

void vm_devices_thaw(struct vm *vm)
{
    struct vm_devices *d = vm->devices;
    if (!d)
        return;
    host_mutex_lock(&vm->device_lock);
    thaw_workers(d);
    host_mutex_unlock(&vm->device_lock);
}
