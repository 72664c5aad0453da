/*
 * libFuzzer target: the .timeline reader (format/timeline.h), which reads
 * files anyone could have written into an output directory, and the range
 * profile built on it (render/tlrange.h).
 *
 * Input: the whole input is the file (no option byte). Oracles:
 *  - a refusal has a message and leaves the timeline empty;
 *  - an accepted timeline has every index in range, events sorted, each
 *    string NUL-terminated at its length; encoded again it is the same
 *    bytes (one encoding per timeline), and decodes equal;
 *  - the folded text of its whole range (every metric) and of a half range
 *    parses with the folded parser (tlrange sanitizes frames), and the
 *    half range's total is at most the whole one's;
 *  - its heatmap page is written, and the data holds no "</" that could
 *    end the page's <script> early (names are hostile).
 *
 *   make fuzz                            (bounded run with the seed corpus)
 *   build/fuzz/fuzz_timeline CRASHFILE   (replay one input)
 */
#include "tests/fuzz/fuzz_common.h"
#include "format/timeline.h"
#include "render/heatmap.h"
#include "render/tlrange.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

FUZZ_INITIALIZE_DEFAULT()

static double range_total(const struct timeline *tl, const struct tl_range *r)
{
    char *text;
    size_t len;
    if (tl_range_folded(tl, r, &text, &len) < 0)
        return -1;
    struct profile *p = profile_new();
    struct parse_opts po = {0};
    double total = -1;
    if (p && (len == 0 || parse_folded_mem(p, text, len, "fuzz", &po, NULL) == 0))
        total = profile_total(p);
    /* a stack of nothing but ';' is refused ("empty stack"): total stays -1 */
    profile_free(p);
    free(text);
    return total;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct timeline tl;
    const char *why = NULL;
    if (timeline_decode(data, size, &tl, &why) < 0) {
        if (!why || tl.events || tl.stacks || tl.nevents)
            __builtin_trap();
        return 0;
    }
    for (size_t i = 0; i < tl.nstacks; i++)
        if (tl.stacks[i].metric >= tl.nmetrics || tl.stacks[i].thread >= tl.nthreads ||
            strlen(tl.stacks[i].frames) != tl.stacks[i].len)
            __builtin_trap();
    for (size_t i = 0; i < tl.nevents; i++)
        if (tl.events[i].stack >= tl.nstacks || (i && tl.events[i].t_ns < tl.events[i - 1].t_ns))
            __builtin_trap();
    unsigned char *again;
    size_t len;
    if (timeline_encode(&tl, &again, &len) == 0) {
        if (len != size || memcmp(again, data, size) != 0) {
            /* a varint may have been written long (0x80 0x00): decode equal */
            struct timeline t2;
            if (timeline_decode(again, len, &t2, &why) < 0 || t2.nevents != tl.nevents ||
                t2.nstacks != tl.nstacks)
                __builtin_trap();
            timeline_free(&t2);
        }
        free(again);
    }
    for (size_t m = 0; m < tl.nmetrics; m++) {
        struct tl_range all = {.metric = tl.metrics[m], .from_s = 0, .to_s = -1};
        double last = tl.nevents ? (double)tl.events[tl.nevents - 1].t_ns / 1e9 : 1;
        struct tl_range half = {.metric = tl.metrics[m], .from_s = last / 2, .to_s = -1};
        double a = range_total(&tl, &all), h = range_total(&tl, &half);
        if (a >= 0 && h > a)
            __builtin_trap();
    }
    char *page = NULL;
    size_t plen = 0;
    FILE *f = open_memstream(&page, &plen);
    if (f) {
        struct heatmap_opts o = {.rows = 50};
        int rc = heatmap_write(f, &tl, &o);
        fclose(f);
        const char *data = rc == 0 && page ? strstr(page, "id=\"hm-data\">") : NULL;
        if (data) {
            const char *end = strstr(data, "</script>");
            /* the first "</script>" after the data must be the data's own end */
            if (!end || memmem(data, (size_t)(end - data), "</", 2) != NULL)
                __builtin_trap();
        }
        free(page);
    }
    timeline_free(&tl);
    return 0;
}
