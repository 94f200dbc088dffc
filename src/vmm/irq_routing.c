#include "irq_routing.h"

#include "vm_internal.h"

void vm_set_irq(struct vm *vm, unsigned irq, bool level)
{
    if (vm->user_irqchip)
        irqchip_user_set_irq(&vm->irqchip, irq, level);
    else
        accel_vm_set_irq_line(vm->accel, irq, level);
}
