/*
 * The WHP backend's translations, free of hypervisor calls (see
 * winhv_translate.h). Built on every host: on Windows against
 * <WinHvPlatformDefs.h>, elsewhere against the mirror in winhv_types.h.
 */
#include "winhv_translate.h"

#include <stdlib.h>
#include <string.h>

#define RFLAGS_IF (1ull << 9)

/* ---- exits ---- */

struct accel_segment winhv_segment_from_whv(const WHV_X64_SEGMENT_REGISTER *s)
{
    /* accel_segment's attributes use WHP's bit layout. */
    return (struct accel_segment){
        .base = s->Base, .limit = s->Limit, .selector = s->Selector, .attributes = s->Attributes,
    };
}

WHV_X64_SEGMENT_REGISTER winhv_segment_to_whv(const struct accel_segment *s)
{
    WHV_X64_SEGMENT_REGISTER w;
    memset(&w, 0, sizeof w);
    w.Base = s->base;
    w.Limit = s->limit;
    w.Selector = s->selector;
    w.Attributes = s->attributes;
    return w;
}

static enum accel_exit_reason reason_from_whv(uint32_t reason)
{
    switch (reason) {
    case WHvRunVpExitReasonNone:
    case WHvRunVpExitReasonMemoryAccess:
    case WHvRunVpExitReasonX64IoPortAccess:
    case WHvRunVpExitReasonUnrecoverableException:
    case WHvRunVpExitReasonInvalidVpRegisterValue:
    case WHvRunVpExitReasonUnsupportedFeature:
    case WHvRunVpExitReasonX64InterruptWindow:
    case WHvRunVpExitReasonX64Halt:
    case WHvRunVpExitReasonX64ApicEoi:
    case WHvRunVpExitReasonX64MsrAccess:
    case WHvRunVpExitReasonX64Cpuid:
    case WHvRunVpExitReasonException:
    case WHvRunVpExitReasonX64Rdtsc:
    case WHvRunVpExitReasonHypercall:
    case WHvRunVpExitReasonCanceled:
        return (enum accel_exit_reason)reason; /* the same values by design */
    default:
        return ACCEL_EXIT_NONE;
    }
}

