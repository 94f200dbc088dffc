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

#endif
