/*
 * The pure half of the WHP backend: everything whp.c does that needs no
 * hypervisor, so that it builds and is unit-tested on Linux too
 * (tests/unit/test_whp_*.c) against the mirrored types of winhv_types.h.
 *
 *   - WHV_RUN_VP_EXIT_CONTEXT -> struct accel_exit;
 *   - register sets <-> WHV_REGISTER_NAME / WHV_REGISTER_VALUE arrays;
 *   - the CPUID policy applied to WHP's default CPUID results;
 *   - event injection and interrupt-window registers;
 *   - the replay log that lets the WHP instruction emulator hand one access
 *     at a time to the VMM (see struct winhv_replay).
 */
#ifndef WISP_WINHV_TRANSLATE_H
#define WISP_WINHV_TRANSLATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "accel.h"
#include "winhv_types.h"

/* ---- exits ---- */

/* Fills exit from a WHP exit context: reason (the values are equal), the
 * execution state, instruction length, CS, RIP, RFLAGS and the
 * reason-specific part:
 *   memory access: gpa, gva (0 unless WHP marks it valid), access type;
 *     size stays 0 and data empty: WHP does not decode the instruction, the
 *     backend's emulator does (winhv_replay);
 *   port access: port, size, direction, count 1 and data = io_buffer (4
 *     bytes at least), holding the written bytes of an OUT; for string
 *     instructions (INS/OUTS) count is 0 until the emulator has run;
 *   MSR: index, direction, the written value (EDX:EAX);
 *   CPUID: leaf, subleaf and WHP's default result;
 *   exception: raw_code = vector; unsupported feature: unsupported.code =
 *   WHP's feature code; APIC EOI: raw_code = vector.
 * Exit reasons the seam has no name for become ACCEL_EXIT_NONE with
 * raw_code = WHP's reason. */
void winhv_exit_from_context(const WHV_RUN_VP_EXIT_CONTEXT *ctx, struct accel_exit *exit,
                             uint8_t *io_buffer);

/* RAX after `in` of size bytes (1, 2 or 4): AL and AX keep the rest of
 * RAX; a 32-bit result clears bits 63:32, as any 32-bit write does. */
uint64_t winhv_io_in_result(uint64_t rax, uint8_t size, const uint8_t *data);

/* How many elements a string port instruction (INS/OUTS) will move: 1
 * without REP, else RCX masked to the instruction's address size (from the
 * mode in the exit context and a 0x67 prefix in its bytes). */
uint64_t winhv_string_io_count(const WHV_RUN_VP_EXIT_CONTEXT *ctx);

/* ---- registers ---- */

#define WINHV_REGS_COUNT 18
extern const WHV_REGISTER_NAME winhv_regs_names[WINHV_REGS_COUNT];
void winhv_regs_from_values(const WHV_REGISTER_VALUE *values, struct accel_regs *regs);
void winhv_regs_to_values(const struct accel_regs *regs, WHV_REGISTER_VALUE *values);

/* Segments, tables, control registers and EFER. APIC_BASE is separate
 * (winhv_apic_base_name): without WHP's APIC emulation a partition may
 * refuse it, and that must not fail the whole set. */
#define WINHV_SREGS_COUNT 16
extern const WHV_REGISTER_NAME winhv_sregs_names[WINHV_SREGS_COUNT];
extern const WHV_REGISTER_NAME winhv_apic_base_name;
void winhv_sregs_from_values(const WHV_REGISTER_VALUE *values, struct accel_sregs *sregs);
void winhv_sregs_to_values(const struct accel_sregs *sregs, WHV_REGISTER_VALUE *values);

struct accel_segment winhv_segment_from_whv(const WHV_X64_SEGMENT_REGISTER *s);
WHV_X64_SEGMENT_REGISTER winhv_segment_to_whv(const struct accel_segment *s);

/* ---- events ---- */

/* WHvRegisterPendingInterruption values. */
uint64_t winhv_pending_interrupt(uint8_t vector);
uint64_t winhv_pending_exception(uint8_t vector, bool has_error_code, uint32_t error_code);
uint64_t winhv_pending_nmi(void);

/* WHvX64RegisterDeliverabilityNotifications asking (or not) for an
 * interrupt-window exit. */
uint64_t winhv_interrupt_notification(bool wanted);

/* An external interrupt can be injected now: RFLAGS.IF, no STI/MOV SS
 * shadow, no event already pending. */
bool winhv_interrupt_window_open(uint64_t rflags, uint64_t interrupt_state,
                                 uint64_t pending_interruption);

/* ---- CPUID ---- */

/* WHP has no "supported CPUID" query that works before a vCPU runs, so the
 * backend reports the host's own CPUID (enumerated here through `cpuid`,
 * one call per leaf and subleaf) as what it supports; the policy is then
 * applied as the set of bits it changes relative to that. Leaves with
 * subleaves get ACCEL_CPUID_FLAG_SIGNIFICANT_INDEX. */