void winhv_exit_from_context(const WHV_RUN_VP_EXIT_CONTEXT *ctx, struct accel_exit *exit,
                             uint8_t *io_buffer)
{
    const WHV_VP_EXIT_CONTEXT *vp = &ctx->VpContext;
    memset(exit, 0, sizeof *exit);
    exit->reason = reason_from_whv((uint32_t)ctx->ExitReason);
    exit->state = (struct accel_exec_state){
        .cpl = (uint8_t)vp->ExecutionState.Cpl,
        .cr0_pe = vp->ExecutionState.Cr0Pe != 0,
        .efer_lma = vp->ExecutionState.EferLma != 0,
        .interrupt_shadow = vp->ExecutionState.InterruptShadow != 0,
        .interruption_pending = vp->ExecutionState.InterruptionPending != 0,
    };
    exit->instruction_length = (uint8_t)vp->InstructionLength;
    exit->cs = winhv_segment_from_whv(&vp->Cs);
    exit->rip = vp->Rip;
    exit->rflags = vp->Rflags;

    switch ((uint32_t)ctx->ExitReason) {
    case WHvRunVpExitReasonMemoryAccess: {
        const WHV_MEMORY_ACCESS_CONTEXT *m = &ctx->MemoryAccess;
        exit->u.memory.gpa = m->Gpa;
        exit->u.memory.gva = m->AccessInfo.GvaValid ? m->Gva : 0;
        switch (m->AccessInfo.AccessType) {
        case WHvMemoryAccessWrite: exit->u.memory.access = ACCEL_ACCESS_WRITE; break;
        case WHvMemoryAccessExecute: exit->u.memory.access = ACCEL_ACCESS_EXECUTE; break;
        default: exit->u.memory.access = ACCEL_ACCESS_READ; break;
        }
        break;
    }
    case WHvRunVpExitReasonX64IoPortAccess: {
        const WHV_X64_IO_PORT_ACCESS_CONTEXT *io = &ctx->IoPortAccess;
        uint8_t size = (uint8_t)io->AccessInfo.AccessSize;
        exit->u.io = (struct accel_io_access){
            .port = io->PortNumber, .size = size, .is_write = io->AccessInfo.IsWrite != 0,
            .count = io->AccessInfo.StringOp ? 0 : 1, .data = io_buffer,
        };
        if (io_buffer) {
            memset(io_buffer, 0, 4);
            if (!io->AccessInfo.StringOp && io->AccessInfo.IsWrite)
                for (unsigned i = 0; i < size && i < 4; i++)
                    io_buffer[i] = (uint8_t)(io->Rax >> (8 * i));
        }
        break;
    }
    case WHvRunVpExitReasonX64MsrAccess: {
        const WHV_X64_MSR_ACCESS_CONTEXT *msr = &ctx->MsrAccess;
        exit->u.msr.index = msr->MsrNumber;
        exit->u.msr.is_write = msr->AccessInfo.IsWrite != 0;
        if (exit->u.msr.is_write)
            exit->u.msr.value = (msr->Rdx << 32) | (msr->Rax & 0xFFFFFFFFull);
        break;
    }
    case WHvRunVpExitReasonX64Cpuid: {
        const WHV_X64_CPUID_ACCESS_CONTEXT *c = &ctx->CpuidAccess;
        exit->u.cpuid = (struct accel_cpuid_access){
            .leaf = (uint32_t)c->Rax, .subleaf = (uint32_t)c->Rcx,
            .eax = (uint32_t)c->DefaultResultRax, .ebx = (uint32_t)c->DefaultResultRbx,
            .ecx = (uint32_t)c->DefaultResultRcx, .edx = (uint32_t)c->DefaultResultRdx,
        };
        break;
    }
    case WHvRunVpExitReasonException:
        exit->u.raw_code = ctx->VpException.ExceptionType;
        break;
    case WHvRunVpExitReasonUnsupportedFeature:
        exit->u.unsupported.code = (uint32_t)ctx->UnsupportedFeature.FeatureCode;
        break;
    case WHvRunVpExitReasonX64ApicEoi:
        exit->u.raw_code = ctx->ApicEoi.InterruptVector;
        break;
    default:
        if (exit->reason == ACCEL_EXIT_NONE)
            exit->u.raw_code = (uint32_t)ctx->ExitReason;
        break;
    }
}

uint64_t winhv_io_in_result(uint64_t rax, uint8_t size, const uint8_t *data)
{
    uint64_t value = 0;
    for (unsigned i = 0; i < size && i < 4; i++)
        value |= (uint64_t)data[i] << (8 * i);
    switch (size) {
    case 1: return (rax & ~0xFFull) | value;
    case 2: return (rax & ~0xFFFFull) | value;
    default: return value; /* 32-bit destination: zero-extended */
    }
}

static bool has_address_size_prefix(const uint8_t *bytes, unsigned count)
{
    for (unsigned i = 0; i < count; i++) {
        switch (bytes[i]) {
        case 0x67:
            return true;
        case 0xF0: case 0xF2: case 0xF3: case 0x2E: case 0x36: case 0x3E: case 0x26:
        case 0x64: case 0x65: case 0x66:
            continue; /* other legacy prefixes */
        default:
            return false; /* REX or the opcode: prefixes are over */
        }
    }
    return false;
}

uint64_t winhv_string_io_count(const WHV_RUN_VP_EXIT_CONTEXT *ctx)
{
    const WHV_X64_IO_PORT_ACCESS_CONTEXT *io = &ctx->IoPortAccess;
    if (!io->AccessInfo.RepPrefix)
        return 1;
    const WHV_VP_EXIT_CONTEXT *vp = &ctx->VpContext;
    unsigned n = io->InstructionByteCount < 16 ? io->InstructionByteCount : 16;
    bool flip = has_address_size_prefix(io->InstructionBytes, n);
    unsigned bits;
    if (vp->ExecutionState.EferLma && vp->Cs.Long)
        bits = flip ? 32 : 64;
    else if (vp->Cs.Default)
        bits = flip ? 16 : 32;
    else
        bits = flip ? 32 : 16;
    return bits == 64 ? io->Rcx : io->Rcx & ((1ull << bits) - 1);
}

