/*
 * Default titles and subtitles (see title.h). The words for each metric
 * are the metric table's label column (format/metrics.h).
 */
#include "render/title.h"
#include "render/metafile.h"

#include "format/json.h"
#include "format/meta_keys.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *metric_label(const struct metric_info *mi)
{
    if (!mi->metric[0])
        return NULL;
    const struct metric_def *d = metric_find(mi->metric, strlen(mi->metric));
    return d ? d->label : mi->metric;
}

/* Append ", N what" to out when n > 0. */
static void loss(char *out, size_t len, double n, const char *one, const char *many)
{
    if (!(n > 0))
        return;
    size_t used = strlen(out);
    char num[48];
    format_count(num, sizeof num, n);
    snprintf(out + used, len - used, "%s%s %s", used ? ", " : "lost: ", num, n == 1 ? one : many);
}

/* comm and pid from "<dir>/<comm>.<pid>.<metric>.folded" (meta.json, read
 * after, is the better source: a comm may hold dots and digits). */
static void from_name(const char *path, struct graph_source *gs)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *end = strstr(base, ".folded");
    const char *metric = end ? memrchr(base, '.', (size_t)(end - base)) : NULL;
    const char *dot = metric ? memrchr(base, '.', (size_t)(metric - base)) : NULL;
    if (!dot || dot == base || metric - dot < 2)
        return;
    long pid = 0;
    for (const char *q = dot + 1; q < metric; q++) {
        if (*q < '0' || *q > '9' || pid > 99999999)
            return;
        pid = pid * 10 + (*q - '0');
    }
    size_t n = (size_t)(dot - base);
    if (n >= sizeof gs->comm)
        n = sizeof gs->comm - 1;
    memcpy(gs->comm, base, n);
    gs->comm[n] = 0;
    gs->pid = pid;
}

void graph_source_read(const char *path, const struct metric_info *mi, struct graph_source *gs)
{
    memset(gs, 0, sizeof *gs);
    from_name(path, gs);
    char mpath[4096];
    struct json *meta = meta_path_of(path, mpath, sizeof mpath)
                            ? json_parse_file(mpath, META_MAX_BYTES, NULL)
                            : NULL;
    if (!meta)
        return;
    char val[64];
    if (meta_value(meta, META_COMM, gs->comm, sizeof gs->comm) && !gs->comm[0])
        from_name(path, gs);
    if (meta_value(meta, META_PID, val, sizeof val) && atol(val) > 0)
        gs->pid = atol(val);
    /* the losses that bear on this metric's stacks */
    char *l = gs->lost;
    size_t len = sizeof gs->lost;
    const char *m = mi->metric;
    if (!strncmp(m, "alloc_", 6) || !strcmp(m, "live_bytes")) {
        loss(l, len, meta_number(meta, META_ALLOC, "dropped"), "allocation record dropped",
             "allocation records dropped");
    } else if (!strncmp(m, "lock_", 5) || !strncmp(m, "cond_", 5) || !strncmp(m, "io_", 3)) {
        loss(l, len, meta_number(meta, META_WAIT, "dropped"), "wait record dropped",
             "wait records dropped");
    } else {
        /* the sampler's counters: unwinding is counted for samples only */
        loss(l, len, meta_number(meta, NULL, META_SAMPLES_DROPPED), "sample dropped",
             "samples dropped");
        loss(l, len, meta_number(meta, NULL, META_UNWIND_FAILED), "unwind failed",
             "unwinds failed");
        loss(l, len, meta_number(meta, NULL, META_STACKS_TRUNCATED), "stack truncated",
             "stacks truncated");
    }
    if (meta_value(meta, META_END, val, sizeof val) &&
        (!strncmp(val, "running", 7) || !strncmp(val, "gone", 4))) {
        size_t used = strlen(l);
        snprintf(l + used, len - used, "%sincomplete (%s)", used ? "; " : "", val);
    }
    json_free(meta);
}

void graph_title(char *out, size_t len, const struct metric_info *mi, const struct graph_source *gs,
                 double total)
{
    const char *label = metric_label(mi);
    out[0] = 0;
    if (!label)
        return;
    char tot[96];
    unit_format(tot, sizeof tot, total, mi);
    if (gs && gs->comm[0] && gs->pid > 0)
        snprintf(out, len, "%s \xe2\x80\x94 %s (pid %ld), %s", label, gs->comm, gs->pid, tot);
    else if (gs && gs->comm[0])
        snprintf(out, len, "%s \xe2\x80\x94 %s, %s", label, gs->comm, tot);
    else
        snprintf(out, len, "%s, %s", label, tot);
}
