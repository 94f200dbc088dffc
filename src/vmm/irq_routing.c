#include "irq_routing.h"

#include <inttypes.h>
#include <stdio.h>

#include "vm_internal.h"

void vm_set_irq(struct vm *vm, unsigned irq, bool level)
{
    if (vm->user_irqchip)
        irqchip_user_set_irq(&vm->irqchip, irq, level);
    else
        accel_vm_set_irq_line(vm->accel, irq, level);
}

void vm_send_msi(struct vm *vm, uint64_t address, uint32_t data)
{
    if (vm->user_irqchip) {
        /* The irqchip kicks the vCPU it delivers to. */
        if (irqchip_user_send_msi(&vm->irqchip, address, data) < 0 && vm->cfg.debug)
            fprintf(stderr, "wisp: MSI 0x%" PRIx64 "/0x%" PRIx32 " outside the MSI window\n",
                    address, data);
        return;
    }
    if (accel_vm_send_msi(vm->accel, address, data) < 0 && vm->cfg.debug)
        fprintf(stderr, "wisp: MSI 0x%" PRIx64 "/0x%" PRIx32 " not delivered\n", address, data);
}
