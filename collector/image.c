/*
 * Collection of one image (see image.h).
 */
#include "collector/image.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "collector/collector.h"
#include "collector/folded.h"
#include "collector/meta.h"
#include "collector/stacktab.h"
#include "collector/tlog.h"
#include "collector/wallsplit.h"
#include "format/frames.h"
#include "preload/alloc.h"
#include "preload/allocsite.h"
#include "preload/log.h"
#include "preload/outdir.h"
#include "preload/record.h"
#include "preload/sampler.h"
#include "preload/threads.h"
#include "preload/unwind.h"
#include "preload/wait.h"

struct image {
    struct layout_header *h; /* the mapping */
    pid_t proc_pid;          /* the process, as /proc and tgkill here know it */
    uint32_t epoch;          /* module-map epoch records are drained in */
    size_t size;
    struct image_hooks hooks;
    struct layout_header sess_copy; /* the session, copied at open */
    struct collector_session sess;
    struct stacktab *table;
    struct tlog *tlog; /* FLAMEPRE_TIMELINE: timed records, else NULL */
    struct thread_rec *threads;
    size_t nthreads, cap_threads;
    uint64_t *coll_serial; /* per slot: the serial its record has */
    size_t *coll_idx;      /* per slot: index of that record */
    uint64_t *scratch;     /* one record's pcs, copied out of a ring */
    uint64_t table_oom;    /* weight lost because the table could not grow */
    uint64_t wait_oom;     /* wait records lost to memory */
    uint64_t alloc_oom;    /* allocation sites lost to memory (last write) */
    /* threads without a slot (started outside pthread_create, such as
     * jemalloc's background threads): seen once (suspects), then again a
     * second later (counted) */
    pid_t *suspects, *counted;
    size_t nsuspects, ncounted;
    bool write_failed; /* its one line about unwritten files is said */
};

