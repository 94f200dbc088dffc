/*
 * One GDB connection's commands, as pure logic: a packet in, a reply (or
 * a request to resume, detach or kill) out, with the machine reached
 * through struct gdb_target_ops. The VM's side (stopping every vCPU,
 * sockets, the accelerator) is src/vmm/gdb_stub.c; the unit tests and
 * the fuzzer drive this with a fake machine.
 *
 * Threads: GDB thread N is vCPU N-1. Memory addresses are guest-virtual,
 * translated through the page tables of the selected thread's vCPU (Hg).
 * Software breakpoints (Z0) are INT3 bytes this session writes into guest
 * memory and hides from memory reads; hardware breakpoints and watchpoints
 * (Z1-Z4) use the four debug registers, the same on every vCPU.
 */
#ifndef WISP_DEBUG_GDB_SESSION_H
#define WISP_DEBUG_GDB_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gdb_x86.h"

struct gdb_target_ops {
    unsigned (*cpu_count)(void *ctx);
    int (*get_regs)(void *ctx, unsigned cpu, struct gdb_x86_regs *r);
    int (*set_regs)(void *ctx, unsigned cpu, const struct gdb_x86_regs *r);
    /* Guest-virtual memory through cpu's page tables; bytes done (less
     * than len where a page is not mapped or not RAM). */
    size_t (*read_memory)(void *ctx, unsigned cpu, uint64_t addr, uint8_t *buf, size_t len);
    size_t (*write_memory)(void *ctx, unsigned cpu, uint64_t addr, const uint8_t *buf,
                           size_t len);
};

#define GDB_MAX_SW_BREAKPOINTS 64
#define GDB_REPLY_MAX 8192

struct gdb_sw_breakpoint {
    bool used;
    uint64_t addr;
    uint8_t saved; /* the byte the INT3 replaced */
};

enum gdb_hw_kind { GDB_HW_EXEC = 1, GDB_HW_WRITE = 2, GDB_HW_READ = 3, GDB_HW_ACCESS = 4 };

struct gdb_hw_breakpoint {
    bool used;
    enum gdb_hw_kind kind;
    uint64_t addr;
    unsigned len; /* 1, 2, 4 or 8 */
};

struct gdb_session {
    const struct gdb_target_ops *ops;
    void *ctx;
    unsigned g_cpu;     /* registers and memory (Hg) */
    int c_cpu;          /* s and c (Hc); -1 = all */
    unsigned stop_cpu;  /* the last stop's vCPU */
    bool swbreak_ok;    /* GDB takes "swbreak" / "hwbreak" stop reasons */
    struct gdb_sw_breakpoint sw[GDB_MAX_SW_BREAKPOINTS];
    struct gdb_hw_breakpoint hw[4];
    char stop_reply[96];
};

enum gdb_command_result {
    GDB_CMD_REPLY,  /* send reply */
    GDB_CMD_RESUME, /* let the guest run (see resume); no reply until it stops */
    GDB_CMD_DETACH, /* reply "OK", remove breakpoints, run on, drop the connection */
    GDB_CMD_KILL,   /* end the VM */
};

struct gdb_resume {
    int step_cpu; /* the vCPU to single-step, -1 for none; the others continue */
};

void gdb_session_init(struct gdb_session *s, const struct gdb_target_ops *ops, void *ctx);

/* Handles one packet's payload (NUL-terminated, len bytes). The reply is
 * NUL-terminated in reply (GDB_REPLY_MAX bytes). */
enum gdb_command_result gdb_session_handle(struct gdb_session *s, const char *packet,
                                           size_t len, char *reply, struct gdb_resume *resume);

/* Why a vCPU stopped, for its stop reply. */
enum gdb_stop_kind {
    GDB_STOP_INTERRUPT, /* Ctrl-C, attach: SIGINT */
    GDB_STOP_TRAP,      /* a step, -S at the entry: SIGTRAP */
    GDB_STOP_DEBUG,     /* a debug exception: vector and dr6 say which */
};

/* Records and formats the stop reply ("T05thread:1;..."); it also makes
 * cpu the selected thread. vector and dr6 only for GDB_STOP_DEBUG. */
const char *gdb_session_stopped(struct gdb_session *s, unsigned cpu, enum gdb_stop_kind kind,
                                unsigned vector, uint64_t dr6);

/* True when addr holds one of this session's INT3s (else the guest's own
 * INT3 hit: give it back to the guest). */
bool gdb_session_owns_breakpoint(const struct gdb_session *s, uint64_t addr);

/* DR0-DR3 and DR7 for the hardware breakpoints; false if none is set. */
bool gdb_session_debug_registers(const struct gdb_session *s, uint64_t dr[4], uint64_t *dr7);

/* Takes every breakpoint out (detach, a dropped connection). */
void gdb_session_remove_all(struct gdb_session *s);

#endif
