/*
 * Windows Hypervisor Platform (WinHvPlatform) backend of the accelerator
 * seam. WHP's exit context is what struct accel_exit is modelled on; the
 * translation itself, and everything else that needs no hypervisor, is in
 * winhv_translate.c so that it is unit-tested on Linux. This file makes the
 * WHP calls and keeps the state between one exit and the next run.
 *
 * What differs from KVM, and how the seam is kept:
 *   - WHP does not complete instructions for the VMM. Port, MSR and
 *     hypercall exits leave RIP on the instruction: the backend moves it
 *     past (lazily: accel_vcpu_get_regs already reports the moved RIP, as
 *     KVM does) and writes the VMM's answer (IN data, RDMSR value) into the
 *     registers on the next accel_vcpu_run. A refused MSR (inject_gp) gets
 *     #GP instead, RIP unmoved.
 *   - WHP does not decode MMIO. The WHP instruction emulator does, one
 *     access per VMM round trip (struct winhv_replay); string port I/O
 *     (INS/OUTS, REP or not) goes through the emulator the same way.
 *   - CPUID is answered here from wisp's CPUID policy (CPUID exits for the
 *     leaves the policy changes) and never reaches the VMM.
 *   - There are no signals: accel_vcpu_kick() is WHvCancelRunVirtualProcessor,
 *     called from the ticker thread.
 *   - Only the user-space irqchip: interrupts are injected through
 *     WHvRegisterPendingInterruption, and an interrupt window is asked for
 *     with WHvX64RegisterDeliverabilityNotifications. WHP's own APIC
 *     emulation is not used (yet).
 *
 * The import library (-lwinhvplatform -lwinhvemulation) is linked, so
 * wisp.exe imports the WHP functions by name (scripts/build-windows.sh
 * checks the PE's import table); see the README for the loader's error on
 * Windows without the Windows Hypervisor Platform feature.
 */
#include "accel.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <windows.h>
#include <winhvplatform.h>
#include <winhvemulation.h>

#if defined(_MSC_VER)
#include <intrin.h>
#else
#include <cpuid.h>
#endif

#include "winhv_translate.h"

#define MAX_MAPPINGS 16
#define MAX_CPUID_EXIT_LEAVES 64
#define VMCALL_LENGTH 3
#define CPUID_LENGTH 2
#define RDMSR_LENGTH 2
#define VECTOR_GP 13

struct mapping {
    uint64_t gpa, size;
    uint8_t *host;
};

struct accel_vm {
    WHV_PARTITION_HANDLE partition;
    bool msr_exits;              /* unhandled MSRs exit (X64MsrExit) */
    struct mapping maps[MAX_MAPPINGS];
    unsigned map_count;
    /* What accel_vm_supported_cpuid reported: the base the policy's
     * changes are measured against. */
    struct accel_cpuid supported;
    bool have_supported;
    /* The CPUID leaves that exit to wisp now. */
    uint32_t cpuid_exit_leaves[MAX_CPUID_EXIT_LEAVES];
    unsigned cpuid_exit_count;
};

enum emulation { EMU_NONE, EMU_MMIO, EMU_STRING_IO };

struct accel_vcpu {
    struct accel_vm *vm;
    UINT32 index;
    WHV_EMULATOR_HANDLE emulator;
    struct accel_cpuid policy;
    bool have_policy;
    volatile LONG kicked;
    bool window_wanted;

    /* The previous exit, completed on the next run. */
    struct accel_exit *pending;   /* the record the VMM answered in */
    WHV_RUN_VP_EXIT_CONTEXT last; /* its WHP context */
    bool rip_pending;             /* RIP must move to next_rip */
    uint64_t next_rip;

    /* An instruction the emulator is working through. */
    enum emulation emulating;
    bool emulation_done;      /* completed; only the hand-over was left */
    const char *emu_problem;  /* why a callback gave up, for the message */
    struct winhv_replay replay;

    uint8_t io_small[8];      /* data of a plain IN/OUT */
    uint8_t *io_buffer;       /* data of a string IN/OUT */
    size_t io_buffer_size;
};

const char *accel_name(void)
{
    return "whp";
}

/* ---- errors ---- */

static int fail_hr(struct wisp_error *err, int status, HRESULT hr, const char *what)
{
    const char *name = winhv_hresult_name((uint32_t)hr);
    char text[160] = "";
    if (!name) {
        DWORD n = FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, NULL,
                                 (DWORD)hr, 0, text, sizeof text, NULL);
        while (n > 0 && (text[n - 1] == '\r' || text[n - 1] == '\n' || text[n - 1] == '.'))
            text[--n] = '\0';
        name = n > 0 ? text : "error";
    }
    return wisp_fail(err, status, "%s failed: %s (HRESULT 0x%08lx)", what, name,
                     (unsigned long)(uint32_t)hr);
}

/* ---- registers ---- */

static HRESULT get_registers(struct accel_vcpu *vcpu, const WHV_REGISTER_NAME *names, UINT32 n,
                             WHV_REGISTER_VALUE *values)
{
    return WHvGetVirtualProcessorRegisters(vcpu->vm->partition, vcpu->index, names, n, values);
}

static HRESULT set_registers(struct accel_vcpu *vcpu, const WHV_REGISTER_NAME *names, UINT32 n,
                             const WHV_REGISTER_VALUE *values)
{
    return WHvSetVirtualProcessorRegisters(vcpu->vm->partition, vcpu->index, names, n, values);
}

static HRESULT set_register64(struct accel_vcpu *vcpu, WHV_REGISTER_NAME name, uint64_t value)
{
    WHV_REGISTER_VALUE v;
    memset(&v, 0, sizeof v);
    v.Reg64 = value;
    return set_registers(vcpu, &name, 1, &v);
}

int accel_vcpu_get_regs(struct accel_vcpu *vcpu, struct accel_regs *regs)
{
    WHV_REGISTER_VALUE values[WINHV_REGS_COUNT];
    if (FAILED(get_registers(vcpu, winhv_regs_names, WINHV_REGS_COUNT, values)))
        return -1;
    winhv_regs_from_values(values, regs);
    if (vcpu->rip_pending)
        regs->rip = vcpu->next_rip; /* the exiting instruction counts as done */
    return 0;
}

