/*
 * meta.json read back (see metafile.h), through the JSON reader of the
 * format layer (format/json.h).
 */
#include "render/metafile.h"

#include "format/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct json *member(const struct json *meta, const char *object, const char *key)
{
    const struct json *o = meta;
    if (o && object)
        o = json_get(o, object);
    return o ? json_get(o, key) : NULL;
}

bool meta_value(const struct json *meta, const char *key, char *out, size_t len)
{
    const struct json *v = member(meta, NULL, key);
    const char *str = json_string(v);
    int64_t i;
    double d;
    if (!len)
        return false;
    if (str)
        snprintf(out, len, "%s", str);
    else if (json_int64(v, &i))
        snprintf(out, len, "%lld", (long long)i);
    else if (json_double(v, &d))
        snprintf(out, len, "%.17g", d);
    else
        return false;
    return true;
}

char *read_text_file(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    size_t cap = 8192, len = 0;
    char *b = malloc(cap + 1);
    size_t r;
    while (b && (r = fread(b + len, 1, cap - len, f)) > 0) {
        len += r;
        if (len == cap) {
            char *nb = realloc(b, cap * 2 + 1);
            if (!nb) {
                free(b);
                b = NULL;
                break;
            }
            b = nb;
            cap *= 2;
        }
    }
    fclose(f);
    if (b)
        b[len] = 0;
    return b;
}

double meta_number(const struct json *meta, const char *object, const char *key)
{
    double d;
    return json_double(member(meta, object, key), &d) ? d : 0;
}

bool meta_path_of(const char *folded, char *out, size_t len)
{
    static const char ext[] = ".folded";
    size_t n = strlen(folded);
    if (n <= sizeof ext - 1 || strcmp(folded + n - (sizeof ext - 1), ext) != 0)
        return false;
    n -= sizeof ext - 1;
    /* drop ".<metric>" */
    while (n > 0 && folded[n - 1] != '.' && folded[n - 1] != '/')
        n--;
    if (n < 2 || folded[n - 1] != '.')
        return false;
    return snprintf(out, len, "%.*s.meta.json", (int)(n - 1), folded) < (int)len;
}
