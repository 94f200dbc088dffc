/* Live migration's source (vm_migrate.h). */
#include "vm_migrate.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/clock.h"
#include "host/migration_socket.h"
#include "host/sandbox.h"
#include "state/dirty_bitmap.h"
#include "state/migration_stream.h"
#include "uart_write_queue.h"
#include "vcpu_pause.h"
#include "vm_devices.h"
#include "vm_internal.h"
#include "vm_state.h"

struct bank_track {
    uint64_t gpa, pages;
    uint8_t *host;
    uint64_t *todo;       /* pages to send in the next pass */
    uint64_t *host_dirty; /* hung on the bank while migrating; never freed before teardown */
};

struct vm_migration {
    struct vm *vm;
    struct host_thread thread;
    bool thread_started;
    struct host_mutex lock;    /* guards what follows */
    struct host_cond cond;
    bool job, quit;
    char uri[256];
    unsigned max_downtime_ms, max_passes;
    struct vm_migrate_status status;
    int cancel;                /* atomic: stop the job (teardown) */
    /* the thread's own */
    int fd;
    struct bank_track banks[GUEST_MEMORY_MAX_BANKS];
    unsigned bank_count;
    uint64_t pass_bytes, pages_sent;
};

static int io_read(void *ctx, void *buf, size_t len)
{
    struct vm_migration *m = ctx;
    return migration_recv_all(m->fd, buf, len, &m->cancel);
}

static void update(struct vm_migration *m, void (*fn)(struct vm_migrate_status *, const void *),
                   const void *arg)
{
    host_mutex_lock(&m->lock);
    fn(&m->status, arg);
    host_mutex_unlock(&m->lock);
}

static void add_bytes(struct vm_migrate_status *s, const void *arg)
{
    s->bytes += *(const uint64_t *)arg;
}

/* Sends bytes; on failure err says why (the URI in front). */
static int send_bytes(struct vm_migration *m, const void *p, size_t n, struct wisp_error *err)
{
    if (migration_send_all(m->fd, p, n, &m->cancel) < 0) {
        if (errno == ECANCELED)
            return wisp_fail(err, WISP_EXIT_HOST_ERROR, "cancelled (wisp is stopping)");
        return wisp_fail_errno(err, WISP_EXIT_HOST_ERROR, "sending to %s", m->uri);
    }
    uint64_t b = n;
    m->pass_bytes += n;
    update(m, add_bytes, &b);
    return 0;
}

static int send_head(struct vm_migration *m, uint32_t type, const uint8_t *head, size_t size,
                     struct wisp_error *err)
{
    uint8_t rec[MIGRATION_RECORD_SIZE];
    migration_put_record(rec, type, size, 0);
    return send_bytes(m, rec, sizeof rec, err) < 0 ? -1 : send_bytes(m, head, size, err);
}

static bool page_is_zero(const uint8_t *p)
{
    const uint64_t *q = (const uint64_t *)(const void *)p;
    for (size_t i = 0; i < 4096 / 8; i++)
        if (q[i])
            return false;
    return true;
}

/* The pages marked in every bank's todo, cleared as they go. */
static int send_marked(struct vm_migration *m, struct wisp_error *err)
{
    for (unsigned b = 0; b < m->bank_count; b++) {
        struct bank_track *t = &m->banks[b];
        uint64_t from = 0, start, count;
        while (dirty_bitmap_next_run(t->todo, t->pages, &from, MIGRATION_MAX_CHUNK_PAGES, &start,
                                     &count)) {
            if (vm_stopping(m->vm))
                return wisp_fail(err, WISP_EXIT_HOST_ERROR, "the guest stopped");
            uint8_t rec[MIGRATION_RECORD_SIZE];
            migration_put_record(rec, MIGRATION_RECORD_PAGES, t->gpa + start * 4096, count);
            if (send_bytes(m, rec, sizeof rec, err) < 0 ||
                send_bytes(m, t->host + start * 4096, (size_t)(count * 4096), err) < 0)
                return -1;
            m->pages_sent += count;
        }
        memset(t->todo, 0, dirty_bitmap_words(t->pages) * sizeof *t->todo);
    }
    return 0;
}

/* Pass 1: every page that is not zero (the destination starts zeroed). */
static void mark_nonzero(struct vm_migration *m)
{
    for (unsigned b = 0; b < m->bank_count; b++) {
        struct bank_track *t = &m->banks[b];
        for (uint64_t p = 0; p < t->pages; p++)
            if (!page_is_zero(t->host + p * 4096))
                dirty_bitmap_set(t->todo, p);
    }
}