int accel_vcpu_set_regs(struct accel_vcpu *vcpu, const struct accel_regs *regs)
{
    WHV_REGISTER_VALUE values[WINHV_REGS_COUNT];
    winhv_regs_to_values(regs, values);
    if (FAILED(set_registers(vcpu, winhv_regs_names, WINHV_REGS_COUNT, values)))
        return -1;
    vcpu->rip_pending = false; /* the VMM's RIP wins */
    return 0;
}

int accel_vcpu_get_sregs(struct accel_vcpu *vcpu, struct accel_sregs *sregs)
{
    WHV_REGISTER_VALUE values[WINHV_SREGS_COUNT], apic;
    if (FAILED(get_registers(vcpu, winhv_sregs_names, WINHV_SREGS_COUNT, values)))
        return -1;
    sregs->apic_base = 0;
    if (SUCCEEDED(get_registers(vcpu, &winhv_apic_base_name, 1, &apic)))
        sregs->apic_base = apic.Reg64;
    winhv_sregs_from_values(values, sregs);
    return 0;
}

int accel_vcpu_set_sregs(struct accel_vcpu *vcpu, const struct accel_sregs *sregs)
{
    WHV_REGISTER_VALUE values[WINHV_SREGS_COUNT];
    winhv_sregs_to_values(sregs, values);
    if (FAILED(set_registers(vcpu, winhv_sregs_names, WINHV_SREGS_COUNT, values)))
        return -1;
    /* Without WHP's APIC emulation the APIC base may be refused; the
     * user-space LAPIC does not depend on it. */
    if (sregs->apic_base)
        set_register64(vcpu, winhv_apic_base_name, sregs->apic_base);
    return 0;
}

/* ---- the partition ---- */

/* Leaves wisp's CPUID policy changes (cpuid_policy.c: the hypervisor bit
 * and APIC ID in leaf 1, --cpu-hide features in 1, 7, 0xD and 0x80000001).
 * They exit from the start, as the exit list can only change after
 * WHvSetupPartition from Windows 10 1909 on. */
static const uint32_t initial_cpuid_exits[] = { 0x1, 0x7, 0xD, 0x80000001u };

static HRESULT set_cpuid_exit_list(struct accel_vm *vm, const uint32_t *leaves, unsigned n)
{
    HRESULT hr = WHvSetPartitionProperty(vm->partition, WHvPartitionPropertyCodeCpuidExitList,
                                         leaves, n * (UINT32)sizeof *leaves);
    if (SUCCEEDED(hr)) {
        memcpy(vm->cpuid_exit_leaves, leaves, n * sizeof *leaves);
        vm->cpuid_exit_count = n;
    }
    return hr;
}

static int check_platform(WHV_EXTENDED_VM_EXITS *exits, struct wisp_error *err)
{
    WHV_CAPABILITY cap;
    UINT32 written = 0;
    memset(&cap, 0, sizeof cap);
    HRESULT hr = WHvGetCapability(WHvCapabilityCodeHypervisorPresent, &cap, sizeof cap, &written);
    if (FAILED(hr) || !cap.HypervisorPresent)
        return wisp_fail(err, WISP_EXIT_NO_ACCEL,
                         "Windows Hypervisor Platform is not enabled "
                         "(Windows features: Windows Hypervisor Platform)");
    memset(&cap, 0, sizeof cap);
    hr = WHvGetCapability(WHvCapabilityCodeExtendedVmExits, &cap, sizeof cap, &written);
    if (FAILED(hr) || !cap.ExtendedVmExits.X64CpuidExit)
        return wisp_fail(err, WISP_EXIT_NO_ACCEL,
                         "this Windows Hypervisor Platform has no CPUID exits "
                         "(Windows 10 version 1809 or later is needed)");
    *exits = cap.ExtendedVmExits;
    return 0;
}

int accel_vm_create(struct accel_vm **out, const struct accel_vm_config *cfg,
                    struct wisp_error *err)
{
    if (cfg->irqchip == ACCEL_IRQCHIP_KERNEL)
        return wisp_fail(err, WISP_EXIT_USAGE,
                         "the Windows Hypervisor Platform backend has no in-kernel interrupt "
                         "controller (WHP's APIC emulation is not used yet): use --irqchip user");
    WHV_EXTENDED_VM_EXITS available;
    if (check_platform(&available, err) < 0)
        return -1;

    struct accel_vm *vm = calloc(1, sizeof *vm);
    if (!vm)
        return wisp_fail(err, WISP_EXIT_HOST_ERROR, "out of memory");
    HRESULT hr = WHvCreatePartition(&vm->partition);
    if (FAILED(hr)) {
        fail_hr(err, WISP_EXIT_NO_ACCEL, hr, "WHvCreatePartition");
        free(vm);
        return -1;
    }

    WHV_PARTITION_PROPERTY prop;
    memset(&prop, 0, sizeof prop);
    /* Several vCPUs are written for but have never run on Windows. */
    prop.ProcessorCount = cfg->cpus ? cfg->cpus : 1;
    hr = WHvSetPartitionProperty(vm->partition, WHvPartitionPropertyCodeProcessorCount, &prop,
                                 sizeof prop);
    if (FAILED(hr)) {
        fail_hr(err, WISP_EXIT_NO_ACCEL, hr, "setting the processor count");
        goto fail;
    }

