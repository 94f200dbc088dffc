/*
 * The debug devices QEMU users bring along (--debugcon, --isa-debug-exit),
 * so a test harness written for QEMU runs unchanged: port 0xE9's bytes go
 * to a file or the terminal, and a write to the exit port ends wisp with
 * QEMU's status, (value << 1) | 1.
 */
#include "vm_internal.h"

#include <wisp/guest.h>

#include "host/clock.h"
#include "host/ticker.h"

static void debugcon_output(void *opaque, uint8_t byte)
{
    struct vm *vm = opaque;
    if (vm->cfg.debugcon_shares_console) {
        /* One stream with COM1: the order of their bytes is kept. */
        serial_console_write(&vm->console, &byte, 1);
        return;
    }
    /* As COM1's: nothing lost, nothing obeyed by a terminal. */
    host_output_write(&vm->debugcon_out, &byte, 1);
}

static bool debugcon_give_up(void *opaque)
{
    struct vm *vm = opaque;
    return ticker_stop_pending() ||
           (vm->timeout_at_ns && clock_monotonic_ns() >= vm->timeout_at_ns);
}

static void debug_exit(void *opaque, uint64_t value, int status)
{
    struct vm *vm = opaque;
    (void)value;
    vm->debug_exit_status = status;
    vm->platform_stop = VM_STOP_DEBUG_EXIT;
    vm->platform_stop_requested = true;
}

int vm_setup_debug_devices(struct vm *vm, struct wisp_error *err)
{
    if (vm->cfg.debugcon_output || vm->cfg.debugcon_shares_console) {
        static const struct debugcon_ops ops = { debugcon_output };
        debugcon_init(&vm->debugcon, &ops, vm);
        if (!vm->cfg.debugcon_shares_console) {
            int fd = fileno(vm->cfg.debugcon_output);
            host_output_init(&vm->debugcon_out, fd, true,
                             !vm->cfg.serial_raw && host_output_is_terminal(fd));
            host_output_set_give_up(&vm->debugcon_out, debugcon_give_up, vm);
        }
        if (bus_register(&vm->ports, DEBUGCON_PORT, 1, "debugcon", debugcon_io, &vm->debugcon,
                         err) < 0)
            return -1;
    }
    if (vm->cfg.isa_debug_exit) {
        uint64_t base = vm->cfg.isa_debug_exit_iobase, size = vm->cfg.isa_debug_exit_iosize;
        for (uint64_t port = base; port < base + size; port++) {
            const struct bus_range *taken = bus_find(&vm->ports, port);
            if (taken || port == WISP_HYPERCALL_PORT)
                return wisp_fail(err, WISP_EXIT_USAGE, "--isa-debug-exit=0x%llx,%llu: port 0x%llx "
                                 "is %s's", (unsigned long long)base, (unsigned long long)size,
                                 (unsigned long long)port,
                                 taken ? taken->name : "wisp's hypercall port");
        }
        static const struct isa_debug_exit_ops ops = { debug_exit };
        isa_debug_exit_init(&vm->debug_exit, &ops, vm);
        if (bus_register(&vm->ports, vm->cfg.isa_debug_exit_iobase, vm->cfg.isa_debug_exit_iosize,
                         "isa-debug-exit", isa_debug_exit_io, &vm->debug_exit, err) < 0)
            return -1;
    }
    return 0;
}
