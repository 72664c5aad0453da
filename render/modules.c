/*
 * Self weight per module (see modules.h).
 */
#include "render/modules.h"
#include "format/frames.h"
#include "format/json.h"
#include "format/meta_keys.h"
#include "render/metafile.h"
#include "render/profile.h"
#include "render/top.h"
#include "render/util.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

static int add(struct module_shares *ms, const char *name, size_t len, double self,
               double unresolved)
{
    for (size_t i = 0; i < ms->n; i++)
        if (strlen(ms->v[i].name) == len && memcmp(ms->v[i].name, name, len) == 0) {
            ms->v[i].self += self;
            ms->v[i].unresolved += unresolved;
            return 0;
        }
    if (grow_array(&ms->v, &ms->cap, ms->n + 1, sizeof *ms->v) < 0)
        return -1;
    char *copy = strndup(name, len);
    if (!copy)
        return -1;
    ms->v[ms->n++] = (struct module_share){copy, self, unresolved};
    return 0;
}

size_t module_of_unresolved(const char *name, size_t len)
{
    if (len < 6 || name[0] != '[' || name[len - 1] != ']')
        return 0;
    const char *plus = NULL;
    for (size_t i = len - 1; i-- > 1;)
        if (name[i] == '+') {
            plus = name + i;
            break;
        }
    if (!plus || plus == name + 1 || strncmp(plus, "+0x", 3) != 0)
        return 0;
    for (const char *c = plus + 3; c < name + len - 1; c++)
        if (!strchr("0123456789abcdef", *c))
            return 0;
    return plus + 3 < name + len - 1 ? (size_t)(plus - name - 1) : 0;
}

/* One input's summary into ms; -1 when it has none. */
static int add_meta(struct module_shares *ms, const char *input, const char *metric)
{
    char path[PATH_MAX];
    if (!metric[0] || !meta_path_of(input, path, sizeof path))
        return -1;
    struct json *meta = json_parse_file(path, META_MAX_BYTES, NULL);
    const struct json *mods =
        json_get(json_get(json_get(meta, META_METRICS), metric), META_M_MODULES);
    int rc = mods && mods->type == JSON_ARRAY ? 0 : -1;
    for (size_t i = 0; rc == 0 && i < mods->v.arr.n; i++) {
        const struct json *m = &mods->v.arr.items[i];
        const char *name = json_string(json_get(m, META_MOD_NAME));
        double self, unres;
        if (!name || !json_double(json_get(m, META_MOD_SELF), &self) ||
            !json_double(json_get(m, META_MOD_UNRESOLVED), &unres) ||
            add(ms, name, strlen(name), self, unres) < 0)
            rc = -1;
    }
    json_free(meta);
    return rc;
}

int module_shares_from_meta(struct module_shares *ms, char *const *inputs, size_t n,
                            const char *metric)
{
    for (size_t i = 0; i < n; i++)
        if (add_meta(ms, inputs[i], metric) < 0) {
            module_shares_free(ms);
            return -1;
        }
    return 0;
}

int module_shares_from_profile(struct module_shares *ms, struct profile *p)
{
    struct top_entry *e;
    size_t n;
    if (top_compute(p, TOP_BY_SELF, &e, &n) < 0)
        return -1;
    int rc = 0;
    static const char jit[] = "[jit]", self[] = "libflamepre.so";
    size_t sl = strlen(FRAME_JIT_SUFFIX);
    for (size_t i = 0; i < n && rc == 0 && e[i].self > 0; i++) {
        size_t len;
        const char *name = profile_name(p, e[i].name, &len);
        size_t ml = module_of_unresolved(name, len);
        if (ml)
            rc = add(ms, name + 1, ml, e[i].self, e[i].self);
        else if (len > sl && memcmp(name + len - sl, FRAME_JIT_SUFFIX, sl) == 0)
            rc = add(ms, jit, strlen(jit), e[i].self, 0);
        else if (len == strlen(FRAME_SELF) && memcmp(name, FRAME_SELF, len) == 0)
            rc = add(ms, self, strlen(self), e[i].self, 0);
        else if (frame_is_pseudo(name, len) || (len && name[0] == '['))
            rc = add(ms, name, len, e[i].self, e[i].self);
        else
            rc = add(ms, MODULES_NAMED, strlen(MODULES_NAMED), e[i].self, 0);
    }
    free(e);
    return rc;
}

static int by_self(const void *a, const void *b)
{
    const struct module_share *x = a, *y = b;
    if (x->self != y->self)
        return x->self > y->self ? -1 : 1;
    return strcmp(x->name, y->name);
}

void module_shares_sort(struct module_shares *ms)
{
    if (ms->n)
        qsort(ms->v, ms->n, sizeof *ms->v, by_self);
}

void module_shares_free(struct module_shares *ms)
{
    for (size_t i = 0; i < ms->n; i++)
        free(ms->v[i].name);
    free(ms->v);
    memset(ms, 0, sizeof *ms);
}
