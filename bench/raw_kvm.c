/*
 * raw_kvm: the "how fast could it be" baseline of bench/run.sh.
 *
 * The least a VMM must do to run tests/guests/hello.elf the way wisp does:
 * 512 MiB of RAM plus the 1024x768 framebuffer window, the ELF's PT_LOAD
 * segments at their physical addresses, page tables identity-mapping 4 GiB
 * with 2 MiB pages (0x1000..0x6FFF, PML4[510] recursive), a GDT at 0xB000,
 * the boot-info fields a guest is likely to read at 0x80000, then long
 * mode at e_entry. The run loop answers the wisp hypercalls on port 0xE4
 * (print, exit, get_time), COM1 (THR -> stdout, LSR reads 0x60), the
 * 0xE9 debug console (each byte written at once: --exit-cost times its
 * markers) and QEMU's isa-debug-exit at 0xF4 (a write of V ends it with
 * status (V << 1) | 1). No
 * irqchip (unless --irqchip), no devices, no checks beyond bounds: not a
 * VMM to copy.
 *
 *   raw_kvm [--irqchip] KERNEL.elf     exits with the guest's exit code
 *
 * --irqchip adds KVM's in-kernel interrupt controllers and PIT, as wisp
 * (by default) and QEMU have them: --exit-cost separates what they cost
 * per exit from what the VMM's own code costs. KVM then keeps HLT to
 * itself, so the guest must leave through isa-debug-exit.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define RAM_SIZE        (512ull << 20)
#define FB_ADDR         0xC0000000ull
#define FB_WIDTH        1024u
#define FB_HEIGHT       768u
#define FB_SIZE         ((uint64_t)FB_WIDTH * FB_HEIGHT * 4)
#define PML4_ADDR       0x1000ull
#define GDT_ADDR        0xB000ull
#define BOOT_INFO_ADDR  0x80000ull
#define STACK_BASE      0x90000ull
#define STACK_TOP       0xA0000ull
#define HYPERCALL_PORT  0xE4
#define COM1            0x3F8
#define DEBUGCON        0xE9
#define DEBUG_EXIT      0xF4
#define PRINT_MAX       4096

static uint8_t *ram;

static void die(const char *what)
{
    fprintf(stderr, "raw_kvm: %s: %s\n", what, strerror(errno));
    exit(126);
}

static void fail(const char *what)
{
    fprintf(stderr, "raw_kvm: %s\n", what);
    exit(126);
}

static void put64(uint64_t gpa, uint64_t v) { memcpy(ram + gpa, &v, 8); }
static void put32(uint64_t gpa, uint32_t v) { memcpy(ram + gpa, &v, 4); }

static uint64_t load_elf(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0)
        die(path);
    size_t size = (size_t)st.st_size;
    uint8_t *f = mmap(NULL, size ? size : 1, PROT_READ, MAP_PRIVATE, fd, 0);
    if (f == MAP_FAILED)
        die(path);
    close(fd);

    const Elf64_Ehdr *eh = (const void *)f;
    if (size < sizeof *eh || memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_ident[EI_CLASS] != ELFCLASS64)
        fail("not an ELF64 file");
    if (eh->e_phoff > size || (size - eh->e_phoff) / sizeof(Elf64_Phdr) < eh->e_phnum)
        fail("program headers outside the file");
    for (unsigned i = 0; i < eh->e_phnum; i++) {
        Elf64_Phdr ph;
        memcpy(&ph, f + eh->e_phoff + i * sizeof ph, sizeof ph);
        if (ph.p_type != PT_LOAD)
            continue;
        if (ph.p_filesz > ph.p_memsz || ph.p_offset > size || ph.p_filesz > size - ph.p_offset ||
            ph.p_paddr > RAM_SIZE || ph.p_memsz > RAM_SIZE - ph.p_paddr)
            fail("a PT_LOAD segment is outside the file or guest RAM");
        memcpy(ram + ph.p_paddr, f + ph.p_offset, ph.p_filesz); /* the rest is already 0 */
    }
    uint64_t entry = eh->e_entry;
    munmap(f, size ? size : 1);
    return entry;
}