    /* CPUID for the policy; MSRs the hypervisor does not know, for the VMM
     * (which refuses them with #GP today); VMCALL for wisp's hypercalls. */
    memset(&prop, 0, sizeof prop);
    prop.ExtendedVmExits.X64CpuidExit = 1;
    prop.ExtendedVmExits.X64MsrExit = available.X64MsrExit;
    vm->msr_exits = available.X64MsrExit != 0;
    prop.ExtendedVmExits.HypercallExit = available.HypercallExit;
    hr = WHvSetPartitionProperty(vm->partition, WHvPartitionPropertyCodeExtendedVmExits, &prop,
                                 sizeof prop);
    if (FAILED(hr)) {
        fail_hr(err, WISP_EXIT_NO_ACCEL, hr, "enabling CPUID, MSR and hypercall exits");
        goto fail;
    }
    if (available.X64MsrExit) {
        /* Only MSRs the hypervisor does not implement; older Windows lacks
         * the property and exits for those by default. */
        memset(&prop, 0, sizeof prop);
        prop.X64MsrExitBitmap.UnhandledMsrs = 1;
        WHvSetPartitionProperty(vm->partition, WHvPartitionPropertyCodeX64MsrExitBitmap, &prop,
                                sizeof prop);
    }
    hr = set_cpuid_exit_list(vm, initial_cpuid_exits,
                             sizeof initial_cpuid_exits / sizeof initial_cpuid_exits[0]);
    if (FAILED(hr)) {
        fail_hr(err, WISP_EXIT_NO_ACCEL, hr, "setting the CPUID exit list");
        goto fail;
    }
    hr = WHvSetupPartition(vm->partition);
    if (FAILED(hr)) {
        fail_hr(err, WISP_EXIT_NO_ACCEL, hr, "WHvSetupPartition");
        goto fail;
    }
    *out = vm;
    return 0;
fail:
    accel_vm_destroy(vm);
    return -1;
}

void accel_vm_destroy(struct accel_vm *vm)
{
    if (!vm)
        return;
    if (vm->partition)
        WHvDeletePartition(vm->partition);
    free(vm);
}

int accel_vm_map_memory(struct accel_vm *vm, uint64_t gpa, uint64_t size, void *host,
                        struct wisp_error *err)
{
    if (vm->map_count >= MAX_MAPPINGS)
        return wisp_fail(err, WISP_EXIT_HOST_ERROR, "too many guest memory ranges for WHP");
    HRESULT hr = WHvMapGpaRange(vm->partition, host, gpa, size,
                                WHvMapGpaRangeFlagRead | WHvMapGpaRangeFlagWrite |
                                    WHvMapGpaRangeFlagExecute);
    if (FAILED(hr)) {
        char what[96];
        snprintf(what, sizeof what, "mapping guest memory at 0x%llx (%llu MiB)",
                 (unsigned long long)gpa, (unsigned long long)(size >> 20));
        return fail_hr(err, WISP_EXIT_NO_ACCEL, hr, what);
    }
    vm->maps[vm->map_count++] = (struct mapping){ .gpa = gpa, .size = size, .host = host };
    return 0;
}

/* Host memory for [gpa, gpa+size) when it lies in one mapped range. */
static uint8_t *ram_at(const struct accel_vm *vm, uint64_t gpa, uint64_t size)
{
    for (unsigned i = 0; i < vm->map_count; i++) {
        const struct mapping *m = &vm->maps[i];
        if (gpa >= m->gpa && gpa - m->gpa <= m->size && size <= m->size - (gpa - m->gpa))
            return m->host + (gpa - m->gpa);
    }
    return NULL;
}

static void host_cpuid(void *opaque, uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
    (void)opaque;
#if defined(_MSC_VER)
    int r[4];
    __cpuidex(r, (int)leaf, (int)subleaf);
    for (int i = 0; i < 4; i++)
        out[i] = (uint32_t)r[i];
#else
    unsigned a, b, c, d;
    __cpuid_count(leaf, subleaf, a, b, c, d);
    out[0] = a;
    out[1] = b;
    out[2] = c;
    out[3] = d;
#endif
}

int accel_vm_supported_cpuid(struct accel_vm *vm, struct accel_cpuid *out,
                             struct wisp_error *err)
{
    (void)err;
    /* WHP answers CPUID itself; the host's own CPUID (as the root partition
     * sees it) is the base wisp's policy changes are measured against. */
    winhv_enumerate_cpuid(host_cpuid, NULL, &vm->supported);
    vm->have_supported = true;
    *out = vm->supported;
    return 0;
}

int accel_vm_set_irq_line(struct accel_vm *vm, unsigned irq, bool level)
{
    (void)vm;
    (void)irq;
    (void)level;
    return -1; /* no in-kernel PIC or IOAPIC: the user-space irqchip has the lines */
}

int accel_vm_send_msi(struct accel_vm *vm, uint64_t address, uint32_t data)
{
    (void)vm, (void)address, (void)data;
    return -1; /* WHP's APIC emulation is not used: wisp's own LAPIC takes MSIs */
}

int accel_vm_queue_port_writes(struct accel_vm *vm, uint16_t port, unsigned len, bool on)
{
    (void)vm, (void)port, (void)len, (void)on;
    return -1; /* WHP has no such queue: every write exits */
}

bool accel_vm_port_writes_queued(struct accel_vm *vm)
{
    (void)vm;
    return false;
}

unsigned accel_vm_take_port_writes(struct accel_vm *vm, accel_port_write_fn fn, void *opaque)
{
    (void)vm, (void)fn, (void)opaque;
    return 0;
}

int accel_vm_ioeventfd(struct accel_vm *vm, uint64_t gpa, unsigned len, int fd, bool assign)
{
    (void)vm, (void)gpa, (void)len, (void)fd, (void)assign;
    return -1; /* no ioeventfds: notifications arrive as MMIO exits */
}

/* ---- the emulator's callbacks ---- */

static HRESULT replay_result(struct accel_vcpu *vcpu, enum winhv_replay_verdict verdict)
{
    switch (verdict) {
    case WINHV_REPLAY_ANSWERED:
    case WINHV_REPLAY_TAKEN:
        return S_OK;
    case WINHV_REPLAY_STOP:
        return E_PENDING; /* the VMM answers first; the emulator commits nothing */
    case WINHV_REPLAY_MISMATCH:
        vcpu->emu_problem = "the instruction's accesses changed between attempts";
        return E_FAIL;
    case WINHV_REPLAY_NO_MEMORY:
        vcpu->emu_problem = "out of memory for the instruction's accesses";
        return E_OUTOFMEMORY;
    }
    return E_FAIL;
}

