/*
 * COM1's transmit register without an exit per byte. Linux's 8250 console
 * (and every polled serial driver) writes each byte to the transmit
 * register after a status read: two exits a byte, most of a boot's exits.
 * While the UART's interrupts are all off (IER = 0, as Linux's console
 * write keeps them), nothing the guest can observe depends on when wisp
 * sees such a write, as long as it sees them in order before any other
 * access: so wisp lets the accelerator queue them (KVM_CAP_COALESCED_PIO)
 * and takes the queue before handling every exit, and every host-loop tick
 * on the main thread (output shows within 10 ms when the guest makes no
 * exit). With an interrupt enabled the queue is switched off, so the
 * transmit-empty interrupt comes when it should.
 *
 * Off with -v and --trace io (they show every access with its RIP), and
 * where the accelerator has no such queue (WHP, an old KVM).
 */
#ifndef WISP_UART_WRITE_QUEUE_H
#define WISP_UART_WRITE_QUEUE_H

struct vm;

/* Once, before the vCPUs run (no lock needed then). */
void uart_write_queue_start(struct vm *vm);

/* After an access to COM1's ports (device_lock held): switch the queue on
 * or off for the UART's new state. */
void uart_write_queue_update(struct vm *vm);

/* Hands every queued write to the UART, in order; takes device_lock when
 * there is something to take. */
void uart_write_queue_take(struct vm *vm);

#endif
