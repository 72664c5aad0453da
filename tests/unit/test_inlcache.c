/* collector/inlcache.c: lookups over added and parsed tables, the file's
 * round trip, and refusal of every malformed record. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <elf.h>
#include <fcntl.h>
#include <libelf.h>

#include "collector/inlcache.h"

/* f: [0x100, 0x200) with g inlined at [0x120, 0x140) (line 7), and h
 * inlined into g at [0x128, 0x130) (line 9), and g again at [0x180,
 * 0x190) (line 12). */
static void add_sample(struct inlcache *c)
{
    const struct inlcache_scope sc[] = {
        {-1, 0, false, 0, "f"}, {0, 1, true, 7, "g"}, {1, 2, true, 9, "h"}, {0, 1, true, 12, "g"}};
    const struct inlcache_range rg[] = {{0x120, 0x140, 1}, {0x128, 0x130, 2}, {0x180, 0x190, 3}};
    assert_int_equal(inlcache_add_func(c, 0x100, 0x200, sc, 4, rg, 3), 0);
    assert_int_equal(inlcache_add_none(c, 0x200, 0x280), 0);
}

static void check_sample(struct inlcache *c)
{
    struct inline_frame out[8];
    assert_int_equal(inlcache_find(c, 0x0ff, out, 8), -1);
    assert_int_equal(inlcache_find(c, 0x280, out, 8), -1);
    assert_int_equal(inlcache_find(c, 0x240, out, 8), 0);
    assert_int_equal(inlcache_find(c, 0x100, out, 8), 1);
    assert_string_equal(out[0].name, "f");
    assert_int_equal(inlcache_find(c, 0x12c, out, 8), 3);
    assert_string_equal(out[0].name, "h");
    assert_int_equal(out[0].line, 0);
    assert_null(out[0].file);
    assert_string_equal(out[1].name, "g");
    assert_int_equal(out[1].line, 9);
    assert_string_equal(out[2].name, "f");
    assert_int_equal(out[2].line, 7);
    assert_int_equal(inlcache_find(c, 0x185, out, 8), 2);
    assert_string_equal(out[0].name, "g");
    assert_int_equal(out[1].line, 12);
    /* at most max frames: the innermost kept, the real function last */
    assert_int_equal(inlcache_find(c, 0x12c, out, 2), 2);
    assert_string_equal(out[0].name, "h");
    assert_string_equal(out[1].name, "f");
}

static void test_add_find(void **state)
{
    (void)state;
    struct inlcache *c = inlcache_new_memory();
    assert_non_null(c);
    add_sample(c);
    check_sample(c);
    /* bad indices are refused */
    const struct inlcache_scope bad[] = {{-1, 0, false, 0, "x"}, {5, 1, true, 1, "y"}};
    const struct inlcache_range r[] = {{0x300, 0x310, 1}};
    assert_int_equal(inlcache_add_func(c, 0x300, 0x400, bad, 2, r, 1), -1);
    const struct inlcache_range r2[] = {{0x300, 0x310, 2}};
    assert_int_equal(inlcache_add_func(c, 0x300, 0x400, bad, 1, r2, 1), -1);
    assert_int_equal(inlcache_add_func(c, 0x400, 0x300, bad, 1, NULL, 0), -1);
    assert_int_equal(inlcache_find(c, 0x350, (struct inline_frame[1]){{0}}, 1), -1);
    inlcache_free(c);
}

static const char good[] = "flamepre-inline-cache 1 /x\n"
                           "F 100 200 4 3\n"
                           "S - 0 0 0 f\n"
                           "S 0 1 1 7 g\n"
                           "S 1 2 1 9 h\n"
                           "S 0 1 1 12 g\n"
                           "R 120 140 1\n"
                           "R 128 130 2\n"
                           "R 180 190 3\n"
                           "N 200 280\n";

