/*
 * The collector's reading of a host's shared mapping (collector/image.h):
 * records drained and written as folded lines, and a mapping that lies
 * (a buggy or hostile host: bad header, ring indices, record lengths,
 * site lengths) is refused or read only within bounds, never crashing the
 * collector. Run under ASan/UBSan too.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "collector/image.h"
#include "collector/symbolize.h"
#include "preload/allocsite.h"
#include "preload/layout.h"
#include "preload/record.h"
#include "preload/sampler.h"
#include "preload/threads.h"

#define SLOTS 8
#define WORDS 64
#define SITES (1u << 20)

static char outdir[64];

static struct layout_header *make_layout(size_t *size)
{
    *size = layout_size(SLOTS, WORDS, SITES);
    struct layout_header *h =
        mmap(NULL, *size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(h != MAP_FAILED);
    layout_init(h, SLOTS, WORDS, SITES);
    config_defaults(&h->cfg);
    h->cfg.events = EV_CPU | EV_ALLOC;
    h->pid = getpid();
    h->ppid = getppid();
    memset(h->comm, 'x', sizeof h->comm); /* no NUL: must be cut (COMM_CUT) */
    snprintf(h->outdir, sizeof h->outdir, "%s", outdir);
    return h;
}

static struct tslot *slot(struct layout_header *h, unsigned i)
{
    return (struct tslot *)((char *)h + h->slots_off) + i;
}

static uint64_t *ring(struct layout_header *h, unsigned i)
{
    return (uint64_t *)((char *)h + h->rings_off) + (size_t)i * WORDS;
}

/* Slot 0: this thread, two CPU records. */
static void fill(struct layout_header *h)
{
    struct tslot *s = slot(h, 0);
    s->tid = (pid_t)getpid();
    s->serial = 1;
    atomic_store(&s->state, SLOT_ACTIVE);
    uint64_t *w = ring(h, 0);
    w[0] = record_header(REC_CPU, 0, 2, 3);
    w[1] = 0x1000;
    w[2] = 0x2000;
    w[3] = record_header(REC_CPU, 0, 1, 4);
    w[4] = 0x1000;
    atomic_store(&s->ring.head, 5);
    atomic_store(&h->threads_high, 1);
}

/* The host's name fills all 16 bytes of comm with 'x' and no NUL: the
 * collector cuts it to 15, so the files are named after COMM_CUT. */
#define COMM_CUT "xxxxxxxxxxxxxxx"

/* The text of this process's <metric>.folded as the collector wrote it,
 * or NULL. */
static char *folded_of(const char *metric)
{
    char path[256];
    snprintf(path, sizeof path, "%s/" COMM_CUT ".%d.%s.folded", outdir, (int)getpid(), metric);
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    return buf;
}

static int write_all(struct image *img)
{
    struct symbolizer *S = symbolizer_new();
    struct image_write w = {
        .sym = S, .how = "exit", .collector = "process", .exit_status = 0, .name_tag = ""};
    int r = image_write(img, &w);
    symbolizer_free(S);
    return r;
}

static void test_drain_and_write(void **st)
{
    (void)st;
    size_t size;
    struct layout_header *h = make_layout(&size);
    const char *why;
    /* nothing recorded yet: no data, and a fork child would leave no files */
    struct image *img = image_open(h, size, NULL, &why);
    assert_non_null(img);
    assert_false(image_has_data(img));
    assert_false(layout_leaves_no_files(h, "exit"));
    assert_true(layout_leaves_no_files(h, "exec"));
    h->forked = 1;
    assert_true(layout_leaves_no_files(h, "exit"));
    image_free(img);
    fill(h);
    assert_false(layout_leaves_no_files(h, "exec"));
    img = image_open(h, size, NULL, &why);
    assert_non_null(img);
    assert_true(image_has_data(img));
    image_drain(img, false);
    assert_int_equal(atomic_load(&slot(h, 0)->ring.tail), 5);
    assert_true(image_has_data(img));
    assert_int_equal(write_all(img), 0);
    char *text = folded_of("cpu");
    assert_non_null(text);
    /* weights 3 and 4 on two stacks, under the thread frame */
    assert_non_null(strstr(text, " 3\n"));
    assert_non_null(strstr(text, " 4\n"));
    assert_non_null(strstr(text, "[unknown]"));
    image_free(img);
    munmap(h, size);
}

