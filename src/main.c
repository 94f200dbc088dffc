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

#include "hv/hvcalls_command.h"
#include "vmm/vm.h"

#ifndef WISP_VERSION
#define WISP_VERSION "0.1.0"
#endif

static void usage(FILE *out)
{
    fprintf(out,
"usage: wisp run [options] KERNEL\n"
"       wisp run --kernel bzImage [--initrd FILE] [--cmdline \"...\"] [-m SIZE]\n"
"       wisp hvcalls [CODE|NAME|--csv]   list or look up Hyper-V hypercalls\n"
"       wisp --help | --version\n"
"\n"
"Boots an ELF64 x86-64 kernel directly in long mode (Seraph-V boot info at\n"
"0x80000, framebuffer at 0xC0000000, COM1, wisp hypercalls on port 0xE4), or\n"
"Linux: a bzImage through the x86 boot protocol or a vmlinux through PVH, with\n"
"COM1 as its console (console=ttyS0); wisp exits 0 when Linux powers off or\n"
"reboots.\n"
"\n"
"options for run:\n"
"  -m, --memory SIZE       guest RAM, e.g. 512M, 1G (plain numbers are MiB; default 512M;\n"
"                          Linux: 32M to 64G, above 3G mapped from 4 GiB)\n"
"  -c, --cpus N            virtual CPUs, 1 to 64 (default 1), one host thread each\n"
"      --kernel FILE       the kernel (same as the positional KERNEL)\n"
"      --boot auto|native|pvh|bzimage  how to enter it (default auto: an ELF with\n"
"                          Xen's PVH note is pvh, another ELF native, else bzimage);\n"
"                          pvh with a bzImage unpacks its vmlinux on the host first\n"
"      --boot-entry 32|64  bzImage entry point: 32-bit protected mode or 64-bit\n"
"                          long mode (default 64)\n"
"      --initrd FILE       Linux: the initial RAM disk\n"
"      --cmdline TEXT      Linux: the kernel command line, e.g. \"console=ttyS0\"\n"
"      --serial stdio|FILE where COM1 and the print hypercall go (default stdio)\n"
"      --screenshot FILE   write the framebuffer when the guest stops (.png or .bmp)\n"
"      --ascii             print a text preview of the framebuffer when the guest stops\n"
"      --framebuffer WxH   framebuffer resolution (default 1024x768, BGRA8)\n"
"      --idle-exit N       stop after N halts in a row at one RIP (default 100, 0 = never;\n"
"                          Linux boots default to never: an idle Linux waits for input)\n"
"      --timeout SECONDS   stop the guest after this long (exit status 124)\n"
"      --cpu-hide LIST     hide CPU features from the guest, /proc/cpuinfo names: avx2,xsave\n"
"      --irqchip kernel|user  LAPIC, I/O APIC, PIC and PIT in KVM (default) or in wisp\n"
"      --hyperv            present Hyper-V enlightenments (CPUID 0x40000000+, synthetic\n"
"                          MSRs, hypercall page, reference TSC page)\n"
"  -v, --debug             log every VM exit to stderr\n"
"  -h, --help              this text\n"
"      --version           print the version\n"
"\n"
"console keys (when stdin is a terminal): Ctrl-A x quit, Ctrl-A s screenshot,\n"
"  Ctrl-A h help, Ctrl-A Ctrl-A sends Ctrl-A. SIGUSR1 also takes a screenshot (Linux).\n"
"\n"
"exit status: the guest's exit code (exit hypercall), 0 when the guest idles,\n"
"  halts for good, powers off or reboots, or one of wisp's own: 120 bad\n"
"  arguments, 121 bad kernel file, 122 no usable KVM/WHP, 123 guest crashed (triple\n"
"  fault; a Linux guest's triple fault is a reboot), 124 timeout, 125 exit\n"
"  wisp cannot handle, 126 host error, 128+N stopped by signal N.\n");
}

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
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcmp(text, names[i].name) == 0) {
            *out = names[i].boot;
            return 0;
        }
    }
    return -1;
}

enum option_id {
    OPT_KERNEL = 256, OPT_SERIAL, OPT_SCREENSHOT, OPT_ASCII, OPT_FRAMEBUFFER, OPT_IDLE_EXIT,
    OPT_TIMEOUT, OPT_CPU_HIDE, OPT_IRQCHIP, OPT_HYPERV, OPT_VERSION, OPT_BOOT, OPT_BOOT_ENTRY,
    OPT_INITRD, OPT_CMDLINE,
};

static const struct option run_options[] = {
    { "memory", required_argument, NULL, 'm' },
    { "cpus", required_argument, NULL, 'c' },
    { "kernel", required_argument, NULL, OPT_KERNEL },
    { "boot", required_argument, NULL, OPT_BOOT },
    { "boot-entry", required_argument, NULL, OPT_BOOT_ENTRY },
    { "initrd", required_argument, NULL, OPT_INITRD },
    { "cmdline", required_argument, NULL, OPT_CMDLINE },
    { "serial", required_argument, NULL, OPT_SERIAL },
    { "screenshot", required_argument, NULL, OPT_SCREENSHOT },
    { "ascii", no_argument, NULL, OPT_ASCII },
    { "framebuffer", required_argument, NULL, OPT_FRAMEBUFFER },
    { "idle-exit", required_argument, NULL, OPT_IDLE_EXIT },
    { "timeout", required_argument, NULL, OPT_TIMEOUT },
    { "cpu-hide", required_argument, NULL, OPT_CPU_HIDE },
    { "irqchip", required_argument, NULL, OPT_IRQCHIP },
    { "hyperv", no_argument, NULL, OPT_HYPERV },
    { "debug", no_argument, NULL, 'v' },
    { "help", no_argument, NULL, 'h' },
    { "version", no_argument, NULL, OPT_VERSION },
    { NULL, 0, NULL, 0 },
};

/* Returns -1 to go on, or the exit status to stop with. */
static int parse_run_options(int argc, char **argv, struct vm_config *cfg, const char **serial)
{
    int opt;
    unsigned long number;
    char *end;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "m:c:vh", run_options, NULL)) != -1) {
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
        case OPT_SCREENSHOT:
            cfg->screenshot_path = optarg;
            break;
        case OPT_ASCII:
            cfg->ascii_preview = true;
            break;
        case OPT_FRAMEBUFFER:
            if (parse_resolution(optarg, &cfg->fb_width, &cfg->fb_height) < 0)
                return usage_error("--framebuffer %s: expected WIDTHxHEIGHT, e.g. 1024x768", optarg);
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
    if (!cfg->kernel_path)
        return usage_error("%s", "no kernel given");
    if (cfg->boot == VM_BOOT_NATIVE && (cfg->initrd_path || cfg->cmdline))
        return usage_error("%s", "--initrd and --cmdline are for Linux kernels, not --boot native");
    return -1;
}

static int run_command(int argc, char **argv)
{
    struct vm_config cfg;
    vm_config_defaults(&cfg);
    const char *serial = "stdio";
    int status = parse_run_options(argc, argv, &cfg, &serial);
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

#ifndef _WIN32
    /* Lets tests (and odd hosts) point wisp at another KVM device node. */
    cfg.accel_device = getenv("WISP_KVM_DEVICE");
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
    return status;
}

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
