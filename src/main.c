/*
 * wisp's command line. Everything else is a library call: this file turns
 * arguments into a struct vm_config and errors into exit statuses.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#ifdef _WIN32
#include <fcntl.h>
#include <io.h>
#endif

#include "api/api_ctl.h"
#include "debug/gdb_address.h"
#include "debug/step_history.h"
#include "debug/trace.h"
#include "host/clock.h"
#include "hv/hvcalls_command.h"
#include "net/net_config.h"
#include "vmm/vm.h"
#ifdef WISP_TEST_HOOKS
#include "test_hooks.h"
#endif

#ifndef WISP_VERSION
#define WISP_VERSION "0.1.0"
#endif

static void usage(FILE *out)
{
    fprintf(out,
"usage: wisp run [options] KERNEL\n"
"       wisp run --restore SNAPSHOT [output options]\n"
"       wisp run --incoming tcp:HOST:PORT|unix:PATH [output options]\n"
"       wisp run --kernel bzImage [--initrd FILE] [--cmdline \"...\"] [-m SIZE]\n"
"       wisp run [--module FILE[,ARGS]]... [--cmdline \"...\"] MULTIBOOT-OR-LIMINE-KERNEL\n"
"       wisp hvcalls [CODE|NAME|--csv]   list or look up Hyper-V hypercalls\n"
"       wisp ctl SOCKET COMMAND [JSON]   drive a running wisp (--api-socket)\n"
"       wisp --help | --version\n"
"\n"
"Boots an ELF64 x86-64 kernel directly in long mode (Seraph-V boot info at\n"
"0x80000, framebuffer at 0xC0000000, COM1, wisp hypercalls on port 0xE4), or\n"
"Linux: a bzImage through the x86 boot protocol or a vmlinux through PVH, with\n"
"COM1 as its console (console=ttyS0); wisp exits 0 when Linux powers off or\n"
"reboots. Kernels written for GRUB or Limine boot from their file too: Multiboot 1\n"
"and 2 (32-bit entry) and the Limine protocol (64-bit higher half), with modules.\n"
"\n"
"options for run:\n"
"  -m, --memory SIZE       guest RAM, e.g. 512M, 1G (plain numbers are MiB; default 512M;\n"
"                          Linux: 32M to 64G, above 3G mapped from 4 GiB)\n"
"  -c, --cpus N            virtual CPUs, 1 to 64 (default 1), one host thread each\n"
"      --kernel FILE       the kernel (same as the positional KERNEL)\n"
"      --boot auto|native|pvh|bzimage|multiboot|multiboot2|limine  how to enter it\n"
"                          (default auto: from the file's headers, see the README);\n"
"                          pvh with a bzImage unpacks its vmlinux on the host first\n"
"      --boot-entry 32|64  bzImage entry point: 32-bit protected mode or 64-bit\n"
"                          long mode (default 64)\n"
"      --initrd FILE       Linux: the initial RAM disk (Multiboot, Limine: the first module)\n"
"      --cmdline TEXT      the kernel command line (Linux, Multiboot, Limine)\n"
"      --module FILE[,ARGS] Multiboot and Limine: a boot module with its command line\n"
"                          (repeatable, in order after --initrd)\n"
"      --serial stdio|FILE where COM1 and the print hypercall go (default stdio)\n"
"      --serial-raw        pass the guest's control characters and escape sequences\n"
"                          to a terminal as they are (default: shown as ^[ and such)\n"
"      --screenshot FILE   write the framebuffer when the guest stops (.png or .bmp)\n"
"      --ascii             print a text preview of the framebuffer when the guest stops\n"
"                          (the VGA text screen's text when the guest wrote to it)\n"
"      --framebuffer WxH   framebuffer resolution (default 1024x768, BGRA8)\n"
"      --vga-text on|off|stdio|FILE  the VGA text screen at 0xB8000 (default on for\n"
"                          native, Multiboot and Limine kernels, off for Linux); stdio\n"
"                          or FILE also mirrors its frames there as they change\n"
"      --idle-exit N       stop after N halts in a row at one RIP (default 100, 0 = never;\n"
"                          Linux boots default to never: an idle Linux waits for input)\n"
"      --timeout SECONDS   stop the guest after this long (exit status 124)\n"
"      --cpu-hide LIST     hide CPU features from the guest, /proc/cpuinfo names: avx2,xsave\n"
"      --irqchip kernel|user  LAPIC, I/O APIC, PIC and PIT in KVM (default) or in wisp\n"
"      --debugcon FILE|stdio  port 0xE9 output (the Bochs/QEMU debug console)\n"
"      --isa-debug-exit[=IOBASE,IOSIZE]  QEMU's exit device (default 0xf4,4): a write\n"
"                          of V ends wisp with status (V << 1) | 1\n"
"      --no-reboot         a guest reset ends wisp (the default: wisp never restarts\n"
"                          a guest; accepted for QEMU command lines)\n"
"      --no-shutdown       a guest power-off pauses the guest instead of ending wisp\n"
"                          (Ctrl-A x, a signal or --timeout end it)\n"
"      --hyperv            present Hyper-V enlightenments (CPUID 0x40000000+, synthetic\n"
"                          MSRs, hypercall page, reference TSC page)\n"
"      --seccomp on|log|off  the system call filter (default on); log lets forbidden\n"
"                          calls through and has the kernel log them\n"
"      --user NAME         run as this user once set up (start as root)\n"
"      --chroot DIR        change root to DIR once set up (screenshots go there)\n"
"      --disk FILE[,ro][,serial=ID]  a virtio disk on a raw image (size a multiple of\n"
"                          512; ro: read-only; ID: up to 20 bytes); repeat for more\n"
"                          (Linux: /dev/vda, /dev/vdb, ...)\n"
"      --net user[,hostfwd=RULE]...[,mac=MAC]  a virtio NIC on user networking\n"
"                          (libslirp: DHCP, DNS, NAT; the host is 10.0.2.2). RULE:\n"
"                          [tcp|udp]:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT\n"
"      --net tap=NAME[,mac=MAC]  a virtio NIC on an existing TAP device\n"
"                          (MAC default 52:54:00:12:34:56, +1 per further NIC)\n"
"      --console serial|virtio  where the console input goes: COM1 (default) or a\n"
"                          virtio console (Linux: console=hvc0)\n"
"      --rng               a virtio entropy source fed from the host's getrandom\n"
"      --gdb tcp:[HOST]:PORT  serve GDB's remote protocol there (HOST default\n"
"                          127.0.0.1); -s is --gdb tcp::1234, as in QEMU\n"
"  -S, --gdb-wait          hold the first vCPU at the kernel's entry until GDB\n"
"                          attaches and continues (needs --gdb or -s)\n"
"      --api-socket PATH   a control socket (mode 0600) for wisp ctl: query-status,\n"
"                          pause, resume, screenshot, snapshot, migrate,\n"
"                          system-powerdown, quit (see the README)\n"
"      --restore FILE      continue a guest saved by the snapshot command, in this\n"
"                          process (no kernel, no machine options: the file has them)\n"
"      --incoming URI      wait on tcp:HOST:PORT or unix:PATH for one live migration\n"
"                          (a source's migrate command) and run the guest it sends\n"
"      --trace LIST        one line per event on stderr, as QEMU's -d: io, mmio, msr,\n"
"                          interrupts, exceptions, cpu-reset or all (only what reaches\n"
"                          wisp: see the README)\n"
"      --exit-profile      at the end, exits by reason and the top ports/addresses,\n"
"                          with the time wisp spent on each, on stderr\n"
"      --step-history N    single-step the guest (slow) and print the last N\n"
"                          instructions each CPU started when it crashes\n"
"  -v, --debug             log every VM exit to stderr\n"
"  -h, --help              this text\n"
"      --version           print the version\n"
"\n"
"console keys (when stdin is a terminal): Ctrl-A x quit, Ctrl-A s screenshot,\n"
"  Ctrl-A h help, Ctrl-A Ctrl-A sends Ctrl-A. SIGUSR1 also takes a screenshot (Linux).\n"
"\n"
"exit status: the guest's exit code (exit hypercall, or (V << 1) | 1 for a write\n"
"  of V to --isa-debug-exit), 0 when the guest idles,\n"
"  halts for good, powers off or reboots, or one of wisp's own: 120 bad\n"
"  arguments (or a --disk/--net the host cannot provide), 121 bad kernel file, 122 no usable KVM/WHP, 123 guest crashed (triple\n"
"  fault; a Linux guest's triple fault is a reboot), 124 timeout, 125 exit\n"
"  wisp cannot handle, 126 host error, 128+N stopped by signal N.\n");
}

static int check_restore_options(const struct vm_config *cfg);

__attribute__((format(printf, 1, 2)))
static int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "wisp: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, " (see wisp --help)\n");
    va_end(ap);
    return WISP_EXIT_USAGE;
}

/* "512M", "2G", "1048576K", "512" (MiB). */
static int parse_size(const char *text, uint64_t *out)
{
    char *end;
    errno = 0;
    if (text[0] == '-' || text[0] == '\0')
        return -1;
    unsigned long long value = strtoull(text, &end, 10);
    if (errno || end == text)
        return -1;
    unsigned shift = 20;
    if (*end) {
        switch (*end) {
        case 'k': case 'K': shift = 10; break;
        case 'm': case 'M': shift = 20; break;
        case 'g': case 'G': shift = 30; break;
        default: return -1;
        }
        end++;
        if (strcasecmp(end, "iB") == 0 || strcasecmp(end, "B") == 0)
            end += strlen(end);
        if (*end)
            return -1;
    }
    if (value == 0 || value > (UINT64_MAX >> shift))
        return -1;
    *out = (uint64_t)value << shift;
    return 0;
}

