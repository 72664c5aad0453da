/*
 * Symbolizer and demangler tests.
 *
 * Expectations are by name: addresses come from reading the full symtest
 * binary's .symtab with libelf here (the test's own small reader), then the
 * symbolizer is asked about each variant of that binary. A synthetic ELF
 * written by the test covers edge cases no compiler output reliably has
 * (aliases of every binding, IFUNC, versioned names, nested and untyped
 * symbols) and the 100k-symbol speed requirement.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <limits.h>
#include <link.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "collector/demangle.h"
#include "collector/folded.h"
#include "collector/inline.h"
#include "collector/symbolize.h"
#include "format/frames.h"

#define BIAS ((uintptr_t)0x10000000)
#define SPAN ((uintptr_t)0x100000)

static const char *testdata(const char *file)
{
    static char buf[PATH_MAX];
    const char *dir = getenv("FLAMEPRE_TESTDATA");

    snprintf(buf, sizeof(buf), "%s/%s", dir && *dir ? dir : "build/testdata", file);
    return buf;
}

/* Value and size of `name` in an ELF's .symtab (or .dynsym if asked). */
static int elf_symbol(Elf *e, GElf_Word type, const char *name, uint64_t *value, uint64_t *size)
{
    Elf_Scn *scn = NULL;
    GElf_Shdr sh;

    while ((scn = elf_nextscn(e, scn)) != NULL) {
        if (!gelf_getshdr(scn, &sh) || sh.sh_type != type)
            continue;
        Elf_Data *d = elf_getdata(scn, NULL);
        size_t n = sh.sh_entsize ? sh.sh_size / sh.sh_entsize : 0;
        for (size_t i = 0; d && i < n; i++) {
            GElf_Sym s;
            const char *nm;
            if (gelf_getsym(d, (int)i, &s) && (nm = elf_strptr(e, sh.sh_link, s.st_name)) &&
                strcmp(nm, name) == 0 && s.st_shndx != SHN_UNDEF) {
                *value = s.st_value;
                *size = s.st_size;
                return 0;
            }
        }
    }
    return -1;
}

static void file_symbol(const char *path, const char *name, uint64_t *value, uint64_t *size)
{
    int fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    elf_version(EV_CURRENT);
    Elf *e = elf_begin(fd, ELF_C_READ, NULL);
    assert_non_null(e);
    int r = elf_symbol(e, SHT_SYMTAB, name, value, size);
    elf_end(e);
    close(fd);
    if (r != 0)
        fail_msg("symbol %s not found in %s", name, path);
}

struct expect {
    const char *sym;   /* as in .symtab */
    const char *shown; /* what the symbolizer must answer */
};

static const struct expect symtest_expect[] = {
    {"symtest_big", "symtest_big"},
    {"_ZN3foo3barEv", "foo::bar()"},
    {"_ZN4core3fmt5write17h0123456789abcdefE", "core::fmt::write"},
    {"symtest_global", "symtest_global"},
    {"symtest_weak_alias", "symtest_global"},
    {"symtest_zero_size", "symtest_zero_size"},
    {"main", "main"},
};

/* Ask about the first, middle and last byte of every expected function. */
static void check_named(struct symbolizer *S, const char *symsrc)
{
    for (size_t i = 0; i < sizeof(symtest_expect) / sizeof(symtest_expect[0]); i++) {
        uint64_t v, sz;
        file_symbol(symsrc, symtest_expect[i].sym, &v, &sz);
        if (sz == 0)
            sz = 8; /* symtest_zero_size: 8 nops then ret */
        uint64_t offs[] = {0, sz / 2, sz - 1};
        for (size_t k = 0; k < 3; k++) {
            const char *got = symbolizer_name(S, BIAS + v + offs[k]);
            if (strcmp(got, symtest_expect[i].shown) != 0)
                fail_msg("%s+%llu: got '%s', want '%s'", symtest_expect[i].sym,
                         (unsigned long long)offs[k], got, symtest_expect[i].shown);
        }
    }
}

