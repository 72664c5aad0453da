/*
 * `flamepre top`. Totals are computed in one depth-first walk of the trie
 * with a per-name counter of how many times the name is on the current path;
 * a node adds its inclusive total to its name only when it is the outermost
 * occurrence on the path. That is what makes recursion count once (pprof's
 * "cum" has the same rule; naive per-frame sums show 300% for A;A;A).
 */
#include "render/top.h"
#include "render/escape.h"
#include "render/modules.h"
#include "render/profile.h"
#include "render/util.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static struct profile *sort_p;
static const uint32_t *sort_ranks;
static enum top_order sort_order;

static int cmp_entry(const void *a, const void *b)
{
    const struct top_entry *x = a, *y = b;
    double vx = sort_order == TOP_BY_SELF ? x->self : x->total;
    double vy = sort_order == TOP_BY_SELF ? y->self : y->total;
    if (vx != vy)
        return vx > vy ? -1 : 1;
    double wx = sort_order == TOP_BY_SELF ? x->total : x->self;
    double wy = sort_order == TOP_BY_SELF ? y->total : y->self;
    if (wx != wy)
        return wx > wy ? -1 : 1;
    return sort_ranks[x->name] < sort_ranks[y->name] ? -1 : 1;
}

int top_compute(struct profile *p, enum top_order order, struct top_entry **out, size_t *n)
{
    size_t nn = profile_name_count(p);
    double *self = calloc(nn, sizeof(double));
    double *total = calloc(nn, sizeof(double));
    uint32_t *onpath = calloc(nn, sizeof(uint32_t));
    uint32_t *stack = NULL;
    size_t cap = 0, sp = 0;
    struct top_entry *e = NULL;
    int rc = -1;
    const uint32_t *ranks = profile_name_ranks(p);
    if (!self || !total || !onpath || !ranks)
        goto done;
    /* iterative DFS: enter a node (count it), then its children, then leave
     * it (pop from the path); a node id's high bit marks "leave" */
    if (grow_array(&stack, &cap, 1, sizeof(*stack)) < 0)
        goto done;
    for (uint32_t c = profile_node(p, 0)->first_child; c != PNODE_NONE;
         c = profile_node(p, c)->next_sibling) {
        if (grow_array(&stack, &cap, sp + 1, sizeof(*stack)) < 0)
            goto done;
        stack[sp++] = c;
    }
    while (sp) {
        uint32_t v = stack[--sp];
        if (v & 0x80000000u) {
            onpath[profile_node(p, v & 0x7fffffffu)->name]--;
            continue;
        }
        const struct pnode *nd = profile_node(p, v);
        self[nd->name] += nd->self;
        if (onpath[nd->name]++ == 0)
            total[nd->name] += nd->total;
        if (grow_array(&stack, &cap, sp + 1, sizeof(*stack)) < 0)
            goto done;
        stack[sp++] = v | 0x80000000u;
        for (uint32_t c = nd->first_child; c != PNODE_NONE; c = profile_node(p, c)->next_sibling) {
            if (grow_array(&stack, &cap, sp + 1, sizeof(*stack)) < 0)
                goto done;
            stack[sp++] = c;
        }
    }
    size_t k = 0;
    e = malloc((nn ? nn : 1) * sizeof(*e));
    if (!e)
        goto done;
    for (size_t i = 1; i < nn; i++)
        if (total[i] > 0 || self[i] > 0)
            e[k++] = (struct top_entry){(uint32_t)i, self[i], total[i]};
    sort_p = p;
    sort_ranks = ranks;
    sort_order = order;
    qsort(e, k, sizeof(*e), cmp_entry);
    *out = e;
    *n = k;
    e = NULL;
    rc = 0;
done:
    free(self);
    free(total);
    free(onpath);
    free(stack);
    free(e);
    return rc;
}