static int parse_unsigned(const char *text, unsigned long max, unsigned long *out)
{
    char *end;
    errno = 0;
    if (text[0] == '-' || text[0] == '\0')
        return -1;
    unsigned long value = strtoul(text, &end, 10);
    if (errno || *end || value > max)
        return -1;
    *out = value;
    return 0;
}

static int parse_resolution(const char *text, uint32_t *w, uint32_t *h)
{
    unsigned width, height;
    char extra;
    if (sscanf(text, "%ux%u%c", &width, &height, &extra) != 2 || width == 0 || height == 0 ||
        width > 16384 || height > 16384)
        return -1;
    *w = width;
    *h = height;
    return 0;
}

static int parse_boot(const char *text, enum vm_boot *out)
{
    static const struct { const char *name; enum vm_boot boot; } names[] = {
        { "auto", VM_BOOT_AUTO }, { "native", VM_BOOT_NATIVE },
        { "pvh", VM_BOOT_PVH }, { "bzimage", VM_BOOT_BZIMAGE },
        { "multiboot", VM_BOOT_MULTIBOOT }, { "multiboot1", VM_BOOT_MULTIBOOT },
        { "multiboot2", VM_BOOT_MULTIBOOT2 }, { "limine", VM_BOOT_LIMINE },
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcmp(text, names[i].name) == 0) {
            *out = names[i].boot;
            return 0;
        }
    }
    return -1;
}

