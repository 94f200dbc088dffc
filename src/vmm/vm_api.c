/* The control socket's VM side (vm_api.h): api_machine_ops on a VM. */
#include "vm_api.h"

#include <stdlib.h>
#include <string.h>

#include "api/api_server.h"
#include "host/clock.h"
#include "vcpu_pause.h"
#include "vm_devices.h"
#include "vm_internal.h"
#include "vm_migrate.h"
#include "vm_state.h"

struct vm_api {
    struct vm *vm;
    struct api_server *server;
    struct vm_migration *migration; /* the migrate command's thread (vm_migrate.h) */
    bool paused;          /* main thread only: the pause command holds a vm_pause() */
    uint64_t created_ns;
};

static enum api_run_state state(void *ctx)
{
    struct vm_api *api = ctx;
    if (vm_guest_stopped(api->vm))
        return API_STATE_SHUTDOWN;
    return api->paused ? API_STATE_PAUSED : API_STATE_RUNNING;
}

static unsigned cpu_count(void *ctx)
{
    struct vm_api *api = ctx;
    return api->vm->ncpus;
}

static uint64_t uptime_ms(void *ctx)
{
    struct vm_api *api = ctx;
    return (clock_monotonic_ns() - api->created_ns) / 1000000u;
}

static int pause_vm(void *ctx, struct api_failure *f)
{
    struct vm_api *api = ctx;
    if (vm_stopping(api->vm))
        return api_fail(f, API_ERROR_WRONG_STATE, "the VM is stopping");
    vm_pause(api->vm); /* returns once every vCPU is out of the guest */
    api->paused = true;
    return 0;
}

static int resume_vm(void *ctx, struct api_failure *f)
{
    struct vm_api *api = ctx;
    (void)f;
    api->paused = false;
    vm_devices_thaw(api->vm); /* after a snapshot that stayed paused */
    vm_resume(api->vm);
    return 0;
}

static int screenshot(void *ctx, const char *path, struct api_failure *f)
{
    struct vm_api *api = ctx;
    struct vm *vm = api->vm;
    struct wisp_error err = { 0 };
    /* The format by the name; the directory is found out by writing (the
     * sandbox allows creating files, not looking at directories). */
    if (screenshot_check_path(path, false, &err) < 0) {
        const char *why = strstr(err.message, ": ");
        return api_fail(f, API_ERROR_INVALID_ARGUMENTS, "%s%s", path, why ? why : "");
    }
    vm_pause(vm); /* one consistent frame, as the screenshot key takes it */
    bool text = vm_text_screen_used(vm);
    int rc = 0;
    if (!text && vm->fb_size == 0)
        rc = api_fail(f, API_ERROR_UNAVAILABLE,
                      "this guest has no framebuffer and has not written to the VGA text screen");
    else if (vm_save_screenshot(vm, path, &err) < 0)
        rc = api_fail(f, API_ERROR_FAILED, "%s", err.message);
    vm_resume(vm);
    return rc;
}

static int snapshot(void *ctx, const char *path, bool resume, struct api_snapshot_result *out,
                    struct api_failure *f)
{
    struct vm_api *api = ctx;
    struct wisp_error err = { 0 };
    if (vm_stopping(api->vm))
        return api_fail(f, API_ERROR_WRONG_STATE, "the VM is stopping");
    int rc = vm_snapshot_save(api->vm, path, &out->bytes, &out->paused_ms, &err);
    if (rc < 0 && err.status == WISP_EXIT_USAGE) {
        /* a machine wisp cannot save yet: nothing was paused */
        return api_fail(f, API_ERROR_UNAVAILABLE, "%s", err.message);
    }
    /* vm_snapshot_save left the world paused (once more). */
    if (rc == 0 && !resume && !api->paused) {
        api->paused = true; /* that pause is the pause command's now */
    } else {
        vm_devices_thaw(api->vm);
        vm_resume(api->vm);
    }
    out->paused = api->paused;
    if (rc < 0)
        return api_fail(f, API_ERROR_FAILED, "%s", err.message);
    fprintf(stderr, "wisp: snapshot %s: %llu bytes, the guest stood still %.1f ms\n", path,
            (unsigned long long)out->bytes, out->paused_ms);
    return 0;
}

/* A graceful power-off goes through the guest's Hyper-V shutdown service
 * (hv/vmbus_ic.c); wisp has no ACPI power button. */
