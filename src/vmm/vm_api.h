/*
 * The control socket's VM side (--api-socket; the protocol and commands
 * are src/api/): what pause, resume, screenshot, quit and query-status do
 * to this VM. Served by the main thread's host loop, no thread of its own:
 * the loop sleeps in vm_api_wait and calls vm_api_service each round.
 *
 * pause holds the world stopped (vcpu_pause.h) from the main thread until
 * resume; the host loop keeps serving the console, signals, --timeout and
 * the socket meanwhile. A stop (quit, a signal, --timeout) ends a paused VM
 * as it ends a running one.
 */
#ifndef WISP_VMM_VM_API_H
#define WISP_VMM_VM_API_H

#include "core/error.h"

struct vm;
struct vm_api;

/* Set-up (vm_create), before privileges are dropped: binds
 * cfg.api_socket_path. */
int vm_api_create(struct vm *vm, struct wisp_error *err);
/* The host loop: answers what clients sent; never blocks. */
void vm_api_service(struct vm *vm);
/* The host loop's sleep: up to timeout_ms, less when console input or a
 * client wants something. */
void vm_api_wait(struct vm *vm, int timeout_ms);
/* Teardown (vm_destroy): last answers out, socket file removed. */
void vm_api_destroy(struct vm *vm);

#endif
