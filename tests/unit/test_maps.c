/*
 * Module maps (collector/maps.h): /proc/<pid>/maps lines to modules with
 * load biases, module-map epochs, and names picked by epoch when two
 * libraries used the same addresses one after the other.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <elf.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collector/maps.h"
#include "collector/symbolize.h"

static const char *testdata(const char *file)
{
    static char buf[4][PATH_MAX];
    static int k;
    const char *dir = getenv("FLAMEPRE_TESTDATA");
    char *b = buf[k++ & 3];
    snprintf(b, PATH_MAX, "%s/%s", dir && *dir ? dir : "build/testdata", file);
    char *r = realpath(b, NULL);
    if (r) {
        snprintf(b, PATH_MAX, "%s", r);
        free(r);
    }
    return b;
}

/* The executable PT_LOAD of an ELF (offset, vaddr, size) and the value of
 * symbol `name`. */
static void elf_info(const char *path, const char *name, uint64_t *off, uint64_t *vaddr,
                     uint64_t *size, uint64_t *sym)
{
    int fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    elf_version(EV_CURRENT);
    Elf *e = elf_begin(fd, ELF_C_READ, NULL);
    assert_non_null(e);
    size_t n;
    assert_int_equal(elf_getphdrnum(e, &n), 0);
    *size = 0;
    for (size_t i = 0; i < n; i++) {
        GElf_Phdr ph;
        if (gelf_getphdr(e, (int)i, &ph) && ph.p_type == PT_LOAD && (ph.p_flags & PF_X)) {
            *off = ph.p_offset;
            *vaddr = ph.p_vaddr;
            *size = ph.p_memsz;
        }
    }
    assert_true(*size > 0);
    *sym = 0;
    Elf_Scn *scn = NULL;
    GElf_Shdr sh;
    while (name && (scn = elf_nextscn(e, scn))) {
        if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB)
            continue;
        Elf_Data *d = elf_getdata(scn, NULL);
        for (size_t i = 0; d && i < sh.sh_size / sh.sh_entsize; i++) {
            GElf_Sym s;
            const char *nm;
            if (gelf_getsym(d, (int)i, &s) && (nm = elf_strptr(e, sh.sh_link, s.st_name)) &&
                !strcmp(nm, name))
                *sym = s.st_value;
        }
    }
    elf_end(e);
    close(fd);
}

static unsigned long inode(const char *path)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    return (unsigned long)st.st_ino;
}

#define LO 0x7f1234560000ull

static void line(char *buf, size_t len, uint64_t lo, uint64_t size, uint64_t off, const char *path)
{
    size_t used = strlen(buf);
    snprintf(buf + used, len - used, "%llx-%llx r-xp %08llx 08:01 %lu    %s\n",
             (unsigned long long)lo, (unsigned long long)(lo + ((size + 4095) & ~4095ull)),
             (unsigned long long)(off & ~4095ull), inode(path), path);
}

static void test_bias_and_epochs(void **st)
{
    (void)st;
    const char *a = testdata("symtest"), *b = testdata("symtest-stripped");
    uint64_t off = 0, vaddr = 0, size = 0, big = 0;
    elf_info(a, "symtest_big", &off, &vaddr, &size, &big);
    assert_true(big >= vaddr && big < vaddr + size);

    char text[8192] = "";
    strcat(text, "55d000000000-55d000021000 rw-p 00000000 00:00 0    [heap]\n");
    line(text, sizeof text, LO, size, off, a);
    strcat(text, "7ffd00000000-7ffd00002000 r-xp 00000000 00:00 0    [vdso]\n");
    struct module_map mm = {0};
    assert_int_equal(maps_parse(getpid(), text, &mm, 0), 2);
    assert_int_equal(mm.n, 2);
    /* The mapping puts file offset (off & ~4095) at LO. */
    uint64_t want = LO - (vaddr - off) - (off & ~4095ull);
    assert_int_equal(mm.v[0].bias, want);
    assert_int_equal(mm.v[0].ep_lo, 0);
    assert_int_equal(mm.v[0].ep_hi, SYMBOLIZER_EPOCH_ANY);
    assert_int_equal(mm.v[1].vdso, 1);

    /* The same text again: nothing changes. */
    assert_int_equal(maps_parse(getpid(), text, &mm, 1), 0);
    assert_int_equal(mm.n, 2);

    /* Another file at the same addresses from epoch 2. */
    char text2[8192] = "";
    line(text2, sizeof text2, LO, size, off, b);
    strcat(text2, "7ffd00000000-7ffd00002000 r-xp 00000000 00:00 0    [vdso]\n");
    assert_int_equal(maps_parse(getpid(), text2, &mm, 2), 2); /* one new, one gone */
    assert_int_equal(mm.n, 3);
    assert_int_equal(mm.v[0].ep_hi, 1);
    assert_int_equal(mm.v[2].ep_lo, 2);

    struct symbolizer *S = symbolizer_new();
    maps_register(&mm, S);
    uintptr_t pc = (uintptr_t)(big + mm.v[0].bias);
    assert_string_equal(symbolizer_name_at(S, pc, 0), "symtest_big");
    assert_string_equal(symbolizer_name_at(S, pc, 1), "symtest_big");
    /* epoch 2: the stripped file (no .symtab: not symtest_big) */
    assert_string_not_equal(symbolizer_name_at(S, pc, 2), "symtest_big");
    /* cached per epoch: asking again gives the same answers */
    assert_string_equal(symbolizer_name_at(S, pc, 0), "symtest_big");
    symbolizer_free(S);
    maps_free(&mm);
}

static void test_garbage(void **st)
{
    (void)st;
    static const char *const bad[] = {
        "",
        "\n\n",
        "garbage",
        "0-0 r-xp 0 0:0 0 /nonexistent\n",
        "zzzz-yyyy r-xp 00000000 08:01 1 /bin/sh\n",
        "1000-0 r-xp 00000000 08:01 1 /bin/sh\n",
        "1000-2000 r-x\n",
        "1000-2000 rwxp 00000000 08:01 99999999 /bin/sh\n", /* inode mismatch */
        "1000-2000 r-xp 00000000 08:01 1 relative/path\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        struct module_map mm = {0};
        assert_true(maps_parse(getpid(), bad[i], &mm, 0) <= 0);
        assert_int_equal(mm.n, 0);
        maps_free(&mm);
    }
    /* a line longer than any path */
    size_t n = 3 * PATH_MAX;
    char *big = malloc(n + 1);
    memset(big, 'a', n);
    big[n] = 0;
    struct module_map mm = {0};
    maps_parse(getpid(), big, &mm, 0);
    maps_free(&mm);
    free(big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bias_and_epochs),
        cmocka_unit_test(test_garbage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