static uint64_t now_ns(clockid_t clk)
{
    struct timespec ts;
    clock_gettime(clk, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static struct tslot *slot_at(const struct image *img, unsigned i)
{
    return (struct tslot *)((char *)img->h + img->h->slots_off) + i;
}

static uint64_t *ring_at(const struct image *img, unsigned i)
{
    return (uint64_t *)((char *)img->h + img->h->rings_off) + (uint64_t)i * img->h->ring_words;
}

/* Every region in order and inside the mapping, with no sum that could
 * wrap: the host's numbers are not trusted. */
static bool regions_fit(const struct layout_header *h, size_t size)
{
    const uint64_t lim = (uint64_t)1 << 48;
    if (h->total_bytes > size || h->total_bytes > lim || !h->slots_max ||
        h->slots_max > THREADS_MAX || !h->ring_words || (h->ring_words & (h->ring_words - 1)) ||
        h->ring_words > lim / 8 / h->slots_max || h->slots_off > lim || h->rings_off > lim ||
        h->sites_off > lim || h->sites_bytes > lim ||
        (h->slots_off | h->rings_off | h->sites_off) & 63)
        return false;
    uint64_t slots_end = h->slots_off + (uint64_t)h->slots_max * sizeof(struct tslot);
    uint64_t rings_end = h->rings_off + (uint64_t)h->slots_max * h->ring_words * 8;
    return h->slots_off >= sizeof *h && slots_end <= h->rings_off && rings_end <= h->sites_off &&
           h->sites_off + h->sites_bytes <= h->total_bytes;
}

/* A bool of the host's config as 0 or 1: the host may have written any
 * byte there, and loading another value as a bool is undefined. */
static void bool_fix(bool *b)
{
    unsigned char v;
    memcpy(&v, b, 1);
    v = v != 0;
    memcpy(b, &v, 1);
}

const char *image_check(const struct layout_header *h, size_t size)
{
    if (size < sizeof *h || h->magic != LAYOUT_MAGIC)
        return "not a flamepre mapping";
    if (h->version != LAYOUT_VERSION || h->header_bytes != sizeof *h ||
        h->slot_bytes != sizeof(struct tslot))
        return "layout version differs from this build";
    if (!regions_fit(h, size))
        return "regions do not fit the mapping";
    return NULL;
}

struct image *image_open(void *base, size_t size, const struct image_hooks *hooks, const char **why)
{
    struct layout_header *h = base;
    if ((*why = image_check(h, size)))
        return NULL;
    struct image *img = calloc(1, sizeof *img);
    if (!img) {
        *why = "out of memory";
        return NULL;
    }
    img->h = h;
    img->size = size;
    if (hooks)
        img->hooks = *hooks;
    memcpy(&img->sess_copy, h, sizeof *h);
    struct layout_header *c = &img->sess_copy;
    c->comm[sizeof c->comm - 1] = 0;
    c->outdir[sizeof c->outdir - 1] = 0;
    c->cfg.output[sizeof c->cfg.output - 1] = 0;
    c->cfg.log_file[sizeof c->cfg.log_file - 1] = 0;
    if (c->cmdline_len > sizeof c->cmdline)
        c->cmdline_len = sizeof c->cmdline;
    if (c->cfg.depth > CONFIG_MAX_DEPTH)
        c->cfg.depth = CONFIG_MAX_DEPTH;
    bool *flags[] = {&c->cfg.threads,  &c->cfg.disable,       &c->cfg.lock_addr,
                     &c->cfg.timeline, &c->cfg.inline_frames, &c->cfg.lines};
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
        bool_fix(flags[i]);
    img->sess.cfg = &c->cfg;
    snprintf(img->sess.outdir, sizeof img->sess.outdir, "%s", c->outdir);
    snprintf(img->sess.comm, sizeof img->sess.comm, "%s", c->comm);
    for (char *p = img->sess.comm; *p; p++)
        if (*p == '/' || *p == ' ' || (unsigned char)*p < 0x20)
            *p = '_';
    img->sess.pid = c->pid;
    img->proc_pid = c->pid;
    img->sess.ppid = c->ppid;
    img->sess.cmdline = c->cmdline;
    img->sess.cmdline_len = c->cmdline_len;
    img->sess.start_ns = c->start_ns;
    img->sess.start_mono_ns = c->start_mono_ns;
    img->table = stacktab_new();
    if (c->cfg.timeline && !(img->tlog = tlog_new())) {
        image_free(img);
        *why = "out of memory";
        return NULL;
    }
    img->scratch = malloc(CONFIG_MAX_DEPTH * sizeof *img->scratch);
    img->coll_serial = calloc(h->slots_max ? h->slots_max : 1, sizeof *img->coll_serial);
    img->coll_idx = calloc(h->slots_max ? h->slots_max : 1, sizeof *img->coll_idx);
    if (!img->table || !img->scratch || !img->coll_serial || !img->coll_idx) {
        image_free(img);
        *why = "out of memory";
        return NULL;
    }
    return img;
}

void image_free(struct image *img)
{
    if (!img)
        return;
    stacktab_free(img->table);
    tlog_free(img->tlog);
    free(img->threads);
    free(img->coll_serial);
    free(img->coll_idx);
    free(img->scratch);
    free(img->suspects);
    free(img->counted);
    free(img);
}

/* Table keys: the thread serial, with the module-map epoch of the drain
 * in the top 16 bits (serials are counted from 1 and stay far below). */
#define KEY_EPOCH_SHIFT 48
#define KEY_SERIAL(k) ((k) & (((uint64_t)1 << KEY_EPOCH_SHIFT) - 1))
#define KEY_EPOCH(k) ((uint32_t)((k) >> KEY_EPOCH_SHIFT))

/* The key of an allocation site's stack: sites carry no epoch, so their
 * stacks are named in the latest map. */
static uint64_t alloc_key(uint64_t serial)
{
    return KEY_SERIAL(serial) | (uint64_t)SYMBOLIZER_EPOCH_ANY << KEY_EPOCH_SHIFT;
}

void image_set_epoch(struct image *img, uint32_t epoch)
{
    img->epoch = epoch & 0xffffu;
}

void image_set_proc_pid(struct image *img, pid_t pid)
{
    img->proc_pid = pid;
}

const struct layout_header *image_header(const struct image *img)
{
    return &img->sess_copy;
}

bool image_has_data(const struct image *img)
{
    /* (every table entry came from a ring, whose head then moved) */
    return layout_has_data(img->h);
}

static struct thread_rec *rec_for_slot(struct image *img, unsigned i, const struct tslot *s)
{
    if (img->coll_serial[i] == s->serial && img->coll_idx[i] < img->nthreads)
        return &img->threads[img->coll_idx[i]];
    if (img->nthreads == img->cap_threads) {
        size_t cap = img->cap_threads ? img->cap_threads * 2 : 64;
        struct thread_rec *n = realloc(img->threads, cap * sizeof *n);
        if (!n)
            return NULL;
        img->threads = n;
        img->cap_threads = cap;
    }
    struct thread_rec *r = &img->threads[img->nthreads];
    memset(r, 0, sizeof *r);
    r->serial = s->serial;
    r->tid = s->tid;
    r->last_cpu = -1;
    img->coll_serial[i] = s->serial;
    img->coll_idx[i] = img->nthreads++;
    return r;
}

/* The thread's name from /proc, if it can be read (not in a chroot
 * without /proc, say): name is left alone otherwise. */
static void read_comm(pid_t pid, pid_t tid, char *name, size_t len)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task/%d/comm", (int)pid, (int)tid);
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

/* Is thread tid of process pid gone? Asked of the kernel first: a process
 * that chroots or runs in another PID namespace's /proc would otherwise
 * have live threads declared dead and their slots handed to new threads
 * while still in use. Where the kernel will not say (another user's
 * process, after a privilege drop), /proc/<pid>/task/<tid> decides. */
static bool thread_gone(pid_t pid, pid_t tid)
{
    if (syscall(SYS_tgkill, pid, tid, 0) == 0)
        return false;
    if (errno == ESRCH)
        return true;
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task/%d", (int)pid, (int)tid);
    return access(path, F_OK) != 0 && errno == ENOENT;
}

/* A sampled lock/I/O wait (its pcs in img->scratch): key kind REC_WAIT |
 * label << 8 (the label is part of the stack's identity: it becomes the
 * leaf); weight = ns, w1 = count (1/65536), w2 = bytes. */
static long wait_record(struct image *img, uint64_t key, const struct record *rec)
{
    const struct record_wait *w = &rec->wait;
    long i = stacktab_add_index(img->table, key, REC_WAIT | w->label << 8, rec->flags & ~REC_F_TIME,
                                img->scratch, rec->npcs, w->ns);
    if (i < 0) {
        img->wait_oom++;
        return -1;
    }
    stacktab_add_extra(img->table, (size_t)i, 1,
                       (int64_t)(w->count_fx > INT64_MAX ? INT64_MAX : w->count_fx));
    if (w->bytes)
        stacktab_add_extra(img->table, (size_t)i, 2,
                           (int64_t)(w->bytes > INT64_MAX ? INT64_MAX : w->bytes));
    return i;
}

/* The host has said how its image ended (lifecycle_finish). */
static bool image_ended(const struct image *img)
{
    return atomic_load_explicit(&img->h->end, memory_order_acquire) == LAYOUT_ENDED;
}

/* Move every complete record of slot i into the table. A record that does
 * not decode (a host that wrote garbage: record_decode) ends the drain of
 * that ring: the rest is skipped, never read out of bounds. */
static void drain_slot(struct image *img, unsigned i, bool refresh)
{
    struct tslot *s = slot_at(img, i);
    int state = atomic_load_explicit(&s->state, memory_order_acquire);
    if (state != SLOT_ACTIVE && state != SLOT_EXITED)
        return;
    struct thread_rec *r = rec_for_slot(img, i, s);
    uint64_t *words = ring_at(img, i);
    uint64_t mask = img->h->ring_words - 1;
    struct ring *ring = &s->ring;
    uint64_t head = atomic_load_explicit(&ring->head, memory_order_acquire);
    uint64_t tail = atomic_load_explicit(&ring->tail, memory_order_relaxed);
    if (head - tail > mask + 1)
        tail = head; /* corrupt: drop it all */
    uint64_t key = s->serial | (uint64_t)img->epoch << KEY_EPOCH_SHIFT;
    while (tail < head) {
        struct record rec;
        uint64_t len =
            record_decode(words, mask, tail, head - tail, img->scratch, CONFIG_MAX_DEPTH, &rec);
        if (len == 0) {
            tail = head;
            break;
        }
        long entry;
        uint64_t tw = rec.samples; /* the event's weight in the timeline */
        if (rec.kind == REC_WAIT) {
            entry = wait_record(img, key, &rec);
            tw = rec.wait.ns;
        } else if (rec.kind == REC_ALLOC_TIME) {
            /* for the timeline only (alloc_bytes.folded comes from the
             * sites): keyed as merge_site keys the site, so its stack is
             * named as that file names it */
            entry = img->tlog ? stacktab_add_index(img->table, alloc_key(s->serial), REC_ALLOC,
                                                   rec.flags & ~REC_F_TIME, img->scratch, rec.npcs,
                                                   rec.alloc_bytes)
                              : -1;
            tw = rec.alloc_bytes;
        } else {
            uint64_t w = rec.samples;
            entry = stacktab_add_index(img->table, key, REC_CPU, rec.flags & ~REC_F_TIME,
                                       img->scratch, rec.npcs, w);
            if (entry < 0) {
                img->table_oom += w;
            } else if (r) {
                r->recorded += w;
                r->last_cpu = entry;
            }
        }
        if (entry >= 0 && rec.time_ns && img->tlog)
            tlog_add(img->tlog, rec.time_ns, (uint32_t)entry, tw);
        tail += len;
    }
    atomic_store_explicit(&ring->tail, tail, memory_order_release);
    if (!r)
        return;
    r->samples = atomic_load(&s->samples);
    r->dropped = atomic_load(&s->dropped);
    r->unwind_fail = atomic_load(&s->unwind_fail);
    r->truncated = atomic_load(&s->truncated);
    r->shallow = atomic_load(&s->shallow);
    r->low_stack = atomic_load(&s->low_stack);
    r->alloc_sampled = atomic_load(&s->alloc_sampled);
    r->alloc_dropped = atomic_load(&s->alloc_dropped);
    r->wait_sampled = atomic_load(&s->wait_sampled);
    r->wait_dropped = atomic_load(&s->wait_dropped);
    r->tl_dropped = atomic_load(&s->tl_dropped);
    r->start_ns = s->start_ns;
    r->end_ns = atomic_load(&s->end_ns);
    r->run_delay_ns = atomic_load(&s->run_delay_ns);
    if (state == SLOT_EXITED) {
        if (s->name[0]) {
            memcpy(r->name, s->name, sizeof r->name);
            r->name[sizeof r->name - 1] = 0;
        }
        r->exited = true;
        atomic_store_explicit(&s->state, SLOT_FREE, memory_order_release);
        return;
    }
    if (refresh || !r->name[0]) {
        if (s->name[0] && image_ended(img)) {
            /* the host's own last word (lifecycle_finish) */
            memcpy(r->name, s->name, sizeof r->name);
            r->name[sizeof r->name - 1] = 0;
        } else {
            read_comm(img->proc_pid, s->tid, r->name, sizeof r->name);
        }
        if (!refresh)
            return;
        if (thread_gone(img->proc_pid, s->tid)) {
            if (img->hooks.retire_gone)
                img->hooks.retire_gone(s);
            else if (atomic_load(&s->perf_fd) < 0 && !atomic_load(&s->has_timer))
                atomic_store_explicit(&s->state, SLOT_EXITED, memory_order_release);
        } else if (img->hooks.check) {
            img->hooks.check(s);
        }
    }
}

static bool tid_in(const pid_t *v, size_t n, pid_t tid)
{
    for (size_t i = 0; i < n; i++)
        if (v[i] == tid)
            return true;
    return false;
}

static bool tid_has_slot(const struct image *img, pid_t tid, unsigned high)
{
    for (unsigned i = 0; i < high; i++) {
        const struct tslot *s = slot_at(img, i);
        if (s->tid == tid && atomic_load_explicit(&s->state, memory_order_acquire) != SLOT_FREE)
            return true;
    }
    return false;
}

/* Threads of the process that have no slot, from /proc/<pid>/task: a
 * thread unknown in two scans a second apart was never registered (a
 * registration follows thread creation within microseconds). */
static void scan_unprofiled(struct image *img, unsigned high)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task", (int)img->proc_pid);
    DIR *d = opendir(path);
    if (!d)
        return;
    pid_t *now = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        pid_t tid = (pid_t)atoi(e->d_name);
        if (tid <= 0 || tid_in(img->counted, img->ncounted, tid) || tid_has_slot(img, tid, high))
            continue;
        if (tid_in(img->suspects, img->nsuspects, tid)) {
            pid_t *c = realloc(img->counted, (img->ncounted + 1) * sizeof *c);
            if (c) {
                img->counted = c;
                c[img->ncounted++] = tid;
            }
            continue;
        }
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 8;
            pid_t *v = realloc(now, nc * sizeof *v);
            if (!v)
                break;
            now = v;
            cap = nc;
        }
        now[n++] = tid;
    }
    closedir(d);
    free(img->suspects);
    img->suspects = now;
    img->nsuspects = n;
}

