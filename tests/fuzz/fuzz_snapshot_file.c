/*
 * libFuzzer target: the snapshot file (src/state/). The input is a whole
 * file: snapshot_parse() must refuse it with a one-line message or accept
 * it, and an accepted file must keep its promises: sections inside the
 * head in file order, the memory index last, runs in rising order, page
 * aligned, back to back inside the file and ending exactly at its end.
 * Each device section is then loaded, as restore would, into fresh device
 * models (UART, PCI host latch, VGA, wisp's irqchip for the CPUs the
 * configuration section gives, and when it names a Linux, Multiboot or
 * Limine boot the CMOS RTC, ACPI PM and 8042): a load either fails with a
 * reason or leaves every field that indexes an array or picks a mode in
 * range, and the loaded platform devices answer the guest's reads. What
 * follows (the virtio functions, vm_devices_state) is loaded into up to
 * four virtio PCI functions shaped as a writable virtio-blk, virtio-rng,
 * a read-only virtio-blk and virtio-rng again (IDs, capabilities, offered
 * features and queue sizes as theirs) over 256 MiB of guest RAM: refused with a
 * reason, or every vector in the MSI-X table, every enabled queue's size a
 * power of two with its rings mapped, and a request taken from each such
 * queue by the checked walker. A Hyper-V section is loaded too: refused or
 * every MSR as wisp keeps it. The configuration section is loaded into a
 * zeroed machine as restore loads it (vm_state_config: boot kind, sizes,
 * the disks' paths and serials, the network cards, --hyperv): refused with
 * a reason, or every count within its array and every loaded string
 * terminated inside its buffer. KVM's record lists (each vCPU section's
 * and the VM's) are checked as restore checks them before any KVM call,
 * for a machine with and without KVM's irqchip: refused with one line, or
 * every record restore copies there with exactly its structure's size and
 * the segment and control registers a state a CPU can be in.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "accel/kvm_internal.h"
#include "accel/kvm_records.h"
#include "dev/irqchip_user.h"
#include "dev/pci/pci_host.h"
#include "state/device_state.h"
#include "state/hv_state.h"
#include "state/platform_state.h"
#include "state/snapshot_file.h"
#include "dev/virtio/virtio_blk.h"
#include "dev/virtio/virtio_rng.h"
#include "state/virtio_state.h"
#include "vmm/vm_internal.h"
#include "vmm/vm_state.h"

static uint64_t fake_clock(void *opaque)
{
    (void)opaque;
    return 1000000000ull;
}

static int64_t fake_time(void *opaque)
{
    (void)opaque;
    return 1700000000;
}

/* The platform devices once loaded: every register the guest can read. */
static void read_platform(struct cmos_rtc *rtc, struct acpi_pm *pm, struct reset_port *rp)
{
    if ((rtc->ram[RTC_REG_B] & RTC_B_SET) &&
        (rtc->frozen.month < 1 || rtc->frozen.month > 12 || rtc->frozen.day < 1 ||
         rtc->frozen.day > 31 || rtc->frozen.year < 0 || rtc->frozen.year > 9999))
        abort();
    if (!(pm->cnt & ACPI_PM1_SCI_EN) || !(rp->output_port & I8042_OUTPUT_RESET))
        abort();
    for (uint8_t i = 0; i < CMOS_RTC_SIZE; i++) {
        uint8_t v = i;
        cmos_rtc_io(rtc, 0, &v, 1, true);
        cmos_rtc_io(rtc, 1, &v, 1, false);
    }
    uint8_t regs[ACPI_PM_NR_PORTS];
    acpi_pm_io(pm, 0, regs, sizeof regs, false);
    acpi_pm_update(pm, fake_clock(NULL) + 1000000000000ull);
    uint8_t v;
    reset_port_i8042_command_io(rp, 0, &v, 1, false);
    reset_port_i8042_data_io(rp, 0, &v, 1, false);
    v = 0xFF; /* whatever command waits takes a byte */
    reset_port_i8042_data_io(rp, 0, &v, 1, true);
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* From the configuration section (vm_state_config: the accelerator's name
 * in 16 bytes, the boot kind, the memory size, the CPU count): whether the
 * boot has the PC platform, and the CPUs (2 when it says none that fits). */
static bool platform_boot(const struct snapshot_contents *c, unsigned *cpus)
{
    unsigned at = 0;
    const struct snapshot_section *s = snapshot_find(c, SNAPSHOT_SECTION_CONFIG, &at);
    *cpus = 2;
    if (!s || s->size < 32)
        return false;
    uint32_t n = le32(s->data + 28);
    if (n >= 1 && n <= IRQCHIP_USER_MAX_CPUS)
        *cpus = n;
    uint32_t boot = le32(s->data + 16);
    return boot >= 2 && boot <= 6; /* PVH, bzImage, Multiboot 1/2, Limine (vmm/vm.h) */
}

/* ---- virtio functions ---- */

#define VIRTIO_FUNCTIONS 4
static struct guest_memory virtio_ram;
static struct bus virtio_ports, virtio_mmio;
static struct pci_host virtio_host;
static struct virtio_pci virtio_fn[VIRTIO_FUNCTIONS];
static struct virtio_platform virtio_platform;

static void no_config(void *dev, uint32_t offset, uint8_t *data, unsigned size)
{
    (void)dev, (void)offset;
    memset(data, 0, size);
}
static void no_msi(void *opaque, uint64_t address, uint32_t data)
{
    (void)opaque, (void)address, (void)data;
}
static void no_gsi(void *opaque, unsigned gsi, bool level) { (void)opaque, (void)gsi, (void)level; }

static const struct virtio_device_ops blk_shape = {
    .name = "virtio-blk", .device_id = VIRTIO_ID_BLOCK, .class_code = 0x018000,
    .num_queues = 1, .queue_max_size = VIRTIO_BLK_QUEUE_SIZE,
    .config_size = VIRTIO_BLK_CONFIG_SIZE, .config_read = no_config,
};
static const struct virtio_device_ops rng_shape = {
    .name = "virtio-rng", .device_id = VIRTIO_ID_RNG, .class_code = 0x00FF00,
    .num_queues = 1, .queue_max_size = VIRTIO_RNG_QUEUE_SIZE, .config_read = no_config,
};
#define BLK_FEATURES ((1ull << VIRTIO_BLK_F_SEG_MAX) | (1ull << VIRTIO_BLK_F_BLK_SIZE) | \
                      (1ull << VIRTIO_BLK_F_FLUSH))

