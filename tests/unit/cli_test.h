#ifndef FLAMEPRE_TESTS_CLI_TEST_H
#define FLAMEPRE_TESTS_CLI_TEST_H
/*
 * Helpers for unit tests that drive a flamepre subcommand (render/cmd.h)
 * the way main() does, and read back what it wrote. Include after cmocka.h.
 */
#include <stdio.h>
#include <stdlib.h>

/* Run cmd with argv made of writable copies of args (NULL-terminated, at
 * most 8 entries of 511 bytes), as main() would pass them. */
static inline int cli_run(int (*cmd)(int, char **), const char *const *args)
{
    static char store[8][512];
    char *argv[9];
    int argc = 0;
    for (; args[argc]; argc++) {
        assert_true(argc < 8);
        snprintf(store[argc], sizeof(store[argc]), "%s", args[argc]);
        argv[argc] = store[argc];
    }
    argv[argc] = NULL;
    return cmd(argc, argv);
}

/* The first MiB of a file, NUL-terminated (*len bytes); the caller frees. */
static inline char *cli_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *buf = malloc(1 << 20);
    assert_non_null(buf);
    *len = fread(buf, 1, (1 << 20) - 1, f);
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

#endif