/* The pages written since the last call: the accelerator's log and wisp's
 * own writes. Returns their count, or -1. */
static int64_t collect(struct vm_migration *m, struct wisp_error *err)
{
    uint64_t n = 0;
    for (unsigned b = 0; b < m->bank_count; b++) {
        struct bank_track *t = &m->banks[b];
        if (accel_vm_dirty_log_take(m->vm->accel, t->gpa, t->todo, err) < 0)
            return -1;
        dirty_bitmap_merge(t->todo, t->host_dirty, t->pages, true);
        n += dirty_bitmap_count(t->todo, t->pages);
    }
    return (int64_t)n;
}

static void tracking(struct vm_migration *m, bool on)
{
    for (unsigned b = 0; b < m->bank_count; b++)
        __atomic_store_n(&m->vm->memory.banks[b].host_dirty, on ? m->banks[b].host_dirty : NULL,
                         __ATOMIC_RELEASE);
}

struct pass_report {
    unsigned pass;
    uint64_t dirty;
    double rate, bandwidth, expected_ms;
};

static void set_pass(struct vm_migrate_status *s, const void *arg)
{
    const struct pass_report *r = arg;
    s->pass = r->pass;
    s->dirty_pages = r->dirty;
    s->dirty_pages_per_s = r->rate;
    s->bandwidth_mib_s = r->bandwidth / (1024.0 * 1024.0);
    s->expected_downtime_ms = r->expected_ms;
}

static void set_pass_number(struct vm_migrate_status *s, const void *arg)
{
    s->pass = *(const unsigned *)arg; /* the last pass's figures stay until this one's */
}

static double ms_since(uint64_t t)
{
    return (double)(clock_monotonic_ns() - t) / 1e6;
}

/* Steps 1 and 2; on return the last collection's pages are marked. */
static int precopy(struct vm_migration *m, struct wisp_error *err)
{
    struct vm *vm = m->vm;
    struct snapshot_writer *w = NULL;
    uint8_t *head = NULL;
    size_t size = 0;
    if (snapshot_writer_create_memory(&w, err) < 0)
        return -1;
    if (vm_snapshot_config(vm, w, err) < 0) {
        snapshot_writer_abort(w);
        return -1;
    }
    if (snapshot_writer_finish_head(w, &head, &size, err) < 0)
        return -1;
    uint8_t hdr[MIGRATION_HEADER_SIZE];
    migration_put_header(hdr);
    int rc = send_bytes(m, hdr, sizeof hdr, err) < 0 ? -1
             : send_head(m, MIGRATION_RECORD_MACHINE, head, size, err);
    free(head);
    if (rc < 0)
        return -1;
    if (accel_vm_dirty_log_start(vm->accel, err) < 0)
        return -1;
    tracking(m, true);
    mark_nonzero(m);
    for (unsigned pass = 1;; pass++) {
        uint64_t t0 = clock_monotonic_ns();
        m->pass_bytes = 0;
        struct pass_report r = { .pass = pass };
        update(m, set_pass_number, &pass);
        if (send_marked(m, err) < 0)
            return -1;
        double secs = (double)(clock_monotonic_ns() - t0) / 1e9;
        if (secs < 1e-3)
            secs = 1e-3;
        int64_t dirty = collect(m, err);
        if (dirty < 0)
            return -1;
        r.dirty = (uint64_t)dirty;
        r.rate = (double)dirty / secs;
        r.bandwidth = (double)m->pass_bytes / secs;
        if (r.bandwidth < 1e6)
            r.bandwidth = 1e6; /* an almost empty pass measures nothing; assume 1 MB/s */
        r.expected_ms = (double)dirty * (4096.0 + MIGRATION_RECORD_SIZE) / r.bandwidth * 1e3;
        update(m, set_pass, &r);
        if (r.expected_ms <= (double)m->max_downtime_ms || pass >= m->max_passes)
            return 0;
    }
}

