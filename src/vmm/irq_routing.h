/* Interrupt lines from devices to wherever the interrupt controllers are:
 * the accelerator's in-kernel irqchip or wisp's own (dev/irqchip_user.c). */
#ifndef WISP_IRQ_ROUTING_H
#define WISP_IRQ_ROUTING_H

#include <stdbool.h>
#include <stdint.h>

struct vm;

/* Raises or lowers a legacy (ISA) IRQ line, or an I/O APIC input (GSI
 * 16-23: PCI INTx). Call with the VM's device lock held (vm_internal.h):
 * device callbacks run under it already; a device's worker thread takes it
 * first. With wisp's own irqchip this may kick the vCPU the interrupt goes
 * to. */
void vm_set_irq(struct vm *vm, unsigned irq, bool level);

/* A PCI device's message-signalled interrupt: through the accelerator's
 * GSI routes and irqfds, or into wisp's own LAPIC (then the vCPU is kicked
 * when a worker thread sent it). Called with the device lock held. */
void vm_send_msi(struct vm *vm, uint64_t address, uint32_t data);

#endif