static void test_full_binary(void **state)
{
    (void)state;
    const char *path = testdata("symtest");
    struct symbolizer *S = symbolizer_new();
    assert_non_null(S);
    assert_int_equal(symbolizer_add_module(S, path, NULL, BIAS, BIAS, BIAS + SPAN), 0);
    check_named(S, path);

    /* The byte after symtest_big belongs to someone else. */
    uint64_t v, sz;
    file_symbol(path, "symtest_big", &v, &sz);
    assert_string_not_equal(symbolizer_name(S, BIAS + v + sz), "symtest_big");

    const char *mname;
    uintptr_t lo, hi;
    assert_int_equal(symbolizer_module_of(S, BIAS + v, &mname, &lo, &hi), 0);
    assert_string_equal(mname, "symtest");
    assert_true(lo == BIAS && hi == BIAS + SPAN);

    /* Cached answers are the same pointer and count as lookups. */
    const char *a = symbolizer_name(S, BIAS + v + 1);
    assert_ptr_equal(a, symbolizer_name(S, BIAS + v + 1));

    struct symbolizer_stats st;
    symbolizer_stats(S, &st);
    assert_int_equal(st.modules, 1);
    assert_int_equal(st.modules_loaded, 1);
    assert_int_equal(st.modules_nosyms, 0);
    assert_int_equal(st.unresolved, 0);
    assert_true(st.lookups >= 23);
    symbolizer_free(S);
}

static void test_stripped_falls_back(void **state)
{
    (void)state;
    struct symbolizer *S = symbolizer_new();
    uint64_t v, sz;
    char want[128];

    assert_int_equal(
        symbolizer_add_module(S, testdata("symtest-stripped"), NULL, BIAS, BIAS, BIAS + SPAN), 0);
    file_symbol(testdata("symtest"), "symtest_big", &v, &sz);
    /* .dynsym of a non-exported executable has no defined functions. */
    snprintf(want, sizeof(want), "[symtest-stripped+0x%llx]", (unsigned long long)(v + 5));
    assert_string_equal(symbolizer_name(S, BIAS + v + 5), want);

    struct symbolizer_stats st;
    symbolizer_stats(S, &st);
    assert_int_equal(st.modules_loaded, 1);
    assert_int_equal(st.modules_nosyms, 1);
    assert_int_equal(st.lookups, 1);
    assert_int_equal(st.unresolved, 1);
    symbolizer_free(S);
}

static void test_display_name_override(void **state)
{
    (void)state;
    struct symbolizer *S = symbolizer_new();

    assert_int_equal(symbolizer_add_module(S, "/nonexistent/libgone.so", "/some/dir/libshown.so.1",
                                           BIAS, BIAS, BIAS + SPAN),
                     0);
    assert_string_equal(symbolizer_name(S, BIAS + 0x1234), "[libshown.so.1+0x1234]");
    struct symbolizer_stats st;
    symbolizer_stats(S, &st);
    assert_int_equal(st.modules_loaded, 0);
    symbolizer_free(S);
}

static void test_debuglink(void **state)
{
    (void)state;
    struct symbolizer *S = symbolizer_new();

    assert_int_equal(
        symbolizer_add_module(S, testdata("symtest-debuglink"), NULL, BIAS, BIAS, BIAS + SPAN), 0);
    check_named(S, testdata("symtest"));
    struct symbolizer_stats st;
    symbolizer_stats(S, &st);
    assert_int_equal(st.unresolved, 0);
    symbolizer_free(S);
}

/* Source lines and the DWARF reader (inline.h): from the file itself and
 * from the debug file .gnu_debuglink names; a function nothing was
 * inlined into keeps its plain name, and with neither asked for
 * frames_at is name_at. (Inlined frames: tests/integration/t_inline.sh.) */
