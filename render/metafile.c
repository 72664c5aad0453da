/*
 * meta.json read back (model in metafile.h). Moved here from tree.c so the
 * process tree and the graphs' titles read it one way.
 */
#include "render/metafile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool meta_value(const char *text, const char *key, char *out, size_t len)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\n  \"%s\": ", key);
    const char *p = strstr(text, pat);
    if (!p || !len)
        return false;
    p += strlen(pat);
    size_t n = 0;
    if (*p == '"') {
        for (p++; *p && *p != '"' && n + 1 < len; p++) {
            if (*p == '\\' && p[1])
                p++;
            out[n++] = *p;
        }
    } else {
        while (*p && *p != ',' && *p != '\n' && n + 1 < len)
            out[n++] = *p++;
    }
    out[n] = 0;
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

double meta_number(const char *text, const char *object, const char *key)
{
    char val[64];
    if (!object)
        return meta_value(text, key, val, sizeof val) ? strtod(val, NULL) : 0;
    char pat[80];
    snprintf(pat, sizeof pat, "\n  \"%s\": {", object);
    const char *o = strstr(text, pat);
    if (!o)
        return 0;
    o += strlen(pat);
    const char *eol = strchr(o, '\n');
    snprintf(pat, sizeof pat, "\"%s\": ", key);
    const char *k = strstr(o, pat);
    if (!k || (eol && k > eol))
        return 0;
    return strtod(k + strlen(pat), NULL);
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
