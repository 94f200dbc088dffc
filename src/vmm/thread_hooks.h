/*
 * One place where every thread wisp starts for a VM passes once its own
 * set-up is done and before it does its work: the hook for confining it
 * (its seccomp filter, host/sandbox.h). A vCPU thread calls it after its
 * timers and signal mask are in place and before it first enters the
 * guest. Device I/O workers start during set-up, before privileges are
 * dropped, and use sandbox_thread_begin instead.
 */
#ifndef WISP_THREAD_HOOKS_H
#define WISP_THREAD_HOOKS_H

#include "core/error.h"

struct vm;

enum vm_thread_kind {
    VM_THREAD_VCPU,      /* index: the vCPU */
    VM_THREAD_IO_WORKER, /* index: the worker's own number */
};

/* Returns 0, or -1 with err set: the VM then stops with that error before
 * the thread does anything. */
int vm_thread_started(struct vm *vm, enum vm_thread_kind kind, unsigned index,
                      struct wisp_error *err);

#endif
