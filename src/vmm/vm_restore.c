/*
 * Rebuilding a VM from a snapshot in a fresh process (vm_state.h). vm_create
 * calls these steps in place of loading a kernel: the file is read and
 * checked whole (everything but the pages) before any of it is used; the
 * machine is then built as the saved configuration says, the pages mapped
 * from the file (private, copy-on-write: restore time does not grow with
 * guest memory), and the state loaded over the fresh devices and vCPUs.
 * Any failure ends vm_create: a half-restored guest never runs.
 */
#include "vm_state.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cpuid_policy.h"
#include "host/clock.h"
#include "host/migration_socket.h"
#include "state/migration_stream.h"
#include "state/snapshot_file.h"
#include "vm_internal.h"

struct vm_restore {
    int fd;
    struct snapshot_contents contents;
    /* --incoming */
    int conn;                   /* the source, until it has its answer */
    struct migration_reader reader;
    uint64_t first_byte_ns, state_ns;
};

#define BAD(...) wisp_fail(err, WISP_EXIT_BAD_KERNEL, __VA_ARGS__)

static int vm_restore_check_vcpus(struct vm *vm, struct wisp_error *err);
static const struct snapshot_section *only(struct vm *vm, uint32_t type, struct wisp_error *err);

/* What restoring the state needs, each section once. */
static int vm_restore_check_sections(struct vm *vm, struct wisp_error *err)
{
    return !only(vm, SNAPSHOT_SECTION_CONFIG, err) || !only(vm, SNAPSHOT_SECTION_CPUID, err) ||
                   !only(vm, SNAPSHOT_SECTION_ACCEL_VM, err) ||
                   !only(vm, SNAPSHOT_SECTION_DEVICES, err)
               ? -1 : 0;
}

static const char *path_of(const struct vm *vm)
{
    return vm->cfg.restore_path ? vm->cfg.restore_path : vm->cfg.incoming_uri;
}

static int conn_read(void *ctx, void *buf, size_t len)
{
    struct vm_restore *r = ctx;
    return migration_recv_all(r->conn, buf, len, NULL);
}

/* --incoming: a source accepted, the stream's MACHINE record in contents. */
static int open_incoming(struct vm *vm, struct vm_restore *r, struct wisp_error *err)
{
    if (migration_accept(vm->cfg.incoming_uri, &r->conn, err) < 0)
        return -1;
    r->first_byte_ns = clock_monotonic_ns();
    r->reader = (struct migration_reader){ .read = conn_read, .ctx = r };
    struct wisp_error inner = { 0 };
    if (migration_read_machine(&r->reader, &r->contents, &inner) < 0)
        return wisp_fail(err, inner.status, "%s: %s", path_of(vm), inner.message);
    return 0;
}

/* --incoming: the pages into guest memory, then the state, whose machine
 * must be the one MACHINE announced (what vm_create has built). */
static int receive_incoming(struct vm *vm, struct vm_restore *r, struct wisp_error *err)
{
    struct snapshot_contents state;
    struct wisp_error inner = { 0 };
    if (migration_read_memory(&r->reader, &vm->memory, &state, &inner) < 0)
        return wisp_fail(err, inner.status, "%s: %s", path_of(vm), inner.message);
    r->state_ns = clock_monotonic_ns();
    const struct snapshot_section *was = snapshot_find(&r->contents, SNAPSHOT_SECTION_CONFIG, NULL);
    const struct snapshot_section *now = snapshot_find(&state, SNAPSHOT_SECTION_CONFIG, NULL);
    bool same = was && now && was->size == now->size && memcmp(was->data, now->data, was->size) == 0;
    snapshot_contents_free(&r->contents);
    free(r->contents.head);
    r->contents = state;
    if (!same)
        return BAD("%s: corrupted: the STATE record describes another machine than MACHINE did",
                   path_of(vm));
    return vm_restore_check_sections(vm, err);
}