static HRESULT CALLBACK emu_io_port(VOID *context, WHV_EMULATOR_IO_ACCESS_INFO *io)
{
    struct accel_vcpu *vcpu = context;
    bool is_write = io->Direction != 0;
    uint8_t data[8] = { 0 };
    for (unsigned i = 0; i < 4; i++)
        data[i] = (uint8_t)(io->Data >> (8 * i));
    if (io->AccessSize == 0 || io->AccessSize > 4) {
        vcpu->emu_problem = "a port access wider than 4 bytes";
        return E_FAIL;
    }
    enum winhv_replay_verdict v =
        winhv_replay_access(&vcpu->replay, io->Port, (uint8_t)io->AccessSize, is_write, data);
    if (v == WINHV_REPLAY_ANSWERED && !is_write)
        io->Data = (UINT32)data[0] | (UINT32)data[1] << 8 | (UINT32)data[2] << 16 |
                   (UINT32)data[3] << 24;
    return replay_result(vcpu, v);
}

static HRESULT CALLBACK emu_memory(VOID *context, WHV_EMULATOR_MEMORY_ACCESS_INFO *m)
{
    struct accel_vcpu *vcpu = context;
    bool is_write = m->Direction != 0;
    if (m->AccessSize == 0 || m->AccessSize > sizeof m->Data) {
        vcpu->emu_problem = "a memory access wider than 8 bytes";
        return E_FAIL;
    }
    uint8_t *host = ram_at(vcpu->vm, m->GpaAddress, m->AccessSize);
    if (host) {
        /* RAM (a string instruction's other side, an instruction fetch) */
        if (is_write)
            memcpy(host, m->Data, m->AccessSize);
        else
            memcpy(m->Data, host, m->AccessSize);
        return S_OK;
    }
    if (vcpu->emulating != EMU_MMIO) {
        vcpu->emu_problem = "string port I/O to or from MMIO";
        return E_FAIL;
    }
    return replay_result(vcpu, winhv_replay_access(&vcpu->replay, m->GpaAddress, m->AccessSize,
                                                   is_write, m->Data));
}

static HRESULT CALLBACK emu_get_registers(VOID *context, const WHV_REGISTER_NAME *names,
                                          UINT32 count, WHV_REGISTER_VALUE *values)
{
    return get_registers(context, names, count, values);
}

static HRESULT CALLBACK emu_set_registers(VOID *context, const WHV_REGISTER_NAME *names,
                                          UINT32 count, const WHV_REGISTER_VALUE *values)
{
    return set_registers(context, names, count, values);
}

static HRESULT CALLBACK emu_translate(VOID *context, WHV_GUEST_VIRTUAL_ADDRESS gva,
                                      WHV_TRANSLATE_GVA_FLAGS flags,
                                      WHV_TRANSLATE_GVA_RESULT_CODE *result,
                                      WHV_GUEST_PHYSICAL_ADDRESS *gpa)
{
    struct accel_vcpu *vcpu = context;
    WHV_TRANSLATE_GVA_RESULT r;
    memset(&r, 0, sizeof r);
    HRESULT hr = WHvTranslateGva(vcpu->vm->partition, vcpu->index, gva, flags, &r, gpa);
    if (SUCCEEDED(hr))
        *result = r.ResultCode;
    return hr;
}

static const WHV_EMULATOR_CALLBACKS emulator_callbacks = {
    .Size = sizeof(WHV_EMULATOR_CALLBACKS),
    .Reserved = 0,
    .WHvEmulatorIoPortCallback = emu_io_port,
    .WHvEmulatorMemoryCallback = emu_memory,
    .WHvEmulatorGetVirtualProcessorRegisters = emu_get_registers,
    .WHvEmulatorSetVirtualProcessorRegisters = emu_set_registers,
    .WHvEmulatorTranslateGvaPage = emu_translate,
};

/* ---- vCPUs ---- */

int accel_vcpu_create(struct accel_vm *vm, unsigned index, struct accel_vcpu **out,
                      struct wisp_error *err)
{
    struct accel_vcpu *vcpu = calloc(1, sizeof *vcpu);
    if (!vcpu)
        return wisp_fail(err, WISP_EXIT_HOST_ERROR, "out of memory");
    vcpu->vm = vm;
    vcpu->index = index;
    HRESULT hr = WHvCreateVirtualProcessor(vm->partition, index, 0);
    if (FAILED(hr)) {
        free(vcpu);
        return fail_hr(err, WISP_EXIT_NO_ACCEL, hr, "WHvCreateVirtualProcessor");
    }
    hr = WHvEmulatorCreateEmulator(&emulator_callbacks, &vcpu->emulator);
    if (FAILED(hr)) {
        WHvDeleteVirtualProcessor(vm->partition, index);
        free(vcpu);
        return fail_hr(err, WISP_EXIT_NO_ACCEL, hr, "WHvEmulatorCreateEmulator");
    }
    *out = vcpu;
    return 0;
}

void accel_vcpu_destroy(struct accel_vcpu *vcpu)
{
    if (!vcpu)
        return;
    if (vcpu->emulator)
        WHvEmulatorDestroyEmulator(vcpu->emulator);
    WHvDeleteVirtualProcessor(vcpu->vm->partition, vcpu->index);
    winhv_replay_free(&vcpu->replay);
    free(vcpu->io_buffer);
    free(vcpu);
}

int accel_vcpu_set_cpuid(struct accel_vcpu *vcpu, const struct accel_cpuid *cpuid,
                         struct wisp_error *err)
{
    struct accel_vm *vm = vcpu->vm;
    uint32_t needed[MAX_CPUID_EXIT_LEAVES];
    unsigned n = winhv_cpuid_exit_leaves(cpuid, vm->have_supported ? &vm->supported : NULL,
                                         needed, MAX_CPUID_EXIT_LEAVES);
    vcpu->policy = *cpuid;
    vcpu->have_policy = true;

    /* The leaves already exiting, plus any new one. */
    uint32_t merged[MAX_CPUID_EXIT_LEAVES];
    unsigned count = vm->cpuid_exit_count;
    memcpy(merged, vm->cpuid_exit_leaves, count * sizeof *merged);
    uint32_t missing = 0;
    for (unsigned i = 0; i < n; i++) {
        bool present = false;
        for (unsigned j = 0; j < count && !present; j++)
            present = merged[j] == needed[i];
        if (!present && count < MAX_CPUID_EXIT_LEAVES) {
            merged[count++] = needed[i];
            missing = needed[i];
        }
    }
    if (count == vm->cpuid_exit_count)
        return 0;
    HRESULT hr = set_cpuid_exit_list(vm, merged, count);
    if (FAILED(hr)) {
        char what[128];
        snprintf(what, sizeof what,
                 "adding CPUID leaf 0x%x to the CPUID exits (needs Windows 10 1909 or later)",
                 missing);
        return fail_hr(err, WISP_EXIT_NO_ACCEL, hr, what);
    }
    return 0;
}