/* --isa-debug-exit's argument: "IOBASE,IOSIZE" or QEMU's
 * "iobase=IOBASE,iosize=IOSIZE" (numbers in C syntax: 0xf4, 4). */
static int parse_debug_exit(const char *text, uint16_t *iobase, uint16_t *iosize)
{
    unsigned long base, size;
    char *end;
    if (strncmp(text, "iobase=", 7) == 0)
        text += 7;
    errno = 0;
    base = strtoul(text, &end, 0);
    if (errno || end == text || *end != ',' || base > 0xFFFF)
        return -1;
    text = end + 1;
    if (strncmp(text, "iosize=", 7) == 0)
        text += 7;
    size = strtoul(text, &end, 0);
    if (errno || end == text || *end || (size != 1 && size != 2 && size != 4) ||
        base + size > 0x10000)
        return -1;
    *iobase = (uint16_t)base;
    *iosize = (uint16_t)size;
    return 0;
}

enum option_id {
    OPT_KERNEL = 256, OPT_SERIAL, OPT_SCREENSHOT, OPT_ASCII, OPT_FRAMEBUFFER, OPT_IDLE_EXIT,
    OPT_TIMEOUT, OPT_CPU_HIDE, OPT_IRQCHIP, OPT_HYPERV, OPT_VERSION, OPT_BOOT, OPT_BOOT_ENTRY,
    OPT_INITRD, OPT_CMDLINE, OPT_MODULE, OPT_DEBUGCON, OPT_ISA_DEBUG_EXIT, OPT_NO_REBOOT,
    OPT_NO_SHUTDOWN, OPT_SERIAL_RAW, OPT_SECCOMP, OPT_USER, OPT_CHROOT, OPT_VGA_TEXT,
    OPT_DISK, OPT_NET, OPT_CONSOLE, OPT_RNG, OPT_GDB, OPT_TRACE, OPT_EXIT_PROFILE, OPT_STEP_HISTORY,
    OPT_API_SOCKET, OPT_RESTORE, OPT_INCOMING,
};

