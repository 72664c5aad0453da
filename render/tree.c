/*
 * Merged process-tree profiles (see tree.h).
 */
#include "render/tree.h"
#include "format/frames.h"
#include "format/json.h"
#include "format/meta_keys.h"
#include "render/metafile.h"
#include "render/outfile.h"
#include "render/util.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct node {
    char *prefix; /* "<comm>.<pid><tag>": its files' common name */
    char comm[64];
    long pid, ppid;
    char start[40]; /* ISO time, sorts as text */
    int parent;     /* index, -1 at the top */
    char *chain;    /* frames from the top down to this process */
};

/* A string member of meta.json into out (cut to len), if there is one. */
static void meta_string(const struct json *meta, const char *key, char *out, size_t len)
{
    const char *v = json_string(json_get(meta, key));
    if (v)
        snprintf(out, len, "%s", v);
}

/* An integer member of meta.json, 0 if absent or not an integer. */
static long meta_long(const struct json *meta, const char *key)
{
    int64_t v;
    return json_int64(json_get(meta, key), &v) && v > 0 && v <= INT32_MAX ? (long)v : 0;
}

static int cmp_start(const void *a, const void *b)
{
    return strcmp(((const struct node *)a)->start, ((const struct node *)b)->start);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The frames of node i, its ancestors' first. */
static const char *chain_of(struct node *v, int i, int depth)
{
    if (v[i].chain)
        return v[i].chain;
    char frame[128];
    frame_process_root(frame, sizeof frame, v[i].comm, v[i].pid);
    const char *up = v[i].parent >= 0 && depth < 256 ? chain_of(v, v[i].parent, depth + 1) : NULL;
    if (asprintf(&v[i].chain, "%s%s%s", up ? up : "", up ? ";" : "", frame) < 0)
        v[i].chain = NULL;
    return v[i].chain ? v[i].chain : "";
}

/* Metric names of the folded files of node prefixes (the part between
 * "<prefix>." and ".folded"), collected over the directory listing. */
struct names {
    char **v;
    size_t n, cap;
};

static void names_add(struct names *s, const char *name, size_t len)
{
    for (size_t i = 0; i < s->n; i++)
        if (strlen(s->v[i]) == len && !strncmp(s->v[i], name, len))
            return;
    if (grow_array(&s->v, &s->cap, s->n + 1, sizeof *s->v) < 0)
        return;
    char *c = strndup(name, len);
    if (c)
        s->v[s->n++] = c;
}

static int write_metric(const char *dir, const char *rootname, const char *metric, struct node *v,
                        size_t n)
{
    char **lines = NULL;
    size_t nl = 0, cap = 0;
    for (size_t i = 0; i < n; i++) {
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/%s.%s.folded", dir, v[i].prefix, metric);
        char *text = read_text_file(path);
        if (!text)
            continue;
        const char *chain = chain_of(v, (int)i, 0);
        for (char *save, *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
            char *line;
            if (!*l || grow_array(&lines, &cap, nl + 1, sizeof *lines) < 0 ||
                asprintf(&line, "%s;%s", chain, l) < 0)
                continue;
            lines[nl++] = line;
        }
        free(text);
    }
    /* Written even empty, as each process's own file is: no samples is a
     * result too. */
    if (nl)
        qsort(lines, nl, sizeof *lines, cmp_str);
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s.tree.%s.folded", dir, rootname, metric);
    struct out_file of;
    int rc = out_open(&of, path);
    for (size_t i = 0; i < nl; i++) {
        if (rc == 0) {
            fputs(lines[i], of.f);
            fputc('\n', of.f);
        }
        free(lines[i]);
    }
    free(lines);
    if (rc == 0 && out_close(&of, 1) == 0)
        return 1;
    return -1;
}

int tree_write(const char *dir, time_t since, pid_t root)
{
    DIR *d = opendir(dir);
    if (!d)
        return cli_error("%s: %s", dir, strerror(errno));
    struct node *v = NULL;
    size_t n = 0, cap = 0;
    struct names metrics = {0};
    struct dirent *e;
    static const char meta_sfx[] = META_SUFFIX;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        struct stat st;
        if (len <= sizeof meta_sfx - 1 ||
            strcmp(e->d_name + len - (sizeof meta_sfx - 1), meta_sfx) ||
            fstatat(dirfd(d), e->d_name, &st, 0) != 0 || st.st_mtime < since)
            continue;
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct json *meta = json_parse_file(path, META_MAX_BYTES, NULL);
        if (!meta || grow_array(&v, &cap, n + 1, sizeof *v) < 0) {
            json_free(meta);
            continue;
        }
        struct node *nd = &v[n];
        memset(nd, 0, sizeof *nd);
        nd->parent = -1;
        nd->pid = meta_long(meta, META_PID);
        nd->ppid = meta_long(meta, META_PPID);
        meta_string(meta, META_COMM, nd->comm, sizeof nd->comm);
        meta_string(meta, META_START_TIME, nd->start, sizeof nd->start);
        json_free(meta);
        nd->prefix = strndup(e->d_name, len - (sizeof meta_sfx - 1));
        if (nd->prefix && nd->pid > 0)
            n++;
        else
            free(nd->prefix);
    }
    /* The metrics: every "<prefix>.<metric>.folded" of a node. */
    rewinddir(d);
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len < 8 || strcmp(e->d_name + len - 7, ".folded") || strstr(e->d_name, ".tree."))
            continue;
        for (size_t i = 0; i < n; i++) {
            size_t pl = strlen(v[i].prefix);
            if (len > pl + 8 && !strncmp(e->d_name, v[i].prefix, pl) && e->d_name[pl] == '.') {
                const char *m = e->d_name + pl + 1;
                size_t ml = len - 7 - pl - 1;
                if (!memchr(m, '.', ml))
                    names_add(&metrics, m, ml);
            }
        }
    }
    closedir(d);
    qsort(v, n, sizeof *v, cmp_start);
    int rootidx = -1;
    for (size_t i = 0; i < n; i++) {
        if (v[i].pid == root && rootidx < 0)
            rootidx = (int)i;
        for (size_t j = i; j-- > 0;)
            if (v[j].pid == v[i].ppid) {
                v[i].parent = (int)j;
                break;
            }
        /* Its parent's image then wrote nothing (it exec'd with no
         * data): the pid's first image that did. */
        for (size_t j = i + 1; v[i].parent < 0 && j < n; j++)
            if (v[j].pid == v[i].ppid && v[j].ppid != v[i].pid)
                v[i].parent = (int)j;
    }
    int written = 0;
    if (n > 0) {
        char rootname[80];
        snprintf(rootname, sizeof rootname, "%s", rootidx >= 0 ? v[rootidx].comm : v[0].comm);
        for (char *p = rootname; *p; p++)
            if (*p == '/' || *p == ' ' || (unsigned char)*p < 0x20)
                *p = '_';
        for (size_t k = 0; k < metrics.n; k++) {
            int r = write_metric(dir, rootname, metrics.v[k], v, n);
            if (r < 0)
                written = -1;
            else if (written >= 0)
                written += r;
        }
    }
    for (size_t i = 0; i < n; i++) {
        free(v[i].prefix);
        free(v[i].chain);
    }
    free(v);
    for (size_t k = 0; k < metrics.n; k++)
        free(metrics.v[k]);
    free(metrics.v);
    return written;
}
