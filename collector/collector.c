/*
 * Collector (see collector.h). Data model: a stack table keyed by thread
 * serial, and an array of thread records (one per serial ever seen) holding
 * the thread's tid, last known name and counters. Slots feed records; a slot
 * is freed for reuse only after its final drain, so nothing a thread
 * recorded is lost when it exits.
 */
#include "collector/collector.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "collector/folded.h"
#include "collector/meta.h"
#include "collector/stacktab.h"
#include "collector/symbolize.h"
#include "preload/alloc.h"
#include "preload/allocsite.h"
#include "preload/hooks.h"
#include "preload/log.h"
#include "preload/sampler.h"
#include "preload/threads.h"
#include "preload/unwind.h"
#include "preload/wait.h"

#define DRAIN_INTERVAL_MS 50
#define NAME_REFRESH_EVERY 20   /* drains: names and liveness once a second */

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake;
static pthread_t thread;
static bool thread_running, stop_requested, finished;
static bool want_thread;           /* collector_start's drain_thread */
static struct collector_session sess;
static struct stacktab *table;
static struct thread_rec *threads;
static size_t nthreads, cap_threads;
static uint64_t *scratch;          /* one record's pcs, copied out of a ring */
static uint64_t table_oom;         /* weight lost because the table could not grow */
static uint64_t alloc_oom;         /* allocation sites lost to memory */
static uint64_t wait_oom;          /* wait records lost to memory */

