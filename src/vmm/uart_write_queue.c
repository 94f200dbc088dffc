#include "uart_write_queue.h"

#include <stdio.h>

#include "debug/trace.h"
#include "vm_internal.h"

#define COM1_THR COM1_PORT /* the transmit register: offset 0 */

static void queue_switch(struct vm *vm, bool on)
{
    if (accel_vm_queue_port_writes(vm->accel, COM1_THR, 1, on) < 0) {
        /* Off for good. A failed switch-off leaves KVM queueing; the
         * queue is still taken at every exit, only later. */
        if (vm->cfg.debug)
            fprintf(stderr, "wisp: COM1 writes are not queued (the accelerator refused)\n");
        vm->com1_queue.allowed = false;
        return;
    }
    vm->com1_queue.on = on;
}

void uart_write_queue_start(struct vm *vm)
{
    vm->com1_queue.allowed = !vm->cfg.debug && !(vm->cfg.trace & TRACE_IO);
    uart_write_queue_update(vm);
}

void uart_write_queue_update(struct vm *vm)
{
    if (!vm->com1_queue.allowed)
        return;
    bool want = vm->com1.ier == 0;
    if (want != vm->com1_queue.on)
        queue_switch(vm, want);
}

static void write_to_port(void *opaque, uint16_t port, const uint8_t *data, unsigned size)
{
    struct vm *vm = opaque;
    uint8_t bytes[8];
    for (unsigned i = 0; i < size; i++)
        bytes[i] = data[i];
    /* Only COM1's transmit register is queued; anything else is KVM's
     * mistake and goes where an exit would have gone. */
    bus_dispatch(&vm->ports, port, bytes, size, true);
    vm->com1_queue.taken++;
}

void uart_write_queue_take(struct vm *vm)
{
    if (!accel_vm_port_writes_queued(vm->accel))
        return;
    host_mutex_lock(&vm->device_lock);
    vm->kernel_started = true;
    accel_vm_take_port_writes(vm->accel, write_to_port, vm);
    host_mutex_unlock(&vm->device_lock);
}
