/*
 * Perf map files (see perfmap.h).
 */
#include "collector/perfmap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void perfmap_init(struct perfmap *pm, pid_t pid)
{
    memset(pm, 0, sizeof *pm);
    snprintf(pm->path, sizeof pm->path, "/tmp/perf-%d.map", (int)pid);
}

void perfmap_free(struct perfmap *pm)
{
    for (size_t i = 0; i < pm->n; i++)
        free(pm->v[i].name);
    free(pm->v);
    memset(pm, 0, sizeof *pm);
}

static bool hexnum(const char **p, const char *end, uintptr_t *out)
{
    const char *s = *p;
    if (end - s > 1 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        s += 2;
    uintptr_t v = 0;
    int digits = 0;
    for (; s < end; s++, digits++) {
        int d = *s >= '0' && *s <= '9'   ? *s - '0'
                : *s >= 'a' && *s <= 'f' ? *s - 'a' + 10
                : *s >= 'A' && *s <= 'F' ? *s - 'A' + 10
                                         : -1;
        if (d < 0)
            break;
        if (digits >= 16)
            return false;
        v = v << 4 | (uintptr_t)d;
    }
    *p = s;
    *out = v;
    return digits > 0;
}

static void add_line(struct perfmap *pm, const char *s, const char *end)
{
    uintptr_t lo, size;
    if (!hexnum(&s, end, &lo) || s >= end || *s != ' ')
        return;
    s++;
    if (!hexnum(&s, end, &size) || s >= end || *s != ' ' || size == 0 || lo + size < lo)
        return;
    s++;
    size_t len = strnlen(s, (size_t)(end - s)); /* a NUL ends the name */
    if (len == 0)
        return;
    if (pm->n == pm->cap) {
        size_t cap = pm->cap ? pm->cap * 2 : 1024;
        struct perfmap_ent *v = realloc(pm->v, cap * sizeof *v);
        if (!v)
            return;
        pm->v = v;
        pm->cap = cap;
    }
    char *name = strndup(s, len);
    if (!name)
        return;
    pm->v[pm->n] = (struct perfmap_ent){lo, lo + size, (uint32_t)pm->n, name};
    pm->n++;
    pm->sorted = false;
}

void perfmap_parse(struct perfmap *pm, const char *text, size_t len)
{
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        if (le > p && le[-1] == '\r')
            le--;
        add_line(pm, p, le);
        p = nl ? nl + 1 : end;
    }
}

/* Read what the runtime appended since the last read (whole lines). */
static void refresh(struct perfmap *pm)
{
    if (pm->absent)
        return;
    int fd = open(pm->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        pm->absent = errno == ENOENT;
        return;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (st.st_uid != geteuid() && st.st_uid != 0) ||
        st.st_size <= pm->size) {
        close(fd);
        return;
    }
    size_t want = (size_t)(st.st_size - pm->size);
    char *buf = malloc(want);
    ssize_t got = 0;
    while (buf && (size_t)got < want) {
        ssize_t r = pread(fd, buf + got, want - (size_t)got, pm->size + got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += r;
    }
    close(fd);
    if (!buf)
        return;
    /* A line being written is left for the next read. */
    char *last = got > 0 ? memrchr(buf, '\n', (size_t)got) : NULL;
    if (last) {
        size_t used = (size_t)(last - buf) + 1;
        perfmap_parse(pm, buf, used);
        pm->size += (off_t)used;
    }
    free(buf);
}

static int cmp_ent(const void *a, const void *b)
{
    const struct perfmap_ent *x = a, *y = b;
    if (x->lo != y->lo)
        return x->lo < y->lo ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static const char *find(struct perfmap *pm, uintptr_t addr)
{
    if (!pm->sorted) {
        qsort(pm->v, pm->n, sizeof *pm->v, cmp_ent);
        pm->sorted = true;
    }
    /* the last entry starting at or below addr, then back over the few
     * earlier ones that may still cover it; the latest line wins */
    size_t lo = 0, hi = pm->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (pm->v[mid].lo <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    const struct perfmap_ent *best = NULL;
    for (size_t i = lo, steps = 0; i-- > 0 && steps < 16; steps++)
        if (addr < pm->v[i].hi && (!best || pm->v[i].seq > best->seq))
            best = &pm->v[i];
    return best ? best->name : NULL;
}

const char *perfmap_lookup(struct perfmap *pm, uintptr_t addr)
{
    if (!pm->path[0])
        return NULL;
    const char *name = pm->n ? find(pm, addr) : NULL;
    if (!name) {
        off_t before = pm->size;
        refresh(pm);
        if (pm->size != before)
            name = find(pm, addr);
    }
    return name;
}