/* ---- running ---- */

/* Registers written together when an exit is completed. */
struct reg_batch {
    WHV_REGISTER_NAME names[6];
    WHV_REGISTER_VALUE values[6];
    UINT32 n;
};

static void batch_add(struct reg_batch *b, WHV_REGISTER_NAME name, uint64_t value)
{
    b->names[b->n] = name;
    memset(&b->values[b->n], 0, sizeof b->values[b->n]);
    b->values[b->n].Reg64 = value;
    b->n++;
}

static HRESULT batch_flush(struct accel_vcpu *vcpu, struct reg_batch *b)
{
    if (vcpu->rip_pending) {
        batch_add(b, WHvX64RegisterRip, vcpu->next_rip);
        vcpu->rip_pending = false;
    }
    return b->n ? set_registers(vcpu, b->names, b->n, b->values) : S_OK;
}

static void skip_instruction(struct accel_vcpu *vcpu, unsigned fallback_length)
{
    const WHV_VP_EXIT_CONTEXT *vp = &vcpu->last.VpContext;
    unsigned length = vp->InstructionLength ? vp->InstructionLength : fallback_length;
    vcpu->rip_pending = true;
    vcpu->next_rip = vp->Rip + length;
}

static int answer_cpuid(struct accel_vcpu *vcpu, struct wisp_error *err)
{
    const WHV_X64_CPUID_ACCESS_CONTEXT *c = &vcpu->last.CpuidAccess;
    const uint32_t defaults[4] = {
        (uint32_t)c->DefaultResultRax, (uint32_t)c->DefaultResultRbx,
        (uint32_t)c->DefaultResultRcx, (uint32_t)c->DefaultResultRdx,
    };
    uint32_t r[4];
    if (vcpu->have_policy)
        winhv_cpuid_answer(&vcpu->policy, vcpu->vm->have_supported ? &vcpu->vm->supported : NULL,
                           (uint32_t)c->Rax, (uint32_t)c->Rcx, defaults, r);
    else
        memcpy(r, defaults, sizeof r);
    struct reg_batch b = { .n = 0 };
    batch_add(&b, WHvX64RegisterRax, r[0]);
    batch_add(&b, WHvX64RegisterRbx, r[1]);
    batch_add(&b, WHvX64RegisterRcx, r[2]);
    batch_add(&b, WHvX64RegisterRdx, r[3]);
    skip_instruction(vcpu, CPUID_LENGTH);
    HRESULT hr = batch_flush(vcpu, &b);
    return FAILED(hr) ? fail_hr(err, WISP_EXIT_UNHANDLED, hr, "answering CPUID") : 0;
}

static void unsupported_exit(struct accel_vcpu *vcpu, struct accel_exit *exit, uint32_t status)
{
    const uint8_t *bytes;
    unsigned count;
    if (vcpu->emulating == EMU_MMIO) {
        bytes = vcpu->last.MemoryAccess.InstructionBytes;
        count = vcpu->last.MemoryAccess.InstructionByteCount;
    } else {
        bytes = vcpu->last.IoPortAccess.InstructionBytes;
        count = vcpu->last.IoPortAccess.InstructionByteCount;
    }
    if (count > sizeof exit->u.unsupported.insn_bytes)
        count = sizeof exit->u.unsupported.insn_bytes;
    if (vcpu->emu_problem)
        fprintf(stderr, "wisp: WHP instruction emulator: %s\n", vcpu->emu_problem);
    winhv_exit_from_context(&vcpu->last, exit, NULL);
    exit->reason = ACCEL_EXIT_UNSUPPORTED_FEATURE;
    memset(&exit->u, 0, sizeof exit->u);
    /* The emulator's status bits, marked as such. */
    exit->u.unsupported.code = 0x80000000u | status;
    memcpy(exit->u.unsupported.insn_bytes, bytes, count);
    exit->u.unsupported.insn_length = (uint8_t)count;
    vcpu->emulating = EMU_NONE;
}

static int io_buffer_reserve(struct accel_vcpu *vcpu, size_t bytes, struct wisp_error *err)
{
    if (bytes <= vcpu->io_buffer_size)
        return 0;
    uint8_t *p = realloc(vcpu->io_buffer, bytes);
    if (!p)
        return wisp_fail(err, WISP_EXIT_HOST_ERROR, "out of memory for string port I/O");
    vcpu->io_buffer = p;
    vcpu->io_buffer_size = bytes;
    return 0;
}

/* One emulation attempt of the instruction in vcpu->last. Returns 1 with
 * exit filled when the VMM has to see an access (or the instruction cannot
 * be emulated), 0 when the instruction is complete, -1 on a backend error. */
