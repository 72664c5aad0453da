/*
 * `flamepre record`'s summary (model in summary.h). Per-command lines are
 * kept as a small table of (command, metric) totals, filled as profiles
 * arrive in file-name order, so the files of one process are adjacent and
 * counting processes is counting changes of the "<comm>.<pid>" prefix.
 */
#include "render/summary.h"
#include "format/frames.h"
#include "render/modules.h"
#include "render/parse.h"
#include "render/profile.h"
#include "render/title.h"
#include "render/top.h"
#include "render/units.h"
#include "render/util.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SUMMARY_TOP 4 /* hottest functions per profile */
#define SUMMARY_COMMANDS 20

struct cmd_metric {
    struct metric_info mi;
    double total;
};

struct cmd_row {
    char comm[64];
    size_t procs;
    struct cmd_metric m[8];
    size_t nm;
};

struct summary {
    bool detail, printed;
    size_t nprocs;
    struct cmd_row *rows;
    size_t nrows, cap;
    char last_prefix[512];
};

struct summary *summary_new(size_t nprocs)
{
    struct summary *s = calloc(1, sizeof *s);
    if (s) {
        s->detail = nprocs <= SUMMARY_DETAIL_MAX;
        s->nprocs = nprocs;
    }
    return s;
}

/* One row of the hottest list: a function, or every "[lib+0x..]" frame of
 * one module (so xz's unresolved 99% is one row, not hundreds). */
struct hot_row {
    const char *name;
    size_t len; /* a module row: the module name's */
    double self;
    size_t addrs; /* unresolved addresses merged (0: a function) */
};

static int hot_cmp(const void *a, const void *b)
{
    const struct hot_row *x = a, *y = b;
    return x->self != y->self ? (x->self > y->self ? -1 : 1) : 0;
}

static void print_name(const char *name, size_t len)
{
    for (size_t j = 0; j < len && j < 100; j++)
        fputc((unsigned char)name[j] < 0x20 ? '?' : name[j], stderr);
    if (len > 100)
        fputs("...", stderr);
}

/* The hottest functions by self weight, unresolved frames by module. */
static void hottest(struct profile *p)
{
    struct top_entry *e;
    size_t n;
    if (top_compute(p, TOP_BY_SELF, &e, &n) < 0)
        return;
    struct hot_row *rows = calloc(n ? n : 1, sizeof *rows);
    size_t nr = 0;
    /* sorted by self: the first zero ends the list */
    for (size_t i = 0; rows && i < n && e[i].self > 0; i++) {
        size_t len;
        const char *name = profile_name(p, e[i].name, &len);
        size_t ml = module_of_unresolved(name, len);
        if (!ml && frame_is_pseudo(name, len))
            continue;
        struct hot_row *r = NULL;
        for (size_t k = 0; ml && k < nr && !r; k++)
            if (rows[k].addrs && rows[k].len == ml && !memcmp(rows[k].name, name + 1, ml))
                r = &rows[k];
        if (!r) {
            r = &rows[nr++];
            *r = (struct hot_row){ml ? name + 1 : name, ml ? ml : len, 0, 0};
        }
        r->self += e[i].self;
        r->addrs += ml != 0;
    }
    if (rows)
        qsort(rows, nr, sizeof *rows, hot_cmp);
    double all = profile_total(p);
    for (size_t i = 0; rows && i < nr && i < SUMMARY_TOP; i++) {
        fprintf(stderr, "  %5.1f%% self  ", all > 0 ? 100 * rows[i].self / all : 0);
        if (rows[i].addrs)
            fputc('[', stderr);
        print_name(rows[i].name, rows[i].len);
        if (rows[i].addrs)
            fprintf(stderr, "+0x...] (no symbols: %zu address%s)", rows[i].addrs,
                    rows[i].addrs == 1 ? "" : "es");
        fputc('\n', stderr);
    }
    free(rows);
    free(e);
}

/* Modules whose unresolved code is at least 1% of the profile (from the
 * collector's summary in meta.json), with what would name it. */
static void unresolved_modules(const char *folded, struct profile *p, const char *metric)
{
    struct module_shares ms = {0};
    char *in[1] = {(char *)folded};
    if (module_shares_from_meta(&ms, in, 1, metric) < 0)
        return;
    double all = profile_total(p);
    bool said = false;
    for (size_t i = 0; i < ms.n; i++) {
        const struct module_share *m = &ms.v[i];
        if (!(all > 0) || m->unresolved < all / 100 || m->name[0] == '[')
            continue;
        fprintf(stderr, "%s %s %.1f%%", said ? "," : "  unresolved code (no symbols):", m->name,
                100 * m->unresolved / all);
        said = true;
    }
    if (said)
        fputs(" (install its -dbgsym package: see README, Symbols)\n", stderr);
    module_shares_free(&ms);
}

