/*
 * The GDB stub's VM side (gdb_stub.h): the socket, the stub's thread, who
 * holds a stop, and the machine as src/debug/gdb_session.h sees it.
 *
 * Locks: stub->lock (with cond) guards the hand-over between trapping
 * vCPUs and the stub's thread (pending[], released[], quit). It is a leaf:
 * nothing else is taken while it is held. The session (breakpoint tables)
 * belongs to the stub's thread and changes only while the world is
 * paused; a vCPU reads it after a trap, when the world is not being
 * changed under it.
 */
#include "gdb_stub.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "debug/gdb_address.h"
#include "debug/gdb_packet.h"
#include "debug/gdb_session.h"
#include "host/clock.h"
#include "host/sandbox.h"
#include "host/tcp_socket.h"
#include "host/thread.h"
#include "vcpu_pause.h"
#include "vm_internal.h"

#define POLL_MS 100
#define PAGE 4096u

struct stop_event {
    enum gdb_stop_kind kind;
    unsigned vector;
    uint64_t dr6;
};

struct gdb_stub {
    struct vm *vm;
    int listen_fd;
    int conn_fd;
    int wake[2];
    struct host_thread thread;
    bool thread_started;

    struct host_mutex lock;
    struct host_cond cond;
    bool pending[VM_MAX_CPUS];  /* lock: a vCPU trapped and waits to be reported */
    struct stop_event event[VM_MAX_CPUS];
    bool released[VM_MAX_CPUS]; /* lock: GDB let that vCPU go */
    bool quit;                  /* lock: the VM is over */
    int exit_status;            /* lock: with quit */

    /* The stub's thread only. */
    struct gdb_session session;
    struct gdb_rx rx;
    bool stopped;               /* GDB is looking: the world is paused */
    int holder;                 /* who holds the pause: a vCPU, or -1 for this thread */
    char out[2 * GDB_REPLY_MAX + 8];
    size_t out_len;
};

/* ---- the machine as the session sees it (world paused) ---- */

static unsigned target_cpu_count(void *ctx)
{
    struct gdb_stub *stub = ctx;
    return stub->vm->ncpus;
}

static int target_get_regs(void *ctx, unsigned index, struct gdb_x86_regs *r)
{
    struct gdb_stub *stub = ctx;
    struct accel_vcpu *cpu = stub->vm->cpus[index].accel;
    struct accel_regs g;
    struct accel_sregs s;
    struct accel_fpu f;
    if (accel_vcpu_get_regs(cpu, &g) < 0 || accel_vcpu_get_sregs(cpu, &s) < 0)
        return -1;
    if (accel_vcpu_get_fpu(cpu, &f) < 0)
        memset(&f, 0, sizeof f);
    memset(r, 0, sizeof *r);
    const uint64_t gpr[16] = { g.rax, g.rbx, g.rcx, g.rdx, g.rsi, g.rdi, g.rbp, g.rsp,
                               g.r8,  g.r9,  g.r10, g.r11, g.r12, g.r13, g.r14, g.r15 };
    memcpy(r->gpr, gpr, sizeof gpr);
    r->rip = g.rip;
    r->eflags = (uint32_t)g.rflags;
    const struct accel_segment *segs[6] = { &s.cs, &s.ss, &s.ds, &s.es, &s.fs, &s.gs };
    for (int i = 0; i < 6; i++)
        r->seg[i] = segs[i]->selector;
    for (int i = 0; i < 8; i++)
        memcpy(r->st[i], f.fpr[i], 10);
    r->fctrl = f.fcw;
    r->fstat = f.fsw;
    /* The full tag word from FXSAVE's abridged one: valid (00) or empty (11). */
    for (int i = 0; i < 8; i++)
        if (!(f.ftwx & (1u << i)))
            r->ftag |= 3u << (2 * i);
    r->fioff = (uint32_t)f.last_ip;
    r->fiseg = (uint32_t)(f.last_ip >> 32);
    r->fooff = (uint32_t)f.last_dp;
    r->foseg = (uint32_t)(f.last_dp >> 32);
    r->fop = f.last_opcode;
    memcpy(r->xmm, f.xmm, sizeof r->xmm);
    r->mxcsr = f.mxcsr;
    r->fs_base = s.fs.base;
    r->gs_base = s.gs.base;
    r->cr0 = s.cr0;
    r->cr2 = s.cr2;
    r->cr3 = s.cr3;
    r->cr4 = s.cr4;
    r->cr8 = s.cr8;
    r->efer = s.efer;
    return 0;
}