static void test_parse(void **state)
{
    (void)state;
    struct inlcache *c = inlcache_new_memory();
    assert_int_equal(inlcache_parse(c, good, sizeof good - 1), 0);
    assert_true(inlcache_loaded(c));
    check_sample(c);
    /* names may hold spaces; - is no name */
    static const char sp[] = "flamepre-inline-cache 1 /x\nF 10 20 1 0\nS - 0 0 0 operator new\n"
                             "F 30 40 1 0\nS - 0 0 0 -\n";
    assert_int_equal(inlcache_parse(c, sp, sizeof sp - 1), 0);
    struct inline_frame out[2];
    assert_int_equal(inlcache_find(c, 0x15, out, 2), 1);
    assert_string_equal(out[0].name, "operator new");
    assert_int_equal(inlcache_find(c, 0x35, out, 2), 1);
    assert_null(out[0].name);
    inlcache_free(c);
}

static void test_parse_refuses(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "flamepre-inline-cache 2 /x\n",
        "flamepre-inline-cache 1 /x\nF 100 200 1 0\n",                           /* scope missing */
        "flamepre-inline-cache 1 /x\nF 100 200 1 0\nS - 0 0 0 f",                /* no newline */
        "flamepre-inline-cache 1 /x\nF 200 100 1 0\nS - 0 0 0 f\n",              /* empty range */
        "flamepre-inline-cache 1 /x\nF 100 200 0 0\n",                           /* no scope */
        "flamepre-inline-cache 1 /x\nF 100 200 1 1\nS - 0 0 0 f\nR 1 2 1\n",     /* scope index */
        "flamepre-inline-cache 1 /x\nF 100 200 2 0\nS - 0 0 0 f\nS 7 1 1 1 g\n", /* parent */
        "flamepre-inline-cache 1 /x\nF 100 200 1 0\nS - 0 2 0 f\n",              /* inl not 0/1 */
        "flamepre-inline-cache 1 /x\nF 1000 2000 1 0\nS - 70000 0 0 f\n",        /* depth */
        "flamepre-inline-cache 1 /x\nF 10000000000000000 2 1 0\nS - 0 0 0 f\n",  /* 17 digits */
        "flamepre-inline-cache 1 /x\nF 100 200 1 0 \nS - 0 0 0 f\n", /* trailing space */
        "flamepre-inline-cache 1 /x\nF 100 2g0 1 0\nS - 0 0 0 f\n",  /* not hex */
        "flamepre-inline-cache 1 /x\nN 100\n",
        "flamepre-inline-cache 1 /x\nR 100 200 0\n", /* R outside F */
        "flamepre-inline-cache 1 /x\nS - 0 0 0 f\n", /* S outside F */
        "flamepre-inline-cache 1 /x\nX 1 2\n",
        "flamepre-inline-cache 1 /x\nF 100 200 1 0\nS - 0 0 0 \n", /* empty name */
        "flamepre-inline-cache 1 /x\nN 200 100\n",
    };
    struct inlcache *c = inlcache_new_memory();
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        /* a good file first: a refusal leaves nothing of it */
        assert_int_equal(inlcache_parse(c, good, sizeof good - 1), 0);
        if (inlcache_parse(c, bad[i], strlen(bad[i])) != -1)
            fail_msg("accepted bad input %zu", i);
        assert_false(inlcache_loaded(c));
        struct inline_frame out[2];
        assert_int_equal(inlcache_find(c, 0x150, out, 2), -1);
    }
    inlcache_free(c);
}