/* Step 3, the world paused by the caller. */
static int stop_and_copy(struct vm_migration *m, struct wisp_error *err)
{
    struct vm *vm = m->vm;
    struct snapshot_writer *w = NULL;
    uint8_t *head = NULL;
    size_t size = 0;
    uart_write_queue_take(vm); /* no byte the guest wrote is left behind */
    host_mutex_lock(&vm->device_lock);
    vm_devices_quiesce(vm); /* before the last collection: no device writes after it */
    int rc = collect(m, err) < 0 ? -1 : snapshot_writer_create_memory(&w, err);
    if (rc == 0 && vm_snapshot_sections(vm, w, err) < 0) {
        snapshot_writer_abort(w);
        rc = -1;
    }
    if (rc == 0)
        rc = snapshot_writer_finish_head(w, &head, &size, err);
    host_mutex_unlock(&vm->device_lock);
    if (rc == 0)
        rc = send_marked(m, err);
    if (rc == 0)
        rc = send_head(m, MIGRATION_RECORD_STATE, head, size, err);
    free(head);
    if (rc < 0)
        return -1;
    struct migration_reader r = { .read = io_read, .ctx = m };
    char why[MIGRATION_MAX_MESSAGE + 1];
    int answer = migration_read_answer(&r, why, sizeof why);
    if (answer == 1)
        return 0;
    if (answer == 0)
        return wisp_fail(err, WISP_EXIT_HOST_ERROR, "the destination refused the state: %s", why);
    return wisp_fail(err, WISP_EXIT_HOST_ERROR, "%s", why);
}

struct outcome {
    bool ok;
    const char *why;
    double total_ms, downtime_ms;
    uint64_t pages;
};

static void set_outcome(struct vm_migrate_status *s, const void *arg)
{
    const struct outcome *o = arg;
    s->state = o->ok ? VM_MIGRATE_COMPLETED : VM_MIGRATE_FAILED;
    const char *why = o->ok ? "" : o->why;
    size_t n = strnlen(why, sizeof s->reason - 1); /* a long reason is cut */
    memcpy(s->reason, why, n);
    s->reason[n] = '\0';
    s->total_ms = o->total_ms;
    s->downtime_ms = o->downtime_ms;
    s->pages = o->pages;
}

static void run_job(struct vm_migration *m)
{
    struct vm *vm = m->vm;
    struct wisp_error err = { 0 };
    uint64_t start = clock_monotonic_ns(), stopped = 0;
    bool paused = false;
    m->pages_sent = 0;
    int rc = migration_connect(m->uri, &m->fd, &err);
    if (rc == 0)
        rc = precopy(m, &err);
    if (rc == 0) {
        stopped = clock_monotonic_ns();
        vm_pause(vm);
        paused = true;
        rc = stop_and_copy(m, &err);
    }
    struct outcome o = { .ok = rc == 0, .why = err.message, .total_ms = ms_since(start),
                         .downtime_ms = stopped ? ms_since(stopped) : 0,
                         .pages = m->pages_sent };
    tracking(m, false);
    accel_vm_dirty_log_stop(vm->accel);
    migration_close(m->fd);
    m->fd = -1;
    struct vm_migrate_status s;
    vm_migration_query(m, &s);
    if (rc == 0) {
        fprintf(stderr, "wisp: migrated to %s: %.1f ms in all, the guest stood still %.1f ms, "
                        "%u passes, %llu bytes (%llu pages)\n",
                m->uri, o.total_ms, o.downtime_ms, s.pass, (unsigned long long)s.bytes,
                (unsigned long long)m->pages_sent);
        update(m, set_outcome, &o);
        /* The guest lives on at the destination: this wisp ends (status 0)
         * and its vCPUs never run again. */
        vm_request_stop(vm, VM_STOP_MIGRATED, WISP_EXIT_OK);
    } else {
        fprintf(stderr, "wisp: migration to %s failed: %s; the guest runs on here\n", m->uri,
                err.message);
        vm_devices_thaw(vm);
        update(m, set_outcome, &o);
    }
    if (paused)
        vm_resume(vm);
}

/* glibc reads /proc/sys/vm/overcommit_memory the first time it gives
 * memory of a thread's malloc arena back (when a large free leaves the
 * arena's top big, and as a thread ends), and remembers the answer. The
 * migration thread's seccomp filter lets it open no file: have that
 * happen now, before the filter, by filling and emptying this thread's
 * arena below the mmap threshold. */
static void settle_malloc(void)
{
    void *p[8];
    for (int i = 0; i < 8; i++)
        p[i] = malloc(96 * 1024);
    for (int i = 7; i >= 0; i--)
        free(p[i]);
}