/* ---- registers ---- */

const WHV_REGISTER_NAME winhv_regs_names[WINHV_REGS_COUNT] = {
    WHvX64RegisterRax, WHvX64RegisterRbx, WHvX64RegisterRcx, WHvX64RegisterRdx,
    WHvX64RegisterRsi, WHvX64RegisterRdi, WHvX64RegisterRsp, WHvX64RegisterRbp,
    WHvX64RegisterR8,  WHvX64RegisterR9,  WHvX64RegisterR10, WHvX64RegisterR11,
    WHvX64RegisterR12, WHvX64RegisterR13, WHvX64RegisterR14, WHvX64RegisterR15,
    WHvX64RegisterRip, WHvX64RegisterRflags,
};

void winhv_regs_from_values(const WHV_REGISTER_VALUE *v, struct accel_regs *r)
{
    *r = (struct accel_regs){
        v[0].Reg64,  v[1].Reg64,  v[2].Reg64,  v[3].Reg64,  v[4].Reg64,  v[5].Reg64,
        v[6].Reg64,  v[7].Reg64,  v[8].Reg64,  v[9].Reg64,  v[10].Reg64, v[11].Reg64,
        v[12].Reg64, v[13].Reg64, v[14].Reg64, v[15].Reg64, v[16].Reg64, v[17].Reg64,
    };
}

void winhv_regs_to_values(const struct accel_regs *r, WHV_REGISTER_VALUE *v)
{
    const uint64_t in[WINHV_REGS_COUNT] = {
        r->rax, r->rbx, r->rcx, r->rdx, r->rsi, r->rdi, r->rsp, r->rbp,
        r->r8,  r->r9,  r->r10, r->r11, r->r12, r->r13, r->r14, r->r15,
        r->rip, r->rflags,
    };
    for (unsigned i = 0; i < WINHV_REGS_COUNT; i++) {
        memset(&v[i], 0, sizeof v[i]);
        v[i].Reg64 = in[i];
    }
}

const WHV_REGISTER_NAME winhv_sregs_names[WINHV_SREGS_COUNT] = {
    WHvX64RegisterCs,   WHvX64RegisterDs,   WHvX64RegisterEs,   WHvX64RegisterFs,
    WHvX64RegisterGs,   WHvX64RegisterSs,   WHvX64RegisterTr,   WHvX64RegisterLdtr,
    WHvX64RegisterGdtr, WHvX64RegisterIdtr, WHvX64RegisterCr0,  WHvX64RegisterCr2,
    WHvX64RegisterCr3,  WHvX64RegisterCr4,  WHvX64RegisterCr8,  WHvX64RegisterEfer,
};

const WHV_REGISTER_NAME winhv_apic_base_name = WHvX64RegisterApicBase;

enum { S_CS, S_DS, S_ES, S_FS, S_GS, S_SS, S_TR, S_LDT, S_GDT, S_IDT,
       S_CR0, S_CR2, S_CR3, S_CR4, S_CR8, S_EFER };

void winhv_sregs_from_values(const WHV_REGISTER_VALUE *v, struct accel_sregs *s)
{
    uint64_t apic_base = s->apic_base; /* not in this set */
    memset(s, 0, sizeof *s);
    s->cs = winhv_segment_from_whv(&v[S_CS].Segment);
    s->ds = winhv_segment_from_whv(&v[S_DS].Segment);
    s->es = winhv_segment_from_whv(&v[S_ES].Segment);
    s->fs = winhv_segment_from_whv(&v[S_FS].Segment);
    s->gs = winhv_segment_from_whv(&v[S_GS].Segment);
    s->ss = winhv_segment_from_whv(&v[S_SS].Segment);
    s->tr = winhv_segment_from_whv(&v[S_TR].Segment);
    s->ldt = winhv_segment_from_whv(&v[S_LDT].Segment);
    s->gdt = (struct accel_table){ v[S_GDT].Table.Base, v[S_GDT].Table.Limit };
    s->idt = (struct accel_table){ v[S_IDT].Table.Base, v[S_IDT].Table.Limit };
    s->cr0 = v[S_CR0].Reg64;
    s->cr2 = v[S_CR2].Reg64;
    s->cr3 = v[S_CR3].Reg64;
    s->cr4 = v[S_CR4].Reg64;
    s->cr8 = v[S_CR8].Reg64;
    s->efer = v[S_EFER].Reg64;
    s->apic_base = apic_base;
}