static void setup_virtio(void)
{
    static const struct pci_host_ops host_ops = { no_msi, no_gsi };
    struct wisp_error err = { 0 };
    if (!virtio_ram.count &&
        guest_memory_add_bank(&virtio_ram, "RAM", MEM_BANK_RAM, 0, 256u << 20, &err) < 0)
        abort();
    memset(&virtio_ports, 0, sizeof virtio_ports);
    memset(&virtio_mmio, 0, sizeof virtio_mmio);
    virtio_ports.name = "port", virtio_mmio.name = "mmio";
    virtio_platform = (struct virtio_platform){ &virtio_ram, NULL, NULL };
    if (pci_host_init(&virtio_host, &virtio_ports, &virtio_mmio, &host_ops, NULL, &err) < 0)
        abort();
    static const uint64_t blk_rw = BLK_FEATURES | (1ull << VIRTIO_BLK_F_DISCARD) |
                                   (1ull << VIRTIO_BLK_F_WRITE_ZEROES);
    static const uint64_t blk_ro = BLK_FEATURES | (1ull << VIRTIO_BLK_F_RO);
    for (int i = 0; i < VIRTIO_FUNCTIONS; i++) {
        virtio_pci_init(&virtio_fn[i], i % 2 ? &rng_shape : &blk_shape, NULL,
                        i % 2 ? 0 : i == 0 ? blk_rw : blk_ro, &virtio_platform);
        if (pci_host_add_device(&virtio_host, &virtio_fn[i].pci, &err) < 0)
            abort();
    }
}