static int emulate(struct accel_vcpu *vcpu, struct accel_exit *exit, struct wisp_error *err)
{
    WHV_EMULATOR_STATUS status;
    status.AsUINT32 = 0;
    vcpu->emu_problem = NULL;
    winhv_replay_begin(&vcpu->replay);
    HRESULT hr = vcpu->emulating == EMU_MMIO
        ? WHvEmulatorTryMmioEmulation(vcpu->emulator, vcpu, &vcpu->last.VpContext,
                                      &vcpu->last.MemoryAccess, &status)
        : WHvEmulatorTryIoEmulation(vcpu->emulator, vcpu, &vcpu->last.VpContext,
                                    &vcpu->last.IoPortAccess, &status);
    if (FAILED(hr))
        return fail_hr(err, WISP_EXIT_UNHANDLED, hr, "the WHP instruction emulator");
    vcpu->emulation_done = status.EmulationSuccessful != 0;

    struct winhv_access *first;
    size_t n = winhv_replay_outstanding(&vcpu->replay, &first);
    if (vcpu->emu_problem || (n == 0 && !vcpu->emulation_done)) {
        unsupported_exit(vcpu, exit, status.AsUINT32);
        return 1;
    }
    if (n == 0) {
        vcpu->emulating = EMU_NONE; /* done without the VMM (RAM only) */
        return 0;
    }

    winhv_exit_from_context(&vcpu->last, exit, vcpu->io_small);
    if (vcpu->emulating == EMU_MMIO) {
        exit->reason = ACCEL_EXIT_MEMORY_ACCESS;
        exit->u.memory.gpa = first[0].addr;
        exit->u.memory.access = first[0].is_write ? ACCEL_ACCESS_WRITE : ACCEL_ACCESS_READ;
        exit->u.memory.size = first[0].size;
        memset(exit->u.memory.data, 0, sizeof exit->u.memory.data);
        if (first[0].is_write)
            memcpy(exit->u.memory.data, first[0].data, first[0].size);
        return 1;
    }
    uint8_t size = first[0].size;
    if (io_buffer_reserve(vcpu, n * size, err) < 0)
        return -1;
    memset(vcpu->io_buffer, 0, n * size);
    for (size_t i = 0; i < n; i++)
        if (first[i].is_write)
            memcpy(vcpu->io_buffer + i * size, first[i].data, size);
    exit->reason = ACCEL_EXIT_IO_PORT_ACCESS;
    exit->u.io = (struct accel_io_access){
        .port = (uint16_t)first[0].addr, .size = size, .is_write = first[0].is_write,
        .count = (uint32_t)n, .data = vcpu->io_buffer,
    };
    return 1;
}

static int start_emulation(struct accel_vcpu *vcpu, enum emulation kind, struct accel_exit *exit,
                           struct wisp_error *err)
{
    vcpu->emulating = kind;
    if (kind == EMU_MMIO) {
        winhv_replay_reset(&vcpu->replay, false, 1);
    } else {
        bool out = vcpu->last.IoPortAccess.AccessInfo.IsWrite != 0;
        winhv_replay_reset(&vcpu->replay, out, out ? 0 : winhv_string_io_count(&vcpu->last));
    }
    return emulate(vcpu, exit, err);
}

/* The VMM answered the accesses of an emulation exit: store its answers,
 * then finish or go on with the instruction. */
static int continue_emulation(struct accel_vcpu *vcpu, const struct accel_exit *prev,
                              struct accel_exit *exit, struct wisp_error *err)
{
    struct winhv_access *first;
    size_t n = winhv_replay_outstanding(&vcpu->replay, &first);
    for (size_t i = 0; i < n; i++) {
        if (first[i].is_write)
            continue;
        if (vcpu->emulating == EMU_MMIO)
            memcpy(first[i].data, prev->u.memory.data, first[i].size);
        else if (prev->u.io.data && i < prev->u.io.count)
            memcpy(first[i].data, prev->u.io.data + i * first[i].size, first[i].size);
    }
    winhv_replay_handed(&vcpu->replay);
    if (vcpu->emulation_done) {
        vcpu->emulating = EMU_NONE;
        return 0;
    }
    return emulate(vcpu, exit, err);
}

/* Hands the VMM's answers to the previous exit back to the guest. Returns 1
 * when that already produced the next exit (another access of the same
 * instruction), 0 to run the vCPU, -1 on failure. */
static int complete_previous(struct accel_vcpu *vcpu, struct accel_exit *exit,
                             struct wisp_error *err)
{
    struct accel_exit *prev = vcpu->pending;
    vcpu->pending = NULL;
    if (!prev)
        return 0;
    if (vcpu->emulating != EMU_NONE) {
        int rc = continue_emulation(vcpu, prev, exit, err);
        if (rc == 1)
            vcpu->pending = exit;
        return rc;
    }
    struct reg_batch b = { .n = 0 };
    WHV_REGISTER_VALUE rax;
    HRESULT hr = S_OK;
    switch (vcpu->last.ExitReason) {
    case WHvRunVpExitReasonX64IoPortAccess:
        if (!prev->u.io.is_write && prev->u.io.data) {
            WHV_REGISTER_NAME name = WHvX64RegisterRax;
            hr = get_registers(vcpu, &name, 1, &rax);
            if (FAILED(hr))
                break;
            batch_add(&b, WHvX64RegisterRax,
                      winhv_io_in_result(rax.Reg64, prev->u.io.size, prev->u.io.data));
        }
        hr = batch_flush(vcpu, &b);
        break;
    case WHvRunVpExitReasonX64MsrAccess:
        if (prev->u.msr.inject_gp) {
            vcpu->rip_pending = false; /* a fault leaves RIP on the instruction */
            hr = set_register64(vcpu, WHvRegisterPendingInterruption,
                                winhv_pending_exception(VECTOR_GP, true, 0));
            break;
        }
        if (!prev->u.msr.is_write) {
            batch_add(&b, WHvX64RegisterRax, prev->u.msr.value & 0xFFFFFFFFull);
            batch_add(&b, WHvX64RegisterRdx, prev->u.msr.value >> 32);
        }
        hr = batch_flush(vcpu, &b);
        break;
    default:
        hr = batch_flush(vcpu, &b); /* a hypercall's RIP, if the VMM left it */
        break;
    }
    if (FAILED(hr))
        return fail_hr(err, WISP_EXIT_UNHANDLED, hr, "completing the previous exit");
    return 0;
}

static void canceled_exit(struct accel_vcpu *vcpu, struct accel_exit *exit)
{
    static const WHV_REGISTER_NAME names[2] = { WHvX64RegisterRip, WHvX64RegisterRflags };
    WHV_REGISTER_VALUE values[2];
    memset(exit, 0, sizeof *exit);
    exit->reason = ACCEL_EXIT_CANCELED;
    if (SUCCEEDED(get_registers(vcpu, names, 2, values))) {
        exit->rip = vcpu->rip_pending ? vcpu->next_rip : values[0].Reg64;
        exit->rflags = values[1].Reg64;
    }
}

