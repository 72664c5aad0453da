/*
 * Self weight per module (see modsum.h).
 */
#include "collector/modsum.h"

#include <stdlib.h>
#include <string.h>

void modsum_add(struct modsum *s, const char *name, uint64_t w, bool unresolved)
{
    struct modsum_row *r = NULL;
    for (size_t i = 0; i < s->n && !r; i++)
        if (strcmp(s->v[i].name, name) == 0)
            r = &s->v[i];
    if (!r) {
        if (s->n == s->cap) {
            size_t cap = s->cap ? s->cap * 2 : 16;
            struct modsum_row *v = realloc(s->v, cap * sizeof *v);
            if (!v) {
                s->oom = true;
                return;
            }
            s->v = v;
            s->cap = cap;
        }
        r = &s->v[s->n++];
        *r = (struct modsum_row){.name = name};
    }
    r->self += w;
    if (unresolved)
        r->unresolved += w;
}

static int by_self(const void *a, const void *b)
{
    const struct modsum_row *x = a, *y = b;
    if (x->self != y->self)
        return x->self > y->self ? -1 : 1;
    return strcmp(x->name, y->name);
}

void modsum_sort(struct modsum *s)
{
    if (s->n)
        qsort(s->v, s->n, sizeof *s->v, by_self);
}

void modsum_free(struct modsum *s)
{
    free(s->v);
    memset(s, 0, sizeof *s);
}
