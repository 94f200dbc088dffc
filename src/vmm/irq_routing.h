/* Interrupt lines from devices to wherever the interrupt controllers are:
 * the accelerator's in-kernel irqchip or wisp's own (dev/irqchip_user.c). */
#ifndef WISP_IRQ_ROUTING_H
#define WISP_IRQ_ROUTING_H

#include <stdbool.h>

struct vm;

/* Raises or lowers a legacy (ISA) IRQ line. Call with the VM's device lock
 * held (vm_internal.h): device callbacks run under it already; a device's
 * worker thread takes it first. With wisp's own irqchip this may kick the
 * vCPU the interrupt goes to. */
void vm_set_irq(struct vm *vm, unsigned irq, bool level);

#endif
