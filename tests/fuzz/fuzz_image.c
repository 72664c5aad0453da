/*
 * libFuzzer target: the collector's reading of a host's shared mapping
 * (collector/image.h), which a buggy or hostile host controls entirely.
 *
 * Input: byte 0 = flags (bit 0: also write the files; bit 1: the
 * timeline and wall on, the records timed, plus a timed allocation
 * record), then 10-byte
 * patches (2 bytes: a word index into the mapping; 8 bytes: the value)
 * applied to a valid small layout with one live slot whose ring holds a CPU
 * and a lock-wait record written by the codec (preload/record.h), so the
 * patches exercise record_decode on real records. The output directory
 * and the name are put back after patching (they only choose where files
 * go). Oracle: no crash, no sanitizer report; image_open refuses or reads
 * within bounds.
 *
 *   make fuzz                         (bounded run with the seed corpus)
 *   build/fuzz/fuzz_image CRASHFILE   (replay one input)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "collector/image.h"
#include "collector/symbolize.h"
#include "preload/layout.h"
#include "preload/record.h"
#include "preload/sampler.h"
#include "preload/threads.h"
#include "preload/wait.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SLOTS 4
#define WORDS 64
#define SITES (2u * 64u * 1024u)

static char outdir[64];
static struct symbolizer *sym;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    snprintf(outdir, sizeof outdir, "/tmp/flamepre-fuzz-image.XXXXXX");
    if (!mkdtemp(outdir))
        abort();
    sym = symbolizer_new();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t total = layout_size(SLOTS, WORDS, SITES);
    struct layout_header *h =
        mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (h == MAP_FAILED)
        return 0;
    layout_init(h, SLOTS, WORDS, SITES);
    size_t sites_off = h->sites_off;
    config_defaults(&h->cfg);
    h->cfg.events = EV_CPU | EV_ALLOC | EV_LOCK | EV_IO;
    bool timed = size && (data[0] & 2);
    if (timed) {
        h->cfg.timeline = true;
        h->cfg.events |= EV_WALL;
    }
    h->pid = getpid();
    struct tslot *s = (struct tslot *)((char *)h + h->slots_off);
    s->tid = getpid();
    s->serial = 1;
    s->state = SLOT_ACTIVE;
    atomic_store(&h->threads_high, 1);
    /* The producer's view of slot 0's ring (in the host, threads.c sets
     * words and mask): one CPU sample, one contended mutex with its address. */
    struct ring *r = &s->ring;
    r->words = (uint64_t *)((char *)h + h->rings_off);
    r->mask = WORDS - 1;
    const uintptr_t pcs[3] = {0x1000, 0x2000, 0x3000};
    uint64_t t = timed ? h->start_mono_ns + 1000 : 0;
    record_put_cpu(r, pcs, 3, 0, 2, t);
    struct record_wait w = {
        .label = WAIT_LABEL(WC_pthread_mutex_lock, FDK_NONE), .ns = 5000, .count_fx = 65536};
    record_put_wait(r, pcs, 3, WAIT_F_OBJ, &w, t);
    if (timed)
        record_put_alloc(r, pcs, 3, 0, 4096, t + 1);
    uint64_t *words = (uint64_t *)h;
    size_t nwords = total / 8;
    for (size_t i = 1; i + 10 <= size; i += 10) {
        uint16_t idx;
        uint64_t v;
        memcpy(&idx, data + i, 2);
        memcpy(&v, data + i + 2, 8);
        /* The first 64 Ki words cover the header, slots and rings; a
         * high bit sends the patch into the site range. */
        size_t w = idx & 0x8000 ? sites_off / 8 + (idx & 0x7fff) : idx;
        if (w < nwords)
            words[w] = v;
    }
    snprintf(h->outdir, sizeof h->outdir, "%s", outdir);
    snprintf(h->comm, sizeof h->comm, "fuzz");
    const char *why;
    struct image *img = image_open(h, total, NULL, &why);
    if (img) {
        image_drain(img, false);
        image_drain(img, false);
        if (size && (data[0] & 1)) {
            symbolizer_reset_modules(sym);
            struct image_write wr = {.sym = sym,
                                     .how = "exit",
                                     .collector = "process",
                                     .exit_status = -1,
                                     .name_tag = ""};
            image_write(img, &wr);
        }
        image_free(img);
    }
    munmap(h, total);
    return 0;
}
