/*
 * Linux KVM backend of the accelerator seam. Translates struct kvm_run into
 * the portable struct accel_exit; the rest of wisp never sees KVM.
 */
#include "accel.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kvm_internal.h"

const char *accel_name(void)
{
    return "kvm";
}

static int open_kvm(const char *path, struct wisp_error *err)
{
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd >= 0)
        return fd;
    switch (errno) {
    case ENOENT:
        return wisp_fail(err, WISP_EXIT_NO_ACCEL,
                         "%s not found: KVM is not available on this host "
                         "(load kvm_intel or kvm_amd, or enable nested virtualization)", path);
    case EACCES:
    case EPERM:
        return wisp_fail(err, WISP_EXIT_NO_ACCEL,
                         "no permission to open %s (run as root or join the kvm group)", path);
    case ENODEV:
    case ENXIO:
        return wisp_fail(err, WISP_EXIT_NO_ACCEL,
                         "%s exists but no KVM driver answers it", path);
    default:
        return wisp_fail_errno(err, WISP_EXIT_NO_ACCEL, "cannot open %s", path);
    }
}

int accel_vm_create(struct accel_vm **out, const struct accel_vm_config *cfg,
                    struct wisp_error *err)
{
    const char *path = cfg->device_path ? cfg->device_path : "/dev/kvm";
    struct accel_vm *vm = calloc(1, sizeof *vm);
    if (!vm)
        return wisp_fail(err, WISP_EXIT_HOST_ERROR, "out of memory");
    vm->vm_fd = -1;
    vm->kvm_fd = open_kvm(path, err);
    if (vm->kvm_fd < 0)
        goto fail;
    int version = ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0);
    if (version != KVM_API_VERSION) {
        wisp_fail(err, WISP_EXIT_NO_ACCEL, "%s speaks KVM API %d, wisp needs %d", path,
                  version, KVM_API_VERSION);
        goto fail;
    }
    static const struct { int cap; const char *name; } needed[] = {
        { KVM_CAP_USER_MEMORY, "user memory" },
        { KVM_CAP_IMMEDIATE_EXIT, "immediate exit" },
    };
    for (size_t i = 0; i < sizeof needed / sizeof needed[0]; i++)
        if (ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, needed[i].cap) <= 0) {
            wisp_fail(err, WISP_EXIT_NO_ACCEL, "KVM lacks %s support", needed[i].name);
            goto fail;
        }
    vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
    if (vm->vm_fd < 0) {
        wisp_fail_errno(err, WISP_EXIT_NO_ACCEL, "KVM_CREATE_VM failed");
        goto fail;
    }
    unsigned cpus = cfg->cpus ? cfg->cpus : 1;
    int max_vcpus = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
    if (max_vcpus <= 0)
        max_vcpus = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_VCPUS);
    if (max_vcpus <= 0)
        max_vcpus = 4; /* what KVM_CHECK_EXTENSION's absence means (api.rst) */
    if (cpus > (unsigned)max_vcpus) {
        wisp_fail(err, WISP_EXIT_NO_ACCEL, "%s allows at most %d vCPUs, %u asked for", path,
                  max_vcpus, cpus);
        goto fail;
    }
    vm->run_size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (vm->run_size <= 0) {
        wisp_fail_errno(err, WISP_EXIT_NO_ACCEL, "KVM_GET_VCPU_MMAP_SIZE failed");
        goto fail;
    }
    /* KVM_CAP_COALESCED_MMIO answers with the queue's page in the vCPU
     * mapping; port writes need KVM_CAP_COALESCED_PIO besides. */
    int queue_page = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_COALESCED_MMIO);
    long page = sysconf(_SC_PAGESIZE);
    if (queue_page > 0 && ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_COALESCED_PIO) > 0 &&
        page > 0 && (long)(queue_page + 1) * page <= vm->run_size) {
        vm->write_queue_page = queue_page;
        vm->write_queue_slots = (unsigned)(((size_t)page - sizeof(struct kvm_coalesced_mmio_ring)) /
                                           sizeof(struct kvm_coalesced_mmio));
    }
    int sync = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_SYNC_REGS);
    unsigned want = KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS;
    vm->sync_regs_mask = (sync > 0 && ((unsigned)sync & want) == want) ? want : 0;

    /* Harmless on AMD, required on Intel before the first vCPU runs. */
    ioctl(vm->vm_fd, KVM_SET_TSS_ADDR, (unsigned long)KVM_TSS_ADDR);
    uint64_t identity = KVM_IDENTITY_MAP_ADDR;
    ioctl(vm->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &identity);

    vm->kernel_irqchip = cfg->irqchip == ACCEL_IRQCHIP_KERNEL;
    if (vm->kernel_irqchip) {
        if (ioctl(vm->vm_fd, KVM_CREATE_IRQCHIP, 0) < 0) {
            wisp_fail_errno(err, WISP_EXIT_NO_ACCEL, "cannot create the in-kernel irqchip");
            goto fail;
        }
        struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };
        if (ioctl(vm->vm_fd, KVM_CREATE_PIT2, &pit) < 0) {
            wisp_fail_errno(err, WISP_EXIT_NO_ACCEL, "cannot create the in-kernel PIT");
            goto fail;
        }
    }
    /* ACCEL_IRQCHIP_USER: wisp's own LAPIC, PIC and PIT answer the guest
     * and it injects interrupts with KVM_INTERRUPT. */
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
    for (unsigned i = 0; i < vm->msi_count; i++)
        close(vm->msi[i].efd);
    if (vm->vm_fd >= 0)
        close(vm->vm_fd);
    if (vm->kvm_fd >= 0)
        close(vm->kvm_fd);
    free(vm);
}

int accel_vm_map_memory(struct accel_vm *vm, uint64_t gpa, uint64_t size, void *host,
                        struct wisp_error *err)
{
    if (vm->slots_used >= KVM_MAX_MEMORY_SLOTS)
        return wisp_fail(err, WISP_EXIT_HOST_ERROR, "out of KVM memory slots");
    struct kvm_userspace_memory_region region = {
        .slot = vm->slots_used,
        .guest_phys_addr = gpa,
        .memory_size = size,
        .userspace_addr = (uintptr_t)host,
    };
    if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
        return wisp_fail_errno(err, WISP_EXIT_NO_ACCEL,
                               "KVM refused guest memory at 0x%llx (%llu MiB)",
                               (unsigned long long)gpa, (unsigned long long)(size >> 20));
    vm->slots[vm->slots_used].gpa = gpa;
    vm->slots[vm->slots_used].size = size;
    vm->slots[vm->slots_used].host = host;
    vm->slots_used++;
    return 0;
}

/* Live migration's dirty log (accel.h). */
static int set_slot_flags(struct accel_vm *vm, unsigned slot, uint32_t flags)
{
    struct kvm_userspace_memory_region region = {
        .slot = slot,
        .flags = flags,
        .guest_phys_addr = vm->slots[slot].gpa,
        .memory_size = vm->slots[slot].size,
        .userspace_addr = (uintptr_t)vm->slots[slot].host,
    };
    return ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region);
}