static WHV_X64_TABLE_REGISTER table_to_whv(const struct accel_table *t)
{
    WHV_X64_TABLE_REGISTER w;
    memset(&w, 0, sizeof w);
    w.Base = t->base;
    w.Limit = t->limit;
    return w;
}

void winhv_sregs_to_values(const struct accel_sregs *s, WHV_REGISTER_VALUE *v)
{
    memset(v, 0, WINHV_SREGS_COUNT * sizeof *v);
    v[S_CS].Segment = winhv_segment_to_whv(&s->cs);
    v[S_DS].Segment = winhv_segment_to_whv(&s->ds);
    v[S_ES].Segment = winhv_segment_to_whv(&s->es);
    v[S_FS].Segment = winhv_segment_to_whv(&s->fs);
    v[S_GS].Segment = winhv_segment_to_whv(&s->gs);
    v[S_SS].Segment = winhv_segment_to_whv(&s->ss);
    v[S_TR].Segment = winhv_segment_to_whv(&s->tr);
    v[S_LDT].Segment = winhv_segment_to_whv(&s->ldt);
    v[S_GDT].Table = table_to_whv(&s->gdt);
    v[S_IDT].Table = table_to_whv(&s->idt);
    v[S_CR0].Reg64 = s->cr0;
    v[S_CR2].Reg64 = s->cr2;
    v[S_CR3].Reg64 = s->cr3;
    v[S_CR4].Reg64 = s->cr4;
    v[S_CR8].Reg64 = s->cr8;
    v[S_EFER].Reg64 = s->efer;
}

/* ---- events ---- */

uint64_t winhv_pending_interrupt(uint8_t vector)
{
    WHV_X64_PENDING_INTERRUPTION_REGISTER p;
    p.AsUINT64 = 0;
    p.InterruptionPending = 1;
    p.InterruptionType = WHvX64PendingInterrupt;
    p.InterruptionVector = vector;
    return p.AsUINT64;
}

uint64_t winhv_pending_exception(uint8_t vector, bool has_error_code, uint32_t error_code)
{
    WHV_X64_PENDING_INTERRUPTION_REGISTER p;
    p.AsUINT64 = 0;
    p.InterruptionPending = 1;
    p.InterruptionType = WHvX64PendingException;
    p.DeliverErrorCode = has_error_code ? 1 : 0;
    p.InterruptionVector = vector;
    p.ErrorCode = has_error_code ? error_code : 0;
    return p.AsUINT64;
}

uint64_t winhv_pending_nmi(void)
{
    WHV_X64_PENDING_INTERRUPTION_REGISTER p;
    p.AsUINT64 = 0;
    p.InterruptionPending = 1;
    p.InterruptionType = WHvX64PendingNmi;
    p.InterruptionVector = 2;
    return p.AsUINT64;
}

uint64_t winhv_interrupt_notification(bool wanted)
{
    WHV_X64_DELIVERABILITY_NOTIFICATIONS_REGISTER n;
    n.AsUINT64 = 0;
    n.InterruptNotification = wanted ? 1 : 0;
    return n.AsUINT64;
}

bool winhv_interrupt_window_open(uint64_t rflags, uint64_t interrupt_state,
                                 uint64_t pending_interruption)
{
    WHV_X64_INTERRUPT_STATE_REGISTER state;
    WHV_X64_PENDING_INTERRUPTION_REGISTER pending;
    state.AsUINT64 = interrupt_state;
    pending.AsUINT64 = pending_interruption;
    return (rflags & RFLAGS_IF) && !state.InterruptShadow && !pending.InterruptionPending;
}

/* ---- CPUID ---- */