void image_drain(struct image *img, bool refresh)
{
    unsigned high = atomic_load(&img->h->threads_high);
    if (high > img->h->slots_max)
        high = img->h->slots_max;
    for (unsigned i = 0; i < high; i++)
        drain_slot(img, i, refresh);
    /* In-process (hooks set), the collector's own thread would count. At
     * the image's end a scan can only confirm the suspects of an earlier
     * one (there is no later scan for new ones): none, no scan. */
    if (refresh && !img->hooks.retire_gone && !(image_ended(img) && img->nsuspects == 0))
        scan_unprofiled(img, high);
}

/* ---- allocation sites ---- */

/* One site into a table: bytes as the main weight, count and live bytes
 * as the extra ones. Sites of one thread and stack (a slot's index
 * rebuilt) add up. */
struct merge {
    struct image *img;
    struct stacktab *t;
};

static void merge_site(const struct alloc_site *site, void *arg)
{
    struct merge *mg = arg;
    uint64_t bytes = atomic_load_explicit(&site->bytes, memory_order_relaxed);
    uint64_t count = atomic_load_explicit(&site->count_fx, memory_order_relaxed);
    uint64_t in = atomic_load_explicit(&site->live_in, memory_order_relaxed);
    uint64_t out = atomic_load_explicit(&site->live_out, memory_order_relaxed) +
                   atomic_load_explicit(&site->live_out_own, memory_order_relaxed);
    if (!bytes && !count)
        return;
    long i = stacktab_add_index(mg->t, alloc_key(site->serial), REC_ALLOC, site->flags, site->pcs,
                                site->n, bytes);
    if (i < 0) {
        mg->img->alloc_oom++;
        return;
    }
    stacktab_add_extra(mg->t, (size_t)i, 1, (int64_t)(count > INT64_MAX ? INT64_MAX : count));
    /* A free racing with this read may be seen before its block's
     * allocation: never below zero. */
    if (in > out)
        stacktab_add_extra(mg->t, (size_t)i, 2,
                           (int64_t)(in - out > INT64_MAX ? INT64_MAX : in - out));
}