static const struct option run_options[] = {
    { "memory", required_argument, NULL, 'm' },
    { "cpus", required_argument, NULL, 'c' },
    { "kernel", required_argument, NULL, OPT_KERNEL },
    { "boot", required_argument, NULL, OPT_BOOT },
    { "boot-entry", required_argument, NULL, OPT_BOOT_ENTRY },
    { "initrd", required_argument, NULL, OPT_INITRD },
    { "cmdline", required_argument, NULL, OPT_CMDLINE },
    { "module", required_argument, NULL, OPT_MODULE },
    { "debugcon", required_argument, NULL, OPT_DEBUGCON },
    { "isa-debug-exit", optional_argument, NULL, OPT_ISA_DEBUG_EXIT },
    { "no-reboot", no_argument, NULL, OPT_NO_REBOOT },
    { "no-shutdown", no_argument, NULL, OPT_NO_SHUTDOWN },
    { "serial", required_argument, NULL, OPT_SERIAL },
    { "serial-raw", no_argument, NULL, OPT_SERIAL_RAW },
    { "screenshot", required_argument, NULL, OPT_SCREENSHOT },
    { "ascii", no_argument, NULL, OPT_ASCII },
    { "framebuffer", required_argument, NULL, OPT_FRAMEBUFFER },
    { "vga-text", required_argument, NULL, OPT_VGA_TEXT },
    { "idle-exit", required_argument, NULL, OPT_IDLE_EXIT },
    { "timeout", required_argument, NULL, OPT_TIMEOUT },
    { "cpu-hide", required_argument, NULL, OPT_CPU_HIDE },
    { "irqchip", required_argument, NULL, OPT_IRQCHIP },
    { "hyperv", no_argument, NULL, OPT_HYPERV },
    { "seccomp", required_argument, NULL, OPT_SECCOMP },
    { "user", required_argument, NULL, OPT_USER },
    { "chroot", required_argument, NULL, OPT_CHROOT },
    { "disk", required_argument, NULL, OPT_DISK },
    { "net", required_argument, NULL, OPT_NET },
    { "console", required_argument, NULL, OPT_CONSOLE },
    { "rng", no_argument, NULL, OPT_RNG },
    { "gdb", required_argument, NULL, OPT_GDB },
    { "gdb-wait", no_argument, NULL, 'S' },
    { "trace", required_argument, NULL, OPT_TRACE },
    { "exit-profile", no_argument, NULL, OPT_EXIT_PROFILE },
    { "step-history", required_argument, NULL, OPT_STEP_HISTORY },
    { "api-socket", required_argument, NULL, OPT_API_SOCKET },
    { "restore", required_argument, NULL, OPT_RESTORE },
    { "incoming", required_argument, NULL, OPT_INCOMING },
    { "debug", no_argument, NULL, 'v' },
    { "help", no_argument, NULL, 'h' },
    { "version", no_argument, NULL, OPT_VERSION },
    { NULL, 0, NULL, 0 },
};

/* Copies of --disk arguments, split at the commas; freed at exit. */
static char *disk_args[VM_MAX_DISKS];

static void free_disk_args(void)
{
    for (unsigned i = 0; i < VM_MAX_DISKS; i++)
        free(disk_args[i]);
}

