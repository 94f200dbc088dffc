/*
 * Saved state of a virtio PCI function (dev/virtio/virtio_pci.h), both
 * ways through a state_io (state_io.h), for snapshots and migration:
 *
 *   - the PCI function: its 256 bytes of configuration space (command,
 *     BARs, the MSI-X enable and mask-all bits, the virtio PCI
 *     configuration access capability), the MSI-X table and pending bits,
 *     the INTx line;
 *   - the transport: offered and accepted features and their selects,
 *     status, configuration generation, ISR, the configuration vector,
 *     the queue select, and per queue what the driver programmed (size,
 *     enable, vector, ring addresses) and the device's indices (next
 *     available entry, next used entry, the event-index bookkeeping).
 *
 * Device models add their own few fields after it (vm_devices.c). Restore
 * builds the device as set-up does, then loads over it; every loaded field
 * is treated as hostile: configuration bytes the guest cannot write must
 * match the fresh device's, accepted features must be a subset of the
 * offered ones (which must be the same), vectors must name an MSI-X table
 * entry (or none), pending bits must name vectors, and an enabled queue's
 * size and rings are checked as the driver's enable is (a power of two up
 * to the maximum, aligned, inside guest RAM). Loaded state is applied only
 * while the stream has not failed: BAR decode (and with it the queue
 * ioeventfds) follows the loaded command register and BARs.
 */
#ifndef WISP_STATE_VIRTIO_STATE_H
#define WISP_STATE_VIRTIO_STATE_H

#include "dev/pci/pci.h"
#include "dev/virtio/virtio_pci.h"
#include "state_io.h"

void state_pci_function(struct state_io *io, struct pci_device *dev);
void state_virtio_pci(struct state_io *io, struct virtio_pci *vp);

#endif