static void check_virtio(const struct virtio_pci *vp)
{
    const struct pci_device *pci = &vp->pci;
    if (vp->msix_config != VIRTIO_MSI_NO_VECTOR && vp->msix_config >= pci->msix.vectors)
        abort();
    if ((vp->driver_features & ~vp->device_features) || (pci->msix.pending >> pci->msix.vectors))
        abort();
    struct virtqueue *vq = (struct virtqueue *)&vp->vq[0];
    if (vq->msix_vector != VIRTIO_MSI_NO_VECTOR && vq->msix_vector >= pci->msix.vectors)
        abort();
    if (!vq->enabled)
        return;
    if (!vq->desc || vq->size == 0 || vq->size > vp->ops->queue_max_size ||
        (vq->size & (vq->size - 1)))
        abort();
    static struct vq_chain chain;
    char reason[VQ_REASON_MAX];
    if (vq_pop(vq, &chain, reason, sizeof reason) == VQ_OK)
        vq_push(vq, chain.head, 0);
}

static void check_devices(const uint8_t *data, size_t size, bool platform, unsigned cpus)
{
    static struct irqchip_user chip;
    static struct uart16550 uart;
    static struct vga vga;
    static struct bus ports, mmio;
    memset(&ports, 0, sizeof ports);
    memset(&mmio, 0, sizeof mmio);
    struct wisp_error err = { 0 };
    memset(&chip, 0, sizeof chip);
    memset(&uart, 0, sizeof uart);
    if (irqchip_user_init(&chip, &ports, &mmio, cpus, fake_clock, NULL, &err) < 0)
        abort();
    vga_init(&vga);
    struct state_io io;
    state_io_load_begin(&io, data, size, fake_clock(NULL));
    /* The device section's layout (vmm/vm_state.c, vm_state_devices). */
    bool started = false, has_vga = false, user = false;
    uint32_t pci_address;
    uint8_t pci_config[256];
    state_bool(&io, &started);
    state_uart16550(&io, &uart);
    state_u32(&io, &pci_address);
    state_bytes(&io, pci_config, sizeof pci_config);
    state_bool(&io, &has_vga);
    if (has_vga)
        state_vga(&io, &vga);
    state_bool(&io, &user);
    if (user)
        state_irqchip_user(&io, &chip);
    static struct cmos_rtc rtc;
    static struct acpi_pm pm;
    static struct reset_port rp;
    static const struct acpi_pm_ops pm_ops = { NULL, NULL, fake_clock };
    cmos_rtc_init(&rtc, fake_time, NULL);
    acpi_pm_init(&pm, &pm_ops, NULL);
    reset_port_init(&rp, NULL, NULL);
    if (platform && !io.failed) {
        state_cmos_rtc(&io, &rtc);
        state_acpi_pm(&io, &pm);
        state_reset_port(&io, &rp);
    }
    unsigned functions = 0;
    if (!io.failed && io.at < io.size) {
        setup_virtio();
        while (functions < VIRTIO_FUNCTIONS && !io.failed && io.at < io.size)
            state_virtio_pci(&io, &virtio_fn[functions++]);
    }
    if (state_io_failed(&io)) {
        if (!io.why || !*io.why)
            abort();
        return;
    }
    if (uart.rx_head >= UART16550_FIFO_SIZE || uart.rx_count > UART16550_FIFO_SIZE ||
        vga.dac_component >= 3)
        abort();
    for (int i = 0; i < 2; i++)
        if (chip.pic.chip[i].priority_add >= 8)
            abort();
    for (int i = 0; i < 3; i++)
        if (chip.pit.ch[i].mode > 5 || chip.pit.ch[i].reload == 0 ||
            chip.pit.ch[i].reload > 65536)
            abort();
    if (platform)
        read_platform(&rtc, &pm, &rp);
    for (unsigned i = 0; i < functions; i++)
        check_virtio(&virtio_fn[i]);
}

static void check_hyperv(const uint8_t *data, size_t size, unsigned cpus)
{
    static struct hv_enlightenments hv;
    memset(&hv, 0, sizeof hv);
    struct state_io io;
    state_io_load_begin(&io, data, size, 0);
    state_hyperv(&io, &hv, cpus);
    if (state_io_failed(&io)) {
        if (!io.why || !*io.why)
            abort();
        return;
    }
    if (hv.tsc_scale == 0 || (hv.reference_tsc_msr & 0xFFE))
        abort();
}