/* "<file>: <total> -> <svg>" and the hottest functions by self weight. */
static void in_full(const char *folded, const char *svg, struct profile *p,
                    const struct metric_info *mi)
{
    char tot[96];
    unit_format(tot, sizeof(tot), profile_total(p), mi);
    fprintf(stderr, "flamepre: %s: %s -> %s\n", path_base(folded), tot, svg);
    hottest(p);
    unresolved_modules(folded, p, mi->metric);
}

static void tally(struct summary *s, const char *folded, struct profile *p,
                  const struct metric_info *mi)
{
    struct graph_source gs;
    graph_source_read(folded, mi, &gs);
    const char *comm = gs.comm[0] ? gs.comm : "?";
    struct cmd_row *r = NULL;
    for (size_t i = 0; i < s->nrows && !r; i++)
        if (!strcmp(s->rows[i].comm, comm))
            r = &s->rows[i];
    if (!r) {
        if (grow_array(&s->rows, &s->cap, s->nrows + 1, sizeof *s->rows) < 0)
            return;
        r = &s->rows[s->nrows++];
        memset(r, 0, sizeof *r);
        snprintf(r->comm, sizeof r->comm, "%s", comm);
    }
    /* a new "<comm>.<pid>" prefix is a new process (files arrive sorted) */
    const char *base = path_base(folded);
    const char *dot = strrchr(base, '.');
    size_t plen = dot ? (size_t)(dot - base) : strlen(base);
    const char *mdot = dot ? memrchr(base, '.', plen) : NULL;
    if (mdot)
        plen = (size_t)(mdot - base);
    if (plen >= sizeof s->last_prefix || strncmp(s->last_prefix, base, plen) ||
        s->last_prefix[plen]) {
        r->procs++;
        snprintf(s->last_prefix, sizeof s->last_prefix, "%.*s", (int)plen, base);
    }
    for (size_t k = 0; k < r->nm; k++)
        if (!strcmp(r->m[k].mi.metric, mi->metric)) {
            r->m[k].total += profile_total(p);
            return;
        }
    if (r->nm < sizeof r->m / sizeof r->m[0])
        r->m[r->nm++] = (struct cmd_metric){*mi, profile_total(p)};
}

void summary_add(struct summary *s, const char *folded, const char *svg, struct profile *p)
{
    if (!s)
        return;
    struct metric_info mi;
    metric_from_path(folded, &mi);
    if (s->detail || strstr(path_base(folded), ".tree."))
        in_full(folded, svg, p, &mi);
    else
        tally(s, folded, p, &mi);
}

/* Busiest command first: by its first metric's total. */
static int by_total(const void *a, const void *b)
{
    const struct cmd_row *x = a, *y = b;
    double tx = x->nm ? x->m[0].total : 0, ty = y->nm ? y->m[0].total : 0;
    if (tx != ty)
        return tx > ty ? -1 : 1;
    return strcmp(x->comm, y->comm);
}

void summary_commands(struct summary *s)
{
    if (!s || s->printed)
        return;
    s->printed = true;
    if (s->nrows) {
        qsort(s->rows, s->nrows, sizeof *s->rows, by_total);
        fprintf(stderr,
                "flamepre: %zu processes, by command (one graph each in the output "
                "directory):\n",
                s->nprocs);
        for (size_t i = 0; i < s->nrows && i < SUMMARY_COMMANDS; i++) {
            const struct cmd_row *r = &s->rows[i];
            fprintf(stderr, "  %-16s %5zu process%s ", r->comm, r->procs,
                    r->procs == 1 ? "  " : "es");
            for (size_t k = 0; k < r->nm; k++) {
                char tot[96];
                unit_format(tot, sizeof tot, r->m[k].total, &r->m[k].mi);
                fprintf(stderr, "%s %s %s", k ? "," : "", r->m[k].mi.metric, tot);
            }
            fputc('\n', stderr);
        }
        if (s->nrows > SUMMARY_COMMANDS)
            fprintf(stderr, "  ... and %zu more commands\n", s->nrows - SUMMARY_COMMANDS);
    }
}

void summary_finish(struct summary *s)
{
    if (!s)
        return;
    summary_commands(s);
    free(s->rows);
    free(s);
}