static int powerdown(void *ctx, struct api_failure *f)
{
    struct vm_api *api = ctx;
    if (!api->vm->cfg.hyperv)
        return api_fail(f, API_ERROR_UNAVAILABLE, "a graceful power-off needs --hyperv (the "
                                                  "guest's VMBus shutdown service)");
    host_mutex_lock(&api->vm->device_lock);
    int rc = hv_request_shutdown(&api->vm->hv);
    host_mutex_unlock(&api->vm->device_lock);
    if (rc < 0)
        return api_fail(f, API_ERROR_WRONG_STATE, "the guest has not opened the Hyper-V "
                                                  "shutdown service (Linux: hv_utils)");
    fprintf(stderr, "wisp: asked the guest to power off (system-powerdown)\n");
    return 0;
}

static int migrate(void *ctx, const struct api_migrate_args *args, struct api_failure *f)
{
    struct vm_api *api = ctx;
    struct wisp_error err = { 0 };
    if (vm_stopping(api->vm))
        return api_fail(f, API_ERROR_WRONG_STATE, "the VM is stopping");
    struct vm_migrate_request req = { args->uri, args->max_downtime_ms, args->max_passes };
    if (vm_migration_start(api->migration, &req, &err) == 0)
        return 0;
    if (err.status == WISP_EXIT_USAGE)
        return api_fail(f, strncmp(err.message, "migrate: ", 9) == 0 ? API_ERROR_UNAVAILABLE
                                                                     : API_ERROR_INVALID_ARGUMENTS,
                        "%s", err.message);
    return api_fail(f, API_ERROR_WRONG_STATE, "%s", err.message);
}

static void query_migrate(void *ctx, struct api_migrate_info *out)
{
    struct vm_api *api = ctx;
    struct vm_migrate_status s;
    vm_migration_query(api->migration, &s);
    static const char *const names[] = { "none", "active", "completed", "failed" };
    out->status = names[s.state];
    memcpy(out->reason, s.reason, sizeof out->reason);
    out->pass = s.pass;
    out->bytes = s.bytes;
    out->pages = s.pages;
    out->dirty_pages = s.dirty_pages;
    out->dirty_pages_per_s = s.dirty_pages_per_s;
    out->bandwidth_mib_s = s.bandwidth_mib_s;
    out->expected_downtime_ms = s.expected_downtime_ms;
    out->total_ms = s.total_ms;
    out->downtime_ms = s.downtime_ms;
}

static void quit(void *ctx)
{
    struct vm_api *api = ctx;
    if (vm_request_stop(api->vm, VM_STOP_USER_QUIT, WISP_EXIT_OK))
        fprintf(stderr, "wisp: quit from the control socket\n");
}

static const struct api_machine_ops ops = {
    .state = state,
    .cpu_count = cpu_count,
    .uptime_ms = uptime_ms,
    .pause = pause_vm,
    .resume = resume_vm,
    .screenshot = screenshot,
    .quit = quit,
    .snapshot = snapshot,
    .powerdown = powerdown,
    .migrate = migrate,
    .query_migrate = query_migrate,
};

int vm_api_create(struct vm *vm, struct wisp_error *err)
{
    struct vm_api *api = calloc(1, sizeof *api);
    if (!api)
        return wisp_fail(err, WISP_EXIT_HOST_ERROR, "out of memory");
    api->vm = vm;
    api->created_ns = clock_monotonic_ns();
    if (api_server_open(vm->cfg.api_socket_path, &ops, api, &api->server, err) < 0) {
        free(api);
        return -1;
    }
    if (vm_migration_create(vm, &api->migration, err) < 0) {
        api_server_close(api->server);
        free(api);
        return -1;
    }
    vm->api = api;
    return 0;
}

void vm_api_service(struct vm *vm)
{
    if (vm->api)
        api_server_service(vm->api->server);
}

void vm_api_wait(struct vm *vm, int timeout_ms)
{
    if (vm->api)
        api_server_wait(vm->api->server, serial_console_wait_fd(&vm->console), timeout_ms);
    else
        serial_console_wait(&vm->console, timeout_ms);
}

void vm_api_destroy(struct vm *vm)
{
    struct vm_api *api = vm->api;
    if (!api)
        return;
    if (api->paused)
        vm_resume(vm); /* the vCPU threads have ended; this only balances the count */
    vm_migration_destroy(api->migration);
    api_server_close(api->server);
    free(api);
    vm->api = NULL;
}