static uint64_t now_ns(clockid_t clk)
{
    struct timespec ts;
    clock_gettime(clk, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static struct thread_rec *rec_for_slot(struct tslot *s)
{
    if (s->coll_serial == s->serial && s->coll_idx < nthreads)
        return &threads[s->coll_idx];
    if (nthreads == cap_threads) {
        size_t cap = cap_threads ? cap_threads * 2 : 64;
        struct thread_rec *n = realloc(threads, cap * sizeof *n);
        if (!n)
            return NULL;
        threads = n;
        cap_threads = cap;
    }
    struct thread_rec *r = &threads[nthreads];
    memset(r, 0, sizeof *r);
    r->serial = s->serial;
    r->tid = s->tid;
    s->coll_serial = s->serial;
    s->coll_idx = nthreads++;
    return r;
}

/* The thread's name from /proc, if it can be read (not in a chroot
 * without /proc, say): name is left alone otherwise. */
static void read_comm(pid_t tid, char *name, size_t len)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/self/task/%d/comm", (int)tid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    char buf[THREAD_NAME_LEN + 1];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return;
    if (buf[n - 1] == '\n')
        n--;
    if ((size_t)n >= len)
        n = (ssize_t)len - 1;
    memcpy(name, buf, (size_t)n);
    name[n] = 0;
}

/* Is thread tid of this process gone? Asked of the kernel, never of /proc:
 * a process that chroots or runs in another PID namespace's /proc would
 * otherwise have live threads declared dead and their slots handed to new
 * threads while still in use. */
static bool thread_gone(pid_t tid)
{
    return syscall(SYS_tgkill, getpid(), tid, 0) != 0 && errno == ESRCH;
}

/* Retire slot s if its thread left without our exit hook (a thread that
 * predates the constructor, or one that left by a raw exit syscall). */
static bool retire_if_gone(struct tslot *s)
{
    if (!thread_gone(s->tid))
        return false;
    sampler_disarm(s);
    threads_retire(s);
    return true;
}

/* One allocation site (allocsite.h) into the table: bytes as the main
 * weight, count and live bytes as the extra ones. Sites of one thread and
 * stack (a slot's index rebuilt) add up. */
static void merge_site(const struct alloc_site *site, void *arg)
{
    (void)arg;
    uint64_t bytes = atomic_load_explicit(&site->bytes, memory_order_relaxed);
    uint64_t count = atomic_load_explicit(&site->count_fx, memory_order_relaxed);
    uint64_t in = atomic_load_explicit(&site->live_in, memory_order_relaxed);
    uint64_t out = atomic_load_explicit(&site->live_out, memory_order_relaxed) +
                   atomic_load_explicit(&site->live_out_own, memory_order_relaxed);
    if (!bytes && !count)
        return;
    long i = stacktab_add_index(table, site->serial, REC_ALLOC, site->flags, site->pcs, site->n,
                                bytes);
    if (i < 0) {
        alloc_oom++;
        return;
    }
    stacktab_add_extra(table, (size_t)i, 1, (int64_t)(count > INT64_MAX ? INT64_MAX : count));
    /* A free racing with this read may be seen before its block's
     * allocation: never below zero. */
    if (in > out)
        stacktab_add_extra(table, (size_t)i, 2, (int64_t)(in - out > INT64_MAX ? INT64_MAX : in - out));
}

/* A sampled lock/I/O wait: key kind REC_WAIT | label << 8 (the label is
 * part of the stack's identity: it becomes the leaf); weight = ns, w1 =
 * count (1/65536), w2 = bytes. */
static void wait_record(uint64_t serial, uint32_t label, unsigned flags, unsigned n,
                        uint64_t ns, uint64_t count, uint64_t bytes)
{
    long i = stacktab_add_index(table, serial, REC_WAIT | label << 8, flags, scratch, n, ns);
    if (i < 0) {
        wait_oom++;
        return;
    }
    stacktab_add_extra(table, (size_t)i, 1, (int64_t)(count > INT64_MAX ? INT64_MAX : count));
    if (bytes)
        stacktab_add_extra(table, (size_t)i, 2, (int64_t)(bytes > INT64_MAX ? INT64_MAX : bytes));
}

/* Move every complete record of slot s into the table. Caller holds lock. */
static void drain_slot(struct tslot *s, bool refresh)
{
    int state = atomic_load_explicit(&s->state, memory_order_acquire);
    if (state != SLOT_ACTIVE && state != SLOT_EXITED)
        return;
    struct thread_rec *r = rec_for_slot(s);
    struct ring *ring = &s->ring;
    uint64_t head = atomic_load_explicit(&ring->head, memory_order_acquire);
    uint64_t tail = atomic_load_explicit(&ring->tail, memory_order_relaxed);
    while (tail < head) {
        uint64_t hdr = ring->words[tail & ring->mask];
        unsigned kind = RING_HDR_KIND(hdr);
        if (kind == REC_WAIT) {
            unsigned n = RING_HDR_N(hdr);
            for (unsigned i = 0; i < n; i++)
                scratch[i] = ring->words[(tail + 4 + i) & ring->mask];
            wait_record(s->serial, RING_HDR_WEIGHT(hdr), RING_HDR_FLAGS(hdr), n,
                        ring->words[(tail + 1) & ring->mask],
                        ring->words[(tail + 2) & ring->mask],
                        ring->words[(tail + 3) & ring->mask]);
        } else {
            unsigned n = RING_HDR_N(hdr);
            for (unsigned i = 0; i < n; i++)
                scratch[i] = ring->words[(tail + 1 + i) & ring->mask];
            uint64_t w = RING_HDR_WEIGHT(hdr);
            if (stacktab_add(table, s->serial, kind, RING_HDR_FLAGS(hdr), scratch, n, w) < 0)
                table_oom += w;
            else if (r)
                r->recorded += w;
        }
        tail += ring_record_words(hdr);
    }
    atomic_store_explicit(&ring->tail, tail, memory_order_release);
    if (!r)
        return;
    r->samples = atomic_load(&s->samples);
    r->dropped = atomic_load(&s->dropped);
    r->unwind_fail = atomic_load(&s->unwind_fail);
    r->truncated = atomic_load(&s->truncated);
    r->shallow = atomic_load(&s->shallow);
    r->alloc_sampled = atomic_load(&s->alloc_sampled);
    r->alloc_dropped = atomic_load(&s->alloc_dropped);
    r->wait_sampled = atomic_load(&s->wait_sampled);
    r->wait_dropped = atomic_load(&s->wait_dropped);
    if (state == SLOT_EXITED) {
        if (s->name[0])
            memcpy(r->name, s->name, sizeof r->name);
        r->exited = true;
        threads_free(s);
        return;
    }
    if (refresh || !r->name[0]) {
        read_comm(s->tid, r->name, sizeof r->name);
        if (refresh && !retire_if_gone(s))
            sampler_check(s);
    }
}

static void drain_all(bool refresh)
{
    unsigned high = atomic_load(&threads_high);
    for (unsigned i = 0; i < high; i++)
        drain_slot(&threads_slots[i], refresh);
}

/* Without a drain thread, a program thread does the collector's slot
 * bookkeeping, so it must never block on the collector's lock or be
 * interrupted holding it: a handler of the program that calls _exit, exec
 * or fork would take the lock again on the same thread (a hang). All
 * signals are blocked and the lock is only tried; whatever is skipped
 * waits for the next call or for the end. */
static void with_lock_unsignalled(void (*fn)(void))
{
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    if (pthread_mutex_trylock(&lock) == 0) {
        if (table && !finished)
            fn();
        pthread_mutex_unlock(&lock);
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
}

static void drain_exited(void)
{
    unsigned high = atomic_load(&threads_high);
    for (unsigned i = 0; i < high; i++) {
        struct tslot *s = &threads_slots[i];
        if (atomic_load_explicit(&s->state, memory_order_acquire) == SLOT_EXITED)
            drain_slot(s, false);
    }
}

static void reap_gone(void)
{
    unsigned high = atomic_load(&threads_high);
    pid_t self = threads_gettid();
    for (unsigned i = 0; i < high; i++) {
        struct tslot *s = &threads_slots[i];
        if (atomic_load_explicit(&s->state, memory_order_acquire) == SLOT_ACTIVE && s->tid != self)
            retire_if_gone(s);
    }
    drain_exited();
}

void collector_recycle_exited(void)
{
    with_lock_unsignalled(drain_exited);
}

void collector_reap(void)
{
    with_lock_unsignalled(reap_gone);
}

void collector_kick(void)
{
    pthread_cond_signal(&wake);
}

static void *collector_main(void *arg)
{
    (void)arg;
    /* Everything this thread allocates is the profiler's own. */
    tstate.guard = 1;
    tstate.alloc_left = INT64_MAX / 2;
    tstate.wait_left = INT64_MAX / 2;
    prctl(PR_SET_NAME, "flamepre-coll");
    unsigned iter = 0;
    pthread_mutex_lock(&lock);
    while (!stop_requested) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_nsec += DRAIN_INTERVAL_MS * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&wake, &lock, &ts);
        if (stop_requested)
            break;
        drain_all(++iter % NAME_REFRESH_EVERY == 0);
    }
    pthread_mutex_unlock(&lock);
    return NULL;
}