/* ---- the machine configuration ---- */

static struct vm config_vm; /* large: static, zeroed for each input */

static void check_config(const uint8_t *data, size_t size)
{
    memset(&config_vm, 0, sizeof config_vm);
    struct state_io io;
    state_io_load_begin(&io, data, size, 0);
    vm_state_config(&io, &config_vm);
    if (io.failed)
        return;
    const struct vm_config *c = &config_vm.cfg;
    if (c->disk_count > VM_MAX_DISKS || c->net_count > VM_MAX_NETS)
        abort();
    for (unsigned i = 0; i < c->disk_count; i++)
        if (!c->disks[i].path || !c->disks[i].path[0] || c->disks[i].size % 512)
            abort();
    for (unsigned i = 0; i < c->net_count; i++)
        if (!memchr(c->nets[i].tap_name, 0, sizeof c->nets[i].tap_name) ||
            c->nets[i].hostfwd_count > NET_MAX_HOSTFWD)
            abort();
}

/* ---- KVM's record lists (accel/kvm_records.c) ---- */

#define KVM_XSAVE_LEGACY 4096u /* struct kvm_xsave: the XSAVE area without XSAVE2 */

static void refused_in_one_line(const struct wisp_error *err)
{
    if (err->status != WISP_EXIT_BAD_KERNEL || !err->message[0] || strchr(err->message, '\n'))
        abort();
}

/* The record is inside the list with exactly len bytes. */
static void check_record(const struct kvm_record *r, const uint8_t *list, size_t size,
                         size_t len)
{
    if (!r->found || r->len != len || r->payload < list || r->payload + len > list + size)
        abort();
}

static void check_kvm_vcpu(const uint8_t *list, size_t size, bool kernel_irqchip)
{
    struct kvm_record rec[TAG_LIMIT];
    struct wisp_error err = { 0 };
    if (kvm_vcpu_records_check(list, size, KVM_XSAVE_LEGACY, kernel_irqchip, rec, &err) < 0) {
        refused_in_one_line(&err);
        return;
    }
    check_record(&rec[TAG_TSC_KHZ], list, size, sizeof(uint32_t));
    check_record(&rec[TAG_REGS], list, size, sizeof(struct kvm_regs));
    check_record(&rec[TAG_SREGS], list, size, sizeof(struct kvm_sregs));
    check_record(&rec[TAG_XCRS], list, size, sizeof(struct kvm_xcrs));
    check_record(&rec[TAG_XSAVE], list, size, KVM_XSAVE_LEGACY);
    check_record(&rec[TAG_EVENTS], list, size, sizeof(struct kvm_vcpu_events));
    check_record(&rec[TAG_DEBUGREGS], list, size, sizeof(struct kvm_debugregs));
    const struct kvm_record *msrs = &rec[TAG_MSRS];
    check_record(msrs, list, size, msrs->len);
    if (msrs->len % sizeof(struct kvm_msr_entry) ||
        msrs->len > KVM_MAX_SAVED_MSRS * sizeof(struct kvm_msr_entry))
        abort();
    if (kernel_irqchip) {
        check_record(&rec[TAG_MP_STATE], list, size, sizeof(struct kvm_mp_state));
        check_record(&rec[TAG_LAPIC], list, size, sizeof(struct kvm_lapic_state));
    } else if (rec[TAG_MP_STATE].found || rec[TAG_LAPIC].found) {
        abort();
    }
    struct kvm_sregs sregs;
    memcpy(&sregs, rec[TAG_SREGS].payload, sizeof sregs);
    char why[8]; /* short on purpose: the message is cut, never overruns */
    if (kvm_sregs_problem(&sregs, why, sizeof why) || !memchr(why, 0, sizeof why))
        abort();
}

/* A vCPU section (vm_restore.c, restore_vcpu): its index, three flags and
 * the size of the accelerator's list, then the list. */
