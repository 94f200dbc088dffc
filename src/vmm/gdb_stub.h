/*
 * The GDB stub (--gdb, -s, -S): GDB's remote protocol (src/debug/) on a
 * TCP socket, served by a thread of its own, over a whole VM.
 *
 * All-stop, as GDB expects: while GDB looks at the machine every vCPU is
 * out of the guest (vcpu_pause.h). A stop is held either by the stub's
 * thread (Ctrl-C, GDB attaching) or by the vCPU that trapped (a
 * breakpoint, a step, a watchpoint, -S at the entry): that vCPU pauses
 * the world from its own thread, hands the stop to the stub and waits
 * until GDB resumes. Two vCPUs trapping at once queue: the second is
 * reported when GDB resumes the first.
 *
 * While the world is paused the stub's thread reads and writes every
 * vCPU's registers and guest memory (through the page tables of the vCPU
 * GDB selected), and sets each vCPU's guest-debug state (INT3 traps, the
 * single step, the debug registers) before letting them go.
 */
#ifndef WISP_VMM_GDB_STUB_H
#define WISP_VMM_GDB_STUB_H

#include <stdbool.h>

#include "accel/accel.h"
#include "core/error.h"

struct vm;
struct vcpu;
struct gdb_stub;

/* Set-up (vm_create): listens on cfg.gdb_address; fails with one line
 * for a bad address, a port in use or an accelerator without guest
 * debugging. */
int gdb_stub_create(struct vm *vm, struct gdb_stub **out, struct wisp_error *err);
/* vm_run: starts the stub's thread once the vCPU threads run; stops it
 * after they ended (a connected GDB hears how the guest exited). */
int gdb_stub_start(struct gdb_stub *stub, struct wisp_error *err);
void gdb_stub_finish(struct gdb_stub *stub, int exit_status);
void gdb_stub_destroy(struct gdb_stub *stub);

/* On a vCPU thread: -S holds the first vCPU at the kernel's entry until
 * GDB attaches and resumes it. */
void gdb_stub_vcpu_entry(struct gdb_stub *stub, struct vcpu *cpu);
/* On a vCPU thread: an ACCEL_EXIT_EXCEPTION. Returns false when it is not
 * the debugger's (then it is an unhandled exit). */
bool gdb_stub_vcpu_exception(struct gdb_stub *stub, struct vcpu *cpu,
                             const struct accel_exit *e);

#endif