/* Segment selectors are read-only here: loading one means loading its
 * descriptor, which GDB cannot ask for. */
static int target_set_regs(void *ctx, unsigned index, const struct gdb_x86_regs *r)
{
    struct gdb_stub *stub = ctx;
    struct accel_vcpu *cpu = stub->vm->cpus[index].accel;
    struct gdb_x86_regs old;
    if (target_get_regs(ctx, index, &old) < 0)
        return -1;
    struct accel_regs g = {
        .rax = r->gpr[0], .rbx = r->gpr[1], .rcx = r->gpr[2], .rdx = r->gpr[3],
        .rsi = r->gpr[4], .rdi = r->gpr[5], .rbp = r->gpr[6], .rsp = r->gpr[7],
        .r8 = r->gpr[8], .r9 = r->gpr[9], .r10 = r->gpr[10], .r11 = r->gpr[11],
        .r12 = r->gpr[12], .r13 = r->gpr[13], .r14 = r->gpr[14], .r15 = r->gpr[15],
        .rip = r->rip,
    };
    struct accel_regs cur;
    if (accel_vcpu_get_regs(cpu, &cur) < 0)
        return -1;
    g.rflags = (cur.rflags & ~0xFFFFFFFFull) | r->eflags;
    if (accel_vcpu_set_regs(cpu, &g) < 0)
        return -1;
    if (r->fs_base != old.fs_base || r->gs_base != old.gs_base || r->cr0 != old.cr0 ||
        r->cr2 != old.cr2 || r->cr3 != old.cr3 || r->cr4 != old.cr4 || r->cr8 != old.cr8 ||
        r->efer != old.efer) {
        struct accel_sregs s;
        if (accel_vcpu_get_sregs(cpu, &s) < 0)
            return -1;
        s.fs.base = r->fs_base;
        s.gs.base = r->gs_base;
        s.cr0 = r->cr0;
        s.cr2 = r->cr2;
        s.cr3 = r->cr3;
        s.cr4 = r->cr4;
        s.cr8 = r->cr8;
        s.efer = r->efer;
        if (accel_vcpu_set_sregs(cpu, &s) < 0)
            return -1;
    }
    if (memcmp(r->st, old.st, sizeof r->st) || memcmp(r->xmm, old.xmm, sizeof r->xmm) ||
        r->fctrl != old.fctrl || r->fstat != old.fstat || r->ftag != old.ftag ||
        r->mxcsr != old.mxcsr || r->fop != old.fop || r->fioff != old.fioff ||
        r->fiseg != old.fiseg || r->fooff != old.fooff || r->foseg != old.foseg) {
        struct accel_fpu f;
        memset(&f, 0, sizeof f);
        for (int i = 0; i < 8; i++) {
            memcpy(f.fpr[i], r->st[i], 10);
            if (((r->ftag >> (2 * i)) & 3) != 3)
                f.ftwx |= (uint8_t)(1u << i);
        }
        f.fcw = (uint16_t)r->fctrl;
        f.fsw = (uint16_t)r->fstat;
        f.last_opcode = (uint16_t)r->fop;
        f.last_ip = (uint64_t)r->fiseg << 32 | r->fioff;
        f.last_dp = (uint64_t)r->foseg << 32 | r->fooff;
        memcpy(f.xmm, r->xmm, sizeof f.xmm);
        f.mxcsr = r->mxcsr;
        if (accel_vcpu_set_fpu(cpu, &f) < 0)
            return -1;
    }
    return 0;
}