int accel_vm_dirty_log_start(struct accel_vm *vm, struct wisp_error *err)
{
    for (unsigned i = 0; i < vm->slots_used; i++)
        if (set_slot_flags(vm, i, KVM_MEM_LOG_DIRTY_PAGES) < 0) {
            int e = errno;
            for (unsigned j = 0; j < i; j++)
                set_slot_flags(vm, j, 0);
            errno = e;
            return wisp_fail_errno(err, WISP_EXIT_HOST_ERROR,
                                   "KVM refused to log the pages written at 0x%llx",
                                   (unsigned long long)vm->slots[i].gpa);
        }
    vm->dirty_log = true;
    return 0;
}

int accel_vm_dirty_log_take(struct accel_vm *vm, uint64_t gpa, uint64_t *bitmap,
                            struct wisp_error *err)
{
    for (unsigned i = 0; i < vm->slots_used; i++) {
        if (vm->slots[i].gpa != gpa)
            continue;
        if (!vm->dirty_log)
            return wisp_fail(err, WISP_EXIT_HOST_ERROR, "the dirty log is off");
        uint64_t pages = vm->slots[i].size / 4096, words = (pages + 63) / 64;
        uint64_t *got = calloc(words ? words : 1, sizeof *got);
        if (!got)
            return wisp_fail(err, WISP_EXIT_HOST_ERROR, "out of memory");
        struct kvm_dirty_log log = { .slot = i, .dirty_bitmap = got };
        if (ioctl(vm->vm_fd, KVM_GET_DIRTY_LOG, &log) < 0) {
            free(got);
            return wisp_fail_errno(err, WISP_EXIT_HOST_ERROR,
                                   "KVM's dirty log at 0x%llx", (unsigned long long)gpa);
        }
        for (uint64_t w = 0; w < words; w++)
            bitmap[w] |= got[w];
        free(got);
        return 0;
    }
    return wisp_fail(err, WISP_EXIT_HOST_ERROR, "no guest memory mapped at 0x%llx",
                     (unsigned long long)gpa);
}

void accel_vm_dirty_log_stop(struct accel_vm *vm)
{
    if (!vm->dirty_log)
        return;
    for (unsigned i = 0; i < vm->slots_used; i++)
        set_slot_flags(vm, i, 0);
    vm->dirty_log = false;
}

#define CPUID_1_ECX_TSC_DEADLINE_TIMER (1u << 24)

int accel_vm_supported_cpuid(struct accel_vm *vm, struct accel_cpuid *out,
                             struct wisp_error *err)
{
    size_t bytes = sizeof(struct kvm_cpuid2) + ACCEL_CPUID_MAX_ENTRIES * sizeof(struct kvm_cpuid_entry2);
    struct kvm_cpuid2 *c = calloc(1, bytes);
    if (!c)
        return wisp_fail(err, WISP_EXIT_HOST_ERROR, "out of memory");
    c->nent = ACCEL_CPUID_MAX_ENTRIES;
    if (ioctl(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, c) < 0) {
        free(c);
        return wisp_fail_errno(err, WISP_EXIT_NO_ACCEL, "KVM_GET_SUPPORTED_CPUID failed");
    }
    /* KVM's LAPIC emulates the TSC-deadline timer but leaves its CPUID bit
     * to the VMM (api.rst, KVM_CAP_TSC_DEADLINE_TIMER). Offered, it spares
     * Linux its ~100 ms APIC timer calibration against the PIT. */
    bool deadline = vm->kernel_irqchip &&
                    ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_TSC_DEADLINE_TIMER) > 0;
    out->count = c->nent;
    for (unsigned i = 0; i < c->nent; i++) {
        const struct kvm_cpuid_entry2 *e = &c->entries[i];
        out->entries[i] = (struct accel_cpuid_entry){
            .function = e->function, .index = e->index,
            .flags = (e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) ? ACCEL_CPUID_FLAG_SIGNIFICANT_INDEX : 0,
            .eax = e->eax, .ebx = e->ebx, .ecx = e->ecx, .edx = e->edx,
        };
        if (e->function == 1 && deadline)
            out->entries[i].ecx |= CPUID_1_ECX_TSC_DEADLINE_TIMER;
    }
    free(c);
    return 0;
}

int accel_vm_set_irq_line(struct accel_vm *vm, unsigned irq, bool level)
{
    struct kvm_irq_level line = { .irq = irq, .level = level ? 1 : 0 };
    return ioctl(vm->vm_fd, KVM_IRQ_LINE, &line) < 0 ? -1 : 0;
}

/* ---- MSIs: GSI routing and irqfds ---- */

/* The whole table: KVM's default pins (GSI n -> I/O APIC pin n, and GSI
 * 0-15 -> the PIC pins as well), then one MSI route per cached message. */
static int commit_routes(struct accel_vm *vm)
{
    unsigned n = KVM_IOAPIC_PINS + KVM_PIC_PINS + vm->msi_count;
    struct kvm_irq_routing *table =
        calloc(1, sizeof *table + n * sizeof(struct kvm_irq_routing_entry));
    if (!table)
        return -1;
    unsigned at = 0;
    for (unsigned pin = 0; pin < KVM_IOAPIC_PINS; pin++) {
        if (pin < KVM_PIC_PINS)
            table->entries[at++] = (struct kvm_irq_routing_entry){
                .gsi = pin, .type = KVM_IRQ_ROUTING_IRQCHIP,
                .u.irqchip = { pin < 8 ? KVM_IRQCHIP_PIC_MASTER : KVM_IRQCHIP_PIC_SLAVE,
                               pin % 8 },
            };
        table->entries[at++] = (struct kvm_irq_routing_entry){
            .gsi = pin, .type = KVM_IRQ_ROUTING_IRQCHIP,
            .u.irqchip = { KVM_IRQCHIP_IOAPIC, pin },
        };
    }
    for (unsigned i = 0; i < vm->msi_count; i++)
        table->entries[at++] = (struct kvm_irq_routing_entry){
            .gsi = KVM_MSI_GSI_BASE + i, .type = KVM_IRQ_ROUTING_MSI,
            .u.msi = { .address_lo = (uint32_t)vm->msi[i].address,
                       .address_hi = (uint32_t)(vm->msi[i].address >> 32),
                       .data = vm->msi[i].data },
        };
    table->nr = at;
    int rc = ioctl(vm->vm_fd, KVM_SET_GSI_ROUTING, table);
    free(table);
    return rc < 0 ? -1 : 0;
}

/* The route for (address, data): found, added, or an old one reused. */
static int msi_route(struct accel_vm *vm, uint64_t address, uint32_t data)
{
    for (unsigned i = 0; i < vm->msi_count; i++)
        if (vm->msi[i].address == address && vm->msi[i].data == data)
            return (int)i;
    unsigned i;
    if (vm->msi_count < KVM_MSI_ROUTES) {
        i = vm->msi_count;
        int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (efd < 0)
            return -1;
        struct kvm_irqfd irqfd = { .fd = (uint32_t)efd, .gsi = KVM_MSI_GSI_BASE + i };
        vm->msi[i] = (struct msi_route){ address, data, efd };
        vm->msi_count++;
        if (commit_routes(vm) < 0 || ioctl(vm->vm_fd, KVM_IRQFD, &irqfd) < 0) {
            close(efd);
            vm->msi_count--;
            return -1;
        }
        return (int)i;
    }
    /* Full: the guest reprogrammed its vectors; reuse a slot (its irqfd
     * stays bound to the GSI, the route behind it changes). */
    i = vm->msi_next_victim++ % KVM_MSI_ROUTES;
    vm->msi[i].address = address;
    vm->msi[i].data = data;
    return commit_routes(vm) < 0 ? -1 : (int)i;
}