static void test_bad_headers(void **st)
{
    (void)st;
    size_t size;
    const char *why;
    struct layout_header *h = make_layout(&size);
    struct layout_header good = *h;
#define REFUSED(stmt)                                 \
    do {                                              \
        stmt;                                         \
        assert_null(image_open(h, size, NULL, &why)); \
        assert_non_null(why);                         \
        *h = good;                                    \
    } while (0)
    REFUSED(h->magic = 0);
    REFUSED(h->version = LAYOUT_VERSION + 1);
    REFUSED(h->header_bytes = 1);
    REFUSED(h->slot_bytes = 8);
    REFUSED(h->total_bytes = size + 1);
    REFUSED(h->slots_max = THREADS_MAX + 1);
    REFUSED(h->ring_words = 63);
    REFUSED(h->ring_words = 0);
    REFUSED(h->rings_off = 0);
    REFUSED(h->sites_bytes = size);
    REFUSED(h->sites_off = ~0ull - 10);
#undef REFUSED
    assert_null(image_open(h, 16, NULL, &why));
    munmap(h, size);
}

static void test_lying_rings_and_sites(void **st)
{
    (void)st;
    size_t size;
    const char *why;
    struct layout_header *h = make_layout(&size);
    fill(h);
    /* slot 1: head far past tail (more than the ring holds) */
    struct tslot *s = slot(h, 1);
    s->tid = (pid_t)getpid();
    s->serial = 2;
    atomic_store(&s->state, SLOT_ACTIVE);
    atomic_store(&s->ring.head, 1000000);
    /* slot 2: a record claiming 60000 frames; slot 3: one longer than head */
    for (unsigned k = 2; k <= 3; k++) {
        s = slot(h, k);
        s->tid = (pid_t)getpid();
        s->serial = k + 1;
        atomic_store(&s->state, SLOT_EXITED);
        ring(h, k)[0] = record_header(REC_CPU, 0, k == 2 ? 60000 : 10, 1);
        atomic_store(&s->ring.head, k == 2 ? 2 : 3);
    }
    /* threads_high past the table */
    atomic_store(&h->threads_high, 1000);
    /* sites: used beyond the range; a chunk whose used is absurd; a site
     * claiming a huge frame count */
    char *sites = (char *)h + h->sites_off;
    atomic_store(&h->sites_used, (uint64_t)SITES * 4);
    atomic_store(&h->nsites, 3);
    ((struct alloc_chunk_hdr *)sites)->used = 0xffffffffu;
    struct alloc_site *site = (struct alloc_site *)(sites + ALLOC_CHUNK_HDR);
    site->serial = 1;
    site->n = 1;
    site->pcs[0] = 0x1000;
    atomic_store(&site->bytes, 100);
    atomic_store(&site->count_fx, 65536);
    struct alloc_site *bad = (struct alloc_site *)(sites + ALLOC_CHUNK_HDR + 64);
    bad->n = 0x7fffffff;
    struct image *img = image_open(h, size, NULL, &why);
    assert_non_null(img);
    image_drain(img, true);
    image_drain(img, false);
    /* slots 2 and 3 were EXITED: drained (what could be) and freed */
    assert_int_equal(atomic_load(&slot(h, 2)->state), SLOT_FREE);
    assert_int_equal(atomic_load(&slot(h, 3)->state), SLOT_FREE);
    assert_int_equal(write_all(img), 0);
    char *text = folded_of("alloc_bytes");
    assert_non_null(text);
    assert_non_null(strstr(text, " 100\n"));
    image_free(img);
    munmap(h, size);
}

static int setup(void **st)
{
    (void)st;
    snprintf(outdir, sizeof outdir, "/tmp/flamepre-test-image.XXXXXX");
    return mkdtemp(outdir) ? 0 : -1;
}

static int teardown(void **st)
{
    (void)st;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", outdir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_drain_and_write),
        cmocka_unit_test(test_bad_headers),
        cmocka_unit_test(test_lying_rings_and_sites),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