/* Start the drain thread with every signal blocked, so the program's
 * signals never land on it and our sampling signal is never handled there. */
static int start_thread(void)
{
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    stop_requested = false;
    /* The real pthread_create: the collector is not a thread to profile. */
    hooks_ensure();
    int rc = real.pthread_create ? real.pthread_create(&thread, NULL, collector_main, NULL) : -1;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    thread_running = rc == 0;
    return rc == 0 ? 0 : -1;
}

bool collector_threaded(void)
{
    return want_thread;
}

int collector_start(const struct collector_session *s, bool drain_thread)
{
    sess = *s;
    want_thread = drain_thread;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&wake, &ca);
    pthread_condattr_destroy(&ca);
    table = stacktab_new();
    scratch = malloc(CONFIG_MAX_DEPTH * sizeof *scratch);
    if (!table || !scratch) {
        log_error("out of memory at start; profiling disabled");
        return -1;
    }
    if (want_thread && start_thread() < 0) {
        log_error("cannot start the collector thread; profiling disabled");
        return -1;
    }
    return 0;
}

/* ---- writing ---- */

struct buf {
    char *p;
    size_t len, cap;
};

static void buf_add(struct buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 4096;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *np = realloc(b->p, cap);
        if (!np)
            return;   /* the line is cut; folded_add still gets valid text */
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = 0;
}

