/*
 * A wisp virtual machine: guest memory banks, its vCPUs (one host thread
 * each), the device buses and the run loop. This is the library entry
 * point; main.c only turns the command line into a struct vm_config.
 * Threads and locks: vm_internal.h.
 */
#ifndef WISP_VM_H
#define WISP_VM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/error.h"
#include "host/sandbox.h"
#include "net/net_config.h"

#define VM_DEFAULT_MEMORY (512ull << 20)
#define VM_DEFAULT_FB_WIDTH 1024
#define VM_DEFAULT_FB_HEIGHT 768
#define VM_DEFAULT_IDLE_EXIT 100
#define VM_MAX_CPUS 64

enum vm_irqchip {
    VM_IRQCHIP_KERNEL, /* the accelerator's LAPIC, PIC and PIT (KVM's in-kernel ones) */
    VM_IRQCHIP_USER,   /* wisp's own (src/dev/irqchip_user.c) */
};

/* How the kernel file is entered (--boot). */
enum vm_boot {
    VM_BOOT_AUTO,    /* from the file: PVH note, other ELF64, or bzImage */
    VM_BOOT_NATIVE,  /* ELF64 in long mode with wisp's boot info */
    VM_BOOT_PVH,     /* Linux vmlinux through its PVH note */
    VM_BOOT_BZIMAGE, /* Linux bzImage through the x86 boot protocol */
    VM_BOOT_MULTIBOOT,  /* Multiboot 1 (src/boot/multiboot.h) */
    VM_BOOT_MULTIBOOT2, /* Multiboot 2 (src/boot/multiboot2.h) */
    VM_BOOT_LIMINE,     /* the Limine boot protocol (src/boot/limine.h) */
};

/* --vga-text: the VGA text screen at 0xB8000 (src/vmm/text_screen.h). */
enum vm_vga_text {
    VM_VGA_TEXT_AUTO, /* on for native, Multiboot and Limine boots; off for Linux */
    VM_VGA_TEXT_ON,
    VM_VGA_TEXT_OFF,
};

/* --module FILE[,cmdline] (Multiboot and Limine kernels). */
#define VM_MAX_MODULES 64
struct vm_module {
    const char *path;
    const char *cmdline; /* NULL: none */
};

#define VM_MAX_DISKS 8
#define VM_MAX_NETS 4

/* --disk FILE[,ro][,serial=ID] */
struct vm_disk_config {
    const char *path;
    bool read_only;
    const char *serial;            /* NULL: "wisp-disk<N>" */
    uint64_t size;                 /* restore: the size the snapshot saw (else 0) */
};

/* Where the host console's input goes (--console). */
enum vm_console {
    VM_CONSOLE_SERIAL, /* COM1 */
    VM_CONSOLE_VIRTIO, /* a virtio console (Linux's hvc0); COM1 output still shows */
};

