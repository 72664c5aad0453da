/*
 * A timeline's time range as folded lines (see tlrange.h).
 */
#include "render/tlrange.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "format/frames.h"
#include "format/metrics.h"
#include "format/timeline.h"
#include "render/parse.h"
#include "render/util.h"

const char tl_range_help[] =
    "  timeline inputs (*.timeline, FLAMEPRE_TIMELINE=1):\n"
    "      --from SEC           start of the time range, seconds from the process start (0)\n"
    "      --to SEC             end of the time range, exclusive (default: the end)\n"
    "      --metric NAME        cpu, wall, alloc_bytes (or alloc), lock_ns, cond_ns or io_ns\n"
    "                           (default cpu)\n";

int tl_range_option(struct tl_range *r, const char *name, const char *arg)
{
    if (strcmp(name, "metric") == 0) {
        /* the metrics a timeline holds: each one's main weight */
        const struct metric_def *d = strcmp(arg, "alloc") == 0 ? &metric_defs[METRIC_ALLOC_BYTES]
                                                               : metric_find(arg, strlen(arg));
        if (!d || d->weight != MW_MAIN || d->source == SRC_NONE) {
            cli_error("--metric: expected cpu, wall, alloc_bytes (alloc), lock_ns, cond_ns or "
                      "io_ns, got \"%s\"",
                      arg);
            return -1;
        }
        r->metric = d->name;
        return 0;
    }
    char *end;
    errno = 0;
    double v = strtod(arg, &end);
    if (end == arg || *end || errno || !(v >= 0) || v > 1e9) {
        cli_error("--%s: expected seconds from the start (1.5), got \"%s\"", name, arg);
        return -1;
    }
    *(strncmp(name, "from", 4) == 0 ? &r->from_s : &r->to_s) = v; /* from1, to2: diff */
    return 0;
}

int tl_range_check(const struct tl_range *r)
{
    if (r->to_s >= 0 && r->to_s <= r->from_s) {
        cli_error("--to %g is not after --from %g", r->to_s, r->from_s);
        return -1;
    }
    return 0;
}

bool tl_is_path(const char *path)
{
    static const char ext[] = ".timeline";
    size_t n = strlen(path);
    return n >= sizeof(ext) && strcmp(path + n - (sizeof(ext) - 1), ext) == 0;
}

static int read_all(int fd, unsigned char **out, size_t *len)
{
    size_t cap = 1 << 16, n = 0;
    unsigned char *b = malloc(cap);
    for (;;) {
        if (!b)
            return -1;
        if (n == cap) {
            unsigned char *nb = realloc(b, cap * 2);
            if (!nb) {
                free(b);
                return -1;
            }
            b = nb;
            cap *= 2;
        }
        ssize_t r = read(fd, b + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            free(b);
            errno = e;
            return -1;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    *out = b;
    *len = n;
    return 0;
}

int tl_read_file(const char *path, struct timeline *tl)
{
    memset(tl, 0, sizeof(*tl));
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    unsigned char *buf = NULL;
    size_t len = 0;
    if (fd < 0 || read_all(fd, &buf, &len) < 0) {
        int e = errno;
        cli_error("%s: %s", path, strerror(e));
        if (fd >= 0)
            close(fd);
        errno = e;
        return -1;
    }
    close(fd);
    const char *why;
    int rc = timeline_decode(buf, len, tl, &why);
    free(buf);
    if (rc < 0) {
        bool oom = strcmp(why, "out of memory") == 0;
        cli_error("%s: %s", path, why);
        errno = oom ? ENOMEM : EINVAL;
        return -1;
    }
    return 0;
}

/* The metric's index in tl, or -1. */
static long metric_of(const struct timeline *tl, const char *name)
{
    for (size_t i = 0; i < tl->nmetrics; i++)
        if (strcmp(tl->metrics[i], name) == 0)
            return (long)i;
    return -1;
}

int tl_range_folded(const struct timeline *tl, const struct tl_range *r, char **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    long m = metric_of(tl, r && r->metric ? r->metric : "cpu");
    double from = r ? r->from_s * 1e9 : 0, to = r && r->to_s >= 0 ? r->to_s * 1e9 : -1;
    uint64_t *sum = calloc(tl->nstacks ? tl->nstacks : 1, sizeof(*sum));
    char *text = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&text, &n);
    if (!sum || !f) {
        free(sum);
        if (f)
            fclose(f);
        free(text);
        errno = ENOMEM;
        return -1;
    }
    for (size_t i = 0; m >= 0 && i < tl->nevents; i++) {
        const struct tl_event *e = &tl->events[i];
        double t = (double)e->t_ns;
        if (t < from || (to >= 0 && t >= to) || tl->stacks[e->stack].metric != (uint32_t)m)
            continue;
        sum[e->stack] =
            e->weight > UINT64_MAX - sum[e->stack] ? UINT64_MAX : sum[e->stack] + e->weight;
    }
    for (size_t s = 0; s < tl->nstacks; s++) {
        if (!sum[s])
            continue;
        const struct tl_stack *st = &tl->stacks[s];
        char *copy = malloc(st->len + 1);
        if (!copy)
            break;
        memcpy(copy, st->frames, st->len + 1);
        frame_sanitize(copy, st->len, FRAME_STACK);
        fprintf(f, "%s %llu\n", copy, (unsigned long long)sum[s]);
        free(copy);
    }
    free(sum);
    if (fclose(f) != 0) {
        free(text);
        errno = ENOMEM;
        return -1;
    }
    *out = text;
    *len = n;
    return 0;
}

int parse_timeline_file(struct profile *p, const char *path, const struct parse_opts *opts,
                        struct parse_stats *stats)
{
    struct timeline tl;
    if (tl_read_file(path, &tl) < 0)
        return -1;
    char *text;
    size_t len;
    int rc = tl_range_folded(&tl, opts ? opts->tl : NULL, &text, &len);
    timeline_free(&tl);
    if (rc < 0) {
        cli_error("%s: out of memory", path);
        errno = ENOMEM;
        return -1;
    }
    rc = parse_folded_mem(p, text, len, path, opts, stats);
    int e = errno;
    free(text);
    errno = e;
    return rc;
}
