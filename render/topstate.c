/*
 * `flamepre top --by-state` (see top.h): one pass over the trie; each
 * state frame's weight goes to the thread whose root frame it is under.
 */
#include "format/frames.h"
#include "format/wall_states.h"
#include "render/escape.h"
#include "render/profile.h"
#include "render/top.h"
#include "render/util.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct row {
    uint32_t name; /* the thread's root frame, PNAME_NONE: "all" (merged) */
    bool sum;      /* the total of every thread */
    double st[WALL_STATE_COUNT], total;
};

/* The row of root-level node r (its name when it is a thread root frame). */
static struct row *row_for(struct row **rows, size_t *n, size_t *cap, uint32_t name)
{
    for (size_t i = 0; i < *n; i++)
        if ((*rows)[i].name == name)
            return &(*rows)[i];
    if (grow_array(rows, cap, *n + 1, sizeof **rows) < 0)
        return NULL;
    struct row *r = &(*rows)[(*n)++];
    memset(r, 0, sizeof *r);
    r->name = name;
    return r;
}

static void row_name(FILE *f, struct profile *p, const struct row *r, enum top_format fmt)
{
    const char *s = r->sum ? "all threads" : "all";
    size_t len = strlen(s);
    if (!r->sum && r->name != PNAME_NONE)
        s = profile_name(p, r->name, &len);
    if (fmt == TOP_CSV)
        csv_escape(f, s, len);
    else if (fmt == TOP_MARKDOWN)
        markdown_code(f, s, len);
    else
        text_sanitize(f, s, len);
}

static void write_row(FILE *f, struct profile *p, const struct row *r, enum top_format fmt,
                      const struct metric_info *mi)
{
    char tot[96];
    if (fmt == TOP_CSV) {
        row_name(f, p, r, fmt);
        fprintf(f, ",%.15g", r->total);
        for (int s = 0; s < WALL_STATE_COUNT; s++)
            fprintf(f, ",%.15g", r->st[s]);
        fputc('\n', f);
        return;
    }
    unit_format(tot, sizeof tot, r->total, mi);
    if (fmt == TOP_MARKDOWN) {
        fputs("| ", f);
        row_name(f, p, r, fmt);
        fprintf(f, " | %s |", tot);
    } else {
        fprintf(f, "%14s ", tot);
    }
    for (int s = 0; s < WALL_STATE_COUNT; s++) {
        double pc = r->total > 0 ? 100 * r->st[s] / r->total : 0;
        if (fmt == TOP_MARKDOWN)
            fprintf(f, " %.1f%% |", pc);
        else
            fprintf(f, " %*.1f%%",
                    (int)strlen(wall_state_name(s)) > 6 ? (int)strlen(wall_state_name(s)) : 6, pc);
    }
    if (fmt == TOP_TEXT) {
        fputs("  ", f);
        row_name(f, p, r, fmt);
    }
    fputc('\n', f);
}

int top_states_write(FILE *f, struct profile *p, enum top_format fmt, const struct metric_info *mi,
                     const char *source)
{
    struct row *rows = NULL, all = {.name = PNAME_NONE, .sum = true};
    size_t n = 0, cap = 0;
    double outside = 0;
    size_t nn = profile_node_count(p);
    for (uint32_t i = 1; i < nn; i++) {
        const struct pnode *node = profile_node(p, i);
        size_t len;
        const char *name = profile_name(p, node->name, &len);
        int s = wall_state_of_frame(name, len);
        if (node->self <= 0)
            continue;
        if (s < 0) {
            outside += node->self;
            continue;
        }
        /* the root-level ancestor: a thread root frame, or none (merged) */
        uint32_t top = i;
        while (profile_node(p, top)->parent != 0)
            top = profile_node(p, top)->parent;
        uint32_t tname = profile_node(p, top)->name;
        size_t tl;
        const char *tn = profile_name(p, tname, &tl);
        struct row *r = row_for(&rows, &n, &cap, frame_is_thread_root(tn, tl) ? tname : PNAME_NONE);
        if (!r) {
            free(rows);
            return cli_error("out of memory");
        }
        r->st[s] += node->self;
        r->total += node->self;
        all.st[s] += node->self;
        all.total += node->self;
    }
    if (all.total <= 0) {
        free(rows);
        return cli_error("--by-state: %s has no state frames ([cpu], [lock], ...): "
                         "not a wall profile",
                         source);
    }
    if (fmt == TOP_CSV) {
        fputs("thread,total", f);
        for (int s = 0; s < WALL_STATE_COUNT; s++)
            fprintf(f, ",%s", wall_state_name(s));
        fputc('\n', f);
    } else {
        char tot[96];
        unit_format(tot, sizeof tot, all.total, mi);
        fputs(fmt == TOP_MARKDOWN ? "## Time by state: " : "Time by state: ", f);
        text_sanitize(f, source, strlen(source));
        fprintf(f,
                fmt == TOP_MARKDOWN ? "\n\nTotal: %s\n\n| thread | total |" : ": total %s\n%14s ",
                tot, fmt == TOP_MARKDOWN ? "" : "total");
        for (int s = 0; s < WALL_STATE_COUNT; s++)
            fprintf(f, fmt == TOP_MARKDOWN ? " %s |" : " %6s%s", wall_state_name(s),
                    fmt == TOP_MARKDOWN ? "" : "%");
        fputs(fmt == TOP_MARKDOWN ? "\n|---|---:|" : "  thread\n", f);
        if (fmt == TOP_MARKDOWN) {
            for (int s = 0; s < WALL_STATE_COUNT; s++)
                fputs("---:|", f);
            fputc('\n', f);
        }
    }
    for (size_t i = 0; i < n; i++)
        write_row(f, p, &rows[i], fmt, mi);
    if (n > 1 || (n == 1 && rows[0].name != PNAME_NONE))
        write_row(f, p, &all, fmt, mi);
    if (outside > 0 && fmt != TOP_CSV) {
        char o[96];
        unit_format(o, sizeof o, outside, mi);
        fprintf(f, "(%s in stacks without a state frame left out)\n", o);
    }
    free(rows);
    return 0;
}