static void merge_sites(struct image *img, struct stacktab *t)
{
    struct merge mg = {img, t};
    layout_foreach_site(img->h, merge_site, &mg);
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
            return; /* the line is cut; folded_add still gets valid text */
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

/* Writing state: the records sorted by serial, for the thread frames. */
struct writer {
    struct image *img;
    struct symbolizer *sym;
    const struct image_write *w;
    struct thread_rec *sorted;
    int dirfd;              /* the output directory (outdir_open_dir) */
    unsigned files, failed; /* files tried, not written */
    int err;                /* errno of the first not written */
    bool plain_pass;        /* the first of two writes (image_write): not logged */
};

static int rec_cmp_serial(const void *a, const void *b)
{
    uint64_t x = ((const struct thread_rec *)a)->serial, y = ((const struct thread_rec *)b)->serial;
    return x < y ? -1 : x > y;
}

static const struct thread_rec *rec_by_serial(const struct writer *wr, uint64_t serial)
{
    struct thread_rec key = {.serial = serial};
    return bsearch(&key, wr->sorted, wr->img->nthreads, sizeof *wr->sorted, rec_cmp_serial);
}

/* The weight of an entry a metric's file shows (format/metrics.h). */
static uint64_t entry_weight(const struct stack_entry *e, enum metric_weight w)
{
    switch (w) {
    case MW_COUNT: return (e->w1 + ALLOC_COUNT_ONE / 2) / ALLOC_COUNT_ONE;
    case MW_EXTRA: return e->w2;
    default: return e->weight;
    }
}

/* Start a folded line for entry e: the thread's root frame (unless threads
 * are merged), then the marker frame that says the stack is not whole. */
static void stack_prefix(const struct writer *wr, struct buf *b, const struct stack_entry *e)
{
    b->len = 0;
    if (wr->img->sess.cfg->threads) {
        const struct thread_rec *r = rec_by_serial(wr, KEY_SERIAL(e->serial));
        char frame[THREAD_NAME_LEN + 48];
        frame_thread_root(frame, sizeof frame, r && r->name[0] ? r->name : "?", r ? r->tid : 0);
        buf_str(b, frame);
    }
    const char *marker = NULL;
    if (e->flags & UNW_F_SHALLOW)
        marker = FRAME_NOT_UNWOUND_LOADER;
    else if (e->flags & UNW_F_LOW_STACK)
        marker = FRAME_NOT_UNWOUND_LOW_STACK;
    else if (e->flags & UNW_F_TRUNCATED)
        marker = FRAME_TRUNCATED;
    else if (e->flags & UNW_F_FAILED)
        marker = FRAME_UNWIND_FAILED;
    if (marker) {
        if (b->len)
            buf_add(b, ";", 1);
        buf_str(b, marker);
    }
}

/* A walk that stopped without saying so (no CFI past a frame: JIT code,
 * hand-written assembly) leaves a stack whose root is neither an entry
 * point nor a module of unknown names ("[libfoo.so+0x..]", which may be a
 * stripped _start): it gets a marker root and is counted. */
static bool stack_incomplete(const struct writer *wr, const struct stack_entry *e)
{
    if (e->n == 0 ||
        (e->flags & (UNW_F_SHALLOW | UNW_F_LOW_STACK | UNW_F_TRUNCATED | UNW_F_FAILED)))
        return false;
    uintptr_t pc = e->n == 1 ? e->pcs[0] : e->pcs[e->n - 1] - 1;
    const char *root = symbolizer_name_at(wr->sym, pc, KEY_EPOCH(e->serial));
    return !frame_is_entry(root) && (root[0] != '[' || strcmp(root, FRAME_UNKNOWN) == 0);
}

/* The leaf's module into the metric's module summary (modsum.h). */
static void leaf_module(const struct writer *wr, struct modsum *ms, uintptr_t pc, uint32_t epoch,
                        const char *leaf, uint64_t weight)
{
    const char *mod = symbolizer_module_at(wr->sym, pc, epoch);
    if (mod) {
        modsum_add(ms, mod, weight, leaf[0] == '[' && strcmp(leaf, FRAME_SELF) != 0);
        return;
    }
    size_t len = strlen(leaf), sl = strlen(FRAME_JIT_SUFFIX);
    bool jit = len > sl && strcmp(leaf + len - sl, FRAME_JIT_SUFFIX) == 0;
    modsum_add(ms, jit ? MODSUM_JIT : MODSUM_UNKNOWN, weight, !jit);
}

/* The folded stack of a CPU sample or allocation entry into b (from its
 * thread's root frame to its leaf; empty for an entry with no frames and
 * no root); true when the walk stopped short (stack_incomplete). With ms,
 * the leaf's module gets `weight` in the metric's module summary. */
static bool sample_line(const struct writer *wr, struct buf *b, const struct stack_entry *e,
                        struct modsum *ms, uint64_t weight)
{
    stack_prefix(wr, b, e);
    bool incomplete = stack_incomplete(wr, e);
    if (incomplete) {
        if (b->len)
            buf_add(b, ";", 1);
        buf_str(b, FRAME_INCOMPLETE);
    }
    for (uint32_t k = e->n; k-- > 0;) {
        /* Return addresses point after the call; name the call. */
        uintptr_t pc = k == 0 ? e->pcs[k] : e->pcs[k] - 1;
        if (b->len)
            buf_add(b, ";", 1);
        const char *name = symbolizer_frames_at(wr->sym, pc, KEY_EPOCH(e->serial));
        buf_str(b, name);
        if (k == 0 && ms)
            leaf_module(wr, ms, pc, KEY_EPOCH(e->serial), name, weight);
    }
    return incomplete;
}

static void build_folded(const struct writer *wr, const struct stacktab *t, struct folded *f,
                         uint32_t kind, enum metric_weight which, struct meta_counts *mc,
                         struct modsum *ms)
{
    struct buf b = {0};
    for (size_t i = 0; i < stacktab_size(t); i++) {
        struct stack_entry e;
        stacktab_get(t, i, &e);
        if (e.kind != kind)
            continue;
        uint64_t weight = entry_weight(&e, which);
        if (weight == 0)
            continue;
        if (sample_line(wr, &b, &e, ms, weight) && kind == REC_CPU)
            mc->incomplete += weight;
        if (b.len == 0)
            buf_str(&b, FRAME_NO_FRAMES);
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

/* The folded line of a wait entry into b: its stack, the lock's frame
 * (WAIT_F_OBJ), and the call's label as the leaf. */
static void wait_line(const struct writer *wr, struct buf *b, const struct stack_entry *e)
{
    uint32_t label = e->kind >> 8;
    stack_prefix(wr, b, e);
    uint32_t first = e->flags & WAIT_F_OBJ ? 1 : 0;
    /* pcs[first] is the return address into the program's code that
     * called the interposer: name the call site (pc - 1). */
    for (uint32_t k = e->n; k-- > first;) {
        if (b->len)
            buf_add(b, ";", 1);
        buf_str(b, symbolizer_frames_at(wr->sym, e->pcs[k] - 1, KEY_EPOCH(e->serial)));
    }
    char leaf[96];
    if (first && e->n > 0) {
        wait_obj_frame(leaf, sizeof leaf, WAIT_LABEL_CALL(label), e->pcs[0]);
        if (b->len)
            buf_add(b, ";", 1);
        buf_str(b, leaf);
    }
    wait_label_string(label, leaf, sizeof leaf);
    if (b->len)
        buf_add(b, ";", 1);
    buf_str(b, leaf);
}

/* Folded stacks of the waits of class `cls`, leaf = the call's label. */
static void build_wait_folded(const struct writer *wr, struct folded *f, enum wait_class cls,
                              enum metric_weight which, struct meta_counts *mc)
{
    const struct stacktab *t = wr->img->table;
    struct buf b = {0};
    for (size_t i = 0; i < stacktab_size(t); i++) {
        struct stack_entry e;
        stacktab_get(t, i, &e);
        if ((e.kind & 0xff) != REC_WAIT)
            continue;
        uint32_t label = e.kind >> 8;
        if (wait_call_class(WAIT_LABEL_CALL(label)) != cls)
            continue;
        uint64_t weight = entry_weight(&e, which);
        if (weight == 0)
            continue;
        wait_line(wr, &b, &e);
        if (folded_add(f, b.p, b.len, weight) < 0)
            mc->lost_oom += weight;
    }
    free(b.p);
}

/* ---- the wall event: every entry, by state, then each thread's rest ---- */

static enum wall_state wait_state(enum wait_class c)
{
    switch (c) {
    case WAIT_LOCK: return WALL_LOCK;
    case WAIT_COND: return WALL_COND;
    case WAIT_SLEEP: return WALL_SLEEP;
    case WAIT_CHILD: return WALL_CHILD;
    default: return WALL_IO;
    }
}

/* End the stack in b with the state's frame. */
static void wall_leaf(struct buf *b, enum wall_state st)
{
    char leaf[24];
    snprintf(leaf, sizeof leaf, "[%s]", wall_state_name(st));
    if (b->len)
        buf_add(b, ";", 1);
    buf_str(b, leaf);
}

/* Add the stack in b with the state's frame as its leaf. */
static void wall_add(struct folded *f, struct buf *b, enum wall_state st, uint64_t w,
                     struct meta_counts *mc)
{
    wall_leaf(b, st);
    if (folded_add(f, b->p, b->len, w) < 0)
        mc->lost_oom += w;
}

/* wall.folded: CPU samples (x period) under [cpu], waits under their
 * call's label and state, and what is left of each thread's lifetime
 * (wallsplit.h) as [runnable] and [other] under its last CPU sample's
 * stack (the thread's root frame alone if it had none). Fills the
 * threads' split for meta.json. */
static void build_wall_folded(const struct writer *wr, struct folded *f, struct meta_counts *mc)
{
    const struct stacktab *t = wr->img->table;
    uint64_t period = wr->img->sess_copy.period_ns;
    struct buf b = {0};
    /* From zero at every write: the files may be written twice (plain
     * names, then inlined frames; image_write). */
    for (size_t i = 0; i < wr->img->nthreads; i++)
        memset(wr->sorted[i].wall, 0, sizeof wr->sorted[i].wall);
    for (size_t i = 0; i < stacktab_size(t); i++) {
        struct stack_entry e;
        stacktab_get(t, i, &e);
        enum wall_state st;
        uint64_t w;
        if (e.kind == REC_CPU) {
            st = WALL_CPU;
            w = e.weight * period;
            sample_line(wr, &b, &e, NULL, 0);
        } else if ((e.kind & 0xff) == REC_WAIT) {
            st = wait_state(wait_call_class(WAIT_LABEL_CALL(e.kind >> 8)));
            w = e.weight;
            wait_line(wr, &b, &e);
        } else {
            continue;
        }
        if (w == 0)
            continue;
        struct thread_rec *r = (struct thread_rec *)rec_by_serial(wr, KEY_SERIAL(e.serial));
        if (r)
            r->wall[st] += w;
        wall_add(f, &b, st, w, mc);
    }
    uint64_t now = now_ns(CLOCK_MONOTONIC);
    for (size_t i = 0; i < wr->img->nthreads; i++) {
        struct thread_rec *r = &wr->sorted[i];
        wallsplit_finish(r, now);
        static const enum wall_state rest[] = {WALL_RUNNABLE, WALL_OTHER};
        for (unsigned k = 0; k < 2; k++) {
            if (!r->wall[rest[k]])
                continue;
            struct stack_entry e = {.serial = r->serial};
            if (r->last_cpu >= 0 && (size_t)r->last_cpu < stacktab_size(t))
                stacktab_get(t, (size_t)r->last_cpu, &e);
            sample_line(wr, &b, &e, NULL, 0);
            wall_add(f, &b, rest[k], r->wall[rest[k]], mc);
        }
    }
    free(b.p);
}

/* A file's name in the output directory. */
static void output_name(const struct writer *wr, char *out, size_t len, const char *what)
{
    const struct collector_session *s = &wr->img->sess;
    snprintf(out, len, "%s.%d%s.%s", s->comm, (int)s->pid, wr->w->name_tag ? wr->w->name_tag : "",
             what);
}

/* Count a file written (rc 0) or not; false when not. */
static bool file_done(struct writer *wr, int rc)
{
    wr->files++;
    if (rc == 0)
        return true;
    if (!wr->failed++)
        wr->err = errno;
    return false;
}

/* Files of the image could not be written: one line for the image, the
 * first time (a directory lost to a chroot, a setuid or a chmod fails
 * every file the same way, and snapshots would repeat it). files == 0:
 * the directory could not be opened. */
static void report_unwritten(struct image *img, unsigned failed, unsigned files, int err)
{
    if (img->write_failed)
        return;
    img->write_failed = true;
    char count[48] = "";
    if (files)
        snprintf(count, sizeof count, " (%u of %u files not written)", failed, files);
    log_error("cannot write the profile of %s (pid %d) in %s: %s%s", img->sess.comm,
              (int)img->sess.pid, img->sess.outdir, strerror(err), count);
}

/* Write metric k's folded file (<comm>.<pid>.<metric>.folded), report it,
 * keep its totals for meta.json and free it. */
static void write_metric(struct writer *wr, struct folded *f, struct meta *m, int k)
{
    char name[128], what[48];
    snprintf(what, sizeof what, "%s.folded", metric_defs[k].name);
    output_name(wr, name, sizeof name, what);
    if (file_done(wr, folded_write_file(f, wr->dirfd, name)) && !wr->plain_pass)
        log_info("wrote %s/%s (total %llu, %zu stacks)", wr->img->sess.outdir, name,
                 (unsigned long long)folded_total(f), folded_distinct(f));
    m->total[k] = folded_total(f);
    m->stacks[k] = folded_distinct(f);
    m->written[k] = true;
    folded_free(f);
}

/* Which wait class feeds a wait metric. */
static bool wait_source(enum metric_source src, enum wait_class *cls)
{
    switch (src) {
    case SRC_WAIT_LOCK: *cls = WAIT_LOCK; return true;
    case SRC_WAIT_COND: *cls = WAIT_COND; return true;
    case SRC_WAIT_IO: *cls = WAIT_IO; return true;
    default: return false;
    }
}

/* Build and write every metric of the table whose event is recorded.
 * Allocation sites are merged into a table of their own, once. */
static void write_metrics(struct writer *wr, struct meta *m)
{
    struct image *img = wr->img;
    unsigned events = img->sess.cfg->events;
    struct stacktab *sites = NULL;
    bool sites_merged = false;
    for (int k = 0; k < METRIC_COUNT; k++) {
        const struct metric_def *d = &metric_defs[k];
        enum wait_class cls;
        if (!(events & d->event) || d->source == SRC_NONE)
            continue;
        if (d->source == SRC_ALLOC && !sites_merged) {
            sites_merged = true;
            img->alloc_oom = 0;
            sites = stacktab_new();
            if (sites)
                merge_sites(img, sites);
        }
        if (d->source == SRC_ALLOC && !sites)
            continue;
        struct folded *f = folded_new();
        if (!f)
            continue;
        if (d->source == SRC_CPU)
            build_folded(wr, img->table, f, REC_CPU, d->weight, &m->counts, &m->modules[k]);
        else if (d->source == SRC_ALLOC)
            build_folded(wr, sites, f, REC_ALLOC, d->weight, &m->counts, &m->modules[k]);
        else if (wait_source(d->source, &cls))
            build_wait_folded(wr, f, cls, d->weight, &m->counts);
        else if (d->source == SRC_WALL)
            build_wall_folded(wr, f, &m->counts);
        write_metric(wr, f, m, k);
    }
    stacktab_free(sites);
}

/* ---- the timeline (tlog.h) ---- */

struct tl_names {
    const struct writer *wr;
    struct buf b;
};

/* The metric a wait class's time goes to ("lock_ns"), from the table. */
static const char *wait_metric(enum wait_class cls)
{
    for (int k = 0; k < METRIC_COUNT; k++) {
        enum wait_class c;
        if (metric_defs[k].weight == MW_MAIN && wait_source(metric_defs[k].source, &c) && c == cls)
            return metric_defs[k].name;
    }
    return NULL;
}

/* View 0 of a CPU sample (cpu), a wait (its class's metric; sleeps and
 * child waits have none) or an allocation (alloc_bytes), the folded line
 * into tn->b; NULL: no such view. */
static const char *tl_own_view(struct tl_names *tn, const struct stack_entry *e)
{
    if (e->kind == REC_CPU || e->kind == REC_ALLOC) { /* as build_folded writes them */
        sample_line(tn->wr, &tn->b, e, NULL, 0);
        if (tn->b.len == 0)
            buf_str(&tn->b, FRAME_NO_FRAMES);
        return metric_defs[e->kind == REC_CPU ? METRIC_CPU : METRIC_ALLOC_BYTES].name;
    }
    if ((e->kind & 0xff) == REC_WAIT) {
        const char *m = wait_metric(wait_call_class(WAIT_LABEL_CALL(e->kind >> 8)));
        if (m)
            wait_line(tn->wr, &tn->b, e);
        return m;
    }
    return NULL;
}

/* View 1, wall (the wall event only): a CPU sample as period ns of [cpu],
 * a wait as its ns of its state spread over its duration (tlog.h), with
 * the stacks build_wall_folded gives them. [runnable] and [other] are
 * each thread's rest at its end, with no time: not in the timeline. */
static const char *tl_wall_view(struct tl_names *tn, const struct stack_entry *e,
                                struct tlog_view *o)
{
    const struct image *img = tn->wr->img;
    if (!(img->sess.cfg->events & EV_WALL))
        return NULL;
    if (e->kind == REC_CPU) {
        sample_line(tn->wr, &tn->b, e, NULL, 0);
        wall_leaf(&tn->b, WALL_CPU);
        o->scale = img->sess_copy.period_ns;
    } else if ((e->kind & 0xff) == REC_WAIT) {
        wait_line(tn->wr, &tn->b, e);
        wall_leaf(&tn->b, wait_state(wait_call_class(WAIT_LABEL_CALL(e->kind >> 8))));
        o->spread = true; /* it began at its time and lasted its ns */
    } else {
        return NULL;
    }
    return metric_defs[METRIC_WALL].name;
}

static bool tl_entry(void *arg, uint32_t i, unsigned view, struct tlog_view *o)
{
    struct tl_names *tn = arg;
    const struct stacktab *t = tn->wr->img->table;
    if (i >= stacktab_size(t))
        return false;
    struct stack_entry e;
    stacktab_get(t, i, &e);
    o->metric = view == 0 ? tl_own_view(tn, &e) : tl_wall_view(tn, &e, o);
    if (!o->metric || !tn->b.p || o->scale == 0)
        return false;
    frame_sanitize(tn->b.p, tn->b.len, FRAME_STACK); /* as folded_add does */
    o->text = tn->b.p;
    o->len = tn->b.len;
    o->serial = KEY_SERIAL(e.serial);
    return true;
}

/* <comm>.<pid>.timeline: every timed event so far (said in meta.json). */
static void write_timeline(struct writer *wr, struct meta *m)
{
    struct image *img = wr->img;
    struct tl_names tn = {.wr = wr};
    struct tlog_names names = {tl_entry, &tn};
    struct tlog_session s = {.start_mono_ns = img->sess.start_mono_ns,
                             .end_mono_ns = now_ns(CLOCK_MONOTONIC),
                             .period_ns = img->sess_copy.period_ns,
                             .pid = (uint32_t)img->sess.pid,
                             .comm = img->sess.comm,
                             .threads = wr->sorted,
                             .nthreads = img->nthreads};
    char name[128];
    output_name(wr, name, sizeof name, "timeline");
    if (file_done(wr, tlog_write(img->tlog, &s, &names, wr->dirfd, name)))
        log_info("wrote %s/%s (%zu events)", img->sess.outdir, name, tlog_count(img->tlog));
    m->has_timeline = true;
    snprintf(m->timeline_file, sizeof m->timeline_file, "%s", name);
    m->timeline_events = tlog_count(img->tlog);
    m->timeline_lost = tlog_lost(img->tlog);
    for (size_t i = 0; i < img->nthreads; i++)
        m->timeline_lost += img->threads[i].tl_dropped;
    free(tn.b.p);
}

static const char *sampler_name_of(uint32_t kind)
{
    switch (kind) {
    case SAMPLER_PERF: return "perf";
    case SAMPLER_TIMER: return "timer";
    default: return "none";
    }
}

/* Write every file once: the metrics, then meta.json. Returns meta.json's
 * write status. */
static int write_files(struct writer *wr)
{
    struct image *img = wr->img;
    const struct image_write *w = wr->w;
    const struct layout_header *h = img->h;
    const struct config *cfg = img->sess.cfg;
    struct meta m;
    memset(&m, 0, sizeof m);
    wr->files = wr->failed = 0;
    m.sess = &img->sess;
    m.how = w->how;
    m.collector = w->collector;
    m.exit_status = w->exit_status;
    m.end_ns = now_ns(CLOCK_REALTIME);
    m.duration_ns = now_ns(CLOCK_MONOTONIC) - img->sess.start_mono_ns;
    m.threads = wr->sorted;
    m.nthreads = img->nthreads;
    m.threads_unprofiled = atomic_load(&h->c.threads_unprofiled) + img->ncounted;
    m.threads_unarmed = atomic_load(&h->c.arm_failures);
    m.clocks_rearmed = atomic_load(&h->c.rearms);
    m.threads_timer_fallback = atomic_load(&h->c.timer_fallback);
    m.threads_signal_blocked = atomic_load(&h->c.signal_blocked);
    m.signal_moves = atomic_load(&h->c.signal_moves);
    m.signals_withheld = atomic_load(&h->c.signals_withheld);
    m.foreign_signals = atomic_load(&h->c.foreign_signals);
    m.no_slot = atomic_load(&h->c.no_slot);
    m.sampler_name = sampler_name_of(img->sess_copy.sampler_kind);
    m.sampler_signal = img->sess_copy.sampler_signal;
    m.period_ns = img->sess_copy.period_ns;
    m.counts.lost_oom = img->table_oom;
    m.name_tag = w->name_tag ? w->name_tag : "";

    write_metrics(wr, &m);
    if (img->tlog)
        write_timeline(wr, &m);
    if (cfg->events & EV_ALLOC) {
        m.has_alloc = true;
        m.alloc.no_thread = atomic_load(&h->c.alloc_no_thread);
        m.alloc.untracked = atomic_load(&h->c.alloc_untracked);
        m.alloc.live_blocks = atomic_load(&h->c.alloc_live_blocks);
        m.alloc.table_bytes = atomic_load(&h->c.alloc_table_bytes);
        m.alloc.sites = atomic_load(&h->nsites);
        uint64_t used = atomic_load(&h->sites_used);
        m.alloc.site_bytes = used < h->sites_bytes ? used : h->sites_bytes;
        m.alloc_oom = img->alloc_oom;
    }
    if (cfg->events & (EV_LOCK | EV_IO | EV_WALL)) {
        m.has_wait = true;
        m.wait.no_thread = atomic_load(&h->c.wait_no_thread);
        m.wait.reentrant = atomic_load(&h->c.wait_reentrant);
        m.wait_oom = img->wait_oom;
    }
    symbolizer_stats(w->sym, &m.sym);
    m.symbolizer = w->sym;
    char name[128];
    output_name(wr, name, sizeof name, "meta.json");
    int rc = meta_write(wr->dirfd, name, &m);
    file_done(wr, rc);
    for (int k = 0; k < METRIC_COUNT; k++)
        modsum_free(&m.modules[k]);
    return rc;
}

int image_write(struct image *img, const struct image_write *w)
{
    const struct config *cfg = img->sess.cfg;
    struct writer wr = {.img = img, .sym = w->sym, .w = w};
    /* Once, without following a symlink: every file is created in it. */
    wr.dirfd = outdir_open_dir(img->sess.outdir);
    if (wr.dirfd < 0) {
        report_unwritten(img, 0, 0, errno);
        return -1;
    }
    wr.sorted = malloc((img->nthreads ? img->nthreads : 1) * sizeof *wr.sorted);
    if (!wr.sorted) {
        close(wr.dirfd);
        return -1;
    }
    if (img->nthreads)
        memcpy(wr.sorted, img->threads, img->nthreads * sizeof *wr.sorted);
    qsort(wr.sorted, img->nthreads, sizeof *wr.sorted, rec_cmp_serial);
    /* Inlined frames and lines (false where the symbolizer has no DWARF
     * reader: in-process). Reading a module's DWARF the first time can take
     * a while (libc's compressed debug file: 0.1 s and more), and the
     * process may be gone before the files are (a second thread's exit()
     * ends it under the first one's wait, t_exit_paths.sh): the files are
     * written with plain names first, then again with the frames. */
    if (symbolizer_set_frames(w->sym, cfg->inline_frames, cfg->lines) &&
        stacktab_size(img->table) > 0) { /* (no stack: both passes would be the same) */
        symbolizer_set_frames(w->sym, false, false);
        wr.plain_pass = true;
        write_files(&wr);
        wr.plain_pass = false;
        symbolizer_set_frames(w->sym, cfg->inline_frames, cfg->lines);
    }
    int rc = write_files(&wr);
    if (wr.failed)
        report_unwritten(img, wr.failed, wr.files, wr.err);
    close(wr.dirfd);
    free(wr.sorted);
    return rc;
}
