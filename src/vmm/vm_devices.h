/*
 * The VM's PCI side: the host bridge (dev/pci/) and the virtio functions
 * the command line asks for (dev/virtio/), in slot order: --disk ones,
 * --net ones, the console (--console virtio), the entropy source (--rng).
 * Set up in two steps of vm_create(): the host-side backends first (image
 * files, network backends: every user error is reported before the
 * accelerator is even opened), the PCI functions once the accelerator
 * exists. They deliver interrupts through vm_send_msi()/vm_set_irq() and
 * attach ioeventfds through the accelerator.
 *
 * Locking: vm->device_lock is the VM-wide device lock. The run loop holds
 * it around bus dispatch and wisp's own irqchip; the disk and network
 * workers hold it while they touch device state, rings and interrupts, and
 * drop it for the I/O itself.
 */
#ifndef WISP_VMM_VM_DEVICES_H
#define WISP_VMM_VM_DEVICES_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

struct vm;
struct pci_host;

/* Opens --disk images and --net backends; nothing is written. */
int vm_devices_open(struct vm *vm, struct wisp_error *err);

/* The PCI host bridge and the virtio functions; starts their workers. */
int vm_devices_setup(struct vm *vm, struct wisp_error *err);

/* Stops the workers, closes images and backends (before the accelerator
 * goes away). */
void vm_devices_destroy(struct vm *vm);

/* The PCI host bridge (snapshots save its address latch and config). */
struct pci_host *vm_devices_pci_host(struct vm *vm);

/* Host input for the virtio console (--console virtio): what fits the
 * guest's buffers; takes the device lock. */
size_t vm_devices_console_input(void *opaque, const uint8_t *bytes, size_t len);

/* Snapshots and migration (state_io.h walks, both ways). The devices the
 * command line asked for, into the configuration section: disks (absolute
 * path, size, read-only, serial), network cards (backend, TAP name, MAC,
 * hostfwd rules), the virtio console, the entropy source; loading fills
 * vm->cfg (an older file without them: none). */
struct state_io;
void vm_devices_state_config(struct state_io *io, struct vm *vm);
/* Every virtio function's state (state/virtio_state.h), in slot order,
 * into the device section; after a load the workers look at their queues. */
void vm_devices_state(struct state_io *io, struct vm *vm);
/* Device lock held, vCPUs paused: no disk request in flight, the disk and
 * network workers take nothing more from the rings until thaw (which takes
 * the lock). Before the last dirty-page collection and the state. */
void vm_devices_quiesce(struct vm *vm);
void vm_devices_thaw(struct vm *vm);

#endif
