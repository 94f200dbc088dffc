/*
 * libFuzzer target: wisp's command line. The input is argv, NUL-separated;
 * src/main.c is compiled in here (without its main) so the real option
 * parser runs, getopt_long and all, then the --cpu-hide list parser and
 * `wisp hvcalls` lookups. Checks that a refusal is the usage status and
 * that a parsed configuration stays within the documented ranges.
 */
#define WISP_NO_MAIN
#include "../../src/main.c"

#include "fuzz_input.h"
#include "vmm/cpuid_policy.h"

#define MAX_ARGS 32

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    /* usage() and --help print to stdout: nobody reads it here. */
    if (!freopen("/dev/null", "w", stdout))
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 4096)
        return 0;
    char *copy = malloc(size + 1);
    memcpy(copy, data + 1, size - 1);
    copy[size - 1] = '\0';
    char *argv[MAX_ARGS + 2];
    int argc = 0;
    argv[argc++] = (char *)(data[0] & 1 ? "hvcalls" : "run");
    for (char *p = copy; p < copy + size - 1 && argc < MAX_ARGS + 1; p += strlen(p) + 1)
        argv[argc++] = p;
    argv[argc] = NULL;

    optind = 0; /* glibc: start over completely */
    if (data[0] & 1) {
        int status = hvcalls_command(argc, argv);
        fuzz_check(status >= 0 && status <= 2, "hvcalls status");
    } else {
        struct vm_config cfg;
        vm_config_defaults(&cfg);
        const char *serial = "stdio", *debugcon = NULL, *vga_text = NULL;
        int status = parse_run_options(argc, argv, &cfg, &serial, &debugcon, &vga_text);
        fuzz_check(status == -1 || status == 0 || status == WISP_EXIT_USAGE, "run status");
        if (status == -1) {
            /* A kernel, or a snapshot or migration stream that says what
             * the machine is: exactly one. */
            fuzz_check((cfg.kernel_path != NULL) + (cfg.restore_path != NULL) +
                               (cfg.incoming_uri != NULL) == 1,
                       "a kernel, a snapshot or an incoming migration");
            fuzz_check(cfg.memory_size > 0, "memory");
            fuzz_check(cfg.fb_width > 0 && cfg.fb_width <= 16384 && cfg.fb_height > 0 &&
                       cfg.fb_height <= 16384, "framebuffer");
            fuzz_check(cfg.boot_entry == 32 || cfg.boot_entry == 64, "entry");
            fuzz_check(cfg.timeout_seconds >= 0 && cfg.timeout_seconds <= 1e7, "timeout");
            if (cfg.cpu_hide) {
                static struct accel_cpuid policy;
                struct wisp_error err = { 0 };
                memset(&policy, 0, sizeof policy);
                policy.count = 2;
                policy.entries[0] = (struct accel_cpuid_entry){ .function = 1, .ecx = ~0u,
                                                                .edx = ~0u };
                policy.entries[1] = (struct accel_cpuid_entry){ .function = 7, .ebx = ~0u,
                                                                .ecx = ~0u, .edx = ~0u };
                if (cpuid_policy_hide(&policy, cfg.cpu_hide, &err) < 0)
                    fuzz_check(err.status == WISP_EXIT_USAGE && !strchr(err.message, '\n'),
                               "--cpu-hide refusal");
            }
        }
    }
    free(copy);
    return 0;
}
