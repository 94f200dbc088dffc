/*
 * The control socket's commands (README "Control socket"), over a machine
 * that api_machine_ops describes: the VM (src/vmm/vm_api.c), or a fake in
 * the unit tests and the fuzzer. The rules (which state allows what, which
 * arguments a command takes) live here; the machine only acts.
 *
 * A command is a row of the table in api_commands.c: its name, the
 * arguments it accepts and its handler. New commands (snapshot, migrate)
 * are new rows and, where they act on the machine, new operations here.
 */
#ifndef WISP_API_COMMANDS_H
#define WISP_API_COMMANDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api_request.h"

enum api_run_state {
    API_STATE_RUNNING,
    API_STATE_PAUSED,   /* by the pause command */
    API_STATE_SHUTDOWN, /* the guest powered off under --no-shutdown */
};

/* What a snapshot reports. */
struct api_snapshot_result {
    uint64_t bytes;     /* the file's size */
    double paused_ms;   /* how long the guest stood still for it */
    bool paused;        /* the guest is paused now */
};

/* The migrate command's arguments (defaults filled in). */
struct api_migrate_args {
    const char *uri;
    unsigned max_downtime_ms; /* 300 */
    unsigned max_passes;      /* 30 */
};

/* What query-migrate reports. */
struct api_migrate_info {
    const char *status;       /* "none", "active", "completed" or "failed" */
    char reason[320];         /* failed: why */
    unsigned pass;
    uint64_t bytes, pages, dirty_pages;
    double dirty_pages_per_s, bandwidth_mib_s, expected_downtime_ms;
    double total_ms, downtime_ms; /* at the end */
};

struct api_machine_ops {
    enum api_run_state (*state)(void *ctx);
    unsigned (*cpu_count)(void *ctx);
    uint64_t (*uptime_ms)(void *ctx);
    /* Called only in the state that allows them (running, paused). */
    int (*pause)(void *ctx, struct api_failure *f);
    int (*resume)(void *ctx, struct api_failure *f);
    /* Writes the screen to path (.png or .bmp, already checked). */
    int (*screenshot)(void *ctx, const char *path, struct api_failure *f);
    /* Asks the VM to stop; the answer goes out before wisp ends. */
    void (*quit)(void *ctx);
    /* Saves the machine into path; stays paused afterwards when resume is
     * false (or when it was paused before). */
    int (*snapshot)(void *ctx, const char *path, bool resume, struct api_snapshot_result *out,
                    struct api_failure *f);
    /* Asks the guest to power itself off (system-powerdown); NULL when the
     * machine has no way to ask. Called only while running. */
    int (*powerdown)(void *ctx, struct api_failure *f);
    /* Starts a live migration and returns at once; query_migrate reports. */
    int (*migrate)(void *ctx, const struct api_migrate_args *args, struct api_failure *f);
    void (*query_migrate)(void *ctx, struct api_migrate_info *out);
};

/* Handles one request line (without its newline): the answer line,
 * newline-terminated and malloc'ed (*len its length), or NULL when out of
 * memory. Never fails otherwise: every problem is an error answer. */
char *api_handle_line(const struct api_machine_ops *ops, void *ctx, const char *line,
                      size_t len, size_t *out_len);

/* The commands' names in table order, NULL-terminated. */
const char *const *api_command_names(void);

#endif
