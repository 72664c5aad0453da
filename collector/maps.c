/*
 * Module maps from /proc/<pid>/maps (see maps.h).
 *
 * The load bias of a mapping comes from the file's program headers: the
 * mapping puts file offset `off` at address `lo`; the PT_LOAD segment that
 * holds `off` says which virtual address that offset has, so
 *   bias = lo - (p_vaddr + (off - p_offset)).
 */
#include "collector/maps.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collector/symbolize.h"

/* The PT_LOAD of `path` (an open fd) containing file offset off: its
 * p_vaddr - p_offset. false if not an ELF we read or no segment. */
static bool load_delta(int fd, uint64_t off, int64_t *delta)
{
    Elf64_Ehdr eh;
    if (pread(fd, &eh, sizeof eh, 0) != (ssize_t)sizeof eh ||
        memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
        eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0 || eh.e_phnum > 256)
        return false;
    Elf64_Phdr ph[256];
    size_t bytes = (size_t)eh.e_phnum * sizeof(Elf64_Phdr);
    if (pread(fd, ph, bytes, (off_t)eh.e_phoff) != (ssize_t)bytes)
        return false;
    for (unsigned i = 0; i < eh.e_phnum; i++) {
        if (ph[i].p_type != PT_LOAD)
            continue;
        uint64_t align = ph[i].p_align > 1 ? ph[i].p_align : 4096;
        uint64_t start = ph[i].p_offset & ~(align - 1);
        uint64_t end = ph[i].p_offset + ph[i].p_filesz;
        if (off >= start && off < end) {
            *delta = (int64_t)ph[i].p_vaddr - (int64_t)ph[i].p_offset;
            return true;
        }
    }
    return false;
}

/* A mapping still open with this range and name: mark it seen. */
static bool known(struct module_map *mm, uintptr_t lo, uintptr_t hi, const char *name,
                  unsigned char *seen)
{
    for (size_t i = 0; i < mm->n; i++)
        if (mm->v[i].ep_hi == SYMBOLIZER_EPOCH_ANY && mm->v[i].lo == lo && mm->v[i].hi == hi &&
            strcmp(mm->v[i].name, name) == 0) {
            if (seen)
                seen[i] = 1;
            return true;
        }
    return false;
}

static int add(struct module_map *mm, uintptr_t lo, uintptr_t hi, uintptr_t bias, const char *path,
               const char *name, int vdso, uint32_t epoch)
{
    if (mm->n == mm->cap) {
        size_t cap = mm->cap ? mm->cap * 2 : 32;
        struct map_module *v = realloc(mm->v, cap * sizeof *v);
        if (!v)
            return -1;
        mm->v = v;
        mm->cap = cap;
    }
    struct map_module *m = &mm->v[mm->n];
    m->lo = lo;
    m->hi = hi;
    m->bias = bias;
    m->vdso = vdso;
    m->ep_lo = epoch;
    m->ep_hi = SYMBOLIZER_EPOCH_ANY;
    m->path = path ? strdup(path) : NULL;
    m->name = strdup(name);
    if ((path && !m->path) || !m->name) {
        free(m->path);
        free(m->name);
        return -1;
    }
    mm->n++;
    return 0;
}

/* Load deltas already read, by file identity and offset: a make runs cc1
 * a hundred times, a pre-forking server maps the same libraries in every
 * worker; each ELF's headers are read once per collector. */
struct delta_entry {
    char *name;
    unsigned long ino;
    uint64_t off;
    int64_t delta;
    char *used; /* the path that opened it */
};
static struct delta_entry *deltas;
static size_t ndeltas, capdeltas;

static struct delta_entry *delta_find(const char *name, unsigned long ino, uint64_t off)
{
    for (size_t i = ndeltas; i-- > 0;)
        if (deltas[i].ino == ino && deltas[i].off == off && !strcmp(deltas[i].name, name))
            return &deltas[i];
    return NULL;
}