void vm_restore_answer(struct vm *vm, int rc, const struct wisp_error *err)
{
    struct vm_restore *r = vm->restore;
    if (!r || r->conn < 0)
        return;
    uint8_t answer[MIGRATION_ANSWER_SIZE + MIGRATION_MAX_MESSAGE];
    size_t n = migration_put_answer(answer, rc == 0 ? NULL : err->message);
    bool told = migration_send_all(r->conn, answer, n, NULL) == 0;
    if (rc == 0) {
        uint64_t now = clock_monotonic_ns();
        fprintf(stderr, "wisp: %s: migration received in %.1f ms (%llu bytes, %llu pages in %llu "
                        "records), state to start %.1f ms; the guest runs here%s\n",
                path_of(vm), (double)(now - r->first_byte_ns) / 1e6,
                (unsigned long long)r->reader.bytes, (unsigned long long)r->reader.pages,
                (unsigned long long)r->reader.page_records,
                (double)(now - r->state_ns) / 1e6,
                told ? "" : " (the source did not get the acknowledgement)");
    }
    migration_close(r->conn);
    r->conn = -1;
}

static const struct snapshot_section *only(struct vm *vm, uint32_t type, struct wisp_error *err)
{
    const struct snapshot_contents *c = &vm->restore->contents;
    unsigned at = 0;
    const struct snapshot_section *s = snapshot_find(c, type, &at);
    if (!s) {
        BAD("%s: the %s section is missing", path_of(vm), snapshot_section_name(type));
        return NULL;
    }
    if (snapshot_find(c, type, &at)) {
        BAD("%s: the %s section appears twice", path_of(vm), snapshot_section_name(type));
        return NULL;
    }
    return s;
}

int vm_restore_open(struct vm *vm, struct wisp_error *err)
{
    struct vm_restore *r = calloc(1, sizeof *r);
    if (!r)
        return wisp_fail(err, WISP_EXIT_HOST_ERROR, "out of memory");
    r->fd = -1;
    r->conn = -1;
    vm->restore = r;
    if (vm->cfg.incoming_uri ? open_incoming(vm, r, err) < 0
                             : snapshot_read(path_of(vm), &r->fd, &r->contents, err) < 0)
        return -1;
    const struct snapshot_section *s = only(vm, SNAPSHOT_SECTION_CONFIG, err);
    if (!s || (!vm->cfg.incoming_uri && vm_restore_check_sections(vm, err) < 0))
        return -1;
    struct state_io io;
    state_io_load_begin(&io, s->data, s->size, clock_monotonic_ns());
    vm_state_config(&io, vm);
    if (state_io_failed(&io))
        return BAD("%s: machine configuration: %s", path_of(vm), io.why);
    if (vm->cfg.incoming_uri)
        return 0; /* the vCPUs come with the state */
    return vm_restore_check_vcpus(vm, err);
}

static int vm_restore_check_vcpus(struct vm *vm, struct wisp_error *err)
{
    const struct vm_restore *r = vm->restore;
    unsigned vcpus = 0, hyperv = 0;
    for (unsigned i = 0; i < r->contents.section_count; i++) {
        vcpus += r->contents.sections[i].type == SNAPSHOT_SECTION_VCPU;
        hyperv += r->contents.sections[i].type == SNAPSHOT_SECTION_HYPERV;
    }
    if (hyperv > 1)
        return BAD("%s: the %s section appears twice", path_of(vm),
                   snapshot_section_name(SNAPSHOT_SECTION_HYPERV));
    /* The configuration says --hyperv (vm_state_config); a file saved
     * before it did has the section alone. A stream's machine is built
     * from its configuration, so there the two must agree. */
    if (vm->cfg.hyperv && !hyperv)
        return BAD("%s: the %s section is missing", path_of(vm),
                   snapshot_section_name(SNAPSHOT_SECTION_HYPERV));
    if (vm->cfg.incoming_uri && hyperv && !vm->cfg.hyperv)
        return BAD("%s: a %s section for a machine without --hyperv", path_of(vm),
                   snapshot_section_name(SNAPSHOT_SECTION_HYPERV));
    vm->cfg.hyperv = hyperv == 1; /* saved with --hyperv */
    if (vcpus != vm->cfg.cpus)
        return BAD("%s: %u vCPU sections for a machine of %u CPUs: the sizes don't add up",
                   path_of(vm), vcpus, vm->cfg.cpus);
    return 0;
}

