/*
 * Lifecycle of the profiled process (see lifecycle.h).
 *
 * States: not started (bad configuration or disabled: every interposer is a
 * plain pass-through), recording, finished. The host must run normally in
 * all three; every failure here is one stderr line and a smaller profiler.
 */
#include "preload/lifecycle.h"

#include <dirent.h> /* struct dirent64: getdents64 records */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/single_threaded.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "collector/collector.h"
#include "preload/attach.h"
#include "preload/elf_ondemand.h"
#include "preload/fds.h"
#include "preload/alloc.h"
#include "preload/config.h"
#include "preload/hooks.h"
#include "preload/log.h"
#include "preload/outdir.h"
#include "preload/sampler.h"
#include "preload/sandbox.h"
#include "preload/shm.h"
#include "preload/threads.h"
#include "preload/unwind.h"
#include "preload/wait.h"
#include "preload/wall.h"

extern char **environ;

static struct config cfg;
/* The CPU sampler runs: for cpu, and for wall (its [cpu] state), which
 * does not write cpu.folded unless cpu is asked for too. */
static bool cpu_sampling;
static bool process_mode;    /* a collector process serves this image */
static int exit_status = -1; /* exit()'s argument, once called */
static _Atomic bool recording;
static _Atomic bool started;     /* the session began: there is a profile to end */
static _Atomic bool finishing;   /* some thread has begun ending it */
static _Atomic bool finish_done; /* ... and is done */
static __thread bool finishing_here;
static pthread_key_t exit_key;

bool lifecycle_recording(void)
{
    return atomic_load_explicit(&recording, memory_order_relaxed);
}

static void report_line(const char *line, void *arg)
{
    (void)arg;
    log_error("%s", line);
}

