#include "thread_hooks.h"

int vm_thread_started(struct vm *vm, enum vm_thread_kind kind, unsigned index,
                      struct wisp_error *err)
{
    /* Nothing to do yet: no thread is confined. */
    (void)vm;
    (void)kind;
    (void)index;
    (void)err;
    return 0;
}