typedef void (*winhv_cpuid_fn)(void *opaque, uint32_t leaf, uint32_t subleaf, uint32_t out[4]);
void winhv_enumerate_cpuid(winhv_cpuid_fn cpuid, void *opaque, struct accel_cpuid *out);

/* The answer to a guest CPUID(leaf, subleaf) that exited to wisp: WHP's
 * default result (what the hypervisor itself would return, with its
 * dynamic bits such as OSXSAVE and the APIC ID right) with exactly the bits
 * the policy changed relative to `supported` replaced by the policy's. A
 * leaf the policy does not list keeps WHP's default. Registers in the order
 * EAX, EBX, ECX, EDX. */
void winhv_cpuid_answer(const struct accel_cpuid *policy, const struct accel_cpuid *supported,
                        uint32_t leaf, uint32_t subleaf, const uint32_t default_result[4],
                        uint32_t out[4]);

/* The CPUID functions (leaves) whose results the policy changes, i.e. that
 * need CPUID exits, sorted and without repeats; returns their number
 * (at most max are stored). */
unsigned winhv_cpuid_exit_leaves(const struct accel_cpuid *policy,
                                 const struct accel_cpuid *supported, uint32_t *leaves,
                                 unsigned max);

/* ---- the emulator's accesses, one VMM round trip at a time ----
 *
 * WHP reports an MMIO access (or a string port instruction) without
 * decoding it; its instruction emulator (WHvEmulatorTryMmioEmulation,
 * WHvEmulatorTryIoEmulation) decodes and completes the instruction, but
 * wants every read answered synchronously from a callback. wisp's seam
 * instead returns each access to the VMM as an exit and takes the answer on
 * the next accel_vcpu_run. The replay log joins the two: each emulation
 * attempt starts again from the exit, accesses already known are answered
 * from the log (reads) or skipped (writes already done), and the first new
 * access that needs the VMM stops the attempt (the callback fails, so the
 * emulator commits nothing) and becomes the exit. A new write is taken
 * without stopping: if the instruction then completes, its write is handed
 * to the VMM after the fact (the guest cannot observe the difference, it
 * does not run before the VMM has handled the exit).
 *
 *   MMIO: one access per exit.
 *   OUTS: every write of the attempt is handed over at once (count > 1).
 *   INS:  a new read asks the VMM for all the reads still expected
 *         (winhv_string_io_count, at most WINHV_READ_AHEAD_MAX) at once,
 *         answered on the next attempt.
 */
#define WINHV_READ_AHEAD_MAX 4096
#define WINHV_REPLAY_MAX (1u << 20)

struct winhv_access {
    uint64_t addr; /* guest-physical address, or port */
    uint8_t size;  /* 1..8 */
    bool is_write;
    uint8_t data[8];
};

enum winhv_replay_verdict {
    WINHV_REPLAY_ANSWERED, /* known access: read data filled in, go on */
    WINHV_REPLAY_TAKEN,    /* new write recorded: go on */
    WINHV_REPLAY_STOP,     /* the VMM must act first: fail the callback */
    WINHV_REPLAY_MISMATCH, /* not what this instruction did before */
    WINHV_REPLAY_NO_MEMORY,
};

struct winhv_replay {
    struct winhv_access *log;
    size_t count;    /* entries recorded */
    size_t answered; /* entries [0, answered) are done or answered */
    size_t cap;
    size_t cursor;   /* accesses seen in the current attempt */
    bool new_in_attempt; /* the attempt recorded a new access */
    bool batch_writes;
    uint64_t expected_reads;
    uint64_t reads_recorded;
};

/* A new instruction: empties the log; batch_writes and expected_reads as
 * above (false and 1 for MMIO). */
void winhv_replay_reset(struct winhv_replay *r, bool batch_writes, uint64_t expected_reads);
/* Before each emulation attempt. */
void winhv_replay_begin(struct winhv_replay *r);
/* One access of the attempt; for reads data is filled when ANSWERED. */
enum winhv_replay_verdict winhv_replay_access(struct winhv_replay *r, uint64_t addr, uint8_t size,
                                              bool is_write, uint8_t data[8]);
/* The accesses the VMM has to see now: log[answered .. count). */
size_t winhv_replay_outstanding(const struct winhv_replay *r, struct winhv_access **first);
/* The VMM handled the outstanding accesses; reads' data must have been
 * stored into their entries. */
void winhv_replay_handed(struct winhv_replay *r);
void winhv_replay_free(struct winhv_replay *r);

/* ---- messages ---- */

/* "WHV_E_UNKNOWN_PROPERTY" and friends, or NULL for other HRESULTs. */
const char *winhv_hresult_name(uint32_t hr);

#endif