/* Guest-virtual memory a page at a time through the vCPU's page tables,
 * then through the checked accessors: addresses outside RAM just end the
 * transfer. */
static size_t access_memory(struct gdb_stub *stub, unsigned index, uint64_t addr, uint8_t *buf,
                            const uint8_t *src, size_t len)
{
    struct vm *vm = stub->vm;
    struct accel_vcpu *cpu = vm->cpus[index].accel;
    size_t done = 0;
    while (done < len) {
        uint64_t gva = addr + done, gpa;
        if (gva < addr || accel_vcpu_translate(cpu, gva, &gpa) < 0)
            break;
        size_t chunk = PAGE - (size_t)(gva & (PAGE - 1));
        if (chunk > len - done)
            chunk = len - done;
        bool ok = src ? guest_memory_write(&vm->memory, gpa, src + done, chunk)
                      : guest_memory_read(&vm->memory, gpa, buf + done, chunk);
        if (!ok)
            break;
        done += chunk;
    }
    return done;
}

static size_t target_read_memory(void *ctx, unsigned cpu, uint64_t addr, uint8_t *buf, size_t len)
{
    return access_memory(ctx, cpu, addr, buf, NULL, len);
}

static size_t target_write_memory(void *ctx, unsigned cpu, uint64_t addr, const uint8_t *buf,
                                  size_t len)
{
    return access_memory(ctx, cpu, addr, NULL, buf, len);
}

static const struct gdb_target_ops target_ops = {
    .cpu_count = target_cpu_count,
    .get_regs = target_get_regs,
    .set_regs = target_set_regs,
    .read_memory = target_read_memory,
    .write_memory = target_write_memory,
};

/* ---- set-up ---- */

int gdb_stub_create(struct vm *vm, struct gdb_stub **out, struct wisp_error *err)
{
    char host[64];
    uint16_t port;
    if (!gdb_parse_address(vm->cfg.gdb_address, host, sizeof host, &port))
        return wisp_fail(err, WISP_EXIT_USAGE,
                         "--gdb %s: expected tcp::PORT, tcp:HOST:PORT or PORT",
                         vm->cfg.gdb_address);
    /* Without guest debugging there are no breakpoints or steps. */
    struct accel_guest_debug off = { 0 };
    if (accel_vcpu_set_guest_debug(vm->cpus[0].accel, &off) < 0)
        return wisp_fail(err, WISP_EXIT_USAGE,
                         "--gdb: the %s accelerator cannot debug guests (no guest debugging)",
                         accel_name());
    struct gdb_stub *stub = calloc(1, sizeof *stub);
    if (!stub)
        return wisp_fail(err, WISP_EXIT_HOST_ERROR, "out of memory");
    stub->vm = vm;
    stub->conn_fd = -1;
    stub->wake[0] = stub->wake[1] = -1;
    stub->holder = -1;
    if (host_tcp_listen(host, port, &stub->listen_fd, err) < 0) {
        free(stub);
        return -1;
    }
    if (host_wake_pipe(stub->wake, err) < 0) {
        host_fd_close(stub->listen_fd);
        free(stub);
        return -1;
    }
    host_mutex_init(&stub->lock);
    host_cond_init(&stub->cond);
    gdb_session_init(&stub->session, &target_ops, stub);
    gdb_rx_init(&stub->rx);
    fprintf(stderr, "wisp: waiting for gdb on %s:%u%s\n", host, (unsigned)port,
            vm->cfg.gdb_wait ? " (the guest starts when it continues)" : "");
    *out = stub;
    return 0;
}

void gdb_stub_destroy(struct gdb_stub *stub)
{
    if (!stub)
        return;
    host_fd_close(stub->conn_fd);
    host_fd_close(stub->listen_fd);
    host_fd_close(stub->wake[0]);
    host_fd_close(stub->wake[1]);
    host_cond_destroy(&stub->cond);
    host_mutex_destroy(&stub->lock);
    free(stub);
}

