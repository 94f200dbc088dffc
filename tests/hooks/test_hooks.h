/*
 * Debug hooks compiled only into build/wisp-test (main.c built with
 * -DWISP_TEST_HOOKS and linked with tests/hooks/test_hooks.c), never into
 * build/wisp. The environment variable WISP_TEST_HOOK picks one:
 *
 *   forbidden-syscall   once in the sandbox, open a network socket
 *                       (socket: allowed in no build)
 *   forbidden-open      once in the sandbox, open /etc/hostname for
 *                       reading (openat with O_RDONLY; sanitizer builds
 *                       allow it, their runtimes read /proc)
 *   forbidden-exec      once in the sandbox, execve /bin/true (sanitizer
 *                       builds allow it, for the symbolizer)
 */
#ifndef WISP_TEST_HOOKS_H
#define WISP_TEST_HOOKS_H

#include "vmm/vm.h"

void wisp_test_hooks_install(struct vm_config *cfg);

#endif