static void check_lines(const char *module)
{
    struct symbolizer *S = symbolizer_new();
    struct inliner *in = inliner_new();
    struct inline_ops ops = inliner_ops(in);
    uint64_t v, sz;
    file_symbol(testdata("symtest"), "symtest_big", &v, &sz);
    assert_int_equal(symbolizer_add_module(S, module, NULL, BIAS, BIAS, BIAS + SPAN), 0);
    uintptr_t a = BIAS + v + sz / 2;
    assert_string_equal(symbolizer_frames_at(S, a, SYMBOLIZER_EPOCH_ANY), "symtest_big");
    symbolizer_set_inline_ops(S, &ops);
    assert_string_equal(symbolizer_frames_at(S, a, SYMBOLIZER_EPOCH_ANY), "symtest_big");
    symbolizer_set_frames(S, true, false);
    assert_string_equal(symbolizer_frames_at(S, a, SYMBOLIZER_EPOCH_ANY), "symtest_big");
    symbolizer_set_frames(S, true, true);
    const char *f = symbolizer_frames_at(S, a, SYMBOLIZER_EPOCH_ANY);
    unsigned line = 0;
    if (sscanf(f, "symtest_big (symtest.c:%u)", &line) != 1)
        fail_msg("%s: got '%s', want 'symtest_big (symtest.c:N)'", module, f);
    assert_true(line > 10 && line < 60);
    assert_int_equal(frame_line_suffix_len(f, strlen(f)), strlen(f) - strlen("symtest_big"));
    struct symbolizer_stats st;
    symbolizer_stats(S, &st);
    assert_int_equal(st.modules_dwarf, 1);
    assert_int_equal(st.inlined, 0);
    symbolizer_free(S);
    inliner_free(in);
}

static void test_lines(void **state)
{
    (void)state;
    check_lines(testdata("symtest"));
    check_lines(testdata("symtest-debuglink"));
}

static void copy_file(const char *from, const char *to)
{
    char buf[65536];
    int in = open(from, O_RDONLY), out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ssize_t n;

    assert_true(in >= 0 && out >= 0);
    while ((n = read(in, buf, sizeof(buf))) > 0)
        assert_int_equal(write(out, buf, (size_t)n), n);
    close(in);
    close(out);
}