/* ---- the vCPU's side ---- */

/* On the trapping vCPU's thread: stop the world, be reported, wait for
 * GDB (or the VM's end) to let go. */
static void vcpu_stop(struct gdb_stub *stub, struct vcpu *cpu, struct stop_event ev)
{
    struct vm *vm = stub->vm;
    unsigned i = cpu->index;
    vm_pause(vm);
    host_mutex_lock(&stub->lock);
    if (!stub->quit) {
        stub->event[i] = ev;
        stub->pending[i] = true;
        stub->released[i] = false;
        host_wake(stub->wake[1]);
        while (!stub->released[i] && !stub->quit && !vm_stopping(vm))
            host_cond_wait_until(&stub->cond, &stub->lock,
                                 clock_monotonic_ns() + POLL_MS * 1000000ull);
        stub->pending[i] = false;
    }
    host_mutex_unlock(&stub->lock);
    vm_resume(vm);
}

void gdb_stub_vcpu_entry(struct gdb_stub *stub, struct vcpu *cpu)
{
    if (stub && cpu->index == 0 && stub->vm->cfg.gdb_wait)
        vcpu_stop(stub, cpu, (struct stop_event){ GDB_STOP_TRAP, 0, 0 });
}

bool gdb_stub_vcpu_exception(struct gdb_stub *stub, struct vcpu *cpu, const struct accel_exit *e)
{
    if (!stub)
        return false;
    unsigned vector = (unsigned)e->u.raw_code;
    if (vector == 3 && !gdb_session_owns_breakpoint(&stub->session, e->rip)) {
        /* The guest's own INT3: it gets its #BP as if nobody watched. */
        accel_vcpu_inject_exception(cpu->accel, 3, false, 0);
        return true;
    }
    if (vector != 1 && vector != 3)
        return false;
    vcpu_stop(stub, cpu, (struct stop_event){ GDB_STOP_DEBUG, vector, e->dr6 });
    return true;
}

/* ---- the stub's thread ---- */

static bool send_packet(struct gdb_stub *stub, const char *payload)
{
    if (stub->conn_fd < 0)
        return false;
    stub->out_len = gdb_frame(payload, strlen(payload), stub->out, sizeof stub->out);
    return stub->out_len && host_fd_write_all(stub->conn_fd, stub->out, stub->out_len);
}

static void send_byte(struct gdb_stub *stub, char c)
{
    if (stub->conn_fd >= 0)
        host_fd_write_all(stub->conn_fd, &c, 1);
}

/* A vCPU waiting to be reported, if any: it then holds the stop. */
static bool take_pending(struct gdb_stub *stub, unsigned *cpu, struct stop_event *ev)
{
    bool found = false;
    host_mutex_lock(&stub->lock);
    for (unsigned i = 0; i < stub->vm->ncpus && !found; i++) {
        if (stub->pending[i]) {
            stub->pending[i] = false;
            *cpu = i;
            *ev = stub->event[i];
            found = true;
        }
    }
    host_mutex_unlock(&stub->lock);
    return found;
}

static void report(struct gdb_stub *stub, unsigned cpu, struct stop_event ev)
{
    stub->stopped = true;
    stub->holder = (int)cpu;
    send_packet(stub, gdb_session_stopped(&stub->session, cpu, ev.kind, ev.vector, ev.dr6));
}

/* Ctrl-C or attaching: pause the world from here, unless a vCPU trapped
 * meanwhile (then report that one). reply: send the stop reply now (GDB
 * waits for one after Ctrl-C; after attaching it asks with '?'). */