static void test_file_round_trip(void **state)
{
    (void)state;
    char dir[] = "/tmp/flamepre-inlcache-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char sub[128], self[256];
    snprintf(sub, sizeof sub, "%s/a/b", dir); /* made at save */
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    assert_true(n > 0);
    self[n] = 0;
    struct stat st;
    assert_int_equal(stat(self, &st), 0);
    struct inlcache *c = inlcache_open(sub, self, &st);
    assert_non_null(c);
    assert_false(inlcache_loaded(c));
    add_sample(c);
    assert_int_equal(inlcache_save(c), 0);
    inlcache_free(c);
    c = inlcache_open(sub, self, &st);
    assert_true(inlcache_loaded(c));
    check_sample(c);
    inlcache_free(c);
    /* another file (size differs): another cache, empty */
    struct stat other = st;
    other.st_size++;
    c = inlcache_open(sub, self, &other);
    assert_false(inlcache_loaded(c));
    inlcache_free(c);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

/* The executable sections of an ELF file: [lo, hi) of .text. */
static int text_range(const char *path, uint64_t *lo, uint64_t *hi)
{
    elf_version(EV_CURRENT);
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    Elf *e = elf_begin(fd, ELF_C_READ, NULL);
    size_t shstr;
    int r = -1;
    if (e && elf_getshdrstrndx(e, &shstr) == 0)
        for (Elf_Scn *scn = NULL; (scn = elf_nextscn(e, scn));) {
            Elf64_Shdr *sh = elf64_getshdr(scn);
            const char *name = sh ? elf_strptr(e, shstr, sh->sh_name) : NULL;
            if (name && strcmp(name, ".text") == 0) {
                *lo = sh->sh_addr;
                *hi = sh->sh_addr + sh->sh_size;
                r = 0;
            }
        }
    elf_end(e);
    close(fd);
    return r;
}

/* Every address of an -O2 -g program's code: the frames from the cache
 * (a second inliner, which must not open the DWARF at all) equal the
 * frames from the DWARF (the first, which filled the cache). */
static void test_cache_equals_dwarf(void **state)
{
    (void)state;
    const char *dir = getenv("FLAMEPRE_TESTDATA");
    char path[512], cache[] = "/tmp/flamepre-inlcache-XXXXXX";
    snprintf(path, sizeof path, "%s/inline_hot", dir && *dir ? dir : "build/testdata");
    uint64_t lo = 0, hi = 0;
    assert_int_equal(text_range(path, &lo, &hi), 0);
    assert_non_null(mkdtemp(cache));
    setenv("FLAMEPRE_CACHE_DIR", cache, 1);
    enum { MAXF = 8 };
    size_t n = (size_t)(hi - lo);
    struct inline_frame(*want)[MAXF] = calloc(n, sizeof *want);
    int *wantn = calloc(n, sizeof *wantn);
    char **names = calloc(n * MAXF, sizeof *names);
    assert_true(want && wantn && names);
    struct inliner *a = inliner_new();
    struct inline_file *fa = inliner_open(a, path);
    assert_non_null(fa);
    unsigned inlined = 0;
    for (size_t i = 0; i < n; i++) {
        wantn[i] = inliner_frames(a, fa, lo + i, false, want[i], MAXF);
        inlined += wantn[i] > 1;
        for (int k = 0; k < wantn[i]; k++)
            names[i * MAXF + k] = want[i][k].name ? strdup(want[i][k].name) : NULL;
    }
    assert_true(inlined > 0); /* the program has inlined calls */
    inliner_free(a);          /* saves the cache */

    struct inliner *b = inliner_new();
    struct inline_file *fb = inliner_open(b, path);
    assert_non_null(fb);
    for (size_t i = 0; i < n; i++) {
        struct inline_frame got[MAXF];
        int m = inliner_frames(b, fb, lo + i, false, got, MAXF);
        if (m != wantn[i])
            fail_msg("at 0x%llx: %d frames from the cache, %d from DWARF",
                     (unsigned long long)(lo + i), m, wantn[i]);
        for (int k = 0; k < m; k++) {
            const char *w = names[i * MAXF + k];
            if ((w == NULL) != (got[k].name == NULL) || (w && strcmp(w, got[k].name) != 0) ||
                got[k].line != want[i][k].line || got[k].file)
                fail_msg("at 0x%llx frame %d: %s:%u from the cache, %s:%u from DWARF",
                         (unsigned long long)(lo + i), k, got[k].name ? got[k].name : "-",
                         got[k].line, w ? w : "-", want[i][k].line);
        }
    }
    uint64_t dw, hits;
    inliner_counts(b, &dw, &hits);
    assert_int_equal(dw, 0);
    assert_int_equal(hits, n);
    inliner_free(b);
    for (size_t i = 0; i < n * MAXF; i++)
        free(names[i]);
    free(names);
    free(want);
    free(wantn);
    unsetenv("FLAMEPRE_CACHE_DIR");
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", cache);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_find),           cmocka_unit_test(test_parse),
        cmocka_unit_test(test_parse_refuses),      cmocka_unit_test(test_file_round_trip),
        cmocka_unit_test(test_cache_equals_dwarf),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