/* The name as text_sanitize writes it, in a malloc'd buffer (NULL on ENOMEM). */
static char *sanitized(const char *s, size_t len, size_t *out_len)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *m = open_memstream(&buf, &n);
    if (!m)
        return NULL;
    text_sanitize(m, s, len);
    if (fclose(m) != 0) {
        free(buf);
        return NULL;
    }
    *out_len = n;
    return buf;
}

void csv_escape(FILE *f, const char *s, size_t len)
{
    size_t n;
    char *t = sanitized(s, len, &n);
    fputc('"', f);
    for (size_t i = 0; t && i < n; i++) {
        if (t[i] == '"')
            fputc('"', f);
        fputc(t[i], f);
    }
    fputc('"', f);
    free(t);
}

/* A GFM code span inside a table cell: the fence is one backtick longer than
 * the longest backtick run in the name (so no backtick ends it early), padded
 * with a space when the name starts or ends with a backtick (or with a space
 * on both sides, which the span would strip); '|' is escaped as \| (GFM
 * splits cells before parsing spans and turns \| back into |). */
void markdown_code(FILE *f, const char *s, size_t len)
{
    size_t n;
    char *t = sanitized(s, len, &n);
    if (!t) {
        fputs("`?`", f);
        return;
    }
    size_t run = 0, maxrun = 0;
    for (size_t i = 0; i < n; i++) {
        run = t[i] == '`' ? run + 1 : 0;
        if (run > maxrun)
            maxrun = run;
    }
    bool pad = n && (t[0] == '`' || t[n - 1] == '`' || (t[0] == ' ' && t[n - 1] == ' '));
    for (size_t i = 0; i <= maxrun; i++)
        fputc('`', f);
    if (pad)
        fputc(' ', f);
    for (size_t i = 0; i < n; i++) {
        if (t[i] == '|')
            fputc('\\', f);
        fputc(t[i], f);
    }
    if (pad)
        fputc(' ', f);
    for (size_t i = 0; i <= maxrun; i++)
        fputc('`', f);
    free(t);
}

static void section(FILE *f, struct profile *p, const struct top_entry *e, size_t n,
                    enum top_format fmt, const struct metric_info *mi, const char *what)
{
    double all = profile_total(p);
    char a[96], b[96];
    if (fmt == TOP_MARKDOWN)
        fprintf(f,
                "\n### Top %zu by %s\n\n| # | self | self %% | total | total %% | function |\n"
                "|---:|---:|---:|---:|---:|---|\n",
                n, what);
    else if (fmt == TOP_TEXT)
        fprintf(f, "\nTop %zu by %s:\n%4s %24s %7s %24s %7s  %s\n", n, what, "#", "self", "self%",
                "total", "total%", "function");
    for (size_t i = 0; i < n; i++) {
        size_t len;
        const char *name = profile_name(p, e[i].name, &len);
        double ps = all > 0 ? 100 * e[i].self / all : 0;
        double pt = all > 0 ? 100 * e[i].total / all : 0;
        unit_format(a, sizeof(a), e[i].self, mi);
        unit_format(b, sizeof(b), e[i].total, mi);
        if (fmt == TOP_MARKDOWN) {
            fprintf(f, "| %zu | %s | %.2f%% | %s | %.2f%% | ", i + 1, a, ps, b, pt);
            markdown_code(f, name, len);
            fputs(" |\n", f);
        } else if (fmt == TOP_TEXT) {
            fprintf(f, "%4zu %24s %6.2f%% %24s %6.2f%%  ", i + 1, a, ps, b, pt);
            text_sanitize(f, name, len);
            fputc('\n', f);
        }
    }
}

/* "Profile: SOURCE: total T, metric M" (text) or its markdown form. */
static void header(FILE *f, enum top_format fmt, const char *tot, const struct metric_info *mi,
                   const char *source)
{
    fputs(fmt == TOP_MARKDOWN ? "## Profile: " : "", f);
    text_sanitize(f, source, strlen(source));
    if (fmt == TOP_MARKDOWN)
        fprintf(f, "\n\nTotal: %s%s%s\n", tot, mi->metric[0] ? ", metric " : "", mi->metric);
    else
        fprintf(f, ": total %s%s%s\n", tot, mi->metric[0] ? ", metric " : "", mi->metric);
}