static void delta_put(const char *name, unsigned long ino, uint64_t off, int64_t delta,
                      const char *used)
{
    if (ndeltas == capdeltas) {
        size_t cap = capdeltas ? capdeltas * 2 : 64;
        struct delta_entry *v = realloc(deltas, cap * sizeof *v);
        if (!v)
            return;
        deltas = v;
        capdeltas = cap;
    }
    struct delta_entry *e = &deltas[ndeltas];
    e->name = strdup(name);
    e->used = strdup(used);
    if (!e->name || !e->used) {
        free(e->name);
        free(e->used);
        return;
    }
    e->ino = ino;
    e->off = off;
    e->delta = delta;
    ndeltas++;
}

/* Open the file of a mapping: its path as the process sees it, checked
 * against the inode the kernel reports; else through the process's root
 * (another mount namespace, a chroot). */
static int open_mapped(pid_t pid, const char *name, unsigned long ino, char *used, size_t len)
{
    struct stat st;
    int fd = open(name, O_RDONLY | O_CLOEXEC);
    if (fd >= 0 && fstat(fd, &st) == 0 && st.st_ino == ino) {
        snprintf(used, len, "%s", name);
        return fd;
    }
    if (fd >= 0)
        close(fd);
    char alt[PATH_MAX];
    snprintf(alt, sizeof alt, "/proc/%d/root%s", (int)pid, name);
    fd = open(alt, O_RDONLY | O_CLOEXEC);
    if (fd >= 0 && fstat(fd, &st) == 0 && st.st_ino == ino) {
        snprintf(used, len, "%s", alt);
        return fd;
    }
    if (fd >= 0)
        close(fd);
    return -1;
}

int maps_parse(pid_t pid, const char *text, struct module_map *mm, uint32_t epoch)
{
    int added = 0;
    size_t before = mm->n;
    unsigned char *seen = before ? calloc(before, 1) : NULL;
    for (const char *line = text; line && *line;) {
        const char *nl = strchr(line, '\n');
        size_t llen = nl ? (size_t)(nl - line) : strlen(line);
        /* Only executable mappings hold code. The permissions follow the
         * first space ("lo-hi r-xp ..."); most lines fail this test, and
         * skip the copy and the scanf below. */
        const char *sp = memchr(line, ' ', llen);
        if (!sp || (size_t)(sp - line) + 3 >= llen || sp[3] != 'x') {
            line = nl ? nl + 1 : NULL;
            continue;
        }
        char buf[PATH_MAX + 256];
        if (llen >= sizeof buf)
            llen = sizeof buf - 1;
        memcpy(buf, line, llen);
        buf[llen] = 0;
        line = nl ? nl + 1 : NULL;

        uintptr_t lo, hi;
        char perms[8];
        unsigned long long off;
        unsigned long ino;
        int pos = 0;
        if (sscanf(buf, "%" SCNxPTR "-%" SCNxPTR " %7s %llx %*x:%*x %lu %n", &lo, &hi, perms, &off,
                   &ino, &pos) < 5 ||
            strlen(perms) < 3 || perms[2] != 'x' || lo >= hi)
            continue;
        const char *name = buf + pos;
        if (strcmp(name, "[vdso]") == 0) {
            if (!known(mm, lo, hi, name, seen) && add(mm, lo, hi, 0, NULL, name, 1, epoch) == 0)
                added++;
            continue;
        }
        if (name[0] != '/' || known(mm, lo, hi, name, seen))
            continue;
        char clean[PATH_MAX];
        snprintf(clean, sizeof clean, "%s", name);
        size_t cl = strlen(clean);
        const char *del = " (deleted)";
        if (cl > strlen(del) && strcmp(clean + cl - strlen(del), del) == 0)
            clean[cl - strlen(del)] = 0;
        char used[PATH_MAX];
        int64_t delta;
        struct delta_entry *de = delta_find(clean, ino, off);
        /* A cached file is still checked to be the one mapped (a path in
         * another mount namespace may name another file). */
        struct stat st;
        if (de && stat(de->used, &st) == 0 && st.st_ino == ino) {
            delta = de->delta;
            snprintf(used, sizeof used, "%s", de->used);
        } else {
            int fd = open_mapped(pid, clean, ino, used, sizeof used);
            if (fd < 0)
                continue;
            bool ok = load_delta(fd, off, &delta);
            close(fd);
            if (!ok)
                continue;
            delta_put(clean, ino, off, delta, used);
        }
        uintptr_t bias = lo - (uintptr_t)((int64_t)off + delta);
        if (add(mm, lo, hi, bias, used, clean, 0, epoch) == 0)
            added++;
    }
    /* Open mappings not seen now went away before this epoch. A map that
     * could not be tracked (no memory for `seen`) closes nothing. */
    for (size_t i = 0; seen && i < before; i++)
        if (!seen[i] && mm->v[i].ep_hi == SYMBOLIZER_EPOCH_ANY) {
            mm->v[i].ep_hi = epoch ? epoch - 1 : 0;
            added++;
        }
    free(seen);
    return added;
}