int accel_vm_send_msi(struct accel_vm *vm, uint64_t address, uint32_t data)
{
    if (!vm->kernel_irqchip)
        return -1;
    int i = vm->msi_routes_failed ? -1 : msi_route(vm, address, data);
    if (i >= 0) {
        uint64_t one = 1;
        if (write(vm->msi[i].efd, &one, sizeof one) == sizeof one)
            return 0;
    } else {
        vm->msi_routes_failed = true; /* e.g. no KVM_CAP_IRQFD: don't retry every time */
    }
    struct kvm_msi msi = { .address_lo = (uint32_t)address,
                           .address_hi = (uint32_t)(address >> 32), .data = data };
    return ioctl(vm->vm_fd, KVM_SIGNAL_MSI, &msi) < 0 ? -1 : 0;
}

int accel_vm_ioeventfd(struct accel_vm *vm, uint64_t gpa, unsigned len, int fd, bool assign)
{
    struct kvm_ioeventfd io = {
        .addr = gpa, .len = len, .fd = fd,
        .flags = assign ? 0 : KVM_IOEVENTFD_FLAG_DEASSIGN,
    };
    return ioctl(vm->vm_fd, KVM_IOEVENTFD, &io) < 0 ? -1 : 0;
}

int accel_vm_queue_port_writes(struct accel_vm *vm, uint16_t port, unsigned len, bool on)
{
    if (!vm->write_queue)
        return -1;
    struct kvm_coalesced_mmio_zone zone = { .addr = port, .size = len, .pio = 1 };
    return ioctl(vm->vm_fd, on ? KVM_REGISTER_COALESCED_MMIO : KVM_UNREGISTER_COALESCED_MMIO,
                 &zone) < 0 ? -1 : 0;
}

bool accel_vm_port_writes_queued(struct accel_vm *vm)
{
    struct kvm_coalesced_mmio_ring *q = vm->write_queue;
    /* Asked without the device lock by every vCPU thread and the main
     * thread; only a holder of that lock moves first. */
    return q && __atomic_load_n(&q->first, __ATOMIC_RELAXED) !=
                    __atomic_load_n(&q->last, __ATOMIC_ACQUIRE);
}

/* Writes copied out before the queue's first index moves: every slot of a
 * 4 KiB queue page (170) several times over, for a guest that keeps
 * writing while wisp copies. */
#define WRITE_QUEUE_COPY_MAX 1024

unsigned accel_vm_take_port_writes(struct accel_vm *vm, accel_port_write_fn fn, void *opaque)
{
    struct kvm_coalesced_mmio_ring *q = vm->write_queue;
    if (!q)
        return 0;
    /* Copy everything queued first and move the first index once, then
     * hand the writes on, which may block on a slow reader of the output.
     * Why: KVM up to at least Debian 12's 6.1 checks for room with
     * (first - last - 1) % slots in 32-bit unsigned arithmetic, which is
     * only right while first > last. Moving first a slot at a time while
     * the guest keeps writing can leave first <= last with 86 or more
     * slots between them; KVM then never sees the queue full, wraps last
     * onto first, and a whole queue of writes (170 bytes) is lost. With
     * one jump to the last index read a moment earlier, the distance is
     * what the guest wrote in between, which KVM's check still stops at
     * 85. KVM appends at last, wisp takes from first; both wrap at the
     * slot count. An index out of range would be KVM's bug: stop there. */
    static struct { uint64_t port; uint32_t len; uint8_t data[8]; } copy[WRITE_QUEUE_COPY_MAX];
    unsigned slots = vm->write_queue_slots, n = 0;
    uint32_t first = __atomic_load_n(&q->first, __ATOMIC_RELAXED);
    uint32_t last = __atomic_load_n(&q->last, __ATOMIC_ACQUIRE);
    while (first != last && first < slots && last < slots && n < WRITE_QUEUE_COPY_MAX) {
        const struct kvm_coalesced_mmio *w = &q->coalesced_mmio[first];
        if (w->pio && w->phys_addr <= 0xFFFF) {
            copy[n].port = w->phys_addr;
            copy[n].len = w->len < 8 ? w->len : 8;
            memcpy(copy[n].data, w->data, sizeof copy[n].data);
            n++;
        }
        first = (first + 1) % slots;
        if (first == last) /* what the guest wrote while this copied */
            last = __atomic_load_n(&q->last, __ATOMIC_ACQUIRE);
    }
    __atomic_store_n(&q->first, first, __ATOMIC_RELEASE);
    for (unsigned i = 0; i < n; i++)
        fn(opaque, (uint16_t)copy[i].port, copy[i].data, copy[i].len);
    return n;
}

/* Finds irq_injections among the vCPU's statistics: a header, then
 * num_desc descriptors of sizeof(kvm_stats_desc) + name_size bytes, each
 * giving its value's offset from data_offset. Anything unexpected leaves
 * the counter unknown. */
static void find_injection_counter(struct accel_vcpu *vcpu)
{
    struct kvm_stats_header h;
    if (pread(vcpu->stats_fd, &h, sizeof h, 0) != (ssize_t)sizeof h || h.name_size == 0 ||
        h.name_size > 256 || h.num_desc > 4096)
        return;
    size_t stride = sizeof(struct kvm_stats_desc) + h.name_size;
    uint8_t *descs = malloc(stride * h.num_desc);
    if (!descs)
        return;
    if (pread(vcpu->stats_fd, descs, stride * h.num_desc, h.desc_offset) ==
        (ssize_t)(stride * h.num_desc)) {
        for (uint32_t i = 0; i < h.num_desc; i++) {
            struct kvm_stats_desc d;
            const uint8_t *at = descs + i * stride;
            memcpy(&d, at, sizeof d);
            const char *name = (const char *)at + sizeof d;
            if (d.size == 1 && strnlen(name, h.name_size) < h.name_size &&
                strcmp(name, "irq_injections") == 0) {
                vcpu->injections_at = (uint64_t)h.data_offset + d.offset;
                break;
            }
        }
    }
    free(descs);
}

