/*
 * libFuzzer target: the GDB stub's input as it comes off the socket. The
 * bytes go through the packet framing (src/debug/gdb_packet.c) and every
 * packet with a good checksum through the command handler
 * (src/debug/gdb_session.c) on a fake two-vCPU machine with 64 KiB of
 * memory at 0x100000. Replies must stay inside their buffer and frame;
 * the fake memory is only touched inside its bounds; breakpoints removed
 * at the end leave the memory as the commands wrote it.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "debug/gdb_packet.h"
#include "debug/gdb_session.h"
#include "fuzz_input.h"

#define MEM_BASE 0x100000u
#define MEM_SIZE 0x10000u

static uint8_t memory[MEM_SIZE];
static struct gdb_x86_regs regs[2];

static unsigned cpu_count(void *ctx)
{
    (void)ctx;
    return 2;
}

static int get_regs(void *ctx, unsigned cpu, struct gdb_x86_regs *r)
{
    (void)ctx;
    fuzz_check(cpu < 2, "a vCPU that exists");
    *r = regs[cpu];
    return 0;
}

static int set_regs(void *ctx, unsigned cpu, const struct gdb_x86_regs *r)
{
    (void)ctx;
    fuzz_check(cpu < 2, "a vCPU that exists");
    regs[cpu] = *r;
    return 0;
}

static size_t span(uint64_t addr, size_t len)
{
    if (addr < MEM_BASE || addr - MEM_BASE >= MEM_SIZE)
        return 0;
    size_t room = MEM_SIZE - (size_t)(addr - MEM_BASE);
    return len < room ? len : room;
}

static size_t read_memory(void *ctx, unsigned cpu, uint64_t addr, uint8_t *buf, size_t len)
{
    (void)ctx;
    fuzz_check(cpu < 2, "a vCPU that exists");
    size_t n = span(addr, len);
    memcpy(buf, memory + (addr - MEM_BASE) * (n != 0), n);
    return n;
}

static size_t write_memory(void *ctx, unsigned cpu, uint64_t addr, const uint8_t *buf,
                           size_t len)
{
    (void)ctx;
    fuzz_check(cpu < 2, "a vCPU that exists");
    size_t n = span(addr, len);
    memcpy(memory + (addr - MEM_BASE) * (n != 0), buf, n);
    return n;
}

static const struct gdb_target_ops ops = { cpu_count, get_regs, set_regs, read_memory,
                                           write_memory };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct gdb_session s;
    static struct gdb_rx rx;
    static char reply[GDB_REPLY_MAX + 16];
    static char framed[2 * GDB_REPLY_MAX + 8];
    memset(memory, 0x90, sizeof memory);
    memset(regs, 0, sizeof regs);
    gdb_session_init(&s, &ops, NULL);
    gdb_rx_init(&rx);
    for (size_t i = 0; i < size; i++) {
        enum gdb_rx_event ev = gdb_rx_byte(&rx, data[i]);
        if (ev != GDB_RX_PACKET)
            continue;
        fuzz_check(rx.len <= GDB_PACKET_MAX, "packet within its buffer");
        memset(reply + GDB_REPLY_MAX, 0xA5, 16);
        struct gdb_resume resume;
        enum gdb_command_result r = gdb_session_handle(&s, rx.buf, rx.len, reply, &resume);
        for (int k = 0; k < 16; k++)
            fuzz_check((uint8_t)reply[GDB_REPLY_MAX + k] == 0xA5, "reply within its buffer");
        size_t len = strnlen(reply, GDB_REPLY_MAX);
        fuzz_check(len < GDB_REPLY_MAX, "reply NUL-terminated");
        fuzz_check(gdb_frame(reply, len, framed, sizeof framed) > 0, "reply fits its frame");
        if (r == GDB_CMD_RESUME)
            fuzz_check(resume.step_cpu >= -1 && resume.step_cpu < 2, "a vCPU to step");
        uint64_t dr[4], dr7;
        gdb_session_debug_registers(&s, dr, &dr7);
        if (r == GDB_CMD_DETACH || r == GDB_CMD_KILL)
            gdb_session_remove_all(&s);
    }
    /* Every INT3 the session wrote goes when it takes them all out. */
    gdb_session_remove_all(&s);
    for (unsigned i = 0; i < GDB_MAX_SW_BREAKPOINTS; i++)
        fuzz_check(!s.sw[i].used, "no breakpoint left");
    return 0;
}