int maps_open(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
    return open(path, O_RDONLY | O_CLOEXEC);
}

int maps_read(pid_t pid, struct module_map *mm, uint32_t epoch)
{
    int fd = maps_open(pid);
    if (fd < 0)
        return -1;
    int r = maps_read_fd(fd, pid, mm, epoch);
    close(fd);
    return r;
}

int maps_read_fd(int fd, pid_t pid, struct module_map *mm, uint32_t epoch)
{
    if (lseek(fd, 0, SEEK_SET) != 0)
        return -1;
    size_t cap = 1 << 16, len = 0;
    char *text = malloc(cap + 1);
    while (text) {
        ssize_t n = read(fd, text + len, cap - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len += (size_t)n;
        if (len == cap) {
            char *t = cap < (64u << 20) ? realloc(text, cap * 2 + 1) : NULL;
            if (!t)
                break;
            text = t;
            cap *= 2;
        }
    }
    if (!text)
        return -1;
    text[len] = 0;
    int r = len ? maps_parse(pid, text, mm, epoch) : -1;
    free(text);
    return r;
}

int maps_copy_live(struct module_map *dst, const struct module_map *src)
{
    for (size_t i = 0; i < src->n; i++)
        if (src->v[i].ep_hi == SYMBOLIZER_EPOCH_ANY && src->v[i].path &&
            strncmp(src->v[i].path, "/proc/", 6) == 0)
            return -1; /* opened through the parent's /proc/<pid>/root */
    for (size_t i = 0; i < src->n; i++) {
        const struct map_module *m = &src->v[i];
        if (m->ep_hi == SYMBOLIZER_EPOCH_ANY &&
            add(dst, m->lo, m->hi, m->bias, m->path, m->name, m->vdso, 0) < 0) {
            maps_free(dst);
            return -1;
        }
    }
    return 0;
}

void maps_register(const struct module_map *mm, struct symbolizer *sym)
{
    for (size_t i = 0; i < mm->n; i++) {
        const struct map_module *m = &mm->v[i];
        if (m->vdso)
            symbolizer_add_vdso(sym, m->lo, m->hi);
        else
            symbolizer_add_module_epochs(sym, m->path, m->name, m->bias, m->lo, m->hi, m->ep_lo,
                                         m->ep_hi);
    }
}

void maps_register_missing(const struct module_map *mm, struct symbolizer *sym)
{
    for (size_t i = 0; i < mm->n; i++) {
        const struct map_module *m = &mm->v[i];
        if (!m->vdso && symbolizer_module_of(sym, m->lo, NULL, NULL, NULL) != 0)
            symbolizer_add_module(sym, m->path, m->name, m->bias, m->lo, m->hi);
    }
}

void maps_free(struct module_map *mm)
{
    for (size_t i = 0; i < mm->n; i++) {
        free(mm->v[i].path);
        free(mm->v[i].name);
    }
    free(mm->v);
    memset(mm, 0, sizeof *mm);
}