static void add_entry(struct accel_cpuid *out, uint32_t leaf, uint32_t subleaf, bool indexed,
                      const uint32_t r[4])
{
    if (out->count >= ACCEL_CPUID_MAX_ENTRIES)
        return;
    out->entries[out->count++] = (struct accel_cpuid_entry){
        .function = leaf, .index = indexed ? subleaf : 0,
        .flags = indexed ? ACCEL_CPUID_FLAG_SIGNIFICANT_INDEX : 0,
        .eax = r[0], .ebx = r[1], .ecx = r[2], .edx = r[3],
    };
}

#define MAX_SUBLEAVES 64

/* How a leaf's subleaves are counted (Intel SDM vol. 2A, CPUID; AMD APM
 * vol. 3, appendix E). */
enum subleaf_rule {
    PLAIN,         /* no subleaves */
    UNTIL_TYPE_0,  /* 4, 0x8000001D: until the cache type (EAX[4:0]) is 0 */
    UNTIL_LEVEL_0, /* 0xB, 0x1F, 0x80000026: until the level type (ECX[15:8]) is 0 */
    MAX_IN_EAX,    /* 7, 0x14, ...: subleaf 0's EAX is the last subleaf */
    XSAVE,         /* 0xD: 0, 1 and each state component the CPU has */
    FIXED_4,       /* 0xF, 0x10, 0x12, 0x80000020: subleaves 0..3 */
};

static enum subleaf_rule rule_for(uint32_t leaf)
{
    switch (leaf) {
    case 0x4: case 0x8000001D: return UNTIL_TYPE_0;
    case 0xB: case 0x1F: case 0x80000026: return UNTIL_LEVEL_0;
    case 0x7: case 0x14: case 0x17: case 0x18: case 0x1D: case 0x20: case 0x24:
        return MAX_IN_EAX;
    case 0xD: return XSAVE;
    case 0xF: case 0x10: case 0x12: case 0x80000020: return FIXED_4;
    default: return PLAIN;
    }
}

static void enumerate_leaf(winhv_cpuid_fn cpuid, void *opaque, uint32_t leaf,
                           struct accel_cpuid *out)
{
    uint32_t r[4], first[4];
    enum subleaf_rule rule = rule_for(leaf);
    cpuid(opaque, leaf, 0, first);
    add_entry(out, leaf, 0, rule != PLAIN, first);
    if (rule == PLAIN)
        return;
    uint64_t xsave_components = 0;
    if (rule == XSAVE) {
        uint32_t sub1[4];
        cpuid(opaque, leaf, 1, sub1);
        /* XCR0 (0.EAX, 0.EDX) and IA32_XSS (1.ECX, 1.EDX) components */
        xsave_components = ((uint64_t)first[3] << 32 | first[0]) |
                           ((uint64_t)sub1[3] << 32 | sub1[2]);
    }
    for (uint32_t sub = 1; sub < MAX_SUBLEAVES; sub++) {
        switch (rule) {
        case UNTIL_TYPE_0:
        case UNTIL_LEVEL_0:
            break;
        case MAX_IN_EAX:
            if (sub > first[0])
                return;
            break;
        case XSAVE:
            if (sub >= 2 && !(xsave_components >> sub & 1))
                continue;
            break;
        case FIXED_4:
            if (sub > 3)
                return;
            break;
        case PLAIN:
            return;
        }
        cpuid(opaque, leaf, sub, r);
        if (rule == UNTIL_TYPE_0 && (r[0] & 0x1F) == 0)
            return;
        if (rule == UNTIL_LEVEL_0 && (r[2] >> 8 & 0xFF) == 0)
            return;
        add_entry(out, leaf, sub, true, r);
    }
}

/* Leaves beyond these are not asked for: a bogus maximum must not make the
 * enumeration run away. */
#define MAX_BASIC_LEAF 0x3Fu
#define MAX_EXTENDED_LEAF 0x8000003Fu

