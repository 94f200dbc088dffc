#include "test_hooks.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void open_a_file(void)
{
    int fd = open("/etc/hostname", O_RDONLY);
    /* Reached only without seccomp (or with --seccomp log). */
    fprintf(stderr, "wisp-test: opened /etc/hostname: %s\n", fd >= 0 ? "yes" : "no");
    if (fd >= 0)
        close(fd);
}

static void open_a_socket(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    fprintf(stderr, "wisp-test: opened a socket: %s\n", fd >= 0 ? "yes" : "no");
    if (fd >= 0)
        close(fd);
}

static void exec_a_program(void)
{
    char *argv[] = { "/bin/true", NULL };
    char *envp[] = { NULL };
    execve("/bin/true", argv, envp);
    fprintf(stderr, "wisp-test: execve failed\n");
}

void wisp_test_hooks_install(struct vm_config *cfg)
{
    const char *hook = getenv("WISP_TEST_HOOK");
    if (!hook)
        return;
    if (strcmp(hook, "forbidden-syscall") == 0)
        cfg->test_hook_sandboxed = open_a_socket;
    else if (strcmp(hook, "forbidden-open") == 0)
        cfg->test_hook_sandboxed = open_a_file;
    else if (strcmp(hook, "forbidden-exec") == 0)
        cfg->test_hook_sandboxed = exec_a_program;
    else
        fprintf(stderr, "wisp-test: unknown WISP_TEST_HOOK '%s'\n", hook);
}
