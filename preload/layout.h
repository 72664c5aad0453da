#ifndef FLAMEPRE_LAYOUT_H
#define FLAMEPRE_LAYOUT_H
/*
 * The shared-memory layout: the one contract between preload/ (the host,
 * which writes) and collector/ (which reads, in a collector process or, as
 * a fallback, in a thread of the host).
 *
 * One mapping per process image (a memfd, MAP_SHARED), laid out as
 *
 *   [header | slots[slots_max] | rings[slots_max][ring_words] | sites]
 *
 * with every region named by its byte offset from the start of the
 * mapping, never by an address: the collector maps the same memfd
 * elsewhere. The header starts with a magic and LAYOUT_VERSION; a reader
 * refuses any other version, and any header whose regions do not fit in
 * the mapping it was given.
 *
 * What each side writes:
 *  - the host: everything, through the preload recorders (threads.h,
 *    ring.h, allocsite.h), plus the header's counters, `map_gen` (bumped
 *    on dlopen/dlclose) and, at the end of the image, `end_*`;
 *  - the collector: a ring's `tail` (ring.h), and a slot's state from
 *    SLOT_EXITED to SLOT_FREE once it has drained it (threads.h). Nothing
 *    else.
 * A slot (struct tslot) also holds host-private words (pointers to the
 * thread's scratch buffers, its site index and stack cache, its timer):
 * they are meaningless outside the host and the collector never reads
 * them. Its ring's words are found by slot index, not by pointer.
 *
 * The collector treats the mapping as untrusted input: indices, lengths
 * and offsets read from it are checked against the header before use.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "preload/config.h"

#define LAYOUT_MAGIC 0x314d48534d414c46ull /* "FLAMSHM1", little-endian */
#define LAYOUT_VERSION \
    8u /* 8: ATTACH_FORK; 7: REC_ALLOC_TIME records, slots count tl_dropped; 6: config has inline_frames, lines, timeline; REC_F_TIME records; slots hold their thread's lifetime (wall) */
#define LAYOUT_CMDLINE_MAX 4096

/* Counters of the whole image (relaxed atomics; rare paths only). */
struct layout_counters {
    _Atomic uint64_t threads_unprofiled; /* threads that found no free slot */
    _Atomic uint64_t arm_failures;       /* threads whose clock could not be armed */
    _Atomic uint64_t rearms;             /* clocks re-armed after the program closed ours */
    _Atomic uint64_t foreign_signals;    /* sampling signals that were not ours */
    _Atomic uint64_t no_slot;            /* samples of threads without a slot */
    _Atomic uint64_t alloc_no_thread;    /* sampled allocations of threads without a slot */
    _Atomic uint64_t alloc_untracked;    /* recorded blocks the live table refused */
    _Atomic uint64_t wait_no_thread;     /* sampled waits of threads without a slot */
    _Atomic uint64_t wait_reentrant;     /* sampled waits dropped: ring busy */
    _Atomic uint64_t alloc_live_blocks;  /* at the end: blocks in the live table */
    _Atomic uint64_t alloc_table_bytes;  /* the live table's mapping */
    _Atomic uint64_t timer_fallback;     /* threads sampled by timer: no perf clock */
    _Atomic uint64_t signal_blocked;     /* threads that blocked the sampling signal */
    _Atomic uint64_t signal_moves;       /* the program waited for our signal: moved */
    _Atomic uint64_t signals_withheld;   /* our samples taken back from sigwait* */
};

enum layout_end {
    LAYOUT_RUNNING = 0,
    LAYOUT_ENDED = 1, /* the host ended the image (exit, _exit, exec) */
};

struct layout_header {
    uint64_t magic;
    uint32_t version;
    uint32_t header_bytes; /* sizeof(struct layout_header) */
    uint64_t total_bytes;  /* of the mapping */
    uint64_t slots_off;
    uint32_t slots_max;
    uint32_t slot_bytes; /* sizeof(struct tslot) */
    uint64_t rings_off;
    uint64_t ring_words; /* per slot, a power of two */
    uint64_t sites_off;
    uint64_t sites_bytes; /* 0: no allocation sites */

    /* the session: written once before the image is handed over */
    struct config cfg;
    int32_t pid, ppid;
    uint32_t forked;       /* a fork child (not a program's first image) */
    uint32_t sampler_kind; /* enum sampler_kind */
    int32_t sampler_signal;
    uint64_t period_ns;
    uint64_t start_ns;      /* CLOCK_REALTIME */
    uint64_t start_mono_ns; /* CLOCK_MONOTONIC */
    char comm[16];
    char outdir[CONFIG_PATH_MAX];
    uint32_t cmdline_len;
    char cmdline[LAYOUT_CMDLINE_MAX]; /* NUL-separated argv, cut at the end */

    /* live state */
    _Atomic uint32_t threads_high; /* slots [0, high) may be in use */
    _Atomic uint32_t sites_gen;    /* bumped when the sites start over */
    _Atomic uint64_t sites_used;   /* bytes of site chunks handed out */
    _Atomic uint64_t nsites;
    _Atomic uint64_t map_gen; /* bumped after dlopen/dlclose */
    struct layout_counters c;

    /* A robust, process-shared mutex the host's first thread holds for
     * the image's life: the kernel releases it (EOWNERDEAD) as that
     * thread's memory is torn down at exit, exec or death, before the
     * process's files are closed and long before its parent can reap it,
     * so a collector waiting on it reads the exit code in time. */
    pthread_mutex_t life;

    /* the end, written by the host before it says so (release on end) */
    int32_t end_status;   /* exit status where known */
    char end_how[16];     /* "exit", "_exit", "exec", ... */
    _Atomic uint32_t end; /* enum layout_end */
};

/* The geometry of a layout of `slots` slots with `ring_words`-word rings
 * and `sites_bytes` of allocation sites: bytes of the whole mapping. */
uint64_t layout_size(unsigned slots, uint64_t ring_words, uint64_t sites_bytes);

/* Write that geometry, the magic and the version into a zeroed header at
 * the start of a mapping of layout_size bytes. */
void layout_init(struct layout_header *h, unsigned slots, uint64_t ring_words,
                 uint64_t sites_bytes);

/* Did the image record anything at all (a sample, a wait, a site, or a
 * loss)? Any process, any thread. */
bool layout_has_data(const struct layout_header *h);

/* The image ended (`how`) leaving no files: it recorded nothing and is a
 * fork child or ended by exec (a shell's forks, a make's children that
 * only exec). A program's first image always leaves its files. The host
 * then does not wait at its end, and the collector writes nothing. */
bool layout_leaves_no_files(const struct layout_header *h, const char *how);

/* Visit every complete allocation site of the mapping at h (allocsite.h
 * has their storage), checking every length against what the host
 * published. A racy snapshot of the counters; any thread, any process. */
struct alloc_site;
void layout_foreach_site(const struct layout_header *h,
                         void (*fn)(const struct alloc_site *site, void *arg), void *arg);

#endif
