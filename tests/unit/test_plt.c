/*
 * PLT stub naming (collector/plt.h), on this test binary itself: its calls
 * into libcmocka and libc go through PLT stubs, whose names must come out
 * as "<function>@plt" at the stubs' addresses, and the symbolizer must
 * answer a sample inside one with that name.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <link.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collector/plt.h"
#include "collector/symbolize.h"

static long self_stubs(struct plt_stub **v)
{
    assert_int_not_equal(elf_version(EV_CURRENT), EV_NONE);
    int fd = open("/proc/self/exe", O_RDONLY);
    assert_true(fd >= 0);
    Elf *e = elf_begin(fd, ELF_C_READ, NULL);
    assert_non_null(e);
    long n = plt_stubs(e, v);
    elf_end(e);
    close(fd);
    return n;
}

static void test_stubs_of_self(void **state)
{
    (void)state;
    struct plt_stub *v;
    long n = self_stubs(&v);
    assert_true(n > 3);
    int cmocka_stub = 0;
    for (long i = 0; i < n; i++) {
        size_t len = strlen(v[i].name);
        assert_true(len > 4);
        assert_string_equal(v[i].name + len - 4, "@plt");
        assert_true(v[i].lo < v[i].hi && v[i].hi - v[i].lo <= 16);
        if (i)
            assert_true(v[i - 1].hi <= v[i].lo);
        if (strcmp(v[i].name, "_cmocka_run_group_tests@plt") == 0)
            cmocka_stub = 1;
    }
    assert_true(cmocka_stub);
    plt_free(v, n);
}

/* The main program's load bias. */
static int bias_cb(struct dl_phdr_info *info, size_t size, void *arg)
{
    (void)size;
    *(uintptr_t *)arg = info->dlpi_addr;
    return 1; /* the first object is the executable */
}

static void test_symbolizer_names_stub(void **state)
{
    (void)state;
    struct plt_stub *v;
    long n = self_stubs(&v);
    assert_true(n > 0);
    uintptr_t bias = 0;
    dl_iterate_phdr(bias_cb, &bias);
    struct symbolizer *sym = symbolizer_new();
    assert_non_null(sym);
    assert_int_equal(symbolizer_add_module(sym, "/proc/self/exe", "test_plt", bias, bias + v[0].lo,
                                           bias + v[n - 1].hi),
                     0);
    /* an address inside the stub, as a sample would hit it */
    const char *name = symbolizer_name(sym, bias + v[n - 1].lo + 4);
    assert_string_equal(name, v[n - 1].name);
    symbolizer_free(sym);
    plt_free(v, n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stubs_of_self),
        cmocka_unit_test(test_symbolizer_names_stub),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