int vm_restore_memory(struct vm *vm, struct wisp_error *err)
{
    struct vm_restore *r = vm->restore;
    if (vm->cfg.incoming_uri)
        return receive_incoming(vm, r, err) < 0 ? -1 : vm_restore_check_vcpus(vm, err);
    for (uint32_t i = 0; i < r->contents.run_count; i++) {
        const struct snapshot_run *run = &r->contents.runs[i];
        uint64_t len = run->pages * SNAPSHOT_PAGE_SIZE;
        void *host = guest_memory_ptr(&vm->memory, run->gpa, len);
        if (!host)
            return BAD("%s: memory at 0x%llx (%llu pages) is outside the machine's memory",
                       path_of(vm), (unsigned long long)run->gpa,
                       (unsigned long long)run->pages);
        if (snapshot_map_run(r->fd, run, host, err) < 0)
            return -1;
    }
    return 0;
}

/* CPUID feature registers a guest may rely on: every bit it saw must be
 * offered by this host too. */
static const struct {
    uint32_t leaf, subleaf;
    int reg; /* 1 ebx, 2 ecx, 3 edx */
    const char *name;
} feature_regs[] = {
    { 1, 0, 2, "1.ECX" }, { 1, 0, 3, "1.EDX" },
    { 7, 0, 1, "7.EBX" }, { 7, 0, 2, "7.ECX" }, { 7, 0, 3, "7.EDX" },
    { 0xD, 1, 0, "0xD.1.EAX" },
    { 0x80000001u, 0, 2, "0x80000001.ECX" }, { 0x80000001u, 0, 3, "0x80000001.EDX" },
};

static uint32_t reg_of(const struct accel_cpuid_entry *e, int reg)
{
    switch (reg) {
    case 0: return e->eax;
    case 1: return e->ebx;
    case 2: return e->ecx;
    default: return e->edx;
    }
}

/* Bits the host decides per vCPU at run time, not features. */
#define CPUID_1_ECX_OSXSAVE (1u << 27)
#define CPUID_1_ECX_HYPERVISOR (1u << 31)
#define CPUID_1_EDX_HTT (1u << 28) /* the topology: several CPUs in one package */

static int check_cpuid(struct vm *vm, struct accel_cpuid *host, struct wisp_error *err)
{
    for (size_t i = 0; i < sizeof feature_regs / sizeof feature_regs[0]; i++) {
        struct accel_cpuid_entry *saw =
            cpuid_policy_find(&vm->cpuid, feature_regs[i].leaf, feature_regs[i].subleaf);
        if (!saw)
            continue;
        struct accel_cpuid_entry *has =
            cpuid_policy_find(host, feature_regs[i].leaf, feature_regs[i].subleaf);
        uint32_t want = reg_of(saw, feature_regs[i].reg);
        if (feature_regs[i].leaf == 1 && feature_regs[i].reg == 2)
            want &= ~(CPUID_1_ECX_OSXSAVE | CPUID_1_ECX_HYPERVISOR);
        if (feature_regs[i].leaf == 1 && feature_regs[i].reg == 3)
            want &= ~CPUID_1_EDX_HTT;
        uint32_t missing = want & ~(has ? reg_of(has, feature_regs[i].reg) : 0);
        if (missing)
            return BAD("%s: wrong machine: the guest saw CPU features this host lacks "
                       "(CPUID %s bits 0x%08x)", path_of(vm), feature_regs[i].name, missing);
    }
    return 0;
}

int vm_restore_cpuid(struct vm *vm, struct wisp_error *err)
{
    const struct snapshot_section *s = only(vm, SNAPSHOT_SECTION_CPUID, err);
    struct state_io io;
    state_io_load_begin(&io, s->data, s->size, 0);
    struct accel_cpuid *c = &vm->cpuid;
    state_unsigned(&io, &c->count);
    state_check(&io, c->count <= ACCEL_CPUID_MAX_ENTRIES, "too many entries");
    for (unsigned i = 0; i < c->count && !io.failed; i++) {
        struct accel_cpuid_entry *e = &c->entries[i];
        state_u32(&io, &e->function);
        state_u32(&io, &e->index);
        state_u32(&io, &e->flags);
        state_check(&io, (e->flags & ~ACCEL_CPUID_FLAG_SIGNIFICANT_INDEX) == 0, "unknown flags");
        state_u32(&io, &e->eax);
        state_u32(&io, &e->ebx);
        state_u32(&io, &e->ecx);
        state_u32(&io, &e->edx);
    }
    if (state_io_failed(&io))
        return BAD("%s: CPUID: %s", path_of(vm), io.why);
    struct accel_cpuid *host = malloc(sizeof *host);
    struct accel_cpuid *mine = malloc(sizeof *mine);
    int rc = host && mine ? 0 : wisp_fail(err, WISP_EXIT_HOST_ERROR, "out of memory");
    if (rc == 0)
        rc = accel_vm_supported_cpuid(vm->accel, host, err);
    if (rc == 0)
        rc = check_cpuid(vm, host, err);
    for (unsigned i = 0; rc == 0 && i < vm->ncpus; i++) {
        *mine = vm->cpuid;
        cpuid_policy_set_topology(mine, i, vm->ncpus);
        rc = accel_vcpu_set_cpuid(vm->cpus[i].accel, mine, err);
        if (rc < 0) /* KVM refusing what it gave the guest before: another host */
            err->status = WISP_EXIT_BAD_KERNEL;
    }
    free(host);
    free(mine);
    return rc;
}