int accel_vcpu_run(struct accel_vcpu *vcpu, struct accel_exit *exit, struct wisp_error *err)
{
    int rc = complete_previous(vcpu, exit, err);
    if (rc != 0)
        return rc < 0 ? -1 : 0;
    for (;;) {
        if (InterlockedExchange(&vcpu->kicked, 0)) {
            canceled_exit(vcpu, exit);
            return 0;
        }
        WHV_RUN_VP_EXIT_CONTEXT *ctx = &vcpu->last;
        HRESULT hr = WHvRunVirtualProcessor(vcpu->vm->partition, vcpu->index, ctx, sizeof *ctx);
        if (FAILED(hr))
            return fail_hr(err, WISP_EXIT_UNHANDLED, hr, "WHvRunVirtualProcessor");
        winhv_exit_from_context(ctx, exit, vcpu->io_small);
        switch (ctx->ExitReason) {
        case WHvRunVpExitReasonX64Cpuid:
            if (answer_cpuid(vcpu, err) < 0)
                return -1;
            continue;
        case WHvRunVpExitReasonMemoryAccess:
        case WHvRunVpExitReasonX64IoPortAccess:
            if (ctx->ExitReason == WHvRunVpExitReasonMemoryAccess ||
                ctx->IoPortAccess.AccessInfo.StringOp) {
                rc = start_emulation(vcpu,
                                     ctx->ExitReason == WHvRunVpExitReasonMemoryAccess
                                         ? EMU_MMIO : EMU_STRING_IO,
                                     exit, err);
                if (rc < 0)
                    return -1;
                if (rc == 0)
                    continue; /* nothing for the VMM (RAM only) */
                break;
            }
            skip_instruction(vcpu, 1);
            break;
        case WHvRunVpExitReasonX64MsrAccess:
            skip_instruction(vcpu, RDMSR_LENGTH);
            break;
        case WHvRunVpExitReasonHypercall:
            skip_instruction(vcpu, VMCALL_LENGTH);
            break;
        case WHvRunVpExitReasonX64InterruptWindow:
            /* One notification per request: the VMM asks again if needed. */
            vcpu->window_wanted = false;
            set_register64(vcpu, WHvX64RegisterDeliverabilityNotifications,
                           winhv_interrupt_notification(false));
            break;
        case WHvRunVpExitReasonCanceled:
            InterlockedExchange(&vcpu->kicked, 0);
            break;
        default:
            break;
        }
        vcpu->pending = exit;
        return 0;
    }
}

void accel_vcpu_kick(struct accel_vcpu *vcpu)
{
    /* From any thread. The flag covers a kick that lands between two runs. */
    InterlockedExchange(&vcpu->kicked, 1);
    WHvCancelRunVirtualProcessor(vcpu->vm->partition, vcpu->index, 0);
}

int accel_vcpu_get_activity(struct accel_vcpu *vcpu, enum accel_activity *out)
{
    /* Only wisp's own LAPIC here: it tracks wait-for-SIPI itself. */
    *out = accel_vcpu_is_halted(vcpu) ? ACCEL_ACTIVITY_HALTED : ACCEL_ACTIVITY_RUNNING;
    return 0;
}

int accel_vcpu_pending_events(struct accel_vcpu *vcpu, bool *interrupt, bool *nmi)
{
    (void)vcpu; /* no WHP APIC emulation: wisp's own irqchip knows */
    *interrupt = *nmi = false;
    return 0;
}

int accel_vcpu_apic_summary(struct accel_vcpu *vcpu, struct accel_apic_summary *out)
{
    (void)vcpu; /* no WHP APIC emulation: wisp's own irqchip knows */
    (void)out;
    return -1;
}

int accel_vcpu_timer_armed(struct accel_vcpu *vcpu, unsigned index, bool *armed)
{
    (void)vcpu; /* no WHP APIC emulation: wisp's own irqchip knows */
    (void)index;
    *armed = false;
    return 0;
}

int accel_vcpu_interrupts_injected(struct accel_vcpu *vcpu, uint64_t *count)
{
    (void)vcpu; /* wisp's own irqchip injects, and knows */
    (void)count;
    return -1;
}

int accel_vcpu_peek_control_regs(struct accel_vcpu *vcpu, uint64_t *cr2, uint64_t *cr3)
{
    (void)vcpu; /* the exit context has no control registers */
    (void)cr2;
    (void)cr3;
    return -1;
}

int accel_vcpu_set_running(struct accel_vcpu *vcpu)
{
    (void)vcpu; /* no WHP APIC emulation: every vCPU is always runnable */
    return 0;
}

int accel_vcpu_inject_nmi(struct accel_vcpu *vcpu)
{
    HRESULT hr = set_register64(vcpu, WHvRegisterPendingInterruption, winhv_pending_nmi());
    return FAILED(hr) ? -1 : 0;
}

bool accel_vcpu_is_halted(struct accel_vcpu *vcpu)
{
    WHV_REGISTER_NAME name = WHvRegisterInternalActivityState;
    WHV_REGISTER_VALUE value;
    if (FAILED(get_registers(vcpu, &name, 1, &value)))
        return false;
    return value.InternalActivity.HaltSuspend != 0;
}

int accel_vm_trap_msrs(struct accel_vm *vm, uint32_t first, uint32_t count,
                       struct wisp_error *err)
{
    if (count == 0 || count > 0x1000)
        return wisp_fail(err, WISP_EXIT_HOST_ERROR, "bad MSR range to trap");
    /* WHP has no per-MSR filter before Windows 11: with MSR exits on, every
     * MSR the hypervisor does not implement for the partition exits
     * already, and the run loop refuses the ones it does not handle. */
    if (!vm->msr_exits)
        return wisp_fail(err, WISP_EXIT_NO_ACCEL,
                         "this Windows Hypervisor Platform cannot pass MSR accesses to wisp "
                         "(MSRs 0x%x-0x%x)", first, first + count - 1);
    return 0;
}

int accel_vcpu_tsc_khz(struct accel_vcpu *vcpu, uint32_t *khz)
{
    (void)vcpu;
    WHV_CAPABILITY cap;
    UINT32 written = 0;
    memset(&cap, 0, sizeof cap);
    HRESULT hr = WHvGetCapability(WHvCapabilityCodeProcessorClockFrequency, &cap, sizeof cap,
                                  &written);
    if (FAILED(hr) || cap.ProcessorClockFrequency / 1000 == 0 ||
        cap.ProcessorClockFrequency / 1000 > UINT32_MAX)
        return -1;
    *khz = (uint32_t)(cap.ProcessorClockFrequency / 1000);
    return 0;
}

