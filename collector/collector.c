/*
 * The in-process collector (see collector.h): the fallback where no
 * collector process can be reached. It collects the host's own mapping
 * with the same code as the collector process (image.h).
 */
#include "collector/collector.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "collector/image.h"
#include "collector/maps.h"
#include "collector/symbolize.h"
#include "preload/hooks.h"
#include "preload/log.h"
#include "preload/sampler.h"
#include "preload/shm.h"
#include "preload/threads.h"

#define DRAIN_INTERVAL_MS 50
#define NAME_REFRESH_EVERY 20 /* drains: names and liveness once a second */

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake;
static pthread_t thread;
static bool thread_running, stop_requested, finished;
static bool want_thread; /* collector_start's drain_thread */
static struct image *img;
/* The process's executable mappings, read by the drain thread whenever the
 * map generation moves: code a program maps itself may be gone by the end
 * (V8 unmaps its copy of the builtins before exit). */
static struct module_map own_maps;
static uint64_t own_gen;

static void read_own_maps(void)
{
    own_gen = atomic_load(&shm_hdr->map_gen);
    maps_read(getpid(), &own_maps, 0);
}

static void check_clock(struct tslot *s)
{
    sampler_check(s);
}

static const struct image_hooks hooks = {sampler_retire, check_clock};

static struct image *open_own(void)
{
    const char *why;
    struct image *i = image_open(shm_base(), shm_hdr->total_bytes, &hooks, &why);
    if (!i)
        log_error("cannot collect this process: %s", why);
    return i;
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
        if (img && !finished)
            fn();
        pthread_mutex_unlock(&lock);
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
}

static void drain_quiet(void)
{
    image_drain(img, false);
}

static void reap_gone(void)
{
    threads_reap_gone(sampler_retire);
    image_drain(img, false);
}

void collector_recycle_exited(void)
{
    with_lock_unsignalled(drain_quiet);
}

void collector_reap(void)
{
    with_lock_unsignalled(reap_gone);
}

void collector_kick(void)
{
    if (want_thread)
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
        image_drain(img, ++iter % NAME_REFRESH_EVERY == 0);
        if (atomic_load(&shm_hdr->map_gen) != own_gen)
            read_own_maps();
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

int collector_start(bool drain_thread)
{
    want_thread = drain_thread;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&wake, &ca);
    pthread_condattr_destroy(&ca);
    img = open_own();
    if (!img)
        return -1;
    if (want_thread && start_thread() < 0) {
        log_error("cannot start the collector thread; profiling disabled");
        return -1;
    }
    return 0;
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

void collector_finish(const char *how)
{
    pthread_mutex_lock(&lock);
    if (finished || !img) {
        pthread_mutex_unlock(&lock);
        return;
    }
    finished = true;
    stop_thread();
    image_drain(img, true);
    struct symbolizer *sym = layout_leaves_no_files(shm_hdr, how) ? NULL : symbolizer_new();
    if (sym) {
        symbolizer_add_self_modules(sym);
        /* what the loader does not list: code the program mapped itself */
        read_own_maps();
        maps_register_missing(&own_maps, sym);
        symbolizer_set_jit_pid(sym, getpid());
        struct image_write w = {.sym = sym,
                                .how = how,
                                .collector = "thread",
                                .exit_status = shm_hdr->end_status,
                                .name_tag = ""};
        image_write(img, &w);
        symbolizer_free(sym);
    }
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

void collector_fork_child(void)
{
    /* Only the forking thread exists here; the drain thread did not follow.
     * Start over on the child's own mapping (shm_fork_child). */
    pthread_mutex_init(&lock, NULL);
    thread_running = false;
    finished = false;
    bool had = img != NULL;
    image_free(img);
    img = had ? open_own() : NULL;
    if (img && want_thread)
        start_thread();
}