int accel_vcpu_create(struct accel_vm *vm, unsigned index, struct accel_vcpu **out,
                      struct wisp_error *err)
{
    struct accel_vcpu *vcpu = calloc(1, sizeof *vcpu);
    if (!vcpu)
        return wisp_fail(err, WISP_EXIT_HOST_ERROR, "out of memory");
    vcpu->vm = vm;
    vcpu->stats_fd = -1;
    vcpu->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, (unsigned long)index);
    if (vcpu->fd < 0) {
        free(vcpu);
        return wisp_fail_errno(err, WISP_EXIT_NO_ACCEL, "KVM_CREATE_VCPU failed");
    }
    vcpu->run = mmap(NULL, (size_t)vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu->fd, 0);
    if (vcpu->run == MAP_FAILED) {
        close(vcpu->fd);
        free(vcpu);
        return wisp_fail_errno(err, WISP_EXIT_NO_ACCEL, "cannot map the KVM vCPU state");
    }
    vcpu->run->kvm_valid_regs = vm->sync_regs_mask;
    /* Before 5.14 there are none: idle detection then does without. */
    vcpu->stats_fd = ioctl(vcpu->fd, KVM_GET_STATS_FD, NULL);
    if (vcpu->stats_fd >= 0)
        find_injection_counter(vcpu);
    if (vm->write_queue_page && !vm->write_queue)
        vm->write_queue = (struct kvm_coalesced_mmio_ring *)((uint8_t *)vcpu->run +
                                                             (size_t)vm->write_queue_page *
                                                                 (size_t)sysconf(_SC_PAGESIZE));
    /* KVM's own Hyper-V MSRs (crash, reset, SynIC timers...) only where
     * the guest's CPUID offers them: wisp offers none of KVM's (--hyperv
     * handles its own in user space), so a guest cannot reach that code.
     * Older kernels lack the switch; they keep KVM's default. */
    struct kvm_enable_cap enforce = { .cap = KVM_CAP_HYPERV_ENFORCE_CPUID, .args = { 1 } };
    if (ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_HYPERV_ENFORCE_CPUID) > 0)
        ioctl(vcpu->fd, KVM_ENABLE_CAP, &enforce);
    /* The same for KVM's paravirtual MSRs: only those CPUID offers (with
     * wisp's own LAPIC, the policy hides the ones it cannot back). */
    enforce.cap = KVM_CAP_ENFORCE_PV_FEATURE_CPUID;
    if (ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_ENFORCE_PV_FEATURE_CPUID) > 0)
        ioctl(vcpu->fd, KVM_ENABLE_CAP, &enforce);
    *out = vcpu;
    return 0;
}

int accel_vcpu_interrupts_injected(struct accel_vcpu *vcpu, uint64_t *count)
{
    if (vcpu->injections_at == 0)
        return -1;
    return pread(vcpu->stats_fd, count, sizeof *count, (off_t)vcpu->injections_at) ==
                   (ssize_t)sizeof *count ? 0 : -1;
}

void accel_vcpu_destroy(struct accel_vcpu *vcpu)
{
    if (!vcpu)
        return;
    if (vcpu->stats_fd >= 0)
        close(vcpu->stats_fd);
    munmap(vcpu->run, (size_t)vcpu->vm->run_size);
    close(vcpu->fd);
    free(vcpu);
}

int accel_vcpu_set_cpuid(struct accel_vcpu *vcpu, const struct accel_cpuid *cpuid,
                         struct wisp_error *err)
{
    size_t bytes = sizeof(struct kvm_cpuid2) + cpuid->count * sizeof(struct kvm_cpuid_entry2);
    struct kvm_cpuid2 *c = calloc(1, bytes);
    if (!c)
        return wisp_fail(err, WISP_EXIT_HOST_ERROR, "out of memory");
    c->nent = cpuid->count;
    for (unsigned i = 0; i < cpuid->count; i++) {
        const struct accel_cpuid_entry *e = &cpuid->entries[i];
        c->entries[i] = (struct kvm_cpuid_entry2){
            .function = e->function, .index = e->index,
            .flags = (e->flags & ACCEL_CPUID_FLAG_SIGNIFICANT_INDEX) ? KVM_CPUID_FLAG_SIGNIFCANT_INDEX : 0,
            .eax = e->eax, .ebx = e->ebx, .ecx = e->ecx, .edx = e->edx,
        };
    }
    int rc = ioctl(vcpu->fd, KVM_SET_CPUID2, c);
    free(c);
    if (rc < 0)
        return wisp_fail_errno(err, WISP_EXIT_NO_ACCEL, "KVM_SET_CPUID2 refused the CPUID policy");
    return 0;
}

/* ---- registers ---- */

static void regs_from_kvm(struct accel_regs *r, const struct kvm_regs *k)
{
    *r = (struct accel_regs){
        k->rax, k->rbx, k->rcx, k->rdx, k->rsi, k->rdi, k->rsp, k->rbp,
        k->r8, k->r9, k->r10, k->r11, k->r12, k->r13, k->r14, k->r15,
        k->rip, k->rflags,
    };
}

static void regs_to_kvm(struct kvm_regs *k, const struct accel_regs *r)
{
    *k = (struct kvm_regs){
        .rax = r->rax, .rbx = r->rbx, .rcx = r->rcx, .rdx = r->rdx,
        .rsi = r->rsi, .rdi = r->rdi, .rsp = r->rsp, .rbp = r->rbp,
        .r8 = r->r8, .r9 = r->r9, .r10 = r->r10, .r11 = r->r11,
        .r12 = r->r12, .r13 = r->r13, .r14 = r->r14, .r15 = r->r15,
        .rip = r->rip, .rflags = r->rflags,
    };
}

static struct accel_segment segment_from_kvm(const struct kvm_segment *s)
{
    uint16_t a = (uint16_t)((s->type & 0xF) | (s->s ? ACCEL_SEG_S : 0) | ACCEL_SEG_DPL(s->dpl & 3) |
                            (s->present ? ACCEL_SEG_PRESENT : 0) | (s->avl ? ACCEL_SEG_AVL : 0) |
                            (s->l ? ACCEL_SEG_LONG : 0) | (s->db ? ACCEL_SEG_DB : 0) |
                            (s->g ? ACCEL_SEG_GRANULAR : 0));
    return (struct accel_segment){ .base = s->base, .limit = s->limit, .selector = s->selector,
                                   .attributes = a };
}

static struct kvm_segment segment_to_kvm(const struct accel_segment *s)
{
    uint16_t a = s->attributes;
    return (struct kvm_segment){
        .base = s->base, .limit = s->limit, .selector = s->selector,
        .type = (uint8_t)ACCEL_SEG_TYPE(a), .s = !!(a & ACCEL_SEG_S), .dpl = (a >> 5) & 3,
        .present = !!(a & ACCEL_SEG_PRESENT), .avl = !!(a & ACCEL_SEG_AVL),
        .l = !!(a & ACCEL_SEG_LONG), .db = !!(a & ACCEL_SEG_DB), .g = !!(a & ACCEL_SEG_GRANULAR),
        /* An absent segment is "unusable" to VMX. */
        .unusable = !(a & ACCEL_SEG_PRESENT),
    };
}

static void sregs_from_kvm(struct accel_sregs *r, const struct kvm_sregs *k)
{
    r->cs = segment_from_kvm(&k->cs);
    r->ds = segment_from_kvm(&k->ds);
    r->es = segment_from_kvm(&k->es);
    r->fs = segment_from_kvm(&k->fs);
    r->gs = segment_from_kvm(&k->gs);
    r->ss = segment_from_kvm(&k->ss);
    r->tr = segment_from_kvm(&k->tr);
    r->ldt = segment_from_kvm(&k->ldt);
    r->gdt = (struct accel_table){ k->gdt.base, k->gdt.limit };
    r->idt = (struct accel_table){ k->idt.base, k->idt.limit };
    r->cr0 = k->cr0;
    r->cr2 = k->cr2;
    r->cr3 = k->cr3;
    r->cr4 = k->cr4;
    r->cr8 = k->cr8;
    r->efer = k->efer;
    r->apic_base = k->apic_base;
}