int accel_vcpu_read_tsc(struct accel_vcpu *vcpu, uint64_t *tsc)
{
    WHV_REGISTER_NAME name = WHvX64RegisterTsc;
    WHV_REGISTER_VALUE value;
    if (FAILED(get_registers(vcpu, &name, 1, &value)))
        return -1;
    *tsc = value.Reg64;
    return 0;
}

/* ---- interrupts (user-space irqchip) ---- */

bool accel_vcpu_interrupt_window_open(struct accel_vcpu *vcpu)
{
    static const WHV_REGISTER_NAME names[3] = {
        WHvX64RegisterRflags, WHvRegisterInterruptState, WHvRegisterPendingInterruption,
    };
    WHV_REGISTER_VALUE values[3];
    if (FAILED(get_registers(vcpu, names, 3, values)))
        return false;
    return winhv_interrupt_window_open(values[0].Reg64, values[1].Reg64, values[2].Reg64);
}

int accel_vcpu_inject_interrupt(struct accel_vcpu *vcpu, uint8_t vector)
{
    HRESULT hr = set_register64(vcpu, WHvRegisterPendingInterruption,
                                winhv_pending_interrupt(vector));
    return FAILED(hr) ? -1 : 0;
}

void accel_vcpu_request_interrupt_window(struct accel_vcpu *vcpu, bool wanted)
{
    if (vcpu->window_wanted == wanted)
        return;
    if (SUCCEEDED(set_register64(vcpu, WHvX64RegisterDeliverabilityNotifications,
                                 winhv_interrupt_notification(wanted))))
        vcpu->window_wanted = wanted;
}

int accel_vcpu_translate(struct accel_vcpu *vcpu, uint64_t gva, uint64_t *gpa)
{
    WHV_TRANSLATE_GVA_RESULT result;
    WHV_GUEST_PHYSICAL_ADDRESS out = 0;
    memset(&result, 0, sizeof result);
    HRESULT hr = WHvTranslateGva(vcpu->vm->partition, vcpu->index, gva,
                                 WHvTranslateGvaFlagValidateRead | WHvTranslateGvaFlagPrivilegeExempt,
                                 &result, &out);
    if (FAILED(hr) || result.ResultCode != WHvTranslateGvaResultSuccess)
        return -1;
    *gpa = out;
    return 0;
}

int accel_vcpu_inject_exception(struct accel_vcpu *vcpu, uint8_t vector,
                                bool has_error_code, uint32_t error_code)
{
    HRESULT hr = set_register64(vcpu, WHvRegisterPendingInterruption,
                                winhv_pending_exception(vector, has_error_code, error_code));
    return FAILED(hr) ? -1 : 0;
}

/* The GDB stub needs the x87/SSE registers and guest debugging
 * (WHvPartitionPropertyCodeExceptionExitBitmap, WHvRegisterDr0..7): not
 * done yet on WHP, so --gdb fails there with a clear message. */
int accel_vcpu_get_fpu(struct accel_vcpu *vcpu, struct accel_fpu *fpu)
{
    (void)vcpu;
    memset(fpu, 0, sizeof *fpu);
    return -1;
}

int accel_vcpu_set_fpu(struct accel_vcpu *vcpu, const struct accel_fpu *fpu)
{
    (void)vcpu;
    (void)fpu;
    return -1;
}

int accel_vcpu_set_guest_debug(struct accel_vcpu *vcpu, const struct accel_guest_debug *dbg)
{
    (void)vcpu;
    (void)dbg;
    return -1;
}

/* Snapshots: WHvGetVirtualProcessorState and friends would carry them;
 * not written yet. */
static int no_snapshots(struct wisp_error *err)
{
    return wisp_fail(err, WISP_EXIT_NO_ACCEL,
                     "snapshots are not supported with WHP yet (KVM only)");
}

int accel_vcpu_save_state(struct accel_vcpu *vcpu, uint8_t **data, size_t *size,
                          struct wisp_error *err)
{
    (void)vcpu;
    (void)data;
    (void)size;
    return no_snapshots(err);
}

int accel_vcpu_restore_state(struct accel_vcpu *vcpu, const uint8_t *data, size_t size,
                             struct wisp_error *err)
{
    (void)vcpu;
    (void)data;
    (void)size;
    return no_snapshots(err);
}

int accel_vm_save_state(struct accel_vm *vm, uint8_t **data, size_t *size,
                        struct wisp_error *err)
{
    (void)vm;
    (void)data;
    (void)size;
    return no_snapshots(err);
}

int accel_vm_restore_state(struct accel_vm *vm, const uint8_t *data, size_t size,
                           struct wisp_error *err)
{
    (void)vm;
    (void)data;
    (void)size;
    return no_snapshots(err);
}

const unsigned long *accel_sandbox_ioctls(size_t *count)
{
    *count = 0; /* no seccomp on Windows */
    return NULL;
}

const unsigned long *accel_sandbox_interrupt_ioctls(size_t *count)
{
    *count = 0;
    return NULL;
}

/* Live migration: WHP's dirty page tracking (WHvQueryGpaRangeDirtyBitmap)
 * is not wired up yet. */
int accel_vm_dirty_log_start(struct accel_vm *vm, struct wisp_error *err)
{
    (void)vm;
    return wisp_fail(err, WISP_EXIT_HOST_ERROR,
                     "live migration is not supported with WHP yet (no dirty page log)");
}

int accel_vm_dirty_log_take(struct accel_vm *vm, uint64_t gpa, uint64_t *bitmap,
                            struct wisp_error *err)
{
    (void)vm;
    (void)gpa;
    (void)bitmap;
    return wisp_fail(err, WISP_EXIT_HOST_ERROR,
                     "live migration is not supported with WHP yet (no dirty page log)");
}

void accel_vm_dirty_log_stop(struct accel_vm *vm)
{
    (void)vm;
}

const unsigned long *accel_sandbox_dirty_log_ioctls(size_t *count)
{
    *count = 0;
    return NULL;
}
