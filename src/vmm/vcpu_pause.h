/*
 * Stop the world: bring every vCPU out of the guest, hold it there, let it
 * go again. For whatever needs the machine still: a consistent screenshot
 * (Ctrl-A s, SIGUSR1) today; snapshots, live migration's last pass and a
 * GDB stub later.
 *
 *     vm_pause(vm);
 *     ... read or change guest memory, any vCPU's registers
 *         (accel_vcpu_get_regs and friends), device state ...
 *     vm_resume(vm);
 *
 * What vm_pause() promises when it returns: no vCPU thread is inside
 * accel_vcpu_run() or handling an exit; each is parked at a safe point
 * (between two exits, or in a wait outside the guest: HLT with wisp's own
 * irqchip, an AP waiting for start-up), or has ended. A parked vCPU's
 * accelerator state may then be read and written from the pausing thread.
 *
 * Rules:
 * - Call from any thread, but never with the device lock held (a vCPU
 *   blocked on it could not park: deadlock). Device I/O worker threads are
 *   not paused: take the device lock too if devices must stand still.
 * - From a vCPU thread (a debugger stopping on that vCPU's breakpoint): the
 *   calling vCPU counts as parked from vm_pause() to its vm_resume().
 * - Pauses nest: vm_pause() twice (from one thread or two) needs
 *   vm_resume() twice; the vCPUs run again after the last one. Two holders
 *   share the paused world and must not get in each other's way.
 * - Before vm_run() has started the vCPU threads, and after they ended,
 *   both return at once. If the VM stops (a signal, another vCPU's exit)
 *   while paused, the parked threads end instead of resuming; vm_resume()
 *   is still to be called.
 * - Cost: one kick per vCPU (a signal, or WHvCancelRunVirtualProcessor)
 *   and the time each takes to finish the exit it is handling.
 *
 * tests/unit/test_vcpu_pause.c drives it with fake vCPU threads; the
 * screenshot key uses it (vm_run.c).
 */
#ifndef WISP_VCPU_PAUSE_H
#define WISP_VCPU_PAUSE_H

struct vm;

void vm_pause(struct vm *vm);
void vm_resume(struct vm *vm);

#endif