static void check_vcpu(const uint8_t *data, size_t size)
{
    struct state_io io;
    state_io_load_begin(&io, data, size, 0);
    uint32_t index = 0;
    bool waiting = false, watch = false, halted = false;
    uint64_t list_size = 0;
    state_u32(&io, &index);
    state_bool(&io, &waiting);
    state_bool(&io, &watch);
    state_bool(&io, &halted);
    state_u64(&io, &list_size);
    if (io.failed || list_size != size - io.at)
        return;
    check_kvm_vcpu(data + io.at, (size_t)list_size, false);
    check_kvm_vcpu(data + io.at, (size_t)list_size, true);
}

static void check_kvm_vm(const uint8_t *list, size_t size, bool kernel_irqchip)
{
    struct kvm_record rec[TAG_LIMIT];
    struct wisp_error err = { 0 };
    if (kvm_vm_records_check(list, size, kernel_irqchip, rec, &err) < 0) {
        refused_in_one_line(&err);
        return;
    }
    check_record(&rec[TAG_CLOCK], list, size, sizeof(struct kvm_clock_data));
    static const unsigned chips[] = { TAG_PIC_MASTER, TAG_PIC_SLAVE, TAG_IOAPIC };
    for (size_t i = 0; i < sizeof chips / sizeof chips[0]; i++) {
        if (!kernel_irqchip) {
            if (rec[chips[i]].found)
                abort();
            continue;
        }
        check_record(&rec[chips[i]], list, size, sizeof(struct kvm_irqchip));
        struct kvm_irqchip chip;
        memcpy(&chip, rec[chips[i]].payload, sizeof chip);
        if (chip.chip_id != i) /* KVM_IRQCHIP_PIC_MASTER, _SLAVE, _IOAPIC are 0, 1, 2 */
            abort();
    }
    if (kernel_irqchip)
        check_record(&rec[TAG_PIT], list, size, sizeof(struct kvm_pit_state2));
    else if (rec[TAG_PIT].found)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct snapshot_contents c;
    struct wisp_error err = { 0 };
    if (snapshot_parse(data, size, size, &c, &err) < 0) {
        if (err.status != WISP_EXIT_BAD_KERNEL || !err.message[0] || strchr(err.message, '\n'))
            abort();
        return 0;
    }
    if (c.section_count == 0 || c.head_size > size ||
        c.sections[c.section_count - 1].type != SNAPSHOT_SECTION_MEMORY)
        abort();
    unsigned cpus;
    bool platform = platform_boot(&c, &cpus);
    const uint8_t *at = data + SNAPSHOT_HEADER_SIZE;
    for (unsigned i = 0; i < c.section_count; i++) {
        const struct snapshot_section *s = &c.sections[i];
        if (s->data != at + SNAPSHOT_SECTION_HEADER_SIZE || s->data + s->size > data + c.head_size)
            abort();
        at = s->data + s->size;
        if (s->type == SNAPSHOT_SECTION_CONFIG)
            check_config(s->data, s->size);
        if (s->type == SNAPSHOT_SECTION_DEVICES)
            check_devices(s->data, s->size, platform, cpus);
        if (s->type == SNAPSHOT_SECTION_HYPERV)
            check_hyperv(s->data, s->size, cpus);
        if (s->type == SNAPSHOT_SECTION_VCPU)
            check_vcpu(s->data, s->size);
        if (s->type == SNAPSHOT_SECTION_ACCEL_VM) {
            check_kvm_vm(s->data, s->size, false);
            check_kvm_vm(s->data, s->size, true);
        }
    }
    uint64_t next = 0, end = 0;
    for (uint32_t i = 0; i < c.run_count; i++) {
        const struct snapshot_run *r = &c.runs[i];
        if (r->pages == 0 || r->gpa % SNAPSHOT_PAGE_SIZE || r->gpa < next ||
            r->file_offset % SNAPSHOT_PAGE_SIZE || r->file_offset < c.head_size ||
            (i && r->file_offset != end))
            abort();
        end = r->file_offset + r->pages * SNAPSHOT_PAGE_SIZE;
        next = r->gpa + r->pages * SNAPSHOT_PAGE_SIZE;
        if (end > size)
            abort();
    }
    if (c.run_count && end != size)
        abort();
    snapshot_contents_free(&c);
    return 0;
}