static void rm_rf(const char *dir)
{
    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

/* A debuglink target in .debug/ is found; a wrong file under the right
 * name (different build-id) is refused rather than trusted. */
static void test_debuglink_search_and_verify(void **state)
{
    (void)state;
    char dir[] = "/tmp/flamepre-symtest-XXXXXX", p[PATH_MAX], q[PATH_MAX];
    uint64_t v, sz;

    assert_non_null(mkdtemp(dir));
    snprintf(p, sizeof(p), "%s/symtest-debuglink", dir);
    copy_file(testdata("symtest-debuglink"), p);
    file_symbol(testdata("symtest"), "symtest_big", &v, &sz);

    /* Impostor: an ELF with a .symtab but another build-id. */
    snprintf(q, sizeof(q), "%s/symtest.debug", dir);
    copy_file("/proc/self/exe", q);
    struct symbolizer *S = symbolizer_new();
    symbolizer_add_module(S, p, NULL, BIAS, BIAS, BIAS + SPAN);
    assert_int_equal(symbolizer_name(S, BIAS + v)[0], '[');
    symbolizer_free(S);

    unlink(q);
    snprintf(q, sizeof(q), "%s/.debug", dir);
    assert_int_equal(mkdir(q, 0755), 0);
    snprintf(q, sizeof(q), "%s/.debug/symtest.debug", dir);
    copy_file(testdata("symtest.debug"), q);
    S = symbolizer_new();
    symbolizer_add_module(S, p, NULL, BIAS, BIAS, BIAS + SPAN);
    assert_string_equal(symbolizer_name(S, BIAS + v + 3), "symtest_big");
    symbolizer_free(S);
    rm_rf(dir);
}

static void test_unknown_and_overlap(void **state)
{
    (void)state;
    struct symbolizer *S = symbolizer_new();
    const char *path = testdata("symtest");
    uint64_t v, sz;

    file_symbol(path, "main", &v, &sz);
    assert_string_equal(symbolizer_name(S, BIAS + v), "[unknown]");
    /* Two mappings of one file, a big one registered second covering the
     * first: both are found, each with its own bias. */
    const uintptr_t b2 = BIAS + 0x4000000;
    assert_int_equal(symbolizer_add_module(S, path, NULL, BIAS, BIAS, BIAS + SPAN), 0);
    assert_int_equal(symbolizer_add_module(S, path, "other", b2, b2, b2 + SPAN), 0);
    assert_int_equal(
        symbolizer_add_module(S, "/nonexistent", "wide", 0, BIAS - 0x1000, BIAS + 0x800), 0);
    assert_string_equal(symbolizer_name(S, BIAS + v), "main");
    assert_string_equal(symbolizer_name(S, b2 + v + 1), "main");
    assert_string_equal(symbolizer_name(S, 16), "[unknown]");
    assert_string_equal(symbolizer_name(S, b2 + SPAN), "[unknown]");
    assert_int_equal(symbolizer_module_of(S, 16, NULL, NULL, NULL), -1);
    const char *name;
    assert_int_equal(symbolizer_module_of(S, b2 + 5, &name, NULL, NULL), 0);
    assert_string_equal(name, "other");
    assert_int_equal(symbolizer_module_of(S, BIAS - 0x800, &name, NULL, NULL), 0);
    assert_string_equal(name, "wide");

    struct symbolizer_stats st;
    symbolizer_stats(S, &st);
    assert_int_equal(st.modules, 3);
    assert_int_equal(st.unresolved, 3);
    symbolizer_free(S);
}

__attribute__((noinline)) static int local_probe_function(int x)
{
    __asm__ volatile("" ::: "memory");
    return x * 3 + 1;
}

static void vdso_symbol(const char *name, uintptr_t *addr)
{
    const ElfW(Ehdr) *eh = (const ElfW(Ehdr) *)getauxval(AT_SYSINFO_EHDR);
    uint64_t v, sz;

    *addr = 0;
    if (!eh)
        return;
    size_t size = eh->e_shoff + (size_t)eh->e_shnum * eh->e_shentsize;
    Elf *e = elf_memory((char *)eh, size);
    assert_non_null(e);
    if (elf_symbol(e, SHT_DYNSYM, name, &v, &sz) == 0)
        *addr = (uintptr_t)eh + v; /* the vDSO is linked at 0 */
    elf_end(e);
}

static void test_self_modules(void **state)
{
    (void)state;
    struct symbolizer *S = symbolizer_new();
    int n = symbolizer_add_self_modules(S);
    assert_true(n >= 3); /* this program, libc, ld.so at least */

    uintptr_t here = (uintptr_t)&local_probe_function;
    assert_string_equal(symbolizer_name(S, here + 3), "local_probe_function");
    const char *mname;
    assert_int_equal(symbolizer_module_of(S, here, &mname, NULL, NULL), 0);
    assert_string_equal(mname, "test_symbolize");

    void *gp = dlsym(RTLD_DEFAULT, "getpid");
    assert_non_null(gp);
    const char *g = symbolizer_name(S, (uintptr_t)gp + 1);
    if (!strstr(g, "getpid"))
        fail_msg("getpid resolved as '%s'", g);
    assert_int_equal(symbolizer_module_of(S, (uintptr_t)gp, &mname, NULL, NULL), 0);
    assert_memory_equal(mname, "libc.so", 7);

    uintptr_t vd;
    vdso_symbol("__vdso_clock_gettime", &vd);
    if (vd) {
        assert_int_equal(symbolizer_module_of(S, vd, &mname, NULL, NULL), 0);
        assert_string_equal(mname, "linux-vdso.so.1");
        const char *vn = symbolizer_name(S, vd + 1);
        if (!strstr(vn, "clock_gettime"))
            fail_msg("vdso clock_gettime resolved as '%s'", vn);
    }
    assert_int_equal(local_probe_function(1), 4);
    symbolizer_free(S);
}

/* ---- demangling ---- */

static void expect_demangle(const char *in, const char *want)
{
    char *got = demangle(in);
    if (!want) {
        if (got)
            fail_msg("demangle(%s) = '%s', want NULL", in ? in : "(null)", got);
        return;
    }
    if (!got || strcmp(got, want) != 0)
        fail_msg("demangle(%s) = '%s', want '%s'", in ? in : "(null)", got ? got : "(null)", want);
    free(got);
}

static void test_demangle(void **state)
{
    (void)state;
    expect_demangle("_ZN3foo3barEv", "foo::bar()");
    expect_demangle("_Z3fooi", "foo(int)");
    expect_demangle("_ZN4core3fmt5write17h0123456789abcdefE", "core::fmt::write");
    expect_demangle("_ZN66_$LT$alloc..vec..Vec$LT$T$GT$$u20$as$u20$core..ops..drop..Drop$GT$"
                    "4drop17h0123456789abcdefE",
                    "<alloc::vec::Vec<T> as core::ops::drop::Drop>::drop");
    /* A C++ function that happens to be named like a hash stays intact. */
    expect_demangle("_ZN3foo17h0123456789abcdefEv", "foo::h0123456789abcdef()");
    expect_demangle("main", NULL);
    expect_demangle("_Zgarbage", NULL);
    expect_demangle("", NULL);
    expect_demangle(NULL, NULL);
}

static void *demangle_thread(void *arg)
{
    (void)arg;
    for (int i = 0; i < 200; i++) {
        char *d = demangle("_ZN3foo3barEv");
        if (!d || strcmp(d, "foo::bar()") != 0)
            return (void *)1;
        free(d);
    }
    return NULL;
}

static void test_demangle_threads(void **state)
{
    (void)state;
    pthread_t t[4];
    void *r;
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&t[i], NULL, demangle_thread, NULL), 0);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(pthread_join(t[i], &r), 0);
        assert_null(r);
    }
}

