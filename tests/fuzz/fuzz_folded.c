/*
 * libFuzzer target: the folded-stack parser (render/parse.h) and what sits
 * directly on the parsed profile.
 *
 * Input: byte 0 = parse options (fuzz_common.h), the rest = a folded file.
 * Each input is parsed twice, from memory (parse_folded_mem) and as a file
 * descriptor (a memfd through parse_folded_fd, the path `flamepre` uses), and
 * the oracles are:
 *  - both entry points agree on success and build the same trie;
 *  - the trie invariants of profile.h hold (ids, depths, total = self +
 *    children);
 *  - the self counts of profile_walk_stacks add up to the root total (less
 *    the root's own self count, which the walk does not visit);
 *  - re-parsing the stacks written back as folded text gives the same total
 *    (what `convert --to folded` relies on);
 *  - top_compute: 0 <= self <= total <= profile total for every function
 *    (recursion must not count a sample twice);
 *  - xml_escape/json_escape of the raw input bytes produce valid UTF-8 that
 *    cannot end an XML text/attribute or a JS/JSON string.
 *
 *   make fuzz                         (bounded run with the seed corpus)
 *   build/fuzz/fuzz_folded CRASHFILE  (replay one input)
 */
#include "tests/fuzz/fuzz_common.h"
#include "render/top.h"

#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

FUZZ_INITIALIZE_DEFAULT()

struct sink {
    char *buf;
    size_t len, cap;
    double sum;
    int failed; /* ENOMEM, or not expressible as folded text */
};

static void sink_put(struct sink *s, const char *p, size_t n)
{
    if (s->failed)
        return;
    if (s->len + n + 1 > s->cap) {
        size_t c = s->cap ? s->cap : 4096;
        while (c < s->len + n + 1)
            c *= 2;
        char *b = realloc(s->buf, c);
        if (!b) {
            s->failed = 1;
            return;
        }
        s->buf = b;
        s->cap = c;
    }
    memcpy(s->buf + s->len, p, n);
    s->len += n;
}

static struct profile *walk_profile;

static int walk_fn(const uint32_t *names, size_t n, const struct pcount *self, void *arg)
{
    struct sink *s = arg;
    s->sum += (double)self->n + self->frac;
    if (n == 0)
        return 0; /* root self: not expressible as a folded line */
    for (size_t i = 0; i < n; i++) {
        size_t len;
        const char *nm = profile_name(walk_profile, names[i], &len);
        if (len == 0) /* the parser drops empty frames (finding-empty-frame-roundtrip) */
            fuzz_fail("walk_stacks: empty frame name at depth %zu", i);
        if (i)
            sink_put(s, ";", 1);
        sink_put(s, nm, len);
    }
    /* The exact count written back: the integer part, then the fraction
     * (merged fractions may sum past 1: the whole part moves over). */
    double whole = floor(self->frac);
    uint64_t v;
    char num[64], fr[32];
    if (__builtin_add_overflow(self->n, (uint64_t)whole, &v)) {
        s->failed = 1; /* past 2^64-1: not expressible as folded text */
        return 0;
    }
    snprintf(fr, sizeof(fr), "%.17f", self->frac - whole);
    int k = snprintf(num, sizeof(num), " %" PRIu64 "%s\n", v, fr + 1);
    sink_put(s, num, (size_t)k);
    return 0;
}

static void check_escapes(const char *s, size_t len)
{
    char *out = NULL;
    size_t olen = 0;
    FILE *f = open_memstream(&out, &olen);
    if (!f)
        return;
    xml_escape(f, s, len);
    fclose(f);
    fuzz_check_xml_text(out, olen);
    free(out);

    out = NULL;
    olen = 0;
    f = open_memstream(&out, &olen);
    if (!f)
        return;
    json_escape(f, s, len);
    fclose(f);
    fuzz_check_json_text(out, olen);
    free(out);
}

static void check_top(struct profile *p)
{
    double total = profile_total(p);
    for (int order = 0; order < 2; order++) {
        struct top_entry *e = NULL;
        size_t n = 0;
        if (top_compute(p, order ? TOP_BY_TOTAL : TOP_BY_SELF, &e, &n) < 0)
            return; /* ENOMEM */
        for (size_t i = 0; i < n; i++) {
            if (!(e[i].self >= 0) || e[i].self > e[i].total * (1 + 1e-9) + 1e-9 ||
                e[i].total > total * (1 + 1e-9) + 1e-9)
                fuzz_fail("top: entry %zu (name %u): self %.17g total %.17g, profile total %.17g",
                          i, e[i].name, e[i].self, e[i].total, total);
            if (i && (order ? e[i].total > e[i - 1].total : e[i].self > e[i - 1].self))
                fuzz_fail("top: entries not sorted at %zu", i);
        }
        free(e);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    struct parse_opts po = fuzz_parse_opts(data[0]);
    const char *text = (const char *)data + 1;
    size_t len = size - 1;

    check_escapes(text, len);

    struct profile *a = profile_new(), *b = profile_new();
    if (!a || !b)
        abort();
    int ra = parse_folded_mem(a, text, len, "fuzz", &po, NULL);

    int fd = memfd_create("fuzz", MFD_CLOEXEC);
    if (fd < 0)
        abort();
    if (len && write(fd, text, len) != (ssize_t)len)
        abort();
    lseek(fd, 0, SEEK_SET);
    int rb = parse_folded_fd(b, fd, "fuzz", &po, NULL);
    close(fd);
    if (ra != rb)
        fuzz_fail("parse_folded_mem returned %d, parse_folded_fd %d", ra, rb);

    if (ra == 0) {
        fuzz_check_profile(a);
        fuzz_check_same(a, b);

        struct sink s = {0};
        walk_profile = a;
        double want = profile_total(a) - profile_node(a, 0)->self;
        if (profile_walk_stacks(a, walk_fn, &s) == 0) {
            if (!close_enough(s.sum, want))
                fuzz_fail("walk_stacks: selfs add to %.17g, root total less root self %.17g", s.sum,
                          want);
        }
        if (!s.failed) {
            /* Round trip: stacks written back as folded text and parsed with
             * no transforms give the same total (root self excluded). */
            struct profile *c = profile_new();
            struct parse_opts plain = {0};
            if (!c)
                abort();
            if (parse_folded_mem(c, s.buf ? s.buf : "", s.len, "roundtrip", &plain, NULL) != 0)
                fuzz_fail("round trip: re-parsing the written stacks failed");
            if (!close_enough(profile_total(c), want))
                fuzz_fail("round trip: total %.17g, expected %.17g", profile_total(c), want);
            profile_free(c);
        }
        free(s.buf);
        check_top(a);
    }
    profile_free(a);
    profile_free(b);
    return 0;
}
