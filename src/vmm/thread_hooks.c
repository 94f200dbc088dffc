#include "thread_hooks.h"

#include "host/sandbox.h"
#include "vm_internal.h"

int vm_thread_started(struct vm *vm, enum vm_thread_kind kind, unsigned index,
                      struct wisp_error *err)
{
    (void)index;
    /* Device workers wait for the privilege drop instead
     * (sandbox_thread_begin): they start during set-up. */
    if (kind != VM_THREAD_VCPU)
        return 0;
    return sandbox_enter(SANDBOX_THREAD_VCPU, &vm->thread_sandbox, err);
}