static void test_sanitize(void **state)
{
    (void)state;
    char s[] = "a;b\nc\rd\x01"
               "e\x7f"
               "f g(int, char)";
    frame_sanitize_str(s);
    assert_string_equal(s, "a_b_c_d_e_f g(int, char)");
}

/* ---- synthetic ELF: edge cases and scale ---- */

#define NFN 100000
#define TEXT 0x1000ULL
#define EDGE (TEXT + NFN * 16ULL)
#define TEXT_END (EDGE + 0x900)
#define DATA 0x400000ULL

struct strtab {
    char *buf;
    size_t len, cap;
};

static uint32_t strtab_add(struct strtab *t, const char *s)
{
    size_t n = strlen(s) + 1;
    if (t->len + n > t->cap) {
        t->cap = (t->len + n) * 2;
        t->buf = realloc(t->buf, t->cap);
        assert_non_null(t->buf);
    }
    memcpy(t->buf + t->len, s, n);
    t->len += n;
    return (uint32_t)(t->len - n);
}

struct symspec {
    const char *name;
    uint64_t value, size;
    int type, bind, shndx;
};

enum { SEC_TEXT = 1, SEC_DATA = 2 };

static const struct symspec edge_syms[] = {
    {"ifunc_sym", EDGE + 0x000, 8, STT_GNU_IFUNC, STB_GLOBAL, SEC_TEXT},
    {"local_name", EDGE + 0x100, 32, STT_FUNC, STB_LOCAL, SEC_TEXT},
    {"__weak_name", EDGE + 0x100, 32, STT_FUNC, STB_WEAK, SEC_TEXT},
    {"global_name", EDGE + 0x100, 0, STT_FUNC, STB_GLOBAL, SEC_TEXT},
    {"__global_name", EDGE + 0x100, 32, STT_FUNC, STB_GLOBAL, SEC_TEXT},
    {"memcpy@@GLIBC_2.14", EDGE + 0x200, 16, STT_FUNC, STB_GLOBAL, SEC_TEXT},
    {"asm_label", EDGE + 0x300, 0, STT_NOTYPE, STB_GLOBAL, SEC_TEXT},
    {"outer", EDGE + 0x400, 0x100, STT_FUNC, STB_GLOBAL, SEC_TEXT},
    {"inner", EDGE + 0x410, 0x10, STT_FUNC, STB_LOCAL, SEC_TEXT},
    {"$x", EDGE + 0x500, 0, STT_NOTYPE, STB_LOCAL, SEC_TEXT},
    {"bad\nname;x\x01", EDGE + 0x600, 16, STT_FUNC, STB_GLOBAL, SEC_TEXT},
    {"_ZN3foo3barEv", EDGE + 0x700, 16, STT_FUNC, STB_GLOBAL, SEC_TEXT},
    {"last_zero", EDGE + 0x800, 0, STT_FUNC, STB_GLOBAL, SEC_TEXT},
    {"some_var", DATA + 0x10, 64, STT_OBJECT, STB_GLOBAL, SEC_DATA},
};