static uint64_t now_ns(clockid_t clk)
{
    struct timespec ts;
    clock_gettime(clk, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The command line into the header, cut at its size. */
static void read_cmdline(struct layout_header *h)
{
    h->cmdline_len = 0;
    int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    size_t len = 0;
    while (len < sizeof h->cmdline) {
        ssize_t n = read(fd, h->cmdline + len, sizeof h->cmdline - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    h->cmdline_len = (uint32_t)len;
}

/* Process name usable in a file name. */
static void read_comm(struct layout_header *h)
{
    char name[17] = {0};
    prctl(PR_GET_NAME, name);
    if (!name[0])
        memcpy(name, "unknown", sizeof "unknown");
    /* A plain copy, not snprintf: a fork child runs this, and formatting
     * would fault in pages of libc it never needs otherwise. */
    size_t i = 0;
    for (; name[i] && i + 1 < sizeof h->comm; i++) {
        char c = name[i];
        h->comm[i] = c == '/' || c == ' ' || (unsigned char)c < 0x20 ? '_' : c;
    }
    h->comm[i] = 0;
}

/* The session part of the header, for a new image or a fork child. A fork
 * child keeps its parent's command line (the same memory): it is not read
 * again, which spares every fork four system calls. */
static void fill_session(struct layout_header *h, bool forked)
{
    h->pid = getpid();
    h->ppid = getppid();
    h->start_ns = now_ns(CLOCK_REALTIME);
    h->start_mono_ns = now_ns(CLOCK_MONOTONIC);
    read_comm(h);
    if (!forked)
        read_cmdline(h);
}

/* Hand the image to a collector process, else start the in-process one. */
/* The in-process collector (the fallback); it symbolizes, so it needs
 * libelf, which the library opens only now. */
static int fallback_start(void)
{
    if (!elf_ondemand_load())
        log_info("libelf.so.1 not found: the in-process collector writes addresses, not names");
    /* (its signal masking is the profiler's, not the program's) */
    tstate.guard++;
    /* (allocations go through the rings only for a timeline: alloc.c) */
    int r = collector_start((cfg.events & (EV_CPU | EV_WALL | EV_LOCK | EV_IO)) != 0 ||
                            ((cfg.events & EV_ALLOC) && cfg.timeline));
    tstate.guard--;
    return r;
}

/* Hand the image to a collector process (attach_begin): process_mode
 * says whether one was reached; its answer is awaited by
 * finish_collecting, after the thread is registered, so that the
 * collector's wake-up overlaps our own start-up. */
static void start_collecting(void)
{
    process_mode = false;
    if (strcmp(cfg.collector, "thread") != 0) {
        const char *why;
        if (attach_begin(shm_hdr->outdir, &why) == 0) {
            process_mode = true;
            return;
        }
        log_info("collecting in-process: %s", why ? why : "no collector process");
    }
}

/* The collector process answered, or the in-process collector runs. */
static int finish_collecting(void)
{
    if (process_mode) {
        const char *why;
        if (attach_confirm(&why) == 0)
            return 0;
        process_mode = false;
        log_info("collecting in-process: %s", why ? why : "no collector process");
    }
    /* In-process, the memfd is not needed: its low number is the
     * program's. */
    shm_close_fd();
    return fallback_start();
}

static void thread_end(void *p)
{
    struct tslot *s = p;
    if (!s || s != tstate.slot)
        return;
    /* Stop the handler from touching the slot first, then the clock. */
    tstate.exiting = 1;
    tstate.slot = NULL;
    sampler_disarm(s);
    if (cfg.events & EV_WALL)
        wall_thread_end(s);
    prctl(PR_GET_NAME, s->name);
    threads_retire(s);
    if (!process_mode && !collector_threaded() && lifecycle_recording()) {
        /* No drain thread: record this thread and free its slot now. */
        int saved = errno;
        tstate.guard++;
        collector_recycle_exited();
        tstate.guard--;
        errno = saved;
    }
}

/* The collector process hung up: the rings have no reader any more. */
static bool collector_gone(void)
{
    return process_mode && attach_collector_gone();
}

/* Register the calling thread. */
static struct tslot *thread_register(void)
{
    struct tslot *s = threads_claim(threads_gettid(), false);
    if (!s && (process_mode || !collector_threaded())) {
        /* No drain thread reaps threads that left without our exit hook:
         * look for them now, once (a collector process frees their slots
         * at its next drain). */
        if (process_mode)
            threads_reap_gone(sampler_retire);
        else
            collector_reap();
        s = threads_claim(threads_gettid(), false);
        if (s)
            atomic_fetch_sub(&shm_hdr->c.threads_unprofiled, 1); /* the first try counted it */
    }
    if (!s)
        return NULL;
    threads_stack_bounds(s->tid == shm_hdr->pid, &s->stack_lo, &s->stack_hi);
    if (cfg.events & EV_WALL)
        wall_thread_begin(s);
    tstate.slot = s;
    pthread_setspecific(exit_key, s);
    if (cpu_sampling && sampler_arm(s) < 0)
        log_debug("cannot arm sampling for thread %d: %s", (int)s->tid, strerror(errno));
    if (cpu_sampling)
        sampler_thread_mask();
    return s;
}

/* A thread without a slot allocates (it predates the profiler's pthread_create
 * wrapper or bypassed it): register it now, from its own normal context. */
static struct tslot *adopt_thread(void)
{
    if (!lifecycle_recording())
        return NULL;
    int saved = errno;
    tstate.guard++;
    struct tslot *s = thread_register();
    tstate.guard--;
    errno = saved;
    return s;
}

void lifecycle_thread_begin(void)
{
    if (!lifecycle_recording())
        return;
    int saved = errno;
    tstate.guard++;
    thread_register();
    tstate.guard--;
    errno = saved;
}

/* Threads that were running before the constructor (started by another
 * library's constructor, say) get a slot and a clock from outside; their
 * stack bounds stay unknown, so their DWARF samples are leaf-only and the
 * fp walker reads their frames without trusting them (unwind.h). */
static void register_existing_thread(pid_t tid)
{
    struct tslot *s = threads_claim(tid, true);
    if (!s)
        return;
    if (cfg.events & EV_WALL)
        wall_thread_begin(s);
    if (!cpu_sampling)
        return; /* the slot serves its allocation and wait records */
    if (sampler_arm(s) < 0) {
        threads_retire(s);
        return;
    }
    log_debug("sampling thread %d that predates the profiler", (int)tid);
}

/* The directory is read with getdents64 into the stack, not opendir:
 * opendir's malloc would set up the program's heap (brk, page faults) in
 * every process, most of which have no other thread to find. */
static void register_existing_threads(void)
{
    int fd =
        (int)syscall(SYS_openat, AT_FDCWD, "/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return;
    pid_t self = threads_gettid();
    _Alignas(8) char buf[1024];
    long n;
    while ((n = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0) {
        for (long off = 0; off < n;) {
            /* the kernel's records are struct dirent64's layout */
            unsigned short reclen;
            memcpy(&reclen, buf + off + offsetof(struct dirent64, d_reclen), sizeof reclen);
            if (reclen == 0 || off + reclen > n)
                break;
            const char *name = buf + off + offsetof(struct dirent64, d_name);
            long tid = 0;
            for (const char *c = name;
                 c < buf + off + reclen && *c >= '0' && *c <= '9' && tid < 0x40000000; c++)
                tid = tid * 10 + (*c - '0');
            off += reclen;
            if (tid > 0 && tid != self)
                register_existing_thread((pid_t)tid);
        }
    }
    syscall(SYS_close, fd);
}

static void fork_prepare(void)
{
    if (lifecycle_recording() && !process_mode)
        collector_fork_prepare();
}

static void fork_parent(void)
{
    if (lifecycle_recording() && !process_mode)
        collector_fork_parent();
}

static void fork_child(void)
{
    if (!lifecycle_recording())
        return;
    int saved = errno;
    tstate.guard++;
    /* First of all: off the parent's shared mapping. Until then every slot
     * is the parent's, and nothing here may write one (forgetting the
     * parent's clocks stored -1 in its own slots once, and its samples
     * went uncounted from its first fork on). A child forked after the
     * program installed a seccomp filter that does not let memfd_create
     * and socket through records nothing. */
    bool sandboxed = sandbox_installed_later() &&
                     !(sandbox_allows(SANDBOX_MEMFD) &&
                       (sandbox_allows(SANDBOX_PAIR) || sandbox_allows(SANDBOX_SOCKET)));
    if (sandboxed || shm_fork_child() < 0) {
        sampler_close_inherited();
        if (!sandboxed)
            log_error("fork child %d: no memory for its own profile; not recording", (int)getpid());
        atomic_store(&recording, false);
        atomic_store(&started, false);
        alloc_stop();
        wait_stop();
        tstate.slot = NULL;
        tstate.guard--;
        errno = saved;
        return;
    }
    unsigned high = atomic_load(&shm_hdr->threads_high);
    for (unsigned i = 0; i < high; i++)
        sampler_forget(&threads_slots[i]);
    fill_session(shm_hdr, true);
    shm_hdr->forked = 1;
    shm_hold_life();
    struct tslot *self = threads_after_fork_child(tstate.slot);
    if (self && (cfg.events & EV_WALL))
        wall_thread_begin(self);
    if (cfg.events & EV_ALLOC)
        alloc_fork_child();
    if (process_mode) {
        const char *why;
        if (attach_fork_child(&why) < 0) {
            log_info("fork child %d collects in-process: %s", (int)getpid(), why ? why : "");
            process_mode = false;
            shm_close_fd();
            fallback_start();
        }
    } else {
        shm_close_fd();
        collector_fork_child();
    }
    atomic_store(&finishing, false);
    atomic_store(&finish_done, false);
    exit_status = -1;
    if (self && cpu_sampling && sampler_arm(self) < 0)
        log_debug("cannot arm sampling in forked child %d", (int)getpid());
    tstate.guard--;
    errno = saved;
}

/* The loader's count of objects loaded and unloaded so far (dlpi_adds,
 * dlpi_subs). libc loads some modules itself, past the dlopen interposer
 * (NSS, iconv): a change of these counts between the start and the end
 * tells the collector, through the map generation, that the map it read
 * at the start is no longer the whole story. */
struct dl_counts {
    unsigned long long adds, subs;
};
static struct dl_counts dl_at_start;

static int dl_counts_cb(struct dl_phdr_info *info, size_t size, void *arg)
{
    struct dl_counts *c = arg;
    if (size >= offsetof(struct dl_phdr_info, dlpi_subs) + sizeof info->dlpi_subs) {
        c->adds = info->dlpi_adds;
        c->subs = info->dlpi_subs;
    }
    return 1; /* the counts are global: the first object is enough */
}

static struct dl_counts dl_counts_now(void)
{
    struct dl_counts c = {0, 0};
    if (real.dl_iterate_phdr)
        real.dl_iterate_phdr(dl_counts_cb, &c);
    return c;
}

__attribute__((constructor)) static void flamepre_init(void)
{
    int saved = errno;
    hooks_resolve();
    config_defaults(&cfg);
    config_parse(&cfg, (const char *const *)environ, report_line, NULL);
    log_init((enum log_level)cfg.log_level, cfg.log_file, false);
    log_relocate(fds_move_high);
    if (cfg.disable)
        goto out;

    if (!cfg.events)
        goto out;

    char outdir[CONFIG_PATH_MAX], why[512];
    if (outdir_prepare(cfg.output, outdir, sizeof outdir, why, sizeof why) < 0) {
        log_error("FLAMEPRE_OUTPUT: cannot use directory %s: %s; profiling disabled", cfg.output,
                  why);
        goto out;
    }
    /* Exact lock/I-O mode writes a record per wait, and a timeline of
     * allocations one per sampled allocation (which, unlike a wait, never
     * waits for room: alloc.c): bigger rings. */
    bool big_rings = ((cfg.events & (EV_LOCK | EV_IO | EV_WALL)) && cfg.wait_sample_ns == 0) ||
                     (cfg.timeline && (cfg.events & EV_ALLOC));
    if (shm_create(big_rings ? RING_WORDS_EXACT : RING_WORDS, (cfg.events & EV_ALLOC) != 0) < 0) {
        log_error("cannot map the profile's shared memory: %s; profiling disabled",
                  strerror(errno));
        goto out;
    }
    struct layout_header *h = shm_hdr;
    size_t olen = strnlen(outdir, sizeof h->outdir - 1); /* (not snprintf: see evs below) */
    memcpy(h->outdir, outdir, olen);
    h->outdir[olen] = 0;
    fill_session(h, false);
    shm_hold_life();

    unwind_init(cfg.unwind);
    cpu_sampling = (cfg.events & (EV_CPU | EV_WALL)) != 0;
    if (cpu_sampling && sampler_init(&cfg) < 0) {
        /* (wall goes on without its [cpu] state: that time is [other]) */
        cpu_sampling = false;
        cfg.events &= ~(unsigned)EV_CPU;
        if (!cfg.events)
            goto out;
    }
    h->sampler_kind = (uint32_t)sampler_kind();
    h->sampler_signal = sampler_signal();
    h->period_ns = sampler_period_ns();
    if (cfg.events & EV_ALLOC) {
        static const struct alloc_host host = {adopt_thread};
        if (alloc_init(&cfg, &host) < 0) {
            cfg.events &= ~(unsigned)EV_ALLOC;
            if (!cfg.events)
                goto out;
        }
    }
    if (cfg.events & (EV_LOCK | EV_IO | EV_WALL)) {
        static const struct wait_host whost = {adopt_thread, collector_kick, collector_gone};
        if (wait_init(&cfg, &whost) < 0) {
            cfg.events &= ~(unsigned)(EV_LOCK | EV_IO | EV_WALL);
            if (!cfg.events)
                goto out;
        }
    }
    if (pthread_key_create(&exit_key, thread_end) != 0) {
        log_error("cannot create a thread key; profiling disabled");
        goto out;
    }
    h->cfg = cfg;
    /* The collector is reached (or started: a clone that should not race
     * with our clocks) before any thread is armed; its answer is awaited
     * once this thread is registered. */
    atomic_store(&recording, true);
    dl_at_start = dl_counts_now(); /* before the collector reads the maps */
    start_collecting();
    struct tslot *self = thread_register();
    sampler_drop_probe();
    /* glibc clears __libc_single_threaded at the first pthread_create:
     * while it is set there is no thread to find (and five system calls
     * to spare in every process). A thread started with a bare clone is
     * left to the collector's /proc scan (threads_unprofiled). */
    if (!__libc_single_threaded)
        register_existing_threads();
    if (finish_collecting() < 0) {
        atomic_store(&recording, false);
        if (self)
            sampler_disarm(self);
        goto out;
    }
    atomic_store(&started, true);
    if (cfg.events & EV_ALLOC)
        alloc_start();
    if (cfg.events & (EV_LOCK | EV_IO | EV_WALL))
        wait_start(cfg.events);
    pthread_atfork(fork_prepare, fork_parent, fork_child);
    /* (Formatting only when it is printed: printf's code is pages of libc
     * a short program never touches otherwise, a page fault each.) */
    char evs[64];
    if (log_level_get() >= LOG_INFO)
        config_events_string(cfg.events, evs, sizeof evs);
    else
        evs[0] = 0;
    log_info("recording %s (pid %d): events=%s hz=%u sampler=%s alloc_sample=%llu unwind=%s "
             "wait_sample=%llu output=%s collector=%s",
             h->comm, (int)h->pid, evs, cfg.hz, sampler_kind_name(),
             (unsigned long long)cfg.alloc_sample, cfg.unwind == UNWIND_FP ? "fp" : "dwarf",
             (unsigned long long)cfg.wait_sample_ns, h->outdir,
             process_mode ? "process" : "thread");
out:
    /* Not recording allocations in this process: let every thread park its
     * allocation countdown (alloc.h), so the shims stay on their one-branch
     * path. */
    if (!__atomic_load_n(&alloc_on, __ATOMIC_ACQUIRE))
        alloc_stop();
    errno = saved;
}

void lifecycle_finish(const char *how, int status)
{
    if (!atomic_load(&started))
        return;
    /* A vfork child shares our memory: writing anything would corrupt the
     * parent's profile. Only the process that owns the session finishes. */
    if (getpid() != shm_hdr->pid)
        return;
    if (atomic_exchange(&finishing, true)) {
        /* Another thread is ending the profile. Two threads exiting at once
         * must not let the second end the process under the first's feet:
         * wait for it (bounded) — unless the writer is this very thread,
         * re-entered from a signal handler that exits. (With a collector
         * process nothing is lost if it does: the collector writes at the
         * channel's end.) */
        for (int i = 0; i < 500 && !finishing_here && !atomic_load(&finish_done); i++)
            usleep(10000);
        return;
    }
    finishing_here = true;
    int saved = errno;
    /* From here on the profiler's own work: nothing this thread allocates
     * is recorded. */
    tstate.guard++;
    atomic_store(&recording, false);
    alloc_stop();
    wait_stop();
    sampler_stop_all();
    struct layout_header *h = shm_hdr;
    struct tslot *self = threads_self();
    if (self)
        prctl(PR_GET_NAME, self->name);
    if (cfg.events & EV_WALL)
        wall_end_all(); /* the threads still running end with the image */
    if (cfg.events & EV_ALLOC) {
        struct alloc_stats st;
        alloc_get_stats(&st);
        atomic_store(&h->c.alloc_live_blocks, st.live_blocks);
        atomic_store(&h->c.alloc_table_bytes, st.table_bytes);
    }
    size_t n = strnlen(how, sizeof h->end_how - 1);
    memcpy(h->end_how, how, n); /* not snprintf: see read_comm */
    h->end_how[n] = 0;
    h->end_status = status;
    bool quiet = layout_leaves_no_files(h, how);
    if (!quiet) {
        /* (Only for an image that gets files: dl_iterate_phdr's page of
         * libc is one more page fault in a fork child.) */
        struct dl_counts dl = dl_counts_now();
        if (dl.adds != dl_at_start.adds || dl.subs != dl_at_start.subs)
            atomic_fetch_add(&h->map_gen, 1);
    }
    atomic_store_explicit(&h->end, LAYOUT_ENDED, memory_order_release);
    if (process_mode)
        attach_end(quiet); /* nothing to wait for */
    else
        collector_finish(how);
    tstate.guard--;
    atomic_store(&finish_done, true);
    finishing_here = false;
    log_info("done: %s/%s.%d.*", h->outdir, h->comm, (int)h->pid);
    errno = saved;
}

void lifecycle_before_exec(void)
{
    lifecycle_finish("exec", -1);
}

void lifecycle_note_exit(int status)
{
    exit_status = status;
}

void lifecycle_fds_closed(int lo, int hi)
{
    log_fd_closed(lo, hi);
    if (!lifecycle_recording() || !cpu_sampling || tstate.guard)
        return;
    tstate.guard++;
    sampler_rearm_closed(lo, hi);
    tstate.guard--;
}

void lifecycle_maps_changed(bool unloaded)
{
    unwind_modules_changed();
    atomic_fetch_add(&shm_hdr->map_gen, 1);
    /* After an unload, the collector reads the old map's samples and the
     * new map before this thread can map something else there. */
    if (unloaded && process_mode && lifecycle_recording() && !tstate.in_loader)
        attach_sync();
}

void lifecycle_code_mapped(void)
{
    atomic_fetch_add(&shm_hdr->map_gen, 1);
}

__attribute__((destructor)) static void flamepre_fini(void)
{
    lifecycle_finish("exit", exit_status);
}