static void buf_str(struct buf *b, const char *s)
{
    buf_add(b, s, strlen(s));
}

static int rec_cmp_serial(const void *a, const void *b)
{
    uint64_t x = ((const struct thread_rec *)a)->serial, y = ((const struct thread_rec *)b)->serial;
    return x < y ? -1 : x > y;
}

static struct thread_rec *rec_by_serial(uint64_t serial)
{
    struct thread_rec key = {.serial = serial};
    return bsearch(&key, threads, nthreads, sizeof *threads, rec_cmp_serial);
}

/* Which weight of an entry a folded file shows. */
enum metric_weight { W_MAIN, W_COUNT, W_LIVE };

static uint64_t entry_weight(const struct stack_entry *e, enum metric_weight w)
{
    switch (w) {
    case W_COUNT: return (e->w1 + ALLOC_COUNT_ONE / 2) / ALLOC_COUNT_ONE;
    case W_LIVE: return e->w2;
    default: return e->weight;
    }
}

/* Start a folded line for entry e: the thread's root frame (unless threads
 * are merged), then the marker frame that says the stack is not whole. */
static void stack_prefix(struct buf *b, const struct stack_entry *e)
{
    b->len = 0;
    if (sess.cfg->threads) {
        struct thread_rec *r = rec_by_serial(e->serial);
        char frame[THREAD_NAME_LEN + 48];
        char name[THREAD_NAME_LEN];
        snprintf(name, sizeof name, "%s", r && r->name[0] ? r->name : "?");
        folded_sanitize_frame(name);
        snprintf(frame, sizeof frame, "[%s tid=%d]", name, r ? (int)r->tid : 0);
        buf_str(b, frame);
    }
    const char *marker = NULL;
    if (e->flags & UNW_F_SHALLOW)
        marker = "[not unwound: in loader or unwinder]";
    else if (e->flags & UNW_F_TRUNCATED)
        marker = "[truncated]";
    else if (e->flags & UNW_F_FAILED)
        marker = "[unwind failed]";
    if (marker) {
        if (b->len)
            buf_add(b, ";", 1);
        buf_str(b, marker);
    }
}

static void build_folded(struct folded *f, struct symbolizer *sym, uint32_t kind,
                         enum metric_weight which, struct meta_counts *mc)
{
    struct buf b = {0};
    for (size_t i = 0; i < stacktab_size(table); i++) {
        struct stack_entry e;
        stacktab_get(table, i, &e);
        if (e.kind != kind)
            continue;
        uint64_t weight = entry_weight(&e, which);
        if (weight == 0)
            continue;
        stack_prefix(&b, &e);
        for (uint32_t k = e.n; k-- > 0;) {
            /* Return addresses point after the call; name the call. */
            uintptr_t pc = k == 0 ? e.pcs[k] : e.pcs[k] - 1;
            if (b.len)
                buf_add(&b, ";", 1);
            buf_str(&b, symbolizer_name(sym, pc));
        }
        if (b.len == 0)
            buf_str(&b, "[no frames]");
        if (folded_add(f, b.p, b.len, weight) < 0)
            mc->lost_oom += weight;
    }
    free(b.p);
}

/* Frame naming the lock of a WAIT_F_OBJ record. */
static void wait_obj_frame(char *out, size_t len, unsigned call, uint64_t addr)
{
    const char *what = "lock";
    const char *name = wait_call_name(call);
    if (strstr(name, "mutex"))
        what = "mutex";
    else if (strstr(name, "rwlock"))
        what = "rwlock";
    else if (strstr(name, "spin"))
        what = "spinlock";
    else if (strstr(name, "sem_"))
        what = "sem";
    else if (strstr(name, "cond"))
        what = "cond";
    snprintf(out, len, "[%s 0x%llx]", what, (unsigned long long)addr);
}