static void build_boot_environment(uint64_t entry)
{
    /* PML4 0x1000, PDPT 0x2000, four PDs 0x3000-0x6000: 0..4 GiB identity. */
    put64(PML4_ADDR, 0x2000 | 3);                   /* present, writable */
    put64(PML4_ADDR + 510 * 8, PML4_ADDR | 3);      /* recursive slot */
    for (uint64_t g = 0; g < 4; g++) {
        put64(0x2000 + g * 8, (0x3000 + g * 0x1000) | 3);
        for (uint64_t i = 0; i < 512; i++)
            put64(0x3000 + g * 0x1000 + i * 8, ((g * 512 + i) << 21) | 0x83); /* 2 MiB page */
    }
    /* GDT: null, 64-bit code (0x08), flat data (0x10). */
    put64(GDT_ADDR + 8, 0x00AF9A000000FFFFull);
    put64(GDT_ADDR + 16, 0x00CF92000000FFFFull);

    /* struct wisp_boot_info (include/wisp/guest.h), offsets as there. */
    const uint64_t bi = BOOT_INFO_ADDR;
    put64(bi + 0, 0x5345524150484254ull);           /* magic "SERAPHTB" */
    put32(bi + 8, 1);                               /* version */
    put32(bi + 12, 3);                              /* flags: framebuffer | serial */
    put64(bi + 16, FB_ADDR);
    put64(bi + 24, FB_SIZE);
    put32(bi + 32, FB_WIDTH);
    put32(bi + 36, FB_HEIGHT);
    put32(bi + 40, FB_WIDTH * 4);                   /* stride */
    put32(bi + 44, 1);                              /* BGRA8 */
    put64(bi + 48, BOOT_INFO_ADDR + 280);           /* memory map: empty */
    put64(bi + 64, 24);                             /* descriptor size */
    put64(bi + 72, RAM_SIZE);
    put64(bi + 96, entry);
    put64(bi + 104, STACK_BASE);
    put64(bi + 112, STACK_TOP - STACK_BASE);
    put64(bi + 120, COM1);
    put64(bi + 128, HYPERCALL_PORT);
    put64(bi + 152, PML4_ADDR);
    put64(bi + 200, 510);                           /* recursive slot */
}