int top_write_modules(FILE *f, struct module_shares *ms, double total, size_t limit,
                      enum top_format fmt, const struct metric_info *mi, const char *source,
                      const char *note)
{
    char a[96], b[96];
    module_shares_sort(ms);
    size_t k = ms->n < limit ? ms->n : limit;
    if (fmt == TOP_CSV)
        fputs("module,self,self_pct,unresolved,unresolved_pct,unit\n", f);
    else {
        unit_format(a, sizeof(a), total, mi);
        header(f, fmt, a, mi, source);
        if (note)
            fprintf(f, fmt == TOP_MARKDOWN ? "\n%s\n" : "(%s)\n", note);
        if (fmt == TOP_MARKDOWN)
            fprintf(f,
                    "\n### Top %zu modules by self\n\n| # | self | self %% | unresolved | "
                    "unresolved %% | module |\n|---:|---:|---:|---:|---:|---|\n",
                    k);
        else
            fprintf(f, "\nTop %zu modules by self:\n%4s %24s %7s %24s %7s  %s\n", k, "#", "self",
                    "self%", "unresolved", "unres%", "module");
    }
    for (size_t i = 0; i < k; i++) {
        const struct module_share *m = &ms->v[i];
        size_t len = strlen(m->name);
        double ps = total > 0 ? 100 * m->self / total : 0;
        double pu = total > 0 ? 100 * m->unresolved / total : 0;
        if (fmt == TOP_CSV) {
            csv_escape(f, m->name, len);
            fprintf(f, ",%.15g,%.4f,%.15g,%.4f,%s\n", m->self, ps, m->unresolved, pu,
                    unit_name(mi->unit));
            continue;
        }
        unit_format(a, sizeof(a), m->self, mi);
        unit_format(b, sizeof(b), m->unresolved, mi);
        if (fmt == TOP_MARKDOWN) {
            fprintf(f, "| %zu | %s | %.2f%% | %s | %.2f%% | ", i + 1, a, ps, b, pu);
            markdown_code(f, m->name, len);
            fputs(" |\n", f);
        } else {
            fprintf(f, "%4zu %24s %6.2f%% %24s %6.2f%%  ", i + 1, a, ps, b, pu);
            text_sanitize(f, m->name, len);
            fputc('\n', f);
        }
    }
    return 0;
}

int top_write(FILE *f, struct profile *p, size_t limit, enum top_format fmt,
              const struct metric_info *mi, const char *source)
{
    struct top_entry *e;
    size_t n;
    if (top_compute(p, TOP_BY_SELF, &e, &n) < 0)
        return cli_error("out of memory");
    char tot[96];
    unit_format(tot, sizeof(tot), profile_total(p), mi);
    if (fmt == TOP_CSV) {
        fputs("function,self,self_pct,total,total_pct,unit\n", f);
        double all = profile_total(p);
        for (size_t i = 0; i < n && i < limit; i++) {
            size_t len;
            const char *name = profile_name(p, e[i].name, &len);
            csv_escape(f, name, len);
            fprintf(f, ",%.15g,%.4f,%.15g,%.4f,%s\n", e[i].self,
                    all > 0 ? 100 * e[i].self / all : 0, e[i].total,
                    all > 0 ? 100 * e[i].total / all : 0, unit_name(mi->unit));
        }
        free(e);
        return 0;
    }
    header(f, fmt, tot, mi, source);
    size_t k = n < limit ? n : limit;
    section(f, p, e, k, fmt, mi, "self");
    sort_order = TOP_BY_TOTAL;
    qsort(e, n, sizeof(*e), cmp_entry);
    section(f, p, e, k, fmt, mi, "total (inclusive)");
    free(e);
    return 0;
}