/* Folded stacks of the waits of class `cls`, leaf = the call's label. */
static void build_wait_folded(struct folded *f, struct symbolizer *sym, enum wait_class cls,
                              enum metric_weight which, struct meta_counts *mc)
{
    struct buf b = {0};
    for (size_t i = 0; i < stacktab_size(table); i++) {
        struct stack_entry e;
        stacktab_get(table, i, &e);
        if ((e.kind & 0xff) != REC_WAIT)
            continue;
        uint32_t label = e.kind >> 8;
        if (wait_call_class(WAIT_LABEL_CALL(label)) != cls)
            continue;
        uint64_t weight = entry_weight(&e, which);
        if (weight == 0)
            continue;
        stack_prefix(&b, &e);
        uint32_t first = e.flags & WAIT_F_OBJ ? 1 : 0;
        /* pcs[first] is the return address into the program's code that
         * called the interposer: name the call site (pc - 1). */
        for (uint32_t k = e.n; k-- > first;) {
            if (b.len)
                buf_add(&b, ";", 1);
            buf_str(&b, symbolizer_name(sym, e.pcs[k] - 1));
        }
        char leaf[96];
        if (first && e.n > 0) {
            wait_obj_frame(leaf, sizeof leaf, WAIT_LABEL_CALL(label), e.pcs[0]);
            if (b.len)
                buf_add(&b, ";", 1);
            buf_str(&b, leaf);
        }
        wait_label_string(label, leaf, sizeof leaf);
        if (b.len)
            buf_add(&b, ";", 1);
        buf_str(&b, leaf);
        if (folded_add(f, b.p, b.len, weight) < 0)
            mc->lost_oom += weight;
    }
    free(b.p);
}

static void output_path(char *out, size_t len, const char *what)
{
    snprintf(out, len, "%s/%s.%d.%s", sess.outdir, sess.comm, (int)sess.pid, what);
}

/* Write one metric's folded file (<comm>.<pid>.<metric>.folded), report
 * it, keep its totals for meta.json and free it. */
static void write_metric(struct folded *f, const char *metric, uint64_t *total, size_t *stacks)
{
    char path[CONFIG_PATH_MAX + 96], what[48];
    snprintf(what, sizeof what, "%s.folded", metric);
    output_path(path, sizeof path, what);
    if (folded_write_file(f, path) < 0)
        log_error("cannot write %s: %s", path, strerror(errno));
    else
        log_info("wrote %s (total %llu, %zu stacks)", path, (unsigned long long)folded_total(f),
                 folded_distinct(f));
    *total = folded_total(f);
    *stacks = folded_distinct(f);
    folded_free(f);
}