static void sregs_to_kvm(struct kvm_sregs *k, const struct accel_sregs *r)
{
    memset(k, 0, sizeof *k);
    k->cs = segment_to_kvm(&r->cs);
    k->ds = segment_to_kvm(&r->ds);
    k->es = segment_to_kvm(&r->es);
    k->fs = segment_to_kvm(&r->fs);
    k->gs = segment_to_kvm(&r->gs);
    k->ss = segment_to_kvm(&r->ss);
    k->tr = segment_to_kvm(&r->tr);
    k->ldt = segment_to_kvm(&r->ldt);
    /* TR must be usable even when the caller leaves it plain. */
    k->tr.unusable = 0;
    k->gdt.base = r->gdt.base;
    k->gdt.limit = r->gdt.limit;
    k->idt.base = r->idt.base;
    k->idt.limit = r->idt.limit;
    k->cr0 = r->cr0;
    k->cr2 = r->cr2;
    k->cr3 = r->cr3;
    k->cr4 = r->cr4;
    k->cr8 = r->cr8;
    k->efer = r->efer;
    k->apic_base = r->apic_base;
}

int accel_vcpu_get_regs(struct accel_vcpu *vcpu, struct accel_regs *regs)
{
    if (vcpu->synced) {
        regs_from_kvm(regs, &vcpu->run->s.regs.regs);
        return 0;
    }
    struct kvm_regs k;
    if (ioctl(vcpu->fd, KVM_GET_REGS, &k) < 0)
        return -1;
    regs_from_kvm(regs, &k);
    return 0;
}

int accel_vcpu_set_regs(struct accel_vcpu *vcpu, const struct accel_regs *regs)
{
    /* Always through the ioctl: kvm_dirty_regs would race with an
     * immediate exit. The synced copy is kept coherent for later reads. */
    struct kvm_regs k;
    regs_to_kvm(&k, regs);
    if (ioctl(vcpu->fd, KVM_SET_REGS, &k) < 0)
        return -1;
    if (vcpu->synced)
        vcpu->run->s.regs.regs = k;
    return 0;
}

int accel_vcpu_get_sregs(struct accel_vcpu *vcpu, struct accel_sregs *sregs)
{
    if (vcpu->synced) {
        sregs_from_kvm(sregs, &vcpu->run->s.regs.sregs);
        return 0;
    }
    struct kvm_sregs k;
    if (ioctl(vcpu->fd, KVM_GET_SREGS, &k) < 0)
        return -1;
    sregs_from_kvm(sregs, &k);
    return 0;
}

int accel_vcpu_set_sregs(struct accel_vcpu *vcpu, const struct accel_sregs *sregs)
{
    struct kvm_sregs k;
    sregs_to_kvm(&k, sregs);
    if (ioctl(vcpu->fd, KVM_SET_SREGS, &k) < 0)
        return -1;
    vcpu->synced = false; /* KVM may adjust what it was given */
    return 0;
}

/* ---- running ---- */

void kvm_hand_back_answers(struct accel_vcpu *vcpu)
{
    struct accel_exit *prev = vcpu->pending;
    struct kvm_run *run = vcpu->run;
    vcpu->pending = NULL;
    if (!prev)
        return;
    switch (prev->reason) {
    case ACCEL_EXIT_MEMORY_ACCESS:
        if (run->exit_reason == KVM_EXIT_MMIO && !run->mmio.is_write)
            memcpy(run->mmio.data, prev->u.memory.data, sizeof run->mmio.data);
        break;
    case ACCEL_EXIT_MSR_ACCESS:
        if (run->exit_reason == KVM_EXIT_X86_RDMSR) {
            run->msr.data = prev->u.msr.value;
            run->msr.error = prev->u.msr.inject_gp;
        } else if (run->exit_reason == KVM_EXIT_X86_WRMSR) {
            run->msr.error = prev->u.msr.inject_gp;
        }
        break;
    default:
        /* Port reads are answered in place: io.data points into kvm_run. */
        break;
    }
}

static void fill_state(struct accel_vcpu *vcpu, struct accel_exit *exit)
{
    struct kvm_regs kr;
    struct kvm_sregs ks;
    const struct kvm_regs *r = &vcpu->run->s.regs.regs;
    const struct kvm_sregs *s = &vcpu->run->s.regs.sregs;
    if (!vcpu->synced) {
        if (ioctl(vcpu->fd, KVM_GET_REGS, &kr) < 0 || ioctl(vcpu->fd, KVM_GET_SREGS, &ks) < 0)
            return;
        r = &kr;
        s = &ks;
    }
    exit->rip = r->rip;
    exit->rflags = r->rflags;
    exit->cs = segment_from_kvm(&s->cs);
    exit->state = (struct accel_exec_state){
        .cpl = (uint8_t)(s->cs.selector & 3),
        .cr0_pe = (s->cr0 & 1) != 0,
        .efer_lma = (s->efer & (1u << 10)) != 0,
    };
}

static void translate_internal_error(const struct kvm_run *run, struct accel_exit *exit)
{
    exit->reason = ACCEL_EXIT_UNSUPPORTED_FEATURE;
    exit->u.unsupported.code = run->internal.suberror;
    /* With KVM_INTERNAL_ERROR_EMULATION the kernel may append the bytes it
     * failed on: data[0] = flags, data[1] = length, data[2..] = bytes. */
    if (run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION && run->internal.ndata >= 3 &&
        (run->internal.data[0] & KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES)) {
        unsigned len = (unsigned)run->internal.data[1];
        if (len > sizeof exit->u.unsupported.insn_bytes)
            len = sizeof exit->u.unsupported.insn_bytes;
        memcpy(exit->u.unsupported.insn_bytes, &run->internal.data[2], len);
        exit->u.unsupported.insn_length = (uint8_t)len;
    }
}