void winhv_enumerate_cpuid(winhv_cpuid_fn cpuid, void *opaque, struct accel_cpuid *out)
{
    uint32_t r[4];
    memset(out, 0, sizeof *out);
    cpuid(opaque, 0, 0, r);
    uint32_t max_basic = r[0] < MAX_BASIC_LEAF ? r[0] : MAX_BASIC_LEAF;
    for (uint32_t leaf = 0; leaf <= max_basic; leaf++)
        enumerate_leaf(cpuid, opaque, leaf, out);
    cpuid(opaque, 0x80000000u, 0, r);
    if (r[0] < 0x80000000u)
        return;
    uint32_t max_ext = r[0] < MAX_EXTENDED_LEAF ? r[0] : MAX_EXTENDED_LEAF;
    for (uint32_t leaf = 0x80000000u; leaf <= max_ext; leaf++)
        enumerate_leaf(cpuid, opaque, leaf, out);
}

static const struct accel_cpuid_entry *find_entry(const struct accel_cpuid *c, uint32_t leaf,
                                                  uint32_t subleaf)
{
    for (unsigned i = 0; i < c->count && i < ACCEL_CPUID_MAX_ENTRIES; i++) {
        const struct accel_cpuid_entry *e = &c->entries[i];
        if (e->function == leaf &&
            (!(e->flags & ACCEL_CPUID_FLAG_SIGNIFICANT_INDEX) || e->index == subleaf))
            return e;
    }
    return NULL;
}

static void entry_regs(const struct accel_cpuid_entry *e, uint32_t r[4])
{
    r[0] = e->eax;
    r[1] = e->ebx;
    r[2] = e->ecx;
    r[3] = e->edx;
}

void winhv_cpuid_answer(const struct accel_cpuid *policy, const struct accel_cpuid *supported,
                        uint32_t leaf, uint32_t subleaf, const uint32_t default_result[4],
                        uint32_t out[4])
{
    const struct accel_cpuid_entry *p = find_entry(policy, leaf, subleaf);
    memcpy(out, default_result, 4 * sizeof *out);
    if (!p)
        return;
    const struct accel_cpuid_entry *s = supported ? find_entry(supported, leaf, subleaf) : NULL;
    uint32_t want[4], base[4] = { 0, 0, 0, 0 };
    entry_regs(p, want);
    if (s)
        entry_regs(s, base);
    for (int i = 0; i < 4; i++) {
        /* Without a supported entry every bit of the policy counts. */
        uint32_t changed = s ? want[i] ^ base[i] : 0xFFFFFFFFu;
        out[i] = (default_result[i] & ~changed) | (want[i] & changed);
    }
}

static bool entry_changed(const struct accel_cpuid_entry *p, const struct accel_cpuid *supported)
{
    const struct accel_cpuid_entry *s =
        supported ? find_entry(supported, p->function, p->index) : NULL;
    return !s || s->eax != p->eax || s->ebx != p->ebx || s->ecx != p->ecx || s->edx != p->edx;
}

unsigned winhv_cpuid_exit_leaves(const struct accel_cpuid *policy,
                                 const struct accel_cpuid *supported, uint32_t *leaves,
                                 unsigned max)
{
    unsigned n = 0;
    for (unsigned i = 0; i < policy->count && i < ACCEL_CPUID_MAX_ENTRIES; i++) {
        const struct accel_cpuid_entry *p = &policy->entries[i];
        if (!entry_changed(p, supported))
            continue;
        /* insert in order, once */
        unsigned at = 0;
        while (at < n && leaves[at] < p->function)
            at++;
        if (at < n && leaves[at] == p->function)
            continue;
        if (n == max)
            continue;
        memmove(&leaves[at + 1], &leaves[at], (n - at) * sizeof *leaves);
        leaves[at] = p->function;
        n++;
    }
    return n;
}

/* ---- the replay log ---- */

void winhv_replay_reset(struct winhv_replay *r, bool batch_writes, uint64_t expected_reads)
{
    r->count = 0;
    r->answered = 0;
    r->cursor = 0;
    r->new_in_attempt = false;
    r->batch_writes = batch_writes;
    r->expected_reads = expected_reads;
    r->reads_recorded = 0;
}

void winhv_replay_begin(struct winhv_replay *r)
{
    r->cursor = 0;
    r->new_in_attempt = false;
}