/* FILE[,ro][,serial=ID] */
static int parse_disk(const char *text, struct vm_config *cfg)
{
    static bool registered;
    if (!registered)
        atexit(free_disk_args);
    registered = true;
    if (cfg->disk_count == VM_MAX_DISKS)
        return usage_error("--disk %s: at most %d disks", text, VM_MAX_DISKS);
    char *copy = strdup(text);
    if (!copy)
        return usage_error("%s", "out of memory");
    /* The slot may hold a refused argument's copy (or, when the parser runs
     * again as in fuzz_cli, an earlier run's). */
    free(disk_args[cfg->disk_count]);
    disk_args[cfg->disk_count] = copy;
    struct vm_disk_config *disk = &cfg->disks[cfg->disk_count];
    *disk = (struct vm_disk_config){ .path = copy };
    char *option = strchr(copy, ',');
    if (option)
        *option++ = '\0';
    if (!*copy)
        return usage_error("--disk %s: no image file", text);
    while (option) {
        char *next = strchr(option, ',');
        if (next)
            *next++ = '\0';
        if (strcmp(option, "ro") == 0)
            disk->read_only = true;
        else if (strncmp(option, "serial=", 7) == 0)
            disk->serial = option + 7;
        else
            return usage_error("--disk %s: unknown option '%s' (expected ro or serial=ID)", text,
                               option);
        option = next;
    }
    cfg->disk_count++;
    return -1;
}

static int parse_net(const char *text, struct vm_config *cfg)
{
    if (cfg->net_count == VM_MAX_NETS)
        return usage_error("--net %s: at most %d network cards", text, VM_MAX_NETS);
    char message[256];
    if (net_config_parse(text, cfg->net_count, &cfg->nets[cfg->net_count], message,
                         sizeof message) < 0)
        return usage_error("--net %s: %s", text, message);
    cfg->net_count++;
    return -1;
}