int accel_vcpu_run(struct accel_vcpu *vcpu, struct accel_exit *exit, struct wisp_error *err)
{
    struct kvm_run *run = vcpu->run;
    kvm_hand_back_answers(vcpu);
    memset(exit, 0, sizeof *exit);

    int rc = ioctl(vcpu->fd, KVM_RUN, 0);
    int saved_errno = errno;
    vcpu->synced = vcpu->vm->sync_regs_mask != 0 && rc == 0;
    if (rc < 0) {
        if (saved_errno == EINTR || saved_errno == EAGAIN) {
            /* Only the run a kick cancelled consumes it. A kick that lands
             * after KVM_RUN returned with an exit stays set and cancels the
             * next run, so the caller still gets its ACCEL_EXIT_CANCELED
             * (kicks come from signal handlers and other threads). */
            __atomic_store_n(&run->immediate_exit, 0, __ATOMIC_SEQ_CST);
            vcpu->synced = false;
            exit->reason = ACCEL_EXIT_CANCELED;
            fill_state(vcpu, exit);
            return 0;
        }
        errno = saved_errno;
        return wisp_fail_errno(err, WISP_EXIT_UNHANDLED, "KVM_RUN failed");
    }
    fill_state(vcpu, exit);

    switch (run->exit_reason) {
    case KVM_EXIT_IO:
        exit->reason = ACCEL_EXIT_IO_PORT_ACCESS;
        exit->u.io = (struct accel_io_access){
            .port = run->io.port, .size = run->io.size,
            .is_write = run->io.direction == KVM_EXIT_IO_OUT,
            .count = run->io.count, .data = (uint8_t *)run + run->io.data_offset,
        };
        break;
    case KVM_EXIT_MMIO:
        exit->reason = ACCEL_EXIT_MEMORY_ACCESS;
        exit->u.memory.gpa = run->mmio.phys_addr;
        exit->u.memory.access = run->mmio.is_write ? ACCEL_ACCESS_WRITE : ACCEL_ACCESS_READ;
        exit->u.memory.size = (uint8_t)(run->mmio.len > 8 ? 8 : run->mmio.len);
        memcpy(exit->u.memory.data, run->mmio.data, sizeof exit->u.memory.data);
        break;
    case KVM_EXIT_HLT:
        exit->reason = ACCEL_EXIT_HALT;
        break;
    case KVM_EXIT_SHUTDOWN:
        exit->reason = ACCEL_EXIT_UNRECOVERABLE_EXCEPTION;
        break;
    case KVM_EXIT_FAIL_ENTRY:
        exit->reason = ACCEL_EXIT_INVALID_VP_REGISTER_VALUE;
        exit->u.raw_code = run->fail_entry.hardware_entry_failure_reason;
        break;
    case KVM_EXIT_INTERNAL_ERROR:
        translate_internal_error(run, exit);
        break;
    case KVM_EXIT_X86_RDMSR:
    case KVM_EXIT_X86_WRMSR:
        exit->reason = ACCEL_EXIT_MSR_ACCESS;
        exit->u.msr = (struct accel_msr_access){
            .index = run->msr.index, .is_write = run->exit_reason == KVM_EXIT_X86_WRMSR,
            .value = run->msr.data,
        };
        break;
    case KVM_EXIT_IRQ_WINDOW_OPEN:
        exit->reason = ACCEL_EXIT_INTERRUPT_WINDOW;
        break;
    case KVM_EXIT_INTR:
        exit->reason = ACCEL_EXIT_CANCELED;
        break;
    case KVM_EXIT_DEBUG:
        exit->reason = ACCEL_EXIT_EXCEPTION;
        exit->u.raw_code = run->debug.arch.exception;
        exit->dr6 = run->debug.arch.dr6;
        /* #BP: KVM stops with RIP on the INT3 itself (arch.pc). */
        exit->rip = run->debug.arch.pc;
        break;
    case KVM_EXIT_SYSTEM_EVENT:
        if (run->system_event.type == KVM_SYSTEM_EVENT_SHUTDOWN ||
            run->system_event.type == KVM_SYSTEM_EVENT_RESET ||
            run->system_event.type == KVM_SYSTEM_EVENT_CRASH) {
            exit->reason = ACCEL_EXIT_UNRECOVERABLE_EXCEPTION;
            exit->u.raw_code = run->system_event.type == KVM_SYSTEM_EVENT_SHUTDOWN
                ? ACCEL_SHUTDOWN_POWER_OFF
                : run->system_event.type == KVM_SYSTEM_EVENT_RESET ? ACCEL_SHUTDOWN_RESET
                                                                   : ACCEL_SHUTDOWN_CRASH;
            break;
        }
        exit->reason = ACCEL_EXIT_NONE;
        exit->u.raw_code = 0x10000u | run->system_event.type;
        break;
    default:
        exit->reason = ACCEL_EXIT_NONE;
        exit->u.raw_code = run->exit_reason;
        break;
    }
    vcpu->pending = exit;
    return 0;
}

int accel_vm_trap_msrs(struct accel_vm *vm, uint32_t first, uint32_t count,
                       struct wisp_error *err)
{
    if (count == 0 || count > 0x1000)
        return wisp_fail(err, WISP_EXIT_HOST_ERROR, "bad MSR range to trap");
    struct kvm_enable_cap cap = {
        .cap = KVM_CAP_X86_USER_SPACE_MSR,
        .args = { KVM_MSR_EXIT_REASON_FILTER | KVM_MSR_EXIT_REASON_UNKNOWN },
    };
    if (ioctl(vm->vm_fd, KVM_ENABLE_CAP, &cap) < 0)
        return wisp_fail_errno(err, WISP_EXIT_NO_ACCEL, "KVM cannot pass MSR accesses to user space");
    /* A clear bit denies the access in the kernel, which then exits. */
    static uint8_t deny_all[0x1000 / 8];
    struct kvm_msr_filter filter = {
        .flags = KVM_MSR_FILTER_DEFAULT_ALLOW,
        .ranges = { {
            .flags = KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE,
            .nmsrs = count, .base = first, .bitmap = deny_all,
        } },
    };
    if (ioctl(vm->vm_fd, KVM_X86_SET_MSR_FILTER, &filter) < 0)
        return wisp_fail_errno(err, WISP_EXIT_NO_ACCEL, "KVM refused the MSR filter");
    return 0;
}

int accel_vcpu_tsc_khz(struct accel_vcpu *vcpu, uint32_t *khz)
{
    int rc = ioctl(vcpu->fd, KVM_GET_TSC_KHZ, 0);
    if (rc <= 0)
        return -1;
    *khz = (uint32_t)rc;
    return 0;
}

int accel_vcpu_read_tsc(struct accel_vcpu *vcpu, uint64_t *tsc)
{
    struct {
        struct kvm_msrs header;
        struct kvm_msr_entry entry;
    } msrs = { .header.nmsrs = 1, .entry.index = 0x10 /* IA32_TIME_STAMP_COUNTER */ };
    if (ioctl(vcpu->fd, KVM_GET_MSRS, &msrs) != 1)
        return -1;
    *tsc = msrs.entry.data;
    return 0;
}

bool accel_vcpu_interrupt_window_open(struct accel_vcpu *vcpu)
{
    /* Both are refreshed by every KVM_RUN return. */
    return vcpu->run->ready_for_interrupt_injection && vcpu->run->if_flag;
}

int accel_vcpu_inject_interrupt(struct accel_vcpu *vcpu, uint8_t vector)
{
    struct kvm_interrupt irq = { .irq = vector };
    return ioctl(vcpu->fd, KVM_INTERRUPT, &irq) < 0 ? -1 : 0;
}

void accel_vcpu_request_interrupt_window(struct accel_vcpu *vcpu, bool wanted)
{
    vcpu->run->request_interrupt_window = wanted ? 1 : 0;
}

int accel_vcpu_inject_nmi(struct accel_vcpu *vcpu)
{
    /* KVM keeps it pending until the guest can take it. */
    return ioctl(vcpu->fd, KVM_NMI, 0) < 0 ? -1 : 0;
}