static void *thread_main(void *arg)
{
    struct vm_migration *m = arg;
    settle_malloc();
    sandbox_thread_begin(SANDBOX_THREAD_MIGRATION);
    host_mutex_lock(&m->lock);
    for (;;) {
        while (!m->job && !m->quit)
            host_cond_wait(&m->cond, &m->lock);
        if (m->quit)
            break;
        host_mutex_unlock(&m->lock);
        run_job(m);
        host_mutex_lock(&m->lock);
        m->job = false;
    }
    host_mutex_unlock(&m->lock);
    return NULL;
}

int vm_migration_create(struct vm *vm, struct vm_migration **out, struct wisp_error *err)
{
    struct vm_migration *m = calloc(1, sizeof *m);
    if (!m)
        return wisp_fail(err, WISP_EXIT_HOST_ERROR, "out of memory");
    m->vm = vm;
    m->fd = -1;
    host_mutex_init(&m->lock);
    host_cond_init(&m->cond);
    if (host_thread_start_worker(&m->thread, "wisp-migrate", thread_main, m, err) < 0) {
        vm_migration_destroy(m);
        return -1;
    }
    m->thread_started = true;
    *out = m;
    return 0;
}

/* The banks as they are once vm_create has made them (at the first job). */
static int track_banks(struct vm_migration *m, struct wisp_error *err)
{
    const struct guest_memory *gm = &m->vm->memory;
    if (m->bank_count)
        return 0;
    for (int i = 0; i < gm->count; i++) {
        struct bank_track *t = &m->banks[i];
        t->gpa = gm->banks[i].gpa;
        t->pages = gm->banks[i].size / 4096;
        t->host = gm->banks[i].host;
        size_t words = dirty_bitmap_words(t->pages);
        t->todo = calloc(words ? words : 1, sizeof *t->todo);
        t->host_dirty = calloc(words ? words : 1, sizeof *t->host_dirty);
        if (!t->todo || !t->host_dirty)
            return wisp_fail(err, WISP_EXIT_HOST_ERROR, "out of memory");
    }
    m->bank_count = (unsigned)gm->count;
    return 0;
}

int vm_migration_start(struct vm_migration *m, const struct vm_migrate_request *req,
                       struct wisp_error *err)
{
    const char *why = vm_state_unsupported(m->vm);
    if (why)
        return wisp_fail(err, WISP_EXIT_USAGE, "migrate: %s", why);
    if (migration_uri_check(req->uri, err) < 0)
        return -1;
    if (strlen(req->uri) >= sizeof m->uri)
        return wisp_fail(err, WISP_EXIT_USAGE, "migrate: the URI is too long");
    host_mutex_lock(&m->lock);
    int rc = 0;
    if (m->job || m->status.state == VM_MIGRATE_ACTIVE)
        rc = wisp_fail(err, WISP_EXIT_HOST_ERROR, "a migration is already active (pass %u)",
                       m->status.pass);
    else if (m->status.state == VM_MIGRATE_COMPLETED)
        rc = wisp_fail(err, WISP_EXIT_HOST_ERROR, "the guest has migrated already");
    if (rc == 0 && track_banks(m, err) < 0)
        rc = -1;
    if (rc == 0) {
        snprintf(m->uri, sizeof m->uri, "%s", req->uri);
        m->max_downtime_ms = req->max_downtime_ms;
        m->max_passes = req->max_passes;
        memset(&m->status, 0, sizeof m->status);
        m->status.state = VM_MIGRATE_ACTIVE;
        m->job = true;
        host_cond_broadcast(&m->cond);
    }
    host_mutex_unlock(&m->lock);
    return rc;
}

void vm_migration_query(struct vm_migration *m, struct vm_migrate_status *out)
{
    host_mutex_lock(&m->lock);
    *out = m->status;
    host_mutex_unlock(&m->lock);
}

void vm_migration_destroy(struct vm_migration *m)
{
    if (!m)
        return;
    if (m->thread_started) {
        __atomic_store_n(&m->cancel, 1, __ATOMIC_RELEASE);
        host_mutex_lock(&m->lock);
        m->quit = true;
        host_cond_broadcast(&m->cond);
        host_mutex_unlock(&m->lock);
        host_thread_join(&m->thread);
    }
    tracking(m, false);
    for (unsigned b = 0; b < m->bank_count; b++) {
        free(m->banks[b].todo);
        free(m->banks[b].host_dirty);
    }
    host_cond_destroy(&m->cond);
    host_mutex_destroy(&m->lock);
    free(m);
}