static void add_sym(GElf_Sym **v, size_t *n, struct strtab *t, const struct symspec *s)
{
    /* Grow geometrically: one realloc per symbol is quadratic under ASan,
     * which maps every large block afresh. */
    if ((*n & (*n + 1)) == 0 || *n == 0) {
        *v = realloc(*v, (*n + 1) * 2 * sizeof(**v));
        assert_non_null(*v);
    }
    GElf_Sym *g = &(*v)[(*n)++];
    memset(g, 0, sizeof(*g));
    g->st_name = strtab_add(t, s->name);
    g->st_value = s->value;
    g->st_size = s->size;
    g->st_info = (unsigned char)GELF_ST_INFO(s->bind, s->type);
    g->st_shndx = (uint16_t)s->shndx;
}

static void new_section(Elf *e, const char *name, struct strtab *shstr, GElf_Word type,
                        GElf_Xword flags, GElf_Addr addr, GElf_Xword size, void *buf,
                        size_t bufsize, Elf_Type dtype, GElf_Word link, GElf_Xword entsize)
{
    Elf_Scn *scn = elf_newscn(e);
    assert_non_null(scn);
    if (buf || type == SHT_NOBITS) {
        Elf_Data *d = elf_newdata(scn);
        assert_non_null(d);
        d->d_buf = buf;
        d->d_size = type == SHT_NOBITS ? size : bufsize;
        d->d_type = dtype;
        d->d_align = 8;
        d->d_version = EV_CURRENT;
    }
    GElf_Shdr sh;
    assert_non_null(gelf_getshdr(scn, &sh));
    sh.sh_name = strtab_add(shstr, name);
    sh.sh_type = type;
    sh.sh_flags = flags;
    sh.sh_addr = addr;
    if (type == SHT_NOBITS)
        sh.sh_size = size;
    sh.sh_link = link;
    sh.sh_entsize = entsize;
    sh.sh_addralign = 8;
    assert_true(gelf_update_shdr(scn, &sh) != 0);
}

/* Sections: 1 .text (NOBITS, like a debug file), 2 .data, 3 .symtab,
 * 4 .strtab, 5 .shstrtab. Odd-numbered fn_i have size 0. */