static void stop_everything(struct gdb_stub *stub, enum gdb_stop_kind kind, bool reply)
{
    vm_pause(stub->vm);
    unsigned cpu;
    struct stop_event ev;
    if (take_pending(stub, &cpu, &ev)) {
        vm_resume(stub->vm); /* the trapped vCPU holds the world */
        stub->stopped = true;
        stub->holder = (int)cpu;
        const char *r = gdb_session_stopped(&stub->session, cpu, ev.kind, ev.vector, ev.dr6);
        if (reply)
            send_packet(stub, r);
        return;
    }
    stub->stopped = true;
    stub->holder = -1;
    const char *r = gdb_session_stopped(&stub->session, stub->session.stop_cpu, kind, 0, 0);
    if (reply)
        send_packet(stub, r);
}

/* Every vCPU's guest-debug state for the next run. */
static void apply_debug(struct gdb_stub *stub, bool attached, int step_cpu)
{
    struct vm *vm = stub->vm;
    struct accel_guest_debug d = { 0 };
    if (attached) {
        d.enable = true;
        d.sw_breakpoints = true;
        d.block_irq = true;
        d.hw_breakpoints = gdb_session_debug_registers(&stub->session, d.dr, &d.dr7);
    }
    for (unsigned i = 0; i < vm->ncpus; i++) {
        d.single_step = attached && (int)i == step_cpu;
        if (accel_vcpu_set_guest_debug(vm->cpus[i].accel, &d) < 0)
            fprintf(stderr, "wisp: gdb: cannot set vCPU %u's debug state\n", i);
    }
}

static void let_go(struct gdb_stub *stub)
{
    if (!stub->stopped)
        return;
    stub->stopped = false;
    if (stub->holder < 0) {
        vm_resume(stub->vm);
        return;
    }
    host_mutex_lock(&stub->lock);
    stub->released[stub->holder] = true;
    host_cond_broadcast(&stub->cond);
    host_mutex_unlock(&stub->lock);
}

/* GDB detached, went away or killed the VM: no breakpoint stays behind. */
static void end_connection(struct gdb_stub *stub)
{
    host_fd_close(stub->conn_fd);
    stub->conn_fd = -1;
    /* Gone while the guest ran: stop it to take the INT3s out. */
    if (!stub->stopped && !vm_stopping(stub->vm))
        stop_everything(stub, GDB_STOP_INTERRUPT, false);
    if (stub->stopped) {
        gdb_session_remove_all(&stub->session);
        apply_debug(stub, false, -1);
        let_go(stub);
    }
    /* vCPUs that trapped meanwhile and were never reported run on. */
    host_mutex_lock(&stub->lock);
    for (unsigned i = 0; i < stub->vm->ncpus; i++) {
        if (stub->pending[i]) {
            stub->pending[i] = false;
            stub->released[i] = true;
        }
    }
    host_cond_broadcast(&stub->cond);
    host_mutex_unlock(&stub->lock);
}

static void handle_packet(struct gdb_stub *stub, const char *packet, size_t len)
{
    static char reply[GDB_REPLY_MAX];
    struct gdb_resume resume;
    if (!stub->stopped)
        return; /* all-stop: GDB only talks while the guest is stopped */
    switch (gdb_session_handle(&stub->session, packet, len, reply, &resume)) {
    case GDB_CMD_REPLY:
        send_packet(stub, reply);
        break;
    case GDB_CMD_RESUME:
        apply_debug(stub, true, resume.step_cpu);
        let_go(stub);
        break;
    case GDB_CMD_DETACH:
        send_packet(stub, reply);
        fprintf(stderr, "wisp: gdb detached\n");
        end_connection(stub);
        break;
    case GDB_CMD_KILL:
        if (vm_request_stop(stub->vm, VM_STOP_USER_QUIT, WISP_EXIT_OK))
            fprintf(stderr, "wisp: killed from gdb\n");
        end_connection(stub);
        break;
    }
}