static void write_outputs(const char *how)
{
    /* Sorted for rec_by_serial; slots no longer feed records after this. */
    qsort(threads, nthreads, sizeof *threads, rec_cmp_serial);

    struct symbolizer *sym = symbolizer_new();
    if (sym)
        symbolizer_add_self_modules(sym);

    struct meta m;
    memset(&m, 0, sizeof m);
    m.sess = &sess;
    m.how = how;
    m.end_ns = now_ns(CLOCK_REALTIME);
    m.duration_ns = now_ns(CLOCK_MONOTONIC) - sess.start_mono_ns;
    m.threads = threads;
    m.nthreads = nthreads;
    m.threads_unprofiled = atomic_load(&threads_unprofiled);
    m.threads_unarmed = sampler_arm_failures();
    m.clocks_rearmed = sampler_rearms();
    m.foreign_signals = sampler_foreign_signals();
    m.no_slot = sampler_no_slot();
    m.counts.lost_oom = table_oom;

    if (sess.cfg->events & EV_CPU && sym) {
        struct folded *f = folded_new();
        if (f) {
            build_folded(f, sym, REC_CPU, W_MAIN, &m.counts);
            write_metric(f, "cpu", &m.cpu_total, &m.cpu_stacks);
            m.has_cpu = true;
        }
    }
    if (sess.cfg->events & EV_ALLOC && sym) {
        static const struct {
            const char *file;
            enum metric_weight w;
        } am[3] = {{"alloc_bytes", W_MAIN}, {"alloc_count", W_COUNT}, {"live_bytes", W_LIVE}};
        for (int k = 0; k < 3; k++) {
            struct folded *f = folded_new();
            if (!f)
                continue;
            build_folded(f, sym, REC_ALLOC, am[k].w, &m.counts);
            write_metric(f, am[k].file, &m.alloc_total[k], &m.alloc_stacks[k]);
        }
        m.has_alloc = true;
        alloc_get_stats(&m.alloc);
        m.alloc_oom = alloc_oom;
    }
    if (sess.cfg->events & (EV_LOCK | EV_IO) && sym) {
        for (int k = 0; k < META_WAIT_METRICS; k++) {
            const struct meta_wait_metric *wm = &meta_wait_metrics[k];
            if (!(sess.cfg->events & wm->event))
                continue;
            struct folded *f = folded_new();
            if (!f)
                continue;
            build_wait_folded(f, sym, (enum wait_class)wm->cls,
                              wm->weight == 1 ? W_COUNT : wm->weight == 2 ? W_LIVE : W_MAIN,
                              &m.counts);
            write_metric(f, wm->name, &m.wait_total[k], &m.wait_stacks[k]);
            m.wait_written[k] = true;
        }
        m.has_wait = true;
        wait_get_stats(&m.wait);
        m.wait_oom = wait_oom;
    }
    if (sym)
        symbolizer_stats(sym, &m.sym);
    char path[CONFIG_PATH_MAX + 64];
    output_path(path, sizeof path, "meta.json");
    if (meta_write(path, &m) < 0)
        log_error("cannot write %s: %s", path, strerror(errno));
    symbolizer_free(sym);
}

static void stop_thread(void)
{
    if (!thread_running)
        return;
    stop_requested = true;
    pthread_cond_signal(&wake);
    pthread_mutex_unlock(&lock);
    if (!pthread_equal(pthread_self(), thread))
        pthread_join(thread, NULL);
    pthread_mutex_lock(&lock);
    thread_running = false;
}

void collector_finish(const char *how, bool only_if_data)
{
    pthread_mutex_lock(&lock);
    if (finished || !table) {
        pthread_mutex_unlock(&lock);
        return;
    }
    finished = true;
    stop_thread();
    drain_all(true);
    if (sess.cfg->events & EV_ALLOC)
        alloc_sites_foreach(merge_site, NULL);
    /* The caller's own name: prctl sees a rename /proc might not yet. */
    struct tslot *self = threads_self();
    if (self && self->coll_serial == self->serial && self->coll_idx < nthreads)
        prctl(PR_GET_NAME, threads[self->coll_idx].name);
    if (!only_if_data || stacktab_size(table) > 0)
        write_outputs(how);
    pthread_mutex_unlock(&lock);
}

void collector_fork_prepare(void)
{
    pthread_mutex_lock(&lock);
}

void collector_fork_parent(void)
{
    pthread_mutex_unlock(&lock);
}

void collector_fork_child(pid_t pid, pid_t ppid)
{
    /* Only the forking thread exists here; the drain thread did not follow.
     * Start over with an empty table under the child's own pid. */
    if (table)
        stacktab_clear(table);
    nthreads = 0;
    table_oom = 0;
    alloc_oom = 0;
    wait_oom = 0;
    thread_running = false;
    finished = false;
    sess.pid = pid;
    sess.ppid = ppid;
    sess.start_ns = now_ns(CLOCK_REALTIME);
    sess.start_mono_ns = now_ns(CLOCK_MONOTONIC);
    pthread_mutex_init(&lock, NULL);
    if (table && want_thread)
        start_thread();
}