static bool reserve(struct winhv_replay *r, size_t more)
{
    if (more > WINHV_REPLAY_MAX - r->count)
        return false;
    if (r->count + more <= r->cap)
        return true;
    size_t cap = r->cap ? r->cap : 16;
    while (cap < r->count + more)
        cap *= 2;
    struct winhv_access *log = realloc(r->log, cap * sizeof *log);
    if (!log)
        return false;
    r->log = log;
    r->cap = cap;
    return true;
}

enum winhv_replay_verdict winhv_replay_access(struct winhv_replay *r, uint64_t addr, uint8_t size,
                                              bool is_write, uint8_t data[8])
{
    if (size == 0 || size > 8)
        return WINHV_REPLAY_MISMATCH;
    if (r->cursor < r->count) {
        struct winhv_access *e = &r->log[r->cursor];
        if (e->addr != addr || e->size != size || e->is_write != is_write)
            return WINHV_REPLAY_MISMATCH;
        if (r->cursor >= r->answered)
            return WINHV_REPLAY_STOP; /* recorded, but the VMM has not seen it yet */
        r->cursor++;
        if (!is_write)
            memcpy(data, e->data, size);
        return WINHV_REPLAY_ANSWERED;
    }
    /* A new access. After one new access in this attempt only further
     * writes of a batch may follow; anything else waits for the VMM. */
    if (r->new_in_attempt && !(r->batch_writes && is_write))
        return WINHV_REPLAY_STOP;
    size_t n = 1;
    if (!is_write) {
        uint64_t left = r->expected_reads > r->reads_recorded ? r->expected_reads - r->reads_recorded : 1;
        n = left > WINHV_READ_AHEAD_MAX ? WINHV_READ_AHEAD_MAX : (size_t)left;
    }
    if (!reserve(r, n))
        return WINHV_REPLAY_NO_MEMORY;
    for (size_t i = 0; i < n; i++) {
        struct winhv_access *e = &r->log[r->count++];
        memset(e, 0, sizeof *e);
        e->addr = addr;
        e->size = size;
        e->is_write = is_write;
        if (is_write)
            memcpy(e->data, data, size);
    }
    r->new_in_attempt = true;
    if (is_write) {
        r->cursor++;
        return WINHV_REPLAY_TAKEN;
    }
    r->reads_recorded += n;
    return WINHV_REPLAY_STOP;
}

size_t winhv_replay_outstanding(const struct winhv_replay *r, struct winhv_access **first)
{
    *first = r->log ? &r->log[r->answered] : NULL;
    return r->count - r->answered;
}

void winhv_replay_handed(struct winhv_replay *r)
{
    r->answered = r->count;
}

void winhv_replay_free(struct winhv_replay *r)
{
    free(r->log);
    memset(r, 0, sizeof *r);
}

/* ---- messages ---- */

const char *winhv_hresult_name(uint32_t hr)
{
    switch (hr) {
    case 0x80370300u: return "WHV_E_UNKNOWN_CAPABILITY";
    case 0x80370301u: return "WHV_E_INSUFFICIENT_BUFFER";
    case 0x80370302u: return "WHV_E_UNKNOWN_PROPERTY";
    case 0x80370303u: return "WHV_E_UNSUPPORTED_HYPERVISOR_CONFIG";
    case 0x80370304u: return "WHV_E_INVALID_PARTITION_CONFIG";
    case 0x80370305u: return "WHV_E_GPA_RANGE_NOT_FOUND";
    case 0x80370306u: return "WHV_E_VP_ALREADY_EXISTS";
    case 0x80370307u: return "WHV_E_VP_DOES_NOT_EXIST";
    case 0x80370308u: return "WHV_E_INVALID_VP_STATE";
    case 0x80370309u: return "WHV_E_INVALID_VP_REGISTER_NAME";
    case 0x80070005u: return "E_ACCESSDENIED";
    case 0x8007000Eu: return "E_OUTOFMEMORY";
    case 0x80070057u: return "E_INVALIDARG";
    case 0x80004001u: return "E_NOTIMPL";
    case 0x80004005u: return "E_FAIL";
    case 0x80070032u: return "HRESULT_FROM_WIN32(ERROR_NOT_SUPPORTED)";
    default: return NULL;
    }
}