static void set_segment(struct kvm_segment *s, uint16_t selector, uint8_t type, int code)
{
    *s = (struct kvm_segment){ .base = 0, .limit = 0xFFFFFFFF, .selector = selector,
                               .type = type, .present = 1, .s = 1, .g = 1,
                               .l = code ? 1 : 0, .db = code ? 0 : 1 };
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Port 0xE4: RAX = nr, RDI/RSI = arguments, result in RAX. */
static void hypercall(int vcpu)
{
    struct kvm_regs r;
    if (ioctl(vcpu, KVM_GET_REGS, &r) < 0)
        die("KVM_GET_REGS");
    switch (r.rax) {
    case 0: { /* print: guest-virtual = physical below 4 GiB (identity map) */
        uint64_t len = r.rsi < PRINT_MAX ? r.rsi : PRINT_MAX;
        if (r.rdi > RAM_SIZE || len > RAM_SIZE - r.rdi) {
            r.rax = (uint64_t)-2;
        } else {
            fwrite(ram + r.rdi, 1, len, stdout);
            r.rax = len;
        }
        break;
    }
    case 1: /* exit */
        fflush(stdout);
        exit((int)(r.rdi & 0xFF));
    case 2:
        r.rax = now_ns();
        break;
    default:
        r.rax = (uint64_t)-1;
    }
    if (ioctl(vcpu, KVM_SET_REGS, &r) < 0)
        die("KVM_SET_REGS");
}

int main(int argc, char **argv)
{
    bool irqchip = argc == 3 && strcmp(argv[1], "--irqchip") == 0;
    if (argc != 2 && !irqchip) {
        fprintf(stderr, "usage: raw_kvm [--irqchip] KERNEL.elf\n");
        return 120;
    }
    const char *kernel = argv[argc - 1];
    int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (kvm < 0)
        die("/dev/kvm");
    if (ioctl(kvm, KVM_GET_API_VERSION, 0) != KVM_API_VERSION)
        fail("unexpected KVM API version");
    int vm = ioctl(kvm, KVM_CREATE_VM, 0);
    if (vm < 0)
        die("KVM_CREATE_VM");
    ioctl(vm, KVM_SET_TSS_ADDR, 0xFFFBD000ul); /* Intel needs it (unused memory); AMD ignores it */
    struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };
    if (irqchip && (ioctl(vm, KVM_CREATE_IRQCHIP, 0) < 0 || ioctl(vm, KVM_CREATE_PIT2, &pit) < 0))
        die("KVM_CREATE_IRQCHIP/KVM_CREATE_PIT2");

    ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    void *fb = mmap(NULL, FB_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (ram == MAP_FAILED || fb == MAP_FAILED)
        die("mmap guest memory");
    struct kvm_userspace_memory_region regions[] = {
        { .slot = 0, .guest_phys_addr = 0, .memory_size = RAM_SIZE, .userspace_addr = (uintptr_t)ram },
        { .slot = 1, .guest_phys_addr = FB_ADDR, .memory_size = FB_SIZE, .userspace_addr = (uintptr_t)fb },
    };
    for (unsigned i = 0; i < 2; i++)
        if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &regions[i]) < 0)
            die("KVM_SET_USER_MEMORY_REGION");

    uint64_t entry = load_elf(kernel);
    build_boot_environment(entry);

    int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
    if (vcpu < 0)
        die("KVM_CREATE_VCPU");
    int run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (run_size <= 0)
        die("KVM_GET_VCPU_MMAP_SIZE");
    struct kvm_run *run = mmap(NULL, (size_t)run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
    if (run == MAP_FAILED)
        die("mmap kvm_run");

    /* The host's CPUID as KVM offers it (long mode, NX, ...). */
    enum { CPUID_MAX = 256 };
    struct kvm_cpuid2 *cpuid = calloc(1, sizeof *cpuid + CPUID_MAX * sizeof cpuid->entries[0]);
    if (!cpuid)
        fail("out of memory");
    cpuid->nent = CPUID_MAX;
    if (ioctl(kvm, KVM_GET_SUPPORTED_CPUID, cpuid) < 0 || ioctl(vcpu, KVM_SET_CPUID2, cpuid) < 0)
        die("CPUID");
    free(cpuid);

    struct kvm_sregs sregs;
    if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0)
        die("KVM_GET_SREGS");
    set_segment(&sregs.cs, 0x08, 0xB, 1);
    set_segment(&sregs.ds, 0x10, 0x3, 0);
    sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
    sregs.tr = (struct kvm_segment){ .limit = 0x67, .type = 0xB, .present = 1 }; /* busy TSS */
    sregs.gdt.base = GDT_ADDR;
    sregs.gdt.limit = 3 * 8 - 1;
    sregs.idt.base = 0;
    sregs.idt.limit = 0;
    sregs.cr0 = 0x80050033;                         /* PG AM WP NE ET MP PE */
    sregs.cr3 = PML4_ADDR;
    sregs.cr4 = 0x6A0;                              /* OSXMMEXCPT OSFXSR PGE PAE */
    sregs.efer = 0xD01;                             /* NXE LMA LME SCE */
    if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0)
        die("KVM_SET_SREGS");
    struct kvm_regs regs = { .rip = entry, .rdi = BOOT_INFO_ADDR, .rsp = STACK_TOP - 8, .rflags = 2 };
    if (ioctl(vcpu, KVM_SET_REGS, &regs) < 0)
        die("KVM_SET_REGS");

    uint8_t lcr = 0; /* COM1 line control: DLAB turns THR into the divisor */
    for (;;) {
        if (ioctl(vcpu, KVM_RUN, 0) < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            die("KVM_RUN");
        }
        switch (run->exit_reason) {
        case KVM_EXIT_IO: {
            uint8_t *data = (uint8_t *)run + run->io.data_offset;
            for (uint32_t n = 0; n < run->io.count; n++, data += run->io.size) {
                uint16_t port = run->io.port;
                if (run->io.direction == KVM_EXIT_IO_OUT) {
                    if (port == HYPERCALL_PORT) {
                        hypercall(vcpu);
                    } else if (port == DEBUGCON) {
                        fflush(stdout);
                        if (write(1, data, 1) != 1)
                            die("write");
                    } else if (port == DEBUG_EXIT) {
                        fflush(stdout);
                        exit((data[0] << 1) | 1);
                    } else if (port == COM1 && !(lcr & 0x80)) {
                        putchar(data[0]);
                    } else if (port == COM1 + 3) {
                        lcr = data[0];
                    }
                } else {
                    memset(data, 0, run->io.size);
                    if (port == COM1 + 5)
                        data[0] = 0x60; /* LSR: transmitter empty */
                    else if (port == COM1 + 3)
                        data[0] = lcr;
                }
            }
            break;
        }
        case KVM_EXIT_HLT: /* no irqchip: nothing could wake it */
            fflush(stdout);
            return 0;
        case KVM_EXIT_SHUTDOWN:
            fflush(stdout);
            fail("guest triple-faulted");
            break;
        default:
            fflush(stdout);
            fprintf(stderr, "raw_kvm: unhandled exit reason %u (internal error suberror %u)\n",
                    run->exit_reason, run->exit_reason == KVM_EXIT_INTERNAL_ERROR ? run->internal.suberror : 0);
            return 125;
        }
    }
}