static void write_synthetic_elf(const char *path)
{
    struct strtab str = {0}, shstr = {0};
    GElf_Sym *syms = NULL;
    size_t nsyms = 0;
    char name[32];

    elf_version(EV_CURRENT);
    strtab_add(&str, "");
    strtab_add(&shstr, "");
    struct symspec null_sym = {"", 0, 0, STT_NOTYPE, STB_LOCAL, 0};
    add_sym(&syms, &nsyms, &str, &null_sym);
    syms[0].st_name = 0;
    /* Locals first, as the ELF spec wants (sh_info = first global). */
    size_t nedge = sizeof(edge_syms) / sizeof(edge_syms[0]);
    for (size_t i = 0; i < nedge; i++)
        if (edge_syms[i].bind == STB_LOCAL)
            add_sym(&syms, &nsyms, &str, &edge_syms[i]);
    size_t first_global = nsyms;
    for (size_t i = 0; i < nedge; i++)
        if (edge_syms[i].bind != STB_LOCAL)
            add_sym(&syms, &nsyms, &str, &edge_syms[i]);
    /* Shuffled order: the symbolizer must sort. */
    for (size_t k = 0; k < NFN; k++) {
        size_t i = (k * 7919) % NFN;
        snprintf(name, sizeof(name), "fn_%zu", i);
        struct symspec s = {name, TEXT + i * 16, i & 1 ? 0 : 16, STT_FUNC, STB_GLOBAL, SEC_TEXT};
        add_sym(&syms, &nsyms, &str, &s);
    }

    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    Elf *e = elf_begin(fd, ELF_C_WRITE, NULL);
    assert_non_null(e);
    GElf_Ehdr eh;
    assert_non_null(gelf_newehdr(e, ELFCLASS64));
    assert_non_null(gelf_getehdr(e, &eh));
    eh.e_ident[EI_DATA] = ELFDATA2LSB;
    eh.e_type = ET_DYN;
    eh.e_machine = EM_X86_64;
    eh.e_version = EV_CURRENT;
    assert_true(gelf_update_ehdr(e, &eh) != 0);

    size_t symsz = gelf_fsize(e, ELF_T_SYM, 1, EV_CURRENT);
    /* The native GElf_Sym layout equals Elf64_Sym, so the array can be
     * handed to libelf as is. */
    new_section(e, ".text", &shstr, SHT_NOBITS, SHF_ALLOC | SHF_EXECINSTR, TEXT, TEXT_END - TEXT,
                NULL, 0, ELF_T_BYTE, 0, 0);
    new_section(e, ".data", &shstr, SHT_NOBITS, SHF_ALLOC | SHF_WRITE, DATA, 0x1000, NULL, 0,
                ELF_T_BYTE, 0, 0);
    new_section(e, ".symtab", &shstr, SHT_SYMTAB, 0, 0, 0, syms, nsyms * symsz, ELF_T_SYM, 4,
                symsz);
    {
        Elf_Scn *scn = elf_getscn(e, 3);
        GElf_Shdr sh;
        gelf_getshdr(scn, &sh);
        sh.sh_info = (GElf_Word)first_global;
        gelf_update_shdr(scn, &sh);
    }
    new_section(e, ".strtab", &shstr, SHT_STRTAB, 0, 0, 0, str.buf, str.len, ELF_T_BYTE, 0, 0);
    uint32_t shname = strtab_add(&shstr, ".shstrtab");
    new_section(e, "", &shstr, SHT_STRTAB, 0, 0, 0, shstr.buf, shstr.len, ELF_T_BYTE, 0, 0);
    {
        Elf_Scn *scn = elf_getscn(e, 5);
        GElf_Shdr sh;
        gelf_getshdr(scn, &sh);
        sh.sh_name = shname;
        gelf_update_shdr(scn, &sh);
        /* shstr.buf may have moved with the last add: point at it again. */
        Elf_Data *d = elf_getdata(scn, NULL);
        d->d_buf = shstr.buf;
        d->d_size = shstr.len;
    }
    assert_non_null(gelf_getehdr(e, &eh));
    eh.e_shstrndx = 5;
    assert_true(gelf_update_ehdr(e, &eh) != 0);
    if (elf_update(e, ELF_C_WRITE) < 0)
        fail_msg("elf_update: %s", elf_errmsg(-1));
    elf_end(e);
    close(fd);
    free(syms);
    free(str.buf);
    free(shstr.buf);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_synthetic_edges_and_scale(void **state)
{
    (void)state;
    char dir[] = "/tmp/flamepre-synth-XXXXXX", path[PATH_MAX], want[64];
    const uintptr_t b = 0x7f0000000000ULL;

    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/synth.so", dir);
    write_synthetic_elf(path);

    struct symbolizer *S = symbolizer_new();
    assert_int_equal(symbolizer_add_module(S, path, NULL, b, b + TEXT, b + DATA + 0x1000), 0);

    struct {
        uint64_t off;
        const char *want;
    } cases[] = {
        {EDGE + 0x004, "ifunc_sym"},
        {EDGE + 0x008, NULL},          /* gap after a sized symbol */
        {EDGE + 0x11f, "global_name"}, /* global wins, takes alias size */
        {EDGE + 0x120, NULL},
        {EDGE + 0x20f, "memcpy"},    /* version cut */
        {EDGE + 0x3f0, "asm_label"}, /* NOTYPE global, extended */
        {EDGE + 0x405, "outer"},
        {EDGE + 0x415, "inner"},
        {EDGE + 0x480, "outer"}, /* past the nested symbol */
        {EDGE + 0x500, NULL},    /* "$x" is not a function */
        {EDGE + 0x605, "bad_name_x_"},
        {EDGE + 0x70a, "foo::bar()"},
        {EDGE + 0x8ff, "last_zero"},  /* extended to section end */
        {TEXT_END, NULL},             /* ... and not beyond */
        {DATA + 0x20, NULL},          /* objects are not functions */
        {TEXT + 3 * 16 + 15, "fn_3"}, /* zero-size, to next symbol */
        {TEXT + 4 * 16 + 15, "fn_4"},
        {TEXT + (NFN - 1) * 16ULL + 15, "fn_99999"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *got = symbolizer_name(S, b + cases[i].off);
        const char *w = cases[i].want;
        if (!w) {
            snprintf(want, sizeof(want), "[synth.so+0x%llx]", (unsigned long long)cases[i].off);
            w = want;
        }
        if (strcmp(got, w) != 0)
            fail_msg("offset 0x%llx: got '%s', want '%s'", (unsigned long long)cases[i].off, got,
                     w);
    }
    symbolizer_free(S);

    /* Scale: load 100k symbols and name 100k distinct addresses, then the
     * same again from the cache. Milliseconds when optimized; the bound is
     * loose for sanitizer builds and busy machines. */
    double t0 = now_s();
    S = symbolizer_new();
    symbolizer_add_module(S, path, NULL, b, b + TEXT, b + DATA + 0x1000);
    for (int pass = 0; pass < 2; pass++) {
        for (size_t k = 0; k < NFN; k++) {
            size_t i = (k * 104729) % NFN;
            const char *got = symbolizer_name(S, b + TEXT + i * 16 + 7);
            char exp[32];
            snprintf(exp, sizeof(exp), "fn_%zu", i);
            if (strcmp(got, exp) != 0)
                fail_msg("fn %zu: got '%s'", i, got);
        }
    }
    double dt = now_s() - t0;
    print_message("synthetic: 100k symbols, 200k lookups in %.1f ms\n", dt * 1e3);
    assert_true(dt < 2.0);
    struct symbolizer_stats st;
    symbolizer_stats(S, &st);
    assert_int_equal(st.lookups, 2 * NFN);
    assert_int_equal(st.unresolved, 0);
    symbolizer_free(S);
    rm_rf(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_binary),
        cmocka_unit_test(test_stripped_falls_back),
        cmocka_unit_test(test_display_name_override),
        cmocka_unit_test(test_debuglink),
        cmocka_unit_test(test_debuglink_search_and_verify),
        cmocka_unit_test(test_unknown_and_overlap),
        cmocka_unit_test(test_self_modules),
        cmocka_unit_test(test_demangle),
        cmocka_unit_test(test_demangle_threads),
        cmocka_unit_test(test_sanitize),
        cmocka_unit_test(test_lines),
        cmocka_unit_test(test_synthetic_edges_and_scale),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