/* wisp's error with the file and what was being restored in front. */
static int prefixed(struct vm *vm, const char *what, unsigned index, struct wisp_error *err)
{
    if (index == UINT32_MAX)
        return wisp_fail_prefixed(err, 0, "%s: %s", path_of(vm), what);
    return wisp_fail_prefixed(err, 0, "%s: %s %u", path_of(vm), what, index);
}

static int restore_vcpu(struct vm *vm, unsigned i, const struct snapshot_section *s,
                        struct wisp_error *err)
{
    struct vcpu *cpu = &vm->cpus[i];
    struct state_io io;
    state_io_load_begin(&io, s->data, s->size, 0);
    uint32_t index = 0;
    bool waiting = false, watch = false, halted = false;
    uint64_t blob_size = 0;
    state_u32(&io, &index);
    state_check(&io, index == i, "saved out of order");
    state_bool(&io, &waiting);
    state_bool(&io, &watch);
    state_bool(&io, &halted);
    state_check(&io, !halted || vm->user_irqchip, "halted in wisp without wisp's irqchip");
    state_check(&io, i > 0 || !waiting, "the bootstrap CPU cannot wait for its start");
    state_u64(&io, &blob_size);
    state_check(&io, blob_size == s->size - io.at, "its size does not match its section");
    if (io.failed)
        return BAD("%s: vCPU %u: %s", path_of(vm), i, io.why);
    if (accel_vcpu_restore_state(cpu->accel, s->data + io.at, (size_t)blob_size, err) < 0)
        return prefixed(vm, "vCPU", i, err);
    cpu->waiting_for_start = waiting;
    cpu->watch_mailbox = watch;
    cpu->halted_in_wisp = halted;
    cpu->activity = waiting ? VCPU_PARKED : VCPU_RUNNING;
    return 0;
}

int vm_restore_state(struct vm *vm, struct wisp_error *err)
{
    const struct snapshot_contents *c = &vm->restore->contents;
    const struct snapshot_section *s = only(vm, SNAPSHOT_SECTION_ACCEL_VM, err);
    if (accel_vm_restore_state(vm->accel, s->data, s->size, err) < 0)
        return prefixed(vm, "the VM", UINT32_MAX, err);
    unsigned at = 0;
    for (unsigned i = 0; i < vm->ncpus; i++) {
        s = snapshot_find(c, SNAPSHOT_SECTION_VCPU, &at);
        if (restore_vcpu(vm, i, s, err) < 0)
            return -1;
    }
    s = only(vm, SNAPSHOT_SECTION_DEVICES, err);
    struct state_io io;
    state_io_load_begin(&io, s->data, s->size, clock_monotonic_ns());
    vm_state_devices(&io, vm);
    if (state_io_failed(&io))
        return BAD("%s: devices: %s", path_of(vm), io.why);
    if (vm->cfg.hyperv) {
        s = only(vm, SNAPSHOT_SECTION_HYPERV, err);
        state_io_load_begin(&io, s->data, s->size, clock_monotonic_ns());
        vm_state_hyperv(&io, vm);
        if (state_io_failed(&io))
            return BAD("%s: Hyper-V enlightenments: %s", path_of(vm), io.why);
    }
    return 0;
}

void vm_restore_close(struct vm *vm)
{
    struct vm_restore *r = vm->restore;
    if (!r)
        return;
    if (r->fd >= 0)
        close(r->fd); /* the mapped pages keep the file open */
    migration_close(r->conn);
    snapshot_contents_free(&r->contents);
    free(r->contents.head);
    free(r);
    vm->restore = NULL;
}