static void receive(struct gdb_stub *stub)
{
    uint8_t buf[1024];
    long n = host_fd_read(stub->conn_fd, buf, sizeof buf);
    if (n <= 0) {
        fprintf(stderr, "wisp: gdb disconnected\n");
        end_connection(stub);
        return;
    }
    for (long i = 0; i < n && stub->conn_fd >= 0; i++) {
        switch (gdb_rx_byte(&stub->rx, buf[i])) {
        case GDB_RX_PACKET:
            send_byte(stub, '+');
            handle_packet(stub, stub->rx.buf, stub->rx.len);
            break;
        case GDB_RX_BAD_CHECKSUM:
            send_byte(stub, '-');
            break;
        case GDB_RX_OVERSIZED:
            send_byte(stub, '+');
            if (stub->stopped)
                send_packet(stub, "E16");
            break;
        case GDB_RX_INTERRUPT:
            if (!stub->stopped)
                stop_everything(stub, GDB_STOP_INTERRUPT, true);
            break;
        case GDB_RX_NACK:
            if (stub->out_len)
                host_fd_write_all(stub->conn_fd, stub->out, stub->out_len);
            break;
        default:
            break;
        }
    }
}

static void attach(struct gdb_stub *stub)
{
    stub->conn_fd = host_tcp_accept(stub->listen_fd);
    if (stub->conn_fd < 0)
        return;
    fprintf(stderr, "wisp: gdb attached\n");
    gdb_rx_init(&stub->rx);
    stub->out_len = 0;
    struct gdb_session fresh;
    gdb_session_init(&fresh, &target_ops, stub);
    stub->session = fresh;
    /* QEMU stops the guest when GDB attaches; GDB asks why with '?'. */
    stop_everything(stub, GDB_STOP_TRAP, false);
}

static void *stub_thread(void *opaque)
{
    struct gdb_stub *stub = opaque;
    struct vm *vm = stub->vm;
    struct wisp_error err = { 0 };
    if (sandbox_enter(SANDBOX_THREAD_VCPU | SANDBOX_THREAD_GDB, &vm->thread_sandbox, &err) < 0) {
        vm_request_failure(vm, &err, NULL, false);
        return NULL;
    }
    for (;;) {
        host_mutex_lock(&stub->lock);
        bool quit = stub->quit;
        int status = stub->exit_status;
        host_mutex_unlock(&stub->lock);
        if (quit) {
            /* GDB waits for a stop reply while the guest runs: it ended. */
            if (stub->conn_fd >= 0 && !stub->stopped) {
                char w[8];
                snprintf(w, sizeof w, "W%02x", status & 0xFF);
                send_packet(stub, w);
            }
            break;
        }
        if (vm_stopping(vm) && stub->stopped)
            let_go(stub); /* the vCPU threads end instead of running */
        if (!stub->stopped && stub->conn_fd >= 0 && !vm_stopping(vm)) {
            unsigned cpu;
            struct stop_event ev;
            if (take_pending(stub, &cpu, &ev))
                report(stub, cpu, ev);
        }
        int fd = stub->conn_fd >= 0 ? stub->conn_fd : stub->listen_fd;
        bool fd_ready, woken;
        if (host_wait_readable(fd, stub->wake[0], POLL_MS, &fd_ready, &woken) < 0)
            break;
        if (woken)
            host_wake_drain(stub->wake[0]);
        if (!fd_ready)
            continue;
        if (stub->conn_fd < 0) {
            if (!vm_stopping(vm))
                attach(stub);
        } else {
            receive(stub);
        }
    }
    if (stub->stopped)
        let_go(stub);
    return NULL;
}

int gdb_stub_start(struct gdb_stub *stub, struct wisp_error *err)
{
    if (host_thread_start_worker(&stub->thread, "wisp-gdb", stub_thread, stub, err) < 0)
        return -1;
    stub->thread_started = true;
    return 0;
}

void gdb_stub_finish(struct gdb_stub *stub, int exit_status)
{
    if (!stub)
        return;
    host_mutex_lock(&stub->lock);
    stub->quit = true;
    stub->exit_status = exit_status;
    host_cond_broadcast(&stub->cond);
    host_mutex_unlock(&stub->lock);
    host_wake(stub->wake[1]);
    if (stub->thread_started) {
        host_thread_join(&stub->thread);
        stub->thread_started = false;
    }
}