void accel_vcpu_kick(struct accel_vcpu *vcpu)
{
    /* From signal handlers and other threads: KVM reads it at entry. */
    __atomic_store_n(&vcpu->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
}

bool accel_vcpu_is_halted(struct accel_vcpu *vcpu)
{
    struct kvm_mp_state mp;
    if (ioctl(vcpu->fd, KVM_GET_MP_STATE, &mp) < 0)
        return false;
    return mp.mp_state == KVM_MP_STATE_HALTED;
}

int accel_vcpu_get_activity(struct accel_vcpu *vcpu, enum accel_activity *out)
{
    /* KVM_GET_MP_STATE first takes in any INIT or SIPI the in-kernel LAPIC
     * latched, so an AP that was sent them no longer reads as waiting. */
    struct kvm_mp_state mp;
    if (ioctl(vcpu->fd, KVM_GET_MP_STATE, &mp) < 0)
        return -1;
    switch (mp.mp_state) {
    case KVM_MP_STATE_HALTED:
        *out = ACCEL_ACTIVITY_HALTED;
        break;
    case KVM_MP_STATE_UNINITIALIZED:
    case KVM_MP_STATE_INIT_RECEIVED:
        *out = ACCEL_ACTIVITY_WAIT_FOR_SIPI;
        break;
    default:
        *out = ACCEL_ACTIVITY_RUNNING;
        break;
    }
    return 0;
}

/* The xAPIC register page as KVM_GET_LAPIC returns it. */
static uint32_t lapic_reg(const struct kvm_lapic_state *l, unsigned offset)
{
    uint32_t v;
    memcpy(&v, l->regs + offset, sizeof v);
    return v;
}

static int highest_vector(const struct kvm_lapic_state *l, unsigned base)
{
    for (int i = 7; i >= 0; i--) {
        uint32_t bits = lapic_reg(l, base + (unsigned)i * 0x10);
        if (bits)
            return i * 32 + 31 - __builtin_clz(bits);
    }
    return -1;
}

int accel_vcpu_pending_events(struct accel_vcpu *vcpu, bool *interrupt, bool *nmi)
{
    *interrupt = *nmi = false;
    if (!vcpu->vm->kernel_irqchip)
        return 0;
    struct kvm_lapic_state lapic;
    struct kvm_vcpu_events events;
    if (ioctl(vcpu->fd, KVM_GET_LAPIC, &lapic) < 0 ||
        ioctl(vcpu->fd, KVM_GET_VCPU_EVENTS, &events) < 0)
        return -1;
    /* IRR 0x200, ISR 0x100, TPR 0x80: deliverable when the IRR vector's
     * class is above the processor priority's. */
    int irr = highest_vector(&lapic, 0x200), isr = highest_vector(&lapic, 0x100);
    uint32_t tpr = lapic_reg(&lapic, 0x80) & 0xF0;
    uint32_t ppr = isr >= 0 && ((uint32_t)isr & 0xF0) > tpr ? (uint32_t)isr & 0xF0 : tpr;
    *interrupt = irr >= 0 && ((uint32_t)irr & 0xF0) > ppr;
    *interrupt |= events.interrupt.injected != 0;
    *nmi = events.nmi.pending || events.nmi.injected;
    return 0;
}

/* xAPIC register offsets and MSRs the timer check reads. */
#define APIC_SVR          0xF0
#define APIC_LVT_TIMER    0x320
#define APIC_LVT_LINT0    0x350
#define APIC_TMICT        0x380
#define APIC_TMCCT        0x390
#define APIC_SVR_ENABLE   (1u << 8)
#define APIC_LVT_MASKED   (1u << 16)
#define MSR_TSC_DEADLINE  0x6E0

static bool lapic_timer_armed(struct accel_vcpu *vcpu, const struct kvm_lapic_state *l)
{
    uint32_t lvt = lapic_reg(l, APIC_LVT_TIMER);
    if (!(lapic_reg(l, APIC_SVR) & APIC_SVR_ENABLE) || (lvt & APIC_LVT_MASKED))
        return false;
    switch ((lvt >> 17) & 3) {
    case 0: /* one-shot: KVM fills TMCCT with what is left (Linux 5.13+) */
        return lapic_reg(l, APIC_TMCCT) != 0;
    case 1: /* periodic */
        return lapic_reg(l, APIC_TMICT) != 0;
    case 2: { /* TSC-deadline: cleared by KVM when it fires */
        struct {
            struct kvm_msrs head;
            struct kvm_msr_entry entry;
        } msrs = { .head.nmsrs = 1, .entry.index = MSR_TSC_DEADLINE };
        return ioctl(vcpu->fd, KVM_GET_MSRS, &msrs) == 1 && msrs.entry.data != 0;
    }
    default:
        return false;
    }
}

/* Channel 0 periodic (modes 2, 3; 6 and 7 are 2 and 3). A one-shot
 * (modes 0, 4) cannot be told from KVM's state: KVM keeps channel 0's load
 * time to itself (count_load_time stays 0). Those are seen by the
 * interrupts they deliver (accel_vcpu_interrupts_injected). */
static bool pit_channel0_periodic(const struct kvm_pit_channel_state *c)
{
    uint8_t mode = c->mode & 3;
    return c->mode <= 7 && (mode == 2 || mode == 3);
}

/* PIT channel 0 ticking into an input that reaches the BSP. */
static int pit_armed(struct accel_vcpu *vcpu, const struct kvm_lapic_state *l, bool *armed)
{
    struct kvm_pit_state2 pit;
    struct kvm_irqchip pic = { .chip_id = KVM_IRQCHIP_PIC_MASTER };
    struct kvm_irqchip io = { .chip_id = KVM_IRQCHIP_IOAPIC };
    int vm_fd = vcpu->vm->vm_fd;
    *armed = false;
    if (ioctl(vm_fd, KVM_GET_PIT2, &pit) < 0 || ioctl(vm_fd, KVM_GET_IRQCHIP, &pic) < 0)
        return -1;
    bool lint0_open = !(lapic_reg(l, APIC_LVT_LINT0) & APIC_LVT_MASKED);
    /* A one-shot that has just run out: its request waits in the PIC
     * until KVM wakes the CPU, and the guest's handler arms the next. */
    if (lint0_open && (pic.chip.pic.irr & ~pic.chip.pic.imr)) {
        *armed = true;
        return 0;
    }
    if (!pit_channel0_periodic(&pit.channels[0]))
        return 0;
    if (ioctl(vm_fd, KVM_GET_IRQCHIP, &io) < 0)
        return -1;
    bool through_pic = !(pic.chip.pic.imr & 1) && lint0_open;
    bool through_ioapic = !io.chip.ioapic.redirtbl[2].fields.mask;
    *armed = through_pic || through_ioapic;
    return 0;
}

int accel_vcpu_timer_armed(struct accel_vcpu *vcpu, unsigned index, bool *armed)
{
    *armed = false;
    if (!vcpu->vm->kernel_irqchip)
        return 0;
    struct kvm_lapic_state lapic;
    if (ioctl(vcpu->fd, KVM_GET_LAPIC, &lapic) < 0)
        return -1;
    if (lapic_timer_armed(vcpu, &lapic)) {
        *armed = true;
        return 0;
    }
    return index == 0 ? pit_armed(vcpu, &lapic, armed) : 0;
}

int accel_vcpu_apic_summary(struct accel_vcpu *vcpu, struct accel_apic_summary *out)
{
    struct kvm_lapic_state lapic;
    if (!vcpu->vm->kernel_irqchip || ioctl(vcpu->fd, KVM_GET_LAPIC, &lapic) < 0)
        return -1;
    out->in_service = highest_vector(&lapic, 0x100);
    out->requested = highest_vector(&lapic, 0x200);
    out->task_priority = lapic_reg(&lapic, 0x80) & 0xFF;
    out->timer_armed = lapic_timer_armed(vcpu, &lapic);
    return 0;
}

int accel_vcpu_peek_control_regs(struct accel_vcpu *vcpu, uint64_t *cr2, uint64_t *cr3)
{
    if (!vcpu->synced)
        return -1;
    *cr2 = vcpu->run->s.regs.sregs.cr2;
    *cr3 = vcpu->run->s.regs.sregs.cr3;
    return 0;
}

int accel_vcpu_set_running(struct accel_vcpu *vcpu)
{
    if (!vcpu->vm->kernel_irqchip)
        return 0; /* without KVM's LAPIC every vCPU is always runnable */
    struct kvm_mp_state mp = { .mp_state = KVM_MP_STATE_RUNNABLE };
    return ioctl(vcpu->fd, KVM_SET_MP_STATE, &mp) < 0 ? -1 : 0;
}

int accel_vcpu_translate(struct accel_vcpu *vcpu, uint64_t gva, uint64_t *gpa)
{
    struct kvm_translation t = { .linear_address = gva };
    if (ioctl(vcpu->fd, KVM_TRANSLATE, &t) < 0 || !t.valid)
        return -1;
    *gpa = t.physical_address;
    return 0;
}

int accel_vcpu_inject_exception(struct accel_vcpu *vcpu, uint8_t vector,
                                bool has_error_code, uint32_t error_code)
{
    struct kvm_vcpu_events ev;
    if (ioctl(vcpu->fd, KVM_GET_VCPU_EVENTS, &ev) < 0)
        return -1;
    ev.exception.injected = 1;
    ev.exception.nr = vector;
    ev.exception.has_error_code = has_error_code;
    ev.exception.error_code = error_code;
    ev.flags = 0;
    return ioctl(vcpu->fd, KVM_SET_VCPU_EVENTS, &ev) < 0 ? -1 : 0;
}

int accel_vcpu_get_fpu(struct accel_vcpu *vcpu, struct accel_fpu *fpu)
{
    struct kvm_fpu k;
    if (ioctl(vcpu->fd, KVM_GET_FPU, &k) < 0)
        return -1;
    memcpy(fpu->fpr, k.fpr, sizeof fpu->fpr);
    fpu->fcw = k.fcw;
    fpu->fsw = k.fsw;
    fpu->ftwx = k.ftwx;
    fpu->last_opcode = k.last_opcode;
    fpu->last_ip = k.last_ip;
    fpu->last_dp = k.last_dp;
    memcpy(fpu->xmm, k.xmm, sizeof fpu->xmm);
    fpu->mxcsr = k.mxcsr;
    return 0;
}

int accel_vcpu_set_fpu(struct accel_vcpu *vcpu, const struct accel_fpu *fpu)
{
    struct kvm_fpu k;
    memset(&k, 0, sizeof k);
    memcpy(k.fpr, fpu->fpr, sizeof k.fpr);
    k.fcw = fpu->fcw;
    k.fsw = fpu->fsw;
    k.ftwx = fpu->ftwx;
    k.last_opcode = fpu->last_opcode;
    k.last_ip = fpu->last_ip;
    k.last_dp = fpu->last_dp;
    memcpy(k.xmm, fpu->xmm, sizeof k.xmm);
    k.mxcsr = fpu->mxcsr;
    return ioctl(vcpu->fd, KVM_SET_FPU, &k) < 0 ? -1 : 0;
}

int accel_vcpu_set_guest_debug(struct accel_vcpu *vcpu, const struct accel_guest_debug *dbg)
{
    struct kvm_guest_debug g;
    memset(&g, 0, sizeof g);
    if (dbg->enable) {
        g.control = KVM_GUESTDBG_ENABLE;
        if (dbg->single_step)
            g.control |= KVM_GUESTDBG_SINGLESTEP;
        if (dbg->sw_breakpoints)
            g.control |= KVM_GUESTDBG_USE_SW_BP;
        if (dbg->hw_breakpoints) {
            g.control |= KVM_GUESTDBG_USE_HW_BP;
            for (int i = 0; i < 4; i++)
                g.arch.debugreg[i] = dbg->dr[i];
            g.arch.debugreg[7] = dbg->dr7;
        }
#ifdef KVM_GUESTDBG_BLOCKIRQ
        /* Older kernels refuse the flag: step without it there. */
        if (dbg->single_step && dbg->block_irq) {
            int caps = ioctl(vcpu->vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_SET_GUEST_DEBUG2);
            if (caps > 0 && (caps & KVM_GUESTDBG_BLOCKIRQ))
                g.control |= KVM_GUESTDBG_BLOCKIRQ;
        }
#endif
    }
    if (ioctl(vcpu->fd, KVM_SET_GUEST_DEBUG, &g) < 0)
        return -1;
    vcpu->synced = false; /* RFLAGS.TF and friends may change under us */
    return 0;
}

const unsigned long *accel_sandbox_ioctls(size_t *count)
{
    /* Everything kvm.c calls after set-up: running, registers, interrupts,
     * MSRs, translation, events. */
    static const unsigned long requests[] = {
        KVM_RUN, KVM_GET_REGS, KVM_SET_REGS, KVM_GET_SREGS, KVM_SET_SREGS,
        KVM_INTERRUPT, KVM_GET_MP_STATE, KVM_TRANSLATE, KVM_GET_VCPU_EVENTS,
        KVM_SET_VCPU_EVENTS, KVM_GET_MSRS, KVM_GET_TSC_KHZ, KVM_IRQ_LINE,
        /* several CPUs: NMIs into wisp's irqchip, an AP set running, the
         * LAPIC's pending interrupts for idle detection */
        KVM_NMI, KVM_SET_MP_STATE, KVM_GET_LAPIC,
        KVM_GET_PIT2, KVM_GET_IRQCHIP, /* idle: is a timer armed? */
        /* the GDB stub's thread (--gdb) */
        KVM_GET_FPU, KVM_SET_FPU, KVM_SET_GUEST_DEBUG, KVM_CHECK_EXTENSION,
        /* COM1's transmit register queued while the UART's interrupts are off */
        KVM_REGISTER_COALESCED_MMIO, KVM_UNREGISTER_COALESCED_MMIO,
        /* the snapshot command (kvm_state.c), from the main thread */
        KVM_GET_XSAVE, KVM_GET_XSAVE2, KVM_GET_XCRS, KVM_GET_DEBUGREGS,
        KVM_GET_MSR_INDEX_LIST, KVM_GET_CLOCK,
    };
    *count = sizeof requests / sizeof requests[0];
    return requests;
}

const unsigned long *accel_sandbox_dirty_log_ioctls(size_t *count)
{
    /* The log switched on and off on each slot, and read. */
    static const unsigned long requests[] = { KVM_SET_USER_MEMORY_REGION, KVM_GET_DIRTY_LOG };
    *count = sizeof requests / sizeof requests[0];
    return requests;
}

const unsigned long *accel_sandbox_interrupt_ioctls(size_t *count)
{
    static const unsigned long requests[] = {
        KVM_IRQ_LINE, KVM_SIGNAL_MSI, KVM_SET_GSI_ROUTING, KVM_IRQFD, KVM_IOEVENTFD,
    };
    *count = sizeof requests / sizeof requests[0];
    return requests;
}
