/* Interrupt lines from devices to wherever the interrupt controllers are:
 * the accelerator's in-kernel irqchip or wisp's own (dev/irqchip_user.c). */
#ifndef WISP_IRQ_ROUTING_H
#define WISP_IRQ_ROUTING_H

#include <stdbool.h>

struct vm;

/* Raises or lowers a legacy (ISA) IRQ line. */
void vm_set_irq(struct vm *vm, unsigned irq, bool level);

#endif