/* Returns -1 to go on, or the exit status to stop with. */
static int parse_run_options(int argc, char **argv, struct vm_config *cfg, const char **serial,
                             const char **debugcon, const char **vga_text)
{
    int opt, status;
    unsigned long number;
    char *end;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "m:c:vhsS", run_options, NULL)) != -1) {
        switch (opt) {
        case 'c':
            if (parse_unsigned(optarg, VM_MAX_CPUS, &number) < 0 || number == 0)
                return usage_error("--cpus %s: expected a number of CPUs from 1 to %d", optarg,
                                   VM_MAX_CPUS);
            cfg->cpus = (unsigned)number;
            break;
        case 'm':
            if (parse_size(optarg, &cfg->memory_size) < 0)
                return usage_error("-m %s: not a memory size (use e.g. 512M or 2G)", optarg);
            break;
        case OPT_KERNEL:
            cfg->kernel_path = optarg;
            break;
        case OPT_BOOT:
            if (parse_boot(optarg, &cfg->boot) < 0)
                return usage_error("--boot %s: expected auto, native, pvh or bzimage", optarg);
            break;
        case OPT_BOOT_ENTRY:
            if (strcmp(optarg, "32") != 0 && strcmp(optarg, "64") != 0)
                return usage_error("--boot-entry %s: expected 32 or 64", optarg);
            cfg->boot_entry = (unsigned)atoi(optarg);
            break;
        case OPT_INITRD:
            cfg->initrd_path = optarg;
            break;
        case OPT_CMDLINE:
            cfg->cmdline = optarg;
            break;
        case OPT_SERIAL:
            *serial = optarg;
            break;
        case OPT_SERIAL_RAW:
            cfg->serial_raw = true;
            break;
        case OPT_MODULE: {
            if (cfg->module_count == VM_MAX_MODULES)
                return usage_error("more than %d --module options", VM_MAX_MODULES);
            char *comma = strchr(optarg, ',');
            if (comma)
                *comma = '\0';
            if (optarg[0] == '\0')
                return usage_error("%s", "--module ,CMDLINE: no file name");
            cfg->modules[cfg->module_count++] = (struct vm_module){ optarg,
                                                                    comma ? comma + 1 : NULL };
            break;
        }
        case OPT_DEBUGCON:
            *debugcon = optarg;
            break;
        case OPT_ISA_DEBUG_EXIT:
            cfg->isa_debug_exit = true;
            if (optarg && parse_debug_exit(optarg, &cfg->isa_debug_exit_iobase,
                                           &cfg->isa_debug_exit_iosize) < 0)
                return usage_error("--isa-debug-exit=%s: expected IOBASE,IOSIZE (e.g. 0xf4,4; "
                                   "size 1, 2 or 4)", optarg);
            break;
        case OPT_NO_REBOOT:
            cfg->no_reboot = true;
            break;
        case OPT_GDB: {
            char host[64];
            uint16_t port;
            if (!gdb_parse_address(optarg, host, sizeof host, &port))
                return usage_error("--gdb %s: expected tcp::PORT, tcp:HOST:PORT or PORT", optarg);
            cfg->gdb_address = optarg;
            break;
        }
        case OPT_TRACE: {
            char bad[80];
            if (!trace_parse(optarg, &cfg->trace, bad, sizeof bad))
                return usage_error("--trace %s: unknown kind '%s' (io, mmio, msr, interrupts, "
                                   "exceptions, cpu-reset, all)", optarg, bad);
            break;
        }
        case OPT_EXIT_PROFILE:
            cfg->exit_profile = true;
            break;
        case OPT_STEP_HISTORY: {
            unsigned long n;
            if (parse_unsigned(optarg, STEP_HISTORY_MAX, &n) < 0 || n == 0)
                return usage_error("--step-history %s: expected a count of instructions from 1 "
                                   "to %u", optarg, STEP_HISTORY_MAX);
            cfg->step_history = (unsigned)n;
            break;
        }
        case OPT_API_SOCKET:
#ifdef _WIN32
            return usage_error("--api-socket %s: the control socket is not available on Windows",
                               optarg);
#else
            if (optarg[0] == '\0')
                return usage_error("%s", "--api-socket: expected a path for the socket");
            cfg->api_socket_path = optarg;
            break;
#endif
        case OPT_RESTORE:
            if (optarg[0] == '\0')
                return usage_error("%s", "--restore: expected a snapshot file");
            cfg->restore_path = optarg;
            break;
        case OPT_INCOMING:
            if (!*optarg)
                return usage_error("%s", "--incoming: expected tcp:HOST:PORT or unix:PATH");
            cfg->incoming_uri = optarg;
            break;
        case 's': /* QEMU's shorthand for -gdb tcp::1234 */
            cfg->gdb_address = "tcp::1234";
            break;
        case 'S':
            cfg->gdb_wait = true;
            break;
        case OPT_NO_SHUTDOWN:
            cfg->no_shutdown = true;
            break;
        case OPT_SCREENSHOT:
            cfg->screenshot_path = optarg;
            break;
        case OPT_ASCII:
            cfg->ascii_preview = true;
            break;
        case OPT_VGA_TEXT:
            if (optarg[0] == '\0')
                return usage_error("%s", "--vga-text: expected on, off, stdio or a file name");
            *vga_text = NULL;
            if (strcmp(optarg, "on") == 0)
                cfg->vga_text = VM_VGA_TEXT_ON;
            else if (strcmp(optarg, "off") == 0)
                cfg->vga_text = VM_VGA_TEXT_OFF;
            else {
                cfg->vga_text = VM_VGA_TEXT_ON;
                *vga_text = optarg; /* stdio or a file */
            }
            break;
        case OPT_FRAMEBUFFER:
            if (parse_resolution(optarg, &cfg->fb_width, &cfg->fb_height) < 0)
                return usage_error("--framebuffer %s: expected WIDTHxHEIGHT, e.g. 1024x768", optarg);
            cfg->fb_size_given = true;
            break;
        case OPT_IDLE_EXIT:
            if (parse_unsigned(optarg, 1000000000ul, &number) < 0)
                return usage_error("--idle-exit %s: expected a count (0 turns it off)", optarg);
            cfg->idle_exit = (unsigned)number;
            cfg->idle_exit_set = true;
            break;
        case OPT_TIMEOUT:
            errno = 0;
            cfg->timeout_seconds = strtod(optarg, &end);
            if (errno || *end || end == optarg || !(cfg->timeout_seconds > 0) ||
                cfg->timeout_seconds > 1e7)
                return usage_error("--timeout %s: expected a positive number of seconds", optarg);
            break;
        case OPT_CPU_HIDE:
            cfg->cpu_hide = optarg;
            break;
        case OPT_IRQCHIP:
            if (strcmp(optarg, "kernel") == 0)
                cfg->irqchip = VM_IRQCHIP_KERNEL;
            else if (strcmp(optarg, "user") == 0)
                cfg->irqchip = VM_IRQCHIP_USER;
            else
                return usage_error("--irqchip %s: expected kernel or user", optarg);
            break;
        case OPT_HYPERV:
            cfg->hyperv = true;
            break;
        case OPT_SECCOMP:
            if (sandbox_parse_seccomp(optarg, &cfg->sandbox.seccomp) < 0)
                return usage_error("--seccomp %s: expected on, log or off", optarg);
            break;
        case OPT_USER:
            cfg->sandbox.user = optarg;
            break;
        case OPT_CHROOT:
            cfg->sandbox.chroot_dir = optarg;
            break;
        case OPT_DISK:
            if ((status = parse_disk(optarg, cfg)) >= 0)
                return status;
            break;
        case OPT_NET:
            if ((status = parse_net(optarg, cfg)) >= 0)
                return status;
            break;
        case OPT_CONSOLE:
            if (strcmp(optarg, "serial") == 0)
                cfg->console = VM_CONSOLE_SERIAL;
            else if (strcmp(optarg, "virtio") == 0)
                cfg->console = VM_CONSOLE_VIRTIO;
            else
                return usage_error("--console %s: expected serial or virtio", optarg);
            break;
        case OPT_RNG:
            cfg->rng = true;
            break;
        case 'v':
            cfg->debug = true;
            break;
        case 'h':
            usage(stdout);
            return 0;
        case OPT_VERSION:
            printf("wisp %s\n", WISP_VERSION);
            return 0;
        default:
            return usage_error("unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc) {
        if (cfg->kernel_path)
            return usage_error("two kernels given (--kernel and '%s')", argv[optind]);
        cfg->kernel_path = argv[optind++];
    }
    if (optind < argc)
        return usage_error("unexpected argument '%s'", argv[optind]);
    if (cfg->restore_path && cfg->incoming_uri)
        return usage_error("%s", "--restore and --incoming both give the machine: use one");
    if (cfg->restore_path || cfg->incoming_uri) {
        int refused = check_restore_options(cfg);
        if (refused != -1)
            return refused;
    } else if (!cfg->kernel_path) {
        return usage_error("%s", "no kernel given");
    }
    if (cfg->step_history && cfg->gdb_address)
        return usage_error("%s", "--step-history and --gdb both single-step the guest: use one");
    if (cfg->gdb_wait && !cfg->gdb_address)
        return usage_error("%s", "-S (--gdb-wait) needs --gdb ADDRESS or -s");
    if (cfg->boot == VM_BOOT_NATIVE && (cfg->initrd_path || cfg->cmdline || cfg->module_count))
        return usage_error("%s", "--initrd, --module and --cmdline are for Linux, Multiboot and "
                           "Limine kernels, not --boot native");
    return -1;
}

/* --restore: the snapshot says what the machine is; only output, time,
 * debugging and sandbox options go with it. */
static int check_restore_options(const struct vm_config *cfg)
{
    struct vm_config d;
    vm_config_defaults(&d);
    const char *given = cfg->kernel_path ? "a kernel"
        : cfg->memory_size != d.memory_size ? "-m"
        : cfg->cpus != d.cpus ? "--cpus"
        : cfg->irqchip != d.irqchip ? "--irqchip"
        : cfg->fb_size_given ? "--framebuffer"
        : cfg->hyperv ? "--hyperv"
        : cfg->disk_count ? "--disk"
        : cfg->net_count ? "--net"
        : cfg->rng ? "--rng"
        : cfg->console != d.console ? "--console"
        : cfg->initrd_path ? "--initrd"
        : cfg->cmdline ? "--cmdline"
        : cfg->module_count ? "--module"
        : cfg->boot != d.boot ? "--boot"
        : cfg->cpu_hide ? "--cpu-hide"
        : cfg->isa_debug_exit ? "--isa-debug-exit"
        : NULL;
    if (given)
        return usage_error("%s %s: the %s describes the machine; %s cannot be given with it",
                           cfg->restore_path ? "--restore" : "--incoming",
                           cfg->restore_path ? cfg->restore_path : cfg->incoming_uri,
                           cfg->restore_path ? "snapshot" : "migration stream", given);
    return -1;
}

static int run_command(int argc, char **argv)
{
    struct vm_config cfg;
    vm_config_defaults(&cfg);
    cfg.started_ns = clock_monotonic_ns();
    const char *serial = "stdio", *debugcon = NULL, *vga_text = NULL;
    int status = parse_run_options(argc, argv, &cfg, &serial, &debugcon, &vga_text);
    if (status >= 0)
        return status;

    FILE *serial_file = NULL;
    if (strcmp(serial, "stdio") == 0) {
        cfg.console_input_fd = STDIN_FILENO;
        cfg.console_is_terminal = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
    } else {
        serial_file = fopen(serial, "wb"); /* the guest's bytes as they are */
        if (!serial_file) {
            fprintf(stderr, "wisp: --serial %s: %s\n", serial, strerror(errno));
            return WISP_EXIT_USAGE;
        }
        cfg.console_output = serial_file;
    }
    FILE *debugcon_file = NULL;
    if (debugcon && strcmp(debugcon, "stdio") == 0) {
        if (serial_file)
            cfg.debugcon_output = stdout;
        else
            cfg.debugcon_shares_console = true;
    } else if (debugcon) {
        debugcon_file = fopen(debugcon, "wb");
        if (!debugcon_file) {
            fprintf(stderr, "wisp: --debugcon %s: %s\n", debugcon, strerror(errno));
            if (serial_file)
                fclose(serial_file);
            return WISP_EXIT_USAGE;
        }
        cfg.debugcon_output = debugcon_file;
    }

    FILE *vga_text_file = NULL;
    if (vga_text && strcmp(vga_text, "stdio") == 0) {
        cfg.vga_text_output = stdout;
        cfg.vga_text_colour = isatty(STDOUT_FILENO);
    } else if (vga_text) {
        vga_text_file = fopen(vga_text, "w");
        if (!vga_text_file) {
            fprintf(stderr, "wisp: --vga-text %s: %s\n", vga_text, strerror(errno));
            if (serial_file)
                fclose(serial_file);
            if (debugcon_file)
                fclose(debugcon_file);
            return WISP_EXIT_USAGE;
        }
        cfg.vga_text_output = vga_text_file;
    }

#ifndef _WIN32
    /* Lets tests (and odd hosts) point wisp at another KVM device node. */
    cfg.accel_device = getenv("WISP_KVM_DEVICE");
#endif
#ifdef WISP_TEST_HOOKS
    wisp_test_hooks_install(&cfg); /* build/wisp-test only: tests/hooks/ */
#endif

    struct wisp_error err = { 0 };
    struct vm *vm = NULL;
    struct vm_result result;
    if (vm_create(&vm, &cfg, &err) < 0 || vm_run(vm, &result, &err) < 0) {
        fflush(stdout);
        fprintf(stderr, "wisp: %s\n", err.message);
        status = err.status ? err.status : WISP_EXIT_HOST_ERROR;
    } else {
        status = result.exit_status;
    }
    vm_destroy(vm);
    if (serial_file)
        fclose(serial_file);
    if (debugcon_file)
        fclose(debugcon_file);
    else if (cfg.debugcon_output)
        fflush(cfg.debugcon_output);
    if (vga_text_file)
        fclose(vga_text_file);
    return status;
}

#ifndef WISP_NO_MAIN /* the command-line fuzzer includes this file */
int main(int argc, char **argv)
{
#ifdef _WIN32
    /* The guest's bytes as they are: no "\n" to "\r\n". Windows' C library
     * has no line buffering (and refuses _IOLBF with size 0); the run loop
     * flushes the console on every tick anyway. */
    _setmode(_fileno(stdout), _O_BINARY);
    setvbuf(stdout, NULL, _IOFBF, BUFSIZ);
#else
    setvbuf(stdout, NULL, _IOLBF, 0);
#endif
    if (argc < 2) {
        usage(stderr);
        return WISP_EXIT_USAGE;
    }
    const char *command = argv[1];
    if (strcmp(command, "run") == 0)
        return run_command(argc - 1, argv + 1);
    if (strcmp(command, "hvcalls") == 0)
        return hvcalls_command(argc - 1, argv + 1);
    if (strcmp(command, "ctl") == 0)
        return api_ctl_main(argc - 1, argv + 1);
    if (strcmp(command, "--help") == 0 || strcmp(command, "-h") == 0 ||
        strcmp(command, "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(command, "--version") == 0) {
        printf("wisp %s\n", WISP_VERSION);
        return 0;
    }
    return usage_error("unknown command '%s'", command);
}
#endif
