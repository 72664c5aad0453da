/*
 * Folded output (contract in folded_out.h). The trie's stacks are collected
 * as sanitized strings, sorted, and equal neighbours merged: sanitizing can
 * map distinct names to one ("f<TAB>g" and "f_g" are one frame once the
 * tab is '_'), and only the sort brings them together.
 */
#include "render/folded_out.h"
#include "render/escape.h"
#include "render/profile.h"
#include "render/util.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

struct folded_line {
    char *stack; /* sanitized frames joined by ';', NUL-terminated */
    struct pcount count;
};

struct folded_ctx {
    const struct profile *p;
    struct folded_line *lines;
    size_t n, cap;
};

static int collect_line(const uint32_t *names, size_t n, const struct pcount *self, void *arg)
{
    struct folded_ctx *c = arg;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return -1;
    for (size_t i = 0; i < n; i++) {
        size_t l;
        const char *s = profile_name(c->p, names[i], &l);
        if (i)
            fputc(';', f);
        /* NUL, CR, tab, ESC... would split or truncate the line, or reach a
         * terminal: '_' (the parser never makes a name of blanks only) */
        text_sanitize(f, s, l);
    }
    if (fclose(f) != 0 || grow_array(&c->lines, &c->cap, c->n + 1, sizeof(*c->lines)) < 0) {
        free(buf);
        return -1;
    }
    c->lines[c->n++] = (struct folded_line){buf, *self};
    return 0;
}

static int cmp_line(const void *a, const void *b)
{
    return strcmp(((const struct folded_line *)a)->stack, ((const struct folded_line *)b)->stack);
}

int folded_write(FILE *f, struct profile *p)
{
    struct folded_ctx c = {.p = p};
    int rc = profile_walk_stacks(p, collect_line, &c);
    if (rc != 0)
        rc = cli_error("out of memory");
    if (rc == 0) {
        qsort(c.lines, c.n, sizeof(*c.lines), cmp_line);
        for (size_t i = 0; i < c.n;) {
            /* sanitizing can make distinct names equal: merge them again
             * (their integer parts sum within the profile's, which the
             * parser kept below 2^64) */
            struct pcount sum = c.lines[i].count;
            size_t j = i + 1;
            for (; j < c.n && strcmp(c.lines[j].stack, c.lines[i].stack) == 0; j++) {
                sum.n += c.lines[j].count.n;
                sum.frac += c.lines[j].count.frac;
            }
            /* integer counts, exact: the parser reads back what it read */
            uint64_t v;
            if (pcount_round(&sum, &v) < 0) {
                rc = cli_error("a count does not fit in 64 bits (stack \"%.40s\")",
                               c.lines[i].stack);
                break;
            }
            if (v > 0)
                fprintf(f, "%s %" PRIu64 "\n", c.lines[i].stack, v);
            i = j;
        }
    }
    for (size_t i = 0; i < c.n; i++)
        free(c.lines[i].stack);
    free(c.lines);
    return rc;
}