struct vm_config {
    const char *kernel_path;
    enum vm_boot boot;
    unsigned boot_entry;           /* bzImage: 32 or 64 (default) */
    const char *initrd_path;       /* Linux boots only, or NULL */
    const char *cmdline;           /* Linux boots only, or NULL */
    enum vm_irqchip irqchip;
    unsigned cpus;                 /* vCPUs, 1..VM_MAX_CPUS (0 means 1) */
    uint64_t memory_size;
    uint32_t fb_width, fb_height;
    bool fb_size_given;            /* --framebuffer: a Multiboot kernel's wish does not count */
    const char *cpu_hide;          /* comma-separated feature names, or NULL */
    bool hyperv;                   /* present Hyper-V enlightenments (src/hv/) */
    bool debug;                    /* log every exit to stderr */
    unsigned idle_exit;            /* halts at one RIP before stopping; 0 = never */
    bool idle_exit_set;            /* given by the user: Linux boots default to never */
    double timeout_seconds;        /* 0 = none */
    int console_input_fd;          /* host input for COM1, -1 for none */
    bool console_is_terminal;      /* raw mode and Ctrl-A escapes on the input */
    FILE *console_output;          /* COM1 output and the print hypercall */
    bool serial_raw;               /* no filtering of that output on a terminal */
    const char *screenshot_path;   /* written when the VM stops, or NULL */
    bool ascii_preview;            /* framebuffer preview on stderr at stop */
    const char *accel_device;      /* NULL = the backend's default */
    struct vm_module modules[VM_MAX_MODULES]; /* after --initrd, which is module 0 */
    unsigned module_count;
    FILE *debugcon_output;         /* --debugcon: port 0xE9's bytes, or NULL for none */
    bool debugcon_shares_console;  /* --debugcon stdio with COM1 on stdio: one stream */
    bool isa_debug_exit;           /* --isa-debug-exit */
    uint16_t isa_debug_exit_iobase;
    uint16_t isa_debug_exit_iosize;
    bool no_reboot;                /* --no-reboot: a reset request ends wisp */
    bool no_shutdown;              /* --no-shutdown: a power-off pauses instead of ending */
    struct sandbox_options sandbox; /* --seccomp, --user, --chroot */
    /* Test builds only (main.c with WISP_TEST_HOOKS): called once the run
     * loop's thread is in the sandbox, before the first guest instruction. */
    void (*test_hook_sandboxed)(void);
    enum vm_vga_text vga_text;     /* --vga-text */
    FILE *vga_text_output;         /* --vga-text stdio|FILE: text screen frames, or NULL */
    bool vga_text_colour;          /* that stream is a terminal: colours and the cursor */
    /* PCI devices, in slot order: disks, network cards, console, entropy. */
    struct vm_disk_config disks[VM_MAX_DISKS];
    unsigned disk_count;
    struct net_config nets[VM_MAX_NETS];
    unsigned net_count;
    enum vm_console console;
    bool rng;                      /* --rng: virtio-rng */
    const char *gdb_address;       /* --gdb tcp:HOST:PORT (src/vmm/gdb_stub.h), or NULL */
    bool gdb_wait;                 /* -S / --gdb-wait: the BSP waits at the entry for GDB */
    unsigned trace;                /* --trace: TRACE_* kinds (src/debug/trace.h), 0 = off */
    bool exit_profile;             /* --exit-profile: exits by reason and site at the end */
    unsigned step_history;         /* --step-history N: instructions kept per vCPU, 0 = off */
    uint64_t started_ns;           /* clock_monotonic_ns() when wisp started (the profile) */
    const char *api_socket_path;   /* --api-socket: the control socket (src/vmm/vm_api.h), or NULL */
    const char *restore_path;      /* --restore: a snapshot to continue (vm_state.h), or NULL */
    const char *incoming_uri;      /* --incoming: receive a live migration (vm_migrate.h), or NULL */
};

enum vm_stop_reason {
    VM_STOP_GUEST_EXIT,   /* exit hypercall */
    VM_STOP_IDLE,         /* idle loop detected (every CPU halted) */
    VM_STOP_HALTED,       /* every CPU halted with interrupts off (or waits for start-up) */
    VM_STOP_TIMEOUT,
    VM_STOP_USER_QUIT,    /* Ctrl-A x */
    VM_STOP_SIGNAL,       /* SIGINT / SIGTERM / SIGHUP */
    VM_STOP_POWER_OFF,    /* ACPI S5 or a shutdown system event */
    VM_STOP_REBOOT,       /* reset request (8042, 0xCF9, a Linux triple fault) */
    VM_STOP_DEBUG_EXIT,   /* a write to --isa-debug-exit's port */
    VM_STOP_MIGRATED,     /* the guest runs on at a migration's destination */
};

struct vm_result {
    enum vm_stop_reason reason;
    int exit_status;      /* what the wisp process should exit with */
    uint64_t guest_exit_code;
};

struct vm;

void vm_config_defaults(struct vm_config *cfg);

/* Creates the VM and loads the kernel; nothing runs yet. */
int vm_create(struct vm **out, const struct vm_config *cfg, struct wisp_error *err);

/* Runs every vCPU on a thread of its own until the guest exits, idles,
 * crashes or is stopped. A guest crash or an exit wisp cannot handle
 * returns -1 with err set (and a register dump already printed to stderr). */
int vm_run(struct vm *vm, struct vm_result *result, struct wisp_error *err);

int vm_save_screenshot(struct vm *vm, const char *path, struct wisp_error *err);

void vm_destroy(struct vm *vm);

#endif
