/*
 * speedscope output (contract in speedscope.h). The JSON is written in one
 * pass over the trie per profile, twice (samples, then weights: the format
 * keeps them in two parallel arrays), with the path from the thread frame
 * kept in one array as deep as the profile.
 */
#include "render/speedscope.h"
#include "format/frames.h"
#include "render/escape.h"
#include "render/profile.h"
#include "render/units.h"
#include "render/util.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* One speedscope "sampled" profile per thread: each "[name tid=N]" root
 * frame becomes a profile named after it (stacks below the thread frame);
 * stacks under any other root go to one profile named after the input.
 * Frames are shared: frame index = name id - 1. */
struct ss_ctx {
    FILE *f;
    const struct profile *p;
    uint32_t *path;
    bool first;
    int pass;   /* 0: samples, 1: weights */
    double mul; /* weight of one count in the profile's unit (the period for samples) */
};

/* Visit every node with a self count under `top` (included when !skip_top),
 * calling ss_emit with the path of name ids below the skipped frame. */
static double ss_subtree(struct ss_ctx *c, uint32_t top, bool skip_top)
{
    const struct profile *p = c->p;
    double sum = 0;
    uint32_t base = profile_node(p, top)->depth + (skip_top ? 1 : 0);
    uint32_t node = top;
    for (;;) {
        const struct pnode *nd = profile_node(p, node);
        if (nd->depth >= base)
            c->path[nd->depth - base] = nd->name;
        if (nd->self > 0 && nd->depth >= base) {
            size_t n = nd->depth - base + 1;
            sum += nd->self;
            fputs(c->first ? "" : ",", c->f);
            c->first = false;
            if (c->pass == 1) {
                fprintf(c->f, "%.15g", nd->self * c->mul);
            } else {
                fputc('[', c->f);
                for (size_t i = 0; i < n; i++)
                    fprintf(c->f, "%s%u", i ? "," : "", c->path[i] - 1);
                fputc(']', c->f);
            }
        }
        if (nd->first_child != PNODE_NONE) {
            node = nd->first_child;
            continue;
        }
        while (node != top && profile_node(p, node)->next_sibling == PNODE_NONE)
            node = profile_node(p, node)->parent;
        if (node == top)
            break;
        node = profile_node(p, node)->next_sibling;
    }
    return sum;
}

static bool ss_is_thread(const struct profile *p, uint32_t node)
{
    size_t len;
    const char *s = profile_name(p, profile_node(p, node)->name, &len);
    return frame_is_thread_root(s, len);
}

/* One profile: the thread root `node`, or (node == PNODE_NONE) every
 * non-thread root. */
static void ss_profile(struct ss_ctx *c, uint32_t node, const char *unit, const char *name,
                       bool comma)
{
    FILE *f = c->f;
    const struct profile *p = c->p;
    size_t len = 0;
    if (node != PNODE_NONE)
        name = profile_name(p, profile_node(p, node)->name, &len);
    else
        len = strlen(name);
    fputs(comma ? ",{\"type\":\"sampled\",\"name\":\"" : "{\"type\":\"sampled\",\"name\":\"", f);
    json_escape(f, name, len);
    fprintf(f, "\",\"unit\":\"%s\",\"startValue\":0,\"endValue\":", unit);
    /* endValue: the profile's total weight */
    double total = 0;
    if (node != PNODE_NONE) {
        total = profile_node(p, node)->total - profile_node(p, node)->self;
    } else {
        for (uint32_t k = profile_node(p, 0)->first_child; k != PNODE_NONE;
             k = profile_node(p, k)->next_sibling)
            if (!ss_is_thread(p, k))
                total += profile_node(p, k)->total;
    }
    fprintf(f, "%.15g,\"samples\":[", total * c->mul);
    for (c->pass = 0; c->pass < 2; c->pass++) {
        c->first = true;
        if (node != PNODE_NONE) {
            ss_subtree(c, node, true);
        } else {
            for (uint32_t k = profile_node(p, 0)->first_child; k != PNODE_NONE;
                 k = profile_node(p, k)->next_sibling)
                if (!ss_is_thread(p, k))
                    ss_subtree(c, k, false);
        }
        fputs(c->pass == 0 ? "],\"weights\":[" : "]}", f);
    }
}

/* speedscope's unit of a metric, and what one count weighs in it. Sampled
 * time (cpu, wall) is time when the period is known (meta.json): the viewer
 * then shows durations, not bare sample counts; counts of events stay
 * "none". */
static const char *ss_unit(const struct metric_info *mi, double *mul)
{
    *mul = 1;
    switch (mi->unit) {
    case UNIT_BYTES: return "bytes";
    case UNIT_NS: return "nanoseconds";
    case UNIT_SAMPLES:
        if (mi->period_ns > 0) {
            *mul = mi->period_ns;
            return "nanoseconds";
        }
        return "none";
    case UNIT_COUNT:
    case UNIT_KIND_COUNT: return "none";
    }
    return "none";
}

int speedscope_write(FILE *f, struct profile *p, const struct metric_info *mi, const char *name)
{
    double mul;
    const char *unit = ss_unit(mi, &mul);
    fputs("{\"$schema\":\"https://www.speedscope.app/file-format-schema.json\","
          "\"exporter\":\"flamepre\",\"name\":\"",
          f);
    json_escape(f, name, strlen(name));
    fputs("\",\"activeProfileIndex\":0,\"shared\":{\"frames\":[", f);
    for (size_t i = 1; i < profile_name_count(p); i++) {
        size_t len;
        const char *s = profile_name(p, (uint32_t)i, &len);
        fputs(i > 1 ? ",{\"name\":\"" : "{\"name\":\"", f);
        json_escape(f, s, len);
        fputs("\"}", f);
    }
    fputs("]},\"profiles\":[", f);
    struct ss_ctx c = {f, p, malloc((profile_max_depth(p) + 1) * sizeof(uint32_t)), true, 0, mul};
    if (!c.path)
        return cli_error("out of memory");
    bool any = false, other = false;
    for (uint32_t k = profile_node(p, 0)->first_child; k != PNODE_NONE;
         k = profile_node(p, k)->next_sibling)
        if (!ss_is_thread(p, k))
            other = true;
    /* non-thread stacks (or an empty profile) first: one profile for them */
    if (other || profile_node(p, 0)->first_child == PNODE_NONE) {
        ss_profile(&c, PNODE_NONE, unit, name, false);
        any = true;
    }
    for (uint32_t k = profile_node(p, 0)->first_child; k != PNODE_NONE;
         k = profile_node(p, k)->next_sibling)
        if (ss_is_thread(p, k)) {
            ss_profile(&c, k, unit, NULL, any);
            any = true;
        }
    fputs("]}\n", f);
    free(c.path);
    return 0;
}
